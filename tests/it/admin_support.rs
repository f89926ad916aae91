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
pub const PASSWORD: &str = "Correct horse battery";

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

/// A connection of the test's own to the app's database.
pub async fn connect(app: &TestApp) -> sqlx::AnyConnection {
    <sqlx::AnyConnection as sqlx::Connection>::connect(&app.state.config.database_url)
        .await
        .expect("connect")
}

/// Every row of every table as text (sessions without their activity
/// time, which a refused request may refresh).
pub async fn snapshot(conn: &mut sqlx::AnyConnection, sqlite: bool) -> String {
    let tables_sql = if sqlite {
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    } else {
        "SELECT CAST(table_name AS TEXT) AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name"
    };
    let tables: Vec<String> = sqlx::query(tables_sql)
        .fetch_all(&mut *conn)
        .await
        .expect("tables")
        .iter()
        .map(|r| r.try_get::<String, _>("name").expect("name"))
        .collect();
    let mut out = String::new();
    for t in tables {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT * FROM {t} ORDER BY 1")))
            .fetch_all(&mut *conn)
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

/// The people of the role tests: one user per role, two editors of two
/// different channels, and those channels.
pub struct Cast {
    pub admin: i64,
    pub editor_a: i64,
    pub editor_b: i64,
    pub reviewer: i64,
    pub writer: i64,
    pub mailbox: i64,
    pub channel_a: i64,
    pub channel_b: i64,
}

impl Cast {
    /// Creates the cast on the reference site (扶贫要闻 is A, 部门动态 is B).
    pub async fn new(app: &TestApp) -> Cast {
        let tree = fupin::db::channels::ChannelTree::load(&app.state.db)
            .await
            .unwrap();
        let channel_a = tree.by_slug("fupin-yaowen").unwrap().id;
        let channel_b = tree.by_slug("bumen-dongtai").unwrap().id;
        Cast {
            admin: add_user(app, "guanli", Role::Admin, &[]).await,
            editor_a: add_user(app, "bianji-a", Role::Editor, &[channel_a]).await,
            editor_b: add_user(app, "bianji-b", Role::Editor, &[channel_b]).await,
            reviewer: add_user(app, "shenhe", Role::Reviewer, &[]).await,
            writer: add_user(app, "zhuangao", Role::Writer, &[]).await,
            mailbox: add_user(app, "xinxiang", Role::Mailbox, &[]).await,
            channel_a,
            channel_b,
        }
    }
}

/// A draft by the writer in channel A; its id.
pub async fn writers_draft(app: &TestApp, cast: &Cast, title: &str) -> i64 {
    use fupin::editorial::{self, Action, ArticleFields, Principal, Then};
    let fields = ArticleFields {
        channel_id: cast.channel_a,
        title: title.into(),
        body_html: "<p>草稿正文</p>".into(),
        published_at: fupin::db::now(),
        ..ArticleFields::default()
    };
    let writer = Principal {
        actor: fupin::db::audit::Actor {
            id: Some(cast.writer),
            name: "zhuangao".into(),
            ip: String::new(),
        },
        role: Role::Writer,
        channels: Vec::new(),
    };
    let action = Action::Create {
        fields,
        then: Then::Save,
    };
    editorial::apply(&app.state.db, &writer, action)
        .await
        .unwrap()
        .id
}

/// The concrete address of a route pattern, with fresh objects made for
/// its `{id}` (and `{rev}`), so that no request depends on an earlier one.
pub async fn fresh_path(app: &TestApp, cast: &Cast, pattern: &str, n: usize) -> String {
    let db = &app.state.db;
    if !pattern.contains("{id}") {
        return pattern.to_string();
    }
    let id = if pattern.starts_with("/admin/articles/") {
        writers_draft(app, cast, &format!("矩阵文章 {n}")).await
    } else if pattern.starts_with("/admin/channels/") {
        fupin::db::channels::create(
            db,
            fupin::db::channels::NewChannel {
                parent_id: None,
                name: &format!("临时栏目{n}"),
                slug: Some(&format!("tmp-{n}")),
                sort_order: 900,
                in_nav: false,
                description: "",
            },
        )
        .await
        .unwrap()
        .id
    } else if pattern.starts_with("/admin/pages/") {
        fupin::db::pages::create(
            db,
            &fupin::db::pages::PageEdit {
                slug: &format!("tmp-{n}"),
                title: "临时单页",
                body_html: "<p>x</p>",
                sort_order: 900,
                in_footer: false,
            },
        )
        .await
        .unwrap()
    } else if pattern.starts_with("/admin/announcements/") {
        fupin::db::announcements::create(db, "临时公告", None, 0, None)
            .await
            .unwrap()
    } else if pattern.starts_with("/admin/media/") {
        let limits = fupin::media::Limits::from_config(&app.state.config);
        fupin::media::store(
            db,
            &app.state.config.data_dir,
            &limits,
            "图.png",
            png(),
            fupin::media::Want::Any,
            None,
        )
        .await
        .expect("store a picture")
        .media
        .id
    } else if pattern.starts_with("/admin/mailbox/") {
        let now = fupin::db::now();
        fupin::db::letters::create(
            db,
            &fupin::mailbox::CleanLetter {
                name: "矩阵来信人".into(),
                phone: "020-1234567".into(),
                email: String::new(),
                subject: format!("矩阵来信 {n}"),
                category: fupin::mailbox::Category::Consult,
                body: "矩阵测试的来信内容。".into(),
                publish_ok: true,
                notify_ok: false,
            },
            &fupin::db::letters::Receipt {
                code_salt: &format!("salt{n}"),
                code_hash: "x",
                now,
                day: fupin::stats::day_of(now),
                due_at: now + 86_400,
                assignee_id: None,
            },
        )
        .await
        .expect("store a letter")
        .0
    } else if pattern.starts_with("/admin/search/words/") {
        let word = format!("矩阵词{n}");
        assert!(fupin::search::add_user_word(db, &word).await.unwrap());
        fupin::db::search::word_list(db)
            .await
            .unwrap()
            .into_iter()
            .find(|w| w.word == word)
            .expect("the word just added")
            .id
    } else if pattern.starts_with("/admin/users/") {
        add_user(app, &format!("tmp{n}"), Role::Writer, &[]).await
    } else {
        panic!("the tests do not know how to make an object for {pattern}; add it to fresh_path")
    };
    let mut path = pattern.replace("{id}", &id.to_string());
    if path.contains("{rev}") {
        let rev = fupin::db::revisions::list(db, id).await.unwrap()[0].id;
        path = path.replace("{rev}", &rev.to_string());
    }
    assert!(!path.contains('{'), "unknown parameter in {pattern}");
    path
}

/// Fields that satisfy every back-office form well enough to reach the
/// handler's own checks (each form ignores the fields it does not know).
pub fn generic_fields(cast: &Cast, n: usize, csrf: Option<&str>) -> Vec<(String, String)> {
    let a = cast.channel_a.to_string();
    let mut f: Vec<(String, String)> = [
        ("title", "矩阵测试标题".to_string()),
        ("channel_id", a.clone()),
        ("body_html", "<p>正文</p>".into()),
        ("action", "save".into()),
        ("reason", "请补充来源".into()),
        ("name", format!("矩阵栏目{n}")),
        ("slug", format!("mx-{n}")),
        ("text", "矩阵公告".into()),
        ("username", format!("mx{n}")),
        ("role", "writer".into()),
        ("current", PASSWORD.into()),
        ("password", "Another good password".into()),
        ("password2", "Another good password".into()),
        ("code", "000000".into()),
        ("move_to", a.clone()),
        ("site.name", "广东扶贫网".into()),
        ("order_1", "10".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    if let Some(c) = csrf {
        f.push(("csrf".into(), c.into()));
    }
    f
}

/// A small PNG made here.
pub fn png() -> Vec<u8> {
    let img = image::RgbImage::from_fn(24, 16, |x, y| image::Rgb([x as u8 * 9, y as u8 * 13, 120]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .expect("png");
    out.into_inner()
}

const BOUNDARY: &str = "----fupin-admin-test-boundary-q8Zr";

/// Whether a route takes a multipart upload.
pub fn is_upload(path: &str) -> bool {
    matches!(
        path,
        "/admin/media/upload" | "/admin/media/image" | "/admin/media/attachment"
    )
}

/// Every file below the data directory's media folder.
pub fn media_files(app: &TestApp) -> usize {
    fn count(dir: &std::path::Path) -> usize {
        std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| {
                        if e.path().is_dir() {
                            count(&e.path())
                        } else {
                            1
                        }
                    })
                    .sum()
            })
            .unwrap_or(0)
    }
    count(&app.data_dir().join("media"))
}

impl Browser<'_> {
    /// POST a multipart upload of one file with an optional CSRF field.
    pub async fn upload(
        &self,
        uri: &str,
        csrf: Option<&str>,
        name: &str,
        bytes: &[u8],
        json: bool,
    ) -> Page {
        let mut body = Vec::new();
        if let Some(c) = csrf {
            body.extend_from_slice(
                format!(
                    "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{c}\r\n"
                )
                .as_bytes(),
            );
        }
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
        let mut req = Request::builder().method("POST").uri(uri).header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        );
        if json {
            req = req.header(header::ACCEPT, "application/json");
        }
        let cookies = self.cookie_header();
        if !cookies.is_empty() {
            req = req.header(header::COOKIE, cookies);
        }
        let mut req = req.body(Body::from(body)).expect("request");
        let addr: SocketAddr = format!("{}:40000", self.ip).parse().expect("address");
        req.extensions_mut().insert(ConnectInfo(addr));
        self.app.send(req).await
    }

    /// POST owned fields.
    pub async fn post_owned(&self, uri: &str, fields: &[(String, String)]) -> Page {
        let body = serde_urlencoded::to_string(fields).expect("form");
        self.send("POST", uri, Some(body)).await
    }
}

/// Whether a response turns the visitor away to the login page (not the
/// goodbye after a logout).
pub fn is_login_redirect(page: &Page) -> bool {
    let to = page.header(header::LOCATION.as_str());
    page.status.as_u16() == 303 && (to == "/admin/login" || to.starts_with("/admin/login?next="))
}
