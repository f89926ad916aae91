//! 搜索词典: the words staff add to the segmenter's dictionary (place
//! names, programme names) so that search keeps them whole, next to the
//! built-in ones shipped in `data/userdict.txt`. Adding or deleting a word
//! queues a full reindex, which the running indexer drains in the
//! background. The rule for a word is [`search::clean_word`], shared with
//! `fupin dict add`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::view::{self, AdminPage, Confirm, Flash, Notice};
use super::{AdminRoutes, CsrfForm, CurrentUser};
use crate::app::AppState;
use crate::auth::Perm;
use crate::db::audit::{self, Outcome};
use crate::db::search as store;
use crate::error::{AppError, AppResult};
use crate::search::{self, segment};

/// Routes of this file.
pub fn router() -> AdminRoutes {
    AdminRoutes::new()
        .get("/admin/search/words", Perm::Admin, list_words)
        .post("/admin/search/words", Perm::Admin, add_words)
        .get(
            "/admin/search/words/{id}/delete",
            Perm::Admin,
            confirm_delete_word,
        )
        .post("/admin/search/words/{id}/delete", Perm::Admin, delete_word)
}

/// The most words one submission may add.
pub const MAX_WORDS_AT_ONCE: usize = 100;

#[derive(Serialize)]
struct Line {
    id: i64,
    word: String,
    added: String,
}

#[derive(Deserialize, Serialize, Default)]
#[serde(default)]
struct WordsForm {
    words: String,
}

#[derive(Serialize)]
struct ListPage<'a> {
    items: Vec<Line>,
    builtin: Vec<&'static str>,
    builtin_count: usize,
    max_chars: usize,
    max_words: usize,
    queued: i64,
    form: &'a WordsForm,
}

async fn list_page(
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    flash: Option<Flash>,
    form: &WordsForm,
) -> AppResult<Response> {
    // Newest first: the word just added is at the top.
    let items = store::word_list(&state.db)
        .await?
        .into_iter()
        .rev()
        .map(|w| Line {
            id: w.id,
            word: w.word,
            added: view::datetime(w.created_at),
        })
        .collect();
    let builtin: Vec<&'static str> = segment::shipped_words().collect();
    view::render_status(
        state,
        status,
        AdminPage {
            user: Some(user),
            active: "search_words",
            title: "搜索词典",
            flash,
        },
        "admin/search_words.html",
        ListPage {
            items,
            builtin_count: builtin.len(),
            builtin,
            max_chars: search::MAX_WORD_CHARS,
            max_words: MAX_WORDS_AT_ONCE,
            queued: store::queue_len(&state.db).await?,
            form,
        },
    )
    .await
}

async fn list_words(
    State(state): State<AppState>,
    user: CurrentUser,
    Notice(flash): Notice,
) -> AppResult<Response> {
    list_page(&state, &user, StatusCode::OK, flash, &WordsForm::default()).await
}

/// A word as typed, shortened for a message.
fn shown(word: &str) -> String {
    let word = word.trim();
    if word.chars().count() > 30 {
        format!("{}…", word.chars().take(30).collect::<String>())
    } else {
        word.to_string()
    }
}

/// The words of the form, one a line (blank lines skipped), each checked
/// with the shared rule; the first problem as a sentence.
fn check(form: &WordsForm) -> Result<Vec<String>, String> {
    let lines: Vec<(usize, &str)> = form
        .words
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .collect();
    if lines.is_empty() {
        return Err("请填写要添加的词，一行一个。".into());
    }
    if lines.len() > MAX_WORDS_AT_ONCE {
        return Err(format!(
            "一次最多添加 {MAX_WORDS_AT_ONCE} 个词，请分批添加。"
        ));
    }
    let mut out = Vec::with_capacity(lines.len());
    for (i, line) in lines {
        match search::clean_word(line) {
            Ok(word) => out.push(word),
            Err(why) => {
                return Err(format!(
                    "第 {} 行“{}”：{why}。没有添加任何词，请修改后重新提交。",
                    i + 1,
                    shown(line)
                ));
            }
        }
    }
    Ok(out)
}

async fn add_words(
    State(state): State<AppState>,
    user: CurrentUser,
    CsrfForm(form): CsrfForm<WordsForm>,
) -> AppResult<Response> {
    let words = match check(&form) {
        Ok(w) => w,
        Err(why) => {
            return list_page(
                &state,
                &user,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(Flash::error(why)),
                &form,
            )
            .await;
        }
    };
    let done = search::add_user_words(&state.db, &words).await?;
    if !done.added.is_empty() {
        audit::record(
            &state.db,
            &user.actor(),
            "添加搜索词",
            "搜索词典",
            Outcome::Ok,
            &done.added.join("、"),
        )
        .await?;
    }
    Ok(view::see_other(&format!(
        "/admin/search/words?msg=words_added&n={}&skipped={}",
        done.added.len(),
        done.known.len()
    )))
}

async fn load(state: &AppState, id: i64) -> AppResult<store::StoredWord> {
    store::get_word(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)
}

async fn confirm_delete_word(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let w = load(&state, id).await?;
    view::confirm(
        &state,
        &user,
        "search_words",
        "删除搜索词",
        Confirm {
            question: format!("确定从搜索词典中删除“{}”吗？", w.word),
            detail: "删除后搜索索引会在后台重建，这个词将按默认方式切分。".into(),
            action: format!("/admin/search/words/{id}/delete"),
            button: "删除",
            cancel: "/admin/search/words".into(),
        },
    )
    .await
}

#[derive(Deserialize, Default)]
struct Empty {}

async fn delete_word(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    let word = search::remove_user_word(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    audit::record(
        &state.db,
        &user.actor(),
        "删除搜索词",
        &format!("搜索词 {word}"),
        Outcome::Ok,
        "",
    )
    .await?;
    Ok(view::see_other("/admin/search/words?msg=word_deleted"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(text: &str) -> WordsForm {
        WordsForm { words: text.into() }
    }

    #[test]
    fn lines_are_checked_one_by_one() {
        assert_eq!(
            check(&form("洺溪镇\r\n\r\n  粤菜師傅 \n")).unwrap(),
            vec!["洺溪镇", "粤菜师傅"]
        );
        assert!(check(&form(" \n\n")).unwrap_err().contains("请填写"));
        let why = check(&form("洺溪镇\n两个 词")).unwrap_err();
        assert!(why.contains("第 2 行“两个 词”"), "{why}");
        assert!(why.contains("空格"), "{why}");
        assert!(check(&form("！？。")).unwrap_err().contains("汉字或字母"));
        assert!(check(&form(&"长".repeat(21))).unwrap_err().contains("太长"));
        let many = (0..=MAX_WORDS_AT_ONCE)
            .map(|i| format!("词{i}"))
            .collect::<Vec<_>>()
            .join("\n");
        assert!(check(&form(&many)).unwrap_err().contains("一次最多"));
    }
}
