// Waymark's service worker: makes the app open and work offline, one complete version at a time.
//
// At build time tools/precache.mjs fills in VERSION and PRECACHE: exactly the files of this build, each with its
// SHA-256, so a half-deployed or tampered file fails the install instead of mixing versions.
// A new version installs beside the old one and waits; the page offers "A new version is ready — reload", and only
// then does this worker take over (skip-waiting), so a page never runs a mix of old and new files.
"use strict";

const VERSION = "__WAYMARK_VERSION__";
const PRECACHE = __WAYMARK_PRECACHE__;
const CACHE = `waymark-${VERSION}`;
const SHELL = "/index.html";

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) =>
      cache.addAll(PRECACHE.map(({ url, integrity }) => new Request(url, { integrity, cache: "no-cache" }))),
    ),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(names.filter((name) => name.startsWith("waymark-") && name !== CACHE).map((name) => caches.delete(name))),
      )
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("message", (event) => {
  if (event.data === "skip-waiting") self.skipWaiting();
});

// A page address inside the app (no file extension), as opposed to a file.
function isAppRoute(url) {
  return !/\.[a-z0-9]+$/i.test(url.pathname);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith("/api/")) return;

  if (request.mode === "navigate" && isAppRoute(url)) {
    // Every page of the app is the same shell: this version's, from this version's cache.
    event.respondWith(
      caches.open(CACHE).then((cache) => cache.match(SHELL)).then((shell) => shell || fetch(request)),
    );
    return;
  }
  event.respondWith(
    caches.open(CACHE).then((cache) => cache.match(request)).then((cached) => cached || fetch(request)),
  );
});
