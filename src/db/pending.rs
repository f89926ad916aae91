//! Pending versions: the staged edit of a published article, waiting for
//! approval while the live row stays what the public site, the export and
//! the search show. One per article (its fields as JSON, like a revision,
//! read with defaults); approving copies it into the live row.

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::Db;
use super::articles::ArticleFields;
use super::audit::Actor;

/// A pending version.
#[derive(Debug, Clone, Serialize)]
pub struct Pending {
    /// The article.
    pub article_id: i64,
    /// Its fields.
    pub fields: ArticleFields,
    /// Who saved it last.
    pub user_name: String,
    /// When it was first saved.
    pub created_at: i64,
    /// When it was last saved.
    pub updated_at: i64,
    /// Whether it was submitted for review.
    pub submitted: bool,
    /// When it goes live by itself (approved for a later time).
    pub go_live_at: Option<i64>,
}

fn from_row(row: &AnyRow) -> anyhow::Result<Pending> {
    let fields: String = row.try_get("fields")?;
    Ok(Pending {
        article_id: row.try_get("article_id")?,
        fields: serde_json::from_str(&fields)?,
        user_name: row.try_get("user_name")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        submitted: row.try_get::<i64, _>("submitted")? != 0,
        go_live_at: row.try_get("go_live_at")?,
    })
}

const COLUMNS: &str =
    "article_id, fields, user_name, created_at, updated_at, submitted, go_live_at";

/// The pending version of an article, if any.
pub async fn get(db: &Db, article_id: i64) -> anyhow::Result<Option<Pending>> {
    let mut conn = db.pool().acquire().await?;
    get_in(&mut conn, article_id).await
}

/// The pending version inside the caller's transaction.
pub async fn get_in(
    conn: &mut sqlx::AnyConnection,
    article_id: i64,
) -> anyhow::Result<Option<Pending>> {
    let sql = format!("SELECT {COLUMNS} FROM article_pending WHERE article_id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(article_id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Stores (or replaces) the pending version; `submitted` once set stays
/// set until the version is approved or discarded.
pub async fn put(
    conn: &mut sqlx::AnyConnection,
    article_id: i64,
    fields: &ArticleFields,
    by: &Actor,
    submitted: bool,
    at: i64,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO article_pending (article_id, fields, user_id, user_name, created_at, updated_at, submitted)
         VALUES ($1, $2, $3, $4, $5, $5, $6)
         ON CONFLICT (article_id) DO UPDATE SET fields = excluded.fields, user_id = excluded.user_id,
             user_name = excluded.user_name, updated_at = excluded.updated_at,
             submitted = CASE WHEN excluded.submitted = 1 THEN 1 ELSE article_pending.submitted END,
             go_live_at = NULL",
    )
    .bind(article_id)
    .bind(serde_json::to_string(fields)?)
    .bind(by.id)
    .bind(&by.name)
    .bind(at)
    .bind(i64::from(submitted))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Sets when the pending version goes live by itself.
pub async fn set_go_live(
    conn: &mut sqlx::AnyConnection,
    article_id: i64,
    at: i64,
) -> anyhow::Result<()> {
    sqlx::query("UPDATE article_pending SET go_live_at = $1, submitted = 1 WHERE article_id = $2")
        .bind(at)
        .bind(article_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Removes the pending version (approved or discarded).
pub async fn delete(conn: &mut sqlx::AnyConnection, article_id: i64) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM article_pending WHERE article_id = $1")
        .bind(article_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The articles whose pending version is due to go live.
pub async fn due(db: &Db, now: i64) -> anyhow::Result<Vec<i64>> {
    let rows = sqlx::query(
        "SELECT article_id FROM article_pending WHERE go_live_at IS NOT NULL AND go_live_at <= $1
         ORDER BY go_live_at, article_id",
    )
    .bind(now)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .iter()
        .map(|r| r.try_get("article_id"))
        .collect::<sqlx::Result<_>>()?)
}
