//! The browser test: headless Chromium (Debian's package) driven by
//! `tests/browser/run.mjs` with playwright-core against a real `fupin
//! serve`, at desktop and phone widths, then `tests/browser/care.mjs`
//! (issue 21: axe-core, 关怀版, phone reading, keyboard) on the same
//! server. Screenshots go to `target/screenshots/`.

use std::path::Path;
use std::process::Command;

use crate::harness::Server;

#[test]
fn pages_render_cleanly_in_chromium() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let script = root.join("tests/browser/run.mjs");
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
    let server = Server::start(&dir.path().join("data"), &["--demo"]);
    let shots = root.join("target/screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let out = Command::new("node")
        .arg(&script)
        .env("FUPIN_URL", format!("http://{}", server.addr))
        .env("FUPIN_CHROMIUM", &chromium)
        .env("FUPIN_SHOTS", &shots)
        .output()
        .expect("run node");
    // Issue 21 on the same server: axe-core, 关怀版, phone, keyboard.
    let care = Command::new("node")
        .arg(root.join("tests/browser/care.mjs"))
        .env("FUPIN_URL", format!("http://{}", server.addr))
        .env("FUPIN_CHROMIUM", &chromium)
        .output()
        .expect("run node");
    server.stop();
    for (out, done) in [
        (out, "all browser checks passed"),
        (care, "all care and accessibility checks passed"),
    ] {
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "browser checks failed:\n{stdout}\n{stderr}"
        );
        assert!(stdout.contains(done), "{stdout}");
    }
}
