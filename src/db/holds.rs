//! What the editor keeps so that work is never lost: saves held for a
//! browser whose session had expired, recovery copies of forms being
//! typed, and who has an article open (and since when).

use sqlx::Row;

use super::{Db, now};

/// How long a held save or a recovery copy is kept.
pub const KEEP_SECONDS: i64 = 7 * 86_400;

/// Holds a save for a browser (the digest of its hold cookie) and path.
pub async fn hold(db: &Db, browser: &str, path: &str, form: &str) -> anyhow::Result<()> {
    let t = now();
    sqlx::query("DELETE FROM held_saves WHERE created_at < $1")
        .bind(t - KEEP_SECONDS)
        .execute(db.pool())
        .await?;
    sqlx::query(
        "INSERT INTO held_saves (browser, path, form, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (browser, path) DO UPDATE SET form = excluded.form, created_at = excluded.created_at",
    )
    .bind(browser)
    .bind(path)
    .bind(form)
    .bind(t)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Takes (reads and deletes) the save held for a browser and path.
pub async fn take_held(db: &Db, browser: &str, path: &str) -> anyhow::Result<Option<String>> {
    let row = sqlx::query(
        "DELETE FROM held_saves WHERE browser = $1 AND path = $2 AND created_at >= $3 RETURNING form",
    )
    .bind(browser)
    .bind(path)
    .bind(now() - KEEP_SECONDS)
    .fetch_optional(db.pool())
    .await?;
    Ok(row.map(|r| r.try_get("form")).transpose()?)
}

/// A recovery copy.
#[derive(Debug, Clone)]
pub struct Recovery {
    /// The form as typed (urlencoded).
    pub form: String,
    /// The version the form was opened on.
    pub base: i64,
    /// When it was last sent.
    pub updated_at: i64,
}

/// Stores (replaces) the recovery copy of a user's form.
pub async fn keep_recovery(
    db: &Db,
    user_id: i64,
    path: &str,
    form: &str,
    base: i64,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO recovery_copies (user_id, path, form, base, updated_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (user_id, path) DO UPDATE SET form = excluded.form, base = excluded.base,
             updated_at = excluded.updated_at",
    )
    .bind(user_id)
    .bind(path)
    .bind(form)
    .bind(base)
    .bind(now())
    .execute(db.pool())
    .await?;
    Ok(())
}

/// The recovery copy of a user's form, if any (and not too old).
pub async fn recovery(db: &Db, user_id: i64, path: &str) -> anyhow::Result<Option<Recovery>> {
    let row = sqlx::query(
        "SELECT form, base, updated_at FROM recovery_copies
         WHERE user_id = $1 AND path = $2 AND updated_at >= $3",
    )
    .bind(user_id)
    .bind(path)
    .bind(now() - KEEP_SECONDS)
    .fetch_optional(db.pool())
    .await?;
    Ok(match row {
        Some(r) => Some(Recovery {
            form: r.try_get("form")?,
            base: r.try_get("base")?,
            updated_at: r.try_get("updated_at")?,
        }),
        None => None,
    })
}

/// Drops a user's recovery copy (after a save, or when refused).
pub async fn drop_recovery(db: &Db, user_id: i64, path: &str) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM recovery_copies WHERE user_id = $1 AND path = $2")
        .bind(user_id)
        .bind(path)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Notes that a user has an article open (kept while the page sends
/// recovery copies); `since` is kept while the notes follow each other.
pub async fn editing(db: &Db, article_id: i64, user_id: i64, name: &str) -> anyhow::Result<()> {
    let t = now();
    sqlx::query(
        "INSERT INTO article_editing (article_id, user_id, user_name, since, seen_at)
         VALUES ($1, $2, $3, $4, $4)
         ON CONFLICT (article_id, user_id) DO UPDATE SET user_name = excluded.user_name,
             since = CASE WHEN article_editing.seen_at < $5 THEN excluded.since ELSE article_editing.since END,
             seen_at = excluded.seen_at",
    )
    .bind(article_id)
    .bind(user_id)
    .bind(name)
    .bind(t)
    .bind(t - EDITING_SECONDS)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// How long after the last sign of life someone counts as editing.
pub const EDITING_SECONDS: i64 = 15 * 60;

/// Who else has the article open: (name, since), earliest first.
pub async fn others_editing(
    db: &Db,
    article_id: i64,
    user_id: i64,
) -> anyhow::Result<Vec<(String, i64)>> {
    let rows = sqlx::query(
        "SELECT user_name, since FROM article_editing
         WHERE article_id = $1 AND user_id <> $2 AND seen_at >= $3 ORDER BY since",
    )
    .bind(article_id)
    .bind(user_id)
    .bind(now() - EDITING_SECONDS)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("user_name")?, r.try_get("since")?)))
        .collect()
}

/// Notes that a user closed the article (saved it).
pub async fn done_editing(db: &Db, article_id: i64, user_id: i64) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM article_editing WHERE article_id = $1 AND user_id = $2")
        .bind(article_id)
        .bind(user_id)
        .execute(db.pool())
        .await?;
    Ok(())
}
