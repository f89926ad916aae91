//! Issue 5, search quality: a table of (query, must find, must not find)
//! over fixture articles written for it, on every backend; drafts and other
//! hidden states never found publicly; the results page (highlighting,
//! escaping, filters, pagination); run-time dictionary words. Hostile
//! queries are in `search_hostile`.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use fupin::db::articles::{self, ArticleFields};
use fupin::db::channels::ChannelTree;
use fupin::search::{self, SearchQuery};

use crate::harness::{TestApp, backends};

/// A fixture: key, channel slug, title, body, status, published_at offset
/// from now in seconds.
pub(crate) struct Fixture {
    pub key: &'static str,
    pub channel: &'static str,
    pub title: &'static str,
    pub body: &'static str,
}

const DAY: i64 = 86_400;

pub(crate) const FIXTURES: &[Fixture] = &[
    Fixture {
        key: "bank",
        channel: "fupin-yaowen",
        title: "中国农业发展银行广东分行加大信贷支持",
        body: "中国农业发展银行广东省分行今年向粤东西北地区投放扶贫贷款，支持特色种植和农产品加工。",
    },
    Fixture {
        key: "members",
        channel: "huiyuan-kuaixun",
        title: "协会召开会员大会",
        body: "会议要求秘书处进一步加强会员服务工作，定期走访理事单位。",
    },
    Fixture {
        key: "and-service",
        channel: "xiehui-xinwen",
        title: "驻村干部走访座谈",
        body: "驻村干部和服务对象面对面交流，了解群众的实际困难。",
    },
    Fixture {
        key: "kimono",
        channel: "guoji-jiaoliu",
        title: "日本友人参观农业园区",
        body: "几位身穿和服的日本客人参观了现代农业示范园区。",
    },
    Fixture {
        key: "gdp",
        channel: "dishi-lianbo",
        title: "韶关市GDP增长8.5%",
        body: "2013年韶关全市GDP稳步增长，新建5G基站两百个，带动山区群众增收。",
    },
    Fixture {
        key: "fullwidth",
        channel: "dishi-lianbo",
        title: "清远市ＧＤＰ与５Ｇ建设情况通报",
        body: "２０１３年清远市ＧＤＰ保持增长，５Ｇ网络覆盖全部乡镇。",
    },
    Fixture {
        key: "traditional",
        channel: "shengwai-yaowen",
        title: "香港團體來粵交流扶貧開發經驗",
        body: "香港社會團體代表與協會座談，介紹扶貧開發和社會服務的做法。",
    },
    Fixture {
        key: "guanshao",
        channel: "dishi-lianbo",
        title: "莞韶产业园新项目开工",
        body: "莞韶两地合作共建的产业园再添新项目，推动产业转移。",
    },
    Fixture {
        key: "dongguan-shaoguan",
        channel: "dishi-lianbo",
        title: "东莞韶关两地签订协议",
        body: "东莞市与韶关市签订对口合作协议。",
    },
    Fixture {
        key: "liannan",
        channel: "dishi-lianbo",
        title: "连南瑶族自治县发展茶叶种植",
        body: "连南县引导农户种植高山茶，带动群众增收。",
    },
    Fixture {
        key: "lianzhang",
        channel: "dishi-lianbo",
        title: "英德市连樟村发展乡村旅游",
        body: "连樟村依托青山绿水发展民宿，村民在家门口就业。",
    },
    Fixture {
        key: "workgroup",
        channel: "duikou-bangfu",
        title: "省直单位驻村工作组进驻贫困村",
        body: "按照扶贫开发双到工作要求，驻村工作组开展对口帮扶，制定帮扶规划。",
    },
    Fixture {
        key: "markup",
        channel: "xiehui-xinwen",
        title: "网站安全<b>提示</b>",
        body: "请勿在留言中输入<script>alert(1)</script>之类的网页代码，违者删除。",
    },
];

/// Hidden fixtures: key, status, published_at offset, unpublish_at offset.
pub(crate) const HIDDEN: &[(&str, &str, i64, Option<i64>)] = &[
    ("draft", "draft", -DAY, None),
    ("pending", "pending", -DAY, None),
    ("trashed", "trashed", -DAY, None),
    ("future", "published", 30 * DAY, None),
    ("expired", "published", -10 * DAY, Some(-DAY)),
];

/// Inserts the fixtures; returns key → id.
pub(crate) async fn load_fixtures(app: &TestApp) -> Vec<(&'static str, i64)> {
    let db = &app.state.db;
    let tree = ChannelTree::load(db).await.unwrap();
    let now = fupin::db::now();
    let mut ids = Vec::new();
    for (i, f) in FIXTURES.iter().enumerate() {
        let channel_id = tree.by_slug(f.channel).expect(f.channel).id;
        let id = articles::insert_published(
            db,
            &input(channel_id, f.title, f.body, now - (i as i64 + 1) * DAY),
        )
        .await
        .unwrap();
        ids.push((f.key, id));
    }
    let channel_id = tree.by_slug("xiehui-xinwen").unwrap().id;
    for (key, status, at, until) in HIDDEN {
        let title = format!("内部{key}稿件：蝴蝶兰种植计划");
        let id = articles::insert_published(
            db,
            &input(channel_id, &title, "蝴蝶兰基地建设方案。", now + at),
        )
        .await
        .unwrap();
        exec(
            app,
            "UPDATE articles SET status = $1, unpublish_at = $2 WHERE id = $3",
            &[Val::S(status), Val::O(until.map(|u| now + u)), Val::I(id)],
        )
        .await;
        ids.push((key, id));
    }
    ids
}

fn input(channel_id: i64, title: &str, body: &str, published_at: i64) -> ArticleFields {
    ArticleFields {
        channel_id,
        title: title.into(),
        subtitle: String::new(),
        source: String::new(),
        author: String::new(),
        editor: String::new(),
        summary: String::new(),
        body_html: fupin::html::sanitize(&format!("<p>{}</p>", escape(body))),
        cover: String::new(),
        is_pinned: false,
        is_recommended: false,
        is_headline: false,
        published_at,
        ..ArticleFields::default()
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A bind value for [`exec`].
pub(crate) enum Val<'a> {
    I(i64),
    O(Option<i64>),
    S(&'a str),
}

/// Runs SQL on a connection of its own, as code outside the search module
/// (the back office, a script) would: the index must follow anyway.
pub(crate) async fn exec(app: &TestApp, sql: &str, vals: &[Val<'_>]) {
    let mut conn =
        <sqlx::AnyConnection as sqlx::Connection>::connect(&app.state.config.database_url)
            .await
            .expect("connect");
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()));
    for v in vals {
        q = match v {
            Val::I(i) => q.bind(*i),
            Val::O(o) => q.bind(*o),
            Val::S(s) => q.bind(s.to_string()),
        };
    }
    q.execute(&mut conn).await.expect(sql);
    sqlx::Connection::close(conn).await.ok();
}

/// Ids found by a public search for `text` (first 100).
pub(crate) async fn found(app: &TestApp, text: &str) -> BTreeSet<i64> {
    found_with(app, text, false).await
}

async fn found_with(app: &TestApp, text: &str, include_unpublished: bool) -> BTreeSet<i64> {
    let r = search::search(
        &app.state.db,
        &SearchQuery {
            text: text.into(),
            include_unpublished,
            page: 1,
            per_page: 100,
            ..SearchQuery::default()
        },
    )
    .await
    .unwrap_or_else(|e| panic!("search {text:?}: {e:#}"));
    r.hits
        .iter()
        .filter(|h| h.kind == search::query::HitKind::Article)
        .map(|h| h.id)
        .collect()
}

/// (query, must find, must not find).
const TABLE: &[(&str, &[&str], &[&str])] = &[
    ("农业", &["bank", "kimono"], &["members"]),
    ("农业发展银行", &["bank"], &["kimono"]),
    ("发展银行", &["bank"], &[]),
    ("员服", &[], &["members"]),
    ("会员服务", &["members"], &["and-service"]),
    ("和服", &["kimono"], &["and-service"]),
    (
        "服务",
        &["members", "and-service", "traditional"],
        &["kimono"],
    ),
    ("GDP", &["gdp", "fullwidth"], &["bank"]),
    ("gdp", &["gdp", "fullwidth"], &[]),
    ("ＧＤＰ", &["gdp", "fullwidth"], &[]),
    ("2013", &["gdp", "fullwidth"], &["bank"]),
    ("２０１３", &["gdp", "fullwidth"], &[]),
    ("5G", &["gdp", "fullwidth"], &[]),
    ("５ｇ", &["gdp", "fullwidth"], &[]),
    ("5G基站", &["gdp"], &["fullwidth"]),
    ("扶貧", &["traditional", "bank", "workgroup"], &["members"]),
    ("扶贫开发", &["traditional", "workgroup"], &["bank"]),
    ("開發經驗", &["traditional"], &[]),
    ("莞韶", &["guanshao"], &["dongguan-shaoguan"]),
    ("东莞", &["dongguan-shaoguan"], &["guanshao"]),
    ("韶关", &["gdp", "dongguan-shaoguan"], &["guanshao"]),
    ("连南", &["liannan"], &["lianzhang"]),
    ("连樟", &["lianzhang"], &["liannan"]),
    ("连樟村", &["lianzhang"], &[]),
    ("驻村工作组", &["workgroup"], &["and-service"]),
    ("工作组", &["workgroup"], &[]),
    ("双到", &["workgroup"], &["guanshao"]),
    ("对口帮扶", &["workgroup"], &["dongguan-shaoguan"]),
    ("产业转移", &["guanshao"], &[]),
    ("驻村干部 座谈", &["and-service"], &["workgroup"]),
    ("韶关 5G", &["gdp"], &["dongguan-shaoguan", "fullwidth"]),
    ("script", &["markup"], &[]),
    (
        "蝴蝶兰",
        &[],
        &["draft", "pending", "trashed", "future", "expired"],
    ),
];

#[tokio::test]
async fn the_quality_table_holds_on_every_backend() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let ids = load_fixtures(&app).await;
        search::drain(&app.state.db).await.unwrap();
        let id = |key: &str| ids.iter().find(|(k, _)| *k == key).unwrap().1;
        let mut failures = Vec::new();
        for (query, must, must_not) in TABLE {
            let got = found(&app, query).await;
            for key in *must {
                if !got.contains(&id(key)) {
                    failures.push(format!("{backend}: {query:?} should find {key}"));
                }
            }
            for key in *must_not {
                if got.contains(&id(key)) {
                    failures.push(format!("{backend}: {query:?} must not find {key}"));
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));

        // The back office finds every state; the public never does.
        let all = found_with(&app, "蝴蝶兰", true).await;
        for key in ["draft", "pending", "trashed", "future", "expired"] {
            assert!(
                all.contains(&id(key)),
                "{backend}: back office misses {key}"
            );
        }
        let page = app.get("/search?q=%E8%9D%B4%E8%9D%B6%E5%85%B0").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            !page.body.contains("内部"),
            "{backend}: a hidden article leaked"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn words_added_at_run_time_are_searchable_after_the_reindex() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let db = &app.state.db;
        let tree = ChannelTree::load(db).await.unwrap();
        let ch = tree.by_slug("dishi-lianbo").unwrap().id;
        let near = articles::insert_published(
            db,
            &input(
                ch,
                "珠海桂山岛渔民转产",
                "桂山岛渔民发展海上养殖。",
                fupin::db::now() - DAY,
            ),
        )
        .await
        .unwrap();
        let apart = articles::insert_published(
            db,
            &input(ch, "桂花山上的岛屿", "山岛与桂树。", fupin::db::now() - DAY),
        )
        .await
        .unwrap();
        search::drain(db).await.unwrap();
        assert!(search::add_user_word(db, "  桂山岛 ").await.unwrap());
        assert!(
            !search::add_user_word(db, "桂山岛").await.unwrap(),
            "already there"
        );
        assert!(
            !search::add_user_word(db, "双到").await.unwrap(),
            "shipped already"
        );
        assert!(search::add_user_word(db, "a b").await.is_err());
        assert!(search::add_user_word(db, "").await.is_err());
        assert_eq!(
            search::user_words(db).await.unwrap(),
            vec!["桂山岛".to_string()]
        );
        // Adding the word queued everything; an indexer rebuilds it.
        assert!(fupin::db::search::queue_len(db).await.unwrap() >= 2);
        search::drain(db).await.unwrap();
        let got = found(&app, "桂山岛").await;
        assert!(got.contains(&near), "{backend}");
        assert!(!got.contains(&apart), "{backend}");
        app.finish().await;
    }
}

#[tokio::test]
async fn the_results_page_highlights_filters_and_pages() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        load_fixtures(&app).await;
        let db = &app.state.db;
        let tree = ChannelTree::load(db).await.unwrap();
        // 25 more in 地市联播 (under 扶贫前沿) to get two pages.
        let ch = tree.by_slug("dishi-lianbo").unwrap().id;
        for i in 0..25 {
            articles::insert_published(
                db,
                &input(
                    ch,
                    &format!("第{i}期乡村振兴简报"),
                    "各地推进乡村振兴。",
                    fupin::db::now() - 400 * DAY + i * DAY,
                ),
            )
            .await
            .unwrap();
        }
        search::drain(db).await.unwrap();

        let page = app.get("/search?q=%E5%86%9C%E4%B8%9A").await; // 农业
        assert_eq!(page.status, StatusCode::OK, "{backend}");
        let main = page.element("main");
        assert!(main.contains("<mark>农业</mark>"), "{backend}: {main}");
        assert!(main.contains("中国农业发展银行") || main.contains("<mark>农业</mark>发展银行"));
        assert!(main.contains("扶贫要闻"), "{backend}: channel shown");
        assert!(
            page.body.contains("value=\"农业\""),
            "{backend}: header box keeps the query"
        );
        assert!(page.body.contains("noindex"));

        // Markup in an article or a query is shown as text.
        let page = app.get("/search?q=script").await;
        let main = page.element("main");
        assert!(
            main.contains("&lt;<mark>script</mark>&gt;alert(1)"),
            "{backend}: {main}"
        );
        assert!(
            main.contains("网站安全&lt;b&gt;提示&lt;/b&gt;"),
            "{backend}: {main}"
        );
        assert!(
            !main.contains("<script") && !main.contains("<b>"),
            "{backend}"
        );
        let page = app
            .get("/search?q=%3Cmark%3E%E6%89%B6%E8%B4%AB%3C%2Fmark%3E")
            .await;
        let main = page.element("main");
        assert!(
            main.contains("&lt;mark&gt;扶贫&lt;/mark&gt;"),
            "{backend}: {main}"
        );
        assert!(!main.contains("<mark>扶贫</mark>"), "{backend}");

        // Channel filter includes sub-channels: 扶贫前沿 holds 地市联播.
        let page = app
            .get("/search?q=%E9%9F%B6%E5%85%B3&channel=fupin-qianyan")
            .await; // 韶关
        assert!(page.body.contains("市GDP增长8.5%"), "{backend}");
        let page = app
            .get("/search?q=%E9%9F%B6%E5%85%B3&channel=fupin-yaowen")
            .await;
        assert!(!page.body.contains("市GDP增长8.5%"), "{backend}");
        let page = app
            .get("/search?q=%E9%9F%B6%E5%85%B3&channel=no-such")
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("所选栏目不存在"));

        // Pagination and sort by date: 25 matches, 20 a page, newest first.
        let page = app
            .get("/search?q=%E4%B9%A1%E6%9D%91%E6%8C%AF%E5%85%B4&sort=date")
            .await;
        let main = page.element("main");
        assert!(main.contains("找到 25 条"), "{backend}: {main}");
        assert!(
            main.find("第24期").unwrap() < main.find("第23期").unwrap(),
            "{backend}"
        );
        assert!(main.contains("page=2"), "{backend}");
        let page2 = app
            .get("/search?q=%E4%B9%A1%E6%9D%91%E6%8C%AF%E5%85%B4&sort=date&page=2")
            .await;
        assert!(
            page2.body.contains("第0期") && !page2.body.contains("第24期"),
            "{backend}"
        );
        let far = app
            .get("/search?q=%E4%B9%A1%E6%9D%91%E6%8C%AF%E5%85%B4&page=99")
            .await;
        assert_eq!(far.status, StatusCode::OK);

        // Date range: only the oldest ten of the 25 (published 400..391 days ago).
        let from = fupin::web::site::layout::date(fupin::db::now() - 401 * DAY);
        let to = fupin::web::site::layout::date(fupin::db::now() - 391 * DAY);
        let page = app
            .get(&format!(
                "/search?q=%E4%B9%A1%E6%9D%91%E6%8C%AF%E5%85%B4&from={from}&to={to}"
            ))
            .await;
        let main = page.element("main");
        assert!(
            main.contains("第0期") && main.contains("第9期"),
            "{backend}: {main}"
        );
        assert!(
            !main.contains("第10期") && !main.contains("第24期"),
            "{backend}"
        );
        let page = app
            .get("/search?q=%E4%B9%A1%E6%9D%91&from=2013-99-01")
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("起始日期格式应为"));

        // Single pages are found too (关于我们 speaks of 双到).
        let page = app.get("/search?q=%E5%8F%8C%E5%88%B0").await;
        assert!(page.body.contains("/p/about.html"), "{backend}");

        // An empty search shows a prompt, not an error.
        let page = app.get("/search").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("请在上方搜索框中输入关键词"));
        app.finish().await;
    }
}

/// A common word found in many titles: the best results are the title
/// matches and the body-only matches come last (on PostgreSQL a first page
/// ranks only title matches when there are enough; the page must be the one
/// ranking every match gives).
#[tokio::test]
async fn a_common_word_ranks_title_matches_first() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let db = &app.state.db;
        let tree = ChannelTree::load(db).await.unwrap();
        let ch = tree.by_slug("dishi-lianbo").unwrap().id;
        let now = fupin::db::now();
        let (mut in_title, mut also_body, mut body_only) =
            (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
        // 230 titles with the word (more than the 200 candidates a first
        // page takes), then 40 bodies full of it.
        for i in 0..230 {
            let body = if i % 40 == 0 {
                "水库移民搬迁。水库加固。"
            } else {
                "移民搬迁。"
            };
            let id = articles::insert_published(
                db,
                &input(ch, &format!("第{i}期水库建设简报"), body, now - DAY - i),
            )
            .await
            .unwrap();
            in_title.insert(id);
            if i % 40 == 0 {
                also_body.insert(id);
            }
        }
        for i in 0..40 {
            let id = articles::insert_published(
                db,
                &input(
                    ch,
                    &format!("第{i}期工程通报"),
                    &"水库巡查，水库清淤，水库维修。".repeat(5),
                    now - DAY - 1000 - i,
                ),
            )
            .await
            .unwrap();
            body_only.insert(id);
        }
        // Most articles do not have the word (in a corpus where nearly every
        // article has it, bm25 gives it no weight at all).
        for i in 0..300 {
            articles::insert_published(
                db,
                &input(
                    ch,
                    &format!("第{i}期会议纪要"),
                    "产业帮扶。",
                    now - DAY - 2000 - i,
                ),
            )
            .await
            .unwrap();
        }
        search::drain(db).await.unwrap();
        let page = |n: i64| {
            let db = db.clone();
            async move {
                search::search(
                    &db,
                    &SearchQuery {
                        text: "水库".into(),
                        page: n,
                        per_page: 20,
                        ..Default::default()
                    },
                )
                .await
                .unwrap()
            }
        };
        let first = page(1).await;
        assert_eq!(first.total, 270, "{backend}");
        let ids: Vec<i64> = first.hits.iter().map(|h| h.id).collect();
        assert_eq!(ids.len(), 20);
        assert!(
            ids.iter().all(|id| in_title.contains(id)),
            "{backend}: body-only matches rank below title matches"
        );
        if db.backend() == fupin::db::Backend::Postgres {
            // The same page as ranking every match gives.
            let all: Vec<i64> = sqlx::query_scalar(
                "SELECT a.id FROM search_index s JOIN articles a ON a.id = s.doc_key
                 WHERE s.terms @@ '水库'::tsquery
                 ORDER BY ts_rank(s.head, '水库'::tsquery) DESC, a.published_at DESC, a.id DESC
                 LIMIT 20",
            )
            .fetch_all(db.pool())
            .await
            .unwrap();
            assert_eq!(ids, all, "{backend}: {also_body:?}");
            assert!(also_body.iter().all(|id| ids.contains(id)));
        }
        let last = page(14).await;
        let ids: Vec<i64> = last.hits.iter().map(|h| h.id).collect();
        assert_eq!(ids.len(), 10, "{backend}");
        assert!(ids.iter().all(|id| body_only.contains(id)), "{backend}");
        app.finish().await;
    }
}

/// A word in a few titles and many bodies: the title matches come first
/// whatever their number (on PostgreSQL a page is then taken from the title
/// matches alone when enough of them are visible), a hidden one is left
/// out, and the page past them continues with the body matches exactly as
/// ranking every match orders them.
#[tokio::test]
async fn a_word_in_few_titles_ranks_them_first_and_pages_past_them() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let db = &app.state.db;
        let tree = ChannelTree::load(db).await.unwrap();
        let ch = tree.by_slug("dishi-lianbo").unwrap().id;
        let now = fupin::db::now();
        let mut in_title = BTreeSet::new();
        for i in 0..15 {
            // Equal titles rank equally: their order is newest first.
            let id = articles::insert_published(
                db,
                &input(ch, &format!("梯田灌溉第{i}号"), "春耕。", now - DAY - i),
            )
            .await
            .unwrap();
            in_title.insert(id);
        }
        let hidden = *in_title.iter().next().unwrap();
        sqlx::query("UPDATE articles SET status = 'draft' WHERE id = $1")
            .bind(hidden)
            .execute(db.pool())
            .await
            .unwrap();
        in_title.remove(&hidden);
        for i in 0..50 {
            articles::insert_published(
                db,
                &input(
                    ch,
                    &format!("春耕通报{i}"),
                    &"水渠通到梯田，梯田灌溉。".repeat(1 + i as usize % 3),
                    now - DAY - 100 - i,
                ),
            )
            .await
            .unwrap();
        }
        for i in 0..100 {
            articles::insert_published(
                db,
                &input(ch, &format!("会议{i}"), "产业帮扶。", now - DAY - 300 - i),
            )
            .await
            .unwrap();
        }
        search::drain(db).await.unwrap();
        let page = |n: i64| {
            let db = db.clone();
            async move {
                let found = search::search(
                    &db,
                    &SearchQuery {
                        text: "梯田".into(),
                        page: n,
                        per_page: 10,
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
                found.hits.iter().map(|h| h.id).collect::<Vec<i64>>()
            }
        };
        let (first, second) = (page(1).await, page(2).await);
        assert_eq!(first.len(), 10, "{backend}");
        assert!(first.iter().all(|id| in_title.contains(id)), "{backend}");
        assert!(!first.contains(&hidden) && !second.contains(&hidden));
        // The four title matches left, then body matches.
        assert!(
            second[..4].iter().all(|id| in_title.contains(id)),
            "{backend}"
        );
        assert!(
            second[4..].iter().all(|id| !in_title.contains(id)),
            "{backend}"
        );
        if db.backend() == fupin::db::Backend::Postgres {
            let all: Vec<i64> = sqlx::query_scalar(
                "SELECT a.id FROM search_index s JOIN articles a ON a.id = s.doc_key
                 WHERE s.terms @@ '梯田'::tsquery AND a.status = 'published'
                 ORDER BY ts_rank(s.head, '梯田'::tsquery) DESC, a.published_at DESC, a.id DESC
                 LIMIT 20",
            )
            .fetch_all(db.pool())
            .await
            .unwrap();
            assert_eq!([first, second].concat(), all, "{backend}");
        }
        app.finish().await;
    }
}

/// A word held once by hundreds of titles ranks them all equally, so the
/// order among them is newest first, then by key; on PostgreSQL the pages
/// come from the title tier's rank-ordered list. Every page, with a
/// channel or a date range too, must be the one ranking every match gives,
/// hidden articles left out, after the list has followed a changed publish
/// time (at once, before any reindex), a deletion, a title that lost the
/// word and a single page that has it; its stored ranks must be `ts_rank`'s.
#[tokio::test]
async fn equally_ranked_titles_page_as_ranking_every_match() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let db = &app.state.db;
        let pg = db.backend() == fupin::db::Backend::Postgres;
        let tree = ChannelTree::load(db).await.unwrap();
        let (a, b) = (
            tree.by_slug("dishi-lianbo").unwrap().id,
            tree.by_slug("fupin-yaowen").unwrap().id,
        );
        let now = fupin::db::now();
        let mut ids = Vec::new();
        for i in 0..260i64 {
            // Pairs share a publish time: their order is then by id.
            let id = articles::insert_published(
                db,
                &input(
                    if i % 3 == 0 { b } else { a },
                    &format!("茶园第{i}期简报"),
                    "春茶采摘。",
                    now - DAY - (i / 2) * 60,
                ),
            )
            .await
            .unwrap();
            ids.push(id);
        }
        for i in 0..30i64 {
            articles::insert_published(
                db,
                &input(a, &format!("通报{i}"), "茶园管护。", now - DAY - i),
            )
            .await
            .unwrap();
        }
        search::drain(db).await.unwrap();
        let drafts: Vec<i64> = ids.iter().copied().step_by(7).collect();
        for id in &drafts {
            sqlx::query("UPDATE articles SET status = 'draft' WHERE id = $1")
                .bind(*id)
                .execute(db.pool())
                .await
                .unwrap();
        }
        let search = |channel_ids: Vec<i64>, from: Option<i64>, page: i64| {
            let db = db.clone();
            async move {
                let found = search::search(
                    &db,
                    &SearchQuery {
                        text: "茶园".into(),
                        channel_ids,
                        from,
                        page,
                        per_page: 20,
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
                // Index keys: pages are negative.
                found
                    .hits
                    .iter()
                    .map(|h| match h.kind {
                        fupin::search::query::HitKind::Page => -h.id,
                        fupin::search::query::HitKind::Article => h.id,
                    })
                    .collect::<Vec<i64>>()
            }
        };
        // The oldest becomes the newest: first at once, before any reindex.
        sqlx::query("UPDATE articles SET published_at = $1 WHERE id = $2")
            .bind(now - 60)
            .bind(ids[258])
            .execute(db.pool())
            .await
            .unwrap();
        assert_eq!(search(Vec::new(), None, 1).await[0], ids[258], "{backend}");
        sqlx::query("DELETE FROM articles WHERE id = $1")
            .bind(ids[1])
            .execute(db.pool())
            .await
            .unwrap();
        sqlx::query("UPDATE articles SET title = '茶叶第2期简报' WHERE id = $1")
            .bind(ids[2])
            .execute(db.pool())
            .await
            .unwrap();
        let page: i64 = sqlx::query_scalar(
            "INSERT INTO pages (slug, title, body_html, updated_at)
             VALUES ('chayuan', '茶园介绍', '<p>介绍</p>', $1) RETURNING id",
        )
        .bind(now - DAY - 3 * 60)
        .fetch_one(db.pool())
        .await
        .unwrap();
        search::drain(db).await.unwrap();
        let from = now - DAY - 50 * 60;
        let mut unfiltered = Vec::new();
        for (channels, from) in [(vec![], None), (vec![b], None), (vec![a], Some(from))] {
            let mut shown = Vec::new();
            for n in 1.. {
                let found = search(channels.clone(), from, n).await;
                if found.is_empty() {
                    break;
                }
                shown.extend(found);
            }
            assert!(shown.iter().all(|id| !drafts.contains(id)), "{backend}");
            assert!(!shown.contains(&ids[1]) && !shown.contains(&ids[2]));
            if channels.is_empty() {
                unfiltered = shown.clone();
            }
            if !pg {
                // FTS5's bm25 weighs title matches the same way: none of the
                // body-only matches comes before a title match.
                let last_title = shown.iter().rposition(|id| ids.contains(id));
                let first_body = shown.iter().position(|id| !ids.contains(id) && *id > 0);
                if let (Some(t), Some(f)) = (last_title, first_body) {
                    assert!(t < f, "{backend}: {channels:?} {from:?}");
                }
                continue;
            }
            let (mut article_cond, mut page_cond) = (String::new(), String::new());
            if let [c] = channels.as_slice() {
                article_cond.push_str(&format!(" AND a.channel_id = {c}"));
                page_cond.push_str(" AND false");
            }
            if let Some(f) = from {
                article_cond.push_str(&format!(" AND a.published_at >= {f}"));
                page_cond.push_str(&format!(" AND p.updated_at >= {f}"));
            }
            let all: Vec<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT doc_key FROM (
                     SELECT s.doc_key, ts_rank(s.head, '茶园'::tsquery) AS r, a.published_at AS at
                     FROM search_index s JOIN articles a ON a.id = s.doc_key
                     WHERE s.terms @@ '茶园'::tsquery AND a.status = 'published'{article_cond}
                     UNION ALL
                     SELECT s.doc_key, ts_rank(s.head, '茶园'::tsquery), p.updated_at
                     FROM search_index s JOIN pages p ON p.id = -s.doc_key
                     WHERE s.terms @@ '茶园'::tsquery{page_cond}) m
                 ORDER BY r DESC, at DESC, doc_key DESC"
            )))
            .fetch_all(db.pool())
            .await
            .unwrap();
            assert_eq!(shown, all, "{backend}: {channels:?} {from:?}");
        }
        let first_article = unfiltered.iter().find(|k| **k > 0);
        assert_eq!(first_article, Some(&ids[258]), "{backend}");
        assert!(unfiltered.contains(&-page), "{backend}: the page is found");
        if pg {
            // One row per document with the word in its title (drafts too;
            // not the deleted one nor the retitled one), each with the rank,
            // time and channel the full query would use.
            let (rows, wrong): (i64, i64) = sqlx::query_as(
                "SELECT COUNT(*), COUNT(*) FILTER (WHERE r.rank <> ts_rank(s.head, '茶园'::tsquery)
                     OR r.at <> COALESCE(a.published_at, p.updated_at)
                     OR r.channel_id IS DISTINCT FROM a.channel_id)
                 FROM search_title_rank r JOIN search_index s USING (doc_key)
                 LEFT JOIN articles a ON a.id = r.doc_key LEFT JOIN pages p ON p.id = -r.doc_key
                 WHERE r.term = '茶园'",
            )
            .fetch_one(db.pool())
            .await
            .unwrap();
            assert_eq!((rows, wrong), (259, 0), "{backend}");
        }
        app.finish().await;
    }
}

/// PostgreSQL's title tier on an upgrade: migration 0012 fills it from the
/// index that exists (nothing is reindexed), and terms written the way the
/// previous release's indexer writes them (straight into `search_index`,
/// knowing nothing of the tier) keep it right.
#[tokio::test]
async fn the_title_tier_is_filled_on_upgrade_and_kept_by_any_indexer() {
    if !backends().contains(&"postgres") {
        return;
    }
    let app = TestApp::new("postgres").await;
    let db = &app.state.db;
    let tree = ChannelTree::load(db).await.unwrap();
    let ch = tree.by_slug("dishi-lianbo").unwrap().id;
    let now = fupin::db::now();
    let mut ids = Vec::new();
    for i in 0..12i64 {
        let title = format!("梯田{}第{i}号", if i % 2 == 0 { "灌溉" } else { "修缮" });
        let id = articles::insert_published(db, &input(ch, &title, "春耕。", now - DAY - i))
            .await
            .unwrap();
        ids.push(id);
    }
    search::drain(db).await.unwrap();
    let rows = |db: fupin::db::Db| async move {
        sqlx::query_as::<_, (i64, String, f64)>(
            "SELECT doc_key, term, rank::float8 FROM search_title_rank ORDER BY doc_key, term",
        )
        .fetch_all(db.pool())
        .await
        .unwrap()
    };
    let written = rows(db.clone()).await;
    assert!(written.len() >= 36, "{written:?}");
    // Back to version 11, then migrate: the same rows, from the index.
    sqlx::raw_sql(
        "DROP TABLE search_title_rank;
         DROP TRIGGER search_index_title_rank ON search_index;
         DROP TRIGGER search_articles_title_rank ON articles;
         DROP TRIGGER search_pages_title_rank ON pages;
         DROP TRIGGER search_articles_time ON articles;
         DROP TRIGGER search_pages_time ON pages;
         DROP FUNCTION search_title_sync(), search_title_moved(),
             search_title_rows(BIGINT, TSVECTOR, TSVECTOR), search_term_query(TEXT);
         DELETE FROM fupin_migrations WHERE version = 12;
         DELETE FROM search_queue;",
    )
    .execute(db.pool())
    .await
    .unwrap();
    let report = fupin::db::migrate(db).await.unwrap();
    assert_eq!(report.applied, vec![12]);
    assert_eq!(rows(db.clone()).await, written);
    let queued: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM search_queue")
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(queued, 0, "nothing to reindex");
    // The previous release's indexer rewrites one document whose title
    // lost a word and gained another.
    sqlx::query(
        "INSERT INTO search_index (doc_key, terms, head, title_terms)
         VALUES ($1, '''梯田'' ''水渠''', '''水渠'':1A ''梯田'':2', '''水渠''')
         ON CONFLICT (doc_key) DO UPDATE SET terms = EXCLUDED.terms,
             head = EXCLUDED.head, title_terms = EXCLUDED.title_terms",
    )
    .bind(ids[0])
    .execute(db.pool())
    .await
    .unwrap();
    let terms: Vec<(String, f64)> = sqlx::query_as(
        "SELECT term, rank::float8 FROM search_title_rank WHERE doc_key = $1 ORDER BY term",
    )
    .bind(ids[0])
    .fetch_all(db.pool())
    .await
    .unwrap();
    let expected: f64 = sqlx::query_scalar(
        "SELECT ts_rank('''水渠'':1A ''梯田'':2'::tsvector, '''水渠'''::tsquery)::float8",
    )
    .fetch_one(db.pool())
    .await
    .unwrap();
    assert_eq!(terms, vec![("水渠".to_string(), expected)]);
    // And one that an indexer removes.
    sqlx::query("DELETE FROM search_index WHERE doc_key = $1")
        .bind(ids[1])
        .execute(db.pool())
        .await
        .unwrap();
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM search_title_rank WHERE doc_key = $1")
        .bind(ids[1])
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(left, 0);
    app.finish().await;
}
