//! Hit counts (点击数) without a database write per request: views are added
//! to an in-memory map and flushed in one transaction every few seconds and
//! at shutdown. A failed flush puts its counts back, so nothing is lost.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::db::{self, Db};

/// Pending hit counts per article id.
#[derive(Debug, Default)]
pub struct HitCounter {
    pending: Mutex<HashMap<i64, i64>>,
}

impl HitCounter {
    /// Counts one view of an article.
    pub fn record(&self, article_id: i64) {
        let mut map = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        *map.entry(article_id).or_insert(0) += 1;
    }

    /// Views counted here and not yet flushed.
    pub fn pending(&self, article_id: i64) -> i64 {
        let map = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        map.get(&article_id).copied().unwrap_or(0)
    }

    /// Writes every pending count to the database; returns how many
    /// articles were updated.
    pub async fn flush(&self, db: &Db) -> anyhow::Result<usize> {
        let batch: Vec<(i64, i64)> = {
            let mut map = self.pending.lock().unwrap_or_else(|e| e.into_inner());
            map.drain().collect()
        };
        if batch.is_empty() {
            return Ok(0);
        }
        if let Err(e) = db::articles::add_hits(db, &batch).await {
            let mut map = self.pending.lock().unwrap_or_else(|e| e.into_inner());
            for (id, n) in batch {
                *map.entry(id).or_insert(0) += n;
            }
            return Err(e);
        }
        Ok(batch.len())
    }
}
