//! Embedded, numbered, plain-SQL migrations, one folder per backend.
//!
//! Both folders carry the same numbers. Each migration runs in its own
//! transaction together with the row that records it, so a crash leaves the
//! schema at a whole version. A database that records a version this binary
//! does not know was migrated by a newer release: we refuse to touch it.

use anyhow::{Context, bail};
use sqlx::{Acquire, AssertSqlSafe, Executor, Row};

use super::{Backend, Db, now};

/// One migration: its number, a short name and its SQL.
pub(crate) struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

macro_rules! migrations {
    ($dir:literal: $($version:literal $name:literal),* $(,)?) => {
        &[$(Migration {
            version: $version,
            name: $name,
            sql: include_str!(concat!("../../migrations/", $dir, "/", $name, ".sql")),
        }),*]
    };
}

pub(crate) const SQLITE: &[Migration] = migrations!("sqlite":
    1 "0001_initial",
    2 "0002_changes_jobs",
    3 "0003_admin",
    4 "0004_media",
    5 "0005_search",
    6 "0006_mailbox_stats",
    7 "0007_visit_changes",
    8 "0008_search_channels",
    9 "0009_expiry_index",
    10 "0010_search_titles",
    11 "0011_article_neighbours",
    12 "0012_search_title_rank",
    13 "0013_pending_versions",
    14 "0014_editor_recovery",
    15 "0015_review_dates",
    16 "0016_backup_runs",
    17 "0017_letter_reply_notice",
    18 "0018_audit_chain",
    19 "0019_captcha_clients",
    20 "0020_media_bin",
);
pub(crate) const POSTGRES: &[Migration] = migrations!("postgres":
    1 "0001_initial",
    2 "0002_changes_jobs",
    3 "0003_admin",
    4 "0004_media",
    5 "0005_search",
    6 "0006_mailbox_stats",
    7 "0007_visit_changes",
    8 "0008_search_channels",
    9 "0009_expiry_index",
    10 "0010_search_titles",
    11 "0011_article_neighbours",
    12 "0012_search_title_rank",
    13 "0013_pending_versions",
    14 "0014_editor_recovery",
    15 "0015_review_dates",
    16 "0016_backup_runs",
    17 "0017_letter_reply_notice",
    18 "0018_audit_chain",
    19 "0019_captcha_clients",
    20 "0020_media_bin",
);

/// What [`migrate`] did.
#[derive(Debug, Default)]
pub struct MigrationReport {
    /// Versions applied by this call, in order.
    pub applied: Vec<i64>,
    /// The schema version after the call.
    pub current: i64,
}

/// Brings the schema up to date with this binary.
pub async fn migrate(db: &Db) -> anyhow::Result<MigrationReport> {
    migrate_upto(db, i64::MAX).await
}

/// Applies the migrations up to version `upto` only (a restore builds the
/// schema its backup was taken at, loads the rows, then migrates on).
pub async fn migrate_upto(db: &Db, upto: i64) -> anyhow::Result<MigrationReport> {
    let list = match db.backend() {
        Backend::Sqlite => SQLITE,
        Backend::Postgres => POSTGRES,
    };
    let cut = list.iter().take_while(|m| m.version <= upto).count();
    let list = &list[..cut];
    let mut conn = db
        .pool()
        .acquire()
        .await
        .context("cannot reach the database")?;
    conn.execute(
        "CREATE TABLE IF NOT EXISTS fupin_migrations (
             version BIGINT PRIMARY KEY,
             name TEXT NOT NULL,
             applied_at BIGINT NOT NULL
         )",
    )
    .await
    .context("cannot create the migrations table")?;

    let mut report = MigrationReport::default();
    let known = known_version(db.backend());
    for migration in list {
        let mut tx = conn.begin().await?;
        if db.backend() == Backend::Postgres {
            // Several instances may start at once: one migrates, the others wait.
            tx.execute("SELECT pg_advisory_xact_lock(7418880001)")
                .await?;
        }
        let newest: i64 =
            sqlx::query("SELECT COALESCE(MAX(version), 0) AS v FROM fupin_migrations")
                .fetch_one(&mut *tx)
                .await?
                .try_get("v")?;
        if newest > known {
            bail!(
                "the database schema is at version {newest}, newer than this program knows \
                 (up to {known}); upgrade fupin before using this database"
            );
        }
        let done = sqlx::query("SELECT 1 AS one FROM fupin_migrations WHERE version = $1")
            .bind(migration.version)
            .fetch_optional(&mut *tx)
            .await?
            .is_some();
        if done {
            tx.commit().await?;
            continue;
        }
        tx.execute(AssertSqlSafe(migration.sql))
            .await
            .with_context(|| format!("migration {} failed", migration.name))?;
        sqlx::query("INSERT INTO fupin_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
            .bind(migration.version)
            .bind(migration.name)
            .bind(now())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        report.applied.push(migration.version);
    }
    let newest: i64 = sqlx::query("SELECT COALESCE(MAX(version), 0) AS v FROM fupin_migrations")
        .fetch_one(&mut *conn)
        .await?
        .try_get("v")?;
    if newest > known {
        bail!(
            "the database schema is at version {newest}, newer than this program knows \
             (up to {known}); upgrade fupin before using this database"
        );
    }
    report.current = newest;
    drop(conn);
    // Entries written before the log was chained (or by an older release
    // during a rolling upgrade) join the chain now, once the schema has it.
    if newest >= AUDIT_CHAIN_VERSION {
        super::audit_chain::seal(db)
            .await
            .context("cannot seal the 操作日志 into its hash chain")?;
    }
    Ok(report)
}

/// The migration that gives the 操作日志 its hash chain.
const AUDIT_CHAIN_VERSION: i64 = 18;

/// The newest migration this program knows for a backend.
pub fn known_version(backend: Backend) -> i64 {
    let list = match backend {
        Backend::Sqlite => SQLITE,
        Backend::Postgres => POSTGRES,
    };
    list.last().map_or(0, |m| m.version)
}

/// The schema version a database records (0 when it has none).
pub async fn current_version(db: &Db) -> anyhow::Result<i64> {
    let exists = match db.backend() {
        Backend::Sqlite => sqlx::query("SELECT 1 AS one FROM sqlite_master WHERE type = 'table' AND name = 'fupin_migrations'"),
        Backend::Postgres => sqlx::query("SELECT 1 AS one FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'fupin_migrations'"),
    }
    .fetch_optional(db.pool())
    .await?
    .is_some();
    if !exists {
        return Ok(0);
    }
    Ok(
        sqlx::query("SELECT COALESCE(MAX(version), 0) AS v FROM fupin_migrations")
            .fetch_one(db.pool())
            .await?
            .try_get("v")?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_backends_carry_the_same_numbers() {
        let a: Vec<_> = SQLITE.iter().map(|m| (m.version, m.name)).collect();
        let b: Vec<_> = POSTGRES.iter().map(|m| (m.version, m.name)).collect();
        assert_eq!(a, b);
        // Numbers are reserved per branch, so a gap may exist for a while;
        // the order must still be strictly increasing.
        for pair in SQLITE.windows(2) {
            assert!(
                pair[0].version < pair[1].version,
                "migrations are in increasing order"
            );
        }
        for m in SQLITE {
            assert!(
                m.name.starts_with(&format!("{:04}_", m.version)),
                "{}",
                m.name
            );
        }
    }
}
