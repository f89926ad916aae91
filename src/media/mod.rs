//! The media library: what happens to an uploaded file between the upload
//! route and the disk, and how a stored file is found again for serving.
//!
//! The type is decided from the bytes ([`sniff`]), never from the name or
//! the browser's word. Pictures (JPEG, PNG, GIF, WebP) are decoded and
//! re-encoded with every piece of metadata left behind, checked for sane
//! dimensions before decoding, and thumbnailed ([`picture`]). Documents (PDF,
//! Word, Excel, WPS, OpenDocument) are kept byte for byte and only ever
//! served as downloads. Every file is stored under a random name the server
//! makes up ([`names`]) below `<data>/media/`; the uploader's file name is
//! kept, cleaned, in the database for display and the download header only.
//! Serving looks a request up by its database row, so a path the database
//! does not know can never reach the file system.

pub mod names;
mod picture;
mod sniff;

use std::path::{Path, PathBuf};

use anyhow::Context;
use tokio::sync::Semaphore;

use crate::config::Config;
use crate::db::Db;
use crate::db::media::{self as store_db, Kind, Media, NewMedia};

/// Size and pixel bounds of uploads.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest picture upload in bytes.
    pub image_bytes: u64,
    /// Largest document upload in bytes.
    pub attachment_bytes: u64,
    /// Longest side of a picture in pixels.
    pub max_side: u32,
    /// Most pixels of a picture.
    pub max_pixels: u64,
    /// Width of thumbnails.
    pub thumb_width: u32,
}

impl Limits {
    /// The limits a configuration sets.
    pub fn from_config(config: &Config) -> Limits {
        Limits {
            image_bytes: config.upload_image_max_bytes,
            attachment_bytes: config.upload_attachment_max_bytes,
            max_side: 12_000,
            max_pixels: 40_000_000,
            thumb_width: 320,
        }
    }

    /// The most a request to an upload route may carry for `want`: the
    /// largest accepted file plus room for the multipart envelope and fields.
    pub fn body_limit(&self, want: Want) -> usize {
        let file = match want {
            Want::Image => self.image_bytes,
            Want::Any => self.image_bytes.max(self.attachment_bytes),
        };
        usize::try_from(file).unwrap_or(usize::MAX / 2) + 64 * 1024
    }
}

/// What an upload route accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    /// Only pictures (the editor's image button).
    Image,
    /// Pictures or documents (attachments and the library).
    Any,
}

/// Why an upload was not stored.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// The file is not acceptable; the message says why, in Chinese.
    #[error("{0}")]
    Refused(String),
    /// The file is over the size limit; the message says the limit.
    #[error("{0}")]
    TooLarge(String),
    /// The form's CSRF token is missing or wrong.
    #[error("CSRF token refused")]
    Forbidden,
    /// Storage failed; logged, not shown.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// A stored upload, with what the editor needs to link it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Uploaded {
    /// The row.
    pub media: Media,
    /// Public address of the file.
    pub url: String,
    /// Public address of the thumbnail (the file itself when none was made).
    pub thumb_url: String,
    /// The name to show and to download under.
    pub name: String,
    /// The size for people, e.g. `1.2 MB`.
    pub size_text: String,
}

impl Uploaded {
    fn of(media: Media) -> Uploaded {
        Uploaded {
            url: url_of(&media.stored_path),
            thumb_url: url_of(media.thumb_path.as_deref().unwrap_or(&media.stored_path)),
            name: media.original_name.clone(),
            size_text: names::size_text(media.bytes),
            media,
        }
    }
}

/// At most two pictures are decoded at once: a 40-megapixel frame takes
/// 160 MB, and a burst of uploads must not exhaust memory.
static DECODING: Semaphore = Semaphore::const_new(2);

/// The folder that holds stored files.
pub fn media_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("media")
}

/// The public address of a stored path.
pub fn url_of(stored_path: &str) -> String {
    format!("/media/{stored_path}")
}

fn mb(bytes: u64) -> u64 {
    bytes.div_ceil(1024 * 1024)
}

/// Checks, converts and stores one upload, and records it.
///
/// `original_name` is what the browser called the file; it only becomes
/// the display name. Pictures are re-encoded; documents are kept as sent.
pub async fn store(
    db: &Db,
    data_dir: &Path,
    limits: &Limits,
    original_name: &str,
    bytes: Vec<u8>,
    want: Want,
    uploader_id: Option<i64>,
) -> Result<Uploaded, UploadError> {
    let detected = sniff::detect(&bytes).map_err(UploadError::Refused)?;
    let cleaned = names::clean_original(original_name);
    let size = bytes.len() as u64;
    let (kind, file, thumb, ext, mime, dimensions) = match detected {
        sniff::Detected::Image(format) => {
            if size > limits.image_bytes {
                return Err(UploadError::TooLarge(format!(
                    "图片不能超过 {} MB。",
                    mb(limits.image_bytes)
                )));
            }
            let pixel_limits = picture::PixelLimits {
                max_side: limits.max_side,
                max_pixels: limits.max_pixels,
                thumb_width: limits.thumb_width,
            };
            let _permit = DECODING.acquire().await.context("decoder pool closed")?;
            let encoded = tokio::task::spawn_blocking(move || {
                picture::reencode(&bytes, format, pixel_limits)
            })
            .await
            .context("image task failed")?
            .map_err(UploadError::Refused)?;
            let dimensions = Some((encoded.width, encoded.height));
            (
                Kind::Image,
                encoded.bytes,
                encoded.thumb,
                encoded.ext.to_string(),
                encoded.mime,
                dimensions,
            )
        }
        sniff::Detected::Document(doc) => {
            if want == Want::Image {
                return Err(UploadError::Refused(
                    "请选择图片文件（JPEG、PNG、GIF 或 WebP）。".into(),
                ));
            }
            if size > limits.attachment_bytes {
                return Err(UploadError::TooLarge(format!(
                    "附件不能超过 {} MB。",
                    mb(limits.attachment_bytes)
                )));
            }
            let allowed = doc.extensions();
            let ext = names::extension(&cleaned)
                .filter(|e| allowed.contains(&e.as_str()))
                .unwrap_or_else(|| allowed[0].to_string());
            let mime = doc.mime(&ext);
            (Kind::Attachment, bytes, None, ext, mime, None)
        }
    };
    let fallback = if kind == Kind::Image {
        "图片"
    } else {
        "附件"
    };
    let display = names::display_name(&cleaned, &ext, fallback);
    let (stored_path, thumb_path) = names::generate(&ext)?;
    let root = media_dir(data_dir);
    write_new(&root, &stored_path, &file).await?;
    let thumb_path = match &thumb {
        Some(thumb) => {
            if let Err(e) = write_new(&root, &thumb_path, thumb).await {
                remove_files(&root, &stored_path, None).await;
                return Err(e.into());
            }
            Some(thumb_path)
        }
        None => None,
    };
    let new = NewMedia {
        kind,
        stored_path: &stored_path,
        thumb_path: thumb_path.as_deref(),
        original_name: &display,
        mime,
        bytes: file.len() as i64,
        size: dimensions,
        uploader_id,
    };
    match store_db::insert(db, &new).await {
        Ok(media) => Ok(Uploaded::of(media)),
        Err(e) => {
            remove_files(&root, &stored_path, thumb_path.as_deref()).await;
            Err(UploadError::Internal(e))
        }
    }
}

/// Writes a new file durably (temporary name, fsync, rename, folder
/// fsync; see [`crate::media_dir::write_durably`]), so neither a reader nor
/// a crash ever sees half of it and a failed write leaves nothing behind.
async fn write_new(root: &Path, relative: &str, bytes: &[u8]) -> anyhow::Result<()> {
    let target = root.join(relative);
    let bytes = bytes.to_vec();
    tokio::task::spawn_blocking(move || crate::media_dir::write_durably(&target, &bytes))
        .await
        .context("the writing task stopped")?
}

async fn remove_files(root: &Path, stored: &str, thumb: Option<&str>) {
    for relative in std::iter::once(stored).chain(thumb) {
        if names::is_generated(relative) {
            let path = root.join(relative);
            if let Err(e) = tokio::fs::remove_file(&path).await
                && e.kind() != std::io::ErrorKind::NotFound
            {
                tracing::warn!(path = %path.display(), error = %e, "cannot remove media file");
            }
        }
    }
}

/// Deletes a stored file: its row, then its files. Returns the row.
pub async fn remove(db: &Db, data_dir: &Path, id: i64) -> anyhow::Result<Option<Media>> {
    let Some(media) = store_db::delete(db, id).await? else {
        return Ok(None);
    };
    remove_files(
        &media_dir(data_dir),
        &media.stored_path,
        media.thumb_path.as_deref(),
    )
    .await;
    Ok(Some(media))
}

/// What the serving route sends for a request path.
#[derive(Debug)]
pub struct Served {
    /// The file on disk.
    pub file: PathBuf,
    /// The Content-Type to send.
    pub content_type: String,
    /// `Content-Disposition` for attachments.
    pub disposition: Option<String>,
}

/// Finds the stored file a `/media/{path}` request names. `None` for any
/// path the database does not know; the client's path is only compared,
/// never joined to a folder.
pub async fn find(db: &Db, data_dir: &Path, path: &str) -> anyhow::Result<Option<Served>> {
    if !names::is_generated(path) {
        return Ok(None);
    }
    let Some((media, thumb)) = store_db::by_path(db, path).await? else {
        return Ok(None);
    };
    let relative = if thumb {
        media.thumb_path.clone().unwrap_or_default()
    } else {
        media.stored_path.clone()
    };
    // The row's own path, re-checked, is what touches the disk.
    if !names::is_generated(&relative) {
        return Ok(None);
    }
    let (content_type, disposition) = match media.kind {
        Kind::Image => (media.mime.clone(), None),
        Kind::Attachment => (
            media.mime.clone(),
            Some(names::content_disposition(&media.original_name)),
        ),
    };
    Ok(Some(Served {
        file: media_dir(data_dir).join(relative),
        content_type,
        disposition,
    }))
}

/// The stored paths an HTML body links to (`/media/…` in `src` or `href`).
pub fn paths_in(html: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (at, _) in html.match_indices("/media/") {
        let rest = &html[at + "/media/".len()..];
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '/' || c == '.' || c == '-'))
            .unwrap_or(rest.len());
        let path = &rest[..end];
        if names::is_generated(path) && !out.iter().any(|p| p == path) {
            out.push(path.to_string());
        }
    }
    out
}

/// Records which stored files an article's (sanitized) body links to; the
/// editor calls it after every save.
pub async fn link_article(db: &Db, article_id: i64, body_html: &str) -> anyhow::Result<()> {
    store_db::set_article_uses(db, article_id, &paths_in(body_html)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_found_in_bodies() {
        let body = r#"<p><img src="/media/2026/11/0123456789abcdef0123456789abcdef.jpg">
            <a href="http://portal.test/media/2026/11/fedcba9876543210fedcba9876543210.pdf">通知</a>
            <a href="/media/../fupin.db">x</a></p>"#;
        assert_eq!(
            paths_in(body),
            [
                "2026/11/0123456789abcdef0123456789abcdef.jpg",
                "2026/11/fedcba9876543210fedcba9876543210.pdf"
            ]
        );
    }
}
