//! The one way of changing an article (issue 16): every action × state ×
//! role from one table through `editorial::apply` (allowed ones write the
//! change with one revision and one 操作日志 row, refused ones change
//! nothing); a failing revision or log write takes the article change with
//! it, on both backends; a revision stored before a field existed loads
//! and restores.

use fupin::auth::Role;
use fupin::db::articles::{self, Status};
use fupin::db::audit::Actor;
use fupin::editorial::{self, Action, ArticleFields, Principal, Then};
use sqlx::{AssertSqlSafe, Executor, Row};

use crate::admin_support::Cast;
use crate::harness::{TestApp, backends};

fn principal(id: i64, name: &str, role: Role, channels: Vec<i64>) -> Principal {
    Principal {
        actor: Actor {
            id: Some(id),
            name: name.into(),
            ip: "192.0.2.1".into(),
        },
        role,
        channels,
    }
}

/// The actors of the table, by name.
fn actors(cast: &Cast, other_writer: i64) -> Vec<(&'static str, Principal)> {
    vec![
        (
            "admin",
            principal(cast.admin, "guanli", Role::Admin, vec![]),
        ),
        (
            "reviewer",
            principal(cast.reviewer, "shenhe", Role::Reviewer, vec![]),
        ),
        (
            "editor_a",
            principal(
                cast.editor_a,
                "bianji-a",
                Role::Editor,
                vec![cast.channel_a],
            ),
        ),
        (
            "editor_b",
            principal(
                cast.editor_b,
                "bianji-b",
                Role::Editor,
                vec![cast.channel_b],
            ),
        ),
        (
            "writer_own",
            principal(cast.writer, "zhuangao", Role::Writer, vec![]),
        ),
        (
            "writer_other",
            principal(other_writer, "zhuangao2", Role::Writer, vec![]),
        ),
        (
            "mailbox",
            principal(cast.mailbox, "xinxiang", Role::Mailbox, vec![]),
        ),
    ]
}

const STATES: [Status; 5] = [
    Status::Draft,
    Status::Pending,
    Status::Published,
    Status::Scheduled,
    Status::Trashed,
];

/// The expected table, written out by hand: for each action, the states it
/// starts from and the actors allowed (for the writer who owns the
/// article: only where the state is a draft, unless noted). The article is
/// in channel A, created by `writer_own`; a move goes to channel B.
fn expected(action: &str, state: Status, actor: &str) -> bool {
    use Status::*;
    let publishers = ["admin", "reviewer", "editor_a"];
    let editors = ["admin", "reviewer", "editor_a"];
    let (states, who): (&[Status], &[&str]) = match action {
        "update" | "restore_revision" => (&[Draft, Pending, Published, Scheduled], &editors),
        "submit" => (&[Draft], &editors),
        "publish" | "schedule" => (&[Draft, Pending, Scheduled], &publishers),
        "return" => (&[Pending], &publishers),
        "unpublish" => (&[Published, Scheduled], &publishers),
        "trash" => (&[Draft, Pending, Published, Scheduled], &publishers),
        "restore" => (&[Trashed], &publishers),
        "purge" => (&[Trashed], &["admin"]),
        // Editor A may not write into channel B.
        "move" => (
            &[Draft, Pending, Published, Scheduled, Trashed],
            &["admin", "reviewer"],
        ),
        // A published article of the table has a pending version.
        "approve" => (&[Published], &publishers),
        "discard" => (&[Published], &editors),
        _ => unreachable!("{action}"),
    };
    if !states.contains(&state) {
        return false;
    }
    if who.contains(&actor) {
        return true;
    }
    // The owning writer works on their own drafts.
    actor == "writer_own"
        && state == Draft
        && matches!(action, "update" | "restore_revision" | "submit" | "move")
}

const ACTIONS: [&str; 13] = [
    "update",
    "submit",
    "publish",
    "schedule",
    "return",
    "unpublish",
    "trash",
    "restore",
    "purge",
    "move",
    "restore_revision",
    "approve",
    "discard",
];

fn action_of(name: &str, id: i64, rev: i64, cast: &Cast) -> Action {
    let soon = fupin::db::now() + 86_400;
    match name {
        "update" => Action::Update {
            id,
            fields: ArticleFields {
                channel_id: cast.channel_a,
                title: "改过的标题".into(),
                body_html: "<p>改过的正文</p>".into(),
                published_at: fupin::db::now() - 60,
                ..ArticleFields::default()
            },
            then: Then::Save,
            base: None,
        },
        "submit" => Action::Submit(id),
        "publish" => Action::Publish { id, at: None },
        "schedule" => Action::Schedule { id, at: soon },
        "return" => Action::Return {
            id,
            reason: "请补充数据来源".into(),
        },
        "unpublish" => Action::Unpublish(id),
        "trash" => Action::Trash(id),
        "restore" => Action::Restore(id),
        "purge" => Action::Purge(id),
        "move" => Action::Move {
            id,
            channel_id: cast.channel_b,
        },
        "restore_revision" => Action::RestoreRevision { id, rev },
        "approve" => Action::Approve { id, at: None },
        "discard" => Action::Discard(id),
        _ => unreachable!(),
    }
}

/// A writer's article in channel A, saved twice, put into `state`; its id
/// and its first revision.
async fn article_in(app: &TestApp, cast: &Cast, state: Status, title: &str) -> (i64, i64) {
    let db = &app.state.db;
    let writer = principal(cast.writer, "zhuangao", Role::Writer, vec![]);
    let fields = ArticleFields {
        channel_id: cast.channel_a,
        title: title.into(),
        body_html: "<p>原来的正文</p>".into(),
        published_at: fupin::db::now() - 3600,
        ..ArticleFields::default()
    };
    let id = editorial::apply(
        db,
        &writer,
        Action::Create {
            fields,
            then: Then::Save,
        },
    )
    .await
    .unwrap()
    .id;
    // A second version, so that the first revision differs from today's.
    let admin = principal(cast.admin, "guanli", Role::Admin, vec![]);
    let second = ArticleFields {
        channel_id: cast.channel_a,
        title: format!("{title}（第二稿）"),
        body_html: "<p>第二稿正文</p>".into(),
        published_at: fupin::db::now() - 3600,
        ..ArticleFields::default()
    };
    editorial::apply(
        db,
        &admin,
        Action::Update {
            id,
            fields: second,
            then: Then::Save,
            base: None,
        },
    )
    .await
    .unwrap();
    let at = if state == Status::Scheduled {
        fupin::db::now() + 7200
    } else {
        fupin::db::now() - 3600
    };
    articles::set_status(db, id, state, at).await.unwrap();
    if state == Status::Published {
        // Saving a published article makes its pending version.
        let third = ArticleFields {
            channel_id: cast.channel_a,
            title: format!("{title}（待审稿）"),
            body_html: "<p>待审正文</p>".into(),
            published_at: at,
            ..ArticleFields::default()
        };
        let update = Action::Update {
            id,
            fields: third,
            then: Then::Save,
            base: None,
        };
        let done = editorial::apply(db, &admin, update).await.unwrap();
        assert_eq!(done.notice, "pending_saved");
    }
    let first = fupin::db::revisions::list(db, id)
        .await
        .unwrap()
        .pop()
        .unwrap();
    (id, first.id)
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query(AssertSqlSafe(sql.to_string()))
        .fetch_one(app.state.db.pool())
        .await
        .unwrap()
        .try_get("n")
        .unwrap()
}

/// Everything the table's actions could change about one article.
async fn snapshot(app: &TestApp, id: i64) -> String {
    let row = sqlx::query(
        "SELECT status, title, channel_id, body_html, review_note, published_at, updated_at,
                COALESCE(trashed_from, '') AS tf
         FROM articles WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(app.state.db.pool())
    .await
    .unwrap();
    let Some(row) = row else {
        return "gone".into();
    };
    let pending = fupin::db::pending::get(&app.state.db, id)
        .await
        .unwrap()
        .map(|p| format!("{:?}|{}|{:?}", p.fields, p.submitted, p.go_live_at))
        .unwrap_or_default();
    format!(
        "{}|{}|{}|{}|{}|{}|{}|{}|{pending}",
        row.try_get::<String, _>("status").unwrap(),
        row.try_get::<String, _>("title").unwrap(),
        row.try_get::<i64, _>("channel_id").unwrap(),
        row.try_get::<String, _>("body_html").unwrap(),
        row.try_get::<String, _>("review_note").unwrap(),
        row.try_get::<i64, _>("published_at").unwrap(),
        row.try_get::<i64, _>("updated_at").unwrap(),
        row.try_get::<String, _>("tf").unwrap(),
    )
}

#[tokio::test]
async fn every_action_state_and_role_goes_through_the_one_function() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let cast = Cast::new(&app).await;
        let other = crate::admin_support::add_user(&app, "zhuangao2", Role::Writer, &[]).await;
        let mut checked = 0;
        for action in ACTIONS {
            for state in STATES {
                for (who_name, who) in actors(&cast, other) {
                    let (id, rev) = article_in(&app, &cast, state, "原来的标题").await;
                    let before = snapshot(&app, id).await;
                    let revs = count(&app, "SELECT COUNT(*) AS n FROM article_revisions").await;
                    let logs = count(&app, "SELECT COUNT(*) AS n FROM audit_log").await;
                    let allowed = expected(action, state, who_name);
                    let result =
                        editorial::apply(&app.state.db, &who, action_of(action, id, rev, &cast))
                            .await;
                    let case = format!("{backend}: {action} on {state:?} by {who_name}");
                    let revs_after =
                        count(&app, "SELECT COUNT(*) AS n FROM article_revisions").await;
                    let logs_after = count(&app, "SELECT COUNT(*) AS n FROM audit_log").await;
                    let after = snapshot(&app, id).await;
                    if allowed {
                        let done = result.unwrap_or_else(|e| panic!("{case}: refused: {e}"));
                        assert_ne!(before, after, "{case}: nothing changed");
                        assert_eq!(logs_after, logs + 1, "{case}: one log entry");
                        if action == "purge" {
                            assert_eq!(after, "gone", "{case}");
                            assert!(done.status.is_none());
                        } else {
                            assert_eq!(revs_after, revs + 1, "{case}: one revision");
                            let a = fupin::db::editorial::get(&app.state.db, id)
                                .await
                                .unwrap()
                                .unwrap();
                            assert_eq!(Some(a.article.status), done.status, "{case}");
                            if action == "update" && state == Status::Published {
                                // A staged edit: the live row stays.
                                assert_eq!(a.article.title, "原来的标题（第二稿）", "{case}");
                            }
                            let last = fupin::db::revisions::list(&app.state.db, id)
                                .await
                                .unwrap()
                                .remove(0);
                            assert_eq!(last.user_name, who.actor.name, "{case}");
                        }
                    } else {
                        assert!(result.is_err(), "{case}: allowed");
                        assert_eq!(before, after, "{case}: the article changed");
                        assert_eq!(revs_after, revs, "{case}: a revision was written");
                        assert_eq!(logs_after, logs, "{case}: a log entry was written");
                    }
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, ACTIONS.len() * STATES.len() * 7);
        app.finish().await;
    }
}

#[tokio::test]
async fn new_articles_are_created_saved_submitted_or_published_in_one_step() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let cast = Cast::new(&app).await;
        let db = &app.state.db;
        let fields = |channel_id| ArticleFields {
            channel_id,
            title: "新稿".into(),
            body_html: "<p>正文</p>".into(),
            published_at: fupin::db::now() - 10,
            ..ArticleFields::default()
        };
        let cases: [(Principal, i64, Then, Option<Status>); 6] = [
            (
                principal(cast.writer, "zhuangao", Role::Writer, vec![]),
                cast.channel_a,
                Then::Submit,
                Some(Status::Pending),
            ),
            (
                principal(cast.writer, "zhuangao", Role::Writer, vec![]),
                cast.channel_a,
                Then::Publish { at: None },
                None,
            ),
            (
                principal(
                    cast.editor_a,
                    "bianji-a",
                    Role::Editor,
                    vec![cast.channel_a],
                ),
                cast.channel_a,
                Then::Publish { at: None },
                Some(Status::Published),
            ),
            (
                principal(
                    cast.editor_a,
                    "bianji-a",
                    Role::Editor,
                    vec![cast.channel_a],
                ),
                cast.channel_b,
                Then::Save,
                None,
            ),
            (
                principal(cast.mailbox, "xinxiang", Role::Mailbox, vec![]),
                cast.channel_a,
                Then::Save,
                None,
            ),
            (
                principal(cast.reviewer, "shenhe", Role::Reviewer, vec![]),
                cast.channel_b,
                Then::Publish {
                    at: Some(fupin::db::now() + 3600),
                },
                Some(Status::Scheduled),
            ),
        ];
        for (who, channel, then, expect) in cases {
            let before = articles::count_all(db).await.unwrap();
            let logs = count(&app, "SELECT COUNT(*) AS n FROM audit_log").await;
            let r = editorial::apply(
                db,
                &who,
                Action::Create {
                    fields: fields(channel),
                    then,
                },
            )
            .await;
            let case = format!("{backend}: {} {then:?}", who.actor.name);
            match expect {
                Some(status) => {
                    let done = r.unwrap_or_else(|e| panic!("{case}: {e}"));
                    let a = fupin::db::editorial::get(db, done.id)
                        .await
                        .unwrap()
                        .unwrap();
                    assert_eq!(a.article.status, status, "{case}");
                    // The creation and the step after it, in one transaction.
                    let n = count(&app, "SELECT COUNT(*) AS n FROM audit_log").await;
                    let steps = if then == Then::Save { 1 } else { 2 };
                    assert_eq!(n, logs + steps, "{case}");
                }
                None => {
                    assert!(r.is_err(), "{case}");
                    assert_eq!(articles::count_all(db).await.unwrap(), before, "{case}");
                }
            }
        }
        app.finish().await;
    }
}

/// Test-only triggers that make a revision or a log write fail on a marker.
async fn install_failing_triggers(app: &TestApp, backend: &str) {
    let pool = app.state.db.pool();
    if backend == "sqlite" {
        for sql in [
            "CREATE TRIGGER test_fail_audit BEFORE INSERT ON audit_log
             WHEN NEW.detail LIKE '%FAIL-AUDIT%'
             BEGIN SELECT RAISE(ABORT, 'audit write refused by the test'); END",
            "CREATE TRIGGER test_fail_revision BEFORE INSERT ON article_revisions
             WHEN NEW.title = 'FAIL-REVISION'
             BEGIN SELECT RAISE(ABORT, 'revision write refused by the test'); END",
        ] {
            pool.execute(sql).await.unwrap();
        }
    } else {
        for sql in [
            "CREATE FUNCTION test_fail() RETURNS trigger AS $$
             BEGIN RAISE EXCEPTION 'write refused by the test'; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER test_fail_audit BEFORE INSERT ON audit_log FOR EACH ROW
             WHEN (NEW.detail LIKE '%FAIL-AUDIT%') EXECUTE FUNCTION test_fail()",
            "CREATE TRIGGER test_fail_revision BEFORE INSERT ON article_revisions FOR EACH ROW
             WHEN (NEW.title = 'FAIL-REVISION') EXECUTE FUNCTION test_fail()",
        ] {
            pool.execute(sql).await.unwrap();
        }
    }
}

#[tokio::test]
async fn a_failing_revision_or_log_write_takes_the_change_with_it() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let cast = Cast::new(&app).await;
        install_failing_triggers(&app, backend).await;
        let db = &app.state.db;
        let reviewer = principal(cast.reviewer, "shenhe", Role::Reviewer, vec![]);

        // The log write fails: the return does not happen.
        let (id, _) = article_in(&app, &cast, Status::Pending, "待审稿").await;
        let before = snapshot(&app, id).await;
        let revs = count(&app, "SELECT COUNT(*) AS n FROM article_revisions").await;
        let r = editorial::apply(
            db,
            &reviewer,
            Action::Return {
                id,
                reason: "FAIL-AUDIT".into(),
            },
        )
        .await;
        assert!(
            matches!(r, Err(editorial::Error::Other(_))),
            "{backend}: {r:?}"
        );
        assert_eq!(snapshot(&app, id).await, before, "{backend}: return kept");
        assert_eq!(
            count(&app, "SELECT COUNT(*) AS n FROM article_revisions").await,
            revs,
            "{backend}: its revision kept"
        );

        // The revision write fails: the save does not happen.
        let update = Action::Update {
            id,
            fields: ArticleFields {
                channel_id: cast.channel_a,
                title: "FAIL-REVISION".into(),
                body_html: "<p>新正文</p>".into(),
                published_at: fupin::db::now(),
                ..ArticleFields::default()
            },
            then: Then::Save,
            base: None,
        };
        let logs = count(&app, "SELECT COUNT(*) AS n FROM audit_log").await;
        assert!(editorial::apply(db, &reviewer, update).await.is_err());
        assert_eq!(snapshot(&app, id).await, before, "{backend}: save kept");
        assert_eq!(
            count(&app, "SELECT COUNT(*) AS n FROM audit_log").await,
            logs
        );

        // Nor is a new article kept without its first revision.
        let articles_before = articles::count_all(db).await.unwrap();
        let create = Action::Create {
            fields: ArticleFields {
                channel_id: cast.channel_a,
                title: "FAIL-REVISION".into(),
                body_html: "<p>x</p>".into(),
                published_at: fupin::db::now(),
                ..ArticleFields::default()
            },
            then: Then::Publish { at: None },
        };
        assert!(editorial::apply(db, &reviewer, create).await.is_err());
        assert_eq!(articles::count_all(db).await.unwrap(), articles_before);

        // The same actions without the markers go through.
        let r = editorial::apply(
            db,
            &reviewer,
            Action::Return {
                id,
                reason: "请补充".into(),
            },
        )
        .await;
        assert!(r.is_ok(), "{backend}: {r:?}");
        app.finish().await;
    }
}

#[tokio::test]
async fn a_revision_stored_before_fields_were_added_loads_and_restores() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let cast = Cast::new(&app).await;
        let db = &app.state.db;
        let (id, _) = article_in(&app, &cast, Status::Draft, "今天的标题").await;
        // A revision as an older release stored it: the 复核日期 (added by
        // migration 0015) and, for the test, the cover, the flags and the
        // 下线 time are missing.
        let old = format!(
            r#"{{"channel_id":{},"title":"旧稿标题","subtitle":"旧副标题","source":"","author":"老作者","editor":"","summary":"","body_html":"<p>旧稿正文</p>","published_at":1700000000}}"#,
            cast.channel_a
        );
        let rev: i64 = sqlx::query(
            "INSERT INTO article_revisions (article_id, created_at, user_id, user_name, note, title, body_html, fields)
             VALUES ($1, $2, NULL, 'old', '', '旧稿标题', '<p>旧稿正文</p>', $3) RETURNING id",
        )
        .bind(id)
        .bind(1_700_000_000_i64)
        .bind(&old)
        .fetch_one(db.pool())
        .await
        .unwrap()
        .try_get("id")
        .unwrap();
        let (_, content) = fupin::db::revisions::get(db, id, rev)
            .await
            .unwrap()
            .expect("the old revision loads");
        assert_eq!(content.title, "旧稿标题");
        assert_eq!(content.cover, "");
        assert!(!content.is_headline && content.unpublish_at.is_none());
        assert!(content.review_at.is_none());
        let admin = principal(cast.admin, "guanli", Role::Admin, vec![]);
        editorial::apply(db, &admin, Action::RestoreRevision { id, rev })
            .await
            .unwrap();
        let a = fupin::db::editorial::get(db, id).await.unwrap().unwrap();
        assert_eq!(a.article.title, "旧稿标题", "{backend}");
        assert_eq!(a.article.author, "老作者");
        assert_eq!(a.article.body_html, "<p>旧稿正文</p>");
        assert_eq!(a.article.published_at, 1_700_000_000);
        // The page of the old revision shows it too.
        let (admin_browser, _) = crate::admin_support::Browser::signed_in(&app, cast.admin).await;
        let page = admin_browser
            .get(&format!("/admin/articles/{id}/revisions/{rev}"))
            .await;
        assert_eq!(page.status, axum::http::StatusCode::OK, "{backend}");
        assert!(page.body.contains("旧稿正文"));
        app.finish().await;
    }
}

#[tokio::test]
async fn review_dates_come_from_the_channel_and_show_when_due_or_overdue() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let cast = Cast::new(&app).await;
        let db = &app.state.db;
        let (admin, csrf) = crate::admin_support::Browser::signed_in(&app, cast.admin).await;
        // The channel's interval is set on its page.
        let page = admin
            .get(&format!("/admin/channels/{}", cast.channel_a))
            .await;
        assert!(page.body.contains("复核周期"), "{backend}");
        fupin::db::editorial::set_channel_review_days(db, cast.channel_a, 30)
            .await
            .unwrap();
        let a = cast.channel_a.to_string();
        let publish = |title: &'static str, review: &'static str| {
            let csrf = csrf.clone();
            let a = a.clone();
            let admin = admin.clone();
            async move {
                let r = admin
                    .post(
                        "/admin/articles/new",
                        &[
                            ("csrf", &csrf),
                            ("title", title),
                            ("channel_id", &a),
                            ("body_html", "<p>政策原文</p>"),
                            ("review_at", review),
                            ("action", "publish"),
                        ],
                    )
                    .await;
                assert!(
                    crate::harness::location(&r).contains("msg=published"),
                    "{}",
                    r.body
                );
                crate::harness::location(&r)
                    .trim_start_matches("/admin/articles/")
                    .split('?')
                    .next()
                    .unwrap()
                    .parse::<i64>()
                    .unwrap()
            }
        };
        let by_channel = publish("按栏目周期复核", "").await;
        let stored = fupin::db::editorial::get(db, by_channel)
            .await
            .unwrap()
            .unwrap();
        let review = stored.article.review_at.expect("the channel's interval");
        let expected = stored.article.published_at + 30 * 86_400;
        assert!(
            (review - expected).abs() <= 2,
            "{backend}: {review} vs {expected}"
        );
        let fmt = |days: i64| {
            fupin::web::admin::view::datetime_local(fupin::db::now() + days * 86_400)[..10]
                .to_string()
        };
        let overdue_day: &'static str = Box::leak(fmt(-2).into_boxed_str());
        let soon_day: &'static str = Box::leak(fmt(5).into_boxed_str());
        let overdue = publish("复核已过期的政策", overdue_day).await;
        let soon = publish("即将复核的政策", soon_day).await;
        let list = admin.get("/admin/articles?review=overdue").await;
        assert!(
            list.body.contains("复核已过期的政策")
                && !list.body.contains("即将复核的政策")
                && !list.body.contains("按栏目周期复核"),
            "{backend}"
        );
        let list = admin.get("/admin/articles?review=due").await;
        assert!(
            list.body.contains("即将复核的政策") && !list.body.contains("复核已过期的政策"),
            "{backend}"
        );
        let dash = admin.get("/admin").await;
        assert!(
            dash.body.contains("复核已过期") && dash.body.contains("14 天内待复核"),
            "{backend}"
        );
        // The editor shows the date; a revision keeps it.
        let form = admin.get(&format!("/admin/articles/{soon}")).await;
        assert!(
            form.body.contains(&format!("value=\"{soon_day}\"")),
            "{backend}"
        );
        let (_, fields) = fupin::db::revisions::get(
            db,
            overdue,
            fupin::db::revisions::list(db, overdue).await.unwrap()[0].id,
        )
        .await
        .unwrap()
        .unwrap();
        assert!(fields.review_at.is_some());
        app.finish().await;
    }
}
