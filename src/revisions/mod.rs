//! Article revisions: what the revisions page needs besides the stored
//! rows. [`diff`] turns two saved bodies into a readable comparison, block
//! by block and then character by character, as plain text runs a template
//! escapes like any other text.

pub mod diff;
