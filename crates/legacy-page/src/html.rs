//! Saved HTML pages: anatomy from text blocks, body from the tree.
//!
//! After the shared anatomy pass has found the meta line and the footer, the
//! body container is chosen without trusting class names: walking up from the
//! meta line's element, the first ancestor whose content after the meta line
//! holds at least half of all the non-link text between the meta line and the
//! footer wins. Navigation boxes are mostly links and add little; a sidebar
//! after the article would have to out-write the article to be included.

use crate::blocks::{crumb_text, scan};
use crate::dom::Tree;
use crate::error::ParseError;
use crate::layout::{Anatomy, Block, analyze, clean_page_title};
use crate::render::render;

/// What an HTML page yields besides the anatomy.
#[derive(Debug)]
pub(crate) struct HtmlPage {
    /// Title, meta and body plan.
    pub anatomy: Anatomy,
    /// Empty when no body was found.
    pub body: String,
    /// Canonical link href.
    pub canonical: Option<String>,
}

/// Parses a decoded HTML page.
pub(crate) fn parse(text: &str) -> Result<HtmlPage, ParseError> {
    let tree = Tree::parse(text);
    let page = scan(&tree);
    let page_title = page.page_title.as_deref().and_then(clean_page_title);
    let anatomy = analyze(
        &page.blocks,
        &|b: &Block| crumb_text(&tree, b),
        page_title.as_deref(),
    )?;
    let blocks = &page.blocks;
    let meta = &blocks[anatomy.meta_last];

    // The rest of the meta line's container is decoration unless body text
    // continues inside it (a <td> holding meta line, <br> and paragraphs).
    let mut boundary = meta.end;
    let container_end = tree.end(meta.container);
    let next_start = blocks.get(anatomy.meta_last + 1).map(|b| b.start);
    if meta.container != 0 && next_start.is_none_or(|s| s > container_end) {
        boundary = container_end;
    }
    let stop = blocks.get(anatomy.stop).map_or(usize::MAX, |b| b.start);

    // Non-link text of body blocks, as prefix sums by position.
    let mut starts = Vec::new();
    let mut prefix = vec![0usize];
    for (k, b) in blocks
        .iter()
        .enumerate()
        .take(anatomy.stop)
        .skip(anatomy.meta_last + 1)
    {
        if anatomy.skip.binary_search(&k).is_ok() || b.start <= boundary {
            continue;
        }
        let weight = crate::text::char_len(&b.text).saturating_sub(b.link_chars);
        starts.push(b.start);
        prefix.push(prefix[prefix.len() - 1] + weight);
    }
    let amount = |last: usize| prefix[starts.partition_point(|&s| s <= last)];
    let has_image = |last: usize| {
        let first = page.images.partition_point(|&im| im <= boundary);
        page.images.get(first).is_some_and(|&im| im <= last)
    };
    let region_end = |a: usize| tree.end(a).min(stop.saturating_sub(1));

    let total = amount(region_end(0));
    let mut chosen = None;
    let mut a = Some(meta.container);
    while let Some(x) = a {
        let last = region_end(x);
        let fits = if total > 0 {
            amount(last) * 2 >= total
        } else {
            has_image(last)
        };
        if fits && last > boundary {
            chosen = Some(x);
            break;
        }
        a = tree.parent(x);
    }
    let Some(container) = chosen else {
        return Ok(HtmlPage {
            anatomy,
            body: String::new(),
            canonical: page.canonical,
        });
    };
    let skip: Vec<(usize, usize)> = anatomy
        .skip
        .iter()
        .map(|&k| (blocks[k].start, blocks[k].end))
        .collect();
    let body = render(&tree, boundary + 1, region_end(container), &skip);
    Ok(HtmlPage {
        anatomy,
        body,
        canonical: page.canonical,
    })
}
