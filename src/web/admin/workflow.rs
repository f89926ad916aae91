//! The editorial workflow: 草稿 → 待审核 → 已发布 (or 定时发布), returning
//! with a reason the writer sees, taking down, and the recycle bin (trash,
//! restore, purge). Each step checks the object: 编辑 act only in their
//! channels, 撰稿 only submit their own drafts. Destructive steps have a
//! confirmation page (GET, which changes nothing) before the POST.

use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;

use super::view::{self, Confirm};
use super::{AdminRoutes, CsrfForm, CurrentUser};
use crate::app::AppState;
use crate::auth::{Access, Perm};
use crate::db::articles::Status;
use crate::db::audit::{self, Outcome as Logged};
use crate::db::editorial::{self, AdminArticle};
use crate::db::now;
use crate::error::{AppError, AppResult};

/// Routes of this file.
pub fn router() -> AdminRoutes {
    AdminRoutes::new()
        .post("/admin/articles/{id}/submit", Perm::Write, submit_article)
        .post(
            "/admin/articles/{id}/publish",
            Perm::Publish,
            publish_article,
        )
        .post("/admin/articles/{id}/return", Perm::Publish, return_article)
        .post(
            "/admin/articles/{id}/unpublish",
            Perm::Publish,
            unpublish_article,
        )
        .get("/admin/articles/{id}/trash", Perm::Publish, confirm_trash)
        .post("/admin/articles/{id}/trash", Perm::Publish, trash_article)
        .post(
            "/admin/articles/{id}/restore",
            Perm::Publish,
            restore_article,
        )
        .get("/admin/articles/{id}/purge", Perm::Admin, confirm_purge)
        .post("/admin/articles/{id}/purge", Perm::Admin, purge_article)
}

/// How a step ended.
#[derive(Debug)]
pub enum Outcome {
    /// Done; the notice code.
    Done(&'static str),
    /// Not possible in the article's state; why.
    Refused(&'static str),
    /// The user may not act on this article.
    Denied,
}

impl Outcome {
    fn answer(self, id: i64) -> AppResult<Response> {
        match self {
            Outcome::Done(code) => Ok(view::see_other(&format!("/admin/articles/{id}?msg={code}"))),
            Outcome::Refused(why) => Err(AppError::BadRequest(why.into())),
            Outcome::Denied => Err(denied()),
        }
    }
}

/// The 403 for an article outside the user's reach.
pub fn denied() -> AppError {
    AppError::Forbidden(
        "您没有处理这篇文章的权限（编辑只能处理所负责栏目的文章，撰稿只能处理自己的草稿）。".into(),
    )
}

/// How the log names an article.
pub fn object(a: &AdminArticle) -> String {
    format!("文章 #{} {}", a.article.id, a.article.title)
}

/// Loads an article the user may at least see: 404 when missing, 403 when
/// outside their reach.
pub async fn load_visible(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
) -> AppResult<AdminArticle> {
    let a = editorial::get(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !user.can_view(&a.reference()) {
        return Err(denied());
    }
    Ok(a)
}

/// Publishes a draft or pending article now, or schedules it when its
/// publish time (or `at`) is in the future.
pub async fn publish(
    state: &AppState,
    user: &CurrentUser,
    a: &AdminArticle,
    at: Option<i64>,
) -> AppResult<Outcome> {
    if !user.can_publish_in(a.article.channel_id) {
        return Ok(Outcome::Denied);
    }
    let t = now();
    let when = at.unwrap_or(if a.article.published_at > t {
        a.article.published_at
    } else {
        t
    });
    let to = if when > t {
        Status::Scheduled
    } else {
        Status::Published
    };
    let from = [Status::Draft, Status::Pending, Status::Scheduled];
    if !from.contains(&a.article.status)
        || !editorial::transition(&state.db, a.article.id, &from, to, "", Some(when)).await?
    {
        return Ok(Outcome::Refused(
            "只有草稿、待审核或定时发布的文章可以发布。",
        ));
    }
    let (action, code, detail) = if to == Status::Scheduled {
        (
            "定时发布",
            "scheduled",
            format!("发布时间：{}", view::datetime(when)),
        )
    } else if a.article.status == Status::Pending {
        ("审核通过并发布", "published", String::new())
    } else {
        ("发布", "published", String::new())
    };
    audit::record(
        &state.db,
        &user.actor(),
        action,
        &object(a),
        Logged::Ok,
        &detail,
    )
    .await?;
    Ok(Outcome::Done(code))
}

/// Moves an article to the recycle bin.
pub async fn trash(state: &AppState, user: &CurrentUser, a: &AdminArticle) -> AppResult<Outcome> {
    if !user.can_publish_in(a.article.channel_id) {
        return Ok(Outcome::Denied);
    }
    if !editorial::trash(&state.db, a.article.id).await? {
        return Ok(Outcome::Refused("这篇文章已经在回收站中。"));
    }
    audit::record(
        &state.db,
        &user.actor(),
        "删除",
        &object(a),
        Logged::Ok,
        "移入回收站",
    )
    .await?;
    Ok(Outcome::Done("trashed"))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ReasonForm {
    reason: String,
}

#[derive(Deserialize, Default)]
struct Empty {}

async fn submit_article(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    let a = load_visible(&state, &user, id).await?;
    if !user.can_edit(&a.reference()) {
        return Outcome::Denied.answer(id);
    }
    if !editorial::transition(&state.db, id, &[Status::Draft], Status::Pending, "", None).await? {
        return Outcome::Refused("只有草稿可以提交审核。").answer(id);
    }
    audit::record(
        &state.db,
        &user.actor(),
        "提交审核",
        &object(&a),
        Logged::Ok,
        "",
    )
    .await?;
    Outcome::Done("submitted").answer(id)
}

async fn publish_article(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    let a = load_visible(&state, &user, id).await?;
    publish(&state, &user, &a, None).await?.answer(id)
}

async fn return_article(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<ReasonForm>,
) -> AppResult<Response> {
    let a = load_visible(&state, &user, id).await?;
    if !user.can_publish_in(a.article.channel_id) {
        return Outcome::Denied.answer(id);
    }
    let reason: String = form.reason.trim().chars().take(500).collect();
    if reason.is_empty() {
        return Outcome::Refused("退回时请写明理由，作者会看到它。").answer(id);
    }
    if !editorial::transition(
        &state.db,
        id,
        &[Status::Pending],
        Status::Draft,
        &reason,
        None,
    )
    .await?
    {
        return Outcome::Refused("只有待审核的文章可以退回。").answer(id);
    }
    audit::record(
        &state.db,
        &user.actor(),
        "退回",
        &object(&a),
        Logged::Ok,
        &format!("理由：{reason}"),
    )
    .await?;
    Ok(view::see_other(
        "/admin/articles?status=pending&msg=returned",
    ))
}

async fn unpublish_article(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    let a = load_visible(&state, &user, id).await?;
    if !user.can_publish_in(a.article.channel_id) {
        return Outcome::Denied.answer(id);
    }
    let from = [Status::Published, Status::Scheduled];
    if !editorial::transition(&state.db, id, &from, Status::Draft, "", None).await? {
        return Outcome::Refused("只有已发布或定时发布的文章可以下线。").answer(id);
    }
    audit::record(
        &state.db,
        &user.actor(),
        "下线",
        &object(&a),
        Logged::Ok,
        "",
    )
    .await?;
    Outcome::Done("unpublished").answer(id)
}

async fn confirm_trash(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let a = load_visible(&state, &user, id).await?;
    if !user.can_publish_in(a.article.channel_id) {
        return Err(denied());
    }
    view::confirm(
        &state,
        &user,
        "articles",
        "移入回收站",
        Confirm {
            question: format!("确定把《{}》移入回收站吗？", a.article.title),
            detail: "文章会立即从网站上消失；之后可以在回收站中恢复。".into(),
            action: format!("/admin/articles/{id}/trash"),
            button: "移入回收站",
            cancel: format!("/admin/articles/{id}"),
        },
    )
    .await
}

async fn trash_article(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    let a = load_visible(&state, &user, id).await?;
    trash(&state, &user, &a).await?.answer(id)
}

async fn restore_article(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    let a = load_visible(&state, &user, id).await?;
    if !user.can_publish_in(a.article.channel_id) {
        return Outcome::Denied.answer(id);
    }
    if !editorial::restore(&state.db, id).await? {
        return Outcome::Refused("这篇文章不在回收站中。").answer(id);
    }
    audit::record(
        &state.db,
        &user.actor(),
        "恢复",
        &object(&a),
        Logged::Ok,
        "从回收站恢复为草稿",
    )
    .await?;
    Outcome::Done("restored").answer(id)
}

async fn confirm_purge(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let a = load_visible(&state, &user, id).await?;
    if a.article.status != Status::Trashed {
        return Err(AppError::BadRequest(
            "只能彻底删除回收站中的文章，请先移入回收站。".into(),
        ));
    }
    view::confirm(
        &state,
        &user,
        "trash",
        "彻底删除",
        Confirm {
            question: format!("确定彻底删除《{}》吗？", a.article.title),
            detail: "文章及其全部修订记录将被永久删除，无法恢复。".into(),
            action: format!("/admin/articles/{id}/purge"),
            button: "彻底删除",
            cancel: "/admin/trash".into(),
        },
    )
    .await
}

async fn purge_article(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    let a = load_visible(&state, &user, id).await?;
    if !editorial::purge(&state.db, id).await? {
        return Outcome::Refused("只能彻底删除回收站中的文章，请先移入回收站。").answer(id);
    }
    audit::record(
        &state.db,
        &user.actor(),
        "彻底删除",
        &object(&a),
        Logged::Ok,
        "",
    )
    .await?;
    Ok(view::see_other("/admin/trash?msg=purged"))
}
