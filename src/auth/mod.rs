//! Who may do what in the back office, and the machinery that proves who
//! someone is: password hashing ([`password`]), random tokens ([`token`]),
//! the TOTP second factor ([`totp`]), the slow-down and lockout of failed
//! logins ([`throttle`]) and the `fupin user` command ([`cli`]).
//!
//! Access is decided in two steps. Every back-office route declares one
//! [`Perm`]; the router refuses a role that lacks it before the handler runs
//! (see `web::admin`). Then a handler that touches one article asks the
//! object-level questions in [`Access`] (is it in this editor's channels, is
//! it this writer's own draft).

pub mod cli;
pub mod password;
pub mod session;
pub mod throttle;
pub mod token;
pub mod totp;
pub(crate) mod tty;

use serde::Serialize;

use crate::db::articles::Status;

/// A back-office role. Each user has exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// 管理员: everything.
    Admin,
    /// 编辑: write and publish in the channels assigned to them.
    Editor,
    /// 审核: review and publish in every channel.
    Reviewer,
    /// 撰稿: write drafts and submit them; only their own articles.
    Writer,
    /// 信箱管理: only the mailbox pages.
    Mailbox,
}

impl Role {
    /// Every role, in the order forms list them.
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Editor,
        Role::Reviewer,
        Role::Writer,
        Role::Mailbox,
    ];

    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Editor => "editor",
            Role::Reviewer => "reviewer",
            Role::Writer => "writer",
            Role::Mailbox => "mailbox",
        }
    }

    /// The Chinese name shown in the back office.
    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "管理员",
            Role::Editor => "编辑",
            Role::Reviewer => "审核",
            Role::Writer => "撰稿",
            Role::Mailbox => "信箱管理",
        }
    }

    /// Parses the stored spelling or the Chinese name.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim() || r.label() == s.trim())
    }

    /// Whether this role holds a route-level permission.
    pub fn has(self, perm: Perm) -> bool {
        use Role::*;
        match perm {
            Perm::Public | Perm::Account | Perm::Dashboard => true,
            Perm::Write => matches!(self, Admin | Editor | Reviewer | Writer),
            Perm::Publish => matches!(self, Admin | Editor | Reviewer),
            Perm::SiteContent => matches!(self, Admin | Reviewer),
            Perm::Admin => self == Admin,
            Perm::Mailbox => matches!(self, Admin | Mailbox),
        }
    }
}

/// The permission a back-office route requires. The table of routes in
/// `web::admin` pairs every route with one of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Perm {
    /// Anyone, signed in or not (the login pages).
    Public,
    /// Any signed-in user, even one who still has to enrol a second factor
    /// (their own account pages, logout).
    Account,
    /// Any signed-in user (the dashboard).
    Dashboard,
    /// Writing articles and uploading media: 管理员, 编辑, 审核, 撰稿. Which
    /// articles is decided per object.
    Write,
    /// Publishing, reviewing, the recycle bin: 管理员, 编辑 (own channels), 审核.
    Publish,
    /// Site-wide content that no channel owns (单页, 公告): 管理员, 审核.
    SiteContent,
    /// Channels, users, settings, the audit log, purging: 管理员 only.
    Admin,
    /// The mailbox pages: 管理员, 信箱管理.
    Mailbox,
}

impl Perm {
    /// Every permission (for tests and documentation).
    pub const ALL: [Perm; 8] = [
        Perm::Public,
        Perm::Account,
        Perm::Dashboard,
        Perm::Write,
        Perm::Publish,
        Perm::SiteContent,
        Perm::Admin,
        Perm::Mailbox,
    ];
}

/// What object-level checks need to know about an article.
#[derive(Debug, Clone, Copy)]
pub struct ArticleRef {
    /// Its channel.
    pub channel_id: i64,
    /// Who created it in the back office (none for imported articles).
    pub created_by: Option<i64>,
    /// Its state.
    pub status: Status,
}

/// The object-level questions about one signed-in user.
pub trait Access {
    /// The user's id.
    fn user_id(&self) -> i64;
    /// The user's role.
    fn user_role(&self) -> Role;
    /// The channels assigned to the user (meaningful for 编辑).
    fn user_channels(&self) -> &[i64];

    /// Whether the user may create or move an article into this channel.
    fn can_write_in(&self, channel_id: i64) -> bool {
        match self.user_role() {
            Role::Admin | Role::Reviewer | Role::Writer => true,
            Role::Editor => self.user_channels().contains(&channel_id),
            Role::Mailbox => false,
        }
    }

    /// Whether the user may publish, unpublish, approve or trash in this channel.
    fn can_publish_in(&self, channel_id: i64) -> bool {
        match self.user_role() {
            Role::Admin | Role::Reviewer => true,
            Role::Editor => self.user_channels().contains(&channel_id),
            Role::Writer | Role::Mailbox => false,
        }
    }

    /// Whether the user may open the article (editor, revisions, preview).
    fn can_view(&self, a: &ArticleRef) -> bool {
        match self.user_role() {
            Role::Admin | Role::Reviewer => true,
            Role::Editor => {
                self.user_channels().contains(&a.channel_id) || a.created_by == Some(self.user_id())
            }
            Role::Writer => a.created_by == Some(self.user_id()),
            Role::Mailbox => false,
        }
    }

    /// Whether the user may change the article's content.
    fn can_edit(&self, a: &ArticleRef) -> bool {
        match self.user_role() {
            Role::Admin | Role::Reviewer => a.status != Status::Trashed,
            Role::Editor => {
                a.status != Status::Trashed && self.user_channels().contains(&a.channel_id)
            }
            // A writer works on their own drafts; once submitted it is the
            // reviewer's until returned.
            Role::Writer => a.created_by == Some(self.user_id()) && a.status == Status::Draft,
            Role::Mailbox => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct U(Role, Vec<i64>);
    impl Access for U {
        fn user_id(&self) -> i64 {
            7
        }
        fn user_role(&self) -> Role {
            self.0
        }
        fn user_channels(&self) -> &[i64] {
            &self.1
        }
    }

    #[test]
    fn roles_round_trip_and_hold_their_permissions() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
            assert_eq!(Role::parse(r.label()), Some(r));
        }
        assert!(Role::Admin.has(Perm::Admin));
        assert!(!Role::Editor.has(Perm::Admin));
        assert!(Role::Editor.has(Perm::Publish));
        assert!(!Role::Writer.has(Perm::Publish));
        assert!(!Role::Mailbox.has(Perm::Write));
        assert!(Role::Mailbox.has(Perm::Mailbox));
        assert!(Role::Reviewer.has(Perm::SiteContent));
    }

    #[test]
    fn editors_are_bound_to_their_channels_and_writers_to_their_drafts() {
        let editor = U(Role::Editor, vec![1]);
        let a = ArticleRef {
            channel_id: 2,
            created_by: None,
            status: Status::Published,
        };
        assert!(!editor.can_edit(&a) && !editor.can_publish_in(2));
        assert!(editor.can_edit(&ArticleRef { channel_id: 1, ..a }));
        let writer = U(Role::Writer, vec![]);
        let own = ArticleRef {
            channel_id: 2,
            created_by: Some(7),
            status: Status::Draft,
        };
        assert!(writer.can_edit(&own));
        assert!(!writer.can_edit(&ArticleRef {
            status: Status::Pending,
            ..own
        }));
        assert!(!writer.can_edit(&ArticleRef {
            created_by: Some(8),
            ..own
        }));
        assert!(!writer.can_publish_in(2));
    }
}
