//! The counting middleware around the whole router. It counts a request
//! after the response is made, and only a GET of a public HTML page that
//! succeeded (not HEAD, not the back office, static files or media, not a
//! robot); a request to `/search` also counts its terms. Nothing here
//! touches the database except the salt, read once a day per instance.

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use super::{Visit, agent, day_of};
use crate::app::AppState;
use crate::db;
use crate::web::admin::extract::client_ip;
use crate::web::site::layout::SiteData;

/// Path prefixes that are never counted.
const SKIPPED: &[&str] = &["/admin", "/static/", "/media/", "/mailbox/captcha/"];

/// The article id of `/a/{id}.html`.
fn article_of(path: &str) -> Option<i64> {
    path.strip_prefix("/a/")?
        .strip_suffix(".html")?
        .parse()
        .ok()
}

/// The channel slug of `/c/{slug}/` and `/c/{slug}/page/{n}/`.
fn channel_slug_of(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("/c/")?;
    let (slug, tail) = rest.split_once('/')?;
    (tail.is_empty() || tail.starts_with("page/")).then_some(slug)
}

/// Counts the request once its response is known.
pub async fn count_visits(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if !state.hits.enabled() || request.method() != Method::GET {
        return next.run(request).await;
    }
    let path = request.uri().path().to_string();
    if SKIPPED.iter().any(|p| path.starts_with(p)) {
        return next.run(request).await;
    }
    let headers = request.headers();
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    if agent::is_robot(&ua) {
        return next.run(request).await;
    }
    let referer = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let query = request.uri().query().unwrap_or("").to_string();
    let ip = client_ip(&state.config, &request);

    let response = next.run(request).await;

    let now = db::now();
    let day = day_of(now);
    if path == "/search"
        && !response.status().is_server_error()
        && let Some(term) = agent::search_term(&query)
    {
        state.hits.record_search(day, &term);
    }
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    if response.status() != StatusCode::OK || !html {
        return response;
    }
    let salt = match state.hits.salt(&state.db, day).await {
        Ok(s) => s,
        Err(e) => {
            tracing::debug!(error = format!("{e:#}"), "visit not counted: no salt");
            return response;
        }
    };
    let channel = match channel_slug_of(&path) {
        Some(slug) => SiteData::load(&state)
            .await
            .ok()
            .and_then(|d| d.tree.by_slug(slug).map(|c| c.id)),
        None => None,
    };
    let base_host = state.hits.own_host(&state.config.base_url);
    state.hits.record(Visit {
        day,
        visitor: agent::visitor_digest(&salt, &ip, &ua),
        article: article_of(&path),
        channel,
        referrer: referer.and_then(|r| agent::referrer_host(&r, &[&host, base_host])),
        device: agent::device_of(&ua),
        path,
    });
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn article_and_channel_paths_are_recognised() {
        assert_eq!(article_of("/a/12.html"), Some(12));
        assert_eq!(article_of("/a/x.html"), None);
        assert_eq!(channel_slug_of("/c/fupin-yaowen/"), Some("fupin-yaowen"));
        assert_eq!(
            channel_slug_of("/c/fupin-yaowen/page/3/"),
            Some("fupin-yaowen")
        );
        assert_eq!(channel_slug_of("/c/fupin-yaowen/rss.xml"), None);
    }
}
