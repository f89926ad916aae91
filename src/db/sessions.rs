//! Server-side sessions of the back office. The row's id is the SHA-256 of
//! the cookie's token, so the database alone opens no session. Any instance
//! sharing the database accepts any session.

use sqlx::Row;

use super::Db;

/// One stored session.
#[derive(Debug, Clone)]
pub struct SessionRow {
    /// Digest of the cookie token.
    pub id: String,
    /// Whose.
    pub user_id: i64,
    /// The CSRF token of every form in this session.
    pub csrf_token: String,
    /// `full`, or `totp` while the second factor is awaited.
    pub stage: String,
    /// Started.
    pub created_at: i64,
    /// Last request seen.
    pub last_seen_at: i64,
    /// The absolute end.
    pub expires_at: i64,
}

/// A session to store.
#[derive(Debug, Clone)]
pub struct NewSession<'a> {
    /// Digest of the cookie token.
    pub id: &'a str,
    /// Whose.
    pub user_id: i64,
    /// CSRF token.
    pub csrf_token: &'a str,
    /// `full` or `totp`.
    pub stage: &'a str,
    /// Now.
    pub now: i64,
    /// The absolute end.
    pub expires_at: i64,
    /// Client address.
    pub ip: &'a str,
    /// Browser.
    pub user_agent: &'a str,
}

/// Stores a new session.
pub async fn create(db: &Db, s: &NewSession<'_>) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO sessions (id, user_id, csrf_token, stage, created_at, last_seen_at, expires_at, ip, user_agent)
         VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8)",
    )
    .bind(s.id)
    .bind(s.user_id)
    .bind(s.csrf_token)
    .bind(s.stage)
    .bind(s.now)
    .bind(s.expires_at)
    .bind(s.ip)
    .bind(s.user_agent.chars().take(200).collect::<String>())
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Loads a session by the digest of its token.
pub async fn get(db: &Db, id: &str) -> anyhow::Result<Option<SessionRow>> {
    let row = sqlx::query(
        "SELECT id, user_id, csrf_token, stage, created_at, last_seen_at, expires_at
         FROM sessions WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(db.pool())
    .await?;
    Ok(match row {
        Some(r) => Some(SessionRow {
            id: r.try_get("id")?,
            user_id: r.try_get("user_id")?,
            csrf_token: r.try_get("csrf_token")?,
            stage: r.try_get("stage")?,
            created_at: r.try_get("created_at")?,
            last_seen_at: r.try_get("last_seen_at")?,
            expires_at: r.try_get("expires_at")?,
        }),
        None => None,
    })
}

/// Notes activity (refreshes the idle timeout).
pub async fn touch(db: &Db, id: &str, at: i64) -> anyhow::Result<()> {
    sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id = $2")
        .bind(at)
        .bind(id)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Ends one session.
pub async fn delete(db: &Db, id: &str) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM sessions WHERE id = $1")
        .bind(id)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Ends every session of a user; how many.
pub async fn delete_for_user(db: &Db, user_id: i64) -> anyhow::Result<u64> {
    Ok(sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(db.pool())
        .await?
        .rows_affected())
}

/// Ends every session of a user except one (after a password change).
pub async fn delete_others(db: &Db, user_id: i64, keep: &str) -> anyhow::Result<u64> {
    Ok(
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2")
            .bind(user_id)
            .bind(keep)
            .execute(db.pool())
            .await?
            .rows_affected(),
    )
}

/// Drops sessions past their absolute end or idle since `idle_before`.
pub async fn purge_expired(db: &Db, now: i64, idle_before: i64) -> anyhow::Result<u64> {
    Ok(
        sqlx::query("DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at < $2")
            .bind(now)
            .bind(idle_before)
            .execute(db.pool())
            .await?
            .rows_affected(),
    )
}

/// How many sessions a user has.
pub async fn count_for_user(db: &Db, user_id: i64) -> anyhow::Result<i64> {
    Ok(
        sqlx::query("SELECT COUNT(*) AS n FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .fetch_one(db.pool())
            .await?
            .try_get("n")?,
    )
}
