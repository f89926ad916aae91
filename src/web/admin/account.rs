//! 我的账户: one's own password and the TOTP second factor (enrol with any
//! authenticator app, confirm with a code; turn off with a code unless the
//! policy requires it for admins). Enrolment starts with a POST, since a
//! GET may change nothing.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::view::{self, AdminPage, Flash, Notice};
use super::{AdminRoutes, CsrfForm, CurrentUser};
use crate::app::AppState;
use crate::auth::password::{self, HashError};
use crate::auth::throttle::{self, Verdict};
use crate::auth::{Perm, Role, totp};
use crate::db::audit::{self, Outcome};
use crate::db::{now, sessions, settings as site_settings, users};
use crate::error::{AppError, AppResult};

/// Routes of this file.
pub fn router() -> AdminRoutes {
    AdminRoutes::new()
        .get("/admin/account", Perm::Account, show_account)
        .post("/admin/account/password", Perm::Account, change_password)
        .get("/admin/account/totp", Perm::Account, show_totp)
        .post("/admin/account/totp/begin", Perm::Account, begin_totp)
        .post("/admin/account/totp/enable", Perm::Account, enable_totp)
        .post("/admin/account/totp/disable", Perm::Account, disable_totp)
}

#[derive(Serialize)]
struct AccountPage {
    role: &'static str,
    totp_enabled: bool,
}

async fn account_page(
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    flash: Option<Flash>,
) -> AppResult<Response> {
    view::render_status(
        state,
        status,
        AdminPage {
            user: Some(user),
            active: "account",
            title: "我的账户",
            flash,
        },
        "admin/account.html",
        AccountPage {
            role: user.role.label(),
            totp_enabled: user.totp_enabled,
        },
    )
    .await
}

async fn show_account(
    State(state): State<AppState>,
    user: CurrentUser,
    Notice(flash): Notice,
) -> AppResult<Response> {
    account_page(&state, &user, StatusCode::OK, flash).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PasswordForm {
    current: String,
    password: String,
    password2: String,
}

async fn change_password(
    State(state): State<AppState>,
    user: CurrentUser,
    CsrfForm(f): CsrfForm<PasswordForm>,
) -> AppResult<Response> {
    let again = |why: &str| Some(Flash::error(why));
    let secrets = users::secrets(&state.db, user.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let keys = throttle::Keys::secret("password", user.id, &user.ip);
    if let Verdict::Wait(secs) = throttle::check(&state.db, &keys, now()).await? {
        return account_page(
            &state,
            &user,
            StatusCode::TOO_MANY_REQUESTS,
            again(&throttle::secret_wait_message(secs)),
        )
        .await;
    }
    let ok = match password::verify(&f.current, Some(&secrets.password_hash)).await {
        Ok(ok) => ok,
        Err(HashError::Busy) => {
            return account_page(
                &state,
                &user,
                StatusCode::SERVICE_UNAVAILABLE,
                again("服务器繁忙，请稍后再试。"),
            )
            .await;
        }
        Err(HashError::Internal(e)) => return Err(AppError::Internal(e)),
    };
    if ok {
        throttle::succeed(&state.db, &keys).await?;
    }
    if !ok {
        audit::record(
            &state.db,
            &user.actor(),
            "修改密码",
            &format!("用户 {}", user.username),
            Outcome::Failed,
            "当前密码不正确",
        )
        .await?;
        return account_page(
            &state,
            &user,
            StatusCode::UNPROCESSABLE_ENTITY,
            again("当前密码不正确。"),
        )
        .await;
    }
    if f.password != f.password2 {
        return account_page(
            &state,
            &user,
            StatusCode::UNPROCESSABLE_ENTITY,
            again("两次输入的新密码不一致。"),
        )
        .await;
    }
    if let Err(why) = password::check_new_for(&f.password, &user.username) {
        return account_page(
            &state,
            &user,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(Flash::error(why)),
        )
        .await;
    }
    let hash = match password::hash(&f.password).await {
        Ok(h) => h,
        Err(HashError::Busy) => {
            return account_page(
                &state,
                &user,
                StatusCode::SERVICE_UNAVAILABLE,
                again("服务器繁忙，请稍后再试。"),
            )
            .await;
        }
        Err(HashError::Internal(e)) => return Err(AppError::Internal(e)),
    };
    users::set_password(&state.db, user.id, &hash).await?;
    sessions::delete_others(&state.db, user.id, &user.session_id).await?;
    audit::record(
        &state.db,
        &user.actor(),
        "修改密码",
        &format!("用户 {}", user.username),
        Outcome::Ok,
        "",
    )
    .await?;
    Ok(view::see_other("/admin/account?msg=password"))
}

#[derive(Serialize)]
struct TotpPage {
    enabled: bool,
    pending_secret: Option<String>,
    grouped_secret: String,
    otpauth: String,
    must_enrol: bool,
    may_disable: bool,
}

async fn totp_page(
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    flash: Option<Flash>,
) -> AppResult<Response> {
    let secrets = users::secrets(&state.db, user.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let pending = if user.totp_enabled {
        None
    } else {
        secrets.totp_pending.clone()
    };
    let site = site_settings::load_site(&state.db).await?.name;
    let issuer = if site.is_empty() {
        "fupin".to_string()
    } else {
        site
    };
    let grouped = pending
        .as_deref()
        .map(|s| {
            s.as_bytes()
                .chunks(4)
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default();
    let otpauth = pending
        .as_deref()
        .map(|s| totp::otpauth_uri(&issuer, &user.username, s))
        .unwrap_or_default();
    let required =
        user.role == Role::Admin && super::settings::totp_required_for_admins(&state.db).await?;
    view::render_status(
        state,
        status,
        AdminPage {
            user: Some(user),
            active: "account",
            title: "两步验证",
            flash,
        },
        "admin/totp.html",
        TotpPage {
            enabled: user.totp_enabled,
            pending_secret: pending,
            grouped_secret: grouped,
            otpauth,
            must_enrol: user.must_enrol,
            may_disable: !required,
        },
    )
    .await
}

async fn show_totp(
    State(state): State<AppState>,
    user: CurrentUser,
    Notice(flash): Notice,
) -> AppResult<Response> {
    let flash = flash.or_else(|| {
        user.must_enrol
            .then(|| Flash::error("管理员必须启用两步验证后才能继续使用后台。请按下面的步骤设置。"))
    });
    totp_page(&state, &user, StatusCode::OK, flash).await
}

#[derive(Deserialize, Default)]
struct Empty {}

async fn begin_totp(
    State(state): State<AppState>,
    user: CurrentUser,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    if user.totp_enabled {
        return Ok(view::see_other("/admin/account/totp"));
    }
    users::set_totp_pending(&state.db, user.id, Some(&totp::new_secret())).await?;
    Ok(view::see_other("/admin/account/totp"))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CodeForm {
    code: String,
}

async fn enable_totp(
    State(state): State<AppState>,
    user: CurrentUser,
    CsrfForm(f): CsrfForm<CodeForm>,
) -> AppResult<Response> {
    let secrets = users::secrets(&state.db, user.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let Some(secret) = secrets.totp_pending.filter(|_| !user.totp_enabled) else {
        return totp_page(
            &state,
            &user,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(Flash::error("请先点击“开始设置”获取密钥。")),
        )
        .await;
    };
    let Some(step) = totp::verify(&secret, &f.code, now(), 0) else {
        return totp_page(
            &state,
            &user,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(Flash::error(
                "验证码不正确。请确认手机时间准确，并输入验证器当前显示的 6 位数字。",
            )),
        )
        .await;
    };
    users::enable_totp(&state.db, user.id, &secret, step).await?;
    audit::record(
        &state.db,
        &user.actor(),
        "启用两步验证",
        &format!("用户 {}", user.username),
        Outcome::Ok,
        "",
    )
    .await?;
    Ok(view::see_other("/admin/account?msg=totp_on"))
}

async fn disable_totp(
    State(state): State<AppState>,
    user: CurrentUser,
    CsrfForm(f): CsrfForm<CodeForm>,
) -> AppResult<Response> {
    if user.role == Role::Admin && super::settings::totp_required_for_admins(&state.db).await? {
        return totp_page(
            &state,
            &user,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(Flash::error("站点设置要求管理员使用两步验证，不能关闭。")),
        )
        .await;
    }
    let secrets = users::secrets(&state.db, user.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let keys = throttle::Keys::secret("totp", user.id, &user.ip);
    if let Verdict::Wait(secs) = throttle::check(&state.db, &keys, now()).await? {
        return totp_page(
            &state,
            &user,
            StatusCode::TOO_MANY_REQUESTS,
            Some(Flash::error(throttle::secret_wait_message(secs))),
        )
        .await;
    }
    let step = secrets
        .totp_secret
        .as_deref()
        .and_then(|s| totp::verify(s, &f.code, now(), secrets.totp_last_step));
    let accepted = match step {
        Some(step) => users::use_totp_step(&state.db, user.id, step).await?,
        None => false,
    };
    if accepted {
        throttle::succeed(&state.db, &keys).await?;
    }
    if !accepted {
        return totp_page(
            &state,
            &user,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(Flash::error("验证码不正确或已使用。")),
        )
        .await;
    }
    users::disable_totp(&state.db, user.id).await?;
    audit::record(
        &state.db,
        &user.actor(),
        "关闭两步验证",
        &format!("用户 {}", user.username),
        Outcome::Ok,
        "",
    )
    .await?;
    Ok(view::see_other("/admin/account?msg=totp_off"))
}
