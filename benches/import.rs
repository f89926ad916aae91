//! Import throughput: generates old-site pages (text captures and GBK HTML,
//! half each) in a temporary directory and imports them into a fresh SQLite
//! database through the same code path as `fupin import`, then imports them
//! again (every page unchanged). Prints pages per second for both runs.
//!
//! Run with `cargo bench --bench import` (add a page count to change the
//! default of 3000: `cargo bench --bench import -- 10000`).

use std::time::Instant;

use fupin::app::open_db;
use fupin::config::{Config, Overrides};

const NBSP: char = '\u{a0}';
const PLACES: &[&str] = &[
    "韶关", "清远", "河源", "梅州", "湛江", "茂名", "汕尾", "阳江",
];
const CHANNELS: &[(&str, &str)] = &[
    ("扶贫前沿", "地市联播"),
    ("协会动态", "会员风采"),
    ("扶贫要闻", ""),
];

fn paragraph(i: usize, k: usize) -> String {
    let place = PLACES[(i + k) % PLACES.len()];
    format!(
        "{place}市驻村工作组第{k}次入户走访,共核实帮扶需求{}项,落实帮扶资金{}万元,\
         推动扶贫开发“双到”工作向纵深发展,群众满意度明显提高。",
        10 + (i * 7 + k) % 90,
        100 + (i * 13 + k) % 900
    )
}

fn capture(i: usize) -> String {
    let (a, b) = CHANNELS[i % CHANNELS.len()];
    let crumb = if b.is_empty() {
        format!("首页->>{a}")
    } else {
        format!("首页->>{a}->>{b}")
    };
    let mut s = format!(
        "广东扶贫网--广东省扶贫开发协会\n设为首页  加入收藏   秘书长信箱 今天是:\n{NBSP}\n扶贫要闻\n部门动态\n协会新闻\n{NBSP}\n\
         {NBSP}{NBSP}当前位置:{crumb}\n{NBSP}\n第{i}号测试稿件:{}帮扶工作简报\n加入时间:2012-{}-{}{NBSP}{NBSP}{NBSP} 来源:协会秘书处\n\n",
        PLACES[i % PLACES.len()],
        1 + i % 12,
        1 + i % 28
    );
    for k in 0..12 {
        if k == 5 {
            s.push_str(&format!(
                "{NBSP}{NBSP}{NBSP}{NBSP}产业帮扶取得新进展\n{NBSP}\n"
            ));
        }
        s.push_str(&format!(
            "{NBSP}{NBSP}{NBSP}{NBSP}{}\n{NBSP}\n",
            paragraph(i, k)
        ));
    }
    s.push_str("\n欢迎访问广东扶贫网\n设为首页 | 加入收藏 | 关于我们 | 站点地图 | 招聘启事 | 版权申明 |\n流量统计:\n版权所有:广东省扶贫开发协会\n");
    s
}

fn html_gbk(i: usize) -> Vec<u8> {
    let (a, b) = CHANNELS[i % CHANNELS.len()];
    let mut body = String::new();
    for k in 0..12 {
        body.push_str(&format!(
            "<p>&nbsp;&nbsp;&nbsp;&nbsp;{}</p>\n",
            paragraph(i, k)
        ));
    }
    let crumb = if b.is_empty() {
        format!("<a href=\"/list.asp?id=1\">{a}</a>")
    } else {
        format!("<a href=\"/list.asp?id=1\">{a}</a>&gt;&gt;<a href=\"/list.asp?id=2\">{b}</a>")
    };
    let page = format!(
        "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\">\
         <title>第{i}号网页稿件--广东扶贫网</title></head><body>\
         <table width=\"960\"><tr><td><a href=\"/\">首页</a> <a href=\"/list.asp?id=1\">扶贫要闻</a></td></tr></table>\
         <table width=\"960\"><tr><td>当前位置:<a href=\"/\">首页</a>&gt;&gt;{crumb}</td></tr>\
         <tr><td class=\"title\">第{i}号网页稿件:帮扶项目推进情况</td></tr>\
         <tr><td>加入时间:2011-{}-{} 9:30:00&nbsp;&nbsp;来源:南方农村报&nbsp;&nbsp;点击数:{}</td></tr>\
         <tr><td class=\"content\">{body}</td></tr></table>\
         <table><tr><td>版权所有:广东省扶贫开发协会 ICP号:粤ICP备10213720号</td></tr></table></body></html>",
        1 + i % 12,
        1 + i % 28,
        i % 500
    );
    encoding_rs::GBK.encode(&page).0.into_owned()
}

fn main() -> anyhow::Result<()> {
    let count: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(3000);
    let dir = tempfile::tempdir()?;
    let pages = dir.path().join("pages");
    std::fs::create_dir_all(&pages)?;
    for i in 0..count {
        if i % 2 == 0 {
            std::fs::write(pages.join(format!("{i:06}.txt")), capture(i))?;
        } else {
            std::fs::write(pages.join(format!("{i:06}.html")), html_gbk(i))?;
        }
    }
    let config = Config::load(Overrides {
        data: Some(dir.path().join("data")),
        ..Overrides::default()
    })?;
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        let db = open_db(&config).await?;
        let options = fupin::import::Options::default();
        for run in ["first import", "re-import"] {
            let start = Instant::now();
            let reports = fupin::import::run(&db, std::slice::from_ref(&pages), &options).await?;
            let secs = start.elapsed().as_secs_f64();
            let failed = reports
                .iter()
                .filter(|r| r.status == fupin::import::FileStatus::Failed)
                .count();
            println!(
                "{run}: {count} pages in {secs:.2} s = {:.0} pages/s ({failed} failed)",
                count as f64 / secs
            );
            anyhow::ensure!(
                failed == 0,
                "generated pages failed to import: {:?}",
                reports.iter().find(|r| r.error.is_some())
            );
        }
        anyhow::Ok(())
    })
}
