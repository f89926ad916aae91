//! Channel pages: breadcrumb, child channels, the channel's articles (and
//! those of its sub-channels) with 置顶 first, numbered pagination at stable
//! addresses `/c/{slug}/` and `/c/{slug}/page/{n}/`.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Serialize;

use super::layout::{self, PageCtx, PageMeta, SiteData, channel_url};
use super::{ArticleItem, Crumb, Pagination, breadcrumb};
use crate::app::AppState;
use crate::db::articles;
use crate::error::{AppError, AppResult};

/// Articles per channel page.
pub const PER_PAGE: i64 = 20;

/// Routes of this file.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/c/{slug}", get(redirect_slash))
        .route("/c/{slug}/", get(show_channel))
        .route("/c/{slug}/page/{n}/", get(show_channel_page))
}

#[derive(Serialize)]
struct ChannelInfo {
    name: String,
    url: String,
    description: String,
}

#[derive(Serialize)]
struct Child {
    name: String,
    url: String,
}

#[derive(Serialize)]
struct ChannelPage {
    breadcrumb: Vec<Crumb>,
    channel: ChannelInfo,
    children: Vec<Child>,
    articles: Vec<ArticleItem>,
    pagination: Option<Pagination>,
}

/// The page numbers to show: the first, the last, and two either side of
/// the current one, with gaps as `None`.
pub fn page_numbers(current: i64, total: i64) -> Vec<Option<i64>> {
    let mut out = Vec::new();
    let mut last = 0;
    for n in 1..=total {
        if n == 1 || n == total || (n - current).abs() <= 2 {
            if n - last > 1 {
                out.push(None);
            }
            out.push(Some(n));
            last = n;
        }
    }
    out
}

/// Renders page `page` of a channel's list; `None` when there is no such
/// channel or page.
pub async fn render_channel(
    state: &AppState,
    slug: &str,
    page: i64,
    font: &'static str,
) -> AppResult<Option<String>> {
    let data = SiteData::load(state).await?;
    let Some(channel) = data.tree.by_slug(slug).cloned() else {
        return Ok(None);
    };
    let ids = data.tree.with_descendants(channel.id);
    let total_articles = articles::count_in_channels(&state.db, &ids).await?;
    let total_pages = pages_for(total_articles);
    if page < 1 || page > total_pages {
        return Ok(None);
    }
    let list = articles::list_in_channels(&state.db, &ids, (page - 1) * PER_PAGE, PER_PAGE).await?;
    Ok(Some(render_channel_view(
        state,
        &data,
        &channel,
        page,
        total_pages,
        &list,
        font,
    )?))
}

/// How many list pages a channel with `articles` listed articles has.
pub fn pages_for(articles: i64) -> i64 {
    ((articles + PER_PAGE - 1) / PER_PAGE).max(1)
}

/// Renders one page of a channel from data already loaded: the layout's
/// data and that page's articles. The export renders every page of a
/// channel this way from one read of its whole list.
pub fn render_channel_view(
    state: &AppState,
    data: &SiteData,
    channel: &crate::db::channels::Channel,
    page: i64,
    total_pages: i64,
    list: &[articles::ArticleSummary],
    font: &'static str,
) -> AppResult<String> {
    let slug = channel.slug.as_str();
    let pagination =
        (total_pages > 1).then(|| Pagination::new(page, total_pages, |n| channel_url(slug, n)));
    let view = ChannelPage {
        breadcrumb: breadcrumb(&data.tree, channel.id),
        channel: ChannelInfo {
            name: channel.name.clone(),
            url: channel_url(slug, 1),
            description: channel.description.clone(),
        },
        children: data
            .tree
            .children(channel.id)
            .map(|c| Child {
                name: c.name.clone(),
                url: channel_url(&c.slug, 1),
            })
            .collect(),
        articles: list
            .iter()
            .map(|a| ArticleItem::new(&data.tree, a))
            .collect(),
        pagination,
    };
    let mut title = channel.name.clone();
    if page > 1 {
        title = format!("{title}（第{page}页）");
    }
    let meta = PageMeta {
        title_parts: vec![title],
        description: channel.description.clone(),
        path: channel_url(slug, page),
        channel_id: Some(channel.id),
        rss_url: Some(format!("/c/{slug}/rss.xml")),
        og: None,
    };
    let layout = layout::build(state, data, meta, font);
    Ok(state.templates.render_page(
        "site/channel.html",
        &PageCtx {
            layout: &layout,
            page: view,
        },
    )?)
}

async fn show_channel(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> AppResult<Html<String>> {
    render_channel(&state, &slug, 1, layout::font_size_of(&headers))
        .await?
        .map(Html)
        .ok_or(AppError::NotFound)
}

async fn show_channel_page(
    State(state): State<AppState>,
    Path((slug, n)): Path<(String, String)>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let Some(number) = super::AddressNumber::parse(&n) else {
        return Err(AppError::NotFound);
    };
    if !valid_slug(&slug) {
        return Err(AppError::NotFound);
    }
    let n = number.value();
    if n == 1 || matches!(number, super::AddressNumber::Other(_)) {
        return Ok(Redirect::permanent(&channel_url(&slug, n)).into_response());
    }
    let html = render_channel(&state, &slug, n, layout::font_size_of(&headers)).await?;
    html.map(|h| Html(h).into_response())
        .ok_or(AppError::NotFound)
}

async fn redirect_slash(Path(slug): Path<String>) -> AppResult<Redirect> {
    if !valid_slug(&slug) {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::permanent(&channel_url(&slug, 1)))
}

/// Slugs are lower-case letters, digits and dashes; anything else cannot
/// name a channel (and must never reach a `Location` header).
pub fn valid_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= 100
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::page_numbers;

    #[test]
    fn page_numbers_have_gaps() {
        assert_eq!(page_numbers(1, 1), vec![Some(1)]);
        assert_eq!(page_numbers(1, 4), vec![Some(1), Some(2), Some(3), Some(4)]);
        assert_eq!(
            page_numbers(10, 50),
            vec![
                Some(1),
                None,
                Some(8),
                Some(9),
                Some(10),
                Some(11),
                Some(12),
                None,
                Some(50)
            ]
        );
    }
}
