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

use std::collections::HashSet;
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};

use chrono::TimeZone;
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

/// The Asia/Shanghai day of a Unix time as `yyyymmdd`.
pub fn day_of(unix: i64) -> i64 {
    Shanghai
        .timestamp_opt(unix, 0)
        .single()
        .map(|t| t.format("%Y%m%d").to_string().parse().unwrap_or(0))
        .unwrap_or(0)
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

#[derive(Debug, Default)]
struct Pending {
    batch: Batch,
    seen_day: i64,
    seen: HashSet<(&'static str, String, [u8; 16])>,
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
    salt: RwLock<Option<(i64, Vec<u8>)>>,
    totals: Mutex<Option<Totals>>,
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
    pub async fn salt(&self, db: &Db, day: i64) -> anyhow::Result<Vec<u8>> {
        if let Some((d, s)) = self.salt.read().unwrap_or_else(|e| e.into_inner()).as_ref()
            && *d == day
        {
            return Ok(s.clone());
        }
        let salt = visits::salt_for(db, day, &token::new_token()).await?;
        let bytes = salt.into_bytes();
        *self.salt.write().unwrap_or_else(|e| e.into_inner()) = Some((day, bytes.clone()));
        Ok(bytes)
    }

    /// Counts one page view.
    pub fn record(&self, v: Visit) {
        let mut p = self.lock();
        if p.seen_day != v.day {
            p.seen_day = v.day;
            p.seen.clear();
        }
        let device = v.device.as_str().to_string();
        let mut counted: Vec<(&'static str, String, bool)> = vec![
            (kind::SITE, String::new(), true),
            (kind::PATH, v.path.chars().take(200).collect(), true),
            (kind::DEVICE, device, true),
        ];
        if let Some(id) = v.article {
            counted.push((kind::ARTICLE, id.to_string(), true));
        }
        if let Some(id) = v.channel {
            counted.push((kind::CHANNEL, id.to_string(), true));
        }
        if let Some(host) = v.referrer {
            counted.push((kind::REFERRER, host, false));
        }
        for (k, key, unique) in counted {
            add_view(&mut p.batch, v.day, k, &key);
            if unique {
                let pair = (k, key, v.visitor);
                if !p.seen.contains(&pair) {
                    if p.seen.len() < MAX_SEEN {
                        p.seen.insert(pair.clone());
                    }
                    p.batch
                        .uniques
                        .insert((v.day, k, pair.1, token::hex(&v.visitor)));
                }
            }
        }
    }

    /// Counts the terms of a site search.
    pub fn record_search(&self, day: i64, term: &str) {
        let mut p = self.lock();
        add_view(&mut p.batch, day, kind::SEARCH, term);
    }

    /// Views of an article counted here and not yet flushed.
    pub fn pending(&self, article_id: i64) -> i64 {
        let key = article_id.to_string();
        self.lock()
            .batch
            .views
            .iter()
            .filter(|((_, k, id), _)| *k == kind::ARTICLE && *id == key)
            .map(|(_, n)| *n)
            .sum()
    }

    /// Writes the batch; on failure it is kept for the next flush.
    pub async fn flush(&self, db: &Db) -> anyhow::Result<Flushed> {
        let batch = std::mem::take(&mut self.lock().batch);
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
                self.lock().batch.absorb(batch);
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
        let waiting = |only_today: bool| -> i64 {
            p.batch
                .views
                .iter()
                .filter(|((d, k, _), _)| *k == kind::SITE && (!only_today || *d == day))
                .map(|(_, n)| *n)
                .sum()
        };
        let today = if t.day == day { t.today } else { 0 };
        Some((t.total + waiting(false), today + waiting(true)))
    }
}

fn add_view(batch: &mut Batch, day: i64, k: &'static str, key: &str) {
    let entry = (day, k, key.to_string());
    if let Some(n) = batch.views.get_mut(&entry) {
        *n += 1;
        return;
    }
    let droppable = k == kind::SEARCH || k == kind::REFERRER;
    if droppable && batch.views.len() >= MAX_KEYS {
        return;
    }
    batch.views.insert(entry, 1);
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
        let p = r.lock();
        let b = &p.batch;
        assert_eq!(b.views[&(20261126, kind::SITE, String::new())], 3);
        assert_eq!(b.views[&(20261126, kind::REFERRER, "www.baidu.com".into())], 3);
        assert_eq!(b.views[&(20261126, kind::SEARCH, "扶贫".into())], 1);
        let article_uniques = b.uniques.iter().filter(|u| u.1 == kind::ARTICLE).count();
        assert_eq!(article_uniques, 2, "two visitors of the article");
        assert!(b.uniques.iter().all(|u| u.1 != kind::REFERRER));
    }
}
