//! The application state shared by every request, and the one function
//! that opens the database, brings it up to date and builds the router —
//! used alike by `serve`, the CLI commands and the tests.

use std::sync::Arc;

use anyhow::Context;

use crate::config::Config;
use crate::db::{self, Db};
use crate::render::Templates;

/// What handlers share: one reference-counted pointer, so the clones that
/// every middleware layer and extractor makes per request touch a single
/// counter rather than one per field (under load those shared counters
/// bounce between cores and cost more than serving a cached page).
#[derive(Clone, Debug)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The fields of [`AppState`].
#[derive(Debug)]
pub struct Shared {
    /// Database.
    pub db: Db,
    /// Templates.
    pub templates: Arc<Templates>,
    /// Batched visit counts: the statistics and the articles' 点击数
    /// (one count; see `stats`).
    pub hits: Arc<crate::stats::Recorder>,
    /// Settings.
    pub config: Arc<Config>,
    /// The newest change seen in the shared change log.
    pub changes: Arc<crate::cluster::ChangeWatch>,
    /// This process's name among the instances of the site.
    pub instance: Arc<str>,
    /// The layout's data, cached per change number.
    pub site_cache: Arc<crate::web::site::layout::SiteCache>,
    /// Rendered public pages.
    pub page_cache: Arc<crate::web::cache::PageCache>,
    /// Whether responses name the instance (`X-Fupin-Instance`).
    pub announce_instance: bool,
}

/// Opens the configured database, applies migrations and writes the
/// reference site's structure when the database is new.
pub async fn open_db(config: &Config) -> anyhow::Result<Db> {
    if db::Backend::from_url(&config.database_url)? == db::Backend::Sqlite {
        std::fs::create_dir_all(&config.data_dir).with_context(|| {
            format!("cannot create data directory {}", config.data_dir.display())
        })?;
    }
    let options = db::DbOptions {
        acquire_timeout: config.db_acquire_timeout,
        ..Default::default()
    };
    let db = Db::connect_with(&config.database_url, &options).await?;
    db::migrate(&db).await?;
    if db::seed::ensure_reference_site(&db).await? {
        tracing::info!("created the reference site structure");
    }
    Ok(db)
}

impl AppState {
    /// Builds the state around an open database.
    pub fn new(db: Db, config: Config) -> AppState {
        AppState::named(db, config, None)
    }

    /// Builds the state of an instance with a name of its own, which its
    /// responses then announce (`X-Fupin-Instance`).
    pub fn named(db: Db, config: Config, name: Option<String>) -> AppState {
        let announce_instance = name.is_some();
        AppState(Arc::new(Shared {
            db,
            templates: Arc::new(Templates::new(config.theme_dir.clone())),
            hits: Arc::new(crate::stats::Recorder::new(config.count_visits)),
            config: Arc::new(config),
            changes: Arc::new(crate::cluster::ChangeWatch::default()),
            instance: name.unwrap_or_else(crate::cluster::new_instance_id).into(),
            site_cache: Arc::default(),
            page_cache: Arc::default(),
            announce_instance,
        }))
    }

    /// The raw pool, for tests that must write what no function writes.
    #[doc(hidden)]
    pub fn db_pool_for_tests(&self) -> &sqlx::AnyPool {
        self.db.pool()
    }

    /// The application's router.
    pub fn router(&self) -> axum::Router {
        crate::web::router(self.clone())
    }
}
