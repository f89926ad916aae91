//! The built-in layout, `templates/site/base.html`, written out in Rust for
//! the page the site serves most: the article page (see ARCHITECTURE.md,
//! "The read path"). The template stays the reference, what every other
//! page extends and what a theme folder overrides; a test renders pages
//! both ways and requires the same markup (whitespace aside).

use super::layout::{Layout, TelPart};

/// Appends text escaped as the templates escape it.
pub(super) fn text(out: &mut String, s: &str) {
    // Writing to a String cannot fail.
    let _ = crate::html::escape_into(out, s);
}

/// Appends `open`, the text escaped, then `close`.
pub(super) fn wrap(out: &mut String, open: &str, value: &str, close: &str) {
    out.push_str(open);
    text(out, value);
    out.push_str(close);
}

/// Appends an attribute ` name="value"` (value escaped).
fn attr(out: &mut String, name: &str, value: &str) {
    out.push(' ');
    out.push_str(name);
    out.push_str("=\"");
    text(out, value);
    out.push('"');
}

/// Appends a setting split into numbers (`tel:` links) and text.
fn tel_parts(out: &mut String, parts: &[TelPart]) {
    for p in parts {
        match &p.tel {
            Some(tel) => {
                out.push_str("<a class=\"tel\" href=\"tel:");
                text(out, tel);
                wrap(out, "\">", &p.text, "</a>");
            }
            None => text(out, &p.text),
        }
    }
}

/// One footer entry: a label and a plain value, or the value's parts with
/// numbers as `tel:` links.
enum Item<'a> {
    Plain(&'a str),
    Tel(&'a str, &'a [TelPart]),
}

impl Item<'_> {
    fn value(&self) -> &str {
        match self {
            Item::Plain(v) | Item::Tel(v, _) => v,
        }
    }
}

/// Appends `<p>` with the non-empty of some `<span class="footer-item">`
/// entries (label, value), then the e-mail address as a link when one is
/// given; nothing when all are empty.
fn footer_line(out: &mut String, items: &[(&str, Item<'_>)], email: &str) {
    if email.is_empty() && items.iter().all(|(_, v)| v.value().is_empty()) {
        return;
    }
    out.push_str("<p>\n");
    for (label, value) in items.iter().filter(|(_, v)| !v.value().is_empty()) {
        out.push_str("<span class=\"footer-item\">");
        out.push_str(label);
        match value {
            Item::Plain(v) => text(out, v),
            Item::Tel(_, parts) => tel_parts(out, parts),
        }
        out.push_str("</span>\n");
    }
    if !email.is_empty() {
        wrap(
            out,
            "<span class=\"footer-item\">邮箱:<a href=\"mailto:",
            email,
            "\">",
        );
        text(out, email);
        out.push_str("</a></span>\n");
    }
    out.push_str("</p>\n");
}

/// A whole page: the layout around what `content` writes, with
/// `body_class` as the `body_class` block. The `head`, `title` and
/// `home_current` blocks are the template's defaults.
pub(super) fn page(
    layout: &Layout,
    body_class: &str,
    capacity: usize,
    content: impl FnOnce(&mut String),
) -> String {
    let l = layout;
    let site = &l.site;
    let mut out = String::with_capacity(capacity + 6_000);
    let o = &mut out;
    o.push_str(
        "<!doctype html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
    );
    text(o, &l.page_title);
    o.push_str("</title>\n");
    if !l.meta_description.is_empty() {
        o.push_str("<meta name=\"description\"");
        attr(o, "content", &l.meta_description);
        o.push_str(">\n");
    }
    if let Some(url) = l.canonical_url.as_deref().filter(|u| !u.is_empty()) {
        o.push_str("<link rel=\"canonical\"");
        attr(o, "href", url);
        o.push_str(">\n");
    }
    if let Some(url) = l.rss_url.as_deref().filter(|u| !u.is_empty()) {
        o.push_str("<link rel=\"alternate\" type=\"application/rss+xml\"");
        attr(o, "title", &site.name);
        attr(o, "href", url);
        o.push_str(">\n");
    }
    if let Some(og) = &l.og {
        let meta = |o: &mut String, property: &str, content: &str| {
            o.push_str("<meta property=\"og:");
            o.push_str(property);
            o.push('"');
            attr(o, "content", content);
            o.push_str(">\n");
        };
        meta(o, "type", og.kind);
        meta(o, "title", &og.title);
        if !og.description.is_empty() {
            meta(o, "description", &og.description);
        }
        if !og.url.is_empty() {
            meta(o, "url", &og.url);
        }
        if let Some(image) = og.image.as_deref().filter(|i| !i.is_empty()) {
            meta(o, "image", image);
        }
        meta(o, "site_name", &og.site_name);
        o.push_str("<meta property=\"og:locale\" content=\"zh_CN\">\n");
    }
    o.push_str("<meta name=\"theme-color\" content=\"#b3202a\">\n<link rel=\"icon\"");
    attr(o, "href", &l.icon_url);
    o.push_str(" type=\"image/svg+xml\">\n<link rel=\"stylesheet\"");
    attr(o, "href", &l.css_url);
    o.push_str(">\n<script");
    attr(o, "src", &l.js_url);
    o.push_str(" defer></script>\n</head>\n<body class=\"fs-");
    text(o, l.font_size);
    if l.care {
        o.push_str(" care");
    }
    text(o, body_class);
    o.push_str(
        "\">\n<a class=\"skip-link\" href=\"#main\">跳到正文</a>\n\n\
         <header class=\"site-header\" id=\"top\">\n<div class=\"topbar\" id=\"site-tools\">\n<div class=\"wrap topbar-inner\">\n\
         <p class=\"today\">今天是:",
    );
    text(o, &l.today);
    o.push_str(
        "</p>\n<p class=\"bookmark-hint\">按 Ctrl+D（Mac ⌘+D）收藏本站</p>\n\
         <div class=\"topbar-tools\">\n\
         <div class=\"font-switch\" role=\"group\" aria-labelledby=\"font-switch-label\">\n\
         <span id=\"font-switch-label\" class=\"font-switch-label\">字号:</span>\n",
    );
    for (size, link, label, name) in [
        ("l", &l.font_links.l, "大字号", "大"),
        ("m", &l.font_links.m, "中字号", "中"),
        ("s", &l.font_links.s, "小字号", "小"),
    ] {
        o.push_str("<a");
        attr(o, "href", link);
        o.push_str(" rel=\"nofollow\"");
        attr(o, "data-fs", size);
        attr(o, "aria-label", label);
        if l.font_size == size {
            o.push_str(" aria-current=\"true\"");
        }
        o.push('>');
        o.push_str(name);
        o.push_str("</a>\n");
    }
    o.push_str("</div>\n<a class=\"care-switch\"");
    attr(o, "href", &l.care_link);
    o.push_str(if l.care {
        " rel=\"nofollow\" data-care=\"0\">标准版</a>\n"
    } else {
        " rel=\"nofollow\" data-care=\"1\">关怀版</a>\n"
    });
    o.push_str("<a class=\"mailbox-link\"");
    attr(o, "href", &l.mailbox_url);
    o.push_str(
        ">秘书长信箱</a>\n</div>\n</div>\n</div>\n\n\
         <div class=\"brandbar\">\n<div class=\"wrap brandbar-inner\">\n\
         <a class=\"brand\" href=\"/\">\n\
         <span class=\"brand-mark\" aria-hidden=\"true\">扶贫</span>\n\
         <span class=\"brand-text\">\n<span class=\"brand-name\">",
    );
    text(o, &site.name);
    o.push_str("</span>\n");
    if !site.owner.is_empty() {
        wrap(o, "<span class=\"brand-owner\">", &site.owner, "</span>");
    }
    o.push_str(
        "\n</span>\n</a>\n<p class=\"phone-tools\">\n\
         <a class=\"phone-tool\" href=\"#site-tools\" aria-controls=\"site-tools\">菜单</a>\n\
         <a class=\"phone-tool\" href=\"#site-search\" aria-controls=\"site-search\">搜索</a>\n</p>\n\
         <form class=\"search\" id=\"site-search\"",
    );
    attr(o, "action", &l.search_url);
    o.push_str(
        " method=\"get\" role=\"search\">\n\
         <label class=\"search-label\" for=\"search-q\">站内搜索</label>\n\
         <input id=\"search-q\" class=\"search-input\" type=\"search\" name=\"q\"",
    );
    attr(o, "value", &l.search_query);
    o.push_str(
        " placeholder=\"输入关键词\" enterkeyhint=\"search\">\n\
         <button class=\"search-button\" type=\"submit\">搜索</button>\n</form>\n</div>\n</div>\n\n\
         <nav class=\"channel-nav\" aria-label=\"栏目导航\">\n<div class=\"wrap\">\n\
         <ul class=\"channel-nav-list\">\n",
    );
    if l.nav.first().is_none_or(|first| first.url != "/") {
        o.push_str("<li><a href=\"/\">首页</a></li>\n");
    }
    for item in &l.nav {
        o.push_str("<li><a");
        attr(o, "href", &item.url);
        if item.active {
            o.push_str(" aria-current=\"page\"");
        }
        o.push('>');
        text(o, &item.name);
        o.push_str("</a></li>\n");
    }
    o.push_str("</ul>\n</div>\n</nav>\n\n");
    if !l.announcements.is_empty() {
        o.push_str(
            "<section class=\"ticker\" aria-labelledby=\"ticker-label\">\n\
             <div class=\"wrap ticker-inner\">\n\
             <p id=\"ticker-label\" class=\"ticker-label\">最新动态</p>\n\
             <div class=\"ticker-viewport\">\n<ul class=\"ticker-list\">\n",
        );
        for a in &l.announcements {
            o.push_str("<li>");
            match a.url.as_deref().filter(|u| !u.is_empty()) {
                Some(url) => {
                    o.push_str("<a");
                    attr(o, "href", url);
                    o.push('>');
                    text(o, &a.text);
                    o.push_str("</a>");
                }
                None => {
                    wrap(o, "<span>", &a.text, "</span>");
                }
            }
            o.push_str("</li>\n");
        }
        o.push_str("</ul>\n</div>\n</div>\n</section>\n");
    }
    o.push_str(
        "</header>\n\n<main id=\"main\" class=\"site-main\" tabindex=\"-1\">\n<div class=\"wrap\">\n",
    );
    content(o);
    o.push_str(
        "\n</div>\n</main>\n\n<footer class=\"site-footer\">\n<div class=\"wrap\">\n\
         <p class=\"to-top\"><a href=\"#top\">返回顶部</a></p>\n",
    );
    if !site.greeting.is_empty() {
        wrap(o, "<p class=\"footer-greeting\">", &site.greeting, "</p>");
    }
    o.push('\n');
    if !l.footer_links.is_empty() {
        o.push_str(
            "<nav class=\"footer-nav\" aria-label=\"页脚链接\">\n<ul class=\"footer-links\">\n",
        );
        for link in &l.footer_links {
            o.push_str("<li><a");
            attr(o, "href", &link.url);
            o.push('>');
            text(o, &link.title);
            o.push_str("</a></li>\n");
        }
        o.push_str("</ul>\n</nav>\n");
    }
    o.push_str("<div class=\"footer-info\">\n");
    if let Some(v) = &l.visits {
        o.push_str("<p class=\"footer-visits\">流量统计: 总访问量 ");
        o.push_str(&v.total.to_string());
        o.push_str(" 次 <span class=\"sep\" aria-hidden=\"true\">|</span> 今日 ");
        o.push_str(&v.today.to_string());
        o.push_str(" 次</p>\n");
    }
    if !site.copyright.is_empty() || !site.icp.is_empty() {
        o.push_str("<p>\n");
        if !site.copyright.is_empty() {
            wrap(
                o,
                "<span class=\"footer-item\">",
                &site.copyright,
                "</span>",
            );
        }
        o.push('\n');
        if !site.icp.is_empty() {
            o.push_str(
                "<span class=\"footer-item\"><a href=\"https://beian.miit.gov.cn/\" rel=\"noopener\" target=\"_blank\">",
            );
            text(o, &site.icp);
            o.push_str("</a></span>");
        }
        o.push_str("\n</p>\n");
    }
    if !site.supervisor.is_empty() {
        wrap(o, "<p>主管:", &site.supervisor, "</p>\n");
    }
    footer_line(
        o,
        &[
            ("主办:", Item::Plain(&site.sponsor)),
            ("内容支持:", Item::Plain(&site.content_support)),
        ],
        "",
    );
    footer_line(
        o,
        &[
            ("地址:", Item::Plain(&site.address)),
            ("邮编:", Item::Plain(&site.postcode)),
        ],
        "",
    );
    footer_line(
        o,
        &[
            ("电话:", Item::Tel(&site.phone, &l.phone_parts)),
            ("传真:", Item::Plain(&site.fax)),
            (
                "捐赠热线:",
                Item::Tel(&site.donation_hotline, &l.hotline_parts),
            ),
        ],
        &site.email,
    );
    o.push_str("</div>\n</div>\n</footer>\n</body>\n</html>\n");
    out
}
