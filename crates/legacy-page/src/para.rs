//! One paragraph of output as flat formatting runs, and its serialization.
//!
//! Old markup nests `<font>`, `<b>` and `<span>` in any order and often across
//! paragraph boundaries. Instead of mirroring that tree, text is recorded as
//! runs that carry their own flags (bold, italic, link). Serializing runs
//! yields balanced, minimal markup however broken the input was, a paragraph
//! break can happen inside a `<b>` or an `<a>` without leaving tags open, and
//! "the whole paragraph is bold" (an `<h3>` candidate) is a simple flag.

use crate::text::{Gap, escape_attr, escape_text, is_space};

/// A piece of paragraph content.
#[derive(Debug, Clone, PartialEq)]
enum Run {
    Text {
        s: String,
        bold: bool,
        italic: bool,
        link: Option<usize>,
    },
    Img {
        src: String,
        alt: String,
        link: Option<usize>,
    },
    Br {
        link: Option<usize>,
    },
}

impl Run {
    fn link(&self) -> Option<usize> {
        match self {
            Run::Text { link, .. } | Run::Img { link, .. } | Run::Br { link } => *link,
        }
    }
}

/// Formatting in force for pushed text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Style {
    pub bold: bool,
    pub italic: bool,
    /// Index into the renderer's list of link targets.
    pub link: Option<usize>,
}

/// The paragraph being built.
#[derive(Debug)]
pub(crate) struct Para {
    runs: Vec<Run>,
    gap: Gap,
    last: Option<char>,
    chars: usize,
    all_bold: bool,
    has_img: bool,
}

impl Default for Para {
    fn default() -> Para {
        Para {
            runs: Vec::new(),
            gap: Gap::default(),
            last: None,
            chars: 0,
            all_bold: true,
            has_img: false,
        }
    }
}

/// Longest all-bold paragraph still turned into a sub-heading.
const HEADING_MAX_CHARS: usize = 80;

impl Para {
    /// Adds raw text; blanks collapse and leading indentation disappears.
    pub fn push_text(&mut self, text: &str, style: Style) {
        for c in text.chars() {
            if is_space(c) {
                self.gap.note(c);
                continue;
            }
            let space = self.gap.resolve(self.last, c);
            let extend = matches!(self.runs.last(), Some(Run::Text { bold, italic, link, .. })
                if *bold == style.bold && *italic == style.italic && *link == style.link);
            if !extend {
                self.runs.push(Run::Text {
                    s: String::new(),
                    bold: style.bold,
                    italic: style.italic,
                    link: style.link,
                });
            }
            if let Some(Run::Text { s, .. }) = self.runs.last_mut() {
                if space {
                    s.push(' ');
                }
                s.push(c);
            }
            self.last = Some(c);
            self.chars += 1;
            if !style.bold {
                self.all_bold = false;
            }
        }
    }

    /// Adds an image.
    pub fn push_img(&mut self, src: String, alt: String, link: Option<usize>) {
        self.gap.clear();
        self.runs.push(Run::Img { src, alt, link });
        self.last = Some('\u{fffc}');
        self.has_img = true;
    }

    /// Adds a line break unless the paragraph is empty or already ends with one.
    pub fn push_br(&mut self, link: Option<usize>) {
        self.gap.clear();
        if self.is_empty() || matches!(self.runs.last(), Some(Run::Br { .. })) {
            return;
        }
        self.runs.push(Run::Br { link });
        self.last = None;
    }

    /// No text and no image yet.
    pub fn is_empty(&self) -> bool {
        self.chars == 0 && !self.has_img
    }

    /// Whether the paragraph qualifies as a sub-heading.
    pub fn is_heading(&self) -> bool {
        self.chars > 0 && self.chars <= HEADING_MAX_CHARS && self.all_bold && !self.has_img
    }

    /// Writes the runs (without a wrapper) and resets the paragraph.
    pub fn write_inline(&mut self, links: &[String], heading: bool, out: &mut String) {
        while matches!(self.runs.last(), Some(Run::Br { .. })) {
            self.runs.pop();
        }
        let mut open_link: Option<usize> = None;
        for run in &self.runs {
            if run.link() != open_link {
                if open_link.is_some() {
                    out.push_str("</a>");
                }
                open_link = run.link().filter(|&l| l < links.len());
                if let Some(l) = open_link {
                    out.push_str("<a href=\"");
                    escape_attr(&links[l], out);
                    out.push_str("\">");
                }
            }
            match run {
                Run::Text {
                    s, bold, italic, ..
                } => {
                    let bold = *bold && !heading;
                    if bold {
                        out.push_str("<strong>");
                    }
                    if *italic {
                        out.push_str("<em>");
                    }
                    escape_text(s, out);
                    if *italic {
                        out.push_str("</em>");
                    }
                    if bold {
                        out.push_str("</strong>");
                    }
                }
                Run::Img { src, alt, .. } => {
                    out.push_str("<img src=\"");
                    escape_attr(src, out);
                    out.push_str("\" alt=\"");
                    escape_attr(alt, out);
                    out.push_str("\">");
                }
                Run::Br { .. } => out.push_str("<br>"),
            }
        }
        if open_link.is_some() {
            out.push_str("</a>");
        }
        *self = Para::default();
    }

    /// Writes `<p>` or `<h3>` (nothing for an empty paragraph) and resets.
    pub fn write_block(&mut self, links: &[String], out: &mut String) {
        if self.is_empty() {
            *self = Para::default();
            return;
        }
        let tag = if self.is_heading() { "h3" } else { "p" };
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        out.push('<');
        out.push_str(tag);
        out.push('>');
        self.write_inline(links, tag == "h3", out);
        out.push_str("</");
        out.push_str(tag);
        out.push('>');
    }
}

/// Returns the URL trimmed when its scheme is harmless: relative URLs, and
/// `http`, `https` (plus `mailto`, `ftp` for links). Scheme detection ignores
/// blanks and control characters, as browsers do (`java\tscript:`).
pub(crate) fn safe_url(raw: &str, link: bool) -> Option<String> {
    let v: String = raw
        .trim_matches(is_space)
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    if v.is_empty() {
        return None;
    }
    let probe: String = v
        .chars()
        .filter(|c| !c.is_whitespace())
        .take(40)
        .collect::<String>()
        .to_ascii_lowercase();
    if let Some(colon) = probe.find(':') {
        let scheme = &probe[..colon];
        let is_scheme = scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
        if is_scheme {
            let ok =
                matches!(scheme, "http" | "https") || (link && matches!(scheme, "mailto" | "ftp"));
            if !ok {
                return None;
            }
        }
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAIN: Style = Style {
        bold: false,
        italic: false,
        link: None,
    };

    #[test]
    fn runs_serialize_balanced() {
        let mut p = Para::default();
        p.push_text("\u{3000}\u{3000}开头", PLAIN);
        p.push_text(
            "加粗",
            Style {
                bold: true,
                ..PLAIN
            },
        );
        p.push_text(
            " 链接",
            Style {
                link: Some(0),
                ..PLAIN
            },
        );
        p.push_br(None);
        let mut out = String::new();
        p.write_block(&["/a?x=1&y=2".to_string()], &mut out);
        assert_eq!(
            out,
            "<p>开头<strong>加粗</strong><a href=\"/a?x=1&amp;y=2\"> 链接</a></p>"
        );
    }

    #[test]
    fn all_bold_short_paragraph_is_heading() {
        let mut p = Para::default();
        p.push_text(
            "\u{a0}\u{a0}驻村工作组进村",
            Style {
                bold: true,
                ..PLAIN
            },
        );
        let mut out = String::new();
        p.write_block(&[], &mut out);
        assert_eq!(out, "<h3>驻村工作组进村</h3>");
        let mut p = Para::default();
        p.push_text(" \u{a0} ", PLAIN);
        p.push_br(None);
        let mut out = String::new();
        p.write_block(&[], &mut out);
        assert_eq!(out, "");
    }

    #[test]
    fn url_schemes() {
        assert_eq!(
            safe_url(" /img/a.jpg ", false).as_deref(),
            Some("/img/a.jpg")
        );
        assert_eq!(safe_url("http://x/y", false).as_deref(), Some("http://x/y"));
        assert_eq!(
            safe_url("a.asp?id=3:4", true).as_deref(),
            Some("a.asp?id=3:4")
        );
        assert_eq!(
            safe_url("mailto:a@b.cn", true).as_deref(),
            Some("mailto:a@b.cn")
        );
        assert_eq!(safe_url("mailto:a@b.cn", false), None);
        assert_eq!(safe_url("JaVa\tScript:alert(1)", true), None);
        assert_eq!(safe_url("\u{1}javascript:alert(1)", true), None);
        assert_eq!(safe_url("vbscript:x", true), None);
        assert_eq!(safe_url("data:image/png;base64,xx", false), None);
        assert_eq!(safe_url("  ", true), None);
    }
}
