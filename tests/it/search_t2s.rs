//! Issue 21, traditional → simplified folding from OpenCC's character table:
//! a query written in traditional characters finds the article written in
//! simplified ones, for every word of a set chosen for characters the
//! earlier hand-written table lacked (國, 敗, 漸 …); and an index built with
//! another table's stamp is queued again at start.

use fupin::db::channels::ChannelTree;
use fupin::search;

use crate::harness::{TestApp, backends};
use crate::search_quality::{Val, exec, found};

/// (traditional query, the simplified words the article holds).
const CASES: &[(&str, &str)] = &[
    ("中國扶貧基金會", "中国扶贫基金会"),
    ("失敗", "失败"),
    ("漸進", "渐进"),
    ("憤怒", "愤怒"),
    ("悶熱", "闷热"),
    ("採訪", "采访"),
    ("喫飯", "吃饭"),
    ("滾動", "滚动"),
    ("欽州", "钦州"),
    ("丟失", "丢失"),
    ("僕人", "仆人"),
    ("恥辱", "耻辱"),
    ("嵐山", "岚山"),
    ("囂張", "嚣张"),
    ("檻車", "槛车"),
];

#[tokio::test]
async fn traditional_queries_find_simplified_articles() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let tree = ChannelTree::load(&app.state.db).await.unwrap();
        let ch = tree.by_slug("xiehui-xinwen").unwrap().id;
        let body: String = CASES
            .iter()
            .map(|(_, s)| format!("<p>本段写到{s}。</p>"))
            .collect();
        let now = fupin::db::now();
        exec(
            &app,
            "INSERT INTO articles (channel_id, title, body_html, status, published_at, created_at, updated_at)
             VALUES ($1, $2, $3, 'published', $4, $4, $4)",
            &[
                Val::I(ch),
                Val::S("简体字写成的报道"),
                Val::S(&body),
                Val::I(now - 60),
            ],
        )
        .await;
        search::drain(&app.state.db).await.unwrap();
        let id = fupin::db::articles::latest(&app.state.db, fupin::db::articles::Flag::Any, 1)
            .await
            .unwrap()[0]
            .id;
        for (traditional, simplified) in CASES {
            assert_ne!(traditional, simplified);
            assert!(
                found(&app, traditional).await.contains(&id),
                "{backend}: {traditional} should find the article with {simplified}"
            );
        }
        app.finish().await;
    }
}

#[tokio::test]
async fn another_tables_index_is_queued_again() {
    let app = TestApp::new("sqlite").await;
    let db = &app.state.db;
    search::drain(db).await.unwrap();
    // A fresh database records the table at its first start.
    assert!(search::refold_if_changed(db).await.unwrap());
    search::drain(db).await.unwrap();
    assert!(!search::refold_if_changed(db).await.unwrap());
    assert_eq!(fupin::db::search::queue_len(db).await.unwrap(), 0);
    // An index built with another table: every document is queued once.
    fupin::db::settings::set(db, search::FOLD_STAMP_KEY, "t2s-0000000000000000")
        .await
        .unwrap();
    assert!(search::refold_if_changed(db).await.unwrap());
    let queued = fupin::db::search::queue_len(db).await.unwrap();
    assert!(queued > 0, "{queued}");
    assert_eq!(
        fupin::db::settings::get(db, search::FOLD_STAMP_KEY)
            .await
            .unwrap()
            .as_deref(),
        Some(search::fold_stamp().as_str())
    );
    assert!(!search::refold_if_changed(db).await.unwrap());
    // `fupin reindex` records the stamp too.
    fupin::db::settings::set(db, search::FOLD_STAMP_KEY, "t2s-old")
        .await
        .unwrap();
    search::reindex(db, false).await.unwrap();
    assert!(!search::refold_if_changed(db).await.unwrap());
    app.finish().await;
}
