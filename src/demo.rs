//! Sample content for newcomers: every channel gets clearly labelled
//! articles (titles start with 【示例】) so that every page type — home,
//! channel with pagination, article with table and image — is populated.
//! The text is written for this program and describes no real event.

use anyhow::Context;

use crate::db::channels::ChannelTree;
use crate::db::{Db, now, settings};
use crate::editorial::{self, Action, ArticleFields, Import, Principal};
use crate::html::sanitize;

const PLACES: &[&str] = &[
    "韶关", "清远", "河源", "梅州", "湛江", "茂名", "汕尾", "阳江", "云浮", "揭阳",
];
const TOPICS: &[&str] = &[
    "驻村工作组开展入户走访",
    "对口帮扶项目集中签约",
    "特色农业产业园扩建",
    "扶贫车间吸纳就业",
    "乡村道路硬化工程完工",
    "贫困家庭子女助学金发放",
    "电商助农培训班开班",
    "农村危房改造验收",
    "光伏扶贫电站并网",
    "劳务协作招聘会举行",
    "扶贫开发“双到”工作推进会召开",
    "爱心企业结对帮扶签约",
];
const SOURCES: &[&str] = &["广东扶贫网", "协会秘书处", "南方农村报", "各地市扶贫办"];

fn body(place: &str, topic: &str, n: usize) -> String {
    let households = 40 + (n * 37) % 260;
    let projects = 12 + (n * 13) % 90;
    let funds = 150 + (n * 71) % 900;
    let mut html = format!(
        "<p>【示例文章】本文为演示内容，用于展示网站版式，不代表真实事件。</p>\
         <p>近日，{place}市{topic}。当地按照“规划到户、责任到人”的要求，\
         逐户核实帮扶需求，共走访农户{households}户，梳理帮扶项目{projects}个。</p>\
         <h3>因户施策 精准帮扶</h3>\
         <p>工作组与村“两委”干部一起，为每户制定帮扶计划，明确责任人和完成时限，\
         计划投入帮扶资金{funds}万元，重点支持种养、就业和教育。</p>\
         <p>{place}市有关负责人表示，将继续加强对口帮扶协作，\
         把产业发展和稳定就业作为脱贫致富的长久之计。</p>"
    );
    if n.is_multiple_of(3) {
        html.push_str(&format!(
            "<h3>项目进度一览</h3><table><thead><tr><th>项目</th><th>计划数</th><th>已启动</th></tr></thead>\
             <tbody><tr><td>产业帮扶</td><td>{projects}</td><td>{}</td></tr>\
             <tr><td>就业培训</td><td>{}</td><td>{}</td></tr>\
             <tr><td>助学帮扶</td><td>{}</td><td>{}</td></tr></tbody></table>",
            projects / 2,
            households / 4,
            households / 8,
            households / 5,
            households / 5
        ));
    }
    if n % 4 == 1 {
        html.push_str(&format!(
            "<p><img src=\"/static/demo/cover-{}.svg\" alt=\"示例配图：{place}乡村\" width=\"640\" height=\"360\"></p>",
            n % 3 + 1
        ));
    }
    html
}

/// Adds the sample articles unless they were added before; returns how
/// many were added.
pub async fn fill(db: &Db) -> anyhow::Result<usize> {
    if settings::get(db, "demo.filled").await?.is_some() {
        return Ok(0);
    }
    let tree = ChannelTree::load(db).await?;
    let t = now();
    let mut n = 0usize;
    for (ci, channel) in tree.all().iter().enumerate() {
        // The first channel gets enough articles to show pagination.
        let count = if ci == 0 { 26 } else { 6 };
        for k in 0..count {
            let place = PLACES[(ci + k) % PLACES.len()];
            let topic = TOPICS[(ci * 5 + k) % TOPICS.len()];
            let days = (k * 3 + ci) as i64;
            let fields = ArticleFields {
                channel_id: channel.id,
                title: format!("【示例】{place}：{topic}"),
                source: SOURCES[(ci + k) % SOURCES.len()].to_string(),
                author: "示例作者".into(),
                editor: "示例编辑".into(),
                summary: format!("示例摘要：{place}市{topic}，帮扶工作稳步推进。"),
                body_html: sanitize(&body(place, topic, n)),
                cover: if k < 2 {
                    format!("/static/demo/cover-{}.svg", (ci + k) % 3 + 1)
                } else {
                    String::new()
                },
                is_pinned: k == 3,
                is_recommended: k < 2,
                is_headline: ci == 0 && k == 0,
                published_at: t - days * 86_400 - (ci as i64) * 3_600,
                ..ArticleFields::default()
            };
            let import = Import {
                key: format!("demo:{n}"),
                fields,
                hits: ((n * 53) % 400) as i64,
                original_url: None,
                legacy_path: None,
            };
            editorial::apply(
                db,
                &Principal::command_line(),
                Action::Import(Box::new(import)),
            )
            .await
            .map_err(anyhow::Error::from)
            .context("cannot add a sample article")?;
            n += 1;
        }
    }
    settings::set(db, "demo.filled", "1").await?;
    Ok(n)
}
