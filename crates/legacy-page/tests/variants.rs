//! Small inline pages for the variants the fixtures do not cover: label and
//! separator spellings, date formats, encodings and the error cases.

mod common;

use chrono::{NaiveDate, NaiveTime};
use common::{assert_no_furniture, headings, paragraphs};
use legacy_page::{ParseError, parse};

/// A text capture with the given breadcrumb, title and meta line.
fn capture(crumb: &str, title: &str, meta: &str) -> String {
    format!(
        "广东扶贫网--广东省扶贫开发协会\n扶贫要闻\n协会新闻\n\u{a0}\n{crumb}\n\u{a0}\n{title}\n{meta}\n\n\
         \u{a0}\u{a0}\u{a0} 驻村工作组走访了全村四十二户贫困户，逐户制定帮扶计划。\n\u{a0}\n\
         欢迎访问广东扶贫网\n版权所有:广东省扶贫开发协会\n"
    )
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

#[test]
fn breadcrumb_separators_and_colons() {
    for crumb in [
        "当前位置:首页->>扶贫前沿->>地市联播",
        "当前位置：首页>>扶贫前沿>>地市联播",
        "当前位置：首页 > 扶贫前沿 > 地市联播",
        "当前位置：首页 » 扶贫前沿 » 地市联播",
        "当前位置：首页→扶贫前沿→地市联播",
        "当前位置：首页-&gt;&gt;扶贫前沿-&gt;&gt;地市联播",
        "您的位置：网站首页 >> 扶贫前沿 >> 地市联播 >> 正文",
    ] {
        let p = parse(capture(crumb, "标题", "加入时间:2013-9-2").as_bytes())
            .unwrap_or_else(|e| panic!("{crumb}: {e}"));
        assert_eq!(p.channel_path, ["扶贫前沿", "地市联播"], "{crumb}");
        assert!(!p.channel_path.iter().any(|c| c.contains("首页")));
    }
}

#[test]
fn date_formats_and_times() {
    let t = |h, m, s| NaiveTime::from_hms_opt(h, m, s);
    for (meta, want_time) in [
        ("加入时间:2013-9-2", None),
        ("加入时间：2013-09-02", None),
        ("加入时间:2013/9/2", None),
        ("加入时间:2013.9.2", None),
        ("加入时间：2013年9月2日", None),
        ("加入时间:2013-9-2 10:31", t(10, 31, 0)),
        ("加入时间:2013-9-2 10:31:05", t(10, 31, 5)),
        ("发布时间：2013年9月2日 10:31:05", t(10, 31, 5)),
        ("发表时间: 2013/09/02", None),
        ("更新时间：2013-9-2\u{a0}\u{a0}10:31", t(10, 31, 0)),
    ] {
        let p = parse(capture("当前位置:首页->>协会新闻", "标题", meta).as_bytes())
            .unwrap_or_else(|e| panic!("{meta}: {e}"));
        assert_eq!(p.published, date(2013, 9, 2), "{meta}");
        assert_eq!(p.published_time, want_time, "{meta}");
    }
}

#[test]
fn unreadable_dates_are_reported_with_their_text() {
    for (meta, text) in [
        ("加入时间:2013-13-45    来源:某报", "2013-13-45"),
        ("加入时间：昨天", "昨天"),
        ("加入时间：2013-2-30", "2013-2-30"),
        ("加入时间：", ""),
    ] {
        let r = parse(capture("当前位置:首页->>协会新闻", "标题", meta).as_bytes());
        assert_eq!(r, Err(ParseError::BadDate(text.into())), "{meta}");
    }
}

#[test]
fn label_variants() {
    let meta = "加入时间:2013-9-2  文章来源:南方日报  撰稿:陈立  责任编辑:黄敏  点击:56";
    let p = parse(capture("当前位置:首页->>协会新闻", "标题", meta).as_bytes()).expect("page");
    assert_eq!(p.source.as_deref(), Some("南方日报"));
    assert_eq!(p.author.as_deref(), Some("陈立"));
    assert_eq!(p.editor.as_deref(), Some("黄敏"));
    assert_eq!(p.hits, Some(56));

    let meta = "发布时间：2013-9-2 出处：广东扶贫 作者：林一 编辑：吴二 浏览次数：1,024";
    let p = parse(capture("当前位置:首页->>协会新闻", "标题", meta).as_bytes()).expect("page");
    assert_eq!(p.source.as_deref(), Some("广东扶贫"));
    assert_eq!(p.author.as_deref(), Some("林一"));
    assert_eq!(p.editor.as_deref(), Some("吴二"));
    assert_eq!(p.hits, Some(1024));

    let meta = "加入时间：2013-9-2 阅读次数：不详";
    let p = parse(capture("当前位置:首页->>协会新闻", "标题", meta).as_bytes()).expect("page");
    assert_eq!(p.hits, None);
}

#[test]
fn title_whitespace_is_collapsed() {
    let p = parse(
        capture(
            "当前位置:首页->>协会新闻",
            "\u{a0}\u{a0}对口帮扶\u{a0}\u{a0} 新进展\u{3000}",
            "加入时间:2013-9-2",
        )
        .as_bytes(),
    )
    .expect("page");
    assert_eq!(p.title, "对口帮扶 新进展");
}

#[test]
fn capture_without_title_is_rejected() {
    let text = "当前位置:首页->>协会新闻\n加入时间:2013-9-2\n正文一段。\n";
    assert_eq!(
        parse(text.as_bytes()),
        Err(ParseError::NotArticle("no title".into()))
    );
}

#[test]
fn capture_without_body_is_rejected() {
    let text = "当前位置:首页->>协会新闻\n标题\n加入时间:2013-9-2\n欢迎访问广东扶贫网\n";
    assert_eq!(
        parse(text.as_bytes()),
        Err(ParseError::NotArticle(
            "no article body after the 加入时间 line".into()
        ))
    );
}

#[test]
fn plain_text_and_home_page_are_not_articles() {
    let text = "会议纪要\n\n今天讨论了明年的工作计划。\n";
    assert!(matches!(
        parse(text.as_bytes()),
        Err(ParseError::NotArticle(_))
    ));
    let home = "<html><head><title>广东扶贫网--广东省扶贫开发协会</title></head><body>\
                <table><tr><td><a href=list.asp?id=1>扶贫要闻</a></td></tr>\
                <tr><td><a href=show.asp?id=3>清远：驻村工作组</a> [2013-9-2]</td></tr></table>\
                <div>欢迎访问广东扶贫网</div></body></html>";
    assert_eq!(
        parse(home.as_bytes()),
        Err(ParseError::NotArticle("no 加入时间 line found".into()))
    );
}

#[test]
fn list_with_dated_rows_is_not_an_article() {
    let mut html = String::from("<html><body><div>当前位置：首页 &gt;&gt; 协会新闻</div><table>");
    for i in 1..=5 {
        html.push_str(&format!(
            "<tr><td><a href=show.asp?id={i}>新闻{i}</a></td><td>发布时间：2013-9-{i}</td></tr>"
        ));
    }
    html.push_str("</table></body></html>");
    let err = parse(html.as_bytes()).expect_err("list");
    assert!(
        matches!(&err, ParseError::NotArticle(r) if r.contains("list page")),
        "{err}"
    );
}

#[test]
fn empty_and_binary_inputs() {
    assert_eq!(parse(b""), Err(ParseError::Empty));
    assert_eq!(parse(b" \n\r\n\t "), Err(ParseError::Empty));
    assert_eq!(parse("\u{a0}\u{3000}\n".as_bytes()), Err(ParseError::Empty));
    assert_eq!(
        parse(b"PK\x03\x04\x14\x00\x00\x00\x08\x00"),
        Err(ParseError::Binary)
    );
    assert_eq!(parse(b"<html>\x00\x00\x00</html>"), Err(ParseError::Binary));
    let noise: Vec<u8> = (0u8..200).map(|i| i % 31 + 1).collect();
    assert_eq!(parse(&noise), Err(ParseError::Binary));
}

fn html_page(meta_tag: &str) -> String {
    format!(
        "<html><head>{meta_tag}<title>韶关：产业园扩园--广东扶贫网</title></head><body>\
         <table><tr><td>当前位置：<a href=/>首页</a>&gt;&gt;<a href=l>扶贫前沿</a></td></tr>\
         <tr><td class=title>韶关：产业园扩园</td></tr>\
         <tr><td>加入时间：2013-9-2&nbsp;&nbsp;来源：韶关日报</td></tr>\
         <tr><td><p>　　园区将向北部三镇扩展，新增用地一百多平方公里。</p></td></tr></table>\
         <div>版权所有：广东省扶贫开发协会</div></body></html>"
    )
}

#[test]
fn encodings_by_declaration_and_detection() {
    let cases: [(&str, &'static encoding_rs::Encoding, &str); 4] = [
        ("<meta charset=\"gb2312\">", encoding_rs::GBK, "GBK"),
        (
            "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=GBK\">",
            encoding_rs::GBK,
            "GBK",
        ),
        (
            "<meta charset=\"gb18030\">",
            encoding_rs::GB18030,
            "GB18030",
        ),
        ("", encoding_rs::GBK, "GBK"),
    ];
    for (tag, enc, name) in cases {
        let page = html_page(tag);
        let (bytes, _, unmappable) = enc.encode(&page);
        assert!(!unmappable);
        let p = parse(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(p.encoding, name, "{tag}");
        assert_eq!(p.title, "韶关：产业园扩园");
        assert_eq!(
            paragraphs(&p.body_html),
            ["园区将向北部三镇扩展，新增用地一百多平方公里。"]
        );
    }
    // A UTF-8 page that claims gb2312, and one with a BOM.
    let p = parse(html_page("<meta charset=gb2312>").as_bytes()).expect("utf-8");
    assert_eq!(p.encoding, "UTF-8");
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(html_page("<meta charset=gb2312>").as_bytes());
    assert_eq!(parse(&bom).expect("bom").encoding, "UTF-8");
}

#[test]
fn br_separated_body_in_a_single_cell() {
    let html = "<table><tr><td>当前位置：首页 &gt; 协会新闻</td></tr><tr><td>\
        <b>标题在这里</b><br>加入时间：2013-9-2 来源：本站<br><br>\
        &nbsp;&nbsp;第一段。<br><br><strong>小标题</strong><br>　　第二段<font color=red>红字</font>。<br>\
        \u{3000}\u{3000}第三段。</td></tr></table><table><tr><td>欢迎访问广东扶贫网</td></tr></table>";
    let p = parse(html.as_bytes()).expect("page");
    assert_eq!(p.title, "标题在这里");
    assert_eq!(p.source.as_deref(), Some("本站"));
    assert_eq!(
        paragraphs(&p.body_html),
        ["第一段。", "第二段红字。", "第三段。"]
    );
    assert_eq!(headings(&p.body_html), ["小标题"]);
    assert_no_furniture(&p.body_html);
}

#[test]
fn title_falls_back_to_the_title_element() {
    let html = "<html><head><title>河源：光伏扶贫电站并网_地市联播_广东扶贫网</title></head><body>\
        <div>当前位置：首页 &gt;&gt; 扶贫前沿 &gt;&gt; 地市联播</div>\
        <div>加入时间：2016-6-1</div><div><p>全市首批十个光伏扶贫电站并网发电。</p></div></body></html>";
    let p = parse(html.as_bytes()).expect("page");
    assert_eq!(p.title, "河源：光伏扶贫电站并网");
    assert_eq!(p.channel_path, ["扶贫前沿", "地市联播"]);
}

#[test]
fn sidebar_after_the_article_stays_out() {
    let html = "<table><tr><td>当前位置：首页 &gt; 协会新闻</td></tr><tr>\
        <td><div>标题</div><div>加入时间：2013-9-2</div>\
        <div><p>协会组织会员企业开展结对帮扶，今年共落实帮扶资金八百万元，覆盖二十个贫困村，带动一千多户贫困户增收。</p></div></td>\
        <td><div>联系我们：电话020-00000000</div><ul><li><a href=a>新闻一</a></li><li><a href=b>新闻二</a></li><li><a href=c>新闻三</a></li></ul></td>\
        </tr></table>";
    let p = parse(html.as_bytes()).expect("page");
    assert_eq!(paragraphs(&p.body_html).len(), 1, "{}", p.body_html);
    assert!(!p.body_html.contains("联系我们"));
    assert!(!p.body_html.contains("新闻一"));
}

#[test]
fn absurd_nesting_is_refused_quickly() {
    let html = format!(
        "<div>当前位置：首页 &gt; 新闻</div><div>标题</div><div>加入时间：2013-9-2</div>{}正文",
        "<div>".repeat(50_000)
    );
    let err = parse(html.as_bytes()).expect_err("too deep");
    assert!(matches!(err, ParseError::NotArticle(r) if r.contains("nested")));
}

#[test]
fn gbk_text_capture_with_crlf_lines() {
    let utf8 = String::from_utf8(common::fixture("capture_basic.txt")).expect("utf-8");
    // GBK has neither © nor U+00A0: a GBK capture indents with U+3000.
    let crlf = utf8
        .replace('\n', "\r\n")
        .replace('©', "(C)")
        .replace('\u{a0}', "\u{3000}");
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(&crlf);
    assert!(!unmappable);
    let from_gbk = parse(&gbk).expect("gbk capture");
    let from_utf8 = parse(utf8.as_bytes()).expect("utf-8 capture");
    assert_eq!(from_gbk.encoding, "GBK");
    assert_eq!(
        legacy_page::LegacyPage {
            encoding: "UTF-8",
            ..from_gbk
        },
        from_utf8
    );
}

#[test]
fn template_decorations_are_not_body_images() {
    let html = "<table><tr><td>当前位置：首页 &gt; 协会新闻</td></tr><tr><td>标题</td></tr>\
        <tr><td>加入时间：2013-9-2</td></tr><tr><td><img src=\"images/line.gif\"></td></tr>\
        <tr><td><img src=\"/UploadFiles/a.gif\" alt=\"现场\"><img src=\"pic/dot.png\" width=\"1\" height=\"1\">\
        <p>正文段落。</p></td></tr></table>";
    let p = parse(html.as_bytes()).expect("page");
    assert_eq!(
        p.body_html,
        "<p><img src=\"/UploadFiles/a.gif\" alt=\"现场\"></p>\n<p>正文段落。</p>"
    );
}

#[test]
fn toolbar_between_title_and_meta_is_not_the_title() {
    let html = "<div>当前位置：首页 &gt; 协会新闻</div><h1>协会慰问贫困户</h1><div>【字体：大 中 小】</div>\
        <div>加入时间：2013-9-2</div><div><p>春节前夕，协会走访慰问了五十户贫困户。</p></div>";
    let p = parse(html.as_bytes()).expect("page");
    assert_eq!(p.title, "协会慰问贫困户");
}
