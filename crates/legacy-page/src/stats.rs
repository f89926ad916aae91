//! Per-subtree counts of visible text, links, images and tables.
//!
//! Computed once per page in two linear passes over the pre-order tree (flags
//! downwards, sums upwards), they let the renderer decide in constant time
//! whether an element is a navigation box (mostly links) and whether a table
//! has nested tables, without walking subtrees again.

use crate::blocks::is_hidden;
use crate::dom::{Kind, Tree};

/// Per-subtree counts used for the link-density and table decisions.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Stats {
    /// Visible characters.
    pub chars: u32,
    /// Visible characters inside links.
    pub link_chars: u32,
    /// `<a>` elements.
    pub links: u32,
    /// `<img>` elements.
    pub images: u32,
    /// `<table>` elements, the subtree root included.
    pub tables: u32,
}

/// Counts visible characters, links, images and tables for every subtree.
pub(crate) fn stats(tree: &Tree) -> Vec<Stats> {
    let n = tree.items.len();
    // Bit 0: inside a link; bit 1: inside hidden content.
    let mut flags = vec![0u8; n];
    for i in 1..n {
        let Some(p) = tree.parent(i) else { continue };
        let mut f = flags[p];
        if let Some(e) = tree.element(p) {
            if e.is("a") {
                f |= 1;
            }
            if is_hidden(e) {
                f |= 2;
            }
        }
        flags[i] = f;
    }
    let mut st = vec![Stats::default(); n];
    for i in (0..n).rev() {
        if flags[i] & 2 == 0 {
            match &tree.items[i].kind {
                Kind::Text(t) => {
                    let c = t.chars().filter(|c| !crate::text::is_space(*c)).count() as u32;
                    st[i].chars += c;
                    if flags[i] & 1 != 0 {
                        st[i].link_chars += c;
                    }
                }
                Kind::Element(e) if !is_hidden(e) => match &*e.name {
                    "a" => st[i].links += 1,
                    "img" => st[i].images += 1,
                    "table" => st[i].tables += 1,
                    _ => {}
                },
                _ => {}
            }
        }
        if let Some(p) = tree.parent(i) {
            let s = st[i];
            let ps = &mut st[p];
            ps.chars += s.chars;
            ps.link_chars += s.link_chars;
            ps.links += s.links;
            ps.images += s.images;
            ps.tables += s.tables;
        }
    }
    st
}

/// Mostly links and little else: a navigation or "related articles" box.
pub(crate) fn link_heavy(s: &Stats) -> bool {
    s.links >= 3
        && u64::from(s.link_chars) * 10 >= u64::from(s.chars) * 7
        && s.chars.saturating_sub(s.link_chars) < 40
}
