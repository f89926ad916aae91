//! One test per fixture page, checking every field of the result.

mod common;

use chrono::{NaiveDate, NaiveTime};
use common::{assert_no_furniture, blocks, fixture, headings, paragraphs};
use legacy_page::{LegacyPage, ParseError, parse};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

fn time(h: u32, m: u32, s: u32) -> Option<NaiveTime> {
    NaiveTime::from_hms_opt(h, m, s)
}

fn ok(name: &str) -> LegacyPage {
    parse(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn path(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn text_capture_with_nbsp_indentation() {
    let p = ok("capture_basic.txt");
    assert_eq!(p.channel_path, path(&["扶贫前沿", "对口帮扶"]));
    assert_eq!(p.title, "清远:驻村工作组帮助石岭村发展特色种养");
    assert_eq!(p.subtitle, None);
    assert_eq!(p.published, date(2014, 5, 16));
    assert_eq!(p.published_time, time(9, 42, 0));
    assert_eq!(p.source.as_deref(), Some("清远日报"));
    assert_eq!(
        (p.author.as_deref(), p.editor.as_deref(), p.hits),
        (None, None, None)
    );
    assert_eq!(p.canonical_url, None);
    assert_eq!(p.encoding, "UTF-8");

    let paras = paragraphs(&p.body_html);
    assert_eq!(paras.len(), 5);
    assert!(
        paras[0].starts_with("5月上旬,省直驻清远市石岭村工作组"),
        "{}",
        paras[0]
    );
    assert!(paras[4].ends_with("力争三年内实现全村稳定脱贫。"));
    // The short line ending in "!" is a sentence, not a heading.
    assert_eq!(
        paras[3],
        "村民陈伯说,以前守着山地没有收入,现在家里养了三百只鸡,心里踏实多了!"
    );
    assert_eq!(
        headings(&p.body_html),
        ["特色种养让贫困户有了稳定收入", "下一步将建立长效帮扶机制"]
    );
    // Structure order: p p h3 p p h3 p, and no indentation survives.
    let tags: Vec<&str> = blocks(&p.body_html).iter().map(|(t, _)| *t).collect();
    assert_eq!(tags, ["p", "p", "h3", "p", "p", "h3", "p"]);
    assert!(!p.body_html.contains('\u{a0}'));
    assert!(!p.body_html.contains("<p> "));
    assert_no_furniture(&p.body_html);
}

#[test]
fn text_capture_with_empty_source_subtitle_and_editor_line() {
    let p = ok("capture_empty_source.txt");
    assert_eq!(p.channel_path, path(&["协会动态", "协会新闻"]));
    assert_eq!(p.title, "协会召开“规划到户 责任到人”工作交流座谈会");
    assert_eq!(p.subtitle.as_deref(), Some("省扶贫开发协会赴韶关调研侧记"));
    assert_eq!(p.published, date(2012, 11, 5));
    assert_eq!(p.published_time, None);
    assert_eq!(p.source, None);
    assert_eq!(p.editor.as_deref(), Some("李明"));
    assert_eq!(p.author, None);
    let paras = paragraphs(&p.body_html);
    assert_eq!(paras.len(), 2);
    assert!(paras[0].starts_with("11月2日,省扶贫开发协会在韶关召开"));
    assert!(paras[1].ends_with("需要对接起来。"));
    assert!(headings(&p.body_html).is_empty());
    assert!(!p.body_html.contains("责任编辑"));
    assert_no_furniture(&p.body_html);
}

#[test]
fn utf8_html_with_meta_charset() {
    let p = ok("utf8_meta_charset.html");
    assert_eq!(p.encoding, "UTF-8");
    assert_eq!(p.channel_path, path(&["扶贫前沿", "地市联播"]));
    assert_eq!(p.title, "惠州：帮扶资金全部拨付到村");
    assert_eq!(p.subtitle, None);
    assert_eq!(p.published, date(2013, 9, 2));
    assert_eq!(p.published_time, time(10, 31, 5));
    assert_eq!(p.source.as_deref(), Some("惠州日报"));
    assert_eq!(p.hits, Some(123));
    assert_eq!((p.author.as_deref(), p.editor.as_deref()), (None, None));
    assert_eq!(p.canonical_url, None);

    let paras = paragraphs(&p.body_html);
    assert_eq!(paras.len(), 3, "{}", p.body_html);
    // The source line break inside the first paragraph joins without a gap.
    assert_eq!(
        paras[0],
        "日前，惠州市扶贫办通报，今年省、市两级下达的帮扶资金已全部拨付到各重点帮扶村，用于村道硬底化、农田水利和村集体经济项目。"
    );
    assert!(paras[2].ends_with("接受群众监督。"));
    assert_eq!(
        headings(&p.body_html),
        ["资金拨付进度全省领先", "驻村干部做好跟踪服务"]
    );
    // <strong>/<span style> of a heading and <font> wrappers are gone.
    for junk in [
        "<strong>", "<span", "<font", "style=", "class=", "&nbsp;", "\u{a0}",
    ] {
        assert!(!p.body_html.contains(junk), "{junk} in {}", p.body_html);
    }
    assert!(!p.body_html.contains("<p></p>"));
    assert!(
        !p.body_html.contains("<img"),
        "banner image leaked: {}",
        p.body_html
    );
    assert_no_furniture(&p.body_html);
}

#[test]
fn gbk_html_with_gb2312_declaration() {
    let p = ok("gbk_declared.html");
    assert_eq!(p.encoding, "GBK");
    assert_eq!(p.channel_path, path(&["扶贫前沿", "地市联播"]));
    assert_eq!(p.title, "南雄：产业帮扶带动农户增收");
    assert_eq!(p.published, date(2012, 6, 8));
    assert_eq!(p.published_time, None);
    assert_eq!(p.source.as_deref(), Some("韶关日报"));
    assert_eq!(p.author.as_deref(), Some("刘海"));
    assert_eq!(p.editor.as_deref(), Some("黄敏"));
    // The count comes from a <script src>: unknown.
    assert_eq!(p.hits, None);

    let b = blocks(&p.body_html);
    let texts: Vec<&str> = b.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(
        texts,
        [
            "今年以来，南雄市把产业帮扶作为扶贫开发“双到”工作的重点，组织帮扶单位与贫困户签订种植协议，由企业提供种苗和技术，保底收购产品。",
            "烟叶种植成为脱贫主导产业",
            "在全安镇，帮扶单位投入资金建设烤房，带动贫困户种植烟叶一千二百亩。",
            "镇农技站派出技术员驻点指导，烟叶品质明显提高。",
            "市扶贫办负责人表示，下一步将推广“企业+合作社+贫困户”的做法，让更多农户稳定增收。",
        ]
    );
    assert_eq!(headings(&p.body_html), ["烟叶种植成为脱贫主导产业"]);
    assert!(!p.body_html.contains("责任编辑"));
    assert!(!p.body_html.contains("<br>"));
    assert_no_furniture(&p.body_html);
}

#[test]
fn gbk_html_without_declaration() {
    let p = ok("gbk_undeclared.html");
    assert_eq!(p.encoding, "GBK");
    assert_eq!(p.channel_path, path(&["协会动态", "会员快讯"]));
    assert_eq!(p.title, "东莞企业会员结对帮扶和平县贫困村");
    assert_eq!(p.published, date(2011, 6, 30));
    assert_eq!(p.source.as_deref(), Some("东莞市扶贫开发协会"));
    assert_eq!(p.hits, Some(2045));
    let paras = paragraphs(&p.body_html);
    assert_eq!(paras.len(), 4);
    assert!(paras[0].starts_with("6月下旬，东莞市扶贫开发协会组织十五家会员企业"));
    assert!(paras[3].ends_with("做好服务。"));
    assert_eq!(headings(&p.body_html), ["以就业带动脱贫"]);
    assert_no_furniture(&p.body_html);
}

#[test]
fn gbk_pages_equal_their_utf8_twins() {
    for name in ["gbk_declared", "gbk_undeclared"] {
        let gbk = ok(&format!("{name}.html"));
        let utf8 = ok(&format!("{name}.utf8.html"));
        // The twin still says gb2312 (or nothing) but is valid UTF-8: UTF-8 wins.
        assert_eq!(utf8.encoding, "UTF-8");
        assert_eq!(
            LegacyPage {
                encoding: "UTF-8",
                ..gbk
            },
            utf8,
            "{name}"
        );
    }
}

#[test]
fn table_image_link_and_list_in_body() {
    let p = ok("rich_body.html");
    assert_eq!(p.channel_path, path(&["对口帮扶"]));
    assert_eq!(p.title, "广州对口帮扶梅州项目进展顺利");
    assert_eq!(p.subtitle.as_deref(), Some("广州市对口帮扶梅州工作纪实"));
    assert_eq!(p.published, date(2013, 12, 20));
    assert_eq!(p.source.as_deref(), Some("梅州日报"));
    assert_eq!(p.author.as_deref(), Some("钟华"));
    assert_eq!(p.hits, Some(88));
    let body = &p.body_html;
    assert!(
        body.starts_with(
            "<p>今年以来，广州市各帮扶单位在梅州市实施帮扶项目一百二十多个，<em>基础设施</em>"
        ),
        "{body}"
    );
    assert!(body.contains(
        "详见<a href=\"http://www.gdfupin.org.cn/show.asp?id=88\">《石岭村帮扶工作纪实》</a>。"
    ));
    assert!(body.contains("<p><img src=\"/UploadFiles/2013/12/20131220093015.jpg\" alt=\"\"></p>"));
    assert!(body.contains(
        "<table><tbody><tr><th>帮扶村</th><th>项目数</th><th>投入资金（万元）</th></tr>\
         <tr><td>石岭村</td><td>12</td><td>86.5</td></tr>\
         <tr><td>河背村</td><td>9</td><td>64</td></tr>\
         <tr><td colspan=\"2\">合计</td><td>150.5</td></tr></tbody></table>"
    ));
    assert!(body.contains(
        "<ul><li>完善村级道路和饮水工程；</li><li>扶持特色种养和农产品加工；</li><li>开展劳动力技能培训。</li></ul>"
    ));
    assert!(body.ends_with(
        "<p>附件：<a href=\"/UploadFiles/2013/12/xiangmu.doc\">帮扶项目汇总表.doc</a></p>"
    ));
    assert_eq!(headings(body), ["部分帮扶村项目情况如下："]);
    for junk in [
        "target=",
        "onclick",
        "border=",
        "width=",
        "logo.gif",
        "arrow.gif",
        "扶贫要闻四",
    ] {
        assert!(!body.contains(junk), "{junk} in {body}");
    }
    assert_no_furniture(body);
}

#[test]
fn hostile_markup_is_neutralised() {
    let p = ok("hostile.html");
    assert_eq!(p.title, "清远：技能培训进村入户");
    assert_eq!(p.channel_path, path(&["协会新闻"]));
    assert_eq!(p.published, date(2015, 1, 20));
    assert_eq!(p.source.as_deref(), Some("清远扶贫网"));
    let body = p.body_html.to_lowercase();
    for bad in [
        "<script",
        "alert",
        "inject",
        "onerror",
        "onclick",
        "onload",
        "onmouseover",
        "javascript",
        "vbscript",
        "data:",
        "<svg",
        "svg文字",
        "<math",
        "数学",
        "<iframe",
        "<object",
        "<embed",
        "<form",
        "<input",
        "表单值",
        "提交按钮",
        "文本框",
        "<textarea",
        "<style",
        "style=",
        "class=",
        "id=",
        "注释",
        "cdata",
        "隐藏",
        "模板内容",
        "无脚本",
        "tracker",
        "expression",
        "<!--",
        "]]>",
    ] {
        assert!(!body.contains(bad), "{bad:?} in {}", p.body_html);
    }
    let b = blocks(&p.body_html);
    assert_eq!(b[0].1, "第一段文字危险链接和大写链接。");
    assert!(
        p.body_html
            .contains("<img src=\"/ok.jpg\" alt=\"正常图片\">")
    );
    assert!(p.body_html.contains("未闭合的段落<strong>加粗</strong>"));
    assert!(p.body_html.ends_with("<p>最后一段。</p>"));
    // Balanced output: as many closing as opening tags.
    for tag in ["p", "strong", "em", "a", "h3"] {
        let open = p.body_html.matches(&format!("<{tag}>")).count()
            + p.body_html.matches(&format!("<{tag} ")).count();
        assert_eq!(
            open,
            p.body_html.matches(&format!("</{tag}>")).count(),
            "{tag}"
        );
    }
    assert_no_furniture(&p.body_html);
}

#[test]
fn channel_list_page_is_not_an_article() {
    assert_eq!(
        parse(&fixture("channel_list.html")),
        Err(ParseError::NotArticle("no 加入时间 line found".into()))
    );
}

#[test]
fn empty_file() {
    assert_eq!(parse(&fixture("empty.txt")), Err(ParseError::Empty));
}

#[test]
fn binary_file() {
    assert_eq!(parse(&fixture("binary.png")), Err(ParseError::Binary));
}

#[test]
fn unreadable_date() {
    let err = parse(&fixture("bad_date.html")).expect_err("bad date");
    assert_eq!(err, ParseError::BadDate("2013-13-45".into()));
    assert_eq!(err.to_string(), "unreadable publish date \"2013-13-45\"");
}

#[test]
fn canonical_link_time_subtitle_element_and_label_variants() {
    let p = ok("canonical_time.html");
    assert_eq!(
        p.canonical_url.as_deref(),
        Some("http://www.gdfupin.org.cn/show.asp?id=1024")
    );
    assert_eq!(p.channel_path, path(&["对口帮扶"]));
    assert_eq!(p.title, "佛山帮扶云浮：从“输血”到“造血”");
    assert_eq!(p.subtitle.as_deref(), Some("记佛山市对口帮扶云浮工作"));
    assert_eq!(p.published, date(2014, 3, 18));
    assert_eq!(p.published_time, time(9, 5, 0));
    assert_eq!(p.source.as_deref(), Some("云浮日报"));
    assert_eq!(p.author.as_deref(), Some("苏文"));
    assert_eq!(p.editor.as_deref(), Some("梁敏"));
    assert_eq!(p.hits, Some(876));
    assert_eq!(
        p.body_html,
        "<p>三年来，佛山市投入帮扶资金三亿元，<br>在云浮市建设产业园区两个。</p>\n\
         <p>“过去是给钱给物，现在是帮着建产业。”</p>\n\
         <p>一位驻村干部这样总结帮扶方式的变化。</p>\n\
         <p>目前，云浮市已有五十多个贫困村建立了稳定的集体收入来源。</p>"
    );
    assert_no_furniture(&p.body_html);
}

#[test]
fn error_messages_are_short_and_precise() {
    assert_eq!(ParseError::Empty.to_string(), "empty page");
    assert_eq!(
        ParseError::Binary.to_string(),
        "binary content, not a text page"
    );
    assert_eq!(
        ParseError::NotArticle("no 加入时间 line found".into()).to_string(),
        "not an article page: no 加入时间 line found"
    );
    assert_eq!(
        ParseError::BadDate("昨天".into()).to_string(),
        "unreadable publish date \"昨天\""
    );
}
