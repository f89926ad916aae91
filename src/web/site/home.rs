//! The home page: headline, recommended articles with covers, the newest
//! articles of each navigation channel, and the announcements.

use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Html;
use axum::routing::get;
use serde::Serialize;

use super::ArticleItem;
use super::layout::{self, PageCtx, PageMeta, SiteData, channel_url};
use crate::app::AppState;
use crate::db::articles::{self, Flag};
use crate::error::AppResult;

/// Routes of this file.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(show_home))
        .route("/index.html", get(show_home))
}

#[derive(Serialize)]
struct Block {
    name: String,
    url: String,
    articles: Vec<ArticleItem>,
}

#[derive(Serialize)]
struct HomePage {
    headline: Option<ArticleItem>,
    recommended: Vec<ArticleItem>,
    blocks: Vec<Block>,
}

/// Renders the home page.
pub async fn render_home(state: &AppState, font: &'static str) -> AppResult<String> {
    let data = SiteData::load(state).await?;
    let db = &state.db;
    let headline = articles::latest(db, Flag::Headline, 1)
        .await?
        .into_iter()
        .next();
    let headline = match headline {
        Some(h) => Some(h),
        None => articles::latest(db, Flag::Any, 1).await?.into_iter().next(),
    };
    let recommended = articles::latest(db, Flag::Recommended, 7).await?;
    let nav: Vec<_> = data.tree.nav().collect();
    let groups: Vec<Vec<i64>> = nav
        .iter()
        .map(|c| data.tree.with_descendants(c.id))
        .collect();
    let lists = articles::first_in_each(db, &groups, 8).await?;
    let mut blocks = Vec::new();
    for (channel, list) in nav.iter().zip(lists) {
        blocks.push(Block {
            name: channel.name.clone(),
            url: channel_url(&channel.slug, 1),
            articles: list
                .iter()
                .map(|a| ArticleItem::new(&data.tree, a))
                .collect(),
        });
    }
    let page = HomePage {
        headline: headline.as_ref().map(|a| ArticleItem::new(&data.tree, a)),
        recommended: recommended
            .iter()
            .filter(|a| Some(a.id) != headline.as_ref().map(|h| h.id))
            .take(6)
            .map(|a| ArticleItem::new(&data.tree, a))
            .collect(),
        blocks,
    };
    let meta = PageMeta {
        title_parts: vec![data.settings.owner.clone()],
        path: "/".into(),
        rss_url: Some("/rss.xml".into()),
        ..PageMeta::default()
    };
    let mut layout = layout::build(state, &data, meta, font);
    // The home page's title is 站点名 - 主办单位, as on the old site.
    layout.page_title = format!("{} - {}", data.settings.name, data.settings.owner);
    Ok(state.templates.render_page(
        "site/home.html",
        &PageCtx {
            layout: &layout,
            page,
        },
    )?)
}

async fn show_home(State(state): State<AppState>, headers: HeaderMap) -> AppResult<Html<String>> {
    Ok(Html(
        render_home(&state, layout::font_size_of(&headers)).await?,
    ))
}
