// Cleans HTML pasted from Word, WPS and web pages down to what the article
// editor keeps: paragraphs, 小标题 (h2/h3), bold, italic, lists, tables and
// links. Word's list paragraphs (mso-list) become real lists; its styles,
// classes, <o:p>, conditional comments, spans and fonts, empty paragraphs
// and &nbsp; indentation are dropped. It works on the markup as text (no
// DOM), so the same file runs in the browser (window.FupinPasteClean) and
// under node's test runner (module.exports). The server's sanitizer stays
// the authority: this only makes pasted text tidy.
(function (root, factory) {
  "use strict";
  var api = factory();
  if (typeof module === "object" && module.exports) {
    module.exports = api;
  } else {
    root.FupinPasteClean = api;
  }
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";

  // Elements kept, under the name they are written out as.
  var KEEP = {
    p: "p", h1: "h2", h2: "h2", h3: "h3", h4: "h3", h5: "h3", h6: "h3",
    b: "strong", strong: "strong", i: "em", em: "em",
    ul: "ul", ol: "ol", li: "li",
    table: "table", thead: "thead", tbody: "tbody", tfoot: "tfoot",
    tr: "tr", td: "td", th: "th", caption: "caption",
    a: "a", br: "br", img: "img", sub: "sub", sup: "sup", blockquote: "blockquote"
  };
  // Elements dropped with everything inside them.
  var SKIP = {
    head: 1, style: 1, script: 1, title: 1, xml: 1, template: 1, noscript: 1,
    iframe: 1, object: 1, svg: 1, math: 1, textarea: 1, select: 1, button: 1
  };
  var VOID = { br: 1, img: 1, hr: 1, meta: 1, link: 1, input: 1, col: 1, area: 1, base: 1, wbr: 1 };
  var BLOCK = { p: 1, h2: 1, h3: 1, ul: 1, ol: 1, table: 1, blockquote: 1 };
  var ENTITIES = {
    nbsp: "\u00a0", amp: "&", lt: "<", gt: ">", quot: "\"", apos: "'",
    ldquo: "\u201c", rdquo: "\u201d", lsquo: "\u2018", rsquo: "\u2019",
    mdash: "\u2014", ndash: "\u2013", hellip: "\u2026", middot: "\u00b7",
    times: "\u00d7", divide: "\u00f7", copy: "\u00a9", reg: "\u00ae", deg: "\u00b0"
  };

  function decode(text) {
    return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);?/gi, function (all, name) {
      if (name.charAt(0) === "#") {
        var code = name.charAt(1).toLowerCase() === "x"
          ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
        return code > 0 && code < 0x110000 ? String.fromCodePoint(code) : "";
      }
      var known = ENTITIES[name.toLowerCase()];
      return known === undefined ? all : known;
    });
  }

  function escapeText(text) {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  function escapeAttr(text) {
    return escapeText(text).replace(/"/g, "&quot;");
  }

  // Splits markup into comments, tags and text.
  function tokenize(html) {
    var tokens = [];
    var re = /<!--[\s\S]*?(?:-->|$)|<!\[(if[^\]]*|endif)\]>|<![^>]*>|<\?[^>]*>|<(\/?)([a-zA-Z][\w:.-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>/g;
    var last = 0;
    var m;
    while ((m = re.exec(html)) !== null) {
      if (m.index > last) {
        tokens.push({ type: "text", text: html.slice(last, m.index) });
      }
      last = re.lastIndex;
      if (m[1] !== undefined) {
        tokens.push({ type: m[1] === "endif" ? "endif" : "if", cond: m[1] });
      } else if (m[3] !== undefined) {
        tokens.push({
          type: m[2] ? "end" : "start",
          name: m[3].toLowerCase(),
          attrs: m[2] ? {} : parseAttrs(m[4] || "")
        });
      }
      // Comments (and Word's conditional comments), doctypes and processing
      // instructions are dropped.
    }
    if (last < html.length) {
      tokens.push({ type: "text", text: html.slice(last) });
    }
    return tokens;
  }

  function parseAttrs(text) {
    var attrs = {};
    var re = /([^\s"'>\/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g;
    var m;
    while ((m = re.exec(text)) !== null) {
      var value = m[2] !== undefined ? m[2] : m[3] !== undefined ? m[3] : m[4] || "";
      attrs[m[1].toLowerCase()] = decode(value);
    }
    return attrs;
  }

  function safeHref(href) {
    var h = href.replace(/[\u0000-\u0020]/g, "");
    if (/^(https?:|mailto:)/i.test(h)) { return h; }
    if (/^[a-z][a-z0-9+.-]*:/i.test(h)) { return null; }
    return h.charAt(0) === "/" && h.charAt(1) !== "/" ? h : null;
  }

  function node(tag, from) {
    return { tag: tag, from: from, attrs: {}, children: [], list: null };
  }

  // Builds a tree of kept elements. Dropped wrappers (span, font, div, o:p…)
  // stay in the stack as transparent nodes so their end tags match.
  function build(tokens) {
    var root = node("#root", "#root");
    var stack = [root];
    var skipName = null;
    var skipDepth = 0;
    var downlevel = null; // text inside <![if …]> … <![endif]>
    var skipped = ""; // text inside a skipped mso-list:Ignore span
    var pendingList = null; // the list paragraph whose marker comes next
    function marker(text) {
      if (pendingList && text.trim()) {
        pendingList.list.marker = decode(text).trim();
        pendingList = null;
      }
    }
    function top() { return stack[stack.length - 1]; }
    function closeUntil(pred) {
      for (var i = stack.length - 1; i > 0; i--) {
        if (pred(stack[i])) {
          stack.length = i;
          return true;
        }
      }
      return false;
    }
    function openBlockContext() {
      // A block inside a paragraph or heading ends it, as in HTML.
      closeUntil(function (n) { return n.tag === "p" || n.tag === "h2" || n.tag === "h3"; });
    }
    tokens.forEach(function (t) {
      if (skipName) {
        if (t.type === "text") { skipped += t.text; }
        if (t.type === "start" && t.name === skipName) { skipDepth++; }
        if (t.type === "end" && t.name === skipName && --skipDepth === 0) {
          skipName = null;
          marker(skipped);
        }
        return;
      }
      if (downlevel !== null) {
        if (t.type === "endif") {
          marker(downlevel);
          downlevel = null;
        } else if (t.type === "text") {
          downlevel += t.text;
        }
        return;
      }
      if (t.type === "if") { downlevel = ""; return; }
      if (t.type === "endif") { return; }
      if (t.type === "text") {
        top().children.push({ text: decode(t.text) });
        return;
      }
      var name = t.name;
      var style = (t.attrs && t.attrs.style) || "";
      if (t.type === "start") {
        if (SKIP[name] || /^(v|w|m|st1):/.test(name) || /mso-list:\s*ignore/i.test(style)) {
          if (!VOID[name]) { skipName = name; skipDepth = 1; skipped = ""; }
          return;
        }
        var tag = KEEP[name] || null;
        if (tag && BLOCK[tag]) { openBlockContext(); }
        if (tag === "li") { closeUntil(function (n) { return n.tag === "li"; }); }
        if (tag === "td" || tag === "th") {
          closeUntil(function (n) { return n.tag === "td" || n.tag === "th"; });
        }
        if (tag === "tr") { closeUntil(function (n) { return n.tag === "tr"; }); }
        var n = node(tag, name);
        if (tag === "a") {
          var href = t.attrs.href ? safeHref(t.attrs.href) : null;
          if (href) { n.attrs.href = href; } else { n.tag = null; }
        } else if (tag === "img") {
          var src = t.attrs.src ? safeHref(t.attrs.src) : null;
          if (!src) { return; } // local files (file:///…) cannot be shown
          n.attrs.src = src;
          if (t.attrs.alt) { n.attrs.alt = t.attrs.alt; }
        } else if (tag === "td" || tag === "th") {
          ["colspan", "rowspan"].forEach(function (k) {
            if (/^[0-9]{1,3}$/.test(t.attrs[k] || "") && t.attrs[k] !== "1") { n.attrs[k] = t.attrs[k]; }
          });
        } else if (!tag && name === "span") {
          // WPS and web pages say bold and italic with styles.
          if (/font-weight:\s*(bold|[6-9]00)/i.test(style)) { n.tag = "strong"; }
          else if (/font-style:\s*italic/i.test(style)) { n.tag = "em"; }
        }
        if (tag === "p" || tag === "h2" || tag === "h3") {
          var list = /mso-list:\s*l(\d+)\s+level(\d+)/i.exec(style);
          if (list) {
            n.list = { id: list[1], level: parseInt(list[2], 10), marker: "" };
            pendingList = n;
          }
        }
        top().children.push(n);
        if (!VOID[name]) { stack.push(n); }
        return;
      }
      // An end tag closes the nearest element of that name, if any is open.
      closeUntil(function (n) { return n.from === name; });
    });
    return root;
  }

  function textOf(n) {
    if (n.text !== undefined) { return n.text; }
    return n.children.map(textOf).join("");
  }

  function hasImage(n) {
    if (n.tag === "img") { return true; }
    return (n.children || []).some(hasImage);
  }

  var BLANK = /^[\s\u00a0\u3000]*$/;

  // Replaces dropped wrappers (html, body, span, font, div…) by their content.
  function unwrap(n) {
    if (!n.children) { return; }
    var out = [];
    n.children.forEach(function (c) {
      unwrap(c);
      if (c.children && !c.tag) {
        out.push.apply(out, c.children);
      } else {
        out.push(c);
      }
    });
    n.children = out;
  }

  // Turns runs of Word list paragraphs into <ul>/<ol> with nesting by level.
  function makeLists(parent) {
    var out = [];
    var stack = []; // open lists: {level, node}
    parent.children.forEach(function (c) {
      if (c.list) {
        var level = c.list.level;
        if (stack.length && stack[0].id !== c.list.id) { stack = []; }
        while (stack.length && stack[stack.length - 1].level > level) { stack.pop(); }
        var open = stack[stack.length - 1];
        if (!open || open.level < level) {
          var ordered = /^[(（]?([0-9]+|[a-zA-Z]|[ivxIVX]+|[一二三四五六七八九十]+)[.)、．）]/.test(c.list.marker);
          var list = node(ordered ? "ol" : "ul", "#list");
          if (open) {
            var lastItem = open.node.children[open.node.children.length - 1];
            (lastItem || open.node).children.push(list);
          } else {
            out.push(list);
          }
          stack.push({ level: level, node: list, id: c.list.id });
          open = stack[stack.length - 1];
        }
        var li = node("li", "#list");
        li.children = c.children;
        open.node.children.push(li);
        return;
      }
      if (c.text !== undefined && BLANK.test(c.text) && stack.length) {
        return; // white space between list paragraphs
      }
      stack = [];
      out.push(c);
    });
    parent.children = out;
    out.forEach(function (c) { if (c.children) { makeLists(c); } });
  }

  function tidy(n) {
    if (!n.children) { return n; }
    var container = { ul: 1, ol: 1, table: 1, thead: 1, tbody: 1, tfoot: 1, tr: 1, "#root": 1 };
    n.children = n.children.map(tidy).filter(function (c) {
      if (c.text !== undefined) { return container[n.tag] ? !BLANK.test(c.text) : c.text !== ""; }
      var empty = BLANK.test(textOf(c)) && !hasImage(c) && c.tag !== "br" && c.tag !== "img";
      var structural = { table: 1, tr: 1, td: 1, th: 1, thead: 1, tbody: 1, tfoot: 1 };
      return !(empty && !structural[c.tag]);
    });
    return n;
  }

  function serialize(n, inBlock) {
    if (n.text !== undefined) {
      return escapeText(n.text.replace(/[\s\u00a0]+/g, " "));
    }
    var inner = n.children.map(function (c) { return serialize(c, inBlock || !!BLOCK[n.tag] || n.tag === "li" || n.tag === "td" || n.tag === "th"); }).join("");
    if (!n.tag || n.tag === "#root") { return inner; }
    var attrs = Object.keys(n.attrs).map(function (k) {
      return " " + k + "=\"" + escapeAttr(n.attrs[k]) + "\"";
    }).join("");
    if (n.tag === "br" || n.tag === "img") { return "<" + n.tag + attrs + ">"; }
    if (n.tag === "p" || n.tag === "h2" || n.tag === "h3" || n.tag === "li" || n.tag === "td" || n.tag === "th" || n.tag === "caption") {
      // Indentation and trailing space inside a block mean nothing on the web.
      inner = inner.replace(/^(\s|\u3000|<br>)+/, "").replace(/(\s|\u3000|<br>)+$/, "");
    }
    return "<" + n.tag + attrs + ">" + inner + "</" + n.tag + ">";
  }

  // Bare text at the top level (a paste of plain lines) becomes paragraphs.
  function wrapLoose(root) {
    var out = [];
    var loose = null;
    root.children.forEach(function (c) {
      var block = c.tag && (BLOCK[c.tag] || c.tag === "li");
      if (block) {
        loose = null;
        out.push(c);
      } else {
        if (c.text !== undefined && BLANK.test(c.text) && !loose) { return; }
        if (!loose) {
          loose = node("p", "#loose");
          out.push(loose);
        }
        loose.children.push(c);
      }
    });
    root.children = out;
  }

  /** Cleans pasted (or edited) HTML; returns the tidy HTML. */
  function cleanPastedHtml(html) {
    var root = build(tokenize(String(html || "")));
    unwrap(root);
    makeLists(root);
    wrapLoose(root);
    tidy(root);
    return serialize(root, false).replace(/(<\/(p|h2|h3|ul|ol|table|blockquote|li|tr)>)/g, "$1\n").trim();
  }

  /** Plain text (no HTML on the clipboard) as paragraphs. */
  function textToHtml(text) {
    return String(text || "").split(/\r?\n/).map(function (line) {
      return line.replace(/^[\s\u00a0\u3000]+|[\s\u00a0\u3000]+$/g, "");
    }).filter(function (line) { return line !== ""; }).map(function (line) {
      return "<p>" + escapeText(line) + "</p>";
    }).join("\n");
  }

  return { cleanPastedHtml: cleanPastedHtml, textToHtml: textToHtml };
});
