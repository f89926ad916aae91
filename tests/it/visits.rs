//! Visit statistics: counted per request in memory by the middleware, only
//! for public pages read by people, written in batches that add up across
//! instances, feeding the 点击数, the footer's 流量统计 and the back
//! office's statistics page, chart and CSV.

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use fupin::app::AppState;
use fupin::auth::Role;
use fupin::db::articles;
use fupin::stats::{self, kind};
use sqlx::Row;
use tower::ServiceExt;

use crate::admin_support::{Browser, add_user};
use crate::harness::{TestApp, backends};

/// A desktop browser.
pub const DESKTOP: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36";
/// A phone.
pub const PHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";

/// Sends a request as a browser at `ip`: (status, body).
pub async fn request(
    state: &AppState,
    method: &str,
    uri: &str,
    ip: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, String) {
    let mut req = Request::builder()
        .method(method)
        .uri(uri)
        .header("host", "portal.test");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let mut req = req.body(Body::empty()).unwrap();
    req.extensions_mut()
        .insert(ConnectInfo::<std::net::SocketAddr>(
            format!("{ip}:5000").parse().unwrap(),
        ));
    let response = state.router().oneshot(req).await.unwrap();
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, String::from_utf8_lossy(&body).into_owned())
}

/// A GET by a desktop browser at `ip`.
pub async fn browse(state: &AppState, uri: &str, ip: &str) -> (StatusCode, String) {
    request(state, "GET", uri, ip, &[("user-agent", DESKTOP)]).await
}

/// Today's (views, visitors) of one key.
pub async fn total_of(app: &TestApp, k: &str, key: &str) -> (i64, i64) {
    let today = stats::today();
    let rows = fupin::db::visits::top(&app.state.db, k, today, today, 1000)
        .await
        .unwrap();
    rows.iter()
        .find(|t| t.key == key)
        .map_or((0, 0), |t| (t.views, t.visitors))
}

fn shown_hits(body: &str) -> i64 {
    let at = body.find("点击数:").expect("hit count shown") + "点击数:".len();
    body[at..]
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(|c| c.is_ascii_digit())
        .collect::<String>()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn public_page_views_are_counted_by_kind() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        fupin::demo::fill(&app.state.db).await.unwrap();
        let s = &app.state;
        let id = articles::latest(&s.db, articles::Flag::Any, 1)
            .await
            .unwrap()[0]
            .id;
        let a = articles::get(&s.db, id).await.unwrap().unwrap();
        let uri = format!("/a/{}.html", a.id);
        let channel = fupin::db::channels::list(&s.db)
            .await
            .unwrap()
            .into_iter()
            .find(|c| c.id == a.channel_id)
            .unwrap();
        let channel_uri = format!("/c/{}/", channel.slug);
        let from_baidu = [
            ("user-agent", DESKTOP),
            ("referer", "https://www.baidu.com/s?wd=%E6%89%B6%E8%B4%AB"),
        ];
        let from_us = [("user-agent", PHONE), ("referer", "http://portal.test/")];
        assert_eq!(
            request(s, "GET", &uri, "203.0.113.7", &from_baidu).await.0,
            200
        );
        assert_eq!(
            request(s, "GET", &uri, "203.0.113.8", &from_us).await.0,
            200
        );
        browse(s, &uri, "203.0.113.7").await;
        browse(s, &channel_uri, "203.0.113.7").await;
        browse(s, "/", "203.0.113.9").await;
        browse(s, "/search?q=%E5%B8%AE%E6%89%B6++Project", "203.0.113.9").await;
        // Not counted: robots, HEAD, the back office, assets, errors, no UA.
        let bot = [("user-agent", "Mozilla/5.0 (compatible; Baiduspider/2.0)")];
        request(s, "GET", &uri, "203.0.113.10", &bot).await;
        request(s, "GET", &uri, "203.0.113.10", &[]).await;
        request(s, "HEAD", &uri, "203.0.113.10", &[("user-agent", DESKTOP)]).await;
        browse(s, "/admin/login", "203.0.113.10").await;
        browse(s, "/static/site.css", "203.0.113.10").await;
        browse(s, "/a/999999.html", "203.0.113.10").await;
        // The page shows its views at once, the database has none yet.
        let (_, page) = browse(s, &uri, "203.0.113.7").await;
        assert_eq!(
            shown_hits(&page),
            a.hits + 3,
            "{backend}: views show before a flush"
        );
        assert_eq!(
            articles::get(&s.db, a.id).await.unwrap().unwrap().hits,
            a.hits,
            "no write per request"
        );
        assert_eq!(total_of(&app, kind::SITE, "").await, (0, 0));
        let done = s.hits.flush(&s.db).await.unwrap();
        assert_eq!(done.articles, 1, "{backend}");
        assert_eq!(
            articles::get(&s.db, a.id).await.unwrap().unwrap().hits,
            a.hits + 4
        );
        assert_eq!(
            shown_hits(&browse(s, &uri, "203.0.113.7").await.1),
            a.hits + 4,
            "nothing counted twice"
        );
        s.hits.flush(&s.db).await.unwrap();
        // Site: 5 article views + channel + home + the search results page.
        assert_eq!(
            total_of(&app, kind::SITE, "").await,
            (8, 3),
            "{backend}: three people"
        );
        assert_eq!(
            total_of(&app, kind::ARTICLE, &a.id.to_string()).await,
            (5, 2)
        );
        assert_eq!(total_of(&app, kind::PATH, &uri).await, (5, 2));
        assert_eq!(
            total_of(&app, kind::CHANNEL, &channel.id.to_string()).await,
            (6, 2),
            "{backend}: the channel counts its page and its articles"
        );
        assert_eq!(total_of(&app, kind::REFERRER, "www.baidu.com").await.0, 1);
        assert_eq!(
            total_of(&app, kind::REFERRER, "portal.test").await.0,
            0,
            "our own host is no referrer"
        );
        assert_eq!(total_of(&app, kind::SEARCH, "帮扶 project").await.0, 1);
        assert_eq!(total_of(&app, kind::DEVICE, "phone").await, (1, 1));
        assert_eq!(total_of(&app, kind::DEVICE, "desktop").await, (7, 2));
        // The footer's 流量统计.
        let (_, home) = browse(s, "/", "203.0.113.9").await;
        assert!(
            home.contains("流量统计: 总访问量 8 次"),
            "{backend}: footer {}",
            &home[home.find("footer-visits").unwrap_or(0)..][..120.min(home.len())]
        );
        assert!(home.contains("今日 8 次"));
        // No address is stored anywhere.
        for sql in [
            "SELECT COUNT(*) AS n FROM stats_daily WHERE key LIKE '%203.0.113%'",
            "SELECT COUNT(*) AS n FROM visit_uniques WHERE key LIKE '%203.0.113%' OR visitor LIKE '%203.0.113%'",
            "SELECT COUNT(*) AS n FROM visit_salts WHERE salt LIKE '%203.0.113%'",
        ] {
            let n: i64 = sqlx::query(sql)
                .fetch_one(s.db_pool_for_tests())
                .await
                .unwrap()
                .get("n");
            assert_eq!(n, 0, "{backend}: a raw address reached the database");
        }
        app.finish().await;
    }
}

#[tokio::test]
async fn salts_are_shared_per_day_and_old_ones_go() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let db = &app.state.db;
        let today = stats::today();
        let a = fupin::db::visits::salt_for(db, today, "first")
            .await
            .unwrap();
        let b = fupin::db::visits::salt_for(db, today, "second")
            .await
            .unwrap();
        assert_eq!(
            (a.as_str(), b.as_str()),
            ("first", "first"),
            "one salt per day for every instance"
        );
        fupin::db::visits::salt_for(db, 20200101, "old")
            .await
            .unwrap();
        sqlx::query("INSERT INTO visit_uniques (day, kind, key, visitor) VALUES (20200101, 'site', '', 'x')")
            .execute(app.state.db_pool_for_tests())
            .await
            .unwrap();
        stats::prune(db, fupin::db::now()).await.unwrap();
        let left: i64 = sqlx::query("SELECT COUNT(*) AS n FROM visit_salts WHERE day = 20200101")
            .fetch_one(app.state.db_pool_for_tests())
            .await
            .unwrap()
            .get("n");
        let digests: i64 = sqlx::query("SELECT COUNT(*) AS n FROM visit_uniques")
            .fetch_one(app.state.db_pool_for_tests())
            .await
            .unwrap()
            .get("n");
        assert_eq!((left, digests), (0, 0), "{backend}");
        assert_eq!(
            fupin::db::visits::salt_for(db, today, "x").await.unwrap(),
            "first"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn the_statistics_page_charts_lists_and_exports() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        fupin::demo::fill(&app.state.db).await.unwrap();
        let s = &app.state;
        let a = articles::latest(&s.db, articles::Flag::Any, 1)
            .await
            .unwrap()[0]
            .clone();
        browse(s, &format!("/a/{}.html", a.id), "192.0.2.1").await;
        browse(s, "/search?q=%3DHYPERLINK(%22x%22)", "192.0.2.1").await;
        request(
            s,
            "GET",
            "/",
            "192.0.2.2",
            &[
                ("user-agent", PHONE),
                ("referer", "https://news.example.org/x?y=1"),
            ],
        )
        .await;
        s.hits.flush(&s.db).await.unwrap();
        let admin = add_user(&app, "guanli", Role::Admin, &[]).await;
        let (b, _) = Browser::signed_in(&app, admin).await;
        let page = b.get("/admin/stats").await;
        assert_eq!(page.status, 200, "{backend}: {}", page.body);
        assert!(page.body.contains("/admin/stats/chart.svg?from="));
        assert!(page.body.contains(&a.title), "{backend}: top articles");
        assert!(
            page.body.contains("news.example.org") && !page.body.contains("/x?y=1"),
            "host only"
        );
        assert!(page.body.contains("手机/平板"));
        let from_to = {
            let at = page.body.find("chart.svg?").unwrap() + "chart.svg?".len();
            page.body[at..]
                .split('"')
                .next()
                .unwrap()
                .replace("&amp;", "&")
        };
        let chart = b.get(&format!("/admin/stats/chart.svg?{from_to}")).await;
        assert_eq!(chart.status, 200);
        assert!(chart.header("content-type").starts_with("image/svg+xml"));
        assert_eq!(
            chart.header("content-security-policy"),
            "default-src 'none'"
        );
        assert!(
            chart.body.contains("浏览量")
                && chart.body.contains("访客数")
                && chart.body.contains("<polyline")
        );
        let csv = b.get(&format!("/admin/stats/export.csv?{from_to}")).await;
        assert_eq!(csv.status, 200);
        assert!(csv.body.starts_with('\u{feff}'));
        assert!(
            csv.body.contains("\"搜索词\",\"'=hyperlink(\"\"x\"\")\""),
            "{backend}: {}",
            csv.body
        );
        // A bad range is explained, not a failure.
        let bad = b.get("/admin/stats?from=2026-13-01&to=x").await;
        assert_eq!(bad.status, 200);
        assert!(bad.body.contains("日期格式应为"));
        // 信箱管理 has no business here.
        let mb = add_user(&app, "xinxiang", Role::Mailbox, &[]).await;
        let (m, _) = Browser::signed_in(&app, mb).await;
        assert_eq!(m.get("/admin/stats").await.status, 403);
        app.finish().await;
    }
}
