//! The mailbox's anti-spam storage: captcha challenges (answer kept
//! server-side, bound to the form's token, used once, expiring) and the
//! attempts counted per client for the limits. Both live in the database so
//! that a challenge issued by one instance is checked by another and a limit
//! holds however many instances run.

use sqlx::Row;

use super::Db;

/// Stores a challenge: its id, answer, the digest of the form token it was
/// issued with, the client it was made for, and when it expires.
pub async fn create(
    db: &Db,
    id: &str,
    answer: &str,
    form_token_digest: &str,
    client: &str,
    expires_at: i64,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO captchas (id, answer, form_token, client, expires_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(answer)
    .bind(form_token_digest)
    .bind(client)
    .bind(expires_at)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// The live challenges of a form token: (id, answer), newest first.
pub async fn live_for_token(
    db: &Db,
    form_token_digest: &str,
    now: i64,
) -> anyhow::Result<Vec<(String, String)>> {
    let rows = sqlx::query(
        "SELECT id, answer FROM captchas WHERE form_token = $1 AND expires_at > $2
         ORDER BY expires_at DESC",
    )
    .bind(form_token_digest)
    .bind(now)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("answer")?)))
        .collect()
}

/// Forgets every challenge of a form token (a new one was asked for).
pub async fn drop_for_token(db: &Db, form_token_digest: &str) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM captchas WHERE form_token = $1")
        .bind(form_token_digest)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// How many challenges are live, for one client and in all.
pub async fn live_counts(db: &Db, client: &str, now: i64) -> anyhow::Result<(i64, i64)> {
    let row = sqlx::query(
        "SELECT COALESCE(SUM(CASE WHEN client = $1 THEN 1 ELSE 0 END), 0) AS mine,
                COUNT(*) AS total
         FROM captchas WHERE expires_at > $2",
    )
    .bind(client)
    .bind(now)
    .fetch_one(db.pool())
    .await?;
    Ok((row.try_get("mine")?, row.try_get("total")?))
}

/// The answer of a live challenge (to draw its image).
pub async fn answer_of(db: &Db, id: &str, now: i64) -> anyhow::Result<Option<String>> {
    let row = sqlx::query("SELECT answer FROM captchas WHERE id = $1 AND expires_at > $2")
        .bind(id)
        .bind(now)
        .fetch_optional(db.pool())
        .await?;
    Ok(match row {
        Some(r) => Some(r.try_get("answer")?),
        None => None,
    })
}

/// A challenge taken for checking: (answer, form token digest).
#[derive(Debug, Clone)]
pub struct Taken {
    /// The answer.
    pub answer: String,
    /// Digest of the form token it was issued with.
    pub form_token: String,
}

/// Removes a challenge and returns it if it was still live: whatever the
/// outcome of the check, it cannot be tried twice.
pub async fn take(db: &Db, id: &str, now: i64) -> anyhow::Result<Option<Taken>> {
    let row =
        sqlx::query("DELETE FROM captchas WHERE id = $1 RETURNING answer, form_token, expires_at")
            .bind(id)
            .fetch_optional(db.pool())
            .await?;
    let Some(row) = row else { return Ok(None) };
    let expires_at: i64 = row.try_get("expires_at")?;
    if expires_at <= now {
        return Ok(None);
    }
    Ok(Some(Taken {
        answer: row.try_get("answer")?,
        form_token: row.try_get("form_token")?,
    }))
}

/// Records one attempt of `kind` by a client (a digest of its address).
pub async fn record_attempt(db: &Db, client: &str, kind: &str, now: i64) -> anyhow::Result<()> {
    sqlx::query("INSERT INTO mailbox_attempts (client, kind, at) VALUES ($1, $2, $3)")
        .bind(client)
        .bind(kind)
        .bind(now)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// How many attempts of `kind` a client made since `since`.
pub async fn count_attempts(db: &Db, client: &str, kind: &str, since: i64) -> anyhow::Result<i64> {
    Ok(sqlx::query(
        "SELECT COUNT(*) AS n FROM mailbox_attempts WHERE client = $1 AND kind = $2 AND at >= $3",
    )
    .bind(client)
    .bind(kind)
    .bind(since)
    .fetch_one(db.pool())
    .await?
    .try_get("n")?)
}

/// Deletes expired challenges and attempts older than `attempts_before`.
pub async fn prune(db: &Db, now: i64, attempts_before: i64) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM captchas WHERE expires_at <= $1")
        .bind(now)
        .execute(db.pool())
        .await?;
    sqlx::query("DELETE FROM mailbox_attempts WHERE at < $1")
        .bind(attempts_before)
        .execute(db.pool())
        .await?;
    Ok(())
}
