//! What every back-office page shares: the chrome (navigation by role, the
//! signed-in user, the logout button), the one-line notice that answers
//! every action (保存成功 or why not), time formats in Asia/Shanghai, and
//! the error page.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::CurrentUser;
use crate::app::AppState;
use crate::assets;
use crate::auth::Perm;
use crate::error::{AppResult, ErrorPage};

/// A 303 redirect (the answer to every successful POST).
pub fn see_other(location: &str) -> Response {
    let mut r = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

/// The navigation: (key, label, address, permission). Other modules add a
/// line here for their pages.
pub const NAV: &[(&str, &str, &str, Perm)] = &[
    ("dashboard", "后台首页", "/admin", Perm::Dashboard),
    ("articles", "文章", "/admin/articles", Perm::Write),
    (
        "pending",
        "待审核",
        "/admin/articles?status=pending",
        Perm::Publish,
    ),
    (
        "scheduled",
        "定时发布",
        "/admin/articles?status=scheduled",
        Perm::Publish,
    ),
    ("trash", "回收站", "/admin/trash", Perm::Publish),
    ("media", "媒体库", "/admin/media", Perm::Write),
    ("channels", "栏目", "/admin/channels", Perm::Admin),
    ("pages", "单页", "/admin/pages", Perm::SiteContent),
    (
        "announcements",
        "公告",
        "/admin/announcements",
        Perm::SiteContent,
    ),
    ("settings", "站点设置", "/admin/settings", Perm::Admin),
    ("backups", "数据备份", "/admin/backups", Perm::Admin),
    (
        "search_words",
        "搜索词典",
        "/admin/search/words",
        Perm::Admin,
    ),
    ("users", "用户", "/admin/users", Perm::Admin),
    ("audit", "操作日志", "/admin/audit", Perm::Admin),
    ("mailbox", "秘书长信箱", "/admin/mailbox", Perm::Mailbox),
    (
        "mailbox_report",
        "信箱统计",
        "/admin/mailbox/report",
        Perm::Mailbox,
    ),
    (
        "mailbox_settings",
        "信箱设置",
        "/admin/mailbox/settings",
        Perm::Admin,
    ),
    ("stats", "访问统计", "/admin/stats", Perm::Publish),
    ("account", "我的账户", "/admin/account", Perm::Account),
];

/// One line of the navigation.
#[derive(Debug, Serialize)]
pub struct NavLink {
    /// Label.
    pub label: &'static str,
    /// Address.
    pub url: &'static str,
    /// Whether this page is under it.
    pub active: bool,
}

/// The notice at the top of a page.
#[derive(Debug, Clone, Serialize)]
pub struct Flash {
    /// `ok` or `error`.
    pub kind: &'static str,
    /// The sentence.
    pub text: String,
}

impl Flash {
    /// A success.
    pub fn ok(text: impl Into<String>) -> Flash {
        Flash {
            kind: "ok",
            text: text.into(),
        }
    }

    /// A failure, with the reason.
    pub fn error(text: impl Into<String>) -> Flash {
        Flash {
            kind: "error",
            text: text.into(),
        }
    }
}

/// The notice carried by a redirect after an action: `?msg=CODE` (a fixed
/// code, never text from the request) with optional counts `n`, `skipped`.
#[derive(Debug, Clone, Default)]
pub struct Notice(pub Option<Flash>);

#[derive(Deserialize, Default)]
struct NoticeQuery {
    msg: Option<String>,
    n: Option<i64>,
    skipped: Option<i64>,
}

/// The sentence of a notice code.
pub fn notice_text(code: &str, n: i64, skipped: i64) -> Option<String> {
    Some(
        match code {
            "saved" => "保存成功。",
            "created" => "创建成功。",
            "deleted" => "已删除。",
            "submitted" => "已提交审核，等待审核人员处理。",
            "published" => "发布成功，文章已在网站上显示。",
            "scheduled" => "已设置定时发布，到时间后自动发布。",
            "returned" => "已退回给作者，并附上了退回理由。",
            "unpublished" => "已下线，文章不再在网站上显示。",
            "trashed" => "已移入回收站，可在回收站中恢复。",
            "restored" => "已从回收站恢复为草稿。",
            "purged" => "已彻底删除。",
            "pending_saved" => "修改已保存为待审核版本，网站上仍显示已发布的版本。",
            "pending_submitted" => "修改已提交审核；审核通过前网站上仍显示已发布的版本。",
            "approved" => "修改已审核通过，网站上已显示新的版本。",
            "approved_later" => "修改已审核通过，到所定时间后在网站上生效。",
            "discarded" => "已放弃待审核的修改，网站上的已发布版本没有变化。",
            "moved" => "已移动到所选栏目。",
            "binned" => "文件仍被已发布的文章引用，已移入回收站（网站上照常显示）。",
            "media_restored" => "文件已从回收站恢复到媒体库。",
            "revision_restored" => "已恢复到所选修订版本（恢复本身也记为一次修订）。",
            "ordered" => "栏目顺序已保存。",
            "logged_out" => "您已安全退出。",
            "password" => "密码已修改，其他设备上的登录已结束。",
            "password_reset" => "密码已重置，该用户的所有登录已结束。",
            "totp_on" => "两步验证已启用，下次登录时需要输入验证码。",
            "totp_off" => "两步验证已关闭。",
            "totp_reset" => "已清除该用户的两步验证。",
            "disabled" => "用户已停用，其所有登录已立即结束。",
            "enabled" => "用户已启用。",
            "mail_assigned" => "承办人已更新。",
            "mail_status" => "信件状态已更新。",
            "mail_noted" => "内部备注已保存（来信人看不到备注）。",
            "mail_replied" => "答复已保存，来信人可凭查询码查看。",
            "mail_published" => "已在“来信公开”中公开（姓名已隐去，电话和邮箱不公开）。",
            "mail_unpublished" => "已取消公开。",
            "uploaded" => "上传成功。",
            "word_deleted" => "已删除该词，搜索索引正在后台重建。",
            "words_added" => {
                let known = if skipped > 0 {
                    format!("另有 {skipped} 个词已在词典中，未重复添加。")
                } else {
                    String::new()
                };
                return Some(if n > 0 {
                    format!("已添加 {n} 个词，搜索索引正在重建。{known}")
                } else {
                    format!("没有新词需要添加：{skipped} 个词都已在词典中。")
                });
            }
            "bulk" => {
                return Some(if skipped > 0 {
                    format!("已处理 {n} 篇；{skipped} 篇因无权操作或状态不符未处理。")
                } else {
                    format!("已处理 {n} 篇。")
                });
            }
            _ => return None,
        }
        .to_string(),
    )
}

impl<S: Send + Sync> FromRequestParts<S> for Notice {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let q: NoticeQuery = parts
            .uri
            .query()
            .and_then(|q| serde_urlencoded::from_str(q).ok())
            .unwrap_or_default();
        Ok(Notice(q.msg.and_then(|code| {
            notice_text(&code, q.n.unwrap_or(0), q.skipped.unwrap_or(0)).map(Flash::ok)
        })))
    }
}

/// The chrome of a back-office page.
#[derive(Debug, Serialize)]
pub struct Chrome<'a> {
    /// `<title>` and heading.
    pub title: &'a str,
    /// The signed-in user, if any.
    pub user: Option<&'a CurrentUser>,
    /// The user's role in Chinese.
    pub role_label: &'static str,
    /// Navigation for the user's role.
    pub nav: Vec<NavLink>,
    /// The notice.
    pub flash: Option<Flash>,
    /// Stylesheet.
    pub css_url: String,
    /// Our small script (confirmations); pages work without it.
    pub js_url: String,
    /// The back office's icon.
    pub icon_url: String,
    /// Site name.
    pub site_name: String,
}

#[derive(Serialize)]
struct Ctx<'a, T: Serialize> {
    #[serde(flatten)]
    chrome: Chrome<'a>,
    #[serde(flatten)]
    page: T,
}

/// A page to render.
#[derive(Debug)]
pub struct AdminPage<'a> {
    /// The signed-in user.
    pub user: Option<&'a CurrentUser>,
    /// Which navigation entry is current.
    pub active: &'a str,
    /// The title.
    pub title: &'a str,
    /// The notice.
    pub flash: Option<Flash>,
}

/// Renders a back-office template with the chrome, status 200.
pub async fn render<T: Serialize>(
    state: &AppState,
    p: AdminPage<'_>,
    template: &str,
    page: T,
) -> AppResult<Response> {
    render_status(state, StatusCode::OK, p, template, page).await
}

/// Renders a back-office template with the chrome and a status (422 for a
/// form shown again with what was wrong).
pub async fn render_status<T: Serialize>(
    state: &AppState,
    status: StatusCode,
    p: AdminPage<'_>,
    template: &str,
    page: T,
) -> AppResult<Response> {
    let site_name = crate::db::settings::load_site(&state.db).await?.name;
    let html = render_with(state, p, site_name, template, page)?;
    Ok((status, Html(html)).into_response())
}

fn render_with<T: Serialize>(
    state: &AppState,
    p: AdminPage<'_>,
    site_name: String,
    template: &str,
    page: T,
) -> AppResult<String> {
    let nav = match p.user {
        Some(u) if !u.must_enrol => NAV
            .iter()
            .filter(|(_, _, _, perm)| u.role.has(*perm))
            .map(|(key, label, url, _)| NavLink {
                label,
                url,
                active: *key == p.active,
            })
            .collect(),
        _ => Vec::new(),
    };
    let chrome = Chrome {
        title: p.title,
        user: p.user,
        role_label: p.user.map_or("", |u| u.role.label()),
        nav,
        flash: p.flash,
        css_url: assets::url("admin/admin.css"),
        js_url: assets::url("admin/admin.js"),
        icon_url: assets::url("admin/icon.svg"),
        site_name,
    };
    Ok(state.templates.render(template, &Ctx { chrome, page })?)
}

/// The back office's error page (no navigation: the user may be anyone).
pub fn error_page(
    state: &AppState,
    status: StatusCode,
    page: &ErrorPage,
) -> anyhow::Result<String> {
    #[derive(Serialize)]
    struct E<'a> {
        heading: &'a str,
        message: &'a str,
        status: u16,
    }
    render_with(
        state,
        AdminPage {
            user: None,
            active: "",
            title: page.heading,
            flash: None,
        },
        String::new(),
        "admin/error.html",
        E {
            heading: page.heading,
            message: &page.message,
            status: status.as_u16(),
        },
    )
    .map_err(|e| anyhow::anyhow!("{e}"))
}

/// The confirmation step of a destructive action (a page whose form posts
/// the action; without JavaScript this is the confirmation).
#[derive(Debug, Serialize)]
pub struct Confirm {
    /// The question.
    pub question: String,
    /// What will happen.
    pub detail: String,
    /// Where the form posts.
    pub action: String,
    /// The button.
    pub button: &'static str,
    /// Where 取消 leads.
    pub cancel: String,
}

/// Renders a confirmation page.
pub async fn confirm(
    state: &AppState,
    user: &CurrentUser,
    active: &str,
    title: &str,
    c: Confirm,
) -> AppResult<Response> {
    render(
        state,
        AdminPage {
            user: Some(user),
            active,
            title,
            flash: None,
        },
        "admin/confirm.html",
        c,
    )
    .await
}

pub use crate::datetime::{datetime, datetime_local, parse_local};

/// A page of a list: numbers for the pager.
#[derive(Debug, Serialize)]
pub struct Pager {
    /// Current page (from 1).
    pub page: i64,
    /// Last page.
    pub pages: i64,
    /// Matching rows.
    pub total: i64,
    /// Address of the previous page.
    pub prev: Option<String>,
    /// Address of the next page.
    pub next: Option<String>,
}

impl Pager {
    /// Builds the pager; `base` is the address with its filters and ending
    /// in `?` or `&`.
    pub fn new(base: &str, page: i64, per_page: i64, total: i64) -> Pager {
        let pages = ((total + per_page - 1) / per_page).max(1);
        Pager {
            page,
            pages,
            total,
            prev: (page > 1).then(|| format!("{base}page={}", page - 1)),
            next: (page < pages).then(|| format!("{base}page={}", page + 1)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_round_trip_in_shanghai() {
        let t = parse_local("2026-11-26T09:30").unwrap();
        assert_eq!(datetime(t), "2026-11-26 09:30");
        assert_eq!(datetime_local(t), "2026-11-26T09:30");
        assert_eq!(parse_local("2026-11-26 09:30"), Some(t));
        assert_eq!(parse_local("2026-11-26"), Some(t - 9 * 3600 - 30 * 60));
        assert_eq!(parse_local("明天"), None);
        assert_eq!(parse_local(""), None);
    }

    #[test]
    fn notices_are_fixed_sentences() {
        assert_eq!(notice_text("saved", 0, 0).unwrap(), "保存成功。");
        assert!(notice_text("bulk", 3, 1).unwrap().contains("1 篇"));
        assert!(notice_text("<script>", 0, 0).is_none());
    }
}
