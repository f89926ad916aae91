//! Test harness: a fresh database per test (a SQLite file in a temporary
//! directory, or a new PostgreSQL database when `FUPIN_TEST_DATABASE_URL`
//! names a server), the whole app built on it, and requests sent in-process.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use fupin::app::{AppState, open_db};
use fupin::config::{Config, Overrides};
use sqlx::Executor;
use tower::ServiceExt;

/// One app on a fresh database.
pub struct TestApp {
    pub state: AppState,
    pub dir: tempfile::TempDir,
    pg_drop: Option<(String, String)>,
}

/// A response read whole.
pub struct Page {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Page {
    /// The header's value or "".
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The text between the first `<tag` and its closing `</tag>`.
    pub fn element(&self, tag: &str) -> &str {
        let start = self
            .body
            .find(&format!("<{tag}"))
            .unwrap_or_else(|| panic!("no <{tag}> in page"));
        let end = self.body[start..]
            .find(&format!("</{tag}>"))
            .unwrap_or_else(|| panic!("no </{tag}>"))
            + start;
        &self.body[start..end]
    }
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// The backends to run a test on: SQLite always, PostgreSQL when configured.
pub fn backends() -> Vec<&'static str> {
    let mut v = vec!["sqlite"];
    if std::env::var("FUPIN_TEST_DATABASE_URL")
        .map(|u| !u.is_empty())
        .unwrap_or(false)
    {
        v.push("postgres");
    } else {
        eprintln!("note: FUPIN_TEST_DATABASE_URL is unset; skipping the PostgreSQL pass");
    }
    v
}

/// A new empty PostgreSQL database on the test server: (its URL, the admin URL).
pub async fn create_pg_database() -> (String, String, String) {
    let admin = std::env::var("FUPIN_TEST_DATABASE_URL").expect("FUPIN_TEST_DATABASE_URL");
    let name = format!(
        "fupin_test_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst),
        chrono::Utc::now().timestamp_micros() % 1_000_000
    );
    sqlx::any::install_default_drivers();
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin)
        .await
        .expect("connect to the test server");
    conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .await
        .expect("create test database");
    let mut url = url::Url::parse(&admin).expect("test URL");
    url.set_path(&format!("/{name}"));
    (url.to_string(), admin, name)
}

/// Drops a test database.
pub async fn drop_pg_database(admin: &str, name: &str) {
    if let Ok(mut conn) = <sqlx::AnyConnection as sqlx::Connection>::connect(admin).await {
        let _ = conn
            .execute(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .await;
    }
}

impl TestApp {
    /// A fresh app on the given backend.
    pub async fn new(backend: &str) -> TestApp {
        TestApp::in_dir(tempfile::tempdir().expect("tempdir"), backend).await
    }

    /// An app on a database that already exists (made by [`Target::new`]).
    pub async fn on_target(dir: tempfile::TempDir, target: Target) -> TestApp {
        let config = Config::load(Overrides {
            data: Some(dir.path().join("data")),
            database_url: target.url.clone(),
            base_url: Some("http://portal.test".into()),
            ..Overrides::default()
        })
        .expect("config");
        let db = open_db(&config).await.expect("open database");
        TestApp {
            state: AppState::new(db, config),
            dir,
            pg_drop: target.pg_drop,
        }
    }

    /// An app whose data directory is `dir/data` (which may already hold a site).
    pub async fn in_dir(dir: tempfile::TempDir, backend: &str) -> TestApp {
        let (database_url, pg_drop) = match backend {
            "postgres" => {
                let (url, admin, name) = create_pg_database().await;
                (Some(url), Some((admin, name)))
            }
            _ => (None, None),
        };
        let config = Config::load(Overrides {
            data: Some(dir.path().join("data")),
            database_url,
            base_url: Some("http://portal.test".into()),
            ..Overrides::default()
        })
        .expect("config");
        let db = open_db(&config).await.expect("open database");
        TestApp {
            state: AppState::new(db, config),
            dir,
            pg_drop,
        }
    }

    /// Drops the PostgreSQL database, if any.
    pub async fn finish(self) {
        self.state.db.close().await;
        if let Some((admin, name)) = &self.pg_drop {
            drop_pg_database(admin, name).await;
        }
    }

    /// Sends a GET with optional extra headers.
    pub async fn get_with(&self, uri: &str, headers: &[(&str, &str)]) -> Page {
        let mut req = Request::builder().uri(uri);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        self.send(req.body(Body::empty()).expect("request")).await
    }

    /// Sends a GET.
    pub async fn get(&self, uri: &str) -> Page {
        self.get_with(uri, &[]).await
    }

    /// Sends any request.
    pub async fn send(&self, req: Request<Body>) -> Page {
        send_to(&self.state, req).await
    }

    /// The data directory.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }
}

/// The address a redirect points to.
pub fn location(page: &Page) -> &str {
    page.header(header::LOCATION.as_str())
}

/// `../shared` beside the project, if present.
pub fn shared_dir() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    p.is_dir().then_some(p)
}

/// A running `fupin serve` process.
pub struct Server {
    pub child: std::process::Child,
    pub addr: String,
}

impl Server {
    /// Starts `fupin serve` on a free port with the given data directory and
    /// extra arguments; returns once it listens.
    pub fn start(data: &Path, extra: &[&str]) -> Server {
        Server::start_with(data, extra, &[])
    }

    /// Like [`Server::start`] with extra environment variables.
    pub fn start_with(data: &Path, extra: &[&str], env: &[(&str, &str)]) -> Server {
        use std::io::BufRead;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_fupin"))
            .env_remove("FUPIN_DATABASE_URL")
            .envs(env.iter().copied())
            .env("FUPIN_DATA", data)
            .env("FUPIN_LOG", "warn")
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(extra)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("start fupin serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = std::io::BufReader::new(stdout).lines();
        let addr = loop {
            let line = lines
                .next()
                .expect("server exited before listening")
                .expect("read");
            if let Some(rest) = line.strip_prefix("fupin listening on http://") {
                break rest.trim().to_string();
            }
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Server { child, addr }
    }

    /// Stops the server with SIGTERM and waits for a clean exit.
    pub fn stop(mut self) -> std::process::ExitStatus {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        self.child.wait().expect("wait")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

/// A plain HTTP/1.1 GET over loopback: (status, body).
pub fn http_get(addr: &str, path: &str) -> (u16, String) {
    http_get_as(addr, path, "")
}

/// A plain HTTP/1.1 GET with a User-Agent (a browser's is counted in the
/// visit statistics; none is a robot's): (status, body).
pub fn http_get_as(addr: &str, path: &str, user_agent: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    let ua = if user_agent.is_empty() {
        String::new()
    } else {
        format!("User-Agent: {user_agent}\r\n")
    };
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\n{ua}Connection: close\r\n\r\n"
    )
    .expect("write");
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).expect("read");
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// A database for CLI tests: the data directory's SQLite file, or a fresh
/// PostgreSQL database whose URL the CLI gets in `FUPIN_DATABASE_URL`.
pub struct Target {
    /// The PostgreSQL URL, none for SQLite.
    pub url: Option<String>,
    pg_drop: Option<(String, String)>,
}

impl Target {
    /// A fresh database on `backend`.
    pub async fn new(backend: &str) -> Target {
        if backend == "postgres" {
            let (url, admin, name) = create_pg_database().await;
            Target {
                url: Some(url),
                pg_drop: Some((admin, name)),
            }
        } else {
            Target {
                url: None,
                pg_drop: None,
            }
        }
    }

    /// A database that exists already at `url` (dropped by its owner).
    pub fn at(url: &str) -> Target {
        Target {
            url: Some(url.to_string()),
            pg_drop: None,
        }
    }

    /// Drops the PostgreSQL database, if any.
    pub async fn drop_database(self) {
        if let Some((admin, name)) = &self.pg_drop {
            drop_pg_database(admin, name).await;
        }
    }

    /// Points a CLI command at this database.
    pub fn apply(&self, cmd: &mut std::process::Command) {
        match &self.url {
            Some(url) => cmd.env("FUPIN_DATABASE_URL", url),
            None => cmd.env_remove("FUPIN_DATABASE_URL"),
        };
    }
}

/// Sends a request to the router of any app state (one with settings of its
/// own beside a [`TestApp`], say).
pub async fn send_to(state: &fupin::app::AppState, req: Request<Body>) -> Page {
    send_via(state.router(), req).await
}

/// Sends a request to a router built once and kept (see [`send_to`]).
pub async fn send_via(router: axum::Router, req: Request<Body>) -> Page {
    let response = router.oneshot(req).await.expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    Page {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}
