//! Backups taken by the server: once a day at the configured time (by
//! whichever instance claims the day's slot first, like every periodic job
//! in `cluster`), or on demand from the back office; the newest
//! `backup_keep` scheduled ones are kept. Each attempt is logged in
//! `backup_runs`, which the back office lists and whose last failure the
//! dashboard shows.

use std::path::PathBuf;

use anyhow::Context;

use crate::app::AppState;
use crate::db::{self, backups};

/// The job's name among the claims of `job_runs`.
pub const JOB: &str = "backup";
/// How long after the configured time a slot may still start (an instance
/// started later in the day does not back up at once).
const WINDOW: i64 = 15 * 60;
/// Asia/Shanghai is eight hours ahead of UTC all year.
const SHANGHAI: i64 = 8 * 3600;

/// The day slot whose start (the configured time of day) is at most
/// [`WINDOW`] before `now`.
pub fn due_slot(minute: u32, now: i64) -> Option<i64> {
    let since = now + SHANGHAI - i64::from(minute) * 60;
    let slot = since.div_euclid(86_400);
    (since.rem_euclid(86_400) < WINDOW).then_some(slot)
}

/// The name of a backup file taken at `now`.
pub fn file_name(now: i64) -> String {
    let t = chrono::DateTime::from_timestamp(now, 0)
        .unwrap_or_default()
        .with_timezone(&chrono_tz::Asia::Shanghai);
    format!("fupin-{}.{}", t.format("%Y%m%d-%H%M%S"), super::EXTENSION)
}

/// Runs the day's backup if it is due and no instance has claimed it.
pub async fn run_if_due(state: &AppState, now: i64) -> anyhow::Result<bool> {
    let Some(minute) = state.config.backup_minute else {
        return Ok(false);
    };
    let Some(slot) = due_slot(minute, now) else {
        return Ok(false);
    };
    if !db::changes::claim_job(&state.db, JOB, slot, &state.instance).await? {
        return Ok(false);
    }
    // In a task of its own, so the other periodic jobs are not held up.
    let state = state.clone();
    tokio::spawn(async move {
        match take(&state, "scheduled").await {
            Ok(_) => {
                if let Err(e) = prune(&state) {
                    tracing::warn!(error = format!("{e:#}"), "old backups not removed");
                }
            }
            Err(e) => tracing::warn!(error = format!("{e:#}"), "scheduled backup failed"),
        }
    });
    Ok(true)
}

/// Takes a backup into the backup folder now and logs it; the file.
pub async fn take(state: &AppState, origin: &str) -> anyhow::Result<PathBuf> {
    let name = file_name(db::now());
    let path = state.config.backup_dir.join(&name);
    let id = backups::start(&state.db, &name, origin).await?;
    let media = crate::media_dir::for_url(&state.config.database_url, &state.config.data_dir);
    let result = super::create(&state.db, &media, &path).await;
    let logged = match &result {
        Ok(r) => Ok(r.bytes),
        Err(e) => Err(format!("{e:#}")),
    };
    if let Err(e) = &result {
        tracing::error!(error = format!("{e:#}"), file = %path.display(), "backup failed");
    }
    backups::finish(&state.db, id, logged).await?;
    result.map(|r| r.file)
}

/// The backup files in the folder, newest first: (name, bytes, modified).
pub fn list(state: &AppState) -> anyhow::Result<Vec<(String, u64, i64)>> {
    let dir = &state.config.backup_dir;
    let mut out = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", dir.display())),
    };
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !is_backup_name(&name) {
            continue;
        }
        let meta = entry.metadata()?;
        let modified = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_secs() as i64);
        out.push((name, meta.len(), modified));
    }
    out.sort_by(|a, b| b.0.cmp(&a.0));
    Ok(out)
}

/// Whether a name is one of ours (no folders, no hidden or partial file).
pub fn is_backup_name(name: &str) -> bool {
    name.ends_with(&format!(".{}", super::EXTENSION))
        && !name.starts_with('.')
        && !name.contains('/')
        && !name.contains('\\')
}

/// Removes scheduled backups beyond the newest `backup_keep`.
fn prune(state: &AppState) -> anyhow::Result<()> {
    let keep = state.config.backup_keep as usize;
    let ours: Vec<_> = list(state)?
        .into_iter()
        .filter(|(n, _, _)| n.starts_with("fupin-"))
        .collect();
    for (name, _, _) in ours.iter().skip(keep) {
        let path = state.config.backup_dir.join(name);
        std::fs::remove_file(&path).with_context(|| format!("cannot remove {}", path.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_slot_starts_at_the_configured_time_in_shanghai() {
        // 2026-12-03 03:30 in Shanghai is 2026-12-02 19:30 UTC.
        let at = chrono::DateTime::parse_from_rfc3339("2026-12-02T19:30:00Z")
            .unwrap()
            .timestamp();
        let minute = 3 * 60 + 30;
        let slot = due_slot(minute, at).expect("due at the time");
        assert_eq!(due_slot(minute, at + 14 * 60), Some(slot));
        assert_eq!(due_slot(minute, at + 16 * 60), None, "too late in the day");
        assert_eq!(due_slot(minute, at - 60), None, "not yet");
        assert_eq!(due_slot(minute, at + 86_400), Some(slot + 1));
        assert!(file_name(at).starts_with("fupin-20261203-0330"));
        assert!(is_backup_name("fupin-20261203-033000.fupin-backup"));
        assert!(!is_backup_name(".fupin-x.fupin-backup.partial"));
        assert!(!is_backup_name("../x.fupin-backup"));
    }
}
