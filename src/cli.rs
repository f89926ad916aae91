//! The command line: `serve`, `import`, `export`, `copy`, `migrate`, `demo`,
//! `user`, `reindex`, `dict` and `doctor`. Every flag can also be given as a
//! `FUPIN_*` environment variable, so scripts need not depend on flag order.
//!
//! Each subcommand lists only the flags it uses; the place of the data
//! (`--data`, `--config`, `--database-url`) may also come before the
//! subcommand, as older scripts wrote it. Help is bilingual (see [`help`]),
//! and paths, addresses and URLs are checked before anything is created
//! (see [`checks`]).

pub mod checks;
pub mod help;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, FromArgMatches, Parser, Subcommand};

use crate::app::{AppState, open_db};
use crate::config::{Config, Overrides};
use crate::{db, demo, import, search, server};

/// fupin — 扶贫协会门户网站与后台 (news portal and back office)
#[derive(Debug, Parser)]
#[command(
    name = "fupin",
    version,
    disable_help_flag = true,
    disable_version_flag = true,
    disable_help_subcommand = true
)]
pub struct Cli {
    /// Where the data is, when given before the subcommand.
    #[command(flatten)]
    pub place: RootPlace,
    /// Site flags of older scripts given before the subcommand.
    #[command(flatten)]
    pub site: RootSite,
    /// 显示帮助 (print help)
    #[arg(short = 'h', long, global = true, action = clap::ArgAction::Help)]
    help: Option<bool>,
    /// 显示版本 (print version)
    #[arg(short = 'V', long, action = clap::ArgAction::Version)]
    version: Option<bool>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// `--data`, `--config`, `--database-url` before the subcommand; these
/// also read the `FUPIN_*` variables.
#[derive(Debug, Clone, Default, Args)]
pub struct RootPlace {
    /// 数据目录，存放 SQLite 数据库和媒体文件 (data directory: database, media) [默认 default ./fupin-data]
    #[arg(long, env = "FUPIN_DATA", value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// TOML 配置文件 (configuration file)
    #[arg(long, env = "FUPIN_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// 数据库地址 sqlite://路径 或 postgres://… (database URL) [默认 default: 数据目录中的 SQLite 文件]
    #[arg(long, env = "FUPIN_DATABASE_URL", value_name = "URL")]
    pub database_url: Option<String>,
}

/// The same three after the subcommand (the variables are read before it).
#[derive(Debug, Clone, Default, Args)]
pub struct Place {
    /// 数据目录，存放 SQLite 数据库和媒体文件 (data directory: database, media) [FUPIN_DATA]
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// TOML 配置文件 (configuration file) [FUPIN_CONFIG]
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// 数据库地址 sqlite://路径 或 postgres://… (database URL) [FUPIN_DATABASE_URL]
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
}

/// `--data` and `--config` only, for `copy` (which names its databases).
#[derive(Debug, Clone, Default, Args)]
pub struct DataPlace {
    /// 数据目录，媒体文件的默认位置 (data directory: default media folders) [FUPIN_DATA]
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// TOML 配置文件 (configuration file) [FUPIN_CONFIG]
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// Older scripts' site flags before the subcommand (not shown).
#[derive(Debug, Clone, Default, Args)]
pub struct RootSite {
    #[arg(long, hide = true, value_name = "URL")]
    base_url: Option<String>,
    #[arg(long, hide = true, value_name = "URL")]
    search_url: Option<String>,
    #[arg(long, hide = true, value_name = "BOOL")]
    page_cache: Option<bool>,
}

/// The public address and search box, for what renders pages.
#[derive(Debug, Clone, Default, Args)]
pub struct Site {
    /// 网站的公开地址，用于订阅、网站地图和规范链接 (public address of the site)，如 https://www.example.org.cn
    #[arg(long, env = "FUPIN_BASE_URL", value_name = "URL")]
    pub base_url: Option<String>,
    /// 搜索框提交到的地址 (where the search box sends queries) [默认 default /search]
    #[arg(long, env = "FUPIN_SEARCH_URL", value_name = "URL")]
    pub search_url: Option<String>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// 运行网站服务器 (run the web server)
    Serve {
        /// 监听地址 主机:端口 (address to listen on, HOST:PORT) [默认 default 127.0.0.1:8080]
        #[arg(long, env = "FUPIN_LISTEN", value_name = "ADDR")]
        listen: Option<String>,
        /// 实例名，写入 X-Fupin-Instance 响应头，供负载均衡检查 (instance name for load-balancer checks)
        #[arg(long, env = "FUPIN_INSTANCE", value_name = "NAME")]
        instance: Option<String>,
        /// 内容变化时同步更新此目录中的静态导出 (keep a static export in DIR current)
        #[arg(long, env = "FUPIN_EXPORT_DIR", value_name = "DIR")]
        export_dir: Option<PathBuf>,
        /// 为每个栏目添加示例文章（仅一次）(also add labelled sample articles, once)
        #[arg(long, env = "FUPIN_DEMO", value_parser = clap::builder::FalseyValueParser::new())]
        demo: bool,
        /// 缓存公开页面；false 关闭（如用于性能测试）(cache rendered public pages) [默认 default true]
        #[arg(long, env = "FUPIN_PAGE_CACHE", value_name = "BOOL")]
        page_cache: Option<bool>,
        #[command(flatten)]
        site: Site,
        #[command(flatten)]
        place: Place,
    },
    /// 导入旧网站已保存的页面文件或目录 (import saved pages of the old site: files or directories)
    Import {
        /// 输出 JSON 报告，每个文件一项 (print a JSON report, one entry per file)
        #[arg(long, env = "FUPIN_JSON", value_parser = clap::builder::FalseyValueParser::new())]
        json: bool,
        /// 这些文件对应的旧网站地址，如 http://www.gdfupin.org.cn/ (the old site's address of the given paths)
        #[arg(long, env = "FUPIN_URL_PREFIX", value_name = "URL")]
        url_prefix: Option<String>,
        /// 已保存的文件和目录（递归查找）(saved files and directories, searched recursively)
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        #[command(flatten)]
        place: Place,
    },
    /// 把整个公开网站导出为静态文件 (write the whole public site as static files)
    Export {
        /// 输出位置（指向最新完整版本的符号链接）(where the site appears: a link to the newest version)
        #[arg(long, env = "FUPIN_OUT", value_name = "DIR")]
        out: PathBuf,
        /// 只重新生成上次导出后变化的页面 (re-render only what changed since the last export)
        #[arg(long, env = "FUPIN_INCREMENTAL", value_parser = clap::builder::FalseyValueParser::new())]
        incremental: bool,
        #[command(flatten)]
        site: Site,
        #[command(flatten)]
        place: Place,
    },
    /// 升级数据库结构后退出 (apply database migrations and exit)
    Migrate {
        #[command(flatten)]
        place: Place,
    },
    /// 把整个网站（所有表和媒体）复制到空数据库并核对 (copy a whole site into an empty database, then verify)
    Copy {
        /// 源数据库地址 (source database URL)
        #[arg(long, env = "FUPIN_COPY_FROM", value_name = "URL")]
        from: String,
        /// 目标数据库地址，必须为空 (target database URL, must be empty)
        #[arg(long, env = "FUPIN_COPY_TO", value_name = "URL")]
        to: String,
        /// 源媒体目录 [默认 default: SQLite 源旁边，否则 DATA/media] (media folder of the source)
        #[arg(long, env = "FUPIN_FROM_MEDIA", value_name = "DIR")]
        from_media: Option<PathBuf>,
        /// 目标媒体目录 [默认 default: SQLite 目标旁边，否则 DATA/media] (media folder of the target)
        #[arg(long, env = "FUPIN_TO_MEDIA", value_name = "DIR")]
        to_media: Option<PathBuf>,
        #[command(flatten)]
        place: DataPlace,
    },
    /// 为每个栏目添加示例文章（仅一次）后退出 (fill every channel with labelled sample articles, once)
    Demo {
        #[command(flatten)]
        place: Place,
    },
    /// 备份整个网站（数据库和媒体）到一个文件，运行中也可以 (back up the whole site into one file, while it runs)
    Backup {
        #[command(flatten)]
        args: crate::backup::cli::BackupArgs,
        #[command(flatten)]
        place: Place,
    },
    /// 把备份恢复到空网站（--force 时覆盖当前网站）(restore a backup into an empty site, or over it with --force)
    Restore {
        #[command(flatten)]
        args: crate::backup::cli::RestoreArgs,
        #[command(flatten)]
        place: Place,
    },
    /// 管理后台用户 (manage back-office users)
    User {
        /// What to do.
        #[command(subcommand)]
        command: crate::auth::cli::UserCommand,
        #[command(flatten)]
        place: Place,
    },
    /// 从数据库重建搜索索引 (rebuild the search index from the database)
    Reindex {
        #[command(flatten)]
        place: Place,
    },
    /// 检查数据目录、数据库、媒体、邮件、公开地址和备份，并说明如何修复 (check the installation and say what to fix)
    Doctor {
        /// 网站的公开地址 (public address of the site)，如 https://www.example.org.cn
        #[arg(long, env = "FUPIN_BASE_URL", value_name = "URL")]
        base_url: Option<String>,
        #[command(flatten)]
        place: Place,
    },
    /// 搜索词典：分词时必须保持完整的词 (the search dictionary: words kept whole)
    Dict {
        /// What to do with the dictionary.
        #[command(subcommand)]
        command: DictCommand,
        #[command(flatten)]
        place: Place,
    },
    /// 操作日志：校验哈希链、导出 / The audit log: check its hash chain, write it out.
    Audit {
        /// What to do.
        #[command(subcommand)]
        command: crate::audit_cli::AuditCommand,
        #[command(flatten)]
        place: Place,
    },
}

/// `fupin dict` subcommands.
#[derive(Debug, Subcommand)]
pub enum DictCommand {
    /// 加入一个词（如地名）并重建索引 (add a word, e.g. a place name, and reindex)
    Add {
        /// 词语 (the word)
        word: String,
    },
    /// 列出加入的词（自带的词在 data/userdict.txt）(list the words added)
    List,
}

impl Command {
    /// The place flags given after the subcommand, if it has them.
    fn place(&self) -> Place {
        match self {
            Command::Serve { place, .. }
            | Command::Import { place, .. }
            | Command::Export { place, .. }
            | Command::Migrate { place }
            | Command::Demo { place }
            | Command::User { place, .. }
            | Command::Reindex { place }
            | Command::Dict { place, .. }
            | Command::Audit { place, .. }
            | Command::Backup { place, .. }
            | Command::Restore { place, .. }
            | Command::Doctor { place, .. } => place.clone(),
            Command::Copy { place, .. } => Place {
                data: place.data.clone(),
                config: place.config.clone(),
                database_url: None,
            },
            #[allow(unreachable_patterns)]
            _ => Place::default(),
        }
    }

    /// The site flags given after the subcommand, if it has them.
    fn site(&self) -> (Site, Option<bool>) {
        match self {
            Command::Serve {
                site, page_cache, ..
            } => (site.clone(), *page_cache),
            Command::Export { site, .. } => (site.clone(), None),
            Command::Doctor { base_url, .. } => (
                Site {
                    base_url: base_url.clone(),
                    search_url: None,
                },
                None,
            ),
            _ => (Site::default(), None),
        }
    }
}

/// Parses the command line (with the bilingual help) into a [`Cli`]; a
/// mistake is explained by clap and followed by a line in Chinese.
pub fn parse() -> Cli {
    let parsed = help::localised(<Cli as clap::CommandFactory>::command())
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m));
    match parsed {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => e.exit(),
        Err(e) => {
            let _ = e.print();
            eprintln!(
                "命令行有误（见上）。用 fupin --help 或 fupin 子命令 --help 查看中英文说明。"
            );
            std::process::exit(2);
        }
    }
}

/// Parses the command line and runs it; the process's exit code.
pub fn main() -> ExitCode {
    let cli = parse();
    if let Err(e) = crate::logging::init() {
        print_error(&e);
        return ExitCode::FAILURE;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("错误：无法启动运行时。\nerror: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            print_error(&e);
            ExitCode::FAILURE
        }
    }
}

/// An error on standard error, led by 错误 when it speaks Chinese first
/// and by `error:` otherwise, so each line keeps one language.
pub fn print_error(e: &anyhow::Error) {
    let text = format!("{e:#}");
    let chinese = text
        .lines()
        .next()
        .is_some_and(|l| l.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)));
    if chinese {
        eprintln!("错误：{text}");
    } else {
        eprintln!("error: {text}");
    }
}

/// The settings of a parsed command line: flags after the subcommand win
/// over those before it, which win over the variables.
pub fn config_of(cli: &Cli) -> anyhow::Result<Config> {
    let after = cli.command.place();
    let (site, page_cache) = cli.command.site();
    let listen = match &cli.command {
        Command::Serve { listen, .. } => listen.clone(),
        _ => None,
    };
    Config::load(Overrides {
        data: after.data.or_else(|| cli.place.data.clone()),
        config: after.config.or_else(|| cli.place.config.clone()),
        database_url: after
            .database_url
            .or_else(|| cli.place.database_url.clone()),
        listen,
        base_url: site.base_url.or_else(|| cli.site.base_url.clone()),
        page_cache: page_cache.or(cli.site.page_cache),
        search_url: site.search_url.or_else(|| cli.site.search_url.clone()),
    })
}

/// Runs one parsed command.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let config = config_of(&cli)?;
    match cli.command {
        Command::Serve {
            demo: fill,
            instance,
            export_dir,
            ..
        } => {
            // The address first: a typo must not leave a new database behind.
            checks::listen_address(&config.listen)?;
            let listener = server::bind(&config.listen).await?;
            let db = open_db(&config).await?;
            if db::users::count(&db).await? == 0 {
                eprintln!("{}", crate::auth::cli::first_user_hint(&config));
            }
            if fill {
                let n = demo::fill(&db).await?;
                if n > 0 {
                    eprintln!(
                        "已添加 {} 篇示例文章（标题以【示例】开头）",
                        crate::human::count(n as u64)
                    );
                }
            }
            let name = instance.filter(|n| axum::http::HeaderValue::from_str(n).is_ok());
            let state = AppState::named(db, config, name);
            let keeper = export_dir.map(|dir| crate::export::spawn_keeper(&state, dir));
            server::serve_on(listener, state).await?;
            if let Some(k) = keeper {
                k.abort();
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Import {
            json,
            url_prefix,
            paths,
            ..
        } => {
            if let Some(prefix) = &url_prefix {
                checks::url_prefix(prefix)?;
            }
            if let Err(e) = checks::import_paths(&paths) {
                print_error(&e);
                return Ok(ExitCode::from(1));
            }
            let db = open_db(&config).await?;
            let options = import::Options {
                url_prefix,
                progress: !json && std::io::stderr().is_terminal(),
                ..Default::default()
            };
            let reports = import::run(&db, &paths, &options).await?;
            // Make what was imported findable now, even with no server running.
            search::drain(&db).await?;
            db.close().await;
            if json {
                println!("{}", serde_json::to_string_pretty(&reports)?);
            } else {
                import::print_summary(&reports);
            }
            let failed = reports
                .iter()
                .any(|r| r.status == import::FileStatus::Failed);
            Ok(if failed {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Export {
            out, incremental, ..
        } => {
            let db = open_db(&config).await?;
            let state = AppState::new(db, config);
            // One consistent snapshot: the layout's data is read once.
            state.changes.pin(&state.db).await?;
            let start = std::time::Instant::now();
            let options = crate::export::Options {
                out,
                incremental,
                progress: std::io::stderr().is_terminal(),
            };
            let report = crate::export::run(&state, &options).await?;
            println!(
                "已导出 {} 个页面（{}），删除 {} 个，用时 {} → {}",
                crate::human::count(report.rendered as u64),
                if report.full { "全部" } else { "增量" },
                crate::human::count(report.removed as u64),
                crate::human::duration(start.elapsed()),
                report.version.display()
            );
            state.db.close().await;
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate { .. } => {
            if db::Backend::from_url(&config.database_url)? == db::Backend::Sqlite {
                std::fs::create_dir_all(&config.data_dir).map_err(|e| {
                    anyhow::anyhow!(
                        "无法创建数据目录 {} (cannot create the data directory): {e}",
                        config.data_dir.display()
                    )
                })?;
            }
            let db = db::Db::connect(&config.database_url).await?;
            let report = db::migrate(&db).await?;
            db::seed::ensure_reference_site(&db).await?;
            println!(
                "数据库结构版本 {}（本次升级：{}）",
                report.current,
                if report.applied.is_empty() {
                    "无".to_string()
                } else {
                    report
                        .applied
                        .iter()
                        .map(|v| v.to_string())
                        .collect::<Vec<_>>()
                        .join("、")
                }
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Copy {
            from,
            to,
            from_media,
            to_media,
            ..
        } => {
            let from_media =
                from_media.unwrap_or_else(|| crate::media_dir::for_url(&from, &config.data_dir));
            let to_media =
                to_media.unwrap_or_else(|| crate::media_dir::for_url(&to, &config.data_dir));
            copy_command(&from, &to, &from_media, &to_media).await
        }
        Command::Backup { args, .. } => crate::backup::cli::backup(&config, args).await,
        Command::Restore { args, .. } => crate::backup::cli::restore(&config, args).await,
        Command::Demo { .. } => {
            let db = open_db(&config).await?;
            let n = demo::fill(&db).await?;
            search::drain(&db).await?;
            println!("已添加 {} 篇示例文章", crate::human::count(n as u64));
            Ok(ExitCode::SUCCESS)
        }
        Command::User { command, .. } => {
            let db = open_db(&config).await?;
            let code = crate::auth::cli::run(&db, command, &config).await;
            db.close().await;
            code
        }
        Command::Audit { command, .. } => {
            let db = open_db(&config).await?;
            let code = crate::audit_cli::run(&db, command).await;
            db.close().await;
            code
        }
        Command::Reindex { .. } => {
            let db = open_db(&config).await?;
            let started = std::time::Instant::now();
            let n = search::reindex(&db, std::io::stderr().is_terminal()).await?;
            db.close().await;
            let took = started.elapsed();
            println!(
                "搜索索引已重建：{} 篇文章和单页，用时 {}（{}）",
                crate::human::count(n as u64),
                crate::human::duration(took),
                crate::human::rate(n as f64 / took.as_secs_f64().max(1e-3), "篇")
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Doctor { .. } => Ok(crate::doctor::run(&config).await),
        Command::Dict { command, .. } => {
            let db = open_db(&config).await?;
            match command {
                DictCommand::Add { word } => {
                    // The same rule as the back office's 搜索词典 page.
                    let word = search::clean_word(&word)
                        .map_err(|e| anyhow::anyhow!("{e}：{}", word.trim()))?;
                    let added = search::add_user_word(&db, &word).await?;
                    if added {
                        eprintln!("已加入词典：{word}；正在重建搜索索引…");
                        search::reindex(&db, std::io::stderr().is_terminal()).await?;
                        println!("已加入词典并重建索引：{word}");
                    } else {
                        println!("词典中已有：{word}");
                    }
                }
                DictCommand::List => {
                    for w in search::user_words(&db).await? {
                        println!("{w}");
                    }
                }
            }
            db.close().await;
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn copy_command(
    from: &str,
    to: &str,
    from_media: &std::path::Path,
    to_media: &std::path::Path,
) -> anyhow::Result<ExitCode> {
    use anyhow::Context;
    let read_only = db::DbOptions {
        read_only: true,
        ..Default::default()
    };
    let source = db::Db::connect_with(from, &read_only)
        .await
        .context("source")?;
    let version = db::current_version(&source).await?;
    let known = db::known_version(source.backend());
    if version != known {
        anyhow::bail!(
            "the source database is at schema version {version}, this program at {known}; \
             run `fupin migrate` with the matching program on the source first"
        );
    }
    if let Some(dir) =
        crate::media_dir::sqlite_file(to).and_then(|p| p.parent().map(std::path::Path::to_path_buf))
    {
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let target = db::Db::connect(to).await.context("target")?;
    db::migrate(&target)
        .await
        .context("cannot prepare the target's schema")?;
    let reports = db::copy::copy_site(&source, &target).await?;
    let files = crate::media_dir::copy_tree(from_media, to_media)?;
    for r in &reports {
        println!(
            "{:<24} {:>9} rows  checksum {:016x}  ok",
            r.name, r.rows, r.checksum
        );
    }
    println!(
        "copied {} tables ({} rows) and {files} media files from {} to {}; verified",
        reports.len(),
        reports.iter().map(|r| r.rows).sum::<i64>(),
        db::redact(from),
        db::redact(to)
    );
    source.close().await;
    target.close().await;
    Ok(ExitCode::SUCCESS)
}
