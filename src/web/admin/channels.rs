//! Channels (栏目): create, rename, move under another parent, reorder,
//! hide from the channel bar, and delete — a channel holding articles asks
//! where they go first; one with sub-channels must be emptied first.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::articles::{Choice, channel_choices};
use super::view::{self, AdminPage, Flash, Notice};
use super::{AdminRoutes, CsrfForm, CurrentUser, Pairs};
use crate::app::AppState;
use crate::auth::Perm;
use crate::db::audit::{self, Outcome};
use crate::db::channels::{self, Channel, ChannelEdit, ChannelTree, NewChannel};
use crate::db::editorial;
use crate::error::{AppError, AppResult};

/// Routes of this file.
pub fn router() -> AdminRoutes {
    AdminRoutes::new()
        .get("/admin/channels", Perm::Admin, list_channels)
        .post("/admin/channels/new", Perm::Admin, create_channel)
        .post("/admin/channels/order", Perm::Admin, reorder_channels)
        .get("/admin/channels/{id}", Perm::Admin, edit_channel)
        .post("/admin/channels/{id}", Perm::Admin, save_channel)
        .get(
            "/admin/channels/{id}/delete",
            Perm::Admin,
            confirm_delete_channel,
        )
        .post("/admin/channels/{id}/delete", Perm::Admin, delete_channel)
}

#[derive(Serialize)]
struct Row {
    id: i64,
    name: String,
    indent: String,
    slug: String,
    sort_order: i64,
    in_nav: bool,
    articles: i64,
}

#[derive(Serialize)]
struct ListPage {
    rows: Vec<Row>,
    parents: Vec<Choice>,
    form: FormValues,
}

#[derive(Serialize, Default)]
struct FormValues {
    name: String,
    slug: String,
    parent_id: String,
    sort_order: i64,
    in_nav: bool,
    description: String,
    /// 复核周期 in days ("" or 0: none).
    review_days: String,
}

async fn rows(state: &AppState, tree: &ChannelTree) -> AppResult<Vec<Row>> {
    let mut out = Vec::new();
    for c in channel_choices(tree, None, None) {
        let id: i64 = c.value.parse().unwrap_or(0);
        let Some(ch) = tree.get(id) else { continue };
        out.push(Row {
            id,
            indent: c.label.chars().take_while(|ch| *ch == '　').collect(),
            name: ch.name.clone(),
            slug: ch.slug.clone(),
            sort_order: ch.sort_order,
            in_nav: ch.in_nav,
            articles: editorial::count_in_channel(&state.db, id).await?,
        });
    }
    Ok(out)
}

async fn list_page(
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    flash: Option<Flash>,
    form: FormValues,
) -> AppResult<Response> {
    let tree = ChannelTree::load(&state.db).await?;
    let page = ListPage {
        rows: rows(state, &tree).await?,
        parents: channel_choices(&tree, form.parent_id.parse().ok(), None),
        form,
    };
    view::render_status(
        state,
        status,
        AdminPage {
            user: Some(user),
            active: "channels",
            title: "栏目",
            flash,
        },
        "admin/channels.html",
        page,
    )
    .await
}

async fn list_channels(
    State(state): State<AppState>,
    user: CurrentUser,
    Notice(flash): Notice,
) -> AppResult<Response> {
    let form = FormValues {
        in_nav: true,
        sort_order: 100,
        ..FormValues::default()
    };
    list_page(&state, &user, StatusCode::OK, flash, form).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ChannelForm {
    name: String,
    slug: String,
    parent_id: String,
    sort_order: String,
    in_nav: Option<String>,
    description: String,
    review_days: String,
}

impl ChannelForm {
    fn values(&self) -> FormValues {
        FormValues {
            name: self.name.clone(),
            slug: self.slug.clone(),
            parent_id: self.parent_id.clone(),
            sort_order: self.sort_order.trim().parse().unwrap_or(0),
            in_nav: self.in_nav.is_some(),
            description: self.description.clone(),
            review_days: self.review_days.clone(),
        }
    }
}

/// A checked channel form.
struct Checked {
    parent_id: Option<i64>,
    name: String,
    slug: Option<String>,
    sort_order: i64,
    in_nav: bool,
    description: String,
}

fn valid_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 60
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
}

async fn check(
    state: &AppState,
    tree: &ChannelTree,
    f: &ChannelForm,
    id: Option<i64>,
) -> AppResult<Result<Checked, String>> {
    let name = f.name.trim();
    if name.is_empty() || name.chars().count() > 50 {
        return Ok(Err("栏目名称需要 1 到 50 个字。".into()));
    }
    let parent_id = match f.parent_id.trim() {
        "" | "0" => None,
        p => match p.parse::<i64>().ok().filter(|p| tree.get(*p).is_some()) {
            Some(p) => Some(p),
            None => return Ok(Err("所选上级栏目不存在。".into())),
        },
    };
    if let (Some(me), Some(p)) = (id, parent_id)
        && tree.with_descendants(me).contains(&p)
    {
        return Ok(Err("不能把栏目移到它自己或它的下级栏目之下。".into()));
    }
    let slug = f.slug.trim().to_ascii_lowercase();
    if !slug.is_empty() {
        if !valid_slug(&slug) {
            return Ok(Err(
                "栏目地址只能用小写字母、数字和连字符，例如 fupin-yaowen。".into(),
            ));
        }
        if channels::slug_taken(&state.db, &slug, id).await? {
            return Ok(Err(format!("栏目地址 {slug} 已被其他栏目使用。")));
        }
    } else if id.is_some() {
        return Ok(Err("请填写栏目地址。".into()));
    }
    if channels::name_taken(&state.db, parent_id, name, id).await? {
        return Ok(Err(format!("同一上级栏目下已有名为“{name}”的栏目。")));
    }
    let sort_order = match f.sort_order.trim() {
        "" => 100,
        s => match s.parse::<i64>() {
            Ok(n) if (-1_000_000..=1_000_000).contains(&n) => n,
            _ => return Ok(Err("排序应为整数，数字小的排在前面。".into())),
        },
    };
    Ok(Ok(Checked {
        parent_id,
        name: name.to_string(),
        slug: (!slug.is_empty()).then_some(slug),
        sort_order,
        in_nav: f.in_nav.is_some(),
        description: f.description.trim().chars().take(500).collect(),
    }))
}

async fn create_channel(
    State(state): State<AppState>,
    user: CurrentUser,
    CsrfForm(f): CsrfForm<ChannelForm>,
) -> AppResult<Response> {
    let tree = ChannelTree::load(&state.db).await?;
    let c = match check(&state, &tree, &f, None).await? {
        Ok(c) => c,
        Err(why) => {
            return list_page(
                &state,
                &user,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(Flash::error(why)),
                f.values(),
            )
            .await;
        }
    };
    let created = channels::create(
        &state.db,
        NewChannel {
            parent_id: c.parent_id,
            name: &c.name,
            slug: c.slug.as_deref(),
            sort_order: c.sort_order,
            in_nav: c.in_nav,
            description: &c.description,
        },
    )
    .await?;
    audit::record(
        &state.db,
        &user.actor(),
        "新建栏目",
        &format!("栏目 {}（{}）", created.name, created.slug),
        Outcome::Ok,
        "",
    )
    .await?;
    Ok(view::see_other("/admin/channels?msg=created"))
}

async fn reorder_channels(
    State(state): State<AppState>,
    user: CurrentUser,
    CsrfForm(form): CsrfForm<Pairs>,
) -> AppResult<Response> {
    let tree = ChannelTree::load(&state.db).await?;
    let mut orders = Vec::new();
    for (k, v) in &form.0 {
        let Some(id) = k.strip_prefix("order_").and_then(|i| i.parse::<i64>().ok()) else {
            continue;
        };
        if tree.get(id).is_none() {
            continue;
        }
        match v.trim().parse::<i64>() {
            Ok(n) if (-1_000_000..=1_000_000).contains(&n) => orders.push((id, n)),
            _ => {
                return Err(AppError::BadRequest(
                    "排序应为整数，数字小的排在前面。".into(),
                ));
            }
        }
    }
    channels::set_orders(&state.db, &orders).await?;
    audit::record(
        &state.db,
        &user.actor(),
        "调整栏目顺序",
        "栏目",
        Outcome::Ok,
        "",
    )
    .await?;
    Ok(view::see_other("/admin/channels?msg=ordered"))
}

#[derive(Serialize)]
struct EditPage {
    id: i64,
    form: FormValues,
    parents: Vec<Choice>,
}

async fn edit_page(
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    flash: Option<Flash>,
    ch: &Channel,
    form: FormValues,
) -> AppResult<Response> {
    let tree = ChannelTree::load(&state.db).await?;
    let below = tree.with_descendants(ch.id);
    let parents = channel_choices(&tree, form.parent_id.parse().ok(), None)
        .into_iter()
        .filter(|c| !below.iter().any(|b| b.to_string() == c.value))
        .collect();
    let title = format!("栏目：{}", ch.name);
    view::render_status(
        state,
        status,
        AdminPage {
            user: Some(user),
            active: "channels",
            title: &title,
            flash,
        },
        "admin/channel.html",
        EditPage {
            id: ch.id,
            form,
            parents,
        },
    )
    .await
}

async fn load(state: &AppState, id: i64) -> AppResult<Channel> {
    ChannelTree::load(&state.db)
        .await?
        .get(id)
        .cloned()
        .ok_or(AppError::NotFound)
}

async fn edit_channel(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Notice(flash): Notice,
) -> AppResult<Response> {
    let ch = load(&state, id).await?;
    let form = FormValues {
        name: ch.name.clone(),
        slug: ch.slug.clone(),
        parent_id: ch.parent_id.map(|p| p.to_string()).unwrap_or_default(),
        sort_order: ch.sort_order,
        in_nav: ch.in_nav,
        description: ch.description.clone(),
        review_days: match editorial::review_days(&state.db, id).await? {
            0 => String::new(),
            n => n.to_string(),
        },
    };
    edit_page(&state, &user, StatusCode::OK, flash, &ch, form).await
}

async fn save_channel(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<ChannelForm>,
) -> AppResult<Response> {
    let ch = load(&state, id).await?;
    let tree = ChannelTree::load(&state.db).await?;
    let c = match check(&state, &tree, &f, Some(id)).await? {
        Ok(c) => c,
        Err(why) => {
            return edit_page(
                &state,
                &user,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(Flash::error(why)),
                &ch,
                f.values(),
            )
            .await;
        }
    };
    let review_days = match f.review_days.trim() {
        "" => 0,
        n => match n.parse::<i64>() {
            Ok(d) if (0..=3650).contains(&d) => d,
            _ => {
                return edit_page(
                    &state,
                    &user,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Some(Flash::error(
                        "复核周期应为 0 到 3650 之间的天数（0 或不填为不复核）。",
                    )),
                    &ch,
                    f.values(),
                )
                .await;
            }
        },
    };
    editorial::set_channel_review_days(&state.db, id, review_days).await?;
    let slug = c.slug.clone().unwrap_or_else(|| ch.slug.clone());
    channels::update(
        &state.db,
        id,
        &ChannelEdit {
            parent_id: c.parent_id,
            name: &c.name,
            slug: &slug,
            sort_order: c.sort_order,
            in_nav: c.in_nav,
            description: &c.description,
        },
    )
    .await?;
    let mut changes = Vec::new();
    if ch.name != c.name {
        changes.push(format!("改名为 {}", c.name));
    }
    if ch.parent_id != c.parent_id {
        changes.push("移动位置".to_string());
    }
    if ch.in_nav != c.in_nav {
        changes.push(
            if c.in_nav {
                "在导航中显示"
            } else {
                "从导航中隐藏"
            }
            .to_string(),
        );
    }
    audit::record(
        &state.db,
        &user.actor(),
        "修改栏目",
        &format!("栏目 {}（{}）", ch.name, ch.slug),
        Outcome::Ok,
        &changes.join("，"),
    )
    .await?;
    Ok(view::see_other(&format!("/admin/channels/{id}?msg=saved")))
}

#[derive(Serialize)]
struct DeletePage {
    id: i64,
    name: String,
    articles: i64,
    children: Vec<String>,
    targets: Vec<Choice>,
}

async fn confirm_delete_channel(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let ch = load(&state, id).await?;
    let tree = ChannelTree::load(&state.db).await?;
    let page = DeletePage {
        id,
        name: ch.name.clone(),
        articles: editorial::count_in_channel(&state.db, id).await?,
        children: tree.children(id).map(|c| c.name.clone()).collect(),
        targets: channel_choices(&tree, None, None)
            .into_iter()
            .filter(|c| c.value != id.to_string())
            .collect(),
    };
    let title = format!("删除栏目：{}", ch.name);
    view::render(
        &state,
        AdminPage {
            user: Some(&user),
            active: "channels",
            title: &title,
            flash: None,
        },
        "admin/channel_delete.html",
        page,
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DeleteForm {
    move_to: String,
}

async fn delete_channel(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<DeleteForm>,
) -> AppResult<Response> {
    let ch = load(&state, id).await?;
    let tree = ChannelTree::load(&state.db).await?;
    if tree.children(id).next().is_some() {
        return Err(AppError::BadRequest(
            "这个栏目还有下级栏目，请先把它们移走或删除。".into(),
        ));
    }
    let count = editorial::count_in_channel(&state.db, id).await?;
    let mut detail = String::new();
    if count > 0 {
        let Some(target) = f
            .move_to
            .parse::<i64>()
            .ok()
            .filter(|t| *t != id && tree.get(*t).is_some())
        else {
            return Err(AppError::BadRequest(format!(
                "这个栏目有 {count} 篇文章，请选择把它们移到哪个栏目。"
            )));
        };
        // Each article moves through the one way of changing an article
        // (its revision and log entry with it).
        let who = user.principal();
        for article in editorial::ids_in_channel(&state.db, id).await? {
            let action = crate::editorial::Action::Move {
                id: article,
                channel_id: target,
            };
            crate::editorial::apply(&state.db, &who, action).await?;
        }
        detail = format!(
            "{count} 篇文章移到 {}",
            tree.get(target).map_or("", |c| c.name.as_str())
        );
    }
    channels::delete(&state.db, id).await?;
    audit::record(
        &state.db,
        &user.actor(),
        "删除栏目",
        &format!("栏目 {}（{}）", ch.name, ch.slug),
        Outcome::Ok,
        &detail,
    )
    .await?;
    Ok(view::see_other("/admin/channels?msg=deleted"))
}
