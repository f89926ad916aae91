//! Feeds and discovery: RSS for the site and for each channel,
//! `sitemap.xml` and `robots.txt`.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::TimeZone;
use chrono_tz::Asia::Shanghai;
use serde::Serialize;

use super::channel::valid_slug;
use super::layout::{SiteData, article_url, channel_url, page_url};
use crate::app::AppState;
use crate::db::articles;
use crate::error::{AppError, AppResult};
use crate::html::{text_of, truncate_chars};

/// Items in a feed.
const FEED_ITEMS: i64 = 30;

/// Routes of this file.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/rss.xml", get(site_feed))
        .route("/c/{slug}/rss.xml", get(channel_feed))
        .route("/sitemap.xml", get(sitemap))
        .route("/robots.txt", get(robots))
}

#[derive(Serialize)]
struct FeedItem {
    title: String,
    link: String,
    description: String,
    pub_date: String,
    category: String,
}

#[derive(Serialize)]
struct Feed {
    title: String,
    link: String,
    description: String,
    items: Vec<FeedItem>,
}

fn rfc2822(unix: i64) -> String {
    Shanghai
        .timestamp_opt(unix, 0)
        .single()
        .map(|t| t.to_rfc2822())
        .unwrap_or_default()
}

fn xml(body: String, content_type: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

/// Renders the RSS feed of the whole site (`slug` none) or of a channel.
pub async fn render_feed(state: &AppState, slug: Option<&str>) -> AppResult<Option<String>> {
    let data = SiteData::load(state).await?;
    let base = state.config.base_url.trim_end_matches('/');
    let (title, link, ids) = match slug {
        None => (data.settings.name.clone(), format!("{base}/"), None),
        Some(slug) => {
            let Some(c) = data.tree.by_slug(slug) else {
                return Ok(None);
            };
            (
                format!("{} - {}", c.name, data.settings.name),
                format!("{base}{}", channel_url(slug, 1)),
                Some(data.tree.with_descendants(c.id)),
            )
        }
    };
    let list = match &ids {
        None => articles::latest(&state.db, articles::Flag::Any, FEED_ITEMS).await?,
        Some(ids) => articles::list_in_channels(&state.db, ids, 0, FEED_ITEMS).await?,
    };
    let mut items = Vec::with_capacity(list.len());
    for a in &list {
        let description = if a.summary.is_empty() {
            match articles::get(&state.db, a.id).await? {
                Some(full) => truncate_chars(&text_of(&full.body_html), 200),
                None => String::new(),
            }
        } else {
            a.summary.clone()
        };
        items.push(FeedItem {
            title: a.title.clone(),
            link: format!("{base}{}", article_url(a.id)),
            description,
            pub_date: rfc2822(a.published_at),
            category: data
                .tree
                .get(a.channel_id)
                .map(|c| c.name.clone())
                .unwrap_or_default(),
        });
    }
    let feed = Feed {
        title,
        link,
        description: data.settings.description.clone(),
        items,
    };
    Ok(Some(state.templates.render("site/rss.xml", &feed)?))
}

async fn site_feed(State(state): State<AppState>) -> AppResult<Response> {
    let body = render_feed(&state, None).await?.ok_or(AppError::NotFound)?;
    Ok(xml(body, "application/rss+xml; charset=utf-8"))
}

async fn channel_feed(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    if !valid_slug(&slug) {
        return Err(AppError::NotFound);
    }
    let body = render_feed(&state, Some(&slug))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(xml(body, "application/rss+xml; charset=utf-8"))
}

/// Most addresses one sitemap file may list.
const SITEMAP_LIMIT: i64 = 50_000;

/// Renders `sitemap.xml`: home, channels, single pages and articles.
/// Written directly rather than through a template: it lists up to 50,000
/// addresses, and a template loop over them took most of a re-export.
pub async fn render_sitemap(state: &AppState) -> AppResult<String> {
    use std::fmt::Write;

    use crate::html::escape;
    let data = SiteData::load(state).await?;
    let base = state.config.base_url.trim_end_matches('/');
    let mut locs: Vec<String> = vec![format!("{base}/")];
    locs.extend(
        data.tree
            .all()
            .iter()
            .map(|c| format!("{base}{}", channel_url(&c.slug, 1))),
    );
    locs.extend(
        data.pages
            .iter()
            .map(|p| format!("{base}{}", page_url(&p.slug))),
    );
    locs.push(format!("{base}/map.html"));
    let room = SITEMAP_LIMIT - locs.len() as i64;
    let articles = articles::list_visible_ids(&state.db, room).await?;
    let mut out = String::with_capacity(64 * (locs.len() + articles.len()) + 128);
    out.push_str(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for loc in &locs {
        let _ = writeln!(out, "<url><loc>{}</loc></url>", escape(loc));
    }
    // Articles of one day share its date text.
    let base = escape(base);
    let mut day: Option<(i64, String)> = None;
    for (id, updated_at) in articles {
        let key = updated_at.div_euclid(3600);
        if day.as_ref().is_none_or(|(k, _)| *k != key) {
            let text = Shanghai
                .timestamp_opt(updated_at, 0)
                .single()
                .map(|t| t.format("%Y-%m-%d").to_string())
                .unwrap_or_default();
            day = Some((key, text));
        }
        let date = day.as_ref().map(|(_, t)| t.as_str()).unwrap_or_default();
        let _ = write!(out, "<url><loc>{base}{}</loc>", article_url(id));
        if !date.is_empty() {
            let _ = write!(out, "<lastmod>{date}</lastmod>");
        }
        out.push_str("</url>\n");
    }
    out.push_str("</urlset>");
    Ok(out)
}

async fn sitemap(State(state): State<AppState>) -> AppResult<Response> {
    Ok(xml(
        render_sitemap(&state).await?,
        "application/xml; charset=utf-8",
    ))
}

/// The text of `robots.txt`.
pub fn robots_txt(state: &AppState) -> String {
    let base = state.config.base_url.trim_end_matches('/');
    format!(
        "User-agent: *\nDisallow: /admin/\nDisallow: /fontsize/\nDisallow: /care/\nSitemap: {base}/sitemap.xml\n"
    )
}

async fn robots(State(state): State<AppState>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        robots_txt(&state),
    )
        .into_response()
}
