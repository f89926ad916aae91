//! The importer's action: an old page stored under its import key,
//! inserted the first time, updated in place when its content changed,
//! left alone otherwise, with its revision and log entry.

use super::action::{Applied, Import, ImportOutcome, Log};
use super::{ArticleFields, Error, Principal};
use crate::db::articles::Status;
use crate::db::editorial as store;

/// Stores an imported page: inserted the first time, updated in place when
/// its content changed, left alone otherwise; the legacy address mapped.
pub(super) async fn apply_import(
    conn: &mut sqlx::AnyConnection,
    who: &Principal,
    log: &Log<'_>,
    import: Import,
) -> Result<Applied, Error> {
    if who.role != crate::auth::Role::Admin {
        return Err(Error::Denied);
    }
    let t = log.at;
    let f = &import.fields;
    let (id, status, outcome) = match store::by_import_key(conn, &import.key).await? {
        None => {
            let id = store::insert(
                conn,
                f,
                Status::Published,
                None,
                import.hits,
                import.original_url.as_deref(),
                Some(&import.key),
                t,
            )
            .await?;
            log.write(conn, id, "导入", "").await?;
            (id, Status::Published, ImportOutcome::Imported)
        }
        Some(old) => {
            let o = &old.article;
            let same = o.channel_id == f.channel_id
                && o.title == f.title
                && o.subtitle == f.subtitle
                && o.source == f.source
                && o.author == f.author
                && o.editor == f.editor
                && o.body_html == f.body_html
                && o.published_at == f.published_at
                && (import.original_url.is_none() || o.original_url == import.original_url);
            if same {
                (o.id, o.status, ImportOutcome::Unchanged)
            } else {
                // The import owns what the old page shows; the flags, the
                // cover and the 下线 time set in the back office stay.
                let merged = ArticleFields {
                    channel_id: f.channel_id,
                    title: f.title.clone(),
                    subtitle: f.subtitle.clone(),
                    source: f.source.clone(),
                    author: f.author.clone(),
                    editor: f.editor.clone(),
                    summary: f.summary.clone(),
                    body_html: f.body_html.clone(),
                    published_at: f.published_at,
                    ..o.fields.clone()
                };
                store::write(
                    conn,
                    o.id,
                    &merged,
                    o.status,
                    import.original_url.as_deref(),
                    t,
                )
                .await?;
                log.write(conn, o.id, "导入更新", "").await?;
                (o.id, o.status, ImportOutcome::Updated)
            }
        }
    };
    if let Some(path) = &import.legacy_path {
        store::map_legacy_path(conn, path, id).await?;
    }
    Ok(Applied {
        id,
        status: Some(status),
        notice: "imported",
        imported: Some(outcome),
    })
}
