//! The hash chain of the 操作日志, which makes the log tamper-evident.
//!
//! Every entry carries its place in the chain (`chain_seq`), the hash of the
//! entry before it (`prev_hash`) and its own `hash`: SHA-256 over a fixed
//! label, its place, the previous hash and each stored field, each prefixed
//! by its length so that no two entries can encode alike. Entries are
//! chained in the transaction that writes them, one writer at a time (the
//! SQLite write lock; on PostgreSQL a transaction lock), so the chain never
//! forks. When old entries are pruned, the place and hash of the last one
//! removed are kept in `audit_anchor`, where the chain then starts.
//!
//! [`verify`] walks the chain and names the first entry that was changed,
//! removed or inserted. What it cannot see: someone able to write the
//! database who rewrites every later hash as well. The newest hash, shown
//! by `fupin audit verify` and kept in every backup, is what to keep
//! elsewhere to close that gap.

use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};

use super::Db;

/// The previous hash of the first entry of a chain that was never pruned.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The stored fields of one entry, as they are hashed.
#[derive(Debug, Clone)]
pub(crate) struct Fields<'a> {
    pub at: i64,
    pub actor_id: Option<i64>,
    pub actor_name: &'a str,
    pub ip: &'a str,
    pub action: &'a str,
    pub object: &'a str,
    pub result: &'a str,
    pub detail: &'a str,
}

/// The hash of an entry at place `seq` after the entry hashed `prev`.
pub(crate) fn digest(seq: i64, prev: &str, f: &Fields<'_>) -> String {
    let mut h = Sha256::new();
    let actor_id = f.actor_id.map(|id| id.to_string()).unwrap_or_default();
    let (seq, at) = (seq.to_string(), f.at.to_string());
    let parts: [&[u8]; 11] = [
        b"fupin-audit-v1",
        seq.as_bytes(),
        prev.as_bytes(),
        at.as_bytes(),
        actor_id.as_bytes(),
        f.actor_name.as_bytes(),
        f.ip.as_bytes(),
        f.action.as_bytes(),
        f.object.as_bytes(),
        f.result.as_bytes(),
        f.detail.as_bytes(),
    ];
    for part in parts {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part);
    }
    hex(&h.finalize())
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

fn is_postgres(conn: &AnyConnection) -> bool {
    conn.backend_name().eq_ignore_ascii_case("postgresql")
}

/// Takes the chain's lock for the rest of the caller's transaction. On
/// SQLite the transaction's write lock already serializes writers.
async fn lock(conn: &mut AnyConnection) -> anyhow::Result<()> {
    if is_postgres(conn) {
        sqlx::query("SELECT pg_advisory_xact_lock(7418880050)")
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The place and hash the next entry follows.
async fn head(conn: &mut AnyConnection) -> anyhow::Result<(i64, String)> {
    let last = sqlx::query(
        "SELECT chain_seq, hash FROM audit_log WHERE chain_seq IS NOT NULL
         ORDER BY chain_seq DESC LIMIT 1",
    )
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(row) = last {
        return Ok((row.try_get("chain_seq")?, row.try_get("hash")?));
    }
    anchor(conn).await
}

async fn anchor(conn: &mut AnyConnection) -> anyhow::Result<(i64, String)> {
    let row = sqlx::query("SELECT chain_seq, hash FROM audit_anchor WHERE id = 1")
        .fetch_optional(&mut *conn)
        .await?;
    Ok(match row {
        Some(row) => (row.try_get("chain_seq")?, row.try_get("hash")?),
        None => (0, GENESIS.to_string()),
    })
}

/// Writes one entry at the head of the chain. The caller's connection must
/// be inside a write transaction (see the module's doc).
pub(crate) async fn insert(conn: &mut AnyConnection, f: &Fields<'_>) -> anyhow::Result<()> {
    lock(conn).await?;
    let (seq, prev) = head(conn).await?;
    let seq = seq + 1;
    let hash = digest(seq, &prev, f);
    sqlx::query(
        "INSERT INTO audit_log (at, actor_id, actor_name, ip, action, object, result, detail,
             chain_seq, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(f.at)
    .bind(f.actor_id)
    .bind(f.actor_name)
    .bind(f.ip)
    .bind(f.action)
    .bind(f.object)
    .bind(f.result)
    .bind(f.detail)
    .bind(seq)
    .bind(&prev)
    .bind(&hash)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// One stored entry with its chain columns.
struct Stored {
    id: i64,
    at: i64,
    actor_id: Option<i64>,
    actor_name: String,
    ip: String,
    action: String,
    object: String,
    result: String,
    detail: String,
    seq: Option<i64>,
    prev: Option<String>,
    hash: Option<String>,
}

impl Stored {
    fn fields(&self) -> Fields<'_> {
        Fields {
            at: self.at,
            actor_id: self.actor_id,
            actor_name: &self.actor_name,
            ip: &self.ip,
            action: &self.action,
            object: &self.object,
            result: &self.result,
            detail: &self.detail,
        }
    }

    fn recomputed(&self) -> Option<String> {
        Some(digest(self.seq?, self.prev.as_deref()?, &self.fields()))
    }
}

async fn load(conn: &mut AnyConnection, unsealed_only: bool) -> anyhow::Result<Vec<Stored>> {
    let sql = if unsealed_only {
        "SELECT id, at, actor_id, actor_name, ip, action, object, result, detail,
             chain_seq, prev_hash, hash FROM audit_log WHERE hash IS NULL ORDER BY id"
    } else {
        // Entries without a place sort last: they were never chained.
        "SELECT id, at, actor_id, actor_name, ip, action, object, result, detail,
             chain_seq, prev_hash, hash FROM audit_log
         ORDER BY CASE WHEN chain_seq IS NULL THEN 1 ELSE 0 END, chain_seq, id"
    };
    let rows = sqlx::query(sql).fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| {
            Ok(Stored {
                id: r.try_get("id")?,
                at: r.try_get("at")?,
                actor_id: r.try_get("actor_id")?,
                actor_name: r.try_get("actor_name")?,
                ip: r.try_get("ip")?,
                action: r.try_get("action")?,
                object: r.try_get("object")?,
                result: r.try_get("result")?,
                detail: r.try_get("detail")?,
                seq: r.try_get("chain_seq")?,
                prev: r.try_get("prev_hash")?,
                hash: r.try_get("hash")?,
            })
        })
        .collect()
}

/// Chains the entries that have no hash yet (written before the chain
/// existed, or by an older release), in the order they were written.
pub async fn seal(db: &Db) -> anyhow::Result<u64> {
    let mut tx = db.begin_write().await?;
    lock(&mut tx).await?;
    let unsealed = load(&mut tx, true).await?;
    if unsealed.is_empty() {
        tx.rollback().await?;
        return Ok(0);
    }
    let (mut seq, mut prev) = head(&mut tx).await?;
    for e in &unsealed {
        seq += 1;
        let hash = digest(seq, &prev, &e.fields());
        sqlx::query("UPDATE audit_log SET chain_seq = $1, prev_hash = $2, hash = $3 WHERE id = $4")
            .bind(seq)
            .bind(&prev)
            .bind(&hash)
            .bind(e.id)
            .execute(&mut *tx)
            .await?;
        prev = hash;
    }
    tx.commit().await?;
    Ok(unsealed.len() as u64)
}

/// Drops the entries written before `before` (the retention rule), keeping
/// the place and hash of the last one removed as the chain's new start.
pub async fn prune(db: &Db, before: i64) -> anyhow::Result<u64> {
    let mut tx = db.begin_write().await?;
    lock(&mut tx).await?;
    // The chain is cut after a whole prefix of it: the oldest entries by
    // place, as long as they are older than `before`.
    let first_kept = sqlx::query(
        "SELECT MIN(chain_seq) AS s FROM audit_log WHERE chain_seq IS NOT NULL AND at >= $1",
    )
    .bind(before)
    .fetch_one(&mut *tx)
    .await?
    .try_get::<Option<i64>, _>("s")?;
    let last_gone = sqlx::query(
        "SELECT chain_seq, hash FROM audit_log WHERE chain_seq IS NOT NULL
             AND ($1 IS NULL OR chain_seq < $1)
         ORDER BY chain_seq DESC LIMIT 1",
    )
    .bind(first_kept)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(last) = last_gone else {
        tx.rollback().await?;
        return Ok(0);
    };
    let (seq, hash): (i64, String) = (last.try_get("chain_seq")?, last.try_get("hash")?);
    let gone = sqlx::query("DELETE FROM audit_log WHERE chain_seq <= $1")
        .bind(seq)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    sqlx::query(
        "INSERT INTO audit_anchor (id, chain_seq, hash) VALUES (1, $1, $2)
         ON CONFLICT (id) DO UPDATE SET chain_seq = excluded.chain_seq, hash = excluded.hash",
    )
    .bind(seq)
    .bind(&hash)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(gone)
}

/// What is wrong with the chain, at the first place it breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Break {
    /// The entry's fields or hash no longer match what was written.
    Changed {
        /// The entry's row id.
        id: i64,
    },
    /// Entries between two others are gone.
    Removed {
        /// The first entry after the gap.
        before_id: i64,
        /// How many places are missing.
        missing: i64,
    },
    /// An entry that was never part of the chain.
    Inserted {
        /// The entry's row id.
        id: i64,
    },
}

impl Break {
    /// The finding in Chinese, naming the entry.
    pub fn describe(&self) -> String {
        match self {
            Break::Changed { id } => format!("第 {id} 条记录被修改过"),
            Break::Removed { before_id, missing } => {
                format!("第 {before_id} 条记录之前有 {missing} 条记录被删除")
            }
            Break::Inserted { id } => format!("第 {id} 条记录是后来插入的"),
        }
    }
}

/// The result of [`verify`].
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Entries checked.
    pub entries: u64,
    /// The newest hash (keep it elsewhere to detect a rewritten chain).
    pub head: String,
    /// The first break, if any.
    pub broken: Option<Break>,
}

/// Walks the chain from its start (see the module's doc).
pub async fn verify(db: &Db) -> anyhow::Result<Report> {
    let mut conn = db.pool().acquire().await?;
    let (start_seq, start_hash) = anchor(&mut conn).await?;
    let rows = load(&mut conn, false).await?;
    let mut report = Report {
        entries: rows.len() as u64,
        head: start_hash.clone(),
        broken: None,
    };
    // The entry before the one looked at, and the one before that.
    let mut prev: (i64, String, Option<i64>) = (start_seq, start_hash, None);
    let mut before_prev: Option<(i64, String)> = None;
    for (i, r) in rows.iter().enumerate() {
        let (Some(seq), Some(prev_hash), Some(hash)) =
            (r.seq, r.prev.as_deref(), r.hash.as_deref())
        else {
            report.broken = Some(Break::Inserted { id: r.id });
            return Ok(report);
        };
        if r.recomputed().as_deref() != Some(hash) {
            // A row whose hash is wrong while the next row follows the one
            // before it was slipped in; otherwise it was edited.
            let next_skips = rows.get(i + 1).is_some_and(|n| {
                n.prev.as_deref() == Some(prev.1.as_str()) && n.seq == Some(prev.0 + 1)
            });
            report.broken = Some(if next_skips {
                Break::Inserted { id: r.id }
            } else {
                Break::Changed { id: r.id }
            });
            return Ok(report);
        }
        if seq != prev.0 + 1 || prev_hash != prev.1 {
            report.broken = Some(if seq > prev.0 + 1 {
                Break::Removed {
                    before_id: r.id,
                    missing: seq - prev.0 - 1,
                }
            } else if seq <= prev.0 {
                // Two entries at one place: the one the later entry does
                // not follow is the stranger.
                match (&before_prev, prev.2) {
                    (Some((_, h)), Some(prev_id)) if prev_hash == h => {
                        Break::Inserted { id: prev_id }
                    }
                    _ => Break::Inserted { id: r.id },
                }
            } else {
                // The right place but not the previous entry's hash: that
                // entry was edited and given a new hash.
                match prev.2 {
                    Some(prev_id) => Break::Changed { id: prev_id },
                    None => Break::Changed { id: r.id },
                }
            });
            return Ok(report);
        }
        before_prev = Some((prev.0, prev.1.clone()));
        prev = (seq, hash.to_string(), Some(r.id));
    }
    report.head = prev.1;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f<'a>(detail: &'a str) -> Fields<'a> {
        Fields {
            at: 1_700_000_000,
            actor_id: Some(3),
            actor_name: "zhang",
            ip: "10.0.0.1",
            action: "发布",
            object: "文章 #1",
            result: "ok",
            detail,
        }
    }

    #[test]
    fn the_digest_covers_every_field_and_the_chain() {
        let base = digest(1, GENESIS, &f(""));
        assert_eq!(base.len(), 64);
        assert_ne!(base, digest(2, GENESIS, &f("")), "place");
        assert_ne!(base, digest(1, &base, &f("")), "previous hash");
        assert_ne!(base, digest(1, GENESIS, &f("x")), "detail");
        let mut other = f("");
        other.actor_id = None;
        assert_ne!(base, digest(1, GENESIS, &other), "actor");
        // Length prefixes: moving a character between fields changes it.
        let mut a = f("");
        a.object = "文章 #1x";
        let mut b = f("x");
        b.object = "文章 #1";
        assert_ne!(digest(1, GENESIS, &a), digest(1, GENESIS, &b));
    }
}
