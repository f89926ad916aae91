//! The public side of 秘书长信箱: the letter form (with captcha, honeypot,
//! limits and a form token) and the page that shows the letter number and
//! 查询码 once. The query page and the public board are in
//! [`super::mailbox_board`]. Every letter field is plain text and reaches
//! the templates as text.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};

use super::Crumb;
use super::layout::{self, PageCtx, PageMeta, SiteData};
use crate::app::AppState;
use crate::assets;
use crate::auth::token;
use crate::db::{self, captchas, letters, settings};
use crate::error::{AppError, AppResult};
use crate::mailbox::guard::{self, CaptchaCheck, Refusal};
use crate::mailbox::{self, Category, FieldError, LetterForm, captcha, notify};
use crate::web::client::client_ip_of;

/// Routes of this file.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/mailbox", get(show_form).post(submit_letter))
        .route("/mailbox/captcha/{file}", get(show_captcha))
        .merge(super::mailbox_board::router())
}

/// The setting with the number of days staff have to reply.
pub const REPLY_DAYS_KEY: &str = "mailbox.reply_days";
/// Days to reply when the settings say nothing.
pub const DEFAULT_REPLY_DAYS: i64 = 15;
/// The setting naming the staff member new letters go to.
pub const DEFAULT_ASSIGNEE_KEY: &str = "mailbox.default_assignee";

/// The client address of a public request.
pub(crate) struct Client(pub(crate) String);

impl FromRequestParts<AppState> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Client(client_ip_of(
            &state.config,
            &parts.headers,
            &parts.extensions,
        )))
    }
}

#[derive(Serialize)]
struct Choice {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

#[derive(Serialize)]
struct FormPage<'a> {
    breadcrumb: Vec<Crumb>,
    mailbox_css: String,
    form: &'a LetterForm,
    categories: Vec<Choice>,
    errors: std::collections::BTreeMap<&'static str, String>,
    error_list: Vec<FieldError>,
    form_error: Option<&'static str>,
    csrf: &'a str,
    captcha_url: String,
    captcha_big_url: String,
    captcha_id: String,
    /// The 算术题 shown instead of the image, when chosen.
    captcha_question: Option<String>,
    max_body: usize,
    reply_days: i64,
}

pub(crate) fn crumbs(last: &str, url: &str) -> Vec<Crumb> {
    vec![
        Crumb {
            name: "首页".into(),
            url: "/".into(),
        },
        Crumb {
            name: "秘书长信箱".into(),
            url: "/mailbox".into(),
        },
        Crumb {
            name: last.into(),
            url: url.into(),
        },
    ]
}

/// Days staff have to reply.
pub async fn reply_days(db: &db::Db) -> anyhow::Result<i64> {
    Ok(settings::get(db, REPLY_DAYS_KEY)
        .await?
        .and_then(|v| v.trim().parse().ok())
        .filter(|d: &i64| (1..=365).contains(d))
        .unwrap_or(DEFAULT_REPLY_DAYS))
}

/// Renders a public page of this file with the layout.
pub(crate) async fn render<T: Serialize>(
    state: &AppState,
    headers: &HeaderMap,
    title: &str,
    path: &str,
    template: &str,
    page: T,
) -> AppResult<String> {
    let data = SiteData::load(state).await?;
    let meta = PageMeta {
        title_parts: vec![title.to_string(), "秘书长信箱".into()],
        path: path.to_string(),
        ..PageMeta::default()
    };
    let layout = layout::build(state, &data, meta, layout::font_size_of(headers));
    Ok(state.templates.render_page(
        template,
        &PageCtx {
            layout: &layout,
            page,
        },
    )?)
}

/// A response that no cache keeps, with the form cookie when it is new.
pub(crate) fn private(status: StatusCode, html: String, new_cookie: Option<String>) -> Response {
    let mut r = (status, Html(html)).into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(c) = new_cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        r.headers_mut().insert(header::SET_COOKIE, c);
    }
    r
}

/// The request's form token, or a new one with its cookie.
pub(crate) fn token_of(state: &AppState, headers: &HeaderMap) -> (String, Option<String>) {
    match guard::form_token(headers) {
        Some(t) => (t, None),
        None => {
            let t = token::new_token();
            let cookie = guard::form_cookie(&t, state.config.secure_cookies);
            (t, Some(cookie))
        }
    }
}

struct Shown<'a> {
    status: StatusCode,
    form: &'a LetterForm,
    errors: Vec<FieldError>,
    form_error: Option<&'static str>,
    /// A 算术题 instead of the image.
    sum: bool,
    /// A new challenge instead of the one shown before (换一张).
    fresh: bool,
}

async fn form_response(
    state: &AppState,
    headers: &HeaderMap,
    ip: &str,
    shown: Shown<'_>,
) -> AppResult<Response> {
    let (csrf, cookie) = token_of(state, headers);
    let client = guard::client_key(ip);
    let Some(challenge) =
        guard::issue_kind(&state.db, &csrf, &client, db::now(), shown.sum, shown.fresh).await?
    else {
        // More live captchas for this address (or in all) than any person
        // needs: a page in the site's style, and nothing stored.
        return Ok(crate::error::status_response(StatusCode::TOO_MANY_REQUESTS));
    };
    let page = FormPage {
        breadcrumb: crumbs("写信", "/mailbox"),
        mailbox_css: assets::url("mailbox.css"),
        form: shown.form,
        categories: Category::ALL
            .iter()
            .map(|c| Choice {
                value: c.as_str(),
                label: c.label(),
                selected: shown.form.category == c.as_str(),
            })
            .collect(),
        errors: shown
            .errors
            .iter()
            .map(|e| (e.field, e.message.clone()))
            .collect(),
        error_list: shown.errors,
        form_error: shown.form_error,
        csrf: &csrf,
        captcha_url: challenge.image_url(),
        captcha_big_url: challenge.big_image_url(),
        captcha_question: challenge.question,
        captcha_id: challenge.id,
        max_body: mailbox::MAX_BODY,
        reply_days: reply_days(&state.db).await?,
    };
    let html = render(
        state,
        headers,
        "写信",
        "/mailbox",
        "site/mailbox.html",
        page,
    )
    .await?;
    Ok(private(shown.status, html, cookie))
}

async fn show_form(
    State(state): State<AppState>,
    Client(ip): Client,
    headers: HeaderMap,
) -> AppResult<Response> {
    let empty = LetterForm::default();
    form_response(
        &state,
        &headers,
        &ip,
        Shown {
            status: StatusCode::OK,
            form: &empty,
            errors: Vec::new(),
            form_error: None,
            sum: false,
            fresh: false,
        },
    )
    .await
}

/// The letter form as posted: the letter, the form token, the captcha's id
/// and the button pressed.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Posted {
    name: String,
    phone: String,
    email: String,
    subject: String,
    category: String,
    body: String,
    publish_ok: String,
    notify_ok: String,
    captcha: String,
    website: String,
    csrf: String,
    captcha_id: String,
    /// `sum` when the form showed a 算术题.
    captcha_kind: String,
    action: String,
}

impl Posted {
    fn letter(&self) -> LetterForm {
        LetterForm {
            name: self.name.clone(),
            phone: self.phone.clone(),
            email: self.email.clone(),
            subject: self.subject.clone(),
            category: self.category.clone(),
            body: self.body.clone(),
            publish_ok: self.publish_ok.clone(),
            notify_ok: self.notify_ok.clone(),
            // A used captcha is never shown again.
            captcha: String::new(),
            website: String::new(),
        }
    }
}

#[derive(Serialize)]
struct SentPage {
    breadcrumb: Vec<Crumb>,
    mailbox_css: String,
    number: String,
    code: String,
    subject: String,
    reply_days: i64,
}

async fn submit_letter(
    State(state): State<AppState>,
    Client(ip): Client,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Response> {
    let posted: Posted = serde_urlencoded::from_bytes(&body)
        .map_err(|_| AppError::BadRequest("表单内容有误，请返回检查后重新提交。".into()))?;
    let kept = posted.letter();
    // 换一张 keeps the kind; the two switches change it.
    let sum = match posted.action.as_str() {
        "sum" => true,
        "image" => false,
        _ => posted.captcha_kind == "sum",
    };
    // A form shown again after a refused submission gets a new challenge:
    // the one it had was used by the check.
    let reshow = |status, errors, form_error| Shown {
        status,
        form: &kept,
        errors,
        form_error,
        sum,
        fresh: true,
    };
    if matches!(posted.action.as_str(), "refresh" | "sum" | "image") {
        let r = reshow(StatusCode::OK, Vec::new(), None);
        return form_response(&state, &headers, &ip, r).await;
    }
    let now = db::now();
    let client = guard::client_key(&ip);
    let cookie = guard::form_token(&headers);
    if let Err(refusal) =
        guard::admit_letter(&state.db, cookie.as_deref(), &posted.csrf, &client, now).await?
    {
        let status = match refusal {
            Refusal::Token => StatusCode::FORBIDDEN,
            Refusal::TooMany => StatusCode::TOO_MANY_REQUESTS,
        };
        let r = reshow(status, Vec::new(), Some(refusal.message()));
        return form_response(&state, &headers, &ip, r).await;
    }
    let cookie = cookie.unwrap_or_default();
    if !posted.website.trim().is_empty() {
        let r = reshow(
            StatusCode::UNPROCESSABLE_ENTITY,
            Vec::new(),
            Some("信件未被接受：表单中有不应填写的内容。请刷新页面后重新填写。"),
        );
        return form_response(&state, &headers, &ip, r).await;
    }
    let captcha_result =
        guard::check_captcha(&state.db, &posted.captcha_id, &posted.captcha, &cookie, now).await?;
    if captcha_result == CaptchaCheck::Foreign {
        let r = reshow(
            StatusCode::FORBIDDEN,
            Vec::new(),
            Some(Refusal::Token.message()),
        );
        return form_response(&state, &headers, &ip, r).await;
    }
    let mut typed = kept.clone();
    typed.publish_ok = posted.publish_ok.clone();
    let checked = mailbox::check_letter(&typed);
    let mut errors = checked.as_ref().err().cloned().unwrap_or_default();
    let captcha_message = match captcha_result {
        CaptchaCheck::Passed | CaptchaCheck::Foreign => None,
        CaptchaCheck::Wrong if posted.captcha.trim().is_empty() && sum => {
            Some("请填写算术题的答案。")
        }
        CaptchaCheck::Wrong if posted.captcha.trim().is_empty() => Some("请输入图片中的验证码。"),
        CaptchaCheck::Wrong if sum => Some("答案不正确，请回答新的算术题。"),
        CaptchaCheck::Wrong => Some("验证码不正确，请按新的图片重新输入。"),
        CaptchaCheck::Expired if sum => Some("算术题已过期，请回答新的算术题。"),
        CaptchaCheck::Expired => Some("验证码已过期，请按新的图片重新输入。"),
    };
    if let Some(m) = captcha_message {
        errors.push(FieldError {
            field: "captcha",
            message: m.into(),
        });
    }
    let letter = match checked {
        Ok(l) if errors.is_empty() => l,
        _ => {
            let r = reshow(StatusCode::UNPROCESSABLE_ENTITY, errors, None);
            return form_response(&state, &headers, &ip, r).await;
        }
    };
    let code = mailbox::new_code();
    let salt = mailbox::new_salt();
    let days = reply_days(&state.db).await?;
    let assignee = settings::get(&state.db, DEFAULT_ASSIGNEE_KEY)
        .await?
        .and_then(|v| v.parse::<i64>().ok());
    let assignee = match assignee {
        Some(id) => letters::staff(&state.db)
            .await?
            .iter()
            .find(|s| s.id == id)
            .map(|s| s.id),
        None => None,
    };
    let (id, number) = letters::create(
        &state.db,
        &letter,
        &letters::Receipt {
            code_salt: &salt,
            code_hash: &mailbox::code_digest(&salt, &code),
            now,
            day: crate::stats::day_of(now),
            due_at: now + days * 86_400,
            assignee_id: assignee,
        },
    )
    .await?;
    guard::count_letter(&state.db, &client).await?;
    notify::spawn(&state.config, &state.db, id);
    let page = SentPage {
        breadcrumb: crumbs("来信已收到", "/mailbox"),
        mailbox_css: assets::url("mailbox.css"),
        number,
        code,
        subject: letter.subject,
        reply_days: days,
    };
    let html = render(
        &state,
        &headers,
        "来信已收到",
        "/mailbox",
        "site/mailbox_sent.html",
        page,
    )
    .await?;
    Ok(private(StatusCode::OK, html, None))
}

async fn show_captcha(
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> AppResult<Response> {
    let name = file.strip_suffix(".png").ok_or(AppError::NotFound)?;
    let (id, scale) = match name.strip_suffix(".big") {
        Some(id) => (id, 3),
        None => (name, 1),
    };
    if !token::well_formed(id) {
        return Err(AppError::NotFound);
    }
    let answer = captchas::answer_of(&state.db, id, db::now())
        .await?
        // A 算术题 is text on the page: it has no image.
        .filter(|a| !mailbox::sum::is_sum(a))
        .ok_or(AppError::NotFound)?;
    let png = captcha::render_png_scaled(id, &answer, scale)?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/png"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        png,
    )
        .into_response())
}
