//! The 操作日志 written out whole, oldest first, with each entry's place and
//! hash in the chain: CSV for spreadsheets (see [`crate::csv_text`]) and
//! JSON for programs. Used by `fupin audit export`.

use serde::Serialize;
use sqlx::Row;

use super::Db;

/// One entry as exported.
#[derive(Debug, Clone, Serialize)]
pub struct Exported {
    /// Row id.
    pub id: i64,
    /// When, Unix seconds.
    pub at: i64,
    /// When, Asia/Shanghai.
    pub time: String,
    /// The actor's user id.
    pub actor_id: Option<i64>,
    /// The actor's name.
    pub actor: String,
    /// The client address.
    pub ip: String,
    /// What was done.
    pub action: String,
    /// To what.
    pub object: String,
    /// `ok`, `failed` or `denied`.
    pub result: String,
    /// More.
    pub detail: String,
    /// The place in the hash chain.
    pub chain_seq: Option<i64>,
    /// The previous entry's hash.
    pub prev_hash: Option<String>,
    /// This entry's hash.
    pub hash: Option<String>,
}

/// Every entry, oldest first.
pub async fn all(db: &Db) -> anyhow::Result<Vec<Exported>> {
    let rows = sqlx::query(
        "SELECT id, at, actor_id, actor_name, ip, action, object, result, detail,
             chain_seq, prev_hash, hash FROM audit_log ORDER BY id",
    )
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            let at: i64 = r.try_get("at")?;
            Ok(Exported {
                id: r.try_get("id")?,
                at,
                time: shanghai(at),
                actor_id: r.try_get("actor_id")?,
                actor: r.try_get("actor_name")?,
                ip: r.try_get("ip")?,
                action: r.try_get("action")?,
                object: r.try_get("object")?,
                result: r.try_get("result")?,
                detail: r.try_get("detail")?,
                chain_seq: r.try_get("chain_seq")?,
                prev_hash: r.try_get("prev_hash")?,
                hash: r.try_get("hash")?,
            })
        })
        .collect()
}

fn shanghai(at: i64) -> String {
    use chrono::TimeZone;
    chrono_tz::Asia::Shanghai
        .timestamp_opt(at, 0)
        .single()
        .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default()
}

/// The entries as CSV with a header row in Chinese.
pub fn to_csv(entries: &[Exported]) -> String {
    let mut out = String::from(crate::csv_text::BOM);
    out.push_str(&crate::csv_text::row(&[
        "编号",
        "时间",
        "用户编号",
        "用户",
        "地址",
        "操作",
        "对象",
        "结果",
        "说明",
        "链序号",
        "前一条哈希",
        "哈希",
    ]));
    for e in entries {
        out.push_str(&crate::csv_text::row(&[
            e.id.to_string(),
            e.time.clone(),
            e.actor_id.map(|i| i.to_string()).unwrap_or_default(),
            e.actor.clone(),
            e.ip.clone(),
            e.action.clone(),
            e.object.clone(),
            e.result.clone(),
            e.detail.clone(),
            e.chain_seq.map(|i| i.to_string()).unwrap_or_default(),
            e.prev_hash.clone().unwrap_or_default(),
            e.hash.clone().unwrap_or_default(),
        ]));
    }
    out
}
