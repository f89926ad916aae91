/*
 * fupin — public site script (广东扶贫网)
 *
 * Optional enhancements only: every page works fully without it.
 *   1. Bookmark hint: show the ⌘+D variant on Apple systems.
 *   2. Ticker: seamless loop (items duplicated for sighted users only),
 *      speed set from the content width, and a 暂停/继续 button for touch
 *      screens where hover does not exist.
 *   3. Article tables: wrap in a labelled, keyboard-scrollable region.
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
      if (motion.matches) enable(); else disable();
    }
    update();
    if (motion.addEventListener) motion.addEventListener("change", update);
  }

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

  function init() {
    bookmarkHint();
    ticker();
    tables();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
