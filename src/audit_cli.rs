//! `fupin audit`: checks the 操作日志's hash chain and writes the log out,
//! for the 审计管理员 and for inspections.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;

use crate::db::{Db, audit_chain, audit_export};

/// `fupin audit` subcommands.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain of the 操作日志; exit 1 and name the first entry
    /// that was changed, removed or inserted. 校验操作日志的哈希链。
    Verify {
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Write the whole 操作日志 out as CSV or JSON. 导出操作日志。
    Export {
        /// `csv` or `json`.
        #[arg(long, default_value = "csv", value_parser = ["csv", "json"])]
        format: String,
        /// The file to write (default: standard output).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

/// Runs one `audit` subcommand.
pub async fn run(db: &Db, cmd: AuditCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        AuditCommand::Verify { json } => {
            let report = audit_chain::verify(db).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                match &report.broken {
                    None => println!(
                        "操作日志完好：共 {} 条记录，哈希链无断裂。最新哈希：{}",
                        report.entries, report.head
                    ),
                    Some(b) => println!("操作日志被篡改：{}。", b.describe()),
                }
            }
            Ok(if report.broken.is_some() {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
        AuditCommand::Export { format, out } => {
            let entries = audit_export::all(db).await?;
            let text = if format == "json" {
                serde_json::to_string_pretty(&entries)? + "\n"
            } else {
                audit_export::to_csv(&entries)
            };
            match out {
                Some(path) => std::fs::write(&path, text)
                    .with_context(|| format!("cannot write {}", path.display()))?,
                None => print!("{text}"),
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
