//! The public pages on a fresh database: the reference structure, the
//! layout every page shares, channel pages with pagination, article pages,
//! single pages, the site map, feeds, the font switch and error pages.

use axum::http::StatusCode;
use fupin::db::seed::NAV;

use crate::harness::{TestApp, backends, location};

#[tokio::test]
async fn fresh_site_has_the_reference_structure() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let home = app.get("/").await;
        assert_eq!(home.status, StatusCode::OK, "{backend}");
        let nav = home.element("nav");
        let mut last = 0;
        for (name, slug) in NAV {
            let at = nav
                .find(&format!("/c/{slug}/"))
                .unwrap_or_else(|| panic!("{name} missing from the nav"));
            assert!(at > last, "{name} out of order");
            last = at;
            assert!(nav.contains(name));
        }
        assert!(
            !nav.contains("扶贫前沿"),
            "扶贫前沿 is not in the top navigation"
        );
        for text in [
            "广东扶贫网",
            "广东省扶贫开发协会",
            "《广东扶贫》杂志约稿函!",
            "省委省政府和国务院扶贫办领导关于协会工作的批示",
            "今天是:",
        ] {
            assert!(home.body.contains(text), "{backend}: home lacks {text}");
        }
        let footer = home.element("footer");
        for text in [
            "欢迎访问广东扶贫网",
            "粤ICP备10213720号",
            "https://beian.miit.gov.cn/",
            "020-37286668",
            "510500",
            "gdfupinxc@126.com",
            "《广东扶贫》全媒体中心",
            "关于我们",
            "站点地图",
            "招聘启事",
            "版权申明",
        ] {
            assert!(footer.contains(text), "{backend}: footer lacks {text}");
        }
        assert!(home.body.contains("<html lang=\"zh-CN\""));
        for landmark in ["<header", "<nav", "<main", "<footer"] {
            assert!(home.body.contains(landmark), "missing {landmark}");
        }
        // 地市联播 sits under 扶贫前沿.
        let channel = app.get("/c/dishi-lianbo/").await;
        assert_eq!(channel.status, StatusCode::OK);
        let crumb = channel.body.find("当前位置").expect("breadcrumb");
        let crumbs = &channel.body[crumb..];
        let (a, b, c) = (
            crumbs.find("首页").unwrap(),
            crumbs.find("扶贫前沿").unwrap(),
            crumbs.find("地市联播").unwrap(),
        );
        assert!(a < b && b < c, "breadcrumb order");
        assert!(crumbs.contains("/c/fupin-qianyan/"));
        let parent = app.get("/c/fupin-qianyan/").await;
        assert!(
            parent.body.contains("/c/dishi-lianbo/"),
            "child channels are listed"
        );
        assert!(parent.body.contains("暂无文章"));
        app.finish().await;
    }
}

#[tokio::test]
async fn security_headers_on_every_response() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        for uri in [
            "/",
            "/c/fupin-yaowen/",
            "/no/such/page",
            "/rss.xml",
            "/static/site.css",
        ] {
            let page = app.get(uri).await;
            let csp = page.header("content-security-policy");
            assert!(
                csp.contains("object-src 'none'")
                    && csp.contains("base-uri 'none'")
                    && csp.contains("frame-ancestors"),
                "{uri}: {csp}"
            );
            assert!(!csp.contains("unsafe-inline"), "{uri}");
            assert_eq!(page.header("x-content-type-options"), "nosniff", "{uri}");
            assert!(!page.header("referrer-policy").is_empty(), "{uri}");
        }
        // No inline script anywhere in the pages.
        let home = app.get("/").await;
        assert!(
            !home.body.contains("<script>") && !home.body.contains(" style=\""),
            "inline script or style in the page"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn not_found_pages_use_the_site_layout() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        for uri in [
            "/nothing-here",
            "/a/999999.html",
            "/a/abc.html",
            "/c/no-such/",
            "/c/fupin-yaowen/page/99/",
            "/p/nope.html",
            "/c/%0A%0D/page/2/",
            "/c/a%0Ab",
        ] {
            let page = app.get(uri).await;
            assert_eq!(page.status, StatusCode::NOT_FOUND, "{backend} {uri}");
            assert!(page.body.contains("页面不存在"), "{uri}");
            assert!(
                page.header("content-type").starts_with("text/html"),
                "{uri}"
            );
            assert!(
                page.body.contains("粤ICP备10213720号"),
                "{uri}: error page has the footer"
            );
        }
        app.finish().await;
    }
}

#[tokio::test]
async fn demo_content_fills_channels_with_pagination_and_articles() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let added = fupin::demo::fill(&app.state.db).await.unwrap();
        assert!(added > 60, "{added}");
        assert_eq!(
            fupin::demo::fill(&app.state.db).await.unwrap(),
            0,
            "demo fills once"
        );
        let first = app.get("/c/fupin-yaowen/").await;
        assert!(first.body.contains("【示例】"));
        assert!(
            first.body.contains("/c/fupin-yaowen/page/2/"),
            "pagination link"
        );
        assert!(first.body.contains("下一页"));
        let second = app.get("/c/fupin-yaowen/page/2/").await;
        assert_eq!(second.status, StatusCode::OK);
        assert!(second.body.contains("上一页"));
        let page1 = app.get("/c/fupin-yaowen/page/1/").await;
        assert_eq!(page1.status, StatusCode::PERMANENT_REDIRECT);
        assert_eq!(location(&page1), "/c/fupin-yaowen/");
        // 置顶 comes first although it is older.
        let list_start = first.body.find("置顶").expect("a pinned article is marked");
        let first_item = first.body.find("/a/").unwrap();
        assert!(list_start < first.body[first_item..].len() + first_item);

        // An article page.
        let home = app.get("/").await;
        let at = home.body.find("/a/").unwrap();
        let href: String = home.body[at..].chars().take_while(|c| *c != '"').collect();
        let article = app.get(&href).await;
        assert_eq!(article.status, StatusCode::OK, "{href}");
        let el = article.element("article");
        assert!(
            el.contains("加入时间:") && el.contains("点击数:") && el.contains("来源:"),
            "meta line"
        );
        for outside in ["扶贫要闻</a>", "粤ICP备", "当前位置", "上一篇", "相关文章"]
        {
            assert!(
                !el.contains(outside),
                "{outside} must stay outside <article>"
            );
        }
        let title = article.element("title");
        assert!(
            title.ends_with(" - 广东扶贫网") && title.matches(" - ").count() == 2,
            "{title}"
        );
        assert!(article.body.contains("property=\"og:title\""));
        assert!(
            article
                .body
                .contains("property=\"og:type\" content=\"article\"")
        );
        assert!(article.body.contains("<meta name=\"description\""));
        assert!(article.body.contains("上一篇") || article.body.contains("下一篇"));
        app.finish().await;
    }
}

#[tokio::test]
async fn single_pages_map_and_contact() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        for (uri, text) in [
            ("/p/about.html", "关于我们"),
            ("/p/jobs.html", "招聘启事"),
            ("/p/copyright.html", "版权申明"),
        ] {
            let page = app.get(uri).await;
            assert_eq!(page.status, StatusCode::OK, "{uri}");
            assert!(page.element("main").contains(text), "{uri}");
        }
        let map = app.get("/map.html").await;
        let main = map.element("main");
        let (parent, child) = (
            main.find("扶贫前沿").unwrap(),
            main.find("地市联播").unwrap(),
        );
        assert!(parent < child);
        for (name, _) in NAV {
            assert!(main.contains(name), "map lacks {name}");
        }
        let contact = app.get("/contact.html").await;
        assert!(contact.element("main").contains("020-37286668"));
        assert!(
            app.get("/")
                .await
                .body
                .contains("class=\"mailbox-link\" href=\"/mailbox\""),
            "秘书长信箱 leads to the letter page"
        );
        assert!(
            contact.body.contains("href=\"/mailbox\""),
            "the contact page leads to the letter page"
        );
        assert!(
            app.get("/mailbox")
                .await
                .body
                .contains("href=\"/contact.html\""),
            "the contact details stay reachable from the letter page"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn feeds_sitemap_and_robots() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        fupin::demo::fill(&app.state.db).await.unwrap();
        let rss = app.get("/rss.xml").await;
        assert_eq!(rss.status, StatusCode::OK);
        assert!(
            rss.header("content-type")
                .starts_with("application/rss+xml")
        );
        assert!(
            rss.body.contains("<rss version=\"2.0\">") && rss.body.matches("<item>").count() == 30
        );
        assert!(
            rss.body
                .contains("http:&#x2f;&#x2f;portal.test&#x2f;a&#x2f;")
                || rss.body.contains("http://portal.test/a/")
        );
        let channel = app.get("/c/dishi-lianbo/rss.xml").await;
        assert_eq!(channel.body.matches("<item>").count(), 6);
        assert_eq!(
            app.get("/c/none/rss.xml").await.status,
            StatusCode::NOT_FOUND
        );
        let sitemap = app.get("/sitemap.xml").await;
        assert!(sitemap.body.contains("<urlset"));
        let total = fupin::db::articles::count_all(&app.state.db).await.unwrap() as usize;
        assert!(
            sitemap.body.matches("<url>").count() > total,
            "every article and channel listed"
        );
        let (id, _) = fupin::db::articles::listed_ids(&app.state.db)
            .await
            .unwrap()[0];
        let entry = format!("<url><loc>http://portal.test/a/{id}.html</loc><lastmod>");
        let at = sitemap.body.find(&entry).expect("an article's entry") + entry.len();
        let date = &sitemap.body[at..at + 10];
        assert!(
            date.chars().enumerate().all(|(i, c)| if i == 4 || i == 7 {
                c == '-'
            } else {
                c.is_ascii_digit()
            }),
            "lastmod is a date: {date}"
        );
        assert!(sitemap.body.trim_end().ends_with("</urlset>"));
        let robots = app.get("/robots.txt").await;
        assert!(
            robots
                .body
                .contains("Sitemap: http://portal.test/sitemap.xml")
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn font_switch_sets_a_cookie_and_returns() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let r = app.get("/fontsize/l?back=%2Fc%2Fdishi-lianbo%2F").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(location(&r), "/c/dishi-lianbo/");
        assert!(r.header("set-cookie").starts_with("fs=l;"));
        for evil in [
            "https://evil.example/",
            "//evil.example/",
            "/\\evil.example",
            "javascript:alert(1)",
        ] {
            let r = app
                .get(&format!("/fontsize/s?back={}", urlencode(evil)))
                .await;
            assert_eq!(location(&r), "/", "{evil} must not be followed");
        }
        assert_eq!(app.get("/fontsize/x").await.status, StatusCode::NOT_FOUND);
        let big = app.get_with("/", &[("cookie", "fs=l")]).await;
        assert!(
            big.body.contains("class=\"fs-l"),
            "the page carries the chosen size"
        );
        let normal = app.get("/").await;
        assert!(normal.body.contains("class=\"fs-m"));
        app.finish().await;
    }
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn article_neighbours_follow_time_within_the_channel() {
    use fupin::db::articles::{ArticleFields, insert_published};
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let channels = fupin::db::channels::list(&app.state.db).await.unwrap();
        let (mine, other) = (channels[1].id, channels[2].id);
        let t = fupin::db::now() - 10 * 86_400;
        let mut ids = Vec::new();
        for (i, (channel, title)) in [
            (mine, "最早一篇"),
            (other, "别的栏目"),
            (mine, "中间一篇"),
            (mine, "最新一篇"),
        ]
        .iter()
        .enumerate()
        {
            let input = ArticleFields {
                channel_id: *channel,
                title: title.to_string(),
                body_html: "<p>正文</p>".into(),
                published_at: t + i as i64 * 86_400,
                ..ArticleFields::default()
            };
            ids.push(insert_published(&app.state.db, &input).await.unwrap());
        }
        let page = app.get(&format!("/a/{}.html", ids[2])).await;
        let pager = |body: &str, label: &str| -> String {
            let at = body.find(&format!("{label}:</span>")).expect("pager entry");
            let rest = &body[at..];
            rest[..rest.find("</p>").unwrap()].to_string()
        };
        assert!(
            pager(&page.body, "上一篇").contains("最早一篇"),
            "{backend}: 上一篇 is the older one"
        );
        assert!(
            pager(&page.body, "下一篇").contains("最新一篇"),
            "{backend}: 下一篇 is the newer one"
        );
        assert!(
            !page.body.contains("别的栏目"),
            "{backend}: other channels stay out"
        );
        let first = app.get(&format!("/a/{}.html", ids[0])).await;
        assert!(
            pager(&first.body, "上一篇").contains("没有了"),
            "{backend}: the oldest has no 上一篇"
        );
        assert!(pager(&first.body, "下一篇").contains("中间一篇"));
        app.finish().await;
    }
}

#[tokio::test]
async fn home_blocks_are_the_channel_lists() {
    use fupin::db::articles;
    for backend in backends() {
        let app = TestApp::new(backend).await;
        fupin::demo::fill(&app.state.db).await.unwrap();
        let db = &app.state.db;
        let tree = fupin::db::channels::ChannelTree::load(db).await.unwrap();
        let groups: Vec<Vec<i64>> = tree.nav().map(|c| tree.with_descendants(c.id)).collect();
        // An old article pinned comes among the first of its block.
        let all = articles::list_in_channels(db, &groups[0], 0, 1000)
            .await
            .unwrap();
        let oldest = all.last().unwrap().id;
        sqlx::query("UPDATE articles SET is_pinned = 1 WHERE id = $1")
            .bind(oldest)
            .execute(db.pool())
            .await
            .unwrap();
        let blocks = articles::first_in_each(db, &groups, 8).await.unwrap();
        assert_eq!(blocks.len(), groups.len());
        assert!(blocks[0].iter().any(|a| a.id == oldest), "{backend}");
        for (group, block) in groups.iter().zip(&blocks) {
            let one: Vec<i64> = articles::list_in_channels(db, group, 0, 8)
                .await
                .unwrap()
                .iter()
                .map(|a| a.id)
                .collect();
            let many: Vec<i64> = block.iter().map(|a| a.id).collect();
            assert_eq!(one, many, "{backend}: channels {group:?}");
        }
        assert!(blocks.iter().filter(|b| b.len() >= 2).count() >= 2);
        app.finish().await;
    }
}

/// A page's markup with runs of whitespace made one space, and the counters
/// that move with every view (点击数, the footer's visits) masked.
fn comparable(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    for word in body.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    for label in ["点击数:", "总访问量 ", "今日 "] {
        let mut from = 0;
        while let Some(at) = out[from..].find(label) {
            let start = from + at + label.len();
            let end = start
                + out[start..]
                    .find(|c: char| !c.is_ascii_digit())
                    .unwrap_or(out.len() - start);
            out.replace_range(start..end, "#");
            from = start;
        }
    }
    out
}

#[tokio::test]
async fn article_pages_written_out_match_their_templates_and_themes_override_them() {
    use fupin::db::articles::{ArticleFields, insert_published};
    use fupin::render::BUILTIN;
    for backend in backends() {
        let app = TestApp::new(backend).await;
        fupin::demo::fill(&app.state.db).await.unwrap();
        let channels = fupin::db::channels::list(&app.state.db).await.unwrap();
        // Every optional field set, with the characters markup must escape.
        let input = ArticleFields {
            channel_id: channels[1].id,
            title: "标题 <b>&\"'</b>".into(),
            subtitle: "副题 <i>x</i>".into(),
            source: "来源 & 出处".into(),
            author: "作者 \"甲\"".into(),
            editor: "编辑 '乙'".into(),
            summary: "摘要 <script>".into(),
            body_html: "<p>正文 &amp; 更多</p>".into(),
            cover: "/media/cover.jpg?a=1&b=2".into(),
            published_at: fupin::db::now() - 3600,
            ..ArticleFields::default()
        };
        let full = insert_published(&app.state.db, &input).await.unwrap();
        let bare = insert_published(
            &app.state.db,
            &ArticleFields {
                channel_id: channels[2].id,
                title: "只有标题".into(),
                body_html: "<p>正文</p>".into(),
                published_at: fupin::db::now() - 7200,
                ..ArticleFields::default()
            },
        )
        .await
        .unwrap();
        let demo: i64 = sqlx::query_scalar("SELECT MIN(id) FROM articles")
            .fetch_one(app.state.db_pool_for_tests())
            .await
            .unwrap();
        let uris: Vec<String> = [full, bare, demo]
            .iter()
            .map(|id| format!("/a/{id}.html"))
            .collect();
        let written: Vec<String> = {
            let mut pages = Vec::new();
            for uri in &uris {
                let page = app.get(uri).await;
                assert_eq!(page.status, StatusCode::OK, "{backend} {uri}");
                pages.push(page.body);
            }
            pages
        };
        assert!(
            written[0].contains(
                "<h1 class=\"article-title\">标题 &lt;b&gt;&amp;&quot;&#39;&lt;/b&gt;</h1>"
            )
        );
        assert!(written[0].contains("content=\"http://portal.test/media/cover.jpg?a=1&amp;b=2\""));
        assert!(written[0].contains("<p>正文 &amp; 更多</p>"));
        assert!(!written[1].contains("article-subtitle"));

        let theme = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(theme.path().join("site")).unwrap();
        let themed = |theme: &std::path::Path| {
            let mut config = (*app.state.config).clone();
            config.theme_dir = Some(theme.to_path_buf());
            fupin::app::AppState::new(app.state.db.clone(), config)
        };
        let get = |state: fupin::app::AppState, uri: String| async move {
            let req = axum::http::Request::builder()
                .uri(uri)
                .body(axum::body::Body::empty())
                .unwrap();
            crate::harness::send_to(&state, req).await.body
        };
        // The built-in templates as a theme's own files: the template path.
        for name in ["site/article.html", "site/base.html"] {
            let source = BUILTIN.iter().find(|(n, _)| *n == name).unwrap().1;
            std::fs::write(theme.path().join(name), source).unwrap();
        }
        let state = themed(theme.path());
        assert!(!state.templates.is_builtin("site/article.html"));
        for (uri, written) in uris.iter().zip(&written) {
            let rendered = get(state.clone(), uri.clone()).await;
            assert_eq!(
                comparable(written),
                comparable(&rendered),
                "{backend} {uri}: the page written out differs from its template"
            );
        }
        // A theme's own article page.
        std::fs::write(
            theme.path().join("site/article.html"),
            "{% extends \"site/base.html\" %}{% block content %}<p class=\"theme-mark\">{{ article.title }}</p>{% endblock %}",
        )
        .unwrap();
        let page = get(themed(theme.path()), uris[0].clone()).await;
        assert!(
            page.contains("<p class=\"theme-mark\">标题 &lt;b&gt;&amp;&quot;&#39;&lt;/b&gt;</p>"),
            "{backend}: {page}"
        );
        assert!(!page.contains("article-body"), "{backend}");
        assert!(
            page.contains("site-footer"),
            "{backend}: the layout is kept"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn neighbours_sharing_a_publish_time_follow_by_id() {
    use fupin::db::articles::{self, ArticleFields, insert_published};
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let db = &app.state.db;
        let channel = fupin::db::channels::list(db).await.unwrap()[3].id;
        let t = fupin::db::now() - 30 * 86_400;
        // Imported articles often carry a date only: five share one time.
        let mut ids = Vec::new();
        for (i, at) in [t - 86_400, t, t, t, t, t, t + 86_400].iter().enumerate() {
            let input = ArticleFields {
                channel_id: channel,
                title: format!("同日第{i}篇"),
                body_html: "<p>正文</p>".into(),
                published_at: *at,
                ..ArticleFields::default()
            };
            ids.push(insert_published(db, &input).await.unwrap());
        }
        let middle = articles::get(db, ids[3]).await.unwrap().unwrap();
        let ids_of = |list: &[articles::Nearby]| list.iter().map(|a| a.id).collect::<Vec<_>>();
        let (newer, older) = articles::around(db, &middle, 2).await.unwrap();
        assert_eq!(ids_of(&newer), vec![ids[4], ids[5]], "{backend}");
        assert_eq!(ids_of(&older), vec![ids[2], ids[1]], "{backend}");
        let (newer, older) = articles::around(db, &middle, 6).await.unwrap();
        assert_eq!(ids_of(&newer), vec![ids[4], ids[5], ids[6]], "{backend}");
        assert_eq!(ids_of(&older), vec![ids[2], ids[1], ids[0]], "{backend}");
        let page = app.get(&format!("/a/{}.html", ids[3])).await;
        let after = |label: &str| {
            let at = page.body.find(label).expect(label);
            page.body[at..].chars().take(120).collect::<String>()
        };
        assert!(after("上一篇:").contains("同日第2篇"), "{backend}");
        assert!(after("下一篇:").contains("同日第4篇"), "{backend}");
        app.finish().await;
    }
}
