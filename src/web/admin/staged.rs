//! The pages of staged edits: the difference between the live version of
//! a published article and its pending version (what the reviewer checks),
//! approving it (now or at a later time) and discarding it. The rules are
//! in `editorial::staged`; these handlers parse and render.

use axum::extract::{Path, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::view::{self, AdminPage};
use super::workflow::load_visible;
use super::{AdminRoutes, CsrfForm, CurrentUser};
use crate::app::AppState;
use crate::auth::Perm;
use crate::db::channels::ChannelTree;
use crate::db::pending;
use crate::editorial::rules::{self, Step};
use crate::editorial::{self, Action, fields};
use crate::error::{AppError, AppResult};
use crate::revisions::diff::{BodyDiff, diff_bodies};

/// Routes of this file.
pub fn router() -> AdminRoutes {
    AdminRoutes::new()
        .get("/admin/articles/{id}/pending", Perm::Write, show_pending)
        .post("/admin/articles/{id}/approve", Perm::Publish, approve)
        .post("/admin/articles/{id}/discard", Perm::Write, discard)
}

#[derive(Serialize)]
struct Change {
    name: &'static str,
    before: String,
    after: String,
}

#[derive(Serialize)]
struct PendingPage {
    id: i64,
    title: String,
    user_name: String,
    saved: String,
    submitted: bool,
    go_live: Option<String>,
    changes: Vec<Change>,
    diff: BodyDiff,
    can_approve: bool,
    can_discard: bool,
}

async fn show_pending(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let a = load_visible(&state, &user, id).await?;
    let p = pending::get(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let tree = ChannelTree::load(&state.db).await?;
    let channel = |c: i64| tree.get(c).map_or(format!("#{c}"), |c| c.name.clone());
    let changes = fields::changed(&a.article.fields, &p.fields, &channel)
        .into_iter()
        .map(|(name, before, after)| Change {
            name,
            before,
            after,
        })
        .collect();
    // Diffing two long bodies is CPU work: the bounded pool.
    let (old, new) = (a.article.body_html.clone(), p.fields.body_html.clone());
    let diff = crate::cpu::run(move || diff_bodies(&old, &new).folded(2)).await?;
    let r = a.reference();
    view::render(
        &state,
        AdminPage {
            user: Some(&user),
            active: "articles",
            title: &format!("待审核的修改：{}", a.article.title),
            flash: None,
        },
        "admin/pending.html",
        PendingPage {
            id,
            title: a.article.title.clone(),
            user_name: p.user_name.clone(),
            saved: view::datetime(p.updated_at),
            submitted: p.submitted,
            go_live: p.go_live_at.map(view::datetime),
            changes,
            diff,
            can_approve: rules::may(&user, Step::Approve, &r),
            can_discard: rules::may(&user, Step::Discard, &r),
        },
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ApproveForm {
    /// A later time for the change to go live (blank: now).
    at: String,
}

async fn approve(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<ApproveForm>,
) -> AppResult<Response> {
    load_visible(&state, &user, id).await?;
    let at = if f.at.trim().is_empty() {
        None
    } else {
        Some(view::parse_local(&f.at).ok_or_else(|| {
            AppError::BadRequest("生效时间格式不对，应为 2026-01-31 09:30。".into())
        })?)
    };
    let done = editorial::apply(&state.db, &user.principal(), Action::Approve { id, at }).await?;
    if let Some(a) = crate::db::editorial::get(&state.db, id).await? {
        crate::media::link_article(&state.db, id, &a.article.body_html).await?;
    }
    Ok(view::see_other(&format!(
        "/admin/articles/{id}?msg={}",
        done.notice
    )))
}

#[derive(Deserialize, Default)]
struct Empty {}

async fn discard(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    load_visible(&state, &user, id).await?;
    let done = editorial::apply(&state.db, &user.principal(), Action::Discard(id)).await?;
    Ok(view::see_other(&format!(
        "/admin/articles/{id}?msg={}",
        done.notice
    )))
}
