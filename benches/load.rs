//! The load test of issue 15: the real server on a site of N articles, 64
//! keep-alive connections of readers for a while over the home page, deep
//! channel pages, articles and search, while an editor publishes through
//! the real back office; then every acknowledged write is checked. Prints
//! requests, 5xx answers, socket errors, readers' and the editor's p50/p99,
//! and the time and size of a backup and its restore at that size.
//!
//!     cargo bench --bench load -- [--articles 10000] [--seconds 60]
//!         [--connections 64] [--postgres URL] [--soak]
//!
//! `--soak` runs ten minutes and prints the server's resident memory and
//! open file descriptors every 30 s (they must stay flat). Not run in CI.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

struct Args {
    articles: usize,
    seconds: u64,
    connections: usize,
    postgres: Option<String>,
    soak: bool,
}

fn args() -> Args {
    let mut a = Args {
        articles: 10_000,
        seconds: 60,
        connections: 64,
        postgres: None,
        soak: false,
    };
    let v: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < v.len() {
        let next = || v.get(i + 1).cloned().unwrap_or_default();
        match v[i].as_str() {
            "--articles" => a.articles = next().parse().expect("--articles N"),
            "--seconds" => a.seconds = next().parse().expect("--seconds N"),
            "--connections" => a.connections = next().parse().expect("--connections N"),
            "--postgres" => a.postgres = Some(next()),
            "--soak" => {
                a.soak = true;
                a.seconds = 600;
                i -= 1;
            }
            _ => {
                i -= 1;
            }
        }
        i += 2;
    }
    a
}

/// A keep-alive HTTP/1.1 connection.
struct Conn {
    addr: String,
    stream: Option<BufReader<TcpStream>>,
}

impl Conn {
    async fn send(
        &mut self,
        method: &str,
        path: &str,
        cookie: &str,
        body: &[u8],
    ) -> std::io::Result<(u16, String)> {
        if self.stream.is_none() {
            self.stream = Some(BufReader::new(TcpStream::connect(&self.addr).await?));
        }
        let s = self.stream.as_mut().expect("connected");
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: bench\r\nCookie: {cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        s.get_mut().write_all(head.as_bytes()).await?;
        s.get_mut().write_all(body).await?;
        let mut line = String::new();
        s.read_line(&mut line).await?;
        let status: u16 = line
            .split(' ')
            .nth(1)
            .and_then(|c| c.parse().ok())
            .ok_or(std::io::ErrorKind::InvalidData)?;
        let (mut len, mut chunked, mut close, mut location) = (0usize, false, false, String::new());
        loop {
            line.clear();
            s.read_line(&mut line).await?;
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            let lower = l.to_ascii_lowercase();
            if let Some(v) = lower.strip_prefix("content-length:") {
                len = v.trim().parse().unwrap_or(0);
            } else if lower.starts_with("transfer-encoding:") && lower.contains("chunked") {
                chunked = true;
            } else if lower.starts_with("connection:") && lower.contains("close") {
                close = true;
            } else if lower.starts_with("location:") {
                location = l[9..].trim().to_string();
            }
        }
        if chunked {
            loop {
                line.clear();
                s.read_line(&mut line).await?;
                let n = usize::from_str_radix(line.trim(), 16)
                    .map_err(|_| std::io::ErrorKind::InvalidData)?;
                let mut buf = vec![0; n + 2];
                s.read_exact(&mut buf).await?;
                if n == 0 {
                    break;
                }
            }
        } else {
            let mut buf = vec![0; len];
            s.read_exact(&mut buf).await?;
        }
        if close {
            self.stream = None;
        }
        Ok((status, location))
    }
}

fn pct(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn proc_status(pid: u32) -> String {
    let rss = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmRSS"))
        .unwrap_or_default()
        .split_whitespace()
        .nth(1)
        .unwrap_or("0")
        .to_string();
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| d.count())
        .unwrap_or(0);
    format!(
        "rss {:.1} MB, {fds} fds",
        rss.parse::<f64>().unwrap_or(0.0) / 1024.0
    )
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let a = args();
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");
    let config = fupin::config::Config::load(fupin::config::Overrides {
        data: Some(data.clone()),
        database_url: a.postgres.clone(),
        ..Default::default()
    })?;
    let db = fupin::app::open_db(&config).await?;
    let backend = db.backend().name();
    println!(
        "== load test: {} articles on {backend}, {} connections, {} s ==",
        a.articles, a.connections, a.seconds
    );
    let tree = fupin::db::channels::ChannelTree::load(&db).await?;
    let slugs = [
        "fupin-yaowen",
        "xiehui-xinwen",
        "bumen-dongtai",
        "duikou-bangfu",
    ];
    let channels: Vec<i64> = slugs
        .iter()
        .map(|s| tree.by_slug(s).expect("reference channel").id)
        .collect();
    let t = Instant::now();
    let mut ids = Vec::with_capacity(a.articles);
    for i in 0..a.articles {
        let id = fupin::db::articles::insert_published(
            &db,
            &fupin::db::articles::ArticleFields {
                channel_id: channels[i % channels.len()],
                title: format!("韶关驻村工作组第{i}次帮扶简报"),
                body_html: format!(
                    "<p>第{i}次入户走访，核实帮扶需求{}项，推动扶贫开发“双到”工作。</p>",
                    i % 90
                )
                .repeat(6),
                published_at: fupin::db::now() - (i as i64) * 3600,
                ..Default::default()
            },
        )
        .await?;
        ids.push(id);
    }
    fupin::search::drain(&db).await?;
    println!(
        "site generated and indexed in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    // Backup and restore at this size.
    let file = dir.path().join("site.fupin-backup");
    let t = Instant::now();
    let report = fupin::backup::create(&db, &data.join("media"), &file).await?;
    println!(
        "backup: {:.2} s, {:.2} MB, {} rows",
        t.elapsed().as_secs_f64(),
        report.bytes as f64 / 1e6,
        report.rows
    );
    let t = Instant::now();
    let restored = dir.path().join("restored");
    fupin::backup::restore(&fupin::backup::RestoreOptions {
        file: file.clone(),
        data_dir: restored.clone(),
        database_url: fupin::db::sqlite_url_for(&restored),
        force: false,
    })
    .await?;
    println!(
        "restore (into SQLite, search index rebuilt): {:.2} s",
        t.elapsed().as_secs_f64()
    );

    // The editor: a user and a session made directly.
    let hash = fupin::auth::password::hash("bench editor password").await?;
    let editor = fupin::db::users::create(
        &db,
        &fupin::db::users::NewUser {
            username: "bench-editor",
            display_name: "",
            role: fupin::auth::Role::Editor,
            password_hash: &hash,
            channel_ids: &channels[..1],
        },
    )
    .await?
    .expect("name free");
    let session = fupin::auth::session::start(
        &db,
        editor,
        fupin::auth::session::Stage::Full,
        "127.0.0.1",
        "bench",
        fupin::db::now(),
    )
    .await?;
    let cookie = format!("{}={}", fupin::auth::session::COOKIE, session.token);

    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_fupin"));
    cmd.env("FUPIN_DATA", &data).env("FUPIN_LOG", "warn").args([
        "serve",
        "--listen",
        "127.0.0.1:0",
    ]);
    match &a.postgres {
        Some(url) => cmd.env("FUPIN_DATABASE_URL", url),
        None => cmd.env_remove("FUPIN_DATABASE_URL"),
    };
    let mut child = cmd.stdout(std::process::Stdio::piped()).spawn()?;
    let addr = {
        use std::io::BufRead;
        let out = child.stdout.take().expect("stdout");
        let mut lines = std::io::BufReader::new(out).lines();
        let addr = loop {
            let l = lines.next().expect("server exited")?;
            if let Some(rest) = l.strip_prefix("fupin listening on http://") {
                break rest.trim().to_string();
            }
        };
        std::thread::spawn(move || for _ in lines {});
        addr
    };
    let pid = child.id();
    println!("server at {addr}: {}", proc_status(pid));

    let stop = Arc::new(AtomicBool::new(false));
    let (requests, errors5, sock) = (
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicU64::new(0)),
    );
    let pages_per_channel = (a.articles / slugs.len() / 20).max(1);
    let mut readers = Vec::new();
    for c in 0..a.connections {
        let (addr, stop, requests, errors5, sock) = (
            addr.clone(),
            stop.clone(),
            requests.clone(),
            errors5.clone(),
            sock.clone(),
        );
        let ids = ids.clone();
        readers.push(tokio::spawn(async move {
            let mut conn = Conn { addr, stream: None };
            let mut lat = Vec::new();
            let mut n = c;
            while !stop.load(Ordering::Relaxed) {
                n = n.wrapping_mul(1103515245).wrapping_add(12345) % (1 << 31);
                let path = match n % 4 {
                    0 => "/".to_string(),
                    1 => format!(
                        "/c/{}/page/{}/",
                        slugs[n % slugs.len()],
                        1 + (n / 7) % pages_per_channel
                    ),
                    2 => format!("/a/{}.html", ids[(n / 3) % ids.len()]),
                    _ => [
                        "/search?q=%E6%89%B6%E8%B4%AB",
                        "/search?q=%E9%9F%B6%E5%85%B3+%E5%B8%AE%E6%89%B6",
                        "/search?q=%E5%85%A5%E6%88%B7%E8%B5%B0%E8%AE%BF&sort=date",
                    ][n % 3]
                        .to_string(),
                };
                let t = Instant::now();
                match conn.send("GET", &path, "", b"").await {
                    Ok((status, _)) => {
                        lat.push(t.elapsed().as_secs_f64() * 1000.0);
                        requests.fetch_add(1, Ordering::Relaxed);
                        if status >= 500 {
                            errors5.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    Err(_) => {
                        sock.fetch_add(1, Ordering::Relaxed);
                        conn.stream = None;
                    }
                }
            }
            lat
        }));
    }
    let editor_task = {
        let (addr, stop, cookie) = (addr.clone(), stop.clone(), cookie.clone());
        let csrf = session.csrf.clone();
        let channel = channels[0];
        tokio::spawn(async move {
            let mut conn = Conn { addr, stream: None };
            let (mut lat, mut acked, mut failed) = (Vec::new(), Vec::new(), 0u64);
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                i += 1;
                let title = format!("负载测试中发布的文章{i}");
                let form = serde_urlencoded::to_string([
                    ("csrf", csrf.as_str()),
                    ("title", title.as_str()),
                    ("channel_id", &channel.to_string()),
                    ("body_html", "<p>编辑在负载下保存并发布。</p>"),
                    ("action", "publish"),
                ])
                .expect("form");
                let t = Instant::now();
                match conn
                    .send("POST", "/admin/articles/new", &cookie, form.as_bytes())
                    .await
                {
                    Ok((303, location)) if location.starts_with("/admin/articles/") => {
                        lat.push(t.elapsed().as_secs_f64() * 1000.0);
                        acked.push((location, title));
                    }
                    _ => {
                        failed += 1;
                        conn.stream = None;
                    }
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            (lat, acked, failed)
        })
    };
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(a.seconds) {
        tokio::time::sleep(
            Duration::from_secs(if a.soak { 30 } else { 5 }).min(Duration::from_secs(a.seconds)),
        )
        .await;
        if a.soak {
            println!("{:>4} s: {}", started.elapsed().as_secs(), proc_status(pid));
        }
    }
    stop.store(true, Ordering::Relaxed);
    let mut lat = Vec::new();
    for r in readers {
        lat.extend(r.await?);
    }
    let (mut elat, acked, efailed) = editor_task.await?;
    println!("after: {}", proc_status(pid));
    let _ = child.kill();
    let _ = child.wait();
    // Every acknowledged write is there.
    let mut missing = 0;
    for (location, title) in &acked {
        let id: i64 = location
            .trim_start_matches("/admin/articles/")
            .split(['?', '/'])
            .next()
            .and_then(|s| s.parse().ok())
            .unwrap_or(-1);
        let found = fupin::db::articles::get(&db, id)
            .await?
            .is_some_and(|art| &art.title == title);
        if !found {
            missing += 1;
        }
    }
    let total = requests.load(Ordering::Relaxed);
    println!(
        "readers: {total} requests ({:.0}/s), {} answers 5xx, {} socket errors, p50 {:.1} ms, p99 {:.1} ms",
        total as f64 / a.seconds as f64,
        errors5.load(Ordering::Relaxed),
        sock.load(Ordering::Relaxed),
        pct(&mut lat, 0.5),
        pct(&mut lat, 0.99)
    );
    println!(
        "editor: {} saves acknowledged, {efailed} failed, p50 {:.1} ms, p99 {:.1} ms; missing afterwards: {missing}",
        acked.len(),
        pct(&mut elat, 0.5),
        pct(&mut elat, 0.99)
    );
    db.close().await;
    Ok(())
}
