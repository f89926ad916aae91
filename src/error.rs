//! Errors at the web boundary.
//!
//! Handlers return [`AppError`]. Its response carries only a status and an
//! [`ErrorPage`] extension; the `render_error_pages` middleware in `web`
//! turns that into a page in the site's own layout. Internal errors are
//! logged with their cause and shown to the reader as a plain apology.
//! Batch jobs and the CLI use `anyhow` with context instead.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// What the error page says.
#[derive(Debug, Clone)]
pub struct ErrorPage {
    /// The heading.
    pub heading: &'static str,
    /// A sentence for the reader.
    pub message: String,
}

/// The error type of every handler.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Nothing at this address.
    #[error("not found")]
    NotFound,
    /// The request is malformed; the message is safe to show.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// The user may not do this (or the form's CSRF token was wrong); the
    /// message is safe to show.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// Anything else: logged, never shown.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<minijinja::Error> for AppError {
    fn from(e: minijinja::Error) -> AppError {
        AppError::Internal(anyhow::Error::new(e))
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, page) = match self {
            AppError::NotFound => (
                StatusCode::NOT_FOUND,
                ErrorPage {
                    heading: "页面不存在",
                    message: "您访问的页面不存在或已被删除。".into(),
                },
            ),
            AppError::BadRequest(message) => (
                StatusCode::BAD_REQUEST,
                ErrorPage {
                    heading: "请求有误",
                    message,
                },
            ),
            AppError::Forbidden(message) => (
                StatusCode::FORBIDDEN,
                ErrorPage {
                    heading: "无权操作",
                    message,
                },
            ),
            AppError::Internal(e) if database_unreachable(&e) => {
                tracing::warn!(error = format!("{e:#}"), "database unreachable");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    ErrorPage {
                        heading: "网站暂时无法访问",
                        message: "数据库暂时无法连接，请稍后再试。".into(),
                    },
                )
            }
            AppError::Internal(e) => {
                tracing::error!(error = format!("{e:#}"), "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    ErrorPage {
                        heading: "服务器暂时无法处理",
                        message: "请稍后再试。".into(),
                    },
                )
            }
        };
        let mut response = status.into_response();
        response.extensions_mut().insert(page);
        response
    }
}

/// The page for a bare status (an answer of the framework's, see
/// `web::framework_error`): a heading and a sentence in the site's words,
/// nothing about what failed to parse.
pub fn page_for_status(status: StatusCode) -> ErrorPage {
    let (heading, message) = match status.as_u16() {
        400 | 422 => ("请求有误", "提交的内容格式不正确，请返回重新填写。"),
        404 => ("页面不存在", "您访问的页面不存在或已被删除。"),
        405 => ("请求有误", "该地址不支持这种访问方式。"),
        408 => ("请求超时", "请求等待时间过长，请重试。"),
        411 | 413 => ("内容过大", "提交的内容超过了网站允许的大小。"),
        414 => ("地址过长", "访问的地址过长，请检查后重试。"),
        415 => ("请求有误", "提交的内容类型不受支持。"),
        429 => ("操作过于频繁", "请稍后再试。"),
        431 => ("请求有误", "请求头过大，请清除本站的 Cookie 后重试。"),
        503 => ("网站暂时无法访问", "请稍后再试。"),
        s if s >= 500 => ("服务器暂时无法处理", "请稍后再试。"),
        _ => ("请求有误", "无法处理这个请求。"),
    };
    ErrorPage {
        heading,
        message: message.into(),
    }
}

/// An empty answer of this status carrying its [`page_for_status`], for
/// the error-page middleware to render.
pub fn status_response(status: StatusCode) -> Response {
    let mut response = status.into_response();
    response.extensions_mut().insert(page_for_status(status));
    response
}

/// Whether an error comes from a database that cannot be reached (as
/// opposed to a bug): the reader gets 503 and the server keeps retrying.
fn database_unreachable(e: &anyhow::Error) -> bool {
    use rusqlite::ErrorCode;
    e.chain().any(|cause| {
        matches!(
            cause.downcast_ref::<sqlx::Error>(),
            Some(
                sqlx::Error::Io(_)
                    | sqlx::Error::PoolTimedOut
                    | sqlx::Error::PoolClosed
                    | sqlx::Error::Tls(_)
            )
        ) || matches!(
            // The public pages' SQLite reader (`db::reader`).
            cause.downcast_ref::<rusqlite::Error>(),
            Some(rusqlite::Error::SqliteFailure(f, _)) if matches!(
                f.code,
                ErrorCode::CannotOpen
                    | ErrorCode::SystemIoFailure
                    | ErrorCode::DatabaseBusy
                    | ErrorCode::DatabaseLocked
                    | ErrorCode::NotADatabase
            )
        )
    })
}

/// The result type of handlers.
pub type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreadable_sqlite_file_is_unreachable_not_a_bug() {
        let dir = tempfile::tempdir().unwrap();
        let reader = crate::db::reader::Reader::new(&dir.path().join("missing/x.db"));
        let err = reader
            .rows_for_test("SELECT 1 AS n")
            .expect_err("no such file");
        assert!(database_unreachable(&err), "{err:#}");
        let bug = anyhow::anyhow!(sqlx::Error::ColumnNotFound("n".into()));
        assert!(!database_unreachable(&bug));
    }
}
