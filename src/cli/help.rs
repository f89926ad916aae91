//! The help text in Chinese and English whatever `LANG` says: the
//! descriptions are written bilingual in the command definitions, and this
//! pass gives every command of the tree bilingual headings (用法 Usage,
//! 命令 Commands, 参数 Arguments, 选项 Options). The place flags of a
//! command with subcommands (`user`, `dict`) are passed down to them, so
//! `fupin user add NAME --data DIR` works and its help lists `--data`.

use clap::Command;

const TEMPLATE: &str = "{about-with-newline}\n用法 Usage: {usage}\n\n{all-args}{after-help}";
const ARGUMENTS: &str = "参数 Arguments";
const OPTIONS: &str = "选项 Options";
const COMMANDS: &str = "命令 Commands";

/// The command tree with bilingual headings throughout.
pub fn localised(cmd: Command) -> Command {
    localise(cmd, true)
}

fn localise(cmd: Command, root: bool) -> Command {
    let has_subcommands = cmd.has_subcommands();
    let cmd = cmd
        .help_template(TEMPLATE)
        .subcommand_help_heading(COMMANDS)
        .subcommand_value_name("COMMAND")
        .mut_args(move |a| {
            let heading = if a.is_positional() {
                ARGUMENTS
            } else {
                OPTIONS
            };
            let a = a.help_heading(heading);
            // Help and version close every list of options.
            let a = if matches!(a.get_id().as_str(), "help" | "version") {
                a.display_order(usize::MAX - 1)
            } else {
                a
            };
            // Below the root, a command's own flags reach its subcommands.
            if has_subcommands && !root && !a.is_positional() {
                a.global(true)
            } else {
                a
            }
        });
    cmd.mut_subcommands(|sub| localise(sub, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn help_of(args: &[&str]) -> String {
        let cmd = localised(<crate::cli::Cli as clap::CommandFactory>::command());
        match cmd.try_get_matches_from(args) {
            Ok(_) => panic!("{args:?} did not show help"),
            Err(e) => e.render().to_string(),
        }
    }

    #[test]
    fn every_command_helps_in_both_languages() {
        let root = localised(<crate::cli::Cli as clap::CommandFactory>::command());
        let mut paths = vec![vec!["fupin".to_string()]];
        for sub in root.get_subcommands() {
            let name = sub.get_name().to_string();
            paths.push(vec!["fupin".into(), name.clone()]);
            for inner in sub.get_subcommands() {
                paths.push(vec!["fupin".into(), name.clone(), inner.get_name().into()]);
            }
        }
        assert!(paths.len() > 12, "{paths:?}");
        for mut path in paths {
            path.push("--help".into());
            let args: Vec<&str> = path.iter().map(String::as_str).collect();
            let text = help_of(&args);
            assert!(text.contains("用法 Usage:"), "{args:?}: {text}");
            assert!(text.contains("显示帮助 (print help)"), "{args:?}: {text}");
            assert!(!text.contains("Print help"), "{args:?}: {text}");
            assert!(
                text.lines().next().is_some_and(|l| {
                    l.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
                        && l.chars().any(|c| c.is_ascii_alphabetic())
                }),
                "{args:?}: the first line is in both languages: {text}"
            );
        }
    }

    #[test]
    fn subcommands_list_only_their_own_flags() {
        let add = help_of(&["fupin", "user", "add", "--help"]);
        for absent in ["--page-cache", "--search-url", "--base-url", "--listen"] {
            assert!(!add.contains(absent), "user add lists {absent}: {add}");
        }
        for present in ["--data", "--config", "--role", "--password-stdin"] {
            assert!(add.contains(present), "user add lacks {present}: {add}");
        }
        let serve = help_of(&["fupin", "serve", "--help"]);
        for present in ["--listen", "--page-cache", "--base-url", "--data"] {
            assert!(serve.contains(present), "serve lacks {present}: {serve}");
        }
        let copy = help_of(&["fupin", "copy", "--help"]);
        assert!(!copy.contains("--database-url"), "{copy}");
        assert!(!copy.contains("--page-cache"), "{copy}");
        let root = help_of(&["fupin", "--help"]);
        assert!(!root.contains("--page-cache"), "{root}");
        assert!(root.contains("命令 Commands"), "{root}");
    }

    #[test]
    fn place_flags_go_before_or_after_the_subcommand() {
        use clap::FromArgMatches;
        let parse = |args: &[&str]| {
            let cmd = localised(<crate::cli::Cli as clap::CommandFactory>::command());
            crate::cli::Cli::from_arg_matches(&cmd.try_get_matches_from(args).unwrap()).unwrap()
        };
        let before = parse(&["fupin", "--data", "/srv/a", "user", "list"]);
        let after = parse(&["fupin", "user", "list", "--data", "/srv/b"]);
        let both = parse(&[
            "fupin", "--data", "/srv/a", "user", "--data", "/srv/b", "list",
        ]);
        let dir = |cli: &crate::cli::Cli| crate::cli::config_of(cli).unwrap().data_dir;
        assert_eq!(dir(&before), std::path::PathBuf::from("/srv/a"));
        assert_eq!(dir(&after), std::path::PathBuf::from("/srv/b"));
        assert_eq!(dir(&both), std::path::PathBuf::from("/srv/b"));
        let old = parse(&["fupin", "--page-cache", "false", "serve"]);
        assert!(!crate::cli::config_of(&old).unwrap().page_cache);
    }
}
