//! The query side of search storage: matching quoted terms in each
//! backend's index, with visibility, channel and date filters checked
//! against `articles` and `pages` at query time, and the rows of a page of
//! results.

use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use super::{page_key, pg_channel_lexeme, pg_quote, placeholders, sqlite_channel_tag};
use crate::db::{Backend, Db, now};

/// How a match list is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Best match first (title matches weigh ten times body matches).
    Relevance,
    /// Newest first.
    Newest,
}

/// What to match and which documents may be shown.
#[derive(Debug, Clone)]
pub struct MatchQuery<'a> {
    /// Segmented query terms; every one must match.
    pub terms: &'a [String],
    /// Only articles in these channels (no single pages) when not empty.
    pub channel_ids: &'a [i64],
    /// Published (pages: changed) at or after this time.
    pub from: Option<i64>,
    /// Published (pages: changed) before this time.
    pub to: Option<i64>,
    /// Order.
    pub order: Order,
    /// Also drafts and every other state (back office).
    pub include_unpublished: bool,
    /// Rows to skip.
    pub offset: i64,
    /// Rows to return.
    pub limit: i64,
}

/// The match expression of a backend: every term quoted, all required;
/// with channels, also one of their tags, so the index itself keeps only
/// articles of those channels.
fn match_expr(backend: Backend, terms: &[String], channel_ids: &[i64]) -> String {
    let quote = |t: &str| format!("\"{}\"", t.replace('"', "\"\""));
    match backend {
        Backend::Sqlite => {
            let mut expr = terms.iter().map(|t| quote(t)).collect::<Vec<_>>().join(" ");
            if !channel_ids.is_empty() {
                let tags = channel_ids
                    .iter()
                    .map(|id| quote(&sqlite_channel_tag(*id)))
                    .collect::<Vec<_>>()
                    .join(" OR ");
                expr = format!("{expr} AND ({tags})");
            }
            expr
        }
        Backend::Postgres => {
            let mut expr = terms
                .iter()
                .map(|t| pg_quote(t))
                .collect::<Vec<_>>()
                .join(" & ");
            if !channel_ids.is_empty() {
                let tags = channel_ids
                    .iter()
                    .map(|id| pg_quote(&pg_channel_lexeme(*id)))
                    .collect::<Vec<_>>()
                    .join(" | ");
                expr = format!("{expr} & ({tags})");
            }
            expr
        }
    }
}

/// The filters of a query on `articles a` and `pages p` (each starting
/// with ` AND`), numbering placeholders from `$first`, and their values.
fn conditions(q: &MatchQuery<'_>, first: usize) -> (String, String, Vec<i64>) {
    let mut binds: Vec<i64> = Vec::new();
    let next = |v: i64, binds: &mut Vec<i64>| {
        binds.push(v);
        format!("${}", binds.len() + first - 1)
    };
    let mut article_cond = String::new();
    if !q.include_unpublished {
        let t = next(now(), &mut binds);
        article_cond.push_str(&format!(
            " AND a.status = 'published' AND a.published_at <= {t} \
              AND (a.unpublish_at IS NULL OR a.unpublish_at > {t})"
        ));
    }
    if !q.channel_ids.is_empty() {
        let list: Vec<String> = q
            .channel_ids
            .iter()
            .map(|id| next(*id, &mut binds))
            .collect();
        article_cond.push_str(&format!(" AND a.channel_id IN ({})", list.join(", ")));
    }
    let mut page_cond = String::new();
    if let Some(from) = q.from {
        let p = next(from, &mut binds);
        article_cond.push_str(&format!(" AND a.published_at >= {p}"));
        page_cond.push_str(&format!(" AND p.updated_at >= {p}"));
    }
    if let Some(to) = q.to {
        let p = next(to, &mut binds);
        article_cond.push_str(&format!(" AND a.published_at < {p}"));
        page_cond.push_str(&format!(" AND p.updated_at < {p}"));
    }
    (article_cond, page_cond, binds)
}

/// The SQL selecting `doc_key, score, at` of every allowed match (only
/// `doc_key` when not `ranked`: counting needs no scores), and its bind
/// values after the match expression (`$1`). Ranked on PostgreSQL, the
/// words alone ([`rank_expr`]) are bound last, after those values.
fn match_sql(backend: Backend, q: &MatchQuery<'_>, ranked: bool) -> (String, Vec<i64>) {
    let (article_cond, page_cond, binds) = conditions(q, 2);
    let rank_param = binds.len() + 2;
    let with_pages = q.channel_ids.is_empty();
    let sql = match backend {
        // CROSS JOIN keeps FTS5 as the outer loop: left to itself SQLite may
        // walk `articles` by its status index and run the match per row.
        Backend::Sqlite => {
            let cols = |at: &str| {
                if ranked {
                    format!(
                        "search_fts.rowid AS doc_key, bm25(search_fts, 10.0, 1.0, 0.0) AS score, {at} AS at"
                    )
                } else {
                    "search_fts.rowid AS doc_key".to_string()
                }
            };
            let mut sql = format!(
                "SELECT {} FROM search_fts CROSS JOIN articles a ON a.id = search_fts.rowid
                 WHERE search_fts MATCH $1 AND search_fts.rowid > 0{article_cond}",
                cols("a.published_at")
            );
            if with_pages {
                sql.push_str(&format!(
                    " UNION ALL
                     SELECT {} FROM search_fts CROSS JOIN pages p ON p.id = -search_fts.rowid
                     WHERE search_fts MATCH $1 AND search_fts.rowid < 0{page_cond}",
                    cols("p.updated_at")
                ));
            }
            sql
        }
        // The matches are taken from the GIN index first (a materialized
        // CTE, read only as far as the outer query needs), then joined; see
        // `find` for why the planner needs the push.
        Backend::Postgres => {
            let rank = format!(", ts_rank(head, ${rank_param}::tsquery)::float8 AS rank");
            let (rank, cols) = if ranked {
                (
                    rank.as_str(),
                    ("h.doc_key AS doc_key, -h.rank AS score, ", " AS at"),
                )
            } else {
                ("", ("h.doc_key AS doc_key", ""))
            };
            let at = |col: &str| {
                if ranked {
                    format!("{}{col}{}", cols.0, cols.1)
                } else {
                    cols.0.to_string()
                }
            };
            let mut sql = format!(
                "WITH hits AS MATERIALIZED (
                     SELECT doc_key{rank} FROM search_index WHERE terms @@ $1::tsquery)
                 SELECT {} FROM hits h JOIN articles a ON a.id = h.doc_key
                 WHERE h.doc_key > 0{article_cond}",
                at("a.published_at")
            );
            if with_pages {
                sql.push_str(&format!(
                    " UNION ALL
                     SELECT {} FROM hits h JOIN pages p ON p.id = -h.doc_key
                     WHERE h.doc_key < 0{page_cond}",
                    at("p.updated_at")
                ));
            }
            sql
        }
    };
    (sql, binds)
}

/// Counts the matches (no further than `cap`) and returns the requested
/// page of them as (key, score), lower scores first for relevance. Both
/// queries run in one transaction, so they see the same data.
pub async fn find(db: &Db, q: &MatchQuery<'_>, cap: i64) -> anyhow::Result<(i64, Vec<(i64, f64)>)> {
    if q.terms.is_empty() {
        return Ok((0, Vec::new()));
    }
    let expr = match_expr(db.backend(), q.terms, q.channel_ids);
    let mut tx = match db.backend() {
        // A plain (deferred) transaction: its first read takes a WAL
        // snapshot that the later ones share, and it never takes the write
        // lock, so searches neither wait for writers nor hold them up.
        Backend::Sqlite => db.pool().begin().await?,
        // The planner prices `terms @@ q` on the heap, which holds only
        // TOAST pointers, so it prefers scanning (and detoasting) every
        // tsvector to the GIN index: 140 ms instead of a few at 10k rows.
        // With scans priced out, the CTE can only use the GIN index. The
        // huge cost the setting gives scans would also wake the JIT.
        // Counting stops at `cap` only if the matches are joined one by one
        // as they come: a merge or hash join reads every match of a common
        // word first (23,521 for one word at 100k: 65–100 ms instead of 10).
        // One round trip for the transaction and the four settings; one
        // snapshot for all its statements (count, candidates, checks).
        Backend::Postgres => {
            db.pool()
                .begin_with(
                    "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; SET LOCAL enable_seqscan = off; SET LOCAL jit = off; \
                     SET LOCAL enable_mergejoin = off; SET LOCAL enable_hashjoin = off",
                )
                .await?
        }
    };
    let need = (q.offset + q.limit).max(0);
    let want = (need * 4).max(200);
    let count = if surely_over(&mut tx, db.backend(), q, &expr, cap).await? {
        cap
    } else {
        count_matches(&mut tx, db.backend(), q, &expr, cap).await?
    };
    let mut page = Vec::new();
    if q.offset < count && q.order == Order::Relevance {
        // The title tier first (PostgreSQL, one word): its documents are
        // the best of all matches, listed in the full query's order, so if
        // enough of its first rows are visible they are the page.
        // Otherwise the index's best.
        // Its first rows are read a few past the page's end first (each
        // candidate is checked against `articles`), then as many as the
        // other candidates when too many of those were hidden.
        let mut picked = None;
        for rows in [(need * 3 / 2).max(need + 10), want] {
            let Some(tier) = title_tier(&mut tx, db.backend(), q, rows).await? else {
                break;
            };
            let complete = (tier.len() as i64) < rows;
            picked = pick_visible(&mut tx, q, tier, Candidates::Prefix).await?;
            if picked.is_some() || complete {
                break;
            }
        }
        if picked.is_none() {
            let candidates = best_candidates(&mut tx, db.backend(), q, &expr, want).await?;
            let kind = if (candidates.len() as i64) < want {
                Candidates::All
            } else {
                Candidates::Best
            };
            picked = pick_visible(&mut tx, q, candidates, kind).await?;
        }
        if let Some(found) = picked {
            tx.commit().await?;
            return Ok((count, found));
        }
    }
    if q.offset < count {
        let (inner, binds) = match_sql(db.backend(), q, true);
        let order = match q.order {
            Order::Relevance => "score, at DESC, doc_key DESC",
            Order::Newest => "at DESC, doc_key DESC",
        };
        let sql = format!(
            "SELECT doc_key, score FROM ({inner}) m ORDER BY {order} {}",
            crate::db::limit_offset(q.limit, q.offset)
        );
        let mut query = sqlx::query(AssertSqlSafe(sql)).bind(expr);
        for v in &binds {
            query = query.bind(*v);
        }
        if db.backend() == Backend::Postgres {
            query = query.bind(rank_expr(q.terms));
        }
        let rows = query.fetch_all(&mut *tx).await?;
        page = scored(&rows)?;
    }
    tx.commit().await?;
    Ok((count, page))
}

/// How many documents the planner's statistics say match, at least, for
/// a common word to be counted as "more than `cap`" without reading its
/// matches: the estimate may err, and up to two thirds of them may be
/// drafts or otherwise hidden.
const SURE_FACTOR: f64 = 3.0;

/// On PostgreSQL, for one word without filters, whether the statistics
/// ANALYZE keeps of the indexed words (the most common ones and their
/// frequencies) put its matches far above `cap`. Counting a common word
/// reads its whole GIN posting list (5 ms for 23,521 documents at 100k)
/// and joins a thousand rows; the estimate is one plan.
async fn surely_over(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    q: &MatchQuery<'_>,
    expr: &str,
    cap: i64,
) -> anyhow::Result<bool> {
    // One word alone: the statistics give its own frequency. For several
    // words, or a word within channels, the planner multiplies frequencies
    // as if independent, which can put a rare combination far above its
    // real count.
    if backend != Backend::Postgres
        || q.terms.len() != 1
        || !q.channel_ids.is_empty()
        || q.from.is_some()
        || q.to.is_some()
    {
        return Ok(false);
    }
    let plan = sqlx::query("EXPLAIN SELECT 1 FROM search_index WHERE terms @@ $1::tsquery")
        .bind(expr)
        .fetch_all(&mut *conn)
        .await?;
    let Some(first) = plan.first() else {
        return Ok(false);
    };
    let line: String = first.try_get(0)?;
    Ok(estimated_rows(&line).is_some_and(|rows| rows >= cap as f64 * SURE_FACTOR))
}

/// The `rows=` estimate of a plan line of `EXPLAIN`'s text output.
fn estimated_rows(line: &str) -> Option<f64> {
    let rest = &line[line.find(" rows=")? + 6..];
    let end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    rest[..end].parse().ok()
}

/// Counts the allowed matches, no further than `cap`.
async fn count_matches(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    q: &MatchQuery<'_>,
    expr: &str,
    cap: i64,
) -> anyhow::Result<i64> {
    let (inner, binds) = match_sql(backend, q, false);
    let sql = format!(
        "SELECT COUNT(*) AS n FROM (SELECT doc_key FROM ({inner}) m {}) c",
        crate::db::limit_offset(cap, 0)
    );
    let mut query = sqlx::query(AssertSqlSafe(sql)).bind(expr.to_string());
    for v in &binds {
        query = query.bind(*v);
    }
    Ok(query.fetch_one(&mut *conn).await?.try_get("n")?)
}

/// On PostgreSQL, for one word: the first `want` documents holding the
/// word in their title, within the query's channels and dates, in the
/// order of the full query (`None` on SQLite, for several words, or when
/// ordered by date). `ts_rank` ranks any title match (weight A, at least
/// about 0.6) above any match in the body alone (weight D, at most about
/// 0.1), so these come first among all matches; `search_title_rank` holds
/// each document's rank for each of its title words, computed by triggers
/// with the same `ts_rank` the full query uses (migration 0012, in the
/// transaction that writes the terms or changes the time), and its btree lists
/// them by rank, then newest, then key: the full query's order, ties
/// included. Reading them costs a range of one index however common the word.
async fn title_tier(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    q: &MatchQuery<'_>,
    want: i64,
) -> anyhow::Result<Option<Vec<(i64, f64)>>> {
    let [term] = q.terms else {
        return Ok(None);
    };
    if backend != Backend::Postgres || q.order != Order::Relevance {
        return Ok(None);
    }
    let mut binds: Vec<i64> = Vec::new();
    let mut cond = String::new();
    if !q.channel_ids.is_empty() {
        let list: Vec<String> = q
            .channel_ids
            .iter()
            .map(|id| {
                binds.push(*id);
                format!("${}", binds.len() + 1)
            })
            .collect();
        cond.push_str(&format!(" AND channel_id IN ({})", list.join(", ")));
    }
    for (value, op) in [(q.from, ">="), (q.to, "<")] {
        if let Some(v) = value {
            binds.push(v);
            cond.push_str(&format!(" AND at {op} ${}", binds.len() + 1));
        }
    }
    let sql = format!(
        "SELECT doc_key, -rank::float8 AS score FROM search_title_rank
         WHERE term = $1{cond} ORDER BY rank DESC, at DESC, doc_key DESC {}",
        crate::db::limit_offset(want, 0)
    );
    let mut query = sqlx::query(AssertSqlSafe(sql)).bind(term.as_str());
    for v in &binds {
        query = query.bind(*v);
    }
    let rows = query.fetch_all(&mut *conn).await?;
    Ok(Some(scored(&rows)?))
}

/// The `want` best matches as the index ranks them, without joining any
/// (FTS5's bm25 over its own lists; on PostgreSQL `ts_rank` over `head`).
/// Counting and ranking in one statement was measured slower on SQLite
/// (materializing a common word's matches to share the pass costs more
/// than walking the list twice).
async fn best_candidates(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    q: &MatchQuery<'_>,
    expr: &str,
    want: i64,
) -> anyhow::Result<Vec<(i64, f64)>> {
    let lim = crate::db::limit_offset(want, 0);
    let sql = match backend {
        Backend::Sqlite => format!(
            "SELECT rowid AS doc_key, bm25(search_fts, 10.0, 1.0, 0.0) AS score FROM search_fts
             WHERE search_fts MATCH $1 ORDER BY score {lim}"
        ),
        Backend::Postgres => format!(
            "SELECT doc_key, -ts_rank(head, $2::tsquery)::float8 AS score FROM search_index
             WHERE terms @@ $1::tsquery ORDER BY score {lim}"
        ),
    };
    let mut query = sqlx::query(AssertSqlSafe(sql)).bind(expr);
    if backend == Backend::Postgres {
        query = query.bind(rank_expr(q.terms));
    }
    let rows = query.fetch_all(&mut *conn).await?;
    Ok(scored(&rows)?)
}

/// What PostgreSQL ranks with: the words of the query alone. The match
/// expression also holds the channels' lexemes when a channel is chosen,
/// and `ts_rank` of a word AND a lexeme the `head` lacks (channels are
/// never in it) is the same for every document: results of one word within
/// a channel came newest first instead of best first.
fn rank_expr(terms: &[String]) -> String {
    match_expr(Backend::Postgres, terms, &[])
}

/// (key, score) of rows that select `doc_key` and `score`.
fn scored(rows: &[AnyRow]) -> sqlx::Result<Vec<(i64, f64)>> {
    rows.iter()
        .map(|r| Ok((r.try_get("doc_key")?, r.try_get("score")?)))
        .collect()
}

/// What a list of candidates given to [`pick_visible`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Candidates {
    /// Every match of the query: the visible ones are the whole answer.
    All,
    /// The best matches by score; more may share the last one's score.
    Best,
    /// The first matches in the full query's exact order (score, newest,
    /// key), more following.
    Prefix,
}

/// Best match first: the index ranked on its own (no join per match), and
/// only its best few hundred are checked for visibility and filters. If
/// enough of them pass, those are the answer (anything ranked lower cannot
/// come before them); if not, `None`, and the caller runs the full query.
/// Common words match tens of thousands of articles: this keeps them from
/// being joined one by one.
async fn pick_visible(
    conn: &mut sqlx::AnyConnection,
    q: &MatchQuery<'_>,
    candidates: Vec<(i64, f64)>,
    kind: Candidates,
) -> anyhow::Result<Option<Vec<(i64, f64)>>> {
    let need = (q.offset + q.limit).max(0);
    let allowed = allowed_keys(conn, q, &candidates).await?;
    let exhaustive = kind == Candidates::All;
    let worst = candidates.last().map(|c| c.1);
    let mut visible: Vec<(i64, f64, i64)> = candidates
        .into_iter()
        .filter_map(|(k, score)| allowed.get(&k).map(|at| (k, score, *at)))
        .collect();
    if (visible.len() as i64) < need && !exhaustive {
        return Ok(None);
    }
    // Equal scores are ordered as the full query orders them (newest
    // first). If the last result needed ties with the last of the best
    // candidates, more documents with that score may lie past them: full
    // query. A prefix of the exact order has no such documents.
    visible.sort_by(|a, b| a.1.total_cmp(&b.1).then(b.2.cmp(&a.2)).then(b.0.cmp(&a.0)));
    if kind == Candidates::Best && need > 0 && visible.get(need as usize - 1).map(|v| v.1) == worst
    {
        return Ok(None);
    }
    let visible = visible.into_iter().map(|(k, score, _)| (k, score));
    Ok(Some(
        visible
            .into_iter()
            .skip(q.offset.max(0) as usize)
            .take(q.limit.max(0) as usize)
            .collect(),
    ))
}

/// Which of some keys pass the query's visibility and filters, with the
/// time results are ordered by (articles: published; pages: changed).
async fn allowed_keys(
    conn: &mut sqlx::AnyConnection,
    q: &MatchQuery<'_>,
    candidates: &[(i64, f64)],
) -> anyhow::Result<std::collections::HashMap<i64, i64>> {
    let mut out = std::collections::HashMap::new();
    let (article_cond, page_cond, binds) = conditions(q, 1);
    let articles: Vec<i64> = candidates.iter().map(|c| c.0).filter(|k| *k > 0).collect();
    let pages: Vec<i64> = candidates.iter().map(|c| -c.0).filter(|k| *k > 0).collect();
    let with_pages = q.channel_ids.is_empty();
    for (table, at, ids, cond, sign) in [
        ("articles a", "published_at", articles, article_cond, 1),
        (
            "pages p",
            "updated_at",
            if with_pages { pages } else { Vec::new() },
            page_cond,
            -1,
        ),
    ] {
        if ids.is_empty() {
            continue;
        }
        let first = binds.len() + 1;
        let list: Vec<String> = (first..first + ids.len())
            .map(|i| format!("${i}"))
            .collect();
        let alias = &table[table.len() - 1..];
        let sql = format!(
            "SELECT {alias}.id AS id, {alias}.{at} AS at FROM {table} WHERE {alias}.id IN ({}){cond}",
            list.join(", ")
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for v in &binds {
            query = query.bind(*v);
        }
        for id in &ids {
            query = query.bind(*id);
        }
        for row in query.fetch_all(&mut *conn).await? {
            out.insert(sign * row.try_get::<i64, _>("id")?, row.try_get("at")?);
        }
    }
    Ok(out)
}

/// What a result list shows of a matched document.
#[derive(Debug, Clone)]
pub struct HitRow {
    /// Index key.
    pub key: i64,
    /// Title.
    pub title: String,
    /// The article's channel (none for a page).
    pub channel_id: Option<i64>,
    /// The page's slug (none for an article).
    pub slug: Option<String>,
    /// Summary (may be empty).
    pub summary: String,
    /// Sanitized body.
    pub body_html: String,
    /// Publish time (pages: last change).
    pub at: i64,
    /// Workflow state (`published` for pages).
    pub status: String,
}

fn hit_from_article(row: &AnyRow) -> sqlx::Result<HitRow> {
    Ok(HitRow {
        key: row.try_get("id")?,
        title: row.try_get("title")?,
        channel_id: Some(row.try_get("channel_id")?),
        slug: None,
        summary: row.try_get("summary")?,
        body_html: row.try_get("body_html")?,
        at: row.try_get("published_at")?,
        status: row.try_get("status")?,
    })
}

/// The rows behind some keys, in no particular order.
pub async fn hit_rows(db: &Db, keys: &[i64]) -> anyhow::Result<Vec<HitRow>> {
    let articles: Vec<i64> = keys.iter().copied().filter(|k| *k > 0).collect();
    let pages: Vec<i64> = keys.iter().filter(|k| **k < 0).map(|k| -k).collect();
    let mut out = Vec::new();
    if !articles.is_empty() {
        let sql = format!(
            "SELECT id, channel_id, title, summary, body_html, published_at, status FROM articles
             WHERE id IN ({})",
            placeholders(articles.len())
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for id in &articles {
            q = q.bind(*id);
        }
        for row in q.fetch_all(db.pool()).await? {
            out.push(hit_from_article(&row)?);
        }
    }
    if !pages.is_empty() {
        let sql = format!(
            "SELECT id, slug, title, body_html, updated_at FROM pages WHERE id IN ({})",
            placeholders(pages.len())
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for id in &pages {
            q = q.bind(*id);
        }
        for row in q.fetch_all(db.pool()).await? {
            out.push(HitRow {
                key: page_key(row.try_get("id")?),
                title: row.try_get("title")?,
                channel_id: None,
                slug: Some(row.try_get("slug")?),
                summary: String::new(),
                body_html: row.try_get("body_html")?,
                at: row.try_get("updated_at")?,
                status: "published".into(),
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_estimates_are_read() {
        assert_eq!(
            estimated_rows(
                "Bitmap Heap Scan on search_index  (cost=895.91..26067.49 rows=23731 width=4)"
            ),
            Some(23731.0)
        );
        assert_eq!(
            estimated_rows("Result  (cost=0.00..0.01 rows=1 width=4)"),
            Some(1.0)
        );
        assert_eq!(estimated_rows("no estimate here"), None);
    }

    #[test]
    fn match_expressions_quote_every_term() {
        let terms = vec!["a\"b".to_string(), "or".to_string()];
        assert_eq!(
            match_expr(Backend::Sqlite, &terms, &[]),
            "\"a\"\"b\" \"or\""
        );
        assert_eq!(match_expr(Backend::Postgres, &terms, &[]), "'a\"b' & 'or'");
        assert_eq!(
            match_expr(Backend::Sqlite, &terms[1..], &[3, 12]),
            "\"or\" AND (\"§3\" OR \"§12\")"
        );
        assert_eq!(
            match_expr(Backend::Postgres, &terms[1..], &[3, 12]),
            "'or' & ('ch 3' | 'ch 12')"
        );
    }
}
