//! Times as people read and type them: Asia/Shanghai, minutes. Shared by
//! the back office, the use cases (log details) and the mail notices.

use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Asia::Shanghai;

/// `2026-11-26 09:30` in Asia/Shanghai.
pub fn datetime(unix: i64) -> String {
    Shanghai
        .timestamp_opt(unix, 0)
        .single()
        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// The value of a `datetime-local` input: `2026-11-26T09:30`.
pub fn datetime_local(unix: i64) -> String {
    Shanghai
        .timestamp_opt(unix, 0)
        .single()
        .map(|t| t.format("%Y-%m-%dT%H:%M").to_string())
        .unwrap_or_default()
}

/// Reads a time typed in Asia/Shanghai: `2026-11-26T09:30`, with a space
/// instead of `T`, with seconds, or a date alone (midnight).
pub fn parse_local(text: &str) -> Option<i64> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    let naive = [
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(t, f).ok())
    .or_else(|| {
        NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
    })?;
    Shanghai
        .from_local_datetime(&naive)
        .earliest()
        .map(|t| t.timestamp())
}
