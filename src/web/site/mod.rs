//! The public site: home, channels, articles, single pages, the site map,
//! feeds and the legacy-address redirects. Each file owns its routes.

pub mod article;
mod base;
pub mod channel;
pub mod feeds;
pub mod home;
pub mod layout;
pub mod mailbox;
pub mod mailbox_board;
pub mod misc;
pub mod pages;
pub mod search;
mod tel;

use axum::Router;
use serde::Serialize;

use crate::app::AppState;
use crate::db::articles::ArticleSummary;
use crate::db::channels::ChannelTree;
use layout::{article_url, channel_url, date};

/// The public routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(home::router())
        .merge(channel::router())
        .merge(article::router())
        .merge(misc::router())
        .merge(feeds::router())
        .merge(mailbox::router())
        .merge(search::router())
}

/// A number in a public address (an article id, a page of a list).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressNumber {
    /// Written the one way: decimal digits, no sign, no leading zero.
    Canonical(i64),
    /// The same number written another way (`087`, `+87`): answered with
    /// a permanent redirect, so that no page has two addresses (nor two
    /// cache entries).
    Other(i64),
}

impl AddressNumber {
    /// Reads a positive number from an address part; `None` for anything
    /// else (which is answered 404).
    pub fn parse(s: &str) -> Option<AddressNumber> {
        let digits = s.strip_prefix('+').unwrap_or(s);
        if digits.is_empty() || digits.len() > 18 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let n: i64 = digits.parse().ok().filter(|n| *n > 0)?;
        Some(if digits.len() == s.len() && !s.starts_with('0') {
            AddressNumber::Canonical(n)
        } else {
            AddressNumber::Other(n)
        })
    }

    /// The number, however written.
    pub fn value(self) -> i64 {
        match self {
            AddressNumber::Canonical(n) | AddressNumber::Other(n) => n,
        }
    }
}

/// An article as lists show it.
#[derive(Debug, Clone, Serialize)]
pub struct ArticleItem {
    /// Title.
    pub title: String,
    /// Address.
    pub url: String,
    /// `2013-09-02`.
    pub date: String,
    /// Summary.
    pub summary: String,
    /// Cover image, if any.
    pub cover: Option<String>,
    /// Channel name.
    pub channel_name: String,
    /// Channel address.
    pub channel_url: String,
    /// 置顶.
    pub pinned: bool,
    /// 头条.
    pub headline: bool,
    /// 推荐.
    pub recommended: bool,
}

impl ArticleItem {
    /// Builds a list item from a summary row.
    pub fn new(tree: &ChannelTree, a: &ArticleSummary) -> ArticleItem {
        let (channel_name, channel_url) = match tree.get(a.channel_id) {
            Some(c) => (c.name.clone(), channel_url(&c.slug, 1)),
            None => (String::new(), "/".to_string()),
        };
        ArticleItem {
            title: a.title.clone(),
            url: article_url(a.id),
            date: date(a.published_at),
            summary: a.summary.clone(),
            cover: (!a.cover.is_empty()).then(|| a.cover.clone()),
            channel_name,
            channel_url,
            pinned: a.is_pinned,
            headline: a.is_headline,
            recommended: a.is_recommended,
        }
    }
}

/// One breadcrumb step.
#[derive(Debug, Clone, Serialize)]
pub struct Crumb {
    /// Label.
    pub name: String,
    /// Address.
    pub url: String,
}

/// 首页 followed by the path down to a channel.
pub fn breadcrumb(tree: &ChannelTree, channel_id: i64) -> Vec<Crumb> {
    let mut crumbs = vec![Crumb {
        name: "首页".into(),
        url: "/".into(),
    }];
    crumbs.extend(tree.ancestry(channel_id).into_iter().map(|c| Crumb {
        name: c.name.clone(),
        url: channel_url(&c.slug, 1),
    }));
    crumbs
}

/// One link of a numbered pagination (`None`: a gap, shown as …).
#[derive(Serialize)]
pub struct PageLink {
    number: Option<i64>,
    url: Option<String>,
    current: bool,
}

/// Numbered pagination of a public list (channel, search results, letter
/// board): previous/next and the page numbers of [`channel::page_numbers`].
#[derive(Serialize)]
pub struct Pagination {
    current: i64,
    total: i64,
    prev_url: Option<String>,
    next_url: Option<String>,
    pages: Vec<PageLink>,
}

impl Pagination {
    /// Page `current` of `total`, page `n` being at `url_of(n)`.
    pub fn new(current: i64, total: i64, url_of: impl Fn(i64) -> String) -> Pagination {
        Pagination {
            current,
            total,
            prev_url: (current > 1).then(|| url_of(current - 1)),
            next_url: (current < total).then(|| url_of(current + 1)),
            pages: channel::page_numbers(current, total)
                .into_iter()
                .map(|n| PageLink {
                    number: n,
                    url: n.map(&url_of),
                    current: n == Some(current),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod address_tests {
    use super::AddressNumber::{self, Canonical, Other};

    #[test]
    fn numbers_in_addresses_have_one_spelling() {
        assert_eq!(AddressNumber::parse("87"), Some(Canonical(87)));
        assert_eq!(AddressNumber::parse("087"), Some(Other(87)));
        assert_eq!(AddressNumber::parse("+87"), Some(Other(87)));
        assert_eq!(AddressNumber::parse("0000000000000000087"), None);
        for bad in [
            "",
            "+",
            "-87",
            "8 7",
            "87a",
            "0",
            "00",
            "９",
            "99999999999999999999",
        ] {
            assert_eq!(AddressNumber::parse(bad), None, "{bad}");
        }
    }
}
