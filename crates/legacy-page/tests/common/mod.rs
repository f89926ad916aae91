//! Helpers shared by the integration tests: fixture loading and a small
//! reader for the flat `<p>`/`<h3>` structure of `body_html`.

#![allow(dead_code)]

use std::path::PathBuf;

/// Path of a fixture file.
pub fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Bytes of a fixture file.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = fixture_path(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Every fixture file name (sorted), generator script excluded.
pub fn all_fixtures() -> Vec<String> {
    let dir = fixture_path("");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("fixture dir")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| !n.ends_with(".py"))
        .collect();
    names.sort();
    names
}

/// Removes tags and decodes the few entities the renderer writes.
pub fn strip_tags(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

/// The `<p>` and `<h3>` blocks of a body, as (tag, text) in order.
pub fn blocks(body: &str) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    let mut rest = body;
    loop {
        let p = rest.find("<p>");
        let h = rest.find("<h3>");
        let (at, tag, close) = match (p, h) {
            (Some(p), Some(h)) if h < p => (h, "h3", "</h3>"),
            (Some(p), _) => (p, "p", "</p>"),
            (None, Some(h)) => (h, "h3", "</h3>"),
            (None, None) => break,
        };
        let open_len = tag.len() + 2;
        let inner_start = at + open_len;
        let Some(end) = rest[inner_start..].find(close) else {
            break;
        };
        out.push((tag, strip_tags(&rest[inner_start..inner_start + end])));
        rest = &rest[inner_start + end + close.len()..];
    }
    out
}

/// Texts of the `<h3>` sub-headings.
pub fn headings(body: &str) -> Vec<String> {
    blocks(body)
        .into_iter()
        .filter(|(t, _)| *t == "h3")
        .map(|(_, s)| s)
        .collect()
}

/// Texts of the `<p>` paragraphs.
pub fn paragraphs(body: &str) -> Vec<String> {
    blocks(body)
        .into_iter()
        .filter(|(t, _)| *t == "p")
        .map(|(_, s)| s)
        .collect()
}

/// Words of the site's header, navigation, ticker and footer: none may
/// appear in an article body.
pub const FURNITURE: &[&str] = &[
    "扶贫要闻",
    "部门动态",
    "国际交流",
    "高层连线",
    "设为首页",
    "加入收藏",
    "秘书长信箱",
    "今天是",
    "最新动态",
    "最新公告",
    "版权所有",
    "ICP",
    "流量统计",
    "欢迎访问",
    "当前位置",
    "您的位置",
    "加入时间",
    "发布时间",
    "来源：",
    "来源:",
    "点击数",
    "打印",
    "关闭窗口",
    "上一篇",
    "下一篇",
    "相关文章",
    "Copyright",
    "主办",
    "地址",
    "字体",
    "热门文章",
    "协会简介",
    "征订启事",
];

/// Asserts that no furniture word is in the body.
pub fn assert_no_furniture(body: &str) {
    for w in FURNITURE {
        assert!(
            !body.contains(w),
            "body contains page furniture {w:?}:\n{body}"
        );
    }
}
