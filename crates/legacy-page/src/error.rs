//! The one error type of the crate.
//!
//! Messages are short English sentences meant to follow a file name on a
//! command line, e.g. `page.htm: not an article page: no 加入时间 line found`.

/// Why a page could not be read as an article.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ParseError {
    /// The input has no bytes, or only whitespace.
    #[error("empty page")]
    Empty,
    /// The input is not text: NUL bytes, a binary signature, or mostly control characters.
    #[error("binary content, not a text page")]
    Binary,
    /// Text that is not an article page; the string says what is missing.
    #[error("not an article page: {0}")]
    NotArticle(String),
    /// A publish-date line exists but its date cannot be read; holds that text.
    #[error("unreadable publish date \"{0}\"")]
    BadDate(String),
}
