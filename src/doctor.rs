//! `fupin doctor`: looks over an installation as its operator would and
//! says, in Chinese, what is wrong and how to fix it — the data directory
//! (there, writable, free space), the database (reachable, schema version,
//! integrity), the media folder, the SMTP server (connects, TLS, greets),
//! `base_url`, and the backups (the newest `*.fupin-backup` in the
//! configured backup folder, `<data dir>/backups` by default, and its age).
//! It only reads: nothing is created or migrated, so it is safe on a
//! broken installation. Exit status 1 when anything must be fixed, 0
//! otherwise (notes alone do not fail).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use crate::config::Config;
use crate::db::{self, Backend};
use crate::human;

/// Less free space than this in the data directory must be fixed.
pub const MIN_FREE_BYTES: u64 = 1024 * 1024 * 1024;
/// A newest backup older than this must be looked at.
pub const MAX_BACKUP_AGE: Duration = Duration::from_secs(2 * 24 * 3600);

/// How one finding counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Fine.
    Ok,
    /// Worth knowing, nothing to fix.
    Note,
    /// Must be fixed.
    Problem,
}

/// One line of the report.
#[derive(Debug, Clone)]
pub struct Finding {
    /// What was looked at.
    pub topic: &'static str,
    /// How it counts.
    pub level: Level,
    /// What was found.
    pub detail: String,
    /// What to do about it ("" when nothing).
    pub fix: String,
}

fn found(topic: &'static str, level: Level, detail: String, fix: &str) -> Finding {
    Finding {
        topic,
        level,
        detail,
        fix: fix.to_string(),
    }
}

/// Every check, in the order they are printed.
pub async fn check(config: &Config) -> Vec<Finding> {
    let mut out = vec![data_dir(&config.data_dir)];
    out.push(database(config).await);
    out.push(media(&crate::media::media_dir(&config.data_dir)));
    out.push(smtp(config).await);
    out.push(base_url(&config.base_url));
    out.push(backups(&config.backup_dir, SystemTime::now()));
    out
}

/// Runs the checks and prints the report; the exit status.
pub async fn run(config: &Config) -> ExitCode {
    let dir = std::path::absolute(&config.data_dir).unwrap_or_else(|_| config.data_dir.clone());
    println!("fupin 检查：数据目录 {}", dir.display());
    if let Some(file) = &config.config_file {
        println!("配置文件：{}", file.display());
    }
    let findings = check(config).await;
    for f in &findings {
        let mark = match f.level {
            Level::Ok => "✓ 正常",
            Level::Note => "• 提示",
            Level::Problem => "✗ 问题",
        };
        println!("{mark}  {}：{}", f.topic, f.detail);
        if !f.fix.is_empty() {
            println!("        修复：{}", f.fix);
        }
    }
    let problems = findings
        .iter()
        .filter(|f| f.level == Level::Problem)
        .count();
    if problems == 0 {
        println!("检查完毕：没有需要修复的问题。");
        ExitCode::SUCCESS
    } else {
        println!("检查完毕：{problems} 个问题需要修复。");
        ExitCode::from(1)
    }
}

fn data_dir(dir: &Path) -> Finding {
    const TOPIC: &str = "数据目录";
    match std::fs::metadata(dir) {
        Err(_) => {
            return found(
                TOPIC,
                Level::Problem,
                format!("{} 不存在", dir.display()),
                "检查 --data 或配置文件中的 data 是否指向网站的数据目录；新装时运行 fupin migrate 会创建它",
            );
        }
        Ok(m) if !m.is_dir() => {
            return found(
                TOPIC,
                Level::Problem,
                format!("{} 不是目录", dir.display()),
                "把 data 设为一个目录",
            );
        }
        Ok(_) => {}
    }
    let probe = dir.join(format!(".fupin-doctor-{}", std::process::id()));
    let writable = std::fs::write(&probe, b"x").is_ok();
    let _ = std::fs::remove_file(&probe);
    if !writable {
        return found(
            TOPIC,
            Level::Problem,
            format!("{} 不可写", dir.display()),
            "让运行 fupin 的用户拥有该目录，例如 chown -R fupin:fupin 数据目录",
        );
    }
    match free_bytes(dir) {
        Some(free) if free < MIN_FREE_BYTES => found(
            TOPIC,
            Level::Problem,
            format!("可写，但只剩 {} 空间", human::bytes(free)),
            "清理磁盘（旧备份、日志）或扩容；空间用完时网站无法保存内容",
        ),
        Some(free) => found(
            TOPIC,
            Level::Ok,
            format!("可写，剩余空间 {}", human::bytes(free)),
            "",
        ),
        None => found(TOPIC, Level::Note, "可写，无法读取剩余空间".into(), ""),
    }
}

/// Bytes available to an unprivileged user on the file system of `dir`.
fn free_bytes(dir: &Path) -> Option<u64> {
    let s = rustix::fs::statvfs(dir).ok()?;
    Some(s.f_bavail.saturating_mul(s.f_frsize))
}

async fn database(config: &Config) -> Finding {
    const TOPIC: &str = "数据库";
    let url = &config.database_url;
    let backend = match Backend::from_url(url) {
        Ok(b) => b,
        Err(e) => return found(TOPIC, Level::Problem, format!("{e:#}"), "改正 database_url"),
    };
    let known = db::known_version(backend);
    let (version, integrity) = match backend {
        Backend::Sqlite => match sqlite_facts(url) {
            Ok(facts) => facts,
            Err(e) => {
                return found(
                    TOPIC,
                    Level::Problem,
                    e,
                    "从最近的备份恢复（fupin restore），或检查 database_url / data 是否指向正确的文件",
                );
            }
        },
        Backend::Postgres => match postgres_version(url).await {
            Ok(v) => (v, "ok".to_string()),
            Err(e) => {
                return found(
                    TOPIC,
                    Level::Problem,
                    format!("无法连接 {}：{e:#}", db::redact(url)),
                    "检查 PostgreSQL 是否在运行、地址和密码是否正确",
                );
            }
        },
    };
    let name = db::redact(url);
    if integrity != "ok" {
        return found(
            TOPIC,
            Level::Problem,
            format!("{name} 完整性检查未通过：{integrity}"),
            "停止 fupin，从最近的备份恢复（fupin restore）",
        );
    }
    if version > known {
        found(
            TOPIC,
            Level::Problem,
            format!("{name} 的结构版本 {version} 比本程序（{known}）新"),
            "使用升级数据库时的新版程序；若要回到旧版，须恢复升级前的备份",
        )
    } else if version < known {
        found(
            TOPIC,
            Level::Note,
            format!(
                "{name} 的结构版本 {version}，本程序 {known}：启动 fupin serve 或 fupin migrate 时自动升级"
            ),
            "",
        )
    } else {
        found(
            TOPIC,
            Level::Ok,
            format!("{name}，结构版本 {version}，完整性检查通过"),
            "",
        )
    }
}

/// The schema version and `PRAGMA quick_check` of a SQLite file, opened
/// read-only (a missing file is not created).
fn sqlite_facts(url: &str) -> Result<(i64, String), String> {
    let Some(path) = crate::media_dir::sqlite_file(url) else {
        return Err(format!("{} 不是数据库文件", db::redact(url)));
    };
    if !path.is_file() {
        return Err(format!("数据库文件 {} 不存在", path.display()));
    }
    let conn =
        rusqlite::Connection::open_with_flags(&path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| format!("无法打开 {}：{e}", path.display()))?;
    let broken = |e: rusqlite::Error| format!("{} 无法读取：{e}", path.display());
    let has_table: bool = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'fupin_migrations'",
            [],
            |r| r.get::<_, i64>(0),
        )
        .map_err(broken)?
        > 0;
    let version = if has_table {
        conn.query_row(
            "SELECT COALESCE(MAX(version), 0) FROM fupin_migrations",
            [],
            |r| r.get(0),
        )
        .map_err(broken)?
    } else {
        0
    };
    let integrity: String = conn
        .query_row("PRAGMA quick_check", [], |r| r.get(0))
        .map_err(broken)?;
    Ok((version, integrity))
}

async fn postgres_version(url: &str) -> anyhow::Result<i64> {
    let db = db::Db::connect(url).await?;
    let v = db::current_version(&db).await;
    db.close().await;
    v
}

fn media(dir: &Path) -> Finding {
    const TOPIC: &str = "媒体目录";
    match std::fs::metadata(dir) {
        Err(_) => found(
            TOPIC,
            Level::Note,
            format!("{} 还不存在（第一次上传图片或附件时创建）", dir.display()),
            "",
        ),
        Ok(m) if !m.is_dir() => found(
            TOPIC,
            Level::Problem,
            format!("{} 不是目录", dir.display()),
            "移走这个文件；媒体目录须是数据目录中的 media 文件夹",
        ),
        Ok(_) => {
            let probe = dir.join(format!(".fupin-doctor-{}", std::process::id()));
            let writable = std::fs::write(&probe, b"x").is_ok();
            let _ = std::fs::remove_file(&probe);
            if writable {
                found(TOPIC, Level::Ok, format!("{} 可写", dir.display()), "")
            } else {
                found(
                    TOPIC,
                    Level::Problem,
                    format!("{} 不可写，上传会失败", dir.display()),
                    "让运行 fupin 的用户拥有该目录",
                )
            }
        }
    }
}

async fn smtp(config: &Config) -> Finding {
    const TOPIC: &str = "邮件 (SMTP)";
    let Some(smtp) = crate::mailbox::notify::Smtp::of(config) else {
        return found(
            TOPIC,
            Level::Note,
            "未设置 smtp_host：新来信和答复不会发邮件通知".into(),
            "",
        );
    };
    let name = format!("{}:{}（{}）", smtp.host, smtp.port, smtp.tls.as_str());
    match tokio::time::timeout(Duration::from_secs(30), smtp.probe()).await {
        Ok(Ok(())) => found(TOPIC, Level::Ok, format!("{name} 可以连接"), ""),
        Ok(Err(e)) => found(
            TOPIC,
            Level::Problem,
            format!("{name} 连接失败：{e:#}"),
            "检查 smtp_host、smtp_port 和 smtp_tls（465 端口用 tls，587 用 starttls）；云服务器通常封锁 25 端口",
        ),
        Err(_) => found(
            TOPIC,
            Level::Problem,
            format!("{name} 30 秒内没有应答"),
            "检查防火墙或安全组是否允许向该端口发出连接",
        ),
    }
}

fn base_url(base: &str) -> Finding {
    const TOPIC: &str = "公开地址 base_url";
    let host = url::Url::parse(base)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_default();
    if host.is_empty() || crate::mailbox::notify::is_loopback(&host) || host == "0.0.0.0" {
        found(
            TOPIC,
            Level::Problem,
            format!("{base} 是本机地址：订阅、网站地图和邮件中的链接对读者无效"),
            "在配置文件中设置 base_url = \"https://你的域名\"",
        )
    } else if base.starts_with("http://") {
        found(
            TOPIC,
            Level::Note,
            format!("{base} 没有使用 HTTPS"),
            "申请证书并在 nginx 中启用 HTTPS，然后把 base_url 改为 https://",
        )
    } else {
        found(TOPIC, Level::Ok, base.to_string(), "")
    }
}

/// The newest `*.fupin-backup` file in `dir` and its modification time.
fn newest_backup(dir: &Path) -> Option<(PathBuf, SystemTime)> {
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".fupin-backup"))
        .filter_map(|e| {
            let meta = e.metadata().ok()?;
            let at = meta.modified().ok()?;
            meta.is_file().then(|| (e.path(), at))
        })
        .max_by_key(|(_, t)| *t)
}

fn backups(dir: &Path, now: SystemTime) -> Finding {
    const TOPIC: &str = "备份";
    let Some((file, at)) = newest_backup(dir) else {
        return found(
            TOPIC,
            Level::Problem,
            format!("{} 中没有备份（*.fupin-backup）", dir.display()),
            "运行 fupin backup 或开启定时备份，并把备份复制到另一台机器",
        );
    };
    let age = now.duration_since(at).unwrap_or_default();
    let shown = format!(
        "最近一次 {}，{}前",
        file.file_name().unwrap_or_default().to_string_lossy(),
        human::duration(age)
    );
    if age > MAX_BACKUP_AGE {
        found(
            TOPIC,
            Level::Problem,
            shown,
            "最近两天没有新备份：检查定时备份（systemctl list-timers）",
        )
    } else {
        found(TOPIC, Level::Ok, shown, "")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backups_are_found_by_name_and_judged_by_age() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(backups(dir.path(), SystemTime::now()).level, Level::Problem);
        std::fs::write(dir.path().join("notes.txt"), "x").unwrap();
        std::fs::write(dir.path().join("site-1.fupin-backup"), "x").unwrap();
        let now = SystemTime::now();
        let f = backups(dir.path(), now);
        assert_eq!(f.level, Level::Ok, "{f:?}");
        assert!(f.detail.contains("site-1.fupin-backup"), "{f:?}");
        let f = backups(dir.path(), now + Duration::from_secs(3 * 24 * 3600));
        assert_eq!(f.level, Level::Problem, "{f:?}");
        assert!(f.detail.contains("3 天前"), "{f:?}");
    }

    #[test]
    fn base_url_must_be_public() {
        assert_eq!(base_url("http://127.0.0.1:8080").level, Level::Problem);
        assert_eq!(base_url("http://localhost").level, Level::Problem);
        assert_eq!(base_url("http://www.example.org.cn").level, Level::Note);
        assert_eq!(base_url("https://www.example.org.cn").level, Level::Ok);
    }
}
