//! The media library's rows: one per uploaded file (images re-encoded by
//! [`crate::media`], attachments kept as sent), found by id or by the
//! generated path the file is served under, and the record of which articles
//! link to which files. The files themselves live in the data directory;
//! this module only knows their relative paths.

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::Db;

/// What kind of file a row describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A picture, re-encoded and thumbnailed; shown inline.
    Image,
    /// A document, kept byte for byte; always downloaded.
    Attachment,
}

impl Kind {
    /// The value stored in the `kind` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Image => "image",
            Kind::Attachment => "attachment",
        }
    }

    /// Parses a stored or submitted value.
    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "image" => Some(Kind::Image),
            "attachment" => Some(Kind::Attachment),
            _ => None,
        }
    }
}

/// One stored file.
#[derive(Debug, Clone, Serialize)]
pub struct Media {
    /// Row id.
    pub id: i64,
    /// Image or attachment.
    pub kind: Kind,
    /// Generated path below the media folder, e.g. `2026/11/3f…9a.jpg`.
    pub stored_path: String,
    /// Generated path of the thumbnail, when one was made.
    pub thumb_path: Option<String>,
    /// The uploader's file name, sanitized; for display and downloads only.
    pub original_name: String,
    /// The type decided from the bytes.
    pub mime: String,
    /// Size of the stored file in bytes.
    pub bytes: i64,
    /// Pixel width (images).
    pub width: Option<i64>,
    /// Pixel height (images).
    pub height: Option<i64>,
    /// Who uploaded it, when known.
    pub uploader_id: Option<i64>,
    /// Unix seconds.
    pub created_at: i64,
}

/// The values of a new row.
#[derive(Debug, Clone)]
pub struct NewMedia<'a> {
    /// Image or attachment.
    pub kind: Kind,
    /// Generated path.
    pub stored_path: &'a str,
    /// Generated thumbnail path.
    pub thumb_path: Option<&'a str>,
    /// Sanitized original name.
    pub original_name: &'a str,
    /// Type from the bytes.
    pub mime: &'a str,
    /// Stored size.
    pub bytes: i64,
    /// Pixel size (images).
    pub size: Option<(u32, u32)>,
    /// Uploader.
    pub uploader_id: Option<i64>,
}

const COLUMNS: &str = "id, kind, stored_path, thumb_path, original_name, mime, bytes, width, \
                       height, uploader_id, created_at";

fn from_row(row: &AnyRow) -> anyhow::Result<Media> {
    let kind: String = row.try_get("kind")?;
    Ok(Media {
        id: row.try_get("id")?,
        kind: Kind::parse(&kind).ok_or_else(|| anyhow::anyhow!("unknown media kind {kind:?}"))?,
        stored_path: row.try_get("stored_path")?,
        thumb_path: row.try_get("thumb_path")?,
        original_name: row.try_get("original_name")?,
        mime: row.try_get("mime")?,
        bytes: row.try_get("bytes")?,
        width: row.try_get("width")?,
        height: row.try_get("height")?,
        uploader_id: row.try_get("uploader_id")?,
        created_at: row.try_get("created_at")?,
    })
}

/// Records a stored file and returns its row.
pub async fn insert(db: &Db, new: &NewMedia<'_>) -> anyhow::Result<Media> {
    let sql = format!(
        "INSERT INTO media (kind, stored_path, thumb_path, original_name, mime, bytes, width, \
         height, uploader_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         RETURNING {COLUMNS}"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(new.kind.as_str())
        .bind(new.stored_path)
        .bind(new.thumb_path)
        .bind(new.original_name)
        .bind(new.mime)
        .bind(new.bytes)
        .bind(new.size.map(|(w, _)| i64::from(w)))
        .bind(new.size.map(|(_, h)| i64::from(h)))
        .bind(new.uploader_id)
        .bind(super::now())
        .fetch_one(db.pool())
        .await?;
    from_row(&row)
}

/// One row by id.
pub async fn get(db: &Db, id: i64) -> anyhow::Result<Option<Media>> {
    let sql = format!("SELECT {COLUMNS} FROM media WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// The row whose file or thumbnail is stored at `path`; the flag says
/// whether `path` named the thumbnail.
pub async fn by_path(db: &Db, path: &str) -> anyhow::Result<Option<(Media, bool)>> {
    let sql = format!("SELECT {COLUMNS} FROM media WHERE stored_path = $1 OR thumb_path = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(path)
        .fetch_optional(db.pool())
        .await?;
    match row {
        Some(row) => {
            let media = from_row(&row)?;
            let thumb = media.stored_path != path;
            Ok(Some((media, thumb)))
        }
        None => Ok(None),
    }
}

/// What the media library lists.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only this kind.
    pub kind: Option<Kind>,
    /// Only names containing this text.
    pub name: Option<String>,
    /// Only files of this uploader.
    pub uploader_id: Option<i64>,
    /// The files in the recycle bin instead of the library.
    pub trashed: bool,
    /// Only what this user may see: their own uploads and the files used
    /// by articles of their channels (`None`: everything).
    pub visible_to: Option<Scope>,
}

/// Whose files a writer or a channel editor sees.
#[derive(Debug, Clone, Copy)]
pub struct Scope {
    /// The user.
    pub user_id: i64,
    /// Whether the user writes in every channel (else only in the channels
    /// assigned to them in `user_channels`).
    pub every_channel: bool,
}

/// An article that uses a file.
#[derive(Debug, Clone, Serialize)]
pub struct Use {
    /// The article's id.
    pub article_id: i64,
    /// Its title.
    pub title: String,
    /// Its channel.
    pub channel_id: i64,
    /// Its status as stored (`published`, `draft` …).
    pub status: String,
}

/// A page of rows, newest first, and the number of rows that match.
pub async fn list(
    db: &Db,
    filter: &Filter,
    limit: i64,
    offset: i64,
) -> anyhow::Result<(Vec<Media>, i64)> {
    // Unused filters compare a NULL parameter, so one query text serves all.
    let condition = "($1 IS NULL OR kind = $1) \
                     AND ($2 IS NULL OR original_name LIKE $2 ESCAPE '\\') \
                     AND ($3 IS NULL OR uploader_id = $3) \
                     AND (CASE WHEN trashed_at IS NULL THEN 0 ELSE 1 END) = $4 \
                     AND ($5 IS NULL OR uploader_id = $5 OR id IN ( \
                         SELECT mu.media_id FROM media_uses mu JOIN articles a ON a.id = mu.article_id \
                         WHERE $6 = 1 OR a.channel_id IN \
                             (SELECT channel_id FROM user_channels WHERE user_id = $5)))";
    let pattern = filter.name.as_deref().map(|n| {
        let escaped = n
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        format!("%{escaped}%")
    });
    let kind = filter.kind.map(Kind::as_str);
    let sql = format!(
        "SELECT {COLUMNS} FROM media WHERE {condition} \
         ORDER BY created_at DESC, id DESC {}",
        super::limit_offset(limit, offset)
    );
    let scope_user = filter.visible_to.map(|v| v.user_id);
    let every = filter
        .visible_to
        .map_or(1_i64, |v| i64::from(v.every_channel));
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(kind)
        .bind(pattern.as_deref())
        .bind(filter.uploader_id)
        .bind(i64::from(filter.trashed))
        .bind(scope_user)
        .bind(every)
        .fetch_all(db.pool())
        .await?;
    let sql = format!("SELECT COUNT(*) AS n FROM media WHERE {condition}");
    let total: i64 = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(kind)
        .bind(pattern.as_deref())
        .bind(filter.uploader_id)
        .bind(i64::from(filter.trashed))
        .bind(scope_user)
        .bind(every)
        .fetch_one(db.pool())
        .await?
        .try_get("n")?;
    Ok((
        rows.iter().map(from_row).collect::<anyhow::Result<_>>()?,
        total,
    ))
}

/// Deletes a row and returns it, so the caller can remove its files.
pub async fn delete(db: &Db, id: i64) -> anyhow::Result<Option<Media>> {
    let sql = format!("DELETE FROM media WHERE id = $1 RETURNING {COLUMNS}");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Records which stored files an article's body links to (replacing what
/// was recorded before); paths that match no row are ignored.
pub async fn set_article_uses(db: &Db, article_id: i64, paths: &[String]) -> anyhow::Result<()> {
    let mut tx = db.begin_write().await?;
    sqlx::query("DELETE FROM media_uses WHERE article_id = $1")
        .bind(article_id)
        .execute(&mut *tx)
        .await?;
    for path in paths {
        sqlx::query(
            "INSERT INTO media_uses (media_id, article_id) \
             SELECT id, $2 FROM media WHERE stored_path = $1 OR thumb_path = $1 \
             ON CONFLICT DO NOTHING",
        )
        .bind(path.as_str())
        .bind(article_id)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The files an article links to, attachments first, then by upload order.
pub async fn for_article(db: &Db, article_id: i64) -> anyhow::Result<Vec<Media>> {
    let columns = COLUMNS
        .split(", ")
        .map(|c| format!("m.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT {columns} FROM media m JOIN media_uses u ON u.media_id = m.id \
         WHERE u.article_id = $1 ORDER BY m.kind, m.id"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(article_id)
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(from_row).collect()
}

/// The articles that use a file, newest first.
pub async fn uses(db: &Db, media_id: i64) -> anyhow::Result<Vec<Use>> {
    let rows = sqlx::query(
        "SELECT a.id, a.title, a.channel_id, a.status FROM media_uses u
         JOIN articles a ON a.id = u.article_id WHERE u.media_id = $1 ORDER BY a.id DESC",
    )
    .bind(media_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Use {
                article_id: r.try_get("id")?,
                title: r.try_get("title")?,
                channel_id: r.try_get("channel_id")?,
                status: r.try_get("status")?,
            })
        })
        .collect()
}

/// Moves a file to the recycle bin (or back, with `None`).
pub async fn set_trashed(db: &Db, id: i64, at: Option<i64>) -> anyhow::Result<bool> {
    Ok(
        sqlx::query("UPDATE media SET trashed_at = $1 WHERE id = $2")
            .bind(at)
            .bind(id)
            .execute(db.pool())
            .await?
            .rows_affected()
            > 0,
    )
}

/// Whether a file is in the recycle bin.
pub async fn is_trashed(db: &Db, id: i64) -> anyhow::Result<bool> {
    let row = sqlx::query("SELECT trashed_at FROM media WHERE id = $1")
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    Ok(match row {
        Some(r) => r.try_get::<Option<i64>, _>("trashed_at")?.is_some(),
        None => false,
    })
}

/// How many articles link to a file (the library warns before deleting it).
pub async fn use_count(db: &Db, media_id: i64) -> anyhow::Result<i64> {
    Ok(
        sqlx::query("SELECT COUNT(*) AS n FROM media_uses WHERE media_id = $1")
            .bind(media_id)
            .fetch_one(db.pool())
            .await?
            .try_get("n")?,
    )
}
