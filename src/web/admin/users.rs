//! 用户: admins create users, set their role and (for 编辑) their channels,
//! reset passwords and second factors, and disable users — which ends all
//! their sessions at once. The last enabled admin cannot be demoted or
//! disabled, and nobody disables themselves.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::articles::{Choice, channel_choices};
use super::view::{self, AdminPage, Confirm, Flash, Notice};
use super::{AdminRoutes, CsrfForm, CurrentUser, Pairs};
use crate::app::AppState;
use crate::auth::password::{self, HashError};
use crate::auth::{Perm, Role};
use crate::db::audit::{self, Outcome};
use crate::db::channels::ChannelTree;
use crate::db::sessions;
use crate::db::users::{self, User};
use crate::error::{AppError, AppResult};

/// Routes of this file.
pub fn router() -> AdminRoutes {
    AdminRoutes::new()
        .get("/admin/users", Perm::Admin, list_users)
        .get("/admin/users/new", Perm::Admin, new_user)
        .post("/admin/users/new", Perm::Admin, create_user)
        .get("/admin/users/{id}", Perm::Admin, edit_user)
        .post("/admin/users/{id}", Perm::Admin, save_user)
        .post("/admin/users/{id}/password", Perm::Admin, reset_password)
        .get(
            "/admin/users/{id}/disable",
            Perm::Admin,
            confirm_disable_user,
        )
        .post("/admin/users/{id}/disable", Perm::Admin, disable_user)
        .post("/admin/users/{id}/enable", Perm::Admin, enable_user)
        .post("/admin/users/{id}/totp-reset", Perm::Admin, reset_totp)
}

#[derive(Serialize)]
struct Line {
    id: i64,
    username: String,
    display_name: String,
    role: &'static str,
    channels: String,
    disabled: bool,
    totp: bool,
    last_login: String,
}

#[derive(Serialize)]
struct ListPage {
    users: Vec<Line>,
}

async fn list_users(
    State(state): State<AppState>,
    user: CurrentUser,
    Notice(flash): Notice,
) -> AppResult<Response> {
    let tree = ChannelTree::load(&state.db).await?;
    let lines = users::list(&state.db)
        .await?
        .into_iter()
        .map(|u| Line {
            id: u.id,
            channels: u
                .channel_ids
                .iter()
                .filter_map(|c| tree.get(*c).map(|c| c.name.clone()))
                .collect::<Vec<_>>()
                .join("、"),
            username: u.username,
            display_name: u.display_name,
            role: u.role.label(),
            disabled: u.disabled,
            totp: u.totp_enabled,
            last_login: u
                .last_login_at
                .map(view::datetime)
                .unwrap_or_else(|| "从未".into()),
        })
        .collect();
    view::render(
        &state,
        AdminPage {
            user: Some(&user),
            active: "users",
            title: "用户",
            flash,
        },
        "admin/users.html",
        ListPage { users: lines },
    )
    .await
}

#[derive(Serialize)]
struct FormPage<'a> {
    target: Option<&'a User>,
    username: String,
    display_name: String,
    roles: Vec<Choice>,
    channels: Vec<Choice>,
    self_edit: bool,
}

fn role_choices(selected: Option<Role>) -> Vec<Choice> {
    Role::ALL
        .into_iter()
        .map(|r| Choice {
            value: r.as_str().into(),
            label: r.label().into(),
            selected: selected == Some(r),
        })
        .collect()
}

struct Shown<'a> {
    target: Option<&'a User>,
    username: String,
    display_name: String,
    role: Option<Role>,
    channel_ids: Vec<i64>,
}

async fn form_page(
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    flash: Option<Flash>,
    s: Shown<'_>,
) -> AppResult<Response> {
    let tree = ChannelTree::load(&state.db).await?;
    let channels = channel_choices(&tree, None, None)
        .into_iter()
        .map(|mut c| {
            c.selected = s.channel_ids.iter().any(|id| id.to_string() == c.value);
            c
        })
        .collect();
    let title = match s.target {
        Some(t) => format!("用户：{}", t.username),
        None => "新建用户".into(),
    };
    let page = FormPage {
        target: s.target,
        username: s.username,
        display_name: s.display_name,
        roles: role_choices(s.role),
        channels,
        self_edit: s.target.is_some_and(|t| t.id == user.id),
    };
    view::render_status(
        state,
        status,
        AdminPage {
            user: Some(user),
            active: "users",
            title: &title,
            flash,
        },
        "admin/user.html",
        page,
    )
    .await
}

async fn new_user(State(state): State<AppState>, user: CurrentUser) -> AppResult<Response> {
    form_page(
        &state,
        &user,
        StatusCode::OK,
        None,
        Shown {
            target: None,
            username: String::new(),
            display_name: String::new(),
            role: Some(Role::Writer),
            channel_ids: Vec::new(),
        },
    )
    .await
}

fn read_channels(form: &Pairs, tree: &ChannelTree) -> Vec<i64> {
    let mut ids: Vec<i64> = form
        .ids("channels")
        .into_iter()
        .filter(|c| tree.get(*c).is_some())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

async fn hash_or_busy(pw: &str) -> AppResult<Result<String, String>> {
    match password::hash(pw).await {
        Ok(h) => Ok(Ok(h)),
        Err(HashError::Busy) => Ok(Err("服务器繁忙，请稍后再试。".into())),
        Err(HashError::Internal(e)) => Err(AppError::Internal(e)),
    }
}

fn check_password_pair(form: &Pairs, username: &str) -> Result<String, String> {
    let pw = form.one("password");
    if pw != form.one("password2") {
        return Err("两次输入的密码不一致。".into());
    }
    password::check_new_for(pw, username)?;
    Ok(pw.to_string())
}

async fn create_user(
    State(state): State<AppState>,
    user: CurrentUser,
    CsrfForm(form): CsrfForm<Pairs>,
) -> AppResult<Response> {
    let tree = ChannelTree::load(&state.db).await?;
    let name = form.one("username").trim().to_string();
    let display = form
        .one("display_name")
        .trim()
        .chars()
        .take(50)
        .collect::<String>();
    let role = Role::parse(form.one("role"));
    let channel_ids = read_channels(&form, &tree);
    let shown = |t| Shown {
        target: t,
        username: name.clone(),
        display_name: display.clone(),
        role,
        channel_ids: channel_ids.clone(),
    };
    let fail = |why: String| Some(Flash::error(why));
    let Some(role) = role else {
        return form_page(
            &state,
            &user,
            StatusCode::UNPROCESSABLE_ENTITY,
            fail("请选择角色。".into()),
            shown(None),
        )
        .await;
    };
    if let Err(why) = users::check_username(&name) {
        return form_page(
            &state,
            &user,
            StatusCode::UNPROCESSABLE_ENTITY,
            fail(why),
            shown(None),
        )
        .await;
    }
    let pw = match check_password_pair(&form, &shown(None).username) {
        Ok(p) => p,
        Err(why) => {
            return form_page(
                &state,
                &user,
                StatusCode::UNPROCESSABLE_ENTITY,
                fail(why),
                shown(None),
            )
            .await;
        }
    };
    let hash = match hash_or_busy(&pw).await? {
        Ok(h) => h,
        Err(why) => {
            return form_page(
                &state,
                &user,
                StatusCode::SERVICE_UNAVAILABLE,
                fail(why),
                shown(None),
            )
            .await;
        }
    };
    let created = users::create(
        &state.db,
        &users::NewUser {
            username: &name,
            display_name: &display,
            role,
            password_hash: &hash,
            channel_ids: &channel_ids,
        },
    )
    .await?;
    let Some(id) = created else {
        return form_page(
            &state,
            &user,
            StatusCode::UNPROCESSABLE_ENTITY,
            fail(format!("用户名 {name} 已被使用。")),
            shown(None),
        )
        .await;
    };
    audit::record(
        &state.db,
        &user.actor(),
        "创建用户",
        &format!("用户 {name}"),
        Outcome::Ok,
        &format!("角色：{}", role.label()),
    )
    .await?;
    Ok(view::see_other(&format!("/admin/users/{id}?msg=created")))
}

async fn load(state: &AppState, id: i64) -> AppResult<User> {
    users::get(&state.db, id).await?.ok_or(AppError::NotFound)
}

async fn edit_user(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Notice(flash): Notice,
) -> AppResult<Response> {
    let t = load(&state, id).await?;
    let shown = Shown {
        target: Some(&t),
        username: t.username.clone(),
        display_name: t.display_name.clone(),
        role: Some(t.role),
        channel_ids: t.channel_ids.clone(),
    };
    form_page(&state, &user, StatusCode::OK, flash, shown).await
}

/// Whether taking away this admin's role or access would leave no admin.
async fn last_admin(state: &AppState, t: &User) -> AppResult<bool> {
    Ok(t.role == Role::Admin && !t.disabled && users::count_active_admins(&state.db).await? <= 1)
}

async fn save_user(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<Pairs>,
) -> AppResult<Response> {
    let t = load(&state, id).await?;
    let tree = ChannelTree::load(&state.db).await?;
    let display = form
        .one("display_name")
        .trim()
        .chars()
        .take(50)
        .collect::<String>();
    let channel_ids = read_channels(&form, &tree);
    let role = Role::parse(form.one("role"));
    let again = |why: &str| Some(Flash::error(why));
    let shown = Shown {
        target: Some(&t),
        username: t.username.clone(),
        display_name: display.clone(),
        role,
        channel_ids: channel_ids.clone(),
    };
    let Some(role) = role else {
        return form_page(
            &state,
            &user,
            StatusCode::UNPROCESSABLE_ENTITY,
            again("请选择角色。"),
            shown,
        )
        .await;
    };
    if role != Role::Admin && last_admin(&state, &t).await? {
        return form_page(
            &state,
            &user,
            StatusCode::UNPROCESSABLE_ENTITY,
            again("这是唯一的管理员，不能改为其他角色。请先让另一位用户成为管理员。"),
            shown,
        )
        .await;
    }
    users::update(&state.db, id, &display, role, &channel_ids).await?;
    let object = format!("用户 {}", t.username);
    if role != t.role {
        audit::record(
            &state.db,
            &user.actor(),
            "修改角色",
            &object,
            Outcome::Ok,
            &format!("{} → {}", t.role.label(), role.label()),
        )
        .await?;
    }
    if channel_ids != t.channel_ids || display != t.display_name {
        let names: Vec<String> = channel_ids
            .iter()
            .filter_map(|c| tree.get(*c).map(|c| c.name.clone()))
            .collect();
        audit::record(
            &state.db,
            &user.actor(),
            "修改用户",
            &object,
            Outcome::Ok,
            &format!("负责栏目：{}", names.join("、")),
        )
        .await?;
    }
    Ok(view::see_other(&format!("/admin/users/{id}?msg=saved")))
}

async fn reset_password(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<Pairs>,
) -> AppResult<Response> {
    let t = load(&state, id).await?;
    let shown = Shown {
        target: Some(&t),
        username: t.username.clone(),
        display_name: t.display_name.clone(),
        role: Some(t.role),
        channel_ids: t.channel_ids.clone(),
    };
    let pw = match check_password_pair(&form, &t.username) {
        Ok(p) => p,
        Err(why) => {
            return form_page(
                &state,
                &user,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(Flash::error(why)),
                shown,
            )
            .await;
        }
    };
    let hash = match hash_or_busy(&pw).await? {
        Ok(h) => h,
        Err(why) => {
            return form_page(
                &state,
                &user,
                StatusCode::SERVICE_UNAVAILABLE,
                Some(Flash::error(why)),
                shown,
            )
            .await;
        }
    };
    users::set_password(&state.db, id, &hash).await?;
    sessions::delete_for_user(&state.db, id).await?;
    audit::record(
        &state.db,
        &user.actor(),
        "重置密码",
        &format!("用户 {}", t.username),
        Outcome::Ok,
        "",
    )
    .await?;
    Ok(view::see_other(&format!(
        "/admin/users/{id}?msg=password_reset"
    )))
}

async fn confirm_disable_user(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let t = load(&state, id).await?;
    view::confirm(
        &state,
        &user,
        "users",
        "停用用户",
        Confirm {
            question: format!("确定停用用户 {} 吗？", t.username),
            detail: "停用后该用户立即退出所有已登录的设备，并且不能再登录；之后可以重新启用。"
                .into(),
            action: format!("/admin/users/{id}/disable"),
            button: "停用用户",
            cancel: format!("/admin/users/{id}"),
        },
    )
    .await
}

#[derive(Deserialize, Default)]
struct Empty {}

async fn disable_user(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    let t = load(&state, id).await?;
    if t.id == user.id {
        return Err(AppError::BadRequest("不能停用自己的账户。".into()));
    }
    if last_admin(&state, &t).await? {
        return Err(AppError::BadRequest(
            "这是唯一可用的管理员，不能停用。".into(),
        ));
    }
    users::set_disabled(&state.db, id, true).await?;
    audit::record(
        &state.db,
        &user.actor(),
        "停用用户",
        &format!("用户 {}", t.username),
        Outcome::Ok,
        "",
    )
    .await?;
    Ok(view::see_other(&format!("/admin/users/{id}?msg=disabled")))
}

async fn enable_user(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    let t = load(&state, id).await?;
    users::set_disabled(&state.db, id, false).await?;
    audit::record(
        &state.db,
        &user.actor(),
        "启用用户",
        &format!("用户 {}", t.username),
        Outcome::Ok,
        "",
    )
    .await?;
    Ok(view::see_other(&format!("/admin/users/{id}?msg=enabled")))
}

async fn reset_totp(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    let t = load(&state, id).await?;
    users::disable_totp(&state.db, id).await?;
    audit::record(
        &state.db,
        &user.actor(),
        "清除两步验证",
        &format!("用户 {}", t.username),
        Outcome::Ok,
        "",
    )
    .await?;
    Ok(view::see_other(&format!(
        "/admin/users/{id}?msg=totp_reset"
    )))
}
