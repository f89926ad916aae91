//! Turning raw bytes into text: binary rejection and encoding detection.
//!
//! Order of evidence: a byte-order mark; then a charset declared in a
//! `<meta>` tag or XML declaration near the top; then chardetng's guess
//! (told the site lived under `.cn`, which tilts ties towards GBK). A
//! declaration loses when the bytes are malformed under it but are valid
//! UTF-8, which is the usual fate of pages re-saved by an editor without
//! fixing the old `charset=gb2312` line. GB2312 and GBK labels decode with
//! encoding_rs's GBK decoder, which accepts the whole GB18030 byte space, so
//! characters outside GB2312 that real pages contain still decode.

use std::borrow::Cow;

use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};
use encoding_rs::{Encoding, GB18030, UTF_8};

use crate::error::ParseError;

/// How far into the file a charset declaration is looked for.
const DECLARATION_WINDOW: usize = 8 * 1024;

/// How much chardetng is fed; the first 64 KiB are plenty for a guess.
const DETECTOR_WINDOW: usize = 64 * 1024;

/// Sample size for the control-character test.
const SAMPLE: usize = 8 * 1024;

/// Decoded text plus the encoding used.
#[derive(Debug)]
pub(crate) struct Decoded<'a> {
    /// The text.
    pub text: Cow<'a, str>,
    /// The encoding it was decoded with.
    pub encoding: &'static Encoding,
}

/// A display name for the encoding (`GB18030` rather than encoding_rs's `gb18030`).
pub(crate) fn display_name(enc: &'static Encoding) -> &'static str {
    if enc == GB18030 {
        "GB18030"
    } else {
        enc.name()
    }
}

/// Decodes `bytes`, rejecting empty and binary input.
pub(crate) fn decode(bytes: &[u8]) -> Result<Decoded<'_>, ParseError> {
    if bytes.trim_ascii().is_empty() {
        return Err(ParseError::Empty);
    }
    let (encoding, body) = match Encoding::for_bom(bytes) {
        Some((enc, len)) => (enc, &bytes[len..]),
        None => {
            if looks_binary(bytes) {
                return Err(ParseError::Binary);
            }
            (choose(bytes), bytes)
        }
    };
    let text = match std::str::from_utf8(body) {
        // Valid UTF-8 needs no second pass.
        Ok(s) if encoding == UTF_8 => Cow::Borrowed(s),
        _ => encoding.decode_without_bom_handling(body).0,
    };
    if text.chars().all(crate::text::is_space) {
        return Err(ParseError::Empty);
    }
    if mostly_control(&text) {
        return Err(ParseError::Binary);
    }
    Ok(Decoded { text, encoding })
}

/// NUL bytes, a known binary signature, or too many control bytes.
fn looks_binary(bytes: &[u8]) -> bool {
    const MAGIC: &[&[u8]] = &[
        b"\x89PNG",
        b"GIF87a",
        b"GIF89a",
        b"\xFF\xD8\xFF",
        b"PK\x03\x04",
        b"%PDF-",
        b"\x1F\x8B",
        b"Rar!",
        b"7z\xBC\xAF",
        b"\xD0\xCF\x11\xE0",
        b"\x7FELF",
        b"RIFF",
        b"BZh",
    ];
    if MAGIC.iter().any(|m| bytes.starts_with(m)) || bytes.contains(&0) {
        return true;
    }
    let sample = &bytes[..bytes.len().min(SAMPLE)];
    let control = sample
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c | 0x1b))
        .count();
    control >= 4 && control * 20 > sample.len()
}

/// Too many control or replacement characters after decoding.
fn mostly_control(text: &str) -> bool {
    let mut total = 0usize;
    let mut bad = 0usize;
    for c in text.chars().take(SAMPLE) {
        total += 1;
        if c == '\u{fffd}' || (c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0c')) {
            bad += 1;
        }
    }
    bad >= 4 && bad * 5 > total
}

/// Picks the encoding for BOM-less bytes.
fn choose(bytes: &[u8]) -> &'static Encoding {
    let utf8_ok = std::str::from_utf8(bytes).is_ok();
    let Some(declared) = declared_charset(bytes) else {
        return if utf8_ok { UTF_8 } else { guess(bytes) };
    };
    // As in browsers: a UTF-16 or "replacement" label inside an
    // ASCII-compatible file means UTF-8.
    let declared = declared.output_encoding();
    if declared == UTF_8 {
        return if utf8_ok { UTF_8 } else { guess(bytes) };
    }
    let has_non_ascii = !bytes.is_ascii();
    let (_, had_errors) = declared.decode_without_bom_handling(bytes);
    if had_errors {
        if utf8_ok {
            return UTF_8;
        }
        let guessed = guess(bytes);
        let (_, guess_errors) = guessed.decode_without_bom_handling(bytes);
        return if guess_errors { declared } else { guessed };
    }
    // Single-byte legacy labels accept any bytes; valid multi-byte UTF-8 is a
    // far stronger signal than such a label.
    if utf8_ok && has_non_ascii && declared.is_single_byte() {
        return UTF_8;
    }
    declared
}

fn guess(bytes: &[u8]) -> &'static Encoding {
    let mut det = EncodingDetector::new(Iso2022JpDetection::Deny);
    let window = &bytes[..bytes.len().min(DETECTOR_WINDOW)];
    det.feed(window, true);
    let enc = det.guess(Some(b"cn"), Utf8Detection::Allow);
    // chardetng answers windows-1252 for pure ASCII; report that as UTF-8.
    if bytes.is_ascii() { UTF_8 } else { enc }
}

/// Finds `charset=` in a `<meta>` tag or `encoding=` in an XML declaration.
fn declared_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(DECLARATION_WINDOW)];
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    if lower.starts_with(b"<?xml") {
        let end = find(&lower, b"?>", 0).unwrap_or(lower.len());
        if let Some(enc) = value_after(&lower[..end], b"encoding") {
            return Some(enc);
        }
    }
    let mut from = 0;
    while let Some(at) = find(&lower, b"<meta", from) {
        let end = find(&lower, b">", at).unwrap_or(lower.len());
        if let Some(enc) = value_after(&lower[at..end], b"charset") {
            return Some(enc);
        }
        from = at + 5;
    }
    None
}

/// Reads `key = "label"` inside a tag and resolves the label.
fn value_after(tag: &[u8], key: &[u8]) -> Option<&'static Encoding> {
    let mut from = 0;
    while let Some(at) = find(tag, key, from) {
        from = at + key.len();
        let rest = &tag[from..];
        let rest = rest.trim_ascii_start();
        let Some(rest) = rest.strip_prefix(b"=") else {
            continue;
        };
        let rest = rest.trim_ascii_start();
        let rest = rest
            .strip_prefix(b"\"")
            .or_else(|| rest.strip_prefix(b"'"))
            .unwrap_or(rest);
        let len = rest
            .iter()
            .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':')))
            .unwrap_or(rest.len());
        if let Some(enc) = Encoding::for_label(&rest[..len]) {
            return Some(enc);
        }
    }
    None
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use encoding_rs::{GBK, UTF_16LE};

    #[test]
    fn declarations() {
        let m = br#"<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head>"#;
        assert_eq!(declared_charset(m), Some(GBK));
        assert_eq!(declared_charset(b"<META CHARSET='utf-8'>"), Some(UTF_8));
        assert_eq!(
            declared_charset(b"<?xml version=\"1.0\" encoding=\"GB18030\"?>"),
            Some(GB18030)
        );
        assert_eq!(declared_charset(b"<p>charset=gbk</p>"), None);
    }

    #[test]
    fn wrong_declaration_loses_to_valid_utf8() {
        let page = "<meta charset=gb2312><p>广东扶贫网：驻村工作组</p>".as_bytes();
        assert_eq!(choose(page), UTF_8);
        let page = "<meta charset=iso-8859-1><p>扶贫</p>".as_bytes();
        assert_eq!(choose(page), UTF_8);
    }

    #[test]
    fn binary_and_empty() {
        assert_eq!(decode(b"").err(), Some(ParseError::Empty));
        assert_eq!(decode(b" \r\n\t ").err(), Some(ParseError::Empty));
        assert_eq!(
            decode(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").err(),
            Some(ParseError::Binary)
        );
        assert_eq!(decode(b"PK\x03\x04abc").err(), Some(ParseError::Binary));
        assert_eq!(
            decode(&[1, 2, 3, 4, 5, 6, 7, 8, 65, 66]).err(),
            Some(ParseError::Binary)
        );
        assert_eq!(
            display_name(decode(b"plain").expect("text").encoding),
            "UTF-8"
        );
    }

    #[test]
    fn utf16_bom_is_honoured() {
        let mut bytes = vec![0xFF, 0xFE];
        for u in "扶贫".encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        let d = decode(&bytes).expect("utf-16");
        assert_eq!(d.text, "扶贫");
        assert_eq!(d.encoding, UTF_16LE);
    }
}
