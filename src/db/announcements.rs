//! Announcements (公告) shown in the ticker of every page while current.

use serde::Serialize;
use sqlx::Row;

use super::Db;

/// One announcement.
#[derive(Debug, Clone, Serialize)]
pub struct Announcement {
    /// Row id.
    pub id: i64,
    /// The line shown in the ticker.
    pub text: String,
    /// Where it leads, if anywhere.
    pub url: Option<String>,
    /// Shown from (Unix seconds).
    pub starts_at: i64,
    /// Shown until, if limited (Unix seconds).
    pub ends_at: Option<i64>,
}

/// Announcements current at `at`, newest first.
pub async fn current(db: &Db, at: i64) -> anyhow::Result<Vec<Announcement>> {
    let rows = sqlx::query(
        "SELECT id, text, url, starts_at, ends_at FROM announcements
         WHERE starts_at <= $1 AND (ends_at IS NULL OR ends_at > $1)
         ORDER BY starts_at DESC, id DESC LIMIT 20",
    )
    .bind(at)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Announcement {
                id: row.try_get("id")?,
                text: row.try_get("text")?,
                url: row.try_get("url")?,
                starts_at: row.try_get("starts_at")?,
                ends_at: row.try_get("ends_at")?,
            })
        })
        .collect()
}

/// Adds an announcement.
pub async fn create(
    db: &Db,
    text: &str,
    url: Option<&str>,
    starts_at: i64,
    ends_at: Option<i64>,
) -> anyhow::Result<i64> {
    let row = sqlx::query(
        "INSERT INTO announcements (text, url, starts_at, ends_at, created_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(text)
    .bind(url)
    .bind(starts_at)
    .bind(ends_at)
    .bind(super::now())
    .fetch_one(db.pool())
    .await?;
    Ok(row.try_get("id")?)
}

fn from_row(row: &sqlx::any::AnyRow) -> sqlx::Result<Announcement> {
    Ok(Announcement {
        id: row.try_get("id")?,
        text: row.try_get("text")?,
        url: row.try_get("url")?,
        starts_at: row.try_get("starts_at")?,
        ends_at: row.try_get("ends_at")?,
    })
}

/// Every announcement, newest start first (the back office's list).
pub async fn list_all(db: &Db) -> anyhow::Result<Vec<Announcement>> {
    let rows = sqlx::query(
        "SELECT id, text, url, starts_at, ends_at FROM announcements ORDER BY starts_at DESC, id DESC",
    )
    .fetch_all(db.pool())
    .await?;
    Ok(rows.iter().map(from_row).collect::<sqlx::Result<_>>()?)
}

/// One announcement by id.
pub async fn get(db: &Db, id: i64) -> anyhow::Result<Option<Announcement>> {
    let row =
        sqlx::query("SELECT id, text, url, starts_at, ends_at FROM announcements WHERE id = $1")
            .bind(id)
            .fetch_optional(db.pool())
            .await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

/// Saves an announcement.
pub async fn update(
    db: &Db,
    id: i64,
    text: &str,
    url: Option<&str>,
    starts_at: i64,
    ends_at: Option<i64>,
) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE announcements SET text = $1, url = $2, starts_at = $3, ends_at = $4 WHERE id = $5",
    )
    .bind(text)
    .bind(url)
    .bind(starts_at)
    .bind(ends_at)
    .bind(id)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Deletes an announcement.
pub async fn delete(db: &Db, id: i64) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM announcements WHERE id = $1")
        .bind(id)
        .execute(db.pool())
        .await?;
    Ok(())
}
