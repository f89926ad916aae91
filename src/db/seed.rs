//! The reference site's structure, written into an empty database: the ten
//! navigation channels of 广东扶贫网 (with 地市联播 under 扶贫前沿), the footer
//! settings of the old page, four single pages and the two ticker lines.

use sqlx::Row;

use super::channels::{self, NewChannel};
use super::settings::{self, SiteSettings};
use super::{Db, announcements, now, pages};

/// The navigation of the reference page: (name, slug), in order. 地市联播
/// sits under the hidden 扶贫前沿.
pub const NAV: &[(&str, &str)] = &[
    ("扶贫要闻", "fupin-yaowen"),
    ("部门动态", "bumen-dongtai"),
    ("协会新闻", "xiehui-xinwen"),
    ("定点连线", "dingdian-lianxian"),
    ("地市联播", "dishi-lianbo"),
    ("对口帮扶", "duikou-bangfu"),
    ("会员快讯", "huiyuan-kuaixun"),
    ("高层连线", "gaoceng-lianxian"),
    ("省外要闻", "shengwai-yaowen"),
    ("国际交流", "guoji-jiaoliu"),
];

/// The footer and header settings of the captured page.
pub fn reference_settings() -> SiteSettings {
    SiteSettings {
        name: "广东扶贫网".into(),
        owner: "广东省扶贫开发协会".into(),
        greeting: "欢迎访问广东扶贫网".into(),
        copyright:
            "版权所有:广东省扶贫开发协会 Copyright © 2009 www.gdfupin.org.cn All Rights Reserved"
                .into(),
        icp: "粤ICP备10213720号".into(),
        supervisor: "中共广东省委农村工作办公室、广东省农业农村厅、广东省扶贫开发办公室".into(),
        sponsor: "广东省扶贫开发协会、广东省南方扶贫开发研究院、广东省国粤扶贫开发服务中心".into(),
        content_support: "《广东扶贫》全媒体中心".into(),
        address: "广东省广州市先烈东路135号广东省农业农村厅大院2号办公大楼12楼".into(),
        postcode: "510500".into(),
        phone: "020-37286668".into(),
        fax: "020-37286688".into(),
        donation_hotline: "020-37288888".into(),
        email: "gdfupinxc@126.com".into(),
        description: "广东省扶贫开发协会门户网站：扶贫要闻、协会新闻、对口帮扶与地市扶贫动态。"
            .into(),
    }
}

const PAGES: &[(&str, &str, &str)] = &[
    (
        "about",
        "关于我们",
        "<p>广东省扶贫开发协会是由关心扶贫开发事业的单位和个人自愿组成的社会团体，\
         围绕全省扶贫开发工作开展调查研究、交流合作、社会动员和公益服务。</p>\
         <p>协会联系政府部门、企业和社会各界，推动“规划到户、责任到人”的扶贫开发“双到”工作，\
         组织对口帮扶，宣传各地扶贫经验。</p>",
    ),
    (
        "jobs",
        "招聘启事",
        "<p>协会秘书处根据工作需要不定期招聘编辑、项目专员等岗位，招聘信息将在本页发布。</p>\
         <p>应聘材料请发送至协会邮箱，并注明应聘岗位。</p>",
    ),
    (
        "copyright",
        "版权申明",
        "<p>本网站刊登的原创稿件版权归广东省扶贫开发协会所有，转载请注明来源“广东扶贫网”。</p>\
         <p>本网站转载的稿件均注明来源，版权归原作者或原发布单位所有；如有异议，请与我们联系。</p>",
    ),
    (
        "contact",
        "联系我们",
        "<p>欢迎来信来电，对协会工作提出意见和建议。联系方式见本页下方及网站页脚。</p>",
    ),
];

/// Writes the reference structure once. Returns true when it wrote it, false
/// when the database already had a site.
pub async fn ensure_reference_site(db: &Db) -> anyhow::Result<bool> {
    let seeded = sqlx::query("SELECT COUNT(*) AS n FROM settings WHERE key = 'site.name'")
        .fetch_one(db.pool())
        .await?
        .try_get::<i64, _>("n")?
        > 0;
    if seeded {
        return Ok(false);
    }
    for (key, value) in reference_settings().to_pairs() {
        settings::set(db, key, &value).await?;
    }
    let frontier = channels::create(
        db,
        NewChannel {
            parent_id: None,
            name: "扶贫前沿",
            slug: Some("fupin-qianyan"),
            sort_order: 45,
            in_nav: false,
            description: "各地扶贫开发工作的一线报道。",
        },
    )
    .await?;
    for (i, (name, slug)) in NAV.iter().enumerate() {
        let parent = (*name == "地市联播").then_some(frontier.id);
        channels::create(
            db,
            NewChannel {
                parent_id: parent,
                name,
                slug: Some(slug),
                sort_order: (i as i64 + 1) * 10,
                in_nav: true,
                description: "",
            },
        )
        .await?;
    }
    for (i, (slug, title, body)) in PAGES.iter().enumerate() {
        pages::upsert(db, slug, title, body, i as i64 * 10).await?;
    }
    let t = now();
    announcements::create(
        db,
        "《广东扶贫》杂志约稿函!",
        Some("/p/about.html"),
        t - 60,
        None,
    )
    .await?;
    announcements::create(
        db,
        "省委省政府和国务院扶贫办领导关于协会工作的批示",
        None,
        t - 120,
        None,
    )
    .await?;
    Ok(true)
}
