//! Single pages (单页) such as 关于我们, 招聘启事 and 版权申明.

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::Db;

/// One single page.
#[derive(Debug, Clone, Serialize)]
pub struct Page {
    /// Row id.
    pub id: i64,
    /// Address part: `/p/{slug}.html`.
    pub slug: String,
    /// Title.
    pub title: String,
    /// Sanitized body.
    pub body_html: String,
    /// Position in the footer.
    pub sort_order: i64,
    /// Whether the footer links to it.
    pub in_footer: bool,
}

fn from_row(row: &AnyRow) -> sqlx::Result<Page> {
    Ok(Page {
        id: row.try_get("id")?,
        slug: row.try_get("slug")?,
        title: row.try_get("title")?,
        body_html: row.try_get("body_html")?,
        sort_order: row.try_get("sort_order")?,
        in_footer: row.try_get::<i64, _>("in_footer")? != 0,
    })
}

/// Every single page in footer order.
pub async fn list(db: &Db) -> anyhow::Result<Vec<Page>> {
    let rows = sqlx::query(
        "SELECT id, slug, title, body_html, sort_order, in_footer FROM pages ORDER BY sort_order, id",
    )
    .fetch_all(db.pool())
    .await?;
    Ok(rows.iter().map(from_row).collect::<sqlx::Result<_>>()?)
}

/// One page by its slug.
pub async fn by_slug(db: &Db, slug: &str) -> anyhow::Result<Option<Page>> {
    let row = sqlx::query(
        "SELECT id, slug, title, body_html, sort_order, in_footer FROM pages WHERE slug = $1",
    )
    .bind(slug)
    .fetch_optional(db.pool())
    .await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

/// Creates or replaces a page by slug.
pub async fn upsert(
    db: &Db,
    slug: &str,
    title: &str,
    body_html: &str,
    sort_order: i64,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO pages (slug, title, body_html, sort_order, in_footer, updated_at)
         VALUES ($1, $2, $3, $4, 1, $5)
         ON CONFLICT (slug) DO UPDATE SET title = excluded.title, body_html = excluded.body_html,
             sort_order = excluded.sort_order, updated_at = excluded.updated_at",
    )
    .bind(slug)
    .bind(title)
    .bind(body_html)
    .bind(sort_order)
    .bind(super::now())
    .execute(db.pool())
    .await?;
    Ok(())
}

/// One page by id.
pub async fn get(db: &Db, id: i64) -> anyhow::Result<Option<Page>> {
    let row = sqlx::query(
        "SELECT id, slug, title, body_html, sort_order, in_footer FROM pages WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(db.pool())
    .await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

/// The values of a page to write.
#[derive(Debug, Clone)]
pub struct PageEdit<'a> {
    /// Address part.
    pub slug: &'a str,
    /// Title.
    pub title: &'a str,
    /// Sanitized body.
    pub body_html: &'a str,
    /// Position in the footer.
    pub sort_order: i64,
    /// Linked from the footer.
    pub in_footer: bool,
}

/// Whether a slug is used by a page other than `except`.
pub async fn slug_taken(db: &Db, slug: &str, except: Option<i64>) -> anyhow::Result<bool> {
    Ok(
        sqlx::query("SELECT 1 AS one FROM pages WHERE slug = $1 AND id <> $2")
            .bind(slug)
            .bind(except.unwrap_or(0))
            .fetch_optional(db.pool())
            .await?
            .is_some(),
    )
}

/// Creates a page; its id.
pub async fn create(db: &Db, p: &PageEdit<'_>) -> anyhow::Result<i64> {
    let row = sqlx::query(
        "INSERT INTO pages (slug, title, body_html, sort_order, in_footer, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(p.slug)
    .bind(p.title)
    .bind(p.body_html)
    .bind(p.sort_order)
    .bind(i64::from(p.in_footer))
    .bind(super::now())
    .fetch_one(db.pool())
    .await?;
    Ok(row.try_get("id")?)
}

/// Saves a page.
pub async fn update(db: &Db, id: i64, p: &PageEdit<'_>) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE pages SET slug = $1, title = $2, body_html = $3, sort_order = $4, in_footer = $5,
             updated_at = $6 WHERE id = $7",
    )
    .bind(p.slug)
    .bind(p.title)
    .bind(p.body_html)
    .bind(p.sort_order)
    .bind(i64::from(p.in_footer))
    .bind(super::now())
    .bind(id)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Deletes a page.
pub async fn delete(db: &Db, id: i64) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM pages WHERE id = $1")
        .bind(id)
        .execute(db.pool())
        .await?;
    Ok(())
}
