//! Reducing an HTML tree to text blocks, the way a reader sees the page.
//!
//! One forward pass over the pre-order tree collects block-level text runs
//! (what `innerText` would put on separate lines), the positions of images,
//! the `<title>` and the canonical link. Hidden content (scripts, styles,
//! frames, forms, foreign SVG/MathML, tickers, `display:none`) contributes
//! nothing, so it can neither become the title nor be counted as body text.

use crate::dom::{Element, Kind, Tree};
use crate::layout::Block;
use crate::text::{Collapser, collapse};

/// Whether an element starts and ends a block of text.
pub(crate) fn is_block(name: &str) -> bool {
    matches!(
        name,
        "address"
            | "article"
            | "aside"
            | "blockquote"
            | "body"
            | "caption"
            | "center"
            | "dd"
            | "details"
            | "dialog"
            | "dir"
            | "div"
            | "dl"
            | "dt"
            | "fieldset"
            | "figcaption"
            | "figure"
            | "footer"
            | "form"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "header"
            | "hgroup"
            | "hr"
            | "html"
            | "legend"
            | "li"
            | "main"
            | "menu"
            | "nav"
            | "ol"
            | "option"
            | "p"
            | "pre"
            | "section"
            | "summary"
            | "table"
            | "tbody"
            | "td"
            | "tfoot"
            | "th"
            | "thead"
            | "tr"
            | "ul"
    )
}

/// Whether an element and everything inside it is invisible or active content.
pub(crate) fn is_hidden(e: &Element) -> bool {
    if !e.html {
        return true;
    }
    if matches!(
        &*e.name,
        "script"
            | "style"
            | "noscript"
            | "template"
            | "iframe"
            | "frame"
            | "frameset"
            | "object"
            | "embed"
            | "applet"
            | "param"
            | "form"
            | "input"
            | "select"
            | "textarea"
            | "button"
            | "option"
            | "svg"
            | "math"
            | "canvas"
            | "video"
            | "audio"
            | "source"
            | "track"
            | "map"
            | "area"
            | "marquee"
            | "meta"
            | "link"
            | "base"
            | "title"
            | "dialog"
    ) {
        return true;
    }
    e.attr("style").is_some_and(|s| {
        let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        let s = s.to_ascii_lowercase();
        s.contains("display:none") || s.contains("visibility:hidden")
    })
}

/// What one pass over an HTML tree found.
#[derive(Debug, Default)]
pub(crate) struct PageScan {
    /// Visible text blocks in document order.
    pub blocks: Vec<Block>,
    /// Tree indices of visible `<img>` elements, ascending.
    pub images: Vec<usize>,
    /// Text of the first `<title>`.
    pub page_title: Option<String>,
    /// `href` of `<link rel="canonical">`.
    pub canonical: Option<String>,
}

struct Open {
    end: usize,
    block: bool,
    link: bool,
}

#[derive(Default)]
struct Builder {
    blocks: Vec<Block>,
    text: Collapser,
    start: usize,
    end: usize,
    link_chars: usize,
    container: usize,
}

impl Builder {
    fn boundary(&mut self, tree: &Tree) {
        if self.text.is_empty() {
            return;
        }
        let hint = tree.element(self.container).is_some_and(|e| {
            ["class", "id"].iter().any(|a| {
                e.attr(a).is_some_and(|v| {
                    let v = v.to_ascii_lowercase();
                    v.contains("subtit") || v.contains("sub_tit") || v.contains("fbt")
                })
            })
        });
        self.blocks.push(Block {
            text: self.text.take(),
            start: self.start,
            end: self.end,
            link_chars: std::mem::take(&mut self.link_chars),
            container: self.container,
            subtitle_hint: hint,
        });
    }
}

/// Scans the whole tree.
pub(crate) fn scan(tree: &Tree) -> PageScan {
    let mut page = PageScan::default();
    let mut b = Builder::default();
    let mut open: Vec<Open> = Vec::new();
    let mut containers: Vec<usize> = Vec::new();
    let mut links = 0usize;
    let mut i = 0;
    while i < tree.items.len() {
        while open.last().is_some_and(|o| o.end < i) {
            if let Some(o) = open.pop() {
                if o.block {
                    b.boundary(tree);
                    containers.pop();
                }
                if o.link {
                    links -= 1;
                }
            }
        }
        let end = tree.end(i);
        match &tree.items[i].kind {
            Kind::Document => {}
            Kind::Text(t) => {
                let before = b.text.chars();
                if b.text.is_empty() {
                    b.container = containers.last().copied().unwrap_or(0);
                }
                b.text.push(t);
                let added = b.text.chars() - before;
                if added > 0 {
                    if before == 0 {
                        b.start = i;
                    }
                    b.end = i;
                    if links > 0 {
                        b.link_chars += added;
                    }
                }
            }
            Kind::Element(e) => {
                if e.html && e.is("title") && page.page_title.is_none() {
                    page.page_title = Some(collapse(&tree.text_of(i)));
                }
                if e.html && e.is("link") && page.canonical.is_none() {
                    page.canonical = canonical(e);
                }
                if is_hidden(e) {
                    i = end + 1;
                    continue;
                }
                if e.is("br") || e.is("hr") {
                    b.boundary(tree);
                }
                if e.is("img") {
                    page.images.push(i);
                }
                let block = is_block(&e.name);
                let link = e.is("a");
                if block {
                    b.boundary(tree);
                    containers.push(i);
                }
                if link {
                    links += 1;
                }
                open.push(Open { end, block, link });
            }
        }
        i += 1;
    }
    while let Some(o) = open.pop() {
        if o.block {
            b.boundary(tree);
        }
    }
    b.boundary(tree);
    page.blocks = b.blocks;
    page
}

fn canonical(e: &Element) -> Option<String> {
    let rel = e.attr("rel")?;
    if !rel
        .split_ascii_whitespace()
        .any(|r| r.eq_ignore_ascii_case("canonical"))
    {
        return None;
    }
    crate::para::safe_url(e.attr("href")?, false)
}

/// Breadcrumb text of a block with `\u{1f}` at link and image edges, so
/// `<a>首页</a><img><a>扶贫前沿</a>` still splits into items.
pub(crate) fn crumb_text(tree: &Tree, block: &Block) -> String {
    let mut out = String::new();
    let mut link_ends: Vec<usize> = Vec::new();
    let last = block.end.min(tree.items.len().saturating_sub(1));
    let mut i = block.start;
    while i <= last {
        while link_ends.last().is_some_and(|&e| e < i) {
            link_ends.pop();
            out.push('\u{1f}');
        }
        match &tree.items[i].kind {
            Kind::Text(t) => out.push_str(t),
            Kind::Element(e) if is_hidden(e) => {
                i = tree.end(i) + 1;
                continue;
            }
            Kind::Element(e) if e.is("a") => {
                out.push('\u{1f}');
                link_ends.push(tree.end(i));
            }
            Kind::Element(e) if e.is("img") => out.push('\u{1f}'),
            _ => {}
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_follow_block_elements_and_breaks() {
        let t = Tree::parse(
            "<title> 标题--广东扶贫网 </title><body><div>甲<b>乙</b><br>丙<script>evil()</script></div>\
             <table><tr><td><a href=x>链接</a>文字</td></tr></table><marquee>滚动</marquee><img src=a.jpg>",
        );
        let s = scan(&t);
        let texts: Vec<&str> = s.blocks.iter().map(|b| b.text.as_str()).collect();
        assert_eq!(texts, ["甲乙", "丙", "链接文字"]);
        assert_eq!(s.blocks[2].link_chars, 2);
        assert_eq!(s.page_title.as_deref(), Some("标题--广东扶贫网"));
        assert_eq!(s.images.len(), 1);
    }

    #[test]
    fn crumb_marks_link_edges() {
        let t = Tree::parse(
            "<td>当前位置：<a href=/>首页</a><img src=arrow.gif><a href=l>扶贫前沿</a></td>",
        );
        let s = scan(&t);
        assert_eq!(
            crate::layout::split_crumb(&crumb_text(&t, &s.blocks[0])),
            ["扶贫前沿".to_string()]
        );
    }

    #[test]
    fn canonical_link() {
        let t =
            Tree::parse(r#"<link rel="Canonical" href=" http://www.gdfupin.org.cn/a.asp?id=7 ">"#);
        assert_eq!(
            scan(&t).canonical.as_deref(),
            Some("http://www.gdfupin.org.cn/a.asp?id=7")
        );
    }
}
