//! The 数据备份 page for admins: the backups in the backup folder and the
//! server's log of attempts (time, size, result), a button that takes one
//! now, and downloads. The dashboard shows the last attempt when it failed
//! ([`failed_notice`]).

use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use tower::ServiceExt;

use super::view::{self, AdminPage, Flash};
use super::{AdminRoutes, CsrfForm, CurrentUser};
use crate::app::AppState;
use crate::auth::Perm;
use crate::backup::schedule;
use crate::db::audit::{self, Outcome};
use crate::db::backups;
use crate::error::{AppError, AppResult};

/// Routes of this file.
pub fn router() -> AdminRoutes {
    AdminRoutes::new()
        .get("/admin/backups", Perm::Admin, list_backups)
        .post("/admin/backups", Perm::Admin, take_backup)
        .get("/admin/backups/file/{name}", Perm::Admin, download)
}

#[derive(Serialize)]
struct FileView {
    name: String,
    size: String,
    time: String,
}

#[derive(Serialize)]
struct RunView {
    time: String,
    file: String,
    origin: &'static str,
    size: String,
    ok: Option<bool>,
    error: String,
}

#[derive(Serialize)]
struct BackupsPage {
    files: Vec<FileView>,
    runs: Vec<RunView>,
    folder: String,
    schedule: String,
    keep: u32,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Done {
    taken: String,
    failed: String,
}

fn size(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{:.1} MB", bytes as f64 / f64::from(1 << 20))
    } else {
        format!("{:.0} KB", (bytes as f64 / 1024.0).ceil())
    }
}

async fn list_backups(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(done): Query<Done>,
) -> AppResult<Response> {
    let files = schedule::list(&state)?
        .into_iter()
        .map(|(name, bytes, modified)| FileView {
            name,
            size: size(bytes),
            time: view::datetime(modified),
        })
        .collect();
    let runs = backups::recent(&state.db, 30)
        .await?
        .into_iter()
        .map(|r| RunView {
            time: view::datetime(r.started_at),
            file: r.file_name,
            origin: if r.origin == "scheduled" {
                "定时"
            } else {
                "手动"
            },
            size: r.bytes.map(|b| size(b.max(0) as u64)).unwrap_or_default(),
            ok: r.ok,
            error: r.error.unwrap_or_default(),
        })
        .collect();
    let flash = if !done.taken.is_empty() {
        Some(Flash::ok(format!("备份完成：{}", done.taken)))
    } else if !done.failed.is_empty() {
        Some(Flash::error("备份失败，原因见下方记录。".to_string()))
    } else {
        None
    };
    let schedule = match state.config.backup_minute {
        Some(m) => format!("每天 {:02}:{:02}（北京时间）", m / 60, m % 60),
        None => "未开启".into(),
    };
    view::render(
        &state,
        AdminPage {
            user: Some(&user),
            active: "backups",
            title: "数据备份",
            flash,
        },
        "admin/backups.html",
        BackupsPage {
            files,
            runs,
            folder: state.config.backup_dir.display().to_string(),
            schedule,
            keep: state.config.backup_keep,
        },
    )
    .await
}

#[derive(Deserialize, Default)]
struct Empty {}

async fn take_backup(
    State(state): State<AppState>,
    user: CurrentUser,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    let result = schedule::take(&state, "manual").await;
    let (outcome, detail) = match &result {
        Ok(path) => (
            Outcome::Ok,
            path.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        ),
        Err(e) => (Outcome::Failed, format!("{e:#}")),
    };
    audit::record(
        &state.db,
        &user.actor(),
        "数据备份",
        "整站备份",
        outcome,
        &detail,
    )
    .await?;
    Ok(match result {
        Ok(_) => view::see_other(&format!(
            "/admin/backups?taken={}",
            crate::web::site::layout::encode_query(&detail)
        )),
        Err(_) => view::see_other("/admin/backups?failed=1"),
    })
}

async fn download(
    State(state): State<AppState>,
    Path(name): Path<String>,
    req: Request,
) -> AppResult<Response> {
    // Only a file the list shows: no other name reaches the disk.
    if !schedule::is_backup_name(&name)
        || !schedule::list(&state)?.iter().any(|(n, _, _)| *n == name)
    {
        return Err(AppError::NotFound);
    }
    let path = state.config.backup_dir.join(&name);
    let mut response = tower_http::services::ServeFile::new(&path)
        .oneshot(req)
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

/// The dashboard's line when the last backup failed (admins only).
pub async fn failed_notice(state: &AppState) -> AppResult<Option<String>> {
    let last = backups::recent(&state.db, 1).await?;
    Ok(last
        .into_iter()
        .next()
        .filter(|r| r.ok == Some(false))
        .map(|r| {
            format!(
                "最近一次数据备份（{}）失败：{}",
                view::datetime(r.started_at),
                r.error.unwrap_or_default()
            )
        }))
}
