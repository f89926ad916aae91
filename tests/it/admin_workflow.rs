//! The editorial workflow through the back-office pages (issue 4): a
//! writer's draft with pasted dirt is sanitized, submitted, returned with a
//! reason the writer sees, resubmitted and published by a reviewer; every
//! save is a revision that can be compared and restored; 定时发布 and 下线
//! by the job function; the recycle bin; deleting a channel that holds
//! articles; site settings reaching the footer; users made by an admin.

use axum::http::StatusCode;
use fupin::auth::Role;
use fupin::db::articles::Status;
use fupin::db::editorial;

use crate::admin_support::{Browser, Cast, PASSWORD, csrf_of, writers_draft};
use crate::harness::{TestApp, backends, location};

fn id_from(location: &str) -> i64 {
    location
        .trim_start_matches("/admin/articles/")
        .split(['?', '/'])
        .next()
        .unwrap()
        .parse()
        .unwrap_or_else(|_| panic!("no article id in {location}"))
}

async fn status_of(app: &TestApp, id: i64) -> Status {
    editorial::get(&app.state.db, id)
        .await
        .unwrap()
        .unwrap()
        .article
        .status
}

async fn actions_logged(app: &TestApp) -> Vec<String> {
    fupin::db::audit::recent(&app.state.db, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect()
}

#[tokio::test]
async fn a_draft_goes_through_review_to_the_public_site() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let cast = Cast::new(&app).await;
        let a = cast.channel_a.to_string();
        let (writer, w_csrf) = Browser::signed_in(&app, cast.writer).await;
        let form = writer.get("/admin/articles/new").await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(
            form.body.contains("name=\"body_html\""),
            "a plain textarea without JavaScript"
        );
        // A missing title is explained, and what was typed is kept.
        let r = writer
            .post(
                "/admin/articles/new",
                &[
                    ("csrf", &w_csrf),
                    ("channel_id", &a),
                    ("body_html", "<p>正文</p>"),
                    ("source", "留着"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend}");
        assert!(r.body.contains("请填写标题") && r.body.contains("留着"));
        let dirty = "<p style=\"color:red\" onclick=\"x()\">村里<b>通了</b>公路<script>alert(1)</script></p>\
                     <table><tr><td>户数</td><td>35</td></tr></table><img src=\"javascript:alert(1)\">";
        let r = writer
            .post(
                "/admin/articles/new",
                &[
                    ("csrf", &w_csrf),
                    ("title", "清远连樟村新貌"),
                    ("channel_id", &a),
                    ("body_html", dirty),
                    ("action", "save"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{backend}: {}", r.body);
        let id = id_from(location(&r));
        let stored = editorial::get(&app.state.db, id).await.unwrap().unwrap();
        let body = &stored.article.body_html;
        assert!(
            body.contains("<b>通了</b>") && body.contains("<td>35</td>"),
            "{body}"
        );
        for bad in ["script", "onclick", "style", "javascript:", "alert"] {
            assert!(!body.contains(bad), "{backend}: {bad} survived: {body}");
        }
        assert_eq!(stored.article.status, Status::Draft);
        assert_eq!(stored.created_by, Some(cast.writer));
        let page = writer.get(location(&r)).await;
        assert!(page.body.contains("保存成功"), "{backend}");
        // Not public, but the preview shows it.
        assert_eq!(
            app.get(&format!("/a/{id}.html")).await.status,
            StatusCode::NOT_FOUND
        );
        let preview = writer.get(&format!("/admin/articles/{id}/preview")).await;
        assert!(
            preview.body.contains("清远连樟村新貌") && preview.body.contains("【预览】"),
            "{backend}"
        );
        // Submitted, it is the reviewer's; the writer can no longer change it.
        let r = writer
            .post(
                &format!("/admin/articles/{id}/submit"),
                &[("csrf", &w_csrf)],
            )
            .await;
        assert!(location(&r).ends_with("msg=submitted"), "{}", location(&r));
        assert_eq!(status_of(&app, id).await, Status::Pending);
        let r = writer
            .post(
                &format!("/admin/articles/{id}"),
                &[
                    ("csrf", &w_csrf),
                    ("title", "改"),
                    ("channel_id", &a),
                    ("body_html", "<p>x</p>"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{backend}");
        // The reviewer's queue shows it; returning needs a reason.
        let (reviewer, r_csrf) = Browser::signed_in(&app, cast.reviewer).await;
        let home = reviewer.get("/admin").await;
        assert!(
            home.body.contains("清远连樟村新貌"),
            "{backend}: in the review queue"
        );
        let r = reviewer
            .post(
                &format!("/admin/articles/{id}/return"),
                &[("csrf", &r_csrf), ("reason", " ")],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        let r = reviewer
            .post(
                &format!("/admin/articles/{id}/return"),
                &[("csrf", &r_csrf), ("reason", "请补充来源")],
            )
            .await;
        assert_eq!(location(&r), "/admin/articles?status=pending&msg=returned");
        assert_eq!(status_of(&app, id).await, Status::Draft);
        // The writer sees why, fixes it and submits again from the editor.
        let page = writer.get(&format!("/admin/articles/{id}")).await;
        assert!(
            page.body.contains("请补充来源") && page.body.contains("已退回"),
            "{backend}"
        );
        assert!(
            writer.get("/admin").await.body.contains("请补充来源"),
            "{backend}: on the dashboard"
        );
        let r = writer
            .post(
                &format!("/admin/articles/{id}"),
                &[
                    ("csrf", &w_csrf),
                    ("title", "清远连樟村新貌"),
                    ("channel_id", &a),
                    ("source", "清远市扶贫办"),
                    ("body_html", body),
                    ("action", "submit"),
                ],
            )
            .await;
        assert!(
            location(&r).ends_with("msg=submitted"),
            "{backend}: {}",
            r.body
        );
        // Published by the reviewer, it is on the public site.
        let r = reviewer
            .post(
                &format!("/admin/articles/{id}/publish"),
                &[("csrf", &r_csrf)],
            )
            .await;
        assert!(location(&r).ends_with("msg=published"), "{}", location(&r));
        let public = app.get(&format!("/a/{id}.html")).await;
        assert_eq!(public.status, StatusCode::OK, "{backend}");
        assert!(public.body.contains("清远市扶贫办") && public.body.contains("<td>35</td>"));
        let log = actions_logged(&app).await;
        for action in ["新建文章", "提交审核", "退回", "审核通过并发布"] {
            assert!(
                log.iter().any(|a| a == action),
                "{backend}: {action} not logged: {log:?}"
            );
        }
        app.finish().await;
    }
}

#[tokio::test]
async fn every_save_is_a_revision_that_can_be_compared_and_restored() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let cast = Cast::new(&app).await;
        let a = cast.channel_a.to_string();
        let (editor, csrf) = Browser::signed_in(&app, cast.editor_a).await;
        let r = editor
            .post(
                "/admin/articles/new",
                &[
                    ("csrf", &csrf),
                    ("title", "第一稿"),
                    ("channel_id", &a),
                    ("body_html", "<p>扶贫开发</p><p>第二段</p>"),
                ],
            )
            .await;
        let id = id_from(location(&r));
        for (title, body) in [
            ("第二稿", "<p>扶贫开发工作</p><p>第二段</p>"),
            ("第三稿", "<p>扶贫开发工作</p><p>第二段</p><p>新增一段</p>"),
        ] {
            editor
                .post(
                    &format!("/admin/articles/{id}"),
                    &[
                        ("csrf", &csrf),
                        ("title", title),
                        ("channel_id", &a),
                        ("body_html", body),
                    ],
                )
                .await;
        }
        let revs = fupin::db::revisions::list(&app.state.db, id).await.unwrap();
        assert_eq!(revs.len(), 3, "{backend}");
        assert_eq!(revs[0].title, "第三稿");
        assert_eq!(revs[2].user_name, "bianji-a");
        let list = editor.get(&format!("/admin/articles/{id}/revisions")).await;
        assert!(list.body.contains("第一稿") && list.body.contains("bianji-a"));
        let cmp = editor
            .get(&format!(
                "/admin/articles/{id}/revisions/{}?against={}",
                revs[0].id, revs[2].id
            ))
            .await;
        assert_eq!(cmp.status, StatusCode::OK, "{backend}");
        assert!(
            cmp.body.contains("第一稿") && cmp.body.contains("第三稿"),
            "title change listed"
        );
        assert!(
            cmp.body.contains("新增：</span>新增一段"),
            "{backend}: {}",
            cmp.body
        );
        assert!(
            cmp.body.contains("<ins>工作</ins>"),
            "{backend}: changed characters marked"
        );
        let r = editor
            .post(
                &format!("/admin/articles/{id}/revisions/{}/restore", revs[2].id),
                &[("csrf", &csrf)],
            )
            .await;
        assert!(location(&r).ends_with("msg=revision_restored"));
        let now = editorial::get(&app.state.db, id).await.unwrap().unwrap();
        assert_eq!(now.article.title, "第一稿");
        assert_eq!(now.article.body_html, "<p>扶贫开发</p><p>第二段</p>");
        let revs = fupin::db::revisions::list(&app.state.db, id).await.unwrap();
        assert_eq!(revs.len(), 4);
        assert!(revs[0].note.contains("恢复自修订"), "{}", revs[0].note);
        app.finish().await;
    }
}

#[tokio::test]
async fn scheduled_articles_go_live_and_offline_when_the_job_runs() {
    use fupin::editorial::due::publish_due;
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let cast = Cast::new(&app).await;
        let a = cast.channel_a.to_string();
        let (editor, csrf) = Browser::signed_in(&app, cast.editor_a).await;
        let now = fupin::db::now();
        let at = fupin::web::admin::view::datetime_local(now + 3 * 3600);
        let off = fupin::web::admin::view::datetime_local(now + 5 * 3600);
        let r = editor
            .post(
                "/admin/articles/new",
                &[
                    ("csrf", &csrf),
                    ("title", "定时稿"),
                    ("channel_id", &a),
                    ("body_html", "<p>x</p>"),
                    ("published_at", &at),
                    ("unpublish_at", &off),
                    ("action", "publish"),
                ],
            )
            .await;
        assert!(
            location(&r).ends_with("msg=scheduled"),
            "{backend}: {}",
            location(&r)
        );
        let id = id_from(location(&r));
        assert_eq!(status_of(&app, id).await, Status::Scheduled);
        assert!(
            editor
                .get("/admin/articles?status=scheduled")
                .await
                .body
                .contains("定时稿")
        );
        assert_eq!(
            app.get(&format!("/a/{id}.html")).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            publish_due(&app.state.db, now).await.unwrap(),
            Default::default(),
            "not yet"
        );
        let report = publish_due(&app.state.db, now + 3 * 3600 + 60)
            .await
            .unwrap();
        assert_eq!(report.published, vec![id], "{backend}");
        assert_eq!(status_of(&app, id).await, Status::Published);
        // Running again (another instance, the next tick) does nothing more.
        assert_eq!(
            publish_due(&app.state.db, now + 3 * 3600 + 60)
                .await
                .unwrap(),
            Default::default()
        );
        let report = publish_due(&app.state.db, now + 6 * 3600).await.unwrap();
        assert_eq!(report.unpublished, vec![id], "{backend}");
        let stored = editorial::get(&app.state.db, id).await.unwrap().unwrap();
        assert_eq!(stored.article.status, Status::Draft);
        assert!(stored.review_note.contains("下线"));
        let log = actions_logged(&app).await;
        assert!(
            log.contains(&"定时发布".to_string()) && log.contains(&"定时下线".to_string()),
            "{log:?}"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn the_recycle_bin_restores_and_purges() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let cast = Cast::new(&app).await;
        let id = writers_draft(&app, &cast, "要删的稿").await;
        let (admin, csrf) = Browser::signed_in(&app, cast.admin).await;
        // Purging needs the article in the bin first.
        let r = admin.get(&format!("/admin/articles/{id}/purge")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{backend}");
        let confirm = admin.get(&format!("/admin/articles/{id}/trash")).await;
        assert!(
            confirm.body.contains("确定把《要删的稿》移入回收站吗"),
            "{backend}"
        );
        let r = admin
            .post(&format!("/admin/articles/{id}/trash"), &[("csrf", &csrf)])
            .await;
        assert!(location(&r).ends_with("msg=trashed"));
        assert_eq!(status_of(&app, id).await, Status::Trashed);
        assert!(
            !admin.get("/admin/articles").await.body.contains("要删的稿"),
            "not in the list"
        );
        assert!(admin.get("/admin/trash").await.body.contains("要删的稿"));
        admin
            .post(&format!("/admin/articles/{id}/restore"), &[("csrf", &csrf)])
            .await;
        assert_eq!(status_of(&app, id).await, Status::Draft);
        admin
            .post(&format!("/admin/articles/{id}/trash"), &[("csrf", &csrf)])
            .await;
        let r = admin
            .post(&format!("/admin/articles/{id}/purge"), &[("csrf", &csrf)])
            .await;
        assert_eq!(location(&r), "/admin/trash?msg=purged");
        assert!(editorial::get(&app.state.db, id).await.unwrap().is_none());
        assert!(
            fupin::db::revisions::list(&app.state.db, id)
                .await
                .unwrap()
                .is_empty()
        );
        let log = actions_logged(&app).await;
        for action in ["删除", "恢复", "彻底删除"] {
            assert!(
                log.iter().any(|a| a == action),
                "{backend}: {action} not logged"
            );
        }
        app.finish().await;
    }
}

#[tokio::test]
async fn bulk_actions_move_publish_and_trash() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let cast = Cast::new(&app).await;
        let one = writers_draft(&app, &cast, "一").await.to_string();
        let two = writers_draft(&app, &cast, "二").await.to_string();
        let (admin, csrf) = Browser::signed_in(&app, cast.admin).await;
        let b = cast.channel_b.to_string();
        let r = admin
            .post(
                "/admin/articles/bulk",
                &[
                    ("csrf", &csrf),
                    ("ids", &one),
                    ("ids", &two),
                    ("action", "move"),
                    ("channel_id", &b),
                ],
            )
            .await;
        assert!(
            location(&r).contains("msg=bulk&n=2&skipped=0"),
            "{backend}: {}",
            location(&r)
        );
        let r = admin
            .post(
                "/admin/articles/bulk",
                &[
                    ("csrf", &csrf),
                    ("ids", &one),
                    ("ids", &two),
                    ("action", "publish"),
                ],
            )
            .await;
        assert!(location(&r).contains("n=2"), "{}", location(&r));
        let page = admin.get(location(&r)).await;
        assert!(page.body.contains("已处理 2 篇"), "{backend}");
        for id in [&one, &two] {
            let a = editorial::get(&app.state.db, id.parse().unwrap())
                .await
                .unwrap()
                .unwrap();
            assert_eq!(
                (a.article.channel_id, a.article.status),
                (cast.channel_b, Status::Published)
            );
        }
        admin
            .post(
                "/admin/articles/bulk",
                &[("csrf", &csrf), ("ids", &one), ("action", "trash")],
            )
            .await;
        assert_eq!(status_of(&app, one.parse().unwrap()).await, Status::Trashed);
        // Filters: by channel and keyword.
        let list = admin
            .get(&format!("/admin/articles?channel={b}&q=%E4%BA%8C"))
            .await;
        assert!(
            list.body.contains("/admin/articles/".to_string().as_str())
                && list.body.contains(">二<"),
            "{backend}"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn deleting_a_channel_with_articles_asks_where_they_go() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let cast = Cast::new(&app).await;
        let id = writers_draft(&app, &cast, "栏目里的稿").await;
        let (admin, csrf) = Browser::signed_in(&app, cast.admin).await;
        let a = cast.channel_a;
        let page = admin.get(&format!("/admin/channels/{a}/delete")).await;
        assert!(
            page.body.contains("1 篇文章") && page.body.contains("name=\"move_to\""),
            "{backend}"
        );
        let r = admin
            .post(&format!("/admin/channels/{a}/delete"), &[("csrf", &csrf)])
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.body.contains("请选择把它们移到哪个栏目"));
        let b = cast.channel_b.to_string();
        let r = admin
            .post(
                &format!("/admin/channels/{a}/delete"),
                &[("csrf", &csrf), ("move_to", &b)],
            )
            .await;
        assert_eq!(
            location(&r),
            "/admin/channels?msg=deleted",
            "{backend}: {}",
            r.body
        );
        let tree = fupin::db::channels::ChannelTree::load(&app.state.db)
            .await
            .unwrap();
        assert!(tree.get(a).is_none());
        let moved = editorial::get(&app.state.db, id).await.unwrap().unwrap();
        assert_eq!(moved.article.channel_id, cast.channel_b);
        // A channel with sub-channels is refused.
        let parent = tree.by_slug("fupin-qianyan").unwrap().id;
        let r = admin
            .post(
                &format!("/admin/channels/{parent}/delete"),
                &[("csrf", &csrf)],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{backend}");
        // Create, rename and hide.
        let r = admin
            .post(
                "/admin/channels/new",
                &[("csrf", &csrf), ("name", "产业扶贫"), ("in_nav", "1")],
            )
            .await;
        assert_eq!(location(&r), "/admin/channels?msg=created", "{}", r.body);
        let tree = fupin::db::channels::ChannelTree::load(&app.state.db)
            .await
            .unwrap();
        let c = tree.by_slug("chanye-fupin").expect("pinyin slug").id;
        let r = admin
            .post(
                &format!("/admin/channels/{c}"),
                &[
                    ("csrf", &csrf),
                    ("name", "产业帮扶"),
                    ("slug", "chanye-fupin"),
                    ("sort_order", "5"),
                ],
            )
            .await;
        assert!(location(&r).ends_with("msg=saved"));
        let tree = fupin::db::channels::ChannelTree::load(&app.state.db)
            .await
            .unwrap();
        let c = tree.get(c).unwrap();
        assert_eq!(
            (c.name.as_str(), c.in_nav, c.sort_order),
            ("产业帮扶", false, 5)
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn settings_pages_announcements_and_users_from_the_back_office() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let cast = Cast::new(&app).await;
        let (admin, csrf) = Browser::signed_in(&app, cast.admin).await;
        let page = admin.get("/admin/settings").await;
        let mut fields: Vec<(String, String)> = fupin::db::settings::load_site(&app.state.db)
            .await
            .unwrap()
            .to_pairs()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        assert!(page.body.contains("粤ICP备10213720号"));
        for (k, v) in fields.iter_mut() {
            if k == "site.icp" {
                *v = "粤ICP备99999999号".into();
            }
        }
        fields.push(("csrf".into(), csrf.clone()));
        let r = admin.post_owned("/admin/settings", &fields).await;
        assert_eq!(location(&r), "/admin/settings?msg=saved");
        assert!(
            app.get("/")
                .await
                .element("footer")
                .contains("粤ICP备99999999号"),
            "{backend}"
        );
        assert!(
            actions_logged(&app)
                .await
                .contains(&"修改站点设置".to_string())
        );
        // A page and an announcement.
        let r = admin
            .post(
                "/admin/pages/new",
                &[
                    ("csrf", &csrf),
                    ("title", "捐赠指南"),
                    ("slug", "donate"),
                    ("body_html", "<p>捐赠<script>x</script></p>"),
                    ("in_footer", "1"),
                ],
            )
            .await;
        assert!(location(&r).ends_with("msg=created"), "{}", r.body);
        let public = app.get("/p/donate.html").await;
        assert!(public.body.contains("<p>捐赠</p>"), "{backend}");
        let r = admin
            .post(
                "/admin/announcements/new",
                &[
                    ("csrf", &csrf),
                    ("text", "年会通知"),
                    ("url", "/p/donate.html"),
                ],
            )
            .await;
        assert_eq!(
            location(&r),
            "/admin/announcements?msg=created",
            "{}",
            r.body
        );
        assert!(app.get("/").await.body.contains("年会通知"));
        // A new editor made by the admin can log in and sees only their channel's form.
        let a = cast.channel_a.to_string();
        let r = admin
            .post(
                "/admin/users/new",
                &[
                    ("csrf", &csrf),
                    ("username", "wang"),
                    ("role", "editor"),
                    ("channels", &a),
                    ("password", "short"),
                    ("password2", "short"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let r = admin
            .post(
                "/admin/users/new",
                &[
                    ("csrf", &csrf),
                    ("username", "wang"),
                    ("role", "editor"),
                    ("channels", &a),
                    ("password", PASSWORD),
                    ("password2", PASSWORD),
                ],
            )
            .await;
        assert!(location(&r).ends_with("msg=created"), "{}", r.body);
        let w = Browser::at(&app, "10.9.0.1");
        assert_eq!(
            w.login("wang", PASSWORD).await.status,
            StatusCode::SEE_OTHER
        );
        let form = w.get("/admin/articles/new").await;
        assert!(
            form.body.contains("扶贫要闻") && !form.body.contains("部门动态"),
            "{backend}"
        );
        assert_eq!(w.get("/admin/users").await.status, StatusCode::FORBIDDEN);
        // The log page filters.
        let log = admin
            .get("/admin/audit?action=%E5%88%9B%E5%BB%BA%E7%94%A8%E6%88%B7")
            .await;
        assert!(
            log.body.contains("用户 wang") && !log.body.contains("修改站点设置</td>"),
            "{backend}"
        );
        let _ = csrf_of(&log.body);
        let _ = Role::Admin;
        app.finish().await;
    }
}
