//! Revisions of an article: the list (who saved, when, why), a comparison
//! of any two (changed fields side by side, the body as a readable diff),
//! and restoring one, which is itself saved as a new revision.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::view::{self, AdminPage, Notice};
use super::workflow::{denied, load_visible, object};
use super::{AdminRoutes, CsrfForm, CurrentUser};
use crate::app::AppState;
use crate::auth::{Access, Perm};
use crate::db::audit::{self, Outcome};
use crate::db::channels::ChannelTree;
use crate::db::editorial::{self, EditInput};
use crate::db::revisions::{self, RevisionInfo};
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

fn changes(tree: &ChannelTree, a: &EditInput, b: &EditInput) -> Vec<FieldChange> {
    let channel = |id: i64| tree.get(id).map_or(format!("#{id}"), |c| c.name.clone());
    let flag = |on: bool| if on { "是" } else { "否" }.to_string();
    let time = |t: Option<i64>| t.map(view::datetime).unwrap_or_else(|| "—".into());
    let pairs: [(&'static str, String, String); 13] = [
        ("标题", a.title.clone(), b.title.clone()),
        ("副标题", a.subtitle.clone(), b.subtitle.clone()),
        ("栏目", channel(a.channel_id), channel(b.channel_id)),
        ("来源", a.source.clone(), b.source.clone()),
        ("作者", a.author.clone(), b.author.clone()),
        ("编辑", a.editor.clone(), b.editor.clone()),
        ("摘要", a.summary.clone(), b.summary.clone()),
        ("封面", a.cover.clone(), b.cover.clone()),
        ("置顶", flag(a.is_pinned), flag(b.is_pinned)),
        ("推荐", flag(a.is_recommended), flag(b.is_recommended)),
        ("头条", flag(a.is_headline), flag(b.is_headline)),
        (
            "发布时间",
            time(Some(a.published_at)),
            time(Some(b.published_at)),
        ),
        ("下线时间", time(a.unpublish_at), time(b.unpublish_at)),
    ];
    pairs
        .into_iter()
        .filter(|(_, x, y)| x != y)
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
    let a = load_visible(&state, &user, id).await?;
    if !user.can_edit(&a.reference()) {
        return Err(denied());
    }
    let (_, mut content) = revisions::get(&state.db, id, rev)
        .await?
        .ok_or(AppError::NotFound)?;
    let tree = ChannelTree::load(&state.db).await?;
    if tree.get(content.channel_id).is_none() || !user.can_write_in(content.channel_id) {
        // The old channel is gone or not the user's: keep today's channel.
        content.channel_id = a.article.channel_id;
    }
    // What is stored was sanitized when saved; sanitizing again is a no-op
    // unless the allow-list has since become stricter.
    let stored = std::mem::take(&mut content.body_html);
    content.body_html = crate::cpu::run(move || crate::html::sanitize(&stored)).await?;
    editorial::update(
        &state.db,
        id,
        &content,
        a.article.status,
        &user.actor(),
        &format!("恢复自修订 #{rev}"),
    )
    .await?;
    crate::media::link_article(&state.db, id, &content.body_html).await?;
    audit::record(
        &state.db,
        &user.actor(),
        "恢复修订",
        &object(&a),
        Outcome::Ok,
        &format!("修订 #{rev}"),
    )
    .await?;
    Ok(view::see_other(&format!(
        "/admin/articles/{id}/revisions?msg=revision_restored"
    )))
}
