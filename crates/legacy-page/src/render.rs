//! Rendering the body region of an HTML page as clean structural HTML.
//!
//! The region is a contiguous range of the pre-order tree (after the meta
//! line, before the footer) inside the chosen container. A single loop walks
//! it, keeping a stack of open elements to learn when each one closes, so no
//! recursion is involved. Output is limited to `<p>`, `<h3>`, `<br>`,
//! `<strong>`, `<em>`, `<a href>`, `<img src alt>`, `<ul>/<ol>/<li>` and data
//! `<table>`s; every other element either disappears with its content (active
//! or hidden content, link-heavy navigation boxes) or is unwrapped.
//! A table counts as data (kept) when it has at least two rows and two
//! columns, no nested table and no long cell; other tables are layout and
//! only separate paragraphs.

use crate::blocks::{is_block, is_hidden};
use crate::dom::{Element, Kind, Tree};
use crate::para::{Para, Style, safe_url};
use crate::stats::{Stats, link_heavy, stats};

/// Where output goes right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ctx {
    Body,
    List,
    Item,
    Table,
    Row,
    Cell,
}

/// What closing an element has to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Exit {
    None,
    Block,
    /// A structural element: pop the context and write the closing tag,
    /// or remove the opening tag when nothing was written since `mark`.
    Structure {
        close: &'static str,
        mark: usize,
    },
}

#[derive(Debug)]
struct Open {
    end: usize,
    exit: Exit,
    bold: bool,
    italic: bool,
    link: bool,
    para: bool,
}

struct Renderer<'t> {
    tree: &'t Tree,
    stats: Vec<Stats>,
    to: usize,
    out: String,
    para: Para,
    ctx: Vec<Ctx>,
    open: Vec<Open>,
    bold: u32,
    italic: u32,
    in_p: u32,
    links: Vec<String>,
    link_stack: Vec<Option<usize>>,
    tbody_open: bool,
}

/// Renders items `from..=to` of `tree`; text inside `skip` ranges is left out.
pub(crate) fn render(tree: &Tree, from: usize, to: usize, skip: &[(usize, usize)]) -> String {
    let to = to.min(tree.items.len().saturating_sub(1));
    let mut r = Renderer {
        tree,
        stats: stats(tree),
        to,
        out: String::new(),
        para: Para::default(),
        ctx: vec![Ctx::Body],
        open: Vec::new(),
        bold: 0,
        italic: 0,
        in_p: 0,
        links: Vec::new(),
        link_stack: Vec::new(),
        tbody_open: false,
    };
    // Elements that began before the region still shape it (a <b> or <td>
    // around both the meta line and the body): enter them without output.
    let mut chain = Vec::new();
    let mut p = tree.parent(from);
    while let Some(x) = p {
        chain.push(x);
        p = tree.parent(x);
    }
    for &x in chain.iter().rev() {
        if let Some(e) = tree.element(x) {
            let (bold, italic) = emphasis(e);
            r.push_open(x, Exit::Block, bold, italic, false, e.is("p"));
        }
    }
    let mut skip_at = 0;
    let mut i = from;
    while i <= to {
        r.close_before(i);
        while skip_at < skip.len() && skip[skip_at].1 < i {
            skip_at += 1;
        }
        let skipped = skip_at < skip.len() && skip[skip_at].0 <= i;
        i = match &tree.items[i].kind {
            Kind::Text(t) if !skipped => {
                r.text(t);
                i + 1
            }
            Kind::Element(e) if !(skipped && e.is("img")) => r.enter(i, e),
            _ => i + 1,
        };
    }
    r.close_before(usize::MAX);
    r.para.write_block(&r.links, &mut r.out);
    r.out
}

/// Bold and italic implied by an element.
fn emphasis(e: &Element) -> (bool, bool) {
    let name = &*e.name;
    let mut bold = matches!(
        name,
        "b" | "strong" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6"
    );
    let mut italic = matches!(name, "i" | "em");
    if let Some(style) = e.attr("style") {
        let style: String = style
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_lowercase())
            .collect();
        bold |= style.contains("bold")
            || [
                "font-weight:6",
                "font-weight:7",
                "font-weight:8",
                "font-weight:9",
            ]
            .iter()
            .any(|w| style.contains(w));
        italic |= style.contains("italic");
    }
    (bold, italic)
}

/// Template decoration rather than an article picture: tiny declared size,
/// or a `.gif` from the template's own image folder (uploads live elsewhere).
fn decoration(e: &Element, src: &str) -> bool {
    let tiny = ["width", "height"].iter().any(|a| {
        e.attr(a)
            .and_then(|v| v.trim().trim_end_matches("px").parse::<u32>().ok())
            .is_some_and(|n| n < 16)
    });
    let lower = src.to_ascii_lowercase();
    let path = lower.split(['?', '#']).next().unwrap_or("");
    let in_template_dir = ["images/", "img/", "skin/", "skins/", "style/"]
        .iter()
        .any(|d| path.starts_with(d) || path.contains(&format!("/{d}")));
    tiny || (in_template_dir && path.ends_with(".gif"))
}

/// Class or id words that mark page furniture rather than article content.
fn furniture(e: &Element) -> bool {
    ["class", "id"].iter().any(|a| {
        e.attr(a).is_some_and(|v| {
            let v = v.to_ascii_lowercase();
            ["footer", "copyright", "sidebar"]
                .iter()
                .any(|w| v.contains(w))
        })
    })
}

impl Renderer<'_> {
    fn ctx(&self) -> Ctx {
        self.ctx.last().copied().unwrap_or(Ctx::Body)
    }

    fn style(&self) -> Style {
        Style {
            bold: self.bold > 0,
            italic: self.italic > 0,
            link: self.link_stack.iter().rev().find_map(|l| *l),
        }
    }

    fn text(&mut self, t: &str) {
        if matches!(self.ctx(), Ctx::Table | Ctx::Row) {
            return;
        }
        let style = self.style();
        self.para.push_text(t, style);
    }

    /// Ends the current paragraph (body) or line (list item, cell).
    fn block_break(&mut self) {
        match self.ctx() {
            Ctx::Body => self.para.write_block(&self.links, &mut self.out),
            Ctx::Item | Ctx::Cell => {
                let link = self.style().link;
                self.para.push_br(link);
            }
            Ctx::List | Ctx::Table | Ctx::Row => {}
        }
    }

    /// Writes pending inline content before a nested structure starts.
    fn settle(&mut self) {
        match self.ctx() {
            Ctx::Body => self.para.write_block(&self.links, &mut self.out),
            Ctx::Item | Ctx::Cell => self.para.write_inline(&self.links, false, &mut self.out),
            Ctx::List => self.stray_item(),
            Ctx::Table | Ctx::Row => {}
        }
    }

    /// Content found directly inside a list becomes an item of its own.
    fn stray_item(&mut self) {
        if !self.para.is_empty() {
            self.out.push_str("<li>");
            self.para.write_inline(&self.links, false, &mut self.out);
            self.out.push_str("</li>");
        }
    }

    fn push_open(
        &mut self,
        i: usize,
        exit: Exit,
        bold: bool,
        italic: bool,
        link: bool,
        para: bool,
    ) {
        self.bold += u32::from(bold);
        self.italic += u32::from(italic);
        self.in_p += u32::from(para);
        self.open.push(Open {
            end: self.tree.end(i),
            exit,
            bold,
            italic,
            link,
            para,
        });
    }

    fn close_before(&mut self, i: usize) {
        while self.open.last().is_some_and(|o| o.end < i) {
            let Some(o) = self.open.pop() else { break };
            self.bold -= u32::from(o.bold);
            self.italic -= u32::from(o.italic);
            self.in_p -= u32::from(o.para);
            if o.link {
                self.link_stack.pop();
            }
            match o.exit {
                Exit::None => {}
                Exit::Block => self.block_break(),
                Exit::Structure { close, mark } => self.close_structure(close, mark),
            }
        }
    }

    fn close_structure(&mut self, close: &'static str, mark: usize) {
        match self.ctx() {
            Ctx::List => self.stray_item(),
            Ctx::Item | Ctx::Cell => self.para.write_inline(&self.links, false, &mut self.out),
            _ => {}
        }
        let was = self.ctx.pop();
        let removable = matches!(was, Some(Ctx::List | Ctx::Item));
        if removable && self.out.len() == mark {
            let open_len = close.len() - 1;
            self.out.truncate(mark.saturating_sub(open_len));
            return;
        }
        if was == Some(Ctx::Table) && self.tbody_open {
            self.out.push_str("</tbody>");
            self.tbody_open = false;
        }
        self.out.push_str(close);
    }

    /// Opens a structural element: writes `open` and records how to close it.
    fn open_structure(&mut self, i: usize, ctx: Ctx, open: &str, close: &'static str) {
        if self.ctx() == Ctx::Body && !self.out.is_empty() && !self.out.ends_with('\n') {
            self.out.push('\n');
        }
        self.out.push_str(open);
        let mark = self.out.len();
        self.ctx.push(ctx);
        self.push_open(
            i,
            Exit::Structure { close, mark },
            false,
            false,
            false,
            false,
        );
    }

    /// Handles an element start; returns the next index to visit.
    fn enter(&mut self, i: usize, e: &Element) -> usize {
        let end = self.tree.end(i);
        if is_hidden(e) || furniture(e) || matches!(&*e.name, "nav" | "aside" | "footer" | "header")
        {
            return end + 1;
        }
        let st = self.stats[i];
        let name = &*e.name;
        if matches!(
            name,
            "div" | "table" | "ul" | "ol" | "dl" | "td" | "p" | "center" | "section"
        ) && link_heavy(&st)
        {
            return end + 1;
        }
        match name {
            "br" => {
                self.line_break(i);
                return i + 1;
            }
            "hr" => {
                self.block_break();
                return i + 1;
            }
            "img" => {
                self.image(e);
                return i + 1;
            }
            _ => {}
        }
        let ctx = self.ctx();
        let fully_inside = end <= self.to;
        match name {
            "ul" | "ol" if fully_inside && matches!(ctx, Ctx::Body | Ctx::Item | Ctx::Cell) => {
                if st.chars == 0 && st.images == 0 {
                    return end + 1;
                }
                self.settle();
                let (open, close) = if name == "ul" {
                    ("<ul>", "</ul>")
                } else {
                    ("<ol>", "</ol>")
                };
                self.open_structure(i, Ctx::List, open, close);
                return i + 1;
            }
            "li" if ctx == Ctx::List => {
                self.stray_item();
                self.open_structure(i, Ctx::Item, "<li>", "</li>");
                return i + 1;
            }
            "table" if fully_inside && ctx == Ctx::Body => {
                if st.chars == 0 && st.images == 0 {
                    return end + 1;
                }
                if self.is_data_table(i) {
                    self.settle();
                    self.tbody_open = false;
                    self.open_structure(i, Ctx::Table, "<table>", "</table>");
                    return i + 1;
                }
            }
            "tr" if ctx == Ctx::Table => {
                if !self.tbody_open {
                    self.out.push_str("<tbody>");
                    self.tbody_open = true;
                }
                self.open_structure(i, Ctx::Row, "<tr>", "</tr>");
                return i + 1;
            }
            "td" | "th" if ctx == Ctx::Row => {
                let mut open = format!("<{name}");
                for attr in ["colspan", "rowspan"] {
                    if let Some(n) = e.attr(attr).and_then(|v| v.trim().parse::<u32>().ok())
                        && (2..=1000).contains(&n)
                    {
                        open.push_str(&format!(" {attr}=\"{n}\""));
                    }
                }
                open.push('>');
                let close = if name == "td" { "</td>" } else { "</th>" };
                self.open_structure(i, Ctx::Cell, &open, close);
                return i + 1;
            }
            "thead" | "tbody" | "tfoot" | "caption" | "colgroup" | "col" if ctx == Ctx::Table => {
                if matches!(name, "caption" | "colgroup" | "col") {
                    return end + 1;
                }
                self.push_open(i, Exit::None, false, false, false, false);
                return i + 1;
            }
            _ => {}
        }
        let (bold, italic) = emphasis(e);
        let link = name == "a";
        if link {
            let target = e.attr("href").and_then(|h| safe_url(h, true));
            let id = target.map(|t| {
                self.links.push(t);
                self.links.len() - 1
            });
            self.link_stack.push(id);
        }
        let block = is_block(name);
        if block {
            self.block_break();
        }
        let exit = if block { Exit::Block } else { Exit::None };
        self.push_open(i, exit, bold, italic, link, name == "p");
        i + 1
    }

    fn image(&mut self, e: &Element) {
        if matches!(self.ctx(), Ctx::Table | Ctx::Row) {
            return;
        }
        let Some(src) = e.attr("src").and_then(|s| safe_url(s, false)) else {
            return;
        };
        if decoration(e, &src) {
            return;
        }
        let alt = crate::text::collapse(e.attr("alt").unwrap_or(""));
        let link = self.style().link;
        self.para.push_img(src, alt, link);
    }

    /// `<br>`: a new paragraph in the body unless it is a single break inside
    /// a `<p>` that is not followed by indentation; a line break elsewhere.
    fn line_break(&mut self, i: usize) {
        if self.ctx() != Ctx::Body {
            self.block_break();
            return;
        }
        if self.in_p > 0 && !self.break_starts_paragraph(i) {
            let link = self.style().link;
            self.para.push_br(link);
        } else {
            self.block_break();
        }
    }

    /// Looks past blanks and inline wrappers after a `<br>` for another
    /// `<br>` or indented text.
    fn break_starts_paragraph(&self, i: usize) -> bool {
        let mut j = i + 1;
        for _ in 0..8 {
            if j > self.to {
                return false;
            }
            match &self.tree.items[j].kind {
                Kind::Text(t) => {
                    let rest = t.trim_start_matches(|c: char| c.is_ascii_whitespace());
                    if rest.is_empty() {
                        j += 1;
                        continue;
                    }
                    return rest.starts_with(['\u{a0}', '\u{3000}']);
                }
                Kind::Element(e) if e.is("br") => return true,
                Kind::Element(e) if !is_block(&e.name) && !is_hidden(e) && !e.is("img") => j += 1,
                _ => return false,
            }
        }
        false
    }

    /// Data table: two or more rows, two or more columns, no nested table,
    /// no cell longer than a short paragraph.
    fn is_data_table(&self, t: usize) -> bool {
        if self.stats[t].tables > 1 {
            return false;
        }
        let (mut rows, mut cols, mut max_cols) = (0, 0, 0);
        let end = self.tree.end(t);
        let mut j = t + 1;
        while j <= end {
            if let Some(e) = self.tree.element(j) {
                match &*e.name {
                    "tr" => {
                        rows += 1;
                        cols = 0;
                    }
                    "td" | "th" => {
                        cols += 1;
                        max_cols = max_cols.max(cols);
                        if self.stats[j].chars > 300 {
                            return false;
                        }
                    }
                    _ => {}
                }
            }
            j += 1;
        }
        rows >= 2 && max_cols >= 2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(html: &str) -> String {
        let tree = Tree::parse(html);
        let last = tree.items.len() - 1;
        render(&tree, 1, last, &[])
    }

    #[test]
    fn breaks_inside_and_outside_paragraphs() {
        assert_eq!(body("<p>一行<br>二行</p>"), "<p>一行<br>二行</p>");
        assert_eq!(body("<p>一段<br><br>二段</p>"), "<p>一段</p>\n<p>二段</p>");
        assert_eq!(
            body("<p>一段<br>\n\u{3000}\u{3000}二段</p>"),
            "<p>一段</p>\n<p>二段</p>"
        );
        assert_eq!(body("<div>一段<br>二段</div>"), "<p>一段</p>\n<p>二段</p>");
    }

    #[test]
    fn lists_nest_and_empty_items_vanish() {
        assert_eq!(
            body("<ul><li>甲<ol><li>子</li></ol></li><li> </li><li><b>乙</b></li></ul>"),
            "<ul><li>甲<ol><li>子</li></ol></li><li><strong>乙</strong></li></ul>"
        );
    }

    #[test]
    fn layout_tables_unwrap_and_navigation_boxes_drop() {
        assert_eq!(
            body("<table><tr><td>很长的正文段落。</td></tr></table>"),
            "<p>很长的正文段落。</p>"
        );
        assert_eq!(
            body("<p>正文。</p><div><a href=a>甲</a> <a href=b>乙</a> <a href=c>丙</a></div>"),
            "<p>正文。</p>"
        );
    }

    #[test]
    fn bold_across_paragraphs_and_links_stay_balanced() {
        assert_eq!(
            body("<b><p>标题一</p><p>标题二</b>正文。</p><a href=\"/x\"><p>甲</p><p>乙</p></a>"),
            "<h3>标题一</h3>\n<p><strong>标题二</strong>正文。</p>\n\
             <p><a href=\"/x\">甲</a></p>\n<p><a href=\"/x\">乙</a></p>"
        );
    }
}
