//! `parse` must never panic: every fixture cut at many byte offsets and
//! randomly mutated, with a tiny deterministic generator (no extra crate).

mod common;

use common::{all_fixtures, fixture};
use legacy_page::parse;

/// Knuth's MMIX linear congruential generator.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Bytes that steer the parsers into their interesting paths.
const SPICY: &[u8] = b"<>/\"'&=;:!-\n \x00\xa0\xc2\xe3\x80\xb0\xff\x1f";

fn check(bytes: &[u8], what: &str) {
    let result = std::panic::catch_unwind(|| parse(bytes));
    let Ok(result) = result else {
        panic!("parse panicked on {what}");
    };
    if let Ok(p) = result {
        assert!(!p.title.is_empty(), "{what}: empty title");
        assert!(!p.body_html.is_empty(), "{what}: empty body");
        assert!(
            !p.channel_path.iter().any(|c| c == "首页"),
            "{what}: 首页 in path"
        );
        assert_only_allowed_markup(&p.body_html, what);
    }
}

/// Every tag in the output is from the allowed set, with allowed attributes
/// and harmless URLs (text is escaped, so `<` only ever opens a real tag).
fn assert_only_allowed_markup(body: &str, what: &str) {
    let mut rest = body;
    while let Some(at) = rest.find('<') {
        let end = rest[at..]
            .find('>')
            .unwrap_or_else(|| panic!("{what}: unclosed tag"));
        let tag = &rest[at + 1..at + end];
        rest = &rest[at + end + 1..];
        let tag = tag.strip_prefix('/').unwrap_or(tag);
        let (name, attrs) = tag.split_once(' ').unwrap_or((tag, ""));
        let allowed: &[&str] = match name {
            "p" | "h3" | "br" | "strong" | "em" | "ul" | "ol" | "li" | "table" | "tbody" | "tr" => {
                &[]
            }
            "td" | "th" => &["colspan", "rowspan"],
            "a" => &["href"],
            "img" => &["src", "alt"],
            _ => panic!("{what}: tag <{tag}> in {body}"),
        };
        for attr in attrs.split("\" ").filter(|a| !a.trim().is_empty()) {
            let (key, value) = attr
                .trim()
                .split_once("=\"")
                .unwrap_or_else(|| panic!("{what}: attr {attr}"));
            assert!(
                allowed.contains(&key),
                "{what}: attribute {key} on <{name}>"
            );
            let v: String = value
                .chars()
                .filter(|c| !c.is_whitespace() && !c.is_control())
                .collect();
            let v = v.to_ascii_lowercase();
            for scheme in ["javascript:", "vbscript:", "data:"] {
                assert!(!v.starts_with(scheme), "{what}: {key}={value}");
            }
        }
    }
}

#[test]
fn truncated_fixtures_never_panic() {
    for name in all_fixtures() {
        let bytes = fixture(&name);
        let step = (bytes.len() / 150).max(1);
        let mut cut = 0;
        while cut <= bytes.len() {
            check(&bytes[..cut], &format!("{name} cut at {cut}"));
            cut += if cut < 64 { 1 } else { step };
        }
    }
}

#[test]
fn mutated_fixtures_never_panic() {
    let mut rng = Lcg(0x5eed_2009);
    for name in all_fixtures() {
        let original = fixture(&name);
        if original.is_empty() {
            continue;
        }
        for round in 0..150 {
            let mut bytes = original.clone();
            for _ in 0..1 + rng.below(8) {
                let at = rng.below(bytes.len());
                match rng.below(4) {
                    0 => bytes[at] = rng.next() as u8,
                    1 => bytes[at] = SPICY[rng.below(SPICY.len())],
                    2 => bytes.insert(at, SPICY[rng.below(SPICY.len())]),
                    _ => {
                        let len = rng.below(16).min(bytes.len() - at);
                        bytes.drain(at..at + len);
                        if bytes.is_empty() {
                            break;
                        }
                    }
                }
            }
            check(&bytes, &format!("{name} mutation {round}"));
        }
    }
}

#[test]
fn random_bytes_and_tag_soup_never_panic() {
    let mut rng = Lcg(42);
    let pieces: &[&str] = &[
        "<table>",
        "<tr>",
        "<td>",
        "</td>",
        "</table>",
        "<p>",
        "</p>",
        "<br>",
        "<b>",
        "</b>",
        "<a href=\"javascript:x\">",
        "</a>",
        "<ul><li>",
        "<img src=x onerror=y>",
        "加入时间：2013-9-2",
        "当前位置：首页&gt;&gt;新闻",
        "标题",
        "正文段落。",
        "\u{a0}\u{a0}",
        "<script>",
        "</script>",
        "<svg onload=x>",
        "<!--",
        "-->",
        "<![CDATA[",
        "]]>",
        "欢迎访问",
        "<font>",
        "<div>",
        "</div>",
        "——副标题",
        "<template>",
        "<select><option>",
        "<math><mi>",
        "<table><td><table><td>",
    ];
    for round in 0..400 {
        let mut s = String::new();
        for _ in 0..rng.below(60) {
            s.push_str(pieces[rng.below(pieces.len())]);
        }
        check(s.as_bytes(), &format!("soup {round}: {s}"));
        let noise: Vec<u8> = (0..rng.below(300)).map(|_| rng.next() as u8).collect();
        check(&noise, &format!("noise {round}"));
    }
}
