// Offline use: registers the service worker (dist/sw.js, written by scripts/write_sw.py) and
// says in the footer when the page is saved for use without a network. Independent of main.js,
// so it also works when the simulator fails to start.
const note = document.createElement("p");
note.id = "offline-note";
note.className = "offline-note";
note.setAttribute("role", "status");

/** {controlled, build, cached, total} of the worker that controls this page (tests wait for it). */
async function status() {
  const sw = navigator.serviceWorker?.controller;
  if (!sw) return { controlled: false, build: null, cached: 0, total: 0 };
  const channel = new MessageChannel();
  const reply = new Promise((ok) => { channel.port1.onmessage = (e) => ok(e.data); });
  sw.postMessage({ type: "nla-offline-status" }, [channel.port2]);
  const r = await Promise.race([reply, new Promise((ok) => setTimeout(() => ok(null), 5000))]);
  return r ? { controlled: true, ...r } : { controlled: true, build: null, cached: 0, total: 0 };
}

async function refresh() {
  const s = await status();
  if (s.controlled && s.total > 0 && s.cached === s.total) {
    document.documentElement.dataset.offline = "ready";
    note.textContent = `Saved for offline use: after this visit the page also works without a network (build ${s.build}).`;
    if (!note.isConnected) document.querySelector("footer")?.append(note);
  }
  return s;
}

async function register() {
  if (!("serviceWorker" in navigator)) return; // not a secure context (plain http off localhost)
  try {
    // sw.js sits at the root of the page's folder, next to index.html, so its scope is the page.
    const reg = await navigator.serviceWorker.register(new URL("../sw.js", import.meta.url), { updateViaCache: "none" });
    let hadController = Boolean(navigator.serviceWorker.controller);
    navigator.serviceWorker.addEventListener("controllerchange", () => {
      if (hadController) {
        note.textContent = "A new version of this page was saved for offline use: reload to use it.";
        if (!note.isConnected) document.querySelector("footer")?.append(note);
      } else refresh();
      hadController = true;
    });
    await navigator.serviceWorker.ready;
    if (reg.active && navigator.serviceWorker.controller) await refresh();
  } catch (e) {
    console.warn("offline use unavailable:", e);
  }
}

window.nlaOffline = { status, refresh };
// Register once the page has its first data: the worker's download of every file then never
// competes with the start of learning on a first visit.
const started = performance.now();
const wait = setInterval(() => {
  if (document.body?.dataset.ready || performance.now() - started > 15_000 || document.getElementById("error")?.hidden === false) {
    clearInterval(wait);
    register();
  }
}, 200);
