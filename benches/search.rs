//! Search benchmark (issue 5): generates article-shaped Chinese text with
//! words drawn from jieba's own dictionary by frequency, mixed with numbers
//! and Latin words; builds our index (jieba terms in SQLite FTS5, and in a
//! PostgreSQL tsvector when `FUPIN_BENCH_DATABASE_URL` or
//! `FUPIN_TEST_DATABASE_URL` names a server) and, for comparison, SQLite
//! FTS5's trigram index over the same text. Reports build time, index size,
//! p50/p99 latency of 1-, 2- and 4-word queries and of a channel-filtered
//! query, the delay from publish to searchable, and the precision cases.
//!
//! `cargo bench --bench search -- 10000` (the article count; default 10000).
//! Add `--no-pg` to skip PostgreSQL, `--no-sqlite` to skip SQLite,
//! `--no-trigram` to skip the trigram comparison. `--dump DIR` benchmarks
//! nothing: it writes the segmented corpus and query sets to DIR as JSON
//! lines, for measuring another engine on the same terms (`bench/tantivy`).
//! `FUPIN_BENCH_SLOWEST=N` also prints the N slowest queries of each set.

use std::time::{Duration, Instant};

use fupin::app::open_db;
use fupin::config::{Config, Overrides};
use fupin::db::channels::ChannelTree;
use fupin::db::search::{self as store, MatchQuery, Order};
use fupin::db::{Backend, Db};
use fupin::search::{self, SearchQuery, segment::Segmenter};
use sqlx::{AnyConnection, Connection, Executor, Row};

/// splitmix64: a small deterministic generator (no dependency needed).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// jieba's dictionary as (word, cumulative frequency).
struct Dict {
    words: Vec<String>,
    cumulative: Vec<u64>,
}

const LATIN: &[&str] = &[
    "GDP", "5G", "APP", "CPI", "PPP", "WTO", "O2O", "iPhone", "Wi-Fi", "CEO", "IT", "NGO", "B2B",
    "LED", "AI", "VR",
];

impl Dict {
    fn load() -> anyhow::Result<Dict> {
        let path = dict_path()?;
        let text = std::fs::read_to_string(&path)?;
        let mut words = Vec::new();
        let mut cumulative = Vec::new();
        let mut total = 0u64;
        for line in text.lines() {
            let mut parts = line.split(' ');
            let (Some(w), Some(f)) = (parts.next(), parts.next()) else {
                continue;
            };
            let Ok(f) = f.parse::<u64>() else { continue };
            total += f.max(1);
            words.push(w.to_string());
            cumulative.push(total);
        }
        Ok(Dict { words, cumulative })
    }

    fn word(&self, rng: &mut Rng) -> &str {
        let at = rng.below(*self.cumulative.last().unwrap_or(&1));
        let i = self.cumulative.partition_point(|c| *c <= at);
        &self.words[i.min(self.words.len() - 1)]
    }

    /// A content word by frequency (redrawn until it has 2+ ideographs).
    fn content_word(&self, rng: &mut Rng) -> String {
        loop {
            let w = self.word(rng);
            if w.chars().count() >= 2 && w.chars().all(search::segment::is_han) {
                return w.to_string();
            }
        }
    }
}

/// Where cargo unpacked jieba-rs: its dict.txt is the embedded dictionary.
fn dict_path() -> anyhow::Result<std::path::PathBuf> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = std::process::Command::new(cargo)
        .args(["metadata", "--format-version", "1"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()?;
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    for p in meta["packages"].as_array().into_iter().flatten() {
        if p["name"] == "jieba-rs" {
            let manifest = std::path::PathBuf::from(p["manifest_path"].as_str().unwrap_or(""));
            return Ok(manifest.with_file_name("src/data/dict.txt"));
        }
    }
    anyhow::bail!("jieba-rs not found by cargo metadata")
}

/// One sentence: words by frequency, with numbers and Latin words mixed in.
fn sentence(dict: &Dict, rng: &mut Rng, words: usize) -> String {
    let mut s = String::new();
    for _ in 0..words {
        match rng.below(100) {
            0..=3 => s.push_str(&format!("{}", 2009 + rng.below(18))),
            4..=5 => s.push_str(&format!("{}.{}%", rng.below(100), rng.below(10))),
            6..=7 => s.push_str(LATIN[rng.below(LATIN.len() as u64) as usize]),
            _ => s.push_str(dict.word(rng)),
        }
    }
    s
}

/// (title, body html) of article `i`, the same on every run.
fn article(dict: &Dict, i: u64) -> (String, String) {
    let mut rng = Rng(i.wrapping_mul(7919) + 17);
    let len = 5 + rng.below(6) as usize;
    let title = sentence(dict, &mut rng, len);
    let mut body = String::new();
    for _ in 0..(3 + rng.below(6)) {
        body.push_str("<p>");
        for _ in 0..(2 + rng.below(4)) {
            let len = 6 + rng.below(14) as usize;
            body.push_str(&sentence(dict, &mut rng, len));
            body.push(if rng.below(3) == 0 { '。' } else { '，' });
        }
        body.push_str("</p>");
    }
    (title, body)
}

fn percentile(v: &mut [Duration], p: usize) -> f64 {
    v.sort_unstable();
    let i = (v.len() * p / 100).min(v.len().saturating_sub(1));
    v.get(i).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// Query sets: (label, queries, channel filter?).
fn query_sets(dict: &Dict, articles: u64) -> Vec<(&'static str, Vec<Vec<String>>, bool)> {
    let mut rng = Rng(42);
    let mut sets = Vec::new();
    let one: Vec<Vec<String>> = (0..300)
        .map(|_| vec![dict.content_word(&mut rng)])
        .collect();
    sets.push(("1 word", one.clone(), false));
    for (label, k) in [("2 words", 2usize), ("4 words", 4)] {
        // Words of one generated article, so queries have answers.
        let qs = (0..300)
            .map(|_| {
                let (title, body) = article(dict, rng.below(articles));
                let text = format!("{title}{}", fupin::html::text_of(&body));
                let terms = Segmenter::base().query_terms(&text);
                let pool: Vec<&String> = terms
                    .iter()
                    .filter(|t| t.chars().count() >= 2 && t.chars().all(search::segment::is_han))
                    .collect();
                (0..k)
                    .map(|_| pool[rng.below(pool.len() as u64) as usize].clone())
                    .collect()
            })
            .collect();
        sets.push((label, qs, false));
    }
    sets.push(("1 word + channel", one, true));
    sets
}

/// The publish time of article `i` of `n`: spread over ten years up to `now`.
fn published_at(now: i64, i: u64, n: u64) -> i64 {
    now - 86_400 * 3650 + (i as i64 * 3650 * 86_400) / n as i64
}

/// The channels articles are spread over, and the filter of the channel
/// query set: the first root channel with its sub-channels.
async fn bench_channels(db: &Db) -> anyhow::Result<(Vec<i64>, Vec<i64>)> {
    let tree = ChannelTree::load(db).await?;
    let channels = tree.all().iter().map(|c| c.id).collect();
    let filter_root = tree
        .roots()
        .next()
        .map(|c| tree.with_descendants(c.id))
        .unwrap_or_default();
    Ok((channels, filter_root))
}

async fn fill(db_url: &str, dict: &Dict, n: u64, channels: &[i64]) -> anyhow::Result<Duration> {
    let start = Instant::now();
    let mut conn = AnyConnection::connect(db_url).await?;
    let now = fupin::db::now();
    for chunk in (0..n).collect::<Vec<_>>().chunks(1000) {
        let mut tx = conn.begin().await?;
        for &i in chunk {
            let (title, body) = article(dict, i);
            let at = published_at(now, i, n);
            sqlx::query(
                "INSERT INTO articles (channel_id, title, body_html, status, published_at, created_at, updated_at)
                 VALUES ($1, $2, $3, 'published', $4, $4, $4)",
            )
            .bind(channels[(i % channels.len() as u64) as usize])
            .bind(title)
            .bind(body)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
    }
    conn.close().await?;
    Ok(start.elapsed())
}

async fn bench_ours(
    label: &str,
    db: &Db,
    db_url: &str,
    dict: &Dict,
    n: u64,
    reuse: bool,
) -> anyhow::Result<()> {
    let (channels, filter_root) = bench_channels(db).await?;
    if !reuse {
        let took = fill(db_url, dict, n, &channels).await?;
        println!(
            "[{label}] wrote {n} articles in {:.1} s",
            took.as_secs_f64()
        );
        let start = Instant::now();
        let done = search::reindex(db, false).await?;
        let build = start.elapsed();
        let size = store::index_size(db).await?.unwrap_or(0);
        println!(
            "[{label}] full index build: {done} documents in {:.1} s ({:.0} docs/s); index size {:.1} MB",
            build.as_secs_f64(),
            done as f64 / build.as_secs_f64(),
            size as f64 / 1_048_576.0
        );
    }
    for (set, queries, with_channel) in query_sets(dict, n) {
        let mut api = Vec::new();
        let mut raw = Vec::new();
        let mut hits = Vec::new();
        for q in &queries {
            let text = q.join(" ");
            let channel_ids = if with_channel {
                filter_root.clone()
            } else {
                Vec::new()
            };
            let t = Instant::now();
            let r = search::search(
                db,
                &SearchQuery {
                    text,
                    channel_ids: channel_ids.clone(),
                    page: 1,
                    per_page: 20,
                    ..SearchQuery::default()
                },
            )
            .await?;
            api.push(t.elapsed());
            hits.push(r.total);
            let terms = Segmenter::base().query_terms(&q.join(" "));
            let mq = MatchQuery {
                terms: &terms,
                channel_ids: &channel_ids,
                from: None,
                to: None,
                order: Order::Relevance,
                include_unpublished: false,
                offset: 0,
                limit: 20,
            };
            let t = Instant::now();
            store::find(db, &mq, 1001).await?;
            raw.push(t.elapsed());
        }
        if let Some(k) = std::env::var("FUPIN_BENCH_SLOWEST")
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
        {
            // The slowest queries of the set, to see what the tail is.
            let mut order: Vec<usize> = (0..queries.len()).collect();
            order.sort_by(|a, b| api[*b].cmp(&api[*a]));
            for &i in order.iter().take(k) {
                println!(
                    "    slow: {:?} page {:.1} ms, match+count {:.1} ms, hits {}",
                    queries[i],
                    api[i].as_secs_f64() * 1000.0,
                    raw[i].as_secs_f64() * 1000.0,
                    hits[i]
                );
            }
        }
        hits.sort_unstable();
        println!(
            "[{label}] {set:<17} page with snippets p50 {:6.2} ms  p99 {:6.2} ms | match+count p50 {:6.2} ms  p99 {:6.2} ms | median hits {}",
            percentile(&mut api, 50),
            percentile(&mut api, 99),
            percentile(&mut raw, 50),
            percentile(&mut raw, 99),
            hits[hits.len() / 2]
        );
    }
    // Publish → searchable with the server's indexer running.
    let indexer = search::spawn_indexer(db.clone());
    let mut delays = Vec::new();
    let ch = channels[0];
    for i in 0..20 {
        let word = format!("zq{i}x{}", fupin::db::now());
        let mut conn = AnyConnection::connect(db_url).await?;
        let t = Instant::now();
        sqlx::query(
            "INSERT INTO articles (channel_id, title, body_html, status, published_at, created_at, updated_at)
             VALUES ($1, $2, '<p>x</p>', 'published', $3, $3, $3)",
        )
        .bind(ch)
        .bind(format!("发布延迟测试 {word}"))
        .bind(fupin::db::now() - 1)
        .execute(&mut conn)
        .await?;
        loop {
            let r = search::search(
                db,
                &SearchQuery {
                    text: word.clone(),
                    page: 1,
                    per_page: 1,
                    ..SearchQuery::default()
                },
            )
            .await?;
            if r.total == 1 {
                break;
            }
            anyhow::ensure!(
                t.elapsed() < Duration::from_secs(10),
                "never became searchable"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        delays.push(t.elapsed());
        conn.close().await?;
    }
    indexer.abort();
    println!(
        "[{label}] publish → searchable: p50 {:.0} ms, max {:.0} ms (indexer polls every {} ms)",
        percentile(&mut delays, 50),
        percentile(&mut delays, 100),
        search::index::POLL.as_millis()
    );
    Ok(())
}

/// The same corpus and queries on SQLite FTS5's trigram tokenizer (plain
/// text, no segmentation). Terms under three characters cannot use a
/// trigram index, so they are matched by a substring scan.
async fn bench_trigram(dir: &std::path::Path, dict: &Dict, n: u64) -> anyhow::Result<()> {
    let url = format!("sqlite://{}?mode=rwc", dir.join("trigram.db").display());
    let mut conn = AnyConnection::connect(&url).await?;
    conn.execute("PRAGMA journal_mode = WAL").await?;
    conn.execute("CREATE VIRTUAL TABLE tri USING fts5(title, body, tokenize = 'trigram')")
        .await?;
    let start = Instant::now();
    for chunk in (0..n).collect::<Vec<_>>().chunks(1000) {
        let mut tx = conn.begin().await?;
        for &i in chunk {
            let (title, body) = article(dict, i);
            sqlx::query("INSERT INTO tri (rowid, title, body) VALUES ($1, $2, $3)")
                .bind(i as i64 + 1)
                .bind(title)
                .bind(fupin::html::text_of(&body))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
    }
    let build = start.elapsed();
    let size: i64 =
        sqlx::query("SELECT COALESCE(SUM(pgsize), 0) AS n FROM dbstat WHERE name LIKE 'tri%'")
            .fetch_one(&mut conn)
            .await?
            .try_get("n")?;
    println!(
        "[sqlite trigram] full index build: {n} documents in {:.1} s; index size {:.1} MB (includes the text itself)",
        build.as_secs_f64(),
        size as f64 / 1_048_576.0
    );
    for (set, queries, _) in query_sets(dict, n).into_iter().take(3) {
        let mut lat = Vec::new();
        let mut hits = Vec::new();
        // A hundred of each set: terms under three characters scan the table.
        for q in queries.iter().take(100) {
            let (sql, binds) = trigram_sql(q);
            let t = Instant::now();
            let mut count = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(*) AS n FROM (SELECT rowid FROM tri WHERE {sql} LIMIT 1001)"
            )));
            for b in &binds {
                count = count.bind(b.clone());
            }
            let total: i64 = count.fetch_one(&mut conn).await?.try_get("n")?;
            let mut page = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT rowid FROM tri WHERE {sql} ORDER BY rank LIMIT 20"
            )));
            for b in &binds {
                page = page.bind(b.clone());
            }
            page.fetch_all(&mut conn).await?;
            lat.push(t.elapsed());
            hits.push(total);
        }
        hits.sort_unstable();
        println!(
            "[sqlite trigram] {set:<17} match+count p50 {:6.2} ms  p99 {:6.2} ms | median hits {}",
            percentile(&mut lat, 50),
            percentile(&mut lat, 99),
            hits[hits.len() / 2]
        );
    }
    conn.close().await?;
    Ok(())
}

/// A trigram WHERE clause: one MATCH of the terms of 3+ characters (FTS5
/// takes one MATCH per table), a substring test for shorter ones.
fn trigram_sql(terms: &[String]) -> (String, Vec<String>) {
    let mut parts = Vec::new();
    let mut binds = Vec::new();
    let long: Vec<String> = terms
        .iter()
        .filter(|t| t.chars().count() >= 3)
        .map(|t| format!("\"{t}\""))
        .collect();
    if !long.is_empty() {
        binds.push(long.join(" "));
        parts.push("tri MATCH $1".to_string());
    }
    for t in terms.iter().filter(|t| t.chars().count() < 3) {
        // Under three characters the trigram index cannot help: a scan,
        // with instr() so SQLite does not hand the test to FTS5 as LIKE.
        binds.push(t.clone());
        parts.push(format!(
            "(instr(title, ${0}) > 0 OR instr(body, ${0}) > 0)",
            binds.len()
        ));
    }
    (parts.join(" AND "), binds)
}

/// Writes what the index is given, without benchmarking anything:
/// `docs.jsonl`, one article a line as `bench_ours` inserts it (key, channel,
/// publish time) with its title and body terms joined by spaces as
/// `search_fts` stores them; `queries.jsonl`, every query of every set as
/// the search segments it, with the channel filter of the channel set.
async fn dump(dir: &std::path::Path, db: &Db, dict: &Dict, n: u64) -> anyhow::Result<()> {
    use std::io::Write;
    std::fs::create_dir_all(dir)?;
    let (channels, filter_root) = bench_channels(db).await?;
    let seg = Segmenter::base();
    let now = fupin::db::now();
    let start = Instant::now();
    let mut out = std::io::BufWriter::new(std::fs::File::create(dir.join("docs.jsonl"))?);
    for i in 0..n {
        let (title, body) = article(dict, i);
        // As the indexer segments an article; the generated ones have no
        // subtitle, summary, source or author, so the body is the HTML's text.
        let line = serde_json::json!({
            "key": i + 1,
            "channel": channels[(i % channels.len() as u64) as usize],
            "published_at": published_at(now, i, n),
            "title": seg.index_words(&title).join(" "),
            "body": seg.index_words(&fupin::html::text_of(&body)).join(" "),
        });
        writeln!(out, "{line}")?;
    }
    out.flush()?;
    let mut out = std::io::BufWriter::new(std::fs::File::create(dir.join("queries.jsonl"))?);
    for (set, queries, with_channel) in query_sets(dict, n) {
        let channel_ids = if with_channel {
            filter_root.clone()
        } else {
            Vec::new()
        };
        for q in &queries {
            let line = serde_json::json!({
                "set": set,
                "terms": seg.query_terms(&q.join(" ")),
                "channels": channel_ids,
            });
            writeln!(out, "{line}")?;
        }
    }
    out.flush()?;
    println!(
        "wrote {n} segmented articles and the query sets to {} in {:.1} s (one thread)",
        dir.display(),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The precision cases of the issue, on both approaches.
async fn precision_table() -> anyhow::Result<()> {
    let cases: &[(&str, &str, bool)] = &[
        ("农业", "中国农业发展银行广东分行", true),
        ("员服", "加强会员服务工作", false),
        ("和服", "驻村干部和服务对象座谈", false),
        ("和服", "身穿和服的客人", true),
        ("GDP", "全市ＧＤＰ增长", true),
        ("扶貧", "扶贫开发", true),
        ("莞韶", "东莞韶关两地签约", false),
        ("莞韶", "莞韶产业园开工", true),
        ("连樟", "英德市连樟村", true),
    ];
    let seg = Segmenter::base();
    let mut conn = AnyConnection::connect("sqlite::memory:").await?;
    conn.execute("CREATE VIRTUAL TABLE tri USING fts5(body, tokenize = 'trigram')")
        .await?;
    println!("precision cases (query in text → expected | jieba+FTS5 | trigram):");
    let (mut ours_ok, mut tri_ok) = (0, 0);
    for (q, text, want) in cases {
        let index = seg.index_words(text);
        let terms = seg.query_terms(q);
        let ours = terms.iter().all(|t| index.contains(t));
        conn.execute("DELETE FROM tri").await?;
        sqlx::query("INSERT INTO tri (body) VALUES ($1)")
            .bind(*text)
            .execute(&mut conn)
            .await?;
        let (sql, binds) = trigram_sql(&[q.to_string()]);
        let sql = sql.replace("instr(title, $1) > 0 OR ", "");
        let mut query = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) AS n FROM tri WHERE {sql}"
        )));
        for b in binds {
            query = query.bind(b);
        }
        let tri = query.fetch_one(&mut conn).await?.try_get::<i64, _>("n")? > 0;
        ours_ok += usize::from(ours == *want);
        tri_ok += usize::from(tri == *want);
        println!("  {q} in {text} → {want} | {ours} | {tri}");
    }
    println!(
        "  right: jieba+FTS5 {ours_ok}/{n}, trigram {tri_ok}/{n}",
        n = cases.len()
    );
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: u64 = args.iter().find_map(|a| a.parse().ok()).unwrap_or(10_000);
    let pg = if args.iter().any(|a| a == "--no-pg") {
        None
    } else {
        std::env::var("FUPIN_BENCH_DATABASE_URL")
            .or_else(|_| std::env::var("FUPIN_TEST_DATABASE_URL"))
            .ok()
            .filter(|u| !u.is_empty())
    };
    let dump_dir = args
        .iter()
        .position(|a| a == "--dump")
        .and_then(|i| args.get(i + 1))
        .map(std::path::PathBuf::from);
    let dict = Dict::load()?;
    println!(
        "corpus: {n} articles, words from jieba's dictionary ({} entries) by frequency",
        dict.words.len()
    );
    sqlx::any::install_default_drivers();
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        let dir = tempfile::tempdir()?;
        let config = Config::load(Overrides {
            data: Some(dir.path().join("data")),
            ..Overrides::default()
        })?;
        Segmenter::base();
        if let Some(out) = dump_dir {
            // Only the channel tree is read from this database.
            let db = open_db(&config).await?;
            let result = dump(&out, &db, &dict, n).await;
            db.close().await;
            return result;
        }
        precision_table().await?;
        if !args.iter().any(|a| a == "--no-sqlite") {
            let db = open_db(&config).await?;
            bench_ours("sqlite jieba", &db, &config.database_url, &dict, n, false).await?;
            db.close().await;
            if !args.iter().any(|a| a == "--no-trigram") {
                bench_trigram(dir.path(), &dict, n).await?;
            }
        }
        if let Some(admin) = pg {
            // `--pg-db NAME` measures the queries again on a database an
            // earlier `--keep` run left (no fill, no build).
            let reuse = args
                .iter()
                .position(|a| a == "--pg-db")
                .and_then(|i| args.get(i + 1))
                .cloned();
            let name = reuse
                .clone()
                .unwrap_or_else(|| format!("fupin_bench_{}", std::process::id()));
            let mut conn = AnyConnection::connect(&admin).await?;
            if reuse.is_none() {
                conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .await?;
            }
            let mut url = url::Url::parse(&admin)?;
            url.set_path(&format!("/{name}"));
            let config = Config::load(Overrides {
                data: Some(dir.path().join("pgdata")),
                database_url: Some(url.to_string()),
                ..Overrides::default()
            })?;
            let db = open_db(&config).await?;
            assert_eq!(db.backend(), Backend::Postgres);
            let result = bench_ours(
                "postgres jieba",
                &db,
                &config.database_url,
                &dict,
                n,
                reuse.is_some(),
            )
            .await;
            db.close().await;
            if args.iter().any(|a| a == "--keep") || reuse.is_some() {
                println!("kept database {name}");
            } else {
                conn.execute(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .await?;
            }
            result?;
        }
        anyhow::Ok(())
    })
}
