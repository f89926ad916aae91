//! Failed-login counters (one row per throttling key: `user:…`, `device:…`,
//! `ip:…`). The policy that reads them lives in `auth::throttle`.

use sqlx::Row;

use super::Db;

/// The failures counted under one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record {
    /// Failures since the key was last quiet.
    pub failures: i64,
    /// The last failure (Unix seconds).
    pub last_failure_at: i64,
    /// Locked until (Unix seconds; 0 or past when not locked).
    pub locked_until: i64,
}

/// The record of a key, if any.
pub async fn get(db: &Db, key: &str) -> anyhow::Result<Option<Record>> {
    let row = sqlx::query(
        "SELECT failures, last_failure_at, locked_until FROM login_attempts WHERE key = $1",
    )
    .bind(key)
    .fetch_optional(db.pool())
    .await?;
    Ok(match row {
        Some(row) => Some(Record {
            failures: row.try_get("failures")?,
            last_failure_at: row.try_get("last_failure_at")?,
            locked_until: row.try_get("locked_until")?,
        }),
        None => None,
    })
}

/// Writes the record of a key.
pub async fn put(db: &Db, key: &str, rec: &Record) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO login_attempts (key, failures, last_failure_at, locked_until)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (key) DO UPDATE SET failures = excluded.failures,
             last_failure_at = excluded.last_failure_at, locked_until = excluded.locked_until",
    )
    .bind(key)
    .bind(rec.failures)
    .bind(rec.last_failure_at)
    .bind(rec.locked_until)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Forgets a key.
pub async fn delete(db: &Db, key: &str) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM login_attempts WHERE key = $1")
        .bind(key)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Drops records quiet and unlocked since `before`.
pub async fn prune(db: &Db, before: i64) -> anyhow::Result<u64> {
    Ok(
        sqlx::query("DELETE FROM login_attempts WHERE last_failure_at < $1 AND locked_until < $1")
            .bind(before)
            .execute(db.pool())
            .await?
            .rows_affected(),
    )
}
