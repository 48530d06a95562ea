// The agent's desk and case pages, live: the router's stream (offers) and the case service's stream (messages,
// delivery reports, SLA signals, case changes), both relayed by the console with the agent's own token, refresh the
// parts of the page they concern. A part is re-read from the console as rendered HTML (escaped by the server's
// templates): no customer text is ever put together here. Countdowns tick every second.
"use strict";

(function () {
  var page = document.getElementById("desk-page");
  if (!page || !window.Console) { return; }
  var caseId = page.getAttribute("data-case-id") || "";
  var pendingCase = page.getAttribute("data-pending-case") || "";
  var statusElement = document.getElementById("live-status");
  var notices = document.getElementById("live-notices");
  var MAX_NOTICES = 5;
  var REFRESH_DELAY_MS = 50;
  var PENDING_RETRY_MS = 3000;

  // --- parts of the page, re-read when what they show has changed

  var wanted = {};
  var timer = null;
  var loading = {};

  function regions(kind) {
    return Array.prototype.filter.call(document.querySelectorAll("[data-refresh-on]"), function (region) {
      return region.getAttribute("data-refresh-on").split(" ").indexOf(kind) >= 0;
    });
  }

  function refresh(kind) {
    regions(kind).forEach(function (region) {
      var url = region.getAttribute("data-part") || window.location.pathname;
      wanted[url] = wanted[url] || [];
      if (wanted[url].indexOf(region) < 0) { wanted[url].push(region); }
    });
    if (timer === null) { timer = window.setTimeout(flush, REFRESH_DELAY_MS); }
  }

  function flush() {
    timer = null;
    var batch = wanted;
    wanted = {};
    Object.keys(batch).forEach(function (url) { load(url, batch[url]); });
  }

  function load(url, targets) {
    if (loading[url]) {  // one read per part at a time; what changed meanwhile is read right after
      loading[url].again = (loading[url].again || []).concat(targets);
      return;
    }
    loading[url] = {};
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) { if (html !== null) { swap(html, targets); } })
      .catch(function () { /* the next event or reconnection reads it again */ })
      .then(function () {
        var again = loading[url].again;
        delete loading[url];
        if (again) { load(url, again); }
      });
  }

  function swap(html, targets) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    targets.forEach(function (region) {
      var source = (region.id && doc.getElementById(region.id)) || doc.body;
      var nodes = Array.prototype.map.call(source.childNodes, function (node) { return document.importNode(node, true); });
      var kept = keep(region);
      region.replaceChildren.apply(region, nodes);
      restore(kept);
    });
    tick();
  }

  // What the agent was doing in a part (an opened section, a half-typed reason, the focus) survives its refresh.
  function keep(region) {
    var kept = { open: [], values: [], focus: null };
    region.querySelectorAll("details[id][open]").forEach(function (element) { kept.open.push(element.id); });
    region.querySelectorAll("input[id], select[id], textarea[id]").forEach(function (element) {
      if (element.type !== "hidden") { kept.values.push([element.id, element.value]); }
    });
    if (document.activeElement && document.activeElement.id && region.contains(document.activeElement)) {
      kept.focus = document.activeElement.id;
    }
    return kept;
  }

  function restore(kept) {
    kept.open.forEach(function (id) { var element = document.getElementById(id); if (element) { element.open = true; } });
    kept.values.forEach(function (pair) { var element = document.getElementById(pair[0]); if (element) { element.value = pair[1]; } });
    if (kept.focus) { var focused = document.getElementById(kept.focus); if (focused) { focused.focus(); } }
  }

  // --- notices in words (a live region read out by screen readers)

  function referenceOf(id) {
    var found = null;
    document.querySelectorAll("[data-case-id][data-reference]").forEach(function (element) {
      if (element.getAttribute("data-case-id") === id && !found) { found = element.getAttribute("data-reference"); }
    });
    return found || id;
  }

  function notify(template, id) {
    if (!notices || !template) { return; }
    var line = document.createElement("p");
    line.className = "live-notice";
    Console.setText(line, template.replace("{reference}", referenceOf(id)));
    notices.insertBefore(line, notices.firstChild);
    while (notices.childNodes.length > MAX_NOTICES) { notices.removeChild(notices.lastChild); }
  }

  // --- the two streams

  var streams = [];

  function showStatus() {
    if (!statusElement) { return; }
    var ready = streams.every(function (stream) { return stream.ready; });
    var before = statusElement.getAttribute("data-state");
    var state = ready ? "connected" : (before === "connected" || before === "lost" ? "lost" : "connecting");
    statusElement.setAttribute("data-state", state);
    Console.setText(statusElement, statusElement.getAttribute("data-text-" + state) || "");
  }

  // `console_ready` comes once the service listens (services/console/live.py): from then on nothing is missed, so
  // the parts are read again then, for what changed between the page's rendering (or a lost connection) and now.
  function connect(url, events, onEvent) {
    if (!url) { return; }
    var stream = { ready: false };
    var handlers = {};
    events.forEach(function (name) { handlers[name] = function (data) { onEvent(name, data || {}); }; });
    handlers.console_ready = function () {
      stream.ready = true;
      onEvent("ready", {});
      showStatus();
    };
    handlers.console_error = function () { stream.ready = false; showStatus(); };
    var source = Console.live(url, handlers, null);
    source.addEventListener("error", function () { stream.ready = false; showStatus(); });
    streams.push(stream);
    return source;
  }

  var ROUTER_EVENTS = ["offer", "offer_expired", "offer_declined", "offer_rescinded", "assignment", "assignment_ended", "follow_up", "escalation"];
  var CASE_EVENTS = ["message.added", "delivery.updated", "sla.at_risk", "sla.breached", "case.updated"];

  connect(page.getAttribute("data-live-offers"), ROUTER_EVENTS, function (name, data) {
    refresh("offers");
    if (caseId && (name === "ready" || data.case_id === caseId)) { refresh("case"); }
  });

  connect(page.getAttribute("data-live-cases"), CASE_EVENTS, function (name, data) {
    if (pendingCase) {
      if (name === "ready" || (name === "case.updated" && data.case_id === pendingCase)) { openWhenReady(); }
      return;
    }
    refresh("cases");
    if (caseId && (name === "ready" || data.case_id === caseId)) { refresh("case"); }
    if (name === "sla.at_risk") { notify(page.getAttribute("data-text-sla-at-risk"), data.case_id); }
    if (name === "sla.breached") { notify(page.getAttribute("data-text-sla-breached"), data.case_id); }
    if (name === "message.added" && data.author === "customer" && data.case_id !== caseId) {
      notify(page.getAttribute("data-text-new-message"), data.case_id);
    }
  });

  // A case being handed over: opened as soon as the case service shows it (told on its stream, or checked again).
  function openWhenReady() {
    fetch(window.location.pathname, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { if (response.ok) { return response.text(); } return null; })
      .then(function (html) {
        if (html && html.indexOf('data-pending-case="') < 0) { window.location.reload(); }
      })
      .catch(function () { /* the next event or check */ });
  }

  if (pendingCase) { window.setInterval(openWhenReady, PENDING_RETRY_MS); }

  // --- countdowns: offers' time left, SLA clocks

  function duration(seconds) {
    var total = Math.floor(Math.abs(seconds));
    var days = Math.floor(total / 86400);
    var hours = Math.floor((total % 86400) / 3600);
    var minutes = Math.floor((total % 3600) / 60);
    var secs = total % 60;
    function two(n) { return (n < 10 ? "0" : "") + n; }
    if (days) { return days + " d " + hours + " h"; }
    if (hours) { return hours + " h " + two(minutes) + " min"; }
    if (minutes) { return minutes + " min " + two(secs) + " s"; }
    return secs + " s";
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-countdown]").forEach(function (element) {
      var due = Date.parse(element.getAttribute("data-countdown"));
      if (isNaN(due)) { return; }
      var left = (due - now) / 1000;
      var leftText = element.getAttribute("data-text-left") || "{time}";
      var overText = element.getAttribute("data-text-over") || "";
      var template = left > 0 ? leftText : overText;
      element.setAttribute("data-state", left > 0 ? "left" : "over");
      Console.setText(element, template.replace("{time}", duration(left)));
    });
  }

  tick();
  window.setInterval(tick, 1000);
})();
