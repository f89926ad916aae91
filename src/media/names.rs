//! Names: the server-generated paths files are stored and served under, the
//! uploader's original name cleaned for display, and the download header
//! built from it. A client-chosen name never reaches the file system.

/// Longest original name kept, in characters.
const MAX_NAME_CHARS: usize = 100;

/// A fresh relative path `YYYY/MM/<32 hex>.<ext>` and its thumbnail path
/// `YYYY/MM/<32 hex>-t.<ext>`. The 128 random bits make names unguessable,
/// so unpublished uploads cannot be enumerated.
pub(crate) fn generate(ext: &str) -> anyhow::Result<(String, String)> {
    let mut random = [0u8; 16];
    getrandom::fill(&mut random).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    let hex: String = random.iter().map(|b| format!("{b:02x}")).collect();
    let month = chrono::Utc::now().format("%Y/%m");
    Ok((
        format!("{month}/{hex}.{ext}"),
        format!("{month}/{hex}-t.{ext}"),
    ))
}

/// Whether a requested path has the shape of a generated one; anything else
/// is answered 404 without touching the database or the disk.
pub fn is_generated(path: &str) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
    let [year, month, file] = parts.as_slice() else {
        return false;
    };
    let Some((stem, ext)) = file.split_once('.') else {
        return false;
    };
    let hex = stem.strip_suffix("-t").unwrap_or(stem);
    year.len() == 4
        && year.bytes().all(|b| b.is_ascii_digit())
        && month.len() == 2
        && month.bytes().all(|b| b.is_ascii_digit())
        && hex.len() == 32
        && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        && (1..=5).contains(&ext.len())
        && ext.bytes().all(|b| b.is_ascii_lowercase())
}

/// The uploader's file name made safe to keep and show: the last path
/// component only, no control or direction-override characters, trimmed of
/// dots and spaces, at most 100 characters (the extension kept).
pub fn clean_original(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| {
            !c.is_control()
                && !matches!(
                    c,
                    '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
                        | '\u{FEFF}'
                )
        })
        .collect();
    let trimmed = cleaned.trim_matches(|c: char| c.is_whitespace() || c == '.');
    if trimmed.chars().count() <= MAX_NAME_CHARS {
        return trimmed.to_string();
    }
    match trimmed.rsplit_once('.') {
        Some((stem, ext)) if ext.chars().count() <= 8 => {
            let keep = MAX_NAME_CHARS - 1 - ext.chars().count();
            format!("{}.{ext}", stem.chars().take(keep).collect::<String>())
        }
        _ => trimmed.chars().take(MAX_NAME_CHARS).collect(),
    }
}

/// The extension of a cleaned name, lower-cased.
pub(crate) fn extension(name: &str) -> Option<String> {
    name.rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .filter(|ext| !ext.is_empty() && ext.len() <= 8)
}

/// The name a download carries: the cleaned original name whose extension
/// is forced to match what the bytes are (`a.exe` holding a PDF becomes
/// `a.pdf`), so no program on the reader's computer opens it as something
/// else. `fallback` names files that had no usable name.
pub(crate) fn display_name(cleaned: &str, ext: &str, fallback: &str) -> String {
    let stem = match cleaned.rsplit_once('.') {
        Some((stem, _)) => stem.trim_matches(|c: char| c.is_whitespace() || c == '.'),
        None => cleaned,
    };
    let stem = if stem.is_empty() { fallback } else { stem };
    format!("{stem}.{ext}")
}

/// `Content-Disposition: attachment` with an ASCII fallback and the UTF-8
/// name per RFC 6266 / RFC 5987.
pub fn content_disposition(name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

/// A size for people: `830 字节`, `12.5 KB`, `3.1 MB`.
pub fn size_text(bytes: i64) -> String {
    const KB: f64 = 1024.0;
    let b = bytes as f64;
    if bytes < 1024 {
        format!("{bytes} 字节")
    } else if b < KB * KB {
        format!("{:.1} KB", b / KB)
    } else {
        format!("{:.1} MB", b / KB / KB)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_paths_have_the_served_shape() {
        let (path, thumb) = generate("jpg").unwrap();
        assert!(is_generated(&path), "{path}");
        assert!(is_generated(&thumb), "{thumb}");
        assert_ne!(generate("jpg").unwrap().0, path);
        for bad in [
            "../etc/passwd",
            "2026/11/../../fupin.db",
            "2026/11/0123456789abcdef0123456789abcdef.jpg/..",
            "2026/11/0123456789ABCDEF0123456789ABCDEF.jpg",
            "/2026/11/0123456789abcdef0123456789abcdef.jpg",
            "2026/11/0123456789abcdef0123456789abcdef.jpg%00.html",
            "2026/11/0123456789abcdef0123456789abcdef",
            "",
        ] {
            assert!(!is_generated(bad), "{bad}");
        }
    }

    #[test]
    fn original_names_lose_paths_and_controls() {
        assert_eq!(clean_original("../../etc/passwd"), "passwd");
        assert_eq!(clean_original("C:\\Windows\\win.ini"), "win.ini");
        assert_eq!(clean_original("..\\..\\"), "");
        assert_eq!(clean_original("报告\u{202E}fdp.exe"), "报告fdp.exe");
        assert_eq!(clean_original(" 会议\n纪要.docx. "), "会议纪要.docx");
        let long = format!("{}.pdf", "长".repeat(300));
        let cleaned = clean_original(&long);
        assert_eq!(cleaned.chars().count(), 100);
        assert!(cleaned.ends_with("长.pdf"));
    }

    #[test]
    fn download_names_match_the_content() {
        assert_eq!(display_name("通知.exe", "pdf", "附件"), "通知.pdf");
        assert_eq!(display_name("", "docx", "附件"), "附件.docx");
        assert_eq!(display_name("说明", "doc", "附件"), "说明.doc");
        assert_eq!(
            content_disposition("扶贫 \"计划\".pdf"),
            "attachment; filename=\"__ ____.pdf\"; \
             filename*=UTF-8''%E6%89%B6%E8%B4%AB%20%22%E8%AE%A1%E5%88%92%22.pdf"
        );
        assert_eq!(size_text(830), "830 字节");
        assert_eq!(size_text(3 * 1024 * 1024 + 200_000), "3.2 MB");
    }
}
