//! The log on standard error: `FUPIN_LOG` chooses what is logged (a
//! tracing filter, default `info,sqlx=warn`), `FUPIN_LOG_FORMAT` how —
//! `text` (default) or `json`, one object a line for log collectors.
//! Colour codes are written only when standard error is a terminal (and
//! `NO_COLOR` is unset), so a log redirected to a file or read by journald
//! stays plain text. Log messages are English, one language a line; what
//! the commands print for people is Chinese.

use std::io::IsTerminal;

use anyhow::bail;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Human-readable lines.
    Text,
    /// One JSON object a line.
    Json,
}

impl Format {
    /// Parses `FUPIN_LOG_FORMAT`.
    pub fn parse(value: &str) -> anyhow::Result<Format> {
        match value.trim().to_ascii_lowercase().as_str() {
            "" | "text" | "plain" => Ok(Format::Text),
            "json" => Ok(Format::Json),
            other => bail!(
                "FUPIN_LOG_FORMAT={other:?} 无效：可用 text 或 json\n  FUPIN_LOG_FORMAT must be text or json"
            ),
        }
    }
}

/// Whether colour codes may be written to standard error.
pub fn colour() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stderr().is_terminal()
}

/// Installs the global subscriber from the environment.
pub fn init() -> anyhow::Result<()> {
    let format = Format::parse(&std::env::var("FUPIN_LOG_FORMAT").unwrap_or_default())?;
    let filter = tracing_subscriber::EnvFilter::try_from_env("FUPIN_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let result = match format {
        Format::Text => builder.with_ansi(colour()).try_init(),
        Format::Json => builder
            .json()
            .with_ansi(false)
            .flatten_event(true)
            .try_init(),
    };
    if let Err(e) = result {
        bail!("cannot install the log: {e}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_text_or_json() {
        assert_eq!(Format::parse("").unwrap(), Format::Text);
        assert_eq!(Format::parse("JSON").unwrap(), Format::Json);
        let e = Format::parse("xml").unwrap_err().to_string();
        assert!(e.contains("text 或 json"), "{e}");
    }
}
