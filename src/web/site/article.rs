//! The article page: one `<article>` with title, subtitle, 加入时间, 来源,
//! author, 点击数 and body; around it the breadcrumb, 上一篇/下一篇 and related
//! articles. Each view is counted in memory with the visit statistics
//! (see `stats`), which also feed the 点击数.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Serialize;

use super::layout::{self, OpenGraph, PageCtx, PageMeta, SiteData, article_url, channel_url};
use super::{Crumb, base, breadcrumb};
use crate::app::AppState;
use crate::db::articles::{self, Article, Nearby};
use crate::error::{AppError, AppResult};
use crate::html::{text_of, truncate_chars};

/// Routes of this file.
pub fn router() -> Router<AppState> {
    Router::new().route("/a/{file}", get(show_article))
}

#[derive(Serialize)]
struct ArticleView<'a> {
    title: &'a str,
    subtitle: Option<&'a str>,
    date: String,
    source: Option<&'a str>,
    author: Option<&'a str>,
    editor: Option<&'a str>,
    hits: i64,
    body_html: &'a str,
    cover: Option<&'a str>,
    channel_name: String,
    channel_url: String,
}

#[derive(Serialize)]
struct Neighbour<'a> {
    title: &'a str,
    url: String,
}

/// One entry of 相关文章.
#[derive(Serialize)]
struct Related<'a> {
    title: &'a str,
    url: String,
    date: String,
}

#[derive(Serialize)]
struct ArticlePage<'a> {
    preview: bool,
    breadcrumb: Vec<Crumb>,
    article: ArticleView<'a>,
    prev: Option<Neighbour<'a>>,
    next: Option<Neighbour<'a>>,
    related: Vec<Related<'a>>,
}

fn non_empty(s: &str) -> Option<&str> {
    let t = s.trim();
    (!t.is_empty()).then_some(t)
}

/// The description of an article: its summary or the start of its text.
pub fn description_of(article: &Article) -> String {
    match non_empty(&article.summary) {
        Some(s) => s.to_string(),
        None => truncate_chars(&text_of(&article.body_html), 120),
    }
}

/// Renders a visible article; `None` when there is none with this id.
pub async fn render_article(
    state: &AppState,
    id: i64,
    font: &'static str,
) -> AppResult<Option<String>> {
    let Some((article, newer, older)) =
        articles::visible_with_around(&state.db, id, articles::ARTICLE_PAGE_NEARBY).await?
    else {
        return Ok(None);
    };
    let data = SiteData::load(state).await?;
    Ok(Some(render_article_view(
        state, &data, &article, newer, older, font, false,
    )?))
}

/// Renders an article as the public page shows it; `preview` marks the
/// back office's preview of an article that may not be published.
pub async fn render_article_page(
    state: &AppState,
    article: &Article,
    font: &'static str,
    preview: bool,
) -> AppResult<String> {
    let data = SiteData::load(state).await?;
    let (newer_list, older_list) =
        articles::around(&state.db, article, articles::ARTICLE_PAGE_NEARBY).await?;
    render_article_view(state, &data, article, newer_list, older_list, font, preview)
}

/// Renders an article page from data already loaded: the layout's data and
/// the articles nearest in time on each side (nearest first), as
/// [`articles::around`] returns them. The export renders whole channels
/// this way from one query.
pub fn render_article_view(
    state: &AppState,
    data: &SiteData,
    article: &Article,
    newer_list: Vec<Nearby>,
    older_list: Vec<Nearby>,
    font: &'static str,
    preview: bool,
) -> AppResult<String> {
    let related = articles::nearest(article, &newer_list, &older_list, 6);
    let newer = newer_list.first();
    let older = older_list.first();
    let channel = data.tree.get(article.channel_id).cloned();
    let (channel_name, channel_link) = channel
        .as_ref()
        .map(|c| (c.name.clone(), channel_url(&c.slug, 1)))
        .unwrap_or_default();
    let description = description_of(article);
    let base = state.config.base_url.trim_end_matches('/').to_string();
    let absolute = |u: &str| {
        if u.starts_with("http://") || u.starts_with("https://") {
            u.to_string()
        } else {
            format!("{base}{u}")
        }
    };
    let view = ArticlePage {
        preview,
        breadcrumb: breadcrumb(&data.tree, article.channel_id),
        article: ArticleView {
            title: &article.title,
            subtitle: non_empty(&article.subtitle),
            date: layout::date(article.published_at),
            source: non_empty(&article.source),
            author: non_empty(&article.author),
            editor: non_empty(&article.editor),
            hits: article.hits + state.hits.pending(article.id),
            body_html: &article.body_html,
            cover: non_empty(&article.cover),
            channel_name: channel_name.clone(),
            channel_url: channel_link,
        },
        // 上一篇 is the older article, 下一篇 the newer one, as lists read.
        prev: older.map(|a| Neighbour {
            title: &a.title,
            url: article_url(a.id),
        }),
        next: newer.map(|a| Neighbour {
            title: &a.title,
            url: article_url(a.id),
        }),
        related: related
            .iter()
            .map(|a| Related {
                title: &a.title,
                url: article_url(a.id),
                date: layout::date(a.published_at),
            })
            .collect(),
    };
    let path = article_url(article.id);
    let meta = PageMeta {
        title_parts: vec![article.title.clone(), channel_name],
        description: description.clone(),
        og: Some(OpenGraph {
            kind: "article",
            title: article.title.clone(),
            description,
            url: absolute(&path),
            image: non_empty(&article.cover).map(absolute),
            site_name: data.settings.name.clone(),
        }),
        path,
        channel_id: Some(article.channel_id),
        rss_url: channel.as_ref().map(|c| format!("/c/{}/rss.xml", c.slug)),
    };
    let layout = layout::build(state, data, meta, font);
    let templates = &state.templates;
    if templates.is_builtin("site/base.html") && templates.is_builtin("site/article.html") {
        return Ok(write_page(&layout, &view));
    }
    Ok(state.templates.render_page(
        "site/article.html",
        &PageCtx {
            layout: &layout,
            page: view,
        },
    )?)
}

/// The article page as `templates/site/article.html` renders it within the
/// built-in layout, written out in Rust (see [`base`]).
fn write_page(layout: &layout::Layout, view: &ArticlePage<'_>) -> String {
    let a = &view.article;
    base::page(layout, " page-article", a.body_html.len(), |o| {
        if view.preview {
            o.push_str(
                "<p class=\"preview-notice\" role=\"status\">【预览】这是后台预览，文章尚未按此内容发布。</p>",
            );
        }
        o.push_str("\n<div class=\"reading\">\n");
        if !view.breadcrumb.is_empty() {
            o.push_str(
                "<nav class=\"breadcrumb\" aria-label=\"当前位置\">\n\
                 <span class=\"breadcrumb-label\">当前位置:</span>\n<ol>\n",
            );
            let last = view.breadcrumb.len() - 1;
            for (i, c) in view.breadcrumb.iter().enumerate() {
                o.push_str("<li><a href=\"");
                base::text(o, &c.url);
                o.push('"');
                if i == last {
                    o.push_str(" aria-current=\"page\"");
                }
                o.push('>');
                base::text(o, &c.name);
                o.push_str("</a></li>\n");
            }
            o.push_str("</ol>\n</nav>\n");
        }
        o.push_str(
            "\n<article class=\"article\">\n<header class=\"article-header\">\n\
             <h1 class=\"article-title\">",
        );
        base::text(o, a.title);
        o.push_str("</h1>\n");
        if let Some(subtitle) = a.subtitle {
            base::wrap(o, "<p class=\"article-subtitle\">", subtitle, "</p>");
        }
        base::wrap(
            o,
            "\n<p class=\"article-meta\">\n<span>加入时间:",
            &a.date,
            "</span>\n",
        );
        for (label, value) in [
            ("来源:", a.source),
            ("作者:", a.author),
            ("编辑:", a.editor),
        ] {
            if let Some(value) = value {
                o.push_str("<span>");
                o.push_str(label);
                base::text(o, value);
                o.push_str("</span>");
            }
            o.push('\n');
        }
        o.push_str("<span>点击数:");
        o.push_str(&a.hits.to_string());
        o.push_str("</span>\n</p>\n</header>\n<div class=\"article-body\">");
        // Sanitized when stored, as the template's `safe` says.
        o.push_str(a.body_html);
        o.push_str(
            "</div>\n</article>\n\n\
             <nav class=\"article-pager\" aria-label=\"上一篇和下一篇\">\n",
        );
        for (label, link, rel) in [
            ("上一篇:", &view.prev, "prev"),
            ("下一篇:", &view.next, "next"),
        ] {
            o.push_str("<p class=\"article-pager-item\">\n<span class=\"article-pager-label\">");
            o.push_str(label);
            o.push_str("</span>\n");
            match link {
                Some(n) => {
                    base::wrap(o, "<a href=\"", &n.url, "\" rel=\"");
                    o.push_str(rel);
                    base::wrap(o, "\">", n.title, "</a>");
                }
                None => o.push_str("<span class=\"muted\">没有了</span>"),
            }
            o.push_str("\n</p>\n");
        }
        o.push_str("</nav>\n\n");
        if !view.related.is_empty() {
            o.push_str(
                "<section class=\"related\" aria-labelledby=\"related-heading\">\n\
                 <div class=\"block-head\">\n\
                 <h2 class=\"block-title\" id=\"related-heading\">相关文章</h2>\n\
                 </div>\n<ul class=\"news-list\">\n",
            );
            for item in &view.related {
                base::wrap(o, "<li>\n<a href=\"", &item.url, "\">");
                base::text(o, item.title);
                base::wrap(o, "</a>\n<time datetime=\"", &item.date, "\">");
                base::text(o, &item.date);
                o.push_str("</time>\n</li>\n");
            }
            o.push_str("</ul>\n</section>\n");
        }
        o.push_str("</div>\n");
    })
}

/// The article id of an article address (`/a/{id}.html`).
pub fn article_id_of(path: &str) -> Option<i64> {
    match super::AddressNumber::parse(path.strip_prefix("/a/")?.strip_suffix(".html")?)? {
        super::AddressNumber::Canonical(id) => Some(id),
        super::AddressNumber::Other(_) => None,
    }
}

async fn show_article(
    State(state): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let id = match file
        .strip_suffix(".html")
        .and_then(super::AddressNumber::parse)
        .ok_or(AppError::NotFound)?
    {
        super::AddressNumber::Canonical(id) => id,
        super::AddressNumber::Other(id) => {
            return Ok(Redirect::permanent(&layout::article_url(id)).into_response());
        }
    };
    let html = render_article(&state, id, layout::font_size_of(&headers))
        .await?
        .ok_or(AppError::NotFound)?;
    // The view is counted by `stats::middleware`, with the statistics.
    Ok(Html(html).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::settings::SiteSettings;
    use crate::render::Templates;
    use layout::{FontLinks, Layout, Link, NavItem, TickerItem, Visits};

    fn words(s: &str) -> String {
        s.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    /// What a site with nothing configured still shows, and the branches
    /// the demo site does not reach (the integration test covers those it
    /// does): both ways must give the same markup.
    #[test]
    fn bare_layouts_and_previews_are_written_as_templated() {
        let hostile = "<\"'&>";
        let layout = |nav: Vec<NavItem>, ticker: Vec<TickerItem>, visits, font| Layout {
            page_title: hostile.into(),
            meta_description: String::new(),
            canonical_url: None,
            og: None,
            rss_url: None,
            css_url: "/static/site.css".into(),
            js_url: "/static/site.js".into(),
            icon_url: "/static/favicon.svg".into(),
            site: SiteSettings {
                name: hostile.into(),
                email: "a&b@example.org".into(),
                ..SiteSettings::default()
            },
            today: "2026年11月26日 星期四".into(),
            nav,
            announcements: ticker,
            footer_links: Vec::new(),
            font_size: font,
            care: false,
            care_link: "/care/on?back=%2F".into(),
            phone_parts: Vec::new(),
            hotline_parts: Vec::new(),
            font_links: FontLinks {
                s: "/fontsize/s?back=%2F".into(),
                m: "/fontsize/m?back=%2F".into(),
                l: "/fontsize/l?back=%2F".into(),
            },
            mailbox_url: "/mailbox".into(),
            search_query: hostile.into(),
            search_url: "/search".into(),
            visits,
        };
        let view = || ArticlePage {
            preview: true,
            breadcrumb: Vec::new(),
            article: ArticleView {
                title: hostile,
                subtitle: None,
                date: "2026-11-26".into(),
                source: None,
                author: Some(hostile),
                editor: None,
                hits: 0,
                body_html: "<p>正文</p>",
                cover: None,
                channel_name: String::new(),
                channel_url: String::new(),
            },
            prev: None,
            next: Some(Neighbour {
                title: hostile,
                url: "/a/2.html".into(),
            }),
            related: Vec::new(),
        };
        let home_first = vec![NavItem {
            name: "首页".into(),
            url: "/".into(),
            active: false,
        }];
        let ticker = vec![
            TickerItem {
                text: hostile.into(),
                url: None,
            },
            TickerItem {
                text: "链接".into(),
                url: Some("/a/1.html?x=1&y=2".into()),
            },
        ];
        // Half a footer and a bare Open Graph block: each paragraph with
        // some of its entries, no e-mail link, a ticker entry whose address
        // is empty.
        let mut partial = layout(
            vec![NavItem {
                name: hostile.into(),
                url: "/c/a/".into(),
                active: true,
            }],
            vec![TickerItem {
                text: "无链接".into(),
                url: Some(String::new()),
            }],
            Some(Visits { total: 0, today: 0 }),
            "s",
        );
        partial.site = SiteSettings {
            name: "站名".into(),
            owner: hostile.into(),
            greeting: hostile.into(),
            copyright: hostile.into(),
            sponsor: "主办方".into(),
            address: hostile.into(),
            phone: "020-1".into(),
            ..SiteSettings::default()
        };
        partial.care = true;
        partial.care_link = "/care/off?back=%2F".into();
        partial.og = Some(layout::OpenGraph {
            kind: "article",
            title: hostile.into(),
            description: String::new(),
            url: String::new(),
            image: None,
            site_name: hostile.into(),
        });
        partial.meta_description = hostile.into();
        partial.canonical_url = Some("http://portal.test/a/1.html".into());
        partial.rss_url = Some("/c/a/rss.xml".into());
        let mut phones = layout(Vec::new(), Vec::new(), None, "m");
        phones.site.phone = "020-8388 1234、<b>020-8388 5678</b>".into();
        phones.phone_parts = layout::tel_parts(&phones.site.phone);
        phones.site.donation_hotline = "4000 123 456（工作日）".into();
        phones.hotline_parts = layout::tel_parts(&phones.site.donation_hotline);
        phones.site.fax = "020-1".into();
        let templates = Templates::new(None);
        for layout in [
            phones,
            layout(Vec::new(), Vec::new(), None, "m"),
            layout(home_first, ticker, Some(Visits { total: 3, today: 1 }), "l"),
            partial,
        ] {
            let mut with_links = layout.clone();
            with_links.footer_links = vec![Link {
                title: hostile.into(),
                url: "/p/about.html".into(),
            }];
            for layout in [layout, with_links] {
                let templated = templates
                    .render_page(
                        "site/article.html",
                        &layout::PageCtx {
                            layout: &layout,
                            page: view(),
                        },
                    )
                    .unwrap();
                assert_eq!(words(&write_page(&layout, &view())), words(&templated));
            }
        }
    }
}
