//! `fupin user add|passwd|disable|enable|list`: managing back-office users
//! from the server's shell. There is no default account: the first admin is
//! created here. Passwords are read from standard input (`--password-stdin`)
//! so they never appear in the process list or the shell history.

use std::io::Read;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Subcommand;

use super::{Role, password};
use crate::db::audit::{self, Actor, Outcome};
use crate::db::channels::ChannelTree;
use crate::db::{Db, users};

/// The `user` subcommands.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user (the password is read from standard input).
    Add {
        /// Login name.
        name: String,
        /// Role: admin, editor, reviewer, writer or mailbox (or 管理员, 编辑, 审核, 撰稿, 信箱管理).
        #[arg(long)]
        role: String,
        /// Name shown in the back office.
        #[arg(long, value_name = "NAME")]
        display_name: Option<String>,
        /// A channel (slug) the user may work in, for editors; repeatable.
        #[arg(long = "channel", value_name = "SLUG")]
        channels: Vec<String>,
        /// Read the password from standard input (the only way to give one).
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a user's password (read from standard input); ends their sessions.
    Passwd {
        /// Login name.
        name: String,
        /// Read the password from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Disable a user and end their sessions at once.
    Disable {
        /// Login name.
        name: String,
    },
    /// Enable a disabled user.
    Enable {
        /// Login name.
        name: String,
    },
    /// List the users.
    List,
}

fn read_password(from_stdin: bool) -> anyhow::Result<String> {
    if !from_stdin {
        bail!(
            "请用 --password-stdin 从标准输入提供密码 (give the password on standard input with --password-stdin)"
        );
    }
    let mut text = String::new();
    std::io::stdin()
        .take(64 * 1024)
        .read_to_string(&mut text)
        .context("cannot read the password from standard input")?;
    // One trailing line break is the terminal's, not the password's.
    let pw = text
        .strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(&text)
        .to_string();
    if let Err(why) = password::check_new(&pw) {
        bail!("{why}");
    }
    Ok(pw)
}

async fn find(db: &Db, name: &str) -> anyhow::Result<users::User> {
    match users::by_name(db, name).await? {
        Some((u, _)) => Ok(u),
        None => bail!("没有名为 {name} 的用户 (no such user)"),
    }
}

/// Runs one `user` subcommand.
pub async fn run(db: &Db, cmd: UserCommand) -> anyhow::Result<ExitCode> {
    let actor = Actor::command_line();
    match cmd {
        UserCommand::Add {
            name,
            role,
            display_name,
            channels,
            password_stdin,
        } => {
            let Some(role) = Role::parse(&role) else {
                bail!("未知角色 {role:?}：可用 admin, editor, reviewer, writer, mailbox");
            };
            if let Err(why) = users::check_username(&name) {
                bail!("{why}");
            }
            let tree = ChannelTree::load(db).await?;
            let mut channel_ids = Vec::new();
            for slug in &channels {
                match tree.by_slug(slug) {
                    Some(c) => channel_ids.push(c.id),
                    None => bail!("没有地址为 {slug} 的栏目 (no channel with slug {slug})"),
                }
            }
            let pw = read_password(password_stdin)?;
            let hash = password::hash(&pw).await?;
            let created = users::create(
                db,
                &users::NewUser {
                    username: &name,
                    display_name: display_name.as_deref().unwrap_or(""),
                    role,
                    password_hash: &hash,
                    channel_ids: &channel_ids,
                },
            )
            .await?;
            if created.is_none() {
                bail!("用户名 {name} 已被使用 (name taken)");
            }
            audit::record(
                db,
                &actor,
                "创建用户",
                &format!("用户 {name}"),
                Outcome::Ok,
                &format!("角色：{}", role.label()),
            )
            .await?;
            println!("已创建用户 {name}（{}）", role.label());
        }
        UserCommand::Passwd {
            name,
            password_stdin,
        } => {
            let user = find(db, &name).await?;
            let pw = read_password(password_stdin)?;
            let hash = password::hash(&pw).await?;
            users::set_password(db, user.id, &hash).await?;
            let ended = crate::db::sessions::delete_for_user(db, user.id).await?;
            audit::record(
                db,
                &actor,
                "修改密码",
                &format!("用户 {}", user.username),
                Outcome::Ok,
                "",
            )
            .await?;
            println!("已修改 {} 的密码，结束了 {ended} 个登录会话", user.username);
        }
        UserCommand::Disable { name } => {
            let user = find(db, &name).await?;
            users::set_disabled(db, user.id, true).await?;
            audit::record(
                db,
                &actor,
                "停用用户",
                &format!("用户 {}", user.username),
                Outcome::Ok,
                "",
            )
            .await?;
            println!("已停用 {}，其登录已全部结束", user.username);
        }
        UserCommand::Enable { name } => {
            let user = find(db, &name).await?;
            users::set_disabled(db, user.id, false).await?;
            audit::record(
                db,
                &actor,
                "启用用户",
                &format!("用户 {}", user.username),
                Outcome::Ok,
                "",
            )
            .await?;
            println!("已启用 {}", user.username);
        }
        UserCommand::List => {
            let tree = ChannelTree::load(db).await?;
            let list = users::list(db).await?;
            if list.is_empty() {
                println!(
                    "还没有用户。创建第一个管理员：fupin user add 用户名 --role admin --password-stdin"
                );
            }
            for u in list {
                let channels: Vec<&str> = u
                    .channel_ids
                    .iter()
                    .filter_map(|id| tree.get(*id).map(|c| c.slug.as_str()))
                    .collect();
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    u.username,
                    u.role.as_str(),
                    u.shown_name(),
                    if u.disabled { "disabled" } else { "active" },
                    if u.totp_enabled { "totp" } else { "-" },
                    channels.join(",")
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The hint `serve` prints when no user exists yet.
pub const FIRST_USER_HINT: &str = "还没有后台用户 (no back-office user yet). 创建第一个管理员 / create the first admin:\n  fupin user add 用户名 --role admin --password-stdin\n（输入密码后按 Ctrl-D / type the password, then Ctrl-D）";
