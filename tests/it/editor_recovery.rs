//! Work never lost in the editor (issue 16): a save whose session expired
//! is held for that browser and shown again after the login; a recovery
//! copy kept on the server is offered back; someone opening an article
//! another person is editing is told who and since when.

use axum::http::StatusCode;
use sqlx::Executor;

use crate::admin_support::{Browser, Cast, PASSWORD, writers_draft};
use crate::harness::{TestApp, backends, location};

#[tokio::test]
async fn a_save_after_the_session_expired_comes_back_after_the_login() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let cast = Cast::new(&app).await;
        let id = writers_draft(&app, &cast, "会话过期前的稿子").await;
        let a = cast.channel_a.to_string();
        let (writer, csrf) = Browser::signed_in(&app, cast.writer).await;
        let form = writer.get(&format!("/admin/articles/{id}")).await;
        assert_eq!(form.status, StatusCode::OK);
        // The session ends while the editor is open (idle timeout, logout
        // elsewhere): every session row is gone.
        app.state
            .db
            .pool()
            .execute("DELETE FROM sessions")
            .await
            .unwrap();
        let typed = "<p>这段话是在会话过期后才点保存的，不能丢。</p>";
        let r = writer
            .post(
                &format!("/admin/articles/{id}"),
                &[
                    ("csrf", &csrf),
                    ("title", "会话过期后保存的标题"),
                    ("channel_id", &a),
                    ("body_html", typed),
                    ("action", "save"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{backend}");
        assert!(
            location(&r).starts_with("/admin/login?next="),
            "{}",
            location(&r)
        );
        // Nothing of the text is in the address; the browser holds a cookie.
        assert!(!location(&r).contains("title") && !location(&r).contains("%E4%BC%9A"));
        assert!(writer.cookie("fupin_hold").is_some());
        let stored = fupin::db::editorial::get(&app.state.db, id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.article.title, "会话过期前的稿子", "not saved");
        // Another browser of the same person gets nothing.
        let (elsewhere, _) = Browser::signed_in(&app, cast.writer).await;
        let other = elsewhere.get(&format!("/admin/articles/{id}")).await;
        assert!(!other.body.contains("会话过期后保存的标题"), "{backend}");
        // Logging in again, the editor opens with what was submitted.
        let login = writer.get(location(&r)).await;
        let login_csrf = crate::admin_support::csrf_of(&login.body);
        let next_field = "name=\"next\" value=\"";
        let at = login
            .body
            .find(next_field)
            .expect("the login form carries next")
            + next_field.len();
        let next = login.body[at..].split('"').next().unwrap().to_string();
        let r = writer
            .post(
                "/admin/login",
                &[
                    ("csrf", &login_csrf),
                    ("username", "zhuangao"),
                    ("password", PASSWORD),
                    ("next", &next),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{backend}: {}", r.body);
        let next = location(&r).to_string();
        assert_eq!(next, format!("/admin/articles/{id}"), "{backend}");
        let page = writer.get(&next).await;
        assert!(
            page.body.contains("value=\"会话过期后保存的标题\"")
                && page.body.contains("不能丢")
                && page.body.contains("登录已过期"),
            "{backend}: {}",
            page.body
        );
        // It is held once: saving it now is a deliberate act.
        let again = writer.get(&next).await;
        assert!(!again.body.contains("登录已过期"));
        app.finish().await;
    }
}

#[tokio::test]
async fn a_post_without_the_session_cookie_is_not_held() {
    let app = TestApp::new("sqlite").await;
    let cast = Cast::new(&app).await;
    let id = writers_draft(&app, &cast, "别处来的提交").await;
    // Another site's form: no session cookie comes with it.
    let stranger = Browser::new(&app);
    let r = stranger
        .post(
            &format!("/admin/articles/{id}"),
            &[("title", "塞进来的标题"), ("body_html", "<p>x</p>")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(stranger.cookie("fupin_hold").is_none());
    let n: i64 = sqlx::Row::try_get(
        &sqlx::query("SELECT COUNT(*) AS n FROM held_saves")
            .fetch_one(app.state.db.pool())
            .await
            .unwrap(),
        "n",
    )
    .unwrap();
    assert_eq!(n, 0);
    app.finish().await;
}

#[tokio::test]
async fn the_server_keeps_a_recovery_copy_and_tells_others_who_is_editing() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let cast = Cast::new(&app).await;
        let id = writers_draft(&app, &cast, "自动保存的稿子").await;
        let a = cast.channel_a.to_string();
        let path = format!("/admin/articles/{id}");
        let (reviewer, csrf) = Browser::signed_in(&app, cast.reviewer).await;
        assert!(reviewer.get(&path).await.status.is_success());
        // The script sends what is typed; twice makes one copy, not two.
        for text in ["<p>第一次自动保存</p>", "<p>第二次自动保存</p>"] {
            let r = reviewer
                .post(
                    "/admin/articles/recovery",
                    &[
                        ("csrf", &csrf),
                        ("form_path", &path),
                        ("title", "自动保存的新标题"),
                        ("channel_id", &a),
                        ("body_html", text),
                    ],
                )
                .await;
            assert_eq!(r.status, StatusCode::NO_CONTENT, "{backend}: {}", r.body);
        }
        let copies: i64 = sqlx::Row::try_get(
            &sqlx::query("SELECT COUNT(*) AS n FROM recovery_copies")
                .fetch_one(app.state.db.pool())
                .await
                .unwrap(),
            "n",
        )
        .unwrap();
        assert_eq!(copies, 1, "{backend}");
        assert_eq!(
            fupin::db::revisions::list(&app.state.db, id)
                .await
                .unwrap()
                .len(),
            1,
            "a recovery copy is not a revision"
        );
        // Without a token it is refused.
        let r = reviewer
            .post("/admin/articles/recovery", &[("form_path", &path)])
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        // Reopened (after a crash), the editor offers it back.
        let page = reviewer.get(&path).await;
        assert!(page.body.contains("自动保存、尚未保存的内容"), "{backend}");
        let page = reviewer.get(&format!("{path}?recover=1")).await;
        assert!(
            page.body.contains("value=\"自动保存的新标题\"")
                && page.body.contains("第二次自动保存"),
            "{backend}"
        );
        // Someone else opening the article is told who is editing it.
        let (admin, _) = Browser::signed_in(&app, cast.admin).await;
        let other = admin.get(&path).await;
        assert!(other.body.contains("起正在编辑这篇文章"), "{backend}");
        assert!(
            !other.body.contains("自动保存、尚未保存"),
            "not someone else's copy"
        );
        // A save ends the offer.
        let r = reviewer
            .post(
                &path,
                &[
                    ("csrf", &csrf),
                    ("title", "自动保存的新标题"),
                    ("channel_id", &a),
                    ("body_html", "<p>第二次自动保存</p>"),
                    ("action", "save"),
                ],
            )
            .await;
        assert!(location(&r).ends_with("msg=saved"), "{}", location(&r));
        assert!(
            !reviewer
                .get(&path)
                .await
                .body
                .contains("自动保存、尚未保存的内容")
        );
        app.finish().await;
    }
}
