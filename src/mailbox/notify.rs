//! E-mail to staff when a letter arrives (or is assigned), to a writer who
//! asked for it when their letter is answered, and the test message of the
//! back office, through the SMTP server named in the configuration
//! (`smtp_host`, `smtp_port`, `smtp_tls`, `smtp_from`, optional
//! `smtp_user`/`smtp_password`, `smtp_ca_file`). Without a server nothing
//! is sent and the back office's dashboard shows the new letters instead.
//!
//! The connection is TLS from the first byte (port 465) or upgraded with
//! STARTTLS, which must succeed (port 587); the server's certificate is
//! checked against the usual public roots (and `smtp_ca_file`'s). Plain
//! SMTP (`smtp_tls = "none"`) never carries a login except to this
//! machine, so a password never crosses a network in clear.
//!
//! The staff's message names the letter (number, subject, category) and
//! links to it in the back office; the writer's contact details stay out
//! of e-mail. The writer's notice links to the query page and never
//! contains the 查询码 (which is not stored anyway).

use anyhow::Context;
use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{Config, SmtpTls};
use crate::db::letters::{self, Letter};
use crate::db::{self, Db};

/// The SMTP settings, when a server is configured.
#[derive(Debug, Clone)]
pub struct Smtp {
    /// Server host.
    pub host: String,
    /// Server port.
    pub port: u16,
    /// How the connection is protected.
    pub tls: SmtpTls,
    /// Extra root certificates (PEM) to trust.
    pub ca_file: Option<std::path::PathBuf>,
    /// Sender address.
    pub from: String,
    /// Login, if the server wants one.
    pub user: Option<String>,
    /// Password for `user`.
    pub password: Option<String>,
}

/// Whether a host name is this machine.
pub fn is_loopback(host: &str) -> bool {
    let h = host.trim().trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost")
        || h.parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

impl Smtp {
    /// The server of a configuration, if one is set.
    pub fn of(config: &Config) -> Option<Smtp> {
        let host = config.smtp_host.clone().filter(|h| !h.trim().is_empty())?;
        Some(Smtp {
            host,
            port: config.smtp_port,
            tls: config.smtp_tls,
            ca_file: config.smtp_ca_file.clone(),
            from: config
                .smtp_from
                .clone()
                .unwrap_or_else(|| "fupin@localhost".into()),
            user: config.smtp_user.clone(),
            password: config.smtp_password.clone(),
        })
    }

    /// Refuses a configuration that would send a login in clear.
    pub fn check(&self) -> anyhow::Result<()> {
        if self.tls == SmtpTls::None && self.user.is_some() && !is_loopback(&self.host) {
            anyhow::bail!(
                "SMTP 登录不能以明文发送到 {0}：请设 smtp_tls = \"tls\"（465 端口）或 \"starttls\"（587 端口）。\n  \
                 An SMTP login is never sent to {0} without TLS (only to this machine): set smtp_tls.",
                self.host
            );
        }
        if let Some(file) = &self.ca_file
            && let Err(e) = std::fs::metadata(file)
        {
            anyhow::bail!(
                "smtp_ca_file {0} 无法读取。\n  Cannot read the extra root certificates {0}: {e}",
                file.display()
            );
        }
        Ok(())
    }

    /// The transport for this server, with TLS as configured.
    pub fn transport(&self) -> anyhow::Result<AsyncSmtpTransport<Tokio1Executor>> {
        self.check()?;
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&self.host)
            .port(self.port)
            .hello_name(ClientId::Domain("fupin.localdomain".into()))
            .timeout(Some(std::time::Duration::from_secs(20)));
        if self.tls != SmtpTls::None {
            let mut params = TlsParameters::builder(self.host.clone());
            if let Some(file) = &self.ca_file {
                let pem = std::fs::read(file)
                    .with_context(|| format!("cannot read smtp_ca_file {}", file.display()))?;
                let cert = Certificate::from_pem(&pem).with_context(|| {
                    format!("smtp_ca_file {} is not a PEM certificate", file.display())
                })?;
                params = params.add_root_certificate(cert);
            }
            let params = params.build_rustls()?;
            builder = builder.tls(match self.tls {
                SmtpTls::Implicit => Tls::Wrapper(params),
                _ => Tls::Required(params),
            });
        }
        if let (Some(user), Some(password)) = (&self.user, &self.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(builder.build())
    }

    /// Sends one message.
    pub async fn deliver(&self, message: Message) -> anyhow::Result<()> {
        self.transport()?
            .send(message)
            .await
            .with_context(|| format!("SMTP {}:{} ({})", self.host, self.port, self.tls.as_str()))?;
        Ok(())
    }

    /// Connects, greets and says goodbye, sending nothing (`fupin doctor`).
    pub async fn probe(&self) -> anyhow::Result<()> {
        let ok =
            self.transport()?.test_connection().await.with_context(|| {
                format!("SMTP {}:{} ({})", self.host, self.port, self.tls.as_str())
            })?;
        if !ok {
            anyhow::bail!(
                "SMTP {}:{} did not answer as a mail server",
                self.host,
                self.port
            );
        }
        Ok(())
    }

    /// A message from the configured sender.
    fn message(&self, to: &[String], subject: &str, body: String) -> anyhow::Result<Message> {
        let mut b =
            Message::builder()
                .from(self.from.parse::<Mailbox>().with_context(|| {
                    format!("smtp_from {:?} is not an e-mail address", self.from)
                })?)
                .subject(subject);
        for t in to {
            b = b.to(t.parse::<Mailbox>()?);
        }
        Ok(b.header(ContentType::TEXT_PLAIN).body(body)?)
    }

    /// The back office's test message to `to`.
    pub async fn send_test(&self, to: &str, base_url: &str) -> anyhow::Result<()> {
        let body = format!(
            "这是 {} 后台发出的测试邮件。收到此邮件说明邮件设置正确：新来信通知和答复通知可以送达。\n\n\
             发信服务器：{}:{}（{}）\n",
            base_url.trim_end_matches('/'),
            self.host,
            self.port,
            match self.tls {
                SmtpTls::Implicit => "TLS",
                SmtpTls::StartTls => "STARTTLS",
                SmtpTls::None => "无加密",
            }
        );
        self.deliver(self.message(&[to.to_string()], "【测试邮件】邮件设置检查", body)?)
            .await
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
    let body = format!(
        "秘书长信箱收到一封来信，请及时处理。\n\n编号：{}\n主题：{}\n类别：{}\n答复期限：{}\n\n处理地址：{}/admin/mailbox/{}\n",
        letter.number,
        letter.subject,
        letter.category.label(),
        crate::datetime::datetime(letter.due_at),
        base_url.trim_end_matches('/'),
        letter.id
    );
    smtp.message(to, &format!("【秘书长信箱】新来信 {}", letter.number), body)
}

/// Sends the notice of one letter; returns how many recipients it went to.
pub async fn send(smtp: &Smtp, db: &Db, letter: &Letter, base_url: &str) -> anyhow::Result<usize> {
    let to = recipients(db, letter).await?;
    if to.is_empty() {
        return Ok(0);
    }
    smtp.deliver(message(smtp, &to, letter, base_url)?).await?;
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

/// The writer's notice that their letter has a reply: the letter's number
/// and subject and the query page's address, never the 查询码.
fn writer_message(smtp: &Smtp, letter: &Letter, base_url: &str) -> anyhow::Result<Message> {
    let body = format!(
        "您好：\n\n您写给秘书长信箱的来信已有答复。\n\n信件编号：{}\n主题：{}\n\n\
         请打开 {}/mailbox/query ，输入信件编号和写信时得到的查询码，即可查看答复。\n\
         为保护您的来信，本邮件不包含查询码；查询码遗失时，请重新来信说明。\n\n\
         本邮件由系统自动发送，请勿直接回复。\n",
        letter.number,
        letter.subject,
        base_url.trim_end_matches('/'),
    );
    smtp.message(
        std::slice::from_ref(&letter.email),
        &format!("【秘书长信箱】您的来信 {} 已有答复", letter.number),
        body,
    )
}

/// Tells the writer of a letter that it is answered, once, when they asked
/// for it and gave an address; whether a message went out.
pub async fn send_writer_notice(
    smtp: &Smtp,
    db: &Db,
    letter_id: i64,
    base_url: &str,
) -> anyhow::Result<bool> {
    let Some(letter) = letters::get(db, letter_id).await? else {
        return Ok(false);
    };
    if !letter.notify_ok || letter.email.is_empty() || letter.reply.is_empty() {
        return Ok(false);
    }
    // Claimed first, so two replies in quick succession send one notice.
    if !letters::claim_writer_notice(db, letter_id, db::now()).await? {
        return Ok(false);
    }
    let sent = async { smtp.deliver(writer_message(smtp, &letter, base_url)?).await }.await;
    if let Err(e) = sent {
        letters::release_writer_notice(db, letter_id).await?;
        return Err(e);
    }
    Ok(true)
}

/// Sends the writer's reply notice in the background when a server is
/// configured; a failure is logged and the next reply tries again.
pub fn spawn_writer_notice(config: &Config, db: &Db, letter_id: i64) {
    let Some(smtp) = Smtp::of(config) else {
        return;
    };
    let db = db.clone();
    let base = config.base_url.clone();
    tokio::spawn(async move {
        match send_writer_notice(&smtp, &db, letter_id, &base).await {
            Ok(true) => tracing::info!(letter = letter_id, "reply notice sent to the writer"),
            Ok(false) => {}
            Err(e) => tracing::warn!(
                letter = letter_id,
                error = format!("{e:#}"),
                "reply notice to the writer not sent"
            ),
        }
    });
}
