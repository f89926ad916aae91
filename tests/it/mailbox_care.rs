//! Issue 21, the mailbox for older writers: the 算术题 instead of the image
//! (answered in Chinese numerals, without the image, which it does not
//! have), 换一题 keeping the kind, the enlarged image, and the warning on
//! the reply form when the reply names a writer the board masks.

use fupin::auth::Role;

use crate::admin_support::{Browser, add_user, csrf_of};
use crate::harness::TestApp;
use crate::mailbox::{hidden, letter, receipt};

/// The question's two numbers, read from the page as a writer reads them.
fn question(body: &str) -> (u32, u32) {
    let key = "id=\"captcha-question\">";
    let at = body.find(key).expect("a 算术题 on the page") + key.len();
    let q = body[at..].split('<').next().unwrap();
    let q = q.strip_suffix("等于多少？").expect(q);
    let (a, b) = q.split_once('加').expect(q);
    (
        fupin::mailbox::sum::parse_number(a).expect(a),
        fupin::mailbox::sum::parse_number(b).expect(b),
    )
}

#[tokio::test]
async fn the_sum_captcha_is_answered_without_the_image() {
    let app = TestApp::new("sqlite").await;
    let writer = Browser::at(&app, "192.0.2.21");
    let form = writer.get("/mailbox").await;
    assert!(form.body.contains("看不清？改做算术题"));
    assert!(form.body.contains("放大图片"));
    let id = hidden(&form.body, "captcha_id");
    // The enlarged image (its size is checked where it is drawn).
    let big = writer.get(&format!("/mailbox/captcha/{id}.big.png")).await;
    assert_eq!(big.status, 200);
    assert_eq!(big.header("content-type"), "image/png");
    assert!(
        form.body
            .contains(&format!("/mailbox/captcha/{id}.big.png"))
    );

    // Switching keeps what was typed.
    let mut fields = letter("关于养老补贴", "请问家里老人的养老补贴应当如何申请？");
    let csrf = csrf_of(&form.body);
    let mut switch = fields.clone();
    switch.extend([
        ("csrf", csrf.as_str()),
        ("captcha_id", id.as_str()),
        ("action", "sum"),
    ]);
    let sum = writer.post("/mailbox", &switch).await;
    assert_eq!(sum.status, 200);
    assert!(sum.body.contains("关于养老补贴"), "typed text kept");
    assert!(
        !sum.body.contains("captcha-image"),
        "no image with a 算术题"
    );
    let sum_id = hidden(&sum.body, "captcha_id");
    assert_eq!(
        writer
            .get(&format!("/mailbox/captcha/{sum_id}.png"))
            .await
            .status,
        404,
        "a 算术题 has no image"
    );
    // 换一题 keeps the kind.
    let mut again = fields.clone();
    again.extend([
        ("csrf", csrf.as_str()),
        ("captcha_id", sum_id.as_str()),
        ("captcha_kind", "sum"),
        ("action", "refresh"),
    ]);
    let sum = writer.post("/mailbox", &again).await;
    assert!(sum.body.contains("id=\"captcha-question\""));

    // A wrong answer is refused with a message about the sum.
    let (a, b) = question(&sum.body);
    let wrong = fupin::mailbox::sum::chinese(a + b + 1);
    let sum_id = hidden(&sum.body, "captcha_id");
    let mut bad = fields.clone();
    bad.extend([
        ("csrf", csrf.as_str()),
        ("captcha_id", sum_id.as_str()),
        ("captcha_kind", "sum"),
        ("captcha", wrong.as_str()),
        ("action", "send"),
    ]);
    let refused = writer.post("/mailbox", &bad).await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("答案不正确，请回答新的算术题。"));
    assert!(
        refused.body.contains("id=\"captcha-question\""),
        "still a 算术题"
    );

    // The right one, in Chinese numerals, sends the letter.
    let (a, b) = question(&refused.body);
    let right = fupin::mailbox::sum::chinese(a + b);
    let sum_id = hidden(&refused.body, "captcha_id");
    fields.extend([
        ("csrf", csrf.as_str()),
        ("captcha_id", sum_id.as_str()),
        ("captcha_kind", "sum"),
        ("captcha", right.as_str()),
        ("action", "send"),
    ]);
    let sent = writer.post("/mailbox", &fields).await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    let (number, _code) = receipt(&sent);
    assert_eq!(number.len(), 13, "{number}");

    // Staff: a reply naming the writer is flagged while the board masks it.
    let staff = add_user(&app, "xinxiang", Role::Mailbox, &[]).await;
    let (b, token) = Browser::signed_in(&app, staff).await;
    let id = fupin::db::letters::by_number(&app.state.db, &number)
        .await
        .unwrap()
        .unwrap()
        .id;
    let page = b.get(&format!("/admin/mailbox/{id}")).await;
    assert!(!page.body.contains("reply-name-warning"));
    let r = b
        .post(
            &format!("/admin/mailbox/{id}/reply"),
            &[("csrf", &token), ("body", "张三丰您好：来信收悉。")],
        )
        .await;
    assert_eq!(r.status, 303);
    let page = b.get(&format!("/admin/mailbox/{id}")).await;
    assert!(
        page.body.contains("答复中出现了来信人的姓名“张三丰”") && page.body.contains("“张**”"),
        "the reply form warns"
    );
    app.finish().await;
}
