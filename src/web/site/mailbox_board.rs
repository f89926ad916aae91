//! The public pages that read letters: the query page (letter number and
//! 查询码 → status, letter and reply; wrong codes limited per address) and
//! the board of answered letters whose writers agreed to publication, with
//! the name masked and no contact details. Letters are shown as text.

use super::Pagination;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};

use super::Crumb;
use super::layout::{self, date};
use super::mailbox::{Client, crumbs, private, render, token_of};
use crate::app::AppState;
use crate::assets;
use crate::auth::token;
use crate::db::{self, letters};
use crate::error::{AppError, AppResult};
use crate::mailbox::{self, guard};

/// Routes of this file.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/mailbox/query", get(show_query).post(query_letter))
        .route("/mailbox/board", get(show_board))
}

/// Letters per page of the board.
const BOARD_PAGE: i64 = 10;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct QueryForm {
    number: String,
    code: String,
    csrf: String,
}

#[derive(Serialize)]
struct LetterView {
    number: String,
    subject: String,
    category: &'static str,
    body: String,
    date: String,
    status: &'static str,
    status_key: &'static str,
    reply: String,
    reply_date: String,
    published: bool,
}

#[derive(Serialize)]
struct QueryPage {
    breadcrumb: Vec<Crumb>,
    mailbox_css: String,
    csrf: String,
    number: String,
    error: Option<&'static str>,
    letter: Option<LetterView>,
}

async fn query_page(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    number: String,
    error: Option<&'static str>,
    letter: Option<LetterView>,
) -> AppResult<Response> {
    let (csrf, cookie) = token_of(state, headers);
    let page = QueryPage {
        breadcrumb: crumbs("查询回复", "/mailbox/query"),
        mailbox_css: assets::url("mailbox.css"),
        csrf,
        number,
        error,
        letter,
    };
    let html = render(
        state,
        headers,
        "查询回复",
        "/mailbox/query",
        "site/mailbox_query.html",
        page,
    )
    .await?;
    Ok(private(status, html, cookie))
}

async fn show_query(State(state): State<AppState>, headers: HeaderMap) -> AppResult<Response> {
    query_page(&state, &headers, StatusCode::OK, String::new(), None, None).await
}

async fn query_letter(
    State(state): State<AppState>,
    Client(ip): Client,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Response> {
    let q: QueryForm = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let number: String = q
        .number
        .chars()
        .filter(char::is_ascii_digit)
        .take(20)
        .collect();
    let token_ok = guard::form_token(&headers).is_some_and(|c| token::same(&c, &q.csrf));
    if !token_ok {
        let m = "页面已过期，请重新输入后查询。";
        return query_page(
            &state,
            &headers,
            StatusCode::FORBIDDEN,
            number,
            Some(m),
            None,
        )
        .await;
    }
    if !guard::admit_query(&state.db, &guard::client_key(&ip), db::now()).await? {
        let m = "查询过于频繁，请一小时后再试。";
        return query_page(
            &state,
            &headers,
            StatusCode::TOO_MANY_REQUESTS,
            number,
            Some(m),
            None,
        )
        .await;
    }
    let found = match letters::by_number(&state.db, &number).await? {
        Some(l) if mailbox::code_matches(&l.code_salt, &l.code_hash, &q.code) => Some(l),
        _ => None,
    };
    let Some(l) = found else {
        // One answer for an unknown number and a wrong code.
        let m = "信件编号或查询码不正确，请核对后重新输入。";
        return query_page(
            &state,
            &headers,
            StatusCode::UNPROCESSABLE_ENTITY,
            number,
            Some(m),
            None,
        )
        .await;
    };
    let view = LetterView {
        number: l.number.clone(),
        subject: l.subject,
        category: l.category.label(),
        body: l.body,
        date: layout::date(l.created_at),
        status: l.status.label(),
        status_key: l.status.as_str(),
        reply: l.reply,
        reply_date: l.replied_at.map(date).unwrap_or_default(),
        published: l.published,
    };
    query_page(&state, &headers, StatusCode::OK, l.number, None, Some(view)).await
}

#[derive(Serialize)]
struct BoardItem {
    name: String,
    subject: String,
    category: &'static str,
    date: String,
    body: String,
    reply: String,
    reply_date: String,
}

#[derive(Serialize)]
struct BoardPage {
    breadcrumb: Vec<Crumb>,
    mailbox_css: String,
    items: Vec<BoardItem>,
    pagination: Pagination,
}

#[derive(Deserialize)]
struct BoardQuery {
    page: Option<String>,
}

fn board_url(page: i64) -> String {
    if page <= 1 {
        "/mailbox/board".into()
    } else {
        format!("/mailbox/board?page={page}")
    }
}

async fn show_board(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<BoardQuery>,
) -> AppResult<Response> {
    let page = match q.page.as_deref() {
        None => 1,
        Some(p) => p
            .parse::<i64>()
            .ok()
            .filter(|p| *p >= 1)
            .ok_or(AppError::NotFound)?,
    };
    let (rows, total) = letters::board(&state.db, (page - 1) * BOARD_PAGE, BOARD_PAGE).await?;
    let pages = ((total + BOARD_PAGE - 1) / BOARD_PAGE).max(1);
    if page > pages {
        return Err(AppError::NotFound);
    }
    let view = BoardPage {
        breadcrumb: crumbs("来信公开", "/mailbox/board"),
        mailbox_css: assets::url("mailbox.css"),
        items: rows
            .into_iter()
            .map(|l| BoardItem {
                name: mailbox::mask_name(&l.name),
                subject: l.subject,
                category: l.category.label(),
                date: date(l.created_at),
                body: l.body,
                reply: l.reply,
                reply_date: l.replied_at.map(date).unwrap_or_default(),
            })
            .collect(),
        pagination: Pagination::new(page, pages, board_url),
    };
    let path = board_url(page);
    let html = render(
        &state,
        &headers,
        "来信公开",
        &path,
        "site/mailbox_board.html",
        view,
    )
    .await?;
    Ok(Html(html).into_response())
}
