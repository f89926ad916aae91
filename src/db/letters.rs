//! Letters of the 秘书长信箱 and their internal notes: storing a new letter
//! with its number, the inbox list and its filters, the staff's actions
//! (assign, status, reply, publish), the public board, the rows behind the
//! statistics, and the staff who may receive them (with the e-mail address
//! that new letters are announced to).

use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use super::{Db, now};
use crate::mailbox::{Category, CleanLetter, Status, letter_number};

/// A stored letter.
#[derive(Debug, Clone)]
pub struct Letter {
    /// Row id.
    pub id: i64,
    /// Letter number shown to the writer.
    pub number: String,
    /// Salt of the 查询码 digest.
    pub code_salt: String,
    /// The 查询码 digest.
    pub code_hash: String,
    /// 姓名.
    pub name: String,
    /// 电话.
    pub phone: String,
    /// 电子邮箱.
    pub email: String,
    /// 主题.
    pub subject: String,
    /// Category.
    pub category: Category,
    /// 内容.
    pub body: String,
    /// Whether the writer agreed to publication.
    pub publish_ok: bool,
    /// Whether the writer asked for an e-mail once it is answered.
    pub notify_ok: bool,
    /// When that e-mail went out.
    pub writer_notified_at: Option<i64>,
    /// Status.
    pub status: Status,
    /// Assigned staff member.
    pub assignee_id: Option<i64>,
    /// Their name.
    pub assignee_name: String,
    /// The reply to the writer ("" until written).
    pub reply: String,
    /// When the reply was first given.
    pub replied_at: Option<i64>,
    /// Who wrote the reply.
    pub replied_by: String,
    /// Whether it is on the public board.
    pub published: bool,
    /// When it went on the board.
    pub published_at: Option<i64>,
    /// When it was closed.
    pub closed_at: Option<i64>,
    /// Reply deadline.
    pub due_at: i64,
    /// When staff were told by e-mail.
    pub notified_at: Option<i64>,
    /// Arrival.
    pub created_at: i64,
    /// Last change.
    pub updated_at: i64,
}

impl Letter {
    /// Whether the deadline has passed while a reply is still owed.
    pub fn overdue(&self, now: i64) -> bool {
        self.status.open() && now > self.due_at
    }
}

const COLUMNS: &str = "l.id, l.number, l.code_salt, l.code_hash, l.name, l.phone, l.email, l.subject,
    l.category, l.body, l.publish_ok, l.status, l.assignee_id, COALESCE(u.display_name, '') AS dn,
    COALESCE(u.username, '') AS un, l.reply, l.replied_at, l.replied_by, l.published, l.published_at,
    l.closed_at, l.due_at, l.notified_at, l.created_at, l.updated_at, l.notify_ok,
    l.writer_notified_at";

const FROM: &str = "letters l LEFT JOIN users u ON u.id = l.assignee_id";

fn from_row(row: &AnyRow) -> anyhow::Result<Letter> {
    let dn: String = row.try_get("dn")?;
    let un: String = row.try_get("un")?;
    let category: String = row.try_get("category")?;
    let status: String = row.try_get("status")?;
    Ok(Letter {
        id: row.try_get("id")?,
        number: row.try_get("number")?,
        code_salt: row.try_get("code_salt")?,
        code_hash: row.try_get("code_hash")?,
        name: row.try_get("name")?,
        phone: row.try_get("phone")?,
        email: row.try_get("email")?,
        subject: row.try_get("subject")?,
        category: Category::parse(&category).unwrap_or(Category::Other),
        body: row.try_get("body")?,
        publish_ok: row.try_get::<i64, _>("publish_ok")? != 0,
        notify_ok: row.try_get::<i64, _>("notify_ok")? != 0,
        writer_notified_at: row.try_get("writer_notified_at")?,
        status: Status::parse(&status).unwrap_or(Status::New),
        assignee_id: row.try_get("assignee_id")?,
        assignee_name: if dn.is_empty() { un } else { dn },
        reply: row.try_get("reply")?,
        replied_at: row.try_get("replied_at")?,
        replied_by: row.try_get("replied_by")?,
        published: row.try_get::<i64, _>("published")? != 0,
        published_at: row.try_get("published_at")?,
        closed_at: row.try_get("closed_at")?,
        due_at: row.try_get("due_at")?,
        notified_at: row.try_get("notified_at")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// What [`create`] needs besides the letter.
#[derive(Debug, Clone)]
pub struct Receipt<'a> {
    /// Salt of the code digest.
    pub code_salt: &'a str,
    /// The code digest.
    pub code_hash: &'a str,
    /// Arrival (Unix seconds).
    pub now: i64,
    /// The arrival day, `yyyymmdd` in Asia/Shanghai (for the number).
    pub day: i64,
    /// Reply deadline.
    pub due_at: i64,
    /// Staff member new letters go to, if one is set.
    pub assignee_id: Option<i64>,
}

/// Stores a new letter; returns its id and number.
pub async fn create(db: &Db, l: &CleanLetter, r: &Receipt<'_>) -> anyhow::Result<(i64, String)> {
    let mut tx = db.begin_write().await?;
    // The number needs the id: a unique placeholder first, then the number.
    let id: i64 = sqlx::query(
        "INSERT INTO letters (number, code_salt, code_hash, name, phone, email, subject, category, body,
            publish_ok, status, assignee_id, due_at, created_at, updated_at, notify_ok)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'new', $11, $12, $13, $13, $14) RETURNING id",
    )
    .bind(format!("pending-{}", r.code_salt))
    .bind(r.code_salt)
    .bind(r.code_hash)
    .bind(&l.name)
    .bind(&l.phone)
    .bind(&l.email)
    .bind(&l.subject)
    .bind(l.category.as_str())
    .bind(&l.body)
    .bind(i64::from(l.publish_ok))
    .bind(r.assignee_id)
    .bind(r.due_at)
    .bind(r.now)
    .bind(i64::from(l.notify_ok && !l.email.is_empty()))
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    let number = letter_number(r.day, id);
    sqlx::query("UPDATE letters SET number = $1 WHERE id = $2")
        .bind(&number)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok((id, number))
}

/// One letter by id.
pub async fn get(db: &Db, id: i64) -> anyhow::Result<Option<Letter>> {
    let sql = format!("SELECT {COLUMNS} FROM {FROM} WHERE l.id = $1");
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// One letter by its number.
pub async fn by_number(db: &Db, number: &str) -> anyhow::Result<Option<Letter>> {
    let sql = format!("SELECT {COLUMNS} FROM {FROM} WHERE l.number = $1");
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(number)
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// The inbox's filters; empty ones match everything.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only this status.
    pub status: Option<Status>,
    /// Only letters still owed a reply whose deadline passed (at this time).
    pub overdue_at: Option<i64>,
    /// Only letters assigned to this user.
    pub assignee: Option<i64>,
}

fn where_of(f: &Filter) -> (String, Vec<String>, Vec<i64>) {
    let mut conds = vec!["1 = 1".to_string()];
    let mut texts = Vec::new();
    let mut ints = Vec::new();
    if let Some(s) = f.status {
        texts.push(s.as_str().to_string());
        conds.push(format!("l.status = ${}", texts.len()));
    }
    let base = texts.len();
    if let Some(at) = f.overdue_at {
        ints.push(at);
        conds.push(format!(
            "l.status IN ('new', 'processing') AND l.due_at < ${}",
            base + ints.len()
        ));
    }
    if let Some(a) = f.assignee {
        ints.push(a);
        conds.push(format!("l.assignee_id = ${}", base + ints.len()));
    }
    (conds.join(" AND "), texts, ints)
}

/// A page of letters, newest first, and how many match.
pub async fn list(
    db: &Db,
    f: &Filter,
    offset: i64,
    limit: i64,
) -> anyhow::Result<(Vec<Letter>, i64)> {
    let (cond, texts, ints) = where_of(f);
    let count_sql = format!("SELECT COUNT(*) AS n FROM letters l WHERE {cond}");
    let list_sql = format!(
        "SELECT {COLUMNS} FROM {FROM} WHERE {cond} ORDER BY l.created_at DESC, l.id DESC {}",
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
    let letters = rows.iter().map(from_row).collect::<anyhow::Result<_>>()?;
    Ok((letters, total))
}

/// Sets the assignee (none to clear); a new letter becomes 处理中.
pub async fn assign(db: &Db, id: i64, assignee: Option<i64>) -> anyhow::Result<bool> {
    Ok(sqlx::query(
        "UPDATE letters SET assignee_id = $1,
            status = CASE WHEN status = 'new' AND $1 IS NOT NULL THEN 'processing' ELSE status END,
            updated_at = $2 WHERE id = $3",
    )
    .bind(assignee)
    .bind(now())
    .bind(id)
    .execute(db.pool())
    .await?
    .rows_affected()
        == 1)
}

/// Sets the status (closing records the time; reopening clears it).
pub async fn set_status(db: &Db, id: i64, status: Status) -> anyhow::Result<bool> {
    let t = now();
    Ok(sqlx::query(
        "UPDATE letters SET status = $1,
            closed_at = CASE WHEN $1 = 'closed' THEN COALESCE(closed_at, $2) ELSE NULL END,
            updated_at = $2 WHERE id = $3",
    )
    .bind(status.as_str())
    .bind(t)
    .bind(id)
    .execute(db.pool())
    .await?
    .rows_affected()
        == 1)
}

/// Saves the reply; the first reply's time is kept (it measures how long
/// the writer waited). A letter not closed becomes 已回复.
pub async fn save_reply(db: &Db, id: i64, reply: &str, by: &str) -> anyhow::Result<bool> {
    let t = now();
    Ok(sqlx::query(
        "UPDATE letters SET reply = $1, replied_by = $2, replied_at = COALESCE(replied_at, $3),
            status = CASE WHEN status = 'closed' THEN status ELSE 'replied' END, updated_at = $3
         WHERE id = $4",
    )
    .bind(reply)
    .bind(by)
    .bind(t)
    .bind(id)
    .execute(db.pool())
    .await?
    .rows_affected()
        == 1)
}

/// Claims the writer's reply notice: true once for a letter whose writer
/// asked for it, gave an address and has a reply; later calls say false.
pub async fn claim_writer_notice(db: &Db, id: i64, at: i64) -> anyhow::Result<bool> {
    Ok(sqlx::query(
        "UPDATE letters SET writer_notified_at = $1
         WHERE id = $2 AND notify_ok = 1 AND email <> '' AND reply <> ''
           AND writer_notified_at IS NULL",
    )
    .bind(at)
    .bind(id)
    .execute(db.pool())
    .await?
    .rows_affected()
        == 1)
}

/// Gives a claimed notice back when it could not be sent, so the next
/// reply tries again.
pub async fn release_writer_notice(db: &Db, id: i64) -> anyhow::Result<()> {
    sqlx::query("UPDATE letters SET writer_notified_at = NULL WHERE id = $1")
        .bind(id)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Puts a letter on the public board or takes it off. Only a letter whose
/// writer agreed and that has a reply can go on; returns whether it changed.
pub async fn set_published(db: &Db, id: i64, on: bool) -> anyhow::Result<bool> {
    let t = now();
    let sql = if on {
        "UPDATE letters SET published = 1, published_at = $1, updated_at = $1
         WHERE id = $2 AND publish_ok = 1 AND reply <> '' AND published = 0"
    } else {
        "UPDATE letters SET published = 0, published_at = NULL, updated_at = $1
         WHERE id = $2 AND published = 1"
    };
    Ok(sqlx::query(sql)
        .bind(t)
        .bind(id)
        .execute(db.pool())
        .await?
        .rows_affected()
        == 1)
}

/// Records that staff were told by e-mail.
pub async fn mark_notified(db: &Db, id: i64, at: i64) -> anyhow::Result<()> {
    sqlx::query("UPDATE letters SET notified_at = $1 WHERE id = $2")
        .bind(at)
        .bind(id)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// A page of the public board (published letters, newest reply first)
/// and how many there are.
pub async fn board(db: &Db, offset: i64, limit: i64) -> anyhow::Result<(Vec<Letter>, i64)> {
    let cond = "l.published = 1 AND l.publish_ok = 1 AND l.reply <> ''";
    let total: i64 = sqlx::query(AssertSqlSafe(format!(
        "SELECT COUNT(*) AS n FROM letters l WHERE {cond}"
    )))
    .fetch_one(db.pool())
    .await?
    .try_get("n")?;
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM {FROM} WHERE {cond}
         ORDER BY l.published_at DESC, l.id DESC {}",
        super::limit_offset(limit, offset)
    )))
    .fetch_all(db.pool())
    .await?;
    let letters = rows.iter().map(from_row).collect::<anyhow::Result<_>>()?;
    Ok((letters, total))
}

/// What the statistics need of one letter.
#[derive(Debug, Clone, Copy)]
pub struct ReportRow {
    /// Arrival.
    pub created_at: i64,
    /// Category.
    pub category: Category,
    /// Status.
    pub status: Status,
    /// First reply.
    pub replied_at: Option<i64>,
    /// Deadline.
    pub due_at: i64,
}

/// The letters that arrived in `[from, to)`, for the statistics.
pub async fn report_rows(db: &Db, from: i64, to: i64) -> anyhow::Result<Vec<ReportRow>> {
    let rows = sqlx::query(
        "SELECT created_at, category, status, replied_at, due_at FROM letters
         WHERE created_at >= $1 AND created_at < $2 ORDER BY created_at",
    )
    .bind(from)
    .bind(to)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ReportRow {
                created_at: r.try_get("created_at")?,
                category: Category::parse(&r.try_get::<String, _>("category")?)
                    .unwrap_or(Category::Other),
                status: Status::parse(&r.try_get::<String, _>("status")?).unwrap_or(Status::New),
                replied_at: r.try_get("replied_at")?,
                due_at: r.try_get("due_at")?,
            })
        })
        .collect()
}

/// An internal note.
#[derive(Debug, Clone)]
pub struct Note {
    /// Who wrote it.
    pub author_name: String,
    /// The text.
    pub body: String,
    /// When.
    pub created_at: i64,
}

/// Adds an internal note.
pub async fn add_note(
    db: &Db,
    letter_id: i64,
    author_id: i64,
    author_name: &str,
    body: &str,
) -> anyhow::Result<()> {
    let t = now();
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "INSERT INTO letter_notes (letter_id, author_id, author_name, body, created_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(letter_id)
    .bind(author_id)
    .bind(author_name)
    .bind(body)
    .bind(t)
    .execute(&mut *tx)
    .await?;
    // Someone is working on it now.
    sqlx::query(
        "UPDATE letters SET status = CASE WHEN status = 'new' THEN 'processing' ELSE status END,
            updated_at = $1 WHERE id = $2",
    )
    .bind(t)
    .bind(letter_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The notes of a letter, oldest first.
pub async fn notes(db: &Db, letter_id: i64) -> anyhow::Result<Vec<Note>> {
    let rows = sqlx::query(
        "SELECT author_name, body, created_at FROM letter_notes WHERE letter_id = $1 ORDER BY id",
    )
    .bind(letter_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Note {
                author_name: r.try_get("author_name")?,
                body: r.try_get("body")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect()
}

/// A member of staff who may handle letters.
#[derive(Debug, Clone)]
pub struct Staff {
    /// User id.
    pub id: i64,
    /// Name to show.
    pub name: String,
    /// Role (stored spelling).
    pub role: String,
    /// Where new letters are announced ("" for nowhere).
    pub email: String,
}

/// Every active user who may handle letters (管理员 and 信箱管理).
pub async fn staff(db: &Db) -> anyhow::Result<Vec<Staff>> {
    let rows = sqlx::query(
        "SELECT id, username, display_name, role, email FROM users
         WHERE disabled = 0 AND role IN ('admin', 'mailbox') ORDER BY role DESC, id",
    )
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            let dn: String = r.try_get("display_name")?;
            Ok(Staff {
                id: r.try_get("id")?,
                name: if dn.is_empty() {
                    r.try_get("username")?
                } else {
                    dn
                },
                role: r.try_get("role")?,
                email: r.try_get("email")?,
            })
        })
        .collect()
}

/// Sets the address a user's mailbox notices go to.
pub async fn set_staff_email(db: &Db, user_id: i64, email: &str) -> anyhow::Result<()> {
    sqlx::query("UPDATE users SET email = $1 WHERE id = $2")
        .bind(email)
        .bind(user_id)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// How many letters are in each status: (status, count).
pub async fn count_by_status(db: &Db) -> anyhow::Result<Vec<(Status, i64)>> {
    let rows = sqlx::query("SELECT status, COUNT(*) AS n FROM letters GROUP BY status")
        .fetch_all(db.pool())
        .await?;
    let mut out: Vec<(Status, i64)> = Status::ALL.iter().map(|s| (*s, 0)).collect();
    for r in rows {
        if let Some(s) = Status::parse(&r.try_get::<String, _>("status")?)
            && let Some(slot) = out.iter_mut().find(|(k, _)| *k == s)
        {
            slot.1 = r.try_get("n")?;
        }
    }
    Ok(out)
}
