// Embedding: compact layout (#embed or ?embed), pause while off-screen or hidden, a "copy embed
// code" button, and the postMessage API (documented in README.md, "Embedding").
//
// host → page:  {nla: 1, cmd: "play" | "pause" | "step" | "setParams" | "getState", id?, n?, params?}
// page → host:  {nla: 1, event: "ready" | "state" | "accuracy" | "prediction" | "error", id?, …}
// Every incoming message is checked field by field; anything else is ignored (never evaluated).

const COMMANDS = new Set(["play", "pause", "step", "setParams", "getState"]);
const PARAM_KEY = /^[a-z_]{1,20}$/;
let ignored = 0;

/** A valid command, or null. */
export function validCommand(data) {
  if (typeof data !== "object" || data === null || Array.isArray(data) || data.nla !== 1) return null;
  const { cmd, id, n, params } = data;
  if (typeof cmd !== "string" || !COMMANDS.has(cmd)) return null;
  if (id !== undefined && !(typeof id === "string" && id.length <= 100) && !Number.isSafeInteger(id)) return null;
  const out = { cmd, id };
  if (cmd === "step") {
    if (n === undefined) out.n = 1;
    else if (Number.isSafeInteger(n) && n >= 1 && n <= 100_000) out.n = n;
    else return null;
  }
  if (cmd === "setParams") {
    if (typeof params === "string" && params.length <= 2000) out.hash = params.replace(/^#/, "");
    else if (typeof params === "object" && params !== null && !Array.isArray(params)) {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(params)) {
        if (!PARAM_KEY.test(k)) return null;
        if (typeof v === "number" || typeof v === "string") q.set(k, String(v).slice(0, 200));
        else if (typeof v === "boolean") q.set(k, v ? "on" : "off");
        else if (Array.isArray(v) && v.every((s) => typeof s === "string")) q.set(k, v.join(",").slice(0, 200));
        else return null;
      }
      out.hash = q.toString().replaceAll("+", "%20");
    } else return null;
  }
  return out;
}

/** The stats a host may read: plain finite numbers and short strings only. */
function publicState() {
  const s = window.nla.stats({ history: false });
  const num = (v) => (typeof v === "number" && Number.isFinite(v) ? v : null);
  return {
    running: !!s.running, samples_seen: num(s.samples_seen), sim_time_s: num(s.sim_time_s),
    test_accuracy: num(s.test_accuracy), test_digits: num(s.test_digits), prediction: num(s.prediction),
    current_label: num(s.current_label), feedback: String(s.feedback), seed: num(s.seed),
    steps_per_s: num(s.steps_per_s),
  };
}

export function initEmbed(pg, { embed, copyText, linkCaveats, showNotices, apply }) {
  const embedded = window.parent !== window;
  if (embed) document.body.classList.add("embed");

  // Pause while nobody can see it; resume only what this code paused.
  let autoPaused = false;
  let visible = true, onScreen = true;
  const update = () => {
    const show = visible && onScreen;
    const s = window.nla?.stats?.({ history: false });
    if (!s) return;
    if (!show && s.running) { window.nla.pause(); autoPaused = true; }
    else if (show && autoPaused) { autoPaused = false; window.nla.play(); }
  };
  document.addEventListener("visibilitychange", () => { visible = document.visibilityState === "visible"; update(); });
  // (Learning starts when the data has loaded, maybe while already out of view.)
  setInterval(() => { if (!(visible && onScreen)) update(); }, 500);
  if (embedded && "IntersectionObserver" in window) {
    // In a frame the implicit root is the top-level viewport: this sees the frame scrolled away.
    new IntersectionObserver((entries) => {
      onScreen = entries.some((e) => e.isIntersecting);
      update();
    }).observe(document.documentElement);
  }

  document.getElementById("share-embed")?.addEventListener("click", () => {
    const src = new URL(location.href);
    src.hash = pg.url_state_hash("", true);
    const snippet = `<iframe src="${src.href.replaceAll('"', "%22")}" title="NLA Playground: a cortical network learning handwritten digits" loading="lazy" style="width:100%;aspect-ratio:4/3;border:0" allow="clipboard-write"></iframe>`;
    copyText(snippet, "Embed code", linkCaveats(pg));
  });

  // ---- postMessage API ----
  const post = (target, origin, msg) => target?.postMessage({ nla: 1, ...msg }, origin === "null" || !origin ? "*" : origin);
  const toHost = (msg) => { if (embedded) post(window.parent, "*", msg); };
  addEventListener("message", (ev) => {
    if (ev.source === window) return;
    const c = validCommand(ev.data);
    if (!c || !window.nla?.stats) { ignored++; return; }
    const reply = (msg) => post(ev.source, ev.origin, { id: c.id, ...msg });
    try {
      if (c.cmd === "play") window.nla.play();
      else if (c.cmd === "pause") window.nla.pause();
      else if (c.cmd === "step") window.nla.step(c.n);
      else if (c.cmd === "setParams") {
        const r = apply(c.hash);
        reply({ event: "state", notices: r.notices, canonical: r.canonical, state: publicState() });
        return;
      }
      if (c.cmd !== "play") autoPaused = false; // the host decides now
      reply({ event: "state", state: publicState() });
    } catch (e) {
      reply({ event: "error", message: String(e?.message ?? e).slice(0, 500) });
    }
  });
  window.nla.ignoredMessages = () => ignored;

  // Events for the host: ready (data loaded), accuracy (each finished test sweep), prediction
  // (the digit on screen and the answer, at most twice a second while running).
  if (!embedded) return;
  let ready = false, lastHistory = -1, lastPrediction = 0;
  setInterval(() => {
    if (!window.nla?.stats) return;
    if (!ready && document.body.dataset.ready) { ready = true; toHost({ event: "ready", state: publicState() }); }
    if (!ready) return;
    const s = window.nla.stats({ history: false });
    if (s.history_len !== lastHistory) {
      lastHistory = s.history_len;
      const p = window.nla.historyLast();
      if (p && Number.isFinite(p.accuracy)) toHost({ event: "accuracy", accuracy: p.accuracy, samples: p.samples, n: p.n });
    }
    const now = performance.now();
    if (s.running && now - lastPrediction >= 500 && s.prediction != null) {
      lastPrediction = now;
      toHost({ event: "prediction", label: s.current_label, prediction: s.prediction });
    }
  }, 100);
  void showNotices;
}
