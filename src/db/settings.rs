//! Site settings: the key/value rows behind the header, the footer and the
//! contact block (site name, owner, ICP number, 主管/主办 lines …).

use std::collections::HashMap;

use serde::Serialize;
use sqlx::Row;

use super::Db;

/// Every setting the public site shows, with the keys they are stored under.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct SiteSettings {
    /// 站点名称, e.g. 广东扶贫网.
    pub name: String,
    /// 主办单位 shown beside the name, e.g. 广东省扶贫开发协会.
    pub owner: String,
    /// Footer greeting, e.g. 欢迎访问广东扶贫网.
    pub greeting: String,
    /// Copyright line.
    pub copyright: String,
    /// ICP licence number, linked to the licence register.
    pub icp: String,
    /// 主管 line.
    pub supervisor: String,
    /// 主办 line.
    pub sponsor: String,
    /// 内容支持 line.
    pub content_support: String,
    /// Postal address.
    pub address: String,
    /// Postcode.
    pub postcode: String,
    /// Telephone.
    pub phone: String,
    /// Fax.
    pub fax: String,
    /// Donation hotline.
    pub donation_hotline: String,
    /// Contact e-mail.
    pub email: String,
    /// Short description for search engines and feeds.
    pub description: String,
}

/// The stored key of each field, in the order the back office lists them.
pub const KEYS: &[&str] = &[
    "site.name",
    "site.owner",
    "site.greeting",
    "site.copyright",
    "site.icp",
    "site.supervisor",
    "site.sponsor",
    "site.content_support",
    "site.address",
    "site.postcode",
    "site.phone",
    "site.fax",
    "site.donation_hotline",
    "site.email",
    "site.description",
];

impl SiteSettings {
    fn field_mut(&mut self, key: &str) -> Option<&mut String> {
        Some(match key {
            "site.name" => &mut self.name,
            "site.owner" => &mut self.owner,
            "site.greeting" => &mut self.greeting,
            "site.copyright" => &mut self.copyright,
            "site.icp" => &mut self.icp,
            "site.supervisor" => &mut self.supervisor,
            "site.sponsor" => &mut self.sponsor,
            "site.content_support" => &mut self.content_support,
            "site.address" => &mut self.address,
            "site.postcode" => &mut self.postcode,
            "site.phone" => &mut self.phone,
            "site.fax" => &mut self.fax,
            "site.donation_hotline" => &mut self.donation_hotline,
            "site.email" => &mut self.email,
            "site.description" => &mut self.description,
            _ => return None,
        })
    }

    /// The settings as (key, value) pairs for storing.
    pub fn to_pairs(&self) -> Vec<(&'static str, String)> {
        let mut copy = self.clone();
        KEYS.iter()
            .map(|key| {
                (
                    *key,
                    copy.field_mut(key).map(|v| v.clone()).unwrap_or_default(),
                )
            })
            .collect()
    }
}

/// Loads the site settings; missing keys are empty.
pub async fn load_site(db: &Db) -> anyhow::Result<SiteSettings> {
    let rows = sqlx::query("SELECT key, value FROM settings WHERE key LIKE 'site.%'")
        .fetch_all(db.pool())
        .await?;
    let mut settings = SiteSettings::default();
    for row in rows {
        let key: String = row.try_get("key")?;
        if let Some(field) = settings.field_mut(&key) {
            *field = row.try_get("value")?;
        }
    }
    Ok(settings)
}

/// Reads one raw setting.
pub async fn get(db: &Db, key: &str) -> anyhow::Result<Option<String>> {
    let row = sqlx::query("SELECT value FROM settings WHERE key = $1")
        .bind(key)
        .fetch_optional(db.pool())
        .await?;
    Ok(match row {
        Some(row) => Some(row.try_get("value")?),
        None => None,
    })
}

/// Writes one raw setting.
pub async fn set(db: &Db, key: &str, value: &str) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO settings (key, value) VALUES ($1, $2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(key)
    .bind(value)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Reads every raw setting (for copies and diagnostics).
pub async fn all(db: &Db) -> anyhow::Result<HashMap<String, String>> {
    let rows = sqlx::query("SELECT key, value FROM settings")
        .fetch_all(db.pool())
        .await?;
    rows.into_iter()
        .map(|row| Ok((row.try_get("key")?, row.try_get("value")?)))
        .collect()
}
