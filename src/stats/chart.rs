//! A small line chart drawn on the server as SVG: daily views and visitors
//! with a labelled value axis (round steps), date labels, grid lines and a
//! legend, in the site's colours and Chinese fonts. The result is a
//! standalone image served with its own restrictive policy; every piece of
//! text in it is escaped here.

use std::fmt::Write;

/// One line of the chart.
#[derive(Debug, Clone)]
pub struct Series {
    /// Legend label.
    pub label: String,
    /// Stroke colour.
    pub colour: &'static str,
    /// One value per x label.
    pub values: Vec<i64>,
}

/// Chart size in pixels.
pub const WIDTH: f64 = 960.0;
/// Chart height in pixels.
pub const HEIGHT: f64 = 360.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 24.0;
const TOP: f64 = 56.0;
const BOTTOM: f64 = 58.0;
const FONT: &str =
    "'Noto Sans CJK SC','Source Han Sans SC','PingFang SC','Microsoft YaHei',sans-serif";

pub use crate::html::escape;

/// A round step so that `max` is covered by about five steps.
pub fn nice_step(max: i64) -> i64 {
    if max <= 5 {
        return 1;
    }
    let rough = max as f64 / 5.0;
    let magnitude = 10f64.powf(rough.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= rough)
        .unwrap_or(10.0 * magnitude);
    step.round().max(1.0) as i64
}

/// The drawing's size: its view box and how many dates it labels. The
/// chart scales with its box, so a phone gets a drawing of its own whose
/// text stays readable when it is scaled to the screen.
#[derive(Debug, Clone, Copy)]
pub struct Size {
    /// View box width.
    pub width: f64,
    /// View box height.
    pub height: f64,
    /// Most date labels along the x axis.
    pub labels: usize,
}

impl Size {
    /// For a desktop's content column.
    pub const WIDE: Size = Size {
        width: WIDTH,
        height: HEIGHT,
        labels: 12,
    };
    /// For a phone (about 360 px of content): text at about 12 px.
    pub const NARROW: Size = Size {
        width: 400.0,
        height: 340.0,
        labels: 4,
    };
}

/// Draws the chart: `labels` along the x axis (one per value), a title
/// for screen readers, and the series.
pub fn line_chart(title: &str, labels: &[String], series: &[Series]) -> String {
    line_chart_sized(title, labels, series, Size::WIDE)
}

/// [`line_chart`] at a given [`Size`].
pub fn line_chart_sized(title: &str, labels: &[String], series: &[Series], size: Size) -> String {
    let (width, height) = (size.width, size.height);
    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="100%" viewBox="0 0 {width} {height}" preserveAspectRatio="xMidYMid meet" role="img" aria-label="{t}" font-family="{FONT}" font-size="13"><title>{t}</title><rect width="100%" height="100%" fill="#ffffff"/>"##,
        t = escape(title)
    );
    let plot_w = width - LEFT - RIGHT;
    let plot_h = height - TOP - BOTTOM;
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .max()
        .unwrap_or(0)
        .max(0);
    let step = nice_step(max);
    let top_value = ((max + step - 1) / step).max(1) * step;
    let y_of = |v: i64| TOP + plot_h - (v as f64 / top_value as f64) * plot_h;
    let n = labels.len();
    let x_of = |i: usize| {
        if n <= 1 {
            LEFT + plot_w / 2.0
        } else {
            LEFT + plot_w * i as f64 / (n - 1) as f64
        }
    };
    // Value axis: grid lines and labels.
    let mut v = 0;
    while v <= top_value {
        let y = y_of(v);
        let _ = write!(
            s,
            r##"<line x1="{LEFT}" y1="{y:.1}" x2="{x2:.1}" y2="{y:.1}" stroke="{c}" stroke-width="1"/><text x="{tx:.1}" y="{ty:.1}" text-anchor="end" fill="#444444">{v}</text>"##,
            x2 = LEFT + plot_w,
            c = if v == 0 { "#888888" } else { "#e3e3e3" },
            tx = LEFT - 8.0,
            ty = y + 4.5,
        );
        v += step;
    }
    let _ = write!(
        s,
        r##"<text x="16" y="{y:.1}" fill="#444444" transform="rotate(-90 16 {y:.1})" text-anchor="middle">次数</text>"##,
        y = TOP + plot_h / 2.0
    );
    // Date labels: at most `size.labels`, evenly spread, always the last.
    if n > 0 {
        let every = n.div_ceil(size.labels.max(1)).max(1);
        for (i, label) in labels.iter().enumerate() {
            if i % every != 0 && i != n - 1 {
                continue;
            }
            if i != n - 1 && n - 1 - i < every {
                continue;
            }
            let x = x_of(i);
            let _ = write!(
                s,
                r##"<line x1="{x:.1}" y1="{y0:.1}" x2="{x:.1}" y2="{y1:.1}" stroke="#888888"/><text x="{x:.1}" y="{ty:.1}" text-anchor="middle" fill="#444444">{l}</text>"##,
                y0 = TOP + plot_h,
                y1 = TOP + plot_h + 5.0,
                ty = TOP + plot_h + 21.0,
                l = escape(label)
            );
        }
        let _ = write!(
            s,
            r##"<text x="{x:.1}" y="{y:.1}" text-anchor="middle" fill="#444444">日期</text>"##,
            x = LEFT + plot_w / 2.0,
            y = height - 10.0
        );
    } else {
        let _ = write!(
            s,
            r##"<text x="{x:.1}" y="{y:.1}" text-anchor="middle" fill="#666666" font-size="16">所选时间段暂无数据</text>"##,
            x = LEFT + plot_w / 2.0,
            y = TOP + plot_h / 2.0
        );
    }
    // The lines, with dots when there is room for them.
    for line in series {
        let points: Vec<String> = line
            .values
            .iter()
            .enumerate()
            .map(|(i, v)| format!("{:.1},{:.1}", x_of(i), y_of(*v)))
            .collect();
        if points.len() > 1 {
            let _ = write!(
                s,
                r#"<polyline points="{}" fill="none" stroke="{}" stroke-width="2.5" stroke-linejoin="round"/>"#,
                points.join(" "),
                line.colour
            );
        }
        if n <= 62 {
            for (i, v) in line.values.iter().enumerate() {
                let _ = write!(
                    s,
                    r#"<circle cx="{:.1}" cy="{:.1}" r="3.5" fill="{}"><title>{} {}：{}</title></circle>"#,
                    x_of(i),
                    y_of(*v),
                    line.colour,
                    escape(labels.get(i).map_or("", String::as_str)),
                    escape(&line.label),
                    v
                );
            }
        }
    }
    // Legend, top right.
    let mut x = width - RIGHT;
    for line in series.iter().rev() {
        let w = 34.0 + 15.0 * line.label.chars().count() as f64;
        x -= w;
        let _ = write!(
            s,
            r##"<line x1="{x:.1}" y1="24" x2="{x2:.1}" y2="24" stroke="{c}" stroke-width="3"/><circle cx="{cx:.1}" cy="24" r="3.5" fill="{c}"/><text x="{tx:.1}" y="29" fill="#222222" font-size="14">{l}</text>"##,
            x2 = x + 22.0,
            cx = x + 11.0,
            c = line.colour,
            tx = x + 28.0,
            l = escape(&line.label)
        );
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_round() {
        assert_eq!(nice_step(0), 1);
        assert_eq!(nice_step(4), 1);
        assert_eq!(nice_step(23), 5);
        assert_eq!(nice_step(97), 20);
        assert_eq!(nice_step(1234), 500);
    }

    #[test]
    fn the_chart_has_axes_legend_and_escaped_text() {
        let labels = vec!["11-25".to_string(), "11-26".to_string()];
        let svg = line_chart(
            "每日浏览量<script>",
            &labels,
            &[
                Series {
                    label: "浏览量".into(),
                    colour: "#b3202a",
                    values: vec![3, 17],
                },
                Series {
                    label: "访客数".into(),
                    colour: "#1f5f9e",
                    values: vec![1, 6],
                },
            ],
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        // It scales with its box: a view box and no fixed size.
        assert!(svg.contains("width=\"100%\" viewBox=\"0 0 960 360\""));
        assert!(!svg.contains("height=\"360\""));
        assert!(svg.contains("浏览量") && svg.contains("访客数") && svg.contains("11-26"));
        assert!(svg.contains(">20</text>"), "the axis reaches a round 20");
        assert!(!svg.contains("<script>"));
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert!(line_chart("空", &[], &[]).contains("暂无数据"));
    }

    #[test]
    fn a_phone_gets_a_narrower_drawing_with_fewer_dates() {
        let labels: Vec<String> = (1..=30).map(|d| format!("11-{d:02}")).collect();
        let series = [Series {
            label: "浏览量".into(),
            colour: "#b3202a",
            values: (0..30).collect(),
        }];
        let wide = line_chart("t", &labels, &series);
        let narrow = line_chart_sized("t", &labels, &series, Size::NARROW);
        assert!(narrow.contains("viewBox=\"0 0 400 340\""), "{narrow}");
        let dates = |svg: &str| svg.matches("fill=\"#444444\">11-").count();
        assert!(
            dates(&wide) > 6 && dates(&narrow) <= 5,
            "{} {}",
            dates(&wide),
            dates(&narrow)
        );
        assert!(
            narrow.contains("fill=\"#444444\">11-30<"),
            "the last day is always labelled"
        );
    }
}
