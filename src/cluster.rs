//! What makes several instances on one database act as one site.
//!
//! - [`ChangeWatch`] polls the trigger-written change log twice a second, so
//!   every instance learns of a write made anywhere (another instance, the
//!   CLI) well within the two seconds the site promises; caches key on its
//!   number. Polling one indexed `MAX(id)` works the same on SQLite and
//!   PostgreSQL and needs no extra connection type.
//! - [`run_due_jobs`] runs periodic work once per time slot however many
//!   instances run: each instance tries to insert the (job, slot) claim and
//!   only the one whose insert succeeds runs the job.
//! - [`spawn_background`] starts the watcher, the job loop and the flush of
//!   batched visit counts (statistics and 点击数) (each instance flushes its own counts; the updates
//!   add, so the database total is right whatever the number of instances).

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::app::AppState;
use crate::db::{self, Db};

/// How often the change log is polled.
pub const POLL: Duration = Duration::from_millis(500);

/// The newest change number this instance has seen.
#[derive(Debug)]
pub struct ChangeWatch {
    seq: AtomicI64,
    tx: watch::Sender<i64>,
    live: AtomicBool,
}

impl Default for ChangeWatch {
    fn default() -> Self {
        ChangeWatch {
            seq: AtomicI64::new(0),
            tx: watch::channel(0).0,
            live: AtomicBool::new(false),
        }
    }
}

impl ChangeWatch {
    /// Whether a watcher task keeps the number current (so caches keyed on
    /// it are safe to use).
    pub fn is_live(&self) -> bool {
        self.live.load(Ordering::Acquire)
    }

    /// The change number last seen.
    pub fn current(&self) -> i64 {
        self.seq.load(Ordering::Acquire)
    }

    /// A receiver told of every new change number.
    pub fn subscribe(&self) -> watch::Receiver<i64> {
        self.tx.subscribe()
    }

    /// Marks the number as current for a one-shot batch (an export) that
    /// reads one consistent snapshot and needs no watcher.
    pub async fn pin(&self, db: &Db) -> anyhow::Result<()> {
        self.poll(db).await?;
        self.live.store(true, Ordering::Release);
        Ok(())
    }

    /// Reads the change log once; true when something changed since the
    /// last poll.
    pub async fn poll(&self, db: &Db) -> anyhow::Result<bool> {
        let latest = db::changes::latest(db).await?;
        let previous = self.seq.swap(latest, Ordering::AcqRel);
        if latest != previous {
            self.tx.send_replace(latest);
        }
        Ok(latest != previous)
    }
}

/// A periodic job.
#[derive(Debug, Clone, Copy)]
pub struct Job {
    /// Its name in `job_runs`.
    pub name: &'static str,
    /// Seconds per slot.
    pub period: i64,
}

/// The periodic jobs.
pub const JOBS: &[Job] = &[
    Job {
        name: "publish_scheduled",
        period: 10,
    },
    Job {
        name: "prune_logs",
        period: 3600,
    },
    Job {
        name: "prune_visitors",
        period: 600,
    },
];

/// How long the change log and job claims are kept.
const KEEP_LOGS: i64 = 2 * 86_400;

async fn run_job(state: &AppState, job: &Job, now: i64) -> anyhow::Result<()> {
    match job.name {
        "publish_scheduled" => {
            let report = crate::editorial::due::publish_due(&state.db, now).await?;
            if !report.published.is_empty() {
                tracing::info!(
                    count = report.published.len(),
                    "published scheduled articles"
                );
            }
            if !report.unpublished.is_empty() {
                tracing::info!(
                    count = report.unpublished.len(),
                    "took expired articles off the site"
                );
            }
        }
        "prune_logs" => {
            db::changes::prune(&state.db, now - KEEP_LOGS).await?;
            db::audit::prune(&state.db, now).await?;
            db::login_attempts::prune(&state.db, now - 86_400).await?;
            db::users::prune_devices(&state.db, now).await?;
            db::sessions::purge_expired(&state.db, now, now - crate::auth::session::IDLE_SECS)
                .await?;
        }
        "prune_visitors" => {
            // Yesterday's salt goes once today is under way: no count can
            // then be linked to a visitor. Expired captchas and old
            // mailbox attempts go too.
            crate::stats::prune(&state.db, now).await?;
            db::captchas::prune(&state.db, now, now - 86_400).await?;
        }
        _ => {}
    }
    Ok(())
}

/// Claims and runs every job whose current slot has not run anywhere yet;
/// returns the names of the jobs this instance ran.
pub async fn run_due_jobs(state: &AppState, now: i64) -> anyhow::Result<Vec<&'static str>> {
    let mut ran = Vec::new();
    for job in JOBS {
        let slot = now.div_euclid(job.period);
        if db::changes::claim_job(&state.db, job.name, slot, &state.instance).await? {
            if let Err(e) = run_job(state, job, now).await {
                tracing::warn!(job = job.name, error = format!("{e:#}"), "job failed");
            }
            ran.push(job.name);
        }
    }
    // The daily backup has a slot of its own (the configured time of day).
    match crate::backup::schedule::run_if_due(state, now).await {
        Ok(true) => ran.push(crate::backup::schedule::JOB),
        Ok(false) => {}
        Err(e) => tracing::warn!(error = format!("{e:#}"), "scheduled backup failed"),
    }
    Ok(ran)
}

/// A name for this process, unique enough among the instances of a site.
pub fn new_instance_id() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "host".into());
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{host}-{}-{nanos:x}", std::process::id())
}

/// Starts the change watcher, the job loop and the hit-count flusher.
pub fn spawn_background(state: &AppState) -> Vec<JoinHandle<()>> {
    let watcher = {
        let state = state.clone();
        tokio::spawn(async move {
            // Caches are used only once the number is known to be current.
            if state.changes.poll(&state.db).await.is_ok() {
                state.changes.live.store(true, Ordering::Release);
            }
            let mut tick = tokio::time::interval(POLL);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut failing = false;
            loop {
                tick.tick().await;
                match state.changes.poll(&state.db).await {
                    Ok(_) if failing => {
                        tracing::info!("database reachable again");
                        failing = false;
                    }
                    Ok(_) => {}
                    Err(e) if !failing => {
                        tracing::warn!(error = format!("{e:#}"), "cannot read the change log");
                        failing = true;
                    }
                    Err(_) => {}
                }
            }
        })
    };
    let jobs = {
        let state = state.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(5));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if let Err(e) = run_due_jobs(&state, db::now()).await {
                    tracing::warn!(error = format!("{e:#}"), "jobs not run this time");
                }
            }
        })
    };
    let flusher = {
        let state = state.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(state.config.flush_seconds));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if let Err(e) = state.hits.flush(&state.db).await {
                    tracing::warn!(
                        error = format!("{e:#}"),
                        "visit counts not flushed yet; will retry"
                    );
                }
            }
        })
    };
    vec![watcher, jobs, flusher]
}
