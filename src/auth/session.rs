//! Session policy: tokens, timeouts and the cookies that carry them.
//!
//! A session starts at login with a fresh random token (never one the
//! browser brought, so a planted id is useless), lasts at most
//! [`ABSOLUTE_SECS`] and ends after [`IDLE_SECS`] without a request. While a
//! second factor is awaited the session is at stage `totp`, opens no page,
//! and lives [`TOTP_STAGE_SECS`].

use axum::http::HeaderMap;

use super::token;
use crate::db::{Db, sessions};

/// The session cookie.
pub const COOKIE: &str = "fupin_session";
/// The cookie whose value is the login form's CSRF token before a session
/// exists (double submit: the form must echo the cookie).
pub const PRE_COOKIE: &str = "fupin_pre";
/// The trusted-device cookie (see `auth::throttle`).
pub const DEVICE_COOKIE: &str = "fupin_device";
/// Idle timeout.
pub const IDLE_SECS: i64 = 2 * 3600;
/// Absolute timeout.
pub const ABSOLUTE_SECS: i64 = 12 * 3600;
/// How long the second-factor step may take.
pub const TOTP_STAGE_SECS: i64 = 5 * 60;
/// How long a browser stays trusted after a login.
pub const DEVICE_SECS: i64 = 90 * 86_400;
/// Activity is written at most this often, to spare the database a write
/// per request.
const TOUCH_EVERY: i64 = 60;

/// The stage of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Signed in.
    Full,
    /// Password accepted, TOTP code awaited.
    Totp,
}

impl Stage {
    fn as_str(self) -> &'static str {
        match self {
            Stage::Full => "full",
            Stage::Totp => "totp",
        }
    }
}

/// A session just started: the token for the cookie and its CSRF token.
#[derive(Debug, Clone)]
pub struct Started {
    /// The cookie value.
    pub token: String,
    /// The CSRF token.
    pub csrf: String,
}

/// Starts a session with a new token.
pub async fn start(
    db: &Db,
    user_id: i64,
    stage: Stage,
    ip: &str,
    user_agent: &str,
    now: i64,
) -> anyhow::Result<Started> {
    let token = token::new_token();
    let csrf = token::new_token();
    let life = match stage {
        Stage::Full => ABSOLUTE_SECS,
        Stage::Totp => TOTP_STAGE_SECS,
    };
    sessions::create(
        db,
        &sessions::NewSession {
            id: &token::digest(&token),
            user_id,
            csrf_token: &csrf,
            stage: stage.as_str(),
            now,
            expires_at: now + life,
            ip,
            user_agent,
        },
    )
    .await?;
    Ok(Started { token, csrf })
}

/// A live session found from a cookie.
#[derive(Debug, Clone)]
pub struct Live {
    /// Digest of the token (the row id).
    pub id: String,
    /// Whose.
    pub user_id: i64,
    /// CSRF token.
    pub csrf: String,
    /// Stage.
    pub stage: Stage,
}

/// Finds the live session of a token; expired ones are deleted. Refreshes
/// the idle timeout.
pub async fn resolve(db: &Db, token: &str, now: i64) -> anyhow::Result<Option<Live>> {
    if !token::well_formed(token) {
        return Ok(None);
    }
    let id = token::digest(token);
    let Some(row) = sessions::get(db, &id).await? else {
        return Ok(None);
    };
    if row.expires_at <= now || now - row.last_seen_at > IDLE_SECS {
        sessions::delete(db, &id).await?;
        return Ok(None);
    }
    if now - row.last_seen_at >= TOUCH_EVERY {
        sessions::touch(db, &id, now).await?;
    }
    Ok(Some(Live {
        id,
        user_id: row.user_id,
        csrf: row.csrf_token,
        stage: if row.stage == "totp" {
            Stage::Totp
        } else {
            Stage::Full
        },
    }))
}

/// The value of a cookie in the request, if present.
pub fn read_cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

/// A `Set-Cookie` value. `max_age` of 0 deletes the cookie.
pub fn set_cookie(
    name: &str,
    value: &str,
    path: &str,
    max_age: i64,
    secure: bool,
    strict: bool,
) -> String {
    format!(
        "{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly; SameSite={}{}",
        if strict { "Strict" } else { "Lax" },
        if secure { "; Secure" } else { "" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_read_and_written() {
        let mut h = HeaderMap::new();
        h.insert(
            axum::http::header::COOKIE,
            "a=1; fupin_session=abc ; b=2".parse().unwrap(),
        );
        assert_eq!(read_cookie(&h, COOKIE), Some("abc"));
        assert_eq!(read_cookie(&h, "c"), None);
        let c = set_cookie(COOKIE, "x", "/", 60, true, false);
        assert_eq!(
            c,
            "fupin_session=x; Path=/; Max-Age=60; HttpOnly; SameSite=Lax; Secure"
        );
    }
}
