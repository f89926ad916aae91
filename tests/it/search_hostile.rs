//! Issue 5, hostile and odd queries on the search page and the search API:
//! operators, quotes, SQL fragments, control characters, huge queries and
//! the shared SQL-injection payload lists are plain text or nothing.

use axum::http::StatusCode;
use fupin::db::articles;
use fupin::search::{self, SearchQuery, Sort};

use crate::harness::{TestApp, backends, shared_dir};
use crate::search_quality::{found, load_fixtures};

/// Hostile and odd queries: never a 500, never an error, and the classic
/// injection gives what any nonsense gives.
#[tokio::test]
async fn hostile_queries_are_plain_text() {
    let mut queries: Vec<String> = [
        "\"",
        "\"\"",
        "'",
        "NOT",
        "NOT 扶贫",
        "扶贫 OR 农业",
        "OR",
        "AND",
        "*",
        "扶*",
        "NEAR(扶贫 农业)",
        "NEAR(\"a\" \"b\", 2)",
        "title:扶贫",
        "body:农业",
        "{title}: x",
        "^扶贫",
        "扶贫 -农业",
        "(",
        ")",
        "扶贫\")",
        "\\",
        "%",
        "_",
        "1; DROP TABLE articles; --",
        "' OR 1=1 --",
        "'; SELECT pg_sleep(5); --",
        "\u{0}",
        "\u{7}\u{8}\u{1b}[31m",
        "。，！？；：",
        "   ",
        "",
        "&<>",
        "<script>alert(1)</script>",
        "!@#$%^&*()",
        "&amp;",
        "'扶贫'",
        "扶贫 & 农业",
        "扶贫 | 农业",
        "!扶贫",
        "扶贫:*",
        "'':*",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    queries.push("扶贫".repeat(1200)); // 7 KB, 22 KB once encoded in the address
    queries.push("x".repeat(10_240));
    let mut payloads: Vec<String> = Vec::new();
    match shared_dir() {
        Some(dir) => {
            for name in [
                "Generic_Fuzz.txt",
                "Auth_Bypass.txt",
                "Generic_ErrorBased.txt",
            ] {
                let path = dir.join("security/payloads/sqli").join(name);
                match std::fs::read(&path) {
                    Ok(bytes) => {
                        let text = String::from_utf8_lossy(&bytes).into_owned();
                        payloads.extend(text.lines().filter(|l| !l.is_empty()).map(str::to_string));
                    }
                    Err(_) => eprintln!("note: {} absent; skipped", path.display()),
                }
            }
        }
        None => eprintln!("note: shared payloads absent; using the built-in list only"),
    }
    for backend in backends() {
        let app = TestApp::new(backend).await;
        load_fixtures(&app).await;
        search::drain(&app.state.db).await.unwrap();
        let extras: &[&str] = &["", "&sort=date", "&channel=%27", "&from=%27&to=1&page=%27"];
        for (i, q) in queries.iter().chain(&payloads).enumerate() {
            let encoded: String = url::form_urlencoded::byte_serialize(q.as_bytes()).collect();
            let extras = if i < queries.len() {
                extras
            } else {
                &extras[..1]
            };
            for extra in extras {
                let page = app.get(&format!("/search?q={encoded}{extra}")).await;
                assert_eq!(page.status, StatusCode::OK, "{backend}: {q:?}{extra}");
            }
            search::search(
                &app.state.db,
                &SearchQuery {
                    text: q.clone(),
                    sort: Sort::Date,
                    include_unpublished: true,
                    page: 3,
                    per_page: 10,
                    ..SearchQuery::default()
                },
            )
            .await
            .unwrap_or_else(|e| panic!("{backend}: {q:?}: {e:#}"));
        }
        let huge = "扶贫".repeat(5000); // 30 KB, through the API
        assert_eq!(
            found(&app, &huge).await,
            found(&app, "扶贫").await,
            "{backend}"
        );
        let injection = found(&app, "1' OR '1'='1").await;
        let nonsense = found(&app, "1 or 1 1").await;
        let other = found(&app, "qzx vbn").await;
        assert_eq!(injection, nonsense, "{backend}");
        assert_eq!(injection, other, "{backend}");
        assert!(injection.is_empty(), "{backend}");
        // Operators are words like any other: each must be in the text.
        assert!(
            found(&app, "扶贫 OR 农业").await.is_empty(),
            "{backend}: OR is a word"
        );
        assert!(
            found(&app, "NOT 扶贫").await.is_empty(),
            "{backend}: NOT is a word"
        );
        assert!(found(&app, "NEAR(扶贫 农业)").await.is_empty(), "{backend}");
        assert_eq!(
            found(&app, "扶贫*").await,
            found(&app, "扶贫").await,
            "{backend}"
        );
        assert_eq!(
            found(&app, "\"扶贫\"").await,
            found(&app, "扶贫").await,
            "{backend}"
        );
        // The database is intact.
        assert!(
            articles::count_all(&app.state.db).await.unwrap() > 10,
            "{backend}"
        );
        app.finish().await;
    }
}
