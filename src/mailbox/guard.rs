//! What stands between a robot and the inbox: the public forms' CSRF token
//! (a random value in a cookie that the form must echo — double submit —
//! and that the captcha challenge is bound to when issued), the captcha
//! itself, the honeypot field and the limits per client address. The
//! address is kept only as a digest, and only as long as the limits need.

use axum::http::HeaderMap;

use super::captcha;
use crate::auth::session::{read_cookie, set_cookie};
use crate::auth::token;
use crate::db::{self, Db, captchas, settings};

/// The cookie carrying the public forms' token.
pub const FORM_COOKIE: &str = "fupin_mailbox";
/// How long a captcha may be answered.
pub const CAPTCHA_SECS: i64 = 20 * 60;
/// Submissions of the letter form (good or bad) per address and hour.
pub const POSTS_PER_HOUR: i64 = 30;
/// Letter queries per address and hour.
pub const QUERIES_PER_HOUR: i64 = 30;
/// Letters accepted per address and hour, unless the settings say otherwise.
pub const DEFAULT_LETTERS_PER_HOUR: i64 = 5;
/// The setting holding the letters-per-hour limit.
pub const LETTERS_PER_HOUR_KEY: &str = "mailbox.letters_per_hour";

/// Attempt kinds counted per client.
pub mod kind {
    /// A POST of the letter form.
    pub const POST: &str = "post";
    /// A letter accepted.
    pub const LETTER: &str = "letter";
    /// A query by number and code.
    pub const QUERY: &str = "query";
}

/// The digest that stands for a client address in the attempts table.
pub fn client_key(ip: &str) -> String {
    token::digest(&format!("fupin-mailbox:{ip}"))[..32].to_string()
}

/// The form token of the request's cookie, when it has a well-formed one.
pub fn form_token(headers: &HeaderMap) -> Option<String> {
    read_cookie(headers, FORM_COOKIE)
        .filter(|t| token::well_formed(t))
        .map(str::to_string)
}

/// The `Set-Cookie` value for a form token (session cookie, this path only,
/// strict: a foreign site's form never carries it).
pub fn form_cookie(token: &str, secure: bool) -> String {
    set_cookie(FORM_COOKIE, token, "/mailbox", 2 * 3600, secure, true)
}

/// A captcha challenge issued with a form.
#[derive(Debug, Clone)]
pub struct Challenge {
    /// Its id (in the form and the image address).
    pub id: String,
    /// The 算术题's question; `None` for an image.
    pub question: Option<String>,
}

impl Challenge {
    /// The image address.
    pub fn image_url(&self) -> String {
        format!("/mailbox/captcha/{}.png", self.id)
    }

    /// The enlarged image's address.
    pub fn big_image_url(&self) -> String {
        format!("/mailbox/captcha/{}.big.png", self.id)
    }
}

/// Live captchas one client address may hold at once (an office shares an
/// address: a few dozen forms open at once is plenty).
pub const CAPTCHAS_PER_CLIENT: i64 = 30;
/// Live captchas in all, across every client.
pub const CAPTCHAS_IN_ALL: i64 = 20_000;

/// The captcha shown with a form, bound to its token: an image, or a
/// 算术题 when `sum` (see [`super::sum`]).
///
/// A challenge is made only when a form is shown, and the same form shown
/// again (the same token) shows the same challenge unless `fresh` (换一张,
/// or a switch between image and 算术题) asks for a new one, which replaces
/// it. At most [`CAPTCHAS_PER_CLIENT`] are live per client address and
/// [`CAPTCHAS_IN_ALL`] in all; past that, `None` (the form says to wait).
pub async fn issue_kind(
    db: &Db,
    form_token: &str,
    client: &str,
    now: i64,
    sum: bool,
    fresh: bool,
) -> anyhow::Result<Option<Challenge>> {
    let digest = token::digest(form_token);
    if fresh {
        captchas::drop_for_token(db, &digest).await?;
    } else if let Some((id, answer)) = captchas::live_for_token(db, &digest, now)
        .await?
        .into_iter()
        .find(|(_, a)| super::sum::is_sum(a) == sum)
    {
        return Ok(Some(Challenge {
            id,
            question: super::sum::question(&answer),
        }));
    }
    let (mine, total) = captchas::live_counts(db, client, now).await?;
    if mine >= CAPTCHAS_PER_CLIENT || total >= CAPTCHAS_IN_ALL {
        return Ok(None);
    }
    let id = token::new_token();
    let answer = if sum {
        super::sum::new_sum()
    } else {
        captcha::new_answer()
    };
    captchas::create(db, &id, &answer, &digest, client, now + CAPTCHA_SECS).await?;
    Ok(Some(Challenge {
        id,
        question: super::sum::question(&answer),
    }))
}

/// Why a submission was turned away before its fields were looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No cookie, or the form's token is not the cookie's.
    Token,
    /// Too many submissions from this address.
    TooMany,
}

impl Refusal {
    /// What the writer is told.
    pub fn message(self) -> &'static str {
        match self {
            Refusal::Token => {
                "页面已过期或来源不明，信件没有提交。您填写的内容已保留，请输入新的验证码后重新提交。"
            }
            Refusal::TooMany => {
                "提交过于频繁，信件没有提交。请一小时后再试，或通过页面下方的联系方式与我们联系。"
            }
        }
    }
}

/// The first checks of a letter POST: the token echoed from the cookie,
/// then the limits (every POST is counted, so guessing captchas is
/// limited too).
pub async fn admit_letter(
    db: &Db,
    cookie: Option<&str>,
    sent: &str,
    client: &str,
    now: i64,
) -> anyhow::Result<Result<(), Refusal>> {
    let token_ok = cookie.is_some_and(|c| token::same(c, sent));
    captchas::record_attempt(db, client, kind::POST, now).await?;
    if !token_ok {
        return Ok(Err(Refusal::Token));
    }
    let hour = now - 3600;
    if captchas::count_attempts(db, client, kind::POST, hour).await? > POSTS_PER_HOUR
        || captchas::count_attempts(db, client, kind::LETTER, hour).await?
            >= letters_per_hour(db).await?
    {
        return Ok(Err(Refusal::TooMany));
    }
    Ok(Ok(()))
}

/// The letters-per-hour limit in force.
pub async fn letters_per_hour(db: &Db) -> anyhow::Result<i64> {
    Ok(settings::get(db, LETTERS_PER_HOUR_KEY)
        .await?
        .and_then(|v| v.trim().parse().ok())
        .filter(|n: &i64| *n > 0)
        .unwrap_or(DEFAULT_LETTERS_PER_HOUR))
}

/// How a captcha answer fared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaptchaCheck {
    /// Right.
    Passed,
    /// Wrong.
    Wrong,
    /// Unknown, used or expired.
    Expired,
    /// Issued to another form token.
    Foreign,
}

/// Checks (and uses up) a captcha.
pub async fn check_captcha(
    db: &Db,
    id: &str,
    typed: &str,
    form_token: &str,
    now: i64,
) -> anyhow::Result<CaptchaCheck> {
    if !token::well_formed(id) {
        return Ok(CaptchaCheck::Expired);
    }
    let Some(taken) = captchas::take(db, id, now).await? else {
        return Ok(CaptchaCheck::Expired);
    };
    if !token::same(&taken.form_token, &token::digest(form_token)) {
        return Ok(CaptchaCheck::Foreign);
    }
    Ok(if captcha::answer_matches(&taken.answer, typed) {
        CaptchaCheck::Passed
    } else {
        CaptchaCheck::Wrong
    })
}

/// Counts a query and says whether this address may make it.
pub async fn admit_query(db: &Db, client: &str, now: i64) -> anyhow::Result<bool> {
    let n = captchas::count_attempts(db, client, kind::QUERY, now - 3600).await?;
    if n >= QUERIES_PER_HOUR {
        return Ok(false);
    }
    captchas::record_attempt(db, client, kind::QUERY, now).await?;
    Ok(true)
}

/// Records an accepted letter against the address.
pub async fn count_letter(db: &Db, client: &str) -> anyhow::Result<()> {
    captchas::record_attempt(db, client, kind::LETTER, db::now()).await
}
