// CrisisPlan's service worker, served as /p/sw.js. client_plan.js registers it for one
// private link's path (/p/<token>/), and only when the client chooses "Keep on this phone".
//
// What it stores, in one cache per link: the plan page as it was when kept (fetched with
// ?kept=1, so that it says when it was saved), the date, and the page's stylesheet and
// script. The cache keys hold no token: the cache is named by a hash of the link's path,
// the page and the date are kept under fixed token-free keys (/p/sw-kept/...), the assets
// under their own /static/ URLs. The page itself holds its link, as the browser's
// history does. "Remove from this phone" deletes the cache and unregisters the worker.
//
// Online, the link's pages come from the network; a 404 for the link means it was
// revoked, replaced or has expired: the kept plan is deleted and the worker unregisters.
// Offline (or when the server fails), the link's pages open the kept plan.
"use strict";

var PAGE = new URL("sw-kept/page", self.location).href;
var SAVED = new URL("sw-kept/saved", self.location).href;

function scopePath() {
  return new URL(self.registration.scope).pathname;
}

function cacheName() {
  var path = new TextEncoder().encode(scopePath());
  return crypto.subtle.digest("SHA-256", path).then(function (digest) {
    var hex = Array.prototype.map.call(new Uint8Array(digest), function (byte) {
      return ("0" + byte.toString(16)).slice(-2);
    });
    return "crisisplan-kept-" + hex.join("").slice(0, 32);
  });
}

function withCache(use) {
  // Never creates a cache: nothing is stored unless the client chose it.
  return cacheName().then(function (name) {
    return caches.has(name).then(function (has) {
      return has ? caches.open(name).then(use) : undefined;
    });
  });
}

function forget() {
  return cacheName().then(function (name) { return caches.delete(name); });
}

function ours(url) {
  var parsed = new URL(url, self.location);
  return parsed.origin === self.location.origin ? parsed.href : null;
}

function keep(message) {
  var page = ours(message.page);
  if (!page || new URL(page).pathname.indexOf(scopePath()) !== 0) {
    return Promise.reject(new Error("not this link's page"));
  }
  var assets = (message.assets || []).map(ours).filter(function (url) {
    return url && new URL(url).pathname.indexOf("/static/") === 0;
  });
  return fetch(page, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
    if (!response.ok || response.redirected) throw new Error("the plan is not open");
    var savedOn = new Date().toISOString();
    return cacheName().then(function (name) { return caches.open(name); }).then(function (cache) {
      return cache.addAll(assets).then(function () {
        return Promise.all([
          cache.put(PAGE, response),
          cache.put(SAVED, new Response(savedOn)),
        ]);
      }).then(function () {
        // Assets of an older version of the page go.
        var wanted = [PAGE, SAVED].concat(assets);
        return cache.keys().then(function (requests) {
          return Promise.all(requests.filter(function (request) {
            return wanted.indexOf(request.url) < 0;
          }).map(function (request) { return cache.delete(request); }));
        });
      });
    }).then(function () { return { savedOn: savedOn }; });
  });
}

function status() {
  return withCache(function (cache) { return cache.match(SAVED); }).then(function (saved) {
    return saved ? saved.text() : null;
  }).then(function (savedOn) { return { savedOn: savedOn }; });
}

function keptPage() {
  return withCache(function (cache) { return cache.match(PAGE, { ignoreVary: true }); });
}

function isLinkPage(url) {
  var path = new URL(url).pathname;
  return path === scopePath() || path === scopePath() + "plan/";
}

function navigate(request) {
  return fetch(request).then(function (response) {
    if (response.status === 404 && isLinkPage(request.url)) {
      // The link is dead: nothing of it stays on the phone.
      return forget().then(function () { return self.registration.unregister(); })
        .then(function () { return response; });
    }
    if (response.status >= 500) {
      return keptPage().then(function (page) { return page || response; });
    }
    return response;
  }, function () {
    return keptPage().then(function (page) { return page || Response.error(); });
  });
}

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(navigate(request));
  } else if (new URL(request.url).pathname.indexOf("/static/") === 0) {
    event.respondWith(withCache(function (cache) {
      return cache.match(request, { ignoreVary: true });
    }).then(function (hit) { return hit || fetch(request); }));
  }
});

self.addEventListener("message", function (event) {
  var data = event.data || {};
  var port = event.ports[0];
  var work = data.action === "keep" ? keep(data)
    : data.action === "forget" ? forget().then(function () { return {}; })
      : status();
  event.waitUntil(work.then(function (answer) {
    if (port) port.postMessage(answer);
  }, function (error) {
    if (port) port.postMessage({ error: String(error) });
  }));
});
