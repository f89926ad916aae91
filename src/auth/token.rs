//! Random tokens (session ids, CSRF tokens, device cookies, TOTP secrets)
//! from the operating system's generator, their SHA-256 digests (what the
//! database keeps of a session id, so a copy of the database opens no
//! session), and comparison in constant time.

use sha2::{Digest, Sha256};

/// `n` random bytes from the OS generator.
pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    // The OS generator failing means the machine cannot do cryptography at
    // all; continuing with predictable tokens would be worse than stopping.
    getrandom::fill(&mut buf).expect("the operating system's random generator failed");
    buf
}

/// A new token: 32 random bytes as 64 lower-case hex digits.
pub fn new_token() -> String {
    hex(&random_bytes(32))
}

/// Lower-case hex of some bytes.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

/// The SHA-256 of a token, hex: what the database stores.
pub fn digest(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Whether a string looks like a token of ours (64 hex digits); anything
/// else is refused before it reaches a query.
pub fn well_formed(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Compares two secrets without an early exit that would leak, by its
/// timing, how many leading bytes matched.
pub fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_fresh_and_well_formed() {
        let a = new_token();
        let b = new_token();
        assert!(well_formed(&a) && well_formed(&b));
        assert_ne!(a, b);
        assert!(!well_formed("abc") && !well_formed(&format!("{}zz", &a[..62])));
        assert_eq!(digest("abc").len(), 64);
        assert_eq!(
            digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn same_compares_whole_strings() {
        assert!(same("abcd", "abcd"));
        assert!(!same("abcd", "abce"));
        assert!(!same("abcd", "abc"));
        assert!(!same("", "a"));
    }
}
