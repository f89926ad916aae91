//! What every public page shows around its content: the header with the
//! date line, the font switch and the 关怀版 switch, the channel bar, the
//! ticker and the footer. [`Layout`] is built per request from [`SiteData`].
//!
//! The reader's choices travel as one short *view key* (see [`font_size_of`]):
//! the font size `s`, `m` or `l`, prefixed with `c` in 关怀版 (`cm`). Every
//! renderer takes it, and the page cache keys its entries by it, so cached
//! pages vary by font size and mode alike.

use std::sync::Arc;

use axum::http::HeaderMap;
use chrono::{Datelike, TimeZone};
use chrono_tz::Asia::Shanghai;
use serde::Serialize;

use crate::app::AppState;
use crate::assets;
use crate::db::announcements::{self, Announcement};
use crate::db::channels::ChannelTree;
use crate::db::pages::{self, Page};
use crate::db::settings::{self, SiteSettings};
use crate::db::{self};

pub use super::tel::{TelPart, tel_parts};

/// The data behind the layout, loaded once per request.
#[derive(Debug, Clone)]
pub struct SiteData {
    /// Site settings.
    pub settings: SiteSettings,
    /// Channel tree.
    pub tree: ChannelTree,
    /// Single pages.
    pub pages: Vec<Page>,
    /// Current announcements.
    pub announcements: Vec<Announcement>,
}

/// How long a cached [`SiteData`] may serve at most, so announcements
/// start and end on time even when nothing else changes.
const SITE_DATA_MAX_AGE: i64 = 30;

/// The last [`SiteData`] loaded, with the change number it was loaded at.
#[derive(Debug, Default)]
pub struct SiteCache {
    slot: std::sync::RwLock<Option<(i64, i64, Arc<SiteData>)>>,
}

impl SiteData {
    /// Loads everything the layout needs, from the cache while no change
    /// was logged since (only when the change watcher runs; otherwise every
    /// call reads the database).
    pub async fn load(state: &AppState) -> anyhow::Result<Arc<SiteData>> {
        let now = db::now();
        let live = state.changes.is_live();
        let seq = state.changes.current();
        if live {
            Self::refresh_visits(state, now).await;
            let slot = state
                .site_cache
                .slot
                .read()
                .unwrap_or_else(|e| e.into_inner());
            if let Some((s, at, data)) = slot.as_ref()
                && *s == seq
                && now - at < SITE_DATA_MAX_AGE
            {
                return Ok(data.clone());
            }
        }
        let db = &state.db;
        let data = Arc::new(SiteData {
            settings: settings::load_site(db).await?,
            tree: ChannelTree::load(db).await?,
            pages: pages::list(db).await?,
            announcements: announcements::current(db, now).await?,
        });
        Self::refresh_visits(state, now).await;
        if live {
            *state
                .site_cache
                .slot
                .write()
                .unwrap_or_else(|e| e.into_inner()) = Some((seq, now, data.clone()));
        }
        Ok(data)
    }
}

impl SiteData {
    /// Keeps the footer's 流量统计 current (read again every few seconds,
    /// not per request); a failure leaves the footer without it.
    async fn refresh_visits(state: &AppState, now: i64) {
        if let Err(e) = state.hits.refresh_totals(&state.db, now).await {
            tracing::debug!(error = format!("{e:#}"), "visit totals not read");
        }
    }
}

/// A link with a label.
#[derive(Debug, Clone, Serialize)]
pub struct Link {
    /// Label.
    pub title: String,
    /// Address.
    pub url: String,
}

/// One channel-bar entry.
#[derive(Debug, Clone, Serialize)]
pub struct NavItem {
    /// Channel name.
    pub name: String,
    /// Address.
    pub url: String,
    /// Whether the page belongs to this channel.
    pub active: bool,
}

/// One ticker entry.
#[derive(Debug, Clone, Serialize)]
pub struct TickerItem {
    /// Text.
    pub text: String,
    /// Address, if any.
    pub url: Option<String>,
}

/// The three font-size links.
#[derive(Debug, Clone, Serialize)]
pub struct FontLinks {
    /// 小.
    pub s: String,
    /// 中.
    pub m: String,
    /// 大.
    pub l: String,
}

/// Open Graph tags of a page.
#[derive(Debug, Clone, Serialize)]
pub struct OpenGraph {
    /// `article` or `website`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Absolute address.
    pub url: String,
    /// Absolute image address.
    pub image: Option<String>,
    /// Site name.
    pub site_name: String,
}

/// Visit counts of the footer.
#[derive(Debug, Clone, Serialize)]
pub struct Visits {
    /// All visits.
    pub total: i64,
    /// Today's visits.
    pub today: i64,
}

/// Everything the base template needs.
#[derive(Debug, Clone, Serialize)]
pub struct Layout {
    /// Full `<title>`.
    pub page_title: String,
    /// Meta description.
    pub meta_description: String,
    /// Canonical address.
    pub canonical_url: Option<String>,
    /// Open Graph tags.
    pub og: Option<OpenGraph>,
    /// Feed of this page.
    pub rss_url: Option<String>,
    /// Stylesheet address.
    pub css_url: String,
    /// Script address.
    pub js_url: String,
    /// Icon address.
    pub icon_url: String,
    /// Site settings.
    pub site: SiteSettings,
    /// `2026年11月26日 星期四`.
    pub today: String,
    /// Channel bar.
    pub nav: Vec<NavItem>,
    /// Ticker.
    pub announcements: Vec<TickerItem>,
    /// Footer links.
    pub footer_links: Vec<Link>,
    /// `s`, `m` or `l`.
    pub font_size: &'static str,
    /// Whether the page is shown as 关怀版.
    pub care: bool,
    /// Where the 关怀版 switch leads (on, or back to the standard version).
    pub care_link: String,
    /// The footer's 电话 setting, numbers as `tel:` links.
    pub phone_parts: Vec<TelPart>,
    /// The footer's 捐赠热线 setting, numbers as `tel:` links.
    pub hotline_parts: Vec<TelPart>,
    /// Font switch links.
    pub font_links: FontLinks,
    /// Where 秘书长信箱 leads.
    pub mailbox_url: String,
    /// The header search box's value.
    pub search_query: String,
    /// Where the header search box sends the query.
    pub search_url: String,
    /// Footer 流量统计, when counted.
    pub visits: Option<Visits>,
}

/// A page: the layout and the page's own fields side by side, as
/// [`crate::render::Templates::render_page`] gives them to a template.
#[derive(Debug)]
pub struct PageCtx<'a, T: Serialize> {
    /// The layout.
    pub layout: &'a Layout,
    /// The page's own fields (these win over the layout's of the same name).
    pub page: T,
}

const WEEKDAYS: [&str; 7] = [
    "星期一",
    "星期二",
    "星期三",
    "星期四",
    "星期五",
    "星期六",
    "星期日",
];

/// `2026年11月26日 星期四` for a Unix time, in Asia/Shanghai.
pub fn today_line(unix: i64) -> String {
    let t = Shanghai
        .timestamp_opt(unix, 0)
        .single()
        .unwrap_or_else(|| Shanghai.timestamp_opt(0, 0).unwrap());
    format!(
        "{}年{}月{}日 {}",
        t.year(),
        t.month(),
        t.day(),
        WEEKDAYS[t.weekday().num_days_from_monday() as usize]
    )
}

/// `2013-09-02` for a Unix time, in Asia/Shanghai.
pub fn date(unix: i64) -> String {
    // Written out: `format("%Y-%m-%d")` parses its pattern at every call,
    // and lists show dozens of dates per page.
    match Shanghai.timestamp_opt(unix, 0).single() {
        Some(t) => format!("{:04}-{:02}-{:02}", t.year(), t.month(), t.day()),
        None => String::new(),
    }
}

/// The reader's view key from the cookies: the font size (`fs=s|m|l`,
/// default `m`), prefixed with `c` when 关怀版 is on (`care=1`). The name is
/// kept from when it was the font size only.
pub fn font_size_of(headers: &HeaderMap) -> &'static str {
    let mut font = "m";
    let mut care = false;
    let cookies = headers.get_all(axum::http::header::COOKIE);
    for value in cookies {
        let Ok(text) = value.to_str() else { continue };
        for pair in text.split(';') {
            match pair.trim() {
                "fs=s" => font = "s",
                "fs=l" => font = "l",
                "fs=m" => font = "m",
                "care=1" => care = true,
                "care=0" => care = false,
                _ => {}
            }
        }
    }
    view_key(font, care)
}

/// The view key of a font size and mode.
pub fn view_key(font: &str, care: bool) -> &'static str {
    match (font, care) {
        ("s", false) => "s",
        ("l", false) => "l",
        (_, false) => "m",
        ("s", true) => "cs",
        ("l", true) => "cl",
        (_, true) => "cm",
    }
}

/// The font size and mode of a view key.
pub fn split_view(view: &'static str) -> (&'static str, bool) {
    match view.strip_prefix('c') {
        Some(font @ ("s" | "m" | "l")) => (font, true),
        _ => (
            match view {
                "s" => "s",
                "l" => "l",
                _ => "m",
            },
            false,
        ),
    }
}

/// The address of an article.
pub fn article_url(id: i64) -> String {
    format!("/a/{id}.html")
}

/// The address of a channel page (page 1 is the channel itself).
pub fn channel_url(slug: &str, page: i64) -> String {
    if page <= 1 {
        format!("/c/{slug}/")
    } else {
        format!("/c/{slug}/page/{page}/")
    }
}

/// The address of a single page.
pub fn page_url(slug: &str) -> String {
    if slug == "contact" {
        "/contact.html".to_string()
    } else {
        format!("/p/{slug}.html")
    }
}

/// Inputs of [`build`] that differ per page.
#[derive(Debug, Default)]
pub struct PageMeta {
    /// Title of the page itself; the site name is appended.
    pub title_parts: Vec<String>,
    /// Meta description; the site's own when empty.
    pub description: String,
    /// Path of the page, for canonical and font links.
    pub path: String,
    /// Channel the page belongs to, for the active nav entry.
    pub channel_id: Option<i64>,
    /// Open Graph.
    pub og: Option<OpenGraph>,
    /// Feed.
    pub rss_url: Option<String>,
}

/// Builds the layout of one page.
pub fn build(state: &AppState, data: &SiteData, meta: PageMeta, view: &'static str) -> Layout {
    let (font_size, care) = split_view(view);
    let settings = &data.settings;
    let mut parts = meta.title_parts;
    parts.push(settings.name.clone());
    let page_title = parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" - ");
    let active: Vec<i64> = meta
        .channel_id
        .map(|id| data.tree.ancestry(id).iter().map(|c| c.id).collect())
        .unwrap_or_default();
    let nav = data
        .tree
        .nav()
        .map(|c| NavItem {
            name: c.name.clone(),
            url: channel_url(&c.slug, 1),
            active: active.contains(&c.id),
        })
        .collect();
    let mut footer_links = Vec::new();
    for page in data.pages.iter().filter(|p| p.in_footer) {
        footer_links.push(Link {
            title: page.title.clone(),
            url: page_url(&page.slug),
        });
        if page.slug == "about" {
            footer_links.push(Link {
                title: "站点地图".into(),
                url: "/map.html".into(),
            });
        }
    }
    if !footer_links.iter().any(|l| l.url == "/map.html") {
        footer_links.push(Link {
            title: "站点地图".into(),
            url: "/map.html".into(),
        });
    }
    let back = encode_query(&meta.path);
    let base = state.config.base_url.trim_end_matches('/');
    Layout {
        page_title,
        meta_description: if meta.description.is_empty() {
            settings.description.clone()
        } else {
            meta.description
        },
        canonical_url: Some(format!("{base}{}", meta.path)),
        og: meta.og,
        rss_url: meta.rss_url,
        css_url: assets::url("site.css"),
        js_url: assets::url("site.js"),
        icon_url: assets::url("favicon.svg"),
        site: settings.clone(),
        today: today_line(db_now()),
        nav,
        announcements: data
            .announcements
            .iter()
            .map(|a| TickerItem {
                text: a.text.clone(),
                url: a.url.clone(),
            })
            .collect(),
        footer_links,
        font_size,
        font_links: FontLinks {
            s: format!("/fontsize/s?back={back}"),
            m: format!("/fontsize/m?back={back}"),
            l: format!("/fontsize/l?back={back}"),
        },
        care,
        care_link: format!("/care/{}?back={back}", if care { "off" } else { "on" }),
        phone_parts: tel_parts(&settings.phone),
        hotline_parts: tel_parts(&settings.donation_hotline),
        mailbox_url: "/mailbox".into(),
        search_query: String::new(),
        search_url: state.config.search_url.clone(),
        visits: state
            .hits
            .footer(db_now())
            .map(|(total, today)| Visits { total, today }),
    }
}

fn db_now() -> i64 {
    crate::db::now()
}

/// Percent-encodes a path for use as a query value.
pub fn encode_query(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_line_is_in_shanghai_time() {
        // 2026-11-25 16:30 UTC is already Thursday the 26th in Shanghai.
        let t = chrono::Utc
            .with_ymd_and_hms(2026, 11, 25, 16, 30, 0)
            .unwrap()
            .timestamp();
        assert_eq!(today_line(t), "2026年11月26日 星期四");
        assert_eq!(date(t), "2026-11-26");
        let t = chrono::Utc
            .with_ymd_and_hms(2013, 9, 1, 16, 0, 0)
            .unwrap()
            .timestamp();
        assert_eq!(today_line(t), "2013年9月2日 星期一");
    }

    #[test]
    fn font_cookie_is_read() {
        let mut h = HeaderMap::new();
        assert_eq!(font_size_of(&h), "m");
        h.insert(axum::http::header::COOKIE, "a=1; fs=l".parse().unwrap());
        assert_eq!(font_size_of(&h), "l");
        h.insert(axum::http::header::COOKIE, "care=1; fs=l".parse().unwrap());
        assert_eq!(font_size_of(&h), "cl");
        assert_eq!(split_view("cl"), ("l", true));
        h.insert(axum::http::header::COOKIE, "care=1; x=2".parse().unwrap());
        assert_eq!(font_size_of(&h), "cm");
        h.insert(
            axum::http::header::COOKIE,
            "care=1; care=0".parse().unwrap(),
        );
        assert_eq!(font_size_of(&h), "m");
        for key in ["s", "m", "l", "cs", "cm", "cl"] {
            let (font, care) = split_view(key);
            assert_eq!(view_key(font, care), key);
        }
        assert_eq!(split_view("x"), ("m", false));
    }
}
