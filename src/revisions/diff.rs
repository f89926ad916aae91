//! A readable diff between two article bodies for the revisions page.
//!
//! Bodies are first cut into blocks (paragraphs, headings, list items,
//! table rows, captions, pictures) and compared as a sequence of block
//! texts; blocks that were edited rather than added or removed are then
//! compared inside, token by token. Chinese has no spaces between words, so
//! a token is one CJK character, one run of Latin letters or digits, one run
//! of white space or one other character: a changed 字 shows as one
//! character, a changed English word as one word. The result holds only
//! text; templates escape it, so nothing from either body becomes markup.

use std::cell::RefCell;
use std::time::{Duration, Instant};

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{
    BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};
use serde::Serialize;
use similar::{Algorithm, DiffOp, capture_diff_slices_deadline};

/// How a run of text or a block changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    /// In both versions.
    Same,
    /// Only in the newer version.
    Added,
    /// Only in the older version.
    Removed,
    /// Edited: the runs say what changed inside.
    Changed,
    /// Unchanged blocks left out of a folded diff; the text says how many.
    Folded,
}

/// A stretch of text with one change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Run {
    /// Same, added or removed.
    pub change: Change,
    /// The text (plain, to be escaped).
    pub text: String,
}

/// One block of the comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Block {
    /// What happened to the block.
    pub change: Change,
    /// What it is: `p`, `h2`, `h3`, `li`, `tr`, `img`, `hr`…
    pub kind: String,
    /// Its text in runs (one run unless the block was edited).
    pub runs: Vec<Run>,
}

/// The comparison of two bodies.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BodyDiff {
    /// Blocks in reading order.
    pub blocks: Vec<Block>,
    /// Blocks only in the newer body.
    pub added: usize,
    /// Blocks only in the older body.
    pub removed: usize,
    /// Blocks edited.
    pub changed: usize,
}

impl BodyDiff {
    /// Whether the bodies read the same.
    pub fn is_empty(&self) -> bool {
        self.added + self.removed + self.changed == 0
    }

    /// The same diff with runs of unchanged blocks more than `context`
    /// blocks away from a change folded into one [`Change::Folded`] block.
    pub fn folded(mut self, context: usize) -> BodyDiff {
        let near: Vec<bool> = (0..self.blocks.len())
            .map(|i| {
                let lo = i.saturating_sub(context);
                let hi = (i + context + 1).min(self.blocks.len());
                self.blocks[lo..hi].iter().any(|b| b.change != Change::Same)
            })
            .collect();
        let mut out = Vec::with_capacity(self.blocks.len());
        let mut hidden = 0usize;
        for (block, near) in self.blocks.drain(..).zip(near) {
            if near {
                flush_folded(&mut out, &mut hidden);
                out.push(block);
            } else {
                hidden += 1;
            }
        }
        flush_folded(&mut out, &mut hidden);
        self.blocks = out;
        self
    }
}

impl BodyDiff {
    /// The diff as HTML for a page: one `<p class="diff-block diff-…">` per
    /// block, removed text in `<del>`, added text in `<ins>`. Every piece of
    /// text is escaped, so the result is safe to insert as it is.
    pub fn to_html(&self) -> String {
        fn escape(text: &str, out: &mut String) {
            for c in text.chars() {
                match crate::html::entity(c) {
                    Some(e) => out.push_str(e),
                    None => out.push(c),
                }
            }
        }
        let mut out = String::new();
        for block in &self.blocks {
            let class = match block.change {
                Change::Same => "same",
                Change::Added => "added",
                Change::Removed => "removed",
                Change::Changed => "changed",
                Change::Folded => "folded",
            };
            out.push_str(&format!("<p class=\"diff-block diff-{class}\">"));
            for run in &block.runs {
                let (open, close) = match run.change {
                    Change::Added => ("<ins>", "</ins>"),
                    Change::Removed => ("<del>", "</del>"),
                    _ => ("", ""),
                };
                out.push_str(open);
                escape(&run.text, &mut out);
                out.push_str(close);
            }
            out.push_str("</p>\n");
        }
        if self.blocks.is_empty() {
            out.push_str("<p class=\"muted\">正文为空。</p>\n");
        }
        out
    }
}

fn flush_folded(out: &mut Vec<Block>, hidden: &mut usize) {
    if *hidden > 0 {
        out.push(Block {
            change: Change::Folded,
            kind: "fold".into(),
            runs: vec![Run {
                change: Change::Folded,
                text: format!("（省略 {hidden} 段未改动的内容）"),
            }],
        });
        *hidden = 0;
    }
}

/// A block read out of a body: its kind and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextBlock {
    /// `p`, `h2`, `li`, `tr`, `img`…
    pub kind: String,
    /// White-space-folded text.
    pub text: String,
}

/// Elements that make a block of their own.
const BLOCKS: &[&str] = &[
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "tr",
    "caption",
    "figcaption",
    "blockquote",
    "pre",
    "div",
];

#[derive(Default)]
struct Reader {
    blocks: RefCell<Vec<TextBlock>>,
    current: RefCell<Option<(String, String)>>,
}

impl Reader {
    fn close(&self) {
        if let Some((kind, text)) = self.current.borrow_mut().take() {
            let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            if !text.is_empty() {
                self.blocks.borrow_mut().push(TextBlock { kind, text });
            }
        }
    }

    fn push_text(&self, s: &str) {
        let mut current = self.current.borrow_mut();
        current
            .get_or_insert_with(|| ("p".to_string(), String::new()))
            .1
            .push_str(s);
    }
}

impl TokenSink for Reader {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        match token {
            Token::TagToken(tag) => {
                let name: &str = &tag.name;
                match (tag.kind, name) {
                    (TagKind::StartTag, "img") => {
                        let attr = |n: &str| {
                            tag.attrs
                                .iter()
                                .find(|a| &*a.name.local == n)
                                .map(|a| a.value.to_string())
                                .unwrap_or_default()
                        };
                        let alt = attr("alt");
                        let src = attr("src");
                        let file = src.rsplit('/').next().unwrap_or_default().to_string();
                        self.close();
                        self.blocks.borrow_mut().push(TextBlock {
                            kind: "img".into(),
                            text: format!("［图片］{alt} {file}").trim().to_string(),
                        });
                    }
                    (TagKind::StartTag, "hr") => {
                        self.close();
                        self.blocks.borrow_mut().push(TextBlock {
                            kind: "hr".into(),
                            text: "［分隔线］".into(),
                        });
                    }
                    (TagKind::StartTag, "br") => self.push_text(" "),
                    (TagKind::StartTag, "td" | "th") => {
                        let mut current = self.current.borrow_mut();
                        if let Some((_, text)) = current.as_mut()
                            && !text.trim().is_empty()
                        {
                            text.push_str(" | ");
                        }
                    }
                    (TagKind::StartTag, n) if BLOCKS.contains(&n) => {
                        self.close();
                        *self.current.borrow_mut() = Some((n.to_string(), String::new()));
                    }
                    (TagKind::EndTag, n) if BLOCKS.contains(&n) => self.close(),
                    _ => {}
                }
            }
            Token::CharacterTokens(text) => self.push_text(&text),
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

/// The blocks of an HTML body in reading order.
pub fn blocks_of(html: &str) -> Vec<TextBlock> {
    let tokenizer = Tokenizer::new(Reader::default(), TokenizerOpts::default());
    let queue = BufferQueue::default();
    queue.push_back(StrTendril::from(html));
    let _ = tokenizer.feed(&queue);
    tokenizer.end();
    tokenizer.sink.close();
    tokenizer.sink.blocks.take()
}

/// Cuts text into diff tokens (see the module comment).
fn tokens(text: &str) -> Vec<&str> {
    #[derive(PartialEq)]
    enum Class {
        Word,
        Space,
        Single,
    }
    let class = |c: char| {
        if c.is_whitespace() {
            Class::Space
        } else if c.is_ascii_alphanumeric() || (c.is_alphanumeric() && !is_cjk(c)) {
            Class::Word
        } else {
            Class::Single
        }
    };
    let mut out = Vec::new();
    let mut start = 0;
    let mut prev: Option<Class> = None;
    for (i, c) in text.char_indices() {
        let k = class(c);
        let joins = matches!(
            (&prev, &k),
            (Some(Class::Word), Class::Word) | (Some(Class::Space), Class::Space)
        );
        if !joins && i > start {
            out.push(&text[start..i]);
            start = i;
        }
        prev = Some(k);
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3000..=0x303F | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF
        | 0xFF00..=0xFFEF | 0x20000..=0x2FFFF)
}

/// Bounds the work on pathological inputs: past it the diff is coarser,
/// never wrong.
const TIME_BUDGET: Duration = Duration::from_millis(200);

/// The inline diff of two texts as runs.
pub fn diff_text(old: &str, new: &str) -> Vec<Run> {
    let a = tokens(old);
    let b = tokens(new);
    let deadline = Some(Instant::now() + TIME_BUDGET);
    let ops = capture_diff_slices_deadline(Algorithm::Myers, &a, &b, deadline);
    let mut runs: Vec<Run> = Vec::new();
    let mut push = |change: Change, parts: &[&str]| {
        if parts.is_empty() {
            return;
        }
        let text = parts.concat();
        match runs.last_mut() {
            Some(last) if last.change == change => last.text.push_str(&text),
            _ => runs.push(Run { change, text }),
        }
    };
    for op in &ops {
        let (_, old_range, new_range) = op.as_tag_tuple();
        match op {
            DiffOp::Equal { .. } => push(Change::Same, &a[old_range]),
            DiffOp::Delete { .. } => push(Change::Removed, &a[old_range]),
            DiffOp::Insert { .. } => push(Change::Added, &b[new_range]),
            DiffOp::Replace { .. } => {
                push(Change::Removed, &a[old_range]);
                push(Change::Added, &b[new_range]);
            }
        }
    }
    runs
}

/// How alike two texts are, 0 to 1, by the share of characters kept.
fn likeness(runs: &[Run]) -> f64 {
    let count = |c: Change| {
        runs.iter()
            .filter(|r| r.change == c)
            .map(|r| r.text.chars().count())
            .sum::<usize>()
    };
    let same = count(Change::Same);
    let total = 2 * same + count(Change::Added) + count(Change::Removed);
    if total == 0 {
        1.0
    } else {
        (2 * same) as f64 / total as f64
    }
}

fn whole(change: Change, block: &TextBlock) -> Block {
    Block {
        change,
        kind: block.kind.clone(),
        runs: vec![Run {
            change,
            text: block.text.clone(),
        }],
    }
}

/// Compares two HTML bodies block by block, then inside edited blocks.
pub fn diff_bodies(old_html: &str, new_html: &str) -> BodyDiff {
    let old = blocks_of(old_html);
    let new = blocks_of(new_html);
    let key = |b: &TextBlock| format!("{}\u{0}{}", b.kind, b.text);
    let old_keys: Vec<String> = old.iter().map(key).collect();
    let new_keys: Vec<String> = new.iter().map(key).collect();
    let deadline = Some(Instant::now() + TIME_BUDGET);
    let ops = capture_diff_slices_deadline(Algorithm::Patience, &old_keys, &new_keys, deadline);
    let mut out = BodyDiff::default();
    for op in &ops {
        let (_, old_range, new_range) = op.as_tag_tuple();
        match op {
            DiffOp::Equal { .. } => {
                out.blocks
                    .extend(old[old_range].iter().map(|b| whole(Change::Same, b)));
            }
            DiffOp::Delete { .. } => {
                out.removed += old_range.len();
                out.blocks
                    .extend(old[old_range].iter().map(|b| whole(Change::Removed, b)));
            }
            DiffOp::Insert { .. } => {
                out.added += new_range.len();
                out.blocks
                    .extend(new[new_range].iter().map(|b| whole(Change::Added, b)));
            }
            DiffOp::Replace { .. } => {
                // Pair blocks in order; a pair too different to read as an
                // edit shows as one removed and one added block.
                let (olds, news) = (&old[old_range], &new[new_range]);
                for i in 0..olds.len().max(news.len()) {
                    match (olds.get(i), news.get(i)) {
                        (Some(o), Some(n)) => {
                            let runs = diff_text(&o.text, &n.text);
                            if likeness(&runs) >= 0.4 {
                                out.changed += 1;
                                out.blocks.push(Block {
                                    change: Change::Changed,
                                    kind: n.kind.clone(),
                                    runs,
                                });
                            } else {
                                out.removed += 1;
                                out.added += 1;
                                out.blocks.push(whole(Change::Removed, o));
                                out.blocks.push(whole(Change::Added, n));
                            }
                        }
                        (Some(o), None) => {
                            out.removed += 1;
                            out.blocks.push(whole(Change::Removed, o));
                        }
                        (None, Some(n)) => {
                            out.added += 1;
                            out.blocks.push(whole(Change::Added, n));
                        }
                        (None, None) => {}
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runs(list: &[(Change, &str)]) -> Vec<Run> {
        list.iter()
            .map(|(change, text)| Run {
                change: *change,
                text: text.to_string(),
            })
            .collect()
    }

    #[test]
    fn blocks_are_read_from_bodies() {
        let html = "<h2>小标题</h2><p>第一段<br>续行 &amp; 符号</p>散文字\
                    <ul><li>甲</li><li>乙</li></ul>\
                    <table><tr><th>地区</th><th>户数</th></tr><tr><td>韶关</td><td>78</td></tr></table>\
                    <p><img src=\"/media/2026/11/ab.jpg\" alt=\"现场\"></p><hr>";
        let got: Vec<(String, String)> = blocks_of(html)
            .into_iter()
            .map(|b| (b.kind, b.text))
            .collect();
        let want = [
            ("h2", "小标题"),
            ("p", "第一段 续行 & 符号"),
            ("p", "散文字"),
            ("li", "甲"),
            ("li", "乙"),
            ("tr", "地区 | 户数"),
            ("tr", "韶关 | 78"),
            ("img", "［图片］现场 ab.jpg"),
            ("hr", "［分隔线］"),
        ];
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(k, t)| (k.to_string(), t.to_string()))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn chinese_is_compared_by_character_and_latin_by_word() {
        assert_eq!(
            diff_text("全省帮扶贫困户三千户", "全省帮扶困难户三千五百户"),
            runs(&[
                (Change::Same, "全省帮扶"),
                (Change::Removed, "贫"),
                (Change::Same, "困"),
                (Change::Added, "难"),
                (Change::Same, "户三千"),
                (Change::Added, "五百"),
                (Change::Same, "户"),
            ])
        );
        assert_eq!(
            diff_text("GDP grew 5 percent", "GDP grew 6 percent"),
            runs(&[
                (Change::Same, "GDP grew "),
                (Change::Removed, "5"),
                (Change::Added, "6"),
                (Change::Same, " percent"),
            ])
        );
    }

    #[test]
    fn bodies_are_compared_block_by_block() {
        let old = "<p>第一段。</p><p>第二段讲扶贫。</p><p>第三段。</p><p>将被删除。</p>";
        let new = "<p>第一段。</p><p>第二段讲乡村振兴。</p><p>第三段。</p><h2>新增小标题</h2>";
        let d = diff_bodies(old, new);
        assert_eq!((d.added, d.removed, d.changed), (1, 1, 1));
        let changes: Vec<Change> = d.blocks.iter().map(|b| b.change).collect();
        assert_eq!(
            changes,
            [
                Change::Same,
                Change::Changed,
                Change::Same,
                Change::Removed,
                Change::Added
            ]
        );
        let edited = &d.blocks[1].runs;
        assert!(
            edited
                .iter()
                .any(|r| r.change == Change::Removed && r.text == "扶贫")
        );
        assert!(
            edited
                .iter()
                .any(|r| r.change == Change::Added && r.text == "乡村振兴")
        );
        assert!(diff_bodies(old, old).is_empty());
    }

    #[test]
    fn markup_in_bodies_stays_text() {
        let d = diff_bodies(
            "<p>甲</p>",
            "<p>甲</p><p>&lt;script&gt;alert(1)&lt;/script&gt;</p>",
        );
        assert_eq!(d.blocks[1].runs[0].text, "<script>alert(1)</script>");
        // The text is for an auto-escaping template; it is never marked safe.
        assert_eq!(d.blocks[1].change, Change::Added);
    }

    #[test]
    fn the_partial_template_escapes_runs() {
        #[derive(Serialize)]
        struct Ctx {
            diff: BodyDiff,
        }
        let diff = diff_bodies(
            "<p>扶贫&lt;b&gt;旧</p>",
            "<p>扶贫&lt;b&gt;新</p><p>&lt;script&gt;</p>",
        );
        let html = crate::render::Templates::new(None)
            .render("admin/diff.html", &Ctx { diff })
            .unwrap();
        assert!(html.contains("<del>旧</del>"), "{html}");
        assert!(html.contains("<ins>新</ins>"), "{html}");
        assert!(
            html.contains("&lt;script&gt;") && !html.contains("<script"),
            "{html}"
        );
        assert!(html.contains("扶贫&lt;b&gt;"), "{html}");
    }

    #[test]
    fn html_output_escapes_every_run() {
        let d = diff_bodies(
            "<p>甲&lt;b&gt;</p>",
            "<p>乙&lt;b&gt;</p><p>&lt;img src=x onerror=alert(1)&gt;</p>",
        );
        let html = d.to_html();
        assert!(
            html.contains("<del>甲</del><ins>乙</ins>&lt;b&gt;"),
            "{html}"
        );
        assert!(
            html.contains("<p class=\"diff-block diff-added\"><ins>&lt;img"),
            "{html}"
        );
        assert!(!html.contains("<img") && !html.contains("<b>"), "{html}");
    }

    #[test]
    fn long_unchanged_stretches_fold() {
        let mut old = String::new();
        for i in 0..20 {
            old.push_str(&format!("<p>第{i}段</p>"));
        }
        let new = old.replace("<p>第10段</p>", "<p>第10段改</p>");
        let d = diff_bodies(&old, &new).folded(1);
        let kinds: Vec<Change> = d.blocks.iter().map(|b| b.change).collect();
        assert_eq!(
            kinds,
            [
                Change::Folded,
                Change::Same,
                Change::Changed,
                Change::Same,
                Change::Folded
            ]
        );
        assert_eq!(d.blocks[0].runs[0].text, "（省略 9 段未改动的内容）");
    }
}
