//! Issue 15, backup and restore: a backup taken while articles are being
//! written restores into a fresh data directory with every row of its
//! snapshot; a restored site serves the same pages as its source; a
//! backup crosses SQLite → PostgreSQL → SQLite unchanged; a damaged or
//! newer backup is refused before anything is written; `--force` moves the
//! current site aside.

use std::path::{Path, PathBuf};

use axum::http::StatusCode;
use fupin::backup::{self, RestoreOptions};
use fupin::db::{self, Db, copy};
use sqlx::Row;

use crate::admin_support::{Browser, Cast, png};
use crate::harness::{Target, TestApp};

fn media_of(app: &TestApp) -> PathBuf {
    app.data_dir().join("media")
}

async fn restore_into(
    file: &Path,
    data: &Path,
    url: Option<&str>,
    force: bool,
) -> anyhow::Result<backup::RestoreReport> {
    backup::restore(&RestoreOptions {
        file: file.to_path_buf(),
        data_dir: data.to_path_buf(),
        database_url: url.map_or_else(|| db::sqlite_url_for(data), str::to_string),
        force,
    })
    .await
}

/// Every content table's rows and checksum.
async fn fingerprint(db: &Db) -> Vec<(String, i64, u64)> {
    let mut out = Vec::new();
    for t in copy::tables(db).await.unwrap() {
        let (rows, sum) = copy::checksum(db, &t).await.unwrap();
        out.push((t.name, rows, sum));
    }
    out
}

async fn article_count(db: &Db) -> i64 {
    sqlx::query("SELECT COUNT(*) AS n FROM articles")
        .fetch_one(db.pool())
        .await
        .unwrap()
        .try_get("n")
        .unwrap()
}

/// A site with sample articles and one uploaded picture.
async fn filled_site(backend: &str) -> TestApp {
    let app = TestApp::new(backend).await;
    fupin::demo::fill(&app.state.db).await.unwrap();
    let cast = Cast::new(&app).await;
    let (admin, csrf) = Browser::signed_in(&app, cast.admin).await;
    let r = admin
        .upload("/admin/media/upload", Some(&csrf), "村口.png", &png(), true)
        .await;
    assert!(
        crate::harness::location(&r).contains("msg=saved"),
        "{}: {}",
        r.status,
        r.body
    );
    app
}

/// The site's public addresses, from its sitemap.
async fn public_paths(app: &TestApp) -> Vec<String> {
    let map = app.get("/sitemap.xml").await;
    assert_eq!(map.status, StatusCode::OK);
    let mut paths = vec!["/".to_string()];
    for part in map.body.split("<loc>").skip(1) {
        let url = part.split("</loc>").next().unwrap();
        let path = url.trim_start_matches("http://portal.test");
        if !paths.iter().any(|p| p == path) {
            paths.push(path.to_string());
        }
    }
    paths
}

#[tokio::test]
async fn a_backup_under_load_restores_into_a_fresh_site_serving_identical_pages() {
    let app = filled_site("sqlite").await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("under-load.fupin-backup");
    // An editor keeps saving while the backup runs.
    let writer = {
        let db = app.state.db.clone();
        let channel = fupin::db::channels::ChannelTree::load(&db)
            .await
            .unwrap()
            .by_slug("fupin-yaowen")
            .unwrap()
            .id;
        tokio::spawn(async move {
            let actor = fupin::db::audit::Actor {
                id: None,
                name: "test".into(),
                ip: String::new(),
            };
            for i in 0..150 {
                let input = fupin::db::editorial::EditInput {
                    channel_id: channel,
                    title: format!("备份期间写入的文章 {i}"),
                    body_html: format!("<p>第 {i} 篇</p>"),
                    published_at: db::now(),
                    ..Default::default()
                };
                fupin::db::editorial::create(
                    &db,
                    &input,
                    fupin::db::articles::Status::Published,
                    &actor,
                )
                .await
                .unwrap();
            }
        })
    };
    let report = backup::create(&app.state.db, &media_of(&app), &file)
        .await
        .unwrap();
    writer.await.unwrap();
    assert!(
        report.media_files >= 1,
        "the picture (and its thumbnail) are in"
    );
    let in_backup = report
        .manifest
        .tables
        .iter()
        .find(|t| t.name == "articles")
        .unwrap()
        .rows;
    assert!(in_backup > 0 && in_backup <= article_count(&app.state.db).await);

    // Restored into a fresh data directory: the snapshot's rows, whole.
    let fresh = tempfile::tempdir().unwrap();
    let data = fresh.path().join("data");
    let restored = restore_into(&file, &data, None, false).await.unwrap();
    assert_eq!(restored.media_files, report.media_files);
    let copy_app = TestApp::in_dir(fresh, "sqlite").await;
    assert_eq!(article_count(&copy_app.state.db).await, in_backup);
    for f in &report.manifest.media {
        let on_disk = copy_app.data_dir().join(&f.path);
        assert_eq!(
            std::fs::metadata(&on_disk).unwrap().len(),
            f.size,
            "{}",
            f.path
        );
    }
    let check: String = sqlx::query("PRAGMA integrity_check")
        .fetch_one(copy_app.state.db.pool())
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    assert_eq!(check, "ok");
    assert!(
        sqlx::query("PRAGMA foreign_key_check")
            .fetch_optional(copy_app.state.db.pool())
            .await
            .unwrap()
            .is_none()
    );
    copy_app.finish().await;

    // Once quiet, a second backup restores to a site serving the same pages.
    let quiet = dir.path().join("quiet.fupin-backup");
    backup::create(&app.state.db, &media_of(&app), &quiet)
        .await
        .unwrap();
    let fresh = tempfile::tempdir().unwrap();
    restore_into(&quiet, &fresh.path().join("data"), None, false)
        .await
        .unwrap();
    let twin = TestApp::in_dir(fresh, "sqlite").await;
    let paths = public_paths(&app).await;
    assert!(paths.len() > 20, "{paths:?}");
    for path in &paths {
        let (a, b) = (app.get(path).await, twin.get(path).await);
        assert_eq!(a.status, b.status, "{path}");
        assert!(a.body == b.body, "{path} differs after the restore");
    }
    // The source's index brought up to date (the restore rebuilt the twin's).
    fupin::search::drain(&app.state.db).await.unwrap();
    let search = "/search?q=%E6%89%B6%E8%B4%AB";
    let (a, b) = (app.get(search).await.body, twin.get(search).await.body);
    assert!(a.contains("search-hit") && a == b, "search agrees");
    twin.finish().await;
    app.finish().await;
}

#[tokio::test]
async fn a_backup_crosses_sqlite_to_postgres_and_back_unchanged() {
    if std::env::var("FUPIN_TEST_DATABASE_URL").map_or(true, |u| u.is_empty()) {
        eprintln!("note: FUPIN_TEST_DATABASE_URL is unset; skipping SQLite → PostgreSQL → SQLite");
        return;
    }
    let app = filled_site("sqlite").await;
    let original = fingerprint(&app.state.db).await;
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("from-sqlite.fupin-backup");
    backup::create(&app.state.db, &media_of(&app), &first)
        .await
        .unwrap();
    let pg = Target::new("postgres").await;
    let url = pg.url.clone().unwrap();
    let pg_data = dir.path().join("pg-data");
    restore_into(&first, &pg_data, Some(&url), false)
        .await
        .unwrap();
    let on_pg = Db::connect(&url).await.unwrap();
    assert_eq!(fingerprint(&on_pg).await, original, "on PostgreSQL");
    // Restoring again without --force is refused: the database is in use.
    let again = restore_into(&first, &pg_data, Some(&url), false)
        .await
        .unwrap_err();
    assert!(format!("{again:#}").contains("--force"), "{again:#}");
    let second = dir.path().join("from-postgres.fupin-backup");
    backup::create(&on_pg, &pg_data.join("media"), &second)
        .await
        .unwrap();
    on_pg.close().await;
    let back = dir.path().join("back");
    restore_into(&second, &back, None, false).await.unwrap();
    let on_sqlite = Db::connect(&db::sqlite_url_for(&back)).await.unwrap();
    assert_eq!(fingerprint(&on_sqlite).await, original, "back on SQLite");
    on_sqlite.close().await;
    pg.drop_database().await;
    app.finish().await;
}

#[tokio::test]
async fn damaged_or_newer_backups_are_refused_before_anything_is_written() {
    let app = filled_site("sqlite").await;
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.fupin-backup");
    let report = backup::create(&app.state.db, &media_of(&app), &good)
        .await
        .unwrap();
    // Damaged: one byte changed in the middle.
    let mut bytes = std::fs::read(&good).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x55;
    let bad = dir.path().join("bad.fupin-backup");
    std::fs::write(&bad, &bytes).unwrap();
    let target = dir.path().join("target");
    let err = restore_into(&bad, &target, None, false).await.unwrap_err();
    assert!(
        !target.join("fupin.db").exists(),
        "nothing written: {err:#}"
    );
    // Cut short (a copy that stopped half way).
    let short = dir.path().join("short.fupin-backup");
    std::fs::write(&short, &std::fs::read(&good).unwrap()[..mid]).unwrap();
    assert!(restore_into(&short, &target, None, false).await.is_err());
    assert!(!target.join("fupin.db").exists());
    // From a newer program.
    let newer = dir.path().join("newer.fupin-backup");
    let mut manifest = report.manifest.clone();
    manifest.schema_version = 9_999;
    manifest.tables.clear();
    manifest.media.clear();
    fupin::backup::archive::Writer::create(&newer)
        .unwrap()
        .finish(&manifest)
        .unwrap();
    let err = restore_into(&newer, &target, None, false)
        .await
        .unwrap_err();
    assert!(format!("{err:#}").contains("newer fupin"), "{err:#}");
    assert!(!target.join("fupin.db").exists());

    // Over a site: refused without --force; with it the site is moved aside.
    let occupied = app.data_dir();
    let err = restore_into(&good, &occupied, None, false)
        .await
        .unwrap_err();
    assert!(format!("{err:#}").contains("--force"), "{err:#}");
    app.state.db.close().await;
    let before = std::fs::read(occupied.join("fupin.db")).unwrap();
    let r = restore_into(&good, &occupied, None, true).await.unwrap();
    let aside = r.moved_aside.expect("moved aside");
    assert_eq!(std::fs::read(aside.join("fupin.db")).unwrap(), before);
    assert!(aside.join("media").is_dir());
    let db = Db::connect(&db::sqlite_url_for(&occupied)).await.unwrap();
    assert!(article_count(&db).await > 0);
    db.close().await;
    // No staging folder or partial file is left behind.
    for entry in std::fs::read_dir(&occupied).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(!name.starts_with(".restore-"), "{name}");
    }
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(!name.ends_with(".partial"), "{name}");
    }
}

#[tokio::test]
async fn the_cli_backs_up_a_running_site_and_restores_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let fupin = |args: &[&str], data: &Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_fupin"))
            .env_remove("FUPIN_DATABASE_URL")
            .env("FUPIN_DATA", data)
            .env("FUPIN_LOG", "warn")
            .args(args)
            .output()
            .unwrap()
    };
    assert!(fupin(&["demo"], &data).status.success());
    let server = crate::harness::Server::start(&data, &[]);
    let file = dir.path().join("site.fupin-backup");
    let out = fupin(
        &["backup", "--out", file.to_str().unwrap(), "--json"],
        &data,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["manifest"]["backend"], "sqlite");
    assert!(json["rows"].as_i64().unwrap() > 0);
    let (status, home) = crate::harness::http_get(&server.addr, "/");
    assert_eq!(status, 200);
    drop(server);
    let other = dir.path().join("other");
    let out = fupin(&["restore", file.to_str().unwrap()], &other);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let server = crate::harness::Server::start(&other, &[]);
    let (status, restored_home) = crate::harness::http_get(&server.addr, "/");
    assert_eq!(status, 200);
    assert_eq!(home, restored_home);
    // A backup of a data directory that holds no site creates nothing.
    let empty = dir.path().join("empty");
    let out = fupin(
        &[
            "backup",
            "--out",
            dir.path().join("x.fupin-backup").to_str().unwrap(),
        ],
        &empty,
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not exist"));
    assert!(!empty.join("fupin.db").exists());
}
