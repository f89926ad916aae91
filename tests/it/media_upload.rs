//! Uploads (issue 4, media library): every sample attack file under
//! `../shared/security/payloads/upload/` is refused or stored harmless,
//! client names never reach the file system, traversal names and paths go
//! nowhere, and oversized bodies are answered 413 without being read.

use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{Request, StatusCode, header};
use fupin::auth::Role;
use fupin::auth::session;
use fupin::media::{self, Limits, Want, names};
use tower::ServiceExt;

use crate::admin_support::{Browser, add_user};
use crate::harness::{Page, TestApp, backends, shared_dir};

/// The editor's upload routes.
const IMAGE: &str = "/admin/media/image";
const ANY: &str = "/admin/media/attachment";

/// A signed-in user of the whole app: the router, the session cookie and
/// the session's CSRF token.
struct Uploader {
    router: Router,
    cookie: String,
    csrf: String,
    id: i64,
}

impl Uploader {
    async fn new(app: &TestApp, name: &str, role: Role) -> Uploader {
        let id = add_user(app, name, role, &[]).await;
        let (browser, csrf) = Browser::signed_in(app, id).await;
        let token = browser.cookie(session::COOKIE).expect("session cookie");
        Uploader {
            router: app.state.router(),
            cookie: format!("{}={token}", session::COOKIE),
            csrf,
            id,
        }
    }

    fn request(&self, method: &str, uri: &str) -> axum::http::request::Builder {
        Request::builder()
            .method(method)
            .uri(uri)
            .header(header::COOKIE, &self.cookie)
    }
}

const BOUNDARY: &str = "----fupin-test-boundary-7MA4YWxkTrZu0gW";

/// A multipart body: the `csrf` field first (as forms send it), then the
/// file under the given name.
fn multipart(csrf: &str, file_name: &str, bytes: &[u8]) -> Vec<u8> {
    let quoted: String = file_name
        .chars()
        .map(|c| match c {
            '"' => "%22".to_string(),
            '\r' | '\n' => String::new(),
            c => c.to_string(),
        })
        .collect();
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{quoted}\"\r\n\
         Content-Type: image/jpeg\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn send(router: &Router, req: Request<Body>) -> Page {
    crate::harness::send_via(router.clone(), req).await
}

/// Uploads through a real route with the session's token in the form.
async fn upload(up: &Uploader, route: &str, name: &str, bytes: &[u8]) -> Page {
    upload_with(up, route, &up.csrf, name, bytes).await
}

async fn upload_with(up: &Uploader, route: &str, csrf: &str, name: &str, bytes: &[u8]) -> Page {
    let req = up
        .request("POST", route)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from(multipart(csrf, name, bytes)))
        .expect("request");
    send(&up.router, req).await
}

async fn get_bytes(router: &Router, uri: &str) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let req = Request::get(uri).body(Body::empty()).expect("request");
    let response = router.clone().oneshot(req).await.expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    (status, headers, bytes.to_vec())
}

/// Every file below the media folder, as paths relative to it.
fn stored_files(app: &TestApp) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).expect("below root");
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let root = media::media_dir(&app.data_dir());
    let mut out = Vec::new();
    walk(&root, &root, &mut out);
    out.sort();
    out
}

fn json(page: &Page) -> serde_json::Value {
    serde_json::from_str(&page.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", page.body))
}

/// A small PNG made here.
fn small_png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([x as u8, y as u8, 200]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .expect("png");
    out.into_inner()
}

/// Strings that must not survive in a re-encoded picture's bytes.
const METADATA_PAYLOADS: &[&str] = &[
    "<script",
    "<?php",
    "<?=",
    "onerror",
    "onload",
    "onmouseover",
    "onclick",
    "alert(",
    "<svg",
    "phpinfo",
    "/etc/passwd",
    "javascript:",
];

fn payload_dir(sub: &str) -> Option<PathBuf> {
    match shared_dir() {
        Some(dir) => Some(dir.join("security/payloads").join(sub)),
        None => {
            eprintln!("skipped: ../shared is absent, no payload files");
            None
        }
    }
}

#[tokio::test]
async fn payload_files_are_refused_or_stored_harmless() {
    let Some(dir) = payload_dir("upload") else {
        return;
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("payload folder")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    assert!(files.len() >= 40, "expected the whole sample set");
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let up = Uploader::new(&app, "editor", Role::Writer).await;
        let router = up.router.clone();
        let (mut stored, mut refused) = (0, 0);
        for file in &files {
            let name = file.file_name().unwrap().to_string_lossy().into_owned();
            let bytes = std::fs::read(file).expect("read payload");
            let before = stored_files(&app);
            let page = upload(&up, ANY, &name, &bytes).await;
            let lower = name.to_ascii_lowercase();
            let is_picture = [".jpg", ".jpeg", ".png", ".gif"]
                .iter()
                .any(|e| lower.ends_with(e));
            if !is_picture {
                assert_eq!(
                    page.status,
                    StatusCode::BAD_REQUEST,
                    "{backend}: {name} must be refused: {}",
                    page.body
                );
                let message = json(&page)["error"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                assert!(
                    message.contains("不能上传") || message.contains("不支持"),
                    "{name}: a clear Chinese message, got {message:?}"
                );
                assert_eq!(stored_files(&app), before, "{name}: nothing written");
                refused += 1;
                continue;
            }
            assert_eq!(
                page.status,
                StatusCode::OK,
                "{backend}: {name} is a real picture: {}",
                page.body
            );
            stored += 1;
            let reply = json(&page);
            let url = reply["url"].as_str().expect("url");
            let path = url.strip_prefix("/media/").expect("under /media/");
            assert!(names::is_generated(path), "{name}: generated name {path}");
            let stem = name.split('.').next().unwrap();
            assert!(!path.contains(stem), "{name}: client name not used: {path}");
            let on_disk =
                std::fs::read(media::media_dir(&app.data_dir()).join(path)).expect("stored file");
            assert_ne!(on_disk, bytes, "{name}: re-encoded, not copied");
            let decoded = image::load_from_memory(&on_disk)
                .unwrap_or_else(|e| panic!("{name}: stored file is a valid picture: {e}"));
            assert!(decoded.width() > 0);
            // Metadata payloads must be gone. The pixel-data ones
            // (JPG_exploit-55, GIF_exploit, PNG_*_resize_bypass) are built to
            // survive PHP-GD's recompression, not ours, and are gone too; were
            // a codec change ever to let one through, it would still be served
            // only as a picture with nosniff, as asserted below.
            let text = String::from_utf8_lossy(&on_disk).to_ascii_lowercase();
            for needle in METADATA_PAYLOADS {
                assert!(
                    !text.contains(needle),
                    "{name}: {needle:?} survived re-encoding"
                );
            }
            let (status, headers, served) = get_bytes(&router, url).await;
            assert_eq!(status, StatusCode::OK, "{name}: served");
            assert_eq!(served, on_disk, "{name}: the stored bytes are served");
            let ct = headers[header::CONTENT_TYPE].to_str().unwrap();
            assert!(
                ct == "image/jpeg" || ct == "image/png",
                "{name}: served as a picture, not {ct}"
            );
            assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
            assert_eq!(
                headers[header::CONTENT_SECURITY_POLICY],
                fupin::web::media::MEDIA_CSP
            );
            assert!(
                headers[header::CACHE_CONTROL]
                    .to_str()
                    .unwrap()
                    .contains("immutable")
            );
        }
        assert!(
            stored >= 10 && refused >= 25,
            "{stored} stored, {refused} refused"
        );
        eprintln!(
            "{backend}: {stored} payload pictures stored re-encoded, {refused} files refused"
        );
        for path in stored_files(&app) {
            assert!(
                names::is_generated(&path),
                "only generated names on disk: {path}"
            );
        }
        app.finish().await;
    }
}

/// Lines of a traversal list, `{FILE}` filled in, every `step`-th kept.
fn traversal_lines(file: &str, step: usize) -> Vec<String> {
    let Some(dir) = payload_dir("traversal") else {
        return Vec::new();
    };
    let text = std::fs::read_to_string(dir.join(file)).expect("traversal list");
    text.lines()
        .filter(|l| !l.is_empty())
        .step_by(step)
        .map(|l| l.replace("{FILE}", "etc/passwd"))
        .collect()
}

/// A request target for a hostile path: bytes a URI cannot hold are
/// percent-encoded, the rest is kept as the attacker wrote it.
fn media_uri(line: &str) -> String {
    let mut out = String::from("/media/");
    for b in line.bytes() {
        if b.is_ascii_graphic()
            && !matches!(
                b,
                b'#' | b'?' | b'"' | b'<' | b'>' | b'`' | b'{' | b'}' | b'|' | b'\\' | b'^'
            )
        {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[tokio::test]
async fn traversal_names_and_paths_go_nowhere() {
    let mut lines = traversal_lines("dotdotpwn.txt", 97);
    lines.extend(traversal_lines("directory_traversal.txt", 1));
    lines.extend(traversal_lines("traversals-8-deep-exotic-encoding.txt", 9));
    lines.extend(traversal_lines("deep_traversal.txt", 9));
    if lines.is_empty() {
        return;
    }
    let png = small_png(8, 8);
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let up = Uploader::new(&app, "editor", Role::Writer).await;
        let router = up.router.clone();
        // A file beside the media folder that no request may reach.
        std::fs::create_dir_all(app.data_dir()).unwrap();
        std::fs::write(app.data_dir().join("secret.txt"), "TOP-SECRET-CANARY").unwrap();
        // As upload names: a few hundred uploads, all under generated names.
        for line in lines.iter().step_by(3) {
            let page = upload(&up, IMAGE, line, &png).await;
            assert_eq!(page.status, StatusCode::OK, "{line}: {}", page.body);
            let reply = json(&page);
            let shown = reply["name"].as_str().unwrap();
            assert!(
                !shown.contains('/')
                    && !shown.contains('\\')
                    && !shown.chars().any(char::is_control),
                "{line}: display name {shown:?}"
            );
            assert!(shown.ends_with(".png"), "{shown}");
        }
        let files = stored_files(&app);
        assert!(!files.is_empty());
        for path in &files {
            assert!(
                names::is_generated(path),
                "only generated names on disk: {path}"
            );
        }
        // As request paths: never a 500, never a byte from outside.
        for line in &lines {
            let uri = media_uri(line);
            let Ok(req) = Request::get(&uri).body(Body::empty()) else {
                continue;
            };
            let response = router.clone().oneshot(req).await.expect("infallible");
            let status = response.status();
            let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .unwrap();
            assert!(
                status == StatusCode::NOT_FOUND || status == StatusCode::BAD_REQUEST,
                "{uri}: {status}"
            );
            let text = String::from_utf8_lossy(&bytes);
            assert!(
                !text.contains("TOP-SECRET-CANARY")
                    && !text.contains("SQLite format")
                    && !text.contains("root:x:"),
                "{uri} leaked a file"
            );
        }
        eprintln!(
            "{backend}: {} traversal names uploaded, {} traversal paths requested",
            lines.len().div_ceil(3),
            lines.len()
        );
        app.finish().await;
    }
}

/// A request body that counts how many bytes were pulled from it.
struct CountingBody {
    remaining: usize,
    pulled: Arc<AtomicUsize>,
    head: Option<Vec<u8>>,
}

impl futures_core::Stream for CountingBody {
    type Item = Result<Bytes, std::io::Error>;
    fn poll_next(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if let Some(head) = self.head.take() {
            self.pulled.fetch_add(head.len(), Ordering::SeqCst);
            return Poll::Ready(Some(Ok(Bytes::from(head))));
        }
        if self.remaining == 0 {
            return Poll::Ready(None);
        }
        let n = self.remaining.min(64 * 1024);
        self.remaining -= n;
        self.pulled.fetch_add(n, Ordering::SeqCst);
        Poll::Ready(Some(Ok(Bytes::from(vec![b'A'; n]))))
    }
}

fn counting_request(
    up: &Uploader,
    route: &str,
    length: Option<usize>,
    body_bytes: usize,
) -> (Request<Body>, Arc<AtomicUsize>) {
    let pulled = Arc::new(AtomicUsize::new(0));
    let mut head = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{}\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.png\"\r\n\r\n",
        up.csrf
    )
    .into_bytes();
    head.extend_from_slice(b"\x89PNG\r\n\x1a\n");
    let stream = CountingBody {
        remaining: body_bytes,
        pulled: pulled.clone(),
        head: Some(head),
    };
    let mut req = up.request("POST", route).header(
        header::CONTENT_TYPE,
        format!("multipart/form-data; boundary={BOUNDARY}"),
    );
    if let Some(length) = length {
        req = req.header(header::CONTENT_LENGTH, length);
    }
    (req.body(Body::from_stream(stream)).unwrap(), pulled)
}

#[tokio::test]
async fn oversized_bodies_are_refused_without_reading_them() {
    let app = TestApp::new("sqlite").await;
    let up = Uploader::new(&app, "editor", Role::Writer).await;
    let router = up.router.clone();
    let limits = Limits::from_config(&app.state.config);
    // A declared length over the limit: 413 before a byte is pulled.
    let (req, pulled) = counting_request(&up, ANY, Some(2 << 30), 2 << 30);
    let page = send(&router, req).await;
    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(pulled.load(Ordering::SeqCst), 0, "nothing read");
    // The plain form gets the same answer as a page that says why.
    let (req, pulled) = counting_request(&up, "/admin/media/upload", Some(2 << 30), 2 << 30);
    let page = send(&router, req).await;
    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(page.body.contains("文件太大"), "{}", page.body);
    assert_eq!(pulled.load(Ordering::SeqCst), 0, "nothing read");
    // No declared length: reading stops just past the limit.
    let (req, pulled) = counting_request(&up, IMAGE, None, 64 << 20);
    let page = send(&router, req).await;
    let read = pulled.load(Ordering::SeqCst);
    assert_eq!(
        page.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{} after {read} bytes",
        page.body
    );
    let limit = limits.body_limit(Want::Image);
    assert!(
        read <= limit + (256 << 10),
        "read {read} bytes of 64 MiB with a limit of {limit}"
    );
    eprintln!("unannounced 64 MiB body: {read} bytes read before the 413 (limit {limit})");
    // Within the route's limit but over the picture limit: 413 with the reason.
    let mut fake = b"\x89PNG\r\n\x1a\n".to_vec();
    fake.resize(limits.image_bytes as usize + 1, 0);
    let page = upload(&up, ANY, "huge.png", &fake).await;
    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(json(&page)["error"].as_str().unwrap().contains("10 MB"));
    assert!(stored_files(&app).is_empty());
    app.finish().await;
}

/// A zip with the given (empty) entries, as Office writes them.
fn zip_with(names: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for name in names {
        let offset = out.len() as u32;
        out.extend_from_slice(b"PK\x03\x04\x14\0\0\0\0\0\0\0\0\0");
        out.extend_from_slice(&[0; 12]);
        out.extend_from_slice(&(name.len() as u16).to_le_bytes());
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(name.as_bytes());
        central.extend_from_slice(b"PK\x01\x02\x14\0\x14\0\0\0\0\0\0\0\0\0");
        central.extend_from_slice(&[0; 12]);
        central.extend_from_slice(&(name.len() as u16).to_le_bytes());
        central.extend_from_slice(&[0; 12]);
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let at = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(b"PK\x05\x06\0\0\0\0");
    out.extend_from_slice(&(names.len() as u16).to_le_bytes());
    out.extend_from_slice(&(names.len() as u16).to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&at.to_le_bytes());
    out.extend_from_slice(&[0, 0]);
    out
}

#[tokio::test]
async fn documents_are_downloads_under_their_cleaned_names() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let up = Uploader::new(&app, "editor", Role::Writer).await;
        let router = up.router.clone();
        let pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\n<script>alert(1)</script>\n%%EOF\n";
        let page = upload(&up, ANY, "..\\..\\扶贫 报告.exe", pdf).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let reply = json(&page);
        assert_eq!(reply["name"], "扶贫 报告.pdf");
        assert_eq!(reply["media"]["kind"], "attachment");
        let url = reply["url"].as_str().unwrap().to_string();
        assert!(url.ends_with(".pdf"));
        let (status, headers, bytes) = get_bytes(&router, &url).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(bytes, pdf);
        assert_eq!(headers[header::CONTENT_TYPE], "application/pdf");
        let disposition = headers[header::CONTENT_DISPOSITION].to_str().unwrap();
        assert!(disposition.starts_with("attachment;"), "{disposition}");
        assert!(
            disposition.contains("filename*=UTF-8''%E6%89%B6%E8%B4%AB%20%E6%8A%A5%E5%91%8A.pdf"),
            "{disposition}"
        );
        assert_eq!(
            headers[header::CONTENT_SECURITY_POLICY],
            "default-src 'none'; sandbox"
        );
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");

        let docx = zip_with(&["[Content_Types].xml", "_rels/.rels", "word/document.xml"]);
        let page = upload(&up, ANY, "会议纪要.docx", &docx).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let docx_url = json(&page)["url"].as_str().unwrap().to_string();
        let (_, headers, _) = get_bytes(&router, &docx_url).await;
        assert!(
            headers[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .contains("wordprocessingml")
        );
        // The image route takes pictures only; plain zips and macros nowhere.
        let page = upload(&up, IMAGE, "a.docx", &docx).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST);
        let page = upload(&up, ANY, "a.zip", &zip_with(&["a.php"])).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST);
        let macro_doc = zip_with(&[
            "[Content_Types].xml",
            "word/document.xml",
            "word/vbaProject.bin",
        ]);
        let page = upload(&up, ANY, "a.docm", &macro_doc).await;
        assert!(json(&page)["error"].as_str().unwrap().contains("宏"));

        // Linked from an article, listed for it; deleted, gone.
        fupin::demo::fill(&app.state.db).await.unwrap();
        let article = fupin::db::articles::latest(&app.state.db, fupin::db::articles::Flag::Any, 1)
            .await
            .unwrap()[0]
            .id;
        let body = format!(r#"<p><a href="{url}">扶贫 报告.pdf</a></p>"#);
        media::link_article(&app.state.db, article, &body)
            .await
            .unwrap();
        let listed = fupin::db::media::for_article(&app.state.db, article)
            .await
            .unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].original_name, "扶贫 报告.pdf");
        let id = listed[0].id;
        assert_eq!(
            fupin::db::media::use_count(&app.state.db, id)
                .await
                .unwrap(),
            1
        );
        media::remove(&app.state.db, &app.data_dir(), id)
            .await
            .unwrap()
            .unwrap();
        let (status, _, _) = get_bytes(&router, &url).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(stored_files(&app).len(), 1, "only the docx is left");
        let (rows, total) = fupin::db::media::list(
            &app.state.db,
            &fupin::db::media::Filter {
                name: Some("纪要".into()),
                ..Default::default()
            },
            20,
            0,
        )
        .await
        .unwrap();
        assert_eq!((rows.len(), total), (1, 1));
        app.finish().await;
    }
}

#[tokio::test]
async fn pictures_are_thumbnailed_and_unknown_paths_are_not_found() {
    let app = TestApp::new("sqlite").await;
    let up = Uploader::new(&app, "editor", Role::Writer).await;
    let router = up.router.clone();
    let page = upload(&up, IMAGE, "照片.png", &small_png(800, 600)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let reply = json(&page);
    assert_eq!(reply["media"]["width"], 800);
    assert_eq!(reply["media"]["uploader_id"], up.id);
    let thumb = reply["thumb_url"].as_str().unwrap();
    assert_ne!(thumb, reply["url"].as_str().unwrap());
    let (status, headers, bytes) = get_bytes(&router, thumb).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "image/png");
    assert_eq!(image::load_from_memory(&bytes).unwrap().width(), 320);
    // A well-formed name the database does not know.
    let (status, _, _) = get_bytes(
        &router,
        "/media/2026/11/0123456789abcdef0123456789abcdef.png",
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.finish().await;
}

#[tokio::test]
async fn uploads_need_a_session_and_its_token() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let up = Uploader::new(&app, "writer", Role::Writer).await;
        let other = Uploader::new(&app, "other", Role::Editor).await;
        let png = small_png(10, 10);
        // No session: sent to the login page.
        let req = Request::post(IMAGE)
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(Body::from(multipart(&up.csrf, "a.png", &png)))
            .unwrap();
        let page = send(&up.router, req).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{backend}");
        assert!(page.header("location").starts_with("/admin/login"));
        // A wrong, missing or borrowed token in the form.
        for token in ["wrong", "", other.csrf.as_str()] {
            let page = upload_with(&up, IMAGE, token, "a.png", &png).await;
            assert_eq!(page.status, StatusCode::FORBIDDEN, "token {token:?}");
        }
        // The token in a header (the editor's script) and no form field.
        let body = multipart("", "a.png", &png);
        for (token, status) in [
            ("bad", StatusCode::FORBIDDEN),
            (up.csrf.as_str(), StatusCode::OK),
        ] {
            let req = up
                .request("POST", IMAGE)
                .header("x-csrf-token", token)
                .header(
                    header::CONTENT_TYPE,
                    format!("multipart/form-data; boundary={BOUNDARY}"),
                )
                .body(Body::from(body.clone()))
                .unwrap();
            assert_eq!(send(&up.router, req).await.status, status, "header {token}");
        }
        // A plain form post carries no token that could be checked.
        let req = up
            .request("POST", ANY)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from("file=x"))
            .unwrap();
        assert_eq!(send(&up.router, req).await.status, StatusCode::FORBIDDEN);
        assert_eq!(
            stored_files(&app).len(),
            1,
            "only the accepted upload is stored"
        );
        let (rows, _) = fupin::db::media::list(&app.state.db, &Default::default(), 10, 0)
            .await
            .unwrap();
        assert_eq!(rows[0].uploader_id, Some(up.id));
        let (entries, _) = fupin::db::audit::list(
            &app.state.db,
            &fupin::db::audit::Filter {
                action: Some("上传".into()),
                ..Default::default()
            },
            0,
            10,
        )
        .await
        .unwrap();
        assert_eq!(entries.len(), 1, "the upload is in the audit log");
        app.finish().await;
    }
}

async fn post_form(up: &Uploader, uri: &str, body: &str) -> Page {
    let req = up
        .request("POST", uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body.to_string()))
        .unwrap();
    send(&up.router, req).await
}

async fn get_page(up: &Uploader, uri: &str) -> Page {
    send(
        &up.router,
        up.request("GET", uri).body(Body::empty()).unwrap(),
    )
    .await
}

#[tokio::test]
async fn the_library_lists_filters_uploads_and_deletes() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let writer = Uploader::new(&app, "writer", Role::Writer).await;
        let editor = Uploader::new(&app, "editor", Role::Editor).await;
        // The plain form (no JavaScript): redirect back with a notice.
        let page = upload(
            &writer,
            "/admin/media/upload",
            "合影.png",
            &small_png(40, 30),
        )
        .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        assert_eq!(page.header("location"), "/admin/media?msg=saved");
        let pdf = b"%PDF-1.4\n%%EOF\n";
        let page = upload(&writer, "/admin/media/upload", "通知.pdf", pdf).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
        let page = upload(
            &writer,
            "/admin/media/upload",
            "x.svg",
            b"<svg onload=alert(1)>",
        )
        .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.body.contains("SVG"), "the reason is shown");

        let page = get_page(&writer, "/admin/media").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("合影.png") && page.body.contains("通知.pdf"));
        assert!(page.body.contains("enctype=\"multipart/form-data\""));
        assert!(!page.body.contains("/delete"), "a writer cannot delete");
        let page = get_page(&writer, "/admin/media?kind=attachment").await;
        assert!(page.body.contains("通知.pdf") && !page.body.contains("合影.png"));
        let page = get_page(&writer, "/admin/media?q=%E5%90%88%E5%BD%B1").await;
        assert!(page.body.contains("合影.png") && !page.body.contains("通知.pdf"));
        let page = get_page(&editor, "/admin/media?mine=1").await;
        assert!(page.body.contains("没有符合条件的文件"));

        let (rows, _) = fupin::db::media::list(
            &app.state.db,
            &fupin::db::media::Filter {
                kind: Some(fupin::db::media::Kind::Image),
                ..Default::default()
            },
            10,
            0,
        )
        .await
        .unwrap();
        let image = &rows[0];
        let url = media::url_of(&image.stored_path);
        let delete = format!("/admin/media/{}/delete", image.id);
        let page = post_form(&writer, &delete, &format!("csrf={}", writer.csrf)).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "writers cannot delete");
        let page = post_form(&editor, &delete, "csrf=wrong").await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "the token is checked");
        assert_eq!(get_bytes(&editor.router, &url).await.0, StatusCode::OK);
        let page = get_page(&editor, "/admin/media").await;
        assert!(page.body.contains(&delete), "an editor sees delete buttons");
        let page = post_form(&editor, &delete, &format!("csrf={}", editor.csrf)).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
        assert_eq!(page.header("location"), "/admin/media?msg=deleted");
        assert_eq!(
            get_bytes(&editor.router, &url).await.0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(stored_files(&app).len(), 1, "the picture's files are gone");
        app.finish().await;
    }
}
