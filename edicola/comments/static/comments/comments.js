/* Edicola discussion: optional enhancement of the server-rendered comment section.
   Every action below also works as a plain form or link without this script. */
(function () {
  "use strict";
  var root = document.querySelector(".discussion-inner");
  if (!root || !window.fetch || !window.FormData) return;
  var data = root.dataset;
  var version = data.version;
  var pageQuery = data.pageQuery || "";
  var sort = data.sort;
  var notice = root.querySelector(".discussion-notice");
  var myVotes = {};
  var JSON_ACCEPT = { Accept: "application/json" };
  var POLL_MS = 8000;

  function $(selector, scope) { return (scope || root).querySelector(selector); }
  function $$(selector, scope) { return Array.prototype.slice.call((scope || root).querySelectorAll(selector)); }
  function byId(id) { return document.getElementById("commento-" + id); }

  function say(text, isError) {
    notice.textContent = "";
    if (!text) return;
    var p = document.createElement("p");
    if (isError) p.className = "notice-error";
    p.textContent = text;
    notice.appendChild(p);
  }

  function parse(html) {
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content;
  }

  function send(url, body) {
    return fetch(url, { method: "POST", body: body, headers: JSON_ACCEPT, credentials: "same-origin" })
      .then(function (response) {
        return response.json().catch(function () {
          return { message: response.statusText || String(response.status) };
        }).then(function (json) {
          json.ok = response.ok;
          return json;
        });
      });
  }

  function getText(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) throw new Error(response.status);
      return response.text();
    });
  }

  function failed() { say(data.errorLabel || "Error", true); }

  /* -- Reader state: votes, editable comments, remembered details ------------------------- */

  function applyVotes(scope) {
    $$(".comment-vote", scope).forEach(function (form) {
      var li = form.closest(".comment");
      var mine = myVotes[li.dataset.id] || 0;
      form.querySelector(".vote-up").setAttribute("aria-pressed", String(mine === 1));
      form.querySelector(".vote-down").setAttribute("aria-pressed", String(mine === -1));
    });
  }

  function addEditLink(id, urls) {
    var li = byId(id);
    if (!li || $(".comment-edit", li)) return;
    var actions = $(".comment-actions", li);
    if (!actions) return;
    var link = document.createElement("a");
    link.className = "comment-edit";
    link.href = urls.edit;
    link.rel = "nofollow";
    link.textContent = data.editLabel;
    actions.appendChild(link);
  }

  var editable = {};
  function loadState() {
    fetch(data.stateUrl, { headers: JSON_ACCEPT, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) {
        if (!state) return;
        myVotes = state.votes || {};
        editable = state.editable || {};
        applyVotes();
        Object.keys(editable).forEach(function (id) { addEditLink(id, editable[id]); });
        $$("input[name=stamp][data-stamp-form=comment]").forEach(function (input) {
          input.value = state.stamp;
        });
        var guest = state.guest || {};
        ["name", "email", "url"].forEach(function (field) {
          $$(".comment-form input[name=" + field + "]").forEach(function (input) {
            if (!input.value && guest[field]) input.value = guest[field];
          });
        });
      })
      .catch(function () {});
  }

  /* -- Forms: errors shown in place ------------------------------------------------------ */

  function clearErrors(form) {
    $$(".field-error, .form-errors", form).forEach(function (node) { node.remove(); });
    $$("[aria-invalid]", form).forEach(function (node) {
      node.removeAttribute("aria-invalid");
      node.removeAttribute("aria-describedby");
    });
  }

  function showErrors(form, json) {
    clearErrors(form);
    var box = document.createElement("div");
    box.className = "form-errors";
    box.setAttribute("role", "alert");
    var p = document.createElement("p");
    p.textContent = json.message || "";
    box.appendChild(p);
    form.insertBefore(box, form.firstChild.nextSibling);
    var first = null;
    Object.keys(json.errors || {}).forEach(function (name) {
      var input = form.querySelector("[name=" + name + "]");
      if (!input || input.type === "hidden") return;
      var error = document.createElement("span");
      error.className = "field-error";
      error.id = (input.id || name) + "-error";
      error.textContent = json.errors[name].join(" ");
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", error.id);
      input.parentNode.appendChild(error);
      first = first || input;
    });
    if (first) first.focus();
  }

  function busy(form, on) {
    $$("button", form).forEach(function (button) { button.disabled = on; });
  }

  /* -- Inserting rendered comments ------------------------------------------------------- */

  function listFor(parentId) {
    if (parentId) {
      var parent = byId(parentId);
      if (!parent) return null;
      var replies = parent.querySelector(":scope > .comment-replies");
      if (!replies) {
        replies = document.createElement("ol");
        replies.className = "comment-replies";
        parent.appendChild(replies);
      }
      return replies;
    }
    var list = $(".comment-list");
    if (!list) {
      list = document.createElement("ol");
      list.className = "comment-list";
      var empty = $(".discussion-empty");
      var thread = $(".comment-thread");
      if (empty) empty.replaceWith(list);
      else thread.insertBefore(list, $(".comment-pages", thread));
    }
    return list;
  }

  function insertComment(li, atTop) {
    var list = listFor(li.dataset.parent);
    if (!list) return false;
    li.classList.add("is-new");
    if (atTop && !li.dataset.parent) {
      var first = $$(":scope > .comment:not(.is-pinned)", list)[0];
      list.insertBefore(li, first || null);
    } else {
      list.appendChild(li);
    }
    enhance(li);
    return true;
  }

  function enhance(scope) {
    applyVotes(scope);
    $$(".spoiler", scope).forEach(function (node) { node.tabIndex = 0; });
  }

  /* -- Posting a comment or a reply ------------------------------------------------------ */

  function submitComment(form) {
    busy(form, true);
    send(form.action, new FormData(form)).then(function (json) {
      busy(form, false);
      if (!json.ok) { showErrors(form, json); return; }
      clearErrors(form);
      form.querySelector("textarea").value = "";
      if (json.stamp) {
        $$("input[name=stamp][data-stamp-form=comment]").forEach(function (input) {
          input.value = json.stamp;
        });
      }
      say(json.message);
      if (json.html) {
        var li = parse(json.html).firstElementChild;
        if (byId(json.id)) byId(json.id).replaceWith(li);
        else insertComment(li, sort === "newest");
        editable[json.id] = true;
        li.scrollIntoView({ block: "nearest" });
      }
      var box = form.closest(".comment-reply-box");
      if (box) box.remove();
    }).catch(function () { busy(form, false); failed(); });
  }

  function openReply(link) {
    var li = link.closest(".comment");
    var open = $(".comment-reply-box", li);
    if (open && open.parentNode === li) { open.remove(); return; }
    var main = document.getElementById("commento-form");
    if (!main) return;
    var box = document.createElement("div");
    box.className = "comment-reply-box";
    var form = main.cloneNode(true);
    var prefix = "risposta-" + li.dataset.id;
    form.id = prefix + "-form";
    $$("[id],[for],[aria-describedby]", form).forEach(function (node) {
      ["id", "for", "aria-describedby"].forEach(function (attr) {
        var value = node.getAttribute(attr);
        if (value) node.setAttribute(attr, value.replace(/^commento-/, prefix + "-"));
      });
    });
    clearErrors(form);
    var title = $(".comment-form-title", form);
    title.textContent = data.replyLabel || title.textContent;
    $(".form-submit button", form).textContent = data.replyButton || title.textContent;
    $("textarea", form).value = "";
    var parent = document.createElement("input");
    parent.type = "hidden";
    parent.name = "parent";
    parent.value = li.dataset.id;
    form.appendChild(parent);
    box.appendChild(form);
    li.insertBefore(box, li.querySelector(":scope > .comment-replies"));
    $("textarea", form).focus();
  }

  /* -- Votes, reports, edits ------------------------------------------------------------- */

  function submitVote(form, button) {
    var li = form.closest(".comment");
    var id = li.dataset.id;
    var value = Number(button.value);
    if ((myVotes[id] || 0) === value) value = 0;
    var body = new FormData();
    body.append("value", String(value));
    busy(form, true);
    send(form.action, body).then(function (json) {
      busy(form, false);
      if (!json.ok) { say(json.message, true); return; }
      myVotes[id] = json.value;
      var score = $(".comment-score", form);
      score.lastChild.textContent = String(json.score);
      score.dataset.score = json.score;
      applyVotes(li);
    }).catch(function () { busy(form, false); failed(); });
  }

  function openInline(link, selectors) {
    var li = link.closest(".comment");
    var existing = li.querySelector(":scope > .comment-inline");
    if (existing) { existing.remove(); return; }
    getText(link.href).then(function (html) {
      var page = parse(html);
      var box = document.createElement("div");
      box.className = "comment-inline";
      selectors.forEach(function (selector) {
        var form = page.querySelector(selector);
        if (!form) return;
        $$("[id],[for]", form).forEach(function (node) {
          ["id", "for"].forEach(function (attr) {
            var value = node.getAttribute(attr);
            if (value) node.setAttribute(attr, "c" + li.dataset.id + "-" + value);
          });
        });
        box.appendChild(form);
      });
      if (!box.firstChild) {
        var message = page.querySelector(".form-errors");
        say(message ? message.textContent.trim() : "", true);
        return;
      }
      li.insertBefore(box, li.querySelector(":scope > .comment-replies, :scope > .comment-reply-box"));
      var first = box.querySelector("input:not([type=hidden]), textarea");
      if (first) first.focus();
    }).catch(failed);
  }

  function submitInline(form) {
    var li = form.closest(".comment");
    busy(form, true);
    send(form.action, new FormData(form)).then(function (json) {
      busy(form, false);
      if (!json.ok) { showErrors(form, json); return; }
      if (json.html) {
        var fresh = parse(json.html).firstElementChild;
        var replies = li.querySelector(":scope > .comment-replies");
        if (replies) fresh.appendChild(replies);
        li.replaceWith(fresh);
        enhance(fresh);
        if (editable[json.id] && !fresh.classList.contains("is-removed")) addEditLink(json.id, editable[json.id]);
      } else {
        var box = form.closest(".comment-inline");
        if (box) box.remove();
      }
      if (json.message) say(json.message);
    }).catch(function () { busy(form, false); failed(); });
  }

  /* -- Sorting, more comments, live updates ---------------------------------------------- */

  function fragmentUrl(query) {
    return data.fragmentUrl + "?" + ["ordine=" + encodeURIComponent(sort), query].filter(Boolean).join("&");
  }

  function applyCount(thread) {
    var label = thread.dataset.countLabel;
    if (label) $(".discussion-count").textContent = label;
  }

  function loadThread(query, append) {
    return getText(fragmentUrl(query)).then(function (html) {
      var fresh = parse(html).querySelector(".comment-thread");
      var current = $(".comment-thread");
      if (append) {
        var list = $(".comment-list", current);
        $$(".comment-list > .comment", fresh).forEach(function (li) {
          if (!byId(li.dataset.id)) { list.appendChild(li); enhance(li); }
        });
        var pages = $(".comment-pages", current);
        var freshPages = $(".comment-pages", fresh);
        if (pages) pages.replaceWith(freshPages || document.createTextNode(""));
      } else {
        current.replaceWith(fresh);
        enhance(fresh);
        Object.keys(editable).forEach(function (id) { addEditLink(id, editable[id]); });
      }
      pageQuery = query;
      applyCount(fresh);
    }).catch(failed);
  }

  function merge(html) {
    var fresh = parse(html).querySelector(".comment-thread");
    if (!fresh) return;
    $$(".comment", fresh).forEach(function (li) {
      var existing = byId(li.dataset.id);
      if (!existing) {
        var nested = li.querySelector(":scope > .comment-replies");
        if (nested) nested.remove();
        insertComment(li, sort === "newest");
        return;
      }
      if (li.classList.contains("is-removed") !== existing.classList.contains("is-removed")) {
        var replies = existing.querySelector(":scope > .comment-replies");
        var nestedFresh = li.querySelector(":scope > .comment-replies");
        if (nestedFresh) nestedFresh.remove();
        if (replies) li.appendChild(replies);
        existing.replaceWith(li);
        enhance(li);
        return;
      }
      var score = li.querySelector(":scope > .comment-main .comment-score");
      var mine = existing.querySelector(":scope > .comment-main .comment-score");
      if (score && mine && score.dataset.score !== mine.dataset.score) {
        mine.dataset.score = score.dataset.score;
        mine.lastChild.textContent = score.dataset.score;
      }
    });
    applyCount(fresh);
  }

  var polling = false;
  function poll() {
    if (document.hidden || polling) return;
    polling = true;
    fetch(data.liveUrl, { headers: { "If-None-Match": '"v' + version + '"' }, cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        if (response.status !== 200) return null;
        return response.json();
      })
      .then(function (json) {
        if (!json || String(json.version) === String(version)) return null;
        version = json.version;
        return getText(fragmentUrl(pageQuery)).then(merge);
      })
      .catch(function () {})
      .then(function () { polling = false; });
  }

  /* -- Wiring ---------------------------------------------------------------------------- */

  root.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.classList.contains("comment-vote")) {
      event.preventDefault();
      submitVote(form, event.submitter || $(".vote-up", form));
    } else if (form.classList.contains("comment-form")) {
      event.preventDefault();
      submitComment(form);
    } else if (form.closest(".comment-inline")) {
      if (form.classList.contains("comment-delete-form") && data.deleteConfirm && !window.confirm(data.deleteConfirm)) {
        event.preventDefault();
        return;
      }
      event.preventDefault();
      submitInline(form);
    }
  });

  root.addEventListener("click", function (event) {
    var link = event.target.closest("a, .spoiler");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
    if (link.classList.contains("spoiler")) { link.classList.toggle("is-open"); return; }
    var handled = true;
    if (link.classList.contains("comment-reply")) openReply(link);
    else if (link.classList.contains("comment-report")) openInline(link, [".comment-report-form"]);
    else if (link.classList.contains("comment-edit")) openInline(link, [".comment-edit-form", ".comment-delete-form"]);
    else if (link.dataset.sort) {
      sort = link.dataset.sort;
      fetch(link.href, { headers: JSON_ACCEPT, credentials: "same-origin" }).catch(function () {});
      loadThread(pageQuery, false);
    } else if (link.classList.contains("comment-show-all")) loadThread("commenti=tutti", false);
    else if (link.classList.contains("comment-next")) loadThread(link.search.slice(1), true);
    else handled = false;
    if (handled) event.preventDefault();
  });

  root.addEventListener("keydown", function (event) {
    if ((event.key === "Enter" || event.key === " ") && event.target.classList.contains("spoiler")) {
      event.preventDefault();
      event.target.classList.toggle("is-open");
    }
  });

  enhance(root);
  loadState();
  window.setInterval(poll, POLL_MS);
  document.addEventListener("visibilitychange", poll);
})();
