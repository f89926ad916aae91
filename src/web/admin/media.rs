//! 媒体库 in the back office: the list of uploaded pictures and documents
//! (filter by kind and name), the upload form (which also answers the
//! editor's script in JSON), and deleting a file with confirmation. The
//! checking, re-encoding and storing is `crate::media`'s; this file checks
//! who may, the CSRF field, and logs each upload and deletion.

use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::articles::Choice;
use super::view::{self, AdminPage, Confirm, Notice, Pager};
use super::{AdminRoutes, CsrfForm, CurrentUser};
use crate::app::AppState;
use crate::auth::{Perm, Role};
use crate::db::audit::{self, Outcome};
use crate::db::media::{self as store, Filter, Kind};
use crate::db::users;
use crate::error::{AppError, AppResult};
use crate::media::{Limits, UploadError, Want, names};
use crate::web::media::{json_error, page_error, read_upload, store_form};

/// Routes of this file.
pub fn router() -> AdminRoutes {
    AdminRoutes::new()
        .get("/admin/media", Perm::Write, list_media)
        .upload("/admin/media/upload", Perm::Write, Want::Any, upload_media)
        .upload(
            "/admin/media/upload-image",
            Perm::Write,
            Want::Image,
            upload_image,
        )
        .get(
            "/admin/media/{id}/delete",
            Perm::Publish,
            confirm_delete_media,
        )
        .post("/admin/media/{id}/delete", Perm::Publish, delete_media)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListQuery {
    kind: String,
    q: String,
    page: String,
}

#[derive(Serialize)]
struct Line {
    id: i64,
    name: String,
    kind: &'static str,
    is_image: bool,
    url: String,
    thumb_url: String,
    size: String,
    dimensions: String,
    uploaded: String,
    uploader: String,
    uses: i64,
}

#[derive(Serialize)]
struct ListPage {
    items: Vec<Line>,
    pager: Pager,
    kinds: Vec<Choice>,
    q: String,
    can_delete: bool,
    image_mb: u64,
    attachment_mb: u64,
}

const PER_PAGE: i64 = 40;

async fn list_media(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ListQuery>,
    Notice(flash): Notice,
) -> AppResult<Response> {
    let kind = Kind::parse(&q.kind);
    let page = q.page.parse::<i64>().unwrap_or(1).clamp(1, 100_000);
    let filter = Filter {
        kind,
        name: Some(q.q.trim().to_string()).filter(|s| !s.is_empty()),
        // A writer sees their own uploads; others see the whole library.
        uploader_id: (user.role == Role::Writer).then_some(user.id),
    };
    let (rows, total) = store::list(&state.db, &filter, PER_PAGE, (page - 1) * PER_PAGE).await?;
    let people = users::list(&state.db).await?;
    let mut items = Vec::with_capacity(rows.len());
    for m in rows {
        let up = crate::media::url_of(&m.stored_path);
        items.push(Line {
            id: m.id,
            name: m.original_name.clone(),
            kind: if m.kind == Kind::Image {
                "图片"
            } else {
                "附件"
            },
            is_image: m.kind == Kind::Image,
            thumb_url: crate::media::url_of(m.thumb_path.as_deref().unwrap_or(&m.stored_path)),
            url: up,
            size: names::size_text(m.bytes),
            dimensions: match (m.width, m.height) {
                (Some(w), Some(h)) => format!("{w}×{h}"),
                _ => String::new(),
            },
            uploaded: view::datetime(m.created_at),
            uploader: m
                .uploader_id
                .and_then(|id| people.iter().find(|u| u.id == id))
                .map(|u| u.shown_name().to_string())
                .unwrap_or_default(),
            uses: store::use_count(&state.db, m.id).await?,
        });
    }
    let enc = crate::web::site::layout::encode_query;
    let base = format!("/admin/media?kind={}&q={}&", enc(&q.kind), enc(&q.q));
    let limits = Limits::from_config(&state.config);
    let kinds = [(Kind::Image, "图片"), (Kind::Attachment, "附件")]
        .into_iter()
        .map(|(k, label)| Choice {
            value: k.as_str().into(),
            label: label.into(),
            selected: kind == Some(k),
        })
        .collect();
    view::render(
        &state,
        AdminPage {
            user: Some(&user),
            active: "media",
            title: "媒体库",
            flash,
        },
        "admin/media.html",
        ListPage {
            items,
            pager: Pager::new(&base, page, PER_PAGE, total),
            kinds,
            q: q.q.clone(),
            can_delete: user.role.has(Perm::Publish),
            image_mb: limits.image_bytes.div_ceil(1024 * 1024),
            attachment_mb: limits.attachment_bytes.div_ceil(1024 * 1024),
        },
    )
    .await
}

/// Whether the client asked for the JSON answer (the editor's script).
fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

async fn receive(
    state: &AppState,
    user: &CurrentUser,
    headers: &HeaderMap,
    multipart: Multipart,
    want: Want,
) -> Response {
    let json = wants_json(headers);
    let fail = |e: UploadError| if json { json_error(e) } else { page_error(e) };
    let limits = Limits::from_config(&state.config);
    let form = match read_upload(multipart, &limits, want).await {
        Ok(f) => f,
        Err(e) => return fail(e),
    };
    // Nothing is stored before the token is checked.
    if let Err(e) = user.check_csrf(form.field("csrf").unwrap_or("")) {
        return e.into_response();
    }
    let name = form.file_name.clone();
    match store_form(state, form, want, Some(user.id)).await {
        Ok(up) => {
            let object = format!(
                "{} {}",
                if up.media.kind == Kind::Image {
                    "图片"
                } else {
                    "附件"
                },
                up.media.stored_path
            );
            if let Err(e) = audit::record(
                &state.db,
                &user.actor(),
                "上传",
                &object,
                Outcome::Ok,
                &format!("原文件名：{name}"),
            )
            .await
            {
                return AppError::Internal(e).into_response();
            }
            if json {
                axum::Json(up).into_response()
            } else {
                view::see_other("/admin/media?msg=uploaded")
            }
        }
        Err(e) => {
            let reason = e.to_string();
            if !matches!(e, UploadError::Internal(_)) {
                let _ = audit::record(
                    &state.db,
                    &user.actor(),
                    "上传",
                    &format!("文件 {name}"),
                    Outcome::Failed,
                    &reason,
                )
                .await;
            }
            fail(e)
        }
    }
}

async fn upload_media(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    receive(&state, &user, &headers, multipart, Want::Any).await
}

async fn upload_image(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    receive(&state, &user, &headers, multipart, Want::Image).await
}

async fn confirm_delete_media(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let m = store::get(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let uses = store::use_count(&state.db, id).await?;
    let detail = if uses > 0 {
        format!(
            "有 {uses} 篇文章正在使用这个文件，删除后这些文章中的图片或附件链接将失效。删除后无法恢复。"
        )
    } else {
        "没有文章使用这个文件。删除后无法恢复。".to_string()
    };
    view::confirm(
        &state,
        &user,
        "media",
        "删除文件",
        Confirm {
            question: format!("确定删除“{}”吗？", m.original_name),
            detail,
            action: format!("/admin/media/{id}/delete"),
            button: "删除文件",
            cancel: "/admin/media".into(),
        },
    )
    .await
}

#[derive(Deserialize, Default)]
struct Empty {}

async fn delete_media(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    let Some(m) = crate::media::remove(&state.db, &state.config.data_dir, id).await? else {
        return Err(AppError::NotFound);
    };
    audit::record(
        &state.db,
        &user.actor(),
        "删除媒体",
        &format!("文件 {}", m.stored_path),
        Outcome::Ok,
        &format!("原文件名：{}", m.original_name),
    )
    .await?;
    Ok(view::see_other("/admin/media?msg=deleted"))
}
