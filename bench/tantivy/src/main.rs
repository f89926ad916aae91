//! tantivy on the corpus and queries of fupin's search benchmark, so that
//! the embedded engine is compared by measurement (docs/search.md).
//!
//! ```text
//! cargo bench --bench search -- 100000 --dump DIR     # in fupin
//! cargo run --release -- DIR                           # here
//! ```
//!
//! The index is written to `DIR/tantivy-index` (replaced on every run).
//!
//! The dump holds the terms fupin indexes (title and body, joined by
//! spaces) and the segmented query terms, so both engines index and look up
//! identical tokens: tantivy splits on whitespace only. Segmenting costs the
//! same for both and is measured by fupin's own benchmark.
//!
//! Measured as fupin's benchmark does: full build (every document added,
//! then one commit; background merges are timed apart), index size on disk,
//! p50/p99 of each query set (all terms required, total hit count and the
//! 20 best by BM25 with their keys; the channel set also filtered on the
//! channel ids), and publish → searchable (add one document, commit, reload
//! the reader, query until found).
//!
//! Options: `--budget-mb N` the indexing memory budget over all indexing
//! threads (default 256), `--no-positions` index term frequencies without
//! positions (FTS5 as fupin creates it keeps positions).

use std::io::BufRead;
use std::path::Path;
use std::time::{Duration, Instant};

use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery, TermSetQuery};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::{Index, IndexWriter, ReloadPolicy, Searcher, TantivyDocument, Term};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// Title matches weigh ten times body matches, as in fupin's FTS5 ranking
/// (`bm25(search_fts, 10.0, 1.0, 0.0)`: title, body, channel tag).
const TITLE_BOOST: f32 = 10.0;
/// Results per page, as the site shows them.
const PAGE: usize = 20;

/// One query: its terms and the channels it is limited to (none: all).
type Search = (Vec<String>, Vec<i64>);

struct Fields {
    key: Field,
    title: Field,
    body: Field,
    channel: Field,
    published_at: Field,
}

fn schema(positions: bool) -> (Schema, Fields) {
    let record = if positions {
        IndexRecordOption::WithFreqsAndPositions
    } else {
        IndexRecordOption::WithFreqs
    };
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("whitespace")
            .set_index_option(record),
    );
    let mut b = Schema::builder();
    let fields = Fields {
        // The article id, read for each result as fupin returns ids.
        key: b.add_u64_field("key", FAST),
        title: b.add_text_field("title", text.clone()),
        body: b.add_text_field("body", text),
        // Indexed to filter on, fast for sorting or faceting.
        channel: b.add_i64_field("channel", INDEXED | FAST),
        // For a date order or filter, as fupin has in `articles`.
        published_at: b.add_i64_field("published_at", FAST),
    };
    (b.build(), fields)
}

fn document(f: &Fields, v: &serde_json::Value) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    doc.add_u64(f.key, v["key"].as_u64().unwrap_or(0));
    doc.add_text(f.title, v["title"].as_str().unwrap_or(""));
    doc.add_text(f.body, v["body"].as_str().unwrap_or(""));
    doc.add_i64(f.channel, v["channel"].as_i64().unwrap_or(0));
    doc.add_i64(f.published_at, v["published_at"].as_i64().unwrap_or(0));
    doc
}

/// Every term required, each in the title (boosted) or the body; with
/// channels, also one of them (scoring nothing, like fupin's channel tags).
fn query(f: &Fields, terms: &[String], channels: &[i64]) -> BooleanQuery {
    let mut must: Vec<(Occur, Box<dyn Query>)> = terms
        .iter()
        .map(|t| {
            let in_title = TermQuery::new(
                Term::from_field_text(f.title, t),
                IndexRecordOption::WithFreqs,
            );
            let in_body = TermQuery::new(
                Term::from_field_text(f.body, t),
                IndexRecordOption::WithFreqs,
            );
            let either = BooleanQuery::new(vec![
                (
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(in_title), TITLE_BOOST)) as Box<dyn Query>,
                ),
                (Occur::Should, Box::new(in_body)),
            ]);
            (Occur::Must, Box::new(either) as Box<dyn Query>)
        })
        .collect();
    if !channels.is_empty() {
        let set = TermSetQuery::new(channels.iter().map(|c| Term::from_field_i64(f.channel, *c)));
        must.push((Occur::Must, Box::new(BoostQuery::new(Box::new(set), 0.0))));
    }
    BooleanQuery::new(must)
}

/// Runs one query: the total number of matches and the keys of the best
/// page.
fn run(searcher: &Searcher, q: &BooleanQuery) -> Result<(usize, Vec<u64>)> {
    let (count, top) = searcher.search(q, &(Count, TopDocs::with_limit(PAGE).order_by_score()))?;
    let mut keys = Vec::with_capacity(top.len());
    for (_, addr) in top {
        let column = searcher
            .segment_reader(addr.segment_ord)
            .fast_fields()
            .u64("key")?;
        keys.push(column.first(addr.doc_id).unwrap_or(0));
    }
    Ok((count, keys))
}

fn percentile(v: &mut [Duration], p: usize) -> f64 {
    v.sort_unstable();
    let i = (v.len() * p / 100).min(v.len().saturating_sub(1));
    v.get(i).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

fn dir_size(dir: &Path) -> Result<u64> {
    let mut total = 0;
    for entry in std::fs::read_dir(dir)? {
        let meta = entry?.metadata()?;
        if meta.is_file() {
            total += meta.len();
        }
    }
    Ok(total)
}

fn read_lines(path: &Path) -> Result<Vec<serde_json::Value>> {
    let file = std::io::BufReader::new(std::fs::File::open(path)?);
    let mut out = Vec::new();
    for line in file.lines() {
        let line = line?;
        if !line.trim().is_empty() {
            out.push(serde_json::from_str(&line)?);
        }
    }
    Ok(out)
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = args
        .iter()
        .find(|a| !a.starts_with("--") && a.parse::<usize>().is_err())
        .ok_or("usage: fupin-bench-tantivy DUMP_DIR [--budget-mb N] [--no-positions]")?;
    let dir = Path::new(dir);
    let budget_mb: usize = args
        .iter()
        .position(|a| a == "--budget-mb")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    let positions = !args.iter().any(|a| a == "--no-positions");

    let docs = read_lines(&dir.join("docs.jsonl"))?;
    let queries = read_lines(&dir.join("queries.jsonl"))?;
    let n = docs.len();
    let threads = std::thread::available_parallelism()?.get().min(8);
    println!(
        "corpus: {n} articles from the dump; tantivy 0.27, whitespace tokenizer, {}, \
         {threads} indexing threads, memory budget {budget_mb} MiB",
        if positions {
            "frequencies and positions"
        } else {
            "frequencies only"
        }
    );

    let path = dir.join("tantivy-index");
    if path.exists() {
        std::fs::remove_dir_all(&path)?;
    }
    std::fs::create_dir_all(&path)?;
    let (schema, f) = schema(positions);
    let index = Index::create_in_dir(&path, schema)?;

    // Full build: add everything, one commit.
    let start = Instant::now();
    let mut writer: IndexWriter =
        index.writer_with_num_threads(threads, budget_mb * 1024 * 1024)?;
    for v in &docs {
        writer.add_document(document(&f, v))?;
    }
    writer.commit()?;
    let build = start.elapsed();
    let size_at_commit = dir_size(&path)?;
    let segments_at_commit = index.searchable_segment_ids()?.len();
    writer.wait_merging_threads()?;
    let merged = start.elapsed();
    let size = dir_size(&path)?;
    let segments = index.searchable_segment_ids()?.len();
    println!(
        "[tantivy] full index build: {n} documents in {:.1} s ({:.0} docs/s), {segments_at_commit} segments, {:.1} MB at commit",
        build.as_secs_f64(),
        n as f64 / build.as_secs_f64(),
        size_at_commit as f64 / 1_048_576.0
    );
    println!(
        "[tantivy] merges done at {:.1} s: {segments} segments; index size {:.1} MB",
        merged.as_secs_f64(),
        size as f64 / 1_048_576.0
    );
    drop(docs);

    let reader = index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()?;
    let searcher = reader.searcher();
    // Sets in the order of the dump.
    let mut sets: Vec<(String, Vec<Search>)> = Vec::new();
    for v in &queries {
        let set = v["set"].as_str().unwrap_or("").to_string();
        let terms: Vec<String> = v["terms"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| t.as_str().map(str::to_string))
            .collect();
        let channels: Vec<i64> = v["channels"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(serde_json::Value::as_i64)
            .collect();
        match sets.iter_mut().find(|(s, _)| *s == set) {
            Some((_, qs)) => qs.push((terms, channels)),
            None => sets.push((set, vec![(terms, channels)])),
        }
    }
    for (set, qs) in &sets {
        let mut lat = Vec::new();
        let mut hits = Vec::new();
        for (terms, channels) in qs {
            let t = Instant::now();
            let q = query(&f, terms, channels);
            let (count, _keys) = run(&searcher, &q)?;
            lat.push(t.elapsed());
            hits.push(count);
        }
        hits.sort_unstable();
        println!(
            "[tantivy] {set:<17} count+top {PAGE} p50 {:6.2} ms  p99 {:6.2} ms | median hits {} (uncapped)",
            percentile(&mut lat, 50),
            percentile(&mut lat, 99),
            hits[hits.len() / 2]
        );
    }

    // Publish → searchable: one document, commit, reload, query until found.
    let mut writer: IndexWriter =
        index.writer_with_num_threads(threads, budget_mb * 1024 * 1024)?;
    let mut delays = Vec::new();
    let mut commits = Vec::new();
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    for i in 0..20 {
        let word = format!("zq{i}x{stamp}");
        let doc = serde_json::json!({
            "key": n as u64 + 1 + i,
            "channel": 1,
            "published_at": stamp,
            "title": format!("发布 延迟 测试 {word}"),
            "body": "x",
        });
        let t = Instant::now();
        writer.add_document(document(&f, &doc))?;
        writer.commit()?;
        commits.push(t.elapsed());
        loop {
            reader.reload()?;
            let (count, _) = run(
                &reader.searcher(),
                &query(&f, std::slice::from_ref(&word), &[]),
            )?;
            if count == 1 {
                break;
            }
            if t.elapsed() > Duration::from_secs(10) {
                return Err("never became searchable".into());
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        delays.push(t.elapsed());
    }
    println!(
        "[tantivy] publish → searchable: p50 {:.1} ms, max {:.1} ms (commit alone p50 {:.1} ms)",
        percentile(&mut delays, 50),
        percentile(&mut delays, 100),
        percentile(&mut commits, 50)
    );
    writer.wait_merging_threads()?;
    Ok(())
}
