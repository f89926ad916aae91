//! `fupin export` (issue 7): the same HTML as the live pages, a configurable
//! search address, atomic publication, incremental re-exports that touch
//! only what changed, and `serve --export-dir` keeping an export current.

use std::path::Path;
use std::time::{Duration, Instant};

use fupin::db::articles::{self, Status};
use fupin::export::{Options, run};

use crate::harness::{Server, TestApp, backends, http_get};

/// Exports the site of `app` into `out`.
async fn export(app: &TestApp, out: &Path, incremental: bool) -> fupin::export::Report {
    run(
        &app.state,
        &Options {
            out: out.to_path_buf(),
            incremental,
            progress: false,
        },
    )
    .await
    .unwrap()
}

fn read(root: &Path, rel: &str) -> String {
    std::fs::read_to_string(root.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn export_matches_live_pages_and_updates_incrementally() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        fupin::demo::fill(&app.state.db).await.unwrap();
        let out = app.dir.path().join("site");
        let report = export(&app, &out, false).await;
        assert!(
            report.full && report.rendered > 100,
            "{backend}: {report:?}"
        );
        let list = articles::listed_ids(&app.state.db).await.unwrap();
        let (id, _) = list[list.len() / 2];
        // Every article file is the live page (the export renders them a
        // channel at a time from one read; the live page queries its window).
        // (Each live view is counted, so each page is fetched once.)
        for (aid, _) in list.iter().filter(|(a, _)| *a != id) {
            assert_eq!(
                read(&out, &format!("a/{aid}.html")),
                app.get(&format!("/a/{aid}.html")).await.body,
                "{backend}: article {aid}"
            );
        }

        for (uri, file) in [
            ("/".to_string(), "index.html".to_string()),
            (
                "/c/fupin-yaowen/".into(),
                "c/fupin-yaowen/index.html".into(),
            ),
            (
                "/c/fupin-yaowen/page/2/".into(),
                "c/fupin-yaowen/page/2/index.html".into(),
            ),
            (format!("/a/{id}.html"), format!("a/{id}.html")),
            ("/map.html".into(), "map.html".into()),
            ("/p/about.html".into(), "p/about.html".into()),
            ("/rss.xml".into(), "rss.xml".into()),
            ("/sitemap.xml".into(), "sitemap.xml".into()),
        ] {
            assert_eq!(
                read(&out, &file),
                app.get(&uri).await.body,
                "{backend}: {file} differs from {uri}"
            );
        }
        let css = fupin::assets::url("site.css");
        assert!(
            out.join(css.trim_start_matches('/')).is_file(),
            "hashed assets are exported"
        );

        // One article changes: few pages are rendered again, the old version stays whole.
        let old_version = std::fs::read_link(&out).unwrap();
        let article = articles::get(&app.state.db, id).await.unwrap().unwrap();
        sqlx::query("UPDATE articles SET title = $1 WHERE id = $2")
            .bind("导出后修改的标题")
            .bind(id)
            .execute(app.state.db.pool())
            .await
            .unwrap();
        let start = Instant::now();
        let report = export(&app, &out, true).await;
        let took = start.elapsed();
        assert!(
            !report.full && report.rendered < 40,
            "{backend}: {report:?}"
        );
        assert!(took < Duration::from_secs(5), "{took:?}");
        assert!(read(&out, &format!("a/{id}.html")).contains("导出后修改的标题"));
        assert!(
            read(&out, "index.html").contains("导出后修改的标题")
                || !app.get("/").await.body.contains("导出后修改的标题")
        );
        assert_eq!(
            read(&out, &format!("a/{id}.html")),
            app.get(&format!("/a/{id}.html")).await.body
        );
        let (newer, older) = articles::around(&app.state.db, &article, 1).await.unwrap();
        for n in newer.iter().chain(older.iter()) {
            assert!(
                read(&out, &format!("a/{}.html", n.id)).contains("导出后修改的标题"),
                "neighbour {} shows the new title",
                n.id
            );
        }
        assert!(
            read(&old_version, &format!("a/{id}.html")).contains(&article.title),
            "the previous version was not modified"
        );

        // A trashed article's page disappears.
        articles::set_status(&app.state.db, id, Status::Trashed, article.published_at)
            .await
            .unwrap();
        let report = export(&app, &out, true).await;
        assert!(report.removed >= 1, "{report:?}");
        assert!(!out.join(format!("a/{id}.html")).exists());
        // That export brought the version before last up to date in place
        // (the changes since it: the title and the trashing).
        assert_eq!(std::fs::read_link(&out).unwrap(), old_version);
        assert!(!report.full && report.rendered < 60, "{report:?}");

        // Once more: the first incremental version is brought up to date,
        // so it must take in the trashing it never saw as well as this change,
        // and the version it replaces as published stays as it was.
        let other = list.iter().map(|(a, _)| *a).find(|a| *a != id).unwrap();
        let before = read(&out, &format!("a/{other}.html"));
        sqlx::query("UPDATE articles SET title = $1 WHERE id = $2")
            .bind("再次修改的标题")
            .bind(other)
            .execute(app.state.db.pool())
            .await
            .unwrap();
        let report = export(&app, &out, true).await;
        assert!(!report.full, "{report:?}");
        let now = std::fs::read_link(&out).unwrap();
        assert_ne!(now, old_version);
        assert!(!out.join(format!("a/{id}.html")).exists());
        assert_eq!(
            read(&out, &format!("a/{other}.html")),
            app.get(&format!("/a/{other}.html")).await.body
        );
        assert!(read(&out, &format!("a/{other}.html")).contains("再次修改的标题"));
        assert_eq!(read(&old_version, &format!("a/{other}.html")), before);
        for (uri, file) in [
            ("/".to_string(), "index.html".to_string()),
            ("/rss.xml".into(), "rss.xml".into()),
        ] {
            assert_eq!(
                read(&out, &file),
                app.get(&uri).await.body,
                "{backend}: {file}"
            );
        }

        // An article moves to another channel: the lists of both channels,
        // its former and its new neighbours all change.
        let moved = list
            .iter()
            .map(|(a, _)| *a)
            .find(|a| *a != id && *a != other)
            .unwrap();
        let m = articles::get(&app.state.db, moved).await.unwrap().unwrap();
        let from = m.channel_id;
        let (newer, older) = articles::around(&app.state.db, &m, 6).await.unwrap();
        let former: Vec<i64> = newer.iter().chain(older.iter()).map(|a| a.id).collect();
        assert!(!former.is_empty());
        let to: i64 = sqlx::query_scalar(
            "SELECT channel_id FROM articles WHERE channel_id <> $1 AND status = 'published' LIMIT 1",
        )
        .bind(from)
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
        sqlx::query("UPDATE articles SET channel_id = $1 WHERE id = $2")
            .bind(to)
            .bind(moved)
            .execute(app.state.db.pool())
            .await
            .unwrap();
        let report = export(&app, &out, true).await;
        assert!(!report.full, "{report:?}");
        let m = articles::get(&app.state.db, moved).await.unwrap().unwrap();
        let (newer, older) = articles::around(&app.state.db, &m, 6).await.unwrap();
        let tree = fupin::db::channels::ChannelTree::load(&app.state.db)
            .await
            .unwrap();
        let mut files: Vec<(String, String)> = former
            .iter()
            .chain(newer.iter().chain(older.iter()).map(|a| &a.id))
            .chain([&moved])
            .map(|a| (format!("/a/{a}.html"), format!("a/{a}.html")))
            .collect();
        for channel in [from, to] {
            for c in tree.ancestry(channel) {
                files.push((
                    format!("/c/{}/", c.slug),
                    format!("c/{}/index.html", c.slug),
                ));
            }
        }
        for (uri, file) in files {
            assert_eq!(
                read(&out, &file),
                app.get(&uri).await.body,
                "{backend}: {file} after a move"
            );
        }
        app.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn exported_search_box_points_to_the_live_site() {
    let app = TestApp::new("sqlite").await;
    let mut config = (*app.state.config).clone();
    config.search_url = "https://www.example.org/search".into();
    let state = fupin::app::AppState::new(app.state.db.clone(), config);
    let out = app.dir.path().join("site");
    run(
        &state,
        &Options {
            out: out.clone(),
            incremental: false,
            progress: false,
        },
    )
    .await
    .unwrap();
    assert!(read(&out, "index.html").contains("action=\"https://www.example.org/search\""));
    // A real directory in the way is refused, not overwritten.
    let blocked = app.dir.path().join("blocked");
    std::fs::create_dir_all(&blocked).unwrap();
    std::fs::write(blocked.join("keep.txt"), "x").unwrap();
    let err = run(
        &state,
        &Options {
            out: blocked.clone(),
            incremental: false,
            progress: false,
        },
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("not an export"));
    assert!(blocked.join("keep.txt").exists());
    app.finish().await;
}

#[test]
fn serve_keeps_an_export_current() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = dir.path().join("public");
    let server = Server::start(&data, &["--demo", "--export-dir", out.to_str().unwrap()]);
    let start = Instant::now();
    while !out.join("index.html").exists() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no export appeared"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let page = dir.path().join("page.txt");
    std::fs::write(&page, "当前位置:首页->>协会新闻\n导出跟随的新稿件\n加入时间:2021-3-4 来源:测试\n\n\u{a0}\u{a0}正文内容。\n\n欢迎访问广东扶贫网\n").unwrap();
    let outp = std::process::Command::new(env!("CARGO_BIN_EXE_fupin"))
        .env("FUPIN_DATA", &data)
        .env_remove("FUPIN_DATABASE_URL")
        .args(["import", "--json"])
        .arg(&page)
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&outp.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&outp.stderr)));
    let href = report[0]["url"]
        .as_str()
        .unwrap()
        .trim_start_matches('/')
        .to_string();
    let start = Instant::now();
    while !out.join(&href).exists() {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "the export did not follow the import"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(http_get(&server.addr, &format!("/{href}")).0, 200);
    server.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn exports_to_one_output_take_turns() {
    let app = TestApp::new(backends()[0]).await;
    fupin::demo::fill(&app.state.db).await.unwrap();
    let out = app.dir.path().join("site");
    let options = Options {
        out: out.clone(),
        incremental: true,
        progress: false,
    };
    run(&app.state, &options).await.unwrap();
    // Another export holds the output's lock: this one waits for it.
    let lock = std::fs::File::create(app.dir.path().join(".site.versions/.lock")).unwrap();
    lock.lock().unwrap();
    let waiting = {
        let (state, options) = (app.state.clone(), options.clone());
        tokio::spawn(async move { run(&state, &options).await })
    };
    let waited = tokio::time::timeout(Duration::from_millis(400), async {
        while !waiting.is_finished() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(waited.is_err(), "the export did not wait for the lock");
    drop(lock);
    let report = waiting.await.unwrap().unwrap();
    assert!(!report.full);
    assert!(out.join("index.html").is_file());
    app.finish().await;
}

/// Every file of an exported site with its contents.
fn site_files(root: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                if rel != ".fupin-export.json" {
                    out.insert(rel, std::fs::read(&p).unwrap());
                }
            }
        }
    }
    out
}

/// Issue 15: exports killed at random moments, full or incremental, never
/// affect the next one: it publishes the same complete site as a fresh
/// full export, and what is published meanwhile is always complete.
#[tokio::test(flavor = "multi_thread")]
async fn killed_exports_never_affect_the_next_one() {
    let app = TestApp::new("sqlite").await;
    fupin::demo::fill(&app.state.db).await.unwrap();
    let data = app.data_dir();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    let cli = |incremental: bool| {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_fupin"));
        c.env_remove("FUPIN_DATABASE_URL")
            .env("FUPIN_DATA", &data)
            .env("FUPIN_LOG", "error")
            .args(["export", "--out"])
            .arg(&out)
            .stdout(std::process::Stdio::null());
        if incremental {
            c.arg("--incremental");
        }
        c
    };
    assert!(cli(false).status().unwrap().success());
    let complete = site_files(&out).len();
    let channel = fupin::db::channels::list(&app.state.db).await.unwrap()[1].id;
    let mut seed = std::process::id() as u64 ^ fupin::db::now() as u64;
    for cycle in 0..4 {
        // A change, then an export killed part-way through.
        articles::insert_published(
            &app.state.db,
            &articles::ArticleFields {
                channel_id: channel,
                title: format!("导出中断测试 {cycle}"),
                body_html: "<p>正文</p>".into(),
                published_at: fupin::db::now(),
                ..articles::ArticleFields::default()
            },
        )
        .await
        .unwrap();
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let delay = Duration::from_millis(20 + (seed >> 33) % 400);
        let mut child = cli(cycle % 2 == 0).spawn().unwrap();
        let started = Instant::now();
        while started.elapsed() < delay && child.try_wait().unwrap().is_none() {
            std::thread::sleep(Duration::from_millis(5));
        }
        let _ = child.kill();
        let _ = child.wait();
        // Whatever was published is a whole site.
        assert!(
            site_files(&out).len() >= complete,
            "cycle {cycle}: a partial site is published"
        );
        assert!(cli(true).status().unwrap().success(), "cycle {cycle}");
    }
    let fresh = dir.path().join("fresh");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_fupin"))
        .env_remove("FUPIN_DATABASE_URL")
        .env("FUPIN_DATA", &data)
        .env("FUPIN_LOG", "error")
        .args(["export", "--out"])
        .arg(&fresh)
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let (got, want) = (site_files(&out), site_files(&fresh));
    let missing: Vec<_> = want
        .keys()
        .filter(|k| !got.contains_key(*k))
        .take(5)
        .collect();
    assert!(
        missing.is_empty(),
        "missing after killed exports: {missing:?}"
    );
    let differ: Vec<_> = want
        .iter()
        .filter(|(k, v)| got.get(*k) != Some(v))
        .map(|(k, _)| k)
        .take(5)
        .collect();
    assert!(
        differ.is_empty(),
        "different after killed exports: {differ:?}"
    );
    assert_eq!(got.len(), want.len());
    app.finish().await;
}
