//! The secretary-general's mailbox (秘书长信箱) as a domain: what a letter
//! is (categories, statuses), how a letter form is checked field by field,
//! the letter number and the 查询码 (shown once, kept as a salted SHA-256),
//! the writer's name as the public board shows it, and the statistics of the
//! back office. Letters are plain text from the form to the export: nothing
//! here produces HTML. The captcha ([`captcha`]), the e-mail to staff
//! ([`notify`]) and the anti-spam checks ([`guard`]) have their own files.

pub mod captcha;
pub mod guard;
pub mod naming;
pub mod notify;
pub mod report;
pub mod sum;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::auth::token;

/// A letter's category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// 咨询.
    Consult,
    /// 建议.
    Suggest,
    /// 投诉.
    Complain,
    /// 求助.
    Help,
    /// 其他.
    Other,
}

impl Category {
    /// Every category in the order the form lists them.
    pub const ALL: [Category; 5] = [
        Category::Consult,
        Category::Suggest,
        Category::Complain,
        Category::Help,
        Category::Other,
    ];

    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Consult => "consult",
            Category::Suggest => "suggest",
            Category::Complain => "complain",
            Category::Help => "help",
            Category::Other => "other",
        }
    }

    /// The Chinese name.
    pub fn label(self) -> &'static str {
        match self {
            Category::Consult => "咨询",
            Category::Suggest => "建议",
            Category::Complain => "投诉",
            Category::Help => "求助",
            Category::Other => "其他",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(s: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// Where a letter stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// 待处理: nobody has acted on it yet.
    New,
    /// 处理中.
    Processing,
    /// 已回复: the writer can read the reply.
    Replied,
    /// 已办结: nothing more will happen.
    Closed,
}

impl Status {
    /// Every status in workflow order.
    pub const ALL: [Status; 4] = [
        Status::New,
        Status::Processing,
        Status::Replied,
        Status::Closed,
    ];

    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Processing => "processing",
            Status::Replied => "replied",
            Status::Closed => "closed",
        }
    }

    /// The Chinese name.
    pub fn label(self) -> &'static str {
        match self {
            Status::New => "待处理",
            Status::Processing => "处理中",
            Status::Replied => "已回复",
            Status::Closed => "已办结",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Whether a reply is still owed (the deadline matters).
    pub fn open(self) -> bool {
        matches!(self, Status::New | Status::Processing)
    }
}

/// Longest letter body, in characters.
pub const MAX_BODY: usize = 3000;
/// Shortest letter body, in characters.
pub const MIN_BODY: usize = 10;
/// Longest subject.
pub const MAX_SUBJECT: usize = 60;
/// Longest name.
pub const MAX_NAME: usize = 30;
/// Longest reply or note.
pub const MAX_REPLY: usize = 5000;

/// What the writer typed, as the form sent it.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
#[serde(default)]
pub struct LetterForm {
    /// 姓名.
    pub name: String,
    /// 电话.
    pub phone: String,
    /// 电子邮箱.
    pub email: String,
    /// 主题.
    pub subject: String,
    /// Category (stored spelling).
    pub category: String,
    /// 内容.
    pub body: String,
    /// "1" when the writer agrees to publication.
    pub publish_ok: String,
    /// The captcha as typed.
    pub captcha: String,
    /// The honeypot: people never see it, so anything here is a robot.
    pub website: String,
}

/// A letter that passed every check, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanLetter {
    /// 姓名.
    pub name: String,
    /// 电话 ("" when not given).
    pub phone: String,
    /// 电子邮箱 ("" when not given).
    pub email: String,
    /// 主题.
    pub subject: String,
    /// Category.
    pub category: Category,
    /// 内容, line breaks kept.
    pub body: String,
    /// Whether it may be published once answered.
    pub publish_ok: bool,
}

/// One field's complaint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The form field's name.
    pub field: &'static str,
    /// What is wrong, in Chinese.
    pub message: String,
}

/// Drops control characters (keeping line breaks in multi-line text) and
/// trims, so nothing invisible reaches storage, e-mail headers or exports.
pub fn clean_text(s: &str, multi_line: bool) -> String {
    let unified = s.replace("\r\n", "\n").replace('\r', "\n");
    let kept: String = unified
        .chars()
        .filter(|c| !c.is_control() || (multi_line && (*c == '\n' || *c == '\t')))
        .filter(|c| !matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'))
        .collect();
    kept.trim().to_string()
}

fn valid_phone(p: &str) -> bool {
    let digits = p.chars().filter(char::is_ascii_digit).count();
    (5..=20).contains(&digits)
        && p.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | ' ' | '(' | ')'))
}

/// Whether an e-mail address looks deliverable (one `@`, a dotted domain,
/// nothing that could break a header).
pub fn valid_email(e: &str) -> bool {
    let Some((local, domain)) = e.rsplit_once('@') else {
        return false;
    };
    e.len() <= 100
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !e
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '<' | '>' | ',' | ';' | '"'))
}

/// Checks a letter form (everything but the captcha, the honeypot and the
/// limits, which need the server); every failing field gets its message.
pub fn check_letter(form: &LetterForm) -> Result<CleanLetter, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut err = |field: &'static str, message: &str| {
        errors.push(FieldError {
            field,
            message: message.to_string(),
        })
    };
    let name = clean_text(&form.name, false);
    if name.is_empty() {
        err("name", "请填写姓名。");
    } else if name.chars().count() > MAX_NAME {
        err("name", &format!("姓名不能超过 {MAX_NAME} 个字。"));
    }
    let phone = clean_text(&form.phone, false);
    let email = clean_text(&form.email, false);
    if phone.is_empty() && email.is_empty() {
        err("phone", "电话和电子邮箱请至少填写一项，以便我们与您联系。");
    }
    if !phone.is_empty() && !valid_phone(&phone) {
        err(
            "phone",
            "电话号码格式不正确（只能包含数字、空格、+、- 和括号）。",
        );
    }
    if !email.is_empty() && !valid_email(&email) {
        err("email", "电子邮箱格式不正确，例如 name@example.com。");
    }
    let subject = clean_text(&form.subject, false);
    if subject.is_empty() {
        err("subject", "请填写主题。");
    } else if subject.chars().count() > MAX_SUBJECT {
        err("subject", &format!("主题不能超过 {MAX_SUBJECT} 个字。"));
    }
    let category = Category::parse(form.category.trim());
    if category.is_none() {
        err("category", "请选择来信类别。");
    }
    let body = clean_text(&form.body, true);
    let n = body.chars().count();
    if n == 0 {
        err("body", "请填写来信内容。");
    } else if n < MIN_BODY {
        err("body", &format!("来信内容太短，请至少写 {MIN_BODY} 个字。"));
    } else if n > MAX_BODY {
        err(
            "body",
            &format!("来信内容不能超过 {MAX_BODY} 个字（现在 {n} 个字）。"),
        );
    }
    match category {
        Some(category) if errors.is_empty() => Ok(CleanLetter {
            name,
            phone,
            email,
            subject,
            category,
            body,
            publish_ok: form.publish_ok == "1",
        }),
        _ => Err(errors),
    }
}

/// The alphabet of 查询码: no 0/O, 1/I/L, so it can be read aloud and typed.
const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
/// Characters in a 查询码 (31^12 ≈ 2^59).
pub const CODE_LEN: usize = 12;

/// A new 查询码, grouped by four for reading: `ABCD-EFGH-JKMN`.
pub fn new_code() -> String {
    let bytes = token::random_bytes(CODE_LEN * 2);
    let mut out = String::with_capacity(CODE_LEN + 2);
    for (i, pair) in bytes.chunks(2).enumerate() {
        if i > 0 && i % 4 == 0 {
            out.push('-');
        }
        // Two bytes per character keep the modulo bias below 0.05%.
        let v = usize::from(pair[0]) << 8 | usize::from(pair[1]);
        out.push(CODE_ALPHABET[v % CODE_ALPHABET.len()] as char);
    }
    out
}

/// A 查询码 as typed, reduced to its characters: case, spaces and dashes
/// do not matter.
pub fn normalize_code(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// A fresh salt for one letter's code.
pub fn new_salt() -> String {
    token::hex(&token::random_bytes(16))
}

/// The stored digest of a code: SHA-256 over salt and normalised code.
pub fn code_digest(salt: &str, code: &str) -> String {
    let mut h = Sha256::new();
    h.update(salt.as_bytes());
    h.update(b":");
    h.update(normalize_code(code).as_bytes());
    token::hex(&h.finalize())
}

/// Whether a typed code matches the stored digest (compared in constant time).
pub fn code_matches(salt: &str, digest: &str, typed: &str) -> bool {
    token::same(&code_digest(salt, typed), digest)
}

/// The letter number: the day it arrived and its id, e.g. `2026112600042`.
pub fn letter_number(day: i64, id: i64) -> String {
    format!("{day}{id:05}")
}

/// The writer's name as the public board shows it: the first character
/// and two stars, e.g. 张** (the length of the name is not told either).
pub fn mask_name(name: &str) -> String {
    match name.trim().chars().next() {
        Some(first) => format!("{first}**"),
        None => "匿名".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> LetterForm {
        LetterForm {
            name: "张三".into(),
            phone: "020-12345678".into(),
            email: String::new(),
            subject: "关于帮扶项目".into(),
            category: "consult".into(),
            body: "请问今年的帮扶项目如何申请？\r\n谢谢。".into(),
            publish_ok: "1".into(),
            ..LetterForm::default()
        }
    }

    #[test]
    fn a_good_letter_passes_and_keeps_its_lines() {
        let l = check_letter(&good()).unwrap();
        assert_eq!(l.body, "请问今年的帮扶项目如何申请？\n谢谢。");
        assert_eq!(l.category, Category::Consult);
        assert!(l.publish_ok);
    }

    #[test]
    fn every_bad_field_gets_its_own_message() {
        let form = LetterForm {
            name: " ".into(),
            phone: String::new(),
            email: String::new(),
            subject: "x".repeat(61),
            category: "spam".into(),
            body: "短".into(),
            ..LetterForm::default()
        };
        let errors = check_letter(&form).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["name", "phone", "subject", "category", "body"]);
        let bad_contact = LetterForm {
            phone: "call me".into(),
            email: "not-an-address".into(),
            ..good()
        };
        let fields: Vec<_> = check_letter(&bad_contact)
            .unwrap_err()
            .iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["phone", "email"]);
        let long = LetterForm {
            body: "字".repeat(MAX_BODY + 1),
            ..good()
        };
        assert!(check_letter(&long).unwrap_err()[0].message.contains("3001"));
    }

    #[test]
    fn invisible_and_control_characters_are_dropped() {
        assert_eq!(clean_text("a\u{0}b\u{202e}c\r\nd", true), "abc\nd");
        assert_eq!(clean_text("主题\r\nBcc: x@y.z", false), "主题Bcc: x@y.z");
    }

    #[test]
    fn codes_have_entropy_and_match_loosely() {
        let a = new_code();
        assert_eq!(a.len(), CODE_LEN + 2);
        assert_ne!(a, new_code());
        let salt = new_salt();
        let digest = code_digest(&salt, &a);
        assert!(code_matches(
            &salt,
            &digest,
            &a.to_lowercase().replace('-', " ")
        ));
        assert!(!code_matches(&salt, &digest, "AAAA-AAAA-AAAA"));
        assert_ne!(digest, code_digest(&new_salt(), &a), "salted per letter");
    }

    #[test]
    fn names_are_masked() {
        assert_eq!(mask_name("张三"), "张**");
        assert_eq!(mask_name("欧阳修文"), "欧**");
        assert_eq!(mask_name("李"), "李**");
        assert_eq!(mask_name(""), "匿名");
        assert_eq!(letter_number(20261126, 42), "2026112600042");
    }
}
