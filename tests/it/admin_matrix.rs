//! The role × action matrix of the back office (issue 4): every route of
//! the route table (the same table the router is built from), for an
//! anonymous visitor, 撰稿, 编辑 of channel A, 编辑 of channel B, 审核,
//! 管理员 and 信箱管理, allowed or denied as designed. Objects named by id
//! are made fresh for each request; articles are the writer's drafts in
//! channel A, so the editor of channel B is refused them by id.

use axum::http::StatusCode;
use fupin::auth::{Perm, Role};
use fupin::web::admin::{RouteSpec, routes};

use crate::admin_support::{
    Browser, Cast, fresh_path, generic_fields, is_login_redirect, writers_draft,
};
use crate::harness::{TestApp, backends};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Who {
    Anonymous,
    Writer,
    EditorA,
    EditorB,
    Reviewer,
    Admin,
    Mailbox,
}

const EVERYONE: [Who; 7] = [
    Who::Anonymous,
    Who::Writer,
    Who::EditorA,
    Who::EditorB,
    Who::Reviewer,
    Who::Admin,
    Who::Mailbox,
];

impl Who {
    fn user(self, c: &Cast) -> Option<(i64, Role)> {
        Some(match self {
            Who::Anonymous => return None,
            Who::Writer => (c.writer, Role::Writer),
            Who::EditorA => (c.editor_a, Role::Editor),
            Who::EditorB => (c.editor_b, Role::Editor),
            Who::Reviewer => (c.reviewer, Role::Reviewer),
            Who::Admin => (c.admin, Role::Admin),
            Who::Mailbox => (c.mailbox, Role::Mailbox),
        })
    }
}

/// The designed answer: may `who` use `spec` on a writer's draft in A?
fn allowed(who: Who, spec: &RouteSpec, cast: &Cast) -> bool {
    if spec.perm == Perm::Public {
        return true;
    }
    let Some((_, role)) = who.user(cast) else {
        return false;
    };
    if !role.has(spec.perm) {
        return false;
    }
    // Articles by id: the writer's draft lives in channel A.
    !(spec.path.starts_with("/admin/articles/{id}") && who == Who::EditorB)
}

#[tokio::test]
async fn every_route_answers_every_role_as_designed() {
    let table = routes();
    assert!(
        table.len() >= 50,
        "the route table lists every back-office route ({} now)",
        table.len()
    );
    for spec in &table {
        assert!(matches!(spec.method, "GET" | "POST"), "{spec:?}");
    }
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let cast = Cast::new(&app).await;
        let mut n = 0;
        let mut failures = Vec::new();
        for spec in &table {
            for who in EVERYONE {
                n += 1;
                let path = fresh_path(&app, &cast, spec.path, n).await;
                let (browser, csrf) = match who.user(&cast) {
                    Some((id, _)) => {
                        let (b, csrf) = Browser::signed_in(&app, id).await;
                        (b, Some(csrf))
                    }
                    None => (Browser::new(&app), None),
                };
                // Before a session exists, the token is the pre-session cookie.
                let pre = fupin::auth::token::new_token();
                browser.set_cookie("fupin_pre", &pre);
                let token = if spec.perm == Perm::Public {
                    Some(pre.clone())
                } else {
                    csrf
                };
                let page = if crate::admin_support::is_upload(&path) {
                    browser
                        .upload(
                            &path,
                            token.as_deref(),
                            "图.png",
                            &crate::admin_support::png(),
                            false,
                        )
                        .await
                } else if spec.changes_state() {
                    browser
                        .post_owned(&path, &generic_fields(&cast, n, token.as_deref()))
                        .await
                } else {
                    browser.get(&path).await
                };
                if page.status.is_server_error() {
                    failures.push(format!(
                        "{who:?} {} {path}: {} (server error)",
                        spec.method, page.status
                    ));
                    continue;
                }
                let denied = page.status == StatusCode::FORBIDDEN || is_login_redirect(&page);
                let expected = allowed(who, spec, &cast);
                let ok = if spec.perm == Perm::Public {
                    page.status != StatusCode::FORBIDDEN
                } else if who == Who::Anonymous {
                    is_login_redirect(&page)
                } else {
                    denied != expected && (expected || page.status == StatusCode::FORBIDDEN)
                };
                if !ok {
                    failures.push(format!(
                        "{who:?} {} {path} ({:?}): got {} {}, expected {}",
                        spec.method,
                        spec.perm,
                        page.status,
                        page.header("location"),
                        if expected { "allowed" } else { "denied" }
                    ));
                }
                if !spec.changes_state() && !denied && page.status.is_success() {
                    assert_eq!(page.header("cache-control"), "no-store", "{path}");
                }
            }
        }
        assert!(
            failures.is_empty(),
            "{backend}: {} wrong answers:\n{}",
            failures.len(),
            failures.join("\n")
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn an_editor_cannot_touch_another_channels_article_by_id() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let cast = Cast::new(&app).await;
        let id = writers_draft(&app, &cast, "甲栏目的稿件").await;
        let (b, csrf) = Browser::signed_in(&app, cast.editor_b).await;
        let r = b.get(&format!("/admin/articles/{id}")).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{backend}");
        assert!(r.body.contains("无权操作"), "{}", r.body);
        let a = cast.channel_a.to_string();
        let b_channel = cast.channel_b.to_string();
        for channel in [&a, &b_channel] {
            let r = b
                .post(
                    &format!("/admin/articles/{id}"),
                    &[
                        ("csrf", &csrf),
                        ("title", "改掉"),
                        ("channel_id", channel),
                        ("body_html", "<p>改</p>"),
                    ],
                )
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{backend}");
        }
        for action in ["publish", "trash", "unpublish", "submit"] {
            let r = b
                .post(
                    &format!("/admin/articles/{id}/{action}"),
                    &[("csrf", &csrf)],
                )
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{backend}: {action}");
        }
        // Bulk actions skip it too.
        let ids = id.to_string();
        let r = b
            .post(
                "/admin/articles/bulk",
                &[("csrf", &csrf), ("ids", &ids), ("action", "publish")],
            )
            .await;
        assert!(
            r.header("location").contains("n=0&skipped=1"),
            "{}",
            r.header("location")
        );
        let stored = fupin::db::editorial::get(&app.state.db, id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.article.title, "甲栏目的稿件");
        assert_eq!(stored.article.status, fupin::db::articles::Status::Draft);
        assert_eq!(stored.article.channel_id, cast.channel_a);
        // The editor of channel A may.
        let (a_browser, a_csrf) = Browser::signed_in(&app, cast.editor_a).await;
        let r = a_browser
            .post(
                &format!("/admin/articles/{id}/publish"),
                &[("csrf", &a_csrf)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{backend}: {}", r.body);
        let stored = fupin::db::editorial::get(&app.state.db, id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            stored.article.status,
            fupin::db::articles::Status::Published
        );
        app.finish().await;
    }
}
