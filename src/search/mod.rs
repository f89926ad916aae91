//! Full-text search (placeholder while it is being written).

pub mod segment;
mod t2s;
