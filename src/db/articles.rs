//! Articles: the one list of editable fields ([`ArticleFields`]), the rows
//! and the public listings (published only). The writes are in
//! `db::editorial`, called only by the use cases of `crate::editorial`.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use anyhow::Context;
use serde::Serialize;

use sqlx::{AssertSqlSafe, Row};

use super::reader::{Arg, Fields, read, read_in_pool};
use super::{Db, now};

/// The workflow state of an article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// 草稿.
    Draft,
    /// 待审核.
    Pending,
    /// 已发布.
    Published,
    /// 定时发布.
    Scheduled,
    /// 回收站.
    Trashed,
}

impl Status {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Pending => "pending",
            Status::Published => "published",
            Status::Scheduled => "scheduled",
            Status::Trashed => "trashed",
        }
    }

    /// Parses the stored spelling (unknown spellings read as a draft).
    pub fn parse(s: &str) -> Status {
        match s {
            "pending" => Status::Pending,
            "published" => Status::Published,
            "scheduled" => Status::Scheduled,
            "trashed" => Status::Trashed,
            _ => Status::Draft,
        }
    }
}

/// The editable fields of an article: the one list that the editor form,
/// the importer, the revisions and the public view share. A stored revision
/// is this struct as JSON, read with `#[serde(default)]`, so a revision
/// saved before a field existed still loads (the field takes its default).
#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
#[serde(default)]
pub struct ArticleFields {
    /// Its channel.
    pub channel_id: i64,
    /// Title.
    pub title: String,
    /// Subtitle (may be empty).
    pub subtitle: String,
    /// 来源 (may be empty).
    pub source: String,
    /// Author (may be empty).
    pub author: String,
    /// Editor (may be empty).
    pub editor: String,
    /// Summary (may be empty).
    pub summary: String,
    /// Sanitized body.
    pub body_html: String,
    /// Cover image address (may be empty).
    pub cover: String,
    /// 置顶.
    pub is_pinned: bool,
    /// 推荐.
    pub is_recommended: bool,
    /// 头条.
    pub is_headline: bool,
    /// Publish time (Unix seconds).
    pub published_at: i64,
    /// 下线 time, if any.
    pub unpublish_at: Option<i64>,
    /// 复核日期: when the article is to be checked again, if ever.
    pub review_at: Option<i64>,
}

/// The columns of [`ArticleFields`], in the order [`bind_fields`] binds them.
pub(crate) const FIELD_COLUMNS: &str = "channel_id, title, subtitle, source, author, editor, summary, body_html, \
    cover, is_pinned, is_recommended, is_headline, published_at, unpublish_at, review_at";
/// How many values [`bind_fields`] binds.
pub(crate) const FIELD_COUNT: usize = 15;

/// Binds the fields in the order of [`FIELD_COLUMNS`].
pub(crate) fn bind_fields<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    f: &'q ArticleFields,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    q.bind(f.channel_id)
        .bind(&f.title)
        .bind(&f.subtitle)
        .bind(&f.source)
        .bind(&f.author)
        .bind(&f.editor)
        .bind(&f.summary)
        .bind(&f.body_html)
        .bind(&f.cover)
        .bind(i64::from(f.is_pinned))
        .bind(i64::from(f.is_recommended))
        .bind(i64::from(f.is_headline))
        .bind(f.published_at)
        .bind(f.unpublish_at)
        .bind(f.review_at)
}

/// Reads the columns of [`FIELD_COLUMNS`].
pub(crate) fn fields_from_row(row: &dyn Fields) -> sqlx::Result<ArticleFields> {
    Ok(ArticleFields {
        channel_id: row.int("channel_id")?,
        title: row.text("title")?,
        subtitle: row.text("subtitle")?,
        source: row.text("source")?,
        author: row.text("author")?,
        editor: row.text("editor")?,
        summary: row.text("summary")?,
        body_html: row.text("body_html")?,
        cover: row.text("cover")?,
        is_pinned: row.flag("is_pinned")?,
        is_recommended: row.flag("is_recommended")?,
        is_headline: row.flag("is_headline")?,
        published_at: row.int("published_at")?,
        unpublish_at: row.opt_int("unpublish_at")?,
        review_at: row.opt_int("review_at")?,
    })
}

/// One whole article: its editable fields (reached through `Deref`, so
/// `article.title` reads the field) and what the program keeps about it.
#[derive(Debug, Clone, Serialize)]
pub struct Article {
    /// Row id; the public address is `/a/{id}.html`.
    pub id: i64,
    /// The editable fields.
    #[serde(flatten)]
    pub fields: ArticleFields,
    /// 点击数 as flushed to the database.
    pub hits: i64,
    /// Workflow state.
    pub status: Status,
    /// The legacy site's address, when imported.
    pub original_url: Option<String>,
    /// Last change (Unix seconds).
    pub updated_at: i64,
}

impl std::ops::Deref for Article {
    type Target = ArticleFields;
    fn deref(&self) -> &ArticleFields {
        &self.fields
    }
}

/// The fields of an article that lists show.
#[derive(Debug, Clone, Hash, Serialize)]
pub struct ArticleSummary {
    /// Row id.
    pub id: i64,
    /// Its channel.
    pub channel_id: i64,
    /// Title.
    pub title: String,
    /// Summary.
    pub summary: String,
    /// Cover image address (may be empty).
    pub cover: String,
    /// 置顶.
    pub is_pinned: bool,
    /// 推荐.
    pub is_recommended: bool,
    /// 头条.
    pub is_headline: bool,
    /// Publish time.
    pub published_at: i64,
    /// Last change.
    pub updated_at: i64,
}

pub(crate) const FULL: &str = "id, channel_id, title, subtitle, source, author, editor, summary, body_html, cover, \
    is_pinned, is_recommended, is_headline, hits, status, published_at, unpublish_at, review_at, original_url, updated_at";
const SUMMARY: &str = "id, channel_id, title, summary, cover, is_pinned, is_recommended, is_headline, published_at, updated_at";
/// The condition that makes one article visible on the public site; `$1`
/// is now.
const VISIBLE: &str =
    "status = 'published' AND published_at <= $1 AND (unpublish_at IS NULL OR unpublish_at > $1)";
/// The condition of public lists. The `publish_scheduled` job moves due
/// articles into `published` and takes expired ones out, so lists need no
/// time comparison and walk the partial indexes in display order.
const LISTED: &str = "status = 'published'";

pub(crate) fn full_from_row(row: &dyn Fields) -> sqlx::Result<Article> {
    Ok(Article {
        id: row.int("id")?,
        fields: fields_from_row(row)?,
        hits: row.int("hits")?,
        status: Status::parse(&row.text("status")?),
        original_url: row.opt_text("original_url")?,
        updated_at: row.int("updated_at")?,
    })
}

fn summary_from_row(row: &dyn Fields) -> sqlx::Result<ArticleSummary> {
    Ok(ArticleSummary {
        id: row.int("id")?,
        channel_id: row.int("channel_id")?,
        title: row.text("title")?,
        summary: row.text("summary")?,
        cover: row.text("cover")?,
        is_pinned: row.flag("is_pinned")?,
        is_recommended: row.flag("is_recommended")?,
        is_headline: row.flag("is_headline")?,
        published_at: row.int("published_at")?,
        updated_at: row.int("updated_at")?,
    })
}

/// Rows past which a list is read through the pool, not in the calling
/// task (see [`super::reader`]).
const LONG_READ: i64 = 5_000;

/// The channel ids of a list as bound values.
fn ints(ids: &[i64]) -> Vec<Arg<'static>> {
    ids.iter().map(|id| Arg::Int(*id)).collect()
}

/// `$2, $3, …` for an `IN` list whose binds start after `first - 1` others.
fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One article by id, whatever its state.
pub async fn get(db: &Db, id: i64) -> anyhow::Result<Option<Article>> {
    let sql = format!("SELECT {FULL} FROM articles WHERE id = $1");
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    Ok(row.as_ref().map(|r| full_from_row(r)).transpose()?)
}

/// One article if the public may see it now.
pub async fn get_visible(db: &Db, id: i64) -> anyhow::Result<Option<Article>> {
    let rows = read(
        db,
        &GET_VISIBLE,
        &[Arg::Int(now()), Arg::Int(id)],
        full_from_row,
    )
    .await?;
    Ok(rows.into_iter().next())
}

/// The statement of [`get_visible`] (written once: the article page runs it
/// at every request).
static GET_VISIBLE: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {FULL} FROM articles WHERE id = $2 AND {VISIBLE}"));

/// The article page's reads: a visible article with the articles nearest in
/// time on each side, as [`get_visible`] and [`around`] read them. On
/// SQLite both run in one read transaction of the reader, so they see one
/// state and take the file's locks once.
pub async fn visible_with_around(
    db: &Db,
    id: i64,
    limit: i64,
) -> anyhow::Result<Option<(Article, Vec<Nearby>, Vec<Nearby>)>> {
    if let Some(reader) = db.reader() {
        return reader.snapshot(|s| {
            let Some(article) = s
                .rows(
                    &GET_VISIBLE,
                    &[Arg::Int(now()), Arg::Int(id)],
                    full_from_row,
                )?
                .into_iter()
                .next()
            else {
                return Ok(None);
            };
            let rows = s.rows(&around_sql(limit), &around_args(&article), side_from_row)?;
            let (newer, older) = sides(rows);
            Ok(Some((article, newer, older)))
        });
    }
    let Some(article) = get_visible(db, id).await? else {
        return Ok(None);
    };
    let (newer, older) = around(db, &article, limit).await?;
    Ok(Some((article, newer, older)))
}

/// Index hints for SQLite: its planner, without statistics, takes the back
/// office's `(status, updated_at)` index for `status = 'published'` and
/// reads every published row (80 ms at 100k articles where the channel
/// index takes 0.1 ms). PostgreSQL picks the right index by itself.
fn hint(db: &Db, index: &str) -> String {
    match db.backend() {
        super::Backend::Sqlite => format!("INDEXED BY {index}"),
        super::Backend::Postgres => String::new(),
    }
}

/// A page of visible articles in the given channels: 置顶 first, then newest.
/// The page is chosen on the channel index alone and only its rows are
/// read: sorting whole rows of several channels would read them all.
pub async fn list_in_channels(
    db: &Db,
    channel_ids: &[i64],
    offset: i64,
    limit: i64,
) -> anyhow::Result<Vec<ArticleSummary>> {
    if channel_ids.is_empty() {
        return Ok(Vec::new());
    }
    let n = channel_ids.len();
    let order = "ORDER BY is_pinned DESC, published_at DESC, id DESC";
    let sql = format!(
        "SELECT {SUMMARY} FROM articles WHERE id IN (
             SELECT id FROM articles {} WHERE {LISTED} AND channel_id IN ({}) {order} {})
         {order}",
        hint(db, "articles_channel_live"),
        placeholders(1, n),
        super::limit_offset(limit, offset)
    );
    // A page of a list runs in the calling task; a whole channel (the
    // export) goes through the pool.
    if limit.saturating_add(offset) > LONG_READ {
        read_in_pool(db, &sql, &ints(channel_ids), summary_from_row).await
    } else {
        read(db, &sql, &ints(channel_ids), summary_from_row).await
    }
}

/// The first `limit` articles of each group of channels, as
/// [`list_in_channels`] orders them, in one statement (the home page shows
/// a block per channel; one round trip instead of one per block).
pub async fn first_in_each(
    db: &Db,
    groups: &[Vec<i64>],
    limit: i64,
) -> anyhow::Result<Vec<Vec<ArticleSummary>>> {
    let order = "ORDER BY is_pinned DESC, published_at DESC, id DESC";
    let mut parts = Vec::new();
    let mut next = 1;
    for (k, ids) in groups.iter().enumerate().filter(|(_, ids)| !ids.is_empty()) {
        parts.push(format!(
            "SELECT {k} AS k, {SUMMARY} FROM articles WHERE id IN (
                 SELECT id FROM articles {} WHERE {LISTED} AND channel_id IN ({}) {order} {})",
            hint(db, "articles_channel_live"),
            placeholders(next, ids.len()),
            super::limit_offset(limit, 0)
        ));
        next += ids.len();
    }
    let mut out = vec![Vec::new(); groups.len()];
    if parts.is_empty() {
        return Ok(out);
    }
    let ids: Vec<i64> = groups.iter().flatten().copied().collect();
    let rows = read(db, &parts.join(" UNION ALL "), &ints(&ids), |row| {
        Ok((row.int("k")?, summary_from_row(row)?))
    })
    .await?;
    for (k, summary) in rows {
        if let Some(list) = usize::try_from(k).ok().and_then(|k| out.get_mut(k)) {
            list.push(summary);
        }
    }
    for list in &mut out {
        list.sort_by_key(|a| std::cmp::Reverse((a.is_pinned, a.published_at, a.id)));
    }
    Ok(out)
}

/// How many visible articles the given channels hold (counted on the
/// channel index alone).
pub async fn count_in_channels(db: &Db, channel_ids: &[i64]) -> anyhow::Result<i64> {
    if channel_ids.is_empty() {
        return Ok(0);
    }
    let sql = format!(
        "SELECT COUNT(*) AS n FROM articles {} WHERE {LISTED} AND channel_id IN ({})",
        hint(db, "articles_channel_time"),
        placeholders(1, channel_ids.len())
    );
    let n = read(db, &sql, &ints(channel_ids), |row| row.int("n")).await?;
    Ok(n.into_iter().next().unwrap_or(0))
}

/// Which flag a home-page listing selects on.
#[derive(Debug, Clone, Copy)]
pub enum Flag {
    /// 头条.
    Headline,
    /// 推荐.
    Recommended,
    /// Any article.
    Any,
}

/// The newest visible articles, optionally only those with a flag.
pub async fn latest(db: &Db, flag: Flag, limit: i64) -> anyhow::Result<Vec<ArticleSummary>> {
    let (cond, index) = match flag {
        Flag::Headline => ("AND is_headline = 1", "articles_headline"),
        Flag::Recommended => ("AND is_recommended = 1", "articles_recommended"),
        Flag::Any => ("", "articles_live"),
    };
    let hint = hint(db, index);
    let sql = format!(
        "SELECT {SUMMARY} FROM articles {hint} WHERE {LISTED} {cond} ORDER BY published_at DESC, id DESC {}",
        super::limit_offset(limit, 0)
    );
    read(db, &sql, &[], summary_from_row).await
}

/// An article as the article page shows its neighbours: 上一篇/下一篇 and
/// the related list need no more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nearby {
    /// Row id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Publish time.
    pub published_at: i64,
}

impl From<&Article> for Nearby {
    fn from(a: &Article) -> Nearby {
        Nearby {
            id: a.id,
            title: a.title.clone(),
            published_at: a.published_at,
        }
    }
}

/// The listed articles of the same channel nearest in time to `article`:
/// up to `limit` newer ones (nearest first) and `limit` older ones (nearest
/// first), each side read along the channel's time index. The first of
/// each are the 上一篇/下一篇 neighbours; merged by distance they are the
/// related articles.
pub async fn around(
    db: &Db,
    article: &Article,
    limit: i64,
) -> anyhow::Result<(Vec<Nearby>, Vec<Nearby>)> {
    let rows = read(db, &around_sql(limit), &around_args(article), side_from_row).await?;
    Ok(sides(rows))
}

/// The values [`around_sql`] binds.
fn around_args(article: &Article) -> [Arg<'static>; 3] {
    [
        Arg::Int(article.channel_id),
        Arg::Int(article.published_at),
        Arg::Int(article.id),
    ]
}

/// The statement of [`around`] for `limit` articles a side; the article
/// page's (six) is written once.
fn around_sql(limit: i64) -> std::borrow::Cow<'static, str> {
    static PAGE: LazyLock<String> = LazyLock::new(|| write_around_sql(ARTICLE_PAGE_NEARBY));
    if limit == ARTICLE_PAGE_NEARBY {
        std::borrow::Cow::Borrowed(PAGE.as_str())
    } else {
        std::borrow::Cow::Owned(write_around_sql(limit))
    }
}

/// How many articles of each side the article page reads.
pub const ARTICLE_PAGE_NEARBY: i64 = 6;

fn write_around_sql(limit: i64) -> String {
    // Both sides in one statement: one round trip for the article page.
    // Each side is two exact ranges of the channel's time index: the
    // articles of the same publish time past this one by id, then the later
    // (earlier) times, the second read only as far as the first fell short
    // of `limit` (counting index entries is cheaper than reading rows). One
    // range `(published_at, id) > ($2, $3)` would do, but SQLite seeks on
    // its first column only and then steps over every article sharing the
    // publish time (imported articles often carry a date without the hour:
    // hundreds at 100k articles in the benchmark).
    let limit = limit.max(0);
    let same = |cmp: &str| format!("published_at = $2 AND id {cmp} $3");
    let rest = |cmp: &str| {
        format!(
            "{limit} - (SELECT COUNT(*) FROM (SELECT 1 FROM articles
                WHERE {LISTED} AND channel_id = $1 AND {} LIMIT {limit}) n)",
            same(cmp)
        )
    };
    [
        (1, same(">"), "id", limit.to_string()),
        (1, "published_at > $2".into(), "published_at, id", rest(">")),
        (0, same("<"), "id DESC", limit.to_string()),
        (
            0,
            "published_at < $2".into(),
            "published_at DESC, id DESC",
            rest("<"),
        ),
    ]
    .iter()
    .enumerate()
    .map(|(n, (side, cond, order, lim))| {
        format!(
            "SELECT * FROM (SELECT {side} AS side, id, title, published_at FROM articles
                WHERE {LISTED} AND channel_id = $1 AND {cond}
                ORDER BY {order} LIMIT {lim}) s{n}"
        )
    })
    .collect::<Vec<_>>()
    .join(" UNION ALL ")
}

/// One row of [`around_sql`]: its side (1 newer, 0 older) and the article.
fn side_from_row(row: &dyn Fields) -> sqlx::Result<(i64, Nearby)> {
    Ok((
        row.int("side")?,
        Nearby {
            id: row.int("id")?,
            title: row.text("title")?,
            published_at: row.int("published_at")?,
        },
    ))
}

/// The rows of [`around_sql`] as (newer, older), nearest first on each side.
fn sides(rows: Vec<(i64, Nearby)>) -> (Vec<Nearby>, Vec<Nearby>) {
    let (mut newer, mut older) = (Vec::new(), Vec::new());
    for (side, near) in rows {
        if side == 1 {
            newer.push(near);
        } else {
            older.push(near);
        }
    }
    // Nearest first on each side, whatever order the union kept.
    newer.sort_by_key(|a| (a.published_at, a.id));
    older.sort_by_key(|a| std::cmp::Reverse((a.published_at, a.id)));
    (newer, older)
}

/// Merges the two sides of [`around`] into one list, nearest in time first.
pub fn nearest<'a>(
    article: &Article,
    newer: &'a [Nearby],
    older: &'a [Nearby],
    limit: usize,
) -> Vec<&'a Nearby> {
    let mut both: Vec<&Nearby> = newer.iter().chain(older).collect();
    both.sort_by_key(|a| ((a.published_at - article.published_at).abs(), -a.id));
    both.truncate(limit);
    both
}

/// Every visible article's id and last change, newest first (the sitemap).
pub async fn list_visible_ids(db: &Db, limit: i64) -> anyhow::Result<Vec<(i64, i64)>> {
    let hint = hint(db, "articles_live");
    let sql = format!(
        "SELECT id, updated_at FROM articles {hint} WHERE {LISTED}
         ORDER BY published_at DESC, id DESC {}",
        super::limit_offset(limit, 0)
    );
    let rows = sqlx::query(AssertSqlSafe(sql)).fetch_all(db.pool()).await?;
    Ok(rows
        .iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("updated_at")?)))
        .collect::<sqlx::Result<_>>()?)
}

/// Inserts a published article and returns its id, without a revision or
/// an entry in the 操作日志: a fixture for tests and benchmarks. The
/// program itself writes articles only through `editorial::apply`.
#[doc(hidden)]
pub async fn insert_published(db: &Db, fields: &ArticleFields) -> anyhow::Result<i64> {
    let mut conn = db.pool().acquire().await?;
    super::editorial::insert(
        &mut conn,
        fields,
        Status::Published,
        None,
        0,
        None,
        None,
        now(),
    )
    .await
    .context("cannot store the article")
}

/// The article an old address of the legacy site maps to.
pub async fn by_legacy_path(db: &Db, path: &str) -> anyhow::Result<Option<i64>> {
    let row = sqlx::query("SELECT article_id FROM legacy_urls WHERE path = $1")
        .bind(path)
        .fetch_optional(db.pool())
        .await?;
    Ok(match row {
        Some(row) => Some(row.try_get("article_id")?),
        None => None,
    })
}

/// Adds batched hit counts in one transaction.
pub async fn add_hits(db: &Db, counts: &[(i64, i64)]) -> anyhow::Result<()> {
    if counts.is_empty() {
        return Ok(());
    }
    let mut tx = db.begin_write().await?;
    for (id, n) in counts {
        sqlx::query("UPDATE articles SET hits = hits + $1 WHERE id = $2")
            .bind(*n)
            .bind(*id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// How many articles exist in any state.
pub async fn count_all(db: &Db) -> anyhow::Result<i64> {
    Ok(sqlx::query("SELECT COUNT(*) AS n FROM articles")
        .fetch_one(db.pool())
        .await?
        .try_get("n")?)
}

/// The 定时发布 articles whose publish time has come and the published
/// articles whose 下线 time has passed, as (due to go live, due to go
/// offline), oldest first (the job in `editorial::due` acts on them).
pub async fn due(db: &Db, now: i64) -> anyhow::Result<(Vec<i64>, Vec<i64>)> {
    let live = sqlx::query(
        "SELECT id FROM articles WHERE status = 'scheduled' AND published_at <= $1 ORDER BY published_at, id",
    )
    .bind(now)
    .fetch_all(db.pool())
    .await?;
    let sql = format!(
        "SELECT id FROM articles {} WHERE status = 'published' AND unpublish_at IS NOT NULL
           AND unpublish_at <= $1 ORDER BY unpublish_at, id",
        hint(db, "articles_expiring")
    );
    let offline = sqlx::query(AssertSqlSafe(sql))
        .bind(now)
        .fetch_all(db.pool())
        .await?;
    let ids = |rows: Vec<sqlx::any::AnyRow>| {
        rows.iter()
            .map(|r| r.try_get::<i64, _>("id"))
            .collect::<sqlx::Result<Vec<_>>>()
    };
    Ok((ids(live)?, ids(offline)?))
}

/// Sets an article's workflow state and publish time, without a revision
/// or a log entry: a fixture for tests.
#[doc(hidden)]
pub async fn set_status(db: &Db, id: i64, status: Status, published_at: i64) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE articles SET status = $1, published_at = $2, updated_at = $3 WHERE id = $4",
    )
    .bind(status.as_str())
    .bind(published_at)
    .bind(now())
    .bind(id)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Every listed article as (id, channel), newest first (for the export).
pub async fn listed_ids(db: &Db) -> anyhow::Result<Vec<(i64, i64)>> {
    let sql = format!(
        "SELECT id, channel_id FROM articles WHERE {LISTED} ORDER BY published_at DESC, id DESC"
    );
    let rows = sqlx::query(AssertSqlSafe(sql)).fetch_all(db.pool()).await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("channel_id")?)))
        .collect()
}

/// Every listed article by channel (its own, not its descendants), oldest
/// first as [`around`] walks them: by publish time, then id. One row per
/// channel (the ids aggregated in the database), so the export can read
/// the whole site's order in one short query.
pub async fn listed_order(db: &Db) -> anyhow::Result<BTreeMap<i64, Vec<i64>>> {
    let agg = match db.backend() {
        super::Backend::Sqlite => "group_concat(id, ',' ORDER BY published_at, id)",
        super::Backend::Postgres => "string_agg(id::text, ',' ORDER BY published_at, id)",
    };
    let sql =
        format!("SELECT channel_id, {agg} AS ids FROM articles WHERE {LISTED} GROUP BY channel_id");
    let rows = sqlx::query(AssertSqlSafe(sql)).fetch_all(db.pool()).await?;
    let mut out = BTreeMap::new();
    for r in &rows {
        let channel: i64 = r.try_get("channel_id")?;
        let ids: String = r.try_get("ids")?;
        let ids = ids
            .split(',')
            .filter(|t| !t.is_empty())
            .map(|t| t.parse::<i64>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| anyhow::anyhow!("article ids of channel {channel}: {e}"))?;
        out.insert(channel, ids);
    }
    Ok(out)
}

impl From<&Article> for ArticleSummary {
    fn from(a: &Article) -> ArticleSummary {
        ArticleSummary {
            id: a.id,
            channel_id: a.channel_id,
            title: a.title.clone(),
            summary: a.summary.clone(),
            cover: a.cover.clone(),
            is_pinned: a.is_pinned,
            is_recommended: a.is_recommended,
            is_headline: a.is_headline,
            published_at: a.published_at,
            updated_at: a.updated_at,
        }
    }
}

/// Every listed article of one channel, whole, oldest first (the export
/// renders a channel's articles from this one read).
pub async fn listed_in_channel(db: &Db, channel_id: i64) -> anyhow::Result<Vec<Article>> {
    let sql = format!(
        "SELECT {FULL} FROM articles WHERE {LISTED} AND channel_id = $1 ORDER BY published_at, id"
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(channel_id)
        .fetch_all(db.pool())
        .await?;
    Ok(rows
        .iter()
        .map(|r| full_from_row(r))
        .collect::<sqlx::Result<_>>()?)
}
