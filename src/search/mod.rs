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
    /// Spaces (or other blanks) between its characters.
    #[error("词语中间不能有空格（一行只写一个词）")]
    Space,
    /// Longer than [`MAX_WORD_CHARS`].
    #[error("词语太长（最多 {MAX_WORD_CHARS} 个字）")]
    TooLong,
    /// No letter at all: punctuation or digits only.
    #[error("词语至少要包含一个汉字或字母")]
    NoLetter,
    /// Contains something other than letters and digits.
    #[error("词语只能包含汉字、字母和数字，不能有标点符号")]
    NotAWord,
}

/// The longest word the dictionary takes.
pub const MAX_WORD_CHARS: usize = 20;

/// Checks and normalises a dictionary word, the one rule for the back
/// office and `fupin dict add`: trimmed, folded like indexed text
/// (full-width to half-width, lower case, traditional to simplified), not
/// empty, no blank inside, at most [`MAX_WORD_CHARS`] characters, letters
/// and digits only, and at least one letter (a Han character counts).
pub fn clean_word(word: &str) -> Result<String, WordError> {
    let word = segment::fold(word.trim());
    if word.is_empty() {
        return Err(WordError::Empty);
    }
    if word.chars().any(char::is_whitespace) {
        return Err(WordError::Space);
    }
    if word.chars().count() > MAX_WORD_CHARS {
        return Err(WordError::TooLong);
    }
    if !word.chars().any(char::is_alphabetic) {
        return Err(WordError::NoLetter);
    }
    if !word.chars().all(char::is_alphanumeric) {
        return Err(WordError::NotAWord);
    }
    Ok(word)
}

/// Whether a cleaned word is one of the shipped dictionary's.
pub fn is_shipped(word: &str) -> bool {
    segment::shipped_words().any(|w| segment::fold(w) == word)
}

/// What [`add_user_words`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Added {
    /// The words newly stored (cleaned), in the order given.
    pub added: Vec<String>,
    /// The words already known (shipped, stored, or given twice).
    pub known: Vec<String>,
}

/// Adds words to the segmenter's dictionary (for the back office and
/// `fupin dict add`). Every word is checked with [`clean_word`] first; one
/// bad word stores nothing. The new words are stored and every document
/// is queued for reindexing in one transaction, so running indexers
/// rebuild the index in the background; until they finish, articles
/// indexed before may not match a new word as one term.
pub async fn add_user_words<S: AsRef<str>>(db: &Db, words: &[S]) -> anyhow::Result<Added> {
    let mut out = Added::default();
    let mut fresh: Vec<String> = Vec::new();
    for word in words {
        let word = clean_word(word.as_ref())?;
        if is_shipped(&word) || fresh.contains(&word) {
            out.known.push(word);
        } else {
            fresh.push(word);
        }
    }
    let stored = db::search::add_words(db, &fresh).await?;
    for word in fresh {
        if stored.contains(&word) {
            out.added.push(word);
        } else {
            out.known.push(word);
        }
    }
    Ok(out)
}

/// Adds one word (see [`add_user_words`]). Returns false when the word was
/// already there.
pub async fn add_user_word(db: &Db, word: &str) -> anyhow::Result<bool> {
    Ok(!add_user_words(db, &[word]).await?.added.is_empty())
}

/// Removes a stored word and queues every document for reindexing in the
/// same transaction. Returns the word, or `None` when there was no such
/// word.
pub async fn remove_user_word(db: &Db, id: i64) -> anyhow::Result<Option<String>> {
    db::search::delete_word(db, id).await
}

/// The words added at run time, oldest first (the shipped ones are in
/// `data/userdict.txt`).
pub async fn user_words(db: &Db) -> anyhow::Result<Vec<String>> {
    db::search::words(db).await
}

/// The setting that holds the stamp of the folding table the index was
/// built with.
pub const FOLD_STAMP_KEY: &str = "search.fold_stamp";

/// The stamp of the compiled-in traditional → simplified table.
pub fn fold_stamp() -> String {
    t2s::stamp()
}

/// Queues every document for reindexing when the index was built with
/// another folding table than this program's (or none is recorded), then
/// records this one. Returns whether it queued. Called when a server
/// starts; a crash between the two steps only queues again next time.
pub async fn refold_if_changed(db: &Db) -> anyhow::Result<bool> {
    let want = t2s::stamp();
    if db::settings::get(db, FOLD_STAMP_KEY).await?.as_deref() == Some(want.as_str()) {
        return Ok(false);
    }
    db::search::enqueue_all(db).await?;
    db::settings::set(db, FOLD_STAMP_KEY, &want).await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_cleaned_by_one_rule() {
        assert_eq!(clean_word("  粤菜師傅 ").unwrap(), "粤菜师傅");
        assert_eq!(clean_word("ＡＢＣ村").unwrap(), "abc村");
        assert_eq!(clean_word("5G基站").unwrap(), "5g基站");
        assert_eq!(clean_word(" \t"), Err(WordError::Empty));
        assert_eq!(clean_word("两个 词"), Err(WordError::Space));
        assert_eq!(clean_word("两个\u{3000}词"), Err(WordError::Space));
        assert_eq!(clean_word(&"很".repeat(21)), Err(WordError::TooLong));
        assert!(clean_word(&"很".repeat(20)).is_ok());
        assert_eq!(clean_word("！？。"), Err(WordError::NoLetter));
        assert_eq!(clean_word("2024"), Err(WordError::NoLetter));
        assert_eq!(clean_word("扶贫！"), Err(WordError::NotAWord));
        assert!(is_shipped("双到"));
        assert!(!is_shipped("洺溪镇"));
    }
}
