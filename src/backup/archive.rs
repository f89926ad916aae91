//! The backup file itself: a gzip-compressed tar archive written under a
//! temporary name (renamed into place, flushed, only once complete), each
//! entry's SHA-256 taken as it is written, and a reader that checks every
//! entry against the manifest before anything is restored.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use sha2::{Digest, Sha256};

use super::{FileEntry, Manifest};

/// The manifest's name in the archive.
pub const MANIFEST: &str = "manifest.json";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A backup being written.
pub struct Writer {
    out: PathBuf,
    tmp: PathBuf,
    builder: Option<tar::Builder<flate2::write::GzEncoder<BufWriter<File>>>>,
    parts: usize,
    done: bool,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer").field("out", &self.out).finish()
    }
}

/// One entry being prepared in a temporary file (its size must be known
/// before it goes into the archive).
pub struct Part {
    path: PathBuf,
    file: BufWriter<File>,
}

impl std::fmt::Debug for Part {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Part").field("path", &self.path).finish()
    }
}

impl Part {
    /// Appends one line.
    pub fn line(&mut self, bytes: &[u8]) -> anyhow::Result<()> {
        self.file.write_all(bytes)?;
        self.file.write_all(b"\n")?;
        Ok(())
    }
}

/// Reads through and hashes what it reads.
struct Hashing<R> {
    inner: R,
    hash: Sha256,
    size: u64,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }
}

fn header(size: u64) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_size(size);
    h.set_mode(0o644);
    h.set_mtime(0);
    h
}

impl Writer {
    /// Starts `out` (its folder is created if needed).
    pub fn create(out: &Path) -> anyhow::Result<Writer> {
        let folder = out
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(folder)
            .with_context(|| format!("cannot create {}", folder.display()))?;
        let name = out
            .file_name()
            .context("the backup needs a file name")?
            .to_string_lossy()
            .into_owned();
        let tmp = folder.join(format!(".{name}.partial"));
        let file = File::create(&tmp).with_context(|| format!("cannot write {}", tmp.display()))?;
        let gz = flate2::write::GzEncoder::new(BufWriter::new(file), flate2::Compression::new(3));
        Ok(Writer {
            out: out.to_path_buf(),
            tmp,
            builder: Some(tar::Builder::new(gz)),
            parts: 0,
            done: false,
        })
    }

    fn builder(&mut self) -> &mut tar::Builder<flate2::write::GzEncoder<BufWriter<File>>> {
        self.builder.as_mut().expect("an unfinished archive")
    }

    /// A new temporary part beside the archive.
    pub fn part(&mut self) -> anyhow::Result<Part> {
        self.parts += 1;
        let path = self.tmp.with_extension(format!("part{}", self.parts));
        let file =
            File::create(&path).with_context(|| format!("cannot write {}", path.display()))?;
        Ok(Part {
            path,
            file: BufWriter::new(file),
        })
    }

    /// Adds a finished part as `name`; its entry.
    pub fn add_part(&mut self, name: &str, part: Part) -> anyhow::Result<FileEntry> {
        let Part { path, file } = part;
        drop(file.into_inner().map_err(|e| e.into_error())?);
        let result = (|| {
            let file = File::open(&path)?;
            let size = file.metadata()?.len();
            self.add_reader(name, size, file)
        })();
        let _ = std::fs::remove_file(&path);
        result
    }

    /// Adds `size` bytes read from `reader` as `name`; its entry.
    pub fn add_reader(
        &mut self,
        name: &str,
        size: u64,
        reader: impl Read,
    ) -> anyhow::Result<FileEntry> {
        let mut hashing = Hashing {
            inner: reader.take(size),
            hash: Sha256::new(),
            size: 0,
        };
        let mut h = header(size);
        self.builder()
            .append_data(&mut h, name, &mut hashing)
            .with_context(|| format!("cannot add {name} to the backup"))?;
        if hashing.size != size {
            bail!("{name} changed while it was backed up");
        }
        Ok(FileEntry {
            path: name.to_string(),
            size,
            sha256: hex(&hashing.hash.finalize()),
        })
    }

    /// Writes the manifest, flushes the archive to the disk and moves it
    /// into place; its size.
    pub fn finish(mut self, manifest: &Manifest) -> anyhow::Result<u64> {
        let json = serde_json::to_vec_pretty(manifest)?;
        self.add_reader(MANIFEST, json.len() as u64, json.as_slice())?;
        let builder = self.builder.take().expect("an unfinished archive");
        let gz = builder.into_inner().context("cannot finish the backup")?;
        let buffered = gz.finish().context("cannot finish the backup")?;
        let file = buffered.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()
            .with_context(|| format!("cannot flush {}", self.tmp.display()))?;
        let size = file.metadata()?.len();
        drop(file);
        std::fs::rename(&self.tmp, &self.out)
            .with_context(|| format!("cannot move the backup to {}", self.out.display()))?;
        if let Some(dir) = self.out.parent() {
            crate::media_dir::sync_dir(if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            });
        }
        self.done = true;
        Ok(size)
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        if !self.done {
            // A backup that did not finish leaves nothing behind.
            self.builder.take();
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Adds every file of the media folder (none when it does not exist) as
/// `media/<path>`, skipping temporary files of writes under way.
pub fn add_media(writer: &mut Writer, media_dir: &Path) -> anyhow::Result<Vec<FileEntry>> {
    let mut out = Vec::new();
    let mut files = crate::media_dir::regular_files(media_dir)?;
    files.sort();
    for rel in files {
        let name = rel.to_string_lossy().replace('\\', "/");
        if name
            .rsplit('/')
            .next()
            .is_some_and(crate::media_dir::is_temporary)
        {
            continue;
        }
        let path = media_dir.join(&rel);
        let file = File::open(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let size = file.metadata()?.len();
        out.push(writer.add_reader(&format!("media/{name}"), size, file)?);
    }
    Ok(out)
}

/// What a check of an archive found: the manifest, every entry verified.
pub fn verify(file: &Path) -> anyhow::Result<Manifest> {
    let mut seen: BTreeMap<String, FileEntry> = BTreeMap::new();
    let mut manifest = None;
    walk(file, |name, reader| {
        if name == MANIFEST {
            let mut text = Vec::new();
            reader.read_to_end(&mut text)?;
            let m: Manifest = serde_json::from_slice(&text)
                .with_context(|| format!("{}: the manifest cannot be read", file.display()))?;
            manifest = Some(m);
            return Ok(());
        }
        let mut hashing = Hashing {
            inner: reader,
            hash: Sha256::new(),
            size: 0,
        };
        std::io::copy(&mut hashing, &mut std::io::sink())?;
        seen.insert(
            name.to_string(),
            FileEntry {
                path: name.to_string(),
                size: hashing.size,
                sha256: hex(&hashing.hash.finalize()),
            },
        );
        Ok(())
    })?;
    let manifest = manifest.with_context(|| {
        format!(
            "{} has no manifest: it is not a complete fupin backup",
            file.display()
        )
    })?;
    if manifest.format != super::FORMAT {
        bail!(
            "{} is a backup of format {}, this program reads format {}",
            file.display(),
            manifest.format,
            super::FORMAT
        );
    }
    let expected = manifest
        .tables
        .iter()
        .map(|t| &t.file)
        .chain(manifest.media.iter());
    let mut count = 0;
    for want in expected {
        count += 1;
        match seen.get(&want.path) {
            None => bail!(
                "{}: {} is missing from the backup",
                file.display(),
                want.path
            ),
            Some(got) if got != want => bail!(
                "{}: {} is damaged (SHA-256 {} expected, {} found); nothing was restored",
                file.display(),
                want.path,
                want.sha256,
                got.sha256
            ),
            Some(_) => {}
        }
    }
    if count != seen.len() {
        bail!(
            "{}: the backup holds files its manifest does not list",
            file.display()
        );
    }
    Ok(manifest)
}

/// Calls `f` with each entry's name and contents, in archive order.
pub fn walk(
    file: &Path,
    mut f: impl FnMut(&str, &mut dyn Read) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let input = File::open(file).with_context(|| format!("cannot read {}", file.display()))?;
    let gz = flate2::read::GzDecoder::new(std::io::BufReader::new(input));
    let mut archive = tar::Archive::new(gz);
    let entries = archive
        .entries()
        .with_context(|| format!("{} is not a fupin backup", file.display()))?;
    for entry in entries {
        let mut entry = entry
            .with_context(|| format!("{} is damaged or not a fupin backup", file.display()))?;
        let name = entry.path()?.to_string_lossy().into_owned();
        if name.split('/').any(|p| p == ".." || p.is_empty()) || name.starts_with('/') {
            bail!("{}: unsafe entry name {name:?}", file.display());
        }
        f(&name, &mut entry).with_context(|| format!("{}: reading {name}", file.display()))?;
    }
    Ok(())
}
