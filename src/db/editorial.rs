//! Articles as the back office sees them: every state, who created them,
//! the reviewer's note, the recycle bin; listing with filters; and every
//! write of the `articles` table, each inside the caller's transaction.
//! Only `crate::editorial` calls the writes: it checks the action, then
//! writes the change, its revision and its 操作日志 row in one transaction.
//! The public listings stay in `articles`.

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use super::Db;
use super::articles::{self, Article, Status};
use super::audit::like_escape;

pub use super::article_writes::*;
use crate::auth::ArticleRef;

/// An article with its back-office fields.
#[derive(Debug, Clone, Serialize)]
pub struct AdminArticle {
    /// The article.
    #[serde(flatten)]
    pub article: Article,
    /// Who created it (none for imported articles).
    pub created_by: Option<i64>,
    /// The reviewer's note when returned (or why it went offline).
    pub review_note: String,
    /// The state it had before going to the recycle bin.
    pub trashed_from: Option<String>,
    /// When it went to the recycle bin.
    pub trashed_at: Option<i64>,
}

impl AdminArticle {
    /// What object-level checks need.
    pub fn reference(&self) -> ArticleRef {
        ArticleRef {
            channel_id: self.article.channel_id,
            created_by: self.created_by,
            status: self.article.status,
        }
    }
}

pub(super) const EXTRA: &str = "created_by, review_note, trashed_from, trashed_at";

pub(super) fn admin_from_row(row: &AnyRow) -> sqlx::Result<AdminArticle> {
    Ok(AdminArticle {
        article: articles::full_from_row(row)?,
        created_by: row.try_get("created_by")?,
        review_note: row.try_get("review_note")?,
        trashed_from: row.try_get("trashed_from")?,
        trashed_at: row.try_get("trashed_at")?,
    })
}

/// One article by id, in any state.
pub async fn get(db: &Db, id: i64) -> anyhow::Result<Option<AdminArticle>> {
    let sql = format!(
        "SELECT {}, {EXTRA} FROM articles WHERE id = $1",
        articles::FULL
    );
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    Ok(row.as_ref().map(admin_from_row).transpose()?)
}

/// Which articles a user may see in lists.
#[derive(Debug, Clone, Default)]
pub enum Scope {
    /// Every article (管理员, 审核).
    #[default]
    All,
    /// Articles in these channels or created by this user (编辑).
    Channels(Vec<i64>, i64),
    /// Articles created by this user (撰稿).
    Own(i64),
}

/// The filters of the article list.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Whose articles may appear.
    pub scope: Scope,
    /// Only these channels (a channel and its descendants).
    pub channel_ids: Option<Vec<i64>>,
    /// Only this state; none means every state but 回收站.
    pub status: Option<Status>,
    /// Only articles created by this user.
    pub created_by: Option<i64>,
    /// Published from (inclusive).
    pub from: Option<i64>,
    /// Published before.
    pub to: Option<i64>,
    /// A piece of the title.
    pub q: Option<String>,
    /// Articles the search index matched for the keywords (found by
    /// segmented search, shown together with title matches of `q`).
    pub ids: Option<Vec<i64>>,
    /// Only published articles whose review is overdue or due soon.
    pub review: Option<Review>,
}

/// Which reviews (复核) a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Review {
    /// The review date has passed.
    Overdue,
    /// The review date comes within [`REVIEW_SOON_DAYS`] days.
    Due,
}

/// How far ahead a review counts as due.
pub const REVIEW_SOON_DAYS: i64 = 14;

/// One line of the article list.
#[derive(Debug, Clone, Serialize)]
pub struct ListRow {
    /// Id.
    pub id: i64,
    /// Channel.
    pub channel_id: i64,
    /// Title.
    pub title: String,
    /// State.
    pub status: Status,
    /// Creator's id.
    pub created_by: Option<i64>,
    /// Creator's login name.
    pub creator: Option<String>,
    /// 作者 field.
    pub author: String,
    /// Publish time.
    pub published_at: i64,
    /// Last change.
    pub updated_at: i64,
    /// 置顶.
    pub is_pinned: bool,
    /// 推荐.
    pub is_recommended: bool,
    /// 头条.
    pub is_headline: bool,
    /// Reviewer's note.
    pub review_note: String,
    /// 下线 time.
    pub unpublish_at: Option<i64>,
    /// Whether a pending version waits (a published article's staged edit).
    pub has_pending: bool,
}

fn list_row(row: &AnyRow) -> sqlx::Result<ListRow> {
    Ok(ListRow {
        id: row.try_get("id")?,
        channel_id: row.try_get("channel_id")?,
        title: row.try_get("title")?,
        status: Status::parse(&row.try_get::<String, _>("status")?),
        created_by: row.try_get("created_by")?,
        creator: row.try_get("creator")?,
        author: row.try_get("author")?,
        published_at: row.try_get("published_at")?,
        updated_at: row.try_get("updated_at")?,
        is_pinned: row.try_get::<i64, _>("is_pinned")? != 0,
        is_recommended: row.try_get::<i64, _>("is_recommended")? != 0,
        is_headline: row.try_get::<i64, _>("is_headline")? != 0,
        review_note: row.try_get("review_note")?,
        unpublish_at: row.try_get("unpublish_at")?,
        has_pending: row.try_get::<i64, _>("pending_n")? > 0,
    })
}

enum Bind {
    Int(i64),
    Text(String),
}

/// Conditions and their values, numbered as they are added.
#[derive(Default)]
struct Where {
    conds: Vec<String>,
    binds: Vec<Bind>,
}

impl Where {
    fn int(&mut self, v: i64) -> String {
        self.binds.push(Bind::Int(v));
        format!("${}", self.binds.len())
    }
    fn text(&mut self, v: String) -> String {
        self.binds.push(Bind::Text(v));
        format!("${}", self.binds.len())
    }
    fn ints(&mut self, vs: &[i64]) -> String {
        if vs.is_empty() {
            return "NULL".into();
        }
        vs.iter()
            .map(|v| self.int(*v))
            .collect::<Vec<_>>()
            .join(", ")
    }
    fn sql(&self) -> String {
        if self.conds.is_empty() {
            "1 = 1".into()
        } else {
            self.conds.join(" AND ")
        }
    }
    fn bind<'q>(
        &'q self,
        mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
        for b in &self.binds {
            q = match b {
                Bind::Int(v) => q.bind(*v),
                Bind::Text(v) => q.bind(v.as_str()),
            };
        }
        q
    }
}

fn conditions(f: &ListFilter) -> Where {
    let mut w = Where::default();
    match &f.scope {
        Scope::All => {}
        Scope::Channels(ids, user) => {
            let list = w.ints(ids);
            let me = w.int(*user);
            w.conds
                .push(format!("(a.channel_id IN ({list}) OR a.created_by = {me})"));
        }
        Scope::Own(user) => {
            let me = w.int(*user);
            w.conds.push(format!("a.created_by = {me}"));
        }
    }
    if let Some(ids) = &f.channel_ids {
        let list = w.ints(ids);
        w.conds.push(format!("a.channel_id IN ({list})"));
    }
    match f.status {
        // 待审核 also lists published articles whose pending version was
        // submitted for review.
        Some(Status::Pending) => w.conds.push(
            "(a.status = 'pending' OR a.id IN (SELECT article_id FROM article_pending WHERE submitted = 1))"
                .into(),
        ),
        Some(s) => {
            let p = w.text(s.as_str().into());
            w.conds.push(format!("a.status = {p}"));
        }
        None => w.conds.push("a.status <> 'trashed'".into()),
    }
    if let Some(r) = f.review {
        let t = super::now();
        let now_p = w.int(t);
        let cond = match r {
            Review::Overdue => format!("a.review_at <= {now_p}"),
            Review::Due => {
                let soon = w.int(t + REVIEW_SOON_DAYS * 86_400);
                format!("a.review_at > {now_p} AND a.review_at <= {soon}")
            }
        };
        w.conds.push(format!(
            "a.status = 'published' AND a.review_at IS NOT NULL AND {cond}"
        ));
    }
    if let Some(u) = f.created_by {
        let p = w.int(u);
        w.conds.push(format!("a.created_by = {p}"));
    }
    if let Some(t) = f.from {
        let p = w.int(t);
        w.conds.push(format!("a.published_at >= {p}"));
    }
    if let Some(t) = f.to {
        let p = w.int(t);
        w.conds.push(format!("a.published_at < {p}"));
    }
    if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let p = w.text(format!("%{}%", like_escape(q)));
        match f.ids.as_deref().filter(|ids| !ids.is_empty()) {
            Some(ids) => {
                let list = w.ints(ids);
                w.conds.push(format!(
                    "(a.id IN ({list}) OR a.title LIKE {p} ESCAPE '\\')"
                ));
            }
            None => w.conds.push(format!("a.title LIKE {p} ESCAPE '\\'")),
        }
    }
    w
}

/// A page of the article list (newest change first) and the total.
pub async fn list(
    db: &Db,
    f: &ListFilter,
    offset: i64,
    limit: i64,
) -> anyhow::Result<(Vec<ListRow>, i64)> {
    let w = conditions(f);
    let cond = w.sql();
    let count_sql = format!("SELECT COUNT(*) AS n FROM articles a WHERE {cond}");
    let total: i64 = w
        .bind(sqlx::query(AssertSqlSafe(count_sql)))
        .fetch_one(db.pool())
        .await?
        .try_get("n")?;
    let page = super::limit_offset(limit, offset);
    let sql = format!(
        "SELECT a.id, a.channel_id, a.title, a.status, a.created_by, u.username AS creator, a.author,
                a.published_at, a.updated_at, a.is_pinned, a.is_recommended, a.is_headline,
                a.review_note, a.unpublish_at,
                (SELECT COUNT(*) FROM article_pending p WHERE p.article_id = a.id) AS pending_n
         FROM articles a LEFT JOIN users u ON u.id = a.created_by
         WHERE {cond} ORDER BY a.updated_at DESC, a.id DESC {page}"
    );
    let rows = w
        .bind(sqlx::query(AssertSqlSafe(sql)))
        .fetch_all(db.pool())
        .await?;
    Ok((
        rows.iter().map(list_row).collect::<sqlx::Result<_>>()?,
        total,
    ))
}

/// How many articles (in any state) a channel holds.
pub async fn count_in_channel(db: &Db, channel_id: i64) -> anyhow::Result<i64> {
    Ok(
        sqlx::query("SELECT COUNT(*) AS n FROM articles WHERE channel_id = $1")
            .bind(channel_id)
            .fetch_one(db.pool())
            .await?
            .try_get("n")?,
    )
}
