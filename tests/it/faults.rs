//! Issue 15, faults and load correctness: a full disk answers 507 and
//! writes work again once space returns (no connection left inside a
//! failed transaction), searches never take SQLite's write lock, writers
//! queue instead of failing with "database is locked", and a file that is
//! not a database is named as such at start.

use std::time::Duration;

use axum::http::StatusCode;
use sqlx::Row;

use crate::admin_support::{Browser, Cast};
use crate::harness::{TestApp, location};

async fn save_article(
    b: &Browser<'_>,
    csrf: &str,
    channel: i64,
    title: &str,
) -> crate::harness::Page {
    b.post(
        "/admin/articles/new",
        &[
            ("csrf", csrf),
            ("title", title),
            ("channel_id", &channel.to_string()),
            (
                "body_html",
                &format!("<p>{title}的正文，说明存储空间的情况。</p>"),
            ),
            ("action", "save"),
        ],
    )
    .await
}

async fn count_titled(app: &TestApp, title: &str) -> i64 {
    sqlx::query("SELECT COUNT(*) AS n FROM articles WHERE title = $1")
        .bind(title)
        .fetch_one(app.state.db.pool())
        .await
        .unwrap()
        .try_get("n")
        .unwrap()
}

#[tokio::test]
async fn a_full_disk_answers_507_and_writes_resume_without_a_restart() {
    let app = TestApp::new("sqlite").await;
    let cast = Cast::new(&app).await;
    let (editor, csrf) = Browser::signed_in(&app, cast.admin).await;
    let r = save_article(&editor, &csrf, cast.channel_a, "空间充足时保存").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // The writer's connection may not grow the file any more: a full disk
    // as SQLite sees it.
    let db = &app.state.db;
    let pages: i64 = sqlx::query("PRAGMA page_count")
        .fetch_one(db.writer())
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "PRAGMA max_page_count = {pages}"
    )))
    .execute(db.writer())
    .await
    .unwrap();
    let long = "很长的正文。".repeat(4000);
    let mut refused = 0;
    for i in 0..5 {
        let title = format!("磁盘已满时保存 {i}");
        let r = editor
            .post(
                "/admin/articles/new",
                &[
                    ("csrf", &csrf),
                    ("title", &title),
                    ("channel_id", &cast.channel_a.to_string()),
                    ("body_html", &format!("<p>{long}</p>")),
                    ("action", "save"),
                ],
            )
            .await;
        if r.status == StatusCode::INSUFFICIENT_STORAGE {
            assert!(
                r.body.contains("存储空间已满，请联系网站管理员"),
                "{}",
                r.body
            );
            assert!(r.body.contains("<html"), "a page in the site's style");
            assert_eq!(count_titled(&app, &title).await, 0, "nothing half-written");
            refused += 1;
        } else {
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        }
        // Reads keep working.
        assert_eq!(app.get("/").await.status, StatusCode::OK);
    }
    assert!(refused >= 4, "only {refused} of 5 saves hit the full disk");
    sqlx::query("PRAGMA max_page_count = 1073741823")
        .execute(db.writer())
        .await
        .unwrap();
    // Space is back: the very next save works, on the same connections.
    let r = save_article(&editor, &csrf, cast.channel_a, "空间恢复后保存").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(location(&r).starts_with("/admin/articles/"));
    assert_eq!(count_titled(&app, "空间恢复后保存").await, 1);
    let check: String = sqlx::query("PRAGMA integrity_check")
        .fetch_one(db.pool())
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    assert_eq!(check, "ok");
    app.finish().await;
}

#[tokio::test]
async fn a_search_never_waits_for_the_write_lock() {
    let app = TestApp::new("sqlite").await;
    let db = app.state.db.clone();
    // A writer holds SQLite's write lock (an editor's save under way).
    let mut held = db.begin_write().await.unwrap();
    sqlx::query("INSERT INTO settings (key, value) VALUES ('held', 'x')")
        .execute(&mut *held)
        .await
        .unwrap();
    for q in ["扶贫", "乡村振兴 产业", "\"精准扶贫\""] {
        let uri = format!(
            "/search?q={}",
            url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
        );
        let page = tokio::time::timeout(Duration::from_secs(5), app.get(&uri))
            .await
            .expect("a search waited for the writer");
        assert_eq!(page.status, StatusCode::OK, "{q}: {}", page.body);
    }
    held.rollback().await.unwrap();
    app.finish().await;
}

#[tokio::test]
async fn concurrent_writers_queue_instead_of_failing() {
    let app = TestApp::new("sqlite").await;
    let db = app.state.db.clone();
    let mut tasks = Vec::new();
    for i in 0..48 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            // Reads first, then writes, in one transaction: the pattern that
            // fails at once with "database is locked" without a queue.
            let mut tx = db.begin_write().await?;
            let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM settings")
                .fetch_one(&mut *tx)
                .await?
                .try_get("n")?;
            sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2)")
                .bind(format!("queued-{i}"))
                .bind(n.to_string())
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            // And single writes outside a transaction beside them.
            fupin::db::settings::set(&db, &format!("single-{i}"), "1").await?;
            anyhow::Ok(())
        }));
    }
    for t in tasks {
        t.await.unwrap().expect("no writer fails");
    }
    let n: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM settings WHERE key LIKE 'queued-%' OR key LIKE 'single-%'",
    )
    .fetch_one(db.pool())
    .await
    .unwrap()
    .try_get("n")
    .unwrap();
    assert_eq!(n, 96);
    app.finish().await;
}

#[tokio::test]
async fn a_file_that_is_not_a_database_is_named_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(
        data.join("fupin.db"),
        "这不是数据库，只是一段文字。".repeat(20),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fupin"))
        .env_remove("FUPIN_DATABASE_URL")
        .env("FUPIN_DATA", &data)
        .arg("migrate")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("is not a SQLite database") && err.contains("fupin.db"),
        "{err}"
    );
    assert!(!err.contains("pool timed out"), "{err}");
    // A copy never creates the source it was pointed at.
    let missing = dir.path().join("nowhere/fupin.db");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fupin"))
        .env_remove("FUPIN_DATABASE_URL")
        .env("FUPIN_DATA", dir.path().join("other"))
        .args(["copy", "--from", &format!("sqlite://{}", missing.display())])
        .args([
            "--to",
            &format!("sqlite://{}", dir.path().join("to/fupin.db").display()),
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("does not exist"), "{err}");
    assert!(!missing.exists() && !missing.parent().unwrap().exists());
}
