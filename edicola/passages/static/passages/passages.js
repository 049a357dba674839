/* Edicola passages: comment on or report words selected in the article, answer the editor's
   questions in place, and see the passages other readers talked about. Optional: without it,
   questions link to their form in the comment section. The article text is read with the same
   rules as edicola/passages/text.py (units, innermost unit owns its text, whitespace collapsed,
   units joined by "\n"). */
(function () {
  "use strict";
  var config = document.getElementById("passages-config");
  var body = document.querySelector(".article-body");
  if (!config || !body || !window.fetch || !window.getSelection || !window.HTMLDialogElement) return;
  var data = config.dataset;
  var UNIT = ".block-paragraph p,.block-paragraph li,.block-paragraph h2,.block-paragraph h3," +
    ".block-heading,.block-quote blockquote p,.feedback-passage";
  var BLOCK = ".block-paragraph,.block-heading,.block-quote,.block-feedback";
  var JSON_ACCEPT = { Accept: "application/json" };
  var model, current, tools, dialog;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text != null) node.textContent = text;
    return node;
  }

  /* -- The article text and where each character lives in the page ----------------------- */

  function read() {
    var text = "", map = [], units = [];
    body.querySelectorAll(UNIT).forEach(function (unit) {
      var s = "", chars = [], space = true;
      var walker = document.createTreeWalker(unit, NodeFilter.SHOW_TEXT);
      for (var node = walker.nextNode(); node; node = walker.nextNode()) {
        if (node.parentNode.closest(UNIT) !== unit) continue;
        var value = node.nodeValue;
        for (var i = 0; i < value.length; i++) {
          var blank = /\s/.test(value[i]);
          if (blank && space) continue;
          space = blank;
          s += blank ? " " : value[i];
          chars.push([node, i]);
        }
      }
      if (space && s) { s = s.slice(0, -1); chars.pop(); }
      if (!s) return;
      if (text) { text += "\n"; map.push(null); }
      units.push({ el: unit, start: text.length, end: text.length + s.length });
      text += s;
      map = map.concat(chars);
    });
    return { text: text, map: map, units: units };
  }

  /* -- Selection: which words, in which unit ----------------------------------------------- */

  function selected() {
    var selection = window.getSelection();
    if (!selection.rangeCount || selection.isCollapsed) return null;
    var range = selection.getRangeAt(0);
    if (!body.contains(range.commonAncestorContainer)) return null;
    model = read();
    var hit = model.units.filter(function (unit) { return range.intersectsNode(unit.el); });
    if (!hit.length) return null;
    if (hit.length > 1) return { error: data.spanError, unit: hit[0] };
    var unit = hit[0], start = -1, end = -1;
    for (var i = unit.start; i < unit.end; i++) {
      var at = model.map[i];
      if (range.isPointInRange(at[0], at[1]) && !(at[0] === range.endContainer && at[1] >= range.endOffset)) {
        if (start < 0) start = i;
        end = i + 1;
      }
    }
    while (start >= 0 && start < end && model.text[start] === " ") start++;
    while (end > start && model.text[end - 1] === " ") end--;
    if (start < 0 || end <= start) return null;
    if (end - start > 1000) return { error: data.longError, unit: unit };
    var text = model.text;
    return {
      unit: unit, exact: text.slice(start, end), start: start,
      prefix: text.slice(Math.max(0, start - 48), start), suffix: text.slice(end, end + 48)
    };
  }

  function hideTools() { if (tools) { tools.remove(); tools = null; } }

  function showTools() {
    var found = selected();
    if (!found) { if (tools && !tools.contains(document.activeElement)) hideTools(); return; }
    current = found;
    hideTools();
    tools = el("div", "passage-tools");
    tools.setAttribute("role", "toolbar");
    tools.setAttribute("aria-label", data.commentLabel);
    if (found.error) {
      tools.appendChild(el("p", "passage-refusal", found.error)).setAttribute("role", "alert");
    } else {
      [["comment", data.commentLabel], ["report", data.reportLabel]].forEach(function (item) {
        var button = el("button", "passage-" + item[0], item[1]);
        button.type = "button";
        button.addEventListener("mousedown", function (event) { event.preventDefault(); });
        button.addEventListener("click", function () { openForm(item[0] === "report" ? "error" : "comment", current); });
        tools.appendChild(button);
      });
    }
    found.unit.el.closest(BLOCK).after(tools);
  }

  /* -- The dialog: question, passage comment or error report -------------------------------- */

  function openDialog(title) {
    if (!dialog) {
      dialog = el("dialog", "passage-dialog");
      dialog.setAttribute("aria-labelledby", "passage-dialog-title");
      var close = el("button", "passage-close", "×");
      close.type = "button";
      close.setAttribute("aria-label", data.closeLabel);
      close.addEventListener("click", function () { dialog.close(); });
      dialog.appendChild(close);
      dialog.appendChild(el("h2", "", "")).id = "passage-dialog-title";
      dialog.appendChild(el("div", "passage-dialog-body"));
      document.body.appendChild(dialog);
    }
    dialog.querySelector("h2").textContent = title;
    var inner = dialog.querySelector(".passage-dialog-body");
    inner.textContent = "";
    if (!dialog.open) dialog.showModal();
    return inner;
  }

  function say(box, text, isError) {
    var old = box.querySelector(".passage-notice");
    if (old) old.remove();
    var p = el("p", "passage-notice" + (isError ? " notice-error" : ""), text);
    p.setAttribute("role", isError ? "alert" : "status");
    box.insertBefore(p, box.firstChild);
  }

  function openForm(kind, passage, question) {
    var title = question ? question.text : kind === "error" ? data.reportLabel : data.commentLabel;
    var box = openDialog(title);
    var query = question ? "domanda=" + encodeURIComponent(question.id) : "tipo=" + (kind === "error" ? "errore" : "commento");
    fetch(data.formUrl + "?" + query, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) throw new Error(response.status);
      return response.text();
    }).then(function (html) {
      var template = document.createElement("template");
      template.innerHTML = html;
      var form = template.content.querySelector("form");
      if (!form) throw new Error("form");
      if (passage) {
        ["exact", "prefix", "suffix", "start"].forEach(function (name) {
          var input = form.querySelector("[name=" + name + "]");
          if (input) input.value = passage[name];
        });
        var quote = form.querySelector(".passage-quote p");
        if (quote) quote.textContent = passage.exact;
      }
      form.addEventListener("submit", function (event) { event.preventDefault(); submit(form, box, question); });
      box.appendChild(form);
      var first = form.querySelector("textarea");
      if (first) first.focus();
    }).catch(function () { say(box, data.errorLabel, true); });
  }

  function submit(form, box, question) {
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    fetch(form.action, { method: "POST", body: new FormData(form), headers: JSON_ACCEPT, credentials: "same-origin" })
      .then(function (response) {
        return response.json().then(function (json) { json.ok = response.ok; return json; });
      }).then(function (json) {
        button.disabled = false;
        form.querySelectorAll(".field-error").forEach(function (node) { node.remove(); });
        if (!json.ok) {
          say(box, json.message || data.errorLabel, true);
          Object.keys(json.errors || {}).forEach(function (name) {
            var input = form.querySelector("[name=" + name + "]:not([type=hidden])");
            if (input) {
              input.setAttribute("aria-invalid", "true");
              input.parentNode.appendChild(el("span", "field-error", json.errors[name].join(" ")));
            }
          });
          return;
        }
        form.remove();
        say(box, json.message);
        if (question && json.published) bump(question.id);
        loadMap();
      }).catch(function () { button.disabled = false; say(box, data.errorLabel, true); });
  }

  /* -- Highlights of commented passages, and answer counts ---------------------------------- */

  function bump(id) {
    var badge = body.querySelector('.block-feedback[data-question="' + CSS.escape(id) + '"] .feedback-count');
    if (badge) setCount(badge, (Number(badge.dataset.count) || 0) + 1);
  }

  function setCount(badge, count) {
    badge.dataset.count = count;
    badge.textContent = count;
    badge.hidden = !count;
  }

  function locate(passage) {
    var text = model.text;
    if (text.slice(passage.start, passage.end) === passage.exact) return passage.start;
    var best = -1, at = text.indexOf(passage.exact);
    while (at !== -1) {
      if (best < 0 || Math.abs(at - passage.start) < Math.abs(best - passage.start)) best = at;
      at = text.indexOf(passage.exact, at + 1);
    }
    return best;
  }

  function mark(start, end, passage) {
    var groups = [];
    for (var i = start; i < end; i++) {
      var at = model.map[i];
      if (!at) continue;
      var last = groups[groups.length - 1];
      if (last && last.node === at[0]) last.to = at[1];
      else groups.push({ node: at[0], from: at[1], to: at[1] });
    }
    var marks = [];
    groups.reverse().forEach(function (group) {
      var middle = group.node.splitText(group.from);
      middle.splitText(group.to - group.from + 1);
      var node = el("mark", "passage-mark");
      node.dataset.comments = passage.comments.map(function (c) { return c.id; }).join(" ");
      middle.replaceWith(node);
      node.appendChild(middle);
      node.addEventListener("click", function () { showComments(passage); });
      marks.unshift(node);
    });
    if (!marks.length) return;
    var count = el("button", "passage-count", String(passage.comments.length));
    count.type = "button";
    count.setAttribute("aria-label", passage.comments.length + " " + data.countLabel);
    count.addEventListener("click", function () { showComments(passage); });
    marks[marks.length - 1].after(count);
    passage.comments.forEach(function (comment) {
      var target = el("span");
      target.id = "passaggio-" + comment.id;
      marks[0].before(target);
    });
  }

  function showComments(passage) {
    var box = openDialog(passage.exact);
    var list = el("ul", "passage-comments");
    passage.comments.forEach(function (comment) {
      var item = el("li");
      var link = el("a", "", comment.author + ": " + comment.excerpt);
      link.href = "#commento-" + comment.id;
      link.addEventListener("click", function () { dialog.close(); });
      item.appendChild(link);
      list.appendChild(item);
    });
    box.appendChild(list);
  }

  function clearMarks() {
    body.querySelectorAll(".passage-count, [id^=passaggio-]").forEach(function (node) { node.remove(); });
    body.querySelectorAll("mark.passage-mark").forEach(function (node) {
      node.replaceWith.apply(node, node.childNodes);
    });
    body.normalize();
  }

  function loadMap() {
    fetch(data.mapUrl, { credentials: "same-origin" }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (json) {
      if (!json) return;
      clearMarks();
      model = read();
      var done = Infinity;
      json.passages.map(function (passage) {
        return { passage: passage, start: locate(passage) };
      }).filter(function (item) { return item.start >= 0; })
        .sort(function (a, b) { return b.start - a.start; })
        .forEach(function (item) {
          var end = item.start + item.passage.exact.length;
          if (end > done) return;
          mark(item.start, end, item.passage);
          done = item.start;
        });
      body.querySelectorAll(".feedback-count").forEach(function (badge) {
        setCount(badge, json.questions[badge.closest(".block-feedback").dataset.question] || 0);
      });
      if (location.hash && /^#passaggio-/.test(location.hash)) {
        var target = document.getElementById(location.hash.slice(1));
        if (target) target.scrollIntoView({ block: "center" });
      }
    }).catch(function () {});
  }

  /* -- Wiring ------------------------------------------------------------------------------- */

  var timer;
  document.addEventListener("selectionchange", function () {
    clearTimeout(timer);
    timer = setTimeout(showTools, 250);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") hideTools();
    /* Keyboard users: Tab from a selection in the body goes to its toolbar (focus would
       otherwise start from wherever it was before the selection was made). */
    if (event.key !== "Tab" || event.shiftKey || event.altKey || event.ctrlKey || event.metaKey) return;
    var selection = window.getSelection();
    if (!selection.rangeCount || selection.isCollapsed || !body.contains(selection.anchorNode)) return;
    if (!tools) showTools();
    var first = tools && tools.querySelector("button");
    if (!first || tools.contains(document.activeElement)) return;
    clearTimeout(timer);
    event.preventDefault();
    first.focus();
  });
  body.addEventListener("click", function (event) {
    var link = event.target.closest(".feedback-open");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    openForm("comment", null, { id: link.dataset.question, text: link.dataset.questionText });
  });
  loadMap();
})();
