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
    let mut conn = db.pool().acquire().await?;
    fetch(&mut conn, key, "").await
}

/// Checks and counts one attempt under several keys at once, in one write
/// transaction: `decide` sees every key's record as it stands (no other
/// attempt can come between) and returns, per key, the record to store, or
/// `None` to refuse the attempt and store nothing. Returns whether the
/// attempt was counted. So N attempts made at the same moment are counted
/// N times, and each is judged on the ones before it.
pub async fn check_and_count(
    db: &Db,
    keys: &[&str],
    decide: impl FnOnce(&[Option<Record>]) -> Option<Vec<Record>>,
) -> anyhow::Result<bool> {
    let mut tx = db.begin_write().await?;
    let lock = match db.backend() {
        // BEGIN IMMEDIATE already holds the database's write lock.
        super::Backend::Sqlite => "",
        super::Backend::Postgres => " FOR UPDATE",
    };
    let mut records = Vec::with_capacity(keys.len());
    for key in keys {
        if lock.is_empty() {
            records.push(fetch(&mut tx, key, "").await?);
        } else {
            // A row to lock must exist: a missing key is made (at zero)
            // first, and two attempts racing to make it meet at the lock.
            sqlx::query(
                "INSERT INTO login_attempts (key, failures, last_failure_at, locked_until)
                 VALUES ($1, 0, 0, 0) ON CONFLICT (key) DO NOTHING",
            )
            .bind(*key)
            .execute(&mut *tx)
            .await?;
            let rec = fetch(&mut tx, key, lock).await?;
            records.push(rec.filter(|r| r.failures > 0 || r.locked_until > 0));
        }
    }
    let Some(next) = decide(&records) else {
        tx.rollback().await?;
        return Ok(false);
    };
    for (key, rec) in keys.iter().zip(&next) {
        put_in(&mut tx, key, rec).await?;
    }
    tx.commit().await?;
    Ok(true)
}

async fn fetch(
    conn: &mut sqlx::AnyConnection,
    key: &str,
    lock: &str,
) -> anyhow::Result<Option<Record>> {
    let sql = format!(
        "SELECT failures, last_failure_at, locked_until FROM login_attempts WHERE key = $1{lock}"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(key)
        .fetch_optional(&mut *conn)
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

async fn put_in(conn: &mut sqlx::AnyConnection, key: &str, rec: &Record) -> anyhow::Result<()> {
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
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Takes back one counted failure of a key (the attempt it counted turned
/// out right): the count goes down by one, a lock it caused stays.
pub async fn uncount(db: &Db, key: &str) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE login_attempts SET failures = failures - 1 WHERE key = $1 AND failures > 0",
    )
    .bind(key)
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
