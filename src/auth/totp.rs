//! The optional second factor: time-based one-time passwords (RFC 6238 over
//! RFC 4226: HMAC-SHA1, 30-second steps, 6 digits), as every authenticator
//! app computes them. Secrets are 20 random bytes shown in base32 (RFC 4648,
//! no padding). A code is accepted one step early or late for clock drift,
//! and each step only once (the caller stores the last step used).

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

/// Seconds per step.
pub const STEP: i64 = 30;
/// Digits per code.
pub const DIGITS: u32 = 6;

const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// A new secret, base32.
pub fn new_secret() -> String {
    base32_encode(&super::token::random_bytes(20))
}

/// Base32 without padding.
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((buffer >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// Decodes base32, ignoring spaces, dashes, padding and case.
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.chars() {
        if matches!(c, ' ' | '-' | '=') {
            continue;
        }
        let v = ALPHABET
            .iter()
            .position(|&a| a == c.to_ascii_uppercase() as u8)? as u32;
        buffer = (buffer << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(((buffer >> bits) & 0xff) as u8);
        }
    }
    Some(out)
}

/// The code of one step (RFC 4226 HOTP with the step as counter).
pub fn code_at(secret: &[u8], step: i64) -> u32 {
    let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(secret).expect("HMAC takes any key");
    mac.update(&step.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[digest.len() - 1] & 0x0f);
    let binary = (u32::from(digest[offset] & 0x7f) << 24)
        | (u32::from(digest[offset + 1]) << 16)
        | (u32::from(digest[offset + 2]) << 8)
        | u32::from(digest[offset + 3]);
    binary % 10u32.pow(DIGITS)
}

/// The step a time falls in.
pub fn step_of(unix: i64) -> i64 {
    unix.div_euclid(STEP)
}

/// Checks a typed code against a base32 secret at `now`: the matching step
/// when it is right within one step and later than `last_step`.
pub fn verify(secret_b32: &str, code: &str, now: i64, last_step: i64) -> Option<i64> {
    let code = code.trim().replace(' ', "");
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let typed: u32 = code.parse().ok()?;
    let secret = base32_decode(secret_b32)?;
    let current = step_of(now);
    [current - 1, current, current + 1]
        .into_iter()
        .filter(|&s| s > last_step)
        .find(|&s| code_at(&secret, s) == typed)
}

/// The `otpauth://` address authenticator apps import.
pub fn otpauth_uri(issuer: &str, account: &str, secret_b32: &str) -> String {
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    format!(
        "otpauth://totp/{}:{}?secret={secret_b32}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP}",
        enc(issuer).replace('+', "%20"),
        enc(account).replace('+', "%20"),
        enc(issuer).replace('+', "%20"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_sha1_vectors() {
        // RFC 6238 appendix B, SHA-1 rows, truncated to 6 digits.
        let secret = b"12345678901234567890";
        for (t, full) in [
            (59_i64, 94_287_082_u32),
            (1_111_111_109, 7_081_804),
            (1_111_111_111, 14_050_471),
            (1_234_567_890, 89_005_924),
            (2_000_000_000, 69_279_037),
        ] {
            assert_eq!(code_at(secret, step_of(t)), full % 1_000_000, "t={t}");
        }
    }

    #[test]
    fn base32_round_trips() {
        let secret = b"12345678901234567890";
        let b = base32_encode(secret);
        assert_eq!(b, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(base32_decode(&b.to_lowercase()).unwrap(), secret);
        assert_eq!(base32_decode("GEZD GNBV-").unwrap(), b"12345");
        assert!(base32_decode("GE1!").is_none());
        assert_eq!(new_secret().len(), 32);
    }

    #[test]
    fn verify_allows_drift_and_refuses_replay() {
        let b = base32_encode(b"12345678901234567890");
        let now = 1_111_111_111;
        let code = format!("{:06}", code_at(b"12345678901234567890", step_of(now)));
        let step = verify(&b, &code, now, 0).expect("current code");
        assert_eq!(step, step_of(now));
        assert_eq!(verify(&b, &code, now + 30, 0), Some(step), "one step late");
        assert_eq!(verify(&b, &code, now + 90, 0), None, "three steps late");
        assert_eq!(verify(&b, &code, now, step), None, "replayed");
        assert_eq!(verify(&b, "12345", now, 0), None);
        assert_eq!(verify(&b, "abcdef", now, 0), None);
    }
}
