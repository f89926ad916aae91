//! The back office's 搜索词典 page: an admin adds words the segmenter would
//! otherwise split, the index is rebuilt and search keeps them whole;
//! bad words, forged forms and other roles are refused and store nothing;
//! a word can be deleted again.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use fupin::auth::Role;
use fupin::db::articles::{ArticleFields, insert_published};
use fupin::db::audit;
use fupin::search::{self, SearchQuery};

use crate::admin_support::{Browser, add_user, connect, is_login_redirect, snapshot};
use crate::harness::{TestApp, backends};

const PAGE: &str = "/admin/search/words";

async fn article(app: &TestApp, title: &str, body: &str) -> i64 {
    let channel = fupin::db::channels::list(&app.state.db).await.unwrap()[1].id;
    insert_published(
        &app.state.db,
        &ArticleFields {
            channel_id: channel,
            title: title.into(),
            body_html: format!("<p>{body}</p>"),
            published_at: fupin::db::now() - 60,
            ..ArticleFields::default()
        },
    )
    .await
    .unwrap()
}

/// The query terms and the articles found for `text`.
async fn found(app: &TestApp, text: &str) -> (Vec<String>, BTreeSet<i64>) {
    let r = search::search(
        &app.state.db,
        &SearchQuery {
            text: text.into(),
            page: 1,
            per_page: 100,
            ..SearchQuery::default()
        },
    )
    .await
    .unwrap();
    (
        r.terms.clone(),
        r.hits
            .iter()
            .filter(|h| h.kind == search::query::HitKind::Article)
            .map(|h| h.id)
            .collect(),
    )
}

/// The text of the page's error notice.
fn error_flash(body: &str) -> &str {
    let start = body.find("flash-error").expect("an error notice");
    let end = body[start..].find("</p>").expect("its end") + start;
    &body[start..end]
}

async fn audit_entries(app: &TestApp, action: &str) -> Vec<audit::Entry> {
    audit::list(
        &app.state.db,
        &audit::Filter {
            action: Some(action.into()),
            ..audit::Filter::default()
        },
        0,
        50,
    )
    .await
    .unwrap()
    .0
}

#[tokio::test]
async fn an_admin_adds_words_and_search_keeps_them_whole() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let db = &app.state.db;
        let admin = add_user(&app, "guanli", Role::Admin, &[]).await;
        let town = article(
            &app,
            "县委书记到基层调研",
            "县委书记到洺溪镇政府调研，洺溪镇党委汇报工作。",
        )
        .await;
        let chefs = article(&app, "技能培训", "推进粤菜师傅工程，培训粤菜师傅一百人。").await;
        let apart = article(&app, "美食街见闻", "粤菜好吃，师傅辛苦。").await;
        search::drain(db).await.unwrap();

        // Without the words, jieba splits them: the town's article is
        // missed, and the cook query finds an article with the two words
        // apart.
        let (terms, hits) = found(&app, "洺溪镇").await;
        assert_ne!(terms, vec!["洺溪镇"], "{backend}");
        assert!(!hits.contains(&town), "{backend}: {terms:?}");
        let (terms, hits) = found(&app, "粤菜师傅").await;
        assert_eq!(terms, vec!["粤菜", "师傅"], "{backend}");
        assert!(hits.contains(&chefs) && hits.contains(&apart), "{backend}");

        let (browser, csrf) = Browser::signed_in(&app, admin).await;
        let page = browser.get(PAGE).await;
        assert_eq!(page.status, StatusCode::OK, "{backend}");
        assert!(page.body.contains("还没有添加过词语"), "{}", page.body);
        let builtin = fupin::search::segment::shipped_words().count();
        assert!(
            page.body.contains(&format!("内置词典（{builtin} 个词）")),
            "{}",
            page.body
        );
        for w in ["双到", "对口帮扶", "驻村工作组"] {
            assert!(page.body.contains(w), "{w}");
        }
        let nav = page.element("nav");
        assert!(nav.contains("href=\"/admin/search/words\""), "{nav}");
        assert!(nav.contains("搜索词典"), "{nav}");

        // Two new words (one in traditional characters, normalised) and
        // one the shipped dictionary has already.
        let r = browser
            .post(
                PAGE,
                &[
                    ("csrf", &csrf),
                    ("words", "洺溪镇\r\n\r\n 粤菜師傅 \r\n双到\r\n"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{backend}: {}", r.body);
        let to = r.header("location").to_string();
        assert!(to.starts_with(PAGE), "{to}");
        let page = browser.get(&to).await;
        assert!(
            page.body.contains("已添加 2 个词，搜索索引正在重建。"),
            "{}",
            page.body
        );
        assert!(page.body.contains("另有 1 个词已在词典中"), "{}", page.body);
        assert!(page.body.contains("<td>洺溪镇</td>"), "{}", page.body);
        assert!(page.body.contains("<td>粤菜师傅</td>"), "{}", page.body);
        let today = fupin::web::admin::view::datetime(fupin::db::now());
        assert!(
            page.body
                .contains(&format!("<td class=\"nowrap\">{}", &today[..10])),
            "{}",
            page.body
        );
        assert!(page.body.contains("篇文章和单页待处理"), "{}", page.body);
        assert_eq!(
            search::user_words(db).await.unwrap(),
            vec!["洺溪镇".to_string(), "粤菜师傅".to_string()]
        );
        let logged = audit_entries(&app, "添加搜索词").await;
        assert_eq!(logged.len(), 1, "{backend}");
        assert_eq!(logged[0].actor_name, "guanli");
        assert_eq!(logged[0].detail, "洺溪镇、粤菜师傅");

        // Adding queued everything; once the indexer has drained it, each
        // word is one term: the town is found, the words apart are not.
        assert!(fupin::db::search::queue_len(db).await.unwrap() >= 3);
        search::drain(db).await.unwrap();
        let (terms, hits) = found(&app, "洺溪镇").await;
        assert_eq!(terms, vec!["洺溪镇"], "{backend}");
        assert!(hits.contains(&town), "{backend}");
        let (terms, hits) = found(&app, "粤菜师傅").await;
        assert_eq!(terms, vec!["粤菜师傅"], "{backend}");
        assert!(hits.contains(&chefs), "{backend}");
        assert!(!hits.contains(&apart), "{backend}");
        let page = browser.get(PAGE).await;
        assert!(page.body.contains("已是最新"), "{}", page.body);

        // Adding the same word again stores nothing and says so.
        let r = browser
            .post(PAGE, &[("csrf", &csrf), ("words", "洺溪镇")])
            .await;
        let page = browser.get(r.header("location")).await;
        assert!(page.body.contains("都已在词典中"), "{}", page.body);
        assert_eq!(fupin::db::search::queue_len(db).await.unwrap(), 0);
        assert_eq!(audit_entries(&app, "添加搜索词").await.len(), 1);
        app.finish().await;
    }
}

#[tokio::test]
async fn a_deleted_word_is_split_again() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let db = &app.state.db;
        let admin = add_user(&app, "guanli", Role::Admin, &[]).await;
        let town = article(&app, "调研", "县委书记到洺溪镇政府调研。").await;
        assert!(search::add_user_word(db, "洺溪镇").await.unwrap());
        search::drain(db).await.unwrap();
        assert!(found(&app, "洺溪镇").await.1.contains(&town), "{backend}");
        let id = fupin::db::search::word_list(db).await.unwrap()[0].id;
        let path = format!("/admin/search/words/{id}/delete");

        let (browser, csrf) = Browser::signed_in(&app, admin).await;
        let confirm = browser.get(&path).await;
        assert_eq!(confirm.status, StatusCode::OK, "{backend}");
        assert!(confirm.body.contains("确定从搜索词典中删除“洺溪镇”吗"));
        // No token: refused, still there.
        let r = browser.post(&path, &[]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{backend}");
        assert_eq!(search::user_words(db).await.unwrap(), vec!["洺溪镇"]);

        let r = browser.post(&path, &[("csrf", &csrf)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{backend}: {}", r.body);
        let page = browser.get(r.header("location")).await;
        assert!(page.body.contains("已删除该词"), "{}", page.body);
        assert!(!page.body.contains("<td>洺溪镇</td>"), "{}", page.body);
        assert!(search::user_words(db).await.unwrap().is_empty());
        let logged = audit_entries(&app, "删除搜索词").await;
        assert_eq!(logged.len(), 1, "{backend}");
        assert_eq!(logged[0].object, "搜索词 洺溪镇");
        // Deleting queued a rebuild; after it the word is split again.
        assert!(fupin::db::search::queue_len(db).await.unwrap() >= 1);
        search::drain(db).await.unwrap();
        let (terms, hits) = found(&app, "洺溪镇").await;
        assert_ne!(terms, vec!["洺溪镇"], "{backend}");
        assert!(!hits.contains(&town), "{backend}");
        // Gone: a second delete finds nothing.
        let r = browser.post(&path, &[("csrf", &csrf)]).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{backend}");
        app.finish().await;
    }
}

#[tokio::test]
async fn bad_words_are_refused_and_nothing_is_stored() {
    let too_long = "很".repeat(21);
    let cases: &[(&str, &str)] = &[
        ("", "请填写要添加的词"),
        ("  \r\n \r\n", "请填写要添加的词"),
        ("两个 词", "词语中间不能有空格"),
        ("洺溪镇\r\n两个\u{3000}词", "第 2 行“两个\u{3000}词”"),
        ("！？。、", "词语至少要包含一个汉字或字母"),
        ("...", "词语至少要包含一个汉字或字母"),
        ("2024", "词语至少要包含一个汉字或字母"),
        ("扶贫！", "不能有标点符号"),
        (&too_long, "词语太长（最多 20 个字）"),
    ];
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let admin = add_user(&app, "guanli", Role::Admin, &[]).await;
        let (browser, csrf) = Browser::signed_in(&app, admin).await;
        let mut conn = connect(&app).await;
        let sqlite = backend == "sqlite";
        for (words, message) in cases {
            let before = snapshot(&mut conn, sqlite).await;
            let r = browser
                .post(PAGE, &[("csrf", &csrf), ("words", words)])
                .await;
            assert_eq!(
                r.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{backend}: {words:?}"
            );
            let flash = error_flash(&r.body);
            assert!(flash.contains(message), "{words:?}: {flash}");
            if !words.trim().is_empty() {
                assert!(flash.contains("没有添加任何词"), "{words:?}: {flash}");
            }
            // The form is shown again with what was typed.
            assert!(r.body.contains("name=\"words\""));
            assert!(
                before == snapshot(&mut conn, sqlite).await,
                "{backend}: {words:?} changed the database"
            );
        }
        assert!(search::user_words(&app.state.db).await.unwrap().is_empty());
        app.finish().await;
    }
}

#[tokio::test]
async fn forged_forms_and_other_roles_are_refused() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let db = &app.state.db;
        let admin = add_user(&app, "guanli", Role::Admin, &[]).await;
        let channel = fupin::db::channels::list(db).await.unwrap()[1].id;
        let editor = add_user(&app, "bianji", Role::Editor, &[channel]).await;
        let mut conn = connect(&app).await;
        let sqlite = backend == "sqlite";

        // An admin's POST without a token, or with another session's.
        let (browser, _) = Browser::signed_in(&app, admin).await;
        let (_, other) = Browser::signed_in(&app, admin).await;
        let before_admin = snapshot(&mut conn, sqlite).await;
        let r = browser.post(PAGE, &[("words", "洺溪镇")]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{backend}");
        assert!(r.body.contains("表单已失效"), "{}", r.body);
        let r = browser
            .post(PAGE, &[("csrf", &other), ("words", "洺溪镇")])
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{backend}");
        assert!(
            before_admin == snapshot(&mut conn, sqlite).await,
            "{backend}"
        );

        // An editor can neither see nor post the page, nor find it in the
        // navigation.
        let (browser, csrf) = Browser::signed_in(&app, editor).await;
        let home = browser.get("/admin").await;
        assert!(!home.body.contains("搜索词典"), "{}", home.body);
        let r = browser.get(PAGE).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{backend}");
        let r = browser
            .post(PAGE, &[("csrf", &csrf), ("words", "洺溪镇")])
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{backend}");
        assert!(search::user_words(db).await.unwrap().is_empty());

        // Anonymous visitors are sent to the login page.
        let r = Browser::new(&app).get(PAGE).await;
        assert!(is_login_redirect(&r), "{backend}");
        app.finish().await;
    }
}
