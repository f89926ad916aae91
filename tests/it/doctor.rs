//! `fupin doctor` (issue 23) on a healthy installation (a migrated
//! database, media folder, a fresh backup, a public `base_url` and a TLS
//! SMTP server it can reach) and on broken ones (a damaged database file,
//! no backup, a loopback `base_url`, a missing data directory, which it
//! must not create).

use std::path::Path;
use std::process::{Command, Output};

use fupin::config::SmtpTls;

use crate::smtp_tls::{TestPki, tls_smtp_server};

fn fupin(data: &Path, config: Option<&Path>) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_fupin"));
    c.env_remove("FUPIN_DATABASE_URL")
        .env_remove("FUPIN_CONFIG")
        .env_remove("FUPIN_BASE_URL")
        .env("FUPIN_DATA", data)
        .env("FUPIN_LOG", "warn");
    if let Some(file) = config {
        c.env("FUPIN_CONFIG", file);
    }
    c
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The report's line about `topic`.
fn line<'a>(report: &'a str, topic: &str) -> &'a str {
    report
        .lines()
        .find(|l| l.contains(&format!("  {topic}")))
        .unwrap_or_else(|| panic!("no line about {topic}: {report}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn doctor_passes_a_healthy_installation() {
    let pki = TestPki::new();
    let (port, seen) = tls_smtp_server(&pki, SmtpTls::Implicit).await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = dir.path().join("fupin.toml");
    std::fs::write(
        &config,
        format!(
            "base_url = \"https://www.example.org.cn\"\nsmtp_host = \"127.0.0.1\"\nsmtp_port = {port}\n\
             smtp_tls = \"tls\"\nsmtp_ca_file = {:?}\nsmtp_from = \"fupin@example.org.cn\"\n",
            pki.ca_pem.display().to_string()
        ),
    )
    .unwrap();
    let o = fupin(&data, Some(&config)).arg("migrate").output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    std::fs::create_dir_all(data.join("media")).unwrap();
    std::fs::create_dir_all(data.join("backups")).unwrap();
    std::fs::write(data.join("backups/20261203-0300.fupin-backup"), "archive").unwrap();
    let o = tokio::task::spawn_blocking(move || {
        fupin(&data, Some(&config)).arg("doctor").output().unwrap()
    })
    .await
    .unwrap();
    let report = text(&o);
    assert_eq!(o.status.code(), Some(0), "{report}");
    for topic in [
        "数据目录",
        "数据库",
        "媒体目录",
        "邮件 (SMTP)",
        "公开地址",
        "备份",
    ] {
        assert!(line(&report, topic).contains("✓ 正常"), "{topic}: {report}");
    }
    assert!(
        line(&report, "数据库").contains("完整性检查通过"),
        "{report}"
    );
    assert!(line(&report, "数据目录").contains("剩余空间"), "{report}");
    assert!(
        line(&report, "备份").contains("20261203-0300.fupin-backup"),
        "{report}"
    );
    assert!(report.contains("没有需要修复的问题"), "{report}");
    let seen = seen.await.unwrap();
    assert!(seen.handshake && seen.data.is_empty(), "{seen:?}");
}

#[test]
fn doctor_names_each_problem_and_how_to_fix_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(data.join("fupin.db"), vec![0x5a; 8192]).unwrap();
    std::fs::write(data.join("media"), "not a folder").unwrap();
    let o = fupin(&data, None).arg("doctor").output().unwrap();
    let report = text(&o);
    assert_eq!(o.status.code(), Some(1), "{report}");
    assert!(line(&report, "数据目录").contains("✓ 正常"), "{report}");
    for topic in ["数据库", "媒体目录", "公开地址", "备份"] {
        assert!(line(&report, topic).contains("✗ 问题"), "{topic}: {report}");
    }
    assert!(line(&report, "邮件 (SMTP)").contains("• 提示"), "{report}");
    assert!(report.contains("修复："), "{report}");
    assert!(report.contains("fupin backup"), "{report}");
    assert!(report.contains("base_url = "), "{report}");
    assert!(report.contains("个问题需要修复"), "{report}");
    // The damaged file is left as it was.
    assert_eq!(
        std::fs::read(data.join("fupin.db")).unwrap(),
        vec![0x5a; 8192]
    );

    // A data directory that is not there is reported, not created.
    let missing = dir.path().join("elsewhere");
    let o = fupin(&missing, None).arg("doctor").output().unwrap();
    let report = text(&o);
    assert_eq!(o.status.code(), Some(1), "{report}");
    assert!(line(&report, "数据目录").contains("不存在"), "{report}");
    assert!(line(&report, "数据库").contains("不存在"), "{report}");
    assert!(!missing.exists(), "doctor created {}", missing.display());
}
