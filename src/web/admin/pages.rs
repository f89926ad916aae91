//! Single pages (单页) such as 关于我们 and 版权申明: list, create, edit
//! (the body through the same sanitizer and editor as articles), delete
//! with confirmation.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::view::{self, AdminPage, Confirm, Flash, Notice};
use super::{AdminRoutes, CsrfForm, CurrentUser};
use crate::app::AppState;
use crate::auth::Perm;
use crate::db::audit::{self, Outcome};
use crate::db::pages::{self, Page, PageEdit};
use crate::error::{AppError, AppResult};

/// Routes of this file.
pub fn router() -> AdminRoutes {
    AdminRoutes::new()
        .get("/admin/pages", Perm::SiteContent, list_pages)
        .get("/admin/pages/new", Perm::SiteContent, new_page)
        .post("/admin/pages/new", Perm::SiteContent, create_page)
        .get("/admin/pages/{id}", Perm::SiteContent, edit_page)
        .post("/admin/pages/{id}", Perm::SiteContent, save_page)
        .get(
            "/admin/pages/{id}/delete",
            Perm::SiteContent,
            confirm_delete_page,
        )
        .post("/admin/pages/{id}/delete", Perm::SiteContent, delete_page)
}

#[derive(Serialize)]
struct ListPage {
    pages: Vec<Page>,
}

async fn list_pages(
    State(state): State<AppState>,
    user: CurrentUser,
    Notice(flash): Notice,
) -> AppResult<Response> {
    let list = pages::list(&state.db).await?;
    view::render(
        &state,
        AdminPage {
            user: Some(&user),
            active: "pages",
            title: "单页",
            flash,
        },
        "admin/pages.html",
        ListPage { pages: list },
    )
    .await
}

#[derive(Deserialize, Serialize, Default)]
#[serde(default)]
struct PageForm {
    slug: String,
    title: String,
    body_html: String,
    sort_order: String,
    in_footer: Option<String>,
}

#[derive(Serialize)]
struct EditPage<'a> {
    id: Option<i64>,
    form: &'a PageForm,
    public_url: Option<String>,
    editor_js: Option<String>,
    editor_css: Option<String>,
}

async fn form_page(
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    flash: Option<Flash>,
    id: Option<i64>,
    form: &PageForm,
) -> AppResult<Response> {
    let title = if id.is_some() {
        format!("编辑单页：{}", form.title)
    } else {
        "新建单页".into()
    };
    let asset = |n: &str| crate::assets::find(n).map(|_| crate::assets::url(n));
    let page = EditPage {
        id,
        form,
        public_url: id.map(|_| crate::web::site::layout::page_url(&form.slug)),
        editor_js: asset("admin/editor.js"),
        editor_css: asset("admin/editor.css"),
    };
    view::render_status(
        state,
        status,
        AdminPage {
            user: Some(user),
            active: "pages",
            title: &title,
            flash,
        },
        "admin/page.html",
        page,
    )
    .await
}

async fn new_page(State(state): State<AppState>, user: CurrentUser) -> AppResult<Response> {
    let form = PageForm {
        sort_order: "100".into(),
        in_footer: Some("1".into()),
        ..PageForm::default()
    };
    form_page(&state, &user, StatusCode::OK, None, None, &form).await
}

async fn check(
    state: &AppState,
    f: &PageForm,
    id: Option<i64>,
) -> AppResult<Result<(String, i64), String>> {
    let title = f.title.trim();
    if title.is_empty() || title.chars().count() > 100 {
        return Ok(Err("标题需要 1 到 100 个字。".into()));
    }
    let slug = f.slug.trim().to_ascii_lowercase();
    if slug.is_empty()
        || slug.len() > 60
        || !slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Ok(Err("地址只能用小写字母、数字和连字符，例如 about。".into()));
    }
    if pages::slug_taken(&state.db, &slug, id).await? {
        return Ok(Err(format!("地址 {slug} 已被其他单页使用。")));
    }
    let order = match f.sort_order.trim() {
        "" => 100,
        s => match s.parse::<i64>() {
            Ok(n) if (-1_000_000..=1_000_000).contains(&n) => n,
            _ => return Ok(Err("排序应为整数。".into())),
        },
    };
    Ok(Ok((slug, order)))
}

/// The body sanitized in the bounded CPU pool, or the form shown again
/// naming the limit it is over.
async fn clean_body(
    state: &AppState,
    user: &CurrentUser,
    f: &PageForm,
    id: Option<i64>,
) -> AppResult<Result<String, Response>> {
    match crate::html::sanitize_bounded(f.body_html.clone()).await? {
        Ok(body) => Ok(Ok(body)),
        Err(e) => {
            let why = Some(Flash::error(e.message()));
            let page = form_page(state, user, StatusCode::UNPROCESSABLE_ENTITY, why, id, f).await?;
            Ok(Err(page))
        }
    }
}

async fn create_page(
    State(state): State<AppState>,
    user: CurrentUser,
    CsrfForm(f): CsrfForm<PageForm>,
) -> AppResult<Response> {
    let (slug, order) = match check(&state, &f, None).await? {
        Ok(v) => v,
        Err(why) => {
            return form_page(
                &state,
                &user,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(Flash::error(why)),
                None,
                &f,
            )
            .await;
        }
    };
    let body = match clean_body(&state, &user, &f, None).await? {
        Ok(b) => b,
        Err(page) => return Ok(page),
    };
    let id = pages::create(
        &state.db,
        &PageEdit {
            slug: &slug,
            title: f.title.trim(),
            body_html: &body,
            sort_order: order,
            in_footer: f.in_footer.is_some(),
        },
    )
    .await?;
    audit::record(
        &state.db,
        &user.actor(),
        "新建单页",
        &format!("单页 {}（{slug}）", f.title.trim()),
        Outcome::Ok,
        "",
    )
    .await?;
    Ok(view::see_other(&format!("/admin/pages/{id}?msg=created")))
}

async fn load(state: &AppState, id: i64) -> AppResult<Page> {
    pages::get(&state.db, id).await?.ok_or(AppError::NotFound)
}

async fn edit_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Notice(flash): Notice,
) -> AppResult<Response> {
    let p = load(&state, id).await?;
    let form = PageForm {
        slug: p.slug,
        title: p.title,
        body_html: p.body_html,
        sort_order: p.sort_order.to_string(),
        in_footer: p.in_footer.then(|| "1".into()),
    };
    form_page(&state, &user, StatusCode::OK, flash, Some(id), &form).await
}

async fn save_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<PageForm>,
) -> AppResult<Response> {
    let old = load(&state, id).await?;
    let (slug, order) = match check(&state, &f, Some(id)).await? {
        Ok(v) => v,
        Err(why) => {
            return form_page(
                &state,
                &user,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(Flash::error(why)),
                Some(id),
                &f,
            )
            .await;
        }
    };
    let body = match clean_body(&state, &user, &f, Some(id)).await? {
        Ok(b) => b,
        Err(page) => return Ok(page),
    };
    pages::update(
        &state.db,
        id,
        &PageEdit {
            slug: &slug,
            title: f.title.trim(),
            body_html: &body,
            sort_order: order,
            in_footer: f.in_footer.is_some(),
        },
    )
    .await?;
    audit::record(
        &state.db,
        &user.actor(),
        "修改单页",
        &format!("单页 {}（{}）", old.title, old.slug),
        Outcome::Ok,
        "",
    )
    .await?;
    Ok(view::see_other(&format!("/admin/pages/{id}?msg=saved")))
}

async fn confirm_delete_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let p = load(&state, id).await?;
    view::confirm(
        &state,
        &user,
        "pages",
        "删除单页",
        Confirm {
            question: format!("确定删除单页“{}”吗？", p.title),
            detail: format!(
                "地址 {} 将不再能打开，页脚中的链接也会消失。删除后无法恢复。",
                crate::web::site::layout::page_url(&p.slug)
            ),
            action: format!("/admin/pages/{id}/delete"),
            button: "删除单页",
            cancel: format!("/admin/pages/{id}"),
        },
    )
    .await
}

#[derive(Deserialize, Default)]
struct Empty {}

async fn delete_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    let p = load(&state, id).await?;
    pages::delete(&state.db, id).await?;
    audit::record(
        &state.db,
        &user.actor(),
        "删除单页",
        &format!("单页 {}（{}）", p.title, p.slug),
        Outcome::Ok,
        "",
    )
    .await?;
    Ok(view::see_other("/admin/pages?msg=deleted"))
}
