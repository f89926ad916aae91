//! 点击数: counted in memory per request (by the visit statistics, one
//! count for both), shown at once, flushed in batches, and not lost when
//! the server stops cleanly.

use crate::harness::{Server, Target, TestApp, backends, http_get, http_get_as};
use crate::visits::{DESKTOP, browse};

fn shown_hits(body: &str) -> i64 {
    let at = body.find("点击数:").expect("hit count shown") + "点击数:".len();
    let digits: String = body[at..]
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(|c| c.is_ascii_digit())
        .collect();
    digits.parse().expect("a number")
}

#[tokio::test]
async fn views_are_counted_in_memory_then_flushed() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        fupin::demo::fill(&app.state.db).await.unwrap();
        let id = fupin::db::articles::latest(&app.state.db, fupin::db::articles::Flag::Any, 1)
            .await
            .unwrap()[0]
            .id;
        let stored = fupin::db::articles::get(&app.state.db, id)
            .await
            .unwrap()
            .unwrap()
            .hits;
        let uri = format!("/a/{id}.html");
        let view = || browse(&app.state, &uri, "192.0.2.50");
        let first = shown_hits(&view().await.1);
        assert_eq!(
            first, stored,
            "{backend}: the first view shows the stored count"
        );
        view().await;
        let third = shown_hits(&view().await.1);
        assert_eq!(third, stored + 2, "{backend}: views show before any flush");
        assert_eq!(
            fupin::db::articles::get(&app.state.db, id)
                .await
                .unwrap()
                .unwrap()
                .hits,
            stored,
            "no write per request"
        );
        assert_eq!(
            app.state.hits.flush(&app.state.db).await.unwrap().articles,
            1
        );
        assert_eq!(
            fupin::db::articles::get(&app.state.db, id)
                .await
                .unwrap()
                .unwrap()
                .hits,
            stored + 3
        );
        assert_eq!(
            shown_hits(&view().await.1),
            stored + 3,
            "nothing counted twice after a flush"
        );
        // A 404 counts nothing; a robot's view counts nothing.
        browse(&app.state, "/a/999999.html", "192.0.2.50").await;
        app.get(&uri).await;
        assert_eq!(
            app.state.hits.flush(&app.state.db).await.unwrap().articles,
            1
        );
        assert_eq!(
            fupin::db::articles::get(&app.state.db, id)
                .await
                .unwrap()
                .unwrap()
                .hits,
            stored + 4,
            "only the browser's view of the page counted"
        );
        app.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn counts_survive_a_clean_shutdown() {
    for backend in backends() {
        let target = Target::new(backend).await;
        counts_survive_on(&target);
        target.drop_database().await;
    }
}

fn counts_survive_on(target: &Target) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let env: Vec<(&str, &str)> = target
        .url
        .as_deref()
        .map(|u| ("FUPIN_DATABASE_URL", u))
        .into_iter()
        .collect();
    let server = Server::start_with(&data, &["--demo"], &env);
    let (status, home) = http_get(&server.addr, "/");
    assert_eq!(status, 200);
    let at = home.find("/a/").unwrap();
    let href: String = home[at..].chars().take_while(|c| *c != '"').collect();
    let before = shown_hits(&http_get_as(&server.addr, &href, DESKTOP).1);
    for _ in 0..4 {
        assert_eq!(http_get_as(&server.addr, &href, DESKTOP).0, 200);
    }
    assert!(server.stop().success(), "clean exit on SIGTERM");
    let server = Server::start_with(&data, &[], &env);
    let after = shown_hits(&http_get(&server.addr, &href).1);
    assert_eq!(
        after,
        before + 5,
        "every counted view was flushed at shutdown"
    );
    server.stop();
}
