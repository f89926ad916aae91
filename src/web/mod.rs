//! The HTTP layer: the one router, the middleware every response passes
//! (security headers, error pages in the site's layout) and the static
//! assets. Public pages live in [`site`].

pub mod admin;
pub mod cache;
pub mod client;
pub mod media;
pub mod site;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::app::AppState;
use crate::assets;
use crate::error::ErrorPage;

/// The Content-Security-Policy of every page: no inline script or style.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' http: https:; \
    font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
    frame-ancestors 'self'";

/// The browser features no page of the site uses, switched off for the
/// page and anything it embeds. Speech synthesis (the 朗读 control) needs
/// no permission and is not listed.
pub const PERMISSIONS_POLICY: &str = "accelerometer=(), autoplay=(), camera=(), display-capture=(), \
    geolocation=(), gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), usb=()";

/// Strict-Transport-Security for a site whose `base_url` is https: a year,
/// subdomains left to the operator (they may not all serve https).
pub const HSTS: &str = "max-age=31536000";

/// Builds the application's router.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(site::router())
        .merge(admin::router(state.clone()))
        .merge(media::router())
        .route("/static/{*file}", get(serve_asset))
        .fallback(site::misc::fallback)
        // Inner to outer: error pages, the page cache, view counting (so
        // cached views count), compression of what is not pre-compressed,
        // security headers on everything.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            render_error_pages,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            cache::cache_pages,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::stats::middleware::count_visits,
        ))
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security_headers,
        ))
        // Outermost: a page the cache holds is answered here, counted and
        // given the same headers, without passing the layers above.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            cache::serve_hits,
        ))
        .with_state(state)
}

async fn serve_asset(Path(file): Path<String>) -> Response {
    match assets::find(&file) {
        Some((asset, hashed)) => {
            let cache = if hashed {
                "public, max-age=31536000, immutable"
            } else {
                "public, max-age=300"
            };
            (
                [
                    (header::CONTENT_TYPE, asset.content_type),
                    (header::CACHE_CONTROL, cache),
                ],
                asset.bytes,
            )
                .into_response()
        }
        None => crate::error::AppError::NotFound.into_response(),
    }
}

/// Adds the security headers to every response, and names the instance
/// when it was given a name.
async fn security_headers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    finish_headers(&state, response.headers_mut());
    response
}

/// The headers every response gets (see [`security_headers`]); also used
/// by the page cache's fast path, which answers before the layers run.
pub(crate) fn finish_headers(state: &AppState, headers: &mut axum::http::HeaderMap) {
    let set = [
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
        (header::X_FRAME_OPTIONS, "SAMEORIGIN"),
    ];
    for (name, value) in set {
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    }
    headers
        .entry("permissions-policy")
        .or_insert(HeaderValue::from_static(PERMISSIONS_POLICY));
    // Only a site served over https may pin browsers to it: on plain
    // http the header is ignored, and on a wrong base_url it would lock
    // readers out of the real address for a year.
    if state.config.base_url.starts_with("https://") {
        headers
            .entry(header::STRICT_TRANSPORT_SECURITY)
            .or_insert(HeaderValue::from_static(HSTS));
    }
    if state.announce_instance
        && let Ok(v) = HeaderValue::from_str(&state.instance)
    {
        headers.insert("x-fupin-instance", v);
    }
}

/// Replaces the body of an error response with the site's error page.
async fn render_error_pages(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let font = site::layout::font_size_of(request.headers());
    let in_admin = request.uri().path().starts_with("/admin");
    let response = match oversized(&request) {
        Some(status) => crate::error::status_response(status),
        None => next.run(request).await,
    };
    let status = response.status();
    let page = match response.extensions().get::<ErrorPage>() {
        Some(page) => page.clone(),
        None => match framework_error(&response) {
            Some(page) => page,
            None => return response,
        },
    };
    let rendered = if in_admin {
        admin::view::error_page(&state, status, &page)
    } else {
        site::misc::error_page(&state, status, &page, font).await
    };
    match rendered {
        Ok(html) => {
            let mut out = (status, axum::response::Html(html)).into_response();
            out.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            out
        }
        Err(e) => {
            // The error page itself failed (the database is away): plain text.
            tracing::error!(error = format!("{e:#}"), "cannot render the error page");
            let mut out =
                Response::new(Body::from(format!("{} {}", status.as_u16(), page.heading)));
            *out.status_mut() = if status.is_success() {
                StatusCode::INTERNAL_SERVER_ERROR
            } else {
                status
            };
            out.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            );
            out
        }
    }
}

/// Longest address (path and query) and largest header block a request may
/// bring. Below the HTTP library's own limits, so that these answers are
/// pages of the site rather than the library's empty ones.
const MAX_URI_BYTES: usize = 32 * 1024;
const MAX_HEADER_BYTES: usize = 32 * 1024;

/// 414 or 431 for a request whose address or headers are over the limits.
fn oversized(request: &Request) -> Option<StatusCode> {
    // Measured without formatting the address: this runs on every request.
    let uri = request.uri();
    let uri_bytes = uri.path().len() + uri.query().map_or(0, |q| q.len() + 1);
    if uri_bytes > MAX_URI_BYTES {
        return Some(StatusCode::URI_TOO_LONG);
    }
    let headers: usize = request
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    (headers > MAX_HEADER_BYTES).then_some(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE)
}

/// The page for an error answer that no handler of ours made: a rejection
/// of the framework's (a form or path that does not parse, a method the
/// route does not take, a body over the limit), whose own text would name
/// parameter types. Our handlers' errors carry an [`ErrorPage`] already;
/// answers with a body of their own kind (JSON for scripts, a redirect)
/// are left alone.
fn framework_error(response: &Response) -> Option<ErrorPage> {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return None;
    }
    let plain = match response.headers().get(header::CONTENT_TYPE) {
        None => true,
        Some(v) => v.as_bytes().starts_with(b"text/plain"),
    };
    if !plain {
        return None;
    }
    Some(crate::error::page_for_status(status))
}
