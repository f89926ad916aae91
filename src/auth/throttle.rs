//! Slow-down and lockout of failed logins, stored in the database so that
//! every instance counts the same failures.
//!
//! Three keys count each attempt:
//! - the pair of the typed name and the client address (or, for a browser
//!   that has logged in as that user before, its trusted-device cookie):
//!   after a few failures each further attempt waits twice as long as the
//!   one before (1 s, 2 s, 4 s … up to a minute), after more the pair is
//!   locked for 15 minutes;
//! - the client address alone, with looser limits (an office shares one);
//! - the name alone, across addresses: never a lock, only a slow-down of
//!   the answer (a few seconds at most), so that guessing from many
//!   addresses is slowed while the real user, from any other address, can
//!   always log in.
//!
//! Checking and counting are one step ([`check`], a single write
//! transaction): an attempt is counted as a failure before its password is
//! checked and taken back by [`succeed`], so N guesses sent at the same
//! moment count N. A refused attempt is not counted and its password is not
//! checked, so guessing gains nothing. The counting is by the name typed,
//! whether or not such a user exists, so the answers reveal nothing about
//! which names are real.

use crate::db::Db;
use crate::db::login_attempts::{self, Record};

/// The thresholds of one kind of key.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// Failures allowed before waits begin.
    pub free: i64,
    /// Failures that lock the key.
    pub lock_after: i64,
    /// How long a lock lasts, seconds.
    pub lock_secs: i64,
    /// Quiet seconds after which failures are forgotten.
    pub window: i64,
    /// The longest wait between attempts before the lock, seconds.
    pub max_delay: i64,
}

/// Per name and address (or trusted device): the key that locks.
pub const ACCOUNT: Policy = Policy {
    free: 3,
    lock_after: 10,
    lock_secs: 15 * 60,
    window: 15 * 60,
    max_delay: 60,
};

/// Per client address: looser, since an office shares one address.
pub const ADDRESS: Policy = Policy {
    free: 10,
    lock_after: 30,
    lock_secs: 15 * 60,
    window: 15 * 60,
    max_delay: 60,
};

/// Per name across every address: never locks, and its waits are served
/// as a delay of the answer rather than a refusal (see [`check`]).
pub const NAME: Policy = Policy {
    free: 10,
    lock_after: i64::MAX,
    lock_secs: 0,
    window: 15 * 60,
    max_delay: 5,
};

/// Whether an attempt may go ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Check the password.
    Allowed,
    /// Refuse; the number of seconds until the next attempt may be made.
    Wait(i64),
}

impl Policy {
    /// The verdict for a key with this record at `now`.
    pub fn verdict(&self, rec: Option<&Record>, now: i64) -> Verdict {
        let Some(rec) = rec else {
            return Verdict::Allowed;
        };
        if rec.locked_until > now {
            return Verdict::Wait(rec.locked_until - now);
        }
        if now - rec.last_failure_at > self.window || rec.failures < self.free {
            return Verdict::Allowed;
        }
        let exponent = (rec.failures - self.free).clamp(0, 20) as u32;
        let delay = 2_i64.pow(exponent).min(self.max_delay);
        let next = rec.last_failure_at + delay;
        if now < next {
            Verdict::Wait(next - now)
        } else {
            Verdict::Allowed
        }
    }

    /// The record after one more failure at `now`, and whether it just locked.
    pub fn after_failure(&self, rec: Option<&Record>, now: i64) -> (Record, bool) {
        let stale =
            rec.is_none_or(|r| r.locked_until <= now && now - r.last_failure_at > self.window);
        let failures = if stale {
            1
        } else {
            rec.map_or(0, |r| r.failures) + 1
        };
        let was_locked = rec.is_some_and(|r| r.locked_until > now);
        let locked_until = if failures >= self.lock_after {
            now + self.lock_secs
        } else {
            rec.map_or(0, |r| r.locked_until)
        };
        let locked_now = failures >= self.lock_after && !was_locked;
        (
            Record {
                failures,
                last_failure_at: now,
                locked_until,
            },
            locked_now,
        )
    }
}

/// The keys one attempt is counted under.
#[derive(Debug, Clone)]
pub struct Keys {
    /// `user:<name>|ip:<address>`, or `device:<digest>` for a trusted
    /// browser: slowed down, then locked.
    pub pair: String,
    /// `user:<name>`: slowed down across addresses, never locked; `None`
    /// for a trusted browser, which the real user's attempts come from.
    pub account: Option<String>,
    /// `ip:<address>`.
    pub address: String,
}

impl Keys {
    /// Keys for a typed name, a client address and an optional trusted
    /// device digest (one that has logged in as this name before).
    pub fn new(username: &str, ip: &str, device: Option<&str>) -> Keys {
        let name = username.trim().to_lowercase();
        let (pair, account) = match device {
            Some(d) => (format!("device:{d}"), None),
            None => (format!("user:{name}|ip:{ip}"), Some(format!("user:{name}"))),
        };
        Keys {
            pair,
            account,
            address: format!("ip:{ip}"),
        }
    }

    /// Keys for a check of a secret by a signed-in user (the current
    /// password before a change, a code before turning off the second
    /// factor): the same limits as logins, counted per user and kind, so a
    /// stolen session cannot guess the password it lacks.
    pub fn secret(kind: &str, user_id: i64, ip: &str) -> Keys {
        Keys {
            pair: format!("secret:{kind}:{user_id}|ip:{ip}"),
            account: Some(format!("secret:{kind}:{user_id}")),
            address: format!("ip:{ip}"),
        }
    }

    /// The keys that may refuse an attempt, with their policies.
    fn refusing(&self) -> [(&Policy, &str); 2] {
        [(&ACCOUNT, &self.pair), (&ADDRESS, &self.address)]
    }

    /// Every key counted, the refusing ones first.
    fn all(&self) -> Vec<(&Policy, &str)> {
        let mut keys = self.refusing().to_vec();
        if let Some(a) = &self.account {
            keys.push((&NAME, a));
        }
        keys
    }
}

/// Checks an attempt under these keys at `now` and, when it may go ahead,
/// counts it as a failure in the same transaction (see the module's doc);
/// [`succeed`] takes the count back. When the name is under attack from
/// many addresses the answer is delayed by the name's wait instead of
/// being refused.
pub async fn check(db: &Db, keys: &Keys, now: i64) -> anyhow::Result<Verdict> {
    let all = keys.all();
    let names: Vec<&str> = all.iter().map(|(_, k)| *k).collect();
    let mut verdict = Verdict::Allowed;
    let mut delay = 0;
    login_attempts::check_and_count(db, &names, |records| {
        let mut wait = 0;
        for ((policy, _), rec) in all.iter().zip(records).take(2) {
            if let Verdict::Wait(s) = policy.verdict(rec.as_ref(), now) {
                wait = wait.max(s);
            }
        }
        if wait > 0 {
            verdict = Verdict::Wait(wait);
            return None;
        }
        if let Some(((policy, _), rec)) = all.iter().zip(records).nth(2)
            && let Verdict::Wait(s) = policy.verdict(rec.as_ref(), now)
        {
            delay = s;
        }
        Some(
            all.iter()
                .zip(records)
                .map(|((policy, _), rec)| policy.after_failure(rec.as_ref(), now).0)
                .collect(),
        )
    })
    .await?;
    if delay > 0 {
        tokio::time::sleep(std::time::Duration::from_secs(delay as u64)).await;
    }
    Ok(verdict)
}

/// The attempt that [`check`] counted failed: the keys it locked (for the
/// 操作日志). The failure itself was counted by [`check`].
pub async fn fail(db: &Db, keys: &Keys, now: i64) -> anyhow::Result<Vec<String>> {
    let mut locked = Vec::new();
    for (policy, key) in keys.refusing() {
        let rec = login_attempts::get(db, key).await?;
        // The lock this attempt's count set ends exactly a lock's length
        // from now.
        if rec.is_some_and(|r| policy.lock_secs > 0 && r.locked_until == now + policy.lock_secs) {
            locked.push(key.to_string());
        }
    }
    Ok(locked)
}

/// The attempt that [`check`] counted succeeded: the pair forgets its
/// failures, and the address and the name lose the one [`check`] counted.
pub async fn succeed(db: &Db, keys: &Keys) -> anyhow::Result<()> {
    login_attempts::delete(db, &keys.pair).await?;
    login_attempts::uncount(db, &keys.address).await?;
    if let Some(a) = &keys.account {
        login_attempts::uncount(db, a).await?;
    }
    Ok(())
}

/// The attempt that [`check`] counted was not checked after all (no
/// hashing slot was free): every key loses the count.
pub async fn abandon(db: &Db, keys: &Keys) -> anyhow::Result<()> {
    for (_, key) in keys.all() {
        login_attempts::uncount(db, key).await?;
    }
    Ok(())
}

/// What a refused check of a secret is told.
pub fn secret_wait_message(secs: i64) -> String {
    if secs >= 60 {
        format!("尝试次数过多，请 {} 分钟后再试。", (secs + 59) / 60)
    } else {
        format!("尝试次数过多，请 {secs} 秒后再试。")
    }
}

/// What a refused attempt is told.
pub fn wait_message(secs: i64) -> String {
    if secs >= 60 {
        format!("登录失败次数过多，请 {} 分钟后再试。", (secs + 59) / 60)
    } else {
        format!("登录失败次数过多，请 {secs} 秒后再试。")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(policy: &Policy, failures_at: &[i64]) -> Option<Record> {
        let mut rec = None;
        for &t in failures_at {
            rec = Some(policy.after_failure(rec.as_ref(), t).0);
        }
        rec
    }

    #[test]
    fn slows_down_exponentially_then_locks_then_forgets() {
        let p = ACCOUNT;
        let t0 = 1_000_000;
        let rec = run(&p, &[t0, t0, t0]);
        assert_eq!(
            p.verdict(rec.as_ref(), t0),
            Verdict::Wait(1),
            "after 3: 1 s"
        );
        assert_eq!(p.verdict(rec.as_ref(), t0 + 1), Verdict::Allowed);
        let rec = run(&p, &[t0, t0, t0, t0 + 1]);
        assert_eq!(
            p.verdict(rec.as_ref(), t0 + 1),
            Verdict::Wait(2),
            "after 4: 2 s"
        );
        let rec = run(&p, &[t0; 9]);
        assert_eq!(p.verdict(rec.as_ref(), t0), Verdict::Wait(60), "capped");
        // The tenth failure locks for 15 minutes, and says so once.
        let mut rec = None;
        let mut locks = 0;
        for _ in 0..12 {
            let (r, locked) = p.after_failure(rec.as_ref(), t0);
            locks += usize::from(locked);
            rec = Some(r);
        }
        assert_eq!(locks, 1);
        assert_eq!(p.verdict(rec.as_ref(), t0 + 10), Verdict::Wait(900 - 10));
        // The lock ends by itself, and the failures are then forgotten.
        assert_eq!(p.verdict(rec.as_ref(), t0 + 901), Verdict::Allowed);
        let (after, _) = p.after_failure(rec.as_ref(), t0 + 902);
        assert_eq!(after.failures, 1);
    }

    #[test]
    fn keys_prefer_the_trusted_device() {
        let k = Keys::new(" Admin ", "10.0.0.1", None);
        assert_eq!(k.pair, "user:admin|ip:10.0.0.1");
        assert_eq!(k.account.as_deref(), Some("user:admin"));
        assert_eq!(k.address, "ip:10.0.0.1");
        let trusted = Keys::new("admin", "x", Some("ab"));
        assert_eq!(trusted.pair, "device:ab");
        assert_eq!(trusted.account, None);
        assert!(wait_message(900).contains("15 分钟"));
        assert!(wait_message(4).contains("4 秒"));
    }
}
