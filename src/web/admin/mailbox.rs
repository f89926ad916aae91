//! The staff side of 秘书长信箱 (管理员 and 信箱管理): the inbox with its
//! filters (status, overdue, mine), one letter with its internal notes, and
//! the dashboard's block of new letters. The actions on a letter are in
//! [`super::mailbox_actions`]; statistics, export and settings in
//! [`super::mailbox_report`]. Letters are shown as text, never as HTML.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::articles::Choice;
use super::view::{self, AdminPage, Flash, Notice, Pager};
use super::{AdminRoutes, CurrentUser};
use crate::app::AppState;
use crate::assets;
use crate::auth::Perm;
use crate::db::letters::{self, Filter, Letter};
use crate::db::{self};
use crate::error::{AppError, AppResult};
use crate::mailbox::{self, Status};

/// Routes of this file.
pub fn router() -> AdminRoutes {
    AdminRoutes::new()
        .get("/admin/mailbox", Perm::Mailbox, list_letters)
        .get("/admin/mailbox/{id}", Perm::Mailbox, show_letter)
}

/// Letters per inbox page.
const PER_PAGE: i64 = 20;

/// A letter as the inbox lists it.
#[derive(Debug, Serialize)]
pub struct LetterLine {
    /// Row id.
    pub id: i64,
    /// Number.
    pub number: String,
    /// Subject.
    pub subject: String,
    /// Writer.
    pub name: String,
    /// Category.
    pub category: &'static str,
    /// Status key.
    pub status: &'static str,
    /// Status label.
    pub status_label: &'static str,
    /// Assignee ("" when none).
    pub assignee: String,
    /// Arrival.
    pub time: String,
    /// Deadline.
    pub due: String,
    /// Whether the deadline passed without a reply.
    pub overdue: bool,
    /// Whether it is on the board.
    pub published: bool,
}

impl LetterLine {
    /// The line of a letter as of `now`.
    pub fn new(l: &Letter, now: i64) -> LetterLine {
        LetterLine {
            id: l.id,
            number: l.number.clone(),
            subject: l.subject.clone(),
            name: l.name.clone(),
            category: l.category.label(),
            status: l.status.as_str(),
            status_label: l.status.label(),
            assignee: l.assignee_name.clone(),
            time: view::datetime(l.created_at),
            due: view::datetime(l.due_at),
            overdue: l.overdue(now),
            published: l.published,
        }
    }
}

/// The inbox's filters as the query string carries them.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct InboxQuery {
    /// Status key.
    pub status: String,
    /// "1": only overdue letters.
    pub overdue: String,
    /// "1": only letters assigned to me.
    pub mine: String,
    /// Page.
    pub page: Option<i64>,
}

impl InboxQuery {
    /// The storage filter for a user at a time.
    pub fn filter(&self, user: &CurrentUser, now: i64) -> Filter {
        Filter {
            status: Status::parse(&self.status),
            overdue_at: (self.overdue == "1").then_some(now),
            assignee: (self.mine == "1").then_some(user.id),
        }
    }

    /// The query string of the filters (for the pager and the export).
    pub fn query_string(&self) -> String {
        serde_urlencoded::to_string([
            ("status", self.status.as_str()),
            ("overdue", self.overdue.as_str()),
            ("mine", self.mine.as_str()),
        ])
        .unwrap_or_default()
    }
}

#[derive(Serialize)]
struct InboxPage {
    mailbox_css: String,
    items: Vec<LetterLine>,
    statuses: Vec<Choice>,
    overdue: bool,
    mine: bool,
    filters: String,
    counts: Vec<(String, &'static str, i64)>,
    pager: Pager,
    is_admin: bool,
}

fn status_choices(selected: &str) -> Vec<Choice> {
    Status::ALL
        .iter()
        .map(|s| Choice {
            value: s.as_str().into(),
            label: s.label().into(),
            selected: s.as_str() == selected,
        })
        .collect()
}

async fn list_letters(
    State(state): State<AppState>,
    user: CurrentUser,
    Notice(flash): Notice,
    Query(q): Query<InboxQuery>,
) -> AppResult<Response> {
    let now = db::now();
    let page = q.page.unwrap_or(1).max(1);
    let (rows, total) = letters::list(
        &state.db,
        &q.filter(&user, now),
        (page - 1) * PER_PAGE,
        PER_PAGE,
    )
    .await?;
    let filters = q.query_string();
    let counts = letters::count_by_status(&state.db)
        .await?
        .into_iter()
        .map(|(s, n)| {
            (
                format!("/admin/mailbox?status={}", s.as_str()),
                s.label(),
                n,
            )
        })
        .collect();
    view::render(
        &state,
        AdminPage {
            user: Some(&user),
            active: "mailbox",
            title: "秘书长信箱",
            flash,
        },
        "admin/mailbox.html",
        InboxPage {
            mailbox_css: assets::url("admin/mailbox.css"),
            items: rows.iter().map(|l| LetterLine::new(l, now)).collect(),
            statuses: status_choices(&q.status),
            overdue: q.overdue == "1",
            mine: q.mine == "1",
            pager: Pager::new(&format!("/admin/mailbox?{filters}&"), page, PER_PAGE, total),
            filters,
            counts,
            is_admin: user.role == crate::auth::Role::Admin,
        },
    )
    .await
}

#[derive(Serialize)]
struct NoteView {
    author: String,
    time: String,
    body: String,
}

#[derive(Serialize)]
struct DetailPage {
    mailbox_css: String,
    letter: LetterLine,
    phone: String,
    email: String,
    body: String,
    publish_ok: bool,
    masked_name: String,
    /// Set when the reply names the writer while the board masks the name.
    name_warning: Option<String>,
    reply: String,
    replied: String,
    replied_by: String,
    notified: String,
    can_publish: bool,
    staff: Vec<Choice>,
    statuses: Vec<Choice>,
    notes: Vec<NoteView>,
    note_draft: String,
}

pub(crate) async fn load(state: &AppState, id: i64) -> AppResult<Letter> {
    letters::get(&state.db, id).await?.ok_or(AppError::NotFound)
}

pub(crate) async fn detail(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    status: StatusCode,
    flash: Option<Flash>,
    drafts: (Option<String>, Option<String>),
) -> AppResult<Response> {
    let l = load(state, id).await?;
    let now = db::now();
    let mut staff = vec![Choice {
        value: String::new(),
        label: "（未分配）".into(),
        selected: l.assignee_id.is_none(),
    }];
    staff.extend(
        letters::staff(&state.db)
            .await?
            .into_iter()
            .map(|s| Choice {
                selected: Some(s.id) == l.assignee_id,
                value: s.id.to_string(),
                label: s.name,
            }),
    );
    let notes = letters::notes(&state.db, id)
        .await?
        .into_iter()
        .map(|n| NoteView {
            author: n.author_name,
            time: view::datetime(n.created_at),
            body: n.body,
        })
        .collect();
    let (reply_draft, note_draft) = drafts;
    let title = format!("来信 {}", l.number);
    view::render_status(
        state,
        status,
        AdminPage {
            user: Some(user),
            active: "mailbox",
            title: &title,
            flash,
        },
        "admin/mailbox_letter.html",
        DetailPage {
            mailbox_css: assets::url("admin/mailbox.css"),
            letter: LetterLine::new(&l, now),
            phone: l.phone.clone(),
            email: l.email.clone(),
            body: l.body.clone(),
            publish_ok: l.publish_ok,
            masked_name: mailbox::mask_name(&l.name),
            name_warning: mailbox::naming::reply_names_writer(
                &l.name,
                reply_draft.as_deref().unwrap_or(&l.reply),
                l.publish_ok,
            ),
            reply: reply_draft.unwrap_or_else(|| l.reply.clone()),
            replied: l.replied_at.map(view::datetime).unwrap_or_default(),
            replied_by: l.replied_by.clone(),
            notified: l.notified_at.map(view::datetime).unwrap_or_default(),
            can_publish: l.publish_ok && !l.reply.is_empty() && !l.published,
            staff,
            statuses: status_choices(l.status.as_str()),
            notes,
            note_draft: note_draft.unwrap_or_default(),
        },
    )
    .await
}

async fn show_letter(
    State(state): State<AppState>,
    user: CurrentUser,
    Notice(flash): Notice,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    detail(&state, &user, id, StatusCode::OK, flash, (None, None)).await
}

/// The dashboard's block: letters waiting, the newest first.
#[derive(Debug, Serialize)]
pub struct DashboardLetters {
    /// 待处理 letters.
    pub new: i64,
    /// Overdue letters.
    pub overdue: i64,
    /// The newest letters still owed a reply.
    pub items: Vec<LetterLine>,
    /// Whether new letters are also sent by e-mail.
    pub emailed: bool,
}

/// The mailbox block of the dashboard.
pub async fn dashboard_block(state: &AppState) -> AppResult<DashboardLetters> {
    let now = db::now();
    let new = Filter {
        status: Some(Status::New),
        ..Filter::default()
    };
    let (items, count) = letters::list(&state.db, &new, 0, 5).await?;
    let overdue = Filter {
        overdue_at: Some(now),
        ..Filter::default()
    };
    let (_, overdue) = letters::list(&state.db, &overdue, 0, 1).await?;
    Ok(DashboardLetters {
        new: count,
        overdue,
        items: items.iter().map(|l| LetterLine::new(l, now)).collect(),
        emailed: crate::mailbox::notify::Smtp::of(&state.config).is_some(),
    })
}
