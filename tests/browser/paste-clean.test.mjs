// The paste cleaner of the article editor (static/admin/paste-clean.js),
// run with `node --test`. The fixture imitates what Word puts on the
// clipboard: conditional comments, <o:p>, mso-* styles, Mso classes, spans
// and fonts, &nbsp; indentation, list paragraphs and a table.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { cleanPastedHtml, textToHtml } = require("../../static/admin/paste-clean.js");
const word = readFileSync(new URL("./fixtures/word-paste.html", import.meta.url), "utf8");

test("Word HTML keeps its structure and loses its noise", () => {
  const out = cleanPastedHtml(word);
  const expected = [
    "<h2>关于开展“双到”帮扶工作的通知</h2>",
    "<p>各地级以上市扶贫办：</p>",
    "<p>为落实省委、省政府部署，现将有关事项<strong>通知</strong>如下，请<em>认真</em>贯彻执行。" +
      "<strong>重点</strong>见<a href=\"http://www.gdfupin.org.cn/show.asp?id=12\">附件</a>。</p>",
    "<h2>一、工作目标</h2>",
    "<ol><li>帮扶到户</li>",
    "<li>责任到人</li>",
    "</ol>",
    "<ul><li>项目一<ul><li>子项目</li>",
    "</ul>",
    "</li>",
    "<li>项目二</li>",
    "</ul>",
    "<table><tr><td><p><strong>地区</strong></p>",
    "</td><td colspan=\"2\"><p><strong>帮扶户数</strong></p>",
    "</td></tr>",
    "<tr><td><p>韶关</p>",
    "</td><td><p>1,200</p>",
    "</td><td></td></tr>",
    "</table>",
    "<p>图为现场</p>",
    "<p>坏链接红字</p>",
    "<p>广东省扶贫开发协会</p>",
  ].join("\n");
  assert.equal(out, expected);
});

test("nothing of Word's markup survives", () => {
  const out = cleanPastedHtml(word);
  for (const bad of ["mso-", "Mso", "<o:", "<v:", "<span", "<font", "style=", "class=",
                     "&nbsp;", "\u00a0", "<!--", "[if", "file:", "javascript:", "onclick", "<script",
                     "alert(", "　"]) {
    assert.ok(!out.includes(bad), `${bad} survived: ${out}`);
  }
  assert.ok(!/<p><\/p>/.test(out), "no empty paragraphs");
});

test("web pages and WPS: styles become strong/em, unknown tags unwrap", () => {
  assert.equal(
    cleanPastedHtml('<div style="color:red"><span style="font-weight:700">粗</span>和<span style="font-style:italic">斜</span></div>'),
    "<p><strong>粗</strong>和<em>斜</em></p>",
  );
  assert.equal(
    cleanPastedHtml('<p>一<p>二</p><h4>小节</h4><ul><li>甲<li>乙</ul>'),
    "<p>一</p>\n<p>二</p>\n<h3>小节</h3>\n<ul><li>甲</li>\n<li>乙</li>\n</ul>",
  );
  assert.equal(
    cleanPastedHtml('<p><a href="/a/1.html">站内</a><a href="//evil.example/">协议相对</a><img src="data:image/png;base64,AA"><img src="https://x.cn/a.jpg" alt="图" onerror="x()"></p>'),
    '<p><a href="/a/1.html">站内</a>协议相对<img src="https://x.cn/a.jpg" alt="图"></p>',
  );
  assert.equal(cleanPastedHtml("a &lt;b&gt; &amp; c"), "<p>a &lt;b&gt; &amp; c</p>");
});

test("plain text becomes paragraphs", () => {
  assert.equal(textToHtml("  第一段\r\n\r\n　　第二段 <b>\n"), "<p>第一段</p>\n<p>第二段 &lt;b&gt;</p>");
});
