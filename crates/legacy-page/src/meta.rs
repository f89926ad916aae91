//! Reading the article's meta line: labels, dates, hit counts.
//!
//! A legacy meta line is a row of `LABEL：value` pairs separated by `&nbsp;`
//! runs, such as `加入时间:2013-9-2    来源:东莞日报    点击数:123`. The scanner
//! finds every known label that is followed by an ASCII or full-width colon
//! (longest label first, so 责任编辑 wins over 编辑) and gives each label the
//! text up to the next label. Values are then cut at the first run of two or
//! more blanks or an opening bracket, which is where unlabeled clutter such as
//! `【字体：大 中 小】` starts on these pages.

use chrono::{NaiveDate, NaiveTime};

use crate::text::{ascii_fold, collapse, is_space, truncate_chars};

/// Which article fact a label introduces.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Field {
    /// 加入时间 and its synonyms.
    Date,
    /// 来源 and synonyms.
    Source,
    /// 作者 / 撰稿.
    Author,
    /// 编辑 / 责任编辑.
    Editor,
    /// 点击数 and synonyms.
    Hits,
}

/// Known labels, longest first within each shared prefix.
const LABELS: &[(&str, Field)] = &[
    ("加入时间", Field::Date),
    ("发布时间", Field::Date),
    ("发表时间", Field::Date),
    ("更新时间", Field::Date),
    ("发布日期", Field::Date),
    ("文章来源", Field::Source),
    ("新闻来源", Field::Source),
    ("信息来源", Field::Source),
    ("来源", Field::Source),
    ("出处", Field::Source),
    ("作者", Field::Author),
    ("撰稿人", Field::Author),
    ("撰稿", Field::Author),
    ("责任编辑", Field::Editor),
    ("编辑", Field::Editor),
    ("点击次数", Field::Hits),
    ("点击数", Field::Hits),
    ("点击量", Field::Hits),
    ("点击", Field::Hits),
    ("浏览次数", Field::Hits),
    ("浏览", Field::Hits),
    ("阅读次数", Field::Hits),
    ("阅读", Field::Hits),
    ("人气", Field::Hits),
];

/// One `LABEL：value` occurrence inside a line.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Labeled<'a> {
    /// The fact the label introduces.
    pub field: Field,
    /// Byte offset of the label in the line.
    pub at: usize,
    /// Raw value text up to the next label.
    pub raw: &'a str,
}

/// If a label plus colon starts at `s`, returns its field and the byte length
/// of label, blanks and colon.
fn label_at(s: &str) -> Option<(Field, usize)> {
    let first = s.chars().next()?;
    if !matches!(
        first,
        '加' | '发'
            | '更'
            | '文'
            | '新'
            | '信'
            | '来'
            | '出'
            | '作'
            | '撰'
            | '责'
            | '编'
            | '点'
            | '浏'
            | '阅'
            | '人'
    ) {
        return None;
    }
    for (label, field) in LABELS {
        if let Some(rest) = s.strip_prefix(label) {
            let after = rest.trim_start_matches(is_space);
            let colon = after
                .strip_prefix(':')
                .or_else(|| after.strip_prefix('：'))?;
            return Some((*field, s.len() - colon.len()));
        }
    }
    None
}

/// Finds all labeled values in `line`, in order.
pub(crate) fn scan(line: &str) -> Vec<Labeled<'_>> {
    let mut found: Vec<(Field, usize, usize)> = Vec::new();
    let mut i = 0;
    while i < line.len() {
        if let Some((field, len)) = label_at(&line[i..]) {
            found.push((field, i, i + len));
            i += len;
            continue;
        }
        i += line[i..].chars().next().map_or(1, char::len_utf8);
    }
    let mut out = Vec::with_capacity(found.len());
    for (k, &(field, at, value_start)) in found.iter().enumerate() {
        let value_end = found.get(k + 1).map_or(line.len(), |n| n.1);
        out.push(Labeled {
            field,
            at,
            raw: &line[value_start..value_end],
        });
    }
    out
}

/// Whether the line holds a publish-date label with a colon.
pub(crate) fn has_date_label(line: &str) -> bool {
    // Every date label ends in 时间 or 日期: skip the scan for most lines.
    (line.contains("时间") || line.contains("日期"))
        && scan(line).iter().any(|l| l.field == Field::Date)
}

/// Whether the line is nothing but labeled values (e.g. `（责任编辑：李明）`).
pub(crate) fn is_pure_meta(line: &str) -> bool {
    let start = line.trim_start_matches(|c: char| {
        is_space(c) || matches!(c, '(' | '（' | '[' | '【' | '|' | '｜')
    });
    label_at(start).is_some()
}

/// Cleans a raw value: cut at clutter, trim blanks and stray brackets.
pub(crate) fn clean_value(raw: &str) -> String {
    let mut cut = raw.len();
    let mut blanks = 0;
    for (i, c) in raw.char_indices() {
        if is_space(c) {
            blanks += 1;
            // A gap of two blanks after some text ends the value.
            if blanks >= 2 && !raw[..i].trim_matches(is_space).is_empty() {
                cut = i;
                break;
            }
            continue;
        }
        blanks = 0;
        if matches!(c, '【' | '[' | '|' | '｜') && !raw[..i].trim_matches(is_space).is_empty() {
            cut = i;
            break;
        }
    }
    let v = collapse(&raw[..cut]);
    let mut v =
        v.trim_matches(|c: char| is_space(c) || matches!(c, '|' | '｜' | '【' | '】' | '[' | ']'));
    // Strip a closing bracket whose opener is not part of the value.
    for (open, close) in [('（', '）'), ('(', ')')] {
        if v.ends_with(close) && !v.contains(open) {
            v = v[..v.len() - close.len_utf8()].trim_end_matches(is_space);
        }
        if v.starts_with(open) && !v.contains(close) {
            v = v[open.len_utf8()..].trim_start_matches(is_space);
        }
    }
    v.to_string()
}

/// The facts read from meta lines (every field optional until checked).
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct MetaFields {
    /// Raw text after the first date label.
    pub date_raw: Option<String>,
    /// 来源 value.
    pub source: Option<String>,
    /// 作者 value.
    pub author: Option<String>,
    /// 编辑 value.
    pub editor: Option<String>,
    /// 点击数 value.
    pub hits: Option<i64>,
}

impl MetaFields {
    /// Fills fields still unset from one line's labeled values.
    pub fn absorb(&mut self, line: &str) {
        for l in scan(line) {
            let value = || {
                let v = clean_value(l.raw);
                (!v.is_empty()).then_some(v)
            };
            match l.field {
                Field::Date if self.date_raw.is_none() => {
                    self.date_raw = Some(l.raw.to_string());
                }
                Field::Source if self.source.is_none() => self.source = value(),
                Field::Author if self.author.is_none() => self.author = value(),
                Field::Editor if self.editor.is_none() => self.editor = value(),
                Field::Hits if self.hits.is_none() => self.hits = parse_hits(l.raw),
                _ => {}
            }
        }
    }
}

/// Reads a hit count: leading digits of the value, `None` when there are none.
fn parse_hits(raw: &str) -> Option<i64> {
    let v = raw.trim_start_matches(|c: char| is_space(c) || matches!(c, '[' | '【'));
    let digits: String = v
        .chars()
        .map(ascii_fold)
        .take_while(|c| c.is_ascii_digit() || *c == ',')
        .filter(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// A tiny cursor over folded characters.
struct Cursor {
    chars: Vec<char>,
    pos: usize,
}

impl Cursor {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn digits(&mut self, max: usize) -> Option<u32> {
        let start = self.pos;
        let mut n: u32 = 0;
        while self.pos - start < max {
            match self.peek().and_then(|c| c.to_digit(10)) {
                Some(d) => n = n * 10 + d,
                None => break,
            }
            self.pos += 1;
        }
        (self.pos > start).then_some(n)
    }

    fn eat(&mut self, set: &[char]) -> Option<char> {
        let c = self.peek().filter(|c| set.contains(c))?;
        self.pos += 1;
        Some(c)
    }

    fn skip_blanks(&mut self) {
        while self.peek().is_some_and(is_space) {
            self.pos += 1;
        }
    }
}

/// Parses `2013-9-2`, `2013/09/02`, `2013.9.2`, `2013年9月2日`, optionally
/// followed by `10:31` or `10:31:05`. `Err` carries nothing: the caller
/// reports the text.
pub(crate) fn parse_date_time(raw: &str) -> Result<(NaiveDate, Option<NaiveTime>), ()> {
    let mut c = Cursor {
        chars: raw.chars().take(64).map(ascii_fold).collect(),
        pos: 0,
    };
    c.skip_blanks();
    let year_start = c.pos;
    let year = c.digits(4).ok_or(())?;
    if c.pos - year_start != 4 {
        return Err(());
    }
    c.skip_blanks();
    c.eat(&['-', '/', '.', '年']).ok_or(())?;
    c.skip_blanks();
    let month = c.digits(2).ok_or(())?;
    c.skip_blanks();
    c.eat(&['-', '/', '.', '月']).ok_or(())?;
    c.skip_blanks();
    let day = c.digits(2).ok_or(())?;
    if c.peek().is_some_and(|ch| ch.is_ascii_digit()) {
        return Err(());
    }
    c.eat(&['日', '号']);
    let date = NaiveDate::from_ymd_opt(year as i32, month, day).ok_or(())?;
    c.skip_blanks();
    let save = c.pos;
    let Some(hour) = c.digits(2) else {
        return Ok((date, None));
    };
    if c.eat(&[':', '时']).is_none() {
        // Digits that are not a time (e.g. a hit count glued on): ignore them.
        c.pos = save;
        return Ok((date, None));
    }
    let minute = c.digits(2).ok_or(())?;
    let second = match c.eat(&[':', '分']) {
        Some(_) => c.digits(2).unwrap_or(0),
        None => 0,
    };
    let time = NaiveTime::from_hms_opt(hour, minute, second).ok_or(())?;
    Ok((date, Some(time)))
}

/// The date text quoted in a `BadDate` error.
pub(crate) fn bad_date_text(raw: &str) -> String {
    truncate_chars(&clean_value(raw), 40)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid")
    }

    #[test]
    fn scans_the_sample_meta_line() {
        let line = "加入时间:2013-9-2\u{a0}\u{a0}\u{a0} 来源:东莞时间网-东莞日报";
        let mut m = MetaFields::default();
        m.absorb(line);
        assert_eq!(m.source.as_deref(), Some("东莞时间网-东莞日报"));
        assert_eq!(
            parse_date_time(m.date_raw.as_deref().unwrap_or("")),
            Ok((d(2013, 9, 2), None))
        );
    }

    #[test]
    fn scans_a_full_meta_row() {
        let line = "发布时间：2012-11-05 09:20 文章来源：南方农村报 作者：陈立 责任编辑：黄敏 点击数：1,234次 【字体：大 中 小】";
        let mut m = MetaFields::default();
        m.absorb(line);
        assert_eq!(m.source.as_deref(), Some("南方农村报"));
        assert_eq!(m.author.as_deref(), Some("陈立"));
        assert_eq!(m.editor.as_deref(), Some("黄敏"));
        assert_eq!(m.hits, Some(1234));
        let (date, time) = parse_date_time(m.date_raw.as_deref().unwrap_or("")).expect("date");
        assert_eq!(date, d(2012, 11, 5));
        assert_eq!(time, NaiveTime::from_hms_opt(9, 20, 0));
    }

    #[test]
    fn empty_values_and_script_counts_are_none() {
        let mut m = MetaFields::default();
        m.absorb("加入时间：2013-9-2\u{a0}\u{a0}来源：\u{a0}\u{a0}点击数：");
        assert_eq!(m.source, None);
        assert_eq!(m.hits, None);
    }

    #[test]
    fn date_formats() {
        assert_eq!(parse_date_time("2013-09-02"), Ok((d(2013, 9, 2), None)));
        assert_eq!(parse_date_time("2013/9/2"), Ok((d(2013, 9, 2), None)));
        assert_eq!(parse_date_time("2013.9.2"), Ok((d(2013, 9, 2), None)));
        assert_eq!(
            parse_date_time("2013年9月2日 星期一"),
            Ok((d(2013, 9, 2), None))
        );
        assert_eq!(
            parse_date_time("２０１３－９－２"),
            Ok((d(2013, 9, 2), None))
        );
        let t = NaiveTime::from_hms_opt(10, 31, 5);
        assert_eq!(parse_date_time("2013-9-2 10:31:05"), Ok((d(2013, 9, 2), t)));
        assert_eq!(
            parse_date_time("2013-9-2\u{a0}\u{a0}10:31:05"),
            Ok((d(2013, 9, 2), t))
        );
        assert!(parse_date_time("2013-13-45").is_err());
        assert!(parse_date_time("2013-2-30").is_err());
        assert!(parse_date_time("昨天").is_err());
        assert!(parse_date_time("13-9-2").is_err());
        assert!(parse_date_time("2013-9-2 25:10").is_err());
        assert!(parse_date_time("").is_err());
    }

    #[test]
    fn pure_meta_lines() {
        assert!(is_pure_meta("（责任编辑：李明）"));
        assert!(is_pure_meta("作者：陈立"));
        assert!(!is_pure_meta("资金来源：省财政"));
        assert!(!is_pure_meta("普通段落"));
        assert_eq!(clean_value("李明）"), "李明");
        assert_eq!(bad_date_text("2013-13-45\u{a0}\u{a0}"), "2013-13-45");
    }
}
