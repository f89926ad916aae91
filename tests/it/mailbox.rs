//! 秘书长信箱 (issue 6): a letter from the public form to the staff inbox,
//! the reply, the query page and the public board; refused letters keep
//! what was typed and say why; captcha, honeypot, form token and limits;
//! the CSV export. The e-mail notice is in `mailbox_mail`.

use fupin::auth::Role;
use sqlx::Row;

use crate::admin_support::{Browser, add_user, csrf_of};
use crate::harness::{Page, TestApp, backends, location};

/// The value of a hidden field.
pub fn hidden(body: &str, name: &str) -> String {
    let key = format!("name=\"{name}\" value=\"");
    let at = body.find(&key).unwrap_or_else(|| panic!("no {name} field")) + key.len();
    body[at..].split('"').next().unwrap().to_string()
}

/// The answer of a captcha, read where the server keeps it.
pub async fn answer(app: &TestApp, id: &str) -> String {
    sqlx::query("SELECT answer FROM captchas WHERE id = $1")
        .bind(id)
        .fetch_one(app.state.db_pool_for_tests())
        .await
        .expect("captcha issued")
        .get("answer")
}

/// A letter's fields.
pub fn letter<'a>(subject: &'a str, body: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("name", "张三丰"),
        ("phone", "020-87654321"),
        ("email", "zhang@example.com"),
        ("subject", subject),
        ("category", "suggest"),
        ("body", body),
        ("publish_ok", "1"),
    ]
}

/// Opens the form and sends a letter with the right captcha.
pub async fn send(app: &TestApp, b: &Browser<'_>, fields: &[(&str, &str)]) -> Page {
    let form = b.get("/mailbox").await;
    assert_eq!(form.status, 200);
    let id = hidden(&form.body, "captcha_id");
    let code = answer(app, &id).await;
    let csrf = csrf_of(&form.body);
    let mut all: Vec<(&str, &str)> = fields.to_vec();
    all.extend([
        ("csrf", csrf.as_str()),
        ("captcha_id", id.as_str()),
        ("captcha", code.as_str()),
    ]);
    b.post("/mailbox", &all).await
}

/// (number, code) from the receipt page.
pub fn receipt(page: &Page) -> (String, String) {
    let grab = |id: &str| {
        let key = format!("id=\"{id}\">");
        let at = page.body.find(&key).expect("receipt") + key.len();
        page.body[at..].split('<').next().unwrap().to_string()
    };
    (grab("letter-number"), grab("letter-code"))
}

async fn letter_id(app: &TestApp, number: &str) -> i64 {
    fupin::db::letters::by_number(&app.state.db, number)
        .await
        .unwrap()
        .expect("stored")
        .id
}

#[tokio::test]
async fn a_letter_goes_from_the_form_to_a_reply_and_the_board() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let writer = Browser::at(&app, "192.0.2.10");
        let page = send(
            &app,
            &writer,
            &letter("关于帮扶项目", "请问今年的产业帮扶项目\n如何申请？"),
        )
        .await;
        assert_eq!(page.status, 200, "{backend}: {}", page.body);
        assert_eq!(page.header("cache-control"), "no-store");
        let (number, code) = receipt(&page);
        assert!(number.len() >= 13 && code.len() == 14, "{number} {code}");
        let stored = fupin::db::letters::by_number(&app.state.db, &number)
            .await
            .unwrap()
            .unwrap();
        assert_ne!(stored.code_hash, code, "only a digest of the code is kept");
        let n: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM letters WHERE number || code_salt || code_hash || body LIKE $1",
        )
        .bind(format!("%{}%", code.replace('-', "")))
        .fetch_one(app.state.db_pool_for_tests())
        .await
        .unwrap()
        .get("n");
        assert_eq!(n, 0, "{backend}: the code itself is not stored");

        // The query page: a wrong code and an unknown number get one answer.
        let q = writer.get("/mailbox/query").await;
        let csrf = csrf_of(&q.body);
        let wrong = writer
            .post(
                "/mailbox/query",
                &[
                    ("csrf", &csrf),
                    ("number", &number),
                    ("code", "AAAA-BBBB-CCCC"),
                ],
            )
            .await;
        assert_eq!(wrong.status, 422);
        let unknown = writer
            .post(
                "/mailbox/query",
                &[("csrf", &csrf), ("number", "1"), ("code", &code)],
            )
            .await;
        assert_eq!(
            wrong.element("main").contains("信件编号或查询码不正确"),
            unknown.element("main").contains("信件编号或查询码不正确")
        );
        let typed = code.to_lowercase().replace('-', " ");
        let ok = writer
            .post(
                "/mailbox/query",
                &[("csrf", &csrf), ("number", &number), ("code", &typed)],
            )
            .await;
        assert_eq!(ok.status, 200, "{backend}: {}", ok.body);
        assert!(ok.body.contains("待处理") && ok.body.contains("尚未答复"));
        assert!(
            ok.body.contains("请问今年的产业帮扶项目\n如何申请？"),
            "line breaks kept as text"
        );

        // Staff: the inbox, assignment, a note, the reply, publication.
        let staff = add_user(&app, "xinxiang", Role::Mailbox, &[]).await;
        let (b, token) = Browser::signed_in(&app, staff).await;
        let inbox = b.get("/admin/mailbox").await;
        assert_eq!(inbox.status, 200);
        assert!(inbox.body.contains(&number) && inbox.body.contains("关于帮扶项目"));
        let id = letter_id(&app, &number).await;
        let dash = b.get("/admin").await;
        assert!(
            dash.body.contains("待处理来信") && dash.body.contains(&number),
            "{backend}: the dashboard shows new letters"
        );
        let r = b
            .post(
                &format!("/admin/mailbox/{id}/assign"),
                &[("csrf", &token), ("assignee_id", &staff.to_string())],
            )
            .await;
        assert_eq!(
            location(&r),
            format!("/admin/mailbox/{id}?msg=mail_assigned")
        );
        let r = b
            .post(
                &format!("/admin/mailbox/{id}/note"),
                &[("csrf", &token), ("body", "已转项目部核实")],
            )
            .await;
        assert_eq!(r.status, 303);
        let early = b
            .post(
                &format!("/admin/mailbox/{id}/publish"),
                &[("csrf", &token), ("action", "publish")],
            )
            .await;
        assert_eq!(early.status, 422, "no publication before a reply");
        let r = b
            .post(
                &format!("/admin/mailbox/{id}/reply"),
                &[("csrf", &token), ("body", "您好：\n请向所在县扶贫办申报。")],
            )
            .await;
        assert_eq!(r.status, 303);
        let r = b
            .post(
                &format!("/admin/mailbox/{id}/publish"),
                &[("csrf", &token), ("action", "publish")],
            )
            .await;
        assert_eq!(r.status, 303);
        let shown = b.get(&format!("/admin/mailbox/{id}")).await;
        assert!(shown.body.contains("已转项目部核实") && shown.body.contains("已回复"));
        let l = fupin::db::letters::get(&app.state.db, id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(l.assignee_id, Some(staff));
        assert!(l.published && l.replied_at.is_some());

        // The writer reads the reply; the board shows it without contacts.
        let ok = writer
            .post(
                "/mailbox/query",
                &[("csrf", &csrf), ("number", &number), ("code", &code)],
            )
            .await;
        assert!(ok.body.contains("请向所在县扶贫办申报") && ok.body.contains("已回复"));
        assert!(
            !ok.body.contains("已转项目部核实"),
            "internal notes stay internal"
        );
        let board = app.get("/mailbox/board").await;
        assert_eq!(board.status, 200);
        let main = board.element("main");
        assert!(
            main.contains("张**")
                && main.contains("关于帮扶项目")
                && main.contains("请向所在县扶贫办申报")
        );
        for secret in ["张三丰", "87654321", "zhang@example.com", "已转项目部核实"] {
            assert!(
                !board.body.contains(secret),
                "{backend}: the board shows {secret}"
            );
        }
        // The actions are in the 操作日志.
        let actions = fupin::db::audit::actions(&app.state.db).await.unwrap();
        for a in ["信件分配", "信件备注", "信件答复", "信件公开"] {
            assert!(actions.iter().any(|x| x == a), "{backend}: {a} not logged");
        }
        // Taking it off the board.
        b.post(
            &format!("/admin/mailbox/{id}/publish"),
            &[("csrf", &token), ("action", "unpublish")],
        )
        .await;
        assert!(
            app.get("/mailbox/board")
                .await
                .body
                .contains("暂无公开的来信")
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn a_letter_without_consent_is_never_published() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let writer = Browser::at(&app, "192.0.2.11");
        let mut fields = letter("不公开的信", "这封信请不要公开，谢谢。");
        fields.retain(|(k, _)| *k != "publish_ok");
        let (number, _) = receipt(&send(&app, &writer, &fields).await);
        let id = letter_id(&app, &number).await;
        let admin = add_user(&app, "guanli", Role::Admin, &[]).await;
        let (b, token) = Browser::signed_in(&app, admin).await;
        b.post(
            &format!("/admin/mailbox/{id}/reply"),
            &[("csrf", &token), ("body", "已收到。")],
        )
        .await;
        let r = b
            .post(
                &format!("/admin/mailbox/{id}/publish"),
                &[("csrf", &token), ("action", "publish")],
            )
            .await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("未同意公开"));
        assert!(
            !fupin::db::letters::set_published(&app.state.db, id, true)
                .await
                .unwrap(),
            "the store refuses too"
        );
        assert!(!app.get("/mailbox/board").await.body.contains("不公开的信"));
        app.finish().await;
    }
}

#[tokio::test]
async fn refused_letters_keep_what_was_typed_and_say_why() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let b = Browser::at(&app, "192.0.2.20");
        // Fields wrong and the captcha wrong: every reason, everything kept.
        let form = b.get("/mailbox").await;
        let (csrf, id) = (csrf_of(&form.body), hidden(&form.body, "captcha_id"));
        let page = b
            .post(
                "/mailbox",
                &[
                    ("csrf", csrf.as_str()),
                    ("captcha_id", &id),
                    ("captcha", "ZZZZZ"),
                    ("name", "李四"),
                    ("subject", ""),
                    ("category", "complain"),
                    ("body", "短<b>信</b>"),
                ],
            )
            .await;
        assert_eq!(page.status, 422, "{backend}");
        let main = page.element("main");
        for reason in [
            "电话和电子邮箱请至少填写一项",
            "请填写主题",
            "来信内容太短",
            "验证码不正确",
        ] {
            assert!(main.contains(reason), "{backend}: no reason {reason}");
        }
        assert!(main.contains("value=\"李四\""), "the name is kept");
        assert!(
            main.contains("短&lt;b&gt;信&lt;&#x2f;b&gt;")
                || main.contains("短&lt;b&gt;信&lt;/b&gt;"),
            "the text is kept, as text"
        );
        assert!(main.contains("<option value=\"complain\" selected>"));
        assert!(main.contains("aria-invalid=\"true\""));
        // The used captcha cannot be tried again.
        let again = b
            .post(
                "/mailbox",
                &[
                    ("csrf", csrf.as_str()),
                    ("captcha_id", &id),
                    ("captcha", &"X".repeat(5)),
                ],
            )
            .await;
        assert!(again.element("main").contains("验证码已过期"));
        // The honeypot.
        let mut bot = letter("机器人", "这是一封自动填写的信件内容。");
        bot.push(("website", "http://spam.example"));
        let page = send(&app, &b, &bot).await;
        assert_eq!(page.status, 422);
        assert!(
            page.element("main").contains("信件未被接受")
                && page.element("main").contains("value=\"机器人\"")
        );
        // No form token: refused with the text kept.
        let stranger = Browser::at(&app, "192.0.2.21");
        let page = stranger
            .post(
                "/mailbox",
                &[("name", "王五"), ("subject", "跨站提交"), ("csrf", "x")],
            )
            .await;
        assert_eq!(page.status, 403);
        assert!(
            page.element("main").contains("页面已过期或来源不明")
                && page.element("main").contains("value=\"跨站提交\"")
        );
        // A captcha issued to another form token does not pass.
        let other_form = stranger.get("/mailbox").await;
        let foreign = hidden(&other_form.body, "captcha_id");
        let code = answer(&app, &foreign).await;
        let form = b.get("/mailbox").await;
        let mut fields = letter("换来的验证码", "用别人的验证码提交的信件。");
        let csrf = csrf_of(&form.body);
        fields.extend([
            ("csrf", csrf.as_str()),
            ("captcha_id", foreign.as_str()),
            ("captcha", code.as_str()),
        ]);
        assert_eq!(b.post("/mailbox", &fields).await.status, 403);
        // Nothing got through.
        let (rows, total) = fupin::db::letters::list(&app.state.db, &Default::default(), 0, 10)
            .await
            .unwrap();
        assert_eq!(
            total,
            0,
            "{backend}: {:?}",
            rows.first().map(|l| &l.subject)
        );
        // The limit per address: two letters an hour here, then refused.
        fupin::db::settings::set(
            &app.state.db,
            fupin::mailbox::guard::LETTERS_PER_HOUR_KEY,
            "2",
        )
        .await
        .unwrap();
        let c = Browser::at(&app, "192.0.2.22");
        for i in 0..2 {
            let body = format!("第{i}封信的内容，足够长了。");
            assert_eq!(send(&app, &c, &letter("限额", &body)).await.status, 200);
        }
        let third = send(&app, &c, &letter("限额", "第三封信的内容，足够长了。")).await;
        assert_eq!(third.status, 429);
        assert!(
            third.element("main").contains("提交过于频繁")
                && third.element("main").contains("value=\"限额\"")
        );
        assert_eq!(
            send(
                &app,
                &Browser::at(&app, "192.0.2.23"),
                &letter("别处", "另一个地址的来信内容。")
            )
            .await
            .status,
            200
        );
        // The captcha image is a PNG that no cache keeps.
        let form = b.get("/mailbox").await;
        let png = b
            .get(&format!(
                "/mailbox/captcha/{}.png",
                hidden(&form.body, "captcha_id")
            ))
            .await;
        assert_eq!(png.status, 200);
        assert_eq!(png.header("content-type"), "image/png");
        assert_eq!(b.get("/mailbox/captcha/nothing.png").await.status, 404);
        app.finish().await;
    }
}

#[tokio::test]
async fn the_csv_export_cannot_run_formulas_and_is_logged() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let w = Browser::at(&app, "192.0.2.30");
        let page = send(
            &app,
            &w,
            &letter(
                "=HYPERLINK(\"http://x\",\"点我\")",
                "+1+1 这是一封公式开头的信。\n@SUM(A1)",
            ),
        )
        .await;
        assert_eq!(page.status, 200);
        let admin = add_user(&app, "guanli", Role::Admin, &[]).await;
        let (b, token) = Browser::signed_in(&app, admin).await;
        let csv = b
            .post("/admin/mailbox/export", &[("csrf", &token), ("status", "")])
            .await;
        assert_eq!(csv.status, 200, "{backend}: {}", csv.body);
        assert!(csv.header("content-type").starts_with("text/csv"));
        assert!(csv.header("content-disposition").starts_with("attachment"));
        assert!(
            csv.body
                .contains("\"'=HYPERLINK(\"\"http://x\"\",\"\"点我\"\")\""),
            "{}",
            csv.body
        );
        assert!(
            csv.body
                .contains("\"'+1+1 这是一封公式开头的信。\n@SUM(A1)\"")
        );
        assert!(csv.body.contains("\"020-87654321\""));
        assert_eq!(
            b.post("/admin/mailbox/export", &[("status", "")])
                .await
                .status,
            403,
            "CSRF"
        );
        let actions = fupin::db::audit::actions(&app.state.db).await.unwrap();
        assert!(actions.iter().any(|a| a == "导出信件"));
        app.finish().await;
    }
}

#[tokio::test]
async fn roles_deadlines_and_statistics() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let w = Browser::at(&app, "192.0.2.40");
        let (number, _) =
            receipt(&send(&app, &w, &letter("超期的信", "一封会超期的来信内容。")).await);
        let id = letter_id(&app, &number).await;
        sqlx::query("UPDATE letters SET due_at = $1, created_at = $2 WHERE id = $3")
            .bind(fupin::db::now() - 60)
            .bind(fupin::db::now() - 20 * 86_400)
            .bind(id)
            .execute(app.state.db_pool_for_tests())
            .await
            .unwrap();
        let editor = add_user(&app, "bianji", Role::Editor, &[]).await;
        let (e, _) = Browser::signed_in(&app, editor).await;
        assert_eq!(e.get("/admin/mailbox").await.status, 403);
        assert_eq!(e.get(&format!("/admin/mailbox/{id}")).await.status, 403);
        assert!(crate::admin_support::is_login_redirect(
            &Browser::new(&app).get("/admin/mailbox").await
        ));
        let mb = add_user(&app, "xinxiang", Role::Mailbox, &[]).await;
        let (m, token) = Browser::signed_in(&app, mb).await;
        assert_eq!(
            m.get("/admin/mailbox/settings").await.status,
            403,
            "settings are for admins"
        );
        let overdue = m.get("/admin/mailbox?overdue=1").await;
        assert!(
            overdue.body.contains("超期的信") && overdue.body.contains("已超期"),
            "{backend}"
        );
        let report = m.get("/admin/mailbox/report").await;
        assert_eq!(report.status, 200);
        assert!(report.body.contains("超期未复") && report.body.contains("建议"));
        // A reply ends the overdue state and gives an average time to reply.
        m.post(
            &format!("/admin/mailbox/{id}/reply"),
            &[("csrf", &token), ("body", "答复。")],
        )
        .await;
        let rows = fupin::db::letters::report_rows(&app.state.db, 0, i64::MAX / 2)
            .await
            .unwrap();
        let r = fupin::mailbox::report::compute(&rows, fupin::db::now());
        assert_eq!(
            (r.total, r.overdue, r.replied, r.replied_late),
            (1, 0, 1, 1),
            "{backend}"
        );
        assert!(r.average_reply_hours.unwrap().parse::<f64>().unwrap() >= 479.0);
        // Settings: days to reply apply to new letters.
        let admin = add_user(&app, "guanli", Role::Admin, &[]).await;
        let (a, at) = Browser::signed_in(&app, admin).await;
        let bad = a
            .post(
                "/admin/mailbox/settings",
                &[
                    ("csrf", &at),
                    ("reply_days", "0"),
                    ("letters_per_hour", "5"),
                ],
            )
            .await;
        assert_eq!(bad.status, 422);
        assert!(bad.body.contains("答复期限应为"));
        let email = format!("email_{mb}");
        let ok = a
            .post(
                "/admin/mailbox/settings",
                &[
                    ("csrf", &at),
                    ("reply_days", "3"),
                    ("letters_per_hour", "5"),
                    ("default_assignee", &mb.to_string()),
                    (&email, "xx@example.org"),
                ],
            )
            .await;
        assert_eq!(ok.status, 303);
        let (n2, _) = receipt(&send(&app, &w, &letter("三天期限", "新的期限应该是三天。")).await);
        let l = fupin::db::letters::by_number(&app.state.db, &n2)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(l.due_at - l.created_at, 3 * 86_400);
        assert_eq!(l.assignee_id, Some(mb), "{backend}: assigned automatically");
        app.finish().await;
    }
}
