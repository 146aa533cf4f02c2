/* The roll call: one tap per trainee, saved at once; without signal, kept in localStorage and sent
   when it returns. Each mark carries the time it was taken and an id of its own, so the server
   stores a mark sent twice once and lets the mark taken last win. Plain JS, no build step.
   The rows come as JSON from the marks endpoint (kept on the phone for a reload without signal); at
   most data-shown-at-most of them are drawn at once, the others found by searching, so that a
   session of thousands costs the server and the phone no more than a hall's. */
(function () {
  "use strict";
  var root = document.querySelector(".roll-call");
  if (!root) return;
  var rows = [];
  var statuses = JSON.parse(document.getElementById("roll-call-statuses").textContent);
  var text = JSON.parse(document.getElementById("roll-call-text").textContent);
  var marksUrl = root.dataset.marksUrl;
  var storageKey = root.dataset.storageKey;
  var csrf = root.querySelector("input[name=csrfmiddlewaretoken]").value;
  var list = document.getElementById("roll-call-list");
  var search = document.getElementById("roll-call-search");
  var unmarkedOnly = document.getElementById("roll-call-unmarked-only");
  var connection = document.getElementById("roll-call-connection");
  var shownAtMost = parseInt(root.dataset.shownAtMost, 10) || 300;
  var rosterKey = storageKey + ".roster";
  var labels = {};
  statuses.forEach(function (s) { labels[s.value] = s.label; });
  var byId = {};
  var sending = false;

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, name) { return values[name]; });
  }
  function clientId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }
  function queue() {
    try { return JSON.parse(localStorage.getItem(storageKey) || "[]"); } catch (e) { return []; }
  }
  function saveQueue(items) {
    try { localStorage.setItem(storageKey, JSON.stringify(items)); } catch (e) { /* private mode: in memory only */ }
  }

  function render(row) {
    var li = row.element;
    if (!li) return;  // not drawn yet: drawn with its state when a search shows it
    li.dataset.status = row.status || "none";
    row.statusText.textContent = row.status ? labels[row.status] : text.not_marked;
    if (row.pending) row.statusText.textContent += " · " + text.saving;
    row.buttons.forEach(function (button) {
      button.setAttribute("aria-pressed", String(button.value === row.status));
    });
  }

  function build(row) {
    var li = document.createElement("li");
    li.className = "roll-call-row";
    var group = document.createElement("div");
    group.setAttribute("role", "group");
    var nameId = "trainee-" + row.enrolment;
    group.setAttribute("aria-labelledby", nameId);
    var who = document.createElement("div");
    who.className = "who";
    var avatar = document.createElement("span");
    avatar.className = "avatar";
    avatar.setAttribute("aria-hidden", "true");
    avatar.textContent = row.initials;
    var name = document.createElement("span");
    name.className = "name";
    name.id = nameId;
    name.textContent = row.name;
    var country = document.createElement("span");
    country.className = "country";
    country.textContent = row.country;
    var state = document.createElement("span");
    state.className = "state";
    who.append(avatar, name, country, state);
    var buttons = document.createElement("div");
    buttons.className = "rc-marks";
    row.buttons = statuses.map(function (s) {
      var button = document.createElement("button");
      button.type = "button";
      button.value = s.value;
      button.className = "rc-mark rc-" + s.value;
      button.textContent = s.label;
      button.addEventListener("click", function () { take([{ row: row, status: s.value }]); });
      buttons.appendChild(button);
      return button;
    });
    group.append(who, buttons);
    li.appendChild(group);
    row.element = li;
    row.statusText = state;
    render(row);
    return li;
  }

  function counts() {
    var unmarked = rows.filter(function (r) { return !r.status; }).length;
    document.getElementById("unmarked-count").textContent = format(text.unmarked, { count: unmarked });
  }

  function filter() {
    var term = search.value.trim().toLowerCase();
    var matching = rows.filter(function (row) {
      return (!term || row.search.indexOf(term) !== -1) && (!unmarkedOnly.checked || !row.status);
    });
    var shown = matching.slice(0, shownAtMost).map(function (row) { return row.element || build(row); });
    var current = Array.prototype.slice.call(list.children);
    // Put back only when the rows shown change: moving the row just tapped would take its focus.
    if (current.length !== shown.length || shown.some(function (li, i) { return current[i] !== li; })) {
      list.replaceChildren.apply(list, shown);
    }
    document.getElementById("roll-call-empty").hidden = matching.length > 0;
    var more = document.getElementById("roll-call-more");
    more.hidden = matching.length <= shown.length;
    more.textContent = more.hidden ? "" : format(text.more, { shown: shown.length, count: matching.length });
  }

  function take(items, onlyIfUnmarked) {
    var now = new Date().toISOString();
    var pending = queue();
    items.forEach(function (item) {
      item.row.status = item.status;
      item.row.pending = true;
      render(item.row);
      pending.push({ enrolment: item.row.enrolment, status: item.status, taken_at: now, client_id: clientId(),
                     only_if_unmarked: !!onlyIfUnmarked });
    });
    saveQueue(pending);
    counts();
    filter();
    flush();
  }

  function apply(serverRow) {
    var row = byId[serverRow.enrolment];
    if (!row) return;
    row.status = serverRow.status || "";
    row.taken_at = serverRow.taken_at;
    row.pending = queue().some(function (m) { return m.enrolment === row.enrolment; });
    render(row);
  }

  function showConnection(message) { connection.textContent = message; }

  function flush() {
    var pending = queue();
    if (sending || !pending.length) return;
    sending = true;
    var batch = pending.slice(0, 5000);
    fetch(marksUrl, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
      body: JSON.stringify({ marks: batch })
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, status: response.status, body: body }; });
    }).then(function (result) {
      var sent = {};
      batch.forEach(function (m) { sent[m.client_id] = true; });
      if (result.ok || result.status === 400) {
        // Sent: stored, or refused for good (a refusal would only repeat); either way off the queue.
        saveQueue(queue().filter(function (m) { return !sent[m.client_id]; }));
      }
      if (result.ok) {
        result.body.rows.forEach(apply);
        showConnection(queue().length ? format(text.queued, { count: queue().length }) : text.sent);
      } else {
        showConnection(format(text.refused, { reason: (result.body.errors || []).join(" ") }));
        refresh();
      }
    }).catch(function () {
      showConnection(format(text.queued, { count: queue().length }));
    }).then(function () {
      sending = false;
      counts();
      if (queue().length && navigator.onLine !== false) setTimeout(flush, 5000);
    });
  }

  function refresh() {
    // Other people's marks: taken over unless a mark of ours for that trainee is still waiting.
    fetch(marksUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) {
        if (!body) return;
        var seen = {};
        var waiting = {};
        queue().forEach(function (m) { waiting[m.enrolment] = true; });
        body.rows.forEach(function (r) { seen[r.enrolment] = true; if (!waiting[r.enrolment]) apply(r); });
        rows.forEach(function (row) {
          if (!seen[row.enrolment] && !waiting[row.enrolment] && row.status) { row.status = ""; render(row); }
        });
        counts();
        filter();
      }).catch(function () {});
  }

  // A row as the marks endpoint sends it (its "columns": enrolment, called, family name, country code,
  // status, taken at), named. Array.from: a name's first character may lie beyond 16 bits.
  function named(r, countries) {
    var initials = (Array.from(r[1])[0] || "") + (Array.from(r[2])[0] || "");
    return { enrolment: r[0], name: r[1] + " " + r[2], initials: initials.toUpperCase(),
             country: countries[r[3]] || r[3], status: r[4], taken_at: r[5] };
  }

  function start(loaded) {
    document.getElementById("roll-call-loading").hidden = true;
    rows = loaded;
    rows.forEach(function (row) { byId[row.enrolment] = row; row.search = row.name.toLowerCase(); });
    // Marks this phone kept from an earlier visit without signal: shown, then sent.
    queue().forEach(function (m) {
      var row = byId[m.enrolment];
      if (row && !(m.only_if_unmarked && row.status)) { row.status = m.status; row.pending = true; }
    });
    counts();
    filter();
    search.addEventListener("input", filter);
    unmarkedOnly.addEventListener("change", filter);
    document.getElementById("roll-call-mark-all").addEventListener("click", function () {
      take(rows.filter(function (r) { return !r.status; }).map(function (r) { return { row: r, status: "present" }; }), true);
    });
    window.addEventListener("online", flush);
    window.addEventListener("offline", function () { showConnection(format(text.queued, { count: queue().length })); });
    setInterval(function () { if (!queue().length) refresh(); else flush(); }, 20000);
    flush();
  }

  fetch(marksUrl + "?everyone=1", { credentials: "same-origin", headers: { "Accept": "application/json" } })
    .then(function (response) { if (!response.ok) throw new Error(response.status); return response.json(); })
    .then(function (body) {
      var loaded = body.rows.map(function (r) { return named(r, body.countries); });
      try { localStorage.setItem(rosterKey, JSON.stringify(loaded)); } catch (e) { /* full, or private mode */ }
      return loaded;
    })
    .catch(function () {
      var kept = null;
      try { kept = JSON.parse(localStorage.getItem(rosterKey) || "null"); } catch (e) { kept = null; }
      return kept;
    })
    .then(function (loaded) {
      if (loaded) { start(loaded); return; }
      document.getElementById("roll-call-loading").textContent = text.unloaded;
    });
})();
