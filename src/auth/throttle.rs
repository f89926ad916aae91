//! Slow-down and lockout of failed logins, per account name and per client
//! address, stored in the database so that every instance counts the same
//! failures.
//!
//! After a few failures each further attempt must wait twice as long as the
//! one before (1 s, 2 s, 4 s … up to a minute); after more, the key is
//! locked for 15 minutes, and the lock ends by itself. A key forgets its
//! failures after 15 quiet minutes. A throttled attempt is refused without
//! checking the password, so guessing gains nothing.
//!
//! So that an attacker hammering a name cannot keep its owner out, a browser
//! that has logged in as that user before carries a device cookie, and its
//! attempts are counted under the device instead of the name (the address
//! still counts). The counting is by the name typed, whether or not such a
//! user exists, so the answers reveal nothing about which names are real.

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

/// Per account name (or trusted device).
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
    /// `user:<name>` or `device:<digest>`.
    pub account: String,
    /// `ip:<address>`.
    pub address: String,
}

impl Keys {
    /// Keys for a typed name, a client address and an optional trusted
    /// device digest (one that has logged in as this name before).
    pub fn new(username: &str, ip: &str, device: Option<&str>) -> Keys {
        let account = match device {
            Some(d) => format!("device:{d}"),
            None => format!("user:{}", username.trim().to_lowercase()),
        };
        Keys {
            account,
            address: format!("ip:{ip}"),
        }
    }

    fn pairs(&self) -> [(&Policy, &str); 2] {
        [(&ACCOUNT, &self.account), (&ADDRESS, &self.address)]
    }
}

/// Whether an attempt under these keys may go ahead at `now`.
pub async fn check(db: &Db, keys: &Keys, now: i64) -> anyhow::Result<Verdict> {
    let mut wait = 0;
    for (policy, key) in keys.pairs() {
        let rec = login_attempts::get(db, key).await?;
        if let Verdict::Wait(s) = policy.verdict(rec.as_ref(), now) {
            wait = wait.max(s);
        }
    }
    Ok(if wait > 0 {
        Verdict::Wait(wait)
    } else {
        Verdict::Allowed
    })
}

/// Counts a failure under every key; the keys that became locked.
pub async fn fail(db: &Db, keys: &Keys, now: i64) -> anyhow::Result<Vec<String>> {
    let mut locked = Vec::new();
    for (policy, key) in keys.pairs() {
        let rec = login_attempts::get(db, key).await?;
        let (next, locked_now) = policy.after_failure(rec.as_ref(), now);
        login_attempts::put(db, key, &next).await?;
        if locked_now {
            locked.push(key.to_string());
        }
    }
    Ok(locked)
}

/// Forgets the failures of the account key after a successful login (the
/// address keeps its count until it goes quiet).
pub async fn succeed(db: &Db, keys: &Keys) -> anyhow::Result<()> {
    login_attempts::delete(db, &keys.account).await
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
        assert_eq!(k.account, "user:admin");
        assert_eq!(k.address, "ip:10.0.0.1");
        assert_eq!(Keys::new("admin", "x", Some("ab")).account, "device:ab");
        assert!(wait_message(900).contains("15 分钟"));
        assert!(wait_message(4).contains("4 秒"));
    }
}
