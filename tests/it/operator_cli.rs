//! The operator at the shell (issue 23): the password asked twice without
//! echo on a real pseudo-terminal (through `script` from util-linux), the
//! first-start hint naming the data directory in use, bad addresses, URLs
//! and paths refused before anything is created, and logs written to a file
//! without colour codes (or as JSON).

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

fn fupin(data: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_fupin"));
    c.env_remove("FUPIN_DATABASE_URL")
        .env_remove("FUPIN_CONFIG")
        .env_remove("FUPIN_LOG_FORMAT")
        .env_remove("NO_COLOR")
        .env("FUPIN_DATA", data)
        .env("FUPIN_LOG", "warn");
    c
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A command on a pseudo-terminal: what it wrote, and a way to answer.
struct Pty {
    child: std::process::Child,
    input: std::process::ChildStdin,
    output: mpsc::Receiver<Vec<u8>>,
    seen: Vec<u8>,
}

impl Pty {
    /// Runs `args` of the binary under `script`, or None when `script` is
    /// missing.
    fn spawn(data: &Path, args: &[&str]) -> Option<Pty> {
        if Command::new("script").arg("--version").output().is_err() {
            return None;
        }
        let mut line = String::from(env!("CARGO_BIN_EXE_fupin"));
        for a in args {
            line.push_str(&format!(" '{a}'"));
        }
        let mut child = Command::new("script")
            .args(["-q", "-e", "-c", &line, "/dev/null"])
            .env_remove("FUPIN_DATABASE_URL")
            .env_remove("FUPIN_CONFIG")
            .env("FUPIN_DATA", data)
            .env("FUPIN_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let input = child.stdin.take().unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let (tx, output) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        Some(Pty {
            child,
            input,
            output,
            seen: Vec::new(),
        })
    }

    /// Waits (up to a minute) until the output shows `what`.
    fn expect(&mut self, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !String::from_utf8_lossy(&self.seen).contains(what) {
            let left = deadline
                .checked_duration_since(Instant::now())
                .unwrap_or_else(|| panic!("no {what:?} in {:?}", self.text()));
            match self.output.recv_timeout(left) {
                Ok(chunk) => self.seen.extend(chunk),
                Err(_) => panic!("no {what:?} in {:?}", self.text()),
            }
        }
    }

    fn type_line(&mut self, line: &str) {
        self.input
            .write_all(format!("{line}\r").as_bytes())
            .unwrap();
        self.input.flush().unwrap();
    }

    /// Waits for the end; the exit status and everything shown.
    fn finish(mut self) -> (bool, String) {
        let status = self.child.wait().unwrap();
        while let Ok(chunk) = self.output.recv_timeout(Duration::from_secs(5)) {
            self.seen.extend(chunk);
        }
        (status.success(), self.text())
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.seen).into_owned()
    }
}

#[test]
fn the_password_is_asked_twice_without_echo_on_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // A mismatch is refused and creates nobody.
    let Some(mut pty) = Pty::spawn(&data, &["user", "add", "zhang", "--role", "admin"]) else {
        eprintln!(
            "skipped: `script` (util-linux) is not installed, so there is no pseudo-terminal"
        );
        return;
    };
    pty.expect("新密码");
    pty.type_line("first-secret-1");
    pty.expect("再输入一次");
    pty.type_line("other-secret-2");
    let (ok, shown) = pty.finish();
    assert!(!ok, "{shown}");
    assert!(shown.contains("不一致"), "{shown}");
    assert!(
        !shown.contains("first-secret-1") && !shown.contains("other-secret-2"),
        "the terminal echoed a password: {shown}"
    );
    let list = fupin(&data).args(["user", "list"]).output().unwrap();
    assert!(!text(&list).contains("zhang"), "{}", text(&list));

    // Twice the same (with the flag scripts use, which a terminal overrides).
    let mut pty = Pty::spawn(
        &data,
        &[
            "user",
            "add",
            "zhang",
            "--role",
            "admin",
            "--password-stdin",
        ],
    )
    .unwrap();
    pty.expect("新密码");
    pty.type_line("Long enough pass");
    pty.expect("再输入一次");
    pty.type_line("Long enough pass");
    let (ok, shown) = pty.finish();
    assert!(ok, "{shown}");
    assert!(shown.contains("已创建用户 zhang"), "{shown}");
    assert!(!shown.contains("Long enough pass"), "echoed: {shown}");

    // passwd asks the same way; a short one is refused before the second ask.
    let mut pty = Pty::spawn(&data, &["user", "passwd", "zhang"]).unwrap();
    pty.expect("新密码");
    pty.type_line("short");
    let (ok, shown) = pty.finish();
    assert!(!ok && shown.contains("至少"), "{shown}");
    assert!(!shown.contains("再输入一次"), "{shown}");

    // Scripts still give it on standard input.
    let mut child = fupin(&data)
        .args(["user", "passwd", "zhang", "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"Another long pass\n")
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
}

#[test]
fn the_first_start_hint_names_the_data_directory_in_use() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("site data");
    let o = fupin(&data).args(["user", "list"]).output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let shown = text(&o);
    let line = shown
        .lines()
        .find(|l| l.contains("fupin user add"))
        .unwrap_or_else(|| panic!("{shown}"));
    let abs = std::path::absolute(&data).unwrap();
    assert!(
        line.contains(&format!("--data '{}'", abs.display())),
        "{line}"
    );
    // With a configuration file, the hint names it too.
    let file = dir.path().join("fupin.toml");
    std::fs::write(&file, format!("data = {:?}\n", data.display().to_string())).unwrap();
    let o = fupin(Path::new("/nonexistent"))
        .env_remove("FUPIN_DATA")
        .env("FUPIN_CONFIG", &file)
        .args(["user", "list"])
        .output()
        .unwrap();
    let shown = text(&o);
    assert!(
        shown.contains(&format!("--config {}", file.display())),
        "{shown}"
    );
    // A mistyped flag is explained in both languages.
    let o = fupin(&data)
        .args(["user", "add", "--rol", "admin"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let said = String::from_utf8_lossy(&o.stderr);
    assert!(
        said.contains("--rol") && said.contains("命令行有误"),
        "{said}"
    );
}

/// Runs the binary with `args` and checks that it failed with `message`
/// and left `data` uncreated.
fn refused(data: &Path, args: &[&str], message: &str) {
    let o = fupin(data).args(args).output().unwrap();
    assert!(!o.status.success(), "{args:?}: {}", text(&o));
    assert!(text(&o).contains(message), "{args:?}: {}", text(&o));
    assert!(!data.exists(), "{args:?} created {}", data.display());
}

#[test]
fn bad_addresses_urls_and_paths_are_refused_before_anything_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    refused(&data, &["serve", "--listen", "bogus"], "主机:端口");
    refused(
        &data,
        &["serve", "--listen", "127.0.0.1:99999"],
        "主机:端口",
    );
    refused(
        &data,
        &["import", "--url-prefix", "notaurl", "."],
        "http(s) URL",
    );
    refused(
        &data,
        &["import", "http://www.gdfupin.org.cn/show.asp?id=1"],
        "已保存的网页文件和目录",
    );
    refused(
        &data,
        &["import", dir.path().join("nope").to_str().unwrap()],
        "没有这个文件或目录",
    );
    refused(
        &data,
        &["serve", "--base-url", "www.example.org"],
        "http:// or https://",
    );
    // An address in use is refused before the database is created, too.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    refused(&data, &["serve", "--listen", &addr], "无法监听");
}

#[test]
fn logs_in_a_file_have_no_colour_codes_and_json_is_one_object_a_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let log = std::fs::File::create(dir.path().join("log.txt")).unwrap();
    let o = fupin(&data)
        .env("FUPIN_LOG", "info")
        .arg("demo")
        .stderr(log)
        .output()
        .unwrap();
    assert!(o.status.success());
    let written = std::fs::read_to_string(dir.path().join("log.txt")).unwrap();
    assert!(written.contains("reference site"), "{written}");
    assert!(!written.contains('\u{1b}'), "escape codes: {written:?}");

    let o = fupin(&dir.path().join("data2"))
        .env("FUPIN_LOG", "info")
        .env("FUPIN_LOG_FORMAT", "json")
        .arg("demo")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let log = String::from_utf8_lossy(&o.stderr);
    let lines: Vec<&str> = log.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(!lines.is_empty());
    for line in lines {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert!(v["level"].is_string() && v["timestamp"].is_string(), "{v}");
    }
    assert!(log.contains("reference site"), "{log}");
    // The summary for people is Chinese with grouped numbers.
    assert!(String::from_utf8_lossy(&o.stdout).contains("篇示例文章"));

    let o = fupin(&dir.path().join("data3"))
        .env("FUPIN_LOG_FORMAT", "xml")
        .arg("demo")
        .output()
        .unwrap();
    assert!(!o.status.success() && text(&o).contains("text 或 json"));
}

#[test]
fn help_is_bilingual_whatever_the_locale() {
    for lang in ["C", "zh_CN.UTF-8", "en_US.UTF-8"] {
        let o = fupin(Path::new("/nonexistent"))
            .env("LANG", lang)
            .args(["user", "add", "--help"])
            .output()
            .unwrap();
        assert!(o.status.success());
        let help = String::from_utf8_lossy(&o.stdout);
        assert!(
            help.contains("用法 Usage:") && help.contains("create a user"),
            "{help}"
        );
        assert!(!help.contains("--page-cache") && !help.contains("--search-url"));
    }
}
