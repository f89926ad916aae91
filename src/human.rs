//! Numbers, rates and durations as the command line shows them to people:
//! counts grouped by thousands (`12,345`), rates with three significant
//! figures (`156 篇/秒`, `4.27 篇/秒`), durations in 时/分/秒, and the style of
//! the progress bars built on them. Everything here is for people; JSON
//! reports keep plain numbers.

use std::time::Duration;

/// A count grouped by thousands: `1234567` → `1,234,567`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A number with about three significant figures: `156.2985` → `156`,
/// `4.2711` → `4.27`, `0.0312` → `0.031`; large values are grouped.
pub fn figure(x: f64) -> String {
    if !x.is_finite() || x <= 0.0 {
        return "0".into();
    }
    if x >= 100.0 {
        return count(x.round() as u64);
    }
    let decimals = if x >= 10.0 {
        1
    } else if x >= 1.0 {
        2
    } else {
        // Keep two significant digits below one.
        (2 - x.log10().floor() as i32 - 1).clamp(2, 6) as usize
    };
    let s = format!("{x:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "0" { "0".into() } else { s }
}

/// A rate per second with its unit: `156 篇/秒`.
pub fn rate(per_second: f64, unit: &str) -> String {
    format!("{} {unit}/秒", figure(per_second))
}

/// A size in bytes for people: `512 B`, `3.5 KB`, `12.3 GB` (powers of 1024).
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["KB", "MB", "GB", "TB", "PB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut x = n as f64 / 1024.0;
    let mut unit = 0;
    while x >= 1024.0 && unit + 1 < UNITS.len() {
        x /= 1024.0;
        unit += 1;
    }
    format!("{} {}", figure(x), UNITS[unit])
}

/// A duration in Chinese: `0.4 秒`, `12 秒`, `3 分 05 秒`, `2 时 03 分`, `3 天`.
pub fn duration(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs < 10.0 {
        return format!("{} 秒", figure(secs.max(0.0)));
    }
    let whole = d.as_secs();
    let (h, m, s) = (whole / 3600, whole / 60 % 60, whole % 60);
    if h >= 48 {
        format!("{} 天", whole / 86400)
    } else if h > 0 {
        format!("{h} 时 {m:02} 分")
    } else if m > 0 {
        format!("{m} 分 {s:02} 秒")
    } else {
        format!("{s} 秒")
    }
}

/// The progress bar's style: `template` may use `{rate}` (items per
/// second with `unit`) and `{left}` (time left) besides indicatif's keys.
pub fn progress_style(template: &str, unit: &'static str) -> indicatif::ProgressStyle {
    indicatif::ProgressStyle::with_template(template)
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .with_key(
            "rate",
            move |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = w.write_str(&rate(state.per_sec(), unit));
            },
        )
        .with_key(
            "left",
            |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = w.write_str(&duration(state.eta()));
            },
        )
        .progress_chars("=> ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1000), "1,000");
        assert_eq!(count(1234567), "1,234,567");
    }

    #[test]
    fn figures_keep_about_three_significant_digits() {
        assert_eq!(figure(156.2985), "156");
        assert_eq!(figure(12345.6), "12,346");
        assert_eq!(figure(42.26), "42.3");
        assert_eq!(figure(4.2711), "4.27");
        assert_eq!(figure(2.0), "2");
        assert_eq!(figure(0.0312), "0.031");
        assert_eq!(figure(0.0), "0");
        assert_eq!(figure(f64::NAN), "0");
        assert_eq!(rate(156.2985, "篇"), "156 篇/秒");
    }

    #[test]
    fn durations_read_in_chinese() {
        assert_eq!(duration(Duration::from_millis(400)), "0.4 秒");
        assert_eq!(duration(Duration::from_secs(12)), "12 秒");
        assert_eq!(duration(Duration::from_secs(185)), "3 分 05 秒");
        assert_eq!(duration(Duration::from_secs(7380)), "2 时 03 分");
        assert_eq!(duration(Duration::from_secs(3 * 86400 + 50)), "3 天");
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(3584), "3.5 KB");
        assert_eq!(bytes(13_207_024_435), "12.3 GB");
    }
}
