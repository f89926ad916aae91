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
    // As a served site has it: the folding table's stamp (a restore's
    // reindex records it too).
    fupin::search::refold_if_changed(&app.state.db)
        .await
        .unwrap();
    fupin::search::drain(&app.state.db).await.unwrap();
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
            for i in 0..150 {
                let input = fupin::db::articles::ArticleFields {
                    channel_id: channel,
                    title: format!("备份期间写入的文章 {i}"),
                    body_html: format!("<p>第 {i} 篇</p>"),
                    published_at: db::now(),
                    ..Default::default()
                };
                fupin::db::articles::insert_published(&db, &input)
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

#[tokio::test]
async fn admins_list_take_and_download_backups_and_see_a_failure_on_the_dashboard() {
    let app = TestApp::new("sqlite").await;
    let cast = Cast::new(&app).await;
    let (admin, csrf) = Browser::signed_in(&app, cast.admin).await;
    let page = admin.get("/admin/backups").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("还没有备份"), "empty at first");
    let r = admin.post("/admin/backups", &[("csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        crate::harness::location(&r).contains("taken="),
        "{}",
        crate::harness::location(&r)
    );
    let page = admin.get(crate::harness::location(&r)).await;
    assert!(
        page.body.contains("备份完成") && page.body.contains("成功"),
        "{}",
        page.body
    );
    let dir = app.data_dir().join("backups");
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(files.len(), 1);
    let name = files[0].to_string_lossy().into_owned();
    assert!(name.ends_with(".fupin-backup") && page.body.contains(&name));
    // The download is the file itself.
    let url = format!("/admin/backups/file/{name}");
    let got = admin.get(&url).await;
    assert_eq!(got.status, StatusCode::OK);
    assert!(got.header("content-disposition").contains("attachment"));
    // Only admins; no other file is reachable through the name.
    let (editor, _) = Browser::signed_in(&app, cast.editor_a).await;
    assert_eq!(editor.get(&url).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        editor.get("/admin/backups").await.status,
        StatusCode::FORBIDDEN
    );
    for bad in ["..%2Ffupin.db", "fupin.db", ".x.fupin-backup.partial"] {
        let r = admin.get(&format!("/admin/backups/file/{bad}")).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{bad}");
    }
    // Without a token nothing is taken.
    let r = admin.post("/admin/backups", &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
    // A failed backup shows on the admin's dashboard.
    let id = fupin::db::backups::start(&app.state.db, "fupin-x.fupin-backup", "scheduled")
        .await
        .unwrap();
    fupin::db::backups::finish(&app.state.db, id, Err("磁盘已满".into()))
        .await
        .unwrap();
    let dash = admin.get("/admin").await;
    assert!(
        dash.body.contains("数据备份")
            && dash.body.contains("失败")
            && dash.body.contains("磁盘已满"),
        "{}",
        dash.body
    );
    assert!(!editor.get("/admin").await.body.contains("磁盘已满"));
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_daily_backup_runs_once_per_slot_across_instances_and_keeps_the_newest() {
    let app = TestApp::new("sqlite").await;
    let mut config = (*app.state.config).clone();
    config.backup_keep = 2;
    let one =
        fupin::app::AppState::new(fupin::app::open_db(&config).await.unwrap(), config.clone());
    let two =
        fupin::app::AppState::new(fupin::app::open_db(&config).await.unwrap(), config.clone());
    let minute = config.backup_minute.expect("on by default");
    // Three days, each at the configured time (Asia/Shanghai).
    let day0 = (db::now() / 86_400) * 86_400 - 8 * 3600 + i64::from(minute) * 60;
    let dir = config.backup_dir.clone();
    for (day, expected) in [(0, 1usize), (1, 2), (2, 2)] {
        let at = day0 + day * 86_400 + 30;
        let (a, b) = tokio::join!(
            fupin::cluster::run_due_jobs(&one, at),
            fupin::cluster::run_due_jobs(&two, at)
        );
        let ran = [a.unwrap(), b.unwrap()]
            .iter()
            .flatten()
            .filter(|j| **j == fupin::backup::schedule::JOB)
            .count();
        assert_eq!(ran, 1, "day {day}: one instance backs up");
        // Not again later in the same slot.
        assert!(
            !fupin::cluster::run_due_jobs(&one, at + 60)
                .await
                .unwrap()
                .contains(&fupin::backup::schedule::JOB)
        );
        // The backup runs in a task of its own: wait for its log row.
        let started = std::time::Instant::now();
        loop {
            let runs = fupin::db::backups::recent(&one.db, 10).await.unwrap();
            if runs.len() == day as usize + 1 && runs.iter().all(|r| r.ok == Some(true)) {
                break;
            }
            assert!(
                started.elapsed().as_secs() < 60,
                "the backup did not finish"
            );
            tokio::task::yield_now().await;
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        // Pruning follows the log row; wait for the count to settle.
        let started = std::time::Instant::now();
        while fupin::backup::schedule::list(&one).unwrap().len() != expected {
            assert!(
                started.elapsed().as_secs() < 30,
                "day {day}: {:?}",
                fupin::backup::schedule::list(&one)
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        // File names carry the wall-clock second: keep them apart.
        while fupin::backup::schedule::file_name(db::now())
            == fupin::backup::schedule::list(&one).unwrap()[0].0
        {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
    assert!(dir.is_dir());
    app.finish().await;
}

#[tokio::test]
async fn an_older_backup_restores_through_the_migrations() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old");
    std::fs::create_dir_all(&old).unwrap();
    let db = Db::connect(&db::sqlite_url_for(&old)).await.unwrap();
    db::migrate_upto(&db, 11).await.unwrap();
    sqlx::query("INSERT INTO settings (key, value) VALUES ('site.name', '旧版本的站点')")
        .execute(db.pool())
        .await
        .unwrap();
    let file = dir.path().join("old.fupin-backup");
    let report = backup::create(&db, &old.join("media"), &file)
        .await
        .unwrap();
    db.close().await;
    assert_eq!(report.manifest.schema_version, 11);
    let target = dir.path().join("new");
    let restored = restore_into(&file, &target, None, false).await.unwrap();
    assert!(restored.migrated.contains(&12), "{:?}", restored.migrated);
    let db = Db::connect(&db::sqlite_url_for(&target)).await.unwrap();
    assert_eq!(
        db::current_version(&db).await.unwrap(),
        db::known_version(db.backend())
    );
    let name: String = sqlx::query("SELECT value FROM settings WHERE key = 'site.name'")
        .fetch_one(db.pool())
        .await
        .unwrap()
        .get("value");
    assert_eq!(name, "旧版本的站点");
    db.close().await;
}
