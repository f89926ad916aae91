//! The channel tree (栏目): name, slug, parent, order, navigation flag and
//! description. [`ChannelTree`] answers the tree questions (breadcrumbs,
//! children, descendants) in memory from one query.

use std::collections::HashMap;

use anyhow::Context;
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Db, now};

/// One channel.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Channel {
    /// Row id.
    pub id: i64,
    /// Parent channel, none at the top.
    pub parent_id: Option<i64>,
    /// Display name, e.g. 地市联播.
    pub name: String,
    /// Address part: `/c/{slug}/`.
    pub slug: String,
    /// Position among its siblings and in the navigation bar.
    pub sort_order: i64,
    /// Whether the channel bar shows it.
    pub in_nav: bool,
    /// Optional description shown on the channel page.
    pub description: String,
}

/// Values for a new channel.
#[derive(Debug, Clone)]
pub struct NewChannel<'a> {
    /// Parent channel.
    pub parent_id: Option<i64>,
    /// Display name.
    pub name: &'a str,
    /// Slug; made from the name's pinyin when none is given.
    pub slug: Option<&'a str>,
    /// Position.
    pub sort_order: i64,
    /// Whether the channel bar shows it.
    pub in_nav: bool,
    /// Description.
    pub description: &'a str,
}

const COLUMNS: &str = "id, parent_id, name, slug, sort_order, in_nav, description";

fn from_row(row: &AnyRow) -> sqlx::Result<Channel> {
    Ok(Channel {
        id: row.try_get("id")?,
        parent_id: row.try_get("parent_id")?,
        name: row.try_get("name")?,
        slug: row.try_get("slug")?,
        sort_order: row.try_get("sort_order")?,
        in_nav: row.try_get::<i64, _>("in_nav")? != 0,
        description: row.try_get("description")?,
    })
}

/// Every channel, in tree order (by position, then id).
pub async fn list(db: &Db) -> anyhow::Result<Vec<Channel>> {
    let sql = format!("SELECT {COLUMNS} FROM channels ORDER BY sort_order, id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(db.pool())
        .await?;
    Ok(rows.iter().map(from_row).collect::<sqlx::Result<_>>()?)
}

/// Creates a channel and returns it.
pub async fn create(db: &Db, new: NewChannel<'_>) -> anyhow::Result<Channel> {
    let base = match new.slug {
        Some(slug) => slug.to_string(),
        None => slugify(new.name),
    };
    // Slugs are unique; a clash with another branch gets a number appended.
    let mut slug = base.clone();
    for n in 2.. {
        let taken = sqlx::query("SELECT 1 AS one FROM channels WHERE slug = $1")
            .bind(&slug)
            .fetch_optional(db.pool())
            .await?
            .is_some();
        if !taken {
            break;
        }
        slug = format!("{base}-{n}");
    }
    let t = now();
    let row = sqlx::query(
        "INSERT INTO channels (parent_id, name, slug, sort_order, in_nav, description, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
    )
    .bind(new.parent_id)
    .bind(new.name)
    .bind(&slug)
    .bind(new.sort_order)
    .bind(i64::from(new.in_nav))
    .bind(new.description)
    .bind(t)
    .fetch_one(db.pool())
    .await
    .with_context(|| format!("cannot create channel {}", new.name))?;
    Ok(Channel {
        id: row.try_get("id")?,
        parent_id: new.parent_id,
        name: new.name.to_string(),
        slug,
        sort_order: new.sort_order,
        in_nav: new.in_nav,
        description: new.description.to_string(),
    })
}

/// Finds the channel path given by names from the top, creating what is
/// missing (hidden from the navigation, after its siblings). Returns the
/// channels from the top down.
pub async fn ensure_path(db: &Db, names: &[String]) -> anyhow::Result<Vec<Channel>> {
    let mut all = list(db).await?;
    let mut parent: Option<i64> = None;
    let mut path = Vec::with_capacity(names.len());
    for (depth, name) in names.iter().enumerate() {
        // A name at the top may also match a channel that sits deeper in our
        // tree when the old breadcrumb skipped a level; prefer the exact level.
        let found = all
            .iter()
            .find(|c| c.parent_id == parent && &c.name == name)
            .or_else(|| {
                (depth == 0)
                    .then(|| all.iter().find(|c| &c.name == name))
                    .flatten()
            })
            .cloned();
        let channel = match found {
            Some(c) => c,
            None => {
                let order = all
                    .iter()
                    .filter(|c| c.parent_id == parent)
                    .map(|c| c.sort_order)
                    .max()
                    .unwrap_or(0)
                    + 10;
                let c = create(
                    db,
                    NewChannel {
                        parent_id: parent,
                        name,
                        slug: None,
                        sort_order: order,
                        in_nav: false,
                        description: "",
                    },
                )
                .await?;
                all.push(c.clone());
                c
            }
        };
        parent = Some(channel.id);
        path.push(channel);
    }
    Ok(path)
}

/// Makes an address-safe slug from a channel name: pinyin syllables joined
/// by dashes for Chinese, lower-case letters and digits otherwise.
pub fn slugify(name: &str) -> String {
    use pinyin::ToPinyin;
    let mut parts: Vec<String> = Vec::new();
    let mut word = String::new();
    for ch in name.chars() {
        if let Some(p) = ch.to_pinyin() {
            if !word.is_empty() {
                parts.push(std::mem::take(&mut word));
            }
            parts.push(p.plain().to_string());
        } else if ch.is_ascii_alphanumeric() {
            word.push(ch.to_ascii_lowercase());
        } else if !word.is_empty() {
            parts.push(std::mem::take(&mut word));
        }
    }
    if !word.is_empty() {
        parts.push(word);
    }
    // Two-syllable words read better joined: 地市联播 -> dishi-lianbo.
    let joined = if parts.len() == 4
        && parts
            .iter()
            .all(|p| p.chars().all(|c| c.is_ascii_lowercase()))
    {
        format!("{}{}-{}{}", parts[0], parts[1], parts[2], parts[3])
    } else {
        parts.join("-")
    };
    if joined.is_empty() {
        "channel".to_string()
    } else {
        joined
    }
}

/// The channel tree held in memory, for navigation and breadcrumbs.
#[derive(Debug, Clone, Default)]
pub struct ChannelTree {
    channels: Vec<Channel>,
    by_id: HashMap<i64, usize>,
}

impl ChannelTree {
    /// Builds the tree from the rows of [`list`].
    pub fn new(channels: Vec<Channel>) -> ChannelTree {
        let by_id = channels
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id, i))
            .collect();
        ChannelTree { channels, by_id }
    }

    /// Loads the tree from the database.
    pub async fn load(db: &Db) -> anyhow::Result<ChannelTree> {
        Ok(ChannelTree::new(list(db).await?))
    }

    /// Every channel in order.
    pub fn all(&self) -> &[Channel] {
        &self.channels
    }

    /// One channel by id.
    pub fn get(&self, id: i64) -> Option<&Channel> {
        self.by_id.get(&id).map(|&i| &self.channels[i])
    }

    /// One channel by slug.
    pub fn by_slug(&self, slug: &str) -> Option<&Channel> {
        self.channels.iter().find(|c| c.slug == slug)
    }

    /// The channels of the navigation bar, in order.
    pub fn nav(&self) -> impl Iterator<Item = &Channel> {
        self.channels.iter().filter(|c| c.in_nav)
    }

    /// The channels at the top of the tree.
    pub fn roots(&self) -> impl Iterator<Item = &Channel> {
        self.channels.iter().filter(|c| c.parent_id.is_none())
    }

    /// The direct children of a channel.
    pub fn children(&self, id: i64) -> impl Iterator<Item = &Channel> {
        self.channels
            .iter()
            .filter(move |c| c.parent_id == Some(id))
    }

    /// The path from the top down to `id`, inclusive.
    pub fn ancestry(&self, id: i64) -> Vec<&Channel> {
        let mut path = Vec::new();
        let mut cursor = self.get(id);
        while let Some(c) = cursor {
            if path.len() > self.channels.len() {
                break; // a cycle would be a data error; never loop forever
            }
            path.push(c);
            cursor = c.parent_id.and_then(|p| self.get(p));
        }
        path.reverse();
        path
    }

    /// `id` and every channel below it.
    pub fn with_descendants(&self, id: i64) -> Vec<i64> {
        let mut out = vec![id];
        let mut i = 0;
        while i < out.len() && out.len() <= self.channels.len() {
            let parent = out[i];
            out.extend(self.children(parent).map(|c| c.id));
            i += 1;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_pinyin() {
        assert_eq!(slugify("地市联播"), "dishi-lianbo");
        assert_eq!(slugify("扶贫要闻"), "fupin-yaowen");
        assert_eq!(slugify("国际交流"), "guoji-jiaoliu");
        assert_eq!(slugify("莞韶"), "guan-shao");
        assert_eq!(slugify("5G 专栏"), "5g-zhuan-lan");
        assert_eq!(slugify("!!!"), "channel");
    }

    fn ch(id: i64, parent: Option<i64>, name: &str) -> Channel {
        Channel {
            id,
            parent_id: parent,
            name: name.into(),
            slug: format!("s{id}"),
            sort_order: id,
            in_nav: true,
            description: String::new(),
        }
    }

    #[test]
    fn tree_answers_ancestry_and_descendants() {
        let tree = ChannelTree::new(vec![
            ch(1, None, "扶贫前沿"),
            ch(2, Some(1), "地市联播"),
            ch(3, Some(2), "韶关"),
        ]);
        let names: Vec<_> = tree.ancestry(3).iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["扶贫前沿", "地市联播", "韶关"]);
        assert_eq!(tree.with_descendants(1), vec![1, 2, 3]);
        assert_eq!(tree.with_descendants(3), vec![3]);
    }
}

/// The editable values of a channel.
#[derive(Debug, Clone)]
pub struct ChannelEdit<'a> {
    /// Parent.
    pub parent_id: Option<i64>,
    /// Name.
    pub name: &'a str,
    /// Slug (unique).
    pub slug: &'a str,
    /// Position.
    pub sort_order: i64,
    /// Shown in the channel bar.
    pub in_nav: bool,
    /// Description.
    pub description: &'a str,
}

/// Whether a slug is used by a channel other than `except`.
pub async fn slug_taken(db: &Db, slug: &str, except: Option<i64>) -> anyhow::Result<bool> {
    Ok(
        sqlx::query("SELECT 1 AS one FROM channels WHERE slug = $1 AND id <> $2")
            .bind(slug)
            .bind(except.unwrap_or(0))
            .fetch_optional(db.pool())
            .await?
            .is_some(),
    )
}

/// Whether a sibling (same parent) already has this name.
pub async fn name_taken(
    db: &Db,
    parent_id: Option<i64>,
    name: &str,
    except: Option<i64>,
) -> anyhow::Result<bool> {
    Ok(sqlx::query(
        "SELECT 1 AS one FROM channels WHERE COALESCE(parent_id, 0) = $1 AND name = $2 AND id <> $3",
    )
    .bind(parent_id.unwrap_or(0))
    .bind(name)
    .bind(except.unwrap_or(0))
    .fetch_optional(db.pool())
    .await?
    .is_some())
}

/// Saves a channel's values.
pub async fn update(db: &Db, id: i64, e: &ChannelEdit<'_>) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE channels SET parent_id = $1, name = $2, slug = $3, sort_order = $4, in_nav = $5,
             description = $6, updated_at = $7 WHERE id = $8",
    )
    .bind(e.parent_id)
    .bind(e.name)
    .bind(e.slug)
    .bind(e.sort_order)
    .bind(i64::from(e.in_nav))
    .bind(e.description)
    .bind(now())
    .bind(id)
    .execute(db.pool())
    .await
    .with_context(|| format!("cannot save channel {id}"))?;
    Ok(())
}

/// Sets the positions of several channels at once.
pub async fn set_orders(db: &Db, orders: &[(i64, i64)]) -> anyhow::Result<()> {
    let mut tx = db.begin_write().await?;
    for (id, order) in orders {
        sqlx::query("UPDATE channels SET sort_order = $1, updated_at = $2 WHERE id = $3")
            .bind(*order)
            .bind(now())
            .bind(*id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Deletes a channel that has no children and no articles.
pub async fn delete(db: &Db, id: i64) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM channels WHERE id = $1")
        .bind(id)
        .execute(db.pool())
        .await
        .with_context(|| format!("cannot delete channel {id}"))?;
    Ok(())
}
