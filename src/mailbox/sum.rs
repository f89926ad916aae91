//! The 算术题: the mailbox's alternative to the image captcha for writers who
//! cannot read distorted letters. A sum of a two-digit and a one-digit
//! number, written in Chinese numerals as plain text (so a screen reader or
//! a magnifier reads it like any other text), answered in Arabic digits,
//! full-width digits or Chinese numerals. It is stored like an image
//! answer (`23+6`) and used once; its weaker protection (the question is
//! readable by a program too) is backed by the honeypot and the limits
//! per address.

use crate::auth::token;

/// A new stored answer: `a+b` with `a` in 11..=59 and `b` in 2..=9.
pub fn new_sum() -> String {
    let b = token::random_bytes(2);
    let x = 11 + u32::from(b[0]) % 49;
    let y = 2 + u32::from(b[1]) % 8;
    format!("{x}+{y}")
}

/// The two numbers of a stored sum, or `None` for an image answer.
pub fn parse_sum(stored: &str) -> Option<(u32, u32)> {
    let (a, b) = stored.split_once('+')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

/// Whether a stored answer is a sum.
pub fn is_sum(stored: &str) -> bool {
    parse_sum(stored).is_some()
}

/// The question of a stored sum: `二十三加六等于多少？`.
pub fn question(stored: &str) -> Option<String> {
    let (a, b) = parse_sum(stored)?;
    Some(format!("{}加{}等于多少？", chinese(a), chinese(b)))
}

const DIGITS: [char; 10] = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];

/// 0..=99 in Chinese numerals (`十`, `十五`, `二十`, `二十三`).
pub fn chinese(n: u32) -> String {
    let n = n.min(99);
    let (tens, ones) = (n / 10, n % 10);
    let mut out = String::new();
    if tens > 0 {
        if tens > 1 {
            out.push(DIGITS[tens as usize]);
        }
        out.push('十');
    }
    if ones > 0 || tens == 0 {
        out.push(DIGITS[ones as usize]);
    }
    out
}

/// A typed number: Arabic or full-width digits, or Chinese numerals up to
/// 99 (`六十八`, `十九`, `两`); spaces and a trailing `。` ignored.
pub fn parse_number(typed: &str) -> Option<u32> {
    let t: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '。' | '.'))
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - 0xFF10 + 0x30).unwrap_or(c),
            _ => c,
        })
        .collect();
    if t.is_empty() {
        return None;
    }
    if t.chars().all(|c| c.is_ascii_digit()) {
        return t.parse().ok().filter(|n| *n < 1000);
    }
    let digit = |c: char| match c {
        '两' => Some(2),
        '〇' => Some(0),
        _ => DIGITS.iter().position(|d| *d == c).map(|i| i as u32),
    };
    let chars: Vec<char> = t.chars().collect();
    match chars.as_slice() {
        ['十'] => Some(10),
        [d] => digit(*d),
        ['十', o] => Some(10 + digit(*o)?),
        [t, '十'] => Some(digit(*t)? * 10),
        [t, '十', o] => Some(digit(*t)? * 10 + digit(*o)?),
        _ => None,
    }
}

/// Whether a typed answer is the sum's result.
pub fn sum_matches(stored: &str, typed: &str) -> bool {
    match (parse_sum(stored), parse_number(typed)) {
        (Some((a, b)), Some(n)) => a + b == n,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_read_and_answer_in_chinese_or_digits() {
        assert_eq!(question("23+6").unwrap(), "二十三加六等于多少？");
        assert_eq!(question("11+9").unwrap(), "十一加九等于多少？");
        assert_eq!(question("AC3K9"), None);
        for typed in ["29", " ２９ ", "二十九", "二十九。"] {
            assert!(sum_matches("23+6", typed), "{typed}");
        }
        for typed in ["", "28", "二十八", "29个", "abc"] {
            assert!(!sum_matches("23+6", typed), "{typed}");
        }
        assert!(sum_matches("12+8", "二十"));
        assert!(sum_matches("11+2", "十三"));
        assert_eq!(parse_number("两"), Some(2));
        for n in 0..100 {
            assert_eq!(parse_number(&chinese(n)), Some(n), "{n}");
        }
        for _ in 0..200 {
            let s = new_sum();
            let (a, b) = parse_sum(&s).unwrap();
            assert!((11..=59).contains(&a) && (2..=9).contains(&b), "{s}");
            assert!(sum_matches(&s, &chinese(a + b)));
        }
    }
}
