// Glue for the iEEG task view: the tab switch, loading the bundled recording, the
// requestAnimationFrame loop at a chosen speed, the charts, the channel chooser, file upload.
// All numerics live in Rust (src/ieeg.rs, src/signal_files.rs, src/web_ieeg.rs).
import init, { IeegPlayground, Playground } from "../pkg/nla_playground.js";
import { themeQuery as dark } from "./a11y.js"; // the system setting, or the page's colour toggle

const $ = (id) => document.getElementById(id);
const BUDGET_MS = 12; // compute per frame, so the page keeps its display rate at any speed
const MAX_FILE_BYTES = 256 * 1024 * 1024;
const TRACE_WINDOW_S = 1.5; // seconds of the test window shown at once

const ui = {
  tabMnist: $("tab-mnist"), tabIeeg: $("tab-ieeg"), view: $("ieeg-view"),
  status: $("ieeg-status"), error: $("ieeg-error"), play: $("ieeg-play"), reset: $("ieeg-reset"),
  speed: $("ieeg-speed"), time: $("ieeg-time"), r2: $("ieeg-r2"), ls: $("ieeg-ls"), sps: $("ieeg-sps"),
  source: $("ieeg-source"), channels: $("ieeg-channels"), apply: $("ieeg-apply"), file: $("ieeg-file"),
  fileMsg: $("ieeg-file-msg"), legend: $("ieeg-legend"),
};
const COLOURS = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#56b4e9", "#e69f00", "#787878", "#f0e442"];
dark.addEventListener("change", () => { lastHistoryLen = -1; }); // repaint the R² chart in the new colours

let pg = null;
let loading = null;
let active = false;
let running = true;
let mnistWasRunning = false;
let carry = 0; // fractional steps owed to real time
let lastFrame = 0;
let lastHistoryLen = -1;
let bundled = true; // the bundled recording (a link can name its channels), not a user's file
let chooserFor = ""; // which recording the channel chooser shows
const perf = { window: [] };
const playStart = performance.now();

function showError(msg) { ui.error.hidden = false; ui.error.textContent = msg; }

// ---------- the tab switch ----------
function activate(on) {
  if (on === active) { if (on) applyLink(); return; }
  active = on;
  ui.tabIeeg.setAttribute("aria-selected", String(on));
  ui.tabMnist.setAttribute("aria-selected", String(!on));
  ui.view.hidden = !on;
  // The MNIST view (its controls and panels) steps aside; its loop pauses while hidden.
  for (const el of document.querySelectorAll("body > section.controls, body > main.grid, body > #status, body > #params-panel, .mnist-only")) el.hidden = on;
  if (on) {
    pauseMnist();
    if (!isIeegHash()) history.replaceState(null, "", "#task=ieeg");
    load().then(applyLink);
  } else {
    if (mnistWasRunning) window.nla?.play?.();
    if (isIeegHash()) history.replaceState(null, "", location.pathname + location.search);
  }
}
/** Pause the MNIST loop, also if main.js is still starting (window.nla not there yet). */
function pauseMnist() {
  if (window.nla && document.body.dataset.ready) {
    mnistWasRunning = Boolean(window.nla.stats({ history: false }).running);
    window.nla.pause();
    return;
  }
  mnistWasRunning = true;
  const wait = setInterval(() => {
    if (!active) { clearInterval(wait); return; }
    if (window.nla && document.body.dataset.ready) { clearInterval(wait); window.nla.pause(); }
  }, 100);
}
ui.tabMnist.addEventListener("click", () => activate(false));
ui.tabIeeg.addEventListener("click", () => activate(true));

// ---------- data ----------
async function fetchOk(url) {
  let resp;
  try { resp = await fetch(url); } catch (e) { throw new Error(`could not fetch ${url}: ${e.message}`); }
  if (!resp.ok) throw new Error(`could not fetch ${url}: HTTP ${resp.status}`);
  return resp;
}

async function sha256Hex(bytes) {
  if (!globalThis.crypto?.subtle) return null; // only in secure contexts (https, localhost)
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}

function load() {
  loading ??= (async () => {
    ui.status.textContent = "Loading the recording…";
    try {
      await init();
      const desc = await (await fetchOk("data/ieeg/recording.json")).json();
      const bytes = new Uint8Array(await (await fetchOk("data/ieeg/recording.f32")).arrayBuffer());
      const want = desc.files?.find((f) => f.file === "recording.f32")?.sha256;
      const got = await sha256Hex(bytes);
      if (want && got && got !== want) throw new Error(`data/ieeg/recording.f32 is corrupt: sha256 ${got}, expected ${want}. Re-run the build.`);
      pg = new IeegPlayground(desc.channels.map((c) => c.name), desc.channels.map((c) => c.type), desc.rate_hz, bytes, undefined);
      ui.status.textContent = "";
      ui.play.disabled = ui.reset.disabled = ui.apply.disabled = ui.file.disabled = false;
      refresh(true);
      applyLink();
      document.body.dataset.ieegReady = "true";
    } catch (e) {
      ui.status.textContent = "";
      showError(`The iEEG task could not start: ${e.message ?? e}`);
    }
  })();
  return loading;
}

// ---------- the loop ----------
function speedFactor() { return ui.speed.value === "max" ? Infinity : Number(ui.speed.value); }

function simulate(now) {
  const dtWall = Math.min(100, now - (lastFrame || now));
  const rate = pg.rate_hz();
  const factor = speedFactor();
  let want = factor === Infinity ? Infinity : carry + factor * rate * dtWall / 1000;
  const t0 = performance.now();
  let done = 0;
  let chunk = 200;
  while (want - done >= 1 && performance.now() - t0 < BUDGET_MS) {
    const n = Math.min(chunk, Math.floor(want - done));
    pg.train_steps(n);
    done += n;
    chunk = Math.min(5000, chunk * 2);
  }
  // Whatever could not be done within the budget is dropped, not owed: the readout shows it.
  carry = factor === Infinity ? 0 : Math.min(1, Math.max(0, want - done));
  perf.window.push([now, done]);
  while (perf.window.length && now - perf.window[0][0] > 1000) perf.window.shift();
}

function frame(now) {
  if (active && pg && running) {
    try {
      simulate(now);
    } catch (e) {
      running = false;
      ui.play.textContent = "Play";
      showError(`${e}`);
    }
  }
  if (active && pg) refresh(false, now);
  lastFrame = now;
  requestAnimationFrame(frame);
}
requestAnimationFrame(frame);

// ---------- drawing ----------
function sizeCanvas(c, aspect) {
  const dpr = Math.min(3, window.devicePixelRatio || 1);
  const w = Math.round((c.clientWidth || 560) * dpr), h = Math.round(w * aspect);
  if (c.width !== w || c.height !== h) { c.width = w; c.height = h; }
  return dpr;
}

const fmtR2 = (v) => (Number.isFinite(v) ? v.toFixed(2) : "–");

function refresh(force, now = performance.now()) {
  const s = pg.stats();
  ui.time.textContent = `${s.train_s.toFixed(1)} s`;
  ui.r2.textContent = s.r2.map(fmtR2).join(" · ");
  ui.ls.textContent = s.least_squares_r2.map(fmtR2).join(" · ");
  const steps = perf.window.reduce((a, w) => a + w[1], 0);
  ui.sps.textContent = running ? `${(steps / 1000).toFixed(1)}× real time` : "paused";
  ui.source.textContent = `${s.source}: ${s.channels.length} channels at ${s.rate_hz} Hz, ${(s.samples / s.rate_hz).toFixed(1)} s — training on the first ${(s.train_samples / s.rate_hz).toFixed(2)} s, testing on the last ${(s.test_samples / s.rate_hz).toFixed(2)} s`;
  const key = `${s.source}|${s.hidden.join(",")}`;
  if (force || key !== chooserFor) buildChooser(s, key);
  const dpr = sizeCanvas($("ieeg-traces"), 0.62);
  // The latest free reproduction of the test window, replayed in real time.
  const testS = s.test_samples / s.rate_hz;
  const offset = ((now - playStart) / 1000) % Math.max(0.1, testS - TRACE_WINDOW_S);
  try { pg.draw_traces("ieeg-traces", dark.matches, dpr, offset, TRACE_WINDOW_S); } catch (e) { console.warn("traces:", e); }
  if (force || s.history_len !== lastHistoryLen) {
    lastHistoryLen = s.history_len;
    const d2 = sizeCanvas($("ieeg-r2-chart"), 300 / 520);
    try { pg.draw_r2_chart("ieeg-r2-chart", dark.matches, d2); } catch (e) { console.warn("R² chart:", e); }
  }
  paintViews(force, now, s.steps);
}

// ---------- live views of the network: errors, energy, alignment ----------
// Drawn in Rust by the MNIST views' code (src/web_views.rs); at most one per frame, each a few
// times a second, and only when the network has moved on — painting never crowds out learning.
const VIEWS = ["errors", "energy", "alignment"];
const VIEW_INTERVAL_MS = 300;
const viewAt = Object.fromEntries(VIEWS.map((v) => [v, { t: -1e9, steps: -1 }]));
let viewTurn = 0;

function paintView(id, now, steps) {
  const canvas = $(`ieeg-${id}-chart`);
  const dpr = sizeCanvas(canvas, 300 / 520);
  pg.draw_view(id, canvas.id, dark.matches, dpr);
  viewLegend($(`ieeg-${id}-legend`), pg.view_series(id));
  viewAt[id] = { t: now, steps };
}

function paintViews(force, now, steps) {
  for (let k = 0; k < VIEWS.length; k++) {
    const id = VIEWS[(viewTurn + k) % VIEWS.length];
    const at = viewAt[id];
    if (!force && (now - at.t < VIEW_INTERVAL_MS || steps === at.steps)) continue;
    try { paintView(id, now, steps); } catch (e) { console.warn(`${id} view:`, e); }
    if (!force) { viewTurn = (viewTurn + k + 1) % VIEWS.length; return; }
  }
}

/** The legend from the series the chart draws (their colours come from Rust). */
function viewLegend(el, data) {
  const key = data.series.map((s) => `${s.colour}|${s.faint}|${s.name}`).join(";");
  if (el.dataset.key === key) return;
  el.dataset.key = key;
  el.replaceChildren(...data.series.map((s) => {
    const li = document.createElement("li");
    const sw = document.createElement("span");
    sw.className = "sw";
    sw.style.background = s.colour;
    if (s.faint) { sw.style.opacity = "0.45"; sw.style.height = "6px"; }
    li.append(sw, document.createTextNode(s.name));
    return li;
  }));
}

function buildChooser(s, key) {
  chooserFor = key;
  ui.channels.replaceChildren(...s.channels.map((c) => {
    const label = document.createElement("label");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.value = c.name;
    box.checked = c.hidden;
    label.append(box, ` ${c.name} `);
    const kind = document.createElement("span");
    kind.className = "kind";
    kind.textContent = c.kind;
    label.append(kind);
    return label;
  }));
  ui.legend.replaceChildren(...s.hidden.map((name, k) => {
    const li = document.createElement("li");
    li.innerHTML = `<span class="sw" style="background:${COLOURS[k % COLOURS.length]}"></span>`;
    li.append(`${name}: reproduced`);
    return li;
  }));
  const rec = document.createElement("li");
  rec.innerHTML = `<span class="sw" style="background:#afafaf;height:6px"></span>recorded`;
  ui.legend.append(rec);
}

// ---------- controls ----------
ui.play.addEventListener("click", () => {
  running = !running;
  ui.play.textContent = running ? "Pause" : "Play";
  if (running) ui.error.hidden = true;
});
ui.reset.addEventListener("click", () => {
  try { pg.reset(); ui.error.hidden = true; refresh(true); } catch (e) { showError(`${e}`); }
});
ui.apply.addEventListener("click", () => {
  const hidden = [...ui.channels.querySelectorAll("input:checked")].map((b) => b.value);
  try {
    pg.set_hidden(hidden);
    ui.error.hidden = true;
    refresh(true);
    writeLink();
  } catch (e) {
    showError(`Channels not changed: ${e}`);
    chooserFor = ""; // show the running choice again
    refresh(true);
  }
});
ui.file.addEventListener("change", async () => {
  const f = ui.file.files?.[0];
  if (!f) return;
  ui.fileMsg.className = "note";
  try {
    if (f.size > MAX_FILE_BYTES) throw new Error(`${f.name}: ${(f.size / 1e6).toFixed(0)} MB; files up to 256 MB are read`);
    const bytes = new Uint8Array(await f.arrayBuffer());
    const hidden = pg.load_file(f.name, bytes);
    bundled = false;
    writeLink();
    const s = pg.stats();
    ui.fileMsg.textContent = `Loaded ${f.name}: ${s.channels.length} channels at ${s.rate_hz} Hz, ${(s.samples / s.rate_hz).toFixed(1)} s; hiding ${hidden.join(", ")}.`;
    ui.error.hidden = true;
    refresh(true);
  } catch (e) {
    ui.fileMsg.className = "note bad";
    ui.fileMsg.textContent = `Not loaded — ${e.message ?? e}. The running task is unchanged.`;
  } finally {
    ui.file.value = "";
  }
});

// Keys: while this view is shown, Space and "." act on the iEEG loop, and the MNIST view's
// shortcuts (digits teach, Space plays it) must not reach main.js (capture phase, before it).
addEventListener("keydown", (ev) => {
  if (!active || !pg || ev.ctrlKey || ev.metaKey || ev.altKey) return;
  if (/^(INPUT|SELECT|TEXTAREA)$/.test(ev.target.tagName)) return;
  if (ev.key === " " || ev.key === "." || /^[0-9rwsft]$/.test(ev.key)) {
    // The digits page's keys (teach, reset, misread, speed, tour) must not act on it unseen.
    ev.stopPropagation();
    if (ev.key === " " && ev.target.tagName !== "BUTTON" && !ev.repeat) { ev.preventDefault(); ui.play.click(); }
    else if (ev.key === "." && !running) { window.nlaIeeg.step(1); }
  }
}, true);

// For tests and research: deterministic stepping (count simulated steps, not wall time).
window.nlaIeeg = {
  activate: () => { activate(true); return load(); },
  stats: () => (pg ? { ...pg.stats(), history: pg.history(), running } : null),
  pause: () => { if (running) ui.play.click(); },
  play: () => { if (!running) ui.play.click(); },
  step: (n = 1) => { pg.train_steps(Math.max(0, Math.min(1e7, n | 0))); refresh(false); },
  displayedR2: () => ui.r2.textContent,
  /** The series a live view ("errors", "energy", "alignment") draws, as on screen. */
  viewSeries: (view) => pg.view_series(view),
  /** Repaint the live views now. */
  paintViews: () => paintViews(true, performance.now(), pg.stats().steps),
  speed: (v) => { ui.speed.value = String(v); writeLink(); },
};

/** Bring the view to the link's hidden channels and speed (parsed and checked in Rust,
 * src/urlstate.rs; the channels then against the recording). */
function applyLink() {
  if (!pg || !isIeegHash()) return;
  const { state, notices } = Playground.parse_url_state(location.hash.replace(/^#/, ""));
  void notices; // shown by www/share.js, as for every link
  // Only what the link says: coming back to the tab keeps the speed the user chose.
  const given = new URLSearchParams(location.hash.slice(1));
  if (given.has("speed")) ui.speed.value = state.speed === 0 ? "max" : String(state.speed);
  const now = pg.stats().hidden;
  if (bundled && state.channels.length && state.channels.join() !== now.join()) {
    try {
      pg.set_hidden(state.channels);
      refresh(true);
    } catch (e) {
      showError(`The link's channels were not used (${e}); hiding ${now.join(", ")}.`);
    }
  }
  writeLink();
}
/** The iEEG view's settings in the address: hidden channels (of the bundled recording: a user's
 * file is not in a link) and speed. */
function writeLink() {
  if (!active || !pg) return;
  const q = ["task=ieeg"];
  if (bundled) q.push(`channels=${pg.stats().hidden.join(",")}`);
  if (ui.speed.value !== "10") q.push(`speed=${ui.speed.value}`);
  // An embedding page's own keys stay (compact layout, hidden controls).
  const had = new URLSearchParams(location.hash.slice(1));
  if (had.has("embed")) q.push("embed");
  if (had.get("hide")) q.push(`hide=${encodeURIComponent(had.get("hide")).replaceAll("%2C", ",")}`);
  history.replaceState(history.state, "", `${location.pathname}${location.search}#${q.join("&")}`);
}
ui.speed.addEventListener("change", writeLink);

/** A link to the iEEG task: `#task=ieeg` (the URL state's key, src/urlstate.rs) or `#ieeg`. */
function isIeegHash() {
  return location.hash === "#ieeg" || new URLSearchParams(location.hash.slice(1)).get("task") === "ieeg";
}
if (isIeegHash()) activate(true);
addEventListener("hashchange", () => activate(isIeegHash()));
