//! The command line: `serve`, `import`, `export`, `copy`, `migrate`, `demo`,
//! `user`, `reindex` and `dict`. Every flag can also be given as a `FUPIN_*`
//! environment variable, so scripts need not depend on flag order.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::app::{AppState, open_db};
use crate::config::{Config, Overrides};
use crate::{db, demo, import, search, server};

/// fupin — 扶贫协会门户网站与后台 (news portal and back office).
#[derive(Debug, Parser)]
#[command(name = "fupin", version, about)]
pub struct Cli {
    /// Data directory (SQLite database, media).
    #[arg(long, global = true, env = "FUPIN_DATA", value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// TOML configuration file.
    #[arg(long, global = true, env = "FUPIN_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Database URL: sqlite://PATH or postgres://… (default: the SQLite file in the data directory).
    #[arg(long, global = true, env = "FUPIN_DATABASE_URL", value_name = "URL")]
    pub database_url: Option<String>,
    /// Public address of the site, used in feeds, the sitemap and canonical links.
    #[arg(long, global = true, env = "FUPIN_BASE_URL", value_name = "URL")]
    pub base_url: Option<String>,
    /// Where the search box sends queries (an absolute address of the live site for exports).
    #[arg(long, global = true, env = "FUPIN_SEARCH_URL", value_name = "URL")]
    pub search_url: Option<String>,
    /// Cache rendered public pages (`--page-cache false` turns it off, e.g. for benchmarks).
    #[arg(long, global = true, env = "FUPIN_PAGE_CACHE", value_name = "BOOL")]
    pub page_cache: Option<bool>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server.
    Serve {
        /// Address to listen on.
        #[arg(long, env = "FUPIN_LISTEN", value_name = "ADDR")]
        listen: Option<String>,
        /// A name for this instance, sent in an `X-Fupin-Instance` header (for load-balancer checks).
        #[arg(long, env = "FUPIN_INSTANCE", value_name = "NAME")]
        instance: Option<String>,
        /// Keep a static export of the site in DIR current as content changes.
        #[arg(long, env = "FUPIN_EXPORT_DIR", value_name = "DIR")]
        export_dir: Option<PathBuf>,
        /// Also fill every channel with clearly labelled sample articles (once).
        #[arg(long, env = "FUPIN_DEMO", value_parser = clap::builder::FalseyValueParser::new())]
        demo: bool,
    },
    /// Import old pages of the legacy site (files or directories).
    Import {
        /// Print a JSON report with one entry per file.
        #[arg(long, env = "FUPIN_JSON", value_parser = clap::builder::FalseyValueParser::new())]
        json: bool,
        /// The old site's address that the given paths correspond to, e.g. http://www.gdfupin.org.cn/
        #[arg(long, env = "FUPIN_URL_PREFIX", value_name = "URL")]
        url_prefix: Option<String>,
        /// Files and directories (searched recursively).
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
    },
    /// Write the whole public site as static files.
    Export {
        /// Where the site appears (a symbolic link to the newest complete version).
        #[arg(long, env = "FUPIN_OUT", value_name = "DIR")]
        out: PathBuf,
        /// Re-render only what changed since the last export into the same place.
        #[arg(long, env = "FUPIN_INCREMENTAL", value_parser = clap::builder::FalseyValueParser::new())]
        incremental: bool,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Copy a whole site (every table and the media) into an empty database, then verify it.
    Copy {
        /// Source database URL.
        #[arg(long, env = "FUPIN_COPY_FROM", value_name = "URL")]
        from: String,
        /// Target database URL (must be empty).
        #[arg(long, env = "FUPIN_COPY_TO", value_name = "URL")]
        to: String,
        /// Media folder of the source (default: beside a SQLite source, else DATA/media).
        #[arg(long, env = "FUPIN_FROM_MEDIA", value_name = "DIR")]
        from_media: Option<PathBuf>,
        /// Media folder of the target (default: beside a SQLite target, else DATA/media).
        #[arg(long, env = "FUPIN_TO_MEDIA", value_name = "DIR")]
        to_media: Option<PathBuf>,
    },
    /// Back up the whole site (database and media) into one file, while it runs.
    Backup(crate::backup::cli::BackupArgs),
    /// Restore a backup into an empty site (or, with --force, over the current one).
    Restore(crate::backup::cli::RestoreArgs),
    /// Fill every channel with labelled sample articles (once) and exit.
    Demo,
    /// Manage back-office users.
    User {
        /// What to do.
        #[command(subcommand)]
        command: crate::auth::cli::UserCommand,
    },
    /// Rebuild the search index from the database, with a progress bar.
    Reindex,
    /// The search dictionary: words the segmenter must keep whole.
    Dict {
        /// What to do with the dictionary.
        #[command(subcommand)]
        command: DictCommand,
    },
}

/// `fupin dict` subcommands.
#[derive(Debug, Subcommand)]
pub enum DictCommand {
    /// Add a word (e.g. a place name) and reindex so articles match it.
    Add {
        /// The word.
        word: String,
    },
    /// List the words added (the shipped ones are in data/userdict.txt).
    List,
}

/// Parses the command line and runs it; the process's exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_env("FUPIN_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs one parsed command.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let listen = match &cli.command {
        Command::Serve { listen, .. } => listen.clone(),
        _ => None,
    };
    let config = Config::load(Overrides {
        data: cli.data,
        config: cli.config,
        database_url: cli.database_url,
        listen,
        base_url: cli.base_url,
        page_cache: cli.page_cache,
        search_url: cli.search_url,
    })?;
    match cli.command {
        Command::Serve {
            demo: fill,
            instance,
            export_dir,
            ..
        } => {
            let db = open_db(&config).await?;
            if db::users::count(&db).await? == 0 {
                eprintln!("{}", crate::auth::cli::FIRST_USER_HINT);
            }
            if fill {
                let n = demo::fill(&db).await?;
                if n > 0 {
                    eprintln!("added {n} sample articles (标题以【示例】开头)");
                }
            }
            let name = instance.filter(|n| axum::http::HeaderValue::from_str(n).is_ok());
            let state = AppState::named(db, config, name);
            let keeper = export_dir.map(|dir| crate::export::spawn_keeper(&state, dir));
            server::serve(state).await?;
            if let Some(k) = keeper {
                k.abort();
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Import {
            json,
            url_prefix,
            paths,
        } => {
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
        Command::Export { out, incremental } => {
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
                "exported {} pages ({}), removed {}, in {:.2} s → {}",
                report.rendered,
                if report.full { "full" } else { "incremental" },
                report.removed,
                start.elapsed().as_secs_f64(),
                report.version.display()
            );
            state.db.close().await;
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => {
            let db = db::Db::connect(&config.database_url).await?;
            let report = db::migrate(&db).await?;
            db::seed::ensure_reference_site(&db).await?;
            println!(
                "schema at version {} (applied now: {:?})",
                report.current, report.applied
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Copy {
            from,
            to,
            from_media,
            to_media,
        } => {
            let from_media =
                from_media.unwrap_or_else(|| crate::media_dir::for_url(&from, &config.data_dir));
            let to_media =
                to_media.unwrap_or_else(|| crate::media_dir::for_url(&to, &config.data_dir));
            copy_command(&from, &to, &from_media, &to_media).await
        }
        Command::Backup(args) => crate::backup::cli::backup(&config, args).await,
        Command::Restore(args) => crate::backup::cli::restore(&config, args).await,
        Command::Demo => {
            let db = open_db(&config).await?;
            let n = demo::fill(&db).await?;
            search::drain(&db).await?;
            println!("added {n} sample articles");
            Ok(ExitCode::SUCCESS)
        }
        Command::User { command } => {
            let db = open_db(&config).await?;
            let code = crate::auth::cli::run(&db, command).await;
            db.close().await;
            code
        }
        Command::Reindex => {
            let db = open_db(&config).await?;
            let started = std::time::Instant::now();
            let n = search::reindex(&db, std::io::stderr().is_terminal()).await?;
            db.close().await;
            println!(
                "搜索索引已重建：{n} 篇文章和单页，用时 {:.1} 秒",
                started.elapsed().as_secs_f64()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Dict { command } => {
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
