// Saving without leaving the page. A form marked data-save-in-place is sent with fetch
// (the same POST, the same fields, the pressed button's name and value); the server
// answers exactly as it does without JavaScript (a redirect to the saved page, the form
// again with its errors, 409 with the conflict of a stale save), and that answer
// replaces the page's body here. Any other answer leaves the page as it is, with what
// was typed, and the form's [data-save-failed] live region says "Not saved — try again":
// no network, a 5xx, no answer within TIMEOUT, or a refusal (403 for a form that went
// stale, 404...), which would otherwise replace the text with an error page. Nothing is
// kept in the browser. Without this file the form posts as usual, and a save that fails
// shows what was typed on the error page (crisisplan.errors.server_error).
(function () {
  "use strict";
  // The page's scripts run again when a save's answer replaces the body: once is enough.
  if (window.crisisPlanSavesInPlace) { return; }
  window.crisisPlanSavesInPlace = true;
  if (!window.fetch || !window.DOMParser || !window.URLSearchParams || !window.AbortController) { return; }

  var TIMEOUT = 25000;

  function failed(form, status) {
    delete form.dataset.saving;
    // What was typed is still unsaved: the idle sign-out warning counts it again.
    form.dispatchEvent(new Event("change", { bubbles: true }));
    form.querySelectorAll("[data-save-failed]").forEach(function (box) {
      box.textContent = "";
      // A moment later, so that a second failure is announced again.
      window.setTimeout(function () {
        var strong = document.createElement("strong");
        strong.textContent = box.getAttribute("data-text");
        box.appendChild(strong);
        var detail = status ? box.getAttribute("data-refused").replace("%s", String(status)) : box.getAttribute("data-detail");
        box.appendChild(document.createTextNode(" " + detail));
      }, 50);
    });
  }

  function show(html, url) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    document.title = doc.title;
    // Scripts parsed here never run (a parsed document has no scripting, and a script
    // that was connected there counts as started): take them out, put the new body in,
    // then add fresh copies to this document, in order, so the page's scripts set it up.
    var scripts = Array.prototype.slice.call(doc.body.querySelectorAll("script"));
    scripts.forEach(function (old) { old.remove(); });
    document.body.replaceWith(document.adoptNode(doc.body));
    scripts.forEach(function (old) {
      var script = document.createElement("script");
      Array.prototype.forEach.call(old.attributes, function (a) { script.setAttribute(a.name, a.value); });
      script.async = false;
      script.textContent = old.textContent;
      document.body.appendChild(script);
    });
    if (url && url !== window.location.href) { window.history.replaceState(null, "", url); }
    window.scrollTo(0, 0);
    var main = document.getElementById("main");
    if (main) { main.focus({ preventScroll: true }); }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-save-in-place")) { return; }
    if ((form.getAttribute("method") || "").toLowerCase() !== "post") { return; }
    event.preventDefault();
    if (form.dataset.saving) { return; }  // a second click while the first is on its way
    form.dataset.saving = "1";
    form.querySelectorAll("[data-save-failed]").forEach(function (box) { box.textContent = ""; });
    var body = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (typeof value === "string") { body.append(name, value); }
    });
    var button = event.submitter;
    if (button && button.name) { body.append(button.name, button.value); }
    var controller = new AbortController();
    // data-save-timeout (milliseconds) where a form needs another limit.
    var limit = parseInt(form.getAttribute("data-save-timeout"), 10) || TIMEOUT;
    var timer = window.setTimeout(function () { controller.abort(); }, limit);
    fetch(form.action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      signal: controller.signal,
      headers: { "X-Requested-With": "fetch" }
    }).then(function (response) {
      if (response.status >= 500) { throw new Error("HTTP " + response.status); }
      if (response.status >= 400 && response.status !== 409) {
        window.clearTimeout(timer);
        failed(form, response.status);
        return null;
      }
      return response.text().then(function (html) {
        window.clearTimeout(timer);
        show(html, response.url);
      });
    }).catch(function () {
      window.clearTimeout(timer);
      failed(form, 0);
    });
  });
})();
