//! The job runner's 定时发布 and 定时下线 (and the pending versions
//! approved for a later time): every article whose time has come is moved by [`super::apply`] as 系统, one transaction each. Two
//! instances running the job at once never act twice on one article: the
//! second finds the state already changed and its action is refused.

use super::{Action, Error, Principal, apply};
use crate::db::{Db, articles};

/// What [`publish_due`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DueReport {
    /// Scheduled articles that went live.
    pub published: Vec<i64>,
    /// Published articles whose 下线 time came (now drafts again).
    pub unpublished: Vec<i64>,
    /// Published articles whose approved pending version went live.
    pub changed: Vec<i64>,
}

/// Publishes every 定时发布 article whose time has come and takes down
/// every published article whose 下线 time has passed (it becomes a draft,
/// with a note saying why).
pub async fn publish_due(db: &Db, now: i64) -> anyhow::Result<DueReport> {
    let (live, offline) = articles::due(db, now).await?;
    let mut report = DueReport::default();
    let system = Principal::system();
    for id in live {
        if acted(apply(db, &system, Action::DuePublish { id, now }).await)? {
            report.published.push(id);
        }
    }
    for id in offline {
        if acted(apply(db, &system, Action::DueUnpublish { id, now }).await)? {
            report.unpublished.push(id);
        }
    }
    for id in crate::db::pending::due(db, now).await? {
        if acted(apply(db, &system, Action::DuePending { id, now }).await)? {
            report.changed.push(id);
        }
    }
    Ok(report)
}

/// Whether the action happened; a refusal means someone acted first.
fn acted(r: Result<super::Applied, Error>) -> anyhow::Result<bool> {
    match r {
        Ok(_) => Ok(true),
        Err(Error::Refused(_) | Error::Missing) => Ok(false),
        Err(Error::Other(e)) => Err(e),
        Err(e) => Err(anyhow::anyhow!("{e}")),
    }
}
