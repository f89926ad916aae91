//! Where a site's uploaded files live, and copying them between sites.
//!
//! The contract for several instances: every instance of one site is given
//! the same media folder (a shared volume, e.g. NFS or a cluster file
//! system), readable and writable by all; files are written once under
//! generated names and never changed in place, so no locking is needed.
//! By default the folder is `media/` in the data directory.

use std::path::{Path, PathBuf};

use anyhow::Context;

/// The SQLite file a `sqlite://` URL names, if it is one.
pub fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

/// The media folder of a site: beside a SQLite file, or in the data
/// directory for a server database.
pub fn for_url(url: &str, data_dir: &Path) -> PathBuf {
    match sqlite_file(url).and_then(|p| p.parent().map(Path::to_path_buf)) {
        Some(dir) if !dir.as_os_str().is_empty() => dir.join("media"),
        _ => data_dir.join("media"),
    }
}

/// Writes `bytes` to `target` so that a crash or a full disk never leaves
/// half a file under its name: written to a temporary name beside it,
/// flushed to the disk, renamed into place, and the folder flushed so the
/// rename itself survives a power cut. On failure the temporary file is
/// removed.
pub fn write_durably(target: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let folder = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(folder)
        .with_context(|| format!("cannot create {}", folder.display()))?;
    let name = target
        .file_name()
        .context("a file name is needed")?
        .to_string_lossy()
        .into_owned();
    let tmp = folder.join(format!(".{name}.{}.partial", std::process::id()));
    let written = (|| -> std::io::Result<()> {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, target)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(anyhow::Error::new(e).context(format!("cannot write {}", target.display())));
    }
    sync_dir(folder);
    Ok(())
}

/// Flushes a folder's entries (new names, renames) to the disk; best effort
/// where the file system cannot.
pub fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Removes the temporary files of writes whose process is gone (killed
/// part-way through [`write_durably`]); those of a live process (another
/// instance on this machine) are left alone. Returns how many went.
pub fn remove_stale_temporaries(root: &Path) -> usize {
    let mut removed = 0;
    for rel in files_under(root).unwrap_or_default() {
        let name = rel
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let Some(stem) = name.strip_suffix(".partial") else {
            continue;
        };
        let pid = stem.rsplit('.').next().and_then(|p| p.parse::<u32>().ok());
        let alive = pid
            .is_some_and(|p| p != std::process::id() && Path::new(&format!("/proc/{p}")).exists());
        if !alive && std::fs::remove_file(root.join(&rel)).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// Whether a file name is one of [`write_durably`]'s temporary names.
pub fn is_temporary(name: &str) -> bool {
    name.ends_with(".partial")
}

/// The regular files under `root`, as paths relative to it (none when
/// `root` is not a folder).
pub fn regular_files(root: &Path) -> anyhow::Result<Vec<PathBuf>> {
    files_under(root)
}

fn files_under(root: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    if !root.is_dir() {
        return Ok(files);
    }
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in
            std::fs::read_dir(&dir).with_context(|| format!("cannot read {}", dir.display()))?
        {
            let entry = entry?;
            let path = entry.path();
            let kind = entry.file_type()?;
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_file() {
                let rel = path
                    .strip_prefix(root)
                    .context("path outside the media folder")?;
                files.push(rel.to_path_buf());
            }
        }
    }
    Ok(files)
}

/// Copies every file under `from` to the same place under `to`; returns how
/// many files were copied. A missing source folder copies nothing; the same
/// folder on both sides copies nothing.
pub fn copy_tree(from: &Path, to: &Path) -> anyhow::Result<usize> {
    if let (Ok(a), Ok(b)) = (from.canonicalize(), to.canonicalize())
        && a == b
    {
        return Ok(0);
    }
    let files = files_under(from)?;
    for rel in &files {
        let (source, target) = (from.join(rel), to.join(rel));
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::copy(&source, &target)
            .with_context(|| format!("cannot copy {}", source.display()))?;
    }
    Ok(files.len())
}

/// Makes `to` hold exactly the files of `from`: a file already there with
/// the same size is kept (media files are never changed in place, so a
/// name and a size identify one), a new one is hard-linked or else copied,
/// and files no longer in `from` are removed. Returns (added, removed).
pub fn mirror_tree(from: &Path, to: &Path) -> anyhow::Result<(usize, usize)> {
    let wanted = files_under(from)?;
    let mut added = 0;
    for rel in &wanted {
        let (source, target) = (from.join(rel), to.join(rel));
        let same = match (std::fs::metadata(&source), std::fs::metadata(&target)) {
            (Ok(a), Ok(b)) => a.len() == b.len(),
            _ => false,
        };
        if same {
            continue;
        }
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        let _ = std::fs::remove_file(&target);
        if std::fs::hard_link(&source, &target).is_err() {
            std::fs::copy(&source, &target)
                .with_context(|| format!("cannot copy {}", source.display()))?;
        }
        added += 1;
    }
    let wanted: std::collections::HashSet<PathBuf> = wanted.into_iter().collect();
    let mut removed = 0;
    for rel in files_under(to)? {
        if !wanted.contains(&rel) {
            let path = to.join(&rel);
            std::fs::remove_file(&path)
                .with_context(|| format!("cannot remove {}", path.display()))?;
            removed += 1;
        }
    }
    Ok((added, removed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_folder_follows_the_database() {
        assert_eq!(
            for_url("sqlite:///srv/a/fupin.db?mode=rwc", Path::new("/d")),
            PathBuf::from("/srv/a/media")
        );
        assert_eq!(
            for_url("postgres://h/db", Path::new("/d")),
            PathBuf::from("/d/media")
        );
        assert_eq!(sqlite_file("sqlite://x.db"), Some(PathBuf::from("x.db")));
    }

    #[test]
    fn mirror_adds_keeps_and_removes() {
        let dir = tempfile::tempdir().unwrap();
        let (from, to) = (dir.path().join("from"), dir.path().join("to"));
        std::fs::create_dir_all(from.join("2026/11")).unwrap();
        std::fs::write(from.join("2026/11/a.png"), b"aaaa").unwrap();
        std::fs::write(from.join("b.pdf"), b"bb").unwrap();
        assert_eq!(mirror_tree(&from, &to).unwrap(), (2, 0));
        assert_eq!(std::fs::read(to.join("2026/11/a.png")).unwrap(), b"aaaa");
        assert_eq!(mirror_tree(&from, &to).unwrap(), (0, 0));
        std::fs::remove_file(from.join("b.pdf")).unwrap();
        std::fs::write(from.join("c.jpg"), b"c").unwrap();
        assert_eq!(mirror_tree(&from, &to).unwrap(), (1, 1));
        assert!(!to.join("b.pdf").exists());
        assert_eq!(std::fs::read(to.join("c.jpg")).unwrap(), b"c");
    }
}
