//! The article editor: every field of an article in one form that works
//! without JavaScript (the body is a `<textarea name="body_html">` of HTML;
//! `editor.js`, when present, turns it into a WYSIWYG editor). The server
//! sanitizes the body with the one sanitizer and is the authority: what is
//! saved is what is shown. Saving keeps a revision; the buttons also
//! submit for review, publish, or save and preview.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::articles::{Choice, channel_choices, status_label};
use super::view::{self, AdminPage, Flash, Notice};
use super::workflow::{self, denied, load_visible, object};
use super::{AdminRoutes, CsrfForm, CurrentUser};
use crate::app::AppState;
use crate::auth::{Access, Perm, Role};
use crate::db::articles::Status;
use crate::db::audit::{self, Outcome};
use crate::db::channels::ChannelTree;
use crate::db::editorial::{self, AdminArticle, EditInput};
use crate::db::now;
use crate::error::{AppError, AppResult};

/// Routes of this file.
pub fn router() -> AdminRoutes {
    AdminRoutes::new()
        .get("/admin/articles/new", Perm::Write, new_article)
        .post("/admin/articles/new", Perm::Write, create_article)
        .get("/admin/articles/{id}", Perm::Write, edit_article)
        .post("/admin/articles/{id}", Perm::Write, save_article)
        .get("/admin/articles/{id}/preview", Perm::Write, preview_article)
}

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
    action: String,
}

/// What the form shows.
#[derive(Debug, Serialize, Default)]
struct FormValues {
    title: String,
    subtitle: String,
    channel_id: i64,
    source: String,
    author: String,
    editor: String,
    summary: String,
    body_html: String,
    cover: String,
    is_pinned: bool,
    is_recommended: bool,
    is_headline: bool,
    published_at: String,
    unpublish_at: String,
}

impl FormValues {
    fn of(input: &EditInput, publish_blank: bool) -> FormValues {
        FormValues {
            title: input.title.clone(),
            subtitle: input.subtitle.clone(),
            channel_id: input.channel_id,
            source: input.source.clone(),
            author: input.author.clone(),
            editor: input.editor.clone(),
            summary: input.summary.clone(),
            body_html: input.body_html.clone(),
            cover: input.cover.clone(),
            is_pinned: input.is_pinned,
            is_recommended: input.is_recommended,
            is_headline: input.is_headline,
            published_at: if publish_blank {
                String::new()
            } else {
                view::datetime_local(input.published_at)
            },
            unpublish_at: input
                .unpublish_at
                .map(view::datetime_local)
                .unwrap_or_default(),
        }
    }

    fn from_form(f: &ArticleForm) -> FormValues {
        FormValues {
            title: f.title.clone(),
            subtitle: f.subtitle.clone(),
            channel_id: f.channel_id.parse().unwrap_or(0),
            source: f.source.clone(),
            author: f.author.clone(),
            editor: f.editor.clone(),
            summary: f.summary.clone(),
            body_html: f.body_html.clone(),
            cover: f.cover.clone(),
            is_pinned: f.is_pinned.is_some(),
            is_recommended: f.is_recommended.is_some(),
            is_headline: f.is_headline.is_some(),
            published_at: f.published_at.clone(),
            unpublish_at: f.unpublish_at.clone(),
        }
    }
}

/// The buttons and links the user may use on this article.
#[derive(Debug, Serialize, Default)]
struct Abilities {
    save: bool,
    submit: bool,
    publish: bool,
    give_back: bool,
    unpublish: bool,
    trash: bool,
    restore: bool,
}

#[derive(Serialize)]
struct EditorPage {
    id: Option<i64>,
    form: FormValues,
    channels: Vec<Choice>,
    status: Option<Status>,
    status_label: &'static str,
    review_note: String,
    can: Abilities,
    public_url: Option<String>,
    editor_js: Option<String>,
    editor_css: Option<String>,
    paste_clean_js: Option<String>,
}

fn abilities(user: &CurrentUser, a: Option<&AdminArticle>) -> Abilities {
    let Some(a) = a else {
        return Abilities {
            save: true,
            submit: true,
            publish: user.role.has(Perm::Publish),
            ..Abilities::default()
        };
    };
    let r = a.reference();
    let s = a.article.status;
    let publishes = user.can_publish_in(r.channel_id);
    Abilities {
        save: user.can_edit(&r),
        submit: user.can_edit(&r) && s == Status::Draft,
        publish: publishes && matches!(s, Status::Draft | Status::Pending | Status::Scheduled),
        give_back: publishes && s == Status::Pending,
        unpublish: publishes && matches!(s, Status::Published | Status::Scheduled),
        trash: publishes && s != Status::Trashed,
        restore: publishes && s == Status::Trashed,
    }
}

fn asset(name: &str) -> Option<String> {
    crate::assets::find(name).map(|_| crate::assets::url(name))
}

async fn show_form(
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    flash: Option<Flash>,
    article: Option<&AdminArticle>,
    form: FormValues,
) -> AppResult<Response> {
    let tree = ChannelTree::load(&state.db).await?;
    let only = (user.role == Role::Editor).then_some(user.channel_ids.as_slice());
    let title = match article {
        Some(a) => format!("编辑文章：{}", a.article.title),
        None => "写文章".to_string(),
    };
    let page = EditorPage {
        id: article.map(|a| a.article.id),
        channels: channel_choices(&tree, Some(form.channel_id), only),
        form,
        status: article.map(|a| a.article.status),
        status_label: article.map_or("新文章", |a| {
            status_label(a.article.status, &a.review_note)
        }),
        review_note: article.map(|a| a.review_note.clone()).unwrap_or_default(),
        can: abilities(user, article),
        public_url: article
            .filter(|a| a.article.status == Status::Published)
            .map(|a| format!("/a/{}.html", a.article.id)),
        editor_js: asset("admin/editor.js"),
        editor_css: asset("admin/editor.css"),
        paste_clean_js: asset("admin/paste-clean.js"),
    };
    view::render_status(
        state,
        status,
        AdminPage {
            user: Some(user),
            active: "articles",
            title: &title,
            flash,
        },
        "admin/editor.html",
        page,
    )
    .await
}

/// Checks and converts the form; the reason in Chinese when it is refused.
/// The body is checked against the size and nesting limits and sanitized
/// in the bounded CPU pool (`crate::cpu`), off the request workers.
async fn read_form(
    f: &ArticleForm,
    user: &CurrentUser,
    tree: &ChannelTree,
    keep_published_at: Option<i64>,
) -> anyhow::Result<Result<EditInput, String>> {
    let checked = check_fields(f, user, tree, keep_published_at);
    let body_html = match crate::html::sanitize_bounded(f.body_html.clone()).await? {
        Ok(b) => b,
        Err(e) => return Ok(Err(e.message())),
    };
    Ok(checked.and_then(|mut input| {
        if body_html.trim().is_empty() && f.body_html.trim().is_empty() {
            return Err("请填写正文。".into());
        }
        input.body_html = body_html;
        Ok(input)
    }))
}

/// The form's fields other than the body, checked and converted.
fn check_fields(
    f: &ArticleForm,
    user: &CurrentUser,
    tree: &ChannelTree,
    keep_published_at: Option<i64>,
) -> Result<EditInput, String> {
    let title = f.title.trim();
    if title.is_empty() {
        return Err("请填写标题。".into());
    }
    if title.chars().count() > 200 {
        return Err("标题不能超过 200 个字。".into());
    }
    let channel_id: i64 = f
        .channel_id
        .trim()
        .parse()
        .map_err(|_| "请选择栏目。".to_string())?;
    if tree.get(channel_id).is_none() {
        return Err("所选栏目不存在，请重新选择。".into());
    }
    if !user.can_write_in(channel_id) {
        return Err("您不能在所选栏目中发表文章，请选择您负责的栏目。".into());
    }
    for (value, name) in [
        (&f.subtitle, "副标题"),
        (&f.source, "来源"),
        (&f.author, "作者"),
        (&f.editor, "编辑"),
    ] {
        if value.chars().count() > 200 {
            return Err(format!("{name}不能超过 200 个字。"));
        }
    }
    if f.summary.chars().count() > 2000 {
        return Err("摘要不能超过 2000 个字。".into());
    }
    let cover = f.cover.trim();
    if !cover.is_empty() && !safe_image_address(cover) {
        return Err("封面图片地址应以 / 或 http:// 、https:// 开头。".into());
    }
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
    if unpublish_at.is_some_and(|u| u <= published_at) {
        return Err("下线时间应晚于发布时间。".into());
    }
    Ok(EditInput {
        channel_id,
        title: title.to_string(),
        subtitle: f.subtitle.trim().to_string(),
        source: f.source.trim().to_string(),
        author: f.author.trim().to_string(),
        editor: f.editor.trim().to_string(),
        summary: f.summary.trim().to_string(),
        body_html: String::new(),
        cover: cover.to_string(),
        is_pinned: f.is_pinned.is_some(),
        is_recommended: f.is_recommended.is_some(),
        is_headline: f.is_headline.is_some(),
        published_at,
        unpublish_at,
    })
}

/// An image address we may put in `src`: our own path or http(s).
pub fn safe_image_address(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    s.len() <= 500
        && !s
            .chars()
            .any(|c| c.is_control() || c == '"' || c == '<' || c == '>')
        && ((s.starts_with('/') && !s.starts_with("//"))
            || lower.starts_with("http://")
            || lower.starts_with("https://"))
}

async fn new_article(State(state): State<AppState>, user: CurrentUser) -> AppResult<Response> {
    let tree = ChannelTree::load(&state.db).await?;
    let first = tree
        .all()
        .iter()
        .find(|c| user.can_write_in(c.id))
        .map_or(0, |c| c.id);
    let form = FormValues {
        channel_id: first,
        editor: user.display_name.clone(),
        ..FormValues::default()
    };
    show_form(&state, &user, StatusCode::OK, None, None, form).await
}

async fn create_article(
    State(state): State<AppState>,
    user: CurrentUser,
    CsrfForm(f): CsrfForm<ArticleForm>,
) -> AppResult<Response> {
    let tree = ChannelTree::load(&state.db).await?;
    let input = match read_form(&f, &user, &tree, None).await? {
        Ok(i) => i,
        Err(why) => {
            return show_form(
                &state,
                &user,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(Flash::error(why)),
                None,
                FormValues::from_form(&f),
            )
            .await;
        }
    };
    let publishing = f.action == "publish";
    if publishing && !user.can_publish_in(input.channel_id) {
        return Err(denied());
    }
    let id = editorial::create(&state.db, &input, Status::Draft, &user.actor()).await?;
    crate::media::link_article(&state.db, id, &input.body_html).await?;
    let a = editorial::get(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    audit::record(
        &state.db,
        &user.actor(),
        "新建文章",
        &object(&a),
        Outcome::Ok,
        "",
    )
    .await?;
    after_save(&state, &user, &a, &f).await
}

/// What a button does after the content is saved.
async fn after_save(
    state: &AppState,
    user: &CurrentUser,
    a: &AdminArticle,
    f: &ArticleForm,
) -> AppResult<Response> {
    let id = a.article.id;
    match f.action.as_str() {
        "submit" if a.article.status == Status::Draft => {
            editorial::transition(&state.db, id, &[Status::Draft], Status::Pending, "", None)
                .await?;
            audit::record(
                &state.db,
                &user.actor(),
                "提交审核",
                &object(a),
                Outcome::Ok,
                "",
            )
            .await?;
            Ok(view::see_other(&format!(
                "/admin/articles/{id}?msg=submitted"
            )))
        }
        "publish" => {
            let at = (!f.published_at.trim().is_empty()).then_some(a.article.published_at);
            match workflow::publish(state, user, a, at).await? {
                workflow::Outcome::Done(code) => {
                    Ok(view::see_other(&format!("/admin/articles/{id}?msg={code}")))
                }
                workflow::Outcome::Refused(why) => Err(AppError::BadRequest(why.into())),
                workflow::Outcome::Denied => Err(denied()),
            }
        }
        "preview" => Ok(view::see_other(&format!("/admin/articles/{id}/preview"))),
        _ => Ok(view::see_other(&format!("/admin/articles/{id}?msg=saved"))),
    }
}

async fn edit_article(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Notice(flash): Notice,
) -> AppResult<Response> {
    let a = load_visible(&state, &user, id).await?;
    let form = FormValues::of(&EditInput::of(&a.article), false);
    show_form(&state, &user, StatusCode::OK, flash, Some(&a), form).await
}

async fn save_article(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<ArticleForm>,
) -> AppResult<Response> {
    let a = load_visible(&state, &user, id).await?;
    if !user.can_edit(&a.reference()) {
        return Err(denied());
    }
    let tree = ChannelTree::load(&state.db).await?;
    let input = match read_form(&f, &user, &tree, Some(a.article.published_at)).await? {
        Ok(i) => i,
        Err(why) => {
            return show_form(
                &state,
                &user,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(Flash::error(why)),
                Some(&a),
                FormValues::from_form(&f),
            )
            .await;
        }
    };
    // Moving to another channel needs the right to publish there too, for
    // an article that is already live.
    let live = matches!(a.article.status, Status::Published | Status::Scheduled);
    if live && input.channel_id != a.article.channel_id && !user.can_publish_in(input.channel_id) {
        return Err(denied());
    }
    editorial::update(&state.db, id, &input, a.article.status, &user.actor(), "").await?;
    crate::media::link_article(&state.db, id, &input.body_html).await?;
    if live {
        audit::record(
            &state.db,
            &user.actor(),
            "修改已发布文章",
            &object(&a),
            Outcome::Ok,
            "",
        )
        .await?;
    }
    let saved = editorial::get(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    after_save(&state, &user, &saved, &f).await
}

async fn preview_article(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let a = load_visible(&state, &user, id).await?;
    let font = crate::web::site::layout::font_size_of(&headers);
    let html =
        crate::web::site::article::render_article_page(&state, &a.article, font, true).await?;
    Ok(Html(html).into_response())
}
