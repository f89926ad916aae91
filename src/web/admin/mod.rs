//! The back office (后台) under `/admin`.
//!
//! Every route is declared once, through [`AdminRoutes`], with its method,
//! path and the [`Perm`] it requires. That one declaration both registers
//! the route with a guard that refuses a role lacking the permission (before
//! any extractor or handler runs) and lists it in [`routes`], the table the
//! role × action and CSRF tests are built from — so no route can be added
//! without being tested.
//!
//! Around the whole back office, [`authenticate`] finds the session from the
//! cookie and leaves a [`CurrentUser`] in the request, and marks every
//! response `Cache-Control: no-store`. Object-level checks (this editor's
//! channels, this writer's drafts) are the handlers' business, through
//! [`crate::auth::Access`]. Each file below owns its routes.

pub mod account;
pub mod announcements;
pub mod articles;
pub mod audit;
pub mod backups;
pub mod channels;
pub mod dashboard;
pub mod editor;
mod editor_form;
pub mod extract;
pub mod hold;
pub mod login;
pub mod mailbox;
pub mod mailbox_actions;
pub mod mailbox_report;
pub mod media;
pub mod pages;
pub mod revisions;
pub mod search_words;
pub mod settings;
pub mod staged;
pub mod stats;
pub mod users;
pub mod view;
pub mod workflow;

use axum::Router;
use axum::extract::{Request, State};
use axum::handler::Handler;
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::app::AppState;
use crate::auth::Perm;
use crate::auth::session::{self, Stage};
use crate::db;
use crate::error::AppError;

pub use extract::{ClientIp, CsrfForm, CurrentUser, LoginForm, Pairs, PendingLogin};

/// One back-office route: method, path pattern and required permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RouteSpec {
    /// `GET` or `POST`.
    pub method: &'static str,
    /// The axum path pattern, e.g. `/admin/articles/{id}`.
    pub path: &'static str,
    /// What the route requires.
    pub perm: Perm,
}

impl RouteSpec {
    /// Whether the route changes state (and so must carry a CSRF token).
    pub fn changes_state(&self) -> bool {
        self.method != "GET"
    }
}

/// A set of back-office routes and their table, built together.
#[derive(Default)]
pub struct AdminRoutes {
    router: Router<AppState>,
    specs: Vec<RouteSpec>,
}

impl std::fmt::Debug for AdminRoutes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(&self.specs).finish()
    }
}

impl AdminRoutes {
    /// No routes yet.
    pub fn new() -> AdminRoutes {
        AdminRoutes::default()
    }

    fn add(
        mut self,
        method: &'static str,
        path: &'static str,
        perm: Perm,
        route: axum::routing::MethodRouter<AppState>,
    ) -> AdminRoutes {
        debug_assert!(path.starts_with("/admin"), "{path}");
        self.specs.push(RouteSpec { method, path, perm });
        let guarded =
            route.route_layer(middleware::from_fn(move |req, next| guard(perm, req, next)));
        self.router = self.router.route(path, guarded);
        self
    }

    /// A GET route (which must change nothing).
    pub fn get<H, T>(self, path: &'static str, perm: Perm, handler: H) -> AdminRoutes
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add("GET", path, perm, axum::routing::get(handler))
    }

    /// A POST route (which must take its form through [`CsrfForm`] or check
    /// the token itself before acting).
    pub fn post<H, T>(self, path: &'static str, perm: Perm, handler: H) -> AdminRoutes
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add("POST", path, perm, axum::routing::post(handler))
    }

    /// Adds another file's routes.
    pub fn merge(mut self, other: AdminRoutes) -> AdminRoutes {
        self.router = self.router.merge(other.router);
        self.specs.extend(other.specs);
        self
    }

    /// The table of these routes.
    pub fn specs(&self) -> &[RouteSpec] {
        &self.specs
    }
}

fn all() -> AdminRoutes {
    AdminRoutes::new()
        .merge(login::router())
        .merge(account::router())
        .merge(dashboard::router())
        .merge(articles::router())
        .merge(editor::router())
        .merge(media::router())
        .merge(workflow::router())
        .merge(staged::router())
        .merge(revisions::router())
        .merge(channels::router())
        .merge(pages::router())
        .merge(announcements::router())
        .merge(settings::router())
        .merge(search_words::router())
        .merge(users::router())
        .merge(audit::router())
        .merge(backups::router())
        .merge(mailbox::router())
        .merge(mailbox_actions::router())
        .merge(mailbox_report::router())
        .merge(stats::router())
}

/// The table of every back-office route.
pub fn routes() -> Vec<RouteSpec> {
    all().specs
}

/// The back office's router, with authentication around it.
pub fn router(state: AppState) -> Router<AppState> {
    all()
        .router
        .layer(middleware::from_fn_with_state(state, authenticate))
}

/// Refuses a request whose user lacks `perm`: anonymous visitors go to the
/// login page, a session still awaiting its second factor goes back to it,
/// an admin who must enrol a second factor goes to enrol, anyone else gets
/// 403.
async fn guard(perm: Perm, req: Request, next: Next) -> Response {
    if perm == Perm::Public {
        return next.run(req).await;
    }
    let Some(user) = req.extensions().get::<CurrentUser>() else {
        if req.extensions().get::<PendingLogin>().is_some() {
            return view::see_other("/admin/login/totp");
        }
        return extract::to_login(req.method(), req.uri());
    };
    if user.must_enrol && perm != Perm::Account {
        return view::see_other("/admin/account/totp");
    }
    if !user.role.has(perm) {
        return AppError::Forbidden(format!("您的角色（{}）不能进行此操作。", user.role.label()))
            .into_response();
    }
    next.run(req).await
}

/// Finds the session of the request (if any), puts the client address and
/// the signed-in user into the request, and marks the response uncacheable.
pub async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let ip = extract::client_ip(&state.config, &req);
    req.extensions_mut().insert(ClientIp(ip.clone()));
    let token = session::read_cookie(req.headers(), session::COOKIE).map(str::to_string);
    let mut signed_in = false;
    if let Some(token) = token {
        match load_session(&state, &token, &ip).await {
            Ok(Some(Loaded::Full(user))) => {
                req.extensions_mut().insert(*user);
                signed_in = true;
            }
            Ok(Some(Loaded::Pending(p))) => {
                req.extensions_mut().insert(p);
            }
            Ok(None) => {}
            Err(e) => return AppError::Internal(e).into_response(),
        }
    }
    // A save of the editor after the session expired is kept, not lost.
    if !signed_in && hold::is_editor_save(req.method(), req.uri().path()) {
        req = match hold::keep(&state, req).await {
            Ok(held) => return held,
            Err(req) => req,
        };
    }
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::HeaderName::from_static("x-robots-tag"),
        HeaderValue::from_static("noindex, nofollow"),
    );
    response
}

enum Loaded {
    Full(Box<CurrentUser>),
    Pending(PendingLogin),
}

async fn load_session(state: &AppState, token: &str, ip: &str) -> anyhow::Result<Option<Loaded>> {
    let now = db::now();
    let Some(live) = session::resolve(&state.db, token, now).await? else {
        return Ok(None);
    };
    let Some(user) = db::users::get(&state.db, live.user_id).await? else {
        return Ok(None);
    };
    if user.disabled {
        // Disabling deletes sessions; this catches a race with a login.
        db::sessions::delete(&state.db, &live.id).await?;
        return Ok(None);
    }
    if live.stage == Stage::Totp {
        return Ok(Some(Loaded::Pending(PendingLogin {
            session_id: live.id,
            user_id: user.id,
            username: user.username,
            csrf_token: live.csrf,
        })));
    }
    let must_enrol = user.role == crate::auth::Role::Admin
        && !user.totp_enabled
        && settings::totp_required_for_admins(&state.db).await?;
    Ok(Some(Loaded::Full(Box::new(CurrentUser {
        id: user.id,
        username: user.username.clone(),
        display_name: user.shown_name().to_string(),
        role: user.role,
        channel_ids: user.channel_ids,
        csrf_token: live.csrf,
        totp_enabled: user.totp_enabled,
        must_enrol,
        ip: ip.to_string(),
        session_id: live.id,
    }))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_route_table_is_complete_and_unique() {
        let table = routes();
        let mut seen = std::collections::HashSet::new();
        for r in &table {
            assert!(r.path.starts_with("/admin"), "{r:?}");
            assert!(seen.insert((r.method, r.path)), "declared twice: {r:?}");
        }
        // Only the login pages are public; every POST needs more than that
        // except the two login steps.
        let public: Vec<_> = table
            .iter()
            .filter(|r| r.perm == Perm::Public)
            .map(|r| r.path)
            .collect();
        assert!(
            public.iter().all(|p| p.starts_with("/admin/login")),
            "{public:?}"
        );
        println!("{} back-office routes", table.len());
    }
}
