/* engagekit standalone survey. Everything from the instrument arrives escaped in the HTML or as
   JSON data; values from the URL (placeholders such as ?brand=) are only ever set as textContent. */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("ek-config").textContent);
  var params = new URLSearchParams(window.location.search);
  var ui = cfg.ui;

  // ---- seeded order (same algorithm as instruments/survey/order.py) ----------------------
  function fnv1a32(text) {
    var bytes = new TextEncoder().encode(text);
    var h = 0x811c9dc5;
    for (var i = 0; i < bytes.length; i++) {
      h ^= bytes[i];
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h >>> 0;
  }
  function mulberry32(seed) {
    var a = seed >>> 0;
    return function () {
      a = (a + 0x6d2b79f5) >>> 0;
      var t = Math.imul(a ^ (a >>> 15), a | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  function shuffled(list, seed) {
    var out = list.slice();
    var rand = mulberry32(fnv1a32(seed));
    for (var i = out.length - 1; i > 0; i--) {
      var j = Math.floor(rand() * (i + 1));
      var tmp = out[i]; out[i] = out[j]; out[j] = tmp;
    }
    return out;
  }

  // ---- respondent, seed, placeholders ------------------------------------------------------
  var ID_RE = /^[A-Za-z0-9_.:-]{1,64}$/;
  function newId() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    var b = new Uint8Array(16);
    window.crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
  }
  // Served by `engagekit serve`, cfg.server holds the collection URLs, the invitee's id and
  // the saved page to resume on; the answers then go to the server instead of a download only.
  var srv = cfg.server || null;
  var store = null;
  try { store = window.localStorage; } catch (err) { store = null; }
  function remember(key, value) {
    if (!store || !srv) { return; }
    try {
      if (value === null) { store.removeItem("engagekit:" + srv.study + ":" + key); }
      else { store.setItem("engagekit:" + srv.study + ":" + key, value); }
    } catch (err) { /* private mode: nothing kept */ }
  }
  function recall(key) {
    if (!store || !srv) { return null; }
    try { return store.getItem("engagekit:" + srv.study + ":" + key); } catch (err) { return null; }
  }
  var given = params.get("respondent_id") || params.get("rid") || "";
  if (srv && srv.respondent_id) { given = srv.respondent_id; }
  else if (srv && !ID_RE.test(given)) { given = recall("respondent") || ""; }
  var respondentId = ID_RE.test(given) ? given : newId();
  if (srv && !srv.respondent_id) { remember("respondent", respondentId); }
  var seed = params.get("seed") || respondentId;

  var values = {};
  Object.keys(cfg.placeholders).forEach(function (name) {
    var v = params.get(name);
    values[name] = (v !== null && v.trim() !== "") ? v.slice(0, 200) : cfg.placeholders[name];
  });
  document.querySelectorAll("[data-pipe]").forEach(function (el) {
    var name = el.getAttribute("data-pipe");
    if (Object.prototype.hasOwnProperty.call(values, name)) { el.textContent = values[name]; }
  });
  document.title = cfg.title.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, function (m, name) {
    return Object.prototype.hasOwnProperty.call(values, name) ? values[name] : m;
  });

  // ---- item order: shuffle randomized blocks, never the options ---------------------------
  document.querySelectorAll('section[data-randomize="true"]').forEach(function (section) {
    var box = section.querySelector(".items");
    var items = Array.prototype.slice.call(box.querySelectorAll("fieldset.item"));
    var byId = {};
    items.forEach(function (f) { byId[f.getAttribute("data-item")] = f; });
    var ids = items.map(function (f) { return f.getAttribute("data-item"); });
    shuffled(ids, seed + ":" + section.getAttribute("data-block")).forEach(function (id) {
      box.appendChild(byId[id]);
    });
  });
  var displayOrder = Array.prototype.map.call(
    document.querySelectorAll("fieldset.item"), function (f) { return f.getAttribute("data-item"); });

  // ---- pages -------------------------------------------------------------------------------
  var questionPages = Array.prototype.slice.call(document.querySelectorAll('section[data-kind="questions"]'));
  var flow = [];
  ["page-consent", "page-intro"].forEach(function (id) {
    var el = document.getElementById(id);
    if (el) { flow.push(el); }
  });
  flow = flow.concat(questionPages);
  var thanks = document.getElementById("page-thanks");
  var progress = document.getElementById("progress");
  var current = null;
  var startedAt = null;

  function show(section, quiet) {
    if (current) { current.hidden = true; }
    section.hidden = false;
    current = section;
    var n = questionPages.indexOf(section);
    if (n >= 0) {
      progress.hidden = false;
      document.getElementById("progress-bar").value = n;
      document.getElementById("progress-text").textContent =
        ui.progress.replace("{n}", String(n + 1)).replace("{total}", String(questionPages.length));
    } else if (section === thanks) {
      document.getElementById("progress-bar").value = questionPages.length;
      progress.hidden = true;
    } else {
      progress.hidden = true;
    }
    window.scrollTo(0, 0);
    var h = section.querySelector("h2");
    if (h && !quiet) { h.focus(); }
  }
  function begin() { if (!startedAt) { startedAt = new Date().toISOString(); } }
  function go(step) {
    var i = flow.indexOf(current) + step;
    if (i >= 0 && i < flow.length) { show(flow[i]); }
  }

  // ---- the collection server (only when served by `engagekit serve`) ----------------------
  var consentId = null;
  var token = params.get("t");
  function api(url) { return token ? url + "?t=" + encodeURIComponent(token) : url; }
  function send(method, url, body, headers) {
    var h = { "Content-Type": "application/json" };
    if (consentId) { h["X-Engagekit-Consent"] = consentId; }
    Object.keys(headers || {}).forEach(function (k) { h[k] = headers[k]; });
    return fetch(api(url), { method: method, headers: h, body: JSON.stringify(body),
                             credentials: "omit", cache: "no-store" })
      .then(function (res) {
        return res.json().catch(function () { return {}; }).then(function (data) {
          return { status: res.status, ok: res.ok, data: data };
        });
      });
  }
  function serverMessage(reply) {
    var d = reply.data || {};
    return (d.message_key && ui[d.message_key]) || d.message || d.error || ui.send_failed;
  }
  function say(text) {
    var box = current && current.querySelector(".error-summary");
    var status = document.getElementById("post-status");
    if (box) { box.textContent = text; box.hidden = false; } else { status.textContent = text; }
  }

  var agree = document.getElementById("consent-agree");
  if (agree) {
    agree.addEventListener("click", function () {
      if (!srv) { begin(); go(1); return; }
      agree.disabled = true;
      send("POST", srv.consent, { decision: "agreed", respondent_id: respondentId })
        .then(function (reply) {
          agree.disabled = false;
          if (!reply.ok) { say(serverMessage(reply)); return; }
          consentId = reply.data.consent_id;
          remember("consent:" + respondentId, consentId);
          begin(); go(1);
        })
        .catch(function () { agree.disabled = false; say(ui.send_failed); });
    });
    document.getElementById("consent-decline").addEventListener("click", function () {
      flow = [];
      show(document.getElementById("page-declined"));
      if (srv) {
        send("POST", srv.consent, { decision: "declined", respondent_id: respondentId })
          .catch(function () { return null; });
        remember("respondent", null);
      }
    });
  }
  var start = document.getElementById("start");
  if (start) { start.addEventListener("click", function () { begin(); go(1); }); }
  document.querySelectorAll("button.back").forEach(function (b) {
    b.addEventListener("click", function () { go(-1); });
  });

  // ---- answers and validation --------------------------------------------------------------
  function answerOf(fieldset) {
    var kind = fieldset.getAttribute("data-kind");
    if (kind === "numeric") {
      var input = fieldset.querySelector("input");
      if (input.value.trim() === "") { return { value: null, ok: true }; }
      var x = Number(input.value);
      var ok = Number.isInteger(x) &&
        (input.min === "" || x >= Number(input.min)) && (input.max === "" || x <= Number(input.max));
      return { value: ok ? x : null, ok: ok };
    }
    if (kind === "free_text") {
      var t = fieldset.querySelector("textarea").value.trim();
      return { value: t === "" ? null : t, ok: true };
    }
    var checked = fieldset.querySelector("input:checked");
    return { value: checked ? Number(checked.value) : null, ok: true };
  }
  function setError(fieldset, message) {
    var err = fieldset.querySelector(".error");
    if (message) {
      err.textContent = message;
      err.hidden = false;
      fieldset.classList.add("invalid");
      fieldset.setAttribute("aria-describedby", err.id);
    } else {
      err.textContent = "";
      err.hidden = true;
      fieldset.classList.remove("invalid");
      fieldset.removeAttribute("aria-describedby");
    }
  }
  function validate(section) {
    var bad = [];
    section.querySelectorAll("fieldset.item").forEach(function (f) {
      var a = answerOf(f);
      var message = "";
      if (!a.ok) {
        var input = f.querySelector("input");
        message = ui.number_range.replace("{min}", input.min).replace("{max}", input.max);
      } else if (a.value === null && f.getAttribute("data-required") === "true") {
        message = ui.required;
      }
      setError(f, message);
      if (message) { bad.push(f); }
    });
    var summary = section.querySelector(".error-summary");
    if (bad.length) {
      summary.textContent = ui.missing_summary.replace("{n}", String(bad.length));
      summary.hidden = false;
      bad[0].querySelector("input, textarea").focus();
      return false;
    }
    summary.hidden = true;
    summary.textContent = "";
    return true;
  }
  document.querySelectorAll("fieldset.item").forEach(function (f) {
    f.addEventListener("change", function () {
      if (f.classList.contains("invalid") && answerOf(f).ok && answerOf(f).value !== null) { setError(f, ""); }
    });
  });

  // ---- the response (engagekit response format) -------------------------------------------
  function buildResponse() {
    var r = {
      respondent_id: respondentId,
      instrument_id: cfg.instrument_id,
      instrument_version: cfg.instrument_version,
      language: cfg.language,
      started_at: startedAt,
      ended_at: new Date().toISOString(),
      display_order: displayOrder
    };
    cfg.items.forEach(function (id) {
      var f = document.getElementById("item-" + id);
      r[id] = f ? answerOf(f).value : null;
    });
    return r;
  }
  function csvCell(v) {
    if (v === null || v === undefined) { return ""; }
    var s = Array.isArray(v) ? JSON.stringify(v) : String(v);
    // text a spreadsheet would run as a formula gets a leading ' (engagekit's readers remove
    // it again); plain numbers such as -99 are data and stay as they are
    if (/^'*[=+\-@\t\r\n\uff1d\uff0b\uff0d\uff20]/.test(s) &&
        !/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(s)) { s = "'" + s; }
    return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }
  function toCsv(r) {
    var head = cfg.columns.map(csvCell).join(",");
    var row = cfg.columns.map(function (c) { return csvCell(r[c]); }).join(",");
    return head + "\r\n" + row + "\r\n";
  }
  function offer(id, text, type, name) {
    var a = document.getElementById(id);
    a.href = URL.createObjectURL(new Blob([text], { type: type }));
    a.download = name;
  }
  function endpointUrl() {
    var e = params.get("endpoint") || cfg.endpoint || "";
    if (!e) { return null; }
    try {
      var u = new URL(e);
      return (u.protocol === "https:" || u.protocol === "http:") ? u.href : null;
    } catch (err) { return null; }
  }

  document.getElementById("survey-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    if (!validate(current)) { return; }
    if (current !== questionPages[questionPages.length - 1]) {
      go(1);
      if (srv) { savePage(); }
      return;
    }
    begin();
    var response = buildResponse();
    if (srv) { submitToServer(response); return; }
    finish(response);
    var json = JSON.stringify([response], null, 2) + "\n";
    var url = endpointUrl();
    var status = document.getElementById("post-status");
    if (url) {
      fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: json })
        .then(function (res) {
          status.textContent = res.ok ? ui.sent : ui.send_failed;
          thanks.setAttribute("data-post", res.ok ? "ok" : "failed");
        })
        .catch(function () {
          status.textContent = ui.send_failed;
          thanks.setAttribute("data-post", "failed");
        });
    }
  });

  function finish(response) {
    var json = JSON.stringify([response], null, 2) + "\n";
    var base = cfg.instrument_id + "_" + respondentId.replace(/[^A-Za-z0-9_-]/g, "_");
    offer("download-json", json, "application/json", base + ".json");
    offer("download-csv", toCsv(response), "text/csv", base + ".csv");
    document.getElementById("response-json").textContent = json;
    thanks.setAttribute("data-response", JSON.stringify(response));
    window.engagekitResponse = response;
    show(thanks);
  }
  // One page saved: the answers so far and the page to resume on (best effort; the last save
  // wins). data-saved on <html> names the page the server has confirmed.
  function savePage() {
    var page = current.getAttribute("data-block");
    var r = buildResponse();
    var answers = {};
    cfg.items.forEach(function (id) { answers[id] = r[id]; });
    send("PUT", srv.partial, { respondent_id: respondentId, page: page, answers: answers,
                               started_at: startedAt, display_order: displayOrder })
      .then(function (reply) {
        if (reply.ok) { document.documentElement.setAttribute("data-saved", page); }
      })
      .catch(function () { return null; });
  }
  // The complete response, sent with an idempotency key that survives a reload, retried on
  // network errors and server errors with the same key (a retry never stores it twice).
  function submitToServer(response) {
    var key = recall("key:" + respondentId) || newId();
    remember("key:" + respondentId, key);
    var button = document.getElementById("submit");
    button.disabled = true;
    var attempt = 0;
    function tryOnce() {
      attempt += 1;
      send("POST", srv.submit, response, { "Idempotency-Key": key })
        .then(function (reply) {
          if (reply.ok) {
            remember("key:" + respondentId, null);
            remember("consent:" + respondentId, null);
            remember("respondent", null);
            finish(response);
            document.getElementById("post-status").textContent = ui.sent;
            thanks.setAttribute("data-post", "ok");
            document.documentElement.setAttribute("data-post", "ok");
            return;
          }
          if ((reply.status >= 500 || reply.status === 429) && attempt < 6) {
            setTimeout(tryOnce, 500 * Math.pow(2, attempt - 1));
            return;
          }
          button.disabled = false;
          say(serverMessage(reply));
          document.documentElement.setAttribute("data-post", "refused");
        })
        .catch(function () {
          if (attempt < 6) { setTimeout(tryOnce, 500 * Math.pow(2, attempt - 1)); return; }
          button.disabled = false;
          say(ui.send_failed);
          document.documentElement.setAttribute("data-post", "failed");
        });
    }
    tryOnce();
  }
  function restore(saved) {
    Object.keys(saved.answers || {}).forEach(function (id) {
      var v = saved.answers[id];
      var f = document.getElementById("item-" + id);
      if (!f || v === null || v === undefined) { return; }
      var kind = f.getAttribute("data-kind");
      if (kind === "numeric") { f.querySelector("input").value = String(v); }
      else if (kind === "free_text") { f.querySelector("textarea").value = String(v); }
      else {
        f.querySelectorAll("input").forEach(function (input) {
          input.checked = input.value === String(v);
        });
      }
    });
    startedAt = saved.started_at || null;
    consentId = saved.consent_id || recall("consent:" + respondentId);
    var target = document.getElementById("page-" + saved.page);
    return questionPages.indexOf(target) >= 0 ? target : null;
  }

  if (!flow.length) { return; }
  if (!document.getElementById("page-consent") && !document.getElementById("page-intro")) { begin(); }
  var resumeAt = (srv && srv.resume) ? restore(srv.resume) : null;
  show(resumeAt || flow[0], true);
  document.documentElement.setAttribute("data-ready", "true");
})();
