//! The dashboard (后台首页): what waits for this user. Writers see their
//! drafts and what came back from review; editors and reviewers also see
//! the review queue and what is scheduled in their channels; admins see
//! the latest entries of the 操作日志, everyone else their own.

use axum::extract::State;
use axum::response::Response;
use serde::Serialize;

use super::articles::{ArticleLine, lines, scope_of};
use super::audit::EntryView;
use super::view::{self, AdminPage, Notice};
use super::{AdminRoutes, CurrentUser};
use crate::app::AppState;
use crate::auth::{Perm, Role};
use crate::db::articles::Status;
use crate::db::audit;
use crate::db::channels::ChannelTree;
use crate::db::editorial::{self, ListFilter, Review, Scope};
use crate::error::AppResult;

/// Routes of this file.
pub fn router() -> AdminRoutes {
    AdminRoutes::new().get("/admin", Perm::Dashboard, show_dashboard)
}

#[derive(Serialize)]
struct Block {
    total: i64,
    items: Vec<ArticleLine>,
}

#[derive(Serialize)]
struct DashboardPage {
    writes: bool,
    publishes: bool,
    drafts: Block,
    pending: Block,
    scheduled: Block,
    /// Published articles whose 复核日期 has passed, and those due soon.
    review_overdue: Block,
    review_due: Block,
    activity: Vec<EntryView>,
    activity_is_all: bool,
    letters: Option<super::mailbox::DashboardLetters>,
    backup_failed: Option<String>,
}

async fn block(state: &AppState, tree: &ChannelTree, f: ListFilter) -> AppResult<Block> {
    let (rows, total) = editorial::list(&state.db, &f, 0, 8).await?;
    Ok(Block {
        total,
        items: lines(tree, &rows),
    })
}

async fn show_dashboard(
    State(state): State<AppState>,
    user: CurrentUser,
    Notice(flash): Notice,
) -> AppResult<Response> {
    let tree = ChannelTree::load(&state.db).await?;
    let writes = user.role.has(Perm::Write);
    let publishes = user.role.has(Perm::Publish);
    let empty = || Block {
        total: 0,
        items: Vec::new(),
    };
    let drafts = if writes {
        block(
            &state,
            &tree,
            ListFilter {
                ids: None,
                scope: Scope::Own(user.id),
                status: Some(Status::Draft),
                ..ListFilter::default()
            },
        )
        .await?
    } else {
        empty()
    };
    let (pending, scheduled) = if publishes {
        let scope = scope_of(&user);
        (
            block(
                &state,
                &tree,
                ListFilter {
                    ids: None,
                    scope: scope.clone(),
                    status: Some(Status::Pending),
                    ..ListFilter::default()
                },
            )
            .await?,
            block(
                &state,
                &tree,
                ListFilter {
                    ids: None,
                    scope,
                    status: Some(Status::Scheduled),
                    ..ListFilter::default()
                },
            )
            .await?,
        )
    } else {
        (empty(), empty())
    };
    let (review_overdue, review_due) = if publishes {
        let review = |r| ListFilter {
            scope: scope_of(&user),
            review: Some(r),
            ..ListFilter::default()
        };
        (
            block(&state, &tree, review(Review::Overdue)).await?,
            block(&state, &tree, review(Review::Due)).await?,
        )
    } else {
        (empty(), empty())
    };
    // New letters show here whether or not they are also sent by e-mail.
    let letters = if user.role.has(Perm::Mailbox) {
        Some(super::mailbox::dashboard_block(&state).await?)
    } else {
        None
    };
    let activity_is_all = user.role == Role::Admin;
    let entries = if activity_is_all {
        audit::recent(&state.db, 10).await?
    } else {
        audit::recent_by(&state.db, user.id, 10).await?
    };
    view::render(
        &state,
        AdminPage {
            user: Some(&user),
            active: "dashboard",
            title: "后台首页",
            flash,
        },
        "admin/dashboard.html",
        DashboardPage {
            writes,
            publishes,
            drafts,
            pending,
            scheduled,
            review_overdue,
            review_due,
            activity: entries.iter().map(EntryView::new).collect(),
            activity_is_all,
            letters,
            backup_failed: if user.role == Role::Admin {
                super::backups::failed_notice(&state).await?
            } else {
                None
            },
        },
    )
    .await
}
