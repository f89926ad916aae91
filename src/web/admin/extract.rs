//! Extractors of the back office: the signed-in [`CurrentUser`], the
//! half-signed-in [`PendingLogin`], the client address [`ClientIp`], and
//! [`CsrfForm`], the only way a back-office handler receives a form.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{Method, Uri};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::app::AppState;
use crate::auth::session::{self, PRE_COOKIE};
use crate::auth::{Access, Role, token};
use crate::db::audit::Actor;
use crate::error::{AppError, AppResult};

/// The signed-in user of a back-office request. As an extractor it sends an
/// anonymous visitor to the login page (303 to `/admin/login?next=…`); the
/// session's idle timeout was refreshed when it was found.
#[derive(Debug, Clone, Serialize)]
pub struct CurrentUser {
    /// User id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// Name to show.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Channels assigned (for 编辑).
    pub channel_ids: Vec<i64>,
    /// The CSRF token every form of this session carries.
    pub csrf_token: String,
    /// Whether a second factor is enrolled.
    pub totp_enabled: bool,
    /// Whether the user must enrol a second factor before anything else.
    pub must_enrol: bool,
    /// The client address.
    pub ip: String,
    /// Digest of the session token (the session row's id).
    #[serde(skip)]
    pub session_id: String,
}

impl CurrentUser {
    /// Who acts, for the use cases of `crate::editorial`.
    pub fn principal(&self) -> crate::editorial::Principal {
        crate::editorial::Principal {
            actor: self.actor(),
            role: self.role,
            channels: self.channel_ids.clone(),
        }
    }

    /// The actor of audit entries.
    pub fn actor(&self) -> Actor {
        Actor {
            id: Some(self.id),
            name: self.username.clone(),
            ip: self.ip.clone(),
        }
    }

    /// Checks a CSRF token sent some other way than a urlencoded form (the
    /// `csrf` field of a multipart upload): 403 unless it is this session's.
    pub fn check_csrf(&self, sent: &str) -> AppResult<()> {
        if token::same(sent, &self.csrf_token) {
            Ok(())
        } else {
            Err(csrf_refused())
        }
    }
}

impl Access for CurrentUser {
    fn user_id(&self) -> i64 {
        self.id
    }
    fn user_role(&self) -> Role {
        self.role
    }
    fn user_channels(&self) -> &[i64] {
        &self.channel_ids
    }
}

/// Where a refused visitor is sent: the login page, coming back to the
/// page they asked for when it was a GET.
pub fn to_login(method: &Method, uri: &Uri) -> Response {
    let back = uri
        .path_and_query()
        .map(|p| p.as_str())
        .filter(|_| method == Method::GET)
        .filter(|p| *p != "/admin" && safe_next(p));
    match back {
        Some(p) => super::view::see_other(&format!(
            "/admin/login?next={}",
            crate::web::site::layout::encode_query(p)
        )),
        None => super::view::see_other("/admin/login"),
    }
}

/// Whether `next` is a back-office address we may redirect to after login
/// (never another site: no scheme, no `//`, no backslash).
pub fn safe_next(next: &str) -> bool {
    next.starts_with("/admin")
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.contains("://")
        && !next.chars().any(|c| c.is_control())
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<CurrentUser>()
            .cloned()
            .ok_or_else(|| to_login(&parts.method, &parts.uri))
    }
}

impl axum::extract::OptionalFromRequestParts<AppState> for CurrentUser {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _: &AppState,
    ) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts.extensions.get::<CurrentUser>().cloned())
    }
}

/// A session whose password was accepted and whose TOTP code is awaited.
#[derive(Debug, Clone)]
pub struct PendingLogin {
    /// Digest of the session token.
    pub session_id: String,
    /// Whose.
    pub user_id: i64,
    /// Login name.
    pub username: String,
    /// The session's CSRF token.
    pub csrf_token: String,
}

impl FromRequestParts<AppState> for PendingLogin {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<PendingLogin>()
            .cloned()
            .ok_or_else(|| super::view::see_other("/admin/login"))
    }
}

/// The client address: the connection's peer, or with `trust_proxy` the
/// last address of `X-Forwarded-For` (the one our own proxy appended).
#[derive(Debug, Clone)]
pub struct ClientIp(pub String);

pub use crate::web::client::{client_ip, client_ip_of};

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<ClientIp>()
            .cloned()
            .unwrap_or_else(|| ClientIp("unknown".into())))
    }
}

/// The 403 answer to a missing or wrong CSRF token.
pub fn csrf_refused() -> AppError {
    AppError::Forbidden("表单已失效或来源不明，操作没有执行。请返回上一页，刷新后重新提交。".into())
}

/// A urlencoded form whose `csrf` field matched the session's token before
/// anything else was read. On a mismatch (or with no session) the answer is
/// 403 and the handler never runs. `T` is deserialized from the same body;
/// give its fields `#[serde(default)]` and validate in the handler, so that
/// a missing field gets a clear message rather than a parse error.
#[derive(Debug)]
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let expected = match (
            req.extensions().get::<CurrentUser>(),
            req.extensions().get::<PendingLogin>(),
        ) {
            (Some(u), _) => Some(u.csrf_token.clone()),
            (None, Some(p)) => Some(p.csrf_token.clone()),
            (None, None) => None,
        };
        checked_form(req, state, expected).await.map(CsrfForm)
    }
}

/// The login form: before a session exists its token is the `fupin_pre`
/// cookie's value, echoed by the form (double submit), so that a foreign
/// page cannot log a browser into an account of the attacker's choosing.
#[derive(Debug)]
pub struct LoginForm<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for LoginForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let expected = session::read_cookie(req.headers(), PRE_COOKIE)
            .filter(|c| token::well_formed(c))
            .map(str::to_string);
        checked_form(req, state, expected).await.map(LoginForm)
    }
}

async fn checked_form<T: DeserializeOwned>(
    req: Request,
    state: &AppState,
    expected: Option<String>,
) -> Result<T, Response> {
    let bytes = Bytes::from_request(req, state)
        .await
        .map_err(IntoResponse::into_response)?;
    let sent = form_value(&bytes, "csrf");
    let ok = match (&expected, &sent) {
        (Some(e), Some(s)) => token::same(e, s),
        _ => false,
    };
    if !ok {
        return Err(csrf_refused().into_response());
    }
    serde_urlencoded::from_bytes::<T>(&bytes).map_err(|e| {
        tracing::debug!(error = %e, "unreadable back-office form");
        AppError::BadRequest("表单内容有误，请返回检查后重新提交。".into()).into_response()
    })
}

/// The first value of a field in a urlencoded body.
fn form_value(body: &[u8], name: &str) -> Option<String> {
    url::form_urlencoded::parse(body)
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Every (name, value) pair of a form, for fields that repeat (checkboxes).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(transparent)]
pub struct Pairs(pub Vec<(String, String)>);

impl Pairs {
    /// Every value of a field.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The first value of a field, or "".
    pub fn one(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// Every value of a field that parses as an id.
    pub fn ids(&self, name: &str) -> Vec<i64> {
        self.all(name)
            .into_iter()
            .filter_map(|v| v.trim().parse().ok())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_must_stay_in_the_back_office() {
        assert!(safe_next("/admin/articles?status=pending"));
        for bad in [
            "//evil.example/admin",
            "https://evil.example/admin",
            "/admin\\..\\x",
            "/public",
            "/admin/x\n",
        ] {
            assert!(!safe_next(bad), "{bad}");
        }
    }

    #[test]
    fn pairs_read_repeated_fields() {
        let p: Pairs = serde_urlencoded::from_str("ids=1&ids=2&ids=x&action=move").unwrap();
        assert_eq!(p.ids("ids"), vec![1, 2]);
        assert_eq!(p.one("action"), "move");
        assert_eq!(p.one("none"), "");
    }
}
