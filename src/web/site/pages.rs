//! The catalogue of public page types: for each, the routes it answers,
//! whether the page cache keeps it, whether the static export writes it,
//! and whether the sitemap lists it — each decision written once, with the
//! reason where the answer is no. `web::cache::cacheable_path` is driven
//! by it; a test fails when a route of `web/site/` is missing from it.

/// Whether the page cache keeps a page type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cache {
    /// The same for every visitor (and font size): cached, with validators.
    Yes,
    /// Not cached, and why.
    No(&'static str),
}

/// Whether the static export writes a page type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Export {
    /// Written by `export::run`, under this kind of file.
    Yes,
    /// Left out of the export on purpose, and why.
    No(&'static str),
}

/// One public page type.
#[derive(Debug, Clone, Copy)]
pub struct PageType {
    /// What it is.
    pub name: &'static str,
    /// Its routes, as the router spells them (`{x}` is one path segment).
    pub routes: &'static [&'static str],
    /// Caching.
    pub cache: Cache,
    /// Export.
    pub export: Export,
    /// Whether the sitemap lists pages of this type.
    pub sitemap: bool,
}

/// Every public page type.
pub const CATALOGUE: &[PageType] = &[
    PageType {
        name: "首页",
        routes: &["/", "/index.html"],
        cache: Cache::Yes,
        export: Export::Yes,
        sitemap: true,
    },
    PageType {
        name: "栏目页",
        routes: &["/c/{slug}/", "/c/{slug}/page/{n}/"],
        cache: Cache::Yes,
        export: Export::Yes,
        sitemap: true,
    },
    PageType {
        name: "栏目地址补斜杠",
        routes: &["/c/{slug}"],
        cache: Cache::Yes,
        export: Export::No("a redirect to /c/{slug}/, which a static server answers itself"),
        sitemap: false,
    },
    PageType {
        name: "文章页",
        routes: &["/a/{file}"],
        cache: Cache::Yes,
        export: Export::Yes,
        sitemap: true,
    },
    PageType {
        name: "单页",
        routes: &["/p/{file}"],
        cache: Cache::Yes,
        export: Export::Yes,
        sitemap: true,
    },
    PageType {
        name: "网站地图",
        routes: &["/map.html"],
        cache: Cache::Yes,
        export: Export::Yes,
        sitemap: true,
    },
    PageType {
        name: "联系我们",
        routes: &["/contact.html"],
        cache: Cache::Yes,
        export: Export::Yes,
        sitemap: true,
    },
    PageType {
        name: "RSS",
        routes: &["/rss.xml", "/c/{slug}/rss.xml"],
        cache: Cache::Yes,
        export: Export::Yes,
        sitemap: false,
    },
    PageType {
        name: "sitemap.xml",
        routes: &["/sitemap.xml"],
        cache: Cache::Yes,
        export: Export::Yes,
        sitemap: false,
    },
    PageType {
        name: "robots.txt",
        routes: &["/robots.txt"],
        cache: Cache::Yes,
        export: Export::Yes,
        sitemap: false,
    },
    PageType {
        name: "搜索",
        routes: &["/search"],
        cache: Cache::No("its answer depends on the query string"),
        export: Export::No("needs the server; the export's search box points to the live site"),
        sitemap: false,
    },
    PageType {
        name: "秘书长信箱",
        routes: &[
            "/mailbox",
            "/mailbox/captcha/{file}",
            "/mailbox/query",
            "/mailbox/board",
        ],
        cache: Cache::No("the form sets a token cookie and a captcha per visitor"),
        export: Export::No("letters are sent to and answered by the server"),
        sitemap: false,
    },
    PageType {
        name: "字号切换",
        routes: &["/fontsize/{size}"],
        cache: Cache::No("sets a cookie"),
        export: Export::No("the export is one font size; the switch needs the server"),
        sitemap: false,
    },
    PageType {
        name: "关怀版切换",
        routes: &["/care/{mode}"],
        cache: Cache::No("sets a cookie"),
        export: Export::No("the export's site.js switches the mode in place from the cookie"),
        sitemap: false,
    },
];

/// Whether `path` matches a route pattern (`{x}` is one non-empty segment).
fn matches(pattern: &str, path: &str) -> bool {
    let (mut p, mut q) = (pattern.split('/'), path.split('/'));
    loop {
        match (p.next(), q.next()) {
            (None, None) => return true,
            (Some(a), Some(b)) if a.starts_with('{') => {
                if b.is_empty() {
                    return false;
                }
            }
            (Some(a), Some(b)) if a == b => {}
            _ => return false,
        }
    }
}

/// The page type a path belongs to, if it is a public page.
pub fn page_type(path: &str) -> Option<&'static PageType> {
    CATALOGUE
        .iter()
        .find(|t| t.routes.iter().any(|r| matches(r, path)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_one_segment_per_placeholder() {
        assert!(matches("/c/{slug}/page/{n}/", "/c/x/page/2/"));
        assert!(!matches("/c/{slug}/", "/c//"));
        assert!(!matches("/a/{file}", "/a/1.html/more"));
        assert_eq!(page_type("/a/12.html").unwrap().name, "文章页");
        assert!(page_type("/admin").is_none());
    }

    /// Every route the public router declares (read from the sources of
    /// `web/site/`) is in the catalogue, and every type either is exported
    /// or says why not: a page type added without a decision fails here.
    #[test]
    fn every_public_route_is_catalogued_and_decided() {
        let sources = [
            ("article", include_str!("article.rs")),
            ("channel", include_str!("channel.rs")),
            ("feeds", include_str!("feeds.rs")),
            ("home", include_str!("home.rs")),
            ("mailbox", include_str!("mailbox.rs")),
            ("mailbox_board", include_str!("mailbox_board.rs")),
            ("misc", include_str!("misc.rs")),
            ("search", include_str!("search.rs")),
        ];
        // Every file whose router the public router merges is read here.
        for part in include_str!("mod.rs").split(".merge(").skip(1) {
            let name = part.split("::").next().unwrap();
            assert!(
                sources.iter().any(|(n, _)| *n == name),
                "web/site/{name}.rs has routes: add it to this test"
            );
        }
        let mut seen = 0;
        for (_, src) in sources {
            for part in src.split(".route(\"").skip(1) {
                let route = part.split('"').next().unwrap();
                seen += 1;
                assert!(
                    CATALOGUE.iter().any(|t| t.routes.contains(&route)),
                    "{route} is reachable but not in web/site/pages.rs"
                );
            }
        }
        // And nothing in the catalogue that no router answers.
        let catalogued: usize = CATALOGUE.iter().map(|t| t.routes.len()).sum();
        assert_eq!(
            seen, catalogued,
            "catalogued routes that no router declares"
        );
        for t in CATALOGUE {
            if let Export::No(why) = t.export {
                assert!(why.len() > 10, "{}: say why it is not exported", t.name);
            }
            if let Cache::No(why) = t.cache {
                assert!(why.len() > 10, "{}: say why it is not cached", t.name);
            }
            assert!(
                !t.sitemap || t.export == Export::Yes,
                "{}: in the sitemap but not exported",
                t.name
            );
        }
    }
}
