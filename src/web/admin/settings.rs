//! 站点设置: every line of the header and footer (site name, owner,
//! copyright, ICP number, 主管/主办, address, telephone …) and the security
//! policy of the back office (whether admins must use a second factor).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use super::view::{self, AdminPage, Flash, Notice};
use super::{AdminRoutes, CsrfForm, CurrentUser, Pairs};
use crate::app::AppState;
use crate::auth::Perm;
use crate::db::audit::{self, Outcome};
use crate::db::{Db, settings};
use crate::error::AppResult;

/// Routes of this file.
pub fn router() -> AdminRoutes {
    AdminRoutes::new()
        .get("/admin/settings", Perm::Admin, show_settings)
        .post("/admin/settings", Perm::Admin, save_settings)
        .post("/admin/settings/smtp-test", Perm::Admin, test_smtp)
}

/// The setting that makes a second factor mandatory for admins.
pub const REQUIRE_TOTP_ADMIN: &str = "auth.require_totp_admin";

/// Whether admins must use a second factor.
pub async fn totp_required_for_admins(db: &Db) -> anyhow::Result<bool> {
    Ok(settings::get(db, REQUIRE_TOTP_ADMIN).await?.as_deref() == Some("1"))
}

/// The label and help of each site setting, in the order of `settings::KEYS`.
const LABELS: &[(&str, &str, &str)] = &[
    (
        "site.name",
        "站点名称",
        "显示在页眉和浏览器标题中，例如 广东扶贫网",
    ),
    ("site.owner", "主办单位（页眉）", "显示在站点名称旁"),
    ("site.greeting", "页脚欢迎语", "例如 欢迎访问广东扶贫网"),
    ("site.copyright", "版权信息", ""),
    (
        "site.icp",
        "ICP 备案号",
        "例如 粤ICP备10213720号，页脚链接到备案查询网站",
    ),
    ("site.supervisor", "主管单位", ""),
    ("site.sponsor", "主办单位（页脚）", ""),
    ("site.content_support", "内容支持", ""),
    ("site.address", "地址", ""),
    ("site.postcode", "邮编", ""),
    ("site.phone", "电话", ""),
    ("site.fax", "传真", ""),
    ("site.donation_hotline", "捐赠热线", ""),
    ("site.email", "电子邮箱", ""),
    ("site.description", "网站简介", "供搜索引擎和订阅使用"),
];

fn label_of(key: &str) -> &'static str {
    LABELS
        .iter()
        .find(|(k, _, _)| *k == key)
        .map_or("", |(_, l, _)| l)
}

#[derive(Serialize)]
struct Field {
    key: &'static str,
    id: String,
    label: &'static str,
    help: &'static str,
    value: String,
}

#[derive(Serialize)]
struct SettingsPage {
    fields: Vec<Field>,
    require_totp_admin: bool,
    admin_has_totp: bool,
    /// The SMTP server in use ("" when none), and where a test goes.
    smtp: String,
    smtp_to: String,
}

async fn page(
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    flash: Option<Flash>,
    values: Option<&Pairs>,
) -> AppResult<Response> {
    let smtp = crate::mailbox::notify::Smtp::of(&state.config)
        .map(|s| format!("{}:{}（{}）", s.host, s.port, s.tls.as_str()))
        .unwrap_or_default();
    let smtp_to = crate::db::letters::staff(&state.db)
        .await?
        .into_iter()
        .find(|s| s.id == user.id)
        .map(|s| s.email)
        .unwrap_or_default();
    let stored = settings::load_site(&state.db).await?.to_pairs();
    let fields = LABELS
        .iter()
        .map(|(key, label, help)| Field {
            key,
            id: key.replace('.', "-"),
            label,
            help,
            value: match values {
                Some(v) => v.one(key).to_string(),
                None => stored
                    .iter()
                    .find(|(k, _)| k == key)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default(),
            },
        })
        .collect();
    let require = totp_required_for_admins(&state.db).await?;
    view::render_status(
        state,
        status,
        AdminPage {
            user: Some(user),
            active: "settings",
            title: "站点设置",
            flash,
        },
        "admin/settings.html",
        SettingsPage {
            fields,
            require_totp_admin: require,
            admin_has_totp: user.totp_enabled,
            smtp,
            smtp_to,
        },
    )
    .await
}

async fn show_settings(
    State(state): State<AppState>,
    user: CurrentUser,
    Notice(flash): Notice,
) -> AppResult<Response> {
    page(&state, &user, StatusCode::OK, flash, None).await
}

async fn save_settings(
    State(state): State<AppState>,
    user: CurrentUser,
    CsrfForm(form): CsrfForm<Pairs>,
) -> AppResult<Response> {
    if form.one("site.name").trim().is_empty() {
        return page(
            &state,
            &user,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(Flash::error("请填写站点名称。")),
            Some(&form),
        )
        .await;
    }
    if let Some((key, _)) = form
        .0
        .iter()
        .find(|(k, v)| k.starts_with("site.") && v.chars().count() > 500)
    {
        let why = format!("“{}”不能超过 500 个字。", label_of(key));
        return page(
            &state,
            &user,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(Flash::error(why)),
            Some(&form),
        )
        .await;
    }
    let stored = settings::load_site(&state.db).await?.to_pairs();
    let mut changed = Vec::new();
    for key in settings::KEYS {
        let value = form.one(key).trim();
        let before = stored
            .iter()
            .find(|(k, _)| k == key)
            .map_or("", |(_, v)| v.as_str());
        if value != before {
            settings::set(&state.db, key, value).await?;
            changed.push(label_of(key));
        }
    }
    let require = !form.one("require_totp_admin").is_empty();
    if require != totp_required_for_admins(&state.db).await? {
        settings::set(
            &state.db,
            REQUIRE_TOTP_ADMIN,
            if require { "1" } else { "0" },
        )
        .await?;
        changed.push(if require {
            "要求管理员使用两步验证"
        } else {
            "不再要求管理员使用两步验证"
        });
    }
    if !changed.is_empty() {
        audit::record(
            &state.db,
            &user.actor(),
            "修改站点设置",
            "站点设置",
            Outcome::Ok,
            &changed.join("、"),
        )
        .await?;
    }
    Ok(view::see_other("/admin/settings?msg=saved"))
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct SmtpTestForm {
    to: String,
}

/// Sends a test message through the configured SMTP server and says how
/// it went (issue 23).
async fn test_smtp(
    State(state): State<AppState>,
    user: CurrentUser,
    CsrfForm(form): CsrfForm<SmtpTestForm>,
) -> AppResult<Response> {
    let to = form.to.trim();
    let refuse = |why: String| Some(Flash::error(why));
    let Some(smtp) = crate::mailbox::notify::Smtp::of(&state.config) else {
        let why = "还没有设置发信服务器：请在配置文件中设置 smtp_host 等项（见部署说明），然后重启 fupin。";
        return page(
            &state,
            &user,
            StatusCode::UNPROCESSABLE_ENTITY,
            refuse(why.into()),
            None,
        )
        .await;
    };
    if !crate::mailbox::valid_email(to) {
        let why = format!("“{to}”不是有效的电子邮箱地址；测试邮件未发送。");
        return page(
            &state,
            &user,
            StatusCode::UNPROCESSABLE_ENTITY,
            refuse(why),
            None,
        )
        .await;
    }
    let sent = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        smtp.send_test(to, &state.config.base_url),
    )
    .await
    .unwrap_or_else(|_| Err(anyhow::anyhow!("30 秒内没有应答")));
    let (outcome, flash, status) = match sent {
        Ok(()) => (
            Outcome::Ok,
            Flash::ok(format!(
                "测试邮件已发送到 {to}，请查收（也请看看垃圾邮件箱）。"
            )),
            StatusCode::OK,
        ),
        Err(e) => (
            Outcome::Failed,
            Flash::error(format!("测试邮件发送失败：{e:#}")),
            StatusCode::BAD_GATEWAY,
        ),
    };
    audit::record(&state.db, &user.actor(), "发送测试邮件", to, outcome, "").await?;
    page(&state, &user, status, Some(flash), None).await
}
