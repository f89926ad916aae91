//! HTTP for the media library: the public route that serves stored files,
//! and the pieces the back office's upload routes are made of (the
//! Content-Length check, reading a multipart upload without buffering more
//! than the limit, and the JSON answer the editor reads).
//!
//! Served files can never act as a page: pictures go out with their real
//! image type, documents always as downloads, every response with
//! `nosniff` and a Content-Security-Policy that sandboxes it.

use axum::Router;
use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Multipart, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower::ServiceExt;
use tower_http::services::ServeFile;

use crate::app::AppState;
use crate::error::{AppError, AppResult, ErrorPage};
use crate::media::{self, Limits, UploadError, Uploaded, Want};

/// The policy of every served upload: nothing may load, run or navigate.
pub const MEDIA_CSP: &str = "default-src 'none'; sandbox";

/// What a refused CSRF token is told.
const FORBIDDEN: &str = "表单已失效或来源不明，文件没有上传。请刷新页面后重新上传。";

/// The public route `/media/{*path}`.
pub fn router() -> Router<AppState> {
    Router::new().route("/media/{*path}", get(serve_media))
}

async fn serve_media(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    request: Request,
) -> AppResult<Response> {
    // Undecodable paths (`%c0%ae` and friends) are simply not found.
    let Ok(Path(path)) = path else {
        return Err(AppError::NotFound);
    };
    let Some(served) = media::find(&state.db, &state.config.data_dir, &path).await? else {
        return Err(AppError::NotFound);
    };
    let response = ServeFile::new(&served.file)
        .oneshot(request)
        .await
        .map_err(|e| AppError::Internal(anyhow::Error::new(e)))?;
    let status = response.status();
    if status == StatusCode::NOT_FOUND {
        tracing::warn!(file = %served.file.display(), "media row without its file");
        return Err(AppError::NotFound);
    }
    let mut response = response.map(Body::new);
    let headers = response.headers_mut();
    if status.is_success() {
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_str(&served.content_type)
                .unwrap_or(HeaderValue::from_static("application/octet-stream")),
        );
    }
    if let Some(disposition) = &served.disposition {
        headers.insert(
            header::CONTENT_DISPOSITION,
            HeaderValue::from_str(disposition).unwrap_or(HeaderValue::from_static("attachment")),
        );
    }
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(MEDIA_CSP),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Generated names never change content: cache for good.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    Ok(response)
}

/// Whether a request announces a body over `limit` bytes: such a request
/// is answered 413 before a byte of its body is read.
pub fn declared_too_large(headers: &HeaderMap, limit: usize) -> bool {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .is_some_and(|n| n > limit as u64)
}

/// The multipart reader of an upload request whose body stops at `limit`
/// bytes: past it the stream fails and the upload is answered 413, however
/// fast the client sends (the parser would otherwise buffer all it gets).
pub async fn limited_multipart(
    request: Request,
    state: &AppState,
    limit: usize,
) -> Result<Multipart, axum::extract::multipart::MultipartRejection> {
    use axum::extract::FromRequest;
    let (parts, body) = request.into_parts();
    let body = Body::new(http_body_util::Limited::new(body, limit));
    Multipart::from_request(Request::from_parts(parts, body), state).await
}

/// One file read from a multipart request, with the form's other fields.
#[derive(Debug, Default)]
pub struct UploadForm {
    /// The browser's name for the file.
    pub file_name: String,
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// The other (text) fields, e.g. the CSRF token.
    pub fields: Vec<(String, String)>,
}

impl UploadForm {
    /// A text field by name.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

fn too_large(limits: &Limits, want: Want) -> UploadError {
    let mb = |b: u64| b.div_ceil(1024 * 1024);
    UploadError::TooLarge(match want {
        Want::Image => format!("图片不能超过 {} MB。", mb(limits.image_bytes)),
        Want::Any => format!(
            "文件太大：图片不能超过 {} MB，附件不能超过 {} MB。",
            mb(limits.image_bytes),
            mb(limits.attachment_bytes)
        ),
    })
}

/// Reads the multipart body: the field named `file` and small text fields.
/// Stops reading the moment the file passes the largest accepted size.
/// With `csrf` given, a field `csrf` holding that token must come before the
/// file (forms put the hidden field first), so a forged upload is refused
/// before its file is read.
pub async fn read_upload(
    mut multipart: Multipart,
    limits: &Limits,
    want: Want,
    csrf: Option<&str>,
) -> Result<UploadForm, UploadError> {
    let max_file = match want {
        Want::Image => limits.image_bytes,
        Want::Any => limits.image_bytes.max(limits.attachment_bytes),
    };
    let bad = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large(limits, want)
        } else {
            UploadError::Refused("上传的数据不完整，请重新选择文件上传。".into())
        }
    };
    let mut form = UploadForm::default();
    let mut found = false;
    while let Some(mut field) = multipart.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" && !found {
            if let Some(expected) = csrf
                && !form
                    .field("csrf")
                    .is_some_and(|sent| crate::auth::token::same(sent, expected))
            {
                return Err(UploadError::Forbidden);
            }
            found = true;
            form.file_name = field.file_name().unwrap_or_default().to_string();
            while let Some(chunk) = field.chunk().await.map_err(bad)? {
                if (form.bytes.len() + chunk.len()) as u64 > max_file {
                    return Err(too_large(limits, want));
                }
                form.bytes.extend_from_slice(&chunk);
            }
        } else {
            if form.fields.len() >= 16 {
                return Err(UploadError::Refused("表单字段过多。".into()));
            }
            let mut value = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(bad)? {
                if value.len() + chunk.len() > 4096 {
                    return Err(UploadError::Refused("表单字段过长。".into()));
                }
                value.extend_from_slice(&chunk);
            }
            form.fields
                .push((name, String::from_utf8_lossy(&value).into_owned()));
        }
    }
    if !found || form.bytes.is_empty() {
        return Err(UploadError::Refused("请选择要上传的文件。".into()));
    }
    Ok(form)
}

/// Stores an upload already read (after the caller checked its fields).
pub async fn store_form(
    state: &AppState,
    form: UploadForm,
    want: Want,
    uploader_id: Option<i64>,
) -> Result<Uploaded, UploadError> {
    let limits = Limits::from_config(&state.config);
    media::store(
        &state.db,
        &state.config.data_dir,
        &limits,
        &form.file_name,
        form.bytes,
        want,
        uploader_id,
    )
    .await
}

/// The JSON answer for a failed upload.
pub fn json_error(e: UploadError) -> Response {
    let (status, message) = match e {
        UploadError::Refused(m) => (StatusCode::BAD_REQUEST, m),
        UploadError::TooLarge(m) => (StatusCode::PAYLOAD_TOO_LARGE, m),
        UploadError::Forbidden => (StatusCode::FORBIDDEN, FORBIDDEN.to_string()),
        UploadError::Internal(e) => {
            tracing::error!(error = format!("{e:#}"), "upload failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "保存文件时出错，请稍后再试。".to_string(),
            )
        }
    };
    (status, axum::Json(serde_json::json!({ "error": message }))).into_response()
}

/// The page-style answer for a failed upload from a plain form.
pub fn page_error(e: UploadError) -> Response {
    match e {
        UploadError::Refused(m) => AppError::BadRequest(m).into_response(),
        UploadError::TooLarge(message) => {
            let mut response = StatusCode::PAYLOAD_TOO_LARGE.into_response();
            response.extensions_mut().insert(ErrorPage {
                heading: "文件太大",
                message,
            });
            response
        }
        UploadError::Forbidden => AppError::Forbidden(FORBIDDEN.into()).into_response(),
        UploadError::Internal(e) => AppError::Internal(e).into_response(),
    }
}
