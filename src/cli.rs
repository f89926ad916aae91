//! The command line: `serve`, `import`, `migrate`, `demo`, `reindex` and
//! `dict`. Every flag can also be given as a `FUPIN_*` environment
//! variable, so scripts need not depend on flag order.

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
    /// Apply database migrations and exit.
    Migrate,
    /// Fill every channel with labelled sample articles (once) and exit.
    Demo,
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
    })?;
    match cli.command {
        Command::Serve { demo: fill, .. } => {
            let db = open_db(&config).await?;
            if fill {
                let n = demo::fill(&db).await?;
                if n > 0 {
                    eprintln!("added {n} sample articles (标题以【示例】开头)");
                }
            }
            server::serve(AppState::new(db, config)).await?;
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
        Command::Demo => {
            let db = open_db(&config).await?;
            let n = demo::fill(&db).await?;
            search::drain(&db).await?;
            println!("added {n} sample articles");
            Ok(ExitCode::SUCCESS)
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
                    let added = search::add_user_word(&db, &word).await?;
                    if added {
                        eprintln!("已加入词典：{}；正在重建搜索索引…", word.trim());
                        search::reindex(&db, std::io::stderr().is_terminal()).await?;
                        println!("已加入词典并重建索引：{}", word.trim());
                    } else {
                        println!("词典中已有：{}", word.trim());
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
