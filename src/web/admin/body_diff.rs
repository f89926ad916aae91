//! A fallback body diff for the revision page, used until the shared
//! `crate::revisions` diff is merged. [`diff_html`] renders the difference
//! between two sanitized bodies as escaped text with marks.

/// The difference between two sanitized bodies as safe HTML: the text of
/// each block compared line by line, unchanged lines plain, removed ones in
/// `<del>`, added ones in `<ins>`, all text escaped.
pub fn diff_html(before: &str, after: &str) -> String {
    let a = blocks(before);
    let b = blocks(after);
    // Longest common subsequence over blocks: bodies are at most a few
    // hundred paragraphs, so the quadratic table is small.
    let (n, m) = (a.len(), b.len());
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = String::new();
    let line = |out: &mut String, tag: Option<&str>, text: &str| {
        out.push_str("<p>");
        if let Some(t) = tag {
            out.push_str(&format!("<{t}>"));
        }
        out.push_str(&escape(text));
        if let Some(t) = tag {
            out.push_str(&format!("</{t}>"));
        }
        out.push_str("</p>");
    };
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            line(&mut out, None, &a[i]);
            i += 1;
            j += 1;
        } else if j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j]) {
            line(&mut out, Some("ins"), &b[j]);
            j += 1;
        } else {
            line(&mut out, Some("del"), &a[i]);
            i += 1;
        }
    }
    out
}

/// The text of each block of a body (paragraphs, headings, rows…), and
/// the address of each image, as lines.
fn blocks(html: &str) -> Vec<String> {
    let mut with_breaks = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        with_breaks.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('>') else {
            break;
        };
        let tag = &rest[start..start + end + 1];
        let name = tag
            .trim_start_matches(['<', '/'])
            .split(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        if matches!(
            name.as_str(),
            "p" | "br"
                | "h2"
                | "h3"
                | "h4"
                | "li"
                | "tr"
                | "blockquote"
                | "figure"
                | "figcaption"
                | "hr"
                | "table"
        ) {
            with_breaks.push('\n');
        } else if matches!(name.as_str(), "td" | "th") {
            with_breaks.push_str(" | ");
        } else if name == "img" {
            let src = tag
                .split("src=\"")
                .nth(1)
                .and_then(|s| s.split('"').next())
                .unwrap_or("");
            with_breaks.push_str(&format!("\n[图片 {src}]\n"));
        }
        with_breaks.push(' ');
        rest = &rest[start + end + 1..];
    }
    with_breaks.push_str(rest);
    with_breaks
        .lines()
        .map(|l| crate::html::text_of(l).trim().to_string())
        .filter(|l| !l.is_empty() && l != "|")
        .collect()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_added_and_removed_paragraphs() {
        let d = diff_html(
            "<p>一</p><p>二</p><p>三</p>",
            "<p>一</p><p>二改</p><p>三</p><p>四</p>",
        );
        assert!(d.contains("<p>一</p>"), "{d}");
        assert!(
            d.contains("<del>二</del>") && d.contains("<ins>二改</ins>"),
            "{d}"
        );
        assert!(d.contains("<ins>四</ins>"), "{d}");
        let d = diff_html("<p>&lt;script&gt;</p>", "<p>x</p>");
        assert!(!d.contains("<script>"), "{d}");
    }
}
