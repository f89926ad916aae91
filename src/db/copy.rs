//! `fupin copy`: moves a whole site between databases (SQLite to PostgreSQL
//! or back). The schema comes from the migrations of the target; the tables
//! and columns to copy are read from the source's own catalogue, ordered so
//! that referenced tables come first, copied in one transaction with
//! foreign-key checks deferred to the commit (self-references such as a
//! channel's parent may point forwards), and verified before that commit:
//! every table's row count and a checksum of its rows must match the
//! source's. The source is read in one snapshot, so a site in use copies as
//! it was at one moment; a copy that fails leaves the target empty.
//!
//! Logs that every instance writes for itself (the change log, job claims)
//! and the migration bookkeeping are not copied; the target writes its own.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context, bail};
use sqlx::{AssertSqlSafe, Executor, Row, ValueRef};

use super::{Backend, Db};

/// Tables that are not site content.
pub const NOT_COPIED: &[&str] = &[
    "fupin_migrations",
    "site_changes",
    "job_runs",
    "search_queue",
    "search_index",
    "search_title_rank",
    "backup_runs",
];

/// How a column's values are read and written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Any integer type.
    Int,
    /// Floating point.
    Real,
    /// Text.
    Text,
}

/// One table to copy.
#[derive(Debug, Clone)]
pub struct Table {
    /// Name.
    pub name: String,
    /// Columns with their kinds, in order.
    pub columns: Vec<(String, Kind)>,
    /// Tables it references.
    pub references: BTreeSet<String>,
}

/// The per-table result of a copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableReport {
    /// Table.
    pub name: String,
    /// Rows on each side.
    pub rows: i64,
    /// Checksum of the rows (equal on both sides).
    pub checksum: u64,
}

fn kind_of(declared: &str, table: &str, column: &str) -> anyhow::Result<Kind> {
    let t = declared.to_ascii_lowercase();
    if t.contains("int") {
        Ok(Kind::Int)
    } else if t.contains("char") || t.contains("text") || t.contains("clob") {
        Ok(Kind::Text)
    } else if t.contains("real")
        || t.contains("double")
        || t.contains("float")
        || t.contains("numeric")
    {
        Ok(Kind::Real)
    } else {
        bail!(
            "column {table}.{column} has type {declared:?}, which fupin copy does not know how to copy"
        )
    }
}

/// Reads the tables of a database (site content only), in dependency order.
pub async fn tables(db: &Db) -> anyhow::Result<Vec<Table>> {
    let mut found = Vec::new();
    match db.backend() {
        Backend::Sqlite => {
            let rows = sqlx::query(
                "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
            )
            .fetch_all(db.pool())
            .await?;
            let mut virtual_tables = Vec::new();
            let mut names = Vec::new();
            for row in rows {
                let name: String = row.try_get("name")?;
                let sql: Option<String> = row.try_get("sql")?;
                if sql
                    .unwrap_or_default()
                    .to_ascii_uppercase()
                    .starts_with("CREATE VIRTUAL TABLE")
                {
                    virtual_tables.push(name);
                } else {
                    names.push(name);
                }
            }
            // Full-text indexes are rebuilt from the content, never copied.
            names.retain(|n| {
                !virtual_tables
                    .iter()
                    .any(|v| n.starts_with(&format!("{v}_")))
            });
            for name in names {
                let cols = sqlx::query(AssertSqlSafe(format!(
                    "SELECT name, type FROM pragma_table_info('{name}') ORDER BY cid"
                )))
                .fetch_all(db.pool())
                .await?;
                let mut columns = Vec::new();
                for c in cols {
                    let col: String = c.try_get("name")?;
                    let ty: String = c.try_get("type")?;
                    columns.push((col.clone(), kind_of(&ty, &name, &col)?));
                }
                let refs = sqlx::query(AssertSqlSafe(format!(
                    "SELECT \"table\" AS t FROM pragma_foreign_key_list('{name}')"
                )))
                .fetch_all(db.pool())
                .await?;
                let references = refs
                    .iter()
                    .map(|r| r.try_get::<String, _>("t"))
                    .collect::<Result<_, _>>()?;
                found.push(Table {
                    name,
                    columns,
                    references,
                });
            }
        }
        Backend::Postgres => {
            let rows = sqlx::query(
                "SELECT table_name::text AS name FROM information_schema.tables
                 WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1",
            )
            .fetch_all(db.pool())
            .await?;
            for row in rows {
                let name: String = row.try_get("name")?;
                let cols = sqlx::query(
                    "SELECT column_name::text AS name, data_type::text AS ty FROM information_schema.columns
                     WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
                )
                .bind(&name)
                .fetch_all(db.pool())
                .await?;
                let mut columns = Vec::new();
                for c in cols {
                    let col: String = c.try_get("name")?;
                    let ty: String = c.try_get("ty")?;
                    if ty == "tsvector" {
                        continue; // derived from the text, rebuilt by the indexer
                    }
                    columns.push((col.clone(), kind_of(&ty, &name, &col)?));
                }
                let refs = sqlx::query(
                    "SELECT confrelid::regclass::text AS t FROM pg_constraint
                     WHERE contype = 'f' AND conrelid = $1::regclass",
                )
                .bind(&name)
                .fetch_all(db.pool())
                .await?;
                let references = refs
                    .iter()
                    .map(|r| r.try_get::<String, _>("t"))
                    .collect::<Result<_, _>>()?;
                found.push(Table {
                    name,
                    columns,
                    references,
                });
            }
        }
    }
    found.retain(|t| !NOT_COPIED.contains(&t.name.as_str()));
    order_by_dependencies(found)
}

/// Orders tables so that every table comes after the tables it references
/// (self-references are left to deferred constraint checks).
pub fn order_by_dependencies(tables: Vec<Table>) -> anyhow::Result<Vec<Table>> {
    let mut pending: BTreeMap<String, Table> =
        tables.into_iter().map(|t| (t.name.clone(), t)).collect();
    let mut ordered: Vec<Table> = Vec::new();
    while !pending.is_empty() {
        let ready: Vec<String> = pending
            .values()
            .filter(|t| {
                t.references
                    .iter()
                    .all(|r| r == &t.name || !pending.contains_key(r))
            })
            .map(|t| t.name.clone())
            .collect();
        if ready.is_empty() {
            bail!(
                "the tables {:?} reference each other in a cycle",
                pending.keys().collect::<Vec<_>>()
            );
        }
        for name in ready {
            if let Some(t) = pending.remove(&name) {
                ordered.push(t);
            }
        }
    }
    Ok(ordered)
}

/// One value read generically.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// An integer.
    Int(i64),
    /// A float.
    Real(f64),
    /// Text.
    Text(String),
}

/// The values of a row read with [`select_all`].
pub fn read_row(row: &sqlx::any::AnyRow, columns: &[(String, Kind)]) -> anyhow::Result<Vec<Value>> {
    let mut out = Vec::with_capacity(columns.len());
    for (i, (name, kind)) in columns.iter().enumerate() {
        let raw = row.try_get_raw(i)?;
        if raw.is_null() {
            out.push(Value::Null);
            continue;
        }
        out.push(match kind {
            Kind::Int => Value::Int(row.try_get(i).with_context(|| format!("reading {name}"))?),
            Kind::Real => Value::Real(row.try_get(i).with_context(|| format!("reading {name}"))?),
            Kind::Text => Value::Text(row.try_get(i).with_context(|| format!("reading {name}"))?),
        });
    }
    Ok(out)
}

/// Every row of a table in a total order.
pub fn select_all(table: &Table) -> String {
    let cols: Vec<String> = table
        .columns
        .iter()
        .map(|(c, _)| format!("\"{c}\""))
        .collect();
    // The first column is the key of every table we create; ordering by all
    // columns makes the order total for tables without a single-column key.
    let order: Vec<String> = (1..=table.columns.len()).map(|i| i.to_string()).collect();
    format!(
        "SELECT {} FROM \"{}\" ORDER BY {}",
        cols.join(", "),
        table.name,
        order.join(", ")
    )
}

fn fnv(hash: &mut u64, bytes: &[u8]) {
    for b in bytes {
        *hash ^= u64::from(*b);
        *hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
}

/// Row count and checksum of a table, the same on any backend for the
/// same rows.
pub async fn checksum(db: &Db, table: &Table) -> anyhow::Result<(i64, u64)> {
    let mut conn = db.pool().acquire().await?;
    checksum_in(&mut conn, table).await
}

/// [`checksum`] read through one connection (inside its transaction).
pub async fn checksum_in(
    conn: &mut sqlx::AnyConnection,
    table: &Table,
) -> anyhow::Result<(i64, u64)> {
    let rows = sqlx::query(AssertSqlSafe(select_all(table)))
        .fetch_all(&mut *conn)
        .await?;
    Ok((rows.len() as i64, hash_rows(&rows, table)?))
}

/// The checksum of rows read with [`select_all`].
fn hash_rows(rows: &[sqlx::any::AnyRow], table: &Table) -> anyhow::Result<u64> {
    let mut hash = RowHash::default();
    for row in rows {
        hash.add(&read_row(row, &table.columns)?);
    }
    Ok(hash.0)
}

/// A checksum of rows fed one at a time, in [`select_all`]'s order.
#[derive(Debug, Clone, Copy)]
pub struct RowHash(pub u64);

impl Default for RowHash {
    fn default() -> Self {
        RowHash(0xcbf2_9ce4_8422_2325)
    }
}

impl RowHash {
    /// Adds one row.
    pub fn add(&mut self, values: &[Value]) {
        let hash = &mut self.0;
        for value in values {
            match value {
                Value::Null => fnv(hash, b"\x00N"),
                Value::Int(v) => {
                    fnv(hash, b"\x01");
                    fnv(hash, &v.to_le_bytes());
                }
                Value::Real(v) => {
                    fnv(hash, b"\x02");
                    fnv(hash, &v.to_bits().to_le_bytes());
                }
                Value::Text(v) => {
                    fnv(hash, b"\x03");
                    fnv(hash, &(v.len() as u64).to_le_bytes());
                    fnv(hash, v.as_bytes());
                }
            }
        }
        fnv(hash, b"\xff");
    }
}

/// A read-only transaction that sees one snapshot of the whole database
/// for all its statements, without blocking writers: on SQLite a deferred
/// transaction (WAL keeps its snapshot from the first read on), on
/// PostgreSQL `REPEATABLE READ`.
pub async fn begin_snapshot(db: &Db) -> anyhow::Result<sqlx::Transaction<'static, sqlx::Any>> {
    let mut tx = match db.backend() {
        Backend::Sqlite => db.pool().begin().await?,
        Backend::Postgres => {
            db.pool()
                .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .await?
        }
    };
    // The snapshot starts at the first read: take it now.
    sqlx::query("SELECT COUNT(*) FROM fupin_migrations")
        .fetch_one(&mut *tx)
        .await
        .context("cannot start a snapshot of the database")?;
    Ok(tx)
}

/// Rows per INSERT statement.
const CHUNK: usize = 200;

/// Inserts rows (in the table's column order) through `conn`.
pub async fn insert_rows(
    conn: &mut sqlx::AnyConnection,
    table: &Table,
    rows: &[Vec<Value>],
) -> anyhow::Result<()> {
    let cols: Vec<String> = table
        .columns
        .iter()
        .map(|(c, _)| format!("\"{c}\""))
        .collect();
    for chunk in rows.chunks(CHUNK) {
        let mut placeholders = Vec::with_capacity(chunk.len());
        let mut n = 0;
        for _ in chunk {
            let one: Vec<String> = (0..cols.len())
                .map(|_| {
                    n += 1;
                    format!("${n}")
                })
                .collect();
            placeholders.push(format!("({})", one.join(", ")));
        }
        let sql = format!(
            "INSERT INTO \"{}\" ({}) VALUES {}",
            table.name,
            cols.join(", "),
            placeholders.join(", ")
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for row in chunk {
            if row.len() != table.columns.len() {
                bail!(
                    "a row of table {} has {} values for {} columns",
                    table.name,
                    row.len(),
                    table.columns.len()
                );
            }
            for (value, (_, kind)) in row.iter().zip(&table.columns) {
                query = match (value, kind) {
                    (Value::Null, Kind::Int) => query.bind(None::<i64>),
                    (Value::Null, Kind::Real) => query.bind(None::<f64>),
                    (Value::Null, Kind::Text) => query.bind(None::<String>),
                    (Value::Int(v), Kind::Real) => query.bind(*v as f64),
                    (Value::Int(v), _) => query.bind(*v),
                    (Value::Real(v), _) => query.bind(*v),
                    (Value::Text(v), _) => query.bind(v.clone()),
                };
            }
        }
        query
            .execute(&mut *conn)
            .await
            .with_context(|| format!("cannot write table {}", table.name))?;
    }
    Ok(())
}

/// On PostgreSQL, moves a table's identity past the ids its rows came with.
pub async fn move_identity(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    table: &Table,
) -> anyhow::Result<()> {
    if backend == Backend::Postgres
        && table
            .columns
            .iter()
            .any(|(c, k)| c == "id" && *k == Kind::Int)
    {
        let sql = format!(
            "SELECT setval(pg_get_serial_sequence('\"{0}\"', 'id'), COALESCE((SELECT MAX(id) FROM \"{0}\"), 0) + 1, false)",
            table.name
        );
        conn.execute(AssertSqlSafe(sql)).await?;
    }
    Ok(())
}

/// Whether any content table holds a row.
pub async fn has_content(db: &Db) -> anyhow::Result<Option<(String, i64)>> {
    for t in tables(db).await? {
        let n: i64 = sqlx::query(AssertSqlSafe(format!(
            "SELECT COUNT(*) AS n FROM \"{}\"",
            t.name
        )))
        .fetch_one(db.pool())
        .await?
        .try_get("n")?;
        if n > 0 {
            return Ok(Some((t.name, n)));
        }
    }
    Ok(None)
}

/// Copies every content table of `from` into the empty, migrated `to`, then
/// verifies the copy. Nothing is committed unless every table copied.
pub async fn copy_site(from: &Db, to: &Db) -> anyhow::Result<Vec<TableReport>> {
    let source_tables = tables(from)
        .await
        .context("cannot read the source's tables")?;
    let target_tables = tables(to)
        .await
        .context("cannot read the target's tables")?;
    for t in &source_tables {
        let Some(target) = target_tables.iter().find(|x| x.name == t.name) else {
            bail!(
                "the target has no table {}; is the source newer than this program?",
                t.name
            );
        };
        for (col, _) in &t.columns {
            if !target.columns.iter().any(|(c, _)| c == col) {
                bail!("the target's table {} has no column {col}", t.name);
            }
        }
    }
    for t in &target_tables {
        let n: i64 = sqlx::query(AssertSqlSafe(format!(
            "SELECT COUNT(*) AS n FROM \"{}\"",
            t.name
        )))
        .fetch_one(to.pool())
        .await?
        .try_get("n")?;
        if n > 0 {
            bail!(
                "the target database is not empty (table {} has {n} rows); copy only into an empty database",
                t.name
            );
        }
    }

    // Every table is read in one snapshot of the source, so a site in use
    // copies as it was at one moment.
    let mut snapshot = begin_snapshot(from).await?;
    let mut source_sums = Vec::with_capacity(source_tables.len());
    let mut tx = to.begin_write().await?;
    match to.backend() {
        Backend::Postgres => {
            tx.execute("SET CONSTRAINTS ALL DEFERRED").await?;
        }
        Backend::Sqlite => {
            tx.execute("PRAGMA defer_foreign_keys = ON").await?;
        }
    }
    for table in &source_tables {
        let rows = sqlx::query(AssertSqlSafe(select_all(table)))
            .fetch_all(&mut *snapshot)
            .await
            .with_context(|| format!("cannot read table {}", table.name))?;
        source_sums.push((rows.len() as i64, hash_rows(&rows, table)?));
        let values = rows
            .iter()
            .map(|r| read_row(r, &table.columns))
            .collect::<anyhow::Result<Vec<_>>>()?;
        insert_rows(&mut tx, table, &values).await?;
    }
    for table in &source_tables {
        move_identity(&mut tx, to.backend(), table).await?;
    }
    snapshot.rollback().await.ok();
    // Verified before the commit: a copy that does not match its source's
    // snapshot is rolled back and leaves the target empty.
    let mut reports = Vec::with_capacity(source_tables.len());
    for (table, (rows, sum)) in source_tables.iter().zip(source_sums) {
        let (rows_to, sum_to) = checksum_in(&mut tx, table).await?;
        if rows != rows_to || sum != sum_to {
            bail!(
                "verification failed for table {}: {rows} rows (checksum {sum:016x}) in the source, \
                 {rows_to} rows (checksum {sum_to:016x}) in the target; nothing was kept in the target",
                table.name
            );
        }
        reports.push(TableReport {
            name: table.name.clone(),
            rows,
            checksum: sum,
        });
    }
    tx.commit()
        .await
        .context("the copy could not be committed (a reference points nowhere?)")?;
    // Fresh statistics, so the planner of the new database picks the right indexes.
    to.pool()
        .execute("ANALYZE")
        .await
        .context("cannot analyze the copied tables")?;
    Ok(reports)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(name: &str, refs: &[&str]) -> Table {
        Table {
            name: name.into(),
            columns: vec![],
            references: refs.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn referenced_tables_come_first() {
        let order = order_by_dependencies(vec![
            t("legacy_urls", &["articles"]),
            t("articles", &["channels"]),
            t("channels", &["channels"]),
            t("settings", &[]),
        ])
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect::<Vec<_>>();
        let pos = |n: &str| order.iter().position(|x| x == n).unwrap();
        assert!(pos("channels") < pos("articles") && pos("articles") < pos("legacy_urls"));
        assert!(order_by_dependencies(vec![t("a", &["b"]), t("b", &["a"])]).is_err());
    }

    #[test]
    fn unknown_column_types_are_refused() {
        assert_eq!(kind_of("BIGINT", "t", "c").unwrap(), Kind::Int);
        assert_eq!(kind_of("character varying", "t", "c").unwrap(), Kind::Text);
        assert!(
            kind_of("bytea", "t", "c")
                .unwrap_err()
                .to_string()
                .contains("t.c")
        );
    }
}
