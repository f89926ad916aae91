//! Staged edits of published articles. Saving a published article keeps
//! the change as its pending version (`db::pending`): the live row, which
//! the public site, the export and the search read, stays as it is until
//! someone allowed to publish approves the change (now, or at a later
//! time through the job) or publishes it directly. Discarding the pending
//! version leaves the live one untouched.

use super::action::{Applied, Log, Then};
use super::{ArticleFields, Error, Newer, Principal, fields};
use crate::auth::Access;
use crate::datetime::datetime;
use crate::db::articles::Status;
use crate::db::editorial::{self as store, AdminArticle};
use crate::db::pending::{self, Pending};
use crate::db::revisions;

/// The version an editor works on: the pending one when there is one.
pub fn version(a: &AdminArticle, pending: Option<&Pending>) -> i64 {
    pending.map_or(a.article.updated_at, |p| {
        p.updated_at.max(a.article.updated_at)
    })
}

/// Refuses a save made on a version older than the newest one.
pub(super) async fn refuse_if_newer(
    conn: &mut sqlx::AnyConnection,
    a: &AdminArticle,
    pending: Option<&Pending>,
    base: i64,
) -> Result<(), Error> {
    if version(a, pending) <= base {
        return Ok(());
    }
    let newer = match pending {
        Some(p) if p.updated_at >= a.article.updated_at => Newer {
            fields: p.fields.clone(),
            user_name: p.user_name.clone(),
            updated_at: p.updated_at,
        },
        _ => Newer {
            fields: a.article.fields.clone(),
            user_name: revisions::latest_author(conn, a.article.id)
                .await?
                .unwrap_or_default(),
            updated_at: a.article.updated_at,
        },
    };
    Err(Error::Conflict(Box::new(newer)))
}

fn applied(a: &AdminArticle, notice: &'static str) -> Applied {
    Applied {
        id: a.article.id,
        status: Some(Status::Published),
        notice,
        imported: None,
    }
}

/// A save of a published article: published at once by a publisher who
/// asked for it, kept as the pending version otherwise.
pub(super) async fn save_live(
    conn: &mut sqlx::AnyConnection,
    who: &Principal,
    log: &Log<'_>,
    a: &AdminArticle,
    f: ArticleFields,
    then: Then,
) -> Result<Applied, Error> {
    let id = a.article.id;
    if f.channel_id != a.article.channel_id && !who.can_publish_in(f.channel_id) {
        return Err(Error::Denied);
    }
    if let Then::Publish { .. } = then {
        if !who.can_publish_in(a.article.channel_id) || !who.can_publish_in(f.channel_id) {
            return Err(Error::Denied);
        }
        store::write(conn, id, &f, Status::Published, None, log.at).await?;
        pending::delete(conn, id).await?;
        log.write(conn, id, "修改已发布文章", "直接发布").await?;
        return Ok(applied(a, "published"));
    }
    let submit = then == Then::Submit;
    pending::put(conn, id, &f, &who.actor, submit, log.at).await?;
    revisions::add(conn, id, &who.actor, "待审修改", &f, log.at).await?;
    let detail = if submit {
        "待审核修改，已提交审核；网站仍显示已发布的版本"
    } else {
        "待审核修改；网站仍显示已发布的版本"
    };
    log.audit(conn, id, &a.article.title, "修改已发布文章", detail)
        .await?;
    Ok(applied(
        a,
        if submit {
            "pending_submitted"
        } else {
            "pending_saved"
        },
    ))
}

async fn pending_of(conn: &mut sqlx::AnyConnection, a: &AdminArticle) -> Result<Pending, Error> {
    pending::get_in(conn, a.article.id)
        .await?
        .ok_or_else(|| Error::Refused("这篇文章没有待审核的修改。".into()))
}

/// Makes the pending version the live one.
async fn make_live(
    conn: &mut sqlx::AnyConnection,
    log: &Log<'_>,
    a: &AdminArticle,
    p: &Pending,
    label: &str,
) -> Result<Applied, Error> {
    let id = a.article.id;
    store::write(conn, id, &p.fields, Status::Published, None, log.at).await?;
    pending::delete(conn, id).await?;
    log.write(conn, id, label, &format!("修改由 {} 保存", p.user_name))
        .await?;
    Ok(applied(a, "approved"))
}

/// Approves the pending version: live now, or at `at` when later.
pub(super) async fn approve(
    conn: &mut sqlx::AnyConnection,
    log: &Log<'_>,
    a: &AdminArticle,
    at: Option<i64>,
) -> Result<Applied, Error> {
    let p = pending_of(conn, a).await?;
    // A pending version must still be something a person may store.
    fields::check(&p.fields).map_err(Error::Refused)?;
    match at.filter(|t| *t > log.at) {
        None => make_live(conn, log, a, &p, "审核通过修改").await,
        Some(t) => {
            pending::set_go_live(conn, a.article.id, t).await?;
            log.audit(
                conn,
                a.article.id,
                &a.article.title,
                "定时发布修改",
                &format!("生效时间：{}", datetime(t)),
            )
            .await?;
            Ok(applied(a, "approved_later"))
        }
    }
}

/// The job: a pending version approved for a time that has come.
pub(super) async fn go_live(
    conn: &mut sqlx::AnyConnection,
    log: &Log<'_>,
    a: &AdminArticle,
    now: i64,
) -> Result<Applied, Error> {
    let p = pending_of(conn, a).await?;
    if p.go_live_at.is_none_or(|t| t > now) {
        return Err(Error::Refused("还没到修改的生效时间。".into()));
    }
    make_live(conn, log, a, &p, "定时发布修改").await
}

/// Discards the pending version; the live one stays.
pub(super) async fn discard(
    conn: &mut sqlx::AnyConnection,
    log: &Log<'_>,
    a: &AdminArticle,
) -> Result<Applied, Error> {
    let p = pending_of(conn, a).await?;
    pending::delete(conn, a.article.id).await?;
    log.write(
        conn,
        a.article.id,
        "放弃待审修改",
        &format!("放弃 {} 保存的修改", p.user_name),
    )
    .await?;
    Ok(applied(a, "discarded"))
}
