//! The mailbox's statistics, computed from the letters of a period: letters
//! per month, per category and per status, the average time to the first
//! reply and how many letters are overdue. Aggregated here rather than in
//! SQL so that months are Asia/Shanghai months on every backend.

use chrono::TimeZone;
use chrono_tz::Asia::Shanghai;
use serde::Serialize;

use super::{Category, Status};
use crate::db::letters::ReportRow;

/// A label and a count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Count {
    /// What is counted (`2026-11`, 咨询, 待处理 …).
    pub label: String,
    /// How many.
    pub n: i64,
}

/// The statistics of a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Letters in the period.
    pub total: i64,
    /// Per month, in order.
    pub by_month: Vec<Count>,
    /// Per category, every category listed.
    pub by_category: Vec<Count>,
    /// Per status, every status listed.
    pub by_status: Vec<Count>,
    /// Letters answered.
    pub replied: i64,
    /// Average hours from arrival to first reply, one decimal.
    pub average_reply_hours: Option<String>,
    /// Letters still owed a reply past their deadline.
    pub overdue: i64,
    /// Letters answered after their deadline.
    pub replied_late: i64,
}

fn month_of(unix: i64) -> String {
    Shanghai
        .timestamp_opt(unix, 0)
        .single()
        .map(|t| t.format("%Y-%m").to_string())
        .unwrap_or_default()
}

/// Computes the statistics of some letters as of `now`.
pub fn compute(rows: &[ReportRow], now: i64) -> Report {
    let mut by_month: Vec<Count> = Vec::new();
    for r in rows {
        let m = month_of(r.created_at);
        match by_month.iter_mut().find(|c| c.label == m) {
            Some(c) => c.n += 1,
            None => by_month.push(Count { label: m, n: 1 }),
        }
    }
    by_month.sort_by(|a, b| a.label.cmp(&b.label));
    let by_category = Category::ALL
        .iter()
        .map(|c| Count {
            label: c.label().into(),
            n: rows.iter().filter(|r| r.category == *c).count() as i64,
        })
        .collect();
    let by_status = Status::ALL
        .iter()
        .map(|s| Count {
            label: s.label().into(),
            n: rows.iter().filter(|r| r.status == *s).count() as i64,
        })
        .collect();
    let waits: Vec<i64> = rows
        .iter()
        .filter_map(|r| r.replied_at.map(|t| (t - r.created_at).max(0)))
        .collect();
    let average_reply_hours = (!waits.is_empty()).then(|| {
        let mean = waits.iter().sum::<i64>() as f64 / waits.len() as f64;
        format!("{:.1}", mean / 3600.0)
    });
    Report {
        total: rows.len() as i64,
        by_month,
        by_category,
        by_status,
        replied: waits.len() as i64,
        average_reply_hours,
        overdue: rows
            .iter()
            .filter(|r| r.status.open() && now > r.due_at)
            .count() as i64,
        replied_late: rows
            .iter()
            .filter(|r| r.replied_at.is_some_and(|t| t > r.due_at))
            .count() as i64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(created_at: i64, category: Category, status: Status, replied: Option<i64>) -> ReportRow {
        ReportRow {
            created_at,
            category,
            status,
            replied_at: replied.map(|h| created_at + h * 3600),
            due_at: created_at + 15 * 86_400,
        }
    }

    #[test]
    fn months_categories_statuses_and_waits_add_up() {
        // 2026-10-31 20:00 UTC is already November in Shanghai.
        let oct = 1_793_476_800 - 3 * 86_400;
        let nov = 1_793_476_800;
        let rows = [
            row(oct, Category::Consult, Status::Replied, Some(10)),
            row(nov, Category::Consult, Status::Closed, Some(30)),
            row(nov, Category::Complain, Status::New, None),
        ];
        let r = compute(&rows, nov + 20 * 86_400);
        assert_eq!(r.total, 3);
        assert_eq!(
            r.by_month,
            vec![
                Count {
                    label: "2026-10".into(),
                    n: 1
                },
                Count {
                    label: "2026-11".into(),
                    n: 2
                }
            ]
        );
        assert_eq!(r.by_category[0].n, 2);
        assert_eq!(
            r.by_category[2],
            Count {
                label: "投诉".into(),
                n: 1
            }
        );
        assert_eq!(
            r.by_status.iter().map(|c| c.n).collect::<Vec<_>>(),
            [1, 0, 1, 1]
        );
        assert_eq!(r.average_reply_hours.as_deref(), Some("20.0"));
        assert_eq!((r.overdue, r.replied, r.replied_late), (1, 2, 0));
        assert_eq!(compute(&[], 0).average_reply_hours, None);
    }
}
