// Small conveniences of the back office. Every page works without this
// file: destructive actions have their own confirmation pages.
(function () {
  "use strict";
  // Forms marked data-confirm ask before submitting.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var submitter = event.submitter;
    var text = (submitter && submitter.getAttribute("data-confirm")) ||
      form.getAttribute("data-confirm");
    if (text && !window.confirm(text)) {
      event.preventDefault();
    }
  });
  // "Select all" boxes in list tables.
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("input[data-select-all]")) {
      return;
    }
    var table = box.closest("table");
    if (!table) {
      return;
    }
    table.querySelectorAll("input[type=checkbox][name=ids]").forEach(function (b) {
      b.checked = box.checked;
    });
  });
  document.querySelectorAll("input[data-select-all]").forEach(function (b) {
    b.hidden = false;
  });
  // Wide tables scroll inside a labelled region, reachable by Tab when it
  // actually scrolls (a phone), so a keyboard can scroll it too.
  document.querySelectorAll("table.list").forEach(function (table) {
    if (table.parentNode.classList.contains("table-scroll")) {
      return;
    }
    var wrap = document.createElement("div");
    wrap.className = "table-scroll";
    wrap.setAttribute("role", "region");
    var caption = table.querySelector("caption");
    var heading = table.closest("section") && table.closest("section").querySelector("h2");
    wrap.setAttribute("aria-label", (caption || heading || document.querySelector("h1") || {}).textContent || "表格");
    table.parentNode.insertBefore(wrap, table);
    wrap.appendChild(table);
  });
  function focusable() {
    document.querySelectorAll(".table-scroll").forEach(function (w) {
      if (w.scrollWidth > w.clientWidth + 1) {
        w.setAttribute("tabindex", "0");
      } else {
        w.removeAttribute("tabindex");
      }
    });
  }
  focusable();
  window.addEventListener("resize", focusable);
})();
