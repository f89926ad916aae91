//! Acceptance test on the real text capture from the reference site, when the
//! shared seeds folder is present next to the project.

mod common;

use chrono::NaiveDate;
use common::{assert_no_furniture, headings, paragraphs};

const SEED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/seeds/000_813cb39bed5bc324.txt"
);

#[test]
fn real_capture_of_the_reference_article() {
    let Ok(bytes) = std::fs::read(SEED) else {
        eprintln!("SKIP real_capture_of_the_reference_article: {SEED} not found");
        return;
    };
    let p = legacy_page::parse(&bytes).expect("the reference capture parses");
    assert_eq!(p.channel_path, ["扶贫前沿", "地市联播"]);
    // The capture uses an ASCII colon in the title.
    assert_eq!(p.title, "韶关:党政代表团赴东莞考察交流");
    assert_eq!(p.subtitle, None);
    assert_eq!(
        p.published,
        NaiveDate::from_ymd_opt(2013, 9, 2).expect("date")
    );
    assert_eq!(p.published_time, None);
    assert_eq!(p.source.as_deref(), Some("东莞时间网-东莞日报"));
    assert_eq!(
        (p.author, p.editor, p.hits, p.canonical_url),
        (None, None, None, None)
    );
    assert_eq!(p.encoding, "UTF-8");
    assert_eq!(
        headings(&p.body_html),
        [
            "莞韶产业园拟在韶关市区北部扩建新园区",
            "不断拓宽两市“双转移”合作广度深度"
        ]
    );
    let paras = paragraphs(&p.body_html);
    assert_eq!(paras.len(), 14);
    assert!(paras[0].starts_with("8月29日,韶关市委书记"), "{}", paras[0]);
    assert!(paras[paras.len() - 1].ends_with("继续联手打造一批具有区域特色的新的重大合作平台。"));
    assert!(p.body_html.starts_with("<p>8月29日"));
    assert!(p.body_html.ends_with("合作平台。</p>"));
    assert!(!p.body_html.contains('\u{a0}'));
    assert_no_furniture(&p.body_html);
    for w in [
        "广东扶贫网",
        "秘书长信箱",
        "邮编",
        "传真",
        "捐赠热线",
        "主管",
    ] {
        assert!(!p.body_html.contains(w), "{w} in body");
    }
}
