//! Every write of the `articles` table (and the reads a write needs inside
//! its transaction), each taking the caller's connection. Only
//! `crate::editorial` calls them, after checking the action: it writes the
//! change, its revision and its 操作日志 row in one transaction. Re-exported
//! by `db::editorial`.

use sqlx::{AssertSqlSafe, Row};

use super::Db;
use super::articles::{self, ArticleFields, FIELD_COLUMNS, Status, bind_fields};
use super::editorial::{AdminArticle, EXTRA, admin_from_row};

/// One article by id inside the caller's transaction.
pub async fn get_in(
    conn: &mut sqlx::AnyConnection,
    id: i64,
) -> anyhow::Result<Option<AdminArticle>> {
    let sql = format!(
        "SELECT {}, {EXTRA} FROM articles WHERE id = $1",
        articles::FULL
    );
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.as_ref().map(admin_from_row).transpose()?)
}

/// One article by id inside the caller's transaction, locked against other
/// writers until it ends (SQLite's write transaction locks the whole file).
pub async fn get_locked(
    conn: &mut sqlx::AnyConnection,
    backend: super::Backend,
    id: i64,
) -> anyhow::Result<Option<AdminArticle>> {
    let lock = match backend {
        super::Backend::Sqlite => "",
        super::Backend::Postgres => " FOR UPDATE",
    };
    let sql = format!(
        "SELECT {}, {EXTRA} FROM articles WHERE id = $1{lock}",
        articles::FULL
    );
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.as_ref().map(admin_from_row).transpose()?)
}

/// The name of a channel, if it exists.
pub async fn channel_name(
    conn: &mut sqlx::AnyConnection,
    id: i64,
) -> anyhow::Result<Option<String>> {
    let row = sqlx::query("SELECT name FROM channels WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.map(|r| r.try_get("name")).transpose()?)
}

/// A channel's review interval in days (0: none), if the channel exists.
pub async fn channel_review_days(
    conn: &mut sqlx::AnyConnection,
    id: i64,
) -> anyhow::Result<Option<i64>> {
    let row = sqlx::query("SELECT review_days FROM channels WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.map(|r| r.try_get("review_days")).transpose()?)
}

/// A channel's review interval in days (0: none or no such channel).
pub async fn review_days(db: &Db, id: i64) -> anyhow::Result<i64> {
    let mut conn = db.pool().acquire().await?;
    Ok(channel_review_days(&mut conn, id).await?.unwrap_or(0))
}

/// Sets a channel's review interval in days (0: none).
pub async fn set_channel_review_days(db: &Db, id: i64, days: i64) -> anyhow::Result<()> {
    sqlx::query("UPDATE channels SET review_days = $1 WHERE id = $2")
        .bind(days)
        .bind(id)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// `$first, $first+1, …` for `count` values.
fn numbered(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Inserts an article and returns its id.
#[allow(clippy::too_many_arguments)]
pub async fn insert(
    conn: &mut sqlx::AnyConnection,
    f: &ArticleFields,
    status: Status,
    created_by: Option<i64>,
    hits: i64,
    original_url: Option<&str>,
    import_key: Option<&str>,
    at: i64,
) -> anyhow::Result<i64> {
    let n = articles::FIELD_COUNT;
    let sql = format!(
        "INSERT INTO articles ({FIELD_COLUMNS}, status, created_by, hits, original_url, import_key,
             created_at, updated_at)
         VALUES ({}, ${}, ${}, ${}, ${}, ${}, ${}, ${})
         RETURNING id",
        numbered(1, n),
        n + 1,
        n + 2,
        n + 3,
        n + 4,
        n + 5,
        n + 6,
        n + 6
    );
    let row = bind_fields(sqlx::query(AssertSqlSafe(sql)), f)
        .bind(status.as_str())
        .bind(created_by)
        .bind(hits)
        .bind(original_url)
        .bind(import_key)
        .bind(at)
        .fetch_one(&mut *conn)
        .await?;
    Ok(row.try_get("id")?)
}

/// Writes the editable fields and the state of an article (and its legacy
/// address when given). The reviewer's note is kept for a draft (a
/// returned draft being edited) and cleared otherwise.
pub async fn write(
    conn: &mut sqlx::AnyConnection,
    id: i64,
    f: &ArticleFields,
    status: Status,
    original_url: Option<&str>,
    at: i64,
) -> anyhow::Result<()> {
    let n = articles::FIELD_COUNT;
    let sql = format!(
        "UPDATE articles SET ({FIELD_COLUMNS}) = ({}), status = ${s},
             original_url = COALESCE(${o}, original_url), updated_at = ${t},
             review_note = CASE WHEN ${s} = 'draft' THEN review_note ELSE '' END
         WHERE id = ${i}",
        numbered(1, n),
        s = n + 1,
        o = n + 2,
        t = n + 3,
        i = n + 4,
    );
    bind_fields(sqlx::query(AssertSqlSafe(sql)), f)
        .bind(status.as_str())
        .bind(original_url)
        .bind(at)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The article stored under an import key, if any.
pub async fn by_import_key(
    conn: &mut sqlx::AnyConnection,
    key: &str,
) -> anyhow::Result<Option<AdminArticle>> {
    let sql = format!(
        "SELECT {}, {EXTRA} FROM articles WHERE import_key = $1",
        articles::FULL
    );
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(key)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.as_ref().map(admin_from_row).transpose()?)
}

/// Maps an old address of the legacy site to an article.
pub async fn map_legacy_path(
    conn: &mut sqlx::AnyConnection,
    path: &str,
    id: i64,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO legacy_urls (path, article_id) VALUES ($1, $2)
         ON CONFLICT (path) DO UPDATE SET article_id = excluded.article_id",
    )
    .bind(path)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Sets an article's state, the reviewer's note, and optionally its
/// publish time and its 下线 time (`Some(None)` clears it).
pub async fn set_state(
    conn: &mut sqlx::AnyConnection,
    id: i64,
    to: Status,
    review_note: &str,
    published_at: Option<i64>,
    unpublish_at: Option<Option<i64>>,
    at: i64,
) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE articles SET status = $1, review_note = $2,
             published_at = CASE WHEN $3 = 1 THEN $4 ELSE published_at END,
             unpublish_at = CASE WHEN $5 = 1 THEN $6 ELSE unpublish_at END,
             updated_at = $7
         WHERE id = $8",
    )
    .bind(to.as_str())
    .bind(review_note)
    .bind(i64::from(published_at.is_some()))
    .bind(published_at.unwrap_or(0))
    .bind(i64::from(unpublish_at.is_some()))
    .bind(unpublish_at.flatten())
    .bind(at)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Moves an article to the recycle bin, remembering its state.
pub async fn trash(conn: &mut sqlx::AnyConnection, id: i64, at: i64) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE articles SET trashed_from = status, status = 'trashed', trashed_at = $1, updated_at = $1
         WHERE id = $2",
    )
    .bind(at)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Takes an article out of the recycle bin as a draft (publishing again is
/// a deliberate act).
pub async fn restore(conn: &mut sqlx::AnyConnection, id: i64, at: i64) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE articles SET status = 'draft', trashed_from = NULL, trashed_at = NULL, updated_at = $1
         WHERE id = $2",
    )
    .bind(at)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Deletes an article for good (with its revisions and old addresses).
pub async fn purge(conn: &mut sqlx::AnyConnection, id: i64) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM articles WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Moves an article to another channel.
pub async fn move_to(
    conn: &mut sqlx::AnyConnection,
    id: i64,
    channel_id: i64,
    at: i64,
) -> anyhow::Result<()> {
    sqlx::query("UPDATE articles SET channel_id = $1, updated_at = $2 WHERE id = $3")
        .bind(channel_id)
        .bind(at)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The ids of every article of a channel (in any state).
pub async fn ids_in_channel(db: &Db, channel_id: i64) -> anyhow::Result<Vec<i64>> {
    let rows = sqlx::query("SELECT id FROM articles WHERE channel_id = $1 ORDER BY id")
        .bind(channel_id)
        .fetch_all(db.pool())
        .await?;
    Ok(rows
        .iter()
        .map(|r| r.try_get("id"))
        .collect::<sqlx::Result<_>>()?)
}
