//! `fupin export`: the whole public site as static files, with the same HTML
//! as the live pages (the same render functions produce both).
//!
//! The site is written into a new version folder next to the output and the
//! output path is a symbolic link that is switched to it with one atomic
//! rename, so whoever serves the output sees a complete old or a complete
//! new site, never a half-written one. An incremental export takes the
//! version published before the current one (no longer served), brings it
//! up to date in place and publishes it, so its cost follows the size of
//! the change, not of the site; without such a version it starts from hard
//! links to the current one. Either way it re-renders only what the changes
//! logged since that version can have touched: a changed article, the articles
//! within its related/上一篇/下一篇 window, its channel's pages, the home
//! page, feeds and sitemap; any change to channels, single pages,
//! announcements or settings (which every page shows) re-renders all.
//! Files of pages that no longer exist are removed.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

use crate::app::AppState;
use crate::db::{self, articles};
use crate::web::site::channel::PER_PAGE;
use crate::web::site::layout::SiteData;
use crate::web::site::{article, channel, feeds, home, misc};

/// How to export.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Where the site appears (a symbolic link to the current version).
    pub out: PathBuf,
    /// Re-render only what changed since the last export into `out`.
    pub incremental: bool,
    /// Show a progress bar.
    pub progress: bool,
}

/// What an export did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// Pages rendered.
    pub rendered: usize,
    /// Files removed because their page no longer exists.
    pub removed: usize,
    /// Whether everything was rendered.
    pub full: bool,
    /// The version folder now published.
    pub version: PathBuf,
}

/// Written into every version: the change number it shows, the program
/// version that rendered it (pages of another version are all rendered
/// again), and for each channel a hash of what each of its list pages
/// shows, so an incremental export renders only the list pages that differ.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Stamp {
    seq: i64,
    #[serde(default)]
    build: String,
    #[serde(default)]
    lists: BTreeMap<String, Vec<u64>>,
    /// Each channel's listed articles, oldest first: where an article was,
    /// so its former neighbours and channel are rendered again when it
    /// moves, is unlisted or deleted.
    #[serde(default)]
    order: BTreeMap<i64, Vec<i64>>,
}

const STAMP: &str = ".fupin-export.json";
const BUILD: &str = env!("CARGO_PKG_VERSION");

/// The pages an incremental export renders: single pages, and the
/// channels whose list pages must be compared with what the version shows.
#[derive(Debug, Default)]
struct Plan {
    pages: BTreeSet<Page>,
    channels: BTreeSet<String>,
}

/// What a channel list page shows besides the layout: its articles and
/// the number of pages (the pager).
fn list_page_hash(slice: &[articles::ArticleSummary], total: i64) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    (slice, total).hash(&mut h);
    h.finish()
}

/// One page of the site.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Page {
    Home,
    Map,
    Contact,
    Single(String),
    Channel(String, i64),
    Article(i64),
    SiteFeed,
    ChannelFeed(String),
    Sitemap,
    Robots,
}

impl Page {
    /// The file of the page inside the export.
    fn file(&self) -> String {
        match self {
            Page::Home => "index.html".into(),
            Page::Map => "map.html".into(),
            Page::Contact => "contact.html".into(),
            Page::Single(slug) => format!("p/{slug}.html"),
            Page::Channel(slug, 1) => format!("c/{slug}/index.html"),
            Page::Channel(slug, n) => format!("c/{slug}/page/{n}/index.html"),
            Page::Article(id) => format!("a/{id}.html"),
            Page::SiteFeed => "rss.xml".into(),
            Page::ChannelFeed(slug) => format!("c/{slug}/rss.xml"),
            Page::Sitemap => "sitemap.xml".into(),
            Page::Robots => "robots.txt".into(),
        }
    }
}

async fn render(state: &AppState, page: &Page) -> anyhow::Result<Option<String>> {
    let font = "m";
    let out = match page {
        Page::Home => Some(home::render_home(state, font).await?),
        Page::Map => Some(misc::render_map(state, font).await?),
        Page::Contact => Some(misc::render_contact(state, font).await?),
        Page::Single(slug) => misc::render_page(state, slug, font).await?,
        Page::Channel(slug, n) => channel::render_channel(state, slug, *n, font).await?,
        Page::Article(id) => article::render_article(state, *id, font).await?,
        Page::SiteFeed => feeds::render_feed(state, None).await?,
        Page::ChannelFeed(slug) => feeds::render_feed(state, Some(slug)).await?,
        Page::Sitemap => Some(feeds::render_sitemap(state).await?),
        Page::Robots => Some(feeds::robots_txt(state)),
    };
    Ok(out)
}

/// Every page of the site as it is now, given every channel's listed
/// articles.
fn all_pages(data: &SiteData, order: &BTreeMap<i64, Vec<i64>>) -> Vec<Page> {
    let mut pages = vec![
        Page::Home,
        Page::Map,
        Page::Contact,
        Page::SiteFeed,
        Page::Sitemap,
        Page::Robots,
    ];
    pages.extend(
        data.pages
            .iter()
            .filter(|p| p.slug != "contact")
            .map(|p| Page::Single(p.slug.clone())),
    );
    for c in data.tree.all() {
        let n: usize = data
            .tree
            .with_descendants(c.id)
            .iter()
            .map(|id| order.get(id).map_or(0, Vec::len))
            .sum();
        let total = channel::pages_for(n as i64);
        pages.extend((1..=total).map(|i| Page::Channel(c.slug.clone(), i)));
        pages.push(Page::ChannelFeed(c.slug.clone()));
    }
    pages.extend(order.values().flatten().map(|id| Page::Article(*id)));
    pages
}

/// The articles within an article page's window (related, 上一篇/下一篇)
/// of position `at` in a channel's order, as [`articles::around`] takes them.
fn window(ids: &[i64], at: usize) -> impl Iterator<Item = i64> + '_ {
    ids[at.saturating_sub(6)..(at + 7).min(ids.len())]
        .iter()
        .copied()
}

/// What an incremental export must re-render for the changes since the
/// version `stamp` describes, given every channel's listed articles now;
/// `None` when everything must be.
async fn touched(
    state: &AppState,
    data: &SiteData,
    stamp: &Stamp,
    order: &BTreeMap<i64, Vec<i64>>,
) -> anyhow::Result<Option<Plan>> {
    let since = stamp.seq;
    if stamp.build != BUILD || since < db::changes::oldest(&state.db).await? - 1 {
        // Rendered by another program version, or the log was pruned past it.
        return Ok(None);
    }
    let changes = db::changes::since(&state.db, since).await?;
    let mut changed = BTreeSet::new();
    for (entity, id) in changes {
        match (entity.as_str(), id) {
            ("article", Some(id)) => {
                changed.insert(id);
            }
            // Visit totals change every few seconds; a static copy shows them as of
            // its pages' last render rather than re-rendering everything.
            ("article" | "visits", _) => {}
            _ => return Ok(None),
        }
    }
    let mut plan = Plan::default();
    if changed.is_empty() {
        return Ok(Some(plan));
    }
    // Where each changed article was and is: its page, the pages whose
    // window holds it on either side, and the lists of both channels.
    let positions = |order: &BTreeMap<i64, Vec<i64>>| -> HashMap<i64, (i64, usize)> {
        order
            .iter()
            .flat_map(|(c, ids)| ids.iter().enumerate().map(|(at, id)| (*id, (*c, at))))
            .filter(|(id, _)| changed.contains(id))
            .collect()
    };
    let mut channels = BTreeSet::new();
    for o in [&stamp.order, order] {
        let at = positions(o);
        for id in &changed {
            if let Some(&(c, i)) = at.get(id) {
                channels.insert(c);
                plan.pages.extend(window(&o[&c], i).map(Page::Article));
            }
        }
    }
    plan.pages
        .extend(changed.iter().map(|id| Page::Article(*id)));
    for channel in channels {
        for c in data.tree.ancestry(channel) {
            plan.channels.insert(c.slug.clone());
            plan.pages.insert(Page::ChannelFeed(c.slug.clone()));
        }
    }
    plan.pages
        .extend([Page::Home, Page::SiteFeed, Page::Sitemap]);
    Ok(Some(plan))
}

fn versions_dir(out: &Path) -> PathBuf {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "site".into());
    out.with_file_name(format!(".{name}.versions"))
}

/// A new, empty version folder.
fn new_version(versions: &Path) -> anyhow::Result<PathBuf> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let version = versions.join(format!("v{nanos}-{}", std::process::id()));
    std::fs::create_dir_all(&version)
        .with_context(|| format!("cannot create {}", version.display()))?;
    Ok(version)
}

/// The newest complete version other than the published one, with the
/// change number it shows.
fn older_version(versions: &Path, published: Option<&Path>) -> Option<(PathBuf, Stamp)> {
    let published = published.and_then(|p| p.canonicalize().ok());
    std::fs::read_dir(versions)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.canonicalize().ok() != published)
        .filter_map(|p| {
            let stamp: Stamp = serde_json::from_slice(&std::fs::read(p.join(STAMP)).ok()?).ok()?;
            Some((p, stamp))
        })
        .max_by_key(|(_, s)| s.seq)
}

/// Hard-links (or copies) every file of `from` into `to`.
fn link_tree(from: &Path, to: &Path) -> anyhow::Result<()> {
    let mut stack = vec![from.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let path = entry.path();
            let target = to.join(path.strip_prefix(from)?);
            if entry.file_type()?.is_dir() {
                std::fs::create_dir_all(&target)?;
                stack.push(path);
            } else if std::fs::hard_link(&path, &target).is_err() {
                std::fs::copy(&path, &target)?;
            }
        }
    }
    Ok(())
}

/// Writes a file without touching the inode another version may share,
/// flushed to the disk before it returns (the stamp, written last, then
/// vouches for files that are all on the disk).
fn write_file(root: &Path, rel: &str, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let path = root.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let _ = std::fs::remove_file(&path);
    (|| {
        let mut f = std::fs::File::create(&path)?;
        f.write_all(bytes)?;
        f.sync_data()
    })()
    .with_context(|| format!("cannot write {}", path.display()))
}

/// Renders the site into `options.out`.
pub async fn run(state: &AppState, options: &Options) -> anyhow::Result<Report> {
    // Version folders are linked by absolute path.
    let out = &std::path::absolute(&options.out)
        .with_context(|| format!("cannot use {}", options.out.display()))?;
    if out.exists() && !out.is_symlink() {
        bail!(
            "{} exists and is not an export (exports are published as a symbolic link to a version folder); \
             choose another path or remove it",
            out.display()
        );
    }
    let versions = versions_dir(out);
    std::fs::create_dir_all(&versions)
        .with_context(|| format!("cannot create {}", versions.display()))?;
    // One export at a time per output (a CLI run beside `serve
    // --export-dir`): an incremental one rewrites a version in place. The
    // lock is released when the file is closed, also if the process dies.
    let lock_path = versions.join(".lock");
    let lock = std::fs::File::create(&lock_path)
        .with_context(|| format!("cannot create {}", lock_path.display()))?;
    loop {
        match lock.try_lock() {
            Ok(()) => break,
            Err(std::fs::TryLockError::WouldBlock) => {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(e).with_context(|| format!("cannot lock {}", lock_path.display()));
            }
        }
    }
    state.changes.poll(&state.db).await?;
    let seq = state.changes.current();
    let data = SiteData::load(state).await?;
    let order = articles::listed_order(&state.db).await?;

    let previous = std::fs::read_link(out).ok().map(|p| {
        if p.is_absolute() {
            p
        } else {
            out.with_file_name(p)
        }
    });
    let previous_stamp: Option<Stamp> = previous
        .as_ref()
        .and_then(|p| std::fs::read(p.join(STAMP)).ok())
        .and_then(|b| serde_json::from_slice(&b).ok());
    let mut plan: Option<Plan> = None;
    let mut base_lists = BTreeMap::new();
    let mut version: Option<PathBuf> = None;
    if options.incremental {
        // Cheapest: bring the version published before the current one up to
        // date in place. Nobody is sent to it any more, and `write_file`
        // never changes an inode the published version shares. Its stamp goes
        // first, so an export stopped half-way leaves it unused.
        if let Some((older, stamp)) = older_version(&versions, previous.as_deref())
            && let Some(p) = touched(state, &data, &stamp, &order).await?
        {
            std::fs::remove_file(older.join(STAMP))
                .with_context(|| format!("cannot update {}", older.display()))?;
            plan = Some(p);
            base_lists = stamp.lists;
            version = Some(older);
        } else if let (Some(prev), Some(stamp)) = (&previous, previous_stamp)
            && let Some(p) = touched(state, &data, &stamp, &order).await?
        {
            let fresh = new_version(&versions)?;
            link_tree(prev, &fresh).context("cannot start from the previous export")?;
            plan = Some(p);
            base_lists = stamp.lists;
            version = Some(fresh);
        }
    }
    let version = match version {
        Some(v) => v,
        None => new_version(&versions)?,
    };
    let full = plan.is_none();
    let pages = match full {
        true => all_pages(&data, &order),
        false => Vec::new(),
    };
    // Channel lists are rendered a channel at a time from one read of its
    // whole list (page by page, each page would count and skip through the
    // list again: quadratic in the channel's size). A full export renders
    // articles a channel at a time too; everything else one by one.
    let (todo, lists): (Vec<Page>, Option<BTreeSet<String>>) = match plan {
        Some(p) => (p.pages.into_iter().collect(), Some(p.channels)),
        None => (
            pages
                .iter()
                .filter(|p| !matches!(p, Page::Article(_) | Page::Channel(..)))
                .cloned()
                .collect(),
            None,
        ),
    };

    let work = if full { pages.len() } else { todo.len() };
    let bar = options.progress.then(|| {
        let bar = indicatif::ProgressBar::new(work as u64);
        bar.set_style(crate::human::progress_style(
            "[{bar:40}] {pos}/{len} 个页面（{rate}，剩余 {left}）",
            "个",
        ));
        bar
    });
    let (mut rendered, gone) = render_all(state, &version, todo, bar.as_ref()).await?;
    let (n, gone_lists, lists) =
        render_channel_lists(state, &data, &version, lists, base_lists, bar.as_ref()).await?;
    rendered += n;
    if full {
        rendered += render_articles_by_channel(state, &data, &version, bar.as_ref()).await?;
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }

    // A full export starts from an empty folder; an incremental one removed
    // the pages of articles no longer listed and list pages past the end.
    let removed = gone + gone_lists;
    for asset in crate::assets::all() {
        write_file(&version, &format!("static/{}", asset.hashed), asset.bytes)?;
        write_file(&version, &format!("static/{}", asset.name), asset.bytes)?;
    }
    let media_from = crate::media::media_dir(&state.config.data_dir);
    crate::media_dir::mirror_tree(&media_from, &version.join("media"))?;
    let stamp = Stamp {
        seq,
        build: BUILD.into(),
        lists,
        order,
    };
    // Last, once every file is on the disk: a version without its stamp
    // (an export killed or failed half-way) is never published or reused.
    crate::media_dir::write_durably(&version.join(STAMP), &serde_json::to_vec(&stamp)?)?;

    // Publish: a new link renamed over the old one is atomic.
    let link_tmp = out.with_file_name(format!(
        ".{}.link-{}",
        out.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default(),
        std::process::id()
    ));
    let _ = std::fs::remove_file(&link_tmp);
    std::os::unix::fs::symlink(&version, &link_tmp).context("cannot create the publishing link")?;
    std::fs::rename(&link_tmp, out).with_context(|| format!("cannot publish {}", out.display()))?;
    if let Some(parent) = out.parent() {
        crate::media_dir::sync_dir(parent);
    }
    // Keep the previous version (someone may still be reading it); drop older.
    if let Ok(entries) = std::fs::read_dir(&versions) {
        for e in entries.flatten() {
            let p = e.path();
            if p != version && Some(&p) != previous.as_ref() {
                let _ = std::fs::remove_dir_all(&p);
            }
        }
    }
    Ok(Report {
        rendered,
        removed,
        full,
        version,
    })
}

/// Renders the pages with a few workers; returns (rendered, removed): a
/// page that no longer exists has its file removed.
async fn render_all(
    state: &AppState,
    root: &Path,
    todo: Vec<Page>,
    bar: Option<&indicatif::ProgressBar>,
) -> anyhow::Result<(usize, usize)> {
    let todo = Arc::new(std::sync::Mutex::new(todo));
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..4 {
        let (state, root, todo) = (state.clone(), root.to_path_buf(), todo.clone());
        let bar = bar.cloned();
        set.spawn(async move {
            let (mut n, mut gone) = (0usize, 0usize);
            loop {
                let next = todo.lock().unwrap_or_else(|e| e.into_inner()).pop();
                let Some(page) = next else { break };
                match render(&state, &page).await? {
                    Some(html) => {
                        write_file(&root, &page.file(), html.as_bytes())?;
                        n += 1;
                    }
                    None => {
                        if std::fs::remove_file(root.join(page.file())).is_ok() {
                            gone += 1;
                        }
                    }
                }
                if let Some(bar) = &bar {
                    bar.inc(1);
                }
            }
            anyhow::Ok((n, gone))
        });
    }
    let (mut total, mut removed) = (0, 0);
    while let Some(done) = set.join_next().await {
        let (n, gone) = done.context("an export worker stopped")??;
        total += n;
        removed += gone;
    }
    Ok((total, removed))
}

/// Renders channel list pages from one read of each channel's whole list,
/// with two workers: every page of every channel, or, for the channels
/// named, the pages whose hash differs from the one the version had (all of
/// a channel's pages when its page count changed), removing pages past a
/// channel's last. Returns the pages rendered and removed and the hashes of
/// every channel's pages now.
async fn render_channel_lists(
    state: &AppState,
    data: &Arc<SiteData>,
    root: &Path,
    only: Option<BTreeSet<String>>,
    mut hashes: BTreeMap<String, Vec<u64>>,
    bar: Option<&indicatif::ProgressBar>,
) -> anyhow::Result<(usize, usize, BTreeMap<String, Vec<u64>>)> {
    let channels: Vec<(i64, Option<Vec<u64>>)> = data
        .tree
        .all()
        .iter()
        .filter(|c| only.as_ref().is_none_or(|o| o.contains(&c.slug)))
        .map(|c| (c.id, only.as_ref().and_then(|_| hashes.remove(&c.slug))))
        .collect();
    // Channels no longer in the tree drop out; untouched ones keep theirs.
    if only.is_none() {
        hashes.clear();
    }
    hashes.retain(|slug, _| data.tree.all().iter().any(|c| &c.slug == slug));
    let queue = Arc::new(std::sync::Mutex::new(channels));
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..2 {
        let (state, data, root, queue) = (
            state.clone(),
            data.clone(),
            root.to_path_buf(),
            queue.clone(),
        );
        let bar = bar.cloned();
        set.spawn(async move {
            let (mut n, mut gone) = (0usize, 0usize);
            let mut done = Vec::new();
            loop {
                let next = queue.lock().unwrap_or_else(|e| e.into_inner()).pop();
                let Some((id, before)) = next else { break };
                let Some(channel) = data.tree.get(id).cloned() else {
                    continue;
                };
                let ids = data.tree.with_descendants(id);
                let list = articles::list_in_channels(&state.db, &ids, 0, i64::MAX).await?;
                let total = channel::pages_for(list.len() as i64);
                let slices: Vec<&[articles::ArticleSummary]> = (1..=total)
                    .map(|page| {
                        let from = ((page - 1) * PER_PAGE) as usize;
                        let to = (from + PER_PAGE as usize).min(list.len());
                        list.get(from..to).unwrap_or_default()
                    })
                    .collect();
                let now: Vec<u64> = slices.iter().map(|s| list_page_hash(s, total)).collect();
                for (i, slice) in slices.iter().enumerate() {
                    let page = i as i64 + 1;
                    if before.as_ref().is_some_and(|b| b.get(i) == Some(&now[i])) {
                        continue;
                    }
                    let html = channel::render_channel_view(
                        &state, &data, &channel, page, total, slice, "m",
                    )
                    .map_err(|e| anyhow::anyhow!("channel {} page {page}: {e}", channel.slug))?;
                    write_file(
                        &root,
                        &Page::Channel(channel.slug.clone(), page).file(),
                        html.as_bytes(),
                    )?;
                    n += 1;
                    if let Some(bar) = &bar {
                        bar.inc(1);
                    }
                }
                let mut past = total + 1;
                while std::fs::remove_file(
                    root.join(Page::Channel(channel.slug.clone(), past).file()),
                )
                .is_ok()
                {
                    gone += 1;
                    past += 1;
                }
                done.push((channel.slug.clone(), now));
            }
            anyhow::Ok((n, gone, done))
        });
    }
    let (mut total, mut removed) = (0, 0);
    while let Some(result) = set.join_next().await {
        let (n, gone, done) = result.context("an export worker stopped")??;
        total += n;
        removed += gone;
        hashes.extend(done);
    }
    Ok((total, removed, hashes))
}

/// Renders every listed article, a channel at a time, with a few workers.
async fn render_articles_by_channel(
    state: &AppState,
    data: &Arc<SiteData>,
    root: &Path,
    bar: Option<&indicatif::ProgressBar>,
) -> anyhow::Result<usize> {
    let channels: Vec<i64> = data.tree.all().iter().map(|c| c.id).collect();
    let queue = Arc::new(std::sync::Mutex::new(channels));
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..2 {
        let (state, data, root, queue) = (
            state.clone(),
            data.clone(),
            root.to_path_buf(),
            queue.clone(),
        );
        let bar = bar.cloned();
        set.spawn(async move {
            let mut n = 0usize;
            loop {
                let next = queue.lock().unwrap_or_else(|e| e.into_inner()).pop();
                let Some(channel) = next else { break };
                let list = articles::listed_in_channel(&state.db, channel).await?;
                let nearby: Vec<articles::Nearby> = list.iter().map(Into::into).collect();
                for (i, a) in list.iter().enumerate() {
                    // Same windows as `articles::around`: nearest first on each side.
                    let newer = nearby[i + 1..(i + 7).min(list.len())].to_vec();
                    let older = nearby[i.saturating_sub(6)..i]
                        .iter()
                        .rev()
                        .cloned()
                        .collect();
                    let html =
                        article::render_article_view(&state, &data, a, newer, older, "m", false)
                            .map_err(|e| anyhow::anyhow!("article {}: {e}", a.id))?;
                    write_file(&root, &Page::Article(a.id).file(), html.as_bytes())?;
                    n += 1;
                    if let Some(bar) = &bar {
                        bar.inc(1);
                    }
                }
            }
            anyhow::Ok(n)
        });
    }
    let mut total = 0;
    while let Some(done) = set.join_next().await {
        total += done.context("an export worker stopped")??;
    }
    Ok(total)
}

/// Keeps an export current: re-exports incrementally whenever the change
/// number moves (`fupin serve --export-dir`).
pub fn spawn_keeper(state: &AppState, out: PathBuf) -> tokio::task::JoinHandle<()> {
    let state = state.clone();
    tokio::spawn(async move {
        let mut rx = state.changes.subscribe();
        let options = Options {
            out,
            incremental: true,
            progress: false,
        };
        loop {
            match run(&state, &options).await {
                Ok(r) => tracing::info!(
                    rendered = r.rendered,
                    removed = r.removed,
                    full = r.full,
                    "export updated"
                ),
                Err(e) => tracing::warn!(error = format!("{e:#}"), "export not updated"),
            }
            if rx.changed().await.is_err() {
                break;
            }
            // Let a burst of changes settle into one export.
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_map_to_files_that_serve_their_addresses() {
        assert_eq!(Page::Home.file(), "index.html");
        assert_eq!(
            Page::Channel("dishi-lianbo".into(), 1).file(),
            "c/dishi-lianbo/index.html"
        );
        assert_eq!(
            Page::Channel("dishi-lianbo".into(), 3).file(),
            "c/dishi-lianbo/page/3/index.html"
        );
        assert_eq!(Page::Article(42).file(), "a/42.html");
        assert_eq!(Page::Single("about".into()).file(), "p/about.html");
        assert_eq!(
            crate::web::site::layout::channel_url("x", 3),
            "/c/x/page/3/"
        );
    }
}
