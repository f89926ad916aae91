//! The article page: one `<article>` with title, subtitle, 加入时间, 来源,
//! author, 点击数 and body; around it the breadcrumb, 上一篇/下一篇 and related
//! articles. Each view is counted in memory with the visit statistics
//! (see `stats`), which also feed the 点击数.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Html;
use axum::routing::get;
use serde::Serialize;

use super::layout::{self, OpenGraph, PageCtx, PageMeta, SiteData, article_url, channel_url};
use super::{ArticleItem, Crumb, breadcrumb};
use crate::app::AppState;
use crate::db::articles::{self, Article, ArticleSummary};
use crate::error::{AppError, AppResult};
use crate::html::{text_of, truncate_chars};

/// Routes of this file.
pub fn router() -> Router<AppState> {
    Router::new().route("/a/{file}", get(show_article))
}

#[derive(Serialize)]
struct ArticleView {
    title: String,
    subtitle: Option<String>,
    date: String,
    source: Option<String>,
    author: Option<String>,
    editor: Option<String>,
    hits: i64,
    body_html: String,
    cover: Option<String>,
    channel_name: String,
    channel_url: String,
}

#[derive(Serialize)]
struct Neighbour {
    title: String,
    url: String,
}

#[derive(Serialize)]
struct ArticlePage {
    preview: bool,
    breadcrumb: Vec<Crumb>,
    article: ArticleView,
    prev: Option<Neighbour>,
    next: Option<Neighbour>,
    related: Vec<ArticleItem>,
}

fn non_empty(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// The description of an article: its summary or the start of its text.
pub fn description_of(article: &Article) -> String {
    match non_empty(&article.summary) {
        Some(s) => s,
        None => truncate_chars(&text_of(&article.body_html), 120),
    }
}

/// Renders a visible article; `None` when there is none with this id.
pub async fn render_article(
    state: &AppState,
    id: i64,
    font: &'static str,
) -> AppResult<Option<String>> {
    let Some(article) = articles::get_visible(&state.db, id).await? else {
        return Ok(None);
    };
    Ok(Some(
        render_article_page(state, &article, font, false).await?,
    ))
}

/// Renders an article as the public page shows it; `preview` marks the
/// back office's preview of an article that may not be published.
pub async fn render_article_page(
    state: &AppState,
    article: &Article,
    font: &'static str,
    preview: bool,
) -> AppResult<String> {
    let data = SiteData::load(state).await?;
    let (newer_list, older_list) = articles::around(&state.db, article, 6).await?;
    render_article_view(state, &data, article, newer_list, older_list, font, preview)
}

/// Renders an article page from data already loaded: the layout's data and
/// the articles nearest in time on each side (nearest first), as
/// [`articles::around`] returns them. The export renders whole channels
/// this way from one query.
pub fn render_article_view(
    state: &AppState,
    data: &SiteData,
    article: &Article,
    newer_list: Vec<ArticleSummary>,
    older_list: Vec<ArticleSummary>,
    font: &'static str,
    preview: bool,
) -> AppResult<String> {
    let related = articles::nearest(article, &newer_list, &older_list, 6);
    let newer = newer_list.into_iter().next();
    let older = older_list.into_iter().next();
    let channel = data.tree.get(article.channel_id).cloned();
    let (channel_name, channel_link) = channel
        .as_ref()
        .map(|c| (c.name.clone(), channel_url(&c.slug, 1)))
        .unwrap_or_default();
    let description = description_of(article);
    let base = state.config.base_url.trim_end_matches('/').to_string();
    let absolute = |u: &str| {
        if u.starts_with("http://") || u.starts_with("https://") {
            u.to_string()
        } else {
            format!("{base}{u}")
        }
    };
    let view = ArticlePage {
        preview,
        breadcrumb: breadcrumb(&data.tree, article.channel_id),
        article: ArticleView {
            title: article.title.clone(),
            subtitle: non_empty(&article.subtitle),
            date: layout::date(article.published_at),
            source: non_empty(&article.source),
            author: non_empty(&article.author),
            editor: non_empty(&article.editor),
            hits: article.hits + state.hits.pending(article.id),
            body_html: article.body_html.clone(),
            cover: non_empty(&article.cover),
            channel_name: channel_name.clone(),
            channel_url: channel_link,
        },
        // 上一篇 is the older article, 下一篇 the newer one, as lists read.
        prev: older.map(|a| Neighbour {
            title: a.title,
            url: article_url(a.id),
        }),
        next: newer.map(|a| Neighbour {
            title: a.title,
            url: article_url(a.id),
        }),
        related: related
            .iter()
            .map(|a| ArticleItem::new(&data.tree, a))
            .collect(),
    };
    let path = article_url(article.id);
    let meta = PageMeta {
        title_parts: vec![article.title.clone(), channel_name],
        description: description.clone(),
        og: Some(OpenGraph {
            kind: "article",
            title: article.title.clone(),
            description,
            url: absolute(&path),
            image: non_empty(&article.cover).map(|c| absolute(&c)),
            site_name: data.settings.name.clone(),
        }),
        path,
        channel_id: Some(article.channel_id),
        rss_url: channel.as_ref().map(|c| format!("/c/{}/rss.xml", c.slug)),
    };
    let layout = layout::build(state, data, meta, font);
    Ok(state.templates.render_page(
        "site/article.html",
        &PageCtx {
            layout: &layout,
            page: view,
        },
    )?)
}

/// The article id of an article address (`/a/{id}.html`).
pub fn article_id_of(path: &str) -> Option<i64> {
    path.strip_prefix("/a/")?
        .strip_suffix(".html")?
        .parse()
        .ok()
}

async fn show_article(
    State(state): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> AppResult<Html<String>> {
    let id = file
        .strip_suffix(".html")
        .and_then(|n| n.parse::<i64>().ok())
        .ok_or(AppError::NotFound)?;
    let html = render_article(&state, id, layout::font_size_of(&headers))
        .await?
        .ok_or(AppError::NotFound)?;
    // The view is counted by `stats::middleware`, with the statistics.
    Ok(Html(html))
}
