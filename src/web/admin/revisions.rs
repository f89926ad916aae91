//! Revisions of an article: the list (who saved, when, why), a comparison
//! of any two (changed fields side by side, the body as a readable diff),
//! and restoring one, which is itself saved as a new revision.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::view::{self, AdminPage, Notice};
use super::workflow::load_visible;
use super::{AdminRoutes, CsrfForm, CurrentUser};
use crate::app::AppState;
use crate::auth::{Access, Perm};
use crate::db::channels::ChannelTree;
use crate::db::revisions::{self, RevisionInfo};
use crate::editorial::{self, Action, ArticleFields, fields};
use crate::error::{AppError, AppResult};
use crate::revisions::diff::{BodyDiff, diff_bodies};

/// Routes of this file.
pub fn router() -> AdminRoutes {
    AdminRoutes::new()
        .get(
            "/admin/articles/{id}/revisions",
            Perm::Write,
            list_revisions,
        )
        .get(
            "/admin/articles/{id}/revisions/{rev}",
            Perm::Write,
            show_revision,
        )
        .post(
            "/admin/articles/{id}/revisions/{rev}/restore",
            Perm::Write,
            restore_revision,
        )
}

#[derive(Serialize)]
struct RevisionLine {
    id: i64,
    time: String,
    user_name: String,
    note: String,
    title: String,
    previous: Option<i64>,
}

#[derive(Serialize)]
struct ListPage {
    id: i64,
    title: String,
    revisions: Vec<RevisionLine>,
    can_restore: bool,
}

async fn list_revisions(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Notice(flash): Notice,
) -> AppResult<Response> {
    let a = load_visible(&state, &user, id).await?;
    let list = revisions::list(&state.db, id).await?;
    let lines = list
        .iter()
        .enumerate()
        .map(|(i, r)| RevisionLine {
            id: r.id,
            time: view::datetime(r.created_at),
            user_name: r.user_name.clone(),
            note: r.note.clone(),
            title: r.title.clone(),
            previous: list.get(i + 1).map(|p| p.id),
        })
        .collect();
    view::render(
        &state,
        AdminPage {
            user: Some(&user),
            active: "articles",
            title: &format!("修订记录：{}", a.article.title),
            flash,
        },
        "admin/revisions.html",
        ListPage {
            id,
            title: a.article.title.clone(),
            revisions: lines,
            can_restore: user.can_edit(&a.reference()),
        },
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CompareQuery {
    against: String,
}

#[derive(Serialize)]
struct FieldChange {
    name: &'static str,
    before: String,
    after: String,
}

#[derive(Serialize)]
struct ComparePage {
    id: i64,
    rev: RevisionView,
    against: Option<RevisionView>,
    changes: Vec<FieldChange>,
    diff: Option<BodyDiff>,
    body_html: String,
    can_restore: bool,
}

#[derive(Serialize)]
struct RevisionView {
    id: i64,
    time: String,
    user_name: String,
    note: String,
}

impl RevisionView {
    fn of(r: &RevisionInfo) -> RevisionView {
        RevisionView {
            id: r.id,
            time: view::datetime(r.created_at),
            user_name: r.user_name.clone(),
            note: r.note.clone(),
        }
    }
}

fn changes(tree: &ChannelTree, a: &ArticleFields, b: &ArticleFields) -> Vec<FieldChange> {
    let channel = |id: i64| tree.get(id).map_or(format!("#{id}"), |c| c.name.clone());
    fields::changed(a, b, &channel)
        .into_iter()
        .map(|(name, before, after)| FieldChange {
            name,
            before,
            after,
        })
        .collect()
}

async fn show_revision(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, rev)): Path<(i64, i64)>,
    Query(q): Query<CompareQuery>,
) -> AppResult<Response> {
    let a = load_visible(&state, &user, id).await?;
    let (info, content) = revisions::get(&state.db, id, rev)
        .await?
        .ok_or(AppError::NotFound)?;
    let against = match q.against.parse::<i64>() {
        Ok(other) => Some(
            revisions::get(&state.db, id, other)
                .await?
                .ok_or(AppError::NotFound)?,
        ),
        Err(_) => None,
    };
    let tree = ChannelTree::load(&state.db).await?;
    let (changes, diff) = match &against {
        Some((_, before)) => {
            // Diffing two long bodies is CPU work: the bounded pool.
            let (old, new) = (before.body_html.clone(), content.body_html.clone());
            let diff = crate::cpu::run(move || diff_bodies(&old, &new).folded(2)).await?;
            (changes(&tree, before, &content), Some(diff))
        }
        None => (Vec::new(), None),
    };
    view::render(
        &state,
        AdminPage {
            user: Some(&user),
            active: "articles",
            title: &format!("修订 #{rev}：{}", info.title),
            flash: None,
        },
        "admin/revision.html",
        ComparePage {
            id,
            rev: RevisionView::of(&info),
            against: against.as_ref().map(|(i, _)| RevisionView::of(i)),
            changes,
            diff,
            body_html: content.body_html.clone(),
            can_restore: user.can_edit(&a.reference()),
        },
    )
    .await
}

#[derive(Deserialize, Default)]
struct Empty {}

async fn restore_revision(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, rev)): Path<(i64, i64)>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    load_visible(&state, &user, id).await?;
    let action = Action::RestoreRevision { id, rev };
    editorial::apply(&state.db, &user.principal(), action).await?;
    if let Some(a) = crate::db::editorial::get(&state.db, id).await? {
        crate::media::link_article(&state.db, id, &a.article.body_html).await?;
    }
    Ok(view::see_other(&format!(
        "/admin/articles/{id}/revisions?msg=revision_restored"
    )))
}
