//! The staff side of 秘书长信箱 (管理员 and 信箱管理): the inbox with its
//! filters (status, overdue, mine), one letter with its internal notes, and
//! the actions on it — assign, set the status, add a note, reply to the
//! writer, put it on the public board or take it off. Every action is
//! written to the 操作日志. Letters are shown as text, never as HTML.
//! Statistics, export and settings are in [`super::mailbox_report`].

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::articles::Choice;
use super::view::{self, AdminPage, Flash, Notice, Pager};
use super::{AdminRoutes, CsrfForm, CurrentUser};
use crate::app::AppState;
use crate::assets;
use crate::auth::Perm;
use crate::db::audit::{self, Outcome};
use crate::db::letters::{self, Filter, Letter};
use crate::db::{self};
use crate::error::{AppError, AppResult};
use crate::mailbox::{self, MAX_REPLY, Status, clean_text};

/// Routes of this file.
pub fn router() -> AdminRoutes {
    AdminRoutes::new()
        .get("/admin/mailbox", Perm::Mailbox, list_letters)
        .get("/admin/mailbox/{id}", Perm::Mailbox, show_letter)
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

async fn load(state: &AppState, id: i64) -> AppResult<Letter> {
    letters::get(&state.db, id).await?.ok_or(AppError::NotFound)
}

async fn detail(
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
