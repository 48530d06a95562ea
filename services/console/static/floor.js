// The supervisor's screens: times in the reader's own time zone, and the live floor, which fetches its parts from
// the console every couple of seconds and puts in place those whose content changed. The parts are HTML the
// console rendered (every value in them escaped there); nothing here builds markup from data.
"use strict";

(function () {
  // <time datetime="..."> written in UTC by the server: shown in the browser's time zone and language.
  function localTimes(root) {
    var language = document.documentElement.getAttribute("lang") || undefined;
    root.querySelectorAll("time[datetime]").forEach(function (element) {
      var when = new Date(element.getAttribute("datetime"));
      if (isNaN(when.getTime())) { return; }
      element.title = element.textContent;
      element.textContent = when.toLocaleString(language, { dateStyle: "short", timeStyle: "short" });
    });
  }

  // The focused control of a part, by its data-key, so that it keeps the focus after the part is replaced.
  function focusedKey(part) {
    var active = document.activeElement;
    return active && part.contains(active) ? active.getAttribute("data-key") : null;
  }

  function refocus(part, key) {
    if (!key) { return; }
    var again = part.querySelector('[data-key="' + CSS.escape(key) + '"]');
    if (again) { again.focus(); }
  }

  // Each part's HTML as the console sent it (before its times were localized), to tell whether it changed.
  var received = {};

  function remember(container) {
    container.querySelectorAll("[data-floor-section]").forEach(function (part) {
      received[part.getAttribute("data-floor-section")] = part.innerHTML;
    });
  }

  function swap(container, html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    template.content.querySelectorAll("[data-floor-section]").forEach(function (fresh) {
      var name = fresh.getAttribute("data-floor-section");
      var current = container.querySelector('[data-floor-section="' + CSS.escape(name) + '"]');
      if (!current || fresh.hasAttribute("data-unchanged") || received[name] === fresh.innerHTML) { return; }
      received[name] = fresh.innerHTML;
      var key = focusedKey(current);
      localTimes(fresh);
      current.replaceWith(fresh);
      refocus(fresh, key);
    });
  }

  function poll(container) {
    var url = container.getAttribute("data-floor-live");
    var every = Math.max(500, parseInt(container.getAttribute("data-interval"), 10) || 2000);
    var status = document.getElementById("floor-status");
    function show(state) {
      if (!status || status.getAttribute("data-state") === state) { return; }
      status.setAttribute("data-state", state);
      status.textContent = status.getAttribute("data-text-" + state) || "";
    }
    function next() { window.setTimeout(tick, every); }
    function tick() {
      if (document.hidden) { next(); return; }
      var alerts = container.querySelector('[data-floor-section="alerts"]');
      var version = alerts ? alerts.getAttribute("data-version") || "" : "";
      fetch(url + "?alerts=" + encodeURIComponent(version), {
        credentials: "same-origin",
        headers: { "Accept": "text/html" },
        redirect: "error"
      }).then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      }).then(function (html) {
        swap(container, html);
        show("connected");
      }).catch(function () {
        show("lost");
      }).then(next);
    }
    next();
  }

  function start() {
    var container = document.querySelector("[data-floor-live]");
    if (container) { remember(container); }
    localTimes(document);
    if (container) { poll(container); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
