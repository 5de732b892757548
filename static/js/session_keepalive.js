// Unsaved work and the idle sign-out. On a page with a form marked data-unsaved-work:
// typing keeps the session alive (a keep-alive POST at most every minute, up to the
// session's hard limit), and when the session is about to end with unsaved changes a
// warning offers "Stay signed in". Nothing typed is stored in the browser: if the
// session ends anyway, Save still sends the form, the server keeps it encrypted and
// shows it again after the next login. Without this script, that last part still holds.
(function () {
  "use strict";
  var config = document.querySelector("script[data-keepalive-url]");
  var box = document.getElementById("session-warning");
  var forms = document.querySelectorAll("form[data-unsaved-work]");
  if (!config || !box || !forms.length || !window.fetch) { return; }

  function seconds(name) { return Number(config.getAttribute(name)) * 1000; }
  var idle = seconds("data-session-idle");
  var loaded = Date.now();
  var endsAt = loaded + seconds("data-session-ends-in");
  var hardAt = loaded + seconds("data-session-hard-ends-in");
  var warnBefore = Math.min(120000, idle / 2);
  var pingEvery = Math.min(60000, idle / 4);
  var lastPing = loaded;
  var dirty = false;
  var ended = false;
  var timer = null;
  var stay = box.querySelector("[data-action=stay]");
  var token = document.querySelector("form[data-unsaved-work] input[name=csrfmiddlewaretoken]");

  function show(which) {
    box.querySelectorAll("[data-when]").forEach(function (text) {
      text.hidden = text.getAttribute("data-when") !== which;
    });
    stay.hidden = which !== "soon";
    box.hidden = false;
  }

  function check() {
    window.clearTimeout(timer);
    var now = Date.now();
    if (now >= endsAt) {
      ended = true;
      if (dirty) { show("ended"); } else { box.hidden = true; }
      return;
    }
    var warnAt = endsAt - warnBefore;
    if (dirty && now >= warnAt) {
      show(hardAt - endsAt < 1000 ? "hard" : "soon");
    } else {
      box.hidden = true;
    }
    timer = window.setTimeout(check, Math.max(250, (now < warnAt ? warnAt : endsAt) - now));
  }

  function keepAlive() {
    lastPing = Date.now();
    fetch(config.getAttribute("data-keepalive-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": token ? token.value : "" }
    }).then(function (response) {
      return response.json().then(function (data) {
        var now = Date.now();
        if (response.ok) {
          endsAt = now + data.ends_in * 1000;
          hardAt = now + data.hard_ends_in * 1000;
        } else {
          endsAt = now;
        }
        check();
      });
    }).catch(function () { /* offline: the timers carry on */ });
  }

  function typed() {
    dirty = true;
    if (!ended && Date.now() - lastPing >= pingEvery) { keepAlive(); } else { check(); }
  }

  forms.forEach(function (form) {
    form.addEventListener("input", typed);
    form.addEventListener("change", typed);
    form.addEventListener("submit", function () { dirty = false; box.hidden = true; });
  });
  stay.addEventListener("click", keepAlive);
  check();
})();
