//! Staged edits of published articles (issue 16): saving a published
//! article keeps a pending version; the public page, the export and the
//! search keep the live one until a reviewer approves, then all three show
//! the new one within 2 seconds, on both backends. The editor says which
//! is live and which pending, the reviewer sees the difference, and
//! discarding leaves the live version untouched.

use std::path::Path;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use fupin::export::{Options, run};

use crate::admin_support::{Browser, Cast};
use crate::harness::{TestApp, backends, location};
use crate::search_quality::found;

/// Polls `check` until it holds; fails after `limit`.
async fn within<F, Fut>(limit: Duration, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    loop {
        if check().await {
            return;
        }
        assert!(start.elapsed() < limit, "not within {limit:?}: {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

const TWO_S: Duration = Duration::from_secs(2);

/// The version the editor form was opened on.
pub fn base_of(body: &str) -> String {
    let at = body.find("name=\"base\" value=\"").expect("a base field") + 19;
    body[at..].split('"').next().unwrap().to_string()
}

async fn exported(app: &TestApp, out: &Path, id: i64) -> String {
    run(
        &app.state,
        &Options {
            out: out.to_path_buf(),
            incremental: true,
            progress: false,
        },
    )
    .await
    .unwrap();
    std::fs::read_to_string(out.join(format!("a/{id}.html"))).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_published_article_keeps_its_live_version_until_the_edit_is_approved() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let indexer = fupin::search::spawn_indexer(app.state.db.clone());
        let cast = Cast::new(&app).await;
        let a = cast.channel_a.to_string();
        let (editor, e_csrf) = Browser::signed_in(&app, cast.editor_a).await;
        let r = editor
            .post(
                "/admin/articles/new",
                &[
                    ("csrf", &e_csrf),
                    ("title", "连樟村修通产业路"),
                    ("channel_id", &a),
                    ("body_html", "<p>连樟村的产业路已经修通。</p>"),
                    ("action", "publish"),
                ],
            )
            .await;
        assert!(location(&r).ends_with("msg=published"), "{}", location(&r));
        let id: i64 = location(&r)
            .trim_start_matches("/admin/articles/")
            .split('?')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        within(TWO_S, "the live version is searchable", || async {
            found(&app, "产业路").await.contains(&id)
        })
        .await;
        let out = app.dir.path().join("site");
        assert!(exported(&app, &out, id).await.contains("连樟村修通产业路"));

        // A writer cannot change it; the editor's save waits for approval.
        let form = editor.get(&format!("/admin/articles/{id}")).await;
        let base = base_of(&form.body);
        let edit = |title: &'static str, body: &'static str| {
            vec![
                ("csrf", e_csrf.clone()),
                ("title", title.to_string()),
                ("channel_id", a.clone()),
                ("body_html", body.to_string()),
                ("base", base.clone()),
                ("action", "submit".to_string()),
            ]
        };
        let fields = edit(
            "石角镇光伏电站并网",
            "<p>石角镇的光伏电站已经并网发电。</p>",
        );
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = editor.post(&format!("/admin/articles/{id}"), &fields).await;
        assert!(
            location(&r).ends_with("msg=pending_submitted"),
            "{backend}: {} {}",
            location(&r),
            r.body
        );
        // The editor says which version is which and shows the pending one.
        let page = editor.get(location(&r)).await;
        assert!(
            page.body.contains("网站上显示的是已发布的版本")
                && page.body.contains("待审核的修改")
                && page.body.contains("value=\"石角镇光伏电站并网\""),
            "{backend}"
        );
        // The public page, the export and the search keep the live version.
        let live = app.get(&format!("/a/{id}.html")).await;
        assert!(
            live.body.contains("连樟村修通产业路") && !live.body.contains("光伏"),
            "{backend}"
        );
        let file = exported(&app, &out, id).await;
        assert!(file.contains("连樟村修通产业路") && !file.contains("光伏"));
        assert!(found(&app, "产业路").await.contains(&id));
        assert!(!found(&app, "光伏电站").await.contains(&id));
        // The reviewer finds it among the articles to review, with the
        // difference between the two versions.
        let (reviewer, r_csrf) = Browser::signed_in(&app, cast.reviewer).await;
        let queue = reviewer.get("/admin/articles?status=pending").await;
        assert!(queue.body.contains("有待审核的修改"), "{backend}");
        let diff = reviewer.get(&format!("/admin/articles/{id}/pending")).await;
        assert_eq!(diff.status, StatusCode::OK);
        assert!(
            diff.body.contains("连樟村修通产业路")
                && diff.body.contains("石角镇光伏电站并网")
                && (diff.body.contains("<ins>") || diff.body.contains("diff-added")),
            "{backend}: {}",
            diff.body
        );
        let r = reviewer
            .post(
                &format!("/admin/articles/{id}/approve"),
                &[("csrf", &r_csrf)],
            )
            .await;
        assert!(location(&r).ends_with("msg=approved"), "{}", location(&r));
        // All three show the new version within 2 seconds.
        within(TWO_S, "the public page shows the approved edit", || async {
            app.get(&format!("/a/{id}.html"))
                .await
                .body
                .contains("石角镇光伏电站并网")
        })
        .await;
        within(TWO_S, "search finds the approved edit", || async {
            found(&app, "光伏电站").await.contains(&id)
                && !found(&app, "产业路").await.contains(&id)
        })
        .await;
        // The next (incremental) export has it too.
        let file = exported(&app, &out, id).await;
        assert!(file.contains("石角镇光伏电站并网"), "{backend}");
        assert!(
            fupin::db::pending::get(&app.state.db, id)
                .await
                .unwrap()
                .is_none()
        );

        // Discarding a pending version leaves the live one untouched.
        let form = editor.get(&format!("/admin/articles/{id}")).await;
        let base = base_of(&form.body);
        let r = editor
            .post(
                &format!("/admin/articles/{id}"),
                &[
                    ("csrf", &e_csrf),
                    ("title", "不该上线的标题"),
                    ("channel_id", &a),
                    ("body_html", "<p>不该上线。</p>"),
                    ("base", &base),
                    ("action", "save"),
                ],
            )
            .await;
        assert!(
            location(&r).ends_with("msg=pending_saved"),
            "{}",
            location(&r)
        );
        let r = editor
            .post(
                &format!("/admin/articles/{id}/discard"),
                &[("csrf", &e_csrf)],
            )
            .await;
        assert!(location(&r).ends_with("msg=discarded"), "{}", location(&r));
        let stored = fupin::db::editorial::get(&app.state.db, id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.article.title, "石角镇光伏电站并网", "{backend}");
        let form = editor.get(&format!("/admin/articles/{id}")).await;
        assert!(form.body.contains("value=\"石角镇光伏电站并网\""));
        assert!(
            !app.get(&format!("/a/{id}.html"))
                .await
                .body
                .contains("不该上线")
        );
        indexer.abort();
        app.finish().await;
    }
}

#[tokio::test]
async fn a_save_over_a_newer_version_is_refused_with_the_difference() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let cast = Cast::new(&app).await;
        let id = crate::admin_support::writers_draft(&app, &cast, "两人同时编辑").await;
        let a = cast.channel_a.to_string();
        let (first, f_csrf) = Browser::signed_in(&app, cast.reviewer).await;
        let (second, s_csrf) = Browser::signed_in(&app, cast.admin).await;
        let base_first = base_of(&first.get(&format!("/admin/articles/{id}")).await.body);
        let base_second = base_of(&second.get(&format!("/admin/articles/{id}")).await.body);
        // The stored version's time has a one-second grain: let the first
        // save land in a later second than the version both opened.
        let opened: i64 = base_first.parse().unwrap();
        while fupin::db::now() <= opened {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let r = first
            .post(
                &format!("/admin/articles/{id}"),
                &[
                    ("csrf", &f_csrf),
                    ("title", "第一个人的标题"),
                    ("channel_id", &a),
                    ("body_html", "<p>第一个人写的正文</p>"),
                    ("base", &base_first),
                    ("action", "save"),
                ],
            )
            .await;
        assert!(location(&r).ends_with("msg=saved"), "{backend}: {}", r.body);
        let r = second
            .post(
                &format!("/admin/articles/{id}"),
                &[
                    ("csrf", &s_csrf),
                    ("title", "第二个人的标题"),
                    ("channel_id", &a),
                    ("body_html", "<p>第二个人写的正文</p>"),
                    ("base", &base_second),
                    ("action", "save"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{backend}: {}", r.body);
        // What the second person typed is still in the form, and the page
        // shows what the first one saved.
        assert!(r.body.contains("第二个人写的正文"), "{backend}");
        assert!(r.body.contains("第一个人的标题") && r.body.contains("shenhe"));
        let stored = fupin::db::editorial::get(&app.state.db, id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.article.title, "第一个人的标题");
        app.finish().await;
    }
}
