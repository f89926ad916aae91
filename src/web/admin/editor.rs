//! The article editor: every field of an article in one form that works
//! without JavaScript (the body is a `<textarea name="body_html">` of HTML;
//! `editor.js`, when present, turns it into a WYSIWYG editor). The server
//! sanitizes the body with the one sanitizer and is the authority: what is
//! saved is what is shown. The handlers parse the form and call
//! `editorial::apply` once: the save and what the button asks for (submit
//! for review, publish) are one transaction with their revision and log.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;

use super::articles::{Choice, channel_choices, status_label};
use super::editor_form::{ArticleForm, EditorQuery, FormValues, form_path, kept_form, read_form};
use super::view::{self, AdminPage, Flash, Notice};
use super::workflow::load_visible;
use super::{AdminRoutes, CsrfForm, CurrentUser, Pairs};
use crate::app::AppState;
use crate::auth::{Access, Perm, Role};
use crate::db::articles::Status;
use crate::db::channels::ChannelTree;
use crate::db::editorial::AdminArticle;
use crate::db::{holds, pending};
use crate::editorial::rules::{self, Step};
use crate::editorial::staged;
use crate::editorial::{self, Action, ArticleFields};
use crate::error::{AppError, AppResult};
use crate::revisions::diff::{BodyDiff, diff_bodies};

pub use crate::editorial::fields::safe_image_address;

/// Routes of this file.
pub fn router() -> AdminRoutes {
    AdminRoutes::new()
        .get("/admin/articles/new", Perm::Write, new_article)
        .post("/admin/articles/new", Perm::Write, create_article)
        .get("/admin/articles/{id}", Perm::Write, edit_article)
        .post("/admin/articles/{id}", Perm::Write, save_article)
        .get("/admin/articles/{id}/preview", Perm::Write, preview_article)
        .post("/admin/articles/recovery", Perm::Write, keep_recovery)
}

/// The buttons and links the user may use on this article.
#[derive(Debug, Serialize, Default)]
struct Abilities {
    save: bool,
    submit: bool,
    publish: bool,
    save_publish: bool,
    give_back: bool,
    unpublish: bool,
    trash: bool,
    restore: bool,
}

/// Which version the editor shows, for a published article.
#[derive(Debug, Serialize)]
struct Stage {
    /// The public address of the live version.
    live_url: String,
    /// The pending version being edited, if there is one.
    pending: Option<PendingView>,
    approve: bool,
    discard: bool,
}

#[derive(Debug, Serialize)]
struct PendingView {
    user_name: String,
    saved: String,
    submitted: bool,
    go_live: Option<String>,
}

/// A save refused because someone saved a newer version: who, when, and
/// how it differs from what was typed.
#[derive(Debug, Serialize)]
struct ConflictView {
    user_name: String,
    saved: String,
    changes: Vec<FieldChange>,
    diff: BodyDiff,
}

#[derive(Debug, Serialize)]
struct FieldChange {
    name: &'static str,
    theirs: String,
    yours: String,
}

/// Someone else with the article open, and since when.
#[derive(Debug, Serialize)]
struct Other {
    name: String,
    since: String,
}

/// A recovery copy newer than the stored version, offered back.
#[derive(Debug, Serialize)]
struct RecoveryOffer {
    saved: String,
    url: String,
}

#[derive(Serialize)]
struct EditorPage {
    stage: Option<Stage>,
    /// Others with the article open.
    others: Vec<Other>,
    recovery: Option<RecoveryOffer>,
    /// The address recovery copies are kept under.
    form_path: String,
    conflict: Option<ConflictView>,
    id: Option<i64>,
    /// The version the form is opened on (a save over a newer one is refused).
    base: Option<i64>,
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
    recovery_js: Option<String>,
}

fn abilities(user: &CurrentUser, a: Option<&AdminArticle>) -> Abilities {
    let Some(a) = a else {
        return Abilities {
            save: true,
            submit: true,
            publish: user.role.has(Perm::Publish),
            save_publish: user.role.has(Perm::Publish),
            ..Abilities::default()
        };
    };
    let r = a.reference();
    let may = |step| rules::may(user, step, &r);
    // A published article's save is a pending version: it may be
    // submitted for review, or published at once by a publisher.
    let live = a.article.status == Status::Published;
    Abilities {
        save: may(Step::Update),
        submit: may(Step::Submit) || (live && may(Step::Update)),
        publish: may(Step::Publish),
        save_publish: may(Step::Publish) || (live && may(Step::Update) && may(Step::Approve)),
        give_back: may(Step::Return),
        unpublish: may(Step::Unpublish),
        trash: may(Step::Trash),
        restore: may(Step::Restore),
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
    show_page(state, user, status, flash, article, form, None).await
}

async fn show_page(
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    flash: Option<Flash>,
    article: Option<&AdminArticle>,
    form: FormValues,
    conflict: Option<ConflictView>,
) -> AppResult<Response> {
    let pending = match article.filter(|a| a.article.status == Status::Published) {
        Some(a) => pending::get(&state.db, a.article.id).await?,
        None => None,
    };
    let form_path = form_path(article.map(|a| a.article.id));
    let version = article.map_or(0, |a| staged::version(a, pending.as_ref()));
    let others = match article {
        // (Opening is a GET, which changes nothing: the page's script
        // reports that the article is open.)
        Some(a) => holds::others_editing(&state.db, a.article.id, user.id)
            .await?
            .into_iter()
            .map(|(name, since)| Other {
                name,
                since: view::datetime(since),
            })
            .collect(),
        None => Vec::new(),
    };
    // A recovery copy is offered when it is newer than what is stored and
    // the form does not already show it.
    let offer = match holds::recovery(&state.db, user.id, &form_path).await? {
        Some(r) if r.updated_at >= version && status == StatusCode::OK => Some(RecoveryOffer {
            saved: view::datetime(r.updated_at),
            url: format!("{form_path}?recover=1"),
        }),
        _ => None,
    };
    let stage = article
        .filter(|a| a.article.status == Status::Published)
        .map(|a| {
            let r = a.reference();
            Stage {
                live_url: format!("/a/{}.html", a.article.id),
                pending: pending.as_ref().map(|p| PendingView {
                    user_name: p.user_name.clone(),
                    saved: view::datetime(p.updated_at),
                    submitted: p.submitted,
                    go_live: p.go_live_at.map(view::datetime),
                }),
                approve: pending.is_some() && rules::may(user, Step::Approve, &r),
                discard: pending.is_some() && rules::may(user, Step::Discard, &r),
            }
        });
    let tree = ChannelTree::load(&state.db).await?;
    let only = (user.role == Role::Editor).then_some(user.channel_ids.as_slice());
    let title = match article {
        Some(a) => format!("编辑文章：{}", a.article.title),
        None => "写文章".to_string(),
    };
    let page = EditorPage {
        id: article.map(|a| a.article.id),
        base: article.map(|a| staged::version(a, pending.as_ref())),
        stage,
        conflict,
        others,
        recovery: offer,
        form_path,
        channels: channel_choices(&tree, Some(form.fields.channel_id), only),
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
        recovery_js: asset("admin/recovery.js"),
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

async fn new_article(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<EditorQuery>,
) -> AppResult<Response> {
    let path = form_path(None);
    if let Some((f, flash)) = kept_form(&state, &user, &headers, &path, q.recover == "1").await? {
        let form = FormValues::from_form(&f);
        return show_form(&state, &user, StatusCode::OK, Some(flash), None, form).await;
    }
    let tree = ChannelTree::load(&state.db).await?;
    let first = tree
        .all()
        .iter()
        .find(|c| user.can_write_in(c.id))
        .map_or(0, |c| c.id);
    let form = FormValues {
        fields: ArticleFields {
            channel_id: first,
            editor: user.display_name.clone(),
            ..ArticleFields::default()
        },
        ..FormValues::default()
    };
    show_form(&state, &user, StatusCode::OK, None, None, form).await
}

/// The form again with what was typed and why it was refused (422), or
/// the error page for what is not the form's fault.
async fn refused(
    state: &AppState,
    user: &CurrentUser,
    article: Option<&AdminArticle>,
    f: &ArticleForm,
    e: editorial::Error,
) -> AppResult<Response> {
    let why = match e {
        editorial::Error::Refused(why) => why,
        editorial::Error::Conflict(newer) => {
            return conflict(state, user, article, f, *newer).await;
        }
        e => return Err(e.into()),
    };
    show_form(
        state,
        user,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some(Flash::error(why)),
        article,
        FormValues::from_form(f),
    )
    .await
}

/// The save was made on an older version: nothing is stored; the form
/// keeps what was typed and shows who saved the newer version, when, and
/// how it differs. Saving again (on the newer version) overwrites it
/// knowingly.
async fn conflict(
    state: &AppState,
    user: &CurrentUser,
    article: Option<&AdminArticle>,
    f: &ArticleForm,
    newer: editorial::Newer,
) -> AppResult<Response> {
    let tree = ChannelTree::load(&state.db).await?;
    let channel = |c: i64| tree.get(c).map_or(format!("#{c}"), |c| c.name.clone());
    let yours = FormValues::from_form(f);
    let changes = editorial::fields::changed(&newer.fields, &yours.fields, &channel)
        .into_iter()
        .filter(|(name, _, _)| !name.ends_with("时间"))
        .map(|(name, theirs, yours)| FieldChange {
            name,
            theirs,
            yours,
        })
        .collect();
    let (old, new) = (
        newer.fields.body_html.clone(),
        yours.fields.body_html.clone(),
    );
    let diff = crate::cpu::run(move || diff_bodies(&old, &new).folded(2)).await?;
    let view = ConflictView {
        user_name: newer.user_name.clone(),
        saved: view::datetime(newer.updated_at),
        changes,
        diff,
    };
    let why = format!(
        "{} 在 {} 保存了更新的版本，您的内容没有保存，以免覆盖对方的修改。请对照下面的差别修改后再保存。",
        newer.user_name, view.saved
    );
    show_page(
        state,
        user,
        StatusCode::CONFLICT,
        Some(Flash::error(why)),
        article,
        yours,
        Some(view),
    )
    .await
}

/// Where a save leads: the article's page with its notice, or the preview.
fn after_save(f: &ArticleForm, done: &editorial::Applied) -> Response {
    let id = done.id;
    if f.action == "preview" {
        view::see_other(&format!("/admin/articles/{id}/preview"))
    } else {
        view::see_other(&format!("/admin/articles/{id}?msg={}", done.notice))
    }
}

async fn create_article(
    State(state): State<AppState>,
    user: CurrentUser,
    CsrfForm(f): CsrfForm<ArticleForm>,
) -> AppResult<Response> {
    let fields = match read_form(&f, None).await? {
        Ok(fields) => fields,
        Err(why) => return refused(&state, &user, None, &f, editorial::Error::Refused(why)).await,
    };
    let then = f.then(fields.published_at);
    let body = fields.body_html.clone();
    match editorial::apply(
        &state.db,
        &user.principal(),
        Action::Create { fields, then },
    )
    .await
    {
        Ok(done) => {
            crate::media::link_article(&state.db, done.id, &body).await?;
            holds::drop_recovery(&state.db, user.id, &form_path(None)).await?;
            Ok(after_save(&f, &done))
        }
        Err(e) => refused(&state, &user, None, &f, e).await,
    }
}

async fn edit_article(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Notice(flash): Notice,
    headers: HeaderMap,
    Query(q): Query<EditorQuery>,
) -> AppResult<Response> {
    let a = load_visible(&state, &user, id).await?;
    let path = form_path(Some(id));
    if let Some((f, kept)) = kept_form(&state, &user, &headers, &path, q.recover == "1").await? {
        let form = FormValues::from_form(&f);
        return show_form(&state, &user, StatusCode::OK, Some(kept), Some(&a), form).await;
    }
    // A published article opens on its pending version when it has one.
    let staged = match a.article.status {
        Status::Published => pending::get(&state.db, id).await?,
        _ => None,
    };
    let form = FormValues::of(staged.as_ref().map_or(&a.article.fields, |p| &p.fields));
    show_form(&state, &user, StatusCode::OK, flash, Some(&a), form).await
}

async fn save_article(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<ArticleForm>,
) -> AppResult<Response> {
    let a = load_visible(&state, &user, id).await?;
    let fields = match read_form(&f, Some(a.article.published_at)).await? {
        Ok(fields) => fields,
        Err(why) => {
            return refused(&state, &user, Some(&a), &f, editorial::Error::Refused(why)).await;
        }
    };
    let then = f.then(fields.published_at);
    let body = fields.body_html.clone();
    let action = Action::Update {
        id,
        fields,
        then,
        base: f.base.trim().parse().ok(),
    };
    match editorial::apply(&state.db, &user.principal(), action).await {
        Ok(done) => {
            crate::media::link_article(&state.db, id, &body).await?;
            holds::drop_recovery(&state.db, user.id, &form_path(Some(id))).await?;
            Ok(after_save(&f, &done))
        }
        Err(e) => refused(&state, &user, Some(&a), &f, e).await,
    }
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

/// The recovery copy the editor's script sends every 30 s while typing:
/// one row per user and form, replaced each time (not a revision). It,
/// and the script's `ping` when nothing changed, also tell others that the
/// article is open.
async fn keep_recovery(
    State(state): State<AppState>,
    user: CurrentUser,
    CsrfForm(form): CsrfForm<Pairs>,
) -> AppResult<Response> {
    let path = form.one("form_path").to_string();
    let id = match path.strip_prefix("/admin/articles/") {
        Some("new") => None,
        Some(id) => Some(id.parse::<i64>().map_err(|_| AppError::NotFound)?),
        None => return Err(AppError::NotFound),
    };
    if let Some(id) = id {
        load_visible(&state, &user, id).await?;
        holds::editing(&state.db, id, user.id, &user.display_name).await?;
    }
    if form.one("ping") == "1" {
        // Only the sign that the editor is still open.
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let kept: Vec<(String, String)> = form
        .0
        .into_iter()
        .filter(|(k, _)| k != "csrf" && k != "form_path")
        .collect();
    let base = kept
        .iter()
        .find(|(k, _)| k == "base")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let text = serde_urlencoded::to_string(&kept).map_err(|e| AppError::Internal(e.into()))?;
    holds::keep_recovery(&state.db, user.id, &path, &text, base).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
