// Recovery copies of the article editor. What is typed is kept in this
// browser at once and sent to the server every 30 seconds while it
// changes (one copy per form, replaced each time), so that a crash, a
// closed tab or an expired session loses nothing. On opening the editor,
// a copy kept in this browser that differs from the form is offered back.
(function () {
  "use strict";
  var form = document.getElementById("article-form");
  if (!form || !window.FormData || !window.localStorage) { return; }
  var path = form.getAttribute("data-recovery");
  var every = Number(form.getAttribute("data-recovery-every")) || 30000;
  var key = "fupin-recovery:" + path;
  var csrfField = form.querySelector("input[name=csrf]");
  var csrf = csrfField ? csrfField.value : "";
  var dirty = false;

  function fields() {
    var out = [];
    new FormData(form).forEach(function (v, k) {
      if (k !== "csrf" && k !== "action" && typeof v === "string") { out.push([k, v]); }
    });
    return out;
  }

  function keepHere() {
    try {
      localStorage.setItem(key, JSON.stringify({ at: Date.now(), fields: fields() }));
    } catch (e) { /* storage full or refused: the server copy remains */ }
  }

  // Without changes, a ping tells others the article is still open.
  function send() {
    if (!window.fetch) { return; }
    var body = new URLSearchParams();
    body.append("csrf", csrf);
    body.append("form_path", path);
    if (dirty) {
      fields().forEach(function (p) { body.append(p[0], p[1]); });
    } else {
      body.append("ping", "1");
    }
    dirty = false;
    fetch("/admin/articles/recovery", { method: "POST", body: body, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { dirty = true; } })
      .catch(function () { dirty = true; });
  }

  function changed() { dirty = true; keepHere(); }
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  setInterval(send, every);
  send();
  form.addEventListener("submit", function () {
    try { localStorage.removeItem(key); } catch (e) { /* nothing kept */ }
  });

  function same(a, b) { return JSON.stringify(a) === JSON.stringify(b); }

  function restore(saved) {
    var byName = {};
    saved.forEach(function (p) { (byName[p[0]] = byName[p[0]] || []).push(p[1]); });
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrf" || el.name === "base" || el.type === "submit") { return; }
      var values = byName[el.name] || [];
      if (el.type === "checkbox") {
        el.checked = values.indexOf(el.value) >= 0;
      } else if (values.length) {
        el.value = values[0];
        if (el.tagName === "TEXTAREA") {
          var area = el.parentNode && el.parentNode.querySelector(".fe-area");
          if (area) { area.innerHTML = values[0]; }
        }
      }
    });
    dirty = true;
  }

  var stored = null;
  try { stored = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { stored = null; }
  if (!stored || !stored.fields || same(stored.fields, fields())) { return; }
  var note = document.createElement("div");
  note.className = "note recovery";
  note.id = "recovery-offer";
  note.setAttribute("role", "alert");
  var text = document.createElement("p");
  var when = new Date(stored.at);
  text.textContent = "发现本浏览器中 " + when.toLocaleString("zh-CN") + " 自动保存、尚未保存到网站的内容。要恢复吗？";
  var yes = document.createElement("button");
  yes.type = "button";
  yes.className = "primary";
  yes.textContent = "恢复这些内容";
  var no = document.createElement("button");
  no.type = "button";
  no.textContent = "不用了";
  yes.addEventListener("click", function () {
    restore(stored.fields);
    text.textContent = "已恢复自动保存的内容，尚未保存。请检查后再点“保存”。";
    yes.remove();
    no.remove();
  });
  no.addEventListener("click", function () {
    try { localStorage.removeItem(key); } catch (e) { /* nothing kept */ }
    note.remove();
  });
  note.appendChild(text);
  note.appendChild(yes);
  note.appendChild(no);
  form.parentNode.insertBefore(note, form);
})();
