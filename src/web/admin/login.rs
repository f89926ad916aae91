//! Logging in and out: the password step, the optional TOTP step, and
//! logout. Unknown names and wrong passwords get the same answer after the
//! same work; repeated failures are slowed down and then locked (see
//! `auth::throttle`); every success, failure and lockout is logged.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::view::{self, AdminPage, Flash, Notice};
use super::{AdminRoutes, ClientIp, CsrfForm, CurrentUser, LoginForm, PendingLogin};
use crate::app::AppState;
use crate::auth::password::{self, HashError};
use crate::auth::session::{self, Stage};
use crate::auth::throttle::{self, Keys, Verdict};
use crate::auth::{Perm, token, totp};
use crate::db::audit::{self, Actor, Outcome};
use crate::db::{self, sessions, users};
use crate::error::{AppError, AppResult};

/// Routes of this file.
pub fn router() -> AdminRoutes {
    AdminRoutes::new()
        .get("/admin/login", Perm::Public, show_login)
        .post("/admin/login", Perm::Public, login)
        .get("/admin/login/totp", Perm::Public, show_totp_step)
        .post("/admin/login/totp", Perm::Public, verify_totp_step)
        .post("/admin/logout", Perm::Account, logout)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NextQuery {
    next: String,
}

#[derive(Serialize)]
struct LoginPage<'a> {
    csrf: &'a str,
    username: &'a str,
    next: &'a str,
}

fn clean_next(next: &str) -> &str {
    if super::extract::safe_next(next) {
        next
    } else {
        ""
    }
}

/// The pre-session token of this browser, or a new one to set.
fn pre_token(headers: &HeaderMap) -> (String, bool) {
    match session::read_cookie(headers, session::PRE_COOKIE).filter(|c| token::well_formed(c)) {
        Some(t) => (t.to_string(), false),
        None => (token::new_token(), true),
    }
}

fn add_cookie(r: &mut Response, cookie: &str) {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
}

async fn login_form(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    flash: Option<Flash>,
    username: &str,
    next: &str,
) -> AppResult<Response> {
    let (pre, fresh) = pre_token(headers);
    let mut r = view::render_status(
        state,
        status,
        AdminPage {
            user: None,
            active: "",
            title: "登录",
            flash,
        },
        "admin/login.html",
        LoginPage {
            csrf: &pre,
            username,
            next: clean_next(next),
        },
    )
    .await?;
    if fresh {
        add_cookie(
            &mut r,
            &session::set_cookie(
                session::PRE_COOKIE,
                &pre,
                "/admin",
                session::ABSOLUTE_SECS,
                state.config.secure_cookies,
                true,
            ),
        );
    }
    Ok(r)
}

async fn show_login(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
    Notice(flash): Notice,
) -> AppResult<Response> {
    if user.is_some() {
        return Ok(view::see_other("/admin"));
    }
    if state_has_no_users(&state).await? {
        let hint = Flash::error(
            "还没有任何后台用户。请在服务器上运行 fupin user add 用户名 --role admin --password-stdin 创建第一个管理员。",
        );
        return login_form(&state, &headers, StatusCode::OK, Some(hint), "", &q.next).await;
    }
    login_form(&state, &headers, StatusCode::OK, flash, "", &q.next).await
}

async fn state_has_no_users(state: &AppState) -> AppResult<bool> {
    Ok(users::count(&state.db).await? == 0)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Credentials {
    username: String,
    password: String,
    next: String,
}

/// The trusted-device digest of this browser for a user, if it has one.
async fn trusted_device(
    state: &AppState,
    headers: &HeaderMap,
    user_id: Option<i64>,
    now: i64,
) -> AppResult<Option<String>> {
    let (Some(id), Some(cookie)) = (
        user_id,
        session::read_cookie(headers, session::DEVICE_COOKIE).filter(|c| token::well_formed(c)),
    ) else {
        return Ok(None);
    };
    let digest = token::digest(cookie);
    Ok(users::device_known(&state.db, &digest, id, now)
        .await?
        .then_some(digest))
}

const WRONG: &str = "用户名或密码错误。";
const BUSY: &str = "服务器繁忙，请稍后再试。";

async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    LoginForm(form): LoginForm<Credentials>,
) -> AppResult<Response> {
    let db = &state.db;
    let now = db::now();
    let name = form.username.trim();
    if name.is_empty() || form.password.is_empty() {
        return login_form(
            &state,
            &headers,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(Flash::error("请输入用户名和密码。")),
            name,
            &form.next,
        )
        .await;
    }
    if name.chars().count() > 64 || form.password.chars().count() > password::MAX_LEN {
        return login_form(
            &state,
            &headers,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(Flash::error(WRONG)),
            "",
            &form.next,
        )
        .await;
    }
    let found = users::by_name(db, name).await?;
    let device = trusted_device(&state, &headers, found.as_ref().map(|(u, _)| u.id), now).await?;
    let keys = Keys::new(name, &ip, device.as_deref());
    let typed = Actor {
        id: None,
        name: name.to_string(),
        ip: ip.clone(),
    };
    let object = format!("用户 {name}");
    if let Verdict::Wait(secs) = throttle::check(db, &keys, now).await? {
        audit::record(
            db,
            &typed,
            "登录",
            &object,
            Outcome::Denied,
            "尝试过多，暂被限制",
        )
        .await?;
        return login_form(
            &state,
            &headers,
            StatusCode::TOO_MANY_REQUESTS,
            Some(Flash::error(throttle::wait_message(secs))),
            name,
            &form.next,
        )
        .await;
    }
    let stored = found
        .as_ref()
        .filter(|(u, _)| !u.disabled)
        .map(|(_, s)| s.password_hash.as_str());
    let caller = password::Caller {
        address: &ip,
        trusted: device.is_some(),
    };
    let ok = match password::verify_as(caller, &form.password, stored).await {
        Ok(ok) => ok,
        Err(HashError::Busy) => {
            throttle::abandon(db, &keys).await?;
            return login_form(
                &state,
                &headers,
                StatusCode::SERVICE_UNAVAILABLE,
                Some(Flash::error(BUSY)),
                name,
                &form.next,
            )
            .await;
        }
        Err(HashError::Internal(e)) => return Err(AppError::Internal(e)),
    };
    let Some((user, secrets)) = found.filter(|_| ok) else {
        let locked = throttle::fail(db, &keys, now).await?;
        audit::record(db, &typed, "登录失败", &object, Outcome::Failed, "").await?;
        for key in locked {
            audit::record(
                db,
                &typed,
                "锁定",
                &key,
                Outcome::Denied,
                "失败次数过多，15 分钟后自动解除",
            )
            .await?;
        }
        return login_form(
            &state,
            &headers,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(Flash::error(WRONG)),
            name,
            &form.next,
        )
        .await;
    };
    throttle::succeed(db, &keys).await?;
    if password::needs_rehash(&secrets.password_hash)
        && let Ok(h) = password::hash(&form.password).await
    {
        users::rehash_password(db, user.id, &h).await?;
    }
    // Whatever session this browser had ends; the new one has a new id.
    if let Some(old) = session::read_cookie(&headers, session::COOKIE) {
        sessions::delete(db, &token::digest(old)).await?;
    }
    let agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let next = clean_next(&form.next).to_string();
    if secrets.totp_secret.is_some() {
        let started = session::start(db, user.id, Stage::Totp, &ip, agent, now).await?;
        let target = if next.is_empty() {
            "/admin/login/totp".to_string()
        } else {
            format!(
                "/admin/login/totp?next={}",
                crate::web::site::layout::encode_query(&next)
            )
        };
        let mut r = view::see_other(&target);
        add_cookie(
            &mut r,
            &session::set_cookie(
                session::COOKIE,
                &started.token,
                "/",
                session::TOTP_STAGE_SECS,
                state.config.secure_cookies,
                false,
            ),
        );
        return Ok(r);
    }
    finish_login(&state, user.id, &user.username, &ip, agent, &next, "").await
}

/// Starts the full session, trusts the browser, logs the login and sends
/// the user on.
async fn finish_login(
    state: &AppState,
    user_id: i64,
    username: &str,
    ip: &str,
    agent: &str,
    next: &str,
    detail: &str,
) -> AppResult<Response> {
    let db = &state.db;
    let now = db::now();
    let started = session::start(db, user_id, Stage::Full, ip, agent, now).await?;
    let device = token::new_token();
    users::add_device(
        db,
        &token::digest(&device),
        user_id,
        now + session::DEVICE_SECS,
    )
    .await?;
    users::touch_login(db, user_id, now).await?;
    sessions::purge_expired(db, now, now - session::IDLE_SECS).await?;
    let actor = Actor {
        id: Some(user_id),
        name: username.to_string(),
        ip: ip.to_string(),
    };
    audit::record(
        db,
        &actor,
        "登录",
        &format!("用户 {username}"),
        Outcome::Ok,
        detail,
    )
    .await?;
    let mut r = view::see_other(if next.is_empty() { "/admin" } else { next });
    let secure = state.config.secure_cookies;
    add_cookie(
        &mut r,
        &session::set_cookie(
            session::COOKIE,
            &started.token,
            "/",
            session::ABSOLUTE_SECS,
            secure,
            false,
        ),
    );
    add_cookie(
        &mut r,
        &session::set_cookie(
            session::DEVICE_COOKIE,
            &device,
            "/admin",
            session::DEVICE_SECS,
            secure,
            false,
        ),
    );
    Ok(r)
}

#[derive(Serialize)]
struct TotpStepPage<'a> {
    csrf: &'a str,
    next: &'a str,
}

async fn totp_form(
    state: &AppState,
    pending: &PendingLogin,
    status: StatusCode,
    flash: Option<Flash>,
    next: &str,
) -> AppResult<Response> {
    view::render_status(
        state,
        status,
        AdminPage {
            user: None,
            active: "",
            title: "两步验证",
            flash,
        },
        "admin/login_totp.html",
        TotpStepPage {
            csrf: &pending.csrf_token,
            next: clean_next(next),
        },
    )
    .await
}

async fn show_totp_step(
    State(state): State<AppState>,
    pending: PendingLogin,
    Query(q): Query<NextQuery>,
) -> AppResult<Response> {
    totp_form(&state, &pending, StatusCode::OK, None, &q.next).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CodeForm {
    code: String,
    next: String,
}

async fn verify_totp_step(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    pending: PendingLogin,
    CsrfForm(form): CsrfForm<CodeForm>,
) -> AppResult<Response> {
    let db = &state.db;
    let now = db::now();
    let device = trusted_device(&state, &headers, Some(pending.user_id), now).await?;
    let keys = Keys::new(&pending.username, &ip, device.as_deref());
    let actor = Actor {
        id: Some(pending.user_id),
        name: pending.username.clone(),
        ip: ip.clone(),
    };
    let object = format!("用户 {}", pending.username);
    if let Verdict::Wait(secs) = throttle::check(db, &keys, now).await? {
        audit::record(
            db,
            &actor,
            "两步验证",
            &object,
            Outcome::Denied,
            "尝试过多，暂被限制",
        )
        .await?;
        return totp_form(
            &state,
            &pending,
            StatusCode::TOO_MANY_REQUESTS,
            Some(Flash::error(throttle::wait_message(secs))),
            &form.next,
        )
        .await;
    }
    let secrets = users::secrets(db, pending.user_id).await?;
    let step = secrets.as_ref().and_then(|s| {
        s.totp_secret
            .as_deref()
            .and_then(|secret| totp::verify(secret, &form.code, now, s.totp_last_step))
    });
    let accepted = match step {
        Some(step) => users::use_totp_step(db, pending.user_id, step).await?,
        None => false,
    };
    if !accepted {
        let locked = throttle::fail(db, &keys, now).await?;
        audit::record(db, &actor, "两步验证失败", &object, Outcome::Failed, "").await?;
        for key in locked {
            audit::record(
                db,
                &actor,
                "锁定",
                &key,
                Outcome::Denied,
                "失败次数过多，15 分钟后自动解除",
            )
            .await?;
        }
        return totp_form(
            &state,
            &pending,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(Flash::error(
                "验证码不正确或已使用，请输入验证器上当前显示的 6 位数字。",
            )),
            &form.next,
        )
        .await;
    }
    throttle::succeed(db, &keys).await?;
    sessions::delete(db, &pending.session_id).await?;
    let agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    finish_login(
        &state,
        pending.user_id,
        &pending.username,
        &ip,
        agent,
        clean_next(&form.next),
        "密码与两步验证",
    )
    .await
}

#[derive(Deserialize, Default)]
struct Empty {}

async fn logout(
    State(state): State<AppState>,
    user: CurrentUser,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    sessions::delete(&state.db, &user.session_id).await?;
    audit::record(
        &state.db,
        &user.actor(),
        "退出",
        &format!("用户 {}", user.username),
        Outcome::Ok,
        "",
    )
    .await?;
    let mut r = view::see_other("/admin/login?msg=logged_out");
    add_cookie(
        &mut r,
        &session::set_cookie(
            session::COOKIE,
            "",
            "/",
            0,
            state.config.secure_cookies,
            false,
        ),
    );
    Ok(r)
}
