//! Keeping the index up to date: database triggers queue every changed
//! article or page, and an indexer drains the queue — a task started by
//! `serve` that looks every 300 ms, and the CLI commands that write, which
//! drain inline before they exit. Each batch is claimed, segmented and
//! written in one transaction, so several instances may drain the same
//! queue at once and a crash loses nothing. `fupin reindex` queues
//! everything and drains with a progress bar.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;

use super::segment::Segmenter;
use crate::db::Db;
use crate::db::search::{self, SourceDoc};

/// How often a running server looks at the queue.
pub const POLL: Duration = Duration::from_millis(300);
/// Documents per claim while serving: small, so a claim's transaction is
/// short and writers never wait long on it.
const BATCH: i64 = 64;
/// Documents per claim in a full rebuild.
const REBUILD_BATCH: i64 = 256;

/// The terms of one document.
struct DocTerms {
    key: i64,
    title: Vec<String>,
    body: Vec<String>,
    channel_id: Option<i64>,
}

fn segment_doc(seg: &Segmenter, doc: &SourceDoc) -> DocTerms {
    let mut body = String::new();
    for part in &doc.extra {
        if !part.is_empty() {
            body.push_str(part);
            body.push('\n');
        }
    }
    body.push_str(&crate::html::text_of(&doc.body_html));
    DocTerms {
        key: doc.key,
        title: seg.index_words(&doc.title),
        body: seg.index_words(&body),
        channel_id: doc.channel_id,
    }
}

/// Segments documents on the blocking pool, split over two threads when
/// there are many (segmenting is the expensive part of indexing).
async fn segment_all(seg: Arc<Segmenter>, docs: Vec<SourceDoc>) -> anyhow::Result<Vec<DocTerms>> {
    tokio::task::spawn_blocking(move || {
        if docs.len() < 16 {
            return docs.iter().map(|d| segment_doc(&seg, d)).collect();
        }
        let (a, b) = docs.split_at(docs.len() / 2);
        std::thread::scope(|s| {
            let other = s.spawn(|| a.iter().map(|d| segment_doc(&seg, d)).collect::<Vec<_>>());
            let mut mine: Vec<DocTerms> = b.iter().map(|d| segment_doc(&seg, d)).collect();
            let mut out = other.join().unwrap_or_default();
            out.append(&mut mine);
            out
        })
    })
    .await
    .context("the segmenting task failed")
}

/// Claims and indexes one batch; returns how many queue entries it took
/// (0 when the queue was empty).
pub async fn drain_batch(db: &Db, limit: i64) -> anyhow::Result<usize> {
    let Some(mut claim) = search::claim(db, limit).await? else {
        return Ok(0);
    };
    let words = claim.words().await?;
    let seg = Segmenter::with_words(&words);
    let docs = claim.docs().await?;
    let terms = segment_all(seg, docs).await?;
    let keys = claim.keys.clone();
    for key in &keys {
        match terms.iter().find(|t| t.key == *key) {
            Some(t) => claim.write(t.key, &t.title, &t.body, t.channel_id).await?,
            None => claim.remove(*key).await?,
        }
    }
    claim.commit().await?;
    Ok(keys.len())
}

/// Drains the queue until it is empty; returns how many entries it took.
pub async fn drain(db: &Db) -> anyhow::Result<usize> {
    let mut total = 0;
    loop {
        let n = drain_batch(db, BATCH).await?;
        if n == 0 {
            // The documents are indexed either way: a failure here (say, a
            // role that does not own the index) only leaves the entries to
            // autovacuum.
            if total > 0 {
                search::merge_pending_or_log(db).await;
            }
            return Ok(total);
        }
        total += n;
    }
}

/// Starts the background indexer of a server: it drains the queue every
/// [`POLL`] and logs (then retries) when the database is away.
pub fn spawn_indexer(db: Db) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(POLL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            // A read first, so an idle indexer takes no write lock.
            match search::queue_len(&db).await {
                Ok(0) => continue,
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(
                        error = format!("{e:#}"),
                        "search queue unreadable; will retry"
                    );
                    continue;
                }
            }
            if let Err(e) = drain(&db).await {
                tracing::warn!(
                    error = format!("{e:#}"),
                    "search indexing failed; will retry"
                );
            }
        }
    })
}

/// Rebuilds the whole index from the database: queues every article and
/// page, then drains, with a progress bar on a terminal. Returns how many
/// documents were processed.
pub async fn reindex(db: &Db, progress: bool) -> anyhow::Result<u64> {
    let total = search::enqueue_all(db).await?;
    let bar = if progress {
        indicatif::ProgressBar::new(total.max(0) as u64)
    } else {
        indicatif::ProgressBar::hidden()
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{msg} [{bar:40}] {pos}/{len} 篇 ({per_sec}, 剩余 {eta})",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.set_message("重建搜索索引");
    let mut done = 0u64;
    loop {
        let n = drain_batch(db, REBUILD_BATCH).await?;
        if n == 0 {
            break;
        }
        done += n as u64;
        bar.set_position(done.min(bar.length().unwrap_or(done)));
    }
    bar.finish_and_clear();
    crate::db::settings::set(db, super::FOLD_STAMP_KEY, &super::fold_stamp()).await?;
    search::analyze(db).await?;
    Ok(done)
}
