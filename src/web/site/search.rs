//! The public search page `/search?q=&channel=&from=&to=&sort=&page=`: the
//! header's search box leads here. Every parameter is read leniently (a
//! malformed date or an unknown channel is ignored with a note, never an
//! error page), and only published, visible documents are found.

use super::Pagination;
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Html;
use axum::routing::get;
use chrono::{NaiveDate, TimeZone};
use chrono_tz::Asia::Shanghai;
use serde::Serialize;

use super::layout::{self, PageCtx, PageMeta, SiteData, article_url, channel_url, date, page_url};
use crate::app::AppState;
use crate::db::channels::ChannelTree;
use crate::error::AppResult;
use crate::search::{self, SearchHit, SearchQuery, Sort};

/// Results per page.
pub const PER_PAGE: i64 = 20;

/// Routes of this file.
pub fn router() -> Router<AppState> {
    Router::new().route("/search", get(show_search))
}

/// The page's parameters as typed (kept to refill the form and links).
#[derive(Debug, Default, Clone, Serialize)]
struct Params {
    q: String,
    channel: String,
    from: String,
    to: String,
    sort: String,
    page: i64,
}

impl Params {
    fn parse(raw: Option<&str>) -> Params {
        let mut p = Params {
            page: 1,
            ..Params::default()
        };
        let mut seen = Vec::new();
        for (key, value) in url::form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            if seen.contains(&key) {
                continue; // the first value of a repeated parameter counts
            }
            let value: String = value.chars().take(2000).collect();
            match key.as_ref() {
                "q" => p.q = value.trim().to_string(),
                "channel" => p.channel = value,
                "from" => p.from = value.trim().to_string(),
                "to" => p.to = value.trim().to_string(),
                "sort" => p.sort = value,
                "page" => p.page = value.trim().parse().unwrap_or(1).clamp(1, 10_000),
                _ => {}
            }
            seen.push(key);
        }
        p
    }

    /// The address of another page of the same search.
    fn url(&self, page: i64) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        s.append_pair("q", &self.q);
        for (k, v) in [
            ("channel", &self.channel),
            ("from", &self.from),
            ("to", &self.to),
            ("sort", &self.sort),
        ] {
            if !v.is_empty() {
                s.append_pair(k, v);
            }
        }
        if page > 1 {
            s.append_pair("page", &page.to_string());
        }
        format!("/search?{}", s.finish())
    }
}

/// Midnight in Shanghai of a `2013-09-02` date, plus `days`.
fn day_start(text: &str, days: i64) -> Option<i64> {
    let d = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    let d = d.checked_add_signed(chrono::Duration::days(days))?;
    let t = Shanghai
        .from_local_datetime(&d.and_hms_opt(0, 0, 0)?)
        .earliest()?;
    Some(t.timestamp())
}

#[derive(Serialize)]
struct ChannelOption {
    slug: String,
    label: String,
    selected: bool,
}

#[derive(Serialize)]
struct HitView {
    url: String,
    title_html: String,
    snippet_html: String,
    channel_name: String,
    channel_url: Option<String>,
    date: String,
}

#[derive(Serialize)]
struct SearchPage {
    params: Params,
    searched: bool,
    channels: Vec<ChannelOption>,
    notices: Vec<String>,
    total: i64,
    capped: bool,
    hits: Vec<HitView>,
    pagination: Option<Pagination>,
}

fn channel_options(tree: &ChannelTree, selected: &str) -> Vec<ChannelOption> {
    let mut out = Vec::new();
    for c in tree.all() {
        let depth = tree.ancestry(c.id).len().saturating_sub(1);
        out.push(ChannelOption {
            slug: c.slug.clone(),
            label: format!("{}{}", "\u{3000}".repeat(depth), c.name),
            selected: c.slug == selected,
        });
    }
    out
}

fn hit_view(tree: &ChannelTree, hit: SearchHit) -> HitView {
    let (url, channel_name, channel_link) = match (hit.channel_id, &hit.page_slug) {
        (_, Some(slug)) => (page_url(slug), "单页".to_string(), None),
        (Some(id), None) => match tree.get(id) {
            Some(c) => (
                article_url(hit.id),
                c.name.clone(),
                Some(channel_url(&c.slug, 1)),
            ),
            None => (article_url(hit.id), String::new(), None),
        },
        (None, None) => (article_url(hit.id), String::new(), None),
    };
    HitView {
        url,
        title_html: hit.title_html,
        snippet_html: hit.snippet_html,
        channel_name,
        channel_url: channel_link,
        date: date(hit.at),
    }
}

async fn show_search(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> AppResult<Html<String>> {
    let params = Params::parse(raw.as_deref());
    let data = SiteData::load(&state).await?;
    let mut notices = Vec::new();

    let mut channel_ids = Vec::new();
    if !params.channel.is_empty() {
        match data.tree.by_slug(&params.channel) {
            Some(c) => channel_ids = data.tree.with_descendants(c.id),
            None => notices.push("所选栏目不存在，已在全部栏目中搜索。".to_string()),
        }
    }
    let mut from = None;
    let mut to = None;
    for (text, slot, shift, label) in [
        (&params.from, &mut from, 0, "起始日期"),
        (&params.to, &mut to, 1, "截止日期"),
    ] {
        if text.is_empty() {
            continue;
        }
        match day_start(text, shift) {
            Some(t) => *slot = Some(t),
            None => notices.push(format!("{label}格式应为 2013-09-02，已忽略。")),
        }
    }
    if let (Some(f), Some(t)) = (from, to)
        && f >= t
    {
        notices.push("起始日期晚于截止日期，已忽略日期范围。".to_string());
        from = None;
        to = None;
    }
    let sort = if params.sort == "date" {
        Sort::Date
    } else {
        Sort::Relevance
    };

    let results = search::search(
        &state.db,
        &SearchQuery {
            text: params.q.clone(),
            channel_ids,
            from,
            to,
            sort,
            include_unpublished: false,
            page: params.page,
            per_page: PER_PAGE,
        },
    )
    .await?;

    let page = results.page;
    let pagination =
        (results.pages > 1).then(|| Pagination::new(page, results.pages, |n| params.url(n)));
    let view = SearchPage {
        searched: !results.terms.is_empty(),
        channels: channel_options(&data.tree, &params.channel),
        notices,
        total: results.total,
        capped: results.capped,
        hits: results
            .hits
            .into_iter()
            .map(|h| hit_view(&data.tree, h))
            .collect(),
        pagination,
        params: params.clone(),
    };
    let title = if params.q.is_empty() {
        "站内搜索".to_string()
    } else {
        let short: String = params.q.chars().take(30).collect();
        format!("搜索：{short}")
    };
    let meta = PageMeta {
        title_parts: vec![title],
        path: params.url(page),
        ..PageMeta::default()
    };
    let mut layout = layout::build(&state, &data, meta, layout::font_size_of(&headers));
    layout.search_query = params.q.chars().take(200).collect();
    Ok(Html(state.templates.render_page(
        "site/search.html",
        &PageCtx {
            layout: &layout,
            page: view,
        },
    )?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_read_leniently() {
        let p = Params::parse(Some(
            "q=%E6%89%B6%E8%B4%AB&page=x&page=3&sort=date&from=2013-01-01&zz=1",
        ));
        assert_eq!(p.q, "扶贫");
        assert_eq!(p.page, 1);
        assert_eq!(p.sort, "date");
        assert_eq!(
            p.url(2),
            "/search?q=%E6%89%B6%E8%B4%AB&from=2013-01-01&sort=date&page=2"
        );
        let p = Params::parse(Some("q=%FF%FE&page=-5"));
        assert_eq!(p.page, 1);
        assert_eq!(Params::parse(None).q, "");
    }

    #[test]
    fn dates_are_shanghai_days() {
        // 2013-09-02 00:00 in Shanghai is 2013-09-01 16:00 UTC.
        assert_eq!(day_start("2013-09-02", 0), Some(1_378_051_200));
        assert_eq!(day_start("2013-09-02", 1), Some(1_378_137_600));
        assert_eq!(day_start("2013-13-02", 0), None);
        assert_eq!(day_start("' OR 1=1", 0), None);
    }
}
