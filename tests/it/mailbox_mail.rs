//! 秘书长信箱 (issue 6): a new letter is announced by e-mail to the staff
//! member with an address, through a tiny SMTP server of ours on loopback.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use fupin::auth::Role;

use crate::admin_support::{Browser, add_user};
use crate::harness::{TestApp, backends};
use crate::mailbox::{letter, receipt, send};

/// A tiny SMTP server on loopback that accepts one message and hands over
/// (recipients, data).
fn smtp_sink() -> (u16, mpsc::Receiver<(Vec<String>, String)>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let Ok((stream, _)) = listener.accept() else {
            return;
        };
        stream.set_read_timeout(Some(Duration::from_secs(20))).ok();
        let mut out = stream.try_clone().unwrap();
        let mut lines = BufReader::new(stream);
        let mut say = |s: &str| {
            let _ = out.write_all(format!("{s}\r\n").as_bytes());
        };
        say("220 sink.test ESMTP");
        let (mut rcpt, mut data) = (Vec::new(), String::new());
        let mut line = String::new();
        while lines.read_line(&mut line).unwrap_or(0) > 0 {
            let cmd = line.trim_end().to_string();
            line.clear();
            let upper = cmd.to_ascii_uppercase();
            if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                say("250 sink.test");
            } else if upper.starts_with("RCPT TO:") {
                rcpt.push(cmd[8..].trim().trim_matches(['<', '>']).to_string());
                say("250 OK");
            } else if upper.starts_with("DATA") {
                say("354 go on");
                loop {
                    let mut l = String::new();
                    if lines.read_line(&mut l).unwrap_or(0) == 0 || l == ".\r\n" {
                        break;
                    }
                    data.push_str(&l);
                }
                say("250 queued");
            } else if upper.starts_with("QUIT") {
                say("221 bye");
                break;
            } else {
                say("250 OK");
            }
        }
        let _ = tx.send((rcpt, data));
    });
    (port, rx)
}

#[tokio::test(flavor = "multi_thread")]
async fn new_letters_are_announced_by_e_mail() {
    for backend in backends() {
        let mut app = TestApp::new(backend).await;
        let (port, rx) = smtp_sink();
        let mut config = (*app.state.config).clone();
        config.smtp_host = Some("127.0.0.1".into());
        config.smtp_port = port;
        config.smtp_tls = fupin::config::SmtpTls::None;
        config.smtp_from = Some("fupin@portal.test".into());
        app.state = fupin::app::AppState::new(app.state.db.clone(), config);
        let mb = add_user(&app, "xinxiang", Role::Mailbox, &[]).await;
        fupin::db::letters::set_staff_email(&app.state.db, mb, "xinxiang@portal.test")
            .await
            .unwrap();
        add_user(&app, "other", Role::Editor, &[]).await;
        let w = Browser::at(&app, "192.0.2.50");
        let (number, code) =
            receipt(&send(&app, &w, &letter("请帮助联系", "需要帮助的来信内容。")).await);
        let (to, data) =
            tokio::task::spawn_blocking(move || rx.recv_timeout(Duration::from_secs(30)))
                .await
                .unwrap()
                .expect("a message reached the sink");
        assert_eq!(to, vec!["xinxiang@portal.test".to_string()], "{backend}");
        assert!(data.contains(&number), "{backend}: {data}");
        assert!(
            !data.contains(&code) && !data.contains("020-87654321"),
            "no code, no contacts in e-mail"
        );
        let id = fupin::db::letters::by_number(&app.state.db, &number)
            .await
            .unwrap()
            .unwrap()
            .id;
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let l = fupin::db::letters::get(&app.state.db, id)
                .await
                .unwrap()
                .unwrap();
            if l.notified_at.is_some() {
                break;
            }
            assert!(Instant::now() < deadline, "{backend}: notice not recorded");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        app.finish().await;
    }
}

/// Issue 23: a writer who gave an address and asked for it is told once
/// that their letter is answered, with the query page and never the code.
#[tokio::test(flavor = "multi_thread")]
async fn the_writer_is_told_once_when_the_letter_is_answered() {
    for backend in backends() {
        let mut app = TestApp::new(backend).await;
        let (port, rx) = smtp_sink();
        let mut config = (*app.state.config).clone();
        config.smtp_host = Some("127.0.0.1".into());
        config.smtp_port = port;
        config.smtp_tls = fupin::config::SmtpTls::None;
        config.smtp_from = Some("fupin@portal.test".into());
        config.base_url = "https://www.example.org.cn".into();
        app.state = fupin::app::AppState::new(app.state.db.clone(), config);
        // No staff address: the new letter itself sends nothing.
        let mb = add_user(&app, "xinxiang", Role::Mailbox, &[]).await;
        let w = Browser::at(&app, "192.0.2.51");
        // Asking for the notice without an address is refused.
        let mut fields = letter("请问补贴", "想了解补贴申请的条件。");
        fields.retain(|(k, _)| *k != "email");
        fields.push(("notify_ok", "1"));
        let page = send(&app, &w, &fields).await;
        assert_eq!(page.status, 422, "{backend}");
        assert!(page.body.contains("请填写电子邮箱"), "{backend}");
        let mut fields = letter("请问补贴", "想了解补贴申请的条件。");
        fields.push(("notify_ok", "1"));
        let (number, code) = receipt(&send(&app, &w, &fields).await);
        let silent = receipt(&send(&app, &w, &letter("不要通知", "这封信不要邮件通知。")).await);
        let id_of = |n: String| {
            let db = app.state.db.clone();
            async move {
                fupin::db::letters::by_number(&db, &n)
                    .await
                    .unwrap()
                    .unwrap()
                    .id
            }
        };
        let id = id_of(number.clone()).await;
        let silent_id = id_of(silent.0.clone()).await;
        let (b, token) = Browser::signed_in(&app, mb).await;
        for (letter_id, text) in [
            (silent_id, "答复甲。"),
            (id, "答复乙。"),
            (id, "修改后的答复。"),
        ] {
            let r = b
                .post(
                    &format!("/admin/mailbox/{letter_id}/reply"),
                    &[("csrf", &token), ("body", text)],
                )
                .await;
            assert!(r.status.is_redirection(), "{backend}: {}", r.status);
        }
        let (to, data) =
            tokio::task::spawn_blocking(move || rx.recv_timeout(Duration::from_secs(30)))
                .await
                .unwrap()
                .expect("the writer's notice reached the sink");
        assert_eq!(to, vec!["zhang@example.com".to_string()], "{backend}");
        let data = readable(&data);
        assert!(data.contains(&number), "{backend}: {data}");
        assert!(data.contains("已有答复"), "{backend}: {data}");
        assert!(
            data.contains("https://www.example.org.cn/mailbox/query"),
            "{backend}: {data}"
        );
        assert!(
            !data.contains(&code),
            "{backend}: the code must not be sent"
        );
        let l = fupin::db::letters::get(&app.state.db, id)
            .await
            .unwrap()
            .unwrap();
        assert!(l.writer_notified_at.is_some(), "{backend}");
        // Once only, and never for the writer who did not ask.
        let smtp = fupin::mailbox::notify::Smtp::of(&app.state.config).unwrap();
        for letter_id in [id, silent_id] {
            let sent = fupin::mailbox::notify::send_writer_notice(
                &smtp,
                &app.state.db,
                letter_id,
                "https://www.example.org.cn",
            )
            .await
            .unwrap();
            assert!(!sent, "{backend}: letter {letter_id}");
        }
        app.finish().await;
    }
}

/// A message with its base64 body decoded (lettre encodes Chinese text so).
fn readable(data: &str) -> String {
    let Some((head, body)) = data.split_once("\r\n\r\n") else {
        return data.to_string();
    };
    if !head.contains("Content-Transfer-Encoding: base64") {
        return data.to_string();
    }
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = Vec::new();
    for c in body.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => continue,
        };
        bits = (bits << 6) | u32::from(v);
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
        }
    }
    format!("{head}\r\n\r\n{}", String::from_utf8_lossy(&out))
}
