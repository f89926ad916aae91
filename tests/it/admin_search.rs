//! The back office's article list searches the way the public site does
//! (issue 5): segmented words find drafts by their body, not only titles.

use fupin::auth::Role;
use fupin::db::articles::{ArticleFields, Status, insert_published, set_status};

use crate::admin_support::{Browser, add_user};
use crate::harness::{TestApp, backends};

#[tokio::test(flavor = "multi_thread")]
async fn article_list_keywords_use_the_search_index() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let admin = add_user(&app, "guanli", Role::Admin, &[]).await;
        let channel = fupin::db::channels::list(&app.state.db).await.unwrap()[1].id;
        let id = insert_published(
            &app.state.db,
            &ArticleFields {
                channel_id: channel,
                title: "合作签约仪式举行".into(),
                body_html: "<p>中国农业发展银行与协会签署帮扶协议。</p>".into(),
                published_at: fupin::db::now(),
                ..ArticleFields::default()
            },
        )
        .await
        .unwrap();
        set_status(&app.state.db, id, Status::Draft, fupin::db::now())
            .await
            .unwrap();
        fupin::search::drain(&app.state.db).await.unwrap();
        let (browser, _) = Browser::signed_in(&app, admin).await;
        let found = browser.get("/admin/articles?q=%E5%86%9C%E4%B8%9A").await; // 农业
        assert!(
            found.body.contains("合作签约仪式举行"),
            "{backend}: a draft found by a word of its body"
        );
        let missed = browser.get("/admin/articles?q=%E5%91%98%E6%9C%8D").await; // 员服
        assert!(!missed.body.contains("合作签约仪式举行"), "{backend}");
        let by_title = browser
            .get("/admin/articles?q=%E7%AD%BE%E7%BA%A6%E4%BB%AA")
            .await; // 签约仪 (part of the title)
        assert!(
            by_title.body.contains("合作签约仪式举行"),
            "{backend}: title pieces still match"
        );
        app.finish().await;
    }
}
