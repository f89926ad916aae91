//! Traditional → simplified characters for search: the table in
//! `t2s/characters.txt`, generated from OpenCC's character dictionary by
//! `scripts/gen-t2s` (how and with which rules: `t2s/README.md`; OpenCC's
//! Apache-2.0 notice: `t2s/LICENSE-OpenCC`). Only single characters are
//! mapped, one for one, so a folded text keeps the character offsets of the
//! original (snippets rely on that). Phrase-level conversions (乾隆 vs 干燥)
//! are out of scope: where a character has several simplified forms the
//! usual one is taken.
//!
//! [`stamp`] names the table; the index keeps the stamp it was built with,
//! and a different one queues every document again (`super::refold_if_changed`).

use std::sync::OnceLock;

/// The generated table: `#` comment lines, then one pair a line.
const TABLE: &str = include_str!("t2s/characters.txt");

fn table() -> &'static [(char, char)] {
    static TABLE_PAIRS: OnceLock<Vec<(char, char)>> = OnceLock::new();
    TABLE_PAIRS.get_or_init(|| {
        let mut v: Vec<(char, char)> = TABLE
            .lines()
            .filter(|line| !line.starts_with('#'))
            .filter_map(|pair| {
                let mut chars = pair.chars();
                Some((chars.next()?, chars.next()?))
            })
            .collect();
        v.sort_unstable();
        v.dedup_by_key(|p| p.0);
        v
    })
}

/// The simplified form of a character, or the character itself.
pub(crate) fn simplify(c: char) -> char {
    if (c as u32) < 0x3400 {
        return c;
    }
    let t = table();
    match t.binary_search_by_key(&c, |p| p.0) {
        Ok(i) => t[i].1,
        Err(_) => c,
    }
}

/// A name of this table that changes whenever the table does: `t2s-` and
/// the FNV-1a hash of the file, in hex.
pub(crate) fn stamp() -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in TABLE.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("t2s-{h:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_one_for_one_sorted_and_settled() {
        for line in TABLE.lines().filter(|l| !l.starts_with('#')) {
            let chars: Vec<char> = line.chars().collect();
            assert_eq!(chars.len(), 2, "{line}");
            assert_ne!(chars[0], chars[1], "{line}");
            assert!(chars[0] as u32 >= 0x3400, "{line}");
        }
        let t = table();
        assert!(t.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(t.len() > 4000, "{}", t.len());
        // Folding twice changes nothing.
        for (_, s) in t {
            assert_eq!(simplify(*s), *s, "{s}");
        }
    }

    #[test]
    fn common_words_fold() {
        let cases = [
            ("扶貧開發", "扶贫开发"),
            ("中國扶貧基金會", "中国扶贫基金会"),
            ("廣東省", "广东省"),
            ("對口幫扶", "对口帮扶"),
            ("驻村工作組", "驻村工作组"),
            ("農業發展銀行", "农业发展银行"),
            ("屋簷", "屋檐"),
            ("光煇", "光辉"),
            ("扶贫", "扶贫"),
            ("ABC 123", "ABC 123"),
        ];
        for (from, to) in cases {
            let got: String = from.chars().map(simplify).collect();
            assert_eq!(got, to);
        }
    }

    #[test]
    fn stamp_names_the_table() {
        let s = stamp();
        assert!(s.starts_with("t2s-") && s.len() == 20, "{s}");
        assert_eq!(s, stamp());
    }
}
