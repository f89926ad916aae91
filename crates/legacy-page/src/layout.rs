//! Locating the article inside a page's text blocks.
//!
//! Both input kinds are first reduced to a list of `Block`s: the non-empty
//! lines of a text capture, or the block-level text runs of an HTML page. The
//! page anatomy is then read the same way for both: the publish-date line is
//! the anchor; the breadcrumb is the last `当前位置` line before it; the title
//! is the nearest text block above the anchor (a `——` line in between is the
//! subtitle); the body starts after the anchor and its meta continuation lines
//! and ends at the first footer or trailer marker (`欢迎访问`, `版权所有`,
//! `上一篇`...). Markers are recognised by text, not by class names, because
//! the old templates differ in markup but not in these words.

use crate::error::ParseError;
use crate::meta::{MetaFields, has_date_label, is_pure_meta};
use crate::text::{char_len, collapse, is_space};

/// A run of text between block boundaries.
#[derive(Debug, Clone, Default)]
pub(crate) struct Block {
    /// Collapsed text, never empty.
    pub text: String,
    /// Position of the first contributing node (line number for captures).
    pub start: usize,
    /// Position of the last contributing node.
    pub end: usize,
    /// Characters of `text` that sit inside links.
    pub link_chars: usize,
    /// Nearest block-level element (HTML only).
    pub container: usize,
    /// The container is marked as a subtitle (class/id).
    pub subtitle_hint: bool,
}

/// What the anatomy pass found.
#[derive(Debug, Clone, Default)]
pub(crate) struct Anatomy {
    /// First block of the meta lines.
    pub meta_first: usize,
    /// Last block of the meta lines.
    pub meta_last: usize,
    /// Parsed meta values (date still raw).
    pub fields: MetaFields,
    /// Article title.
    pub title: String,
    /// Subtitle without dashes.
    pub subtitle: Option<String>,
    /// Breadcrumb items after the root.
    pub channel_path: Vec<String>,
    /// Block index where the body stops (exclusive).
    pub stop: usize,
    /// Body blocks to leave out (toolbars, meta trailers, a repeated title), ascending.
    pub skip: Vec<usize>,
}

/// How many date-labelled lines make a page look like a list, not an article.
const LIST_THRESHOLD: usize = 3;

/// Longest text still accepted as a title.
const MAX_TITLE_CHARS: usize = 150;

/// Reads the anatomy. `crumb` returns the breadcrumb text of a block with
/// separators kept (HTML pages mark link boundaries there); `page_title` is
/// the cleaned `<title>` when there is one.
pub(crate) fn analyze(
    blocks: &[Block],
    crumb: &dyn Fn(&Block) -> String,
    page_title: Option<&str>,
) -> Result<Anatomy, ParseError> {
    let dated: Vec<usize> = (0..blocks.len())
        .filter(|&i| has_date_label(&blocks[i].text))
        .collect();
    if dated.is_empty() {
        return Err(ParseError::NotArticle("no 加入时间 line found".into()));
    }
    if dated.len() >= LIST_THRESHOLD {
        return Err(ParseError::NotArticle(format!(
            "{} 加入时间 lines: looks like a list page",
            dated.len()
        )));
    }
    let first_crumb = (0..blocks.len()).find(|&i| is_crumb(&blocks[i].text));
    // Prefer the first dated line after the breadcrumb (a sidebar notice with
    // a date may come earlier in the markup).
    let meta = first_crumb
        .and_then(|c| dated.iter().copied().find(|&d| d > c))
        .unwrap_or(dated[0]);
    let mut a = Anatomy {
        meta_first: meta,
        meta_last: meta,
        ..Anatomy::default()
    };
    while a.meta_first > 0 && is_meta_line(&blocks[a.meta_first - 1].text) {
        a.meta_first -= 1;
    }
    while a.meta_last + 1 < blocks.len() && is_meta_line(&blocks[a.meta_last + 1].text) {
        a.meta_last += 1;
    }
    a.fields.absorb(&blocks[meta].text);
    for b in &blocks[a.meta_first..=a.meta_last] {
        a.fields.absorb(&b.text);
    }

    let crumb_idx = (0..a.meta_first).rev().find(|&i| is_crumb(&blocks[i].text));
    if let Some(c) = crumb_idx {
        a.channel_path = split_crumb(&crumb(&blocks[c]));
    }
    let floor = crumb_idx.map_or(0, |c| c + 1);
    let page_title = page_title.map(|p| strip_channel_suffix(p, &a.channel_path));
    find_title(&mut a, blocks, floor, page_title.as_deref())?;
    if a.channel_path.last().is_some_and(|l| *l == a.title) {
        a.channel_path.pop();
    }
    plan_body(&mut a, blocks);
    Ok(a)
}

/// A short line made only of labeled meta values (作者：… / 来源：…).
fn is_meta_line(text: &str) -> bool {
    char_len(text) <= 80 && is_pure_meta(text) && !has_date_label(text)
}

fn is_subtitle_text(text: &str) -> bool {
    text.starts_with("——") || text.starts_with("--") || text.starts_with("－－")
}

fn strip_dashes(text: &str) -> String {
    collapse(text.trim_start_matches(|c: char| matches!(c, '—' | '-' | '－') || is_space(c)))
}

fn find_title(
    a: &mut Anatomy,
    blocks: &[Block],
    floor: usize,
    page_title: Option<&str>,
) -> Result<(), ParseError> {
    let mut idx = a.meta_first;
    let mut title = None;
    while idx > floor {
        idx -= 1;
        let b = &blocks[idx];
        if classify(&b.text) == Line::Trailer {
            continue;
        }
        if (is_subtitle_text(&b.text) || b.subtitle_hint) && a.subtitle.is_none() && title.is_none()
        {
            let sub = strip_dashes(&b.text);
            a.subtitle = (!sub.is_empty()).then_some(sub);
            continue;
        }
        title = Some(idx);
        break;
    }
    // Cross-check with <title>: when it names another block close above the
    // meta line, that block is the title and a short line under it the subtitle.
    if let (Some(t), Some(pt)) = (title, page_title)
        && blocks[t].text != pt
    {
        let lower = floor.max(t.saturating_sub(6));
        if let Some(m) = (lower..t).rev().find(|&i| blocks[i].text == pt) {
            if m + 1 == t && a.subtitle.is_none() && char_len(&blocks[t].text) <= 60 {
                a.subtitle = Some(strip_dashes(&blocks[t].text));
            }
            title = Some(m);
        }
    }
    let from_block = title
        .map(|t| blocks[t].text.clone())
        .filter(|t| char_len(t) <= MAX_TITLE_CHARS);
    a.title = match (from_block, page_title) {
        (Some(t), _) => t,
        (None, Some(pt)) if !pt.is_empty() => pt.to_string(),
        _ => return Err(ParseError::NotArticle("no title".into())),
    };
    Ok(())
}

/// Decides where the body stops and which of its blocks to leave out.
fn plan_body(a: &mut Anatomy, blocks: &[Block]) {
    let mut seen_content = false;
    a.stop = blocks.len();
    for (i, b) in blocks.iter().enumerate().skip(a.meta_last + 1) {
        match classify(&b.text) {
            Line::Footer => {
                a.stop = i;
                return;
            }
            Line::Trailer if seen_content => {
                a.stop = i;
                return;
            }
            Line::Trailer => a.skip.push(i),
            Line::Meta => {
                a.fields.absorb(&b.text);
                a.skip.push(i);
            }
            Line::Text if !seen_content && b.text == a.title => a.skip.push(i),
            Line::Text => seen_content = true,
        }
    }
}

/// Role of a text block inside the body region.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Line {
    /// Site footer: the body ends here.
    Footer,
    /// Article trailer or toolbar (print, close, previous/next, related).
    Trailer,
    /// A labeled meta line such as `（责任编辑：李明）`.
    Meta,
    /// Ordinary text.
    Text,
}

/// Classifies a body block by its words.
pub(crate) fn classify(text: &str) -> Line {
    let len = char_len(text);
    if len <= 200 {
        const FOOTER: &[&str] = &[
            "版权所有",
            "Copyright",
            "COPYRIGHT",
            "copyright",
            "©",
            "ICP备",
            "ICP证",
            "ICP号",
            "流量统计",
            "设为首页",
            "加入收藏",
            "技术支持：",
            "技术支持:",
        ];
        if text.starts_with("欢迎访问") || FOOTER.iter().any(|m| text.contains(m)) {
            return Line::Footer;
        }
    }
    if len <= 80 {
        const STARTS: &[&str] = &[
            "上一篇",
            "下一篇",
            "上一条",
            "下一条",
            "上一页",
            "下一页",
            "相关文章",
            "相关新闻",
            "相关链接",
            "相关阅读",
            "返回顶部",
            "返回首页",
            "发表评论",
            "网友评论",
            "我要评论",
            "打印本页",
            "关闭窗口",
        ];
        const CONTAINS: &[&str] = &[
            "【打印",
            "【关闭",
            "[打印",
            "[关闭",
            "打印此文",
            "打印本文",
            "关闭本页",
            "关闭窗口",
            "【收藏",
            "【返回",
            "【字体",
            "[字体",
            "字体：大",
            "字体:大",
        ];
        if STARTS.iter().any(|m| text.starts_with(m)) || CONTAINS.iter().any(|m| text.contains(m)) {
            return Line::Trailer;
        }
        if len <= 60 && is_pure_meta(text) && !has_date_label(text) {
            return Line::Meta;
        }
    }
    Line::Text
}

/// Whether a block is a breadcrumb (`当前位置：首页>>…`).
fn is_crumb(text: &str) -> bool {
    if char_len(text) > 120 {
        return false;
    }
    if let Some(pos) = text.find("位置") {
        let after =
            text[pos + "位置".len()..].trim_start_matches(|c: char| is_space(c) || c == '是');
        return after.starts_with([':', '：']) || after.starts_with("首页");
    }
    let t = text.trim_start_matches(is_space);
    (t.starts_with("首页") || t.starts_with("网站首页"))
        && (t.contains('>') || t.contains('»') || t.contains('→'))
}

/// Characters that separate breadcrumb items (`\u{1f}` marks link edges).
fn is_crumb_sep(c: char) -> bool {
    matches!(c, '>' | '»' | '→' | '›' | '＞' | '〉' | '\u{1f}')
}

/// Root items that never belong to the channel path.
const ROOTS: &[&str] = &[
    "首页",
    "网站首页",
    "本站首页",
    "主页",
    "Home",
    "HOME",
    "home",
];

/// Tail items that name the page, not a channel.
const TAILS: &[&str] = &[
    "正文",
    "内容",
    "文章内容",
    "浏览文章",
    "文章正文",
    "查看内容",
    "详细内容",
];

/// Splits breadcrumb text into channel names, dropping the root.
pub(crate) fn split_crumb(raw: &str) -> Vec<String> {
    let s = raw.replace("&gt;", ">").replace("&raquo;", "»");
    let s = match s.find("位置") {
        Some(p) => {
            let after = &s[p + "位置".len()..];
            let after =
                after.trim_start_matches(|c: char| is_space(c) || c == '是' || c == '\u{1f}');
            after.strip_prefix([':', '：']).unwrap_or(after).to_string()
        }
        None => s,
    };
    let mut items = Vec::new();
    let mut cur = String::new();
    let mut sep_run = String::new();
    let flush_sep = |sep_run: &mut String, cur: &mut String, items: &mut Vec<String>| {
        if sep_run.chars().any(is_crumb_sep) {
            items.push(std::mem::take(cur));
        } else {
            cur.push_str(sep_run);
        }
        sep_run.clear();
    };
    for c in s.chars() {
        if is_crumb_sep(c) || c == '-' || c == '－' {
            sep_run.push(c);
        } else {
            if !sep_run.is_empty() {
                flush_sep(&mut sep_run, &mut cur, &mut items);
            }
            cur.push(c);
        }
    }
    flush_sep(&mut sep_run, &mut cur, &mut items);
    items.push(cur);
    let mut out: Vec<String> = items
        .iter()
        .map(|i| collapse(i))
        .filter(|i| !i.is_empty() && !ROOTS.contains(&i.as_str()))
        .collect();
    if out
        .first()
        .is_some_and(|f| SITE_NAMES.contains(&f.as_str()))
    {
        out.remove(0);
    }
    while out.last().is_some_and(|l| TAILS.contains(&l.as_str())) {
        out.pop();
    }
    out
}

/// Site names that decorate `<title>` and are not part of an article title.
const SITE_NAMES: &[&str] = &["广东扶贫网", "广东省扶贫开发协会", "扶贫开发协会"];

fn is_title_sep(c: char) -> bool {
    is_space(c) || matches!(c, '-' | '－' | '—' | '_' | '|' | '｜' | '·' | ':' | '：')
}

/// Removes site-name prefixes/suffixes (and a trailing channel name) from `<title>`.
pub(crate) fn clean_page_title(raw: &str) -> Option<String> {
    let mut t = collapse(raw);
    loop {
        let before = t.len();
        for name in SITE_NAMES {
            if let Some(rest) = t.strip_suffix(name) {
                t = rest.trim_end_matches(is_title_sep).to_string();
            }
            if let Some(rest) = t.strip_prefix(name) {
                t = rest.trim_start_matches(is_title_sep).to_string();
            }
        }
        if t.len() == before {
            break;
        }
    }
    (!t.is_empty()).then_some(t)
}

/// Drops a trailing `_channel` from a cleaned `<title>` when it names a channel.
pub(crate) fn strip_channel_suffix(title: &str, channels: &[String]) -> String {
    for ch in channels {
        if let Some(rest) = title.strip_suffix(ch.as_str()) {
            let trimmed = rest.trim_end_matches(is_title_sep);
            if trimmed.len() < rest.len() && !trimmed.is_empty() {
                return trimmed.to_string();
            }
        }
    }
    title.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn breadcrumb_separators() {
        let want = v(&["扶贫前沿", "地市联播"]);
        assert_eq!(split_crumb("当前位置:首页->>扶贫前沿->>地市联播"), want);
        assert_eq!(split_crumb("当前位置：首页 >> 扶贫前沿 >> 地市联播"), want);
        assert_eq!(
            split_crumb("您的位置： 首页 > 扶贫前沿 > 地市联播 > 正文"),
            want
        );
        assert_eq!(split_crumb("当前位置:首页 » 扶贫前沿 » 地市联播"), want);
        assert_eq!(split_crumb("当前位置:首页→扶贫前沿→地市联播"), want);
        assert_eq!(
            split_crumb("当前位置：首页-&gt;&gt;扶贫前沿-&gt;&gt;地市联播"),
            want
        );
        assert_eq!(
            split_crumb("当前位置：\u{1f}首页\u{1f}\u{1f}扶贫前沿\u{1f}\u{1f}地市联播\u{1f}"),
            want
        );
        assert_eq!(
            split_crumb("当前位置：首页>>东西部-协作"),
            v(&["东西部-协作"])
        );
    }

    #[test]
    fn crumb_detection() {
        assert!(is_crumb("当前位置:首页->>扶贫前沿"));
        assert!(is_crumb("您现在的位置是：首页 > 协会新闻"));
        assert!(is_crumb("首页 >> 协会新闻"));
        assert!(!is_crumb("扶贫要闻"));
    }

    #[test]
    fn page_title_cleanup() {
        assert_eq!(
            clean_page_title("村村通公路--广东扶贫网"),
            Some("村村通公路".into())
        );
        assert_eq!(
            clean_page_title("村村通公路_广东扶贫网_广东省扶贫开发协会"),
            Some("村村通公路".into())
        );
        assert_eq!(clean_page_title("广东扶贫网--广东省扶贫开发协会"), None);
        assert_eq!(
            strip_channel_suffix("村村通公路_地市联播", &v(&["地市联播"])),
            "村村通公路"
        );
        assert_eq!(
            strip_channel_suffix("地市联播", &v(&["地市联播"])),
            "地市联播"
        );
    }

    #[test]
    fn classify_markers() {
        assert_eq!(classify("欢迎访问广东扶贫网"), Line::Footer);
        assert_eq!(classify("设为首页 | 加入收藏 | 关于我们"), Line::Footer);
        assert_eq!(classify("【打印本页】 【关闭窗口】"), Line::Trailer);
        assert_eq!(classify("上一篇：某某"), Line::Trailer);
        assert_eq!(classify("（责任编辑：李明）"), Line::Meta);
        assert_eq!(classify("驻村工作组进村入户。"), Line::Text);
    }
}
