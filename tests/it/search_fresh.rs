//! Issue 5, search freshness: whoever changes an article or a page (here,
//! plain SQL on a connection of its own, as the back office or a script
//! would), the running indexer brings search up to date within 2 seconds:
//! publish, edit, unpublish, trash, delete, scheduled times; on PostgreSQL
//! also across two instances sharing the database, with both draining the
//! queue at once.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use fupin::app::AppState;
use fupin::db::channels::ChannelTree;
use fupin::search::{self, SearchQuery};

use crate::harness::{TestApp, backends};
use crate::search_quality::{Val, exec, found};

/// Polls `check` until it holds or `limit` passes; returns the time taken.
async fn within<F, Fut>(limit: Duration, what: &str, mut check: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    loop {
        if check().await {
            return start.elapsed();
        }
        assert!(start.elapsed() < limit, "not within {limit:?}: {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

const TWO_S: Duration = Duration::from_secs(2);

async fn has(app: &TestApp, q: &str, id: i64) -> bool {
    found(app, q).await.contains(&id)
}

async fn in_channel(app: &TestApp, q: &str, channel: i64, id: i64) -> bool {
    search::search(
        &app.state.db,
        &SearchQuery {
            text: q.into(),
            channel_ids: vec![channel],
            page: 1,
            per_page: 100,
            ..SearchQuery::default()
        },
    )
    .await
    .unwrap()
    .hits
    .iter()
    .any(|h| h.id == id)
}

async fn insert_raw(app: &TestApp, channel_id: i64, title: &str, body: &str) -> i64 {
    let now = fupin::db::now();
    exec(
        app,
        "INSERT INTO articles (channel_id, title, body_html, status, published_at, created_at, updated_at)
         VALUES ($1, $2, $3, 'published', $4, $4, $4)",
        &[Val::I(channel_id), Val::S(title), Val::S(body), Val::I(now - 60)],
    )
    .await;
    // The id of what was just written (the newest article).
    fupin::db::articles::latest(&app.state.db, fupin::db::articles::Flag::Any, 1)
        .await
        .unwrap()[0]
        .id
}

#[tokio::test]
async fn every_change_reaches_search_within_two_seconds() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let indexer = search::spawn_indexer(app.state.db.clone());
        let tree = ChannelTree::load(&app.state.db).await.unwrap();
        let ch = tree.by_slug("xiehui-xinwen").unwrap().id;

        // Publish.
        let id = insert_raw(
            &app,
            ch,
            "紫菜养殖技术培训班开班",
            "<p>沿海渔民学习紫菜养殖。</p>",
        )
        .await;
        let took = within(TWO_S, "publish", || has(&app, "紫菜", id)).await;
        eprintln!("{backend}: published → searchable in {took:?}");

        // Edit: the new word is found, the old one no longer.
        exec(
            &app,
            "UPDATE articles SET title = $1, body_html = $2 WHERE id = $3",
            &[
                Val::S("海带养殖技术培训班开班"),
                Val::S("<p>沿海渔民学习海带养殖。</p>"),
                Val::I(id),
            ],
        )
        .await;
        within(TWO_S, "edit", || async {
            has(&app, "海带", id).await && !has(&app, "紫菜", id).await
        })
        .await;

        // Unpublish (back to draft), then publish again.
        exec(
            &app,
            "UPDATE articles SET status = 'draft' WHERE id = $1",
            &[Val::I(id)],
        )
        .await;
        within(TWO_S, "unpublish", || async {
            !has(&app, "海带", id).await
        })
        .await;
        exec(
            &app,
            "UPDATE articles SET status = 'published' WHERE id = $1",
            &[Val::I(id)],
        )
        .await;
        within(TWO_S, "republish", || has(&app, "海带", id)).await;

        // An unpublish time that has passed hides it.
        let now = fupin::db::now();
        exec(
            &app,
            "UPDATE articles SET unpublish_at = $1 WHERE id = $2",
            &[Val::I(now - 1), Val::I(id)],
        )
        .await;
        within(TWO_S, "unpublish time", || async {
            !has(&app, "海带", id).await
        })
        .await;
        exec(
            &app,
            "UPDATE articles SET unpublish_at = NULL WHERE id = $1",
            &[Val::I(id)],
        )
        .await;

        // Scheduled: invisible until its time, then found with no write at all.
        let at = fupin::db::now() + 2;
        exec(
            &app,
            "UPDATE articles SET published_at = $1 WHERE id = $2",
            &[Val::I(at), Val::I(id)],
        )
        .await;
        assert!(
            !has(&app, "海带", id).await,
            "{backend}: scheduled article found early"
        );
        within(Duration::from_secs(5), "scheduled time", || {
            has(&app, "海带", id)
        })
        .await;
        assert!(fupin::db::now() >= at, "{backend}: found before its time");

        // Trash.
        exec(
            &app,
            "UPDATE articles SET status = 'trashed' WHERE id = $1",
            &[Val::I(id)],
        )
        .await;
        within(TWO_S, "trash", || async { !has(&app, "海带", id).await }).await;

        // Delete: gone from the back office's search too, and from the index.
        exec(
            &app,
            "UPDATE articles SET status = 'published' WHERE id = $1",
            &[Val::I(id)],
        )
        .await;
        exec(&app, "DELETE FROM articles WHERE id = $1", &[Val::I(id)]).await;
        within(TWO_S, "delete", || async {
            let r = search::search(
                &app.state.db,
                &SearchQuery {
                    text: "海带".into(),
                    include_unpublished: true,
                    page: 1,
                    per_page: 10,
                    ..SearchQuery::default()
                },
            )
            .await
            .unwrap();
            r.total == 0 && fupin::db::search::queue_len(&app.state.db).await.unwrap() == 0
        })
        .await;

        // A single page edited by plain SQL.
        exec(
            &app,
            "UPDATE pages SET body_html = $1 WHERE slug = 'jobs'",
            &[Val::S("<p>招聘水产技术员两名。</p>")],
        )
        .await;
        within(TWO_S, "page edit", || async {
            let r = search::search(
                &app.state.db,
                &SearchQuery {
                    text: "水产技术员".into(),
                    page: 1,
                    per_page: 10,
                    ..SearchQuery::default()
                },
            )
            .await
            .unwrap();
            r.hits
                .iter()
                .any(|h| h.page_slug.as_deref() == Some("jobs"))
        })
        .await;

        // Moving an article to another channel moves it between the
        // channel-filtered results; the channel's index tag is not a word.
        let other = tree.by_slug("fupin-yaowen").unwrap().id;
        let moved = insert_raw(&app, ch, "茶园套种示范", "<p>茶园。</p>").await;
        within(TWO_S, "insert before move", || {
            in_channel(&app, "茶园", ch, moved)
        })
        .await;
        assert!(!in_channel(&app, "茶园", other, moved).await);
        exec(
            &app,
            "UPDATE articles SET channel_id = $1 WHERE id = $2",
            &[Val::I(other), Val::I(moved)],
        )
        .await;
        within(TWO_S, "channel move", || async {
            in_channel(&app, "茶园", other, moved).await
                && !in_channel(&app, "茶园", ch, moved).await
        })
        .await;
        for tag in [
            format!("c{other}"),
            format!("ch {other}"),
            format!("ch{other}"),
        ] {
            assert!(
                !has(&app, &tag, moved).await,
                "{backend}: tag {tag:?} is not a word"
            );
        }

        // Hit counts are not content: they queue nothing.
        let kept = insert_raw(&app, ch, "网箱养殖", "<p>网箱。</p>").await;
        within(TWO_S, "insert", || has(&app, "网箱", kept)).await;
        fupin::db::articles::add_hits(&app.state.db, &[(kept, 5)])
            .await
            .unwrap();
        assert_eq!(
            fupin::db::search::queue_len(&app.state.db).await.unwrap(),
            0
        );

        indexer.abort();
        app.finish().await;
    }
}

/// Two instances on one PostgreSQL database, each with its own indexer:
/// a change made through one is found through the other within 2 s, and
/// concurrent draining loses no update.
#[tokio::test]
async fn another_instance_sees_changes_on_postgres() {
    if !backends().contains(&"postgres") {
        return;
    }
    let app = TestApp::new("postgres").await;
    let db_b = fupin::db::Db::connect(&app.state.config.database_url)
        .await
        .unwrap();
    let other = AppState::new(db_b.clone(), (*app.state.config).clone());
    let indexer_a = search::spawn_indexer(app.state.db.clone());
    let indexer_b = search::spawn_indexer(db_b.clone());
    let tree = ChannelTree::load(&app.state.db).await.unwrap();
    let ch = tree.by_slug("dishi-lianbo").unwrap().id;

    let found_b = |q: &'static str| {
        let db = other.db.clone();
        async move {
            let r = search::search(
                &db,
                &SearchQuery {
                    text: q.into(),
                    include_unpublished: true,
                    page: 1,
                    per_page: 100,
                    ..SearchQuery::default()
                },
            )
            .await
            .unwrap();
            r.hits.iter().map(|h| h.id).collect::<BTreeSet<i64>>()
        }
    };

    // Written through A, found through B.
    let id = insert_raw(&app, ch, "油茶种植示范基地挂牌", "<p>油茶。</p>").await;
    let took = within(TWO_S, "other instance", || async {
        found_b("油茶").await.contains(&id)
    })
    .await;
    eprintln!("postgres: written on A → searchable on B in {took:?}");

    // Forty quick edits while both indexers drain: the last one wins.
    for i in 0..40 {
        let title = if i == 39 {
            "终稿：砂糖橘丰收".to_string()
        } else {
            format!("第{i}稿：沙田柚丰收")
        };
        exec(
            &app,
            "UPDATE articles SET title = $1 WHERE id = $2",
            &[Val::S(&title), Val::I(id)],
        )
        .await;
    }
    within(TWO_S, "last edit", || async {
        found_b("砂糖橘").await.contains(&id) && !found_b("沙田柚").await.contains(&id)
    })
    .await;

    // Many new articles at once, drained by both: every one is indexed once.
    for i in 0..150 {
        insert_raw(&app, ch, &format!("荔枝产销对接第{i}场"), "<p>荔枝。</p>").await;
    }
    let total = || async {
        search::search(
            &other.db,
            &SearchQuery {
                text: "荔枝".into(),
                page: 1,
                per_page: 10,
                ..SearchQuery::default()
            },
        )
        .await
        .unwrap()
        .total
    };
    within(TWO_S, "bulk", || async { total().await == 150 }).await;
    assert_eq!(fupin::db::search::queue_len(&other.db).await.unwrap(), 0);

    indexer_a.abort();
    indexer_b.abort();
    db_b.close().await;
    app.finish().await;
}

fn fupin(data: &std::path::Path, args: &[&str]) -> std::process::Output {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fupin"))
        .env_remove("FUPIN_DATABASE_URL")
        .env_remove("FUPIN_CONFIG")
        .env("FUPIN_DATA", data)
        .env("FUPIN_LOG", "warn")
        .args(args)
        .output()
        .expect("run fupin");
    assert!(
        out.status.success(),
        "fupin {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The CLI commands that write leave the index up to date without a
/// server; `reindex` and `dict` work from the command line.
#[tokio::test]
async fn cli_commands_keep_the_index_current() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fupin(&data, &["demo"]);
    let out = fupin(&data, &["reindex"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("搜索索引已重建"));
    let out = fupin(&data, &["dict", "add", "桂山岛"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("已加入词典"));
    let out = fupin(&data, &["dict", "list"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "桂山岛");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fupin"))
        .env_remove("FUPIN_DATABASE_URL")
        .env("FUPIN_DATA", &data)
        .args(["dict", "add", "两个 词"])
        .output()
        .unwrap();
    assert!(!out.status.success(), "a word with a space is refused");

    let app = TestApp::in_dir(dir, "sqlite").await;
    assert_eq!(
        fupin::db::search::queue_len(&app.state.db).await.unwrap(),
        0
    );
    let r = search::search(
        &app.state.db,
        &SearchQuery {
            text: "示例".into(),
            page: 1,
            per_page: 5,
            ..SearchQuery::default()
        },
    )
    .await
    .unwrap();
    assert!(r.total > 0, "the demo articles are searchable at once");
    app.finish().await;
}
