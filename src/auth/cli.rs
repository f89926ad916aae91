//! `fupin user add|passwd|disable|enable|list`: managing back-office users
//! from the server's shell. There is no default account: the first admin is
//! created here. On a terminal the password is asked twice without echo;
//! scripts give it on standard input (`--password-stdin`), so it never
//! appears in the process list or the shell history.

use std::io::{IsTerminal, Read};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Subcommand;

use super::{Role, password};
use crate::config::Config;
use crate::db::audit::{self, Actor, Outcome};
use crate::db::channels::ChannelTree;
use crate::db::{Db, users};

/// The `user` subcommands.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// 创建用户；在终端上输入两次密码（不显示）(create a user; the password is asked twice on a terminal)
    Add {
        /// 登录名 (login name)
        name: String,
        /// 角色 (role): admin 管理员, editor 编辑, reviewer 审核, writer 撰稿, mailbox 信箱管理
        #[arg(long)]
        role: String,
        /// 后台显示的姓名 (name shown in the back office)
        #[arg(long, value_name = "NAME")]
        display_name: Option<String>,
        /// 编辑可管理的栏目（地址），可重复 (a channel slug the user may work in; repeatable)
        #[arg(long = "channel", value_name = "SLUG")]
        channels: Vec<String>,
        /// 不在终端时从标准输入读取密码，供脚本使用 (read the password from standard input, for scripts)
        #[arg(long)]
        password_stdin: bool,
    },
    /// 修改用户密码，并结束其登录会话 (set a user's password; ends their sessions)
    Passwd {
        /// 登录名 (login name)
        name: String,
        /// 不在终端时从标准输入读取密码，供脚本使用 (read the password from standard input, for scripts)
        #[arg(long)]
        password_stdin: bool,
    },
    /// 停用用户并立即结束其登录 (disable a user and end their sessions at once)
    Disable {
        /// 登录名 (login name)
        name: String,
    },
    /// 重新启用用户 (enable a disabled user)
    Enable {
        /// 登录名 (login name)
        name: String,
    },
    /// 列出用户 (list the users)
    List,
}

/// The new password: asked twice without echo on a terminal, else read
/// from standard input when `--password-stdin` says so.
fn read_password(from_stdin: bool) -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        return ask_twice();
    }
    if !from_stdin {
        bail!(
            "不在终端上运行时，请用 --password-stdin 从标准输入提供密码。\n  \
             Not on a terminal: give the password on standard input with --password-stdin."
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

fn ask_twice() -> anyhow::Result<String> {
    let first = super::tty::read_hidden("新密码 (new password): ")
        .context("cannot read the password from the terminal")?;
    if let Err(why) = password::check_new(&first) {
        bail!("{why}");
    }
    let again = super::tty::read_hidden("再输入一次 (again): ")
        .context("cannot read the password from the terminal")?;
    if again != first {
        bail!(
            "两次输入的密码不一致，没有做任何更改。\n  The passwords differ; nothing was changed."
        );
    }
    Ok(first)
}

async fn find(db: &Db, name: &str) -> anyhow::Result<users::User> {
    match users::by_name(db, name).await? {
        Some((u, _)) => Ok(u),
        None => bail!("没有名为 {name} 的用户。\n  No user named {name}."),
    }
}

/// Runs one `user` subcommand.
pub async fn run(db: &Db, cmd: UserCommand, config: &Config) -> anyhow::Result<ExitCode> {
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
                    None => bail!("没有地址为 {slug} 的栏目。\n  No channel with slug {slug}."),
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
                bail!("用户名 {name} 已被使用。\n  The name {name} is taken.");
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
                println!("{}", first_user_hint(config));
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

/// How to create the first admin on this installation: the command names
/// the data directory, configuration and database in use, so that
/// following it creates the user where the server looks.
pub fn first_user_hint(config: &Config) -> String {
    let mut cmd = String::from("fupin user add 用户名 --role admin");
    let dir = std::path::absolute(&config.data_dir).unwrap_or_else(|_| config.data_dir.clone());
    cmd.push_str(" --data ");
    cmd.push_str(&shell_word(&dir.to_string_lossy()));
    if let Some(file) = &config.config_file {
        let file = std::path::absolute(file).unwrap_or_else(|_| file.clone());
        cmd.push_str(" --config ");
        cmd.push_str(&shell_word(&file.to_string_lossy()));
    }
    let mut text = format!(
        "还没有后台用户。创建第一个管理员（在终端上会要求输入两次密码，输入时不显示）：\n  {cmd}\n\
         No back-office user yet: create the first admin with the command above (the password is asked twice, not shown)."
    );
    if config.database_url != crate::db::sqlite_url_for(&config.data_dir) {
        text.push_str(&format!(
            "\n数据库 {0}：启动时另给了 --database-url 的，请在上面的命令中一并加上。\n\
             Database {0}: add the same --database-url if the server was given one.",
            crate::db::redact(&config.database_url)
        ));
    }
    text
}

/// A shell word: plain when safe, else single-quoted.
fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+=:@,".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}
