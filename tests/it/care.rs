//! Issue 21, 关怀版 on the server: the switch sets a cookie without script
//! and returns to the page, every page (templated or written out in Rust)
//! carries the mode, the page cache keeps the two versions apart, and the
//! footer's numbers are `tel:` links.

use axum::http::StatusCode;

use crate::cache::live;
use crate::harness::{TestApp, location};

/// One published article (a fresh site has none); its address.
async fn one_article(app: &TestApp) -> String {
    use fupin::db::articles::{ArticleFields, insert_published};
    let channels = fupin::db::channels::list(&app.state.db).await.unwrap();
    let input = ArticleFields {
        channel_id: channels[1].id,
        title: "关怀版测试文章".into(),
        body_html: "<p>正文</p>".into(),
        published_at: fupin::db::now() - 60,
        ..ArticleFields::default()
    };
    let id = insert_published(&app.state.db, &input).await.unwrap();
    format!("/a/{id}.html")
}

#[tokio::test(flavor = "multi_thread")]
async fn care_mode_is_a_remembered_switch_and_cached_apart() {
    let app = TestApp::new("sqlite").await;
    let r = app.get("/care/on?back=%2Fc%2Fdishi-lianbo%2F").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/c/dishi-lianbo/");
    let cookie = r.header("set-cookie");
    assert!(cookie.starts_with("care=1;"), "{cookie}");
    assert!(cookie.contains("Max-Age=31536000"), "{cookie}");
    let r = app.get("/care/off?back=//evil.example/").await;
    assert!(r.header("set-cookie").starts_with("care=0;"));
    assert_eq!(location(&r), "/");
    assert_eq!(app.get("/care/x").await.status, StatusCode::NOT_FOUND);

    let article = one_article(&app).await;
    let paths = [
        "/",
        "/c/dishi-lianbo/",
        "/map.html",
        "/search?q=扶贫",
        "/mailbox",
        article.as_str(),
    ];
    for path in &paths {
        let plain = app.get(path).await;
        assert_eq!(plain.status, StatusCode::OK, "{path}");
        assert!(!plain.body.contains(" care"), "{path}");
        assert!(plain.body.contains(">关怀版</a>"), "{path}");
        assert!(plain.body.contains("href=\"/care/on?back="), "{path}");
        let care = app.get_with(path, &[("cookie", "fs=l; care=1")]).await;
        assert!(care.body.contains("class=\"fs-l care"), "{path}");
        assert!(care.body.contains(">标准版</a>"), "{path}");
        assert!(care.body.contains("href=\"/care/off?back="), "{path}");
        assert!(
            care.body.contains("<a href=\"#top\">返回顶部</a>"),
            "{path}"
        );
    }

    // Cached: the two versions are two entries and never served for each other.
    let tasks = live(&app).await;
    for _ in 0..2 {
        let plain = app.get("/").await;
        assert!(
            plain.body.contains("class=\"fs-m page-home"),
            "standard home"
        );
        let care = app.get_with("/", &[("cookie", "care=1")]).await;
        assert!(
            care.body.contains("class=\"fs-m care page-home"),
            "care home"
        );
        assert_ne!(plain.header("etag"), care.header("etag"));
    }
    assert_eq!(app.state.page_cache.len(), 2);
    for t in tasks {
        t.abort();
    }
    app.finish().await;
}

#[tokio::test]
async fn footer_numbers_are_tel_links() {
    let app = TestApp::new("sqlite").await;
    let db = &app.state.db;
    fupin::db::settings::set(db, "site.phone", "020-8388 1234、020-8388 5678")
        .await
        .unwrap();
    fupin::db::settings::set(db, "site.donation_hotline", "4008-123-456（工作日）")
        .await
        .unwrap();
    // The article page is written out in Rust, not templated: the same links.
    let paths = [
        "/".to_string(),
        one_article(&app).await,
        "/contact.html".to_string(),
    ];
    for path in paths {
        let page = app.get(&path).await;
        for link in [
            "电话:<a class=\"tel\" href=\"tel:02083881234\">020-8388 1234</a>、<a class=\"tel\" href=\"tel:02083885678\">020-8388 5678</a>",
            "捐赠热线:<a class=\"tel\" href=\"tel:4008123456\">4008-123-456</a>（工作日）",
        ] {
            // The contact page lists them too, as links, under its own labels.
            let link = if path == "/contact.html" {
                link.split_once(':').unwrap().1
            } else {
                link
            };
            assert!(page.body.contains(link), "{path}: {link}");
        }
    }
    app.finish().await;
}
