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
/// Hashes allowed at once in this process (4 × 19 MiB), one of them kept
/// for trusted browsers.
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

// One semaphore per process: the memory it protects is the process's. One
// of the slots is kept for browsers the user has logged in from before
// (see [`Caller`]), so a flood of strangers cannot keep them all.
fn slots() -> &'static Semaphore {
    static SLOTS: OnceLock<Semaphore> = OnceLock::new();
    SLOTS.get_or_init(|| Semaphore::new(MAX_CONCURRENT - 1))
}

fn kept_slot() -> &'static Semaphore {
    static SLOT: OnceLock<Semaphore> = OnceLock::new();
    SLOT.get_or_init(|| Semaphore::new(1))
}

/// Password checks one client address may have running or waiting at once;
/// more are answered "busy" at once instead of queueing ahead of others.
pub const PER_ADDRESS: usize = 2;

fn in_flight() -> &'static std::sync::Mutex<std::collections::HashMap<String, usize>> {
    static MAP: OnceLock<std::sync::Mutex<std::collections::HashMap<String, usize>>> =
        OnceLock::new();
    MAP.get_or_init(Default::default)
}

/// Who asks for a password check at login.
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    /// The client's address.
    pub address: &'a str,
    /// Whether the browser carries a trusted-device cookie of this user.
    pub trusted: bool,
}

/// One address's place among the password checks; given back on drop.
struct AddressTurn(String);

impl AddressTurn {
    fn take(address: &str) -> Option<AddressTurn> {
        let mut map = in_flight().lock().unwrap_or_else(|e| e.into_inner());
        let n = map.entry(address.to_string()).or_insert(0);
        if *n >= PER_ADDRESS {
            return None;
        }
        *n += 1;
        Some(AddressTurn(address.to_string()))
    }
}

impl Drop for AddressTurn {
    fn drop(&mut self) {
        let mut map = in_flight().lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = map.get_mut(&self.0) {
            *n -= 1;
            if *n == 0 {
                map.remove(&self.0);
            }
        }
    }
}

fn hasher() -> Argon2<'static> {
    let params = Params::new(M_COST, T_COST, P_COST, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

async fn run_bounded<T: Send + 'static>(
    job: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
) -> Result<T, HashError> {
    run_for(None, job).await
}

async fn run_for<T: Send + 'static>(
    caller: Option<Caller<'_>>,
    job: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
) -> Result<T, HashError> {
    let _turn = match caller {
        Some(c) => Some(AddressTurn::take(c.address).ok_or(HashError::Busy)?),
        None => None,
    };
    let trusted = caller.is_some_and(|c| c.trusted);
    let acquire = async {
        if trusted {
            tokio::select! {
                p = kept_slot().acquire() => p,
                p = slots().acquire() => p,
            }
        } else {
            slots().acquire().await
        }
    };
    let _permit = tokio::time::timeout(WAIT, acquire)
        .await
        .map_err(|_| HashError::Busy)?
        .map_err(|e| anyhow!(e))?;
    tokio::task::spawn_blocking(job)
        .await
        .map_err(|e| anyhow!("hashing task failed: {e}"))?
        .map_err(HashError::Internal)
}

/// Whether a new password is acceptable; the reason in Chinese when not.
/// The policy (等保 2.0 level 2, identity): at least [`MIN_LEN`]
/// characters, at least three of the four kinds (lower case, upper case,
/// digits, other characters), not one of the common passwords shipped with
/// the program, and — see [`check_new_for`] — not the user name.
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
    if kinds(password) < 3 {
        return Err("密码需包含大写字母、小写字母、数字、其他符号中的至少三种。".into());
    }
    if is_common(password) {
        return Err("这个密码过于常见，很容易被猜到，请换一个。".into());
    }
    Ok(())
}

/// [`check_new`] for a given user: the password may also not be, or
/// contain, the user name (ignoring case).
pub fn check_new_for(password: &str, username: &str) -> Result<(), String> {
    check_new(password)?;
    let name = username.trim().to_lowercase();
    if name.chars().count() >= 3 && password.to_lowercase().contains(&name) {
        return Err("密码不能包含用户名。".into());
    }
    Ok(())
}

/// How many of the four kinds of character a password uses.
fn kinds(password: &str) -> usize {
    let lower = password.chars().any(|c| c.is_lowercase());
    let upper = password.chars().any(|c| c.is_uppercase());
    let digit = password.chars().any(|c| c.is_ascii_digit());
    let other = password
        .chars()
        .any(|c| !c.is_lowercase() && !c.is_uppercase() && !c.is_ascii_digit());
    [lower, upper, digit, other]
        .into_iter()
        .filter(|k| *k)
        .count()
}

/// Whether a password is in the shipped list of common ones.
fn is_common(password: &str) -> bool {
    static LIST: OnceLock<std::collections::HashSet<String>> = OnceLock::new();
    let list = LIST.get_or_init(|| {
        include_str!("common_passwords.txt")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_lowercase)
            .collect()
    });
    list.contains(&password.to_lowercase())
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
    verify_inner(None, password, stored).await
}

/// [`verify`] for a login: at most [`PER_ADDRESS`] checks per client
/// address run or wait at once, and a trusted browser may also use the
/// slot kept for such browsers, so a flood of logins from many addresses
/// neither starves one address nor keeps the real user out.
pub async fn verify_as(
    caller: Caller<'_>,
    password: &str,
    stored: Option<&str>,
) -> Result<bool, HashError> {
    verify_inner(Some(caller), password, stored).await
}

async fn verify_inner(
    caller: Option<Caller<'_>>,
    password: &str,
    stored: Option<&str>,
) -> Result<bool, HashError> {
    let password = password.to_string();
    let stored = stored.map(str::to_string);
    run_for(caller, move || {
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
        assert!(
            check_new("长一点的中文密码也可以").is_err(),
            "one kind of character"
        );
        assert!(check_new("长一点的中文密码 Ab").is_ok());
        assert!(check_new(&"x".repeat(300)).is_err());
    }
}

#[cfg(test)]
mod fairness_tests {
    use super::*;

    #[test]
    fn one_address_holds_at_most_its_share() {
        let a = AddressTurn::take("198.51.100.7").unwrap();
        let b = AddressTurn::take("198.51.100.7").unwrap();
        assert!(
            AddressTurn::take("198.51.100.7").is_none(),
            "a third waits for none"
        );
        assert!(
            AddressTurn::take("198.51.100.8").is_some(),
            "another address goes ahead"
        );
        drop(a);
        assert!(
            AddressTurn::take("198.51.100.7").is_some(),
            "a turn given back"
        );
        drop(b);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_trusted_browser_gets_the_kept_slot_while_strangers_hold_the_rest() {
        // Strangers hold every shared slot.
        let mut held = Vec::new();
        for _ in 0..MAX_CONCURRENT - 1 {
            held.push(slots().acquire().await.unwrap());
        }
        let trusted = Caller {
            address: "203.0.113.5",
            trusted: true,
        };
        let ok = run_for(Some(trusted), || Ok(7)).await.unwrap();
        assert_eq!(ok, 7);
        drop(held);
    }
}

#[cfg(test)]
mod policy_tests {
    use super::*;

    #[test]
    fn the_policy_wants_length_three_kinds_and_no_common_or_own_name() {
        assert!(check_new("Short1!").unwrap_err().contains("10"));
        assert!(
            check_new("alllowercase words")
                .unwrap_err()
                .contains("三种")
        );
        assert!(
            check_new("ALLUPPER12345").is_err(),
            "upper case and digits: two kinds"
        );
        assert!(check_new("Password123").unwrap_err().contains("常见"));
        assert!(
            check_new("PASSWORD@123").unwrap_err().contains("常见"),
            "any case"
        );
        assert!(
            check_new("Correct horse battery").is_ok(),
            "upper, lower and spaces"
        );
        assert!(
            check_new("扶贫开发协会2026ab").is_ok(),
            "Chinese counts as another kind"
        );
        assert!(
            check_new_for("Zhangwei@2026", "zhangwei")
                .unwrap_err()
                .contains("用户名")
        );
        assert!(check_new_for("Tea leaves 2026", "zhangwei").is_ok());
    }
}
