// The service worker: after one visit the page works with the network cut. scripts/build.sh
// (scripts/write_sw.py) writes this file to the root of dist/ — a worker controls only pages
// at or below its own directory — with BUILD (a hash of every file) and ASSETS (every file)
// filled in. A new build changes the hash, so the browser installs the new worker, which
// fills a new cache and deletes the old one: every cache holds exactly one build.
const BUILD = "__BUILD__";
const ASSETS = ["__ASSETS__"];
const SCOPE = self.registration.scope; // e.g. https://host/lab/nla/ (works from any sub-path)
const PREFIX = `nla-playground ${SCOPE} `; // caches are per origin: name ours by scope
const CACHE = PREFIX + BUILD;
const KNOWN = new Set(ASSETS);

self.addEventListener("install", (event) => {
  // "no-cache" revalidates with the server (a cheap 304 when unchanged), so a stale HTTP cache
  // never mixes files of two builds into one cache. addAll is all-or-nothing: a failed fetch
  // fails the install, and the next visit tries again.
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await cache.addAll(ASSETS.map((a) => new Request(new URL(a, SCOPE), { cache: "no-cache" })));
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
    await self.clients.claim();
  })());
});

/** The asset a request asks for (its path below the scope; a directory means index.html), or null. */
function assetOf(request) {
  if (request.method !== "GET") return null;
  const url = new URL(request.url);
  const base = new URL(SCOPE);
  if (url.origin !== base.origin || !url.pathname.startsWith(base.pathname)) return null;
  let rel = url.pathname.slice(base.pathname.length);
  if (rel === "" || rel.endsWith("/")) rel += "index.html";
  return KNOWN.has(rel) ? rel : null; // the query (?embed, ?seed=) does not change the file
}

// Cache first: the cache holds one consistent build; anything else goes to the network.
self.addEventListener("fetch", (event) => {
  const rel = assetOf(event.request);
  if (!rel) return;
  event.respondWith((async () => {
    const hit = await caches.open(CACHE).then((c) => c.match(new URL(rel, SCOPE).href));
    return hit ?? fetch(event.request);
  })());
});

// The page asks how much of this build is cached (www/offline.js shows it; tests wait for it).
self.addEventListener("message", (event) => {
  if (event.data?.type !== "nla-offline-status" || !event.ports[0]) return;
  event.waitUntil((async () => {
    const keys = await caches.open(CACHE).then((c) => c.keys());
    const have = new Set(keys.map((r) => r.url));
    const cached = ASSETS.filter((a) => have.has(new URL(a, SCOPE).href)).length;
    event.ports[0].postMessage({ build: BUILD, cached, total: ASSETS.length });
  })());
});
