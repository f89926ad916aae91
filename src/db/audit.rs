//! The 操作日志: who did what to which object, from where, when, and with
//! what result. Every login, failed login, lockout, publish, unpublish,
//! delete, restore, upload, user, role and settings change is recorded.
//! Never pass a password, token or secret in any field. Entries are kept
//! [`RETENTION_DAYS`] days; [`prune`] drops older ones. Entries are chained
//! by hash ([`super::audit_chain`]): no role can change or erase one
//! without `fupin audit verify` naming it.

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use super::{Db, now};

/// How long entries are kept (the requirement is at least 180 days).
pub const RETENTION_DAYS: i64 = 365;

/// How an action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// 成功.
    Ok,
    /// 失败 (wrong password, invalid input…).
    Failed,
    /// 拒绝 (no permission, locked, CSRF).
    Denied,
}

impl Outcome {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Failed => "failed",
            Outcome::Denied => "denied",
        }
    }

    /// The Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Ok => "成功",
            Outcome::Failed => "失败",
            Outcome::Denied => "拒绝",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(s: &str) -> Option<Outcome> {
        [Outcome::Ok, Outcome::Failed, Outcome::Denied]
            .into_iter()
            .find(|o| o.as_str() == s)
    }
}

/// Who acted, from where.
#[derive(Debug, Clone)]
pub struct Actor {
    /// The user's id; none for the system, the command line or an unknown name.
    pub id: Option<i64>,
    /// The user name (or 系统, 命令行, or the name typed at a failed login).
    pub name: String,
    /// The client address ("" for the system and the command line).
    pub ip: String,
}

impl Actor {
    /// Scheduled jobs.
    pub fn system() -> Actor {
        Actor {
            id: None,
            name: "系统".into(),
            ip: String::new(),
        }
    }

    /// The `fupin` command line.
    pub fn command_line() -> Actor {
        Actor {
            id: None,
            name: "命令行".into(),
            ip: String::new(),
        }
    }
}

/// Records one entry. `object` names what was acted on (`文章 #12 标题`,
/// `用户 zhang`); `detail` adds anything useful, never a secret.
pub async fn record(
    db: &Db,
    actor: &Actor,
    action: &str,
    object: &str,
    outcome: Outcome,
    detail: &str,
) -> anyhow::Result<()> {
    // Chained in a write transaction of its own (see `audit_chain`).
    let mut tx = db.begin_write().await?;
    record_in(&mut tx, actor, action, object, outcome, detail).await?;
    tx.commit().await?;
    Ok(())
}

/// Records one entry inside the caller's transaction, so that the entry
/// and the change it logs are kept or lost together. The transaction must
/// be a write transaction (`Db::begin_write`): the entry is chained to the
/// one before it (see `audit_chain`).
pub async fn record_in(
    conn: &mut sqlx::AnyConnection,
    actor: &Actor,
    action: &str,
    object: &str,
    outcome: Outcome,
    detail: &str,
) -> anyhow::Result<()> {
    let (name, ip, action, object, detail) = (
        clip(&actor.name, 100),
        clip(&actor.ip, 100),
        clip(action, 50),
        clip(object, 300),
        clip(detail, 1000),
    );
    let fields = super::audit_chain::Fields {
        at: now(),
        actor_id: actor.id,
        actor_name: &name,
        ip: &ip,
        action: &action,
        object: &object,
        result: outcome.as_str(),
        detail: &detail,
    };
    super::audit_chain::insert(conn, &fields).await?;
    Ok(())
}

fn clip(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// One stored entry.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// Row id.
    pub id: i64,
    /// When (Unix seconds).
    pub at: i64,
    /// The actor's user id.
    pub actor_id: Option<i64>,
    /// The actor's name.
    pub actor_name: String,
    /// The client address.
    pub ip: String,
    /// What was done.
    pub action: String,
    /// To what.
    pub object: String,
    /// The result.
    pub outcome: Outcome,
    /// More.
    pub detail: String,
}

fn from_row(row: &AnyRow) -> sqlx::Result<Entry> {
    Ok(Entry {
        id: row.try_get("id")?,
        at: row.try_get("at")?,
        actor_id: row.try_get("actor_id")?,
        actor_name: row.try_get("actor_name")?,
        ip: row.try_get("ip")?,
        action: row.try_get("action")?,
        object: row.try_get("object")?,
        outcome: Outcome::parse(&row.try_get::<String, _>("result")?).unwrap_or(Outcome::Failed),
        detail: row.try_get("detail")?,
    })
}

/// What the log page filters on; empty fields match everything.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Exact actor name.
    pub actor: Option<String>,
    /// Exact action.
    pub action: Option<String>,
    /// Result.
    pub outcome: Option<Outcome>,
    /// From (Unix seconds, inclusive).
    pub from: Option<i64>,
    /// Until (Unix seconds, exclusive).
    pub to: Option<i64>,
    /// A piece of the object, the detail or the address.
    pub text: Option<String>,
}

/// A page of entries, newest first, and how many match.
pub async fn list(
    db: &Db,
    f: &Filter,
    offset: i64,
    limit: i64,
) -> anyhow::Result<(Vec<Entry>, i64)> {
    let mut conds: Vec<String> = vec!["1 = 1".into()];
    let mut texts: Vec<String> = Vec::new();
    let mut ints: Vec<i64> = Vec::new();
    // Text binds first, then integers; placeholders are numbered to match.
    if let Some(a) = &f.actor {
        texts.push(a.clone());
        conds.push(format!("actor_name = ${}", texts.len()));
    }
    if let Some(a) = &f.action {
        texts.push(a.clone());
        conds.push(format!("action = ${}", texts.len()));
    }
    if let Some(o) = f.outcome {
        texts.push(o.as_str().into());
        conds.push(format!("result = ${}", texts.len()));
    }
    if let Some(t) = &f.text {
        texts.push(format!("%{}%", like_escape(t)));
        let n = texts.len();
        conds.push(format!(
            "(object LIKE ${n} ESCAPE '\\' OR detail LIKE ${n} ESCAPE '\\' OR ip LIKE ${n} ESCAPE '\\')"
        ));
    }
    let base = texts.len();
    if let Some(from) = f.from {
        ints.push(from);
        conds.push(format!("at >= ${}", base + ints.len()));
    }
    if let Some(to) = f.to {
        ints.push(to);
        conds.push(format!("at < ${}", base + ints.len()));
    }
    let cond = conds.join(" AND ");
    let count_sql = format!("SELECT COUNT(*) AS n FROM audit_log WHERE {cond}");
    let list_sql = format!(
        "SELECT id, at, actor_id, actor_name, ip, action, object, result, detail FROM audit_log
         WHERE {cond} ORDER BY at DESC, id DESC {}",
        super::limit_offset(limit, offset)
    );
    let mut count = sqlx::query(AssertSqlSafe(count_sql));
    let mut rows = sqlx::query(AssertSqlSafe(list_sql));
    for t in &texts {
        count = count.bind(t.clone());
        rows = rows.bind(t.clone());
    }
    for i in &ints {
        count = count.bind(*i);
        rows = rows.bind(*i);
    }
    let total: i64 = count.fetch_one(db.pool()).await?.try_get("n")?;
    let rows = rows.fetch_all(db.pool()).await?;
    let entries = rows.iter().map(from_row).collect::<sqlx::Result<_>>()?;
    Ok((entries, total))
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
pub fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The distinct actions recorded (for the filter's choices).
pub async fn actions(db: &Db) -> anyhow::Result<Vec<String>> {
    let rows = sqlx::query("SELECT DISTINCT action FROM audit_log ORDER BY action")
        .fetch_all(db.pool())
        .await?;
    Ok(rows
        .iter()
        .map(|r| r.try_get("action"))
        .collect::<sqlx::Result<_>>()?)
}

/// The newest entries.
pub async fn recent(db: &Db, limit: i64) -> anyhow::Result<Vec<Entry>> {
    Ok(list(db, &Filter::default(), 0, limit).await?.0)
}

/// The newest entries by one user.
pub async fn recent_by(db: &Db, actor_id: i64, limit: i64) -> anyhow::Result<Vec<Entry>> {
    let sql = format!(
        "SELECT id, at, actor_id, actor_name, ip, action, object, result, detail FROM audit_log
         WHERE actor_id = $1 ORDER BY at DESC, id DESC {}",
        super::limit_offset(limit, 0)
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(actor_id)
        .fetch_all(db.pool())
        .await?;
    Ok(rows.iter().map(from_row).collect::<sqlx::Result<_>>()?)
}

/// Drops entries older than the retention period; how many went.
pub async fn prune(db: &Db, now: i64) -> anyhow::Result<u64> {
    super::audit_chain::prune(db, now - RETENTION_DAYS * 86_400).await
}
