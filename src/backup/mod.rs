//! Backups of a whole site and their restore.
//!
//! A backup is one gzip-compressed tar archive (`*.fupin-backup`): every
//! content table as JSON lines (one array of values per row), read in one
//! snapshot of the database while the site keeps running (the same
//! snapshot and table list as `fupin copy`, see `db::copy`), every file of
//! the media folder, and last `manifest.json` naming the program and
//! schema version, the backend, each table's columns, rows and checksum,
//! and the SHA-256 of every other entry. Rows are kept in a form both
//! backends read, so a backup taken on SQLite restores into PostgreSQL and
//! back. Restoring checks every digest before it writes anything, builds
//! the database at the backup's schema version, loads and verifies the
//! rows in one transaction, then migrates forward (see [`restore`]).

pub mod archive;
pub mod cli;
pub mod restore;
pub mod schedule;

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};
use sqlx::AssertSqlSafe;

use crate::db::copy::{self, Kind, RowHash, Value};
use crate::db::{self, Db};

pub use restore::{RestoreOptions, RestoreReport, restore};

/// The archive format this program writes and reads.
pub const FORMAT: u32 = 1;
/// The name every backup file ends with.
pub const EXTENSION: &str = "fupin-backup";

/// What a backup holds, stored in it as `manifest.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// [`FORMAT`].
    pub format: u32,
    /// The version of the program that wrote it.
    pub program: String,
    /// The schema version of the database it was taken from.
    pub schema_version: i64,
    /// `sqlite` or `postgres`.
    pub backend: String,
    /// When it was taken (Unix seconds).
    pub created_at: i64,
    /// The tables, in dependency order.
    pub tables: Vec<TableEntry>,
    /// The media files.
    pub media: Vec<FileEntry>,
}

/// One table of a backup.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TableEntry {
    /// Its name.
    pub name: String,
    /// Its columns and their kinds (`int`, `real`, `text`).
    pub columns: Vec<(String, String)>,
    /// Rows.
    pub rows: i64,
    /// The checksum of its rows (as `fupin copy` computes it).
    pub checksum: String,
    /// The archive entry holding its rows, and that entry's digest.
    pub file: FileEntry,
}

/// One file in the archive with its size and SHA-256.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FileEntry {
    /// Its path in the archive.
    pub path: String,
    /// Bytes.
    pub size: u64,
    /// SHA-256, hex.
    pub sha256: String,
}

/// What [`create`] did.
#[derive(Debug, Clone, Serialize)]
pub struct BackupReport {
    /// The archive written.
    pub file: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// Rows in all tables.
    pub rows: i64,
    /// Media files.
    pub media_files: usize,
    /// Seconds taken.
    pub seconds: f64,
    /// The manifest.
    pub manifest: Manifest,
}

pub(crate) fn kind_name(k: Kind) -> &'static str {
    match k {
        Kind::Int => "int",
        Kind::Real => "real",
        Kind::Text => "text",
    }
}

pub(crate) fn kind_of(name: &str) -> anyhow::Result<Kind> {
    Ok(match name {
        "int" => Kind::Int,
        "real" => Kind::Real,
        "text" => Kind::Text,
        other => bail!("unknown column kind {other:?} in the backup"),
    })
}

pub(crate) fn to_json(v: &Value) -> serde_json::Value {
    match v {
        Value::Null => serde_json::Value::Null,
        Value::Int(i) => (*i).into(),
        Value::Real(f) => serde_json::Number::from_f64(*f)
            .map(serde_json::Value::Number)
            .unwrap_or(serde_json::Value::Null),
        Value::Text(s) => s.clone().into(),
    }
}

pub(crate) fn from_json(v: &serde_json::Value, kind: Kind) -> anyhow::Result<Value> {
    Ok(match (v, kind) {
        (serde_json::Value::Null, _) => Value::Null,
        (serde_json::Value::Number(n), Kind::Int) => Value::Int(
            n.as_i64()
                .context("an integer column holds a non-integer")?,
        ),
        (serde_json::Value::Number(n), Kind::Real) => {
            Value::Real(n.as_f64().context("a number out of range")?)
        }
        (serde_json::Value::String(s), Kind::Text) => Value::Text(s.clone()),
        (other, kind) => bail!("a {} column holds {other}", kind_name(kind)),
    })
}

/// Takes a backup of the site on `db` (and its media folder) into `out`,
/// written under a temporary name and renamed into place once complete.
/// Readers and writers go on meanwhile: the rows are read in one snapshot.
pub async fn create(db: &Db, media_dir: &Path, out: &Path) -> anyhow::Result<BackupReport> {
    let started = std::time::Instant::now();
    let schema_version = db::current_version(db).await?;
    let known = db::known_version(db.backend());
    if schema_version > known {
        bail!(
            "the database is at schema version {schema_version}, newer than this program ({known}); \
             back it up with the newer program"
        );
    }
    let tables = copy::tables(db).await.context("cannot read the tables")?;
    let mut writer = archive::Writer::create(out)?;
    let mut entries = Vec::with_capacity(tables.len());
    let mut snapshot = copy::begin_snapshot(db).await?;
    let mut total_rows = 0;
    for table in &tables {
        let path = format!("tables/{}.jsonl", table.name);
        let mut part = writer.part()?;
        let mut hash = RowHash::default();
        let mut rows = 0i64;
        {
            let sql = copy::select_all(table);
            let mut stream = sqlx::query(AssertSqlSafe(sql)).fetch(&mut *snapshot);
            while let Some(row) = stream
                .try_next()
                .await
                .with_context(|| format!("cannot read table {}", table.name))?
            {
                let values = copy::read_row(&row, &table.columns)?;
                hash.add(&values);
                let line: Vec<serde_json::Value> = values.iter().map(to_json).collect();
                part.line(&serde_json::to_vec(&line)?)?;
                rows += 1;
            }
        }
        let file = writer.add_part(&path, part)?;
        total_rows += rows;
        entries.push(TableEntry {
            name: table.name.clone(),
            columns: table
                .columns
                .iter()
                .map(|(c, k)| (c.clone(), kind_name(*k).to_string()))
                .collect(),
            rows,
            checksum: format!("{:016x}", hash.0),
            file,
        });
    }
    snapshot.rollback().await.ok();
    let media_dir = media_dir.to_path_buf();
    let (writer, media) = tokio::task::spawn_blocking(move || {
        let mut writer = writer;
        let media = archive::add_media(&mut writer, &media_dir)?;
        anyhow::Ok((writer, media))
    })
    .await
    .context("the backup task stopped")??;
    let media_files = media.len();
    let manifest = Manifest {
        format: FORMAT,
        program: env!("CARGO_PKG_VERSION").to_string(),
        schema_version,
        backend: db.backend().name().to_string(),
        created_at: db::now(),
        tables: entries,
        media,
    };
    let bytes = writer.finish(&manifest)?;
    Ok(BackupReport {
        file: out.to_path_buf(),
        bytes,
        rows: total_rows,
        media_files,
        seconds: started.elapsed().as_secs_f64(),
        manifest,
    })
}
