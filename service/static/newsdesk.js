// Newsdesk page: submit an article, poll its analysis, ask for an API key when the service needs one.
(function () {
  "use strict";
  var body = document.body;
  var base = body.dataset.base || "";
  var KEY = "newsdesk-api-key";
  var pending = null; // what to retry once a key is given

  function key() { return sessionStorage.getItem(KEY) || ""; }
  function headers(extra) {
    var h = extra || {};
    if (key()) { h.Authorization = "Bearer " + key(); }
    return h;
  }

  var keyForm = document.getElementById("key-form");
  function askKey(message, retry) {
    pending = retry;
    if (message) { document.getElementById("key-message").textContent = message; }
    keyForm.hidden = false;
    document.getElementById("key").focus();
  }
  keyForm.addEventListener("submit", function (e) {
    e.preventDefault();
    sessionStorage.setItem(KEY, document.getElementById("key").value.trim());
    document.getElementById("key").value = "";
    keyForm.hidden = true;
    if (pending) { var p = pending; pending = null; p(); }
  });
  document.getElementById("key-forget").addEventListener("click", function () {
    sessionStorage.removeItem(KEY);
    document.getElementById("key-message").textContent = "Key forgotten. Enter a key to continue.";
  });

  if (body.dataset.auth === "1" && !key() && document.getElementById("submit-form")) {
    askKey("", null); // keys are on: ask before the first submission
  }

  // 401/403 answers ask for a key, then retry; other answers go to the caller
  function call(url, options, retry) {
    options = options || {};
    options.headers = headers(options.headers);
    return fetch(url, options).then(function (r) {
      if (r.status === 401 || r.status === 403) {
        return r.json().catch(function () { return {}; }).then(function (p) {
          askKey((p.detail || "An API key is needed.") + " The key is kept in this browser tab only.", retry);
          return null;
        });
      }
      return r;
    });
  }

  function textOf(value) {
    // a pasted web page: keep its text (DOMParser runs no scripts and loads nothing)
    if (!/^\s*</.test(value) || !/<\/?(html|body|p|div|article|span|h1)\b/i.test(value)) { return value; }
    var doc = new DOMParser().parseFromString(value, "text/html");
    doc.querySelectorAll("script, style, noscript, template").forEach(function (n) { n.remove(); });
    var blocks = doc.body.querySelectorAll("p, h1, h2, h3, h4, li, blockquote");
    if (blocks.length) {
      return Array.prototype.map.call(blocks, function (n) { return n.textContent.trim(); })
        .filter(Boolean).join("\n\n");
    }
    return doc.body.textContent.trim();
  }

  var submitForm = document.getElementById("submit-form");
  if (submitForm) {
    var status = document.getElementById("submit-status");
    var submit = function () {
      var doc = { text: textOf(submitForm.text.value) };
      ["title", "published_at", "url"].forEach(function (f) {
        if (submitForm[f].value.trim()) { doc[f] = submitForm[f].value.trim(); }
      });
      status.textContent = "Submitting…";
      call(base + "/v1/documents", {
        method: "POST", body: JSON.stringify(doc), headers: { "Content-Type": "application/json" }
      }, submit).then(function (r) {
        if (!r) { status.textContent = ""; return; }
        return r.json().then(function (p) {
          if (r.status === 202) {
            window.location.assign(base + "/documents/" + encodeURIComponent(p.id));
          } else {
            var fields = p.errors ? " " + JSON.stringify(p.errors) : "";
            status.textContent = "Not accepted (" + r.status + "): " + (p.detail || p.title || "") + fields;
          }
        });
      }).catch(function (err) { status.textContent = "Could not reach the service: " + err; });
    };
    submitForm.addEventListener("submit", function (e) { e.preventDefault(); submit(); });
  }

  var openForm = document.getElementById("open-form");
  if (openForm) {
    openForm.addEventListener("submit", function (e) {
      e.preventDefault();
      window.location.assign(base + "/documents/" + encodeURIComponent(openForm.id.value.trim()));
    });
  }

  var target = document.getElementById("analysis");
  if (target) {
    var docStatus = document.getElementById("doc-status");
    var id = target.dataset.id;
    var started = Date.now();
    var seen = -1; // sections finished so far: the server answers as soon as another one finishes
    var poll = function () {
      var url = base + "/documents/" + encodeURIComponent(id) + "/analysis" +
        (seen < 0 ? "" : "?wait=5&seen=" + seen);
      call(url, {}, poll).then(function (r) {
        if (!r) { docStatus.textContent = "Waiting for an API key."; return; }
        return r.text().then(function (html) {
          if (r.status !== 200 && r.status !== 404) {
            docStatus.textContent = "The service answered " + r.status + "; retrying.";
            window.setTimeout(poll, 2000);
            return;
          }
          target.innerHTML = html;
          var root = target.querySelector(".analysis");
          var state = root ? root.dataset.status : "unknown";
          if (root && root.dataset.finished) {
            docStatus.textContent = state === "missing" ? "Not found." :
              "Analysis " + state + " (" + root.dataset.count + " of " + root.dataset.total + " sections).";
            body.dataset.loaded = state;
            body.dataset.elapsedMs = String(Date.now() - started);
          } else {
            seen = Number(root.dataset.count);
            docStatus.textContent = "Status: " + state + " (" + root.dataset.count + " of " +
              root.dataset.total + " sections finished)…";
            window.setTimeout(poll, 50);
          }
        });
      }).catch(function (err) {
        docStatus.textContent = "Could not reach the service (" + err + "); retrying.";
        window.setTimeout(poll, 2000);
      });
    };
    poll();
  }
}());
