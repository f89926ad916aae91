//! Article revisions: every save in the back office keeps a whole copy of
//! the article's editable fields, with who saved it, when and why (a note
//! such as 恢复自修订 #3). Revisions are listed, compared and restored by
//! `web::admin::revisions`; they go with their article when it is purged.
//! The copy is [`ArticleFields`] as JSON, read with defaults for fields
//! added since it was stored.

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::Db;
use super::articles::ArticleFields;
use super::audit::Actor;

/// One revision without its content.
#[derive(Debug, Clone, Serialize)]
pub struct RevisionInfo {
    /// Row id.
    pub id: i64,
    /// The article.
    pub article_id: i64,
    /// When it was saved.
    pub created_at: i64,
    /// Who saved it.
    pub user_name: String,
    /// Why, if anything special.
    pub note: String,
    /// The title then.
    pub title: String,
}

fn info_from_row(row: &AnyRow) -> sqlx::Result<RevisionInfo> {
    Ok(RevisionInfo {
        id: row.try_get("id")?,
        article_id: row.try_get("article_id")?,
        created_at: row.try_get("created_at")?,
        user_name: row.try_get("user_name")?,
        note: row.try_get("note")?,
        title: row.try_get("title")?,
    })
}

/// Stores a revision inside the caller's transaction.
pub async fn add(
    conn: &mut sqlx::AnyConnection,
    article_id: i64,
    by: &Actor,
    note: &str,
    content: &ArticleFields,
    at: i64,
) -> anyhow::Result<i64> {
    let row = sqlx::query(
        "INSERT INTO article_revisions (article_id, created_at, user_id, user_name, note, title, body_html, fields)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(article_id)
    .bind(at)
    .bind(by.id)
    .bind(&by.name)
    .bind(note)
    .bind(&content.title)
    .bind(&content.body_html)
    .bind(serde_json::to_string(content)?)
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.try_get("id")?)
}

/// The revisions of an article, newest first.
pub async fn list(db: &Db, article_id: i64) -> anyhow::Result<Vec<RevisionInfo>> {
    let rows = sqlx::query(
        "SELECT id, article_id, created_at, user_name, note, title FROM article_revisions
         WHERE article_id = $1 ORDER BY id DESC",
    )
    .bind(article_id)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .iter()
        .map(info_from_row)
        .collect::<sqlx::Result<_>>()?)
}

/// One revision of an article with its content.
pub async fn get(
    db: &Db,
    article_id: i64,
    id: i64,
) -> anyhow::Result<Option<(RevisionInfo, ArticleFields)>> {
    let mut conn = db.pool().acquire().await?;
    get_in(&mut conn, article_id, id).await
}

/// One revision's content inside the caller's transaction.
pub async fn get_in(
    conn: &mut sqlx::AnyConnection,
    article_id: i64,
    id: i64,
) -> anyhow::Result<Option<(RevisionInfo, ArticleFields)>> {
    let row = sqlx::query(
        "SELECT id, article_id, created_at, user_name, note, title, fields FROM article_revisions
         WHERE article_id = $1 AND id = $2",
    )
    .bind(article_id)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    match row {
        Some(row) => {
            let fields: String = row.try_get("fields")?;
            Ok(Some((info_from_row(&row)?, serde_json::from_str(&fields)?)))
        }
        None => Ok(None),
    }
}

/// Who saved the newest revision of an article.
pub async fn latest_author(
    conn: &mut sqlx::AnyConnection,
    article_id: i64,
) -> anyhow::Result<Option<String>> {
    let row = sqlx::query(
        "SELECT user_name FROM article_revisions WHERE article_id = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(article_id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|r| r.try_get("user_name")).transpose()?)
}
