//! Visit statistics without cookies or third-party scripts, and the 点击数
//! of articles, as one count.
//!
//! The [`middleware`] looks at every public page view that succeeded and
//! hands it to the [`Recorder`], which adds it to an in-memory batch: views
//! per day (Asia/Shanghai) for the site, the page path, the article, the
//! channel, the referring host, the search terms and the device, and the
//! visitor digests seen for the first time (a salted hash of address and
//! browser, see [`agent::visitor_digest`]). No request writes to the
//! database: every instance flushes its batch every few seconds and at
//! shutdown (`cluster::spawn_background`, `server::serve`), and the writes
//! add, so several instances add up. Article views also raise
//! `articles.hits` in the same flush, so the article page's 点击数 and the
//! statistics never disagree. A failed flush keeps its batch for the next.

pub mod agent;
pub mod chart;
pub mod middleware;

use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant};

use chrono::{Datelike, TimeZone};
use chrono_tz::Asia::Shanghai;

use crate::auth::token;
use crate::db::visits::{self, Batch, Flushed, Kinds};
use crate::db::{self, Db};
use agent::Device;

/// The kinds of counts.
pub mod kind {
    /// The whole site (key "").
    pub const SITE: &str = "site";
    /// A page path.
    pub const PATH: &str = "path";
    /// An article (key: its id).
    pub const ARTICLE: &str = "article";
    /// A channel (key: its id).
    pub const CHANNEL: &str = "channel";
    /// A referring host.
    pub const REFERRER: &str = "referrer";
    /// Search terms.
    pub const SEARCH: &str = "search";
    /// `phone` or `desktop`.
    pub const DEVICE: &str = "device";
    /// Every kind.
    pub const ALL: &[&str] = &[SITE, PATH, ARTICLE, CHANNEL, REFERRER, SEARCH, DEVICE];
}

const KINDS: Kinds = Kinds {
    site: kind::SITE,
    article: kind::ARTICLE,
    channel: kind::CHANNEL,
    all: kind::ALL,
};

/// Distinct keys a batch may hold before new search terms and referrers
/// are dropped (a flood of invented terms must not exhaust memory while
/// the database is away).
const MAX_KEYS: usize = 20_000;
/// Visitor pairs remembered per day to spare the database repeated inserts;
/// beyond this the database alone deduplicates.
const MAX_SEEN: usize = 200_000;
/// How long the footer's totals are reused before being read again.
const TOTALS_MAX_AGE: Duration = Duration::from_secs(5);

/// The Asia/Shanghai day of a Unix time as `yyyymmdd` (China has kept
/// UTC+8 without daylight saving since 1991, so an offset suffices; this
/// runs on every counted request).
pub fn day_of(unix: i64) -> i64 {
    match chrono::DateTime::from_timestamp(unix + 8 * 3600, 0) {
        Some(t) => i64::from(t.year()) * 10_000 + i64::from(t.month()) * 100 + i64::from(t.day()),
        None => 0,
    }
}

/// One page view as the middleware saw it.
#[derive(Debug, Clone)]
pub struct Visit {
    /// `yyyymmdd`.
    pub day: i64,
    /// The visitor digest.
    pub visitor: [u8; 16],
    /// The page's path (no query).
    pub path: String,
    /// The article shown, if any.
    pub article: Option<i64>,
    /// The channel page shown, if any.
    pub channel: Option<i64>,
    /// Another site that linked here.
    pub referrer: Option<String>,
    /// Phone or desktop.
    pub device: Device,
}

/// The batch as the hot path keeps it: views per (day, kind), then per key
/// (looked up by `&str`, so a repeated key costs no allocation), and
/// visitor pairs remembered by a 64-bit hash.
#[derive(Debug, Default)]
struct Pending {
    views: HashMap<(i64, &'static str), HashMap<String, i64>>,
    keys: usize,
    uniques: Vec<(i64, &'static str, String, [u8; 16])>,
    seen_day: i64,
    seen: HashSet<u64>,
}

impl Pending {
    fn add_view(&mut self, day: i64, k: &'static str, key: &str) {
        let per_key = self.views.entry((day, k)).or_default();
        if let Some(n) = per_key.get_mut(key) {
            *n += 1;
            return;
        }
        // A flood of invented search terms or referrers must not exhaust
        // memory while the database is away.
        if (k == kind::SEARCH || k == kind::REFERRER) && self.keys >= MAX_KEYS {
            return;
        }
        per_key.insert(key.to_string(), 1);
        self.keys += 1;
    }

    fn add_visitor(&mut self, day: i64, k: &'static str, key: &str, visitor: [u8; 16]) {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (k, key, visitor).hash(&mut h);
        let pair = h.finish();
        if self.seen.contains(&pair) {
            return;
        }
        if self.seen.len() < MAX_SEEN {
            self.seen.insert(pair);
        }
        self.uniques.push((day, k, key.to_string(), visitor));
    }

    fn views_of(&self, day: Option<i64>, k: &'static str, key: &str) -> i64 {
        self.views
            .iter()
            .filter(|((d, kk), _)| *kk == k && day.is_none_or(|want| *d == want))
            .filter_map(|(_, m)| m.get(key))
            .sum()
    }

    fn take(&mut self) -> Batch {
        let mut batch = Batch::default();
        for ((day, k), keys) in self.views.drain() {
            for (key, n) in keys {
                batch.views.insert((day, k, key), n);
            }
        }
        self.keys = 0;
        for (day, k, key, v) in self.uniques.drain(..) {
            batch.uniques.insert((day, k, key, token::hex(&v)));
        }
        batch
    }

    fn put_back(&mut self, batch: Batch) {
        for ((day, k, key), n) in batch.views {
            *self
                .views
                .entry((day, k))
                .or_default()
                .entry(key)
                .or_insert(0) += n;
        }
        self.keys = self.views.values().map(HashMap::len).sum();
        for (day, k, key, hex) in batch.uniques {
            let mut v = [0u8; 16];
            for (i, b) in v.iter_mut().enumerate() {
                *b = u8::from_str_radix(hex.get(2 * i..2 * i + 2).unwrap_or("00"), 16).unwrap_or(0);
            }
            self.uniques.push((day, k, key, v));
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Totals {
    read_at: Instant,
    day: i64,
    total: i64,
    today: i64,
}

/// The in-memory batch of one instance.
#[derive(Debug)]
pub struct Recorder {
    enabled: bool,
    pending: Mutex<Pending>,
    salt: RwLock<Option<(i64, Arc<[u8]>)>>,
    totals: Mutex<Option<Totals>>,
    own_host: OnceLock<String>,
}

impl Default for Recorder {
    fn default() -> Self {
        Recorder::new(true)
    }
}

impl Recorder {
    /// A recorder; a disabled one counts nothing (to measure the cost).
    pub fn new(enabled: bool) -> Recorder {
        Recorder {
            enabled,
            pending: Mutex::default(),
            salt: RwLock::default(),
            totals: Mutex::default(),
            own_host: OnceLock::new(),
        }
    }

    /// Whether views are counted.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The salt of `day`'s visitor digests (read from the database once a
    /// day per instance).
    pub async fn salt(&self, db: &Db, day: i64) -> anyhow::Result<Arc<[u8]>> {
        if let Some((d, s)) = self.salt.read().unwrap_or_else(|e| e.into_inner()).as_ref()
            && *d == day
        {
            return Ok(s.clone());
        }
        let salt = visits::salt_for(db, day, &token::new_token()).await?;
        let bytes: Arc<[u8]> = salt.into_bytes().into();
        *self.salt.write().unwrap_or_else(|e| e.into_inner()) = Some((day, bytes.clone()));
        Ok(bytes)
    }

    /// The host of the site's public address (its own pages are no referrers).
    pub fn own_host(&self, base_url: &str) -> &str {
        self.own_host.get_or_init(|| {
            url::Url::parse(base_url)
                .ok()
                .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
                .unwrap_or_default()
        })
    }

    /// Counts one page view.
    pub fn record(&self, v: Visit) {
        let mut p = self.lock();
        if p.seen_day != v.day {
            p.seen_day = v.day;
            p.seen.clear();
        }
        let mut count = |k: &'static str, key: &str, unique: bool| {
            p.add_view(v.day, k, key);
            if unique {
                p.add_visitor(v.day, k, key, v.visitor);
            }
        };
        count(kind::SITE, "", true);
        let path = match v.path.char_indices().nth(200) {
            Some((at, _)) => &v.path[..at],
            None => &v.path,
        };
        count(kind::PATH, path, true);
        count(kind::DEVICE, v.device.as_str(), true);
        let mut buf = itoa_buf();
        if let Some(id) = v.article {
            count(kind::ARTICLE, fmt_id(&mut buf, id), true);
        }
        if let Some(id) = v.channel {
            count(kind::CHANNEL, fmt_id(&mut buf, id), true);
        }
        if let Some(host) = &v.referrer {
            count(kind::REFERRER, host, false);
        }
    }

    /// Counts the terms of a site search.
    pub fn record_search(&self, day: i64, term: &str) {
        self.lock().add_view(day, kind::SEARCH, term);
    }

    /// Views of an article counted here and not yet flushed.
    pub fn pending(&self, article_id: i64) -> i64 {
        self.lock()
            .views_of(None, kind::ARTICLE, &article_id.to_string())
    }

    /// Writes the batch; on failure it is kept for the next flush.
    pub async fn flush(&self, db: &Db) -> anyhow::Result<Flushed> {
        let batch = self.lock().take();
        if batch.is_empty() {
            return Ok(Flushed::default());
        }
        match visits::flush(db, &batch, &KINDS).await {
            Ok(done) => {
                // What was pending here is now in the database: keep the
                // footer's totals whole until they are read again.
                let mut t = self.totals.lock().unwrap_or_else(|e| e.into_inner());
                if let Some(t) = t.as_mut() {
                    t.total += done.site_views;
                    t.today += batch
                        .views
                        .iter()
                        .filter(|((d, k, _), _)| *d == t.day && *k == kind::SITE)
                        .map(|(_, n)| *n)
                        .sum::<i64>();
                }
                Ok(done)
            }
            Err(e) => {
                self.lock().put_back(batch);
                Err(e)
            }
        }
    }

    /// Reads the site totals again when the cached ones are older than a
    /// few seconds or of another day.
    pub async fn refresh_totals(&self, db: &Db, now: i64) -> anyhow::Result<()> {
        let day = day_of(now);
        let fresh = self
            .totals
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some_and(|t| t.day == day && t.read_at.elapsed() < TOTALS_MAX_AGE);
        if fresh || !self.enabled {
            return Ok(());
        }
        let (total, today) = visits::site_totals(db, kind::SITE, day).await?;
        *self.totals.lock().unwrap_or_else(|e| e.into_inner()) = Some(Totals {
            read_at: Instant::now(),
            day,
            total,
            today,
        });
        Ok(())
    }

    /// The footer's numbers: views ever and today, counting what waits here.
    pub fn footer(&self, now: i64) -> Option<(i64, i64)> {
        if !self.enabled {
            return None;
        }
        let day = day_of(now);
        let t = (*self.totals.lock().unwrap_or_else(|e| e.into_inner()))?;
        let p = self.lock();
        let today = if t.day == day { t.today } else { 0 };
        Some((
            t.total + p.views_of(None, kind::SITE, ""),
            today + p.views_of(Some(day), kind::SITE, ""),
        ))
    }
}

/// A stack buffer for an id's digits.
fn itoa_buf() -> [u8; 20] {
    [0; 20]
}

/// An id as text without allocating.
fn fmt_id(buf: &mut [u8; 20], id: i64) -> &str {
    use std::io::Write;
    let mut cursor = std::io::Cursor::new(&mut buf[..]);
    let _ = write!(cursor, "{id}");
    let n = cursor.position() as usize;
    std::str::from_utf8(&buf[..n]).unwrap_or("0")
}

/// Deletes salts and visitor digests older than yesterday.
pub async fn prune(db: &Db, now: i64) -> anyhow::Result<()> {
    visits::prune(db, day_of(now - 86_400)).await
}

/// The Unix time a `yyyymmdd` day starts in Asia/Shanghai.
pub fn day_start(day: i64) -> Option<i64> {
    let date = chrono::NaiveDate::parse_from_str(&day.to_string(), "%Y%m%d").ok()?;
    Shanghai
        .from_local_datetime(&date.and_hms_opt(0, 0, 0)?)
        .earliest()
        .map(|t| t.timestamp())
}

/// Today as `yyyymmdd`.
pub fn today() -> i64 {
    day_of(db::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn visit(day: i64, who: u8, path: &str, article: Option<i64>) -> Visit {
        Visit {
            day,
            visitor: [who; 16],
            path: path.into(),
            article,
            channel: None,
            referrer: Some("www.baidu.com".into()),
            device: Device::Phone,
        }
    }

    #[test]
    fn days_are_shanghai_days() {
        // 2026-11-25 16:30 UTC is 2026-11-26 00:30 in Shanghai.
        assert_eq!(day_of(1_795_624_200), 20261126);
        assert_eq!(day_start(20261126), Some(1_795_622_400));
    }

    #[test]
    fn views_add_up_and_visitors_are_new_once() {
        let r = Recorder::new(true);
        r.record(visit(20261126, 1, "/a/5.html", Some(5)));
        r.record(visit(20261126, 1, "/a/5.html", Some(5)));
        r.record(visit(20261126, 2, "/a/5.html", Some(5)));
        r.record_search(20261126, "扶贫");
        assert_eq!(r.pending(5), 3);
        let b = r.lock().take();
        assert_eq!(b.views[&(20261126, kind::SITE, String::new())], 3);
        assert_eq!(
            b.views[&(20261126, kind::REFERRER, "www.baidu.com".into())],
            3
        );
        assert_eq!(b.views[&(20261126, kind::SEARCH, "扶贫".into())], 1);
        let article_uniques = b.uniques.iter().filter(|u| u.1 == kind::ARTICLE).count();
        assert_eq!(article_uniques, 2, "two visitors of the article");
        assert!(b.uniques.iter().all(|u| u.1 != kind::REFERRER));
    }
}
