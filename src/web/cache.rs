//! The cache of rendered public pages, and HTTP caching done right.
//!
//! A page is cached under its path and the reader's font size, with the
//! change number it was rendered at and the Asia/Shanghai day (the date
//! line changes at midnight). An entry is valid only while the change
//! number is unchanged: every write to content, settings, announcements or
//! counters, by this instance, another one or the CLI, bumps it within the
//! poll interval, so a cached page is never stale for longer than that.
//! Only known public addresses without a query string are cached, never
//! anything that sets a cookie, never the back office. Each entry keeps the
//! body plain, gzip'd and brotli'd, so a hit costs no rendering and no
//! compression. Every cacheable response carries an `ETag` and
//! `Last-Modified` and answers conditional requests with 304.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::app::AppState;
use crate::web::site::layout;

/// Most bytes the cache holds before it starts over.
const BUDGET: usize = 96 * 1024 * 1024;
/// Largest page body that is cached.
const MAX_BODY: usize = 2 * 1024 * 1024;

/// One cached page.
#[derive(Debug)]
struct Entry {
    seq: i64,
    day: i64,
    content_type: HeaderValue,
    etag: String,
    modified: SystemTime,
    /// `modified` as the header shows it, formatted once.
    last_modified: HeaderValue,
    plain: Bytes,
    gzip: Bytes,
    br: Bytes,
}

impl Entry {
    fn size(&self) -> usize {
        self.plain.len() + self.gzip.len() + self.br.len() + 256
    }
}

/// The page cache of one instance.
#[derive(Debug, Default)]
pub struct PageCache {
    entries: RwLock<HashMap<String, Arc<Entry>>>,
    bytes: std::sync::atomic::AtomicUsize,
}

impl PageCache {
    /// How many pages are cached.
    pub fn len(&self) -> usize {
        self.entries.read().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Whether nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn get(&self, key: &str) -> Option<Arc<Entry>> {
        self.entries
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
            .cloned()
    }

    fn put(&self, key: String, entry: Entry) -> Arc<Entry> {
        use std::sync::atomic::Ordering;
        let entry = Arc::new(entry);
        let mut map = self.entries.write().unwrap_or_else(|e| e.into_inner());
        // Entries of older change numbers are dead weight: drop them all at
        // once when the budget is reached.
        if self.bytes.load(Ordering::Relaxed) + entry.size() > BUDGET {
            map.clear();
            self.bytes.store(0, Ordering::Relaxed);
        }
        self.bytes.fetch_add(entry.size(), Ordering::Relaxed);
        if let Some(old) = map.insert(key, entry.clone()) {
            self.bytes.fetch_sub(
                old.size().min(self.bytes.load(Ordering::Relaxed)),
                Ordering::Relaxed,
            );
        }
        entry
    }
}

/// Whether a path is a public page whose content depends only on the
/// database (and the font size): these are cached and get validators.
pub fn cacheable_path(path: &str) -> bool {
    // The catalogue of page types decides (web/site/pages.rs).
    crate::web::site::pages::page_type(path)
        .is_some_and(|t| t.cache == crate::web::site::pages::Cache::Yes)
}

/// The Asia/Shanghai day, cheap enough to check on every hit.
fn today() -> i64 {
    crate::stats::day_of(crate::db::now())
}

fn compress(plain: &[u8]) -> (Bytes, Bytes) {
    let mut gz = flate2::write::GzEncoder::new(
        Vec::with_capacity(plain.len() / 3),
        flate2::Compression::new(6),
    );
    let gzip = gz
        .write_all(plain)
        .and_then(|_| gz.finish())
        .unwrap_or_default();
    let mut br = Vec::with_capacity(plain.len() / 3);
    {
        let mut w = brotli::CompressorWriter::new(&mut br, 4096, 5, 22);
        let _ = w.write_all(plain);
    }
    (Bytes::from(gzip), Bytes::from(br))
}

fn etag_of(plain: &[u8]) -> String {
    // Four independent lanes of eight bytes a step, folded at the end: one
    // lane waits on each multiplication before the next (a dependency
    // chain of over a thousand on a page), four keep the multiplier busy.
    // Collisions only matter between versions of one page.
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut lanes = [
        0xcbf2_9ce4_8422_2325u64 ^ plain.len() as u64,
        0x8422_2325_cbf2_9ce4,
        0x2325_cbf2_9ce4_8422,
        0x9ce4_8422_2325_cbf2,
    ];
    let mut blocks = plain.chunks_exact(32);
    for block in &mut blocks {
        for (lane, word) in lanes.iter_mut().zip(block.chunks_exact(8)) {
            let mut w = [0u8; 8];
            w.copy_from_slice(word);
            *lane = (*lane ^ u64::from_le_bytes(w)).wrapping_mul(K);
            *lane ^= *lane >> 29;
        }
    }
    let mut h = lanes.iter().fold(0u64, |acc, lane| {
        (acc ^ lane).wrapping_mul(K).rotate_left(23)
    });
    for b in blocks.remainder() {
        h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// Which encoding the client accepts best: "br", "gzip" or plain.
fn negotiate(headers: &HeaderMap) -> &'static str {
    let Some(accept) = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
    else {
        return "";
    };
    let mut best = ("", 0.0f32);
    for part in accept.split(',') {
        let mut it = part.trim().split(';');
        let name = it.next().unwrap_or("").trim();
        let q = it
            .find_map(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|v| v.parse::<f32>().ok())
            })
            .unwrap_or(1.0);
        let name = match name {
            "br" => "br",
            "gzip" | "x-gzip" => "gzip",
            _ => continue,
        };
        // Prefer brotli at equal weight: smaller.
        if q > best.1 || (q == best.1 && q > 0.0 && name == "br") {
            best = (name, q);
        }
    }
    if best.1 > 0.0 { best.0 } else { "" }
}

/// Whether the request's validators match the entry (→ 304).
fn not_modified(headers: &HeaderMap, entry: &Entry) -> bool {
    if let Some(inm) = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    {
        return inm.split(',').any(|tag| {
            let tag = tag.trim().trim_start_matches("W/").trim_matches('"');
            tag == "*" || tag.split('-').next() == Some(entry.etag.as_str())
        });
    }
    if let Some(ims) = headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| httpdate::parse_http_date(v).ok())
    {
        let modified = httpdate::HttpDate::from(entry.modified);
        return httpdate::HttpDate::from(ims) >= modified;
    }
    false
}

fn respond(request_headers: &HeaderMap, entry: &Entry, method: &Method) -> Response {
    // An entry without compressed bodies was not stored: the compression
    // layer outside negotiates for it instead.
    let encoding = if entry.gzip.is_empty() {
        ""
    } else {
        negotiate(request_headers)
    };
    let (body, tag) = match encoding {
        "br" => (entry.br.clone(), format!("\"{}-br\"", entry.etag)),
        "gzip" => (entry.gzip.clone(), format!("\"{}-gz\"", entry.etag)),
        _ => (entry.plain.clone(), format!("\"{}\"", entry.etag)),
    };
    let mut response = if not_modified(request_headers, entry) {
        StatusCode::NOT_MODIFIED.into_response()
    } else if method == Method::HEAD {
        let mut r = Response::new(Body::empty());
        if let Ok(v) = HeaderValue::from_str(&body.len().to_string()) {
            r.headers_mut().insert(header::CONTENT_LENGTH, v);
        }
        r
    } else {
        Response::new(Body::from(body))
    };
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, entry.content_type.clone());
    if !encoding.is_empty() {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
    }
    if let Ok(v) = HeaderValue::from_str(&tag) {
        h.insert(header::ETAG, v);
    }
    h.insert(header::LAST_MODIFIED, entry.last_modified.clone());
    // Browsers keep the page but ask each time (a 304 is cheap): never stale.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(
        header::VARY,
        HeaderValue::from_static("Accept-Encoding, Cookie"),
    );
    response
}

/// The entry that answers this request, if the cache holds a valid one.
fn fresh_entry(state: &AppState, request: &Request) -> Option<Arc<Entry>> {
    let method = request.method();
    if !(method == Method::GET || method == Method::HEAD)
        || request.uri().query().is_some()
        || !state.config.page_cache
        || !state.changes.is_live()
    {
        return None;
    }
    let path = request.uri().path();
    if !cacheable_path(path) {
        return None;
    }
    let font = layout::font_size_of(request.headers());
    let entry = state.page_cache.get(&format!("{font}{path}"))?;
    (entry.seq == state.changes.current() && entry.day == today()).then_some(entry)
}

/// The fast path, outside every other layer: a request the cache can answer
/// gets its page, the headers every response gets, and is counted, without
/// routing or the other layers.
pub async fn serve_hits(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(entry) = fresh_entry(&state, &request) else {
        return next.run(request).await;
    };
    let visit = crate::stats::middleware::observe(&state, &request);
    let mut response = respond(request.headers(), &entry, request.method());
    super::finish_headers(&state, response.headers_mut());
    if let Some(v) = visit {
        v.record(&state, &response).await;
    }
    response
}

/// The middleware: serves valid entries, stores fresh renders, and answers
/// conditional requests.
pub async fn cache_pages(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path();
    let eligible = (method == Method::GET || method == Method::HEAD)
        && request.uri().query().is_none()
        && cacheable_path(path);
    if !eligible {
        return next.run(request).await;
    }
    let font = layout::font_size_of(request.headers());
    let key = format!("{font}{path}");
    let headers = request.headers().clone();
    let use_cache = state.config.page_cache && state.changes.is_live();
    // The change number is read before rendering: a change that lands
    // during the render leaves the entry already stale, never wrongly fresh.
    let seq = state.changes.current();
    let day = today();
    if use_cache
        && let Some(entry) = state.page_cache.get(&key)
        && entry.seq == seq
        && entry.day == day
    {
        return respond(&headers, &entry, &method);
    }
    let response = next.run(request).await;
    if response.status() != StatusCode::OK || response.headers().contains_key(header::SET_COOKIE) {
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(plain) = axum::body::to_bytes(body, MAX_BODY).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .cloned()
        .unwrap_or(HeaderValue::from_static("text/html; charset=utf-8"));
    let etag = etag_of(&plain);
    let modified = SystemTime::now();
    let last_modified = HeaderValue::from_str(&httpdate::fmt_http_date(modified))
        .unwrap_or(HeaderValue::from_static("Thu, 01 Jan 1970 00:00:00 GMT"));
    let mut out = if use_cache {
        let (gzip, br) = compress(&plain);
        let entry = Entry {
            seq,
            day,
            content_type,
            etag,
            modified,
            last_modified: last_modified.clone(),
            plain,
            gzip,
            br,
        };
        let stored = state.page_cache.put(key, entry);
        respond(&headers, &stored, &method)
    } else {
        let entry = Entry {
            seq,
            day,
            content_type,
            etag,
            modified,
            last_modified: last_modified.clone(),
            plain,
            gzip: Bytes::new(),
            br: Bytes::new(),
        };
        let mut r = respond(&headers, &entry, &method);
        // A page rendered for this request only has no meaningful date.
        r.headers_mut().remove(header::LAST_MODIFIED);
        r
    };
    // Keep what the handler set that the cache does not manage.
    for (name, value) in parts.headers.iter() {
        if !out.headers().contains_key(name) && name != header::CONTENT_LENGTH {
            out.headers_mut().insert(name.clone(), value.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_of_any_byte_changes_the_etag() {
        let page: Vec<u8> = (0..1000u32).map(|i| (i * 7 % 251) as u8).collect();
        let tag = etag_of(&page);
        assert_eq!(tag, etag_of(&page.clone()));
        assert_eq!(tag.len(), 16);
        // Every lane and the tail past the last whole block.
        for at in [0, 7, 8, 15, 16, 24, 31, 32, 500, 991, 999] {
            let mut changed = page.clone();
            changed[at] ^= 1;
            assert_ne!(etag_of(&changed), tag, "byte {at}");
        }
        assert_ne!(etag_of(&page[..999]), tag, "length");
        // Swapping two lanes' words changes it too.
        let mut swapped = page.clone();
        swapped.swap(0, 8);
        assert_ne!(etag_of(&swapped), tag);
    }

    #[test]
    fn encodings_are_negotiated() {
        let mut h = HeaderMap::new();
        assert_eq!(negotiate(&h), "");
        h.insert(
            header::ACCEPT_ENCODING,
            "gzip, deflate, br".parse().unwrap(),
        );
        assert_eq!(negotiate(&h), "br");
        h.insert(
            header::ACCEPT_ENCODING,
            "gzip;q=1, br;q=0.5".parse().unwrap(),
        );
        assert_eq!(negotiate(&h), "gzip");
        h.insert(header::ACCEPT_ENCODING, "br;q=0, identity".parse().unwrap());
        assert_eq!(negotiate(&h), "");
    }

    #[test]
    fn only_public_pages_are_cacheable() {
        for p in [
            "/",
            "/a/1.html",
            "/c/x/",
            "/c/x/page/2/",
            "/p/about.html",
            "/rss.xml",
        ] {
            assert!(cacheable_path(p), "{p}");
        }
        for p in [
            "/admin",
            "/admin/login",
            "/search",
            "/fontsize/l",
            "/static/site.css",
            "/media/x.jpg",
            "/mailbox",
        ] {
            assert!(!cacheable_path(p), "{p}");
        }
    }
}
