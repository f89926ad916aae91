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
pub mod backups;
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
use sqlx::{AnyPool, AssertSqlSafe, ConnectOptions, Connection, Executor};

pub use migrate::{MigrationReport, current_version, known_version, migrate, migrate_upto};

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

/// How long a request waits for a database connection by default.
pub const DEFAULT_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

/// How a [`Db`] is opened.
#[derive(Debug, Clone)]
pub struct DbOptions {
    /// How long to wait for a connection before giving up (the request then
    /// answers 503 rather than hanging).
    pub acquire_timeout: Duration,
    /// Open a SQLite file read-only, never creating it (a copy's or a
    /// backup's source).
    pub read_only: bool,
}

impl Default for DbOptions {
    fn default() -> Self {
        DbOptions {
            acquire_timeout: DEFAULT_ACQUIRE_TIMEOUT,
            read_only: false,
        }
    }
}

/// A handle on the database, cheap to clone.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    /// The one connection that writes to a SQLite file: write transactions
    /// queue for it in the process instead of polling SQLite's lock (on
    /// PostgreSQL the same pool as `pool`).
    writer: AnyPool,
    backend: Backend,
    /// Synchronous reads of a SQLite file, for the public pages.
    reader: Option<std::sync::Arc<reader::Reader>>,
}

/// The SQLite URL of the database file inside a data directory.
pub fn sqlite_url_for(data_dir: &Path) -> String {
    format!("sqlite://{}?mode=rwc", data_dir.join("fupin.db").display())
}

impl Db {
    /// Connects to the database at `url` with the default options.
    pub async fn connect(url: &str) -> anyhow::Result<Db> {
        Db::connect_with(url, &DbOptions::default()).await
    }

    /// Connects to the database at `url`. For SQLite the file is created if
    /// missing (unless read-only) and every connection gets WAL,
    /// `synchronous=FULL`, foreign keys and a busy timeout; reads go through
    /// a memory map of the file's first 128 MiB (shared by every connection,
    /// no system call per page; mapped pages count in the process's
    /// resident size, hence the bound) and an 8 MB page cache. Write
    /// transactions go through one connection of their own (see
    /// [`Db::begin_write`]). A file that is not a database, or that cannot
    /// be written, is named as such.
    pub async fn connect_with(url: &str, opts: &DbOptions) -> anyhow::Result<Db> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        // A SQLite file is created when missing, unless the URL says otherwise.
        let url_owned;
        let url = if backend == Backend::Sqlite && (opts.read_only || !url.contains("mode=")) {
            url_owned = with_mode(url, if opts.read_only { "ro" } else { "rwc" });
            url_owned.as_str()
        } else {
            url
        };
        let in_memory = url.contains("mode=memory") || url.contains(":memory:");
        if backend == Backend::Sqlite
            && let Some(path) = crate::media_dir::sqlite_file(url).filter(|_| !in_memory)
        {
            check_sqlite_file(&path, opts.read_only || url.contains("mode=ro"))?;
        }
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
        let read_only = opts.read_only;
        let sqlite_options = move |max: u32| {
            AnyPoolOptions::new()
                .max_connections(max)
                // A file cannot drop a connection: no round trip to the
                // connection's thread to test it before each use.
                .test_before_acquire(false)
                .after_connect(move |conn, _meta| {
                    Box::pin(async move {
                        let wal = if read_only {
                            ""
                        } else {
                            "PRAGMA journal_mode = WAL; "
                        };
                        conn.execute(AssertSqlSafe(format!(
                            "{wal}PRAGMA synchronous = FULL; \
                             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; \
                             PRAGMA mmap_size = 134217728; PRAGMA cache_size = -8192;"
                        )))
                        .await?;
                        Ok(())
                    })
                })
                .after_release(|conn, _meta| Box::pin(async move { clean_on_release(conn).await }))
        };
        let pool_options = match backend {
            Backend::Sqlite => sqlite_options(8),
            Backend::Postgres => AnyPoolOptions::new()
                .max_connections(16)
                .after_release(|conn, _meta| Box::pin(async move { clean_on_release(conn).await })),
        };
        let pool = pool_options
            .acquire_timeout(opts.acquire_timeout)
            .connect_with(options.clone())
            .await
            .with_context(|| format!("cannot open the database {}", redact(url)))?;
        let writer = match backend {
            // Writers wait their turn for this connection longer than
            // readers wait for theirs: a queue of saves is still short.
            // (A database in memory exists only in its own pool.)
            Backend::Sqlite if !read_only && !in_memory => sqlite_options(1)
                .acquire_timeout(opts.acquire_timeout * 3)
                .connect_lazy_with(options),
            _ => pool.clone(),
        };
        let reader = crate::media_dir::sqlite_file(url)
            .filter(|_| !url.contains("mode=memory"))
            .map(|path| std::sync::Arc::new(reader::Reader::new(&path)));
        Ok(Db {
            pool,
            writer,
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
    ///
    /// On SQLite every such transaction of the process goes through one
    /// connection, so writers queue in the process (in order, for at most
    /// three times the acquire timeout) rather than in SQLite's busy
    /// handler, and never see "database is locked"; readers are never
    /// held up by them (WAL).
    pub async fn begin_write(&self) -> sqlx::Result<sqlx::Transaction<'static, sqlx::Any>> {
        match self.backend {
            Backend::Sqlite => self.writer.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }

    /// The pool single writes (outside a transaction) should use: the
    /// writer's queue on SQLite.
    pub fn writer(&self) -> &AnyPool {
        &self.writer
    }

    /// Closes every connection (used at shutdown so SQLite checkpoints).
    pub async fn close(&self) {
        if let Some(reader) = &self.reader {
            reader.close();
        }
        self.writer.close().await;
        self.pool.close().await;
    }
}

/// A SQLite URL with its `mode=` parameter set to `mode`.
fn with_mode(url: &str, mode: &str) -> String {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut params: Vec<&str> = query
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("mode="))
        .collect();
    let m = format!("mode={mode}");
    params.push(&m);
    format!("{base}?{}", params.join("&"))
}

/// Whether a connection may go back to the pool: a transaction left open
/// (its commit and then its rollback failed, e.g. on a full disk) is
/// rolled back here, and a connection still inside one is closed, so the
/// next request gets a clean connection.
async fn clean_on_release(conn: &mut sqlx::AnyConnection) -> sqlx::Result<bool> {
    // Runs after any rollback queued by a dropped transaction.
    conn.ping().await?;
    if conn.is_in_transaction() {
        tracing::warn!("a connection was left inside a failed transaction; closing it");
        return Ok(false);
    }
    Ok(true)
}

/// Names a SQLite file that cannot serve as the database: not a database
/// at all, or (for a database that must be written) not writable.
fn check_sqlite_file(path: &Path, read_only: bool) -> anyhow::Result<()> {
    use std::io::Read;
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if read_only {
                bail!("the database file {} does not exist", path.display());
            }
            return Ok(());
        }
        Err(e) => bail!("cannot read the database file {}: {e}", path.display()),
    };
    if !meta.is_file() {
        bail!(
            "{} is not a file, so it cannot be the database",
            path.display()
        );
    }
    let mut head = [0u8; 16];
    let mut file = std::fs::File::open(path)
        .with_context(|| format!("cannot read the database file {}", path.display()))?;
    let n = file.read(&mut head).unwrap_or(0);
    if meta.len() > 0 && (n < 16 || &head != b"SQLite format 3\0") {
        bail!(
            "{} is not a SQLite database (its first bytes are not a SQLite header); \
             move it away or point --data at the right folder",
            path.display()
        );
    }
    if !read_only {
        let writable = std::fs::OpenOptions::new().append(true).open(path);
        if let Err(e) = writable {
            bail!(
                "the database file {} is read-only ({e}); fupin needs to write it",
                path.display()
            );
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            // The WAL and its index are created beside the file.
            let probe = dir.join(format!(".fupin-write-test-{}", std::process::id()));
            match std::fs::File::create(&probe) {
                Ok(_) => {
                    let _ = std::fs::remove_file(&probe);
                }
                Err(e) => bail!(
                    "the folder {} of the database is read-only ({e}); fupin needs to write there",
                    dir.display()
                ),
            }
        }
    }
    Ok(())
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
