//! Issue 17: what a logged-in writer or an outsider could still do. Each
//! test here failed on the code before the fix it guards.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use fupin::db::articles::{ArticleFields as EditInput, insert_published};

use crate::admin_support::{Browser, Cast};
use crate::harness::{TestApp, backends};

/// A writer's body nested far deeper than any notice is refused at once,
/// naming the limit, and keeps what was typed in the form.
#[tokio::test]
async fn a_hostile_nested_body_is_refused_naming_the_limit() {
    let app = TestApp::new("sqlite").await;
    let cast = Cast::new(&app).await;
    let (writer, csrf) = Browser::signed_in(&app, cast.writer).await;
    let a = cast.channel_a.to_string();
    let hostile = "<ul><li>".repeat(10_000) + "底";
    let r = writer
        .post(
            "/admin/articles/new",
            &[
                ("csrf", &csrf),
                ("title", "嵌套攻击"),
                ("channel_id", &a),
                ("body_html", &hostile),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        &r.body[..200.min(r.body.len())]
    );
    assert!(r.body.contains("100 层"), "the message names the limit");
    assert!(r.body.contains("嵌套攻击"), "the title typed is kept");
    app.finish().await;
}

/// Sanitizing runs off the request workers: on a single-threaded runtime
/// (the test's), a reader's page is answered while a long save is still
/// being sanitized. Before, the save held the only worker until it was done.
#[tokio::test]
async fn a_long_save_does_not_hold_other_requests() {
    let app = TestApp::new("sqlite").await;
    let cast = Cast::new(&app).await;
    let (writer, csrf) = Browser::signed_in(&app, cast.writer).await;
    let a = cast.channel_a.to_string();
    // Deep (within the limit) and long: seconds of parser work in a debug
    // build, all of it legitimate.
    let block = "<div>".repeat(90) + "正文" + &"</div>".repeat(90);
    let body = block.repeat(400);
    assert!(fupin::html::check_limits(&body).is_ok());
    let done = std::sync::atomic::AtomicBool::new(false);
    let save = async {
        let r = writer
            .post(
                "/admin/articles/new",
                &[
                    ("csrf", &csrf),
                    ("title", "很长的正文"),
                    ("channel_id", &a),
                    ("body_html", &body),
                    ("action", "save"),
                ],
            )
            .await;
        done.store(true, std::sync::atomic::Ordering::SeqCst);
        r
    };
    let read = async {
        // Ask once the save is being sanitized (or is over: then the
        // answer is late and the test fails, as it did when sanitizing ran
        // on the worker and the pool stayed idle).
        while fupin::cpu::running() == 0 && !done.load(std::sync::atomic::Ordering::SeqCst) {
            tokio::task::yield_now().await;
        }
        let p = app.get("/").await;
        (p.status, done.load(std::sync::atomic::Ordering::SeqCst))
    };
    let (saved, (status, save_was_done)) = tokio::join!(save, read);
    assert_eq!(
        saved.status,
        StatusCode::SEE_OTHER,
        "the long body is saved"
    );
    assert_eq!(status, StatusCode::OK);
    assert!(!save_was_done, "the home page waited for the save");
    app.finish().await;
}

/// A control character pasted into a title never reaches a feed: XML 1.0
/// forbids it and readers refuse the whole feed.
#[tokio::test]
async fn control_characters_never_reach_the_feeds() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let cast = Cast::new(&app).await;
        let input = EditInput {
            channel_id: cast.channel_a,
            title: "标题\u{1}含\u{8}控制\u{b}字符\u{1f}".into(),
            summary: "摘要\u{c}".into(),
            body_html: "<p>正文\u{2}</p>".into(),
            published_at: fupin::db::now() - 60,
            ..EditInput::default()
        };
        insert_published(&app.state.db, &input).await.unwrap();
        let slug = fupin::db::channels::ChannelTree::load(&app.state.db)
            .await
            .unwrap()
            .get(cast.channel_a)
            .unwrap()
            .slug
            .clone();
        for path in [
            "/rss.xml".to_string(),
            format!("/c/{slug}/rss.xml"),
            "/sitemap.xml".into(),
        ] {
            let feed = app.get(&path).await;
            assert_eq!(feed.status, StatusCode::OK, "{backend} {path}");
            let bad: Vec<char> = feed
                .body
                .chars()
                .filter(|c| {
                    (*c < ' ' && !matches!(c, '\t' | '\n' | '\r'))
                        || matches!(c, '\u{fffe}' | '\u{ffff}')
                })
                .collect();
            assert!(bad.is_empty(), "{backend} {path}: {bad:?}");
        }
        let feed = app.get("/rss.xml").await;
        assert!(
            feed.body.contains("标题含控制字符"),
            "{backend}: the title kept, less its controls"
        );
        app.finish().await;
    }
}

fn is_site_page(body: &str) -> bool {
    body.contains("<html") && body.contains("广东扶贫网")
}

/// Answers the framework makes (a form or path that does not parse, a
/// method a route does not take) and oversized requests are pages in the
/// site's style that name no internal type.
#[tokio::test]
async fn every_error_answer_is_a_page_of_the_site() {
    let app = TestApp::new("sqlite").await;
    let cases: Vec<(Request<Body>, StatusCode)> = vec![
        (
            Request::builder()
                .method("DELETE")
                .uri("/")
                .body(Body::empty())
                .unwrap(),
            StatusCode::METHOD_NOT_ALLOWED,
        ),
        (
            Request::builder()
                .uri(format!("/search?q={}", "z".repeat(40_000)))
                .body(Body::empty())
                .unwrap(),
            StatusCode::URI_TOO_LONG,
        ),
        (
            Request::builder()
                .uri("/")
                .header("cookie", "a=".to_string() + &"b".repeat(40_000))
                .body(Body::empty())
                .unwrap(),
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        ),
    ];
    for (req, want) in cases {
        let what = format!("{} {}", req.method(), req.uri().path());
        let p = app.send(req).await;
        assert_eq!(p.status, want, "{what}");
        assert!(
            p.header("content-type").starts_with("text/html"),
            "{what}: {}",
            p.header("content-type")
        );
        assert!(is_site_page(&p.body), "{what}: {}", p.body);
        for internal in [
            "Failed to",
            "deserialize",
            "Content-Type",
            "axum",
            "serde",
            "i64",
        ] {
            assert!(
                !p.body.contains(internal),
                "{what}: {internal} in {}",
                p.body
            );
        }
    }
    // A path that does not parse, in the back office: its own error page.
    let cast = Cast::new(&app).await;
    let (admin, _) = Browser::signed_in(&app, cast.admin).await;
    let p = admin.get("/admin/channels/第一").await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    assert!(p.header("content-type").starts_with("text/html"));
    assert!(
        p.body.contains("<html") && p.body.contains("请求有误"),
        "{}",
        p.body
    );
    assert!(
        !p.body.contains("parse") && !p.body.contains("i64"),
        "{}",
        p.body
    );
    app.finish().await;
}

/// Permissions-Policy on every answer; HSTS only where the site is https.
#[tokio::test]
async fn security_headers_include_permissions_policy_and_hsts_on_https() {
    let app = TestApp::new("sqlite").await;
    let p = app.get("/").await;
    assert!(p.header("permissions-policy").contains("camera=()"));
    assert_eq!(
        p.header("strict-transport-security"),
        "",
        "http site: no HSTS"
    );
    app.finish().await;
    let dir = tempfile::tempdir().unwrap();
    let config = fupin::config::Config::load(fupin::config::Overrides {
        data: Some(dir.path().join("data")),
        base_url: Some("https://portal.test".into()),
        ..fupin::config::Overrides::default()
    })
    .unwrap();
    let db = fupin::app::open_db(&config).await.unwrap();
    let state = fupin::app::AppState::new(db, config);
    for uri in ["/", "/admin/login", "/no-such-page"] {
        let p = crate::harness::send_to(
            &state,
            Request::builder().uri(uri).body(Body::empty()).unwrap(),
        )
        .await;
        assert!(
            p.header("strict-transport-security")
                .contains("max-age=31536000"),
            "{uri}"
        );
    }
    state.db.close().await;
}

/// A number in an address has one spelling: `/a/087.html` and `/a/+87.html`
/// redirect to `/a/87.html` and never get cache entries of their own.
#[tokio::test]
async fn non_canonical_ids_redirect_and_are_never_cached_apart() {
    let app = TestApp::new("sqlite").await;
    let cast = Cast::new(&app).await;
    let input = EditInput {
        channel_id: cast.channel_a,
        title: "规范地址".into(),
        body_html: "<p>正文</p>".into(),
        published_at: fupin::db::now() - 60,
        ..EditInput::default()
    };
    let id = insert_published(&app.state.db, &input).await.unwrap();
    let canonical = format!("/a/{id}.html");
    assert_eq!(app.get(&canonical).await.status, StatusCode::OK);
    let cached = app.state.page_cache.len();
    for variant in [
        format!("/a/0{id}.html"),
        format!("/a/+{id}.html"),
        format!("/a/000{id}.html"),
    ] {
        let p = app.get(&variant).await;
        assert_eq!(p.status, StatusCode::PERMANENT_REDIRECT, "{variant}");
        assert_eq!(p.header("location"), canonical, "{variant}");
    }
    for bad in [
        format!("/a/-{id}.html"),
        format!("/a/{id}x.html"),
        "/a/0.html".into(),
    ] {
        assert_eq!(app.get(&bad).await.status, StatusCode::NOT_FOUND, "{bad}");
    }
    let slug = fupin::db::channels::ChannelTree::load(&app.state.db)
        .await
        .unwrap()
        .get(cast.channel_a)
        .unwrap()
        .slug
        .clone();
    let p = app.get(&format!("/c/{slug}/page/02/")).await;
    assert_eq!(p.status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(p.header("location"), format!("/c/{slug}/page/2/"));
    assert_eq!(
        app.state.page_cache.len(),
        cached,
        "no entry for another spelling"
    );
    app.finish().await;
}

async fn devices_of(app: &TestApp, user: i64) -> i64 {
    use sqlx::Row;
    sqlx::query("SELECT COUNT(*) AS n FROM login_devices WHERE user_id = $1")
        .bind(user)
        .fetch_one(app.state.db.pool())
        .await
        .unwrap()
        .get::<i64, _>("n")
}

/// A password changed by its owner or reset by an admin forgets the
/// browsers trusted for the old one; expired ones are purged by the jobs.
#[tokio::test]
async fn trusted_browsers_end_with_the_password() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let cast = Cast::new(&app).await;
        let b = Browser::at(&app, "10.9.0.1");
        assert_eq!(
            b.login("bianji-a", crate::admin_support::PASSWORD)
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(devices_of(&app, cast.editor_a).await, 1, "{backend}");
        let csrf = crate::admin_support::csrf_of(&b.get("/admin/account").await.body);
        let r = b
            .post(
                "/admin/account/password",
                &[
                    ("csrf", &csrf),
                    ("current", crate::admin_support::PASSWORD),
                    ("password", "A new pass phrase 2026"),
                    ("password2", "A new pass phrase 2026"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{backend}: {}", r.body);
        assert_eq!(
            devices_of(&app, cast.editor_a).await,
            0,
            "{backend}: changed by its owner"
        );
        // Trusted again, then reset by an admin.
        let b2 = Browser::at(&app, "10.9.0.2");
        assert_eq!(
            b2.login("bianji-a", "A new pass phrase 2026").await.status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(devices_of(&app, cast.editor_a).await, 1, "{backend}");
        let (admin, csrf) = Browser::signed_in(&app, cast.admin).await;
        let r = admin
            .post(
                &format!("/admin/users/{}/password", cast.editor_a),
                &[
                    ("csrf", &csrf),
                    ("password", "Reset by the admin 77"),
                    ("password2", "Reset by the admin 77"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{backend}: {}", r.body);
        assert_eq!(
            devices_of(&app, cast.editor_a).await,
            0,
            "{backend}: reset by an admin"
        );
        // An expired trust is purged.
        let b3 = Browser::at(&app, "10.9.0.3");
        assert_eq!(
            b3.login("bianji-a", "Reset by the admin 77").await.status,
            StatusCode::SEE_OTHER
        );
        sqlx::query("UPDATE login_devices SET expires_at = 1")
            .execute(app.state.db.pool())
            .await
            .unwrap();
        fupin::db::users::prune_devices(&app.state.db, fupin::db::now())
            .await
            .unwrap();
        assert_eq!(
            devices_of(&app, cast.editor_a).await,
            0,
            "{backend}: expired"
        );
        app.finish().await;
    }
}

/// The current-password check before a change, and the code check before
/// turning off the second factor, are throttled like logins: a stolen
/// session cannot guess the password it lacks.
#[tokio::test]
async fn secret_checks_of_a_signed_in_user_are_throttled() {
    let app = TestApp::new("sqlite").await;
    let cast = Cast::new(&app).await;
    let (b, csrf) = Browser::signed_in(&app, cast.editor_a).await;
    let mut statuses = Vec::new();
    for i in 0..6 {
        let r = b
            .post(
                "/admin/account/password",
                &[
                    ("csrf", &csrf),
                    ("current", &format!("guessed password {i}")),
                    ("password", "A new pass phrase 2026"),
                    ("password2", "A new pass phrase 2026"),
                ],
            )
            .await;
        statuses.push(r.status);
    }
    assert!(
        statuses.contains(&StatusCode::TOO_MANY_REQUESTS),
        "guesses of the current password slowed down: {statuses:?}"
    );
    let r = b
        .post(
            "/admin/account/totp/disable",
            &[("csrf", &csrf), ("code", "000000")],
        )
        .await;
    assert_ne!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    let keys = fupin::db::login_attempts::get(
        &app.state.db,
        &format!("secret:password:{}", cast.editor_a),
    )
    .await
    .unwrap()
    .expect("counted per user");
    assert!(keys.failures >= 3, "{keys:?}");
    app.finish().await;
}

/// The password policy (等保 2.0 level 2): length, three kinds of
/// character, not common, not the user name; in the back office and on the
/// command line.
#[tokio::test]
async fn the_password_policy_holds_in_the_form_and_the_cli() {
    let app = TestApp::new("sqlite").await;
    let cast = Cast::new(&app).await;
    let (admin, csrf) = Browser::signed_in(&app, cast.admin).await;
    for (pw, why) in [
        ("short1A", "至少需要 10 个字符"),
        ("all lower case words", "至少三种"),
        ("Password123", "过于常见"),
        ("Chenxiaoming2026", "不能包含用户名"),
    ] {
        let r = admin
            .post(
                "/admin/users/new",
                &[
                    ("csrf", &csrf),
                    ("username", "chenxiaoming"),
                    ("role", "writer"),
                    ("password", pw),
                    ("password2", pw),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{pw}");
        assert!(r.body.contains(why), "{pw}: {why}");
    }
    let r = admin
        .post(
            "/admin/users/new",
            &[
                ("csrf", &csrf),
                ("username", "chenxiaoming"),
                ("role", "writer"),
                ("password", "Tea leaves in 2026"),
                ("password2", "Tea leaves in 2026"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let data = app.data_dir();
    let add = |pw: &str| {
        use std::io::Write;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_fupin"))
            .env_remove("FUPIN_DATABASE_URL")
            .env_remove("FUPIN_CONFIG")
            .env("FUPIN_DATA", &data)
            .env("FUPIN_LOG", "warn")
            .args([
                "user",
                "add",
                "liuyang",
                "--role",
                "editor",
                "--password-stdin",
            ])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(pw.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let weak = add("only lower case here\n");
    assert!(!weak.status.success());
    assert!(
        String::from_utf8_lossy(&weak.stderr).contains("至少三种"),
        "{}",
        String::from_utf8_lossy(&weak.stderr)
    );
    let fine = add("Mountain road 2026\n");
    assert!(
        fine.status.success(),
        "{}",
        String::from_utf8_lossy(&fine.stderr)
    );
    app.finish().await;
}

async fn captcha_rows(app: &TestApp) -> i64 {
    use sqlx::Row;
    sqlx::query("SELECT COUNT(*) AS n FROM captchas")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap()
        .get::<i64, _>("n")
}

fn captcha_src(body: &str) -> String {
    let at = body.find("/mailbox/captcha/").expect("a captcha image");
    let rest = &body[at..];
    rest[..rest.find('"').unwrap()].to_string()
}

/// Issue 17: every anonymous `GET /mailbox` used to write a captcha row,
/// and an image could be drawn anew as often as asked.
#[tokio::test]
async fn captchas_are_bounded_per_address_and_drawn_once() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        // One browser showing the form again and again: one challenge,
        // the same picture each time.
        let b = Browser::at(&app, "10.8.0.1");
        let first = b.get("/mailbox").await;
        assert_eq!(first.status, StatusCode::OK, "{backend}");
        let src = captcha_src(&first.body);
        for _ in 0..5 {
            assert_eq!(captcha_src(&b.get("/mailbox").await.body), src, "{backend}");
        }
        assert_eq!(captcha_rows(&app).await, 1, "{backend}");
        let (one, two) = (b.get(&src).await, b.get(&src).await);
        assert_eq!(one.status, StatusCode::OK);
        assert_eq!(one.body, two.body, "{backend}: the same image drawn again");
        // A client without cookies from one address: bounded.
        let mut limited = 0;
        for _ in 0..(fupin::mailbox::guard::CAPTCHAS_PER_CLIENT + 5) {
            let p = Browser::at(&app, "10.8.0.2").get("/mailbox").await;
            if p.status == StatusCode::TOO_MANY_REQUESTS {
                assert!(p.body.contains("操作过于频繁"), "{backend}");
                limited += 1;
            }
        }
        assert_eq!(limited, 5, "{backend}");
        assert_eq!(
            captcha_rows(&app).await,
            1 + fupin::mailbox::guard::CAPTCHAS_PER_CLIENT,
            "{backend}"
        );
        // Another address is not held back by that one.
        assert_eq!(
            Browser::at(&app, "10.8.0.3").get("/mailbox").await.status,
            StatusCode::OK
        );
        app.finish().await;
    }
}

/// Uploads a PNG through the library's JSON endpoint; its row id and URL.
async fn upload_png(b: &Browser<'_>, csrf: &str, name: &str) -> (i64, String) {
    let r = b
        .upload(
            "/admin/media/image",
            Some(csrf),
            name,
            &crate::admin_support::png(),
            true,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    let url = v["url"].as_str().unwrap().to_string();
    let path = url.trim_start_matches("/media/").to_string();
    let (m, _) = fupin::db::media::by_path(&b.app.state.db, &path)
        .await
        .unwrap()
        .unwrap();
    (m.id, url)
}

/// Issue 17: any 编辑 or 审核 could delete any media file, including the
/// images of other channels' published articles; writers listed every upload.
#[tokio::test]
async fn media_deletion_needs_every_channel_and_published_files_go_to_the_bin() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let cast = Cast::new(&app).await;
        let (ed_a, csrf_a) = Browser::signed_in(&app, cast.editor_a).await;
        let (used, used_url) = upload_png(&ed_a, &csrf_a, "甲栏目用图.png").await;
        // A published article of channel B uses the file editor A uploaded.
        let body = format!("<p>正文</p><p><img src=\"{used_url}\" alt=\"图\"></p>");
        let input = EditInput {
            channel_id: cast.channel_b,
            title: "乙栏目文章".into(),
            body_html: body.clone(),
            published_at: fupin::db::now() - 60,
            ..EditInput::default()
        };
        let article = insert_published(&app.state.db, &input).await.unwrap();
        fupin::media::link_article(&app.state.db, article, &body)
            .await
            .unwrap();
        // Editor A may not publish in B: refused, naming the article.
        let r = ed_a.get(&format!("/admin/media/{used}/delete")).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{backend}");
        assert!(r.body.contains("乙栏目文章"), "{backend}");
        let r = ed_a
            .post(&format!("/admin/media/{used}/delete"), &[("csrf", &csrf_a)])
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{backend}");
        assert!(app.get(&used_url).await.status == StatusCode::OK);
        // The library shows where the file is used.
        let lib = ed_a.get("/admin/media").await;
        assert!(
            lib.body.contains("乙栏目文章"),
            "{backend}: where it is used"
        );
        // An admin's delete moves it to the bin; the site still shows it.
        let (admin, csrf) = Browser::signed_in(&app, cast.admin).await;
        let r = admin
            .post(&format!("/admin/media/{used}/delete"), &[("csrf", &csrf)])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{backend}: {}", r.body);
        assert!(
            fupin::db::media::is_trashed(&app.state.db, used)
                .await
                .unwrap()
        );
        assert_eq!(
            app.get(&used_url).await.status,
            StatusCode::OK,
            "{backend}: still served"
        );
        assert!(!admin.get("/admin/media").await.body.contains("甲栏目用图"));
        assert!(
            admin
                .get("/admin/media?trash=1")
                .await
                .body
                .contains("甲栏目用图")
        );
        // From the bin it cannot go while the published article uses it.
        let r = admin
            .post(&format!("/admin/media/{used}/delete"), &[("csrf", &csrf)])
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{backend}");
        let r = admin
            .post(&format!("/admin/media/{used}/restore"), &[("csrf", &csrf)])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{backend}");
        assert!(
            !fupin::db::media::is_trashed(&app.state.db, used)
                .await
                .unwrap()
        );
        // An unused file of one's own goes away.
        let (unused, unused_url) = upload_png(&ed_a, &csrf_a, "没用上.png").await;
        let r = ed_a
            .post(
                &format!("/admin/media/{unused}/delete"),
                &[("csrf", &csrf_a)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{backend}");
        assert_eq!(app.get(&unused_url).await.status, StatusCode::NOT_FOUND);
        // A writer sees their own uploads and files used in articles, not
        // others' unused uploads.
        let (_, _) = upload_png(&ed_a, &csrf_a, "编辑甲的草稿图.png").await;
        let (writer, w_csrf) = Browser::signed_in(&app, cast.writer).await;
        let (_, _) = upload_png(&writer, &w_csrf, "撰稿人的图.png").await;
        let lib = writer.get("/admin/media").await;
        assert!(lib.body.contains("撰稿人的图"), "{backend}");
        assert!(
            lib.body.contains("甲栏目用图"),
            "{backend}: used by an article"
        );
        assert!(
            !lib.body.contains("编辑甲的草稿图"),
            "{backend}: another's unused upload"
        );
        app.finish().await;
    }
}
