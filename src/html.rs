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

/// Writes text escaped for HTML (the five of [`entity`]) and nothing else:
/// addresses keep their slashes, control characters stay as they are. The
/// template formatter and the pages written out in Rust share it.
pub fn escape_into<W: std::fmt::Write + ?Sized>(out: &mut W, text: &str) -> std::fmt::Result {
    let mut last = 0;
    for (i, b) in text.bytes().enumerate() {
        // Bytes of multi-byte characters (0x80 and up) are never one of
        // the five, so reading bytes as characters is exact here.
        let Some(rep) = entity(char::from(b)) else {
            continue;
        };
        out.write_str(&text[last..i])?;
        out.write_str(rep)?;
        last = i + 1;
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
