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
})();
