//! The editorial workflow's pages: 草稿 → 待审核 → 已发布 (or 定时发布),
//! returning with a reason the writer sees, taking down, and the recycle
//! bin (trash, restore, purge). Each handler parses the request and calls
//! `editorial::apply`, which holds the rules. Destructive steps have a
//! confirmation page (GET, which changes nothing) before the POST.

use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;

use super::view::{self, Confirm};
use super::{AdminRoutes, CsrfForm, CurrentUser};
use crate::app::AppState;
use crate::auth::{Access, Perm};
use crate::db::articles::Status;
use crate::db::editorial::{self as db_editorial, AdminArticle};
use crate::editorial::{self, Action, rules::Step};
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

/// The answer to a refused or failed action.
impl From<editorial::Error> for AppError {
    fn from(e: editorial::Error) -> AppError {
        match e {
            editorial::Error::Missing => AppError::NotFound,
            editorial::Error::Denied => denied(),
            editorial::Error::Refused(why) => AppError::BadRequest(why),
            editorial::Error::Conflict(_) => AppError::BadRequest(
                "这篇文章在您打开之后已被他人修改，请重新打开后再保存。".into(),
            ),
            editorial::Error::Other(e) => AppError::Internal(e),
        }
    }
}

/// The 403 for an article outside the user's reach.
pub fn denied() -> AppError {
    AppError::Forbidden(
        "您没有处理这篇文章的权限（编辑只能处理所负责栏目的文章，撰稿只能处理自己的草稿）。".into(),
    )
}

/// Loads an article the user may at least see: 404 when missing, 403 when
/// outside their reach.
pub async fn load_visible(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
) -> AppResult<AdminArticle> {
    let a = db_editorial::get(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !user.can_view(&a.reference()) {
        return Err(denied());
    }
    Ok(a)
}

/// Applies one action on an article the user may see and answers with the
/// article's page and the notice.
async fn act(state: &AppState, user: &CurrentUser, id: i64, action: Action) -> AppResult<Response> {
    load_visible(state, user, id).await?;
    let done = editorial::apply(&state.db, &user.principal(), action).await?;
    Ok(view::see_other(&format!(
        "/admin/articles/{id}?msg={}",
        done.notice
    )))
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
    act(&state, &user, id, Action::Submit(id)).await
}

async fn publish_article(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    act(&state, &user, id, Action::Publish { id, at: None }).await
}

async fn return_article(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<ReasonForm>,
) -> AppResult<Response> {
    load_visible(&state, &user, id).await?;
    let action = Action::Return {
        id,
        reason: form.reason,
    };
    editorial::apply(&state.db, &user.principal(), action).await?;
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
    act(&state, &user, id, Action::Unpublish(id)).await
}

async fn confirm_trash(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let a = load_visible(&state, &user, id).await?;
    if !Step::Trash.permitted(&user, &a.reference()) {
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
    act(&state, &user, id, Action::Trash(id)).await
}

async fn restore_article(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    act(&state, &user, id, Action::Restore(id)).await
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
    load_visible(&state, &user, id).await?;
    editorial::apply(&state.db, &user.principal(), Action::Purge(id)).await?;
    Ok(view::see_other("/admin/trash?msg=purged"))
}
