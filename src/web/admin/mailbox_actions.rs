//! The actions on one letter of 秘书长信箱: assign it, set its status, add
//! an internal note, reply to the writer, put it on the public board or
//! take it off. Each answers with a redirect and a notice, or shows the
//! letter again with what was wrong (and what was typed); each is written
//! to the 操作日志.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::mailbox::{detail, load};
use super::view::{self, Flash};
use super::{AdminRoutes, CsrfForm, CurrentUser};
use crate::app::AppState;
use crate::auth::Perm;
use crate::db::audit::{self, Outcome};
use crate::db::letters::{self, Letter};
use crate::error::AppResult;
use crate::mailbox::{MAX_REPLY, Status, clean_text};

/// Routes of this file.
pub fn router() -> AdminRoutes {
    AdminRoutes::new()
        .post("/admin/mailbox/{id}/assign", Perm::Mailbox, assign_letter)
        .post(
            "/admin/mailbox/{id}/status",
            Perm::Mailbox,
            set_letter_status,
        )
        .post("/admin/mailbox/{id}/note", Perm::Mailbox, add_note)
        .post("/admin/mailbox/{id}/reply", Perm::Mailbox, reply_letter)
        .post("/admin/mailbox/{id}/publish", Perm::Mailbox, publish_letter)
}

fn done(id: i64, code: &str) -> Response {
    view::see_other(&format!("/admin/mailbox/{id}?msg={code}"))
}

async fn log(
    state: &AppState,
    user: &CurrentUser,
    action: &str,
    l: &Letter,
    detail: &str,
) -> AppResult<()> {
    let object = format!("信件 {} {}", l.number, l.subject);
    audit::record(
        &state.db,
        &user.actor(),
        action,
        &object,
        Outcome::Ok,
        detail,
    )
    .await?;
    Ok(())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct AssignForm {
    assignee_id: String,
}

async fn assign_letter(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<AssignForm>,
) -> AppResult<Response> {
    let l = load(&state, id).await?;
    let staff = letters::staff(&state.db).await?;
    let chosen = match f.assignee_id.trim() {
        "" => None,
        v => {
            let Some(s) = v
                .parse::<i64>()
                .ok()
                .and_then(|v| staff.iter().find(|s| s.id == v))
            else {
                let flash = Flash::error("所选承办人不存在或无权处理信件，未分配。");
                return detail(
                    &state,
                    &user,
                    id,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Some(flash),
                    (None, None),
                )
                .await;
            };
            Some(s)
        }
    };
    letters::assign(&state.db, id, chosen.map(|s| s.id)).await?;
    let who = chosen.map_or("（未分配）".to_string(), |s| s.name.clone());
    log(&state, &user, "信件分配", &l, &format!("承办人：{who}")).await?;
    if chosen.is_some() && chosen.map(|s| s.id) != l.assignee_id {
        crate::mailbox::notify::spawn(&state.config, &state.db, id);
    }
    Ok(done(id, "mail_assigned"))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct StatusForm {
    status: String,
}

async fn set_letter_status(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<StatusForm>,
) -> AppResult<Response> {
    let l = load(&state, id).await?;
    let Some(status) = Status::parse(f.status.trim()) else {
        let flash = Flash::error("请选择有效的状态。");
        return detail(
            &state,
            &user,
            id,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(flash),
            (None, None),
        )
        .await;
    };
    if status == Status::Replied && l.reply.is_empty() {
        let flash = Flash::error("还没有答复内容，不能标记为已回复。请先填写答复。");
        return detail(
            &state,
            &user,
            id,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(flash),
            (None, None),
        )
        .await;
    }
    letters::set_status(&state.db, id, status).await?;
    log(
        &state,
        &user,
        "信件状态",
        &l,
        &format!("{} → {}", l.status.label(), status.label()),
    )
    .await?;
    Ok(done(id, "mail_status"))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct TextForm {
    body: String,
}

async fn add_note(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<TextForm>,
) -> AppResult<Response> {
    let l = load(&state, id).await?;
    let text = clean_text(&f.body, true);
    if text.is_empty() || text.chars().count() > MAX_REPLY {
        let flash = Flash::error(format!(
            "备注不能为空，且不超过 {MAX_REPLY} 字；备注未保存。"
        ));
        return detail(
            &state,
            &user,
            id,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(flash),
            (None, Some(f.body)),
        )
        .await;
    }
    letters::add_note(&state.db, id, user.id, &user.display_name, &text).await?;
    log(&state, &user, "信件备注", &l, "").await?;
    Ok(done(id, "mail_noted"))
}

async fn reply_letter(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<TextForm>,
) -> AppResult<Response> {
    let l = load(&state, id).await?;
    let text = clean_text(&f.body, true);
    if text.is_empty() || text.chars().count() > MAX_REPLY {
        let flash = Flash::error(format!(
            "答复不能为空，且不超过 {MAX_REPLY} 字；答复未保存。"
        ));
        return detail(
            &state,
            &user,
            id,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(flash),
            (Some(f.body), None),
        )
        .await;
    }
    letters::save_reply(&state.db, id, &text, &user.display_name).await?;
    crate::mailbox::notify::spawn_writer_notice(&state.config, &state.db, id);
    let action = if l.reply.is_empty() {
        "信件答复"
    } else {
        "修改答复"
    };
    log(&state, &user, action, &l, "").await?;
    Ok(done(id, "mail_replied"))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PublishForm {
    action: String,
}

async fn publish_letter(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<PublishForm>,
) -> AppResult<Response> {
    let l = load(&state, id).await?;
    let on = f.action != "unpublish";
    if on && !l.publish_ok {
        let flash = Flash::error("来信人未同意公开，不能公开此信。");
        return detail(
            &state,
            &user,
            id,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(flash),
            (None, None),
        )
        .await;
    }
    if on && l.reply.is_empty() {
        let flash = Flash::error("请先答复，再公开。");
        return detail(
            &state,
            &user,
            id,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(flash),
            (None, None),
        )
        .await;
    }
    if letters::set_published(&state.db, id, on).await? {
        log(
            &state,
            &user,
            if on { "信件公开" } else { "取消公开" },
            &l,
            "",
        )
        .await?;
    }
    Ok(done(
        id,
        if on {
            "mail_published"
        } else {
            "mail_unpublished"
        },
    ))
}
