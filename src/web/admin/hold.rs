//! Saves that arrive after the session expired. The editor's form is kept
//! for the browser that sent it (a random hold cookie, only its digest
//! stored; nothing of it in the address), the writer is sent to log in,
//! and the editor reopens with what was submitted and says so. Only a
//! same-site request carrying the (expired) session cookie is held, so
//! another site cannot plant text in someone's editor.

use axum::body::to_bytes;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};

use crate::app::AppState;
use crate::auth::{session, token};
use crate::db::holds;
use crate::error::AppError;

/// The browser's hold cookie.
pub const COOKIE: &str = "fupin_hold";
/// The most a held form may weigh.
const LIMIT: usize = 4 * 1024 * 1024;

/// Whether the request is a save of the article editor.
pub fn is_editor_save(method: &Method, path: &str) -> bool {
    if method != Method::POST {
        return false;
    }
    match path.strip_prefix("/admin/articles/") {
        Some("new") => true,
        Some(id) => !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()),
        None => false,
    }
}

/// Whether the request came from our own pages with an (expired) session.
fn from_our_editor(headers: &HeaderMap) -> bool {
    let same_site = headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v == "same-origin");
    same_site && session::read_cookie(headers, session::COOKIE).is_some()
}

/// Keeps the submitted form and sends the writer to log in; `None` when
/// the request is not one to hold (the caller answers as usual).
pub async fn keep(state: &AppState, req: Request) -> Result<Response, Request> {
    if !from_our_editor(req.headers()) {
        return Err(req);
    }
    let path = req.uri().path().to_string();
    let existing = session::read_cookie(req.headers(), COOKIE)
        .filter(|t| token::well_formed(t))
        .map(str::to_string);
    let body = match to_bytes(req.into_body(), LIMIT).await {
        Ok(b) => b,
        Err(_) => {
            return Ok(AppError::BadRequest("提交的内容太大。".into()).into_response());
        }
    };
    // The old session's token is of no use any more: not kept.
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let kept: Vec<(String, String)> = pairs.into_iter().filter(|(k, _)| k != "csrf").collect();
    let form = serde_urlencoded::to_string(&kept).unwrap_or_default();
    let token = existing.unwrap_or_else(token::new_token);
    if let Err(e) = holds::hold(&state.db, &token::digest(&token), &path, &form).await {
        return Ok(AppError::Internal(e).into_response());
    }
    let mut r = super::view::see_other(&format!(
        "/admin/login?next={}",
        crate::web::site::layout::encode_query(&path)
    ));
    let cookie = session::set_cookie(
        COOKIE,
        &token,
        "/admin",
        holds::KEEP_SECONDS,
        state.config.secure_cookies,
        false,
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(r)
}

/// Takes the form held for this browser and editor address, if any.
pub async fn take(
    state: &AppState,
    headers: &HeaderMap,
    path: &str,
) -> anyhow::Result<Option<String>> {
    let Some(t) = session::read_cookie(headers, COOKIE).filter(|t| token::well_formed(t)) else {
        return Ok(None);
    };
    holds::take_held(&state.db, &token::digest(t), path).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_editor_saves_are_held() {
        assert!(is_editor_save(&Method::POST, "/admin/articles/new"));
        assert!(is_editor_save(&Method::POST, "/admin/articles/42"));
        assert!(!is_editor_save(&Method::GET, "/admin/articles/42"));
        assert!(!is_editor_save(&Method::POST, "/admin/articles/42/trash"));
        assert!(!is_editor_save(&Method::POST, "/admin/articles/"));
    }
}
