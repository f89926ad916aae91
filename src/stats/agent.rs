//! What a request says about its reader, read without a cookie: whether
//! the browser is a known robot (not counted), a phone or a desktop, the
//! referring site (its host only, never the page), the search terms of the
//! site search, and the visitor digest that counts unique visitors.

use sha2::{Digest, Sha256};

/// Lower-case pieces of the User-Agent of robots, monitors, previews and
/// command-line clients. A browser without a User-Agent is not counted either.
const ROBOTS: &[&str] = &[
    "bot",
    "spider",
    "crawl",
    "slurp",
    "curl",
    "wget",
    "python",
    "go-http",
    "java/",
    "okhttp",
    "headless",
    "scrapy",
    "httpclient",
    "libwww",
    "feedfetcher",
    "feed",
    "monitor",
    "uptime",
    "preview",
    "facebookexternalhit",
    "lighthouse",
    "pagespeed",
    "ahrefs",
    "semrush",
    "yandex",
    "sogou",
    "360spider",
    "axios",
    "node-fetch",
    "undici",
    "postman",
    "wrk",
    "oha",
    "apachebench",
    "phantomjs",
    "selenium",
];

/// Whether a User-Agent is a robot's (or missing).
pub fn is_robot(user_agent: &str) -> bool {
    let ua = user_agent.trim();
    if ua.len() < 8 {
        return true;
    }
    let lower = ua.to_ascii_lowercase();
    ROBOTS.iter().any(|r| lower.contains(r))
}

/// Phone (or tablet) versus desktop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Device {
    /// 手机.
    Phone,
    /// 电脑.
    Desktop,
}

impl Device {
    /// The stored key.
    pub fn as_str(self) -> &'static str {
        match self {
            Device::Phone => "phone",
            Device::Desktop => "desktop",
        }
    }

    /// The Chinese name of a stored key.
    pub fn label_of(key: &str) -> &'static str {
        match key {
            "phone" => "手机/平板",
            _ => "电脑",
        }
    }
}

/// The device a User-Agent names.
pub fn device_of(user_agent: &str) -> Device {
    const PHONE: &[&str] = &[
        "Mobi",
        "iPhone",
        "iPod",
        "iPad",
        "Android",
        "HarmonyOS",
        "OpenHarmony",
        "Windows Phone",
    ];
    if PHONE.iter().any(|p| user_agent.contains(p)) {
        Device::Phone
    } else {
        Device::Desktop
    }
}

/// The host of a referring page when it is another site's (`None` for our
/// own pages, for a missing or unreadable Referer and for non-web schemes).
pub fn referrer_host(referer: &str, own_hosts: &[&str]) -> Option<String> {
    // Most referrers are our own pages: tell them without parsing.
    let rest = referer
        .strip_prefix("http://")
        .or_else(|| referer.strip_prefix("https://"))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if own_hosts
        .iter()
        .any(|h| !h.is_empty() && authority.eq_ignore_ascii_case(h))
    {
        return None;
    }
    let url = url::Url::parse(referer.trim()).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let host = url.host_str()?.trim_end_matches('.').to_ascii_lowercase();
    if host.is_empty() || host.len() > 100 {
        return None;
    }
    let own = own_hosts.iter().any(|h| {
        let h = h.split(':').next().unwrap_or("").to_ascii_lowercase();
        !h.is_empty() && h == host
    });
    (!own).then_some(host)
}

/// The search terms of `/search?q=…`, tidied for counting: spaces
/// collapsed, Latin letters lower-cased, at most 50 characters.
pub fn search_term(query: &str) -> Option<String> {
    let q = url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "q")
        .map(|(_, v)| v.into_owned())?;
    let words: Vec<&str> = q.split_whitespace().collect();
    let term: String = words
        .join(" ")
        .chars()
        .filter(|c| !c.is_control())
        .take(50)
        .collect::<String>()
        .to_lowercase();
    (!term.is_empty()).then_some(term)
}

/// The visitor digest: SHA-256 over the day's salt, the address and the
/// browser, cut to 128 bits. Without the salt (deleted after two days) it
/// cannot be traced back to an address.
pub fn visitor_digest(salt: &[u8], ip: &str, user_agent: &str) -> [u8; 16] {
    let mut h = Sha256::new();
    h.update(salt);
    h.update(ip.as_bytes());
    h.update([0u8]);
    h.update(user_agent.as_bytes());
    let full = h.finalize();
    let mut out = [0u8; 16];
    out.copy_from_slice(&full[..16]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36";
    const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";

    #[test]
    fn robots_are_told_from_browsers() {
        for ua in [
            "",
            "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
            "Mozilla/5.0 (compatible; Googlebot/2.1)",
            "curl/8.5.0",
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/126.0",
            "python-requests/2.31",
        ] {
            assert!(is_robot(ua), "{ua}");
        }
        assert!(!is_robot(CHROME));
        assert!(!is_robot(IPHONE));
        assert_eq!(device_of(IPHONE), Device::Phone);
        assert_eq!(device_of(CHROME), Device::Desktop);
    }

    #[test]
    fn referrers_keep_the_host_of_other_sites() {
        let own = ["portal.test", "127.0.0.1:8080"];
        assert_eq!(
            referrer_host("https://www.Baidu.com/s?wd=扶贫", &own).as_deref(),
            Some("www.baidu.com")
        );
        assert_eq!(referrer_host("http://portal.test/a/1.html", &own), None);
        assert_eq!(referrer_host("http://127.0.0.1:8080/", &own), None);
        assert_eq!(referrer_host("android-app://com.x", &own), None);
        assert_eq!(referrer_host("not a url", &own), None);
    }

    #[test]
    fn search_terms_are_tidied() {
        assert_eq!(
            search_term("q=%E6%89%B6%E8%B4%AB++Project").as_deref(),
            Some("扶贫 project")
        );
        assert_eq!(search_term("q=+++"), None);
        assert_eq!(search_term("page=2"), None);
    }

    #[test]
    fn visitors_differ_by_salt_address_and_browser() {
        let a = visitor_digest(b"s1", "1.2.3.4", CHROME);
        assert_eq!(a, visitor_digest(b"s1", "1.2.3.4", CHROME));
        assert_ne!(a, visitor_digest(b"s2", "1.2.3.4", CHROME));
        assert_ne!(a, visitor_digest(b"s1", "1.2.3.5", CHROME));
        assert_ne!(a, visitor_digest(b"s1", "1.2.3.4", IPHONE));
    }
}
