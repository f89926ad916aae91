//! A minimal document tree for html5ever, flattened into pre-order.
//!
//! html5ever only tokenizes and builds trees through the `TreeSink` trait; this
//! module provides the sink (an arena of linked nodes behind a `RefCell`) and
//! then flattens the finished arena into a `Tree`: a vector in document order
//! where every item knows its parent and the index of its last descendant.
//! With that layout "is X inside Y" and "is X after Y" are integer
//! comparisons, subtrees are skipped by jumping to `end + 1`, and no later pass
//! needs recursion, so a page nested a hundred thousand levels deep cannot
//! overflow the stack. Comments, processing instructions, doctypes and
//! `<template>` contents never reach the flattened tree.

use std::borrow::Cow;
use std::cell::RefCell;

use html5ever::tendril::{StrTendril, TendrilSink};
use html5ever::tree_builder::{ElemName, ElementFlags, NodeOrText, QuirksMode, TreeSink};
use html5ever::{Attribute, LocalName, Namespace, QualName, ns};

/// Index of a node in the sink's arena.
type Id = usize;

/// The document node always sits at arena index 0.
const DOCUMENT: Id = 0;

/// Sentinel parent of the root item.
pub(crate) const NO_PARENT: u32 = u32::MAX;

/// One element of the flattened tree.
#[derive(Debug)]
pub(crate) struct Element {
    /// Lower-case local name (`p`, `td`, `font`...).
    pub name: LocalName,
    /// False for SVG/MathML elements, which are never rendered.
    pub html: bool,
    /// Attributes as (local name, value).
    pub attrs: Vec<(LocalName, String)>,
}

impl Element {
    /// Value of the first attribute with this local name.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| &**n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether the local name equals `name`.
    pub fn is(&self, name: &str) -> bool {
        &*self.name == name
    }
}

/// What a flattened item holds.
#[derive(Debug)]
pub(crate) enum Kind {
    /// The document root.
    Document,
    /// An element.
    Element(Element),
    /// A run of character data.
    Text(String),
}

/// A node of the flattened tree.
#[derive(Debug)]
pub(crate) struct Item {
    /// Index of the parent item, `NO_PARENT` for the root.
    pub parent: u32,
    /// Index of the last item of this subtree (itself when it has no children).
    pub end: u32,
    /// The payload.
    pub kind: Kind,
}

/// A parsed document in pre-order.
#[derive(Debug)]
pub(crate) struct Tree {
    /// Items in document order; index 0 is the document.
    pub items: Vec<Item>,
}

impl Tree {
    /// Parses an HTML document; never fails (HTML parsing recovers from anything).
    pub fn parse(text: &str) -> Tree {
        let sink = Sink::default();
        let sink = html5ever::parse_document(sink, Default::default()).one(StrTendril::from(text));
        sink.flatten()
    }

    /// The element at `i`, if that item is an element.
    pub fn element(&self, i: usize) -> Option<&Element> {
        match &self.items.get(i)?.kind {
            Kind::Element(e) => Some(e),
            _ => None,
        }
    }

    /// Index of the last item of the subtree rooted at `i`.
    pub fn end(&self, i: usize) -> usize {
        self.items.get(i).map_or(i, |it| it.end as usize)
    }

    /// Parent index of `i`, if any.
    pub fn parent(&self, i: usize) -> Option<usize> {
        let p = self.items.get(i)?.parent;
        (p != NO_PARENT).then_some(p as usize)
    }

    /// Concatenated text of the subtree at `i` (raw, not collapsed).
    pub fn text_of(&self, i: usize) -> String {
        let mut s = String::new();
        for it in &self.items[i..=self.end(i)] {
            if let Kind::Text(t) = &it.kind {
                s.push_str(t);
            }
        }
        s
    }
}

/// Payload of an arena node.
enum Data {
    Document,
    /// A `<template>` contents fragment or a comment/PI: kept out of the tree.
    Detached,
    Element(QualName, Vec<Attribute>, Option<Id>),
    Text(String),
}

/// An arena node with intrusive sibling links.
struct Node {
    parent: Option<Id>,
    first: Option<Id>,
    last: Option<Id>,
    prev: Option<Id>,
    next: Option<Id>,
    data: Data,
}

impl Node {
    fn new(data: Data) -> Node {
        Node {
            parent: None,
            first: None,
            last: None,
            prev: None,
            next: None,
            data,
        }
    }
}

/// The html5ever sink: an arena of nodes.
struct Sink {
    nodes: RefCell<Vec<Node>>,
}

impl Default for Sink {
    fn default() -> Sink {
        Sink {
            nodes: RefCell::new(vec![Node::new(Data::Document)]),
        }
    }
}

/// An owned element name handed back to the tree builder.
#[derive(Debug)]
pub(crate) struct OwnedName(Namespace, LocalName);

impl ElemName for OwnedName {
    fn ns(&self) -> &Namespace {
        &self.0
    }
    fn local_name(&self) -> &LocalName {
        &self.1
    }
}

fn detach(nodes: &mut [Node], id: Id) {
    let (parent, prev, next) = {
        let n = &nodes[id];
        (n.parent, n.prev, n.next)
    };
    let Some(parent) = parent else { return };
    match prev {
        Some(p) => nodes[p].next = next,
        None => nodes[parent].first = next,
    }
    match next {
        Some(n) => nodes[n].prev = prev,
        None => nodes[parent].last = prev,
    }
    let n = &mut nodes[id];
    n.parent = None;
    n.prev = None;
    n.next = None;
}

fn append_child(nodes: &mut [Node], parent: Id, child: Id) {
    detach(nodes, child);
    let last = nodes[parent].last;
    nodes[child].parent = Some(parent);
    nodes[child].prev = last;
    match last {
        Some(l) => nodes[l].next = Some(child),
        None => nodes[parent].first = Some(child),
    }
    nodes[parent].last = Some(child);
}

fn insert_before(nodes: &mut [Node], sibling: Id, child: Id) {
    let Some(parent) = nodes[sibling].parent else {
        return;
    };
    detach(nodes, child);
    let prev = nodes[sibling].prev;
    nodes[child].parent = Some(parent);
    nodes[child].prev = prev;
    nodes[child].next = Some(sibling);
    nodes[sibling].prev = Some(child);
    match prev {
        Some(p) => nodes[p].next = Some(child),
        None => nodes[parent].first = Some(child),
    }
}

impl Sink {
    fn push(&self, data: Data) -> Id {
        let mut nodes = self.nodes.borrow_mut();
        nodes.push(Node::new(data));
        nodes.len() - 1
    }

    /// Appends text to node `target` when it is a text node; reports success.
    fn merge_text(nodes: &mut [Node], target: Option<Id>, text: &str) -> bool {
        if let Some(t) = target
            && let Data::Text(s) = &mut nodes[t].data
        {
            s.push_str(text);
            return true;
        }
        false
    }

    /// Converts the arena into the pre-order tree.
    fn flatten(self) -> Tree {
        let mut nodes = self.nodes.into_inner();
        let mut items: Vec<Item> = Vec::with_capacity(nodes.len());
        let mut stack: Vec<(Id, u32)> = vec![(DOCUMENT, NO_PARENT)];
        while let Some((id, parent)) = stack.pop() {
            let kind = match std::mem::replace(&mut nodes[id].data, Data::Detached) {
                Data::Document => Kind::Document,
                Data::Detached => continue,
                Data::Text(t) => Kind::Text(t),
                Data::Element(name, attrs, _) => Kind::Element(Element {
                    html: name.ns == ns!(html),
                    name: name.local,
                    attrs: attrs
                        .into_iter()
                        .map(|a| (a.name.local, String::from(&*a.value)))
                        .collect(),
                }),
            };
            let index = items.len() as u32;
            items.push(Item {
                parent,
                end: index,
                kind,
            });
            // Children go on the stack last-first so they pop in order.
            let mark = stack.len();
            let mut child = nodes[id].first;
            while let Some(c) = child {
                stack.push((c, index));
                child = nodes[c].next;
            }
            stack[mark..].reverse();
        }
        for i in (1..items.len()).rev() {
            let (parent, end) = (items[i].parent, items[i].end);
            if let Some(p) = items.get_mut(parent as usize)
                && p.end < end
            {
                p.end = end;
            }
        }
        Tree { items }
    }
}

impl TreeSink for Sink {
    type Handle = Id;
    type Output = Sink;
    type ElemName<'a>
        = OwnedName
    where
        Self: 'a;

    fn finish(self) -> Sink {
        self
    }

    fn parse_error(&self, _msg: Cow<'static, str>) {}

    fn get_document(&self) -> Id {
        DOCUMENT
    }

    fn elem_name<'a>(&'a self, target: &'a Id) -> OwnedName {
        match &self.nodes.borrow()[*target].data {
            Data::Element(name, ..) => OwnedName(name.ns.clone(), name.local.clone()),
            _ => OwnedName(ns!(), LocalName::from("")),
        }
    }

    fn create_element(&self, name: QualName, attrs: Vec<Attribute>, flags: ElementFlags) -> Id {
        let contents = flags.template.then(|| self.push(Data::Detached));
        self.push(Data::Element(name, attrs, contents))
    }

    fn create_comment(&self, _text: StrTendril) -> Id {
        self.push(Data::Detached)
    }

    fn create_pi(&self, _target: StrTendril, _data: StrTendril) -> Id {
        self.push(Data::Detached)
    }

    fn append(&self, parent: &Id, child: NodeOrText<Id>) {
        let mut nodes = self.nodes.borrow_mut();
        match child {
            NodeOrText::AppendNode(n) => append_child(&mut nodes, *parent, n),
            NodeOrText::AppendText(t) => {
                let last = nodes[*parent].last;
                if !Self::merge_text(&mut nodes, last, &t) {
                    nodes.push(Node::new(Data::Text(String::from(&*t))));
                    let id = nodes.len() - 1;
                    append_child(&mut nodes, *parent, id);
                }
            }
        }
    }

    fn append_based_on_parent_node(&self, element: &Id, prev_element: &Id, child: NodeOrText<Id>) {
        let has_parent = self.nodes.borrow()[*element].parent.is_some();
        if has_parent {
            self.append_before_sibling(element, child);
        } else {
            self.append(prev_element, child);
        }
    }

    fn append_doctype_to_document(&self, _: StrTendril, _: StrTendril, _: StrTendril) {}

    fn get_template_contents(&self, target: &Id) -> Id {
        let existing = match &self.nodes.borrow()[*target].data {
            Data::Element(_, _, Some(c)) => Some(*c),
            _ => None,
        };
        existing.unwrap_or_else(|| {
            // Only templates are asked for contents; a fresh detached node keeps
            // anything else harmless too.
            let id = self.push(Data::Detached);
            if let Data::Element(_, _, c) = &mut self.nodes.borrow_mut()[*target].data {
                *c = Some(id);
            }
            id
        })
    }

    fn same_node(&self, x: &Id, y: &Id) -> bool {
        x == y
    }

    fn set_quirks_mode(&self, _mode: QuirksMode) {}

    fn append_before_sibling(&self, sibling: &Id, new_node: NodeOrText<Id>) {
        let mut nodes = self.nodes.borrow_mut();
        match new_node {
            NodeOrText::AppendNode(n) => insert_before(&mut nodes, *sibling, n),
            NodeOrText::AppendText(t) => {
                let prev = nodes[*sibling].prev;
                if !Self::merge_text(&mut nodes, prev, &t) {
                    nodes.push(Node::new(Data::Text(String::from(&*t))));
                    let id = nodes.len() - 1;
                    insert_before(&mut nodes, *sibling, id);
                }
            }
        }
    }

    fn add_attrs_if_missing(&self, target: &Id, attrs: Vec<Attribute>) {
        if let Data::Element(_, existing, _) = &mut self.nodes.borrow_mut()[*target].data {
            for a in attrs {
                if !existing.iter().any(|e| e.name == a.name) {
                    existing.push(a);
                }
            }
        }
    }

    fn remove_from_parent(&self, target: &Id) {
        detach(&mut self.nodes.borrow_mut(), *target);
    }

    fn reparent_children(&self, node: &Id, new_parent: &Id) {
        let mut nodes = self.nodes.borrow_mut();
        while let Some(c) = nodes[*node].first {
            append_child(&mut nodes, *new_parent, c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(tree: &Tree) -> Vec<String> {
        tree.items
            .iter()
            .map(|it| match &it.kind {
                Kind::Document => "#doc".to_string(),
                Kind::Element(e) => e.name.to_string(),
                Kind::Text(t) => format!("'{t}'"),
            })
            .collect()
    }

    #[test]
    fn flattens_in_document_order_with_subtree_ends() {
        let t = Tree::parse("<p>a<b>b</b>c</p><!-- x --><div>d</div>");
        let n = names(&t);
        let p = n.iter().position(|s| s == "p").expect("p");
        assert_eq!(&n[p..], ["p", "'a'", "b", "'b'", "'c'", "div", "'d'"]);
        assert_eq!(t.end(p), p + 4);
        assert_eq!(t.text_of(p), "abc");
        assert_eq!(t.parent(p + 3), Some(p + 2));
        assert_eq!(t.parent(p + 2), Some(p));
        assert_eq!(t.end(0), t.items.len() - 1);
    }

    #[test]
    fn adoption_agency_and_foster_parenting_stay_consistent() {
        let t =
            Tree::parse("<table><tr>x<td>1<b>2<p>3</b>4</table><template><p>hidden</p></template>");
        for (i, it) in t.items.iter().enumerate() {
            assert!(it.end as usize >= i);
            if let Some(p) = t.parent(i) {
                assert!(p < i && t.end(p) >= it.end as usize);
            }
        }
        assert!(!names(&t).iter().any(|s| s.contains("hidden")));
    }

    #[test]
    fn deep_nesting_does_not_recurse() {
        let html = "<span>".repeat(60_000) + "deep";
        let t = Tree::parse(&html);
        assert!(t.items.len() > 1000);
    }
}
