//! Static assets (our CSS, JS and sample images) compiled into the binary and
//! served under names that carry a hash of their content, so browsers may
//! keep them for a year.

use std::hash::Hasher;
use std::sync::OnceLock;

/// One embedded file.
#[derive(Debug)]
pub struct Asset {
    /// Plain name, e.g. `site.css`.
    pub name: &'static str,
    /// Name with the content hash, e.g. `site.3f2a9c1b.css`.
    pub hashed: String,
    /// MIME type.
    pub content_type: &'static str,
    /// The bytes.
    pub bytes: &'static [u8],
}

macro_rules! embedded {
    ($($name:literal => $ty:literal),* $(,)?) => {
        &[$(($name, $ty, include_bytes!(concat!("../static/", $name)) as &[u8])),*]
    };
}

const FILES: &[(&str, &str, &[u8])] = embedded!(
    "site.css" => "text/css; charset=utf-8",
    "site.js" => "text/javascript; charset=utf-8",
    "favicon.svg" => "image/svg+xml",
    "mailbox.css" => "text/css; charset=utf-8",
    "admin/admin.css" => "text/css; charset=utf-8",
    "admin/admin.js" => "text/javascript; charset=utf-8",
    "admin/mailbox.css" => "text/css; charset=utf-8",
    "admin/icon.svg" => "image/svg+xml",
    "admin/editor.js" => "text/javascript; charset=utf-8",
    "admin/editor.css" => "text/css; charset=utf-8",
    "admin/paste-clean.js" => "text/javascript; charset=utf-8",
    "admin/recovery.js" => "text/javascript; charset=utf-8",
    "demo/cover-1.svg" => "image/svg+xml",
    "demo/cover-2.svg" => "image/svg+xml",
    "demo/cover-3.svg" => "image/svg+xml",
);

fn hash_hex(bytes: &[u8]) -> String {
    // FNV-1a: stable across builds and platforms, enough to bust caches.
    let mut h = FnvHasher(0xcbf2_9ce4_8422_2325);
    h.write(bytes);
    format!("{:08x}", h.finish() as u32)
}

struct FnvHasher(u64);

impl Hasher for FnvHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// Every embedded asset.
pub fn all() -> &'static [Asset] {
    static ASSETS: OnceLock<Vec<Asset>> = OnceLock::new();
    ASSETS.get_or_init(|| {
        FILES
            .iter()
            .map(|(name, content_type, bytes)| {
                let hashed = match name.rsplit_once('.') {
                    Some((stem, ext)) => format!("{stem}.{}.{ext}", hash_hex(bytes)),
                    None => name.to_string(),
                };
                Asset {
                    name,
                    hashed,
                    content_type,
                    bytes,
                }
            })
            .collect()
    })
}

/// The public address of an asset by plain name.
pub fn url(name: &str) -> String {
    match all().iter().find(|a| a.name == name) {
        Some(a) => format!("/static/{}", a.hashed),
        None => format!("/static/{name}"),
    }
}

/// Finds an asset by hashed or plain name; the flag says whether the name
/// was the hashed one (and so may be cached for good).
pub fn find(name: &str) -> Option<(&'static Asset, bool)> {
    all().iter().find_map(|a| {
        if a.hashed == name {
            Some((a, true))
        } else if a.name == name {
            Some((a, false))
        } else {
            None
        }
    })
}
