//! The rules an article's fields must meet when a person saves them (the
//! importer keeps what the old site had). Parsing a form is the web's
//! job; deciding what may be stored is this file's.

use super::ArticleFields;
use crate::datetime::datetime;

/// Checks fields typed by a person; the reason in Chinese when refused.
pub fn check(f: &ArticleFields) -> Result<(), String> {
    if f.title.trim().is_empty() {
        return Err("请填写标题。".into());
    }
    if f.title.chars().count() > 200 {
        return Err("标题不能超过 200 个字。".into());
    }
    for (value, name) in [
        (&f.subtitle, "副标题"),
        (&f.source, "来源"),
        (&f.author, "作者"),
        (&f.editor, "编辑"),
    ] {
        if value.chars().count() > 200 {
            return Err(format!("{name}不能超过 200 个字。"));
        }
    }
    if f.summary.chars().count() > 2000 {
        return Err("摘要不能超过 2000 个字。".into());
    }
    if !f.cover.is_empty() && !safe_image_address(&f.cover) {
        return Err("封面图片地址应以 / 或 http:// 、https:// 开头。".into());
    }
    if f.unpublish_at.is_some_and(|u| u <= f.published_at) {
        return Err("下线时间应晚于发布时间。".into());
    }
    Ok(())
}

/// The fields as people read them, by name, in the editor's order
/// (`channel` names a channel id).
pub fn labelled(f: &ArticleFields, channel: &dyn Fn(i64) -> String) -> Vec<(&'static str, String)> {
    let flag = |on: bool| if on { "是" } else { "否" }.to_string();
    let time = |t: Option<i64>| t.map(datetime).unwrap_or_else(|| "—".into());
    vec![
        ("标题", f.title.clone()),
        ("副标题", f.subtitle.clone()),
        ("栏目", channel(f.channel_id)),
        ("来源", f.source.clone()),
        ("作者", f.author.clone()),
        ("编辑", f.editor.clone()),
        ("摘要", f.summary.clone()),
        ("封面", f.cover.clone()),
        ("置顶", flag(f.is_pinned)),
        ("推荐", flag(f.is_recommended)),
        ("头条", flag(f.is_headline)),
        ("发布时间", time(Some(f.published_at))),
        ("下线时间", time(f.unpublish_at)),
        ("复核日期", time(f.review_at)),
    ]
}

/// The fields (other than the body) that differ between two versions, as
/// (name, before, after).
pub fn changed(
    a: &ArticleFields,
    b: &ArticleFields,
    channel: &dyn Fn(i64) -> String,
) -> Vec<(&'static str, String, String)> {
    labelled(a, channel)
        .into_iter()
        .zip(labelled(b, channel))
        .filter(|((_, x), (_, y))| x != y)
        .map(|((name, x), (_, y))| (name, x, y))
        .collect()
}

/// An image address we may put in `src`: our own path or http(s).
pub fn safe_image_address(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    s.len() <= 500
        && !s
            .chars()
            .any(|c| c.is_control() || c == '"' || c == '<' || c == '>')
        && ((s.starts_with('/') && !s.starts_with("//"))
            || lower.starts_with("http://")
            || lower.starts_with("https://"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_fields_are_checked() {
        let ok = ArticleFields {
            title: "标题".into(),
            published_at: 100,
            ..ArticleFields::default()
        };
        assert!(check(&ok).is_ok());
        assert!(
            check(&ArticleFields {
                title: " ".into(),
                ..ok.clone()
            })
            .is_err()
        );
        assert!(
            check(&ArticleFields {
                cover: "javascript:alert(1)".into(),
                ..ok.clone()
            })
            .is_err()
        );
        assert!(
            check(&ArticleFields {
                unpublish_at: Some(50),
                ..ok
            })
            .is_err()
        );
        assert!(safe_image_address("/media/a.png") && !safe_image_address("//evil/x"));
    }
}
