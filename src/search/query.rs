//! Answering a search: the query is segmented like the articles were, the
//! database's full-text index finds the matches (all terms required,
//! visibility checked against `articles` at this moment), and each hit gets
//! a title and a snippet with the matched terms in `<mark>`. Snippets are
//! built here from escaped plain text, so neither the article nor the query
//! can put markup into the page.

use std::collections::HashSet;

use serde::Serialize;

use super::segment::Segmenter;
use crate::db::Db;
use crate::db::search::{self as store, HitRow, MatchQuery, Order};

/// Matches are counted up to this many; pages beyond it are not offered.
pub const MAX_RESULTS: i64 = 1000;
/// Characters of body text a snippet shows.
pub const SNIPPET_CHARS: usize = 120;
/// Only this much of a body is looked at for the snippet.
const SNIPPET_SCAN_CHARS: usize = 20_000;

/// How results are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Sort {
    /// Best match first.
    #[default]
    Relevance,
    /// Newest first.
    Date,
}

/// A search, from the public page or the back office.
#[derive(Debug, Clone, Default)]
pub struct SearchQuery {
    /// What the reader typed.
    pub text: String,
    /// Only articles of these channels (the caller adds sub-channels); no
    /// single pages then. Empty: everything.
    pub channel_ids: Vec<i64>,
    /// Published at or after (Unix seconds).
    pub from: Option<i64>,
    /// Published before (Unix seconds).
    pub to: Option<i64>,
    /// Order.
    pub sort: Sort,
    /// Drafts and every other state too (back office only).
    pub include_unpublished: bool,
    /// 1-based page.
    pub page: i64,
    /// Results per page.
    pub per_page: i64,
}

/// Article or single page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HitKind {
    /// An article (`/a/{id}.html`).
    Article,
    /// A single page (`/p/{slug}.html`).
    Page,
}

/// One result.
#[derive(Debug, Clone, Serialize)]
pub struct SearchHit {
    /// Article or page.
    pub kind: HitKind,
    /// Article or page id.
    pub id: i64,
    /// Plain title.
    pub title: String,
    /// Escaped title with `<mark>` around matched terms.
    pub title_html: String,
    /// Escaped snippet with `<mark>` around matched terms.
    pub snippet_html: String,
    /// The article's channel.
    pub channel_id: Option<i64>,
    /// The page's slug.
    pub page_slug: Option<String>,
    /// Publish time (pages: last change), Unix seconds.
    pub at: i64,
    /// Workflow state (`published` for pages).
    pub status: String,
}

/// One page of results.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SearchResults {
    /// The terms searched for (empty: nothing to search).
    pub terms: Vec<String>,
    /// Matches counted, at most [`MAX_RESULTS`].
    pub total: i64,
    /// Whether there are more matches than counted.
    pub capped: bool,
    /// This page (1-based).
    pub page: i64,
    /// Results per page.
    pub per_page: i64,
    /// Number of pages offered.
    pub pages: i64,
    /// The results of this page.
    pub hits: Vec<SearchHit>,
}

/// Runs a search. An empty or meaningless query gives no results, never an
/// error; a page past the end gives an empty list.
pub async fn search(db: &Db, q: &SearchQuery) -> anyhow::Result<SearchResults> {
    let words = store::words(db).await?;
    let seg = Segmenter::with_words(&words);
    let terms = seg.query_terms(&q.text);
    let per_page = q.per_page.clamp(1, 100);
    let page = q.page.max(1);
    let mut out = SearchResults {
        terms: terms.clone(),
        page,
        per_page,
        ..SearchResults::default()
    };
    if terms.is_empty() {
        return Ok(out);
    }
    let mq = MatchQuery {
        terms: &terms,
        channel_ids: &q.channel_ids,
        from: q.from,
        to: q.to,
        order: match q.sort {
            Sort::Relevance => Order::Relevance,
            Sort::Date => Order::Newest,
        },
        include_unpublished: q.include_unpublished,
        offset: (page - 1).saturating_mul(per_page),
        limit: per_page,
    };
    let (counted, matched) = store::find(db, &mq, MAX_RESULTS + 1).await?;
    out.capped = counted > MAX_RESULTS;
    out.total = counted.min(MAX_RESULTS);
    out.pages = (out.total + per_page - 1) / per_page;
    if page > out.pages {
        return Ok(out);
    }
    let keys: Vec<i64> = matched.iter().map(|(k, _)| *k).collect();
    let rows = store::hit_rows(db, &keys).await?;
    let wanted: HashSet<&str> = terms.iter().map(String::as_str).collect();
    for key in keys {
        let Some(row) = rows.iter().find(|r| r.key == key) else {
            continue; // deleted between the two queries
        };
        out.hits.push(hit(&seg, row, &wanted));
    }
    Ok(out)
}

fn hit(seg: &Segmenter, row: &HitRow, wanted: &HashSet<&str>) -> SearchHit {
    let mut body = crate::html::text_of(&row.body_html);
    if body.is_empty() {
        body = row.summary.clone();
    }
    SearchHit {
        kind: if row.key > 0 {
            HitKind::Article
        } else {
            HitKind::Page
        },
        id: row.key.abs(),
        title: row.title.clone(),
        title_html: highlight(seg, &row.title, wanted, usize::MAX),
        snippet_html: highlight(seg, &body, wanted, SNIPPET_CHARS),
        channel_id: row.channel_id,
        page_slug: row.slug.clone(),
        at: row.at,
        status: row.status.clone(),
    }
}

/// Escapes text for HTML.
fn escape_into(out: &mut String, c: char) {
    match crate::html::entity(c) {
        Some(e) => out.push_str(e),
        None if c.is_control() => out.push(' '),
        None => out.push(c),
    }
}

/// Escaped HTML of (a window of at most `max_chars` of) `text`, the
/// window placed where most matched terms are, each match in `<mark>`.
pub fn highlight(seg: &Segmenter, text: &str, wanted: &HashSet<&str>, max_chars: usize) -> String {
    let chars: Vec<char> = text.chars().take(SNIPPET_SCAN_CHARS).collect();
    let marks = find_marks(seg, &chars, wanted, max_chars);
    // Merge overlapping marks (a word and the words inside it).
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (s, e) in marks {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    let total = text.chars().count();
    let (start, end) = window(&merged, chars.len(), total, max_chars);
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    let mut next_mark = merged.iter().skip_while(|m| m.1 <= start).peekable();
    let mut open_until: Option<usize> = None;
    for (i, c) in chars.iter().enumerate().take(end).skip(start) {
        if open_until == Some(i) {
            out.push_str("</mark>");
            open_until = None;
        }
        if open_until.is_none()
            && let Some(&&(s, e)) = next_mark.peek()
            && s <= i
        {
            out.push_str("<mark>");
            open_until = Some(e);
            next_mark.next();
        }
        escape_into(&mut out, *c);
    }
    if open_until.is_some() {
        out.push_str("</mark>");
    }
    if end < total {
        out.push('…');
    }
    out
}

/// Characters segmented at a time when looking for matches.
const SNIPPET_CHUNK: usize = 150;
/// How far a chunk's end may move to reach a character no term continues
/// past (letters and digits run on; the chunk is cut there at the latest).
const SNIPPET_CHUNK_MAX: usize = 1_200;

/// Where the wanted terms are in `chars`, as sorted character ranges.
/// Segmenting is the costly part, so the text is taken in chunks cut where
/// no term can continue (terms are letters and digits only), a chunk is
/// segmented only if a wanted term occurs in it as plain text, and the scan
/// stops once a window's worth of text past the first match was seen.
fn find_marks(
    seg: &Segmenter,
    chars: &[char],
    wanted: &HashSet<&str>,
    max_chars: usize,
) -> Vec<(usize, usize)> {
    let mut marks: Vec<(usize, usize)> = Vec::new();
    let mut at = 0;
    while at < chars.len() {
        let mut end = (at + SNIPPET_CHUNK).min(chars.len());
        while end < chars.len() && end < at + SNIPPET_CHUNK_MAX && chars[end].is_alphanumeric() {
            end += 1;
        }
        let piece: String = chars[at..end].iter().collect();
        let folded = super::segment::fold(&piece);
        if wanted.iter().any(|w| folded.contains(w)) {
            marks.extend(
                seg.index_terms(&piece)
                    .into_iter()
                    .filter(|t| wanted.contains(t.word.as_str()))
                    .map(|t| (t.start + at, t.end + at)),
            );
        }
        at = end;
        if let Some(first) = marks.iter().map(|m| m.0).min()
            && at >= first.saturating_add(max_chars)
        {
            break;
        }
    }
    marks.sort_unstable();
    marks
}

/// The window `[start, end)` of at most `max` characters holding the most
/// marks, starting a little before its first mark.
fn window(marks: &[(usize, usize)], scanned: usize, total: usize, max: usize) -> (usize, usize) {
    if total <= max || marks.is_empty() {
        return (0, scanned.min(max));
    }
    let lead = (max / 6).min(20);
    let mut best = (0usize, 0usize); // (count, index of first mark)
    let mut j = 0;
    for i in 0..marks.len() {
        let limit = marks[i].0.saturating_sub(lead) + max;
        if j < i {
            j = i;
        }
        while j < marks.len() && marks[j].1 <= limit {
            j += 1;
        }
        if j - i > best.0 {
            best = (j - i, i);
        }
    }
    let mut start = marks[best.1].0.saturating_sub(lead);
    if start + max > scanned {
        start = scanned.saturating_sub(max);
    }
    (start, (start + max).min(scanned))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hl(text: &str, query: &str, max: usize) -> String {
        let seg = Segmenter::base();
        let terms = seg.query_terms(query);
        let wanted: HashSet<&str> = terms.iter().map(String::as_str).collect();
        highlight(&seg, text, &wanted, max)
    }

    #[test]
    fn marks_matched_terms_only() {
        assert_eq!(
            hl("中国农业发展银行支持农业", "农业", 100),
            "中国<mark>农业</mark>发展银行支持<mark>农业</mark>"
        );
        assert_eq!(hl("和服务对象座谈", "和服", 100), "和服务对象座谈");
        assert_eq!(hl("扶貧開發", "扶贫", 100), "<mark>扶貧</mark>開發");
    }

    #[test]
    fn escapes_the_text_and_never_the_marks() {
        let out = hl(
            "<script>alert(1)</script> 扶贫 & \"帮扶\"",
            "script 扶贫",
            100,
        );
        assert_eq!(
            out,
            "&lt;<mark>script</mark>&gt;alert(1)&lt;/<mark>script</mark>&gt; <mark>扶贫</mark> &amp; &quot;帮扶&quot;"
        );
        let out = hl("扶贫", "<mark>扶贫</mark>", 100);
        assert_eq!(out, "<mark>扶贫</mark>");
    }

    #[test]
    fn snippet_window_moves_to_the_matches() {
        let text = format!(
            "{}韶关市扶贫开发工作{}",
            "无关内容。".repeat(60),
            "其他。".repeat(60)
        );
        let out = hl(&text, "韶关", 40);
        assert!(out.starts_with('…') && out.ends_with('…'), "{out}");
        assert!(out.contains("<mark>韶关</mark>"), "{out}");
        let shown = out.replace("<mark>", "").replace("</mark>", "");
        assert!(shown.chars().count() <= 42, "{shown}");
    }

    #[test]
    fn matches_far_into_a_long_text_are_found_chunk_by_chunk() {
        // Far past the first chunk, in a run with no punctuation (so a
        // chunk ends inside it), and after a look-alike (和服务).
        let text = format!(
            "{}和服务{}莞韶产业园{}",
            "无关内容。".repeat(400),
            "乡".repeat(SNIPPET_CHUNK + 7),
            "其他。".repeat(300)
        );
        let out = hl(&text, "和服", 40);
        assert!(!out.contains("<mark>"), "{out}");
        let out = hl(&text, "莞韶", 40);
        assert!(out.contains("<mark>莞韶</mark>"), "{out}");
        // A word cut by a chunk end inside a long run is still found whole.
        let text = format!(
            "{}扶贫开发{}",
            "乡".repeat(SNIPPET_CHUNK - 2),
            "。".repeat(10)
        );
        assert!(hl(&text, "扶贫开发", 40).contains("<mark>扶贫开发</mark>"));
    }
}
