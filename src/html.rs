//! The one HTML sanitizer. Every body that reaches the database (imported,
//! written in the editor, seeded) passes through [`sanitize`], and nothing
//! else decides what markup is allowed.
//!
//! The allow-list is small: text structure, links, images and tables. No
//! svg, math, style, script, forms or frames; no `style`, `class` or event
//! attributes; addresses only with http, https or mailto (or relative).
//! Sanitizing is idempotent: cleaning clean HTML returns it unchanged.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

fn builder() -> &'static ammonia::Builder<'static> {
    static BUILDER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    BUILDER.get_or_init(|| {
        let tags: HashSet<&str> = [
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
        ]
        .into_iter()
        .collect();
        let mut attrs: HashMap<&str, HashSet<&str>> = HashMap::new();
        attrs.insert("a", ["href", "title"].into_iter().collect());
        attrs.insert(
            "img",
            ["src", "alt", "width", "height", "title"]
                .into_iter()
                .collect(),
        );
        attrs.insert("td", ["colspan", "rowspan"].into_iter().collect());
        attrs.insert("th", ["colspan", "rowspan", "scope"].into_iter().collect());
        let mut b = ammonia::Builder::empty();
        b.tags(tags)
            .tag_attributes(attrs)
            .url_schemes(["http", "https", "mailto"].into_iter().collect())
            .url_relative(ammonia::UrlRelative::PassThrough)
            .link_rel(Some("noopener noreferrer"))
            .clean_content_tags(
                [
                    "script", "style", "template", "textarea", "title", "noscript",
                ]
                .into_iter()
                .collect(),
            )
            .strip_comments(true);
        b
    })
}

/// Cleans untrusted HTML down to the allow-list.
///
/// The cleaned tree can serialize to markup that a parser reads back
/// differently: a `</p>` inside a dropped `<object>` leaves a `<p>` nested in
/// a `<p>`, and a `&#13;` in an attribute comes out as a raw CR that parsing
/// turns into LF. Cleaning the output again until it stops changing makes
/// what is stored exactly what a browser (and the next save) will build.
pub fn sanitize(html: &str) -> String {
    let mut out = builder().clean(html).to_string();
    for _ in 0..4 {
        let again = builder().clean(&out).to_string();
        if again == out {
            break;
        }
        out = again;
    }
    out
}

/// Largest body the editor accepts, in bytes of HTML before sanitizing.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;
/// Deepest nesting of elements a body may have. Real notices stay below
/// twenty; the HTML parser's cost per tag grows with the depth, so an
/// unbounded depth is what made hostile bodies quadratic.
pub const MAX_DEPTH: usize = 100;

/// Why a body was refused before sanitizing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    /// More bytes than [`MAX_BODY_BYTES`].
    #[error("body of {0} bytes is over the limit")]
    TooLarge(usize),
    /// Elements nested deeper than [`MAX_DEPTH`].
    #[error("body nests elements deeper than the limit")]
    TooDeep,
}

impl BodyError {
    /// What the editor tells the writer, naming the limit.
    pub fn message(&self) -> String {
        match self {
            BodyError::TooLarge(n) => format!(
                "正文过长：共 {} KB，不能超过 {} KB。请删去多余内容或分成几篇。",
                n.div_ceil(1024),
                MAX_BODY_BYTES / 1024
            ),
            BodyError::TooDeep => format!(
                "正文的层级嵌套过深（超过 {MAX_DEPTH} 层），请用“一键排版”或重新粘贴纯文本后再保存。"
            ),
        }
    }
}

/// Checks a body against [`MAX_BODY_BYTES`] and [`MAX_DEPTH`] in one pass
/// over its bytes, before anything parses it.
pub fn check_limits(html: &str) -> Result<(), BodyError> {
    if html.len() > MAX_BODY_BYTES {
        return Err(BodyError::TooLarge(html.len()));
    }
    if nesting_exceeds(html, MAX_DEPTH) {
        return Err(BodyError::TooDeep);
    }
    Ok(())
}

/// Sanitizes a body after [`check_limits`], in the bounded CPU pool
/// ([`crate::cpu`]), so that no save holds the workers other requests need.
/// The outer error is the pool's (a panicked job); the inner one is the
/// writer's.
pub async fn sanitize_bounded(html: String) -> anyhow::Result<Result<String, BodyError>> {
    if let Err(e) = check_limits(&html) {
        return Ok(Err(e));
    }
    crate::cpu::run(move || Ok(sanitize(&html))).await
}

/// Elements whose start tag opens nothing (no end tag follows).
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr", "keygen",
];

/// Elements whose content is text up to their own end tag.
const RAW_TEXT: &[&str] = &[
    "script",
    "style",
    "textarea",
    "title",
    "xmp",
    "iframe",
    "noembed",
    "noframes",
    "plaintext",
];

/// Elements a start tag of the same kind closes (their end tag may be left
/// out), and the containers that stop that search.
const SELF_CLOSING_KIN: &[(&str, &[&str])] = &[
    (
        "p",
        &["div", "td", "th", "li", "blockquote", "table", "body"],
    ),
    ("li", &["ul", "ol", "menu"]),
    ("dt", &["dl"]),
    ("dd", &["dl"]),
    ("option", &["select", "datalist"]),
    ("tr", &["table", "tbody", "thead", "tfoot"]),
    ("td", &["tr", "table"]),
    ("th", &["tr", "table"]),
];

/// Whether elements nest more than `limit` deep. An approximation of the
/// parser's stack that never counts less than it for markup that closes
/// its elements, and follows the left-out end tags of paragraphs, list
/// items and table cells, so that legacy pages are not refused. Each tag
/// costs at most `limit` steps: linear in the body's size.
fn nesting_exceeds(html: &str, limit: usize) -> bool {
    let bytes = html.as_bytes();
    let mut stack: Vec<String> = Vec::new();
    let mut i = 0;
    while let Some(off) = memchr_lt(&bytes[i..]) {
        i += off + 1;
        if bytes[i..].starts_with(b"!--") {
            i = find(bytes, i + 3, b"-->").map_or(bytes.len(), |e| e + 3);
            continue;
        }
        let closing = bytes.get(i) == Some(&b'/');
        let start = if closing { i + 1 } else { i };
        let mut end = start;
        while end < bytes.len() && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'-') {
            end += 1;
        }
        if end == start {
            // `<` followed by no tag name is text (`a < b`), `<!x>` and
            // `<?x>` are bogus comments: skip to their `>`.
            if matches!(bytes.get(i), Some(b'!' | b'?')) {
                i = find(bytes, i, b">").map_or(bytes.len(), |e| e + 1);
            }
            continue;
        }
        let name = html[start..end].to_ascii_lowercase();
        i = tag_end(bytes, end);
        if closing {
            // Pop to the nearest open element of that name, if there is
            // one within reach; a stray end tag changes nothing.
            if let Some(pos) = stack.iter().rposition(|n| *n == name) {
                stack.truncate(pos);
            }
            continue;
        }
        if VOID.contains(&name.as_str()) {
            continue;
        }
        if RAW_TEXT.contains(&name.as_str()) {
            let close = format!("</{name}");
            i = find_ci(bytes, i, close.as_bytes()).unwrap_or(bytes.len());
            continue;
        }
        if let Some((_, stops)) = SELF_CLOSING_KIN.iter().find(|(kin, _)| *kin == name) {
            let hit = stack
                .iter()
                .rposition(|n| *n == name || stops.contains(&n.as_str()));
            if let Some(pos) = hit
                && stack[pos] == name
            {
                stack.truncate(pos);
            }
        }
        stack.push(name);
        if stack.len() > limit {
            return true;
        }
    }
    false
}

fn memchr_lt(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == b'<')
}

fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

fn find_ci(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes
        .get(from..)?
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
        .map(|p| p + from)
}

/// The index just past the `>` that ends a tag whose name ends at `from`,
/// skipping quoted attribute values.
fn tag_end(bytes: &[u8], from: usize) -> usize {
    let mut quote = None;
    let mut i = from;
    while i < bytes.len() {
        match (quote, bytes[i]) {
            (None, b'>') => return i + 1,
            (None, q @ (b'"' | b'\'')) => quote = Some(q),
            (Some(q), c) if c == q => quote = None,
            _ => {}
        }
        i += 1;
    }
    bytes.len()
}

/// Plain text of some HTML (for summaries and meta descriptions): tags
/// dropped, entities decoded, white space folded.
pub fn text_of(html: &str) -> String {
    let mut out = String::with_capacity(html.len() / 2);
    let mut in_tag = false;
    let mut entity = String::new();
    let mut in_entity = false;
    for ch in html.chars() {
        match ch {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' if in_tag => in_tag = false,
            _ if in_tag => {}
            '&' => {
                in_entity = true;
                entity.clear();
            }
            ';' if in_entity => {
                in_entity = false;
                out.push_str(match entity.as_str() {
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "quot" => "\"",
                    "#39" | "apos" => "'",
                    "nbsp" => " ",
                    _ => "",
                });
            }
            _ if in_entity => {
                if entity.len() > 8 {
                    in_entity = false;
                    out.push('&');
                    out.push_str(&entity);
                    out.push(ch);
                } else {
                    entity.push(ch);
                }
            }
            _ => out.push(ch),
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The entity that stands for a character markup text must escape (the
/// five of HTML, XML and SVG), if it is one. Callers decide what becomes
/// of control characters.
pub fn entity(c: char) -> Option<&'static str> {
    match c {
        '&' => Some("&amp;"),
        '<' => Some("&lt;"),
        '>' => Some("&gt;"),
        '"' => Some("&quot;"),
        '\'' => Some("&#39;"),
        _ => None,
    }
}

/// Writes text escaped for HTML (the five of [`entity`]): addresses keep
/// their slashes. Characters XML 1.0 forbids (C0 controls other than tab,
/// line feed and carriage return; U+FFFE and U+FFFF) are dropped, so that
/// a pasted control character in a title cannot make a feed or sitemap
/// unreadable; in HTML they are parse errors shown as nothing anyway. The
/// template formatter and the pages written out in Rust share it.
pub fn escape_into<W: std::fmt::Write + ?Sized>(out: &mut W, text: &str) -> std::fmt::Result {
    let bytes = text.as_bytes();
    let mut last = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        // Bytes of multi-byte characters (0x80 and up) are never one of
        // the five, so reading bytes as characters is exact here; U+FFFE
        // and U+FFFF are the only three-byte sequences looked at.
        let (rep, len) = if let Some(rep) = entity(char::from(b)) {
            (rep, 1)
        } else if b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r') {
            ("", 1)
        } else if b == 0xEF
            && bytes.get(i + 1) == Some(&0xBF)
            && matches!(bytes.get(i + 2), Some(0xBE | 0xBF))
        {
            ("", 3)
        } else {
            i += 1;
            continue;
        };
        out.write_str(&text[last..i])?;
        out.write_str(rep)?;
        i += len;
        last = i;
    }
    out.write_str(&text[last..])
}

/// Escapes text for HTML, XML or SVG markup (control characters, which
/// XML does not allow, are dropped).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match entity(c) {
            Some(e) => out.push_str(e),
            None if c.is_control() => {}
            None => out.push(c),
        }
    }
    out
}

/// The first `max` characters of a text, with an ellipsis when cut.
pub fn truncate_chars(text: &str, max: usize) -> String {
    let mut chars = text.chars();
    let cut: String = chars.by_ref().take(max).collect();
    if chars.next().is_some() {
        format!("{cut}…")
    } else {
        cut
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn characters_xml_forbids_are_dropped() {
        let mut out = String::new();
        escape_into(
            &mut out,
            "标题\u{1}\u{8}\t行\n<b>\u{b}\u{fffe}尾\u{ffff}\u{fffd}",
        )
        .unwrap();
        assert_eq!(out, "标题\t行\n&lt;b&gt;尾\u{fffd}");
    }

    #[test]
    fn xml_text_is_escaped() {
        assert_eq!(super::escape("http://a.test/"), "http://a.test/");
        assert_eq!(
            super::escape("http://a.test/?a=1&b=<2>\"'"),
            "http://a.test/?a=1&amp;b=&lt;2&gt;&quot;&#39;"
        );
    }

    use super::*;

    #[test]
    fn keeps_structure_and_drops_danger() {
        let dirty = r#"<p onclick="x()" style="color:red">正文<script>alert(1)</script></p>
            <a href="javascript:alert(1)">坏</a><a href="https://example.org/">好</a>
            <img src="data:image/png;base64,AAAA" onerror="alert(1)"><svg onload="alert(1)"></svg>
            <table><tr><th>项目</th><td colspan="2">78</td></tr></table>"#;
        let clean = sanitize(dirty);
        assert!(clean.contains("<p>正文</p>"), "{clean}");
        assert!(
            !clean.contains("script") && !clean.contains("alert"),
            "{clean}"
        );
        assert!(
            !clean.contains("style") && !clean.contains("onclick"),
            "{clean}"
        );
        assert!(
            !clean.contains("javascript:") && !clean.contains("data:"),
            "{clean}"
        );
        assert!(!clean.contains("svg"), "{clean}");
        assert!(
            clean.contains(r#"<a href="https://example.org/" rel="noopener noreferrer">好</a>"#),
            "{clean}"
        );
        assert!(clean.contains(r#"<td colspan="2">78</td>"#), "{clean}");
        assert_eq!(sanitize(&clean), clean, "sanitizing twice changes nothing");
    }

    #[test]
    fn depth_limit_follows_left_out_end_tags() {
        // Legacy pages leave paragraphs, items and cells open.
        let legacy = "<p>一<p>二".repeat(500)
            + &"<ul><li>甲<li>乙</ul>".repeat(300)
            + &"<table><tr><td>1<td>2<tr><td>3</table>".repeat(100);
        assert_eq!(check_limits(&legacy), Ok(()));
        let nested = "<ul><li>".repeat(60) + "底" + &"</li></ul>".repeat(60);
        assert_eq!(check_limits(&nested), Err(BodyError::TooDeep));
        let fine = "<div>".repeat(40) + "底" + &"</div>".repeat(40);
        assert_eq!(check_limits(&fine), Ok(()));
        // Comments, quoted `>` and raw text do not open anything.
        let tricky =
            "<p title=\"a>b\"><!-- <div><div> --><script><div><div></script>正文</p>".repeat(200);
        assert_eq!(check_limits(&tricky), Ok(()));
        let big = "字".repeat(MAX_BODY_BYTES / 3 + 1);
        assert!(matches!(check_limits(&big), Err(BodyError::TooLarge(_))));
        assert!(BodyError::TooDeep.message().contains("100"));
    }

    #[test]
    fn the_depth_the_parser_sees_is_never_undercounted() {
        // What the limit lets through, the sanitizer keeps no deeper.
        let body = "<blockquote>".repeat(MAX_DEPTH) + "文";
        assert_eq!(check_limits(&body), Ok(()));
        let body = "<blockquote>".repeat(MAX_DEPTH + 1) + "文";
        assert_eq!(check_limits(&body), Err(BodyError::TooDeep));
    }

    #[test]
    fn reparsing_changes_nothing() {
        // Found by the XSS collections (tests/it/sanitizer_payloads.rs).
        for dirty in [
            "<p>正文<object data=javascript:alert(1)></p>",
            "<p>正文<select onchange=alert(1)><option>1<option>2</p>",
            "<a href=\"x&#13;y\">链接</a>",
        ] {
            let clean = sanitize(dirty);
            assert_eq!(sanitize(&clean), clean, "{dirty}");
            assert!(
                !clean.contains("<p><p>") && !clean.contains('\r'),
                "{clean}"
            );
        }
    }

    #[test]
    fn text_of_decodes_and_folds() {
        assert_eq!(
            text_of("<p>双到&amp;帮扶</p>\n<p>  莞韶  园</p>"),
            "双到&帮扶 莞韶 园"
        );
        assert_eq!(truncate_chars("扶贫开发协会", 4), "扶贫开发…");
        assert_eq!(truncate_chars("扶贫", 4), "扶贫");
    }
}
