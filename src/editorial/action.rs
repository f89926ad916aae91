//! The one function that changes an article: [`apply`] (or [`apply_in`],
//! inside a caller's transaction, for the importer's batches). Each action
//! is checked against [`super::rules`] before anything is written; when it
//! is allowed, the change, its revision and its 操作日志 row are written in
//! the same transaction, so they are kept or lost together.

use serde::Serialize;

use super::rules::{Step, check};
use super::{ArticleFields, Error, Principal, fields, object};
use crate::auth::{Access, Perm};
use crate::datetime::datetime;
use crate::db::articles::Status;
use crate::db::audit::{self, Outcome};
use crate::db::editorial::{self as store, AdminArticle};
use crate::db::{Backend, Db, now, pending, revisions};

/// What follows a save of the editor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Then {
    /// Nothing: the state stays (a new article is a draft).
    Save,
    /// Submit for review (a draft).
    Submit,
    /// Publish now, or at `at` (or the publish time) when later.
    Publish {
        /// The publish time typed, if any.
        at: Option<i64>,
    },
}

/// An imported page, stored under its import key.
#[derive(Debug, Clone)]
pub struct Import {
    /// What identifies the page across imports (its old address, or its
    /// channel path, date and title).
    pub key: String,
    /// The article's fields.
    pub fields: ArticleFields,
    /// The old site's 点击数.
    pub hits: i64,
    /// The old site's address, if known.
    pub original_url: Option<String>,
    /// The old address to map to the article, normalised.
    pub legacy_path: Option<String>,
}

/// What an import did to the stored article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ImportOutcome {
    /// A new article.
    Imported,
    /// An existing article whose content changed.
    Updated,
    /// An existing article, already identical.
    Unchanged,
}

/// A change to make.
#[derive(Debug, Clone)]
pub enum Action {
    /// A new article (a draft, then perhaps submitted or published).
    Create {
        /// Its fields (the body already sanitized).
        fields: ArticleFields,
        /// What follows.
        then: Then,
    },
    /// Saves the content of an article.
    Update {
        /// The article.
        id: i64,
        /// Its new fields (the body already sanitized).
        fields: ArticleFields,
        /// What follows.
        then: Then,
        /// The `updated_at` of the version the editor opened: a newer one
        /// refuses the save instead of overwriting it.
        base: Option<i64>,
    },
    /// 草稿 → 待审核.
    Submit(i64),
    /// Approve and publish now, or schedule when `at` (or the publish
    /// time) is later.
    Publish {
        /// The article.
        id: i64,
        /// The publish time chosen, if any.
        at: Option<i64>,
    },
    /// 定时发布 at a later time.
    Schedule {
        /// The article.
        id: i64,
        /// When it goes live.
        at: i64,
    },
    /// 待审核 → 草稿, with the reason the writer sees.
    Return {
        /// The article.
        id: i64,
        /// Why.
        reason: String,
    },
    /// Takes a published or scheduled article down (a draft again).
    Unpublish(i64),
    /// Into the recycle bin.
    Trash(i64),
    /// Out of the recycle bin as a draft.
    Restore(i64),
    /// Deletes an article in the recycle bin for good.
    Purge(i64),
    /// To another channel.
    Move {
        /// The article.
        id: i64,
        /// The channel.
        channel_id: i64,
    },
    /// Brings back the content of an older revision.
    RestoreRevision {
        /// The article.
        id: i64,
        /// The revision.
        rev: i64,
    },
    /// The job: a 定时发布 article whose time has come goes live.
    DuePublish {
        /// The article.
        id: i64,
        /// The job's clock.
        now: i64,
    },
    /// The job: a published article whose 下线 time has passed goes offline.
    DueUnpublish {
        /// The article.
        id: i64,
        /// The job's clock.
        now: i64,
    },
    /// An imported page (the importer, the demo content).
    Import(Box<Import>),
    /// Approves the pending version of a published article: live now, or
    /// at `at` when later.
    Approve {
        /// The article.
        id: i64,
        /// When it goes live, if later than now.
        at: Option<i64>,
    },
    /// Discards the pending version; the live one stays as it is.
    Discard(i64),
    /// The job: a pending version approved for a time that has come.
    DuePending {
        /// The article.
        id: i64,
        /// The job's clock.
        now: i64,
    },
}

impl Action {
    /// The step on an existing article, if the action is one.
    pub fn step(&self) -> Option<(i64, Step)> {
        Some(match self {
            Action::Create { .. } | Action::Import(_) => return None,
            Action::Update { id, .. } => (*id, Step::Update),
            Action::Submit(id) => (*id, Step::Submit),
            Action::Publish { id, .. } => (*id, Step::Publish),
            Action::Schedule { id, .. } => (*id, Step::Schedule),
            Action::Return { id, .. } => (*id, Step::Return),
            Action::Unpublish(id) => (*id, Step::Unpublish),
            Action::Trash(id) => (*id, Step::Trash),
            Action::Restore(id) => (*id, Step::Restore),
            Action::Purge(id) => (*id, Step::Purge),
            Action::Move { id, .. } => (*id, Step::Move),
            Action::RestoreRevision { id, .. } => (*id, Step::RestoreRevision),
            Action::DuePublish { id, .. } => (*id, Step::DuePublish),
            Action::DueUnpublish { id, .. } => (*id, Step::DueUnpublish),
            Action::Approve { id, .. } => (*id, Step::Approve),
            Action::Discard(id) => (*id, Step::Discard),
            Action::DuePending { id, .. } => (*id, Step::DuePending),
        })
    }
}

/// What an action did.
#[derive(Debug, Clone)]
pub struct Applied {
    /// The article.
    pub id: i64,
    /// Its state now (none once purged).
    pub status: Option<Status>,
    /// The notice code of the page shown next (`saved`, `published`…).
    pub notice: &'static str,
    /// For an import, what it did.
    pub imported: Option<ImportOutcome>,
}

/// Applies an action in its own transaction.
pub async fn apply(db: &Db, who: &Principal, action: Action) -> Result<Applied, Error> {
    let mut tx = db.begin_write().await?;
    let done = apply_in(&mut tx, db.backend(), who, action).await?;
    tx.commit().await?;
    Ok(done)
}

/// The rows one action writes besides the change itself.
pub(super) struct Log<'a> {
    pub(super) who: &'a Principal,
    pub(super) at: i64,
}

impl Log<'_> {
    /// The revision of the article as it now is, and the log entry.
    pub(super) async fn write(
        &self,
        conn: &mut sqlx::AnyConnection,
        id: i64,
        label: &str,
        detail: &str,
    ) -> Result<(), Error> {
        let a = store::get_in(conn, id).await?.ok_or(Error::Missing)?;
        revisions::add(conn, id, &self.who.actor, label, &a.article.fields, self.at).await?;
        self.audit(conn, id, &a.article.title, label, detail).await
    }

    /// The log entry alone.
    pub(super) async fn audit(
        &self,
        conn: &mut sqlx::AnyConnection,
        id: i64,
        title: &str,
        label: &str,
        detail: &str,
    ) -> Result<(), Error> {
        audit::record_in(
            conn,
            &self.who.actor,
            label,
            &object(id, title),
            Outcome::Ok,
            detail,
        )
        .await?;
        Ok(())
    }
}

/// When and in which state a publish lands: now, or later (定时发布).
pub(super) fn publish_time(at: Option<i64>, published_at: i64, t: i64) -> (i64, Status) {
    let when = at.unwrap_or(if published_at > t { published_at } else { t });
    (
        when,
        if when > t {
            Status::Scheduled
        } else {
            Status::Published
        },
    )
}

/// The log's words for a publish.
fn publish_label(from: Status, to: Status, when: i64) -> (&'static str, &'static str, String) {
    if to == Status::Scheduled {
        (
            "定时发布",
            "scheduled",
            format!("发布时间：{}", datetime(when)),
        )
    } else if from == Status::Pending {
        ("审核通过并发布", "published", String::new())
    } else {
        ("发布", "published", String::new())
    }
}

/// Checks typed fields and the channel they go to.
/// Also gives the fields the channel's review date when they have none.
pub(super) async fn check_fields(
    conn: &mut sqlx::AnyConnection,
    who: &Principal,
    f: &mut ArticleFields,
) -> Result<(), Error> {
    fields::check(f).map_err(Error::Refused)?;
    let Some(review_days) = store::channel_review_days(conn, f.channel_id).await? else {
        return Err(Error::Refused("所选栏目不存在，请重新选择。".into()));
    };
    if f.review_at.is_none() && review_days > 0 {
        f.review_at = Some(f.published_at.max(now()) + review_days * 86_400);
    }
    if !who.can_write_in(f.channel_id) {
        return Err(Error::Refused(
            "您不能在所选栏目中发表文章，请选择您负责的栏目。".into(),
        ));
    }
    Ok(())
}

/// Applies an action inside the caller's transaction: on an error nothing
/// the action wrote is kept once the caller rolls back (or drops) it.
pub async fn apply_in(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    who: &Principal,
    action: Action,
) -> Result<Applied, Error> {
    let t = now();
    let log = Log { who, at: t };
    let done = |id, status, notice| Applied {
        id,
        status: Some(status),
        notice,
        imported: None,
    };
    match action {
        Action::Create { mut fields, then } => {
            if !who.role.has(Perm::Write) {
                return Err(Error::Denied);
            }
            check_fields(conn, who, &mut fields).await?;
            let (status, notice, next) = match then {
                Then::Save => (Status::Draft, "saved", None),
                Then::Submit => (Status::Pending, "submitted", Some("提交审核")),
                Then::Publish { at } => {
                    if !who.can_publish_in(fields.channel_id) {
                        return Err(Error::Denied);
                    }
                    let (when, to) = publish_time(at, fields.published_at, t);
                    fields.published_at = when;
                    let (label, notice, _) = publish_label(Status::Draft, to, when);
                    (to, notice, Some(label))
                }
            };
            let id = store::insert(conn, &fields, status, who.actor.id, 0, None, None, t).await?;
            revisions::add(conn, id, &who.actor, "新建", &fields, t).await?;
            log.audit(conn, id, &fields.title, "新建文章", "").await?;
            if let Some(label) = next {
                let detail = if status == Status::Scheduled {
                    format!("发布时间：{}", datetime(fields.published_at))
                } else {
                    String::new()
                };
                log.audit(conn, id, &fields.title, label, &detail).await?;
            }
            Ok(done(id, status, notice))
        }
        Action::Import(import) => super::import::apply_import(conn, who, &log, *import).await,
        action => {
            let (id, step) = action.step().ok_or(Error::Missing)?;
            let a = store::get_locked(conn, backend, id)
                .await?
                .ok_or(Error::Missing)?;
            check(who, step, &a.reference())?;
            apply_step(conn, who, &log, a, action).await
        }
    }
}

async fn apply_step(
    conn: &mut sqlx::AnyConnection,
    who: &Principal,
    log: &Log<'_>,
    a: AdminArticle,
    action: Action,
) -> Result<Applied, Error> {
    let t = log.at;
    let id = a.article.id;
    let from = a.article.status;
    let title = a.article.title.clone();
    let done = |status, notice| Applied {
        id,
        status: Some(status),
        notice,
        imported: None,
    };
    match action {
        Action::Update {
            mut fields,
            then,
            base,
            ..
        } => {
            let pending = pending::get_in(conn, id).await?;
            if let Some(b) = base {
                super::staged::refuse_if_newer(conn, &a, pending.as_ref(), b).await?;
            }
            check_fields(conn, who, &mut fields).await?;
            if from == Status::Published {
                return super::staged::save_live(conn, who, log, &a, fields, then).await;
            }
            if pending.is_some() {
                // Staged edits are for live articles; this one is not.
                pending::delete(conn, id).await?;
            }
            let live = from == Status::Scheduled;
            if live
                && fields.channel_id != a.article.channel_id
                && !who.can_publish_in(fields.channel_id)
            {
                return Err(Error::Denied);
            }
            let mut moved = a.reference();
            moved.channel_id = fields.channel_id;
            let (status, notice, next) = match then {
                Then::Submit if from == Status::Draft => (
                    Status::Pending,
                    "submitted",
                    Some(("提交审核", String::new())),
                ),
                Then::Save | Then::Submit => (from, "saved", None),
                Then::Publish { at } => {
                    check(who, Step::Publish, &moved)?;
                    let (when, to) = publish_time(at, fields.published_at, t);
                    fields.published_at = when;
                    let (label, notice, detail) = publish_label(from, to, when);
                    (to, notice, Some((label, detail)))
                }
            };
            store::write(conn, id, &fields, status, None, t).await?;
            let label = if live {
                "修改已发布文章"
            } else {
                "保存"
            };
            log.write(conn, id, label, "").await?;
            if let Some((label, detail)) = next {
                log.audit(conn, id, &fields.title, label, &detail).await?;
            }
            Ok(done(status, notice))
        }
        Action::Submit(_) => {
            store::set_state(conn, id, Status::Pending, "", None, None, t).await?;
            log.write(conn, id, "提交审核", "").await?;
            Ok(done(Status::Pending, "submitted"))
        }
        Action::Publish { at, .. } => {
            // A 定时发布 article published without a time goes live now.
            let planned = if from == Status::Scheduled {
                t
            } else {
                a.article.published_at
            };
            let (when, to) = publish_time(at, planned, t);
            store::set_state(conn, id, to, "", Some(when), None, t).await?;
            let (label, notice, detail) = publish_label(from, to, when);
            log.write(conn, id, label, &detail).await?;
            Ok(done(to, notice))
        }
        Action::Schedule { at, .. } => {
            if at <= t {
                return Err(Error::Refused("定时发布的时间应晚于现在。".into()));
            }
            store::set_state(conn, id, Status::Scheduled, "", Some(at), None, t).await?;
            let detail = format!("发布时间：{}", datetime(at));
            log.write(conn, id, "定时发布", &detail).await?;
            Ok(done(Status::Scheduled, "scheduled"))
        }
        Action::Return { reason, .. } => {
            let reason: String = reason.trim().chars().take(500).collect();
            if reason.is_empty() {
                return Err(Error::Refused("退回时请写明理由，作者会看到它。".into()));
            }
            store::set_state(conn, id, Status::Draft, &reason, None, None, t).await?;
            log.write(conn, id, "退回", &format!("理由：{reason}"))
                .await?;
            Ok(done(Status::Draft, "returned"))
        }
        Action::Unpublish(_) => {
            store::set_state(conn, id, Status::Draft, "", None, None, t).await?;
            log.write(conn, id, "下线", "").await?;
            Ok(done(Status::Draft, "unpublished"))
        }
        Action::Trash(_) => {
            store::trash(conn, id, t).await?;
            log.write(conn, id, "删除", "移入回收站").await?;
            Ok(done(Status::Trashed, "trashed"))
        }
        Action::Restore(_) => {
            store::restore(conn, id, t).await?;
            log.write(conn, id, "恢复", "从回收站恢复为草稿").await?;
            Ok(done(Status::Draft, "restored"))
        }
        Action::Purge(_) => {
            // The revisions go with the article; the log keeps the act.
            log.audit(conn, id, &title, "彻底删除", "").await?;
            store::purge(conn, id).await?;
            Ok(Applied {
                id,
                status: None,
                notice: "purged",
                imported: None,
            })
        }
        Action::Move { channel_id, .. } => {
            let name = store::channel_name(conn, channel_id)
                .await?
                .ok_or_else(|| Error::Refused("所选栏目不存在，请重新选择。".into()))?;
            let live = matches!(from, Status::Published | Status::Scheduled);
            if !who.can_write_in(channel_id) || (live && !who.can_publish_in(channel_id)) {
                return Err(Error::Denied);
            }
            store::move_to(conn, id, channel_id, t).await?;
            log.write(conn, id, "移动", &format!("移到栏目：{name}"))
                .await?;
            Ok(done(from, "moved"))
        }
        Action::RestoreRevision { rev, .. } => {
            let (_, mut content) = revisions::get_in(conn, id, rev)
                .await?
                .ok_or(Error::Missing)?;
            if store::channel_name(conn, content.channel_id)
                .await?
                .is_none()
                || !who.can_write_in(content.channel_id)
            {
                // The old channel is gone or not the user's: keep today's.
                content.channel_id = a.article.channel_id;
            }
            // What is stored was sanitized when saved; sanitizing again is
            // a no-op unless the allow-list has since become stricter.
            content.body_html = crate::html::sanitize(&content.body_html);
            store::write(conn, id, &content, from, None, t).await?;
            let note = format!("恢复自修订 #{rev}");
            let a2 = store::get_in(conn, id).await?.ok_or(Error::Missing)?;
            revisions::add(conn, id, &who.actor, &note, &a2.article.fields, t).await?;
            log.audit(
                conn,
                id,
                &content.title,
                "恢复修订",
                &format!("修订 #{rev}"),
            )
            .await?;
            Ok(done(from, "revision_restored"))
        }
        Action::DuePublish { now, .. } => {
            if a.article.published_at > now {
                return Err(Error::Refused("还没到发布时间。".into()));
            }
            store::set_state(conn, id, Status::Published, "", None, None, t).await?;
            log.write(conn, id, "定时发布", "").await?;
            Ok(done(Status::Published, "published"))
        }
        Action::DueUnpublish { now, .. } => {
            if a.article.unpublish_at.is_none_or(|u| u > now) {
                return Err(Error::Refused("还没到下线时间。".into()));
            }
            store::set_state(
                conn,
                id,
                Status::Draft,
                "已到下线时间，自动下线。",
                None,
                Some(None),
                t,
            )
            .await?;
            log.write(conn, id, "定时下线", "").await?;
            Ok(done(Status::Draft, "unpublished"))
        }
        Action::Approve { at, .. } => super::staged::approve(conn, log, &a, at).await,
        Action::Discard(_) => super::staged::discard(conn, log, &a).await,
        Action::DuePending { now, .. } => super::staged::go_live(conn, log, &a, now).await,
        Action::Create { .. } | Action::Import(_) => Err(Error::Missing),
    }
}
