//! SMTP over TLS (issue 23): a tiny SMTP server of ours on loopback with a
//! certificate made for the test by its own CA, speaking implicit TLS (as
//! on port 465) or STARTTLS (as on 587). The program trusts the CA only
//! through `smtp_ca_file`, verifies the certificate, and sends its login
//! only inside TLS; without the CA the message is refused, not sent.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use fupin::config::SmtpTls;
use fupin::mailbox::notify::Smtp;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::{self, pki_types};

/// A CA and a server certificate for 127.0.0.1 signed by it, made with
/// the `openssl` command (installed by scripts/test-setup).
pub struct TestPki {
    _dir: tempfile::TempDir,
    /// The CA certificate (PEM), for `smtp_ca_file`.
    pub ca_pem: PathBuf,
    cert_der: Vec<u8>,
    key_der: Vec<u8>,
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("openssl (scripts/test-setup installs it)");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

impl TestPki {
    /// Makes a fresh CA and server certificate.
    pub fn new() -> TestPki {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"];
        let mut ca = vec!["req", "-x509", "-nodes", "-days", "2"];
        ca.extend(ec);
        ca.extend([
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-subj",
            "/CN=fupin test CA",
        ]);
        openssl(d, &ca);
        let mut csr = vec!["req", "-nodes"];
        csr.extend(ec);
        csr.extend([
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=127.0.0.1",
        ]);
        openssl(d, &csr);
        std::fs::write(
            d.join("ext.cnf"),
            "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
        )
        .unwrap();
        openssl(
            d,
            &[
                "x509",
                "-req",
                "-in",
                "server.csr",
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-days",
                "2",
                "-extfile",
                "ext.cnf",
                "-outform",
                "DER",
                "-out",
                "server.der",
            ],
        );
        openssl(
            d,
            &[
                "pkcs8",
                "-topk8",
                "-nocrypt",
                "-in",
                "server.key",
                "-outform",
                "DER",
                "-out",
                "server.key.der",
            ],
        );
        TestPki {
            ca_pem: d.join("ca.pem"),
            cert_der: std::fs::read(d.join("server.der")).unwrap(),
            key_der: std::fs::read(d.join("server.key.der")).unwrap(),
            _dir: dir,
        }
    }

    fn acceptor(&self) -> TlsAcceptor {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![pki_types::CertificateDer::from(self.cert_der.clone())],
                pki_types::PrivateKeyDer::Pkcs8(pki_types::PrivatePkcs8KeyDer::from(
                    self.key_der.clone(),
                )),
            )
            .unwrap();
        TlsAcceptor::from(Arc::new(config))
    }
}

/// What the server saw of one session.
#[derive(Debug, Default)]
pub struct Session {
    /// Whether the client said STARTTLS before anything else than EHLO.
    pub upgraded: bool,
    /// Commands received before TLS (plain text on the wire).
    pub plain_commands: Vec<String>,
    /// The AUTH line, received inside TLS.
    pub auth: Option<String>,
    /// Recipients.
    pub rcpt: Vec<String>,
    /// The message.
    pub data: String,
    /// Whether the TLS handshake completed (false: the client gave up).
    pub handshake: bool,
}

/// Starts a one-connection SMTP server on loopback; its port and what it saw.
pub async fn tls_smtp_server(pki: &TestPki, mode: SmtpTls) -> (u16, oneshot::Receiver<Session>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let acceptor = pki.acceptor();
    let (tx, rx) = oneshot::channel();
    tokio::spawn(async move {
        let Ok((tcp, _)) = listener.accept().await else {
            return;
        };
        let mut seen = Session::default();
        let tcp = if mode == SmtpTls::StartTls {
            let mut plain = BufReader::new(tcp);
            plain.write_all(b"220 sink.test ESMTP\r\n").await.ok();
            loop {
                let mut line = String::new();
                if plain.read_line(&mut line).await.unwrap_or(0) == 0 {
                    let _ = tx.send(seen);
                    return;
                }
                let cmd = line.trim_end().to_string();
                seen.plain_commands.push(cmd.clone());
                let upper = cmd.to_ascii_uppercase();
                if upper.starts_with("EHLO") {
                    plain
                        .write_all(b"250-sink.test\r\n250 STARTTLS\r\n")
                        .await
                        .ok();
                } else if upper == "STARTTLS" {
                    plain.write_all(b"220 go ahead\r\n").await.ok();
                    seen.upgraded = true;
                    break;
                } else {
                    plain
                        .write_all(b"530 must issue STARTTLS first\r\n")
                        .await
                        .ok();
                }
            }
            plain.into_inner()
        } else {
            tcp
        };
        match acceptor.accept(tcp).await {
            Ok(tls) => {
                seen.handshake = true;
                let greet = mode != SmtpTls::StartTls;
                session(tls, greet, &mut seen).await;
            }
            Err(_) => seen.handshake = false,
        }
        let _ = tx.send(seen);
    });
    (port, rx)
}

async fn session<S: AsyncRead + AsyncWrite + Unpin>(stream: S, greet: bool, seen: &mut Session) {
    let mut s = BufReader::new(stream);
    if greet {
        s.write_all(b"220 sink.test ESMTP\r\n").await.ok();
    }
    loop {
        let mut line = String::new();
        if s.read_line(&mut line).await.unwrap_or(0) == 0 {
            return;
        }
        let cmd = line.trim_end().to_string();
        let upper = cmd.to_ascii_uppercase();
        let reply: &[u8] = if upper.starts_with("EHLO") {
            b"250-sink.test\r\n250 AUTH PLAIN LOGIN\r\n"
        } else if upper.starts_with("AUTH") {
            seen.auth = Some(cmd.clone());
            b"235 accepted\r\n"
        } else if upper.starts_with("RCPT TO:") {
            seen.rcpt
                .push(cmd[8..].trim().trim_matches(['<', '>']).to_string());
            b"250 OK\r\n"
        } else if upper == "DATA" {
            s.write_all(b"354 go on\r\n").await.ok();
            loop {
                let mut l = String::new();
                if s.read_line(&mut l).await.unwrap_or(0) == 0 || l == ".\r\n" {
                    break;
                }
                seen.data.push_str(&l);
            }
            b"250 queued\r\n"
        } else if upper == "QUIT" {
            s.write_all(b"221 bye\r\n").await.ok();
            let _ = s.flush().await;
            return;
        } else {
            b"250 OK\r\n"
        };
        if s.write_all(reply).await.is_err() {
            return;
        }
        let _ = s.flush().await;
    }
}

/// Base64 of `bytes` (the AUTH PLAIN line carries it).
fn base64(bytes: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The settings for the test server.
pub fn smtp_for(port: u16, mode: SmtpTls, ca: Option<&Path>) -> Smtp {
    Smtp {
        host: "127.0.0.1".into(),
        port,
        tls: mode,
        ca_file: ca.map(Path::to_path_buf),
        from: "fupin@portal.test".into(),
        user: Some("notices@portal.test".into()),
        password: Some("s3cret-pass".into()),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn implicit_tls_and_starttls_verify_the_server_and_log_in_inside_tls() {
    let pki = TestPki::new();
    let expected_auth = format!(
        "AUTH PLAIN {}",
        base64(b"\0notices@portal.test\0s3cret-pass")
    );
    for mode in [SmtpTls::Implicit, SmtpTls::StartTls] {
        let (port, seen) = tls_smtp_server(&pki, mode).await;
        let smtp = smtp_for(port, mode, Some(&pki.ca_pem));
        smtp.send_test("admin@portal.test", "https://www.example.org.cn")
            .await
            .unwrap_or_else(|e| panic!("{mode:?}: {e:#}"));
        let seen = seen.await.unwrap();
        assert!(seen.handshake, "{mode:?}: {seen:?}");
        assert_eq!(
            seen.auth.as_deref(),
            Some(expected_auth.as_str()),
            "{mode:?}"
        );
        assert_eq!(seen.rcpt, vec!["admin@portal.test".to_string()]);
        assert!(seen.data.contains("Subject:"), "{seen:?}");
        match mode {
            SmtpTls::StartTls => {
                assert!(seen.upgraded);
                // Only the greeting and STARTTLS went in clear.
                assert_eq!(seen.plain_commands.len(), 2, "{seen:?}");
                assert!(
                    seen.plain_commands
                        .iter()
                        .all(|c| !c.contains("AUTH") && !c.contains("s3cret")),
                    "{seen:?}"
                );
            }
            _ => assert!(seen.plain_commands.is_empty()),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_untrusted_certificate_stops_the_message() {
    let pki = TestPki::new();
    for mode in [SmtpTls::Implicit, SmtpTls::StartTls] {
        let (port, seen) = tls_smtp_server(&pki, mode).await;
        // The public roots only: the test CA is unknown.
        let smtp = smtp_for(port, mode, None);
        let err = smtp
            .send_test("admin@portal.test", "https://www.example.org.cn")
            .await
            .expect_err("an unknown CA must be refused");
        let text = format!("{err:#}").to_lowercase();
        assert!(
            text.contains("certificate") || text.contains("tls"),
            "{mode:?}: {text}"
        );
        let seen = seen.await.unwrap();
        assert!(!seen.handshake, "{mode:?}: {seen:?}");
        assert!(seen.auth.is_none() && seen.data.is_empty(), "{seen:?}");
    }
}

#[test]
fn a_login_never_goes_in_clear_except_to_this_machine() {
    let mut smtp = smtp_for(25, SmtpTls::None, None);
    smtp.host = "smtp.example.com".into();
    let e = smtp.check().unwrap_err().to_string();
    assert!(e.contains("明文") && e.contains("smtp.example.com"), "{e}");
    // Without a login, or to loopback, plain SMTP is allowed.
    smtp.user = None;
    assert!(smtp.check().is_ok());
    let local = smtp_for(25, SmtpTls::None, None);
    assert!(local.check().is_ok());
    // The same rule refuses the configuration at start.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fupin.toml");
    std::fs::write(
        &file,
        "smtp_host = \"smtp.example.com\"\nsmtp_port = 25\nsmtp_user = \"u\"\nsmtp_password = \"p\"\n",
    )
    .unwrap();
    let e = fupin::config::Config::load(fupin::config::Overrides {
        config: Some(file),
        ..Default::default()
    })
    .unwrap_err()
    .to_string();
    assert!(e.contains("明文"), "{e}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_settings_page_sends_a_test_message() {
    use crate::admin_support::{Browser, add_user};
    use crate::harness::TestApp;
    let pki = TestPki::new();
    let mut app = TestApp::new("sqlite").await;
    let admin = add_user(&app, "guanli", fupin::auth::Role::Admin, &[]).await;
    // Without a server the page says what to set.
    let (b, csrf) = Browser::signed_in(&app, admin).await;
    let page = b.get("/admin/settings").await;
    assert!(page.body.contains("还没有设置发信服务器"), "{}", page.body);
    let page = b
        .post(
            "/admin/settings/smtp-test",
            &[("csrf", &csrf), ("to", "a@portal.test")],
        )
        .await;
    assert_eq!(page.status, 422);
    let (port, seen) = tls_smtp_server(&pki, SmtpTls::StartTls).await;
    let mut config = (*app.state.config).clone();
    config.smtp_host = Some("127.0.0.1".into());
    config.smtp_port = port;
    config.smtp_tls = SmtpTls::StartTls;
    config.smtp_ca_file = Some(pki.ca_pem.clone());
    config.smtp_from = Some("fupin@portal.test".into());
    app.state = fupin::app::AppState::new(app.state.db.clone(), config);
    let (b, csrf) = Browser::signed_in(&app, admin).await;
    let page = b.get("/admin/settings").await;
    assert!(page.body.contains("发送测试邮件"), "{}", page.body);
    // No CSRF token, no message.
    let page = b
        .post("/admin/settings/smtp-test", &[("to", "a@portal.test")])
        .await;
    assert!(page.status.is_client_error(), "{}", page.status);
    let page = b
        .post(
            "/admin/settings/smtp-test",
            &[("csrf", &csrf), ("to", "not an address")],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(
        page.body.contains("不是有效的电子邮箱地址"),
        "{}",
        page.body
    );
    let page = b
        .post(
            "/admin/settings/smtp-test",
            &[("csrf", &csrf), ("to", "guanli@portal.test")],
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("测试邮件已发送到 guanli@portal.test"),
        "{}",
        page.body
    );
    let seen = seen.await.unwrap();
    assert_eq!(seen.rcpt, vec!["guanli@portal.test".to_string()]);
    assert!(seen.data.contains("Subject:"), "{seen:?}");
    app.finish().await;
}
