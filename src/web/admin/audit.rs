//! The 操作日志 page for admins: filter by person, action, result, dates and
//! text; newest first, 50 a page.

use axum::extract::{Query, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::articles::Choice;
use super::view::{self, AdminPage, Pager};
use super::{AdminRoutes, CurrentUser};
use crate::app::AppState;
use crate::auth::Perm;
use crate::db::audit::{self, Entry, Filter, Outcome};
use crate::error::AppResult;

/// Routes of this file.
pub fn router() -> AdminRoutes {
    AdminRoutes::new().get("/admin/audit", Perm::Admin, list_audit)
}

/// One entry as pages show it.
#[derive(Debug, Serialize)]
pub struct EntryView {
    /// `2026-11-26 09:30`.
    pub time: String,
    /// Who.
    pub actor: String,
    /// From where.
    pub ip: String,
    /// What.
    pub action: String,
    /// To what.
    pub object: String,
    /// 成功 / 失败 / 拒绝.
    pub outcome: &'static str,
    /// `ok`, `failed`, `denied`.
    pub outcome_key: &'static str,
    /// More.
    pub detail: String,
}

impl EntryView {
    /// The view of a stored entry.
    pub fn new(e: &Entry) -> EntryView {
        EntryView {
            time: view::datetime(e.at),
            actor: e.actor_name.clone(),
            ip: e.ip.clone(),
            action: e.action.clone(),
            object: e.object.clone(),
            outcome: e.outcome.label(),
            outcome_key: e.outcome.as_str(),
            detail: e.detail.clone(),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AuditQuery {
    actor: String,
    action: String,
    result: String,
    from: String,
    to: String,
    q: String,
    page: String,
}

#[derive(Serialize)]
struct AuditPage {
    entries: Vec<EntryView>,
    pager: Pager,
    actions: Vec<Choice>,
    results: Vec<Choice>,
    actor: String,
    from: String,
    to: String,
    q: String,
    retention_days: i64,
}

const PER_PAGE: i64 = 50;

fn some(s: &str) -> Option<String> {
    Some(s.trim().to_string()).filter(|s| !s.is_empty())
}

async fn list_audit(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<AuditQuery>,
) -> AppResult<Response> {
    let outcome = Outcome::parse(&q.result);
    let filter = Filter {
        actor: some(&q.actor),
        action: some(&q.action),
        outcome,
        from: view::parse_local(&q.from),
        to: view::parse_local(&q.to).map(|t| t + 86_400),
        text: some(&q.q),
    };
    let page = q.page.parse::<i64>().unwrap_or(1).clamp(1, 1_000_000);
    let (entries, total) = audit::list(&state.db, &filter, (page - 1) * PER_PAGE, PER_PAGE).await?;
    let enc = crate::web::site::layout::encode_query;
    let base = format!(
        "/admin/audit?actor={}&action={}&result={}&from={}&to={}&q={}&",
        enc(&q.actor),
        enc(&q.action),
        enc(&q.result),
        enc(&q.from),
        enc(&q.to),
        enc(&q.q)
    );
    let actions = audit::actions(&state.db)
        .await?
        .into_iter()
        .map(|a| Choice {
            selected: a == q.action,
            label: a.clone(),
            value: a,
        })
        .collect();
    let results = [Outcome::Ok, Outcome::Failed, Outcome::Denied]
        .into_iter()
        .map(|o| Choice {
            value: o.as_str().into(),
            label: o.label().into(),
            selected: outcome == Some(o),
        })
        .collect();
    view::render(
        &state,
        AdminPage {
            user: Some(&user),
            active: "audit",
            title: "操作日志",
            flash: None,
        },
        "admin/audit.html",
        AuditPage {
            entries: entries.iter().map(EntryView::new).collect(),
            pager: Pager::new(&base, page, PER_PAGE, total),
            actions,
            results,
            actor: q.actor.clone(),
            from: q.from.clone(),
            to: q.to.clone(),
            q: q.q.clone(),
            retention_days: audit::RETENTION_DAYS,
        },
    )
    .await
}
