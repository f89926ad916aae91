//! Single pages, the site map, the contact page (linked from 秘书长信箱), the font-size switch, old addresses of the legacy site (answered
//! with a permanent redirect) and the error pages.

use axum::Router;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};

use super::layout::{self, PageCtx, PageMeta, SiteData, article_url, channel_url, page_url};
use super::{Crumb, channel::valid_slug};
use crate::app::AppState;
use crate::db::articles;
use crate::db::channels::ChannelTree;
use crate::error::{AppError, AppResult, ErrorPage};

/// Routes of this file.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/p/{file}", get(show_page))
        .route("/map.html", get(show_map))
        .route("/contact.html", get(show_contact))
        .route("/fontsize/{size}", get(set_font_size))
        .route("/care/{mode}", get(set_care))
}

#[derive(Serialize)]
struct PageView {
    title: String,
    body_html: String,
}

#[derive(Serialize)]
struct SinglePage {
    breadcrumb: Vec<Crumb>,
    page: PageView,
}

/// Renders the single page with `slug`, if there is one.
pub async fn render_page(
    state: &AppState,
    slug: &str,
    font: &'static str,
) -> AppResult<Option<String>> {
    let data = SiteData::load(state).await?;
    let Some(page) = data.pages.iter().find(|p| p.slug == slug).cloned() else {
        return Ok(None);
    };
    let view = SinglePage {
        breadcrumb: vec![
            Crumb {
                name: "首页".into(),
                url: "/".into(),
            },
            Crumb {
                name: page.title.clone(),
                url: page_url(&page.slug),
            },
        ],
        page: PageView {
            title: page.title.clone(),
            body_html: page.body_html.clone(),
        },
    };
    let meta = PageMeta {
        title_parts: vec![page.title.clone()],
        path: page_url(&page.slug),
        ..PageMeta::default()
    };
    let layout = layout::build(state, &data, meta, font);
    Ok(Some(state.templates.render_page(
        "site/page.html",
        &PageCtx {
            layout: &layout,
            page: view,
        },
    )?))
}

async fn show_page(
    State(state): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let slug = file
        .strip_suffix(".html")
        .filter(|s| valid_slug(s))
        .ok_or(AppError::NotFound)?;
    if slug == "contact" {
        return Ok(Redirect::permanent("/contact.html").into_response());
    }
    let html = render_page(&state, slug, layout::font_size_of(&headers))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Html(html).into_response())
}

#[derive(Serialize)]
struct MapNode {
    name: String,
    url: String,
    children: Vec<MapNode>,
}

#[derive(Serialize)]
struct MapPage {
    breadcrumb: Vec<Crumb>,
    tree: Vec<MapNode>,
    pages: Vec<layout::Link>,
}

fn map_nodes(tree: &ChannelTree, parent: Option<i64>, depth: usize) -> Vec<MapNode> {
    if depth > 16 {
        return Vec::new();
    }
    tree.all()
        .iter()
        .filter(|c| c.parent_id == parent)
        .map(|c| MapNode {
            name: c.name.clone(),
            url: channel_url(&c.slug, 1),
            children: map_nodes(tree, Some(c.id), depth + 1),
        })
        .collect()
}

/// Renders 站点地图 from the channel tree and the single pages.
pub async fn render_map(state: &AppState, font: &'static str) -> AppResult<String> {
    let data = SiteData::load(state).await?;
    let view = MapPage {
        breadcrumb: vec![
            Crumb {
                name: "首页".into(),
                url: "/".into(),
            },
            Crumb {
                name: "站点地图".into(),
                url: "/map.html".into(),
            },
        ],
        tree: map_nodes(&data.tree, None, 0),
        pages: data
            .pages
            .iter()
            .map(|p| layout::Link {
                title: p.title.clone(),
                url: page_url(&p.slug),
            })
            .collect(),
    };
    let meta = PageMeta {
        title_parts: vec!["站点地图".into()],
        path: "/map.html".into(),
        ..PageMeta::default()
    };
    let layout = layout::build(state, &data, meta, font);
    Ok(state.templates.render_page(
        "site/map.html",
        &PageCtx {
            layout: &layout,
            page: view,
        },
    )?)
}

async fn show_map(State(state): State<AppState>, headers: HeaderMap) -> AppResult<Html<String>> {
    Ok(Html(
        render_map(&state, layout::font_size_of(&headers)).await?,
    ))
}

#[derive(Serialize)]
struct ContactPage {
    breadcrumb: Vec<Crumb>,
    page: Option<PageView>,
}

/// Renders the contact page: the settings' contact block and the text of
/// the `contact` single page.
pub async fn render_contact(state: &AppState, font: &'static str) -> AppResult<String> {
    let data = SiteData::load(state).await?;
    let page = data.pages.iter().find(|p| p.slug == "contact");
    let view = ContactPage {
        breadcrumb: vec![
            Crumb {
                name: "首页".into(),
                url: "/".into(),
            },
            Crumb {
                name: "联系我们".into(),
                url: "/contact.html".into(),
            },
        ],
        page: page.map(|p| PageView {
            title: p.title.clone(),
            body_html: p.body_html.clone(),
        }),
    };
    let meta = PageMeta {
        title_parts: vec!["联系我们".into()],
        path: "/contact.html".into(),
        ..PageMeta::default()
    };
    let layout = layout::build(state, &data, meta, font);
    Ok(state.templates.render_page(
        "site/contact.html",
        &PageCtx {
            layout: &layout,
            page: view,
        },
    )?)
}

async fn show_contact(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> AppResult<Html<String>> {
    Ok(Html(
        render_contact(&state, layout::font_size_of(&headers)).await?,
    ))
}

#[derive(Deserialize)]
struct Back {
    back: Option<String>,
}

/// Remembers the reader's font size in a cookie and returns to the page.
async fn set_font_size(Path(size): Path<String>, Query(q): Query<Back>) -> AppResult<Response> {
    let size = match size.as_str() {
        "s" | "m" | "l" => size,
        _ => return Err(AppError::NotFound),
    };
    Ok(remember(q, &format!("fs={size}")))
}

/// Turns 关怀版 on (`/care/on`) or off (`/care/off`) with a cookie and
/// returns to the page.
async fn set_care(Path(mode): Path<String>, Query(q): Query<Back>) -> AppResult<Response> {
    let value = match mode.as_str() {
        "on" => "care=1",
        "off" => "care=0",
        _ => return Err(AppError::NotFound),
    };
    Ok(remember(q, value))
}

/// A redirect back to the page (`back`, a path on this site) that sets a
/// reader's cookie for a year.
fn remember(q: Back, cookie: &str) -> Response {
    // Only paths on this site: no scheme, no `//host`, no backslashes or
    // control characters that browsers might read as another host.
    let back = q
        .back
        .filter(|b| {
            b.starts_with('/')
                && !b.starts_with("//")
                && !b.chars().any(|c| c == '\\' || c.is_control())
        })
        .filter(|b| HeaderValue::from_str(b).is_ok())
        .unwrap_or_else(|| "/".to_string());
    let mut response = Redirect::to(&back).into_response();
    let cookie = format!("{cookie}; Path=/; Max-Age=31536000; SameSite=Lax");
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    response
}

/// Normalises an old address for lookup: path and query, lower-case (the
/// old IIS site ignored case), without a trailing `?`.
pub fn legacy_key(path_and_query: &str) -> String {
    let mut key = path_and_query.trim().to_lowercase();
    if key.ends_with('?') {
        key.pop();
    }
    key
}

/// Everything no route matched: an old address of the legacy site gets a
/// permanent redirect to the imported article; the rest is 404.
pub async fn fallback(State(state): State<AppState>, request: Request) -> AppResult<Response> {
    let pq = request
        .uri()
        .path_and_query()
        .map(|pq| pq.as_str())
        .unwrap_or("/");
    if let Some(id) = articles::by_legacy_path(&state.db, &legacy_key(pq)).await? {
        return Ok(Redirect::permanent(&article_url(id)).into_response());
    }
    Err(AppError::NotFound)
}

#[derive(Serialize)]
struct ErrorView {
    status: u16,
    heading: String,
    message: String,
}

/// Renders an error page in the site's layout.
pub async fn error_page(
    state: &AppState,
    status: StatusCode,
    page: &ErrorPage,
    font: &'static str,
) -> anyhow::Result<String> {
    let data = SiteData::load(state).await?;
    let meta = PageMeta {
        title_parts: vec![page.heading.to_string()],
        path: "/".into(),
        ..PageMeta::default()
    };
    let mut layout = layout::build(state, &data, meta, font);
    layout.canonical_url = None;
    let view = ErrorView {
        status: status.as_u16(),
        heading: page.heading.to_string(),
        message: page.message.clone(),
    };
    Ok(state.templates.render_page(
        "site/error.html",
        &PageCtx {
            layout: &layout,
            page: view,
        },
    )?)
}
