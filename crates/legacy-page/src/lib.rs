//! Reads one saved page of the legacy 广东扶贫网 portal (a 2009-era ASP site of
//! 广东省扶贫开发协会) and returns the article facts, or says precisely why not.
//!
//! Input is the raw bytes of either a text capture (the visible text of an
//! article page, `&nbsp;` indentation included) or a saved HTML page in
//! UTF-8, GB2312, GBK or GB18030. [`parse`] decodes the bytes (rejecting
//! empty and binary files, see [`ParseError`]), reduces the
//! page to text blocks, anchors on the `加入时间` line, reads breadcrumb,
//! title and meta fields around it, and renders the body that follows as
//! structural HTML (`<p>`, `<h3>`, lists, data tables, images, links), with
//! navigation, tickers, footer and every script or event handler left out.
//! The function is pure: no I/O, no globals, no panics on any input.
//!
//! HTML parsing uses `html5ever` directly with a small arena tree of our own
//! (`dom` module) rather than `scraper` or `markup5ever_rcdom`: html5ever is
//! already in the workspace through ammonia, so it costs no extra compile
//! time; we need no CSS selectors (layouts are found by text, not by class
//! names); and a flat pre-order arena lets every later pass run as a loop,
//! where `Rc` trees invite recursion and deep, hostile nesting could then
//! overflow the stack.

mod blocks;
mod capture;
mod decode;
mod dom;
mod error;
mod html;
mod layout;
mod meta;
mod para;
mod render;
mod stats;
mod text;

pub use error::ParseError;

/// The facts of one legacy article page.
#[derive(Debug, Clone, PartialEq)]
pub struct LegacyPage {
    /// Breadcrumb after 首页, e.g. `["扶贫前沿", "地市联播"]`; never contains 首页.
    pub channel_path: Vec<String>,
    /// Article title, whitespace collapsed.
    pub title: String,
    /// Subtitle (a `——` line under the title), without the dashes.
    pub subtitle: Option<String>,
    /// Publish date (加入时间 / 发布时间 ...).
    pub published: chrono::NaiveDate,
    /// Publish time when the page gives one.
    pub published_time: Option<chrono::NaiveTime>,
    /// 来源; `None` when empty.
    pub source: Option<String>,
    /// 作者 / 撰稿 when present.
    pub author: Option<String>,
    /// 编辑 / 责任编辑 when present.
    pub editor: Option<String>,
    /// 点击数 / 浏览次数 / 阅读 when given as a number.
    pub hits: Option<i64>,
    /// Body as clean structural HTML, one block per line.
    pub body_html: String,
    /// `<link rel="canonical" href>` as given.
    pub canonical_url: Option<String>,
    /// Name of the detected encoding, e.g. `UTF-8`, `GBK`, `GB18030`.
    pub encoding: &'static str,
}

/// Parses the raw bytes of one saved legacy page.
pub fn parse(bytes: &[u8]) -> Result<LegacyPage, ParseError> {
    let decoded = decode::decode(bytes)?;
    let text: &str = &decoded.text;
    let (anatomy, body_html, canonical_url) = if looks_like_html(text) {
        let depth = container_depth(text);
        if depth > MAX_CONTAINER_DEPTH {
            return Err(ParseError::NotArticle(format!(
                "markup nested {depth} levels deep"
            )));
        }
        let page = html::parse(text)?;
        (page.anatomy, page.body, page.canonical)
    } else {
        let (anatomy, body) = capture::parse(text)?;
        (anatomy, body, None)
    };
    let raw_date = anatomy.fields.date_raw.as_deref().unwrap_or("");
    let (published, published_time) = meta::parse_date_time(raw_date)
        .map_err(|()| ParseError::BadDate(meta::bad_date_text(raw_date)))?;
    if body_html.is_empty() {
        return Err(ParseError::NotArticle(
            "no article body after the 加入时间 line".into(),
        ));
    }
    let f = anatomy.fields;
    Ok(LegacyPage {
        channel_path: anatomy.channel_path,
        title: anatomy.title,
        subtitle: anatomy.subtitle,
        published,
        published_time,
        source: f.source,
        author: f.author,
        editor: f.editor,
        hits: f.hits,
        body_html,
        canonical_url,
        encoding: decode::display_name(decoded.encoding),
    })
}

/// Deepest container nesting accepted. Real pages stay under a hundred; the
/// HTML tree builder spends time proportional to the depth on every such
/// tag, so absurd nesting is refused before parsing instead of taking seconds.
const MAX_CONTAINER_DEPTH: usize = 1500;

/// Calls `f(closing, name)` for every tag-like `<name` in `text`; `name` is
/// the raw ASCII tag name (compare case-insensitively). Stops when `f` says so.
fn for_each_tag(text: &str, mut f: impl FnMut(bool, &[u8]) -> bool) {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(pos) = bytes[from..].iter().position(|&b| b == b'<') {
        let at = from + pos + 1;
        from = at;
        let rest = &bytes[at..];
        let (closing, rest) = match rest.strip_prefix(b"/") {
            Some(r) => (true, r),
            None => (false, rest),
        };
        let len = rest
            .iter()
            .position(|b| !(b.is_ascii_alphanumeric() || *b == b'!'))
            .unwrap_or(rest.len());
        let follows_ok = rest
            .get(len)
            .is_some_and(|b| b.is_ascii_whitespace() || matches!(b, b'>' | b'/'));
        if follows_ok && len > 0 && !f(closing, &rest[..len]) {
            return;
        }
    }
}

fn is_one_of(name: &[u8], set: &[&str]) -> bool {
    set.iter().any(|t| t.as_bytes().eq_ignore_ascii_case(name))
}

/// Upper bound of how deep container elements nest (opening minus closing tags).
fn container_depth(text: &str) -> usize {
    const CONTAINERS: &[&str] = &[
        "div",
        "center",
        "blockquote",
        "ul",
        "ol",
        "dl",
        "section",
        "article",
        "aside",
        "nav",
        "header",
        "footer",
        "fieldset",
        "figure",
        "address",
        "menu",
        "dir",
        "details",
        "main",
    ];
    let (mut depth, mut max) = (0usize, 0usize);
    for_each_tag(text, |closing, name| {
        if is_one_of(name, CONTAINERS) {
            if closing {
                depth = depth.saturating_sub(1);
            } else {
                depth += 1;
                max = max.max(depth);
            }
        }
        true
    });
    max
}

/// Whether the text contains HTML tags (a capture never does).
fn looks_like_html(text: &str) -> bool {
    const TAGS: &[&str] = &[
        "html", "head", "body", "!doctype", "meta", "title", "table", "tr", "td", "div", "p", "br",
        "span", "font", "script", "style", "a", "img", "b", "strong", "center", "ul", "li",
    ];
    let mut found = false;
    for_each_tag(text, |_, name| {
        found = is_one_of(name, TAGS);
        !found
    });
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_sniffing() {
        assert!(looks_like_html("<HTML><body>x"));
        assert!(looks_like_html("text <br> more"));
        assert!(looks_like_html("<!DOCTYPE html>"));
        assert!(!looks_like_html("《广东扶贫》杂志 <<双到>> a<b"));
        assert!(!looks_like_html("当前位置:首页->>扶贫前沿"));
        assert_eq!(
            container_depth("<div><div></div><div><ul></ul></div></div>"),
            3
        );
    }
}
