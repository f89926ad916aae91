//! Password hashing: argon2id with at least m=19456 KiB, t=2, p=1 (the
//! OWASP minimum), run on the blocking pool. A process-wide semaphore bounds
//! how many hashes run at once, so a flood of logins queues instead of
//! allocating 19 MiB per request until memory runs out; a request that
//! cannot get a slot within a few seconds is told the server is busy.

use std::sync::OnceLock;
use std::time::Duration;

use anyhow::anyhow;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

/// Memory cost in KiB.
pub const M_COST: u32 = 19_456;
/// Iterations.
pub const T_COST: u32 = 2;
/// Parallelism.
pub const P_COST: u32 = 1;
/// Hashes allowed at once in this process (4 × 19 MiB).
pub const MAX_CONCURRENT: usize = 4;
/// How long a login waits for a hashing slot before giving up.
const WAIT: Duration = Duration::from_secs(10);
/// Longest password accepted, in characters.
pub const MAX_LEN: usize = 256;
/// Shortest password accepted, in characters.
pub const MIN_LEN: usize = 10;

/// Why hashing could not answer.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// Every slot stayed busy for the whole wait.
    #[error("too many password checks at once")]
    Busy,
    /// Anything else (a corrupt stored hash, a panicked worker).
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

// One semaphore per process: the memory it protects is the process's.
fn slots() -> &'static Semaphore {
    static SLOTS: OnceLock<Semaphore> = OnceLock::new();
    SLOTS.get_or_init(|| Semaphore::new(MAX_CONCURRENT))
}

fn hasher() -> Argon2<'static> {
    let params = Params::new(M_COST, T_COST, P_COST, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

async fn run_bounded<T: Send + 'static>(
    job: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
) -> Result<T, HashError> {
    let _permit = tokio::time::timeout(WAIT, slots().acquire())
        .await
        .map_err(|_| HashError::Busy)?
        .map_err(|e| anyhow!(e))?;
    tokio::task::spawn_blocking(job)
        .await
        .map_err(|e| anyhow!("hashing task failed: {e}"))?
        .map_err(HashError::Internal)
}

/// Whether a new password is acceptable; the reason in Chinese when not.
pub fn check_new(password: &str) -> Result<(), String> {
    let n = password.chars().count();
    if n < MIN_LEN {
        return Err(format!("密码至少需要 {MIN_LEN} 个字符。"));
    }
    if n > MAX_LEN {
        return Err(format!("密码不能超过 {MAX_LEN} 个字符。"));
    }
    if password.trim().is_empty() {
        return Err("密码不能全是空格。".into());
    }
    Ok(())
}

/// Hashes a password into a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`).
pub async fn hash(password: &str) -> Result<String, HashError> {
    let password = password.to_string();
    run_bounded(move || {
        hasher()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| anyhow!("cannot hash the password: {e}"))
    })
    .await
}

/// A hash of a password nobody knows, verified against when the user does
/// not exist so that the answer takes as long as for a real user.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let secret = super::token::new_token();
        hasher()
            .hash_password(secret.as_bytes())
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

/// Checks a password against a stored hash; with no stored hash (unknown
/// or disabled user) it does the same work and answers false.
pub async fn verify(password: &str, stored: Option<&str>) -> Result<bool, HashError> {
    let password = password.to_string();
    let stored = stored.map(str::to_string);
    run_bounded(move || {
        let (phc, real) = match &stored {
            Some(h) => (h.as_str(), true),
            None => (dummy_hash(), false),
        };
        let parsed = match argon2::password_hash::phc::PasswordHash::new(phc) {
            Ok(p) => p,
            Err(e) => return Err(anyhow!("stored password hash is unreadable: {e}")),
        };
        let ok = hasher()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        Ok(ok && real)
    })
    .await
}

/// Whether a stored hash uses weaker parameters than today's (rehash at the
/// next successful login).
pub fn needs_rehash(stored: &str) -> bool {
    !stored.starts_with(&format!("$argon2id$v=19$m={M_COST},t={T_COST},p={P_COST}$"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_carry_the_production_cost() {
        let h = hash("correct horse battery").await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(!needs_rehash(&h));
        assert!(verify("correct horse battery", Some(&h)).await.unwrap());
        assert!(!verify("wrong horse battery", Some(&h)).await.unwrap());
        assert!(!verify("correct horse battery", None).await.unwrap());
        assert_ne!(h, hash("correct horse battery").await.unwrap(), "salted");
    }

    #[test]
    fn new_passwords_have_a_minimum_length() {
        assert!(check_new("short").is_err());
        assert!(check_new("          ").is_err());
        assert!(check_new("长一点的中文密码也可以").is_ok());
        assert!(check_new(&"x".repeat(300)).is_err());
    }
}
