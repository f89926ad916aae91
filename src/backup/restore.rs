//! Restoring a backup into an empty site, or with `--force` over one that
//! is moved aside first so that a failed restore leaves it as it was.
//!
//! Order: every digest of the archive is checked (nothing written yet);
//! the archive is unpacked into a staging folder inside the data
//! directory; the database is built at the backup's schema version, the
//! rows loaded and verified against the manifest's checksums in one
//! transaction, then the remaining migrations run and the search index is
//! rebuilt. Only then are the database (SQLite) and the media folder moved
//! into place. On PostgreSQL, `--force` first backs the current database
//! up beside the data and empties it; if the restore then fails that
//! backup is put back.

use std::io::BufRead;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use super::{Manifest, archive, from_json, kind_of};
use crate::db::copy::{self, RowHash, Table};
use crate::db::{self, Backend, Db};

/// Where to restore.
#[derive(Debug, Clone)]
pub struct RestoreOptions {
    /// The backup file.
    pub file: PathBuf,
    /// The data directory.
    pub data_dir: PathBuf,
    /// The database URL (the SQLite file of the data directory, or a server).
    pub database_url: String,
    /// Replace a site that is there (moved aside first).
    pub force: bool,
}

/// What [`restore`] did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RestoreReport {
    /// The backup's manifest.
    pub manifest: Manifest,
    /// Rows restored.
    pub rows: i64,
    /// Media files restored.
    pub media_files: usize,
    /// Migrations applied after loading (the backup was older).
    pub migrated: Vec<i64>,
    /// Where the previous site went, if one was replaced.
    pub moved_aside: Option<PathBuf>,
    /// Seconds taken.
    pub seconds: f64,
}

/// Restores a backup (see the module's documentation).
pub async fn restore(opts: &RestoreOptions) -> anyhow::Result<RestoreReport> {
    let started = std::time::Instant::now();
    let file = opts.file.clone();
    let manifest = tokio::task::spawn_blocking(move || archive::verify(&file))
        .await
        .context("the checking task stopped")??;
    let backend = Backend::from_url(&opts.database_url)?;
    let known = db::known_version(backend);
    if manifest.schema_version > known {
        bail!(
            "{} was taken by a newer fupin (schema version {}, this program knows up to {known}); \
             restore it with that version or newer",
            opts.file.display(),
            manifest.schema_version
        );
    }
    std::fs::create_dir_all(&opts.data_dir)
        .with_context(|| format!("cannot create {}", opts.data_dir.display()))?;
    let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S").to_string();
    let staging = opts.data_dir.join(format!(".restore-{stamp}"));
    let result = restore_staged(opts, &manifest, backend, &staging, &stamp).await;
    let _ = std::fs::remove_dir_all(&staging);
    let (rows, media_files, migrated, moved_aside) = result?;
    Ok(RestoreReport {
        manifest,
        rows,
        media_files,
        migrated,
        moved_aside,
        seconds: started.elapsed().as_secs_f64(),
    })
}

type Outcome = (i64, usize, Vec<i64>, Option<PathBuf>);

async fn restore_staged(
    opts: &RestoreOptions,
    manifest: &Manifest,
    backend: Backend,
    staging: &Path,
    stamp: &str,
) -> anyhow::Result<Outcome> {
    let media_dir = crate::media_dir::for_url(&opts.database_url, &opts.data_dir);
    let media_has_files = !crate::media_dir::regular_files(&media_dir)?.is_empty();
    // Unpack (digests checked again as the files are written).
    std::fs::create_dir_all(staging)?;
    let (file, into) = (opts.file.clone(), staging.to_path_buf());
    tokio::task::spawn_blocking(move || unpack(&file, &into))
        .await
        .context("the unpacking task stopped")??;
    match backend {
        Backend::Sqlite => {
            let db_file = crate::media_dir::sqlite_file(&opts.database_url)
                .context("a SQLite URL without a file")?;
            let occupied = db_file.exists() || media_has_files;
            if occupied && !opts.force {
                bail!(
                    "{} already holds a site; restore into an empty data directory, \
                     or add --force to move the current site aside first",
                    opts.data_dir.display()
                );
            }
            let new_db = staging.join("fupin.db");
            let db = Db::connect(&db::sqlite_url_for(staging)).await?;
            let loaded = load(&db, manifest, staging).await;
            db.close().await;
            let (rows, migrated) = loaded?;
            let aside = if occupied {
                let aside = opts.data_dir.join(format!("replaced-{stamp}"));
                std::fs::create_dir_all(&aside)?;
                Some(aside)
            } else {
                None
            };
            let mut moves: Vec<(PathBuf, PathBuf)> = Vec::new();
            let swap = (|| -> anyhow::Result<()> {
                if let Some(aside) = &aside {
                    for suffix in ["", "-wal", "-shm"] {
                        let from = PathBuf::from(format!("{}{suffix}", db_file.display()));
                        if from.exists() {
                            let to = aside.join(format!("fupin.db{suffix}"));
                            std::fs::rename(&from, &to)?;
                            moves.push((to, from));
                        }
                    }
                    if media_dir.exists() {
                        let to = aside.join("media");
                        std::fs::rename(&media_dir, &to)?;
                        moves.push((to, media_dir.clone()));
                    }
                }
                if let Some(parent) = db_file.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                std::fs::rename(&new_db, &db_file)?;
                place_media(staging, &media_dir)?;
                Ok(())
            })();
            if let Err(e) = swap {
                // Put the previous site back as it was.
                let _ = std::fs::remove_file(&db_file);
                for (from, to) in moves.iter().rev() {
                    let _ = std::fs::rename(from, to);
                }
                return Err(e.context(
                    "the restored site could not be moved into place; the previous site is back",
                ));
            }
            crate::media_dir::sync_dir(&opts.data_dir);
            Ok((rows, manifest.media.len(), migrated, aside))
        }
        Backend::Postgres => {
            let db = Db::connect(&opts.database_url).await?;
            let occupied = db::current_version(&db).await? > 0
                && copy::has_content(&db).await?.is_some()
                || media_has_files;
            let mut aside = None;
            if occupied {
                if !opts.force {
                    db.close().await;
                    bail!(
                        "the database {} already holds a site; restore into an empty database, \
                         or add --force to move the current site aside first",
                        db::redact(&opts.database_url)
                    );
                }
                let file = opts
                    .data_dir
                    .join(format!("replaced-{stamp}.{}", super::EXTENSION));
                super::create(&db, &media_dir, &file)
                    .await
                    .context("cannot back up the current site before replacing it")?;
                wipe(&db).await?;
                aside = Some(file);
            }
            let loaded = load(&db, manifest, staging).await;
            let outcome = match loaded {
                Ok((rows, migrated)) => place_media_replacing(staging, &media_dir, stamp)
                    .map(|_| (rows, manifest.media.len(), migrated, aside.clone())),
                Err(e) => Err(e),
            };
            if let (Err(_), Some(previous)) = (&outcome, &aside) {
                // Put the previous site back from its backup.
                let _ = wipe(&db).await;
                let back = Box::pin(restore(&RestoreOptions {
                    file: previous.clone(),
                    data_dir: opts.data_dir.clone(),
                    database_url: opts.database_url.clone(),
                    force: true,
                }))
                .await;
                if let Err(e) = back {
                    tracing::error!(error = format!("{e:#}"), backup = %previous.display(), "the previous site could not be put back");
                }
            }
            db.close().await;
            outcome
        }
    }
}

/// Unpacks the archive's tables and media into `into`, checking each
/// entry's digest against the manifest again as it is written.
fn unpack(file: &Path, into: &Path) -> anyhow::Result<()> {
    archive::walk(file, |name, reader| {
        if name == archive::MANIFEST {
            return Ok(());
        }
        let target = into.join(name);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let mut out = std::fs::File::create(&target)?;
        std::io::copy(reader, &mut out)?;
        out.sync_all()?;
        Ok(())
    })
}

/// Empties a PostgreSQL database (its current schema).
async fn wipe(db: &Db) -> anyhow::Result<()> {
    use sqlx::Executor;
    db.pool()
        .execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        .await
        .context("cannot empty the database")?;
    Ok(())
}

fn place_media(staging: &Path, media_dir: &Path) -> anyhow::Result<()> {
    let from = staging.join("media");
    if from.exists() {
        if let Some(parent) = media_dir.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::rename(&from, media_dir)
            .with_context(|| format!("cannot move the media into {}", media_dir.display()))?;
    }
    Ok(())
}

fn place_media_replacing(staging: &Path, media_dir: &Path, stamp: &str) -> anyhow::Result<()> {
    if media_dir.exists() {
        let aside = media_dir.with_file_name(format!("media-replaced-{stamp}"));
        std::fs::rename(media_dir, &aside)?;
    }
    place_media(staging, media_dir)
}

/// Builds the schema at the backup's version, loads and verifies every
/// table in one transaction, migrates forward and rebuilds the search
/// index; (rows, migrations applied afterwards).
async fn load(db: &Db, manifest: &Manifest, staging: &Path) -> anyhow::Result<(i64, Vec<i64>)> {
    db::migrate_upto(db, manifest.schema_version).await?;
    let mut tx = db.begin_write().await?;
    {
        use sqlx::Executor;
        match db.backend() {
            Backend::Postgres => tx.execute("SET CONSTRAINTS ALL DEFERRED").await?,
            Backend::Sqlite => tx.execute("PRAGMA defer_foreign_keys = ON").await?,
        };
        // Rows the migrations themselves wrote (none today) make way for
        // the backup's.
        for t in manifest.tables.iter().rev() {
            tx.execute(sqlx::AssertSqlSafe(format!("DELETE FROM \"{}\"", t.name)))
                .await
                .with_context(|| format!("the target has no table {}", t.name))?;
        }
    }
    let mut total = 0;
    let mut tables = Vec::new();
    for entry in &manifest.tables {
        let columns = entry
            .columns
            .iter()
            .map(|(c, k)| Ok((c.clone(), kind_of(k)?)))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let table = Table {
            name: entry.name.clone(),
            columns,
            references: Default::default(),
        };
        let path = staging.join(&entry.file.path);
        let reader = std::io::BufReader::new(
            std::fs::File::open(&path)
                .with_context(|| format!("cannot read {}", path.display()))?,
        );
        let mut batch = Vec::with_capacity(500);
        let mut hash = RowHash::default();
        let mut rows = 0i64;
        for line in reader.lines() {
            let line = line?;
            let values: Vec<serde_json::Value> = serde_json::from_str(&line)
                .with_context(|| format!("a row of {} cannot be read", entry.name))?;
            if values.len() != table.columns.len() {
                bail!(
                    "a row of {} has {} values for {} columns",
                    entry.name,
                    values.len(),
                    table.columns.len()
                );
            }
            let row = values
                .iter()
                .zip(&table.columns)
                .map(|(v, (_, k))| from_json(v, *k))
                .collect::<anyhow::Result<Vec<_>>>()?;
            hash.add(&row);
            batch.push(row);
            rows += 1;
            if batch.len() == 500 {
                copy::insert_rows(&mut tx, &table, &batch).await?;
                batch.clear();
            }
        }
        copy::insert_rows(&mut tx, &table, &batch).await?;
        copy::move_identity(&mut tx, db.backend(), &table).await?;
        if rows != entry.rows || format!("{:016x}", hash.0) != entry.checksum {
            bail!(
                "table {} in the backup does not match its manifest",
                entry.name
            );
        }
        total += rows;
        tables.push(table);
    }
    // What was written is what the backup holds, read back before the commit.
    for (table, entry) in tables.iter().zip(&manifest.tables) {
        let (rows, sum) = copy::checksum_in(&mut tx, table).await?;
        if rows != entry.rows || format!("{sum:016x}") != entry.checksum {
            bail!(
                "verification failed for table {}: {} rows expected, {rows} written",
                entry.name,
                entry.rows
            );
        }
    }
    tx.commit()
        .await
        .context("the restored rows could not be committed (a reference points nowhere?)")?;
    let report = db::migrate(db).await?;
    crate::search::reindex(db, false).await?;
    Ok((total, report.applied))
}
