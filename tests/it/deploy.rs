//! The deployment guide, tested: `deploy/cluster.sh` starts two instances on
//! one PostgreSQL database behind Debian's nginx; requests through nginx
//! reach both instances, and an import through the CLI shows through nginx
//! within two seconds.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::harness::{create_pg_database, drop_pg_database};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// GET through a proxy, returning (status, instance header, body).
fn get(port: u16, path: &str) -> (u16, String, String) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).unwrap();
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let instance = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("x-fupin-instance:")
                .map(|v| v.trim().to_string())
        })
        .unwrap_or_default();
    (status, instance, body.to_string())
}

#[tokio::test(flavor = "multi_thread")]
async fn two_instances_behind_nginx_act_as_one_site() {
    let nginx = Path::new("/usr/sbin/nginx");
    if std::env::var("FUPIN_TEST_DATABASE_URL")
        .map(|u| u.is_empty())
        .unwrap_or(true)
    {
        eprintln!("skipped: FUPIN_TEST_DATABASE_URL is unset");
        return;
    }
    if !nginx.exists() {
        assert!(
            std::env::var("CI").is_err(),
            "nginx must be installed in CI (apt-get install nginx-light)"
        );
        eprintln!("skipped: nginx is not installed");
        return;
    }
    let (url, admin, name) = create_pg_database().await;
    let dir = tempfile::tempdir().unwrap();
    let cluster = dir.path().join("cluster");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/cluster.sh");
    let (port, p1, p2) = (free_port(), free_port(), free_port());
    let out = Command::new("bash")
        .arg(&script)
        .args([
            "start",
            cluster.to_str().unwrap(),
            &port.to_string(),
            &p1.to_string(),
            &p2.to_string(),
        ])
        .env("FUPIN_DATABASE_URL", &url)
        .env("FUPIN_BIN", env!("CARGO_BIN_EXE_fupin"))
        .env("FUPIN_LOG", "warn")
        .output()
        .unwrap();
    let stop = || {
        Command::new("bash")
            .arg(&script)
            .args(["stop", cluster.to_str().unwrap()])
            .output()
            .unwrap();
    };
    if !out.status.success() {
        stop();
        panic!(
            "cluster did not start:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..20 {
        let (status, instance, body) = get(port, "/");
        assert_eq!(status, 200);
        assert!(body.contains("广东扶贫网"));
        seen.insert(instance);
    }
    assert_eq!(
        seen.into_iter().collect::<Vec<_>>(),
        vec!["instance-1".to_string(), "instance-2".to_string()],
        "nginx spreads requests over both"
    );

    let page = dir.path().join("page.txt");
    std::fs::write(
        &page,
        "当前位置:首页->>协会新闻\n集群部署验证稿件\n加入时间:2020-1-2 来源:测试\n\n\u{a0}\u{a0}通过负载均衡访问的正文。\n\n欢迎访问广东扶贫网\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_fupin"))
        .env("FUPIN_DATABASE_URL", &url)
        .env("FUPIN_LOG", "warn")
        .args(["import", "--json"])
        .arg(&page)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let href = report[0]["url"].as_str().unwrap().to_string();
    let start = Instant::now();
    let mut instances = std::collections::BTreeSet::new();
    while instances.len() < 2 {
        let (status, instance, body) = get(port, &href);
        if status == 200 && body.contains("通过负载均衡访问的正文。") {
            instances.insert(instance);
        }
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "not visible on both instances within 2 s"
        );
    }
    stop();
    drop_pg_database(&admin, &name).await;
}
