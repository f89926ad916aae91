//! The article editor's form: the fields as posted (every one defaults, so
//! a missing one gets a clear message), their reading into
//! `ArticleFields` (only parsing: what may be stored is decided by
//! `editorial::apply`), what the form shows back, and the forms kept for
//! a browser (a save held when the session expired) or a user (the
//! recovery copy).

use axum::http::HeaderMap;
use serde::{Deserialize, Serialize};

use super::view::{self, Flash};
use super::{CurrentUser, hold};
use crate::app::AppState;
use crate::db::{holds, now};
use crate::editorial::{ArticleFields, Then};
use crate::error::AppResult;

/// The form as posted. Every field defaults, so a missing one gets a clear
/// message instead of a parse error.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct ArticleForm {
    title: String,
    subtitle: String,
    channel_id: String,
    source: String,
    author: String,
    editor: String,
    summary: String,
    body_html: String,
    cover: String,
    is_pinned: Option<String>,
    is_recommended: Option<String>,
    is_headline: Option<String>,
    published_at: String,
    unpublish_at: String,
    review_at: String,
    pub(super) action: String,
    /// The `updated_at` of the version the form was opened on.
    pub(super) base: String,
}

/// What the form shows: the fields, with the two times as the inputs
/// spell them.
#[derive(Debug, Serialize, Default)]
pub(super) struct FormValues {
    #[serde(flatten)]
    pub(super) fields: ArticleFields,
    pub(super) published_local: String,
    pub(super) unpublish_local: String,
    pub(super) review_local: String,
}

impl FormValues {
    pub(super) fn of(fields: &ArticleFields) -> FormValues {
        FormValues {
            fields: fields.clone(),
            published_local: view::datetime_local(fields.published_at),
            unpublish_local: fields
                .unpublish_at
                .map(view::datetime_local)
                .unwrap_or_default(),
            review_local: fields
                .review_at
                .map(|t| view::datetime_local(t).chars().take(10).collect())
                .unwrap_or_default(),
        }
    }

    /// What was typed, shown back with a refusal.
    pub(super) fn from_form(f: &ArticleForm) -> FormValues {
        FormValues {
            fields: ArticleFields {
                channel_id: f.channel_id.parse().unwrap_or(0),
                body_html: f.body_html.clone(),
                ..f.fields(0, None, None)
            },
            published_local: f.published_at.clone(),
            unpublish_local: f.unpublish_at.clone(),
            review_local: f.review_at.clone(),
        }
    }
}

impl ArticleForm {
    /// The fields as typed, with the times given.
    fn fields(
        &self,
        published_at: i64,
        unpublish_at: Option<i64>,
        review_at: Option<i64>,
    ) -> ArticleFields {
        ArticleFields {
            channel_id: self.channel_id.trim().parse().unwrap_or(0),
            title: self.title.trim().to_string(),
            subtitle: self.subtitle.trim().to_string(),
            source: self.source.trim().to_string(),
            author: self.author.trim().to_string(),
            editor: self.editor.trim().to_string(),
            summary: self.summary.trim().to_string(),
            // As typed: `read_form` sanitizes it in the CPU pool.
            body_html: self.body_html.clone(),
            cover: self.cover.trim().to_string(),
            is_pinned: self.is_pinned.is_some(),
            is_recommended: self.is_recommended.is_some(),
            is_headline: self.is_headline.is_some(),
            published_at,
            unpublish_at,
            review_at,
        }
    }

    /// What the button asks for after the save.
    pub(super) fn then(&self, published_at: i64) -> Then {
        match self.action.as_str() {
            "submit" => Then::Submit,
            "publish" => Then::Publish {
                at: (!self.published_at.trim().is_empty()).then_some(published_at),
            },
            _ => Then::Save,
        }
    }
}

/// Reads the form into fields: only what is a matter of parsing (the
/// times, the channel number); what may be stored is decided by
/// `editorial::apply`.
/// The body is checked against the size and nesting limits and sanitized
/// in the bounded CPU pool (`crate::cpu`), off the request workers.
pub(super) async fn read_form(
    f: &ArticleForm,
    keep_published_at: Option<i64>,
) -> anyhow::Result<Result<ArticleFields, String>> {
    let mut fields = match read_fields(f, keep_published_at) {
        Ok(fields) => fields,
        Err(why) => return Ok(Err(why)),
    };
    fields.body_html = match crate::html::sanitize_bounded(f.body_html.clone()).await? {
        Ok(body) => body,
        Err(e) => return Ok(Err(e.message())),
    };
    if fields.body_html.trim().is_empty() && f.body_html.trim().is_empty() {
        return Ok(Err("请填写正文。".into()));
    }
    Ok(Ok(fields))
}

fn read_fields(f: &ArticleForm, keep_published_at: Option<i64>) -> Result<ArticleFields, String> {
    f.channel_id
        .trim()
        .parse::<i64>()
        .map_err(|_| "请选择栏目。".to_string())?;
    let published_at = if f.published_at.trim().is_empty() {
        keep_published_at.unwrap_or_else(now)
    } else {
        view::parse_local(&f.published_at).ok_or("发布时间格式不对，应为 2026-01-31 09:30。")?
    };
    let unpublish_at = if f.unpublish_at.trim().is_empty() {
        None
    } else {
        Some(
            view::parse_local(&f.unpublish_at)
                .ok_or("下线时间格式不对，应为 2026-01-31 09:30。")?,
        )
    };
    let review_at = if f.review_at.trim().is_empty() {
        None
    } else {
        Some(view::parse_local(&f.review_at).ok_or("复核日期格式不对，应为 2026-01-31。")?)
    };
    Ok(f.fields(published_at, unpublish_at, review_at))
}

/// The address of the editor's form (where its recovery copy and a held
/// save are kept).
pub(super) fn form_path(id: Option<i64>) -> String {
    match id {
        Some(id) => format!("/admin/articles/{id}"),
        None => "/admin/articles/new".into(),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct EditorQuery {
    pub(super) recover: String,
}

/// A form kept for this browser or user, with the sentence that says so:
/// the save held when the session had expired, or (asked for) the
/// recovery copy.
pub(super) async fn kept_form(
    state: &AppState,
    user: &CurrentUser,
    headers: &HeaderMap,
    path: &str,
    recover: bool,
) -> AppResult<Option<(ArticleForm, Flash)>> {
    if let Some(form) = hold::take(state, headers, path).await? {
        let f: ArticleForm = serde_urlencoded::from_str(&form).unwrap_or_default();
        return Ok(Some((
            f,
            Flash::error(
                "您的登录已过期，刚才提交的内容没有丢失，已为您保留在下面，但尚未保存。请检查后再点“保存”。",
            ),
        )));
    }
    if recover && let Some(r) = holds::recovery(&state.db, user.id, path).await? {
        let f: ArticleForm = serde_urlencoded::from_str(&r.form).unwrap_or_default();
        return Ok(Some((
            f,
            Flash::error(format!(
                "已恢复 {} 自动保存的内容，尚未保存。请检查后再点“保存”。",
                view::datetime(r.updated_at)
            )),
        )));
    }
    Ok(None)
}
