//! The article list (文章) with its filters and bulk actions (move, publish,
//! trash), and the recycle bin (回收站). Lists show only what the user may
//! see: everything for 管理员 and 审核, an 编辑's channels (and their own
//! articles), a 撰稿's own articles.

use axum::extract::{Query, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::view::{self, AdminPage, Notice, Pager};
use super::{AdminRoutes, CsrfForm, CurrentUser, Pairs};
use crate::app::AppState;
use crate::auth::{Perm, Role};
use crate::db::articles::Status;
use crate::db::channels::ChannelTree;
use crate::db::editorial::{self, ListFilter, ListRow, Review, Scope};
use crate::db::users;
use crate::editorial::Action;
use crate::error::AppResult;

/// Routes of this file.
pub fn router() -> AdminRoutes {
    AdminRoutes::new()
        .get("/admin/articles", Perm::Write, list_articles)
        .post("/admin/articles/bulk", Perm::Publish, bulk_articles)
        .get("/admin/trash", Perm::Publish, list_trash)
}

const PER_PAGE: i64 = 30;

/// The Chinese name of a state (a returned draft reads 已退回).
pub fn status_label(status: Status, note: &str) -> &'static str {
    match status {
        Status::Draft if !note.is_empty() => "已退回",
        Status::Draft => "草稿",
        Status::Pending => "待审核",
        Status::Published => "已发布",
        Status::Scheduled => "定时发布",
        Status::Trashed => "回收站",
    }
}

/// Which articles a user's lists show.
pub fn scope_of(user: &CurrentUser) -> Scope {
    match user.role {
        Role::Admin | Role::Reviewer => Scope::All,
        Role::Editor => Scope::Channels(user.channel_ids.clone(), user.id),
        Role::Writer | Role::Mailbox => Scope::Own(user.id),
    }
}

/// One article as lists show it.
#[derive(Debug, Serialize)]
pub struct ArticleLine {
    /// Id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Channel name.
    pub channel: String,
    /// Stored state.
    pub status: Status,
    /// State in Chinese.
    pub status_label: &'static str,
    /// Creator.
    pub creator: String,
    /// Publish time (or last change for drafts).
    pub time: String,
    /// Reviewer's note.
    pub note: String,
    /// Flags in Chinese (置顶 推荐 头条).
    pub flags: Vec<&'static str>,
}

/// List lines from rows.
pub fn lines(tree: &ChannelTree, rows: &[ListRow]) -> Vec<ArticleLine> {
    rows.iter()
        .map(|r| ArticleLine {
            id: r.id,
            title: r.title.clone(),
            channel: tree
                .get(r.channel_id)
                .map(|c| c.name.clone())
                .unwrap_or_default(),
            status: r.status,
            status_label: if r.has_pending {
                "已发布（有待审核的修改）"
            } else {
                status_label(r.status, &r.review_note)
            },
            creator: r.creator.clone().unwrap_or_else(|| "导入".into()),
            time: view::datetime(match r.status {
                Status::Published | Status::Scheduled => r.published_at,
                _ => r.updated_at,
            }),
            note: r.review_note.clone(),
            flags: [
                (r.is_pinned, "置顶"),
                (r.is_recommended, "推荐"),
                (r.is_headline, "头条"),
            ]
            .into_iter()
            .filter_map(|(on, l)| on.then_some(l))
            .collect(),
        })
        .collect()
}

/// A choice of a select.
#[derive(Debug, Serialize)]
pub struct Choice {
    /// Value.
    pub value: String,
    /// Label.
    pub label: String,
    /// Whether chosen.
    pub selected: bool,
}

/// The channel choices, indented by depth, optionally limited to some ids.
pub fn channel_choices(
    tree: &ChannelTree,
    selected: Option<i64>,
    only: Option<&[i64]>,
) -> Vec<Choice> {
    let mut out = Vec::new();
    fn walk(
        tree: &ChannelTree,
        parent: Option<i64>,
        depth: usize,
        selected: Option<i64>,
        only: Option<&[i64]>,
        out: &mut Vec<Choice>,
    ) {
        for c in tree.all().iter().filter(|c| c.parent_id == parent) {
            if only.is_none_or(|o| o.contains(&c.id)) {
                out.push(Choice {
                    value: c.id.to_string(),
                    label: format!("{}{}", "　".repeat(depth), c.name),
                    selected: selected == Some(c.id),
                });
            }
            if depth < 16 {
                walk(tree, Some(c.id), depth + 1, selected, only, out);
            }
        }
    }
    walk(tree, None, 0, selected, only, &mut out);
    out
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListQuery {
    channel: String,
    status: String,
    author: String,
    from: String,
    to: String,
    q: String,
    mine: String,
    review: String,
    page: String,
}

#[derive(Serialize)]
struct ListPage {
    review: String,
    items: Vec<ArticleLine>,
    pager: Pager,
    channels: Vec<Choice>,
    statuses: Vec<Choice>,
    authors: Vec<Choice>,
    move_targets: Vec<Choice>,
    from: String,
    to: String,
    q: String,
    mine: bool,
    can_bulk: bool,
    back: String,
}

fn parse_status(s: &str) -> Option<Status> {
    ["draft", "pending", "published", "scheduled", "trashed"]
        .contains(&s)
        .then(|| Status::parse(s))
}

async fn list_articles(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ListQuery>,
    Notice(flash): Notice,
) -> AppResult<Response> {
    let tree = ChannelTree::load(&state.db).await?;
    let channel = q
        .channel
        .parse::<i64>()
        .ok()
        .filter(|id| tree.get(*id).is_some());
    let status = parse_status(&q.status).filter(|s| *s != Status::Trashed);
    let author = q.author.parse::<i64>().ok();
    let mine = q.mine == "1";
    let page = q.page.parse::<i64>().unwrap_or(1).clamp(1, 100_000);
    let from = view::parse_local(&q.from);
    let to = view::parse_local(&q.to).map(|t| t + 86_400);
    // Keywords are searched as the public site searches (segmented, drafts
    // included here), together with plain title matches.
    let ids = matched_articles(&state, q.q.trim()).await?;
    let filter = ListFilter {
        ids,
        scope: scope_of(&user),
        channel_ids: channel.map(|c| tree.with_descendants(c)),
        status,
        created_by: if mine { Some(user.id) } else { author },
        from,
        to,
        q: Some(q.q.clone()).filter(|s| !s.trim().is_empty()),
        review: match q.review.as_str() {
            "overdue" => Some(Review::Overdue),
            "due" => Some(Review::Due),
            _ => None,
        },
    };
    let (rows, total) =
        editorial::list(&state.db, &filter, (page - 1) * PER_PAGE, PER_PAGE).await?;
    let enc = crate::web::site::layout::encode_query;
    let base = format!(
        "/admin/articles?channel={}&status={}&author={}&from={}&to={}&q={}&mine={}&review={}&",
        enc(&q.channel),
        enc(&q.status),
        enc(&q.author),
        enc(&q.from),
        enc(&q.to),
        enc(&q.q),
        enc(&q.mine),
        enc(&q.review)
    );
    let statuses = [
        Status::Draft,
        Status::Pending,
        Status::Published,
        Status::Scheduled,
    ]
    .into_iter()
    .map(|s| Choice {
        value: s.as_str().into(),
        label: status_label(s, "").into(),
        selected: status == Some(s),
    })
    .collect();
    let authors = if user.role == Role::Writer {
        Vec::new()
    } else {
        users::list(&state.db)
            .await?
            .into_iter()
            .filter(|u| u.role.has(Perm::Write))
            .map(|u| Choice {
                value: u.id.to_string(),
                label: u.shown_name().to_string(),
                selected: author == Some(u.id),
            })
            .collect()
    };
    let only = (user.role == Role::Editor).then_some(user.channel_ids.as_slice());
    let title = match status {
        Some(Status::Pending) => "待审核",
        Some(Status::Scheduled) => "定时发布",
        _ => "文章",
    };
    let active = match status {
        Some(Status::Pending) => "pending",
        Some(Status::Scheduled) => "scheduled",
        _ => "articles",
    };
    view::render(
        &state,
        AdminPage {
            user: Some(&user),
            active,
            title,
            flash,
        },
        "admin/articles.html",
        ListPage {
            items: lines(&tree, &rows),
            pager: Pager::new(&base, page, PER_PAGE, total),
            channels: channel_choices(&tree, channel, None),
            statuses,
            authors,
            move_targets: channel_choices(&tree, None, only),
            from: q.from.clone(),
            to: q.to.clone(),
            q: q.q.clone(),
            mine,
            review: q.review.clone(),
            can_bulk: user.role.has(Perm::Publish),
            back: format!("{base}page={page}"),
        },
    )
    .await
}

async fn bulk_articles(
    State(state): State<AppState>,
    user: CurrentUser,
    CsrfForm(form): CsrfForm<Pairs>,
) -> AppResult<Response> {
    let ids = form.ids("ids");
    let action = form.one("action");
    let back = Some(form.one("back"))
        .filter(|b| super::extract::safe_next(b) && b.starts_with("/admin/articles?"))
        .unwrap_or("/admin/articles?");
    let back = if back.ends_with('?') || back.ends_with('&') {
        back.to_string()
    } else {
        format!("{back}&")
    };
    if ids.is_empty() {
        return Err(crate::error::AppError::BadRequest(
            "请先勾选要处理的文章。".into(),
        ));
    }
    let target = form.one("channel_id").parse::<i64>().ok();
    let who = user.principal();
    let (mut done, mut skipped) = (0, 0);
    for &id in ids.iter().take(500) {
        let action = match action {
            "move" => match target {
                Some(channel_id) => Action::Move { id, channel_id },
                None => {
                    skipped += 1;
                    continue;
                }
            },
            "publish" => Action::Publish { id, at: None },
            "trash" => Action::Trash(id),
            _ => {
                return Err(crate::error::AppError::BadRequest(
                    "请选择批量操作：移动、发布或移入回收站。".into(),
                ));
            }
        };
        // Each article is its own transaction: one refused article (not
        // the user's, or in the wrong state) is skipped, the others done.
        match crate::editorial::apply(&state.db, &who, action).await {
            Ok(_) => done += 1,
            Err(crate::editorial::Error::Other(e)) => return Err(e.into()),
            Err(_) => skipped += 1,
        }
    }
    Ok(view::see_other(&format!(
        "{back}msg=bulk&n={done}&skipped={skipped}"
    )))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TrashQuery {
    page: String,
}

#[derive(Serialize)]
struct TrashPage {
    items: Vec<ArticleLine>,
    pager: Pager,
    can_purge: bool,
}

async fn list_trash(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<TrashQuery>,
    Notice(flash): Notice,
) -> AppResult<Response> {
    let tree = ChannelTree::load(&state.db).await?;
    let page = q.page.parse::<i64>().unwrap_or(1).clamp(1, 100_000);
    let filter = ListFilter {
        ids: None,
        scope: scope_of(&user),
        status: Some(Status::Trashed),
        ..ListFilter::default()
    };
    let (rows, total) =
        editorial::list(&state.db, &filter, (page - 1) * PER_PAGE, PER_PAGE).await?;
    view::render(
        &state,
        AdminPage {
            user: Some(&user),
            active: "trash",
            title: "回收站",
            flash,
        },
        "admin/trash.html",
        TrashPage {
            items: lines(&tree, &rows),
            pager: Pager::new("/admin/trash?", page, PER_PAGE, total),
            can_purge: user.role == Role::Admin,
        },
    )
    .await
}

/// The articles the search index finds for the keywords, drafts included
/// (at most [`crate::search::query::MAX_RESULTS`]); none without keywords.
async fn matched_articles(state: &AppState, text: &str) -> AppResult<Option<Vec<i64>>> {
    if text.is_empty() {
        return Ok(None);
    }
    let mut ids = Vec::new();
    let mut page = 1;
    loop {
        let found = crate::search::search(
            &state.db,
            &crate::search::SearchQuery {
                text: text.to_string(),
                channel_ids: Vec::new(),
                from: None,
                to: None,
                sort: crate::search::Sort::Relevance,
                include_unpublished: true,
                page,
                per_page: 100,
            },
        )
        .await?;
        ids.extend(
            found
                .hits
                .iter()
                .filter(|h| h.kind == crate::search::query::HitKind::Article)
                .map(|h| h.id),
        );
        if page >= found.pages || found.hits.is_empty() {
            break;
        }
        page += 1;
    }
    Ok(Some(ids))
}
