//! Back-office users: name, display name, role, password hash, the
//! disabled flag, the optional TOTP secret, and the channels an 编辑 may
//! work in. Names are unique regardless of case.

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use super::{Db, now};
use crate::auth::Role;

/// One user as the back office shows it.
#[derive(Debug, Clone, Serialize)]
pub struct User {
    /// Row id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// Name shown in pages and the log (the login name when empty).
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Whether the account is disabled.
    pub disabled: bool,
    /// Whether a second factor is enrolled.
    pub totp_enabled: bool,
    /// Last successful login.
    pub last_login_at: Option<i64>,
    /// Created.
    pub created_at: i64,
    /// Channels assigned (for 编辑).
    pub channel_ids: Vec<i64>,
}

/// What a login needs besides the user.
#[derive(Debug, Clone)]
pub struct Secrets {
    /// The argon2 PHC string.
    pub password_hash: String,
    /// The base32 TOTP secret, when enrolled.
    pub totp_secret: Option<String>,
    /// A secret offered at enrolment and not yet confirmed.
    pub totp_pending: Option<String>,
    /// The last TOTP step accepted (replays are refused).
    pub totp_last_step: i64,
}

const COLUMNS: &str =
    "id, username, display_name, role, disabled, totp_secret, last_login_at, created_at";

fn from_row(row: &AnyRow) -> anyhow::Result<User> {
    let role: String = row.try_get("role")?;
    Ok(User {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        display_name: row.try_get("display_name")?,
        role: Role::parse(&role).ok_or_else(|| anyhow::anyhow!("unknown role {role:?}"))?,
        disabled: row.try_get::<i64, _>("disabled")? != 0,
        totp_enabled: row.try_get::<Option<String>, _>("totp_secret")?.is_some(),
        last_login_at: row.try_get("last_login_at")?,
        created_at: row.try_get("created_at")?,
        channel_ids: Vec::new(),
    })
}

impl User {
    /// The name to show.
    pub fn shown_name(&self) -> &str {
        if self.display_name.trim().is_empty() {
            &self.username
        } else {
            &self.display_name
        }
    }
}

/// Checks a new login name; the reason in Chinese when it is refused.
pub fn check_username(name: &str) -> Result<(), String> {
    let n = name.chars().count();
    if !(2..=32).contains(&n) {
        return Err("用户名需要 2 到 32 个字符。".into());
    }
    if !name
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
    {
        return Err("用户名只能包含字母、数字、汉字和 _ - .".into());
    }
    Ok(())
}

/// How many users exist.
pub async fn count(db: &Db) -> anyhow::Result<i64> {
    Ok(sqlx::query("SELECT COUNT(*) AS n FROM users")
        .fetch_one(db.pool())
        .await?
        .try_get("n")?)
}

/// How many enabled admins exist.
pub async fn count_active_admins(db: &Db) -> anyhow::Result<i64> {
    Ok(
        sqlx::query("SELECT COUNT(*) AS n FROM users WHERE role = 'admin' AND disabled = 0")
            .fetch_one(db.pool())
            .await?
            .try_get("n")?,
    )
}

async fn with_channels(db: &Db, mut user: User) -> anyhow::Result<User> {
    user.channel_ids = channels_of(db, user.id).await?;
    Ok(user)
}

/// The channels assigned to a user.
pub async fn channels_of(db: &Db, user_id: i64) -> anyhow::Result<Vec<i64>> {
    let rows =
        sqlx::query("SELECT channel_id FROM user_channels WHERE user_id = $1 ORDER BY channel_id")
            .bind(user_id)
            .fetch_all(db.pool())
            .await?;
    Ok(rows
        .iter()
        .map(|r| r.try_get("channel_id"))
        .collect::<sqlx::Result<_>>()?)
}

/// Every user, by name.
pub async fn list(db: &Db) -> anyhow::Result<Vec<User>> {
    let sql = format!("SELECT {COLUMNS} FROM users ORDER BY lower(username)");
    let rows = sqlx::query(AssertSqlSafe(sql)).fetch_all(db.pool()).await?;
    let links = sqlx::query("SELECT user_id, channel_id FROM user_channels ORDER BY channel_id")
        .fetch_all(db.pool())
        .await?;
    let mut users = rows
        .iter()
        .map(from_row)
        .collect::<anyhow::Result<Vec<_>>>()?;
    for link in links {
        let (u, c): (i64, i64) = (link.try_get("user_id")?, link.try_get("channel_id")?);
        if let Some(user) = users.iter_mut().find(|x| x.id == u) {
            user.channel_ids.push(c);
        }
    }
    Ok(users)
}

/// One user by id.
pub async fn get(db: &Db, id: i64) -> anyhow::Result<Option<User>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE id = $1");
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    match row {
        Some(row) => Ok(Some(with_channels(db, from_row(&row)?).await?)),
        None => Ok(None),
    }
}

/// One user by login name (any case), with the secrets a login needs.
pub async fn by_name(db: &Db, name: &str) -> anyhow::Result<Option<(User, Secrets)>> {
    let sql = format!(
        "SELECT {COLUMNS}, password_hash, totp_pending, totp_last_step FROM users
         WHERE lower(username) = lower($1)"
    );
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(name.trim())
        .fetch_optional(db.pool())
        .await?;
    match row {
        Some(row) => {
            let secrets = secrets_from_row(&row)?;
            Ok(Some((with_channels(db, from_row(&row)?).await?, secrets)))
        }
        None => Ok(None),
    }
}

fn secrets_from_row(row: &AnyRow) -> anyhow::Result<Secrets> {
    Ok(Secrets {
        password_hash: row.try_get("password_hash")?,
        totp_secret: row.try_get("totp_secret")?,
        totp_pending: row.try_get("totp_pending")?,
        totp_last_step: row.try_get("totp_last_step")?,
    })
}

/// The secrets of a user by id.
pub async fn secrets(db: &Db, id: i64) -> anyhow::Result<Option<Secrets>> {
    let row = sqlx::query(
        "SELECT password_hash, totp_secret, totp_pending, totp_last_step FROM users WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(secrets_from_row).transpose()
}

/// A user to create.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    /// Login name (checked with [`check_username`]).
    pub username: &'a str,
    /// Display name.
    pub display_name: &'a str,
    /// Role.
    pub role: Role,
    /// The argon2 PHC string.
    pub password_hash: &'a str,
    /// Channels (for 编辑).
    pub channel_ids: &'a [i64],
}

/// Creates a user; `None` when the name is taken.
pub async fn create(db: &Db, new: &NewUser<'_>) -> anyhow::Result<Option<i64>> {
    let mut tx = db.begin_write().await?;
    let taken = sqlx::query("SELECT 1 AS one FROM users WHERE lower(username) = lower($1)")
        .bind(new.username)
        .fetch_optional(&mut *tx)
        .await?
        .is_some();
    if taken {
        return Ok(None);
    }
    let t = now();
    let id: i64 = sqlx::query(
        "INSERT INTO users (username, display_name, role, password_hash, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
    )
    .bind(new.username)
    .bind(new.display_name)
    .bind(new.role.as_str())
    .bind(new.password_hash)
    .bind(t)
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    for c in new.channel_ids {
        sqlx::query("INSERT INTO user_channels (user_id, channel_id) VALUES ($1, $2)")
            .bind(id)
            .bind(*c)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(Some(id))
}

/// Changes the display name, role and channels of a user.
pub async fn update(
    db: &Db,
    id: i64,
    display_name: &str,
    role: Role,
    channel_ids: &[i64],
) -> anyhow::Result<()> {
    let mut tx = db.begin_write().await?;
    sqlx::query("UPDATE users SET display_name = $1, role = $2, updated_at = $3 WHERE id = $4")
        .bind(display_name)
        .bind(role.as_str())
        .bind(now())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM user_channels WHERE user_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    for c in channel_ids {
        sqlx::query("INSERT INTO user_channels (user_id, channel_id) VALUES ($1, $2)")
            .bind(id)
            .bind(*c)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Replaces the password (changed by its owner, reset by an admin or from
/// the command line). The browsers trusted for the old password are
/// forgotten in the same transaction: a stolen password that is changed
/// leaves the thief no device that escapes the login throttle.
pub async fn set_password(db: &Db, id: i64, hash: &str) -> anyhow::Result<()> {
    let mut tx = db.begin_write().await?;
    sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
        .bind(hash)
        .bind(now())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM login_devices WHERE user_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Stores the same password hashed with today's parameters (at login, when
/// the stored hash is older); trusted browsers stay.
pub async fn rehash_password(db: &Db, id: i64, hash: &str) -> anyhow::Result<()> {
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(id)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Forgets trusted browsers whose time is over.
pub async fn prune_devices(db: &Db, now: i64) -> anyhow::Result<u64> {
    Ok(
        sqlx::query("DELETE FROM login_devices WHERE expires_at <= $1")
            .bind(now)
            .execute(db.pool())
            .await?
            .rows_affected(),
    )
}

/// Disables or enables a user. Disabling also ends every session and
/// forgets the user's trusted devices, in the same transaction.
pub async fn set_disabled(db: &Db, id: i64, disabled: bool) -> anyhow::Result<()> {
    let mut tx = db.begin_write().await?;
    sqlx::query("UPDATE users SET disabled = $1, updated_at = $2 WHERE id = $3")
        .bind(i64::from(disabled))
        .bind(now())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    if disabled {
        for sql in [
            "DELETE FROM sessions WHERE user_id = $1",
            "DELETE FROM login_devices WHERE user_id = $1",
        ] {
            sqlx::query(sql).bind(id).execute(&mut *tx).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Stores (or clears) the secret offered at enrolment.
pub async fn set_totp_pending(db: &Db, id: i64, secret: Option<&str>) -> anyhow::Result<()> {
    sqlx::query("UPDATE users SET totp_pending = $1 WHERE id = $2")
        .bind(secret)
        .bind(id)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Turns the second factor on with a confirmed secret.
pub async fn enable_totp(db: &Db, id: i64, secret: &str, step: i64) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE users SET totp_secret = $1, totp_pending = NULL, totp_last_step = $2,
             updated_at = $3 WHERE id = $4",
    )
    .bind(secret)
    .bind(step)
    .bind(now())
    .bind(id)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Turns the second factor off.
pub async fn disable_totp(db: &Db, id: i64) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE users SET totp_secret = NULL, totp_pending = NULL, totp_last_step = 0,
             updated_at = $1 WHERE id = $2",
    )
    .bind(now())
    .bind(id)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Records a used TOTP step; false when that step (or a later one) was
/// already used, so a code is good once even across instances.
pub async fn use_totp_step(db: &Db, id: i64, step: i64) -> anyhow::Result<bool> {
    Ok(
        sqlx::query("UPDATE users SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1")
            .bind(step)
            .bind(id)
            .execute(db.pool())
            .await?
            .rows_affected()
            == 1,
    )
}

/// Notes a successful login.
pub async fn touch_login(db: &Db, id: i64, at: i64) -> anyhow::Result<()> {
    sqlx::query("UPDATE users SET last_login_at = $1 WHERE id = $2")
        .bind(at)
        .bind(id)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Whether a browser's device token belongs to this user and is current.
pub async fn device_known(
    db: &Db,
    token_hash: &str,
    user_id: i64,
    at: i64,
) -> anyhow::Result<bool> {
    Ok(sqlx::query(
        "SELECT 1 AS one FROM login_devices WHERE token_hash = $1 AND user_id = $2 AND expires_at > $3",
    )
    .bind(token_hash)
    .bind(user_id)
    .bind(at)
    .fetch_optional(db.pool())
    .await?
    .is_some())
}

/// Remembers a browser that logged in as this user.
pub async fn add_device(
    db: &Db,
    token_hash: &str,
    user_id: i64,
    expires_at: i64,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO login_devices (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (token_hash) DO UPDATE SET user_id = excluded.user_id, expires_at = excluded.expires_at",
    )
    .bind(token_hash)
    .bind(user_id)
    .bind(now())
    .bind(expires_at)
    .execute(db.pool())
    .await?;
    Ok(())
}
