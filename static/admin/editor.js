// The article body editor: a small WYSIWYG on contenteditable that
// progressively enhances <textarea name="body_html" data-editor>. Without
// this file the textarea takes HTML as it is; with it, editors get a
// toolbar (paragraph, 小标题, bold, italic, lists, link, table, image and
// attachment upload, clear formatting) and pasting from Word/WPS is cleaned
// by paste-clean.js (load it first). The cleaned HTML is written back into
// the textarea on submit; the server sanitizes it again and is the authority.
//
// Attributes read from the textarea:
//   data-upload-url       image upload route (JSON answer with url, name)
//   data-attachment-url   attachment upload route (url, name, size_text)
//   data-csrf             the session's CSRF token, sent as X-CSRF-Token
(function () {
  "use strict";
  var clean = window.FupinPasteClean;
  if (!clean || !document.execCommand) {
    return; // the plain textarea keeps working
  }

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text) { e.textContent = text; }
    return e;
  }

  function escapeHtml(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;")
      .replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }

  function safeUrl(url) {
    var u = String(url || "").trim();
    if (/^(https?:\/\/|mailto:)/i.test(u)) { return u; }
    if (u.charAt(0) === "/" && u.charAt(1) !== "/") { return u; }
    if (/^[\w.-]+\.[a-z]{2,}(\/|$)/i.test(u)) { return "http://" + u; }
    return null;
  }

  function enhance(textarea) {
    var form = textarea.form;
    var imageUrl = textarea.getAttribute("data-upload-url");
    var attachmentUrl = textarea.getAttribute("data-attachment-url");
    var csrf = textarea.getAttribute("data-csrf") || "";

    var box = el("div", { "class": "fe-editor" });
    var bar = el("div", { "class": "fe-toolbar", role: "toolbar", "aria-label": "正文格式" });
    var area = el("div", {
      "class": "fe-area",
      contenteditable: "true",
      role: "textbox",
      "aria-multiline": "true",
      "aria-label": textarea.getAttribute("aria-label") || "正文"
    });
    var status = el("p", { "class": "fe-status", "aria-live": "polite" });
    var panel = el("div", { "class": "fe-panel", hidden: "hidden" });
    // The stored body is sanitized HTML; it still passes the cleaner so the
    // editing surface only ever holds the kept elements.
    area.innerHTML = clean.cleanPastedHtml(textarea.value);
    textarea.classList.add("fe-hidden");
    textarea.parentNode.insertBefore(box, textarea);
    box.appendChild(bar);
    box.appendChild(panel);
    box.appendChild(area);
    box.appendChild(status);

    var saved = null;
    function saveSelection() {
      var sel = window.getSelection();
      if (sel.rangeCount && area.contains(sel.getRangeAt(0).commonAncestorContainer)) {
        saved = sel.getRangeAt(0).cloneRange();
      }
    }
    function restoreSelection() {
      area.focus();
      if (saved) {
        var sel = window.getSelection();
        sel.removeAllRanges();
        sel.addRange(saved);
      }
    }
    area.addEventListener("keyup", saveSelection);
    area.addEventListener("mouseup", saveSelection);
    area.addEventListener("input", saveSelection);

    function exec(command, value) {
      restoreSelection();
      document.execCommand(command, false, value);
      saveSelection();
    }
    function insertHtml(html) {
      restoreSelection();
      document.execCommand("insertHTML", false, html);
      saveSelection();
    }
    function say(text, isError) {
      status.textContent = text;
      status.classList.toggle("fe-error", !!isError);
    }

    try { document.execCommand("defaultParagraphSeparator", false, "p"); } catch (e) { /* old browsers */ }

    function button(label, title, action) {
      var b = el("button", { type: "button", title: title, "class": "fe-button" }, label);
      // Keep the caret in the text while the button is pressed.
      b.addEventListener("mousedown", function (ev) { ev.preventDefault(); });
      b.addEventListener("click", action);
      bar.appendChild(b);
      return b;
    }

    button("正文", "普通段落", function () { exec("formatBlock", "<p>"); });
    button("小标题", "二级小标题", function () { exec("formatBlock", "<h2>"); });
    button("小标题2", "三级小标题", function () { exec("formatBlock", "<h3>"); });
    button("B", "加粗", function () { exec("bold"); }).classList.add("fe-bold");
    button("I", "斜体", function () { exec("italic"); }).classList.add("fe-italic");
    button("• 列表", "项目符号列表", function () { exec("insertUnorderedList"); });
    button("1. 列表", "编号列表", function () { exec("insertOrderedList"); });
    button("链接", "插入或修改链接", function () {
      saveSelection();
      showPanel([
        { name: "url", label: "链接地址", type: "text", value: "https://" }
      ], "插入链接", function (values) {
        var url = safeUrl(values.url);
        if (!url) {
          say("链接地址应以 http://、https:// 或 / 开头。", true);
          return;
        }
        if (saved && !saved.collapsed) {
          exec("createLink", url);
        } else {
          insertHtml("<a href=\"" + escapeHtml(url) + "\">" + escapeHtml(url) + "</a>");
        }
      });
    });
    button("表格", "插入表格", function () {
      saveSelection();
      showPanel([
        { name: "rows", label: "行数", type: "number", value: "3" },
        { name: "cols", label: "列数", type: "number", value: "3" }
      ], "插入表格", function (values) {
        var rows = Math.min(Math.max(parseInt(values.rows, 10) || 0, 1), 50);
        var cols = Math.min(Math.max(parseInt(values.cols, 10) || 0, 1), 12);
        var html = "<table><tbody>";
        for (var r = 0; r < rows; r++) {
          html += "<tr>";
          for (var c = 0; c < cols; c++) { html += "<td><br></td>"; }
          html += "</tr>";
        }
        insertHtml(html + "</tbody></table><p><br></p>");
      });
    });
    if (imageUrl) {
      button("图片", "上传图片并插入", function () { saveSelection(); pick("image/jpeg,image/png,image/gif,image/webp", uploadImage); });
    }
    if (attachmentUrl) {
      button("附件", "上传附件（PDF、Word、Excel、WPS）", function () {
        saveSelection();
        pick(".pdf,.doc,.docx,.xls,.xlsx,.ppt,.pptx,.wps,.et,.dps,.odt,.ods,.odp", uploadAttachment);
      });
    }
    button("清除格式", "去掉所选文字的格式", function () {
      exec("removeFormat");
      exec("unlink");
      exec("formatBlock", "<p>");
    });

    // A small form above the text instead of window.prompt.
    function showPanel(fields, submitLabel, done) {
      panel.textContent = "";
      var inputs = {};
      fields.forEach(function (f) {
        var label = el("label", {}, f.label);
        var input = el("input", { type: f.type, name: f.name, value: f.value });
        if (f.type === "number") { input.setAttribute("min", "1"); input.setAttribute("max", "50"); }
        inputs[f.name] = input;
        label.appendChild(input);
        panel.appendChild(label);
      });
      var ok = el("button", { type: "button" }, submitLabel);
      var cancel = el("button", { type: "button" }, "取消");
      function close() { panel.hidden = true; panel.textContent = ""; }
      ok.addEventListener("click", function () {
        var values = {};
        Object.keys(inputs).forEach(function (k) { values[k] = inputs[k].value; });
        close();
        done(values);
      });
      cancel.addEventListener("click", function () { close(); restoreSelection(); });
      panel.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter") { ev.preventDefault(); ok.click(); }
        if (ev.key === "Escape") { cancel.click(); }
      });
      panel.appendChild(ok);
      panel.appendChild(cancel);
      panel.hidden = false;
      inputs[fields[0].name].focus();
    }

    function pick(accept, then) {
      var input = el("input", { type: "file", accept: accept, "class": "fe-hidden" });
      input.addEventListener("change", function () {
        if (input.files && input.files[0]) { then(input.files[0]); }
        input.remove();
      });
      box.appendChild(input);
      input.click();
    }

    function send(url, file) {
      var data = new FormData();
      data.append("file", file, file.name || "粘贴的图片.png");
      say("正在上传“" + (file.name || "图片") + "”……");
      return fetch(url, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-CSRF-Token": csrf, "Accept": "application/json" }
      }).then(function (response) {
        if (response.status === 413) {
          throw new Error("文件太大，无法上传。");
        }
        return response.json().catch(function () {
          throw new Error(response.status === 403 ? "登录已失效，请刷新页面后重试。" : "上传失败，请稍后再试。");
        }).then(function (body) {
          if (!response.ok) { throw new Error(body.error || "上传失败，请稍后再试。"); }
          return body;
        });
      });
    }

    function uploadImage(file) {
      send(imageUrl, file).then(function (r) {
        insertHtml("<img src=\"" + escapeHtml(r.url) + "\" alt=\"" + escapeHtml(r.name.replace(/\.[^.]+$/, "")) + "\">");
        say("已插入图片“" + r.name + "”。");
      }).catch(function (e) { say(e.message, true); });
    }

    function uploadAttachment(file) {
      send(attachmentUrl, file).then(function (r) {
        insertHtml("<a href=\"" + escapeHtml(r.url) + "\">" + escapeHtml(r.name) + "</a>（" + escapeHtml(r.size_text) + "）");
        say("已插入附件“" + r.name + "”。");
      }).catch(function (e) { say(e.message, true); });
    }

    area.addEventListener("paste", function (ev) {
      var data = ev.clipboardData;
      if (!data) { return; }
      var files = Array.prototype.filter.call(data.files || [], function (f) { return /^image\//.test(f.type); });
      var html = data.getData("text/html");
      if (!html && files.length && imageUrl) {
        ev.preventDefault();
        saveSelection();
        files.forEach(uploadImage);
        return;
      }
      ev.preventDefault();
      saveSelection();
      insertHtml(html ? clean.cleanPastedHtml(html) : clean.textToHtml(data.getData("text/plain")));
    });

    area.addEventListener("drop", function (ev) {
      var files = ev.dataTransfer && ev.dataTransfer.files;
      if (!files || !files.length) { return; }
      ev.preventDefault();
      saveSelection();
      Array.prototype.forEach.call(files, function (f) {
        if (/^image\//.test(f.type) && imageUrl) { uploadImage(f); } else if (attachmentUrl) { uploadAttachment(f); }
      });
    });

    function sync() {
      textarea.value = clean.cleanPastedHtml(area.innerHTML);
    }
    area.addEventListener("blur", sync);
    // Kept in step while typing, so that the recovery copy has the body.
    area.addEventListener("input", sync);
    if (form) { form.addEventListener("submit", sync); }
  }

  document.querySelectorAll("textarea[data-editor]").forEach(enhance);
})();
