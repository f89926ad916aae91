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

/// Copies every file under `from` to the same place under `to`; returns how
/// many files were copied. A missing source folder copies nothing; the same
/// folder on both sides copies nothing.
pub fn copy_tree(from: &Path, to: &Path) -> anyhow::Result<usize> {
    if !from.is_dir() {
        return Ok(0);
    }
    if let (Ok(a), Ok(b)) = (from.canonicalize(), to.canonicalize())
        && a == b
    {
        return Ok(0);
    }
    let mut count = 0;
    let mut stack = vec![from.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in
            std::fs::read_dir(&dir).with_context(|| format!("cannot read {}", dir.display()))?
        {
            let entry = entry?;
            let path = entry.path();
            let rel = path
                .strip_prefix(from)
                .context("path outside the media folder")?;
            let target = to.join(rel);
            let kind = entry.file_type()?;
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_file() {
                if let Some(parent) = target.parent() {
                    std::fs::create_dir_all(parent)
                        .with_context(|| format!("cannot create {}", parent.display()))?;
                }
                std::fs::copy(&path, &target)
                    .with_context(|| format!("cannot copy {}", path.display()))?;
                count += 1;
            }
        }
    }
    Ok(count)
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
}
