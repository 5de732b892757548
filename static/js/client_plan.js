// The client's plan page. Without this file the page works: it prints from the browser's
// menu, and "Keep a copy" downloads a file. With it: a Print button, and "Keep on this
// phone", which registers the service worker (static/js/sw.js, served as /p/sw.js) for
// this link's path only when the client chooses it, and asks it to keep the page.
(function () {
  "use strict";
  var print = document.querySelector("[data-print]");
  if (print) {
    print.hidden = false;
    print.addEventListener("click", function () { window.print(); });
  }

  var box = document.querySelector("[data-keep]");
  if (!box || !("serviceWorker" in navigator) || !window.caches || !window.MessageChannel) return;
  var scope = box.getAttribute("data-scope");
  var status = box.querySelector("[data-keep-status]");
  var add = box.querySelector("[data-keep-add]");
  var remove = box.querySelector("[data-keep-remove]");
  var kept = !!document.querySelector(".kept-note");  // this is the kept copy itself
  box.hidden = false;

  function ask(worker, message) {
    return new Promise(function (resolve, reject) {
      var channel = new MessageChannel();
      channel.port1.onmessage = function (event) {
        if (event.data && event.data.error) reject(new Error(event.data.error));
        else resolve(event.data);
      };
      worker.postMessage(message, [channel.port2]);
    });
  }

  function active(registration) {
    return new Promise(function (resolve) {
      var worker = registration.installing || registration.waiting;
      if (!worker) return resolve(registration.active);
      worker.addEventListener("statechange", function () {
        if (worker.state === "activated") resolve(registration.active);
      });
    });
  }

  function show(savedOn, text) {
    add.hidden = !!savedOn;
    remove.hidden = !savedOn;
    if (savedOn) {
      var date = new Date(savedOn).toLocaleString(document.documentElement.lang || undefined,
        { dateStyle: "long", timeStyle: "short", hourCycle: "h23", timeZone: box.getAttribute("data-time-zone") || undefined });
      text = box.getAttribute("data-kept").replace("{date}", date);
    }
    status.textContent = text || "";
  }

  function assets() {
    var urls = [];
    document.querySelectorAll('link[rel="stylesheet"], script[src]').forEach(function (el) {
      urls.push(el.href || el.src);
    });
    return urls;
  }

  function keep(registration) {
    return active(registration).then(function (worker) {
      return ask(worker, { action: "keep", page: box.getAttribute("data-page"), assets: assets() });
    });
  }

  function failed() { show(null, box.getAttribute("data-failed")); }

  // Is this plan kept? Then, online, bring the kept copy up to date.
  navigator.serviceWorker.getRegistration(scope).then(function (registration) {
    if (!registration || new URL(registration.scope).pathname !== scope) return show(null, "");
    return active(registration).then(function (worker) {
      return ask(worker, { action: "status" });
    }).then(function (answer) {
      show(answer.savedOn, "");
      if (answer.savedOn && !kept && navigator.onLine) {
        return keep(registration).then(function (fresh) { show(fresh.savedOn, ""); });
      }
    });
  }).catch(function () { show(null, ""); });

  add.addEventListener("click", function () {
    add.disabled = true;
    navigator.serviceWorker.register(box.getAttribute("data-worker"), { scope: scope })
      .then(keep)
      .then(function (answer) { show(answer.savedOn, ""); remove.focus(); })
      .catch(failed)
      .then(function () { add.disabled = false; });
  });

  remove.addEventListener("click", function () {
    remove.disabled = true;
    navigator.serviceWorker.getRegistration(scope).then(function (registration) {
      if (!registration) return;
      return active(registration).then(function (worker) {
        return ask(worker, { action: "forget" });
      }).then(function () { return registration.unregister(); });
    }).then(function () {
      show(null, box.getAttribute("data-removed"));
      add.focus();
    }).catch(failed).then(function () { remove.disabled = false; });
  });
})();
