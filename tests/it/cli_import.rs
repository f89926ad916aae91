//! `fupin import` driven as a user would: the real binary in a temporary
//! directory, its JSON report and exit status, re-imports, old-address
//! redirects, and the acceptance test on the captured page of the old site.

use std::path::Path;
use std::process::Command;

use axum::http::StatusCode;

use crate::harness::{Target, TestApp, backends, location, shared_dir};

const NBSP: char = '\u{a0}';

/// A text capture in the shape of the old site's pages (invented text).
fn capture(title: &str, date: &str, source: &str, paragraphs: &[&str]) -> String {
    let n = NBSP;
    let mut s = format!(
        "广东扶贫网--广东省扶贫开发协会\n广东省扶贫开发协会欢迎您!本站最新动态:{n}{n}测试公告\n{n}\n设为首页  加入收藏   秘书长信箱 今天是:\n{n}\n\
         扶贫要闻\n部门动态\n协会新闻\n{n}\n{n}{n} 当前位置:首页->>协会动态->>会员风采\n{n}{n}{n}\n{title}\n加入时间:{date}{n}{n}{n}{n} 来源:{source}\n\n"
    );
    for p in paragraphs {
        s.push_str(&format!("{n}{n}{n}{n}{p}\n{n}\n"));
    }
    s.push_str("\n\n欢迎访问广东扶贫网\n \n设为首页 | 加入收藏 | 关于我们 | 站点地图 | 招聘启事 | 版权申明 |\n流量统计:\n\n版权所有:广东省扶贫开发协会  ICP号:粤ICP备10213720号\n");
    s
}

fn fupin(data: &Path, target: &Target) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_fupin"));
    target.apply(&mut c);
    c.env_remove("FUPIN_CONFIG")
        .env("FUPIN_DATA", data)
        .env("FUPIN_LOG", "warn");
    c
}

fn report(out: &std::process::Output) -> Vec<serde_json::Value> {
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str::<Vec<serde_json::Value>>(&text)
        .unwrap_or_else(|e| panic!("not a JSON report ({e}): {text}"))
}

fn entry<'a>(report: &'a [serde_json::Value], file: &str) -> &'a serde_json::Value {
    report
        .iter()
        .find(|e| e["path"].as_str().is_some_and(|p| p.ends_with(file)))
        .unwrap_or_else(|| panic!("no report entry for {file}: {report:?}"))
}

#[tokio::test]
async fn import_reports_per_file_and_reimports_in_place() {
    for backend in backends() {
        let target = Target::new(backend).await;
        let dir = tempfile::tempdir().unwrap();
        let pages = dir.path().join("pages");
        std::fs::create_dir_all(pages.join("sub")).unwrap();
        let a = pages.join("a.txt");
        std::fs::write(
            &a,
            capture(
                "会员单位赴清远开展结对帮扶",
                "2014-3-7",
                "协会秘书处",
                &[
                    "3月5日,协会组织会员单位前往清远。",
                    "活动共落实帮扶项目12个。",
                ],
            ),
        )
        .unwrap();
        std::fs::write(
            pages.join("sub/b.txt"),
            capture(
                "驻村工作组完成入户调查",
                "2015-10-20 9:30",
                "",
                &["工作组走访农户86户。"],
            ),
        )
        .unwrap();
        std::fs::write(pages.join("empty.txt"), "").unwrap();
        std::fs::write(
            pages.join("logo.png"),
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01",
        )
        .unwrap();
        std::fs::write(pages.join("list.txt"), "扶贫要闻\n部门动态\n第1页 共3页\n").unwrap();
        std::fs::write(
            pages.join("baddate.txt"),
            capture("日期错误的页面", "2013-13-45", "", &["正文。"]),
        )
        .unwrap();
        let data = dir.path().join("data");

        let out = fupin(&data, &target)
            .args(["import", "--json"])
            .arg(&pages)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(1),
            "a failed file makes the exit status 1: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let r = report(&out);
        assert_eq!(r.len(), 6, "{r:?}");
        let a_entry = entry(&r, "a.txt");
        assert_eq!(a_entry["status"], "imported");
        assert_eq!(a_entry["title"], "会员单位赴清远开展结对帮扶");
        assert_eq!(
            a_entry["channel"],
            serde_json::json!(["协会动态", "会员风采"])
        );
        assert_eq!(a_entry["published"], "2014-03-07");
        assert_eq!(a_entry["source"], "协会秘书处");
        let url = a_entry["url"].as_str().unwrap().to_string();
        assert!(url.starts_with("/a/") && url.ends_with(".html"), "{url}");
        assert_eq!(entry(&r, "b.txt")["source"], "");
        assert_eq!(entry(&r, "b.txt")["published"], "2015-10-20");
        for (file, words) in [
            ("empty.txt", "empty"),
            ("logo.png", "binary"),
            ("list.txt", "not an article"),
            ("baddate.txt", "2013-13-45"),
        ] {
            let e = entry(&r, file);
            assert_eq!(e["status"], "failed", "{file}");
            let msg = e["error"].as_str().unwrap_or_default().to_lowercase();
            assert!(msg.contains(words), "{file}: {msg}");
            assert!(e.get("url").is_none());
        }

        // Again: nothing changes; then an edited page updates in place.
        let again = report(
            &fupin(&data, &target)
                .env("FUPIN_JSON", "1")
                .arg("import")
                .arg(&pages)
                .output()
                .unwrap(),
        );
        assert_eq!(entry(&again, "a.txt")["status"], "unchanged");
        assert_eq!(entry(&again, "a.txt")["url"], url.as_str());
        std::fs::write(
            &a,
            capture(
                "会员单位赴清远开展结对帮扶",
                "2014-3-7",
                "协会秘书处",
                &[
                    "3月5日,协会组织会员单位前往清远。",
                    "活动共落实帮扶项目15个。",
                ],
            ),
        )
        .unwrap();
        let edited = fupin(&data, &target)
            .args(["import", "--json"])
            .arg(&a)
            .output()
            .unwrap();
        assert_eq!(edited.status.code(), Some(0));
        let edited = report(&edited);
        assert_eq!(edited[0]["status"], "updated");
        assert_eq!(edited[0]["url"], url.as_str());

        // The portal shows the edited article once, under the created channels.
        let app = TestApp::on_target(dir, target).await;
        assert_eq!(
            fupin::db::articles::count_all(&app.state.db).await.unwrap(),
            2
        );
        let page = app.get(&url).await;
        assert_eq!(page.status, StatusCode::OK);
        let article = page.element("article");
        assert!(article.contains("活动共落实帮扶项目15个。") && !article.contains("12个"));
        assert!(article.contains("加入时间:2014-03-07") && article.contains("来源:协会秘书处"));
        assert!(
            page.body.contains("/c/xiehui-dongtai/"),
            "created channel has a pinyin slug"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn old_addresses_redirect_to_imported_articles() {
    for backend in backends() {
        let target = Target::new(backend).await;
        let dir = tempfile::tempdir().unwrap();
        let pages = dir.path().join("site");
        std::fs::create_dir_all(pages.join("news")).unwrap();
        std::fs::write(
            pages.join("news/show.asp%3Fid=123"),
            capture(
                "对口帮扶座谈会召开",
                "2012-6-1",
                "协会新闻",
                &["座谈会在广州召开。"],
            ),
        )
        .unwrap();
        let canonical = "<html><head><meta charset=\"utf-8\"><title>扶贫车间开工--广东扶贫网</title>\
            <link rel=\"canonical\" href=\"http://www.gdfupin.org.cn/Show.asp?id=456\"></head><body>\
            <table><tr><td>当前位置:<a href=\"/\">首页</a>&gt;&gt;<a href=\"/list.asp?id=1\">扶贫要闻</a></td></tr>\
            <tr><td><b>扶贫车间开工</b></td></tr><tr><td>加入时间:2016-4-8 10:31:05&nbsp;&nbsp;来源:河源日报</td></tr>\
            <tr><td><p>扶贫车间正式开工。</p><p>首批吸纳就业40人。</p></td></tr></table>\
            <table><tr><td>版权所有:广东省扶贫开发协会</td></tr></table></body></html>";
        std::fs::write(pages.join("canon.html"), canonical).unwrap();
        let data = dir.path().join("data");
        let out = fupin(&data, &target)
            .args([
                "import",
                "--json",
                "--url-prefix",
                "http://www.gdfupin.org.cn/",
            ])
            .arg(&pages)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let r = report(&out);
        let first = entry(&r, "show.asp%3Fid=123")["url"]
            .as_str()
            .unwrap()
            .to_string();
        let second = entry(&r, "canon.html")["url"].as_str().unwrap().to_string();
        let app = TestApp::on_target(dir, target).await;
        let redirect = app.get("/news/show.asp?id=123").await;
        assert_eq!(redirect.status, StatusCode::PERMANENT_REDIRECT);
        assert_eq!(location(&redirect), first);
        let redirect = app.get("/show.asp?id=456").await;
        assert_eq!(
            location(&redirect),
            second,
            "canonical link wins, case-insensitively"
        );
        assert_eq!(
            app.get("/show.asp?id=789").await.status,
            StatusCode::NOT_FOUND
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn summary_without_json_names_failures() {
    let target = Target::new("sqlite").await;
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("bad.html");
    std::fs::write(&f, "").unwrap();
    let out = fupin(&dir.path().join("data"), &target)
        .arg("import")
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.html") && err.to_lowercase().contains("empty"),
        "{err}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("失败 1"));
    let missing = fupin(&dir.path().join("data"), &target)
        .arg("import")
        .arg(dir.path().join("nope"))
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("nope"));
}

/// The acceptance test of SITE.md: import the captured page and check every
/// listed fact on the rendered article page.
#[tokio::test]
async fn captured_seed_page_imports_with_every_fact() {
    let Some(shared) = shared_dir() else {
        eprintln!("skipped: ../shared is absent, so the captured seed page cannot be imported");
        return;
    };
    for backend in backends() {
        let target = Target::new(backend).await;
        let seed = shared.join("seeds/000_813cb39bed5bc324.txt");
        let dir = tempfile::tempdir().unwrap();
        let out = fupin(&dir.path().join("data"), &target)
            .args(["import", "--json"])
            .arg(&seed)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let r = report(&out);
        assert_eq!(r[0]["channel"], serde_json::json!(["扶贫前沿", "地市联播"]));
        assert_eq!(r[0]["published"], "2013-09-02");
        assert_eq!(r[0]["source"], "东莞时间网-东莞日报");
        let url = r[0]["url"].as_str().unwrap().to_string();
        let app = TestApp::on_target(dir, target).await;
        let page = app.get(&url).await;
        assert_eq!(page.status, StatusCode::OK);
        let article = page.element("article").to_string();
        assert!(article.contains("韶关:党政代表团赴东莞考察交流"));
        assert!(article.contains("加入时间:2013-09-02"));
        assert!(article.contains("来源:东莞时间网-东莞日报"));
        assert!(article.contains("<h3>莞韶产业园拟在韶关市区北部扩建新园区</h3>"));
        assert!(article.contains("<h3>不断拓宽两市“双转移”合作广度深度</h3>"));
        let body_start = article
            .find("8月29日,韶关市委书记")
            .expect("first paragraph");
        let paragraphs: Vec<&str> = article
            .match_indices("<p>")
            .map(|(i, _)| &article[i..])
            .collect();
        assert!(
            paragraphs[0].starts_with("<p>8月29日,韶关市委书记"),
            "first paragraph: {}",
            &paragraphs[0][..60.min(paragraphs[0].len())]
        );
        let last = paragraphs.last().unwrap();
        let last = &last[..last.find("</p>").unwrap()];
        assert!(
            last.ends_with("继续联手打造一批具有区域特色的新的重大合作平台。"),
            "last paragraph: {last}"
        );
        assert!(body_start > 0);
        for outside in [
            "扶贫要闻",
            "设为首页",
            "欢迎访问",
            "版权所有",
            "ICP",
            "流量统计",
            "主办",
            "秘书长信箱",
            "当前位置",
        ] {
            assert!(
                !article.contains(outside),
                "{outside} leaked into the article"
            );
        }
        // The breadcrumb links every level, and the title names article, channel and site.
        assert!(page.body.contains("/c/fupin-qianyan/") && page.body.contains("/c/dishi-lianbo/"));
        assert_eq!(
            page.element("title"),
            "<title>韶关:党政代表团赴东莞考察交流 - 地市联播 - 广东扶贫网"
        );
        app.finish().await;
    }
}

/// Issue 15: a FIFO is skipped (never opened, so nothing hangs), symbolic
/// links (a loop, a second name for a page) read each real file once, an
/// oversized file is refused unread and named, and the good page is
/// imported beside them all.
#[tokio::test]
async fn fifos_link_loops_and_huge_files_neither_hang_nor_duplicate() {
    let target = Target::new("sqlite").await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let pages = dir.path().join("pages");
    std::fs::create_dir_all(pages.join("sub")).unwrap();
    std::fs::write(
        pages.join("a.txt"),
        capture("只读一次的文章", "2012-3-4", "本站", &["正文一段。"]),
    )
    .unwrap();
    std::os::unix::fs::symlink(&pages, pages.join("sub/loop")).unwrap();
    std::os::unix::fs::symlink(pages.join("a.txt"), pages.join("sub/same.txt")).unwrap();
    let fifo = pages.join("pipe");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success(), "mkfifo");
    // Sparse: 25 MB on paper, nothing on disk.
    std::fs::File::create(pages.join("huge.txt"))
        .unwrap()
        .set_len(25 * 1024 * 1024)
        .unwrap();
    let mut child = fupin(&data, &target)
        .args(["import", "--json"])
        .arg(&pages)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed().as_secs() > 60 {
            let _ = child.kill();
            panic!("the import hung");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1), "a refused file fails the run");
    let report = report(&out);
    assert_eq!(entry(&report, "a.txt")["status"], "imported");
    assert_eq!(
        report.iter().filter(|e| e["status"] == "imported").count(),
        1,
        "each real file once: {report:?}"
    );
    let pipe = entry(&report, "pipe");
    assert_eq!(pipe["status"], "skipped");
    assert!(pipe["error"].as_str().unwrap().contains("FIFO"), "{pipe}");
    let huge = entry(&report, "huge.txt");
    assert_eq!(huge["status"], "failed");
    assert!(huge["error"].as_str().unwrap().contains("20 MB"), "{huge}");
    let app = TestApp::on_target(dir, target).await;
    let n: i64 = sqlx::Row::try_get(
        &sqlx::query("SELECT COUNT(*) AS n FROM articles WHERE title = '只读一次的文章'")
            .fetch_one(app.state.db.pool())
            .await
            .unwrap(),
        "n",
    )
    .unwrap();
    assert_eq!(n, 1);
    app.finish().await;
}
