//! The media library (媒体库) of the back office: the editor's upload
//! endpoints (JSON), the library page that lists, filters and uploads
//! without JavaScript, and deletion.
//!
//! Uploads are multipart. Their CSRF token comes in the `X-CSRF-Token`
//! header (the editor's script) or as a `csrf` field before the file (the
//! plain form); either way it is checked before the file is read. A body
//! whose Content-Length is over the limit is answered 413 before it is read,
//! and one without a length stops being read at the limit (see
//! [`crate::web::media`]).

use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::handler::Handler;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::articles::Choice;
use super::view::{self, AdminPage, Flash, Notice, Pager};
use super::{AdminRoutes, CsrfForm, CurrentUser};
use crate::app::AppState;
use crate::auth::{Access, Perm, Role};
use crate::db::audit::{self, Outcome};
use crate::db::media::{self as media_db, Filter, Kind, Media};
use crate::error::{AppError, AppResult};
use crate::media::{self, Limits, UploadError, Uploaded, Want, names};
use crate::web::media::{
    self as web_media, declared_too_large, json_error, limited_multipart, page_error,
};

/// Routes of this file.
pub fn router() -> AdminRoutes {
    // Multipart's own 2 MB default would cut uploads short; our limits are
    // the configured ones, checked in the handlers.
    AdminRoutes::new()
        .get("/admin/media", Perm::Write, list_media)
        .post(
            "/admin/media/upload",
            Perm::Write,
            upload_media.layer(DefaultBodyLimit::disable()),
        )
        .post(
            "/admin/media/image",
            Perm::Write,
            upload_image.layer(DefaultBodyLimit::disable()),
        )
        .post(
            "/admin/media/attachment",
            Perm::Write,
            upload_attachment.layer(DefaultBodyLimit::disable()),
        )
        .get(
            "/admin/media/{id}/delete",
            Perm::Publish,
            confirm_delete_media,
        )
        .post("/admin/media/{id}/delete", Perm::Publish, delete_media)
        .post("/admin/media/{id}/restore", Perm::Publish, restore_media)
}

/// Reads, checks and stores an upload for a signed-in user, and records
/// it in the audit log.
async fn receive(
    state: &AppState,
    user: &CurrentUser,
    request: Request,
    want: Want,
) -> Result<Uploaded, UploadError> {
    let limits = Limits::from_config(&state.config);
    let headers = request.headers().clone();
    let header_token = headers.get("x-csrf-token").and_then(|v| v.to_str().ok());
    if let Some(sent) = header_token
        && user.check_csrf(sent).is_err()
    {
        return Err(UploadError::Forbidden);
    }
    if declared_too_large(&headers, limits.body_limit(want)) {
        return Err(UploadError::TooLarge(format!(
            "文件太大：图片不能超过 {} MB，附件不能超过 {} MB。",
            limits.image_bytes.div_ceil(1 << 20),
            limits.attachment_bytes.div_ceil(1 << 20)
        )));
    }
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if is_form && header_token.is_none() {
        // A plain form cannot carry a file; its token still decides between
        // "refused" and "choose a file".
        let body = axum::body::to_bytes(request.into_body(), 64 * 1024)
            .await
            .unwrap_or_default();
        let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
        let sent = fields
            .iter()
            .find(|(k, _)| k == "csrf")
            .map_or("", |(_, v)| v.as_str());
        return Err(match user.check_csrf(sent) {
            Ok(()) => UploadError::Refused("请选择要上传的文件。".into()),
            Err(_) => UploadError::Forbidden,
        });
    }
    let multipart = limited_multipart(request, state, limits.body_limit(want)).await;
    let Ok(multipart) = multipart else {
        // Not a multipart body: without the header token it carries none.
        return Err(match header_token {
            Some(_) => UploadError::Refused("上传的数据格式不正确。".into()),
            None => UploadError::Forbidden,
        });
    };
    let csrf = match header_token {
        Some(_) => None,
        None => Some(user.csrf_token.as_str()),
    };
    let form = web_media::read_upload(multipart, &limits, want, csrf).await?;
    let client_name = names::clean_original(&form.file_name);
    let result = web_media::store_form(state, form, want, Some(user.id)).await;
    let (outcome, object, detail) = match &result {
        Ok(u) => (
            Outcome::Ok,
            format!("文件 {}", u.name),
            format!("{} {}", u.url, u.size_text),
        ),
        Err(e) => (
            Outcome::Failed,
            format!("文件 {client_name}"),
            e.to_string(),
        ),
    };
    if !matches!(result, Err(UploadError::Internal(_))) {
        audit::record(&state.db, &user.actor(), "上传", &object, outcome, &detail).await?;
    }
    result
}

async fn upload_image(
    State(state): State<AppState>,
    user: CurrentUser,
    request: Request,
) -> Response {
    match receive(&state, &user, request, Want::Image).await {
        Ok(uploaded) => axum::Json(uploaded).into_response(),
        Err(e) => json_error(e),
    }
}

async fn upload_attachment(
    State(state): State<AppState>,
    user: CurrentUser,
    request: Request,
) -> Response {
    match receive(&state, &user, request, Want::Any).await {
        Ok(uploaded) => axum::Json(uploaded).into_response(),
        Err(e) => json_error(e),
    }
}

async fn upload_media(
    State(state): State<AppState>,
    user: CurrentUser,
    request: Request,
) -> AppResult<Response> {
    match receive(&state, &user, request, Want::Any).await {
        Ok(_) => Ok(view::see_other("/admin/media?msg=saved")),
        Err(UploadError::Refused(message)) => {
            let mut page = library_page(&state, &user, &LibraryQuery::default()).await?;
            page.error = true;
            render(
                &state,
                &user,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(Flash::error(message)),
                page,
            )
            .await
        }
        Err(e) => Ok(page_error(e)),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LibraryQuery {
    kind: String,
    q: String,
    mine: String,
    page: String,
    /// `1`: the recycle bin.
    trash: String,
}

/// One file as the library shows it.
#[derive(Debug, Serialize)]
struct MediaView {
    id: i64,
    kind: Kind,
    name: String,
    url: String,
    thumb_url: String,
    size: String,
    dimensions: String,
    time: String,
    uses: i64,
    /// Where the file is used: up to three articles, with their addresses.
    used_in: Vec<UsedIn>,
}

/// An article that uses a file, as the library lists it.
#[derive(Debug, Serialize)]
struct UsedIn {
    title: String,
    url: String,
    published: bool,
}

impl MediaView {
    async fn new(state: &AppState, m: &Media) -> anyhow::Result<MediaView> {
        let uses = media_db::uses(&state.db, m.id).await?;
        Ok(MediaView {
            id: m.id,
            kind: m.kind,
            name: m.original_name.clone(),
            url: media::url_of(&m.stored_path),
            thumb_url: media::url_of(m.thumb_path.as_deref().unwrap_or(&m.stored_path)),
            size: names::size_text(m.bytes),
            dimensions: match (m.width, m.height) {
                (Some(w), Some(h)) => format!("{w}×{h}"),
                _ => String::new(),
            },
            time: view::datetime(m.created_at),
            uses: uses.len() as i64,
            used_in: uses
                .iter()
                .take(3)
                .map(|u| UsedIn {
                    title: u.title.clone(),
                    url: format!("/admin/articles/{}/edit", u.article_id),
                    published: u.status == "published",
                })
                .collect(),
        })
    }
}

#[derive(Serialize)]
struct LibraryPage {
    files: Vec<MediaView>,
    pager: Pager,
    kinds: Vec<Choice>,
    q: String,
    mine: bool,
    trash: bool,
    can_delete: bool,
    limits: String,
    error: bool,
}

const PER_PAGE: i64 = 30;

async fn library_page(
    state: &AppState,
    user: &CurrentUser,
    q: &LibraryQuery,
) -> AppResult<LibraryPage> {
    let kind = Kind::parse(&q.kind);
    let name = Some(q.q.trim().to_string()).filter(|s| !s.is_empty());
    let mine = q.mine == "1";
    let trash = q.trash == "1";
    // Those who tidy the library see every file; a writer (撰稿) sees their
    // own uploads and the files used by articles of the channels they write
    // in, never another writer's unused uploads.
    let visible_to = (user.role == Role::Writer).then_some(media_db::Scope {
        user_id: user.id,
        // A writer may write in every channel (see `auth::Access`).
        every_channel: true,
    });
    let filter = Filter {
        kind,
        name,
        uploader_id: mine.then_some(user.id),
        trashed: trash,
        visible_to,
    };
    let page = q.page.parse::<i64>().unwrap_or(1).clamp(1, 1_000_000);
    let (rows, total) = media_db::list(&state.db, &filter, PER_PAGE, (page - 1) * PER_PAGE).await?;
    let mut files = Vec::with_capacity(rows.len());
    for m in &rows {
        files.push(MediaView::new(state, m).await?);
    }
    let enc = crate::web::site::layout::encode_query;
    let base = format!(
        "/admin/media?kind={}&q={}&mine={}&trash={}&",
        enc(&q.kind),
        enc(&q.q),
        if mine { "1" } else { "" },
        if trash { "1" } else { "" }
    );
    let kinds = [(Kind::Image, "图片"), (Kind::Attachment, "附件")]
        .into_iter()
        .map(|(k, label)| Choice {
            value: k.as_str().into(),
            label: label.into(),
            selected: kind == Some(k),
        })
        .collect();
    let limits = Limits::from_config(&state.config);
    Ok(LibraryPage {
        files,
        pager: Pager::new(&base, page, PER_PAGE, total),
        kinds,
        q: q.q.clone(),
        mine,
        trash,
        can_delete: user.role.has(Perm::Publish),
        limits: format!(
            "图片（JPEG、PNG、GIF、WebP）不超过 {} MB，附件（PDF、Word、Excel、WPS）不超过 {} MB。",
            limits.image_bytes.div_ceil(1 << 20),
            limits.attachment_bytes.div_ceil(1 << 20)
        ),
        error: false,
    })
}

async fn render(
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    flash: Option<Flash>,
    page: LibraryPage,
) -> AppResult<Response> {
    view::render_status(
        state,
        status,
        AdminPage {
            user: Some(user),
            active: "media",
            title: "媒体库",
            flash,
        },
        "admin/media.html",
        page,
    )
    .await
}

async fn list_media(
    State(state): State<AppState>,
    user: CurrentUser,
    Notice(flash): Notice,
    Query(q): Query<LibraryQuery>,
) -> AppResult<Response> {
    let page = library_page(&state, &user, &q).await?;
    render(&state, &user, StatusCode::OK, flash, page).await
}

/// The confirmation step of a deletion (works without JavaScript).
/// What deleting a file would do, given the articles that use it and who
/// asks: refused when one of them is in a channel the user may not publish
/// in; to the recycle bin while a published article uses it.
enum Deletion {
    Refused(String),
    ToBin,
    Away,
}

fn deletion(user: &CurrentUser, uses: &[media_db::Use], trashed: bool) -> Deletion {
    if let Some(u) = uses.iter().find(|u| !user.can_publish_in(u.channel_id)) {
        return Deletion::Refused(format!(
            "文章“{}”引用了这个文件，而您没有它所在栏目的发布权限，不能删除。",
            u.title
        ));
    }
    let published = uses.iter().any(|u| u.status == "published");
    match (published, trashed) {
        (true, true) => Deletion::Refused(
            "已发布的文章仍在引用这个文件：请先从文章中去掉它，再彻底删除。".into(),
        ),
        (true, false) => Deletion::ToBin,
        (false, _) => Deletion::Away,
    }
}

async fn confirm_delete_media(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let m = media_db::get(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let uses = media_db::uses(&state.db, id).await?;
    let trashed = media_db::is_trashed(&state.db, id).await?;
    let titles: Vec<String> = uses
        .iter()
        .take(5)
        .map(|u| format!("“{}”", u.title))
        .collect();
    let detail = match deletion(&user, &uses, trashed) {
        Deletion::Refused(why) => return Err(AppError::Forbidden(why)),
        Deletion::ToBin => format!(
            "已发布的文章 {} 引用这个文件：它将移入回收站，网站上照常显示，可以恢复。",
            titles.join("、")
        ),
        Deletion::Away if uses.is_empty() => "没有文章引用这个文件。删除后无法恢复。".into(),
        Deletion::Away => format!(
            "未发布的文章 {} 引用这个文件，删除后其中的图片或链接将失效。删除后无法恢复。",
            titles.join("、")
        ),
    };
    view::confirm(
        &state,
        &user,
        "media",
        "删除文件",
        view::Confirm {
            question: format!("确定删除“{}”吗？", m.original_name),
            detail,
            action: format!("/admin/media/{id}/delete"),
            button: "删除文件",
            cancel: "/admin/media".into(),
        },
    )
    .await
}

#[derive(Deserialize)]
struct Empty {}

async fn delete_media(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    // Perm::Publish: 管理员 and 编辑 tidy the library, and 审核 may too,
    // each only over files whose articles are in channels they publish in.
    let m = media_db::get(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let uses = media_db::uses(&state.db, id).await?;
    let trashed = media_db::is_trashed(&state.db, id).await?;
    match deletion(&user, &uses, trashed) {
        Deletion::Refused(why) => return Err(AppError::Forbidden(why)),
        Deletion::ToBin => {
            media_db::set_trashed(&state.db, id, Some(crate::db::now())).await?;
            audit::record(
                &state.db,
                &user.actor(),
                "移入回收站",
                &format!("文件 {}", m.original_name),
                Outcome::Ok,
                &media::url_of(&m.stored_path),
            )
            .await?;
            return Ok(view::see_other("/admin/media?msg=binned"));
        }
        Deletion::Away => {}
    }
    let Some(removed) = media::remove(&state.db, &state.config.data_dir, id).await? else {
        return Err(AppError::NotFound);
    };
    audit::record(
        &state.db,
        &user.actor(),
        "删除",
        &format!("文件 {}", removed.original_name),
        Outcome::Ok,
        &media::url_of(&removed.stored_path),
    )
    .await?;
    Ok(view::see_other("/admin/media?msg=deleted"))
}

async fn restore_media(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    let m = media_db::get(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let uses = media_db::uses(&state.db, id).await?;
    if let Deletion::Refused(why) = deletion(&user, &uses, false) {
        return Err(AppError::Forbidden(why));
    }
    media_db::set_trashed(&state.db, id, None).await?;
    audit::record(
        &state.db,
        &user.actor(),
        "恢复",
        &format!("文件 {}", m.original_name),
        Outcome::Ok,
        "",
    )
    .await?;
    Ok(view::see_other("/admin/media?trash=1&msg=media_restored"))
}
