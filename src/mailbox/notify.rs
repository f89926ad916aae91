//! E-mail to staff when a letter arrives (or is assigned), through the SMTP
//! relay named in the configuration (`smtp_host`, `smtp_port`, `smtp_from`,
//! optional `smtp_user`/`smtp_password`). The connection is plain SMTP, meant
//! for a relay on the same machine or network; without a relay nothing is
//! sent and the back office's dashboard shows the new letters instead.
//!
//! The message names the letter (number, subject, category) and links to
//! it in the back office; the writer's contact details stay out of e-mail.

use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::Config;
use crate::db::letters::{self, Letter};
use crate::db::{self, Db};

/// The SMTP settings, when a relay is configured.
#[derive(Debug, Clone)]
pub struct Smtp {
    /// Relay host.
    pub host: String,
    /// Relay port.
    pub port: u16,
    /// Sender address.
    pub from: String,
    /// Login, if the relay wants one.
    pub user: Option<String>,
    /// Password for `user`.
    pub password: Option<String>,
}

impl Smtp {
    /// The relay of a configuration, if one is set.
    pub fn of(config: &Config) -> Option<Smtp> {
        let host = config.smtp_host.clone().filter(|h| !h.trim().is_empty())?;
        Some(Smtp {
            host,
            port: config.smtp_port,
            from: config
                .smtp_from
                .clone()
                .unwrap_or_else(|| "fupin@localhost".into()),
            user: config.smtp_user.clone(),
            password: config.smtp_password.clone(),
        })
    }
}

/// Who is told of a letter: its assignee if it has one with an address,
/// otherwise every 信箱管理 user with an address, otherwise every admin with
/// one.
pub async fn recipients(db: &Db, letter: &Letter) -> anyhow::Result<Vec<String>> {
    let staff = letters::staff(db).await?;
    let with_email = |s: &&letters::Staff| !s.email.trim().is_empty();
    if let Some(id) = letter.assignee_id
        && let Some(s) = staff.iter().filter(with_email).find(|s| s.id == id)
    {
        return Ok(vec![s.email.clone()]);
    }
    for role in ["mailbox", "admin"] {
        let found: Vec<String> = staff
            .iter()
            .filter(with_email)
            .filter(|s| s.role == role)
            .map(|s| s.email.clone())
            .collect();
        if !found.is_empty() {
            return Ok(found);
        }
    }
    Ok(Vec::new())
}

/// The message about a letter.
fn message(smtp: &Smtp, to: &[String], letter: &Letter, base_url: &str) -> anyhow::Result<Message> {
    let mut b = Message::builder()
        .from(smtp.from.parse::<Mailbox>()?)
        .subject(format!("【秘书长信箱】新来信 {}", letter.number));
    for t in to {
        b = b.to(t.parse::<Mailbox>()?);
    }
    let body = format!(
        "秘书长信箱收到一封来信，请及时处理。\n\n编号：{}\n主题：{}\n类别：{}\n答复期限：{}\n\n处理地址：{}/admin/mailbox/{}\n",
        letter.number,
        letter.subject,
        letter.category.label(),
        crate::datetime::datetime(letter.due_at),
        base_url.trim_end_matches('/'),
        letter.id
    );
    Ok(b.header(ContentType::TEXT_PLAIN).body(body)?)
}

/// Sends the notice of one letter; returns how many recipients it went to.
pub async fn send(smtp: &Smtp, db: &Db, letter: &Letter, base_url: &str) -> anyhow::Result<usize> {
    let to = recipients(db, letter).await?;
    if to.is_empty() {
        return Ok(0);
    }
    let mut transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host)
        .port(smtp.port)
        .hello_name(ClientId::Domain("fupin.localdomain".into()))
        .timeout(Some(std::time::Duration::from_secs(20)));
    if let (Some(user), Some(password)) = (&smtp.user, &smtp.password) {
        transport = transport.credentials(Credentials::new(user.clone(), password.clone()));
    }
    transport
        .build()
        .send(message(smtp, &to, letter, base_url)?)
        .await?;
    letters::mark_notified(db, letter.id, db::now()).await?;
    Ok(to.len())
}

/// Sends the notice in the background when a relay is configured; a
/// failure is logged (the dashboard still lists the letter).
pub fn spawn(config: &Config, db: &Db, letter_id: i64) {
    let Some(smtp) = Smtp::of(config) else {
        return;
    };
    let db = db.clone();
    let base = config.base_url.clone();
    tokio::spawn(async move {
        let result = async {
            match letters::get(&db, letter_id).await? {
                Some(letter) => send(&smtp, &db, &letter, &base).await,
                None => Ok(0),
            }
        }
        .await;
        match result {
            Ok(n) => tracing::info!(letter = letter_id, recipients = n, "mailbox notice sent"),
            Err(e) => tracing::warn!(
                letter = letter_id,
                error = format!("{e:#}"),
                "mailbox notice not sent"
            ),
        }
    });
}
