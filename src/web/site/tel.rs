//! Telephone numbers in settings: the footer and the contact page show the
//! numbers of 电话 and 捐赠热线 as `tel:` links, so a phone dials them with
//! one tap, and keep the text between them as written.

use serde::Serialize;

/// A piece of a phone-number setting: a number (with its `tel:` value) or
/// the text between numbers.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TelPart {
    /// The text as written in the settings.
    pub text: String,
    /// Digits (and a leading `+`) for `tel:`, when this piece is a number.
    pub tel: Option<String>,
}

/// Splits a setting such as `020-8388 1234、020-8388 5678（传真）` into
/// numbers and the text between them: a run of digits, spaces, `-`, `(`,
/// `)` and a leading `+` holding at least five digits is a number.
pub fn tel_parts(value: &str) -> Vec<TelPart> {
    let mut parts: Vec<TelPart> = Vec::new();
    let push_text = |parts: &mut Vec<TelPart>, t: &str| {
        if t.is_empty() {
            return;
        }
        match parts.last_mut() {
            Some(last) if last.tel.is_none() => last.text.push_str(t),
            _ => parts.push(TelPart {
                text: t.to_string(),
                tel: None,
            }),
        }
    };
    let chars: Vec<(usize, char)> = value.char_indices().collect();
    let mut i = 0;
    let mut text_from = 0;
    while i < chars.len() {
        let (at, c) = chars[i];
        if c.is_ascii_digit()
            || (c == '+' && chars.get(i + 1).is_some_and(|n| n.1.is_ascii_digit()))
        {
            let mut j = i;
            while j < chars.len()
                && (chars[j].1.is_ascii_digit()
                    || matches!(chars[j].1, ' ' | '-' | '(' | ')')
                    || (j == i && chars[j].1 == '+'))
            {
                j += 1;
            }
            // Trailing blanks and dashes are not part of the number.
            while j > i && matches!(chars[j - 1].1, ' ' | '-' | '(') {
                j -= 1;
            }
            let end = chars.get(j).map_or(value.len(), |n| n.0);
            let run = &value[at..end];
            let digits: String = run
                .chars()
                .filter(|c| c.is_ascii_digit() || *c == '+')
                .collect();
            if digits.chars().filter(char::is_ascii_digit).count() >= 5 {
                push_text(&mut parts, &value[text_from..at]);
                parts.push(TelPart {
                    text: run.to_string(),
                    tel: Some(digits),
                });
                text_from = end;
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    push_text(&mut parts, &value[text_from..]);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_become_links() {
        let parts = tel_parts("020-8388 1234、+86 20 8388 5678（总机） 分机 12");
        let tels: Vec<_> = parts.iter().filter_map(|p| p.tel.clone()).collect();
        assert_eq!(tels, ["02083881234", "+862083885678"]);
        let text: String = parts.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(text, "020-8388 1234、+86 20 8388 5678（总机） 分机 12");
        assert_eq!(parts[0].text, "020-8388 1234");
        assert_eq!(parts.last().unwrap().tel, None);
        assert!(tel_parts("").is_empty());
        assert_eq!(tel_parts("无").len(), 1);
    }
}
