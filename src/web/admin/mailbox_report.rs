//! The mailbox's statistics page (letters per month, category and status,
//! average time to reply, overdue letters) for a chosen period, the CSV
//! export of the inbox (a POST, so that it carries the CSRF token and is
//! written to the 操作日志: it holds writers' contact details), and the
//! mailbox settings (days to reply, letters per hour and address, who new
//! letters go to, and where each staff member is told of them).

use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, Duration, NaiveDate, TimeZone};
use chrono_tz::Asia::Shanghai;
use serde::{Deserialize, Serialize};

use super::articles::Choice;
use super::mailbox::InboxQuery;
use super::view::{self, AdminPage, Flash, Notice};
use super::{AdminRoutes, CsrfForm, CurrentUser, Pairs};
use crate::app::AppState;
use crate::assets;
use crate::auth::Perm;
use crate::csv_text;
use crate::db::audit::{self, Outcome};
use crate::db::{self, letters, settings};
use crate::error::AppResult;
use crate::mailbox::{guard, report};
use crate::web::site::mailbox::{DEFAULT_ASSIGNEE_KEY, REPLY_DAYS_KEY, reply_days};

/// Routes of this file.
pub fn router() -> AdminRoutes {
    AdminRoutes::new()
        .get("/admin/mailbox/report", Perm::Mailbox, show_report)
        .post("/admin/mailbox/export", Perm::Mailbox, export_letters)
        .get("/admin/mailbox/settings", Perm::Admin, show_settings)
        .post("/admin/mailbox/settings", Perm::Admin, save_settings)
}

/// A chosen period: `from` and `to` as typed (`2026-11-01`), inclusive.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Period {
    /// First day.
    pub from: String,
    /// Last day.
    pub to: String,
}

/// A period resolved to days.
#[derive(Debug, Clone, Copy)]
pub struct Days {
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
}

impl Days {
    /// Unix seconds of the start of `from` and the end of `to`, in Shanghai.
    pub fn bounds(&self) -> (i64, i64) {
        let start = |d: NaiveDate| {
            Shanghai
                .from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default())
                .earliest()
                .map(|t| t.timestamp())
                .unwrap_or(0)
        };
        (start(self.from), start(self.to + Duration::days(1)))
    }

    /// `yyyymmdd` of both ends.
    pub fn day_numbers(&self) -> (i64, i64) {
        let n = |d: NaiveDate| {
            i64::from(d.year()) * 10_000 + i64::from(d.month()) * 100 + i64::from(d.day())
        };
        (n(self.from), n(self.to))
    }

    /// Every day of the period.
    pub fn each(&self) -> Vec<NaiveDate> {
        self.from
            .iter_days()
            .take_while(|d| *d <= self.to)
            .collect()
    }
}

impl Period {
    /// The days meant, defaulting to the `default_days` up to today; an
    /// unreadable or reversed range gives the default and a message; a
    /// range is at most `max_days` long.
    pub fn resolve(&self, default_days: i64, max_days: i64) -> (Days, Option<String>) {
        let today = Shanghai
            .timestamp_opt(db::now(), 0)
            .single()
            .map(|t| t.date_naive())
            .unwrap_or_default();
        let parse = |s: &str| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok();
        let default = Days {
            from: today - Duration::days(default_days - 1),
            to: today,
        };
        if self.from.trim().is_empty() && self.to.trim().is_empty() {
            return (default, None);
        }
        let (Some(from), Some(to)) = (
            parse(&self.from).or(Some(default.from).filter(|_| self.from.trim().is_empty())),
            parse(&self.to).or(Some(today).filter(|_| self.to.trim().is_empty())),
        ) else {
            return (
                default,
                Some("日期格式应为 2026-11-26，已显示默认时间段。".into()),
            );
        };
        if from > to {
            return (
                default,
                Some("开始日期晚于结束日期，已显示默认时间段。".into()),
            );
        }
        if (to - from).num_days() >= max_days {
            let from = to - Duration::days(max_days - 1);
            return (
                Days { from, to },
                Some(format!("时间段最长 {max_days} 天，已从 {from} 起显示。")),
            );
        }
        (Days { from, to }, None)
    }
}

#[derive(Serialize)]
struct ReportPage {
    mailbox_css: String,
    from: String,
    to: String,
    report: report::Report,
    month_max: i64,
}

async fn show_report(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(p): Query<Period>,
) -> AppResult<Response> {
    let (days, problem) = p.resolve(365, 3660);
    let (from, to) = days.bounds();
    let rows = letters::report_rows(&state.db, from, to).await?;
    let report = report::compute(&rows, db::now());
    view::render(
        &state,
        AdminPage {
            user: Some(&user),
            active: "mailbox_report",
            title: "信箱统计",
            flash: problem.map(Flash::error),
        },
        "admin/mailbox_report.html",
        ReportPage {
            mailbox_css: assets::url("admin/mailbox.css"),
            from: days.from.to_string(),
            to: days.to.to_string(),
            month_max: report.by_month.iter().map(|c| c.n).max().unwrap_or(0),
            report,
        },
    )
    .await
}

/// The CSV of letters matching the inbox's filters.
async fn export_letters(
    State(state): State<AppState>,
    user: CurrentUser,
    CsrfForm(q): CsrfForm<InboxQuery>,
) -> AppResult<Response> {
    let now = db::now();
    let (rows, total) = letters::list(&state.db, &q.filter(&user, now), 0, 100_000).await?;
    let mut out = String::from(csv_text::BOM);
    out.push_str(&csv_text::row(&[
        "编号",
        "收信时间",
        "姓名",
        "电话",
        "电子邮箱",
        "主题",
        "类别",
        "内容",
        "同意公开",
        "状态",
        "承办人",
        "答复期限",
        "是否超期",
        "答复",
        "答复时间",
        "答复人",
        "已公开",
    ]));
    let yes = |b: bool| if b { "是" } else { "否" };
    for l in &rows {
        out.push_str(&csv_text::row(&[
            l.number.as_str(),
            &view::datetime(l.created_at),
            &l.name,
            &l.phone,
            &l.email,
            &l.subject,
            l.category.label(),
            &l.body,
            yes(l.publish_ok),
            l.status.label(),
            &l.assignee_name,
            &view::datetime(l.due_at),
            yes(l.overdue(now)),
            &l.reply,
            &l.replied_at.map(view::datetime).unwrap_or_default(),
            &l.replied_by,
            yes(l.published),
        ]));
    }
    audit::record(
        &state.db,
        &user.actor(),
        "导出信件",
        "秘书长信箱",
        Outcome::Ok,
        &format!("{total} 封；筛选：{}", q.query_string()),
    )
    .await?;
    let name = format!("letters-{}.csv", crate::stats::day_of(now));
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        out,
    )
        .into_response())
}

#[derive(Serialize)]
struct StaffLine {
    id: i64,
    name: String,
    role: &'static str,
    email: String,
}

#[derive(Serialize)]
struct SettingsPage {
    mailbox_css: String,
    reply_days: String,
    letters_per_hour: String,
    assignees: Vec<Choice>,
    staff: Vec<StaffLine>,
    smtp: bool,
}

async fn settings_page(
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    flash: Option<Flash>,
    typed: Option<&Pairs>,
) -> AppResult<Response> {
    let staff = letters::staff(&state.db).await?;
    let current = settings::get(&state.db, DEFAULT_ASSIGNEE_KEY)
        .await?
        .unwrap_or_default();
    let chosen = typed
        .map_or(current.as_str(), |t| t.one("default_assignee"))
        .to_string();
    let mut assignees = vec![Choice {
        value: String::new(),
        label: "（不自动分配）".into(),
        selected: chosen.is_empty(),
    }];
    assignees.extend(staff.iter().map(|s| Choice {
        value: s.id.to_string(),
        label: s.name.clone(),
        selected: s.id.to_string() == chosen,
    }));
    let page = SettingsPage {
        mailbox_css: assets::url("admin/mailbox.css"),
        reply_days: match typed {
            Some(t) => t.one("reply_days").to_string(),
            None => reply_days(&state.db).await?.to_string(),
        },
        letters_per_hour: match typed {
            Some(t) => t.one("letters_per_hour").to_string(),
            None => guard::letters_per_hour(&state.db).await?.to_string(),
        },
        assignees,
        staff: staff
            .into_iter()
            .map(|s| StaffLine {
                email: typed.map_or(s.email.clone(), |t| {
                    t.one(&format!("email_{}", s.id)).to_string()
                }),
                id: s.id,
                role: crate::auth::Role::parse(&s.role).map_or("", |r| r.label()),
                name: s.name,
            })
            .collect(),
        smtp: crate::mailbox::notify::Smtp::of(&state.config).is_some(),
    };
    view::render_status(
        state,
        status,
        AdminPage {
            user: Some(user),
            active: "mailbox_settings",
            title: "信箱设置",
            flash,
        },
        "admin/mailbox_settings.html",
        page,
    )
    .await
}

async fn show_settings(
    State(state): State<AppState>,
    user: CurrentUser,
    Notice(flash): Notice,
) -> AppResult<Response> {
    settings_page(&state, &user, StatusCode::OK, flash, None).await
}

async fn save_settings(
    State(state): State<AppState>,
    user: CurrentUser,
    CsrfForm(form): CsrfForm<Pairs>,
) -> AppResult<Response> {
    let mut problems = Vec::new();
    let days = form
        .one("reply_days")
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|d| (1..=365).contains(d));
    if days.is_none() {
        problems.push("答复期限应为 1 到 365 之间的天数");
    }
    let per_hour = form
        .one("letters_per_hour")
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|n| (1..=1000).contains(n));
    if per_hour.is_none() {
        problems.push("每小时来信上限应为 1 到 1000 之间的整数");
    }
    let staff = letters::staff(&state.db).await?;
    let assignee = form.one("default_assignee").trim().to_string();
    if !assignee.is_empty() && !staff.iter().any(|s| s.id.to_string() == assignee) {
        problems.push("自动分配的承办人不存在");
    }
    let mut emails = Vec::new();
    for s in &staff {
        let e = crate::mailbox::clean_text(form.one(&format!("email_{}", s.id)), false);
        if !e.is_empty() && !crate::mailbox::valid_email(&e) {
            problems.push("通知邮箱格式不正确");
        }
        emails.push((s.id, e));
    }
    if !problems.is_empty() {
        problems.dedup();
        let flash = Flash::error(format!("{}；设置未保存。", problems.join("；")));
        return settings_page(
            &state,
            &user,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(flash),
            Some(&form),
        )
        .await;
    }
    settings::set(
        &state.db,
        REPLY_DAYS_KEY,
        &days.unwrap_or_default().to_string(),
    )
    .await?;
    settings::set(
        &state.db,
        guard::LETTERS_PER_HOUR_KEY,
        &per_hour.unwrap_or_default().to_string(),
    )
    .await?;
    settings::set(&state.db, DEFAULT_ASSIGNEE_KEY, &assignee).await?;
    for (id, e) in &emails {
        letters::set_staff_email(&state.db, *id, e).await?;
    }
    audit::record(
        &state.db,
        &user.actor(),
        "信箱设置",
        "秘书长信箱",
        Outcome::Ok,
        "",
    )
    .await?;
    Ok(view::see_other("/admin/mailbox/settings?msg=saved"))
}
