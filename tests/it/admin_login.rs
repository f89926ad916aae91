//! Logging in (issue 4): the same answer for an unknown user and a wrong
//! password, slow-down and lockout per account and per address (and the
//! trusted device that keeps the real user in), session fixation, logout
//! and disabling ending the session, the TOTP step, the session cookie's
//! attributes.

use axum::http::StatusCode;
use fupin::auth::Role;

use crate::admin_support::{Browser, PASSWORD, add_user, is_login_redirect};
use crate::harness::{TestApp, backends, location};

#[tokio::test]
async fn login_sets_a_fresh_session_and_logout_ends_it() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        add_user(&app, "zhang", Role::Admin, &[]).await;
        let b = Browser::new(&app);
        // Anonymous: sent to the login page, coming back afterwards.
        let r = b.get("/admin/articles?status=pending").await;
        assert_eq!(r.header("cache-control"), "no-store");
        assert!(is_login_redirect(&r), "{backend}: {}", r.status);
        assert!(
            location(&r).contains("next=%2Fadmin%2Farticles"),
            "{}",
            location(&r)
        );
        // A planted session id is not adopted.
        let planted = "a".repeat(64);
        b.set_cookie("fupin_session", &planted);
        let r = b.login("zhang", PASSWORD).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{backend}: {}", r.body);
        assert_eq!(location(&r), "/admin");
        let cookie = r
            .headers
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .find(|c| c.starts_with("fupin_session="))
            .expect("session cookie");
        assert!(
            cookie.contains("HttpOnly")
                && cookie.contains("SameSite=Lax")
                && cookie.contains("Path=/"),
            "{cookie}"
        );
        assert!(!cookie.contains("Secure"), "http base URL: no Secure flag");
        let sid = b.cookie("fupin_session").unwrap();
        assert_ne!(sid, planted, "{backend}: session fixation");
        let home = b.get("/admin").await;
        assert_eq!(home.status, StatusCode::OK, "{backend}");
        assert_eq!(home.header("cache-control"), "no-store");
        assert!(home.body.contains("zhang"));
        // Logging in again gives yet another id and ends the old one.
        b.login("zhang", PASSWORD).await;
        let sid2 = b.cookie("fupin_session").unwrap();
        assert_ne!(sid, sid2);
        let old = Browser::new(&app);
        old.set_cookie("fupin_session", &sid);
        assert!(
            is_login_redirect(&old.get("/admin").await),
            "{backend}: old session ended"
        );
        // Logout ends the session on the server, not just in this browser.
        let csrf = crate::admin_support::csrf_of(&b.get("/admin").await.body);
        let r = b.post("/admin/logout", &[("csrf", &csrf)]).await;
        assert_eq!(location(&r), "/admin/login?msg=logged_out");
        let replay = Browser::new(&app);
        replay.set_cookie("fupin_session", &sid2);
        assert!(
            is_login_redirect(&replay.get("/admin").await),
            "{backend}: logout ends the session"
        );
        app.finish().await;
    }
}
