//! Chinese full-text search over articles and single pages.
//!
//! [`segment`] turns text into terms (jieba plus folding), the same way for
//! the index, the query and the snippets. [`index`] keeps each backend's own
//! full-text index in step with the content: triggers queue every change,
//! indexers drain the queue. [`query`] answers searches for the public page
//! and the back office. The SQL lives in `crate::db::search`.

pub mod index;
pub mod query;
pub mod segment;
mod t2s;

pub use index::{drain, reindex, spawn_indexer};
pub use query::{SearchHit, SearchQuery, SearchResults, Sort, search};

use crate::db::{self, Db};

/// Why a word cannot join the dictionary.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WordError {
    /// Empty after trimming.
    #[error("词语不能为空")]
    Empty,
    /// Longer than [`MAX_WORD_CHARS`].
    #[error("词语太长（最多 {MAX_WORD_CHARS} 个字）")]
    TooLong,
    /// Contains something other than letters and digits.
    #[error("词语只能包含汉字、字母和数字")]
    NotAWord,
}

/// The longest word the dictionary takes.
pub const MAX_WORD_CHARS: usize = 20;

/// Checks and normalises a dictionary word (folded like indexed text).
pub fn clean_word(word: &str) -> Result<String, WordError> {
    let word = segment::fold(word.trim());
    if word.is_empty() {
        return Err(WordError::Empty);
    }
    if word.chars().count() > MAX_WORD_CHARS {
        return Err(WordError::TooLong);
    }
    if !word.chars().all(char::is_alphanumeric) {
        return Err(WordError::NotAWord);
    }
    Ok(word)
}

/// Adds a word to the segmenter's dictionary (for the back office and
/// `fupin dict add`). Every document is queued for reindexing in the same
/// transaction, so running indexers rebuild the index in the background;
/// until they finish, articles indexed before may not match the new word
/// as one term. Returns false when the word was already there.
pub async fn add_user_word(db: &Db, word: &str) -> anyhow::Result<bool> {
    let word = clean_word(word)?;
    if segment::shipped_words().any(|w| segment::fold(w) == word) {
        return Ok(false);
    }
    db::search::add_word(db, &word).await
}

/// The words added at run time, oldest first (the shipped ones are in
/// `data/userdict.txt`).
pub async fn user_words(db: &Db) -> anyhow::Result<Vec<String>> {
    db::search::words(db).await
}
