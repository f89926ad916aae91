//! `fupin backup` and `fupin restore`: their flags and what they print.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use crate::config::Config;
use crate::db::{self, Db, DbOptions};

/// `fupin backup`.
#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    /// 要写入的备份文件，如 site.fupin-backup (the backup file to write)
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// 以 JSON 输出备份内容 (print what was backed up as JSON)
    #[arg(long, value_parser = clap::builder::FalseyValueParser::new())]
    pub json: bool,
}

/// `fupin restore`.
#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    /// 要恢复的备份文件 (the backup file to restore)
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// 替换现有网站：先移到一旁，恢复失败时放回 (replace the site there: moved aside first, put back on failure)
    #[arg(long, value_parser = clap::builder::FalseyValueParser::new())]
    pub force: bool,
    /// 以 JSON 输出恢复内容 (print what was restored as JSON)
    #[arg(long, value_parser = clap::builder::FalseyValueParser::new())]
    pub json: bool,
}

/// Runs `fupin backup`.
pub async fn backup(config: &Config, args: BackupArgs) -> anyhow::Result<ExitCode> {
    // The source is only read: a missing SQLite file is an error, never created.
    let options = DbOptions {
        read_only: true,
        ..Default::default()
    };
    let db = Db::connect_with(&config.database_url, &options)
        .await
        .context("cannot open the site's database")?;
    let media = crate::media_dir::for_url(&config.database_url, &config.data_dir);
    let report = super::create(&db, &media, &args.out).await;
    db.close().await;
    let report = report?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!(
            "备份完成 / backup written: {} ({:.1} MB, {} rows in {} tables, {} media files, schema {}, {}) in {:.1} s",
            report.file.display(),
            report.bytes as f64 / 1e6,
            report.rows,
            report.manifest.tables.len(),
            report.media_files,
            report.manifest.schema_version,
            report.manifest.backend,
            report.seconds
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `fupin restore`.
pub async fn restore(config: &Config, args: RestoreArgs) -> anyhow::Result<ExitCode> {
    let report = super::restore(&super::RestoreOptions {
        file: args.file,
        data_dir: config.data_dir.clone(),
        database_url: config.database_url.clone(),
        force: args.force,
    })
    .await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!(
            "恢复完成 / restored: {} rows, {} media files into {} (backup of {}, schema {}{}) in {:.1} s",
            report.rows,
            report.media_files,
            db::redact(&config.database_url),
            report.manifest.backend,
            report.manifest.schema_version,
            if report.migrated.is_empty() {
                String::new()
            } else {
                format!(", migrated through {:?}", report.migrated)
            },
            report.seconds
        );
        if let Some(aside) = &report.moved_aside {
            println!(
                "原来的站点已移至 / the previous site was moved to {}",
                aside.display()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
