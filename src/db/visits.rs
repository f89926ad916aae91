//! Visit statistics at rest: the daily salt of the visitor digests, the
//! digests seen per day (to count each visitor once however many instances
//! saw them), and the day rows of views and visitors per kind and key.
//!
//! [`flush`] writes one batch of an instance in one transaction: article
//! views also add to `articles.hits` (the 点击数 and the statistics are one
//! count) and to their channel; every write adds, so the batches of several
//! instances add up. Rows are written in sorted order so that concurrent
//! flushes on PostgreSQL take their locks in the same order.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use sqlx::{AssertSqlSafe, Row};

use super::Db;

/// One batch of counts: views per (day, kind, key), and visitor digests
/// first seen here per (day, kind, key).
#[derive(Debug, Clone, Default)]
pub struct Batch {
    /// Views.
    pub views: BTreeMap<(i64, &'static str, String), i64>,
    /// New (day, kind, key, visitor) tuples.
    pub uniques: BTreeSet<(i64, &'static str, String, String)>,
}

impl Batch {
    /// Whether there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.views.is_empty() && self.uniques.is_empty()
    }

    /// Adds another batch to this one (a failed flush goes back).
    pub fn absorb(&mut self, other: Batch) {
        for (k, n) in other.views {
            *self.views.entry(k).or_insert(0) += n;
        }
        self.uniques.extend(other.uniques);
    }
}

/// What a flush wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flushed {
    /// Articles whose 点击数 grew.
    pub articles: usize,
    /// Day rows added to.
    pub rows: usize,
    /// Site-wide views written (for the footer's running totals).
    pub site_views: i64,
}

const ROWS_PER_STATEMENT: usize = 200;

/// Writes a batch. Article views add to `articles.hits` and count for the
/// article's channel; `article_kind`/`channel_kind`/`site_kind` name those kinds.
pub async fn flush(db: &Db, batch: &Batch, kinds: &Kinds) -> anyhow::Result<Flushed> {
    let mut views: BTreeMap<(i64, &'static str, String), (i64, i64)> = batch
        .views
        .iter()
        .map(|(k, n)| (k.clone(), (*n, 0)))
        .collect();
    let mut uniques = batch.uniques.clone();
    let mut tx = db.begin_write().await?;
    // 点击数, and each article's channel.
    let mut channel_of: HashMap<String, String> = HashMap::new();
    let mut articles = BTreeSet::new();
    let article_views: Vec<(i64, String, i64)> = batch
        .views
        .iter()
        .filter(|((_, kind, _), _)| *kind == kinds.article)
        .map(|((day, _, key), n)| (*day, key.clone(), *n))
        .collect();
    for (day, key, n) in &article_views {
        let Ok(id) = key.parse::<i64>() else { continue };
        let row =
            sqlx::query("UPDATE articles SET hits = hits + $1 WHERE id = $2 RETURNING channel_id")
                .bind(*n)
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        if let Some(row) = row {
            let channel: i64 = row.try_get("channel_id")?;
            articles.insert(id);
            channel_of.insert(key.clone(), channel.to_string());
            views
                .entry((*day, kinds.channel, channel.to_string()))
                .or_insert((0, 0))
                .0 += n;
        }
    }
    let derived: Vec<_> = uniques
        .iter()
        .filter(|(_, kind, _, _)| *kind == kinds.article)
        .filter_map(|(day, _, key, v)| {
            channel_of
                .get(key)
                .map(|c| (*day, kinds.channel, c.clone(), v.clone()))
        })
        .collect();
    uniques.extend(derived);
    // Visitors: a digest counts only where its insert is new.
    let list: Vec<_> = uniques.into_iter().collect();
    for chunk in list.chunks(ROWS_PER_STATEMENT) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| {
                format!(
                    "(${}, ${}, ${}, ${})",
                    4 * i + 1,
                    4 * i + 2,
                    4 * i + 3,
                    4 * i + 4
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO visit_uniques (day, kind, key, visitor) VALUES {} ON CONFLICT DO NOTHING RETURNING day, kind, key",
            values.join(", ")
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for (day, kind, key, visitor) in chunk {
            q = q
                .bind(*day)
                .bind(*kind)
                .bind(key.clone())
                .bind(visitor.clone());
        }
        for row in q.fetch_all(&mut *tx).await? {
            let day: i64 = row.try_get("day")?;
            let kind: String = row.try_get("kind")?;
            let key: String = row.try_get("key")?;
            let Some(kind) = kinds.intern(&kind) else {
                continue;
            };
            views.entry((day, kind, key)).or_insert((0, 0)).1 += 1;
        }
    }
    let rows: Vec<_> = views.into_iter().collect();
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| {
                let b = 5 * i;
                format!(
                    "(${}, ${}, ${}, ${}, ${})",
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO stats_daily (day, kind, key, views, visitors) VALUES {}
             ON CONFLICT (day, kind, key) DO UPDATE SET views = stats_daily.views + excluded.views,
                 visitors = stats_daily.visitors + excluded.visitors",
            values.join(", ")
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for ((day, kind, key), (v, u)) in chunk {
            q = q.bind(*day).bind(*kind).bind(key.clone()).bind(*v).bind(*u);
        }
        q.execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(Flushed {
        articles: articles.len(),
        rows: rows.len(),
        site_views: rows
            .iter()
            .filter(|((_, kind, _), _)| *kind == kinds.site)
            .map(|(_, (v, _))| *v)
            .sum(),
    })
}

/// The names of the kinds the flush treats specially, and every kind (to
/// map names read back from the database to the batch's static names).
#[derive(Debug, Clone, Copy)]
pub struct Kinds {
    /// Site-wide.
    pub site: &'static str,
    /// Per article.
    pub article: &'static str,
    /// Per channel.
    pub channel: &'static str,
    /// Every kind.
    pub all: &'static [&'static str],
}

impl Kinds {
    fn intern(&self, name: &str) -> Option<&'static str> {
        self.all.iter().copied().find(|k| *k == name)
    }
}

/// The salt of a day's visitor digests, made by whichever instance asks
/// first (the others read the same one).
pub async fn salt_for(db: &Db, day: i64, fresh: &str) -> anyhow::Result<String> {
    sqlx::query("INSERT INTO visit_salts (day, salt) VALUES ($1, $2) ON CONFLICT (day) DO NOTHING")
        .bind(day)
        .bind(fresh)
        .execute(db.pool())
        .await?;
    Ok(sqlx::query("SELECT salt FROM visit_salts WHERE day = $1")
        .bind(day)
        .fetch_one(db.pool())
        .await?
        .try_get("salt")?)
}

/// Deletes salts and digests of days before `day`: after that, nothing
/// links a count to a visitor.
pub async fn prune(db: &Db, day: i64) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM visit_salts WHERE day < $1")
        .bind(day)
        .execute(db.pool())
        .await?;
    sqlx::query("DELETE FROM visit_uniques WHERE day < $1")
        .bind(day)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// All views ever and today's, site-wide.
pub async fn site_totals(db: &Db, site_kind: &str, today: i64) -> anyhow::Result<(i64, i64)> {
    let row = sqlx::query(
        "SELECT CAST(COALESCE(SUM(views), 0) AS BIGINT) AS total,
                CAST(COALESCE(SUM(CASE WHEN day = $2 THEN views ELSE 0 END), 0) AS BIGINT) AS today
         FROM stats_daily WHERE kind = $1 AND key = ''",
    )
    .bind(site_kind)
    .bind(today)
    .fetch_one(db.pool())
    .await?;
    Ok((row.try_get("total")?, row.try_get("today")?))
}

/// One day row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayRow {
    /// `yyyymmdd`.
    pub day: i64,
    /// Views.
    pub views: i64,
    /// Visitors.
    pub visitors: i64,
}

/// The site-wide rows of the days `from..=to`.
pub async fn days(db: &Db, site_kind: &str, from: i64, to: i64) -> anyhow::Result<Vec<DayRow>> {
    let rows = sqlx::query(
        "SELECT day, views, visitors FROM stats_daily
         WHERE kind = $1 AND key = '' AND day >= $2 AND day <= $3 ORDER BY day",
    )
    .bind(site_kind)
    .bind(from)
    .bind(to)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(DayRow {
                day: r.try_get("day")?,
                views: r.try_get("views")?,
                visitors: r.try_get("visitors")?,
            })
        })
        .collect()
}

/// A key's totals over a range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyTotal {
    /// The key (path, article id, channel id, host, term, device).
    pub key: String,
    /// Views.
    pub views: i64,
    /// Visitors, added up day by day.
    pub visitors: i64,
}

/// The keys of one kind with the most views over `from..=to`.
pub async fn top(
    db: &Db,
    kind: &str,
    from: i64,
    to: i64,
    limit: i64,
) -> anyhow::Result<Vec<KeyTotal>> {
    let sql = format!(
        "SELECT key, CAST(SUM(views) AS BIGINT) AS v, CAST(SUM(visitors) AS BIGINT) AS u
         FROM stats_daily WHERE kind = $1 AND day >= $2 AND day <= $3
         GROUP BY key ORDER BY v DESC, key {}",
        super::limit_offset(limit, 0)
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(kind)
        .bind(from)
        .bind(to)
        .fetch_all(db.pool())
        .await?;
    rows.iter()
        .map(|r| {
            Ok(KeyTotal {
                key: r.try_get("key")?,
                views: r.try_get("v")?,
                visitors: r.try_get("u")?,
            })
        })
        .collect()
}
