//! Issue 15, fuzzing (proptest, bounded to a few seconds each): the legacy
//! page parser never panics on any bytes, the sanitizer is idempotent and
//! lets nothing forbidden through, and any search query answers a page
//! (never a 500) while its terms stay well-formed.

use axum::http::StatusCode;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use crate::harness::TestApp;

/// Pieces of markup that make random input reach deep into the parsers.
const HTML_BITS: &[&str] = &[
    "<p>",
    "</p>",
    "<script>",
    "</script>",
    "<img src=x onerror=alert(1)>",
    "<a href=\"javascript:alert(1)\">",
    "</a>",
    "<style>",
    "</style>",
    "<table><tr><td>",
    "</td></tr></table>",
    "<svg onload=x>",
    "<iframe src=//e>",
    "<!--",
    "-->",
    "<![CDATA[",
    "]]>",
    "&lt;",
    "&#x3c;",
    "&#106;avascript:",
    "<b style=\"x:expression(1)\">",
    "</b>",
    "<object data=x>",
    "</object>",
    "<math><mi xlink:href=\"javascript:1\">",
    "<form action=x>",
    "<input onfocus=x autofocus>",
    "<base href=//e>",
    "<meta http-equiv=refresh content=0>",
    "<div onclick=\"x()\">",
    "</div>",
    "<textarea>",
    "<noscript>",
    "\"",
    "'",
    "=",
    ">",
    "<",
    "/",
    " ",
    "\n",
    "\r",
    "\t",
    "\u{0}",
    "扶贫",
    "当前位置:首页->>扶贫要闻",
    "加入时间:2012-3-4",
    "来源:本站",
    "\u{a0}",
    "<br>",
    "<font color=red>",
    "<span lang=EN-US>",
    "mso-",
    "<o:p></o:p>",
];

/// The tags the sanitizer keeps.
const ALLOWED: &[&str] = &[
    "p",
    "br",
    "h2",
    "h3",
    "h4",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "sub",
    "sup",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "img",
    "table",
    "caption",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "th",
    "td",
    "hr",
    "figure",
    "figcaption",
];

fn markup() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            3 => prop::sample::select(HTML_BITS).prop_map(str::to_string),
            1 => "[a-zA-Z0-9 :;=\"'<>/&#]{0,12}",
            1 => any::<char>().prop_map(|c| c.to_string()),
        ],
        0..60,
    )
    .prop_map(|v| v.concat())
}

fn runner(cases: u32) -> TestRunner {
    TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    })
}

#[test]
fn the_legacy_page_parser_never_panics() {
    runner(1500)
        .run(
            &prop_oneof![
                prop::collection::vec(any::<u8>(), 0..3000),
                markup().prop_map(String::into_bytes)
            ],
            |bytes| {
                let _ = legacy_page::parse(&bytes);
                Ok(())
            },
        )
        .unwrap();
    // GBK-looking bytes around a real page's shape.
    runner(500)
        .run(
            &(markup(), prop::collection::vec(0x81u8..0xfe, 0..200)),
            |(text, gbk)| {
                let mut bytes = b"<html><head><meta charset=gb2312></head><body>".to_vec();
                bytes.extend_from_slice(text.as_bytes());
                bytes.extend_from_slice(&gbk);
                let _ = legacy_page::parse(&bytes);
                Ok(())
            },
        )
        .unwrap();
}

#[test]
fn the_sanitizer_is_idempotent_and_lets_nothing_forbidden_through() {
    runner(1500)
        .run(&markup(), |html| {
            let once = fupin::html::sanitize(&html);
            let twice = fupin::html::sanitize(&once);
            prop_assert_eq!(&once, &twice, "not idempotent for {:?}", html);
            // Text is escaped in the output, so every literal `<` opens a
            // tag: look at the tags (and their attributes) only.
            let lower = once.to_ascii_lowercase();
            for tag in lower
                .split('<')
                .skip(1)
                .map(|t| t.split('>').next().unwrap_or(""))
            {
                let name: String = tag
                    .trim_start_matches('/')
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric())
                    .collect();
                prop_assert!(
                    ALLOWED.contains(&name.as_str()),
                    "tag {:?} survived in {:?} (from {:?})",
                    name,
                    once,
                    html
                );
                for attr in tag.split_whitespace().skip(1) {
                    let key = attr.split('=').next().unwrap_or("");
                    prop_assert!(
                        !key.starts_with("on") && key != "style",
                        "attribute {:?} survived in {:?}",
                        key,
                        once
                    );
                }
                prop_assert!(
                    !tag.contains("javascript:")
                        && !tag.contains("vbscript:")
                        && !tag.contains("data:"),
                    "a script address survived in {:?}",
                    once
                );
            }
            prop_assert!(!lower.contains("<!--"), "a comment survived in {:?}", once);
            Ok(())
        })
        .unwrap();
}

#[tokio::test]
async fn any_search_query_answers_a_page() {
    let app = TestApp::new("sqlite").await;
    fupin::demo::fill(&app.state.db).await.unwrap();
    fupin::search::drain(&app.state.db).await.unwrap();
    let seg = fupin::search::segment::Segmenter::base();
    let query = prop_oneof![
        "[\\PC]{0,40}",
        prop::collection::vec(
            prop::sample::select(
                &[
                    "扶贫",
                    "\"",
                    "*",
                    "-",
                    "+",
                    "OR",
                    "AND",
                    "NOT",
                    "NEAR",
                    "(",
                    ")",
                    ":",
                    "^",
                    "title:",
                    "'",
                    "扶貧",
                    "Ｇ",
                    " ",
                    "%",
                    "\\",
                    "乡村振兴",
                    "{",
                    "}",
                    "\u{3000}",
                    "ñ",
                    "0",
                    "9999999999999999999",
                ][..]
            ),
            0..12,
        )
        .prop_map(|v| v.concat()),
    ];
    // Generated first (the runner is synchronous), then sent.
    let cases = std::cell::RefCell::new(Vec::new());
    runner(300)
        .run(&query, |q| {
            let terms = seg.query_terms(&q);
            prop_assert!(terms.len() <= 64);
            for t in &terms {
                prop_assert!(
                    !t.is_empty() && !t.chars().any(char::is_whitespace),
                    "{:?} from {:?}",
                    t,
                    q
                );
            }
            cases.borrow_mut().push(q);
            Ok(())
        })
        .unwrap();
    for (i, q) in cases.into_inner().iter().enumerate() {
        let enc: String = url::form_urlencoded::byte_serialize(q.as_bytes()).collect();
        let sort = if i % 2 == 0 { "relevance" } else { "date" };
        let page = app
            .get(&format!("/search?q={enc}&sort={sort}&page={}", 1 + i % 3))
            .await;
        assert_eq!(page.status, StatusCode::OK, "query {q:?}");
    }
    app.finish().await;
}
