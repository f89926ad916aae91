/*
 * fupin — public site script (广东扶贫网)
 *
 * Optional enhancements only: every page works fully without it.
 *   1. Bookmark hint: show the ⌘+D variant on Apple systems.
 *   2. Ticker: seamless loop (items duplicated for sighted users only),
 *      speed set from the content width, and a 暂停/继续 button for touch
 *      screens where hover does not exist.
 *   3. Article tables: wrap in a labelled, keyboard-scrollable region.
 *   4. 关怀版 and font switches applied in place (the same cookies the
 *      server reads, so a static export follows them too).
 *   5. Phones: 菜单 and 搜索 open in place; the channel row is scrolled to
 *      the current channel.
 *   6. 朗读: the article read aloud by the browser's speech synthesis; the
 *      control exists only where the browser has one.
 *
 * No inline styles are written as attributes (strict CSP); only CSSOM
 * custom properties are set.
 */
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  /* ---- 1. Bookmark hint ---------------------------------------------- */
  function bookmarkHint() {
    var hint = document.querySelector(".bookmark-hint");
    if (!hint) return;
    var platform = (navigator.userAgentData && navigator.userAgentData.platform) ||
      navigator.platform || navigator.userAgent || "";
    if (/mac|iphone|ipad|ipod/i.test(platform)) {
      hint.textContent = "按 ⌘+D 收藏本站";
    } else {
      hint.textContent = "按 Ctrl+D 收藏本站";
    }
  }

  /* ---- 2. Ticker ----------------------------------------------------- */
  var SPEED = 60; // pixels per second: slow enough to read

  function ticker() {
    var box = document.querySelector(".ticker");
    if (!box || !window.matchMedia) return;
    var list = box.querySelector(".ticker-list");
    var inner = box.querySelector(".ticker-inner");
    if (!list || !inner) return;

    var motion = window.matchMedia("(prefers-reduced-motion: no-preference)");
    var originals = Array.prototype.slice.call(list.children);
    var clones = [];
    var button = null;

    function enable() {
      if (box.classList.contains("ticker--loop")) return;
      // Copies are hidden from assistive technology and from the tab order.
      originals.forEach(function (li) {
        var copy = li.cloneNode(true);
        copy.setAttribute("aria-hidden", "true");
        copy.classList.add("ticker-copy");
        Array.prototype.forEach.call(copy.querySelectorAll("a"), function (a) {
          a.setAttribute("tabindex", "-1");
        });
        list.appendChild(copy);
        clones.push(copy);
      });
      box.classList.add("ticker--loop");
      var half = list.scrollWidth / 2;
      var seconds = Math.max(12, Math.round(half / SPEED));
      list.style.setProperty("--ticker-duration", seconds + "s");

      button = document.createElement("button");
      button.type = "button";
      button.className = "ticker-toggle";
      button.setAttribute("aria-pressed", "false");
      button.textContent = "暂停";
      button.setAttribute("aria-label", "暂停滚动");
      button.addEventListener("click", function () {
        var paused = box.classList.toggle("ticker--paused");
        button.setAttribute("aria-pressed", paused ? "true" : "false");
        button.textContent = paused ? "继续" : "暂停";
        button.setAttribute("aria-label", paused ? "继续滚动" : "暂停滚动");
      });
      inner.appendChild(button);
    }

    function disable() {
      clones.forEach(function (c) { c.remove(); });
      clones = [];
      box.classList.remove("ticker--loop", "ticker--paused");
      list.style.removeProperty("--ticker-duration");
      if (button) { button.remove(); button = null; }
    }

    function update() {
      if (motion.matches && !document.body.classList.contains("care")) enable(); else disable();
    }
    update();
    if (motion.addEventListener) motion.addEventListener("change", update);
    tickerUpdate = update;
  }
  var tickerUpdate = function () {};

  /* ---- 3. Article tables --------------------------------------------- */
  function tables() {
    var found = document.querySelectorAll(".article-body table");
    Array.prototype.forEach.call(found, function (table) {
      if (table.parentNode.classList && table.parentNode.classList.contains("table-scroll")) return;
      var wrap = document.createElement("div");
      wrap.className = "table-scroll";
      wrap.setAttribute("role", "region");
      var caption = table.querySelector("caption");
      wrap.setAttribute("aria-label", caption ? caption.textContent.trim() : "表格");
      table.parentNode.insertBefore(wrap, table);
      wrap.appendChild(table);
    });

    // Only a region that actually scrolls needs to be reachable by Tab.
    function focusable() {
      Array.prototype.forEach.call(document.querySelectorAll(".table-scroll"), function (w) {
        if (w.scrollWidth > w.clientWidth + 1) w.setAttribute("tabindex", "0");
        else w.removeAttribute("tabindex");
      });
    }
    focusable();
    var timer = null;
    window.addEventListener("resize", function () {
      clearTimeout(timer);
      timer = setTimeout(focusable, 150);
    });
  }

  /* ---- 4. 关怀版 and font switches ------------------------------------ */
  var YEAR = 31536000;

  function cookie(name) {
    var found = null;
    document.cookie.split(";").forEach(function (pair) {
      var kv = pair.trim().split("=");
      if (kv[0] === name) found = kv[1];
    });
    return found;
  }

  function setCookie(name, value) {
    document.cookie = name + "=" + value + "; path=/; max-age=" + YEAR + "; samesite=lax";
  }

  function applyCare(on) {
    var body = document.body;
    body.classList.toggle("care", on);
    Array.prototype.forEach.call(document.querySelectorAll("a.care-switch"), function (a) {
      a.textContent = on ? "标准版" : "关怀版";
      a.setAttribute("data-care", on ? "0" : "1");
      a.setAttribute("href", a.getAttribute("href").replace(/\/care\/(on|off)/, on ? "/care/off" : "/care/on"));
    });
    tickerUpdate();
  }

  function applyFont(size) {
    var body = document.body;
    body.classList.remove("fs-s", "fs-m", "fs-l");
    body.classList.add("fs-" + size);
    Array.prototype.forEach.call(document.querySelectorAll(".font-switch a[data-fs]"), function (a) {
      if (a.getAttribute("data-fs") === size) a.setAttribute("aria-current", "true");
      else a.removeAttribute("aria-current");
    });
  }

  function switches() {
    // A page written without the reader's choice (a static export) follows
    // the cookies set here before.
    var care = cookie("care");
    if (care === "1" && !document.body.classList.contains("care")) applyCare(true);
    var fs = cookie("fs");
    if (/^[sml]$/.test(fs || "") && !document.body.classList.contains("fs-" + fs)) applyFont(fs);

    document.addEventListener("click", function (e) {
      var a = e.target.closest && e.target.closest("a[data-care], .font-switch a[data-fs]");
      if (!a || e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
      e.preventDefault();
      if (a.hasAttribute("data-care")) {
        var on = a.getAttribute("data-care") === "1";
        setCookie("care", on ? "1" : "0");
        applyCare(on);
        a.focus();
      } else {
        var size = a.getAttribute("data-fs");
        setCookie("fs", size);
        applyFont(size);
      }
    });
  }

  /* ---- 5. Phones: menu, search, channel row ---------------------------- */
  function phoneTools() {
    var header = document.querySelector(".site-header");
    if (!header) return;
    Array.prototype.forEach.call(header.querySelectorAll(".phone-tool[aria-controls]"), function (a) {
      var id = a.getAttribute("aria-controls");
      var cls = id === "site-search" ? "search-open" : "tools-open";
      a.setAttribute("role", "button");
      a.setAttribute("aria-expanded", "false");
      a.addEventListener("click", function (e) {
        e.preventDefault();
        var open = !header.classList.contains(cls);
        header.classList.toggle(cls, open);
        a.setAttribute("aria-expanded", open ? "true" : "false");
        if (open && cls === "search-open") {
          var input = document.getElementById("search-q");
          if (input) input.focus();
        }
      });
      a.addEventListener("keydown", function (e) {
        if (e.key === " ") { e.preventDefault(); a.click(); }
      });
    });

    var list = document.querySelector(".channel-nav-list");
    var current = list && list.querySelector("a[aria-current]");
    if (list && current && list.scrollWidth > list.clientWidth + 1) {
      var l = list.getBoundingClientRect();
      var c = current.getBoundingClientRect();
      list.scrollLeft += c.left - l.left - (l.width - c.width) / 2;
    }
  }

  /* ---- 6. 朗读 ------------------------------------------------------- */
  function speak() {
    var body = document.querySelector(".page-article .article-body");
    var meta = document.querySelector(".page-article .article-meta");
    if (!body || !meta || !("speechSynthesis" in window) || !window.SpeechSynthesisUtterance) return;
    var synth = window.speechSynthesis;
    // Inside the meta line, where it costs no extra line on a phone.
    var box = document.createElement("span");
    box.className = "speak";
    var button = document.createElement("button");
    button.type = "button";
    button.setAttribute("aria-pressed", "false");
    button.textContent = "朗读全文";
    box.appendChild(button);
    meta.appendChild(box);

    var speaking = false;
    function stop() {
      speaking = false;
      synth.cancel();
      button.setAttribute("aria-pressed", "false");
      button.textContent = "朗读全文";
    }
    function parts() {
      var out = [];
      var title = document.querySelector(".page-article .article-title");
      if (title) out.push(title.textContent);
      (body.innerText || body.textContent).split(/\n+/).forEach(function (line) {
        line = line.trim();
        // Long paragraphs in pieces: some engines stop a long utterance.
        while (line.length > 160) {
          var cut = line.slice(0, 160).search(/[。！？；][^。！？；]*$/);
          cut = cut > 40 ? cut + 1 : 160;
          out.push(line.slice(0, cut));
          line = line.slice(cut);
        }
        if (line) out.push(line);
      });
      return out;
    }
    button.addEventListener("click", function () {
      if (speaking) { stop(); return; }
      synth.cancel();
      var list = parts();
      if (!list.length) return;
      speaking = true;
      button.setAttribute("aria-pressed", "true");
      button.textContent = "停止朗读";
      list.forEach(function (text, i) {
        var u = new window.SpeechSynthesisUtterance(text);
        u.lang = "zh-CN";
        u.rate = 0.9;
        if (i === list.length - 1) u.onend = function () { if (speaking) stop(); };
        synth.speak(u);
      });
    });
    window.addEventListener("pagehide", function () { synth.cancel(); });
  }

  function init() {
    bookmarkHint();
    ticker();
    tables();
    switches();
    phoneTools();
    speak();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
