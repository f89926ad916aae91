//! The back office in headless Chromium (issue 4): a writer logs in, writes
//! an article with a table pasted from Word and an uploaded picture, and
//! submits it; a reviewer approves it; it shows on the public site. Driven
//! by `tests/browser/admin.mjs` against a real `fupin serve` whose users
//! were made with `fupin user add`. Screenshots go to `target/screenshots/`.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::harness::Server;

const PASSWORD: &str = "Browser test password";

fn add_user(data: &Path, name: &str, role: &str) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fupin"))
        .env_remove("FUPIN_DATABASE_URL")
        .env_remove("FUPIN_CONFIG")
        .env("FUPIN_DATA", data)
        .env("FUPIN_LOG", "warn")
        .args(["user", "add", name, "--role", role, "--password-stdin"])
        .stdin(Stdio::piped())
        .spawn()
        .expect("fupin user add");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(PASSWORD.as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success(), "user add {name}");
}

#[test]
fn a_writer_and_a_reviewer_publish_through_the_back_office_in_chromium() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let chromium = std::env::var("FUPIN_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let missing = if !Path::new(&chromium).exists() {
        Some(format!(
            "{chromium} is not installed (apt-get install chromium fonts-noto-cjk)"
        ))
    } else if !root
        .join("tests/browser/node_modules/playwright-core")
        .is_dir()
        || !root.join("tests/browser/node_modules/axe-core").is_dir()
    {
        Some("tests/browser/node_modules is missing (run npm ci in tests/browser)".to_string())
    } else {
        None
    };
    if let Some(why) = missing {
        if std::env::var("CI").is_ok() {
            panic!("browser test cannot run in CI: {why}");
        }
        eprintln!("skipped: {why}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    add_user(&data, "zhuangao", "writer");
    add_user(&data, "shenhe", "reviewer");
    add_user(&data, "guanli", "admin");
    let png = dir.path().join("合作社.png");
    image::RgbImage::from_fn(320, 200, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    })
    .save(&png)
    .unwrap();
    let server = Server::start(&data, &[]);
    let shots = root.join("target/screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let out = Command::new("node")
        .arg(root.join("tests/browser/admin.mjs"))
        .env("FUPIN_URL", format!("http://{}", server.addr))
        .env("FUPIN_CHROMIUM", &chromium)
        .env("FUPIN_SHOTS", &shots)
        .env("FUPIN_PNG", &png)
        .env("FUPIN_PASSWORD", PASSWORD)
        .output()
        .expect("run node");
    server.stop();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "browser checks failed:\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains("all back-office browser checks passed"),
        "{stdout}"
    );
}

/// Issue 16: the editor's recovery copy comes back after the tab was
/// closed and the editor opened again (`tests/browser/recovery.mjs`).
#[test]
fn the_recovery_copy_comes_back_after_the_tab_is_closed_in_chromium() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let chromium = std::env::var("FUPIN_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !Path::new(&chromium).exists()
        || !root
            .join("tests/browser/node_modules/playwright-core")
            .is_dir()
    {
        if std::env::var("CI").is_ok() {
            panic!("browser test cannot run in CI: Chromium or tests/browser/node_modules missing");
        }
        eprintln!("skipped: Chromium or tests/browser/node_modules (npm ci) missing");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    add_user(&data, "zhuangao", "writer");
    let server = Server::start(&data, &[]);
    let out = Command::new("node")
        .arg(root.join("tests/browser/recovery.mjs"))
        .env("FUPIN_URL", format!("http://{}", server.addr))
        .env("FUPIN_CHROMIUM", &chromium)
        .env("FUPIN_PASSWORD", PASSWORD)
        .output()
        .expect("run node");
    server.stop();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "browser checks failed:\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains("recovery copy browser checks passed"),
        "{stdout}"
    );
}
