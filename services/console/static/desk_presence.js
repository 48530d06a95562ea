// The agent's presence in the header of every page: shown as it is in routing, changed with one click (PUT through
// the console, without leaving the page). Without script the same buttons post the form.
"use strict";

(function () {
  var form = document.getElementById("presence-switch");
  if (!form || !window.Console) { return; }
  var url = form.getAttribute("data-url");

  function show(presence) {
    form.setAttribute("data-presence", presence || "");
    form.querySelectorAll("button[name=presence]").forEach(function (button) {
      button.setAttribute("aria-pressed", button.value === presence ? "true" : "false");
    });
  }

  function read() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data) { show(data.presence); } })
      .catch(function () { /* shown as the page came */ });
  }

  form.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (!button || button.name !== "presence") { return; }
    event.preventDefault();
    form.setAttribute("aria-busy", "true");
    Console.send("PUT", url, { presence: button.value })
      .then(function (data) { show(data.presence); form.removeAttribute("data-error"); })
      .catch(function (error) { form.setAttribute("data-error", error.message); form.title = error.message; })
      .then(function () { form.removeAttribute("aria-busy"); });
  });

  read();
})();
