//! Issue 6 in a real browser: XSS payloads from `shared/security/payloads/
//! xss` typed as letters into the public form, answered in the back office,
//! published, and read on every page that shows them — no script runs, no
//! element is injected (see `tests/browser/mailbox.mjs`). The CSV export
//! holds them as text. The test answers the captchas from the database the
//! server uses (no bypass exists), and seeds a month of visit statistics
//! so that the statistics page is screenshotted with a real chart.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use fupin::app::AppState;
use fupin::auth::Role;
use fupin::auth::session::{self, Stage};
use sqlx::Row;

use crate::admin_support::{Browser, add_user};
use crate::harness::{Server, Target, TestApp, backends, shared_dir};

/// A spread-out sample of each payload file: `per_file` lines from each.
fn sample_payloads(dir: &Path, per_file: usize) -> Vec<String> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let Ok(bytes) = std::fs::read(&f) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        let lines: Vec<&str> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && l.chars().count() <= 400)
            .collect();
        if lines.is_empty() {
            continue;
        }
        let step = (lines.len() / per_file).max(1);
        out.extend(
            lines
                .iter()
                .step_by(step)
                .take(per_file)
                .map(|l| l.to_string()),
        );
    }
    out
}

/// Letters made of payloads: name, subject and body (several payloads on
/// several lines), and the staff's reply (more payloads).
fn letters_of(payloads: &[String], count: usize) -> Vec<serde_json::Value> {
    let chunk = payloads.len().div_ceil(count).max(1);
    payloads
        .chunks(chunk)
        .enumerate()
        .map(|(i, group)| {
            let mut body = String::new();
            for p in group {
                if body.chars().count() + p.chars().count() + 1 > 1400 {
                    break;
                }
                body.push_str(p);
                body.push('\n');
            }
            let body = format!("第{i}封：\n{body}");
            let reply_from = &payloads[(i * 7 + 3) % payloads.len()..];
            let reply: String = reply_from
                .iter()
                .take(4)
                .map(|p| format!("{p}\n"))
                .collect();
            let name: String = group[0].chars().take(30).collect();
            let subject: String = group[group.len() / 2].chars().take(60).collect();
            serde_json::json!({
                "name": if name.trim().is_empty() { "某人".to_string() } else { name },
                "subject": if subject.trim().is_empty() { "主题".to_string() } else { subject },
                "body": body,
                "reply": format!("答复：\n{reply}"),
            })
        })
        .collect()
}

/// A month of visits, so the chart has something to draw.
async fn seed_visits(state: &AppState) {
    let r = fupin::stats::Recorder::new(true);
    let now = fupin::db::now();
    for back in 0..30i64 {
        let day = fupin::stats::day_of(now - back * 86_400);
        let people = 20 + (back * 37 % 23);
        for who in 0..people {
            for view in 0..(1 + (who + back) % 4) {
                r.record(fupin::stats::Visit {
                    day,
                    visitor: [
                        (who as u8),
                        (back as u8),
                        7,
                        7,
                        7,
                        7,
                        7,
                        7,
                        7,
                        7,
                        7,
                        7,
                        7,
                        7,
                        7,
                        7,
                    ],
                    path: format!("/a/{}.html", 1 + (who + view) % 5),
                    article: Some(1 + (who + view) % 5),
                    channel: None,
                    referrer: (who % 3 == 0).then(|| "www.baidu.com".to_string()),
                    device: if who % 2 == 0 {
                        fupin::stats::agent::Device::Phone
                    } else {
                        fupin::stats::agent::Device::Desktop
                    },
                });
            }
        }
    }
    r.flush(&state.db).await.expect("seed visits");
}

#[tokio::test(flavor = "multi_thread")]
async fn payload_letters_show_as_text_in_a_real_browser() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let chromium = std::env::var("FUPIN_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let skip = if !Path::new(&chromium).exists() {
        Some(format!("{chromium} is not installed"))
    } else if !root
        .join("tests/browser/node_modules/playwright-core")
        .is_dir()
    {
        Some("tests/browser/node_modules is missing (npm ci in tests/browser)".into())
    } else if shared_dir().is_none() {
        Some("../shared is absent: no payload lists".into())
    } else {
        None
    };
    if let Some(why) = skip {
        assert!(
            std::env::var("CI").is_err(),
            "browser test cannot run in CI: {why}"
        );
        eprintln!("skipped: {why}");
        return;
    }
    let payloads = sample_payloads(&shared_dir().unwrap().join("security/payloads/xss"), 6);
    assert!(payloads.len() >= 40, "{} payloads", payloads.len());
    for backend in backends() {
        run_on(backend, root, &chromium, &payloads).await;
    }
}

async fn run_on(backend: &str, root: &Path, chromium: &str, payloads: &[String]) {
    let target = Target::new(backend).await;
    let url = target.url.clone();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let env: Vec<(&str, &str)> = url
        .as_deref()
        .map(|u| ("FUPIN_DATABASE_URL", u))
        .into_iter()
        .collect();
    let server = Server::start_with(&data, &["--demo"], &env);
    // The same database, opened here: captcha answers, staff, seeding.
    let app = TestApp::on_target(dir, target).await;
    let db = app.state.db.clone();
    let work = tempfile::tempdir().unwrap();
    fupin::db::settings::set(&db, fupin::mailbox::guard::LETTERS_PER_HOUR_KEY, "100")
        .await
        .unwrap();
    seed_visits(&app.state).await;
    let admin = add_user(&app, "guanli", Role::Admin, &[]).await;
    let s = session::start(
        &db,
        admin,
        Stage::Full,
        "127.0.0.1",
        "browser",
        fupin::db::now(),
    )
    .await
    .unwrap();
    let letters = letters_of(payloads, 8);
    let letters_file = work.path().join("letters.json");
    std::fs::write(
        &letters_file,
        serde_json::json!({ "letters": letters }).to_string(),
    )
    .unwrap();
    let shots = root.join("target/screenshots");
    std::fs::create_dir_all(&shots).unwrap();

    let mut child = Command::new("node")
        .arg(root.join("tests/browser/mailbox.mjs"))
        .env("FUPIN_URL", format!("http://{}", server.addr))
        .env("FUPIN_CHROMIUM", chromium)
        .env("FUPIN_SHOTS", &shots)
        .env("FUPIN_SESSION", &s.token)
        .env("FUPIN_LETTERS", &letters_file)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run node");
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let handle = tokio::runtime::Handle::current();
    let db2 = db.clone();
    let transcript = tokio::task::spawn_blocking(move || {
        let mut seen = Vec::new();
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(id) = line.strip_prefix("NEED captcha ") {
                let answer: String = handle
                    .block_on(
                        sqlx::query("SELECT answer FROM captchas WHERE id = $1")
                            .bind(id.trim())
                            .fetch_one(db2.pool()),
                    )
                    .map(|r| r.get("answer"))
                    .unwrap_or_default();
                let _ = writeln!(stdin, "{answer}");
            } else if line == "NEED publish" {
                let ok = handle.block_on(async {
                    let (rows, _) =
                        fupin::db::letters::list(&db2, &Default::default(), 0, 100).await?;
                    for l in rows {
                        fupin::db::letters::set_published(&db2, l.id, true).await?;
                    }
                    anyhow::Ok(())
                });
                let _ = writeln!(stdin, "{}", if ok.is_ok() { "OK" } else { "FAILED" });
            } else {
                seen.push(line);
            }
        }
        seen
    })
    .await
    .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let text = transcript.join("\n");
    assert!(
        out.status.success() && text.contains("RESULT ok"),
        "{backend}: browser checks failed:\n{text}\n{stderr}"
    );

    // The CSV export holds every body as text, formulas neutralised.
    let (b, token) = Browser::signed_in(&app, admin).await;
    let csv = b.post("/admin/mailbox/export", &[("csrf", &token)]).await;
    assert_eq!(csv.status, 200);
    for l in &letters {
        let body = fupin::mailbox::clean_text(l["body"].as_str().unwrap(), true);
        let cell = fupin::csv_text::cell(&body);
        assert!(
            csv.body.contains(&cell),
            "{backend}: the export lacks a letter as text"
        );
    }
    server.stop();
    app.finish().await;
}
