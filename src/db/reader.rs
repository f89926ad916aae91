//! Synchronous reads of the SQLite file for the public pages.
//!
//! sqlx runs each SQLite connection on a thread of its own and hands every
//! statement and every row across channels; for the short indexed reads of
//! a public page (an article and its neighbours, a page of a channel, the
//! home page's blocks, counts) that traffic (thread wake-ups, a copy of
//! every value, the `Any` row conversion) cost several times the queries
//! themselves. This reader holds a few plain connections to the same file
//! and runs such reads in the calling task: an indexed lookup takes
//! microseconds, less than one hop to another thread. Long reads (a whole
//! channel for the export) go through the pool instead, so they never hold
//! a worker thread ([`read_in_pool`]). Connections are opened on first use,
//! marked `query_only`, and see every commit at once (WAL: each statement
//! reads the latest committed state, or the state a [`Reader::snapshot`]
//! began with for the reads inside it). Writes never come here.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context;
use rusqlite::{Connection, OpenFlags, Row};

/// Connections kept open between requests (more are opened under load and
/// closed when returned to a full shelf).
const KEEP: usize = 4;

/// The reader of one SQLite file.
#[derive(Debug)]
pub struct Reader {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    /// Set at shutdown: connections are closed after use from then on.
    closed: AtomicBool,
}

impl Reader {
    /// A reader of the SQLite file at `path`; nothing is opened yet.
    pub fn new(path: &Path) -> Reader {
        Reader {
            path: path.to_path_buf(),
            idle: Mutex::new(Vec::new()),
            closed: AtomicBool::new(false),
        }
    }

    /// Closes the idle connections (at shutdown, so that the last
    /// connection to close can checkpoint the WAL into the file).
    /// Reads still work afterwards, each on a connection of its own.
    pub fn close(&self) {
        self.closed.store(true, Ordering::Relaxed);
        self.idle.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    fn connect(&self) -> anyhow::Result<Connection> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .with_context(|| format!("cannot open {}", self.path.display()))?;
        conn.execute_batch(
            "PRAGMA query_only = ON; PRAGMA busy_timeout = 5000; \
             PRAGMA mmap_size = 134217728; PRAGMA cache_size = -8192;",
        )?;
        // Lists and pages write their limits and offsets into the SQL, so
        // one statement per distinct page: room for the common ones.
        conn.set_prepared_statement_cache_capacity(64);
        Ok(conn)
    }

    /// Runs `f` on an idle connection (opening one if none is idle).
    fn with<T>(&self, f: impl FnOnce(&Connection) -> anyhow::Result<T>) -> anyhow::Result<T> {
        let taken = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let conn = match taken {
            Some(c) => c,
            None => self.connect()?,
        };
        let out = f(&conn);
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        // One left inside a transaction (a snapshot whose end failed) is
        // closed, never reused.
        if idle.len() < KEEP && !self.closed.load(Ordering::Relaxed) && conn.is_autocommit() {
            idle.push(conn);
        }
        drop(idle);
        out
    }
}

/// The names of the first placeholders, written out once.
const PLACEHOLDERS: [&str; 8] = ["$1", "$2", "$3", "$4", "$5", "$6", "$7", "$8"];

/// One value bound to a `$n` placeholder of a read.
#[derive(Debug, Clone, Copy)]
pub enum Arg<'a> {
    /// An integer (ids, times, flags).
    Int(i64),
    /// A text.
    Text(&'a str),
}

/// The columns of one result row, by name, whichever driver read it: the
/// row mappings of this layer are written once against this.
pub trait Fields {
    /// An integer column.
    fn int(&self, name: &str) -> sqlx::Result<i64>;
    /// A nullable integer column.
    fn opt_int(&self, name: &str) -> sqlx::Result<Option<i64>>;
    /// A text column.
    fn text(&self, name: &str) -> sqlx::Result<String>;
    /// A nullable text column.
    fn opt_text(&self, name: &str) -> sqlx::Result<Option<String>>;
    /// A 0/1 column as a flag.
    fn flag(&self, name: &str) -> sqlx::Result<bool> {
        Ok(self.int(name)? != 0)
    }
}

impl Fields for sqlx::any::AnyRow {
    fn int(&self, name: &str) -> sqlx::Result<i64> {
        sqlx::Row::try_get(self, name)
    }
    fn opt_int(&self, name: &str) -> sqlx::Result<Option<i64>> {
        sqlx::Row::try_get(self, name)
    }
    fn text(&self, name: &str) -> sqlx::Result<String> {
        sqlx::Row::try_get(self, name)
    }
    fn opt_text(&self, name: &str) -> sqlx::Result<Option<String>> {
        sqlx::Row::try_get(self, name)
    }
}

/// A row of the synchronous reader with its statement's column names:
/// found by exact comparison (rusqlite's own lookup by name compares each
/// column without regard to case, a tenth of a home page's time).
struct SqliteRow<'r, 's> {
    row: &'r Row<'s>,
    names: &'r [String],
}

impl SqliteRow<'_, '_> {
    fn get<T: rusqlite::types::FromSql>(&self, name: &str) -> sqlx::Result<T> {
        let at = self
            .names
            .iter()
            .position(|n| n == name)
            .ok_or_else(|| sqlx::Error::ColumnNotFound(name.to_string()))?;
        self.row
            .get(at)
            .map_err(|e| sqlx::Error::Decode(Box::new(e)))
    }
}

impl Fields for SqliteRow<'_, '_> {
    fn int(&self, name: &str) -> sqlx::Result<i64> {
        self.get(name)
    }
    fn opt_int(&self, name: &str) -> sqlx::Result<Option<i64>> {
        self.get(name)
    }
    fn text(&self, name: &str) -> sqlx::Result<String> {
        self.get(name)
    }
    fn opt_text(&self, name: &str) -> sqlx::Result<Option<String>> {
        self.get(name)
    }
}

impl Reader {
    /// Runs one read and maps each row.
    fn rows<T>(
        &self,
        sql: &str,
        args: &[Arg<'_>],
        map: &dyn Fn(&dyn Fields) -> sqlx::Result<T>,
    ) -> anyhow::Result<Vec<T>> {
        self.with(|conn| rows_on(conn, sql, args, map))
    }

    /// Runs `f`, whose reads all see one state, in one read transaction:
    /// the file's locks are taken once for all of them instead of once per
    /// statement (each is a few `fcntl` calls).
    pub fn snapshot<T>(
        &self,
        f: impl FnOnce(&Snapshot<'_>) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        self.with(|conn| {
            conn.prepare_cached("BEGIN")?.execute([])?;
            let out = f(&Snapshot { conn });
            // Nothing was written: ending the transaction either way loses
            // nothing, and a connection left inside one is not reused.
            let end = if out.is_ok() { "COMMIT" } else { "ROLLBACK" };
            let ended = conn.prepare_cached(end).and_then(|mut s| s.execute([]));
            // The read's own error says more than a failed ROLLBACK after it.
            let out = out?;
            ended?;
            Ok(out)
        })
    }
}

/// A reader's connection inside a read transaction (see [`Reader::snapshot`]).
pub struct Snapshot<'c> {
    conn: &'c Connection,
}

impl Snapshot<'_> {
    /// Runs one read and maps each row, as [`read`] does.
    pub fn rows<T>(
        &self,
        sql: &str,
        args: &[Arg<'_>],
        map: impl Fn(&dyn Fields) -> sqlx::Result<T>,
    ) -> anyhow::Result<Vec<T>> {
        rows_on(self.conn, sql, args, &map)
    }
}

/// Runs one read on a connection and maps each row.
fn rows_on<T>(
    conn: &Connection,
    sql: &str,
    args: &[Arg<'_>],
    map: &dyn Fn(&dyn Fields) -> sqlx::Result<T>,
) -> anyhow::Result<Vec<T>> {
    let mut stmt = conn.prepare_cached(sql)?;
    for (i, arg) in args.iter().enumerate() {
        // By name: a named parameter's position is that of its first use in
        // the text, so binding by position would mix up `WHERE id = $2 AND
        // t <= $1`. One the text does not use is not bound.
        let name = match PLACEHOLDERS.get(i) {
            Some(name) => std::borrow::Cow::Borrowed(*name),
            None => std::borrow::Cow::Owned(format!("${}", i + 1)),
        };
        let Some(at) = stmt.parameter_index(&name)? else {
            continue;
        };
        match arg {
            Arg::Int(v) => stmt.raw_bind_parameter(at, v)?,
            Arg::Text(v) => stmt.raw_bind_parameter(at, v)?,
        }
    }
    let names: Vec<String> = stmt.column_names().into_iter().map(String::from).collect();
    let mut rows = stmt.raw_query();
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(map(&SqliteRow { row, names: &names })?);
    }
    Ok(out)
}

impl Reader {
    /// One integer column `n` of a statement, for tests elsewhere.
    #[cfg(test)]
    pub fn rows_for_test(&self, sql: &str) -> anyhow::Result<Vec<i64>> {
        self.rows(sql, &[], &|r| r.int("n"))
    }
}

/// Runs one short read (an indexed lookup, a page of a list, a count over
/// an index) on whichever backend `db` has: the synchronous reader on
/// SQLite, the pool otherwise. `sql` uses `$1`, `$2`, … for `args` in order.
pub async fn read<T>(
    db: &super::Db,
    sql: &str,
    args: &[Arg<'_>],
    map: impl Fn(&dyn Fields) -> sqlx::Result<T>,
) -> anyhow::Result<Vec<T>> {
    if let Some(reader) = db.reader() {
        return reader.rows(sql, args, &map);
    }
    read_in_pool(db, sql, args, map).await
}

/// [`read`] through the pool on every backend: for reads long enough that
/// running them in the calling task would hold a worker thread.
pub async fn read_in_pool<T>(
    db: &super::Db,
    sql: &str,
    args: &[Arg<'_>],
    map: impl Fn(&dyn Fields) -> sqlx::Result<T>,
) -> anyhow::Result<Vec<T>> {
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for arg in args {
        query = match *arg {
            Arg::Int(v) => query.bind(v),
            Arg::Text(v) => query.bind(v),
        };
    }
    let rows = query.fetch_all(db.pool()).await?;
    Ok(rows
        .iter()
        .map(|row| map(row))
        .collect::<sqlx::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> (tempfile::TempDir, Reader) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, name TEXT, note TEXT);
             INSERT INTO t VALUES (1, 10, 'a', NULL), (2, 20, 'b', 'x'), (3, 30, 'c', NULL);",
        )
        .unwrap();
        let reader = Reader::new(&path);
        (dir, reader)
    }

    #[test]
    fn a_snapshot_sees_one_state_and_always_ends() {
        let (dir, reader) = sample();
        let writer = Connection::open(dir.path().join("t.db")).unwrap();
        writer.execute_batch("PRAGMA journal_mode = WAL;").unwrap();
        let count = |s: &Snapshot<'_>| {
            s.rows("SELECT COUNT(*) AS n FROM t", &[], |r| r.int("n"))
                .map(|v| v[0])
        };
        let seen = reader
            .snapshot(|s| {
                let before = count(s)?;
                writer.execute("INSERT INTO t VALUES (4, 40, 'd', NULL)", [])?;
                Ok((before, count(s)?))
            })
            .unwrap();
        assert_eq!(seen, (3, 3), "a commit in between is not seen");
        assert_eq!(
            reader.rows_for_test("SELECT COUNT(*) AS n FROM t").unwrap(),
            vec![4]
        );
        let failed: anyhow::Result<()> = reader.snapshot(|s| {
            count(s)?;
            anyhow::bail!("stop")
        });
        assert_eq!(failed.unwrap_err().to_string(), "stop");
        assert_eq!(
            reader.idle.lock().unwrap().len(),
            1,
            "rolled back and reused"
        );
        // A connection left inside a transaction is closed, not shelved.
        let left_open = reader.with(|conn| {
            conn.execute_batch("BEGIN")?;
            Ok(())
        });
        assert!(left_open.is_ok());
        assert!(reader.idle.lock().unwrap().is_empty());
    }

    #[test]
    fn placeholders_bind_by_number_whatever_their_order_in_the_text() {
        let (_dir, reader) = sample();
        // `$2` comes first in the text: bound by position it would take 25.
        let rows = reader
            .rows(
                "SELECT id, name FROM t WHERE id <> $2 AND at < $1 ORDER BY id",
                &[Arg::Int(25), Arg::Int(1)],
                &|row| Ok((row.int("id")?, row.text("name")?)),
            )
            .unwrap();
        assert_eq!(rows, vec![(2, "b".to_string())]);
        let rows = reader
            .rows(
                "SELECT id FROM t WHERE name = $1",
                &[Arg::Text("c")],
                &|row| row.int("id"),
            )
            .unwrap();
        assert_eq!(rows, vec![3]);
    }

    #[test]
    fn columns_are_found_by_name_with_nulls_and_errors() {
        let (_dir, reader) = sample();
        let rows = reader
            .rows(
                "SELECT note, at AS when_at, id FROM t ORDER BY id",
                &[],
                &|row| {
                    Ok((
                        row.opt_text("note")?,
                        row.opt_int("when_at")?,
                        row.flag("id")?,
                    ))
                },
            )
            .unwrap();
        assert_eq!(
            rows,
            vec![
                (None, Some(10), true),
                (Some("x".into()), Some(20), true),
                (None, Some(30), true)
            ]
        );
        let missing = reader.rows("SELECT id FROM t", &[], &|row| row.int("nope"));
        assert!(missing.is_err());
        let wrong_type = reader.rows("SELECT name FROM t", &[], &|row| row.int("name"));
        assert!(wrong_type.is_err());
    }

    #[test]
    fn connections_are_reused_and_see_later_commits() {
        let (dir, reader) = sample();
        let count = || reader.rows("SELECT COUNT(*) AS n FROM t", &[], &|r| r.int("n"));
        assert_eq!(count().unwrap(), vec![3]);
        let writer = Connection::open(dir.path().join("t.db")).unwrap();
        writer
            .execute("INSERT INTO t VALUES (4, 40, 'd', NULL)", [])
            .unwrap();
        assert_eq!(count().unwrap(), vec![4]);
        assert_eq!(reader.idle.lock().unwrap().len(), 1);
        // Reads only: a write through the reader is refused.
        let write = reader.rows("DELETE FROM t RETURNING id", &[], &|r| r.int("id"));
        assert!(write.is_err());
        assert_eq!(count().unwrap(), vec![4]);
        // After close, reads still work but no connection stays open.
        reader.close();
        assert_eq!(count().unwrap(), vec![4]);
        assert_eq!(reader.idle.lock().unwrap().len(), 0);
    }
}
