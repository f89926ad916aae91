//! CSRF (issue 4): every state-changing back-office route of the route
//! table, sent with no token, a wrong token, and another session's token,
//! is refused with 403 and leaves every table of the database as it was —
//! even when the form is otherwise right (the right password, the right
//! TOTP code). And no GET route changes anything.

use axum::http::StatusCode;
use fupin::auth::session::{self, Stage};
use fupin::auth::{Perm, Role, token, totp};
use fupin::web::admin::routes;

use crate::admin_support::{
    Browser, Cast, PASSWORD, add_user, connect, fresh_path, generic_fields, snapshot,
};
use crate::harness::{TestApp, backends};

#[derive(Debug, Clone, Copy)]
enum Bad {
    Missing,
    Wrong,
    OtherSessions,
}

#[tokio::test]
async fn every_state_change_needs_this_sessions_token() {
    let posts: Vec<_> = routes().into_iter().filter(|s| s.changes_state()).collect();
    assert!(posts.len() >= 30, "{} state-changing routes", posts.len());
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let cast = Cast::new(&app).await;
        // A user with a second factor, for the TOTP step of the login.
        let secret = totp::new_secret();
        let two = add_user(&app, "liangbu", Role::Editor, &[cast.channel_a]).await;
        fupin::db::users::enable_totp(&app.state.db, two, &secret, 0)
            .await
            .unwrap();
        let mut conn = connect(&app).await;
        let sqlite = backend == "sqlite";
        let mut n = 0;
        for spec in &posts {
            for bad in [Bad::Missing, Bad::Wrong, Bad::OtherSessions] {
                n += 1;
                let path = fresh_path(&app, &cast, spec.path, n).await;
                let mut fields = generic_fields(&cast, n, None);
                let (browser, other) = if spec.perm != Perm::Public {
                    let (b, _) = Browser::signed_in(&app, cast.admin).await;
                    let (_, other) = Browser::signed_in(&app, cast.admin).await;
                    (b, other)
                } else if spec.path == "/admin/login/totp" {
                    let b = Browser::new(&app);
                    let s = session::start(
                        &app.state.db,
                        two,
                        Stage::Totp,
                        "10.0.0.1",
                        "t",
                        fupin::db::now(),
                    )
                    .await
                    .unwrap();
                    b.set_cookie(session::COOKIE, &s.token);
                    let now = fupin::db::now();
                    let key = totp::base32_decode(&secret).unwrap();
                    let code = format!("{:06}", totp::code_at(&key, totp::step_of(now)));
                    fields.retain(|(k, _)| k != "code");
                    fields.push(("code".into(), code));
                    let (_, other) = Browser::signed_in(&app, two).await;
                    (b, other)
                } else {
                    // The login form: the pre-session cookie is the token.
                    let b = Browser::new(&app);
                    b.set_cookie(session::PRE_COOKIE, &token::new_token());
                    fields.retain(|(k, _)| k != "username" && k != "password");
                    fields.push(("username".into(), "guanli".into()));
                    fields.push(("password".into(), PASSWORD.into()));
                    (b, token::new_token())
                };
                match bad {
                    Bad::Missing => {}
                    Bad::Wrong => fields.push(("csrf".into(), token::new_token())),
                    Bad::OtherSessions => fields.push(("csrf".into(), other)),
                }
                let before = snapshot(&mut conn, sqlite).await;
                let files = crate::admin_support::media_files(&app);
                let page = if crate::admin_support::is_upload(&path) {
                    let csrf = fields
                        .iter()
                        .find(|(k, _)| k == "csrf")
                        .map(|(_, v)| v.as_str());
                    let png = crate::admin_support::png();
                    browser.upload(&path, csrf, "图.png", &png, false).await
                } else {
                    browser.post_owned(&path, &fields).await
                };
                let after = snapshot(&mut conn, sqlite).await;
                assert_eq!(
                    files,
                    crate::admin_support::media_files(&app),
                    "{path}: a file was stored"
                );
                assert_eq!(
                    page.status,
                    StatusCode::FORBIDDEN,
                    "{backend}: {bad:?} POST {path}: {}",
                    page.body
                );
                assert!(page.body.contains("表单已失效"), "{path}: {}", page.body);
                assert!(
                    before == after,
                    "{backend}: {bad:?} POST {path} changed the database"
                );
                assert!(
                    browser.cookie(session::COOKIE).is_none()
                        || spec.perm != Perm::Public
                        || spec.path == "/admin/login/totp",
                    "{path}: no session was started"
                );
            }
        }
        app.finish().await;
    }
}

#[tokio::test]
async fn no_get_route_changes_anything() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let cast = Cast::new(&app).await;
        let mut conn = connect(&app).await;
        let sqlite = backend == "sqlite";
        for (n, spec) in routes().iter().filter(|s| !s.changes_state()).enumerate() {
            let path = fresh_path(&app, &cast, spec.path, 10_000 + n).await;
            for who in [None, Some(cast.admin), Some(cast.writer)] {
                let browser = match who {
                    Some(id) => Browser::signed_in(&app, id).await.0,
                    None => Browser::new(&app),
                };
                let before = snapshot(&mut conn, sqlite).await;
                let page = browser.get(&path).await;
                let after = snapshot(&mut conn, sqlite).await;
                assert!(
                    !page.status.is_server_error(),
                    "{backend}: GET {path}: {}",
                    page.status
                );
                assert!(
                    before == after,
                    "{backend}: GET {path} changed the database"
                );
            }
        }
        app.finish().await;
    }
}
