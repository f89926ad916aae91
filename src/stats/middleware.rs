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
use crate::web::client::client_ip;
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

/// What is kept of a request that may be counted, until its response is
/// known.
pub struct Pending {
    path: String,
    ua: String,
    referer: Option<String>,
    host: String,
    query: String,
    ip: String,
}

/// Notes a request that may be counted (a GET of a public page by a
/// person), before it is handled.
pub fn observe(state: &AppState, request: &Request) -> Option<Pending> {
    if !state.hits.enabled() || request.method() != Method::GET {
        return None;
    }
    let path = request.uri().path();
    if SKIPPED.iter().any(|p| path.starts_with(p)) {
        return None;
    }
    let headers = request.headers();
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if agent::is_robot(ua) {
        return None;
    }
    Some(Pending {
        path: path.to_string(),
        ua: ua.to_string(),
        referer: headers
            .get(header::REFERER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        host: headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string(),
        query: request.uri().query().unwrap_or("").to_string(),
        ip: client_ip(&state.config, request),
    })
}

impl Pending {
    /// Counts the request now that its response is known: search terms of
    /// `/search`, and a view when the response is a page that succeeded.
    pub fn record<'a>(
        self,
        state: &'a AppState,
        response: &Response,
    ) -> impl Future<Output = ()> + Send + use<'a> {
        // Only plain values go into the future (a response is not Sync).
        let status = response.status();
        let html = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("text/html"));
        self.record_outcome(state, status, html)
    }

    async fn record_outcome(self, state: &AppState, status: StatusCode, html: bool) {
        let now = db::now();
        let day = day_of(now);
        if self.path == "/search"
            && !status.is_server_error()
            && let Some(term) = agent::search_term(&self.query)
        {
            state.hits.record_search(day, &term);
        }
        if status != StatusCode::OK || !html {
            return;
        }
        let salt = match state.hits.salt(&state.db, day).await {
            Ok(s) => s,
            Err(e) => {
                tracing::debug!(error = format!("{e:#}"), "visit not counted: no salt");
                return;
            }
        };
        let channel = match channel_slug_of(&self.path) {
            Some(slug) => SiteData::load(state)
                .await
                .ok()
                .and_then(|d| d.tree.by_slug(slug).map(|c| c.id)),
            None => None,
        };
        let base_host = state.hits.own_host(&state.config.base_url);
        state.hits.record(Visit {
            day,
            visitor: agent::visitor_digest(&salt, &self.ip, &self.ua),
            article: article_of(&self.path),
            channel,
            referrer: self
                .referer
                .and_then(|r| agent::referrer_host(&r, &[&self.host, base_host])),
            device: agent::device_of(&self.ua),
            path: self.path,
        });
    }
}

/// Counts the request once its response is known.
pub async fn count_visits(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let pending = observe(&state, &request);
    let response = next.run(request).await;
    if let Some(p) = pending {
        p.record(&state, &response).await;
    }
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
