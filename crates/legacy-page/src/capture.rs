//! Text captures: the visible text of an article page, one line per block.
//!
//! A capture has no markup, so structure comes from lines: every non-blank
//! line after the meta line is a paragraph (indentation made of `&nbsp;` or
//! spaces is dropped, the site's CSS indents by itself). The old pages set
//! sub-headings in bold, which a capture loses; a short line (at most
//! `HEADING_MAX_CHARS`) that does not end like a sentence and is followed by
//! ordinary text later is taken to be one of those and becomes `<h3>`.

use crate::error::ParseError;
use crate::layout::{Anatomy, Block, analyze};
use crate::text::{char_len, collapse, ends_like_sentence, escape_text};

/// Longest line that can be read as a sub-heading.
const HEADING_MAX_CHARS: usize = 40;

/// Splits a capture into line blocks.
fn blocks(text: &str) -> Vec<Block> {
    text.split(['\n', '\r'])
        .enumerate()
        .filter_map(|(n, line)| {
            let line = if line.contains("&nbsp;") {
                collapse(&line.replace("&nbsp;", " "))
            } else {
                collapse(line)
            };
            (!line.is_empty()).then(|| Block {
                text: line,
                start: n,
                end: n,
                ..Block::default()
            })
        })
        .collect()
}

fn heading_like(text: &str) -> bool {
    char_len(text) <= HEADING_MAX_CHARS
        && !ends_like_sentence(text)
        && !text.starts_with(['（', '(', '【', '[', '《', '“', '"'])
}

/// Parses a text capture into its anatomy and body HTML.
pub(crate) fn parse(text: &str) -> Result<(Anatomy, String), ParseError> {
    let blocks = blocks(text);
    let anatomy = analyze(&blocks, &|b: &Block| b.text.clone(), None)?;
    let paras: Vec<&str> = (anatomy.meta_last + 1..anatomy.stop)
        .filter(|i| anatomy.skip.binary_search(i).is_err())
        .map(|i| blocks[i].text.as_str())
        .collect();
    // A heading needs ordinary text after it; trailing short lines are a
    // signature or a date, not sub-headings.
    let last_plain = paras.iter().rposition(|p| !heading_like(p));
    let mut body = String::new();
    for (k, p) in paras.iter().enumerate() {
        let tag = if last_plain.is_some_and(|l| k < l) && heading_like(p) {
            "h3"
        } else {
            "p"
        };
        if !body.is_empty() {
            body.push('\n');
        }
        body.push('<');
        body.push_str(tag);
        body.push('>');
        escape_text(p, &mut body);
        body.push_str("</");
        body.push_str(tag);
        body.push('>');
    }
    Ok((anatomy, body))
}
