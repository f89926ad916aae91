//! The one sanitizer against public XSS collections (issue 4): every vector
//! under `../shared/security/payloads/xss/` and the DOMPurify fixtures, on
//! their own and placed in attribute and element contexts. The output is
//! re-tokenized with html5ever and judged by its tags and attributes (text
//! that merely reads "javascript:" is harmless once escaped): only
//! allow-listed tags, no event handler, no style, no comment, no address
//! with a scheme other than http, https or mailto; and sanitizing the
//! output again changes nothing.

use std::cell::RefCell;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{
    BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};

use crate::harness::shared_dir;

/// The tags `fupin::html::sanitize` may emit.
const ALLOWED_TAGS: &[&str] = &[
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

/// Attributes that hold an address.
const URL_ATTRIBUTES: &[&str] = &[
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "srcset",
];

#[derive(Default)]
struct Collect {
    problems: RefCell<Vec<String>>,
}

impl TokenSink for Collect {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let mut problems = self.problems.borrow_mut();
        match token {
            Token::TagToken(tag) => {
                let name = tag.name.to_string().to_ascii_lowercase();
                if !ALLOWED_TAGS.contains(&name.as_str()) {
                    problems.push(format!("tag <{name}>"));
                }
                if tag.kind == TagKind::EndTag {
                    return TokenSinkResult::Continue;
                }
                for attr in &tag.attrs {
                    let attr_name = attr.name.local.to_string().to_ascii_lowercase();
                    if attr_name.starts_with("on") {
                        problems.push(format!("event handler {attr_name}"));
                    }
                    if attr_name == "style" || attr_name == "class" || attr_name == "id" {
                        problems.push(format!("attribute {attr_name}"));
                    }
                    if URL_ATTRIBUTES.contains(&attr_name.as_str())
                        && let Some(scheme) = scheme_of(&attr.value)
                        && !["http", "https", "mailto"].contains(&scheme.as_str())
                    {
                        problems.push(format!("{attr_name}={:?}", &*attr.value));
                    }
                }
            }
            Token::CommentToken(c) => problems.push(format!("comment {:?}", &*c)),
            Token::DoctypeToken(_) => problems.push("doctype".into()),
            Token::NullCharacterToken => problems.push("NUL".into()),
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

/// The scheme a browser would see in an address, as the URL parser reads
/// it: tabs and newlines dropped anywhere, C0 controls and spaces trimmed,
/// then letters, digits, `+`, `-` or `.` (starting with a letter) before a
/// colon. `None` for relative addresses.
fn scheme_of(value: &str) -> Option<String> {
    let cleaned: String = value
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let cleaned = cleaned.trim_matches(|c: char| c <= ' ');
    let (scheme, _) = cleaned.split_once(':')?;
    let mut chars = scheme.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    valid.then(|| scheme.to_ascii_lowercase())
}

/// Problems html5ever finds in the tokens of sanitized output.
fn problems_in(html: &str) -> Vec<String> {
    let tokenizer = Tokenizer::new(Collect::default(), TokenizerOpts::default());
    let queue = BufferQueue::default();
    queue.push_back(StrTendril::from(html));
    let _ = tokenizer.feed(&queue);
    tokenizer.end();
    tokenizer.sink.problems.take()
}

/// The payloads of one file of the xss folder, read per the folder's README.
fn xss_payloads(file: &str, text: &str) -> Vec<String> {
    let lines: Vec<&str> = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    if file == "MarioXSSVectors.txt" {
        // Multi-line vectors separated by blank lines; also each line alone.
        let mut out: Vec<String> = text
            .replace("\r\n", "\n")
            .split("\n\n")
            .map(|b| b.trim_matches('\n').to_string())
            .filter(|b| !b.trim().is_empty())
            .collect();
        out.extend(
            lines
                .iter()
                .filter(|l| !l.is_empty())
                .map(|l| l.to_string()),
        );
        return out;
    }
    lines
        .into_iter()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// Decodes a DOMPurify fixture line (`\n`, `\r`, `\uXXXX`).
fn decode_dompurify(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        let tail = &rest[at + 1..];
        if let Some(t) = tail.strip_prefix('n') {
            out.push('\n');
            rest = t;
        } else if let Some(t) = tail.strip_prefix('r') {
            out.push('\r');
            rest = t;
        } else if tail.starts_with('u')
            && tail.len() >= 5
            && let Ok(code) = u32::from_str_radix(&tail[1..5], 16)
            && let Some(c) = char::from_u32(code)
        {
            out.push(c);
            rest = &tail[5..];
        } else {
            out.push('\\');
            rest = tail;
        }
    }
    out.push_str(rest);
    out
}

/// Every payload, with the file it came from.
fn all_payloads() -> Option<Vec<(String, String)>> {
    let Some(shared) = shared_dir() else {
        eprintln!("skipped: ../shared is absent, no XSS payloads");
        return None;
    };
    let mut out = Vec::new();
    let xss = shared.join("security/payloads/xss");
    let mut files: Vec<_> = std::fs::read_dir(&xss)
        .expect("xss folder")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    for path in files {
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        if !file.ends_with(".txt") || file == "jsonp_endpoint.txt" {
            // The JSONP list is URLs for CSP tests, not form input.
            continue;
        }
        let bytes = std::fs::read(&path).expect("read payloads");
        let text = String::from_utf8(bytes.clone())
            .unwrap_or_else(|_| bytes.iter().map(|&b| b as char).collect());
        for p in xss_payloads(&file, &text) {
            out.push((file.clone(), p));
        }
    }
    let dompurify = shared.join("security/dompurify/dompurify-payloads.txt");
    let text = std::fs::read_to_string(dompurify).expect("dompurify payloads");
    let mut lines: Vec<&str> = text.split('\n').collect();
    if lines.last() == Some(&"") {
        lines.pop();
    }
    assert_eq!(lines.len(), 223, "the DOMPurify fixture count");
    for line in lines {
        out.push(("dompurify".to_string(), decode_dompurify(line)));
    }
    Some(out)
}

#[test]
fn no_payload_survives_the_sanitizer() {
    let Some(payloads) = all_payloads() else {
        return;
    };
    assert!(payloads.len() > 2500, "{} payloads", payloads.len());
    let mut checked = 0usize;
    let mut failures = Vec::new();
    for (file, payload) in &payloads {
        // The vector on its own, and placed where editors' HTML puts values.
        let quoted = payload.replace('"', "&quot;");
        let contexts = [
            payload.clone(),
            format!("<p>正文{payload}</p>"),
            format!("<a href=\"{quoted}\">链接</a>"),
            format!("<img src=\"{quoted}\" alt=\"{quoted}\">"),
            format!("<table><tr><td>{payload}</td></tr></table>"),
        ];
        for input in contexts {
            let once = fupin::html::sanitize(&input);
            let twice = fupin::html::sanitize(&once);
            checked += 1;
            let mut problems = problems_in(&once);
            if once.to_ascii_lowercase().contains("<script") {
                problems.push("<script in output".into());
            }
            if twice != once {
                problems.push(format!("not idempotent: {twice:?}"));
            }
            if !problems.is_empty() {
                failures.push(format!(
                    "{file}: {input:?}\n  -> {once:?}\n  {}",
                    problems.join("; ")
                ));
            }
        }
    }
    if let Ok(path) = std::env::var("FUPIN_SANITIZER_REPORT") {
        std::fs::write(path, failures.join("\n")).unwrap();
    }
    eprintln!(
        "{checked} sanitizer inputs checked from {} payloads",
        payloads.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {checked} inputs failed:\n{}",
        failures.len(),
        failures
            .iter()
            .take(30)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn the_checker_catches_what_it_should() {
    // The judge itself must be able to fail.
    assert!(!problems_in("<p onclick=\"x()\">a</p>").is_empty());
    assert!(!problems_in("<a href=\" java\tscript:alert(1)\">a</a>").is_empty());
    assert!(!problems_in("<img src=\"DATA:image/png;base64,AA\">").is_empty());
    assert!(!problems_in("<svg><g/></svg>").is_empty());
    assert!(!problems_in("<p style=\"x\">a</p><!-- c -->").is_empty());
    assert!(
        problems_in("<p>javascript:alert(1) &lt;script&gt;</p><a href=\"/a:b\">x</a>").is_empty()
    );
    assert_eq!(decode_dompurify(r"a\nb\u000bc\\d"), "a\nb\u{b}c\\\\d");
}
