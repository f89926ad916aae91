//! 访问统计 in the back office: for a chosen period, the daily views and
//! visitors (a chart drawn on the server as SVG, and the same numbers as a
//! table), the most read articles and channels, the busiest pages, the
//! referring sites, the search terms and the share of phones — and all of
//! it as CSV. Counts come from the batched visit statistics (see `stats`);
//! what an instance has not flushed yet appears within seconds.

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::Serialize;

use super::mailbox_report::{Days, Period};
use super::view::{self, AdminPage, Flash};
use super::{AdminRoutes, CurrentUser};
use crate::app::AppState;
use crate::assets;
use crate::auth::Perm;
use crate::csv_text;
use crate::db::articles;
use crate::db::channels::ChannelTree;
use crate::db::visits::{self, KeyTotal};
use crate::error::AppResult;
use crate::stats::agent::Device;
use crate::stats::{chart, kind};
use crate::web::site::layout::{article_url, channel_url, encode_query};

/// Routes of this file.
pub fn router() -> AdminRoutes {
    AdminRoutes::new()
        .get("/admin/stats", Perm::Publish, show_stats)
        .get("/admin/stats/chart.svg", Perm::Publish, show_chart)
        .get("/admin/stats/export.csv", Perm::Publish, export_stats)
}

/// Days shown when none are chosen.
const DEFAULT_DAYS: i64 = 30;
/// The longest period.
const MAX_DAYS: i64 = 366;
/// Rows per top list.
const TOP: i64 = 20;

/// One line of a top list.
#[derive(Debug, Serialize)]
struct TopLine {
    label: String,
    url: Option<String>,
    views: i64,
    visitors: i64,
}

#[derive(Debug, Serialize)]
struct DayLine {
    date: String,
    views: i64,
    visitors: i64,
}

/// Everything the page and the export show.
#[derive(Debug, Serialize)]
struct Numbers {
    days: Vec<DayLine>,
    total_views: i64,
    total_visitors: i64,
    articles: Vec<TopLine>,
    channels: Vec<TopLine>,
    pages: Vec<TopLine>,
    referrers: Vec<TopLine>,
    searches: Vec<TopLine>,
    devices: Vec<TopLine>,
}

fn yyyymmdd(d: NaiveDate) -> i64 {
    d.format("%Y%m%d").to_string().parse().unwrap_or(0)
}

async fn numbers(state: &AppState, days: &Days) -> AppResult<Numbers> {
    let (from, to) = days.day_numbers();
    let stored = visits::days(&state.db, kind::SITE, from, to).await?;
    let series: Vec<DayLine> = days
        .each()
        .into_iter()
        .map(|d| {
            let row = stored.iter().find(|r| r.day == yyyymmdd(d));
            DayLine {
                date: d.to_string(),
                views: row.map_or(0, |r| r.views),
                visitors: row.map_or(0, |r| r.visitors),
            }
        })
        .collect();
    let top = |k: &'static str| visits::top(&state.db, k, from, to, TOP);
    let tree = ChannelTree::load(&state.db).await?;
    let mut article_lines = Vec::new();
    for t in top(kind::ARTICLE).await? {
        let id = t.key.parse::<i64>().unwrap_or(0);
        let title = match articles::get(&state.db, id).await? {
            Some(a) => a.fields.title,
            None => format!("（已删除的文章 #{id}）"),
        };
        article_lines.push(line(title, Some(article_url(id)), &t));
    }
    let channels = top(kind::CHANNEL)
        .await?
        .iter()
        .map(|t| {
            let c = t.key.parse::<i64>().ok().and_then(|id| tree.get(id));
            match c {
                Some(c) => line(c.name.clone(), Some(channel_url(&c.slug, 1)), t),
                None => line(format!("（已删除的栏目 #{}）", t.key), None, t),
            }
        })
        .collect();
    let plain = |rows: Vec<KeyTotal>, link: bool| -> Vec<TopLine> {
        rows.iter()
            .map(|t| {
                // Only our own paths become links.
                let local = t.key.starts_with('/') && !t.key.starts_with("//");
                line(t.key.clone(), (link && local).then(|| t.key.clone()), t)
            })
            .collect()
    };
    let searches = top(kind::SEARCH)
        .await?
        .iter()
        .map(|t| {
            line(
                t.key.clone(),
                Some(format!("/search?q={}", encode_query(&t.key))),
                t,
            )
        })
        .collect();
    let devices = top(kind::DEVICE)
        .await?
        .iter()
        .map(|t| line(Device::label_of(&t.key).to_string(), None, t))
        .collect();
    Ok(Numbers {
        total_views: series.iter().map(|d| d.views).sum(),
        total_visitors: series.iter().map(|d| d.visitors).sum(),
        days: series,
        articles: article_lines,
        channels,
        pages: plain(top(kind::PATH).await?, true),
        referrers: plain(top(kind::REFERRER).await?, false),
        searches,
        devices,
    })
}

fn line(label: String, url: Option<String>, t: &KeyTotal) -> TopLine {
    TopLine {
        label,
        url,
        views: t.views,
        visitors: t.visitors,
    }
}

#[derive(Serialize)]
struct StatsPage {
    stats_css: String,
    from: String,
    to: String,
    range_query: String,
    chart_alt: String,
    numbers: Numbers,
    pending_note: bool,
}

fn range_query(days: &Days) -> String {
    format!("from={}&to={}", days.from, days.to)
}

async fn show_stats(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(p): Query<Period>,
) -> AppResult<Response> {
    let (days, problem) = p.resolve(DEFAULT_DAYS, MAX_DAYS);
    let numbers = numbers(&state, &days).await?;
    let chart_alt = format!(
        "{} 至 {} 每日浏览量和访客数折线图：共 {} 次浏览，{} 位访客（按日计）。逐日数字见下表。",
        days.from, days.to, numbers.total_views, numbers.total_visitors
    );
    view::render(
        &state,
        AdminPage {
            user: Some(&user),
            active: "stats",
            title: "访问统计",
            flash: problem.map(Flash::error),
        },
        "admin/stats.html",
        StatsPage {
            stats_css: assets::url("admin/mailbox.css"),
            from: days.from.to_string(),
            to: days.to.to_string(),
            range_query: range_query(&days),
            chart_alt,
            numbers,
            pending_note: state.hits.enabled(),
        },
    )
    .await
}

/// `narrow=1`: the phone's drawing (see `chart::Size`).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct ChartShape {
    narrow: String,
}

async fn show_chart(
    State(state): State<AppState>,
    _user: CurrentUser,
    Query(p): Query<Period>,
    Query(shape): Query<ChartShape>,
) -> AppResult<Response> {
    let size = if shape.narrow == "1" {
        chart::Size::NARROW
    } else {
        chart::Size::WIDE
    };
    let (days, _) = p.resolve(DEFAULT_DAYS, MAX_DAYS);
    let (from, to) = days.day_numbers();
    let stored = visits::days(&state.db, kind::SITE, from, to).await?;
    let each = days.each();
    let value = |d: NaiveDate, visitors: bool| {
        stored
            .iter()
            .find(|r| r.day == yyyymmdd(d))
            .map_or(0, |r| if visitors { r.visitors } else { r.views })
    };
    let labels: Vec<String> = each.iter().map(|d| d.format("%m-%d").to_string()).collect();
    let svg = chart::line_chart_sized(
        &format!("{} 至 {} 每日浏览量和访客数", days.from, days.to),
        &labels,
        &[
            chart::Series {
                label: "浏览量".into(),
                colour: "#b3202a",
                values: each.iter().map(|d| value(*d, false)).collect(),
            },
            chart::Series {
                label: "访客数".into(),
                colour: "#1f5f9e",
                values: each.iter().map(|d| value(*d, true)).collect(),
            },
        ],
        size,
    );
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml; charset=utf-8"),
            // An image needs nothing: no script, no style sheet, no fetch.
            (header::CONTENT_SECURITY_POLICY, "default-src 'none'"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        svg,
    )
        .into_response())
}

async fn export_stats(
    State(state): State<AppState>,
    _user: CurrentUser,
    Query(p): Query<Period>,
) -> AppResult<Response> {
    let (days, _) = p.resolve(DEFAULT_DAYS, MAX_DAYS);
    let n = numbers(&state, &days).await?;
    let mut out = String::from(csv_text::BOM);
    out.push_str(&csv_text::row(&[
        "类别",
        "名称",
        "浏览量",
        "访客数（按日计）",
    ]));
    let mut push = |section: &str, label: &str, views: i64, visitors: i64| {
        out.push_str(&csv_text::row(&[
            section,
            label,
            &views.to_string(),
            &visitors.to_string(),
        ]));
    };
    for d in &n.days {
        push("每日", &d.date, d.views, d.visitors);
    }
    for (section, lines) in [
        ("文章", &n.articles),
        ("栏目", &n.channels),
        ("页面", &n.pages),
        ("来源网站", &n.referrers),
        ("搜索词", &n.searches),
        ("设备", &n.devices),
    ] {
        for l in lines {
            push(section, &l.label, l.views, l.visitors);
        }
    }
    let name = format!("stats-{}-{}.csv", yyyymmdd(days.from), yyyymmdd(days.to));
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        out,
    )
        .into_response())
}
