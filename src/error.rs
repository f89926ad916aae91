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
            AppError::Internal(e) => match classify(&e) {
                Some(Unavailable::Full) => {
                    tracing::error!(error = format!("{e:#}"), "storage full");
                    (
                        StatusCode::INSUFFICIENT_STORAGE,
                        ErrorPage {
                            heading: "存储空间已满",
                            message: "存储空间已满，请联系网站管理员。刚才的操作没有保存，已有的内容不受影响。"
                                .into(),
                        },
                    )
                }
                Some(Unavailable::Busy) => {
                    tracing::warn!(error = format!("{e:#}"), "database busy");
                    (
                        StatusCode::SERVICE_UNAVAILABLE,
                        ErrorPage {
                            heading: "网站繁忙",
                            message: "网站正忙，请稍后再试。".into(),
                        },
                    )
                }
                Some(Unavailable::Unreachable) => {
                    tracing::warn!(error = format!("{e:#}"), "database unreachable");
                    (
                        StatusCode::SERVICE_UNAVAILABLE,
                        ErrorPage {
                            heading: "网站暂时无法访问",
                            message: "数据库暂时无法连接，请稍后再试。".into(),
                        },
                    )
                }
                None => internal(e),
            },
        };
        let mut response = status.into_response();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("5"),
            );
        }
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

fn internal(e: anyhow::Error) -> (StatusCode, ErrorPage) {
    tracing::error!(error = format!("{e:#}"), "internal error");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        ErrorPage {
            heading: "服务器暂时无法处理",
            message: "请稍后再试。".into(),
        },
    )
}

/// Why a request could not be served although nothing is wrong with it
/// or with the program: each answers 503 (or 507 for a full disk), never 500.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unavailable {
    /// The database or the disk under it (database, WAL, media) is full.
    Full,
    /// The database is busy or locked, or no connection was free in time.
    Busy,
    /// The database cannot be reached or opened.
    Unreachable,
}

/// Classifies an error by its causes (see [`Unavailable`]); `None` for a bug.
pub fn classify(e: &anyhow::Error) -> Option<Unavailable> {
    let mut found = None;
    for cause in e.chain() {
        let this = classify_one(cause);
        // A full disk explains the rest of the chain.
        if this == Some(Unavailable::Full) {
            return this;
        }
        found = found.or(this);
    }
    found
}

fn classify_one(cause: &(dyn std::error::Error + 'static)) -> Option<Unavailable> {
    use rusqlite::ErrorCode;
    if let Some(e) = cause.downcast_ref::<sqlx::Error>() {
        return match e {
            sqlx::Error::PoolTimedOut => Some(Unavailable::Busy),
            sqlx::Error::Io(io) => Some(io_kind(io)),
            sqlx::Error::PoolClosed | sqlx::Error::Tls(_) | sqlx::Error::WorkerCrashed => {
                Some(Unavailable::Unreachable)
            }
            sqlx::Error::Database(db) => db.code().and_then(|c| database_code(&c)),
            _ => None,
        };
    }
    if let Some(rusqlite::Error::SqliteFailure(f, _)) = cause.downcast_ref::<rusqlite::Error>() {
        return match f.code {
            ErrorCode::DiskFull => Some(Unavailable::Full),
            ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => Some(Unavailable::Busy),
            ErrorCode::CannotOpen | ErrorCode::SystemIoFailure | ErrorCode::NotADatabase => {
                Some(Unavailable::Unreachable)
            }
            _ => None,
        };
    }
    if let Some(io) = cause.downcast_ref::<std::io::Error>() {
        // Only a full disk: other file errors (a missing file) are not
        // about the service's health.
        return (io_kind(io) == Unavailable::Full).then_some(Unavailable::Full);
    }
    None
}

fn io_kind(io: &std::io::Error) -> Unavailable {
    match io.kind() {
        std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded => Unavailable::Full,
        _ => Unavailable::Unreachable,
    }
}

/// A database's error code: SQLite's (extended) result code as a number,
/// PostgreSQL's SQLSTATE.
fn database_code(code: &str) -> Option<Unavailable> {
    // SQLSTATEs have five characters; SQLite's codes are below 10,000.
    if let Ok(n) = code
        .parse::<i32>()
        .map_err(drop)
        .and_then(|n| if code.len() < 5 { Ok(n) } else { Err(()) })
    {
        // SQLite: the primary code is the low byte.
        return match n & 0xff {
            13 => Some(Unavailable::Full),    // SQLITE_FULL
            5 | 6 => Some(Unavailable::Busy), // SQLITE_BUSY, SQLITE_LOCKED
            10 => match n {
                // SQLITE_IOERR_WRITE / _FSYNC / _SHMSIZE / _TRUNCATE:
                // what a full disk gives outside the pager's own check.
                778 | 1034 | 4874 | 1546 => Some(Unavailable::Full),
                _ => Some(Unavailable::Unreachable),
            },
            14 | 26 => Some(Unavailable::Unreachable), // CANTOPEN, NOTADB
            8 => Some(Unavailable::Unreachable),       // SQLITE_READONLY
            _ => None,
        };
    }
    match code {
        "53100" => Some(Unavailable::Full), // disk_full
        "53200" | "53300" | "55P03" | "40001" | "40P01" | "57014" => Some(Unavailable::Busy),
        c if c.starts_with("08") || c.starts_with("57P") => Some(Unavailable::Unreachable),
        _ => None,
    }
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
        assert_eq!(classify(&err), Some(Unavailable::Unreachable), "{err:#}");
        let bug = anyhow::anyhow!(sqlx::Error::ColumnNotFound("n".into()));
        assert_eq!(classify(&bug), None);
    }

    #[test]
    fn database_codes_are_classified() {
        assert_eq!(database_code("13"), Some(Unavailable::Full));
        assert_eq!(database_code("5"), Some(Unavailable::Busy));
        assert_eq!(database_code("517"), Some(Unavailable::Busy)); // BUSY_SNAPSHOT
        assert_eq!(database_code("6"), Some(Unavailable::Busy));
        assert_eq!(database_code("26"), Some(Unavailable::Unreachable));
        assert_eq!(database_code("53100"), Some(Unavailable::Full));
        assert_eq!(database_code("08006"), Some(Unavailable::Unreachable));
        assert_eq!(database_code("57P01"), Some(Unavailable::Unreachable));
        assert_eq!(database_code("23505"), None); // a unique violation is a bug
        assert_eq!(database_code("19"), None); // SQLite constraint
        let full = anyhow::Error::new(std::io::Error::from(std::io::ErrorKind::StorageFull))
            .context("cannot write the upload");
        assert_eq!(classify(&full), Some(Unavailable::Full));
        let missing = anyhow::Error::new(std::io::Error::from(std::io::ErrorKind::NotFound));
        assert_eq!(classify(&missing), None);
        let timeout = anyhow::Error::new(sqlx::Error::PoolTimedOut);
        assert_eq!(classify(&timeout), Some(Unavailable::Busy));
    }
}
