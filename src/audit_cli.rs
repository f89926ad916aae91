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
    /// 校验操作日志的哈希链，指出第一条被修改、删除或插入的记录（退出码 1）
    /// (check the audit log's hash chain; exit 1 naming the first entry changed, removed or inserted)
    Verify {
        /// 以 JSON 输出结果 (print the result as JSON)
        #[arg(long)]
        json: bool,
    },
    /// 导出全部操作日志为 CSV 或 JSON (write the whole audit log out as CSV or JSON)
    Export {
        /// csv 或 json (csv or json)
        #[arg(long, default_value = "csv", value_parser = ["csv", "json"])]
        format: String,
        /// 写入的文件，默认标准输出 (the file to write; default: standard output)
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
