//! The storage layer: the only module that writes SQL.
//!
//! A [`Db`] wraps one sqlx `AnyPool` whose backend (SQLite or PostgreSQL) is
//! chosen at run time from the database URL. Queries are written once in the
//! subset of SQL both backends share (`$1` placeholders, `ON CONFLICT`,
//! `RETURNING`, integers for times and flags); where the backends truly differ
//! the code branches on [`Backend`]. Each aggregate has its own file.

pub mod announcements;
pub mod article_writes;
pub mod articles;
pub mod audit;
pub mod audit_chain;
pub mod audit_export;
pub mod captchas;
pub mod changes;
pub mod channels;
pub mod copy;
pub mod editorial;
pub mod holds;
pub mod letters;
pub mod login_attempts;
pub mod media;
mod migrate;
pub mod pages;
pub mod pending;
pub mod reader;
pub mod revisions;
pub mod search;
pub mod seed;
pub mod sessions;
pub mod settings;
pub mod users;
pub mod visits;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use anyhow::{Context, bail};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions, Connection, Executor};

pub use migrate::{MigrationReport, current_version, known_version, migrate};

/// Which database engine a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The embedded default: one SQLite file in the data directory.
    Sqlite,
    /// A PostgreSQL server shared by several instances.
    Postgres,
}

impl Backend {
    /// Picks the backend from a database URL's scheme.
    pub fn from_url(url: &str) -> anyhow::Result<Backend> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            bail!("unsupported database URL {url:?}: expected sqlite://PATH or postgres://…")
        }
    }

    /// The folder name of this backend's migrations.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A handle on the database, cheap to clone.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    /// Synchronous reads of a SQLite file, for the public pages.
    reader: Option<std::sync::Arc<reader::Reader>>,
}

/// The SQLite URL of the database file inside a data directory.
pub fn sqlite_url_for(data_dir: &Path) -> String {
    format!("sqlite://{}?mode=rwc", data_dir.join("fupin.db").display())
}

impl Db {
    /// Connects to the database at `url`. For SQLite the file is created if
    /// missing and every connection gets WAL, `synchronous=FULL`, foreign keys
    /// and a busy timeout; reads go through a memory map of the file's first
    /// 128 MiB (shared by every connection, no system call per page; mapped
    /// pages count in the process's resident size, hence the bound) and an
    /// 8 MB page cache.
    pub async fn connect(url: &str) -> anyhow::Result<Db> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        // A SQLite file is created when missing, unless the URL says otherwise.
        let url_owned;
        let url = if backend == Backend::Sqlite && !url.contains("mode=") {
            url_owned = format!("{url}{}mode=rwc", if url.contains('?') { '&' } else { '?' });
            url_owned.as_str()
        } else {
            url
        };
        let options = AnyConnectOptions::from_str(url)
            .with_context(|| format!("invalid database URL {}", redact(url)))?;
        // One direct connection first: its error says what is wrong (refused,
        // unknown host, no such database), where the pool would only time out.
        let probe = tokio::time::timeout(Duration::from_secs(10), options.connect())
            .await
            .map_err(|_| anyhow::anyhow!("no answer within 10 s"))
            .and_then(|r| r.map_err(anyhow::Error::from))
            .with_context(|| format!("cannot connect to the database {}", redact(url)))?;
        let _ = probe.close().await;
        let pool_options = match backend {
            Backend::Sqlite => {
                AnyPoolOptions::new()
                    .max_connections(8)
                    // A file cannot drop a connection: no round trip to the
                    // connection's thread to test it before each use.
                    .test_before_acquire(false)
                    .after_connect(|conn, _meta| {
                        Box::pin(async move {
                            conn.execute(
                                "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; \
                             PRAGMA mmap_size = 134217728; PRAGMA cache_size = -8192;",
                            )
                            .await?;
                            Ok(())
                        })
                    })
            }
            Backend::Postgres => AnyPoolOptions::new().max_connections(16),
        };
        let pool = pool_options
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .with_context(|| format!("cannot open the database {}", redact(url)))?;
        let reader = crate::media_dir::sqlite_file(url)
            .filter(|_| !url.contains("mode=memory"))
            .map(|path| std::sync::Arc::new(reader::Reader::new(&path)));
        Ok(Db {
            pool,
            backend,
            reader,
        })
    }

    /// Opens the SQLite database of a data directory, creating the directory.
    pub async fn open_data_dir(data_dir: &Path) -> anyhow::Result<Db> {
        std::fs::create_dir_all(data_dir)
            .with_context(|| format!("cannot create data directory {}", data_dir.display()))?;
        Db::connect(&sqlite_url_for(data_dir)).await
    }

    /// The backend this handle talks to.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The synchronous reader of a SQLite file (none for PostgreSQL or a
    /// database in memory).
    pub(crate) fn reader(&self) -> Option<&reader::Reader> {
        self.reader.as_deref()
    }

    /// The underlying pool, for the modules of this layer.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Starts a transaction that will write. On SQLite it takes the write
    /// lock at once (`BEGIN IMMEDIATE`): a transaction that reads first and
    /// writes later would otherwise fail with "database is locked", without
    /// waiting, whenever another process wrote in between.
    pub async fn begin_write(&self) -> sqlx::Result<sqlx::Transaction<'static, sqlx::Any>> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }

    /// Closes every connection (used at shutdown so SQLite checkpoints).
    pub async fn close(&self) {
        if let Some(reader) = &self.reader {
            reader.close();
        }
        self.pool.close().await;
    }
}

/// Hides the password of a database URL for messages and logs.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}

/// The current time as Unix seconds, the unit every stored time uses.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// A `LIMIT … OFFSET …` clause with the numbers written into the SQL.
///
/// Bound as parameters they would cost a full re-parse on SQLite at every
/// run: its planner reads a bound LIMIT's value, so a statement whose LIMIT
/// parameter is bound again (every run, through a statement cache) is
/// marked expired and prepared anew. The numbers come from our code as
/// integers, so writing them in cannot inject anything; a statement is
/// cached once per distinct value.
pub fn limit_offset(limit: i64, offset: i64) -> String {
    if offset > 0 {
        format!("LIMIT {} OFFSET {offset}", limit.max(0))
    } else {
        format!("LIMIT {}", limit.max(0))
    }
}
