//! The rules of the workflow, written once: which states each step starts
//! from, who may take it, and what the refusal says. [`super::apply`]
//! enforces them; the editor asks [`may`] which buttons to show.

use super::Error;
use crate::auth::{Access, ArticleRef, Role};
use crate::db::articles::Status;

/// A step on an existing article.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Save the content (the state stays).
    Update,
    /// 草稿 → 待审核.
    Submit,
    /// Approve and publish now, or at the publish time when it is later.
    Publish,
    /// 定时发布 at a later time.
    Schedule,
    /// 待审核 → 草稿 with a reason.
    Return,
    /// Take down (已发布 or 定时发布 → 草稿).
    Unpublish,
    /// Into the recycle bin.
    Trash,
    /// Out of the recycle bin, as a draft.
    Restore,
    /// Delete for good (from the recycle bin).
    Purge,
    /// To another channel.
    Move,
    /// Bring back an older revision's content.
    RestoreRevision,
    /// The job: a 定时发布 article whose time came goes live.
    DuePublish,
    /// The job: a published article whose 下线 time came goes offline.
    DueUnpublish,
    /// Approve a published article's pending version.
    Approve,
    /// Discard a published article's pending version.
    Discard,
    /// The job: an approved pending version whose time came goes live.
    DuePending,
}

const ALL_STATES: [Status; 5] = [
    Status::Draft,
    Status::Pending,
    Status::Published,
    Status::Scheduled,
    Status::Trashed,
];
const NOT_TRASHED: [Status; 4] = [
    Status::Draft,
    Status::Pending,
    Status::Published,
    Status::Scheduled,
];

impl Step {
    /// Every step (for tests and documentation).
    pub const ALL: [Step; 16] = [
        Step::Update,
        Step::Submit,
        Step::Publish,
        Step::Schedule,
        Step::Return,
        Step::Unpublish,
        Step::Trash,
        Step::Restore,
        Step::Purge,
        Step::Move,
        Step::RestoreRevision,
        Step::DuePublish,
        Step::DueUnpublish,
        Step::Approve,
        Step::Discard,
        Step::DuePending,
    ];

    /// The states the step may start from.
    pub fn from(self) -> &'static [Status] {
        match self {
            Step::Update | Step::RestoreRevision | Step::Trash => &NOT_TRASHED,
            // Even from the recycle bin: a channel's articles all move
            // before the channel is deleted.
            Step::Move => &ALL_STATES,
            Step::Submit => &[Status::Draft],
            Step::Publish | Step::Schedule => &[Status::Draft, Status::Pending, Status::Scheduled],
            Step::Return => &[Status::Pending],
            Step::Unpublish => &[Status::Published, Status::Scheduled],
            Step::Restore | Step::Purge => &[Status::Trashed],
            Step::DuePublish => &[Status::Scheduled],
            Step::DueUnpublish | Step::Approve | Step::Discard | Step::DuePending => {
                &[Status::Published]
            }
        }
    }

    /// The state after the step; `None` where it depends on the time
    /// (publish) or the article is gone (purge).
    pub fn to(self, from: Status) -> Option<Status> {
        match self {
            Step::Update | Step::Move | Step::RestoreRevision => Some(from),
            Step::Submit => Some(Status::Pending),
            Step::Schedule => Some(Status::Scheduled),
            Step::Return | Step::Unpublish | Step::Restore | Step::DueUnpublish => {
                Some(Status::Draft)
            }
            Step::Trash => Some(Status::Trashed),
            Step::DuePublish | Step::Approve | Step::Discard | Step::DuePending => {
                Some(Status::Published)
            }
            Step::Publish | Step::Purge => None,
        }
    }

    /// Why the step is refused in another state.
    pub fn refusal(self) -> &'static str {
        match self {
            Step::Update | Step::Move | Step::RestoreRevision => {
                "回收站中的文章不能修改，请先恢复。"
            }
            Step::Submit => "只有草稿可以提交审核。",
            Step::Publish | Step::Schedule => "只有草稿、待审核或定时发布的文章可以发布。",
            Step::Return => "只有待审核的文章可以退回。",
            Step::Unpublish => "只有已发布或定时发布的文章可以下线。",
            Step::Trash => "这篇文章已经在回收站中。",
            Step::Restore => "这篇文章不在回收站中。",
            Step::Purge => "只能彻底删除回收站中的文章，请先移入回收站。",
            Step::DuePublish => "这篇文章不是定时发布的文章。",
            Step::DueUnpublish => "这篇文章不是已发布的文章。",
            Step::Approve | Step::Discard | Step::DuePending => {
                "只有已发布文章的待审核修改可以审核或放弃。"
            }
        }
    }

    /// Whether the actor holds the right to take the step on this article
    /// (whatever its state). Content steps need the right to edit the
    /// article; publishing steps the right to publish in its channel; the
    /// purge is the 管理员's.
    pub fn permitted(self, who: &impl Access, a: &ArticleRef) -> bool {
        // The right to edit depends on the state for a writer (own drafts
        // only); judge it on the article as it is, except in the recycle
        // bin, where the state rule speaks instead.
        let editable = ArticleRef {
            status: if a.status == Status::Trashed {
                Status::Draft
            } else {
                a.status
            },
            ..*a
        };
        match self {
            Step::Update | Step::Submit | Step::RestoreRevision | Step::Discard => {
                who.can_view(a) && who.can_edit(&editable)
            }
            // Out of the recycle bin only by those who may empty it.
            Step::Move => {
                who.can_view(a)
                    && who.can_edit(&editable)
                    && (a.status != Status::Trashed || who.can_publish_in(a.channel_id))
            }
            Step::Publish
            | Step::Schedule
            | Step::Return
            | Step::Unpublish
            | Step::Trash
            | Step::Restore
            | Step::DuePublish
            | Step::DueUnpublish
            | Step::Approve
            | Step::DuePending => who.can_publish_in(a.channel_id),
            Step::Purge => who.user_role() == Role::Admin,
        }
    }
}

/// Checks a step: `Denied` when the actor lacks the right, `Refused` with
/// the reason when the article's state does not allow it.
pub fn check(who: &impl Access, step: Step, a: &ArticleRef) -> Result<(), Error> {
    if !step.permitted(who, a) {
        return Err(Error::Denied);
    }
    if !step.from().contains(&a.status) {
        return Err(Error::Refused(step.refusal().into()));
    }
    Ok(())
}

/// Whether the step would be allowed now (the editor's buttons).
pub fn may(who: &impl Access, step: Step, a: &ArticleRef) -> bool {
    check(who, step, a).is_ok()
}

/// Every state, for tables of tests.
pub const STATES: [Status; 5] = ALL_STATES;
