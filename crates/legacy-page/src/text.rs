//! Character classes, whitespace collapsing and HTML escaping.
//!
//! Legacy pages indent with `&nbsp;` runs and full-width spaces and break
//! Chinese text across source lines. Everything that turns raw text into a
//! title, a meta value or a paragraph goes through the same `Collapser`, so
//! the rules live in one place: any run of spaces (ASCII, U+00A0, U+3000 and
//! invisible fillers) becomes one ASCII space, leading and trailing runs
//! vanish, and a run made only of ASCII whitespace containing a line break is
//! dropped between two CJK characters (a browser would show a stray gap there,
//! and the source line break never meant one).

/// Whether `c` counts as blank space (includes NBSP, ideographic space, BOM, ZWSP).
pub(crate) fn is_space(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{feff}')
}

/// Whether `c` is a CJK ideograph or full-width form (used for the line-break rule).
pub(crate) fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x2FDF | 0x3001..=0x303F | 0x3040..=0x30FF | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFFEF
        | 0x20000..=0x3FFFF)
}

/// Bits describing the blank run waiting before the next visible character.
const SEEN_SPACE: u8 = 1;
const SEEN_BREAK: u8 = 2;
const SEEN_WIDE: u8 = 4;

/// A pending blank run: noted char by char, resolved at the next visible one.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Gap(u8);

impl Gap {
    /// Records one blank character.
    pub fn note(&mut self, c: char) {
        self.0 |= SEEN_SPACE
            | match c {
                '\n' | '\r' => SEEN_BREAK,
                ' ' | '\t' | '\x0c' => 0,
                _ => SEEN_WIDE,
            };
    }

    /// Whether a space must be written between `last` and `next`; clears the gap.
    pub fn resolve(&mut self, last: Option<char>, next: char) -> bool {
        let bits = std::mem::take(&mut self.0);
        let Some(last) = last else { return false };
        // A plain source line break between two CJK characters is not a gap.
        bits != 0
            && !(bits & (SEEN_BREAK | SEEN_WIDE) == SEEN_BREAK && is_cjk(last) && is_cjk(next))
    }

    /// Forgets the pending run.
    pub fn clear(&mut self) {
        self.0 = 0;
    }
}

/// Incremental whitespace collapser; feed text pieces, read the result.
#[derive(Debug, Default)]
pub(crate) struct Collapser {
    out: String,
    last: Option<char>,
    gap: Gap,
    chars: usize,
}

impl Collapser {
    /// Feeds one piece of raw text.
    pub fn push(&mut self, text: &str) {
        for c in text.chars() {
            if is_space(c) {
                self.gap.note(c);
                continue;
            }
            if self.gap.resolve(self.last, c) {
                self.out.push(' ');
            }
            self.out.push(c);
            self.last = Some(c);
            self.chars += 1;
        }
    }

    /// Number of visible characters so far.
    pub fn chars(&self) -> usize {
        self.chars
    }

    /// Whether nothing visible has been pushed.
    pub fn is_empty(&self) -> bool {
        self.last.is_none()
    }

    /// Takes the collapsed text and resets the collapser.
    pub fn take(&mut self) -> String {
        let out = std::mem::take(&mut self.out);
        *self = Collapser::default();
        out
    }
}

/// Collapses whitespace in one string (see the module doc).
pub(crate) fn collapse(s: &str) -> String {
    let mut c = Collapser::default();
    c.push(s);
    c.take()
}

/// Number of `char`s in `s`.
pub(crate) fn char_len(s: &str) -> usize {
    s.chars().count()
}

/// Appends `s` with `&`, `<` and `>` escaped.
pub(crate) fn escape_text(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
}

/// Appends `s` escaped for a double-quoted attribute value.
pub(crate) fn escape_attr(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
}

/// Whether a paragraph's text ends like a sentence (so it is not a heading).
pub(crate) fn ends_like_sentence(s: &str) -> bool {
    let core = s.trim_end_matches(|c: char| {
        is_space(c)
            || matches!(
                c,
                '”' | '’' | '」' | '』' | '"' | '\'' | '）' | ')' | '】' | '》'
            )
    });
    core.ends_with([
        '。', '！', '？', '；', '：', '，', '、', '…', ',', '.', '!', '?', ';', ':', '—',
    ])
}

/// Caps `s` at `max` characters (for error messages).
pub(crate) fn truncate_chars(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// Maps full-width digits and date punctuation to ASCII, leaving other chars.
pub(crate) fn ascii_fold(c: char) -> char {
    match c {
        '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
        '－' => '-',
        '／' => '/',
        '．' => '.',
        '：' => ':',
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collapse_strips_indentation_and_joins_cjk_lines() {
        assert_eq!(
            collapse("\u{a0}\u{a0} \u{3000}正文\n  第二行 end \u{a0}"),
            "正文第二行 end"
        );
        assert_eq!(collapse("a \n b"), "a b");
        assert_eq!(collapse("东莞\u{a0}韶关"), "东莞 韶关");
        assert_eq!(collapse(" \u{a0} "), "");
    }

    #[test]
    fn collapser_works_across_pieces() {
        let mut c = Collapser::default();
        c.push("扶贫");
        c.push("\n");
        c.push("  开发 ");
        c.push("2013");
        assert_eq!(c.chars(), 8);
        assert_eq!(c.take(), "扶贫开发 2013");
        assert!(c.is_empty());
    }

    #[test]
    fn sentence_endings() {
        assert!(ends_like_sentence("完成了。"));
        assert!(ends_like_sentence("他说：“好。”"));
        assert!(ends_like_sentence("建议如下:"));
        assert!(!ends_like_sentence("莞韶产业园拟在韶关市区北部扩建新园区"));
    }

    #[test]
    fn escaping_and_truncation() {
        let mut s = String::new();
        escape_attr("a&b\"<c>", &mut s);
        assert_eq!(s, "a&amp;b&quot;&lt;c&gt;");
        assert_eq!(truncate_chars("一二三四", 2), "一二…");
        assert_eq!(ascii_fold('９'), '9');
    }
}
