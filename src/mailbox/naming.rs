//! A reply that names the writer while the board masks the name: the board
//! shows a published letter's writer as `王**`, so a reply opening with
//! `王大爷您好` would undo the mask. [`reply_names_writer`] finds that for
//! the staff's reply form.

use super::mask_name;

/// When a letter may be published and its reply holds the writer's name
/// (the whole name, or the part after the surname when that is two or
/// more characters), a warning for staff naming what was found and what
/// the board shows instead.
pub fn reply_names_writer(name: &str, reply: &str, publish_ok: bool) -> Option<String> {
    let name = name.trim();
    if !publish_ok || name.chars().count() < 2 {
        return None;
    }
    let given: String = name.chars().skip(1).collect();
    let found = if reply.contains(name) {
        name.to_string()
    } else if given.chars().count() >= 2 && reply.contains(&given) {
        given
    } else {
        return None;
    };
    Some(format!(
        "答复中出现了来信人的姓名“{found}”，而来信公开时姓名显示为“{}”。公开前请改用“您好”或“{}”等称呼。",
        mask_name(name),
        mask_name(name),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_replies_are_found_when_the_board_masks_them() {
        let w = reply_names_writer("王大爷", "王大爷您好：来信收悉。", true).unwrap();
        assert!(w.contains("“王大爷”") && w.contains("“王**”"), "{w}");
        let w = reply_names_writer("李明华", "明华同志：您好。", true).unwrap();
        assert!(w.contains("“明华”"), "{w}");
        assert_eq!(reply_names_writer("王大爷", "王大爷您好", false), None);
        assert_eq!(reply_names_writer("张三", "您好，来信收悉。", true), None);
        // A one-character given name is too common a character to flag.
        assert_eq!(reply_names_writer("张三", "三个问题答复如下", true), None);
        assert_eq!(reply_names_writer("王", "王", true), None);
    }
}
