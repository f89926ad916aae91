//! The change log and job claims of migration 0002.
//!
//! `site_changes` is filled by triggers on every content table, so a write
//! by any instance or by the CLI is seen by every instance that polls
//! [`latest`]. `job_runs` holds one row per job and time slot: the instance
//! whose insert succeeds runs the job for that slot; the others skip it.

use sqlx::Row;

use super::{Db, now};

/// The newest change number (0 when nothing changed yet).
pub async fn latest(db: &Db) -> anyhow::Result<i64> {
    Ok(
        sqlx::query("SELECT COALESCE(MAX(id), 0) AS n FROM site_changes")
            .fetch_one(db.pool())
            .await?
            .try_get("n")?,
    )
}

/// Tries to claim `job` for time `slot` on behalf of `instance`; true when
/// this caller won the claim and must run the job.
pub async fn claim_job(db: &Db, job: &str, slot: i64, instance: &str) -> anyhow::Result<bool> {
    let row = sqlx::query(
        "INSERT INTO job_runs (job, slot, instance, started_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (job, slot) DO NOTHING RETURNING job",
    )
    .bind(job)
    .bind(slot)
    .bind(instance)
    .bind(now())
    .fetch_optional(db.pool())
    .await?;
    Ok(row.is_some())
}

/// Who ran each slot of a job: (slot, instance), oldest first.
pub async fn job_history(db: &Db, job: &str) -> anyhow::Result<Vec<(i64, String)>> {
    let rows = sqlx::query("SELECT slot, instance FROM job_runs WHERE job = $1 ORDER BY slot")
        .bind(job)
        .fetch_all(db.pool())
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("slot")?, r.try_get("instance")?)))
        .collect()
}

/// Deletes change-log rows and job claims older than `before` (Unix
/// seconds), always keeping the newest change so numbering never restarts.
pub async fn prune(db: &Db, before: i64) -> anyhow::Result<u64> {
    let a = sqlx::query(
        "DELETE FROM site_changes WHERE at < $1 AND id < (SELECT MAX(id) FROM site_changes)",
    )
    .bind(before)
    .execute(db.pool())
    .await?
    .rows_affected();
    let b = sqlx::query("DELETE FROM job_runs WHERE started_at < $1")
        .bind(before)
        .execute(db.pool())
        .await?
        .rows_affected();
    Ok(a + b)
}

/// The changes logged after `since`: (entity, entity id), oldest first.
pub async fn since(db: &Db, since: i64) -> anyhow::Result<Vec<(String, Option<i64>)>> {
    let rows = sqlx::query("SELECT entity, entity_id FROM site_changes WHERE id > $1 ORDER BY id")
        .bind(since)
        .fetch_all(db.pool())
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("entity")?, r.try_get("entity_id")?)))
        .collect()
}

/// The oldest change number still in the log (0 when empty).
pub async fn oldest(db: &Db) -> anyhow::Result<i64> {
    Ok(
        sqlx::query("SELECT COALESCE(MIN(id), 0) AS n FROM site_changes")
            .fetch_one(db.pool())
            .await?
            .try_get("n")?,
    )
}
