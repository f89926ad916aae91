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
