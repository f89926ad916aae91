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
use super::articles::{self, Article, ArticleFields, FIELD_COLUMNS, Status, bind_fields};
use super::audit::like_escape;
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

/// One article by id inside the caller's transaction.
pub async fn get_in(
    conn: &mut sqlx::AnyConnection,
    id: i64,
) -> anyhow::Result<Option<AdminArticle>> {
    let sql = format!(
        "SELECT {}, {EXTRA} FROM articles WHERE id = $1",
        articles::FULL
    );
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.as_ref().map(admin_from_row).transpose()?)
}

/// One article by id inside the caller's transaction, locked against other
/// writers until it ends (SQLite's write transaction locks the whole file).
pub async fn get_locked(
    conn: &mut sqlx::AnyConnection,
    backend: super::Backend,
    id: i64,
) -> anyhow::Result<Option<AdminArticle>> {
    let lock = match backend {
        super::Backend::Sqlite => "",
        super::Backend::Postgres => " FOR UPDATE",
    };
    let sql = format!(
        "SELECT {}, {EXTRA} FROM articles WHERE id = $1{lock}",
        articles::FULL
    );
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.as_ref().map(admin_from_row).transpose()?)
}

/// The name of a channel, if it exists.
pub async fn channel_name(
    conn: &mut sqlx::AnyConnection,
    id: i64,
) -> anyhow::Result<Option<String>> {
    let row = sqlx::query("SELECT name FROM channels WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.map(|r| r.try_get("name")).transpose()?)
}

/// A channel's review interval in days (0: none), if the channel exists.
pub async fn channel_review_days(
    conn: &mut sqlx::AnyConnection,
    id: i64,
) -> anyhow::Result<Option<i64>> {
    let row = sqlx::query("SELECT review_days FROM channels WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.map(|r| r.try_get("review_days")).transpose()?)
}

/// A channel's review interval in days (0: none or no such channel).
pub async fn review_days(db: &Db, id: i64) -> anyhow::Result<i64> {
    let mut conn = db.pool().acquire().await?;
    Ok(channel_review_days(&mut conn, id).await?.unwrap_or(0))
}

/// Sets a channel's review interval in days (0: none).
pub async fn set_channel_review_days(db: &Db, id: i64, days: i64) -> anyhow::Result<()> {
    sqlx::query("UPDATE channels SET review_days = $1 WHERE id = $2")
        .bind(days)
        .bind(id)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// `$first, $first+1, …` for `count` values.
fn numbered(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Inserts an article and returns its id.
#[allow(clippy::too_many_arguments)]
pub async fn insert(
    conn: &mut sqlx::AnyConnection,
    f: &ArticleFields,
    status: Status,
    created_by: Option<i64>,
    hits: i64,
    original_url: Option<&str>,
    import_key: Option<&str>,
    at: i64,
) -> anyhow::Result<i64> {
    let n = articles::FIELD_COUNT;
    let sql = format!(
        "INSERT INTO articles ({FIELD_COLUMNS}, status, created_by, hits, original_url, import_key,
             created_at, updated_at)
         VALUES ({}, ${}, ${}, ${}, ${}, ${}, ${}, ${})
         RETURNING id",
        numbered(1, n),
        n + 1,
        n + 2,
        n + 3,
        n + 4,
        n + 5,
        n + 6,
        n + 6
    );
    let row = bind_fields(sqlx::query(AssertSqlSafe(sql)), f)
        .bind(status.as_str())
        .bind(created_by)
        .bind(hits)
        .bind(original_url)
        .bind(import_key)
        .bind(at)
        .fetch_one(&mut *conn)
        .await?;
    Ok(row.try_get("id")?)
}

/// Writes the editable fields and the state of an article (and its legacy
/// address when given). The reviewer's note is kept for a draft (a
/// returned draft being edited) and cleared otherwise.
pub async fn write(
    conn: &mut sqlx::AnyConnection,
    id: i64,
    f: &ArticleFields,
    status: Status,
    original_url: Option<&str>,
    at: i64,
) -> anyhow::Result<()> {
    let n = articles::FIELD_COUNT;
    let sql = format!(
        "UPDATE articles SET ({FIELD_COLUMNS}) = ({}), status = ${s},
             original_url = COALESCE(${o}, original_url), updated_at = ${t},
             review_note = CASE WHEN ${s} = 'draft' THEN review_note ELSE '' END
         WHERE id = ${i}",
        numbered(1, n),
        s = n + 1,
        o = n + 2,
        t = n + 3,
        i = n + 4,
    );
    bind_fields(sqlx::query(AssertSqlSafe(sql)), f)
        .bind(status.as_str())
        .bind(original_url)
        .bind(at)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The article stored under an import key, if any.
pub async fn by_import_key(
    conn: &mut sqlx::AnyConnection,
    key: &str,
) -> anyhow::Result<Option<AdminArticle>> {
    let sql = format!(
        "SELECT {}, {EXTRA} FROM articles WHERE import_key = $1",
        articles::FULL
    );
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(key)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.as_ref().map(admin_from_row).transpose()?)
}

/// Maps an old address of the legacy site to an article.
pub async fn map_legacy_path(
    conn: &mut sqlx::AnyConnection,
    path: &str,
    id: i64,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO legacy_urls (path, article_id) VALUES ($1, $2)
         ON CONFLICT (path) DO UPDATE SET article_id = excluded.article_id",
    )
    .bind(path)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Sets an article's state, the reviewer's note, and optionally its
/// publish time and its 下线 time (`Some(None)` clears it).
pub async fn set_state(
    conn: &mut sqlx::AnyConnection,
    id: i64,
    to: Status,
    review_note: &str,
    published_at: Option<i64>,
    unpublish_at: Option<Option<i64>>,
    at: i64,
) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE articles SET status = $1, review_note = $2,
             published_at = CASE WHEN $3 = 1 THEN $4 ELSE published_at END,
             unpublish_at = CASE WHEN $5 = 1 THEN $6 ELSE unpublish_at END,
             updated_at = $7
         WHERE id = $8",
    )
    .bind(to.as_str())
    .bind(review_note)
    .bind(i64::from(published_at.is_some()))
    .bind(published_at.unwrap_or(0))
    .bind(i64::from(unpublish_at.is_some()))
    .bind(unpublish_at.flatten())
    .bind(at)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Moves an article to the recycle bin, remembering its state.
pub async fn trash(conn: &mut sqlx::AnyConnection, id: i64, at: i64) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE articles SET trashed_from = status, status = 'trashed', trashed_at = $1, updated_at = $1
         WHERE id = $2",
    )
    .bind(at)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Takes an article out of the recycle bin as a draft (publishing again is
/// a deliberate act).
pub async fn restore(conn: &mut sqlx::AnyConnection, id: i64, at: i64) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE articles SET status = 'draft', trashed_from = NULL, trashed_at = NULL, updated_at = $1
         WHERE id = $2",
    )
    .bind(at)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Deletes an article for good (with its revisions and old addresses).
pub async fn purge(conn: &mut sqlx::AnyConnection, id: i64) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM articles WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Moves an article to another channel.
pub async fn move_to(
    conn: &mut sqlx::AnyConnection,
    id: i64,
    channel_id: i64,
    at: i64,
) -> anyhow::Result<()> {
    sqlx::query("UPDATE articles SET channel_id = $1, updated_at = $2 WHERE id = $3")
        .bind(channel_id)
        .bind(at)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The ids of every article of a channel (in any state).
pub async fn ids_in_channel(db: &Db, channel_id: i64) -> anyhow::Result<Vec<i64>> {
    let rows = sqlx::query("SELECT id FROM articles WHERE channel_id = $1 ORDER BY id")
        .bind(channel_id)
        .fetch_all(db.pool())
        .await?;
    Ok(rows
        .iter()
        .map(|r| r.try_get("id"))
        .collect::<sqlx::Result<_>>()?)
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
