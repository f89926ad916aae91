//! What the command line is given, checked before anything is created: the
//! listen address of `serve`, the old site's address of `import
//! --url-prefix`, and the paths `import` reads (saved files, not web
//! addresses). Each refusal names the value and says what is expected: a
//! line in Chinese, then one in English (one language a line).

use std::net::ToSocketAddrs;
use std::path::PathBuf;

use anyhow::bail;

/// A listen address must be `HOST:PORT` (or `[IPv6]:PORT`) that resolves.
pub fn listen_address(listen: &str) -> anyhow::Result<()> {
    let zh = "应为 主机:端口，例如 127.0.0.1:8080 或 0.0.0.0:80";
    let en = format!("invalid listen address {listen:?}: expected HOST:PORT, e.g. 127.0.0.1:8080");
    let Some((host, port)) = listen.rsplit_once(':') else {
        bail!("监听地址 {listen:?} 无效：缺少端口，{zh}\n  {en}");
    };
    if host.is_empty() {
        bail!("监听地址 {listen:?} 无效：缺少主机，{zh}\n  {en}");
    }
    if port.parse::<u16>().is_err() {
        bail!("监听地址 {listen:?} 无效：端口 {port:?} 不是 0–65535 的数字，{zh}\n  {en}");
    }
    match listen.to_socket_addrs().map(|mut a| a.next()) {
        Ok(Some(_)) => Ok(()),
        Ok(None) => bail!("监听地址 {listen:?} 无效：找不到主机 {host}，{zh}\n  {en}"),
        Err(e) => bail!("监听地址 {listen:?} 无效：找不到主机 {host}，{zh}\n  {en} ({e})"),
    }
}

/// `--url-prefix` must be an absolute http(s) address with a host.
pub fn url_prefix(prefix: &str) -> anyhow::Result<()> {
    let zh = "应为旧网站的 http:// 或 https:// 地址，例如 http://www.gdfupin.org.cn/";
    let en = format!("--url-prefix {prefix:?} must be an http(s) URL");
    match url::Url::parse(prefix) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => Ok(()),
        Ok(u) => bail!(
            "--url-prefix {prefix:?} 无效：协议 {} 不是 http 或 https，{zh}\n  {en}",
            u.scheme()
        ),
        Err(e) => bail!("--url-prefix {prefix:?} 无效，{zh}\n  {en} ({e})"),
    }
}

/// Every path must be a file or directory on this machine; a web address
/// is refused with what to do instead.
pub fn import_paths(paths: &[PathBuf]) -> anyhow::Result<()> {
    for path in paths {
        let text = path.to_string_lossy();
        let lower = text.to_ascii_lowercase();
        if ["http://", "https://", "http:/", "https:/", "ftp://"]
            .iter()
            .any(|p| lower.starts_with(p))
        {
            bail!(
                "{text}：fupin import 读取已保存的网页文件和目录，不从网上下载。\
                 请先把旧网站的页面保存到本机（浏览器“另存为”，或 wget --mirror），再导入保存的目录。\n  \
                 {text}: import reads saved files and directories, not web addresses; save the pages first"
            );
        }
        if let Err(e) = std::fs::metadata(path) {
            let why = match e.kind() {
                std::io::ErrorKind::NotFound => "没有这个文件或目录",
                std::io::ErrorKind::PermissionDenied => "没有读取权限",
                _ => "无法读取",
            };
            bail!("{0}：{why}\n  {0}: {e}", path.display());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_addresses_need_a_host_and_a_port() {
        assert!(listen_address("127.0.0.1:8080").is_ok());
        assert!(listen_address("[::1]:0").is_ok());
        assert!(listen_address("localhost:80").is_ok());
        for bad in ["bogus", ":80", "127.0.0.1:http", "127.0.0.1:70000", ""] {
            let e = listen_address(bad).unwrap_err().to_string();
            assert!(
                e.contains("主机:端口") && e.contains(&format!("{bad:?}")),
                "{e}"
            );
        }
    }

    #[test]
    fn url_prefixes_are_http_addresses() {
        assert!(url_prefix("http://www.gdfupin.org.cn/").is_ok());
        assert!(url_prefix("https://example.org/old/").is_ok());
        for bad in [
            "notaurl",
            "ftp://example.org/",
            "www.gdfupin.org.cn",
            "http://",
        ] {
            let e = url_prefix(bad).unwrap_err().to_string();
            assert!(e.contains("http(s) URL"), "{bad}: {e}");
        }
    }

    #[test]
    fn import_refuses_addresses_and_missing_paths() {
        let e = import_paths(&[PathBuf::from("http://www.gdfupin.org.cn/show.asp?id=1")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("已保存") && e.contains("saved files"), "{e}");
        let e = import_paths(&[PathBuf::from("/nonexistent/pages")])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("/nonexistent/pages") && e.contains("没有这个文件"),
            "{e}"
        );
        assert!(import_paths(&[std::env::temp_dir()]).is_ok());
    }
}
