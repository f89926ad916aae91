//! Announcements (公告) of the ticker: list (with which are showing now),
//! create, edit the text, link and the time they show from and until,
//! delete with confirmation.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::editor::safe_image_address as safe_address;
use super::view::{self, AdminPage, Confirm, Flash, Notice};
use super::{AdminRoutes, CsrfForm, CurrentUser};
use crate::app::AppState;
use crate::auth::Perm;
use crate::db::announcements::{self, Announcement};
use crate::db::audit::{self, Outcome};
use crate::db::now;
use crate::error::{AppError, AppResult};

/// Routes of this file.
pub fn router() -> AdminRoutes {
    AdminRoutes::new()
        .get(
            "/admin/announcements",
            Perm::SiteContent,
            list_announcements,
        )
        .post(
            "/admin/announcements/new",
            Perm::SiteContent,
            create_announcement,
        )
        .get(
            "/admin/announcements/{id}",
            Perm::SiteContent,
            edit_announcement,
        )
        .post(
            "/admin/announcements/{id}",
            Perm::SiteContent,
            save_announcement,
        )
        .get(
            "/admin/announcements/{id}/delete",
            Perm::SiteContent,
            confirm_delete_announcement,
        )
        .post(
            "/admin/announcements/{id}/delete",
            Perm::SiteContent,
            delete_announcement,
        )
}

#[derive(Serialize)]
struct Line {
    id: i64,
    text: String,
    url: String,
    starts: String,
    ends: String,
    state: &'static str,
}

#[derive(Deserialize, Serialize, Default)]
#[serde(default)]
struct AnnouncementForm {
    text: String,
    url: String,
    starts_at: String,
    ends_at: String,
}

#[derive(Serialize)]
struct ListPage<'a> {
    items: Vec<Line>,
    form: &'a AnnouncementForm,
}

fn state_of(a: &Announcement, t: i64) -> &'static str {
    if a.starts_at > t {
        "未开始"
    } else if a.ends_at.is_some_and(|e| e <= t) {
        "已结束"
    } else {
        "显示中"
    }
}

async fn list_page(
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    flash: Option<Flash>,
    form: &AnnouncementForm,
) -> AppResult<Response> {
    let t = now();
    let items = announcements::list_all(&state.db)
        .await?
        .iter()
        .map(|a| Line {
            id: a.id,
            text: a.text.clone(),
            url: a.url.clone().unwrap_or_default(),
            starts: view::datetime(a.starts_at),
            ends: a
                .ends_at
                .map(view::datetime)
                .unwrap_or_else(|| "长期".into()),
            state: state_of(a, t),
        })
        .collect();
    view::render_status(
        state,
        status,
        AdminPage {
            user: Some(user),
            active: "announcements",
            title: "公告",
            flash,
        },
        "admin/announcements.html",
        ListPage { items, form },
    )
    .await
}

async fn list_announcements(
    State(state): State<AppState>,
    user: CurrentUser,
    Notice(flash): Notice,
) -> AppResult<Response> {
    let form = AnnouncementForm {
        starts_at: view::datetime_local(now()),
        ..AnnouncementForm::default()
    };
    list_page(&state, &user, StatusCode::OK, flash, &form).await
}

type Checked = (String, Option<String>, i64, Option<i64>);

fn check(f: &AnnouncementForm) -> Result<Checked, String> {
    let text = f.text.trim();
    if text.is_empty() || text.chars().count() > 200 {
        return Err("公告内容需要 1 到 200 个字。".into());
    }
    let url = f.url.trim();
    if !url.is_empty() && !safe_address(url) {
        return Err("链接应以 / 或 http:// 、https:// 开头。".into());
    }
    let starts = if f.starts_at.trim().is_empty() {
        now()
    } else {
        view::parse_local(&f.starts_at).ok_or("开始时间格式不对，应为 2026-01-31 09:30。")?
    };
    let ends = if f.ends_at.trim().is_empty() {
        None
    } else {
        Some(view::parse_local(&f.ends_at).ok_or("结束时间格式不对，应为 2026-01-31 09:30。")?)
    };
    if ends.is_some_and(|e| e <= starts) {
        return Err("结束时间应晚于开始时间。".into());
    }
    Ok((
        text.to_string(),
        (!url.is_empty()).then(|| url.to_string()),
        starts,
        ends,
    ))
}

async fn create_announcement(
    State(state): State<AppState>,
    user: CurrentUser,
    CsrfForm(f): CsrfForm<AnnouncementForm>,
) -> AppResult<Response> {
    let (text, url, starts, ends) = match check(&f) {
        Ok(v) => v,
        Err(why) => {
            return list_page(
                &state,
                &user,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(Flash::error(why)),
                &f,
            )
            .await;
        }
    };
    announcements::create(&state.db, &text, url.as_deref(), starts, ends).await?;
    audit::record(
        &state.db,
        &user.actor(),
        "新建公告",
        &format!("公告 {text}"),
        Outcome::Ok,
        "",
    )
    .await?;
    Ok(view::see_other("/admin/announcements?msg=created"))
}

#[derive(Serialize)]
struct EditPage<'a> {
    id: i64,
    form: &'a AnnouncementForm,
}

async fn load(state: &AppState, id: i64) -> AppResult<Announcement> {
    announcements::get(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)
}

async fn edit_form(
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    flash: Option<Flash>,
    id: i64,
    form: &AnnouncementForm,
) -> AppResult<Response> {
    view::render_status(
        state,
        status,
        AdminPage {
            user: Some(user),
            active: "announcements",
            title: "编辑公告",
            flash,
        },
        "admin/announcement.html",
        EditPage { id, form },
    )
    .await
}

async fn edit_announcement(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Notice(flash): Notice,
) -> AppResult<Response> {
    let a = load(&state, id).await?;
    let form = AnnouncementForm {
        text: a.text,
        url: a.url.unwrap_or_default(),
        starts_at: view::datetime_local(a.starts_at),
        ends_at: a.ends_at.map(view::datetime_local).unwrap_or_default(),
    };
    edit_form(&state, &user, StatusCode::OK, flash, id, &form).await
}

async fn save_announcement(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<AnnouncementForm>,
) -> AppResult<Response> {
    let old = load(&state, id).await?;
    let (text, url, starts, ends) = match check(&f) {
        Ok(v) => v,
        Err(why) => {
            return edit_form(
                &state,
                &user,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(Flash::error(why)),
                id,
                &f,
            )
            .await;
        }
    };
    announcements::update(&state.db, id, &text, url.as_deref(), starts, ends).await?;
    audit::record(
        &state.db,
        &user.actor(),
        "修改公告",
        &format!("公告 {}", old.text),
        Outcome::Ok,
        "",
    )
    .await?;
    Ok(view::see_other(&format!(
        "/admin/announcements/{id}?msg=saved"
    )))
}

async fn confirm_delete_announcement(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let a = load(&state, id).await?;
    view::confirm(
        &state,
        &user,
        "announcements",
        "删除公告",
        Confirm {
            question: format!("确定删除公告“{}”吗？", a.text),
            detail: "公告会立即从滚动栏中消失，删除后无法恢复。如只想停止显示，可以改结束时间。"
                .into(),
            action: format!("/admin/announcements/{id}/delete"),
            button: "删除公告",
            cancel: "/admin/announcements".into(),
        },
    )
    .await
}

#[derive(Deserialize, Default)]
struct Empty {}

async fn delete_announcement(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    let a = load(&state, id).await?;
    announcements::delete(&state.db, id).await?;
    audit::record(
        &state.db,
        &user.actor(),
        "删除公告",
        &format!("公告 {}", a.text),
        Outcome::Ok,
        "",
    )
    .await?;
    Ok(view::see_other("/admin/announcements?msg=deleted"))
}
