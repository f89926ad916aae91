//! Search storage: the queue that triggers fill, the claim an indexer takes
//! on it, the terms written into each backend's own full-text index (FTS5 on
//! SQLite, a GIN-indexed tsvector on PostgreSQL), the stored dictionary
//! words, and (in [`matching`]) the match queries. Terms arrive already
//! segmented; this layer only stores and matches them. Visibility is decided
//! at query time by joining `articles`, so publishing, unpublishing or a
//! scheduled time passing needs no reindexing.

use anyhow::Context;
use sqlx::{Any, AssertSqlSafe, Row, Transaction};

use super::{Backend, Db, now};

pub mod matching;
pub use matching::{HitRow, MatchQuery, Order, find, hit_rows};

/// Index key of a single page (articles use their id).
pub fn page_key(page_id: i64) -> i64 {
    -page_id
}

/// The text of one document to index, as stored.
#[derive(Debug, Clone)]
pub struct SourceDoc {
    /// Index key.
    pub key: i64,
    /// Title.
    pub title: String,
    /// Other short fields worth finding (subtitle, summary, source, author).
    pub extra: Vec<String>,
    /// Sanitized body.
    pub body_html: String,
    /// The article's channel (none for a single page).
    pub channel_id: Option<i64>,
}

/// Queue entries claimed by one indexer, inside one transaction: the
/// entries leave the queue only if the terms are written in the same
/// commit, and a writer that changes a claimed document meanwhile waits and
/// queues it again.
pub struct Claim {
    tx: Transaction<'static, Any>,
    backend: Backend,
    /// The claimed keys.
    pub keys: Vec<i64>,
}

impl std::fmt::Debug for Claim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Claim").field("keys", &self.keys).finish()
    }
}

/// Whether anything waits in the queue (a read, so idle indexers take no
/// write lock).
pub async fn queue_len(db: &Db) -> anyhow::Result<i64> {
    Ok(sqlx::query("SELECT COUNT(*) AS n FROM search_queue")
        .fetch_one(db.pool())
        .await?
        .try_get("n")?)
}

/// Claims up to `limit` queued documents; `None` when the queue is empty.
pub async fn claim(db: &Db, limit: i64) -> anyhow::Result<Option<Claim>> {
    let mut tx = db.begin_write().await?;
    let lim = super::limit_offset(limit, 0);
    let sql = match db.backend() {
        Backend::Sqlite => format!(
            "DELETE FROM search_queue WHERE doc_key IN (SELECT doc_key FROM search_queue {lim})
             RETURNING doc_key"
        ),
        Backend::Postgres => format!(
            "DELETE FROM search_queue WHERE doc_key IN
                 (SELECT doc_key FROM search_queue {lim} FOR UPDATE SKIP LOCKED)
             RETURNING doc_key"
        ),
    };
    let rows = sqlx::query(AssertSqlSafe(sql))
        .fetch_all(&mut *tx)
        .await
        .context("cannot claim queued search documents")?;
    if rows.is_empty() {
        tx.rollback().await?;
        return Ok(None);
    }
    let keys = rows
        .iter()
        .map(|r| r.try_get::<i64, _>("doc_key"))
        .collect::<sqlx::Result<_>>()?;
    Ok(Some(Claim {
        tx,
        backend: db.backend(),
        keys,
    }))
}

pub(crate) fn placeholders(count: usize) -> String {
    (1..=count)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Claim {
    /// The stored dictionary words, read in the claim's transaction so that
    /// a word added together with a reindex is always seen with it.
    pub async fn words(&mut self) -> anyhow::Result<Vec<String>> {
        words_in(&mut self.tx).await
    }

    /// The claimed documents that still exist.
    pub async fn docs(&mut self) -> anyhow::Result<Vec<SourceDoc>> {
        let articles: Vec<i64> = self.keys.iter().copied().filter(|k| *k > 0).collect();
        let pages: Vec<i64> = self.keys.iter().filter(|k| **k < 0).map(|k| -k).collect();
        let mut out = Vec::new();
        if !articles.is_empty() {
            let sql = format!(
                "SELECT id, channel_id, title, subtitle, source, author, summary, body_html FROM articles
                 WHERE id IN ({})",
                placeholders(articles.len())
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for id in &articles {
                q = q.bind(*id);
            }
            for row in q.fetch_all(&mut *self.tx).await? {
                out.push(SourceDoc {
                    key: row.try_get("id")?,
                    title: row.try_get("title")?,
                    extra: ["subtitle", "summary", "source", "author"]
                        .iter()
                        .map(|c| row.try_get::<String, _>(*c))
                        .collect::<sqlx::Result<_>>()?,
                    body_html: row.try_get("body_html")?,
                    channel_id: Some(row.try_get("channel_id")?),
                });
            }
        }
        if !pages.is_empty() {
            let sql = format!(
                "SELECT id, title, body_html FROM pages WHERE id IN ({})",
                placeholders(pages.len())
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for id in &pages {
                q = q.bind(*id);
            }
            for row in q.fetch_all(&mut *self.tx).await? {
                out.push(SourceDoc {
                    key: page_key(row.try_get("id")?),
                    title: row.try_get("title")?,
                    extra: Vec::new(),
                    body_html: row.try_get("body_html")?,
                    channel_id: None,
                });
            }
        }
        Ok(out)
    }

    /// Replaces the terms of one document (and its channel tag).
    pub async fn write(
        &mut self,
        key: i64,
        title: &[String],
        body: &[String],
        channel_id: Option<i64>,
    ) -> anyhow::Result<()> {
        match self.backend {
            Backend::Sqlite => {
                sqlx::query("DELETE FROM search_fts WHERE rowid = $1")
                    .bind(key)
                    .execute(&mut *self.tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO search_fts (rowid, title, body, tags) VALUES ($1, $2, $3, $4)",
                )
                .bind(key)
                .bind(title.join(" "))
                .bind(body.join(" "))
                .bind(channel_id.map(sqlite_channel_tag).unwrap_or_default())
                .execute(&mut *self.tx)
                .await?;
            }
            Backend::Postgres => {
                sqlx::query(
                    "INSERT INTO search_index (doc_key, terms, head, title_terms)
                     VALUES ($1, $2::tsvector, $3::tsvector, $4::tsvector)
                     ON CONFLICT (doc_key) DO UPDATE SET terms = EXCLUDED.terms,
                         head = EXCLUDED.head, title_terms = EXCLUDED.title_terms",
                )
                .bind(key)
                .bind(terms_literal(title, body, channel_id))
                .bind(head_literal(title, body))
                .bind(terms_literal(title, &[], None))
                .execute(&mut *self.tx)
                .await?;
            }
        }
        Ok(())
    }

    /// Removes a document from the index.
    pub async fn remove(&mut self, key: i64) -> anyhow::Result<()> {
        let sql = match self.backend {
            Backend::Sqlite => "DELETE FROM search_fts WHERE rowid = $1",
            Backend::Postgres => "DELETE FROM search_index WHERE doc_key = $1",
        };
        sqlx::query(sql).bind(key).execute(&mut *self.tx).await?;
        Ok(())
    }

    /// Commits the terms and the claim together.
    pub async fn commit(self) -> anyhow::Result<()> {
        self.tx.commit().await?;
        Ok(())
    }
}

/// Quotes a term for tsvector/tsquery input. Terms are letters and digits
/// only, but quoting is kept exact anyway.
pub(crate) fn pg_quote(term: &str) -> String {
    format!("'{}'", term.replace('\\', "\\\\").replace('\'', "''"))
}

/// Body terms that count for ranking on PostgreSQL (the lead).
pub const HEAD_TERMS: usize = 120;

/// The FTS5 term (in the `tags` column) marking an article's channel. It
/// starts with `§`, which FTS5's ASCII tokenizer keeps inside a token and
/// which no segmented word can hold (words are letters and digits only), so
/// no query word ever matches a tag and queries need no column filter
/// (one would make FTS5 read every match's positions just to count).
pub(crate) fn sqlite_channel_tag(channel_id: i64) -> String {
    format!("§{channel_id}")
}

/// The tsvector lexeme marking an article's channel. It holds a space,
/// which no segmented word can, so no query word ever matches it.
pub(crate) fn pg_channel_lexeme(channel_id: i64) -> String {
    format!("ch {channel_id}")
}

/// Every distinct term as a tsvector without positions (for matching),
/// with the channel's lexeme for an article.
pub fn terms_literal(title: &[String], body: &[String], channel_id: Option<i64>) -> String {
    let mut all: Vec<&str> = title.iter().chain(body).map(String::as_str).collect();
    all.sort_unstable();
    all.dedup();
    let mut out = all
        .iter()
        .map(|t| pg_quote(t))
        .collect::<Vec<_>>()
        .join(" ");
    if let Some(id) = channel_id {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&pg_quote(&pg_channel_lexeme(id)));
    }
    out
}

/// The title (weight A) and the lead of the body as a positioned tsvector
/// (for ranking).
pub fn head_literal(title: &[String], body: &[String]) -> String {
    let mut out = String::new();
    let mut pos = 0usize;
    let lead = &body[..body.len().min(HEAD_TERMS)];
    for (terms, weight) in [(title, "A"), (lead, "")] {
        for t in terms {
            pos = (pos + 1).min(16383);
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&pg_quote(t));
            out.push_str(&format!(":{pos}{weight}"));
        }
    }
    out
}

async fn words_in(conn: &mut sqlx::AnyConnection) -> anyhow::Result<Vec<String>> {
    let rows = sqlx::query("SELECT word FROM search_words ORDER BY id")
        .fetch_all(conn)
        .await?;
    Ok(rows
        .iter()
        .map(|r| r.try_get("word"))
        .collect::<sqlx::Result<_>>()?)
}

/// The stored dictionary words, oldest first.
pub async fn words(db: &Db) -> anyhow::Result<Vec<String>> {
    let mut conn = db.pool().acquire().await?;
    words_in(&mut conn).await
}

/// One stored dictionary word.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredWord {
    /// Row id.
    pub id: i64,
    /// The word (cleaned and folded).
    pub word: String,
    /// When it was added (Unix seconds).
    pub created_at: i64,
}

fn stored_word(row: &sqlx::any::AnyRow) -> sqlx::Result<StoredWord> {
    Ok(StoredWord {
        id: row.try_get("id")?,
        word: row.try_get("word")?,
        created_at: row.try_get("created_at")?,
    })
}

/// The stored dictionary words with their ids and times, oldest first.
pub async fn word_list(db: &Db) -> anyhow::Result<Vec<StoredWord>> {
    let rows = sqlx::query("SELECT id, word, created_at FROM search_words ORDER BY id")
        .fetch_all(db.pool())
        .await?;
    Ok(rows.iter().map(stored_word).collect::<sqlx::Result<_>>()?)
}

/// One stored dictionary word by id.
pub async fn get_word(db: &Db, id: i64) -> anyhow::Result<Option<StoredWord>> {
    let row = sqlx::query("SELECT id, word, created_at FROM search_words WHERE id = $1")
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    Ok(row.as_ref().map(stored_word).transpose()?)
}

/// Stores a dictionary word and, in the same transaction, queues every
/// document for reindexing (its terms may now be cut differently). Returns
/// false when the word was already there.
pub async fn add_word(db: &Db, word: &str) -> anyhow::Result<bool> {
    Ok(!add_words(db, &[word.to_string()]).await?.is_empty())
}

/// Stores dictionary words in one transaction and, in the same
/// transaction, queues every document for reindexing once if any word was
/// new. Returns the words that were new, in the order given.
pub async fn add_words(db: &Db, words: &[String]) -> anyhow::Result<Vec<String>> {
    if words.is_empty() {
        return Ok(Vec::new());
    }
    let mut tx = db.begin_write().await?;
    let t = now();
    let mut inserted = Vec::new();
    for word in words {
        let new = sqlx::query(
            "INSERT INTO search_words (word, created_at) VALUES ($1, $2)
             ON CONFLICT (word) DO NOTHING RETURNING id",
        )
        .bind(word)
        .bind(t)
        .fetch_optional(&mut *tx)
        .await?
        .is_some();
        if new {
            inserted.push(word.clone());
        }
    }
    if !inserted.is_empty() {
        enqueue_all_in(&mut tx).await?;
    }
    tx.commit().await?;
    Ok(inserted)
}

/// Deletes a dictionary word and, in the same transaction, queues every
/// document for reindexing. Returns the deleted word, `None` when there
/// was no such row.
pub async fn delete_word(db: &Db, id: i64) -> anyhow::Result<Option<String>> {
    let mut tx = db.begin_write().await?;
    let word: Option<String> = sqlx::query("DELETE FROM search_words WHERE id = $1 RETURNING word")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| r.try_get("word"))
        .transpose()?;
    if word.is_some() {
        enqueue_all_in(&mut tx).await?;
    }
    tx.commit().await?;
    Ok(word)
}

async fn enqueue_all_in(conn: &mut sqlx::AnyConnection) -> anyhow::Result<()> {
    let t = now();
    for sql in [
        "INSERT INTO search_queue (doc_key, queued_at) SELECT id, $1 FROM articles WHERE true
         ON CONFLICT (doc_key) DO UPDATE SET queued_at = excluded.queued_at",
        "INSERT INTO search_queue (doc_key, queued_at) SELECT -id, $1 FROM pages WHERE true
         ON CONFLICT (doc_key) DO UPDATE SET queued_at = excluded.queued_at",
    ] {
        sqlx::query(sql).bind(t).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Queues every article and page; returns the queue's length.
pub async fn enqueue_all(db: &Db) -> anyhow::Result<i64> {
    let mut tx = db.begin_write().await?;
    enqueue_all_in(&mut tx).await?;
    tx.commit().await?;
    queue_len(db).await
}

/// Refreshes the planner's statistics after a rebuild (PostgreSQL plans
/// the joins of a search from them, and estimates common words' counts
/// from them) and merges the GIN indexes' pending entries.
pub async fn analyze(db: &Db) -> anyhow::Result<()> {
    match db.backend() {
        Backend::Sqlite => {
            sqlx::query("PRAGMA optimize").execute(db.pool()).await?;
        }
        Backend::Postgres => {
            sqlx::query("ANALYZE search_index, search_title_rank, articles")
                .execute(db.pool())
                .await?;
            merge_pending_or_log(db).await;
        }
    }
    Ok(())
}

/// [`merge_pending`], a failure logged instead of returned: the documents
/// are indexed either way, and autovacuum merges the entries later. The
/// first failure is a warning (say, a role that does not own the indexes);
/// the same failure after every drain would only be noise.
pub async fn merge_pending_or_log(db: &Db) {
    static WARNED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if let Err(e) = merge_pending(db).await {
        if WARNED.swap(true, std::sync::atomic::Ordering::Relaxed) {
            tracing::debug!(error = format!("{e:#}"), "GIN pending entries not merged");
        } else {
            tracing::warn!(error = format!("{e:#}"), "GIN pending entries not merged");
        }
    }
}

/// On PostgreSQL, moves the entries written since the last call into the
/// main structure of the two GIN indexes. Writes go to an unsorted pending
/// list first (fast updates), which every search must then read whole
/// until autovacuum gets to it: after 100k documents, 365 pages of it made
/// one common word's title lookup 5.4 ms instead of 0.2. The indexer calls
/// this after each drain, so the list stays short; a no-op on SQLite.
pub async fn merge_pending(db: &Db) -> anyhow::Result<()> {
    if db.backend() == Backend::Postgres {
        sqlx::query(
            "SELECT gin_clean_pending_list('search_index_terms'::regclass)              + gin_clean_pending_list('search_index_title_terms'::regclass) AS n",
        )
        .fetch_one(db.pool())
        .await?;
    }
    Ok(())
}

/// The size of the index in bytes, when the backend can tell cheaply
/// (for the benchmark and `fupin reindex`).
pub async fn index_size(db: &Db) -> anyhow::Result<Option<i64>> {
    let sql = match db.backend() {
        Backend::Sqlite => {
            "SELECT COALESCE(SUM(pgsize), 0) AS n FROM dbstat WHERE name LIKE 'search_fts%'"
        }
        Backend::Postgres => {
            "SELECT pg_total_relation_size('search_index')
                 + pg_total_relation_size('search_title_rank') AS n"
        }
    };
    match sqlx::query(sql).fetch_one(db.pool()).await {
        Ok(row) => Ok(Some(row.try_get("n")?)),
        Err(_) => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsvector_literals_quote_and_weigh() {
        let t = vec!["扶贫".to_string(), "o'k".to_string()];
        let b = vec!["农业".to_string(), "扶贫".to_string()];
        assert_eq!(
            head_literal(&t, &b),
            "'扶贫':1A 'o''k':2A '农业':3 '扶贫':4"
        );
        assert_eq!(terms_literal(&t, &b, None), "'o''k' '农业' '扶贫'");
        assert_eq!(
            terms_literal(&t, &b, Some(7)),
            "'o''k' '农业' '扶贫' 'ch 7'"
        );
        let long: Vec<String> = (0..500).map(|i| format!("w{i}")).collect();
        assert_eq!(head_literal(&[], &long).split(' ').count(), HEAD_TERMS);
    }
}
