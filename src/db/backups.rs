//! The log of backups the server took (`backup_runs`): one row per
//! attempt, scheduled or from the back office.

use sqlx::Row;

use super::{Db, now};

/// One attempt.
#[derive(Debug, Clone)]
pub struct BackupRun {
    /// Row id.
    pub id: i64,
    /// The file's name in the backup folder.
    pub file_name: String,
    /// `scheduled` or `manual`.
    pub origin: String,
    /// Started (Unix seconds).
    pub started_at: i64,
    /// Finished, if it did.
    pub finished_at: Option<i64>,
    /// The file's size.
    pub bytes: Option<i64>,
    /// Whether it worked (none while under way).
    pub ok: Option<bool>,
    /// Why it failed.
    pub error: Option<String>,
}

/// Records a start; the row's id.
pub async fn start(db: &Db, file_name: &str, origin: &str) -> anyhow::Result<i64> {
    Ok(sqlx::query(
        "INSERT INTO backup_runs (file_name, origin, started_at) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(file_name)
    .bind(origin)
    .bind(now())
    .fetch_one(db.writer())
    .await?
    .try_get("id")?)
}

/// Records the end of an attempt.
pub async fn finish(db: &Db, id: i64, result: Result<u64, String>) -> anyhow::Result<()> {
    let (ok, bytes, error) = match result {
        Ok(b) => (1i64, Some(b as i64), None),
        Err(e) => (0, None, Some(e)),
    };
    sqlx::query(
        "UPDATE backup_runs SET finished_at = $1, ok = $2, bytes = $3, error = $4 WHERE id = $5",
    )
    .bind(now())
    .bind(ok)
    .bind(bytes)
    .bind(error)
    .bind(id)
    .execute(db.writer())
    .await?;
    Ok(())
}

/// The newest attempts first.
pub async fn recent(db: &Db, limit: i64) -> anyhow::Result<Vec<BackupRun>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT id, file_name, origin, started_at, finished_at, bytes, ok, error FROM backup_runs
         ORDER BY started_at DESC, id DESC {}",
        super::limit_offset(limit, 0)
    )))
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(BackupRun {
                id: r.try_get("id")?,
                file_name: r.try_get("file_name")?,
                origin: r.try_get("origin")?,
                started_at: r.try_get("started_at")?,
                finished_at: r.try_get("finished_at")?,
                bytes: r.try_get("bytes")?,
                ok: r.try_get::<Option<i64>, _>("ok")?.map(|v| v != 0),
                error: r.try_get("error")?,
            })
        })
        .collect()
}
