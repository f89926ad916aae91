//! Helpers of the back-office tests: a browser with a cookie jar and a
//! client address, users and sessions made directly in the database (no
//! argon2 cost per request), CSRF tokens read from forms, and a snapshot of
//! every table to prove that a refused request changed nothing.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, header};
use fupin::auth::Role;
use fupin::auth::session::{self, Stage};
use fupin::db::users;
use sqlx::{Column, Row};
use tokio::sync::OnceCell;

use crate::harness::{Page, TestApp};

/// The password every test user gets.
pub const PASSWORD: &str = "correct horse battery";

async fn password_hash() -> &'static str {
    static HASH: OnceCell<String> = OnceCell::const_new();
    HASH.get_or_init(|| async { fupin::auth::password::hash(PASSWORD).await.expect("hash") })
        .await
}

/// Creates a user with [`PASSWORD`]; its id.
pub async fn add_user(app: &TestApp, name: &str, role: Role, channels: &[i64]) -> i64 {
    users::create(
        &app.state.db,
        &users::NewUser {
            username: name,
            display_name: "",
            role,
            password_hash: password_hash().await,
            channel_ids: channels,
        },
    )
    .await
    .expect("create user")
    .expect("name free")
}

/// A browser: cookies kept between requests, a fixed client address.
#[derive(Clone)]
pub struct Browser<'a> {
    pub app: &'a TestApp,
    pub cookies: Arc<Mutex<BTreeMap<String, String>>>,
    pub ip: String,
}

impl<'a> Browser<'a> {
    /// A browser without cookies at 10.0.0.1.
    pub fn new(app: &'a TestApp) -> Browser<'a> {
        Browser::at(app, "10.0.0.1")
    }

    /// A browser without cookies at a given address.
    pub fn at(app: &'a TestApp, ip: &str) -> Browser<'a> {
        Browser {
            app,
            cookies: Arc::default(),
            ip: ip.into(),
        }
    }

    /// A browser holding a fresh signed-in session of `user_id` (made in
    /// the database, as a login would) and its CSRF token.
    pub async fn signed_in(app: &'a TestApp, user_id: i64) -> (Browser<'a>, String) {
        let b = Browser::new(app);
        let s = session::start(
            &app.state.db,
            user_id,
            Stage::Full,
            "10.0.0.1",
            "test",
            fupin::db::now(),
        )
        .await
        .expect("session");
        b.set_cookie(session::COOKIE, &s.token);
        (b, s.csrf)
    }

    /// Sets a cookie.
    pub fn set_cookie(&self, name: &str, value: &str) {
        self.cookies
            .lock()
            .unwrap()
            .insert(name.into(), value.into());
    }

    /// A cookie's value.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.lock().unwrap().get(name).cloned()
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .lock()
            .unwrap()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Sends a request with the cookies and address; keeps Set-Cookie.
    pub async fn send(&self, method: &str, uri: &str, body: Option<String>) -> Page {
        let mut req = Request::builder().method(method).uri(uri);
        let cookies = self.cookie_header();
        if !cookies.is_empty() {
            req = req.header(header::COOKIE, cookies);
        }
        let body = match body {
            Some(b) => {
                req = req.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
                Body::from(b)
            }
            None => Body::empty(),
        };
        let mut req = req.body(body).expect("request");
        let addr: SocketAddr = format!("{}:40000", self.ip).parse().expect("address");
        req.extensions_mut().insert(ConnectInfo(addr));
        let page = self.app.send(req).await;
        for v in page.headers.get_all(header::SET_COOKIE) {
            let text = v.to_str().unwrap_or("");
            let Some((pair, attrs)) = text.split_once(';').or(Some((text, ""))) else {
                continue;
            };
            if let Some((k, val)) = pair.split_once('=') {
                if attrs.contains("Max-Age=0") {
                    self.cookies.lock().unwrap().remove(k.trim());
                } else {
                    self.set_cookie(k.trim(), val.trim());
                }
            }
        }
        page
    }

    /// GET.
    pub async fn get(&self, uri: &str) -> Page {
        self.send("GET", uri, None).await
    }

    /// POST a form.
    pub async fn post(&self, uri: &str, fields: &[(&str, &str)]) -> Page {
        let body = serde_urlencoded::to_string(fields).expect("form");
        self.send("POST", uri, Some(body)).await
    }

    /// Logs in through the form: the response to the POST.
    pub async fn login(&self, name: &str, password: &str) -> Page {
        let form = self.get("/admin/login").await;
        // A signed-in browser is not shown the form; its token is the cookie.
        let csrf = if form.status.is_success() {
            csrf_of(&form.body)
        } else {
            self.cookie("fupin_pre").expect("pre-session cookie")
        };
        self.post(
            "/admin/login",
            &[("csrf", &csrf), ("username", name), ("password", password)],
        )
        .await
    }
}

/// The value of the first `name="csrf"` field of a page.
pub fn csrf_of(body: &str) -> String {
    let at = body.find("name=\"csrf\" value=\"").expect("a csrf field") + 19;
    body[at..at + 64].to_string()
}

/// Every row of every table as text (sessions without their activity
/// time, which a refused request may refresh).
pub async fn snapshot(app: &TestApp) -> String {
    let url = &app.state.config.database_url;
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(url)
        .await
        .expect("connect");
    let tables_sql = if url.starts_with("sqlite") {
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    } else {
        "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name"
    };
    let tables: Vec<String> = sqlx::query(tables_sql)
        .fetch_all(&mut conn)
        .await
        .expect("tables")
        .iter()
        .map(|r| r.try_get::<String, _>("name").expect("name"))
        .collect();
    let mut out = String::new();
    for t in tables {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT * FROM {t} ORDER BY 1")))
            .fetch_all(&mut conn)
            .await
            .expect("rows");
        for row in rows {
            out.push_str(&t);
            for (i, col) in row.columns().iter().enumerate() {
                if t == "sessions" && col.name() == "last_seen_at" {
                    continue;
                }
                let v = row
                    .try_get::<Option<i64>, _>(i)
                    .map(|v| format!("{v:?}"))
                    .or_else(|_| {
                        row.try_get::<Option<String>, _>(i)
                            .map(|v| format!("{v:?}"))
                    })
                    .or_else(|_| row.try_get::<Option<f64>, _>(i).map(|v| format!("{v:?}")))
                    .unwrap_or_else(|_| "?".into());
                out.push_str(&format!(" {}={v}", col.name()));
            }
            out.push('\n');
        }
    }
    out
}

/// Whether a response sends the visitor to the login page.
pub fn is_login_redirect(page: &Page) -> bool {
    page.status.as_u16() == 303
        && page
            .header(header::LOCATION.as_str())
            .starts_with("/admin/login")
}
