// The console's shared script: no inline handlers anywhere (the Content-Security-Policy forbids them), so behaviour
// is attached here to data attributes. Screens add their own file and use window.Console.
"use strict";

(function () {
  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // A form with data-confirm="question" asks before it is sent.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  // fetch() to the console with the session's CSRF token; resolves to the parsed JSON (or null), rejects on >= 400.
  function send(method, url, body) {
    var options = { method: method, credentials: "same-origin", headers: { "X-CSRF-Token": csrfToken(), "Accept": "application/json" } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(url, options).then(function (response) {
      return response.text().then(function (text) {
        var data = text ? JSON.parse(text) : null;
        if (!response.ok) {
          var error = new Error((data && (data.detail || data.title)) || String(response.status));
          error.status = response.status;
          throw error;
        }
        return data;
      });
    });
  }

  // Live updates: an EventSource on a console route, with `handlers` by event name; the element `statusElement`
  // (optional) shows connecting / connected / lost through its data-state and the texts in its data-* attributes.
  function live(url, handlers, statusElement) {
    var source = new EventSource(url);
    function show(state) {
      if (!statusElement) { return; }
      statusElement.setAttribute("data-state", state);
      var text = statusElement.getAttribute("data-text-" + state);
      if (text) { statusElement.textContent = text; }
    }
    show("connecting");
    source.addEventListener("open", function () { show("connected"); });
    source.addEventListener("error", function () { show("lost"); });
    Object.keys(handlers || {}).forEach(function (name) {
      source.addEventListener(name, function (event) {
        var data = null;
        try { data = event.data ? JSON.parse(event.data) : null; } catch (ignored) { data = event.data; }
        handlers[name](data, event);
      });
    });
    return source;
  }

  // Text into an element, never as HTML: customer text is data.
  function setText(element, text) {
    element.textContent = text == null ? "" : String(text);
  }

  window.Console = { csrfToken: csrfToken, send: send, live: live, setText: setText };
})();
