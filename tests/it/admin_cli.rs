//! `fupin user …` driven as an operator would (issue 4): the real binary in
//! a temporary directory, passwords on standard input, no default account,
//! and `serve` telling how to create the first admin.

use std::io::{BufRead, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};

use axum::http::StatusCode;

use crate::admin_support::Browser;
use crate::harness::TestApp;

fn fupin(data: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_fupin"));
    c.env_remove("FUPIN_DATABASE_URL")
        .env_remove("FUPIN_CONFIG")
        .env("FUPIN_DATA", data)
        .env("FUPIN_LOG", "warn");
    c
}

fn run(data: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = fupin(data)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run fupin");
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).unwrap();
    }
    drop(input);
    child.wait_with_output().expect("wait")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[tokio::test]
async fn user_commands_manage_accounts_without_a_default_one() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // A fresh site has nobody; list says how to make the first admin.
    let o = run(&data, &["user", "list"], None);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("fupin user add"), "{}", text(&o));
    // Passwords come only on standard input, and must be long enough.
    let o = run(&data, &["user", "add", "zhang", "--role", "admin"], None);
    assert!(!o.status.success());
    assert!(text(&o).contains("--password-stdin"), "{}", text(&o));
    let o = run(
        &data,
        &[
            "user",
            "add",
            "zhang",
            "--role",
            "admin",
            "--password-stdin",
        ],
        Some("short\n"),
    );
    assert!(
        !o.status.success() && text(&o).contains("至少"),
        "{}",
        text(&o)
    );
    let o = run(
        &data,
        &["user", "add", "zhang", "--role", "root", "--password-stdin"],
        Some("Long enough pass\n"),
    );
    assert!(
        !o.status.success() && text(&o).contains("未知角色"),
        "{}",
        text(&o)
    );
    let o = run(
        &data,
        &[
            "user",
            "add",
            "zhang",
            "--role",
            "admin",
            "--password-stdin",
        ],
        Some("Long enough pass\n"),
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = run(
        &data,
        &[
            "user",
            "add",
            "ZHANG",
            "--role",
            "writer",
            "--password-stdin",
        ],
        Some("Long enough pass\n"),
    );
    assert!(
        !o.status.success() && text(&o).contains("已被使用"),
        "names are unique in any case: {}",
        text(&o)
    );
    let o = run(
        &data,
        &[
            "user",
            "add",
            "li",
            "--role",
            "编辑",
            "--channel",
            "fupin-yaowen",
            "--display-name",
            "李编辑",
            "--password-stdin",
        ],
        Some("Another long pass"),
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = run(&data, &["user", "list"], None);
    let listing = text(&o);
    assert!(
        listing.contains("zhang\tadmin")
            && listing.contains("li\teditor\t李编辑\tactive\t-\tfupin-yaowen"),
        "{listing}"
    );

    // The accounts work in the app; passwd and disable take effect.
    let app = TestApp::in_dir(dir, "sqlite").await;
    let b = Browser::new(&app);
    assert_eq!(
        b.login("zhang", "Long enough pass").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(b.get("/admin").await.status, StatusCode::OK);
    let data = app.data_dir();
    let o = run(
        &data,
        &["user", "passwd", "zhang", "--password-stdin"],
        Some("A brand new pass\r\n"),
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        crate::admin_support::is_login_redirect(&b.get("/admin").await),
        "passwd ends sessions"
    );
    let c = Browser::at(&app, "10.0.0.2");
    assert_eq!(
        c.login("zhang", "A brand new pass").await.status,
        StatusCode::SEE_OTHER
    );
    let o = run(&data, &["user", "disable", "zhang"], None);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        crate::admin_support::is_login_redirect(&c.get("/admin").await),
        "disable ends sessions"
    );
    assert_eq!(
        c.login("zhang", "A brand new pass").await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let o = run(&data, &["user", "enable", "zhang"], None);
    assert!(o.status.success());
    assert_eq!(
        Browser::at(&app, "10.0.0.3")
            .login("zhang", "A brand new pass")
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let o = run(&data, &["user", "disable", "nobody"], None);
    assert!(!o.status.success() && text(&o).contains("没有名为"));
    // The command line's changes are in the log, with no password.
    let log = fupin::db::audit::recent(&app.state.db, 50).await.unwrap();
    assert!(
        log.iter()
            .any(|e| e.action == "停用用户" && e.actor_name == "命令行")
    );
    assert!(
        log.iter()
            .all(|e| !e.detail.contains("pass") && !e.object.contains("pass"))
    );
    app.finish().await;
}

#[test]
fn serve_says_how_to_create_the_first_admin() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = fupin(&dir.path().join("data"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start");
    let stderr = child.stderr.take().unwrap();
    // Read on a thread so that a missing line fails after a deadline
    // instead of hanging on a server that keeps running.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr).lines() {
            if tx.send(line.unwrap_or_default()).is_err() {
                break;
            }
        }
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let mut found = false;
    while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(line) if line.contains("fupin user add") => {
                found = true;
                break;
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(found, "serve prints the first-admin hint");
}
