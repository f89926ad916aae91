//! Templates: the files under `templates/` compiled into the binary, with an
//! optional theme folder whose files of the same name take precedence.
//! Templates never query; handlers hand them a page struct.

use std::path::PathBuf;

use minijinja::value::Serde;
use minijinja::{Environment, UndefinedBehavior, Value};
use serde::Serialize;

macro_rules! builtin {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../templates/", $name)))),*]
    };
}

/// Every built-in template: (name, source).
pub const BUILTIN: &[(&str, &str)] = builtin!(
    "site/base.html",
    "site/home.html",
    "site/channel.html",
    "site/article.html",
    "site/page.html",
    "site/map.html",
    "site/contact.html",
    "site/error.html",
    "site/mailbox.html",
    "site/mailbox_sent.html",
    "site/mailbox_query.html",
    "site/mailbox_board.html",
    "site/search.html",
    "site/pager.html",
    "site/rss.xml",
    "admin/base.html",
    "admin/error.html",
    "admin/login.html",
    "admin/login_totp.html",
    "admin/pager.html",
    "admin/confirm.html",
    "admin/dashboard.html",
    "admin/articles.html",
    "admin/trash.html",
    "admin/audit.html",
    "admin/backups.html",
    "admin/mailbox.html",
    "admin/mailbox_letter.html",
    "admin/mailbox_report.html",
    "admin/mailbox_settings.html",
    "admin/stats.html",
    "admin/media.html",
    "admin/diff.html",
    "admin/editor.html",
    "admin/revisions.html",
    "admin/revision.html",
    "admin/pending.html",
    "admin/channels.html",
    "admin/channel.html",
    "admin/channel_delete.html",
    "admin/pages.html",
    "admin/page.html",
    "admin/announcements.html",
    "admin/announcement_form.html",
    "admin/announcement.html",
    "admin/settings.html",
    "admin/search_words.html",
    "admin/users.html",
    "admin/user.html",
    "admin/account.html",
    "admin/totp.html",
);

/// Escapes what HTML and XML need (`& < > " '`) and nothing else, so
/// addresses keep their slashes readable (the default also escapes `/`).
fn escape_minimal(
    out: &mut minijinja::Output,
    state: &mut minijinja::State,
    value: &Value,
) -> Result<(), minijinja::Error> {
    if matches!(state.auto_escape(), minijinja::AutoEscape::None)
        || value.is_safe()
        || value.is_undefined()
        || value.is_none()
    {
        return minijinja::escape_formatter(out, state, value);
    }
    let text = match value.as_str() {
        Some(s) => std::borrow::Cow::Borrowed(s),
        None => std::borrow::Cow::Owned(value.to_string()),
    };
    crate::html::escape_into(out, &text).map_err(minijinja::Error::from)
}

/// The template environment shared by every request.
#[derive(Debug)]
pub struct Templates {
    env: Environment<'static>,
    /// Built-in templates a theme file of the same name replaces.
    overridden: Vec<&'static str>,
}

impl Templates {
    /// Builds the environment; files in `theme_dir` override built-ins.
    pub fn new(theme_dir: Option<PathBuf>) -> Templates {
        let overridden = match &theme_dir {
            Some(dir) => BUILTIN
                .iter()
                .map(|(name, _)| *name)
                .filter(|name| dir.join(name).is_file())
                .collect(),
            None => Vec::new(),
        };
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
        env.set_auto_reload(false);
        env.set_formatter(escape_minimal);
        env.set_loader(move |name| {
            if let Some(dir) = &theme_dir {
                // Only plain relative names reach the theme folder.
                let plain = !name
                    .split('/')
                    .any(|part| part.is_empty() || part == "." || part == "..");
                if plain && let Ok(source) = std::fs::read_to_string(dir.join(name)) {
                    return Ok(Some(source));
                }
            }
            Ok(BUILTIN
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, s)| s.to_string()))
        });
        Templates { env, overridden }
    }

    /// Whether the built-in template of this name is the one in use (no
    /// theme file replaces it). Pages also written out in Rust take that
    /// path only then.
    pub fn is_builtin(&self, name: &str) -> bool {
        !self.overridden.contains(&name)
    }

    /// Renders a template with a serializable context.
    pub fn render<T: Serialize>(&self, name: &str, ctx: &T) -> Result<String, minijinja::Error> {
        self.env.get_template(name)?.render(Value::from(Serde(ctx)))
    }

    /// Renders a public page: the layout's fields and the page's own side
    /// by side. Each part is converted on its own and the two are looked up
    /// in turn (the page's first), instead of one flattened map: flattening
    /// buffers every field through serde's intermediate form and makes each
    /// lookup compare values.
    pub fn render_page<T: Serialize>(
        &self,
        name: &str,
        ctx: &crate::web::site::layout::PageCtx<'_, T>,
    ) -> Result<String, minijinja::Error> {
        let page = Value::from(Serde(&ctx.page));
        let layout = Value::from(Serde(ctx.layout));
        self.env
            .get_template(name)?
            .render(minijinja::context! { ..page, ..layout })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_keeps_slashes_and_stops_markup() {
        let mut env = Environment::new();
        env.set_formatter(escape_minimal);
        env.add_template("t.html", "<a href=\"{{ u }}\">{{ t }}</a>{{ s|safe }}")
            .unwrap();
        let out = env
            .get_template("t.html")
            .unwrap()
            .render(minijinja::context! { u => "/a/1.html?x=1&y=\"2\"", t => "<b>'标题'</b>", s => "<i>ok</i>" })
            .unwrap();
        assert_eq!(
            out,
            "<a href=\"/a/1.html?x=1&amp;y=&quot;2&quot;\">&lt;b&gt;&#39;标题&#39;&lt;/b&gt;</a><i>ok</i>"
        );
    }

    #[test]
    fn every_builtin_template_parses() {
        let t = Templates::new(None);
        for (name, _) in BUILTIN {
            t.env
                .get_template(name)
                .unwrap_or_else(|e| panic!("{name}: {e:#}"));
        }
    }
}
