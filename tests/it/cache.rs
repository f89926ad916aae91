//! The page cache and HTTP caching (issue 7): cached pages are served with
//! validators and pre-compressed bodies, answer conditional requests with
//! 304, are per font size, count views, and are never stale for longer than
//! the change-log poll when content changes on another instance.

use std::io::Read;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use fupin::db::articles;

use crate::harness::{TestApp, backends};

pub(crate) async fn live(app: &TestApp) -> Vec<tokio::task::JoinHandle<()>> {
    let tasks = fupin::cluster::spawn_background(&app.state);
    let start = Instant::now();
    while !app.state.changes.is_live() {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "watcher never started"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tasks
}

#[tokio::test(flavor = "multi_thread")]
async fn cached_pages_have_validators_and_encodings() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        fupin::demo::fill(&app.state.db).await.unwrap();
        let tasks = live(&app).await;
        let id = articles::latest(&app.state.db, articles::Flag::Any, 1)
            .await
            .unwrap()[0]
            .id;
        let uri = format!("/a/{id}.html");
        let first = app.get(&uri).await;
        assert_eq!(first.status, StatusCode::OK);
        assert!(
            !app.state.page_cache.is_empty(),
            "{backend}: the page was cached"
        );
        let etag = first.header("etag").to_string();
        assert!(
            etag.starts_with('"') && first.header("last-modified").ends_with("GMT"),
            "{etag}"
        );
        assert_eq!(first.header("cache-control"), "no-cache");
        assert!(first.header("vary").contains("Accept-Encoding"));
        let second = app.get(&uri).await;
        assert_eq!(second.header("etag"), etag, "served from the cache");
        assert_eq!(second.body, first.body);
        // A hit is answered before the other layers run: it must still
        // carry every header the first (rendered) answer had.
        for name in [
            "content-security-policy",
            "x-content-type-options",
            "referrer-policy",
            "x-frame-options",
            "content-type",
            "last-modified",
            "vary",
            "cache-control",
        ] {
            assert!(
                !first.header(name).is_empty(),
                "{backend}: {name} on a render"
            );
            assert_eq!(
                second.header(name),
                first.header(name),
                "{backend}: {name} on a hit"
            );
        }

        let again = app.get_with(&uri, &[("if-none-match", &etag)]).await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED);
        assert!(again.body.is_empty());
        let since = app
            .get_with(
                &uri,
                &[("if-modified-since", first.header("last-modified"))],
            )
            .await;
        assert_eq!(since.status, StatusCode::NOT_MODIFIED);

        for (enc, header) in [("br", "br"), ("gzip", "gzip")] {
            let req = axum::http::Request::builder()
                .uri(&uri)
                .header("accept-encoding", enc)
                .body(axum::body::Body::empty())
                .unwrap();
            let response = tower::ServiceExt::oneshot(app.state.router(), req)
                .await
                .unwrap();
            assert_eq!(response.headers()["content-encoding"], header);
            let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .unwrap();
            let mut plain = String::new();
            if enc == "br" {
                brotli::Decompressor::new(&bytes[..], 4096)
                    .read_to_string(&mut plain)
                    .unwrap();
            } else {
                flate2::read::GzDecoder::new(&bytes[..])
                    .read_to_string(&mut plain)
                    .unwrap();
            }
            assert_eq!(plain, first.body, "{enc} body decodes to the page");
        }
        // Views served from the cache are counted (by a reader's browser;
        // robots and revalidations are not).
        let browser = (
            "user-agent",
            "Mozilla/5.0 (X11; Linux x86_64) Chrome/130.0 Safari/537.36",
        );
        let before = app.state.hits.pending(id);
        let hit = app.get_with(&uri, &[browser]).await;
        assert_eq!(hit.header("etag"), etag, "a cache hit");
        assert_eq!(app.state.hits.pending(id), before + 1);
        app.get_with(&uri, &[browser, ("if-none-match", &etag)])
            .await;
        app.get(&uri).await;
        assert_eq!(app.state.hits.pending(id), before + 1);
        // Each font size has its own entry.
        let large = app.get_with(&uri, &[("cookie", "fs=l")]).await;
        assert!(large.body.contains("fs-l") && !first.body.contains("class=\"fs-l"));
        for t in tasks {
            t.abort();
        }
        app.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_change_elsewhere_is_shown_within_two_seconds() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        fupin::demo::fill(&app.state.db).await.unwrap();
        let tasks = live(&app).await;
        let a = articles::latest(&app.state.db, articles::Flag::Any, 1)
            .await
            .unwrap()
            .remove(0);
        let uri = format!("/a/{}.html", a.id);
        assert!(app.get(&uri).await.body.contains(&a.title));
        assert!(app.get("/").await.body.contains(&a.title));
        // Another connection (as another instance or the CLI would) changes the title.
        let other = fupin::db::Db::connect(&app.state.config.database_url)
            .await
            .unwrap();
        sqlx::query("UPDATE articles SET title = $1 WHERE id = $2")
            .bind("改过的标题")
            .bind(a.id)
            .execute(other.pool())
            .await
            .unwrap();
        fupin::db::settings::set(&other, "site.fax", "020-11112222")
            .await
            .unwrap();
        other.close().await;
        let start = Instant::now();
        loop {
            let page = app.get(&uri).await.body;
            let home = app.get("/").await.body;
            if page.contains("改过的标题")
                && home.contains("改过的标题")
                && home.contains("020-11112222")
            {
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(2),
                "{backend}: stale cache after 2 s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        for t in tasks {
            t.abort();
        }
        app.finish().await;
    }
}

#[tokio::test]
async fn responses_that_set_cookies_or_have_queries_are_not_cached() {
    let app = TestApp::new("sqlite").await;
    let tasks = live(&app).await;
    app.get("/fontsize/l?back=/").await;
    app.get("/?utm_source=x").await;
    app.get("/no-such-page").await;
    assert!(
        app.state.page_cache.is_empty(),
        "nothing cacheable was requested"
    );
    let home = app.get("/").await;
    assert_eq!(app.state.page_cache.len(), 1);
    assert!(home.header("set-cookie").is_empty());
    for t in tasks {
        t.abort();
    }
    app.finish().await;
}
