//! `fupin import`: old pages of the legacy site in, articles out.
//!
//! The `legacy-page` crate turns one file's bytes into article facts (pure,
//! fixture-tested). This module is the batch runner around it: it walks the
//! given paths, parses each file, creates missing channels along the
//! breadcrumb, runs every body through the one sanitizer, and stores the
//! articles in transactions of a few hundred, keyed so that importing a page
//! again updates it in place. A file that fails is reported and skipped; it
//! changes nothing that was stored, and the others of its batch are still
//! committed (each file is stored under a savepoint of its own). Only
//! regular files are read (FIFOs, devices and sockets are skipped with a
//! message), each real file once however many symbolic links lead to it
//! (a link loop ends where it starts again), and a file over the size limit
//! is refused without being read.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::TimeZone;
use chrono_tz::Asia::Shanghai;
use serde::Serialize;

use crate::db::Db;
use crate::db::channels;
use crate::editorial::{self, Action, ArticleFields, Import, ImportOutcome, Principal};
use crate::html::{sanitize, text_of, truncate_chars};
use crate::web::site::layout::article_url;
use crate::web::site::misc::legacy_key;

/// Files parsed and written per transaction.
const BATCH: usize = 250;

/// The largest file read as a page by default (saved pages are well under
/// 1 MB; anything much larger is not one).
pub const DEFAULT_MAX_BYTES: u64 = 20 * 1024 * 1024;

/// How to import.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The old site's address the given paths correspond to.
    pub url_prefix: Option<String>,
    /// Show a progress bar.
    pub progress: bool,
    /// The largest file to read ([`DEFAULT_MAX_BYTES`] when none).
    pub max_bytes: Option<u64>,
}

/// The outcome for one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileStatus {
    /// A new article.
    Imported,
    /// An existing article changed.
    Updated,
    /// An existing article, identical.
    Unchanged,
    /// Not imported; see `error`.
    Failed,
    /// Not a file to import (a FIFO, device or socket); see `error`.
    Skipped,
}

/// The report entry of one file.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    /// The file.
    pub path: String,
    /// What happened.
    pub status: FileStatus,
    /// The article's site-relative address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Channel names from the top.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<Vec<String>>,
    /// `YYYY-MM-DD`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// 来源 (may be empty).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl FileReport {
    fn skipped(path: &Path, why: String) -> FileReport {
        FileReport {
            status: FileStatus::Skipped,
            ..FileReport::failed(path, why)
        }
    }

    fn failed(path: &Path, error: String) -> FileReport {
        FileReport {
            path: path.display().to_string(),
            status: FileStatus::Failed,
            url: None,
            title: None,
            channel: None,
            published: None,
            source: None,
            error: Some(error),
        }
    }
}

/// One file given on the command line, with the root it was found under.
struct Input {
    path: PathBuf,
    root: PathBuf,
}

/// Lists the regular files under the given paths, sorted within each
/// directory, each real file (and directory) once: symbolic links are
/// followed, but a file or folder already seen by another way is not
/// listed again, which also ends link loops.
fn collect(paths: &[PathBuf], out: &mut Vec<Input>, errors: &mut Vec<FileReport>) {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    let mut seen = std::collections::HashSet::new();
    for root in paths {
        let mut stack = vec![root.clone()];
        while let Some(path) = stack.pop() {
            let meta = match std::fs::metadata(&path) {
                Ok(m) => m,
                Err(e) => {
                    errors.push(FileReport::failed(&path, format!("cannot read: {e}")));
                    continue;
                }
            };
            if !seen.insert((meta.dev(), meta.ino())) {
                continue;
            }
            let kind = meta.file_type();
            if kind.is_dir() {
                match std::fs::read_dir(&path) {
                    Ok(entries) => {
                        let mut children: Vec<PathBuf> =
                            entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
                        children.sort();
                        // Reverse so the stack yields them in order.
                        stack.extend(children.into_iter().rev());
                    }
                    Err(e) => errors.push(FileReport::failed(
                        &path,
                        format!("cannot read directory: {e}"),
                    )),
                }
            } else if kind.is_file() {
                out.push(Input {
                    path,
                    root: root.clone(),
                });
            } else {
                let what = if kind.is_fifo() {
                    "a FIFO (named pipe)"
                } else if kind.is_socket() {
                    "a socket"
                } else if kind.is_block_device() || kind.is_char_device() {
                    "a device"
                } else {
                    "not a regular file"
                };
                errors.push(FileReport::skipped(
                    &path,
                    format!("skipped: {what}, not a saved page"),
                ));
            }
        }
    }
}

/// Reads a file of at most `max` bytes; a larger one is refused unread.
fn read_limited(path: &Path, max: u64) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read: {e}"))?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let too_big = |n: u64| {
        format!(
            "too large: {:.1} MB, over the {} MB limit for one page; not read",
            n as f64 / 1048576.0,
            max / 1048576
        )
    };
    if len > max {
        return Err(too_big(len));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read: {e}"))?;
    if bytes.len() as u64 > max {
        return Err(too_big(bytes.len() as u64));
    }
    Ok(bytes)
}

/// The old address of a file: its canonical link, or the URL prefix joined
/// with the file's path below the root it was given under.
fn original_url(
    page: &legacy_page::LegacyPage,
    input: &Input,
    prefix: Option<&str>,
) -> Option<String> {
    if let Some(c) = &page.canonical_url {
        return Some(c.clone());
    }
    let prefix = prefix?;
    let rel = if input.root == input.path {
        input.path.file_name().map(PathBuf::from)?
    } else {
        input.path.strip_prefix(&input.root).ok()?.to_path_buf()
    };
    let rel = rel.to_string_lossy().replace('\\', "/");
    // Saved pages of dynamic addresses keep the query in the file name.
    let rel = rel
        .replace("%3F", "?")
        .replace("%3f", "?")
        .replace("%3D", "=")
        .replace("%3d", "=");
    Some(format!(
        "{}/{}",
        prefix.trim_end_matches('/'),
        rel.trim_start_matches('/')
    ))
}

/// The path-and-query part of an old address, as the portal will see it.
fn legacy_path(original: &str) -> Option<String> {
    let pq = match url::Url::parse(original) {
        Ok(u) => match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_string(),
        },
        Err(_) if original.starts_with('/') => original.to_string(),
        Err(_) => return None,
    };
    (pq.len() > 1).then(|| legacy_key(&pq))
}

/// A parsed file ready to store.
struct Parsed {
    index: usize,
    page: legacy_page::LegacyPage,
    original: Option<String>,
}

/// Imports the given paths and reports on every file.
pub async fn run(db: &Db, paths: &[PathBuf], options: &Options) -> anyhow::Result<Vec<FileReport>> {
    let mut inputs = Vec::new();
    let mut reports = Vec::new();
    collect(paths, &mut inputs, &mut reports);
    let bar = options.progress.then(|| {
        let bar = indicatif::ProgressBar::new(inputs.len() as u64);
        bar.set_style(crate::human::progress_style(
            "[{bar:40}] {pos}/{len} 个文件（{rate}，剩余 {left}）{msg}",
            "个",
        ));
        bar
    });
    let mut channel_cache: HashMap<Vec<String>, i64> = HashMap::new();
    for chunk in inputs.chunks(BATCH) {
        let start = reports.len();
        let mut parsed = Vec::with_capacity(chunk.len());
        for input in chunk {
            let index = reports.len();
            reports.push(FileReport::failed(&input.path, String::new()));
            let outcome = read_limited(&input.path, options.max_bytes.unwrap_or(DEFAULT_MAX_BYTES))
                .and_then(|bytes| legacy_page::parse(&bytes).map_err(|e| e.to_string()));
            match outcome {
                Ok(page) if page.channel_path.is_empty() => {
                    reports[index].error =
                        Some("not an article page: no channel path (当前位置) found".into());
                }
                Ok(page) => {
                    let original = original_url(&page, input, options.url_prefix.as_deref());
                    parsed.push(Parsed {
                        index,
                        page,
                        original,
                    });
                }
                Err(e) => reports[index].error = Some(e),
            }
        }
        // Channels first, outside the write transaction (SQLite allows one writer).
        for p in &parsed {
            if !channel_cache.contains_key(&p.page.channel_path) {
                let path = channels::ensure_path(db, &p.page.channel_path).await?;
                if let Some(last) = path.last() {
                    channel_cache.insert(p.page.channel_path.clone(), last.id);
                }
            }
        }
        let who = Principal::command_line();
        let mut tx = db
            .begin_write()
            .await
            .context("cannot start a transaction")?;
        for p in &parsed {
            let Some(&channel_id) = channel_cache.get(&p.page.channel_path) else {
                continue;
            };
            let page = &p.page;
            let time = page.published_time.unwrap_or_default();
            let published_at = Shanghai
                .from_local_datetime(&page.published.and_time(time))
                .earliest()
                .map(|t| t.timestamp())
                .unwrap_or_default();
            let body_html = sanitize(&page.body_html);
            let fields = ArticleFields {
                channel_id,
                title: page.title.clone(),
                subtitle: page.subtitle.clone().unwrap_or_default(),
                source: page.source.clone().unwrap_or_default(),
                author: page.author.clone().unwrap_or_default(),
                editor: page.editor.clone().unwrap_or_default(),
                summary: truncate_chars(&text_of(&body_html), 100),
                body_html,
                published_at,
                ..ArticleFields::default()
            };
            let key = match &p.original {
                Some(url) => format!("url:{url}"),
                None => format!(
                    "page:{}|{}|{}",
                    page.channel_path.join("/"),
                    page.published,
                    page.title
                ),
            };
            let import = Import {
                key,
                fields,
                hits: page.hits.unwrap_or(0),
                original_url: p.original.clone(),
                legacy_path: p.original.as_deref().and_then(legacy_path),
            };
            // A savepoint per file: one that cannot be stored is rolled
            // back alone and the rest of the batch still commits.
            let mut one = sqlx::Connection::begin(&mut *tx)
                .await
                .context("cannot start a savepoint")?;
            let stored = editorial::apply_in(
                &mut one,
                db.backend(),
                &who,
                Action::Import(Box::new(import)),
            )
            .await
            .map_err(anyhow::Error::from);
            let (id, outcome) = match stored {
                Ok(done) => {
                    one.commit().await.context("cannot release a savepoint")?;
                    (done.id, done.imported.unwrap_or(ImportOutcome::Unchanged))
                }
                Err(e) => {
                    one.rollback()
                        .await
                        .context("cannot roll back a savepoint")?;
                    if crate::error::classify(&e).is_some() {
                        // The database itself failed (full, unreachable): stop.
                        return Err(e.context(format!("cannot store {}", reports[p.index].path)));
                    }
                    reports[p.index].error = Some(format!("cannot store: {e:#}"));
                    continue;
                }
            };
            let r = &mut reports[p.index];
            r.status = match outcome {
                ImportOutcome::Imported => FileStatus::Imported,
                ImportOutcome::Updated => FileStatus::Updated,
                ImportOutcome::Unchanged => FileStatus::Unchanged,
            };
            r.error = None;
            r.url = Some(article_url(id));
            r.title = Some(page.title.clone());
            r.channel = Some(page.channel_path.clone());
            r.published = Some(page.published.format("%Y-%m-%d").to_string());
            r.source = Some(page.source.clone().unwrap_or_default());
        }
        tx.commit()
            .await
            .context("cannot commit the imported articles")?;
        if let Some(bar) = &bar {
            bar.inc((reports.len() - start) as u64);
        }
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    Ok(reports)
}

/// Prints one line per failure and a summary (the output without `--json`).
pub fn print_summary(reports: &[FileReport]) {
    let mut counts = [0usize; 5];
    for r in reports {
        counts[r.status as usize] += 1;
        if let (FileStatus::Failed | FileStatus::Skipped, Some(e)) = (r.status, &r.error) {
            eprintln!("{}: {e}", r.path);
        }
    }
    let n = |i: usize| crate::human::count(counts[i] as u64);
    println!(
        "共 {} 个文件：新导入 {}，更新 {}，未变 {}，失败 {}，跳过 {}",
        crate::human::count(reports.len() as u64),
        n(0),
        n(1),
        n(2),
        n(3),
        n(4)
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_paths_are_normalised() {
        assert_eq!(
            legacy_path("http://www.gdfupin.org.cn/show.asp?id=123").as_deref(),
            Some("/show.asp?id=123")
        );
        assert_eq!(
            legacy_path("/News/Show.ASP?ID=9").as_deref(),
            Some("/news/show.asp?id=9")
        );
        assert_eq!(legacy_path("http://example.org/"), None);
        assert_eq!(legacy_path("not a url"), None);
    }
}
