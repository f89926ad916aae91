//! The single-server guide's files, tested (issue 23): the systemd unit in
//! `deploy/` passes `systemd-analyze verify` without a complaint and has
//! the hardening the guide promises, its command line and the example
//! configuration are accepted by the program, and the nginx site passes
//! `nginx -t` with a certificate made for the test. Each tool's check is
//! skipped with a message where the tool is absent.

use std::path::{Path, PathBuf};
use std::process::Command;

fn deploy(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("deploy")
        .join(file)
}

/// The unit's `Key=value` lines of its `[Service]` section.
fn service_keys(unit: &str) -> Vec<(String, String)> {
    let mut in_service = false;
    let mut out = Vec::new();
    for line in unit.lines().map(str::trim) {
        if line.starts_with('[') {
            in_service = line == "[Service]";
        } else if in_service
            && !line.starts_with('#')
            && let Some((k, v)) = line.split_once('=')
        {
            out.push((k.to_string(), v.to_string()));
        }
    }
    out
}

#[test]
fn the_systemd_unit_is_hardened_and_verifies() {
    let unit = std::fs::read_to_string(deploy("fupin.service")).unwrap();
    let keys = service_keys(&unit);
    let get = |k: &str| {
        keys.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("the unit has no {k}="))
    };
    assert_eq!(get("User"), "fupin");
    assert_eq!(get("Restart"), "on-failure");
    assert_eq!(get("NoNewPrivileges"), "yes");
    assert_eq!(get("ProtectSystem"), "strict");
    assert_eq!(get("ProtectHome"), "yes");
    assert_eq!(get("PrivateTmp"), "yes");
    assert_eq!(get("StateDirectory"), "fupin");
    assert_eq!(get("CapabilityBoundingSet"), "");

    // Its command line is one the program accepts.
    let exec = get("ExecStart");
    let mut words = exec.split_whitespace();
    assert_eq!(words.next(), Some("/usr/local/bin/fupin"));
    let args: Vec<&str> = words.collect();
    let o = Command::new(env!("CARGO_BIN_EXE_fupin"))
        .args(&args)
        .arg("--help")
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{exec}: {}",
        String::from_utf8_lossy(&o.stderr)
    );

    if Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: systemd-analyze is not installed, so the unit is not verified");
        return;
    }
    // Verified as installed, with the binary where the unit expects it
    // replaced by the one just built (verify checks it is executable).
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("fupin.service");
    std::fs::write(
        &copy,
        unit.replace("/usr/local/bin/fupin", env!("CARGO_BIN_EXE_fupin")),
    )
    .unwrap();
    let o = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .arg(&copy)
        .output()
        .unwrap();
    let complaints =
        String::from_utf8_lossy(&o.stderr).into_owned() + &String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{complaints}");
    let ours: Vec<&str> = complaints
        .lines()
        .filter(|l| l.contains("fupin.service"))
        .collect();
    assert!(ours.is_empty(), "systemd-analyze complains: {ours:?}");
}

#[test]
fn the_example_configuration_is_accepted() {
    let text = std::fs::read_to_string(deploy("fupin.toml.example")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fupin.toml");
    // Every commented SMTP line switched on, as an operator would.
    let on: String = text
        .lines()
        .map(|l| {
            l.strip_prefix("# smtp_")
                .map_or(l.to_string(), |r| format!("smtp_{r}"))
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&file, on).unwrap();
    let c = fupin::config::Config::load(fupin::config::Overrides {
        config: Some(file),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(c.data_dir, PathBuf::from("/var/lib/fupin"));
    assert!(c.base_url.starts_with("https://"));
    assert_eq!(c.smtp_tls, fupin::config::SmtpTls::Implicit);
    assert_eq!(c.smtp_port, 465);
    assert!(c.trust_proxy && c.secure_cookies);
}

#[test]
fn the_nginx_site_passes_nginx_t() {
    let nginx = Path::new("/usr/sbin/nginx");
    if !nginx.exists() {
        eprintln!("skipped: nginx is not installed (scripts/test-setup installs nginx-light)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = Command::new("openssl")
        .current_dir(d)
        .args([
            "req",
            "-x509",
            "-nodes",
            "-days",
            "1",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-keyout",
            "site.key",
            "-out",
            "site.pem",
            "-subj",
            "/CN=www.example.org.cn",
        ])
        .output()
        .expect("openssl (scripts/test-setup installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let site = std::fs::read_to_string(deploy("nginx-fupin.conf"))
        .unwrap()
        .replace(
            "/etc/nginx/ssl/www.example.org.cn.pem",
            &d.join("site.pem").display().to_string(),
        )
        .replace(
            "/etc/nginx/ssl/www.example.org.cn.key",
            &d.join("site.key").display().to_string(),
        );
    std::fs::write(d.join("site.conf"), site).unwrap();
    std::fs::write(
        d.join("nginx.conf"),
        format!(
            "pid {0}/nginx.pid;\nerror_log {0}/error.log;\nevents {{}}\nhttp {{\n  access_log off;\n  \
             client_body_temp_path {0}/body;\n  proxy_temp_path {0}/proxy;\n  include {0}/site.conf;\n}}\n",
            d.display()
        ),
    )
    .unwrap();
    let o = Command::new(nginx)
        .arg("-t")
        .arg("-p")
        .arg(d)
        .arg("-c")
        .arg(d.join("nginx.conf"))
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{said}");
    assert!(said.contains("test is successful"), "{said}");
}
