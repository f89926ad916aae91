//! Articles as the back office sees them: every state, who created them,
//! the reviewer's note, the recycle bin; listing with filters; and the
//! writes of the editor and the workflow. Every content save stores a
//! revision in the same transaction. The public listings stay in
//! `articles`, which also holds the scheduled-publishing job.

use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use super::articles::{self, Article, Status};
use super::audit::{Actor, like_escape};
use super::{Db, now, revisions};
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

/// The editable fields of an article (also what a revision keeps).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct EditInput {
    /// Channel.
    pub channel_id: i64,
    /// Title.
    pub title: String,
    /// Subtitle.
    pub subtitle: String,
    /// 来源.
    pub source: String,
    /// 作者.
    pub author: String,
    /// 编辑.
    pub editor: String,
    /// 摘要.
    pub summary: String,
    /// Sanitized body.
    pub body_html: String,
    /// Cover image address.
    pub cover: String,
    /// 置顶.
    pub is_pinned: bool,
    /// 推荐.
    pub is_recommended: bool,
    /// 头条.
    pub is_headline: bool,
    /// 发布时间.
    pub published_at: i64,
    /// 下线时间.
    pub unpublish_at: Option<i64>,
}

impl EditInput {
    /// The editable fields of a stored article.
    pub fn of(a: &Article) -> EditInput {
        EditInput {
            channel_id: a.channel_id,
            title: a.title.clone(),
            subtitle: a.subtitle.clone(),
            source: a.source.clone(),
            author: a.author.clone(),
            editor: a.editor.clone(),
            summary: a.summary.clone(),
            body_html: a.body_html.clone(),
            cover: a.cover.clone(),
            is_pinned: a.is_pinned,
            is_recommended: a.is_recommended,
            is_headline: a.is_headline,
            published_at: a.published_at,
            unpublish_at: a.unpublish_at,
        }
    }
}

const EXTRA: &str = "created_by, review_note, trashed_from, trashed_at";

fn admin_from_row(row: &AnyRow) -> sqlx::Result<AdminArticle> {
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
}

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
        Some(s) => {
            let p = w.text(s.as_str().into());
            w.conds.push(format!("a.status = {p}"));
        }
        None => w.conds.push("a.status <> 'trashed'".into()),
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
                a.review_note, a.unpublish_at
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

/// Creates an article in a state and keeps its first revision.
pub async fn create(db: &Db, input: &EditInput, status: Status, by: &Actor) -> anyhow::Result<i64> {
    let t = now();
    let mut tx = db.begin_write().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO articles (channel_id, title, subtitle, source, author, editor, summary, body_html,
             cover, is_pinned, is_recommended, is_headline, status, published_at, unpublish_at,
             created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17)
         RETURNING id",
    )
    .bind(input.channel_id)
    .bind(&input.title)
    .bind(&input.subtitle)
    .bind(&input.source)
    .bind(&input.author)
    .bind(&input.editor)
    .bind(&input.summary)
    .bind(&input.body_html)
    .bind(&input.cover)
    .bind(i64::from(input.is_pinned))
    .bind(i64::from(input.is_recommended))
    .bind(i64::from(input.is_headline))
    .bind(status.as_str())
    .bind(input.published_at)
    .bind(input.unpublish_at)
    .bind(by.id)
    .bind(t)
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    revisions::add(&mut tx, id, by, "新建", input, t).await?;
    tx.commit().await?;
    Ok(id)
}

/// Saves the content (and the new state) of an article and keeps the
/// revision. A save clears the reviewer's note unless it is still a
/// returned draft being edited.
pub async fn update(
    db: &Db,
    id: i64,
    input: &EditInput,
    status: Status,
    by: &Actor,
    note: &str,
) -> anyhow::Result<()> {
    let t = now();
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "UPDATE articles SET channel_id = $1, title = $2, subtitle = $3, source = $4, author = $5,
             editor = $6, summary = $7, body_html = $8, cover = $9, is_pinned = $10,
             is_recommended = $11, is_headline = $12, status = $13, published_at = $14,
             unpublish_at = $15, updated_at = $16,
             review_note = CASE WHEN $13 = 'draft' THEN review_note ELSE '' END
         WHERE id = $17",
    )
    .bind(input.channel_id)
    .bind(&input.title)
    .bind(&input.subtitle)
    .bind(&input.source)
    .bind(&input.author)
    .bind(&input.editor)
    .bind(&input.summary)
    .bind(&input.body_html)
    .bind(&input.cover)
    .bind(i64::from(input.is_pinned))
    .bind(i64::from(input.is_recommended))
    .bind(i64::from(input.is_headline))
    .bind(status.as_str())
    .bind(input.published_at)
    .bind(input.unpublish_at)
    .bind(t)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    revisions::add(&mut tx, id, by, note, input, t).await?;
    tx.commit().await?;
    Ok(())
}

/// Moves an article from one of the `from` states to `to`, setting the
/// reviewer's note and optionally the publish time; false when the
/// article was not in one of those states (someone else acted first).
pub async fn transition(
    db: &Db,
    id: i64,
    from: &[Status],
    to: Status,
    review_note: &str,
    published_at: Option<i64>,
) -> anyhow::Result<bool> {
    let mut w = Where::default();
    let to_p = w.text(to.as_str().into());
    let note_p = w.text(review_note.into());
    let pub_p = w.int(published_at.unwrap_or(0));
    let has_pub = w.int(i64::from(published_at.is_some()));
    let t = w.int(now());
    let id_p = w.int(id);
    let states = from
        .iter()
        .map(|s| w.text(s.as_str().into()))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "UPDATE articles SET status = {to_p}, review_note = {note_p},
             published_at = CASE WHEN {has_pub} = 1 THEN {pub_p} ELSE published_at END,
             updated_at = {t}
         WHERE id = {id_p} AND status IN ({states})"
    );
    Ok(w.bind(sqlx::query(AssertSqlSafe(sql)))
        .execute(db.pool())
        .await?
        .rows_affected()
        == 1)
}

/// Moves an article to the recycle bin, remembering its state.
pub async fn trash(db: &Db, id: i64) -> anyhow::Result<bool> {
    let t = now();
    Ok(sqlx::query(
        "UPDATE articles SET trashed_from = status, status = 'trashed', trashed_at = $1, updated_at = $1
         WHERE id = $2 AND status <> 'trashed'",
    )
    .bind(t)
    .bind(id)
    .execute(db.pool())
    .await?
    .rows_affected()
        == 1)
}

/// Takes an article out of the recycle bin as a draft (publishing again is
/// a deliberate act).
pub async fn restore(db: &Db, id: i64) -> anyhow::Result<bool> {
    Ok(sqlx::query(
        "UPDATE articles SET status = 'draft', trashed_from = NULL, trashed_at = NULL, updated_at = $1
         WHERE id = $2 AND status = 'trashed'",
    )
    .bind(now())
    .bind(id)
    .execute(db.pool())
    .await?
    .rows_affected()
        == 1)
}

/// Deletes an article in the recycle bin for good (with its revisions and
/// old addresses).
pub async fn purge(db: &Db, id: i64) -> anyhow::Result<bool> {
    Ok(
        sqlx::query("DELETE FROM articles WHERE id = $1 AND status = 'trashed'")
            .bind(id)
            .execute(db.pool())
            .await?
            .rows_affected()
            == 1,
    )
}

/// Moves an article to another channel.
pub async fn move_to(db: &Db, id: i64, channel_id: i64) -> anyhow::Result<()> {
    sqlx::query("UPDATE articles SET channel_id = $1, updated_at = $2 WHERE id = $3")
        .bind(channel_id)
        .bind(now())
        .bind(id)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Moves every article of a channel to another (before deleting it).
pub async fn move_all(db: &Db, from: i64, to: i64) -> anyhow::Result<u64> {
    Ok(
        sqlx::query("UPDATE articles SET channel_id = $1, updated_at = $2 WHERE channel_id = $3")
            .bind(to)
            .bind(now())
            .bind(from)
            .execute(db.pool())
            .await?
            .rows_affected(),
    )
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
