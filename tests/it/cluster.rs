//! Several instances as one site (issue 3): changes made by the CLI are seen
//! by two running servers on one PostgreSQL within 2 seconds; periodic jobs
//! run once per slot however many instances run; `fupin copy` moves a site
//! between backends and verifies it; bad database URLs and newer schemas get
//! clear messages; a server recovers when its database connections drop.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use fupin::app::{AppState, open_db};
use fupin::config::{Config, Overrides};
use fupin::db::articles::{self, ArticleFields, Status};
use sqlx::Executor;

use crate::harness::{Server, TestApp, backends, create_pg_database, drop_pg_database, http_get};

fn pg_configured() -> bool {
    let set = std::env::var("FUPIN_TEST_DATABASE_URL")
        .map(|u| !u.is_empty())
        .unwrap_or(false);
    if !set {
        eprintln!(
            "skipped: FUPIN_TEST_DATABASE_URL is unset, so there is no PostgreSQL server to test against"
        );
    }
    set
}

fn fupin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_fupin"));
    c.env_remove("FUPIN_DATABASE_URL")
        .env_remove("FUPIN_DATA")
        .env("FUPIN_LOG", "warn");
    c
}

const NBSP: char = '\u{a0}';

fn page(title: &str, paragraph: &str) -> String {
    format!(
        "广东扶贫网--广东省扶贫开发协会\n{NBSP}\n扶贫要闻\n部门动态\n{NBSP}\n{NBSP}当前位置:首页->>扶贫前沿->>地市联播\n{title}\n\
         加入时间:2019-5-6{NBSP}{NBSP} 来源:协会秘书处\n\n{NBSP}{NBSP}{NBSP}{NBSP}{paragraph}\n{NBSP}\n\n欢迎访问广东扶贫网\n版权所有:广东省扶贫开发协会\n"
    )
}

/// Polls `f` until it is true or `limit` passes; returns the time it took.
fn within(limit: Duration, mut f: impl FnMut() -> bool) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if f() {
            return Some(start.elapsed());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

#[tokio::test(flavor = "multi_thread")]
async fn two_servers_see_cli_imports_within_two_seconds() {
    if !pg_configured() {
        return;
    }
    let (url, admin, name) = create_pg_database().await;
    let dir = tempfile::tempdir().unwrap();
    let env = [("FUPIN_DATABASE_URL", url.as_str())];
    let one = Server::start_with(&dir.path().join("one"), &[], &env);
    let two = Server::start_with(&dir.path().join("two"), &[], &env);
    let file = dir.path().join("page.txt");
    std::fs::write(&file, page("两地协作推进驻村帮扶", "第一版正文。")).unwrap();
    let out = fupin()
        .env("FUPIN_DATABASE_URL", &url)
        .args(["import", "--json"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let href = report[0]["url"].as_str().unwrap().to_string();
    for server in [&one, &two] {
        let took = within(Duration::from_secs(2), || {
            let (status, body) = http_get(&server.addr, &href);
            status == 200 && body.contains("第一版正文。")
        });
        assert!(
            took.is_some(),
            "{} did not show the import within 2 s",
            server.addr
        );
    }
    // The channel page of each instance lists it too.
    for server in [&one, &two] {
        assert!(
            http_get(&server.addr, "/c/dishi-lianbo/")
                .1
                .contains("两地协作推进驻村帮扶")
        );
    }
    std::fs::write(
        &file,
        page("两地协作推进驻村帮扶", "第二版正文，内容已更新。"),
    )
    .unwrap();
    let out = fupin()
        .env("FUPIN_DATABASE_URL", &url)
        .args(["import", "--json"])
        .arg(&file)
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report[0]["status"], "updated");
    assert_eq!(report[0]["url"], href.as_str());
    for server in [&one, &two] {
        let took = within(Duration::from_secs(2), || {
            let (_, body) = http_get(&server.addr, &href);
            body.contains("第二版正文，内容已更新。") && !body.contains("第一版正文。")
        });
        assert!(
            took.is_some(),
            "{} did not show the re-import within 2 s",
            server.addr
        );
    }
    // A settings change (cached in each instance's layout) shows everywhere too.
    let db = fupin::db::Db::connect(&url).await.unwrap();
    fupin::db::settings::set(&db, "site.phone", "020-88886666")
        .await
        .unwrap();
    db.close().await;
    for server in [&one, &two] {
        let took = within(Duration::from_secs(2), || {
            http_get(&server.addr, "/").1.contains("020-88886666")
        });
        assert!(
            took.is_some(),
            "{} kept showing the old footer",
            server.addr
        );
    }
    one.stop();
    two.stop();
    drop_pg_database(&admin, &name).await;
}

async fn second_state(app: &TestApp) -> AppState {
    let config = (*app.state.config).clone();
    let db = open_db(&config).await.unwrap();
    AppState::new(db, config)
}

#[tokio::test(flavor = "multi_thread")]
async fn periodic_jobs_run_once_across_instances() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let other = second_state(&app).await;
        assert_ne!(app.state.instance, other.instance);
        // A scheduled article that is due.
        let channel = fupin::db::channels::list(&app.state.db).await.unwrap()[1].id;
        let id = articles::insert_published(
            &app.state.db,
            &ArticleFields {
                channel_id: channel,
                title: "定时发布的文章".into(),
                body_html: "<p>到点发布。</p>".into(),
                published_at: fupin::db::now() - 5,
                ..ArticleFields::default()
            },
        )
        .await
        .unwrap();
        articles::set_status(&app.state.db, id, Status::Scheduled, fupin::db::now() - 5)
            .await
            .unwrap();
        assert_eq!(
            app.get(&format!("/a/{id}.html")).await.status,
            StatusCode::NOT_FOUND,
            "not visible before the job"
        );

        let now = fupin::db::now();
        let (a, b) = tokio::join!(
            fupin::cluster::run_due_jobs(&app.state, now),
            fupin::cluster::run_due_jobs(&other, now)
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        for job in fupin::cluster::JOBS {
            let runs = a.iter().filter(|j| **j == job.name).count()
                + b.iter().filter(|j| **j == job.name).count();
            assert_eq!(
                runs, 1,
                "{backend}: {} ran {runs} times in one slot",
                job.name
            );
            let history = fupin::db::changes::job_history(&app.state.db, job.name)
                .await
                .unwrap();
            assert_eq!(history.len(), 1, "{backend}: one claim per slot");
        }
        // Running again in the same slot does nothing anywhere.
        assert!(
            fupin::cluster::run_due_jobs(&app.state, now)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            fupin::cluster::run_due_jobs(&other, now)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            app.get(&format!("/a/{id}.html")).await.status,
            StatusCode::OK,
            "published by the job"
        );
        // The next slot of the short job runs again, once.
        let later = now + fupin::cluster::JOBS[0].period;
        let (a, b) = tokio::join!(
            fupin::cluster::run_due_jobs(&app.state, later),
            fupin::cluster::run_due_jobs(&other, later)
        );
        assert_eq!(
            a.unwrap().len() + b.unwrap().len(),
            if later / 3600 == now / 3600 { 1 } else { 2 }
        );
        other.db.close().await;
        app.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn hit_counts_from_two_instances_add_up() {
    use crate::visits::{browse, total_of};
    use fupin::stats::kind;
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let other = second_state(&app).await;
        fupin::demo::fill(&app.state.db).await.unwrap();
        let id = articles::latest(&app.state.db, articles::Flag::Any, 1)
            .await
            .unwrap()[0]
            .id;
        let before = articles::get(&app.state.db, id)
            .await
            .unwrap()
            .unwrap()
            .hits;
        let uri = format!("/a/{id}.html");
        // One reader on both instances, another on the second only.
        for _ in 0..3 {
            browse(&app.state, &uri, "198.51.100.1").await;
        }
        for _ in 0..3 {
            browse(&other, &uri, "198.51.100.1").await;
        }
        browse(&other, &uri, "198.51.100.2").await;
        let (a, b) = tokio::join!(
            app.state.hits.flush(&app.state.db),
            other.hits.flush(&other.db)
        );
        a.unwrap();
        b.unwrap();
        assert_eq!(
            articles::get(&app.state.db, id)
                .await
                .unwrap()
                .unwrap()
                .hits,
            before + 7,
            "{backend}"
        );
        let (views, visitors) = total_of(&app, kind::ARTICLE, &id.to_string()).await;
        assert_eq!(
            (views, visitors),
            (7, 2),
            "{backend}: a reader seen by both instances counts once"
        );
        other.db.close().await;
        app.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn change_watch_sees_writes_from_elsewhere() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let other = second_state(&app).await;
        app.state.changes.poll(&app.state.db).await.unwrap();
        let seen = app.state.changes.current();
        assert!(
            !app.state.changes.poll(&app.state.db).await.unwrap(),
            "nothing changed yet"
        );
        fupin::db::settings::set(&other.db, "site.phone", "020-12345678")
            .await
            .unwrap();
        assert!(
            app.state.changes.poll(&app.state.db).await.unwrap(),
            "{backend}: a settings change is seen"
        );
        assert!(app.state.changes.current() > seen);
        other.db.close().await;
        app.finish().await;
    }
}

fn demo_site(dir: &Path) -> String {
    let data = dir.join("src");
    let out = fupin()
        .env("FUPIN_DATA", &data)
        .arg("demo")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::create_dir_all(data.join("media/2026/11")).unwrap();
    std::fs::write(
        data.join("media/2026/11/abc.jpg"),
        b"not really a jpeg, just bytes",
    )
    .unwrap();
    format!("sqlite://{}/fupin.db", data.display())
}

#[tokio::test(flavor = "multi_thread")]
async fn copy_moves_a_site_between_backends_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let source = demo_site(dir.path());
    // SQLite to SQLite always works; the PostgreSQL round trip when configured.
    let target = format!("sqlite://{}/dst/fupin.db", dir.path().display());
    let out = fupin()
        .args(["copy", "--from", &source, "--to", &target])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("verified") && stdout.contains("articles"),
        "{stdout}"
    );
    assert!(stdout.contains("1 media files"), "{stdout}");
    assert_eq!(
        std::fs::read(dir.path().join("dst/media/2026/11/abc.jpg")).unwrap(),
        b"not really a jpeg, just bytes"
    );
    // A second copy into the now non-empty target is refused and changes nothing.
    let again = fupin()
        .args(["copy", "--from", &source, "--to", &target])
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("not empty"));

    if !pg_configured() {
        return;
    }
    let (pg, admin, name) = create_pg_database().await;
    let out = fupin()
        .args(["copy", "--from", &source, "--to", &pg])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The copied site serves the same article on PostgreSQL, and new rows get new ids.
    let config = Config::load(Overrides {
        database_url: Some(pg.clone()),
        data: Some(dir.path().join("pgdata")),
        ..Overrides::default()
    })
    .unwrap();
    let db = fupin::db::Db::connect(&config.database_url).await.unwrap();
    let n = articles::count_all(&db).await.unwrap();
    assert!(n > 60);
    let channel = fupin::db::channels::list(&db).await.unwrap()[0].id;
    let new_id = articles::insert_published(
        &db,
        &ArticleFields {
            channel_id: channel,
            title: "复制后新增".into(),
            body_html: "<p>x</p>".into(),
            ..ArticleFields::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(new_id, n + 1, "identity continues after the copied ids");
    db.close().await;
    // And back to SQLite.
    let back = format!("sqlite://{}/back/fupin.db", dir.path().display());
    let out = fupin()
        .args(["copy", "--from", &pg, "--to", &back])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let back_db = fupin::db::Db::connect(&back).await.unwrap();
    assert_eq!(
        articles::count_all(&back_db).await.unwrap(),
        n + 1,
        "the round trip keeps every article"
    );
    assert!(
        articles::get(&back_db, new_id)
            .await
            .unwrap()
            .is_some_and(|a| a.title == "复制后新增")
    );
    back_db.close().await;
    drop_pg_database(&admin, &name).await;
}

#[tokio::test]
async fn bad_database_urls_and_newer_schemas_get_clear_messages() {
    let refused = fupin()
        .args([
            "--database-url",
            "postgres://postgres@127.0.0.1:1/none",
            "migrate",
        ])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1));
    let msg = String::from_utf8_lossy(&refused.stderr);
    assert!(
        msg.contains("cannot connect to the database postgres://postgres@127.0.0.1:1/none")
            && msg.contains("refused"),
        "{msg}"
    );
    let scheme = fupin()
        .args(["--database-url", "mysql://localhost/x", "migrate"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&scheme.stderr).contains("unsupported database URL"));
    let secret = fupin()
        .args([
            "--database-url",
            "postgres://u:hunter2@127.0.0.1:1/x",
            "migrate",
        ])
        .output()
        .unwrap();
    assert!(
        !String::from_utf8_lossy(&secret.stderr).contains("hunter2"),
        "passwords never printed"
    );

    for backend in backends() {
        let app = TestApp::new(backend).await;
        sqlx::query("INSERT INTO fupin_migrations (version, name, applied_at) VALUES (999, 'from_the_future', 0)")
            .execute(app.state.db_pool_for_tests())
            .await
            .unwrap();
        let err = fupin::db::migrate(&app.state.db).await.unwrap_err();
        assert!(
            format!("{err:#}").contains("newer than this program knows"),
            "{err:#}"
        );
        app.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn server_recovers_when_database_connections_drop() {
    if !pg_configured() {
        return;
    }
    let app = TestApp::new("postgres").await;
    assert_eq!(app.get("/").await.status, StatusCode::OK);
    let dbname: String = {
        let row = sqlx::query("SELECT current_database()::text AS d")
            .fetch_one(app.state.db_pool_for_tests())
            .await
            .unwrap();
        sqlx::Row::try_get(&row, "d").unwrap()
    };
    let admin = std::env::var("FUPIN_TEST_DATABASE_URL").unwrap();
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin)
        .await
        .unwrap();
    conn.execute(sqlx::AssertSqlSafe(format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{dbname}' AND pid <> pg_backend_pid()"
    )))
    .await
    .unwrap();
    // Requests may fail while the pool notices; within a few seconds they succeed again.
    let start = Instant::now();
    let mut statuses = Vec::new();
    loop {
        let status = app.get("/").await.status;
        statuses.push(status.as_u16());
        if status == StatusCode::OK {
            break;
        }
        assert_ne!(
            status,
            StatusCode::INTERNAL_SERVER_ERROR,
            "an outage is a 503, not a 500"
        );
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "no recovery: {statuses:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.finish().await;
}
