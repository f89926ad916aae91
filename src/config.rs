//! Settings of one running program: where the data lives, which database,
//! where to listen. Read once at start from, in order of precedence, the
//! command line or `FUPIN_*` variables (clap merges those two), then the TOML
//! file named by `--config`/`FUPIN_CONFIG`, then the defaults. Unknown keys
//! in the file are an error, so a typo is never silently ignored.

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;

use crate::db;

/// The TOML file's shape.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Data directory.
    pub data: Option<PathBuf>,
    /// Listen address of `serve`.
    pub listen: Option<String>,
    /// Database URL.
    pub database_url: Option<String>,
    /// Public address of the site, for feeds and canonical links.
    pub base_url: Option<String>,
    /// Seconds between flushes of batched counters.
    pub flush_seconds: Option<u64>,
    /// Folder whose templates override the built-in ones.
    pub theme_dir: Option<PathBuf>,
    /// Cache rendered public pages (default true).
    pub page_cache: Option<bool>,
    /// Where the search box sends queries (default `/search`; an absolute
    /// address of the live site for a static export).
    pub search_url: Option<String>,
    /// Largest image upload in MB.
    pub upload_image_max_mb: Option<u64>,
    /// Largest attachment upload in MB.
    pub upload_attachment_max_mb: Option<u64>,
    /// Mark back-office cookies `Secure` (default: when `base_url` is https).
    pub secure_cookies: Option<bool>,
    /// Take the client address from `X-Forwarded-For` (only behind our own proxy).
    pub trust_proxy: Option<bool>,
    /// SMTP server for the mailbox's notices (none: no e-mail).
    pub smtp_host: Option<String>,
    /// SMTP port (default 465 with implicit TLS).
    pub smtp_port: Option<u16>,
    /// `tls` (implicit, port 465), `starttls` (port 587) or `none` (plain,
    /// only without login or to this machine).
    pub smtp_tls: Option<String>,
    /// A PEM file of extra root certificates to trust (a private CA).
    pub smtp_ca_file: Option<PathBuf>,
    /// Sender address of the notices.
    pub smtp_from: Option<String>,
    /// SMTP login, if the relay wants one.
    pub smtp_user: Option<String>,
    /// SMTP password.
    pub smtp_password: Option<String>,
    /// Count visits for the statistics (default on; off only to measure
    /// what counting costs).
    pub count_visits: Option<bool>,
    /// Seconds a request waits for a database connection (default 3).
    pub db_acquire_timeout_seconds: Option<u64>,
    /// Time of day (Asia/Shanghai, `HH:MM`) of the daily backup; `"off"`
    /// for none (default `03:30`).
    pub backup_time: Option<String>,
    /// How many scheduled backups to keep (default 7).
    pub backup_keep: Option<u32>,
    /// Folder of the backups (default `<data dir>/backups`).
    pub backup_dir: Option<PathBuf>,
}

/// The resolved settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// Data directory (SQLite file, media).
    pub data_dir: PathBuf,
    /// Listen address.
    pub listen: String,
    /// Database URL.
    pub database_url: String,
    /// Public address of the site without a trailing slash.
    pub base_url: String,
    /// Seconds between flushes of batched counters.
    pub flush_seconds: u64,
    /// Theme folder.
    pub theme_dir: Option<PathBuf>,
    /// Whether rendered public pages are cached.
    pub page_cache: bool,
    /// Where the search box sends queries.
    pub search_url: String,
    /// Largest image upload in bytes.
    pub upload_image_max_bytes: u64,
    /// Largest attachment upload in bytes.
    pub upload_attachment_max_bytes: u64,
    /// Whether back-office cookies are marked `Secure`.
    pub secure_cookies: bool,
    /// Whether `X-Forwarded-For` names the client (set only behind a proxy
    /// that overwrites it; otherwise anyone could claim any address).
    pub trust_proxy: bool,
    /// SMTP host of the mailbox's notices.
    pub smtp_host: Option<String>,
    /// SMTP port.
    pub smtp_port: u16,
    /// How the SMTP connection is protected.
    pub smtp_tls: SmtpTls,
    /// Extra root certificates (PEM) trusted for SMTP.
    pub smtp_ca_file: Option<PathBuf>,
    /// Sender address.
    pub smtp_from: Option<String>,
    /// SMTP login.
    pub smtp_user: Option<String>,
    /// SMTP password.
    pub smtp_password: Option<String>,
    /// Whether public page views are counted.
    pub count_visits: bool,
    /// How long a request waits for a database connection.
    pub db_acquire_timeout: std::time::Duration,
    /// Minutes after midnight (Asia/Shanghai) of the daily backup, if any.
    pub backup_minute: Option<u32>,
    /// How many scheduled backups are kept.
    pub backup_keep: u32,
    /// Folder of the backups.
    pub backup_dir: PathBuf,
    /// The configuration file read, if any.
    pub config_file: Option<PathBuf>,
}

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// TLS from the first byte (port 465, "SMTPS").
    Implicit,
    /// Plain first, then STARTTLS, which must succeed (port 587).
    StartTls,
    /// No TLS: only without a login, or to this machine.
    None,
}

impl SmtpTls {
    /// Parses `smtp_tls`; without one, the port decides: 465 implicit TLS,
    /// 25 plain, anything else STARTTLS.
    pub fn parse(value: Option<&str>, port: u16) -> anyhow::Result<SmtpTls> {
        Ok(
            match value.map(|v| v.trim().to_ascii_lowercase()).as_deref() {
                Some("tls" | "ssl" | "implicit") => SmtpTls::Implicit,
                Some("starttls") => SmtpTls::StartTls,
                Some("none" | "plain") => SmtpTls::None,
                Some(other) => anyhow::bail!(
                    "smtp_tls = {other:?} 无效：可用 tls（465 端口）、starttls（587 端口）或 none。\n  \
                 smtp_tls must be tls, starttls or none."
                ),
                None if port == 465 => SmtpTls::Implicit,
                None if port == 25 => SmtpTls::None,
                None => SmtpTls::StartTls,
            },
        )
    }

    /// The setting's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            SmtpTls::Implicit => "tls",
            SmtpTls::StartTls => "starttls",
            SmtpTls::None => "none",
        }
    }
}

/// What the command line and environment said.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    /// `--data` / `FUPIN_DATA`.
    pub data: Option<PathBuf>,
    /// `--config` / `FUPIN_CONFIG`.
    pub config: Option<PathBuf>,
    /// `--database-url` / `FUPIN_DATABASE_URL`.
    pub database_url: Option<String>,
    /// `--listen` / `FUPIN_LISTEN`.
    pub listen: Option<String>,
    /// `--base-url` / `FUPIN_BASE_URL`.
    pub base_url: Option<String>,
    /// `--page-cache` / `FUPIN_PAGE_CACHE`.
    pub page_cache: Option<bool>,
    /// `--search-url` / `FUPIN_SEARCH_URL`.
    pub search_url: Option<String>,
}

/// The default data directory.
pub const DEFAULT_DATA: &str = "./fupin-data";
/// The default listen address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

fn read_file(path: &Path) -> anyhow::Result<FileConfig> {
    let text = std::fs::read_to_string(path).with_context(|| {
        format!(
            "无法读取配置文件 {0}\n  cannot read config file {0}",
            path.display()
        )
    })?;
    toml::from_str(&text).with_context(|| {
        format!(
            "配置文件 {0} 有误（见下）\n  invalid config file {0}",
            path.display()
        )
    })
}

impl Config {
    /// Resolves the settings.
    pub fn load(o: Overrides) -> anyhow::Result<Config> {
        let config_file = o.config.clone();
        let file = match &o.config {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
        };
        let data_dir = o
            .data
            .or(file.data)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA));
        let listen = o
            .listen
            .or(file.listen)
            .unwrap_or_else(|| DEFAULT_LISTEN.to_string());
        let database_url = o
            .database_url
            .or(file.database_url)
            .unwrap_or_else(|| db::sqlite_url_for(&data_dir));
        db::Backend::from_url(&database_url)?;
        let base_url = o
            .base_url
            .or(file.base_url)
            .unwrap_or_else(|| format!("http://{listen}"))
            .trim_end_matches('/')
            .to_string();
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            anyhow::bail!(
                "base_url {base_url:?} 应以 http:// 或 https:// 开头\n  base URL {base_url:?} must start with http:// or https://"
            );
        }
        let smtp_port = file.smtp_port.unwrap_or(465);
        let smtp_tls = SmtpTls::parse(file.smtp_tls.as_deref(), smtp_port)?;
        let flush_seconds = file.flush_seconds.unwrap_or(5).clamp(1, 3600);
        const MB: u64 = 1024 * 1024;
        let upload_image_max_bytes = file.upload_image_max_mb.unwrap_or(10).clamp(1, 100) * MB;
        let upload_attachment_max_bytes =
            file.upload_attachment_max_mb.unwrap_or(50).clamp(1, 1024) * MB;
        let secure_cookies = file
            .secure_cookies
            .unwrap_or_else(|| base_url.starts_with("https://"));
        let backup_minute = match file.backup_time.as_deref().map(str::trim) {
            None => Some(3 * 60 + 30),
            Some("off") | Some("") => None,
            Some(t) => Some(parse_time_of_day(t).with_context(|| {
                format!("backup_time {t:?} must be a time of day such as \"03:30\", or \"off\"")
            })?),
        };
        let backup_dir = file.backup_dir.unwrap_or_else(|| data_dir.join("backups"));
        let config = Config {
            backup_minute,
            backup_keep: file.backup_keep.unwrap_or(7).clamp(1, 1000),
            backup_dir,
            db_acquire_timeout: std::time::Duration::from_secs(
                file.db_acquire_timeout_seconds.unwrap_or(3).clamp(1, 60),
            ),
            data_dir,
            listen,
            database_url,
            base_url,
            flush_seconds,
            theme_dir: file.theme_dir,
            page_cache: o.page_cache.or(file.page_cache).unwrap_or(true),
            search_url: o
                .search_url
                .or(file.search_url)
                .unwrap_or_else(|| "/search".to_string()),
            upload_image_max_bytes,
            upload_attachment_max_bytes,
            secure_cookies,
            trust_proxy: file.trust_proxy.unwrap_or(false),
            smtp_host: file.smtp_host,
            smtp_port,
            smtp_tls,
            smtp_ca_file: file.smtp_ca_file,
            smtp_from: file.smtp_from,
            smtp_user: file.smtp_user,
            smtp_password: file.smtp_password,
            count_visits: file.count_visits.unwrap_or(true),
            config_file,
        };
        if let Some(smtp) = crate::mailbox::notify::Smtp::of(&config) {
            smtp.check()?;
        }
        Ok(config)
    }
}

/// Minutes after midnight of an `HH:MM` time.
fn parse_time_of_day(t: &str) -> anyhow::Result<u32> {
    let (h, m) = t.split_once(':').context("no colon")?;
    let (h, m): (u32, u32) = (h.parse()?, m.parse()?);
    anyhow::ensure!(h < 24 && m < 60, "out of range");
    Ok(h * 60 + m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_beat_file_beats_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fupin.toml");
        std::fs::write(&path, "data = \"/srv/site\"\nlisten = \"0.0.0.0:9000\"\n").unwrap();
        let c = Config::load(Overrides {
            config: Some(path.clone()),
            ..Overrides::default()
        })
        .unwrap();
        assert_eq!(c.data_dir, PathBuf::from("/srv/site"));
        assert_eq!(c.listen, "0.0.0.0:9000");
        assert!(c.database_url.starts_with("sqlite:///srv/site/fupin.db"));
        let c = Config::load(Overrides {
            config: Some(path),
            listen: Some("127.0.0.1:1".into()),
            ..Overrides::default()
        })
        .unwrap();
        assert_eq!(c.listen, "127.0.0.1:1");
        let c = Config::load(Overrides::default()).unwrap();
        assert_eq!(c.listen, DEFAULT_LISTEN);
        assert_eq!(c.base_url, "http://127.0.0.1:8080");
    }

    #[test]
    fn unknown_keys_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fupin.toml");
        std::fs::write(&path, "lisen = \"x\"\n").unwrap();
        let err = Config::load(Overrides {
            config: Some(path),
            ..Overrides::default()
        })
        .unwrap_err();
        assert!(format!("{err:#}").contains("lisen"), "{err:#}");
    }
}
