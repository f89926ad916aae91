//! The use cases of content, between `web/` and `db/`. Every change of an
//! article goes through [`apply`]: it checks the actor's permission and the
//! allowed change of status ([`rules`]), then writes the change, its
//! revision and its 操作日志 row in one transaction. The editor, the bulk
//! actions, the job runner's 定时发布 and 下线 ([`due`]), the importer and
//! the command line all call it; nothing else writes the `articles` table.
//! [`ArticleFields`] is the one list of an article's editable fields;
//! [`fields::check`] holds the rules a person's input must meet.

pub mod action;
pub mod due;
pub mod fields;
mod import;
pub mod rules;
pub mod staged;

pub use crate::db::articles::ArticleFields;
pub use action::{Action, Applied, Import, ImportOutcome, Then, apply, apply_in};

use crate::auth::{Access, Role};
use crate::db::audit::Actor;

/// Who acts: the name the 操作日志 shows and what the role allows.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The log's actor (user id, name, address).
    pub actor: Actor,
    /// The role deciding the permissions.
    pub role: Role,
    /// The channels of an 编辑.
    pub channels: Vec<i64>,
}

impl Principal {
    /// The scheduled jobs (系统): every permission.
    pub fn system() -> Principal {
        Principal {
            actor: Actor::system(),
            role: Role::Admin,
            channels: Vec::new(),
        }
    }

    /// The `fupin` command line and the importer (命令行): every permission.
    pub fn command_line() -> Principal {
        Principal {
            actor: Actor::command_line(),
            role: Role::Admin,
            channels: Vec::new(),
        }
    }
}

impl Access for Principal {
    fn user_id(&self) -> i64 {
        // The system and the command line own no article.
        self.actor.id.unwrap_or(0)
    }
    fn user_role(&self) -> Role {
        self.role
    }
    fn user_channels(&self) -> &[i64] {
        &self.channels
    }
}

/// Why an action did not happen. Nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No such article.
    #[error("no such article")]
    Missing,
    /// The actor may not do this to this article.
    #[error("not allowed for this user")]
    Denied,
    /// Not possible now (the article's state, or the input); the reason
    /// in Chinese, safe to show.
    #[error("refused: {0}")]
    Refused(String),
    /// The article changed since the editor opened it.
    #[error("the article changed since it was opened")]
    Conflict(Box<Newer>),
    /// The database failed.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Error {
        Error::Other(e.into())
    }
}

/// The version that refused a save: what it holds, who saved it, when.
#[derive(Debug, Clone)]
pub struct Newer {
    /// Its fields.
    pub fields: ArticleFields,
    /// Who saved it.
    pub user_name: String,
    /// When.
    pub updated_at: i64,
}

/// How the log names an article.
pub fn object(id: i64, title: &str) -> String {
    format!("文章 #{id} {title}")
}
