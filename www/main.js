// Glue between the page and the wasm core: load data, run the requestAnimationFrame loop,
// draw. All numerics live in Rust (src/); this file only schedules and paints.
import init, { Playground } from "../pkg/nla_playground.js";
import { createViews, sizeCanvas } from "./views.js";
import { createParams, createTour } from "./controls.js";
import { initShare, writeHashState, showNotices } from "./share.js";
import { themeQuery, motion } from "./a11y.js";
import { createDivergence } from "./robust.js";

const $ = (id) => document.getElementById(id);
// Work budget per frame (painting first, then learning for the rest of it), adapted (as in
// Distill's Growing-NCA demo) so the page keeps its display rate: it shrinks when frames come
// late and grows back slowly while they are on time.
const BUDGET_MIN_MS = 3, BUDGET_MAX_MS = 14.5;
let budgetMs = 8;
const EVAL_SHARE = 0.4; // share of the budget for test sweeps while one is due

const ui = {
  status: $("status"), error: $("error"), play: $("play"), reset: $("reset"),
  time: $("r-time"), samples: $("r-samples"), acc: $("r-acc"), sps: $("r-sps"), fps: $("r-fps"),
  label: $("label"), seed: $("r-seed"), pred: $("pred"), trainAcc: $("train-acc"), evalProgress: $("eval-progress"),
};

let pg = null; // the Playground (wasm)
let running = false;
let fatal = false;
const perf = { fps: 0, sps: 0, lastFrame: 0, frames: [], stepsWindow: [], profile: { paintMs: 0, simMs: 0, intervalMs: 16.7 } };
let stepsPerCall = 10; // adapted so one train_steps call takes about 1 ms
// Simulated seconds per wall second (Infinity: as fast as the frame budget allows).
let speed = Infinity;
let stepCarry = 0, delayCarry = 0;
let dtMs = 1;
let views = null, params = null, tour = null;
let chartDirty = true;
let lastHistoryLen = -1;
// Each finished test sweep with the wall time (ms since navigation) it was shown:
// [samples, time_s, accuracy, n, wall_ms] rows in one preallocated array, so a page left running
// for hours keeps a flat heap. Past TIMELINE_MAX sweeps every other row of the older half goes:
// a bounded, coarser record of the distant past.
const TIMELINE_MAX = 4000, TL = 5;
const timeline = { rows: new Float64Array(TIMELINE_MAX * TL), len: 0 };
function noteSweep() {
  const h = pg.history_last();
  if (!h) return;
  const r = timeline.rows;
  if (timeline.len === TIMELINE_MAX) {
    const half = TIMELINE_MAX / 2;
    for (let k = 0; k < half / 2; k++) r.copyWithin(k * TL, 2 * k * TL, (2 * k + 1) * TL);
    r.copyWithin((half / 2) * TL, half * TL, TIMELINE_MAX * TL);
    timeline.len = TIMELINE_MAX - half / 2;
  }
  r.set([h.samples, h.time_s, h.accuracy, h.n, performance.now()], timeline.len * TL);
  timeline.len++;
}
function timelineRows() {
  const r = timeline.rows;
  return Array.from({ length: timeline.len }, (_, k) => ({
    samples: r[k * TL], time_s: r[k * TL + 1], accuracy: r[k * TL + 2], n: r[k * TL + 3], wall_ms: r[k * TL + 4],
  }));
}

function showError(msg) {
  ui.error.hidden = false;
  ui.error.textContent = msg;
}
function setStatus(msg) { ui.status.textContent = msg; }
/** Learning diverged (Rust already put back the last finite weights): pause and explain (www/robust.js). */
let divergence = null;
function diverged(e) {
  running = false;
  ui.play.textContent = "Play";
  if (divergence) divergence.show(String(e?.message ?? e)); else showError(`Paused: ${e}`);
}

// ---------- data ----------
const loading = { done: 0, total: 0 };
function showLoading() {
  if (loading.total > 0 && !document.body.dataset.ready) {
    setStatus(`Loading the official MNIST digits… ${(loading.done / 1e6).toFixed(1)} of ${(loading.total / 1e6).toFixed(1)} MB`);
  }
}

async function fetchBytes(url, expectSha256) {
  let resp;
  try {
    resp = await fetch(url);
  } catch (e) {
    throw new Error(`could not fetch ${url}: ${e.message}`);
  }
  if (!resp.ok) throw new Error(`could not fetch ${url}: HTTP ${resp.status}`);
  // Read in pieces to show progress.
  const parts = [];
  let size = 0;
  const reader = resp.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    size += value.length;
    loading.done += value.length;
    showLoading();
  }
  const packed = new Uint8Array(size);
  let at = 0;
  for (const p of parts) { packed.set(p, at); at += p.length; }
  if (expectSha256 && !globalThis.crypto?.subtle) {
    // WebCrypto exists only in secure contexts (https, localhost); elsewhere the IDX checks in
    // Rust still refuse a malformed file, but a same-size corruption would pass.
    console.warn(`${url}: sha256 not checked (this page is not served over https or localhost)`);
  }
  if (expectSha256 && globalThis.crypto?.subtle) {
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", packed));
    const hex = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
    if (hex !== expectSha256) throw new Error(`${url} is corrupt: its sha256 is ${hex}, expected ${expectSha256}. Re-run the build to fetch the data again.`);
  }
  if (!url.endsWith(".gz")) return packed;
  try {
    const stream = new Blob([packed]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (e) {
    throw new Error(`${url} is not a valid gzip file (${e.message})`);
  }
}

async function loadManifest() {
  const url = "data/mnist/manifest.json";
  const bytes = await fetchBytes(url, null);
  let m;
  try {
    m = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new Error(`${url} is not valid JSON`);
  }
  if (!Array.isArray(m.files)) throw new Error(`${url} lists no files`);
  return Object.fromEntries(m.files.map((f) => [f.file, f]));
}

async function loadPair(files, images, labels) {
  for (const f of [images, labels]) if (!files[f]) throw new Error(`the data manifest does not list ${f}`);
  return Promise.all([
    fetchBytes(`data/mnist/${images}`, files[images].sha256),
    fetchBytes(`data/mnist/${labels}`, files[labels].sha256),
  ]);
}

// ---------- drawing the state ----------
function paintDigit(canvas, rates) {
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    const v = Number.isFinite(rates[i]) ? Math.max(0, Math.min(1, rates[i])) * 255 : 0;
    img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = v;
    img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

function makeBars(container) {
  const bars = [];
  for (let k = 0; k < 10; k++) {
    const bar = document.createElement("div");
    bar.className = "bar";
    bar.innerHTML = `<div class="fill"></div><div class="lbl">${k}</div>`;
    container.appendChild(bar);
    bars.push(bar);
  }
  return bars;
}

function paintBars(bars, volts, target) {
  let best = -1;
  for (let k = 0; k < volts.length; k++) if (Number.isFinite(volts[k]) && (best < 0 || volts[k] > volts[best])) best = k;
  bars.forEach((bar, k) => {
    const v = Number.isFinite(volts[k]) ? volts[k] : 0;
    bar.firstChild.style.height = `${Math.max(0, Math.min(1.2, v)) / 1.2 * 85}%`;
    bar.classList.toggle("pred", k === best);
    bar.classList.toggle("target", k === target);
  });
  return best;
}

const fmtInt = (n) => n.toLocaleString("en-US");
const circuitNote = $("circuit-note");

function paintReadouts(s) {
  ui.time.textContent = `${s.sim_time_s.toFixed(3)} s`; // to the ms: one Step (dt) shows
  if ($("params-panel").open) {
    const f = (v) => String(Number(v.toPrecision(3)));
    $("eta-now").textContent = s.eta_halving_digits > 0
      ? `Learning rates in force now: η = ${f(s.eta_now)} per ms (the values set above × ${f(s.eta_now / s.eta || 0)}: every rate follows the schedule × max(0.1, 1/(1 + digits/${fmtInt(s.eta_halving_digits)})), as the paper lowers its rates late in training; a link with decay=0 keeps them constant).`
      : `Learning rates in force now: as set above (constant: the link says decay=0).`;
  }
  ui.samples.textContent = fmtInt(s.samples_seen);
  ui.acc.textContent = s.test_accuracy == null ? "–" : `${(100 * s.test_accuracy).toFixed(2)} %`;
  ui.acc.title = s.test_accuracy == null ? "" : `on ${fmtInt(s.test_digits)} official test digits, after ${fmtInt(s.test_accuracy_at_samples)} training digits`;
  ui.sps.textContent = fmtInt(Math.round(perf.sps));
  ui.fps.textContent = perf.fps.toFixed(0);
  ui.label.textContent = s.current_label ?? "–";
  ui.trainAcc.textContent = s.recent_train_accuracy == null ? "–" : `${Math.round(100 * s.recent_train_accuracy)} % of the last ${s.recent_train_count}`;
  ui.seed.textContent = s.seed;
  const note = s.lateral_warmup_ms > 0
    ? `Interneurons are learning to cancel the top-down input; output nudging and forward learning resume in ${(s.lateral_warmup_ms / 1000).toFixed(1)} s of simulated time.`
    : s.feedback === "microcircuit"
      ? `Microcircuit on: errors reach the apical dendrites only through the interneurons. Forward learning rate η = ${Number(s.eta_now.toPrecision(3))} per ms now, so the interneurons keep up with the weights above.`
      : "";
  if (circuitNote.textContent !== note) circuitNote.textContent = note;
  ui.evalProgress.textContent = s.eval_progress
    ? `Test sweep in progress: ${fmtInt(s.eval_progress[0])} / ${fmtInt(s.eval_progress[1])}${running ? "" : " (paused)"}.`
    : s.test_accuracy == null ? "" : `Latest: ${(100 * s.test_accuracy).toFixed(2)} % on ${fmtInt(s.test_digits)} digits after ${fmtInt(s.test_accuracy_at_samples)} training digits.`;
}

// ---------- test sweeps on a second thread ----------
// A worker scores weight snapshots on the official test digits, so sweeps take no time from
// learning or painting here. Without workers (or if it fails) the sweeps run in this thread.
// The worker rests between sweeps for as long as the last one took (at most half a core): flat
// out it would keep the second core busy, and the browser's compositor, which needs a share of
// a core to put each frame on screen, would then take its time from this thread's learning
// (measured on 2 cores: about 5 % fewer steps/s). A sweep takes ~85 ms, so the curve still gains
// several points a second.
const EVAL_DUTY = 0.5;
const evaluator = { worker: null, busy: false, id: 0, sentAt: 0, restUntil: 0 };
function startEvaluator(images, labels) {
  let w;
  try {
    w = new Worker(new URL("./eval-worker.js", import.meta.url), { type: "module" });
  } catch (e) {
    console.warn("evaluation worker unavailable, testing in the page:", e);
    return;
  }
  const fallBack = (msg) => {
    console.warn("evaluation worker failed, testing in the page:", msg);
    w.terminate();
    evaluator.worker = null;
    evaluator.busy = false;
    pg.set_external_eval(false);
  };
  w.onmessage = ({ data }) => {
    if (data.type === "test") {
      evaluator.worker = w;
      pg.set_external_eval(true);
    } else if (data.type === "result") {
      evaluator.busy = false;
      const now = performance.now();
      evaluator.restUntil = now + (now - evaluator.sentAt) * (1 - EVAL_DUTY) / EVAL_DUTY;
      if (data.id === evaluator.id && pg.end_external_sweep(data.correct, data.n)) {
        chartDirty = true;
        noteSweep();
      }
    } else if (data.type === "error") fallBack(data.message);
  };
  w.onerror = (e) => { e.preventDefault?.(); fallBack(e.message ?? "could not start"); };
  w.postMessage({ type: "test", images: images.slice(), labels: labels.slice() });
}
function dispatchSweep() {
  if (!evaluator.worker || evaluator.busy || performance.now() < evaluator.restUntil) return;
  const weights = pg.begin_external_sweep();
  if (!weights.length) return;
  evaluator.busy = true;
  evaluator.id += 1;
  evaluator.sentAt = performance.now();
  evaluator.worker.postMessage({ type: "eval", id: evaluator.id, layers: pg.layer_sizes(), weights, n: pg.eval_size() }, [weights.buffer]);
}

// ---------- the loop ----------
const outBars = makeBars($("out-bars"));
const drawBars = makeBars($("draw-bars"));
const darkQuery = themeQuery; // the system setting, or the page's colour toggle (www/a11y.js)
darkQuery.addEventListener?.("change", () => { chartDirty = true; views?.all(performance.now()); });

function simulate(frameMs, deadline) {
  const t0 = performance.now();
  const budget = Math.max(0.5, deadline - t0);
  const trainUntil = t0 + (pg.eval_pending() ? budget * (1 - EVAL_SHARE) : budget);
  let steps = 0;
  // The delay demo runs at the chosen speed, at most real time (faster would be a blur).
  const demoSpeed = Number.isFinite(speed) ? Math.min(speed, 1) : 1;
  delayCarry += demoSpeed * Math.min(frameMs, 100);
  if (delayCarry >= 1) { pg.delay_advance(Math.floor(delayCarry)); delayCarry -= Math.floor(delayCarry); }
  if (Number.isFinite(speed)) {
    // A set speed: exactly the steps this frame's wall time asks for (carrying fractions), as
    // long as the budget allows; what does not fit is dropped rather than piled up.
    stepCarry += speed * Math.min(frameMs, 100) / dtMs;
    const want = Math.floor(stepCarry);
    stepCarry -= want;
    try {
      while (steps < want && performance.now() < trainUntil) {
        const n = Math.min(want - steps, stepsPerCall);
        pg.train_steps(n);
        steps += n;
      }
    } catch (e) {
      diverged(e);
    }
    if (steps < want) stepCarry = 0;
  }
  try {
    while (!Number.isFinite(speed) && performance.now() < trainUntil) {
      const c0 = performance.now();
      pg.train_steps(stepsPerCall);
      steps += stepsPerCall;
      const took = performance.now() - c0;
      // Aim for ~1 ms per call so the budget is kept to within a millisecond.
      if (took > 0.05) stepsPerCall = Math.max(1, Math.min(2000, Math.round(stepsPerCall * Math.min(2, 1 / took))));
      else stepsPerCall = Math.min(2000, stepsPerCall * 2);
    }
  } catch (e) {
    diverged(e);
  }
  const trainEnd = performance.now();
  while (pg.eval_pending() && performance.now() < deadline) {
    if (pg.eval_digits(10)) {
      chartDirty = true;
      noteSweep();
    }
  }
  perf.stepsWindow.push([trainEnd, steps, trainEnd - t0]);
}

// The last frame's own work (simulation + painting), ms: a late frame counts against the budget
// only when this page's work could have made it late — not when another program took the CPU.
let lastWorkMs = 0;
function adaptBudget(now) {
  const interval = now - perf.lastFrame;
  perf.lastFrame = now;
  if (interval > 250) return; // first frame, or back from a hidden tab
  if (interval > 19 && lastWorkMs > 13) budgetMs = Math.max(BUDGET_MIN_MS, budgetMs * 0.85);
  else if (interval < 17.5) budgetMs = Math.min(BUDGET_MAX_MS, budgetMs + 0.05);
}

function frame(now) {
  const workStart = performance.now();
  adaptBudget(now);
  perf.frames.push(now);
  while (perf.frames.length && perf.frames[0] < now - 1000) perf.frames.shift();
  perf.fps = perf.frames.length > 1 ? (perf.frames.length - 1) * 1000 / (now - perf.frames[0]) : 0;
  if (!fatal) dispatchSweep();
  while (perf.stepsWindow.length && perf.stepsWindow[0][0] < now - 1000) perf.stepsWindow.shift();
  // steps/s of simulated network per second of wall time, over the last second
  perf.sps = running ? perf.stepsWindow.reduce((a, w) => a + w[1], 0) : 0;

  // Paint first (the state of the last frame's steps), then learn for the rest of the budget:
  // a frame with a chart to draw learns a little less, and no frame runs over.
  // The readouts and the presented digit at 20 Hz (every frame while stepping slowly);
  // with reduced motion the stream at 2 Hz, not a flicker.
  perf.frameNo = (perf.frameNo ?? 0) + 1;
  const due = motion.reduced ? now - lastStreamPaint >= 500 : perf.frameNo % 3 === 0 || !running || Number.isFinite(speed);
  if (due) {
    lastStreamPaint = now;
    const s = pg.stats();
    paintReadouts(s);
    paintDigit($("digit"), pg.input());
    const best = paintBars(outBars, pg.output(), s.current_label);
    ui.pred.textContent = s.current_label == null || best < 0 ? "–" : best;
  }
  const historyLen = pg.history_len();
  if (historyLen !== lastHistoryLen || chartDirty) {
    lastHistoryLen = historyLen;
    chartDirty = false;
    drawChart();
  }
  drawCircuitChart(now);
  views?.tick(now);
  if (now - lastLagPaint > 250) paintLags(now);
  if (pad.dirty) updateDrawing();
  const simStart = performance.now();
  if (running && !fatal) simulate(perf.frames.length > 1 ? now - perf.frames[perf.frames.length - 2] : 16.7, workStart + budgetMs);
  const end = performance.now();
  lastWorkMs = end - workStart;
  // Where each frame's time goes (means over about the last second), for the bench.
  const p = perf.profile, k = 0.02;
  p.paintMs += k * (simStart - workStart - p.paintMs);
  p.simMs += k * (end - simStart - p.simMs);
  p.intervalMs += k * (Math.min(100, now - (perf.frames.at(-2) ?? now - 16.7)) - p.intervalMs);
  requestAnimationFrame(frame);
}

let lastLagPaint = 0, lastStreamPaint = 0;
const fmtLag = (v) => `${v.toFixed(1)} ms`;
function paintLags(now) {
  lastLagPaint = now;
  const lags = pg.delay_lags();
  const prospective = pg.param("prospective") > 0.5;
  $("lag-mode").textContent = prospective ? "with prospective rates" : "without lookahead";
  if (lags.length === 2) {
    $("lag-pro").textContent = fmtLag(lags[0]);
    $("lag-plain").textContent = fmtLag(lags[1]);
    $("lag-now").textContent = fmtLag(prospective ? lags[0] : lags[1]);
  }
  const regime = pg.regime();
  const names = ["1 of 3: no nudging, no plasticity — E settles toward 0", "2 of 3: output nudged, plasticity off — E stays up", "3 of 3: plasticity on — E falls as the synapses learn"];
  if (regime >= 0) lastRegimeSeen = regime;
  if (regime < 0 && regimeSpeedBefore !== null) {
    setSpeed(regimeSpeedBefore);
    regimeSpeedBefore = null;
    // Done (the last regime was seen running): hold the result on screen, paused with the chart
    // still zoomed on the three regimes, so a class looking away for a moment has not missed it.
    // Interrupted (reset, a link, a loaded file, divergence): there is no result to hold.
    if (lastRegimeSeen === 2) {
      if (running) ui.play.click();
      regimesHeld = true;
    }
    lastRegimeSeen = -1;
  }
  if (regime >= 0) $("regime-note").textContent = `Regime ${names[regime]}`;
  else if (regimesHeld && !running) {
    $("regime-note").textContent = "Done, paused: with β = 0 E fell toward zero; nudged, it stayed up; with plasticity it fell again as the synapses learned. Press Play to go on learning.";
  } else { regimesHeld = false; $("regime-note").textContent = ""; }
  const s = pg.stats();
  $("errors-note").textContent = s.lateral_warmup_ms > 0
    ? `The interneurons are learning to predict the top-down signal first (${(s.lateral_warmup_ms / 1000).toFixed(1)} s of simulated time left): until then the output is not nudged, so the output error is zero.`
    : "";
  $("interneurons-note").textContent = s.feedback === "microcircuit" ? ""
    : "The interneurons are idle: choose “interneuron microcircuit” as the top-down path to switch them on.";
}
let regimeSpeedBefore = null, regimesHeld = false, lastRegimeSeen = -1;
let probeChosen = false; // the user picked the neuron the neuron view follows
function setSpeed(v) {
  speed = Number.isFinite(v) && v > 0 ? v : Infinity;
  stepCarry = 0;
  // Every step is recorded in slow motion (so an error is seen travelling); every 10th otherwise.
  pg.set_probe_stride(Number.isFinite(speed) && speed <= 1 ? 1 : 10);
  const sel = $("speed");
  const opt = [...sel.options].find((o) => Number(o.value) === speed);
  if (opt) sel.value = opt.value;
}
function drawChart() {
  const dpr = sizeCanvas($("acc-chart"));
  try { pg.draw_accuracy_chart("acc-chart", darkQuery.matches, dpr); } catch (e) { console.warn("chart:", e); }
}
let lastCircuitDraw = 0;
function drawCircuitChart(now) {
  if (now - lastCircuitDraw < motion.slow(250) && !chartDirty) return; // 4 Hz is plenty for a slow trace
  lastCircuitDraw = now;
  const dpr = sizeCanvas($("circuit-chart"));
  try { pg.draw_circuit_chart("circuit-chart", darkQuery.matches, dpr); } catch (e) { console.warn("circuit chart:", e); }
}
addEventListener("resize", () => { chartDirty = true; });

// ---------- the drawing pad (Pointer Events: mouse, pen, touch) ----------
const pad = { el: $("pad"), drawing: false, last: null, dirty: false, id: null };
const padCtx = pad.el.getContext("2d", { willReadFrequently: true });

function padPoint(ev) {
  const r = pad.el.getBoundingClientRect();
  return [(ev.clientX - r.left) * pad.el.width / r.width, (ev.clientY - r.top) * pad.el.height / r.height];
}
function stroke(from, to) {
  padCtx.strokeStyle = "#000";
  padCtx.lineWidth = 20;
  padCtx.lineCap = padCtx.lineJoin = "round";
  padCtx.beginPath();
  padCtx.moveTo(...from);
  padCtx.lineTo(...to);
  padCtx.stroke();
  pad.dirty = true;
}
pad.el.addEventListener("pointerdown", (ev) => {
  if (pad.id !== null) return; // one pointer at a time
  pad.id = ev.pointerId;
  pad.el.setPointerCapture(ev.pointerId);
  pad.last = padPoint(ev);
  stroke(pad.last, pad.last);
  ev.preventDefault();
});
pad.el.addEventListener("pointermove", (ev) => {
  if (ev.pointerId !== pad.id) return;
  const p = padPoint(ev);
  stroke(pad.last, p);
  pad.last = p;
});
const endStroke = (ev) => { if (ev.pointerId === pad.id) { pad.id = null; pad.last = null; } };
pad.el.addEventListener("pointerup", endStroke);
pad.el.addEventListener("pointercancel", endStroke);
$("clear").addEventListener("click", () => {
  padCtx.clearRect(0, 0, pad.el.width, pad.el.height);
  pad.dirty = true;
});

// "One it gets wrong": a handwritten training digit the network misreads now, put on the pad as
// if drawn — a way to teach without drawing (keyboard, projector) that never touches the test set.
let misreadFrom = 0;
function padMisreadDigit(from = null) {
  const n = pg.train_len();
  if (!n) return null;
  let k0 = from ?? misreadFrom;
  for (let i = 0; i < Math.min(n, 5000); i++) {
    const k = (k0 + i) % n;
    const d = pg.train_digit(k);
    const label = d[784];
    // Cheap check on the raw digit first; then as the pad digitises it.
    const raw = pg.answer(d.subarray(0, 784));
    let best = 0;
    for (let j = 1; j < raw.length; j++) if (raw[j] > raw[best]) best = j;
    if (best === label) continue;
    const answer = window.nla.putOnPad(d.subarray(0, 784));
    if (answer !== null && answer !== label) {
      misreadFrom = k + 1;
      return { k, label, answer };
    }
  }
  return null;
}
$("misread").addEventListener("click", () => {
  const m = padMisreadDigit();
  $("draw-hint").textContent = m
    ? `A handwritten training digit, label ${m.label}, that the network read as ${m.answer}. Press ${m.label} to teach it.`
    : "The network reads every digit tried right now.";
});

let drawnDigit = null;
function updateDrawing() {
  pad.dirty = false;
  const { data, width, height } = padCtx.getImageData(0, 0, pad.el.width, pad.el.height);
  const digit = pg.digitize(data, width, height);
  const hint = $("draw-hint");
  if (digit.length !== 784) {
    drawnDigit = null;
    paintDigit($("seen"), new Float32Array(784));
    $("draw-pred").textContent = "?";
    $("draw-pred").classList.add("empty");
    $("draw-bars").classList.add("idle");
    paintBars(drawBars, new Float32Array(10), -1);
    let inked = false;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 16) { inked = true; break; }
    hint.textContent = inked ? "Too small to read: draw the digit bigger." : "Draw a digit on the pad.";
    return;
  }
  drawnDigit = digit;
  hint.textContent = "";
  $("draw-pred").classList.remove("empty");
  $("draw-bars").classList.remove("idle");
  paintDigit($("seen"), digit);
  refreshDrawnAnswer();
}
// Screen readers hear the answer for the drawing at most once a second, and only when it changes.
const announcer = { el: $("announce"), last: "", at: 0, pending: null };
function announce(text) {
  announcer.pending = text;
  const now = performance.now();
  if (now - announcer.at < 1000) return;
  if (announcer.pending !== announcer.last) {
    announcer.el.textContent = announcer.pending;
    announcer.last = announcer.pending;
    announcer.at = now;
  }
}
setInterval(() => { if (announcer.pending !== null) announce(announcer.pending); }, 1000);

function refreshDrawnAnswer() {
  if (!drawnDigit) return;
  const volts = pg.answer(drawnDigit);
  if (volts.length !== 10) return;
  const answer = paintBars(drawBars, volts, -1);
  $("draw-pred").textContent = answer < 0 ? "?" : answer;
  if (answer >= 0) announce(`The network reads your drawing as ${answer}.`);
}
// The network keeps learning, so its answer to a fixed drawing is refreshed twice a second.
setInterval(() => { if (pg && drawnDigit) refreshDrawnAnswer(); }, 500);

// ---------- teaching your own digits ----------
const TEACH_PRESENTATIONS = 5;
const teachStatus = $("teach-status");
let teaching = null; // {label, before}
function teach(label) {
  if (!pg || !drawnDigit) {
    teachStatus.textContent = "Draw a digit first, then press its label.";
    return;
  }
  const before = paintBars(drawBars, pg.answer(drawnDigit), -1);
  try {
    pg.teach(drawnDigit, label, TEACH_PRESENTATIONS);
  } catch (e) {
    teachStatus.textContent = `Could not teach: ${e}`;
    return;
  }
  teaching = { label, before, digit: drawnDigit };
  teachStatus.textContent = `Teaching: this is a ${label} (the network said ${before})…`;
  $("draw-hint").textContent = "Draw another digit, or press One it gets wrong.";
  refreshGallery();
}
const teachButtons = $("teach-buttons");
for (let d = 0; d <= 9; d++) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = d;
  b.setAttribute("aria-label", `teach: this is a ${d}`);
  b.addEventListener("click", () => teach(d));
  teachButtons.appendChild(b);
}
let resetKeyAt = -Infinity;
addEventListener("keydown", (ev) => {
  // Shortcuts never fire while typing in a field, with a modifier, or (Space) on a control that
  // Space already activates.
  if (ev.ctrlKey || ev.metaKey || ev.altKey || /^(INPUT|SELECT|TEXTAREA)$/.test(ev.target.tagName)) return;
  if (ev.key !== "?" && (!pg || ui.play.disabled)) return;
  if (ev.repeat && ev.key !== ".") return; // a held key acts once (but "." may step on)
  if (ev.key === "?") { helpDialog.open ? helpDialog.close() : helpDialog.showModal(); return; }
  if (helpDialog.open) return;
  if (/^[0-9]$/.test(ev.key)) teach(Number(ev.key));
  else if (ev.key === " " && ev.target.tagName !== "BUTTON") { ev.preventDefault(); ui.play.click(); }
  else if (ev.key === ".") stepOnce();
  else if (ev.key === "r") {
    // One stray key must not wipe a class's network: r twice within 3 s.
    const now = performance.now();
    if (now - resetKeyAt < 3000) { resetKeyAt = -Infinity; showNotices([]); ui.reset.click(); }
    else {
      resetKeyAt = now;
      showNotices(["Press r again to reset the network (what it has learned goes)."]);
      setTimeout(() => { if (resetKeyAt === now) { resetKeyAt = -Infinity; showNotices([]); } }, 3000);
    }
  }
  else if (ev.key === "w") $("misread").click();
  else if (ev.key === "s" || ev.key === "f") {
    const sel = $("speed");
    const k = Math.max(0, Math.min(sel.options.length - 1, sel.selectedIndex + (ev.key === "s" ? -1 : 1)));
    setSpeed(Number(sel.options[k].value));
  } else if (ev.key === "t") tour.start();
});

/** Pause (if running) and advance exactly one step of dt; the delay demo steps with it. */
function stepOnce() {
  if (running) ui.play.click();
  try {
    pg.train_steps(1);
    pg.delay_advance(Math.max(1, Math.round(dtMs)));
  } catch (e) { diverged(e); }
}

function refreshGallery() {
  const answers = pg.taught_answers();
  const ids = pg.taught_ids();
  const gallery = $("gallery");
  const n = ids.length;
  while (gallery.children.length > n) gallery.lastChild.remove();
  while (gallery.children.length < n) {
    const fig = document.createElement("figure");
    fig.innerHTML = `<canvas width="28" height="28"></canvas><figcaption></figcaption>`;
    gallery.appendChild(fig);
  }
  for (let k = 0; k < n; k++) {
    const fig = gallery.children[k];
    const [label, answer] = [answers[2 * k], answers[2 * k + 1]];
    // Repaint only when another digit moved into this place (ids never repeat).
    if (fig.dataset.id !== String(ids[k])) {
      paintDigit(fig.firstChild, pg.taught_digit(k));
      fig.dataset.id = String(ids[k]);
    }
    const cap = fig.lastChild;
    cap.textContent = `${label} → ${answer}`;
    cap.className = answer === label ? "" : "wrong";
    fig.title = `taught as ${label}; the network now answers ${answer}`;
  }
  if (teaching && pg.teach_pending() === 0) {
    const now = paintBars(drawBars, pg.answer(teaching.digit), -1);
    teachStatus.textContent = now === teaching.label
      ? `Taught as ${teaching.label}: the network said ${teaching.before}, now answers ${now}.`
      : `Shown ${TEACH_PRESENTATIONS} times as a ${teaching.label}, the network still answers ${now}: the MNIST digits it keeps learning from pull the other way. Press ${teaching.label} again to keep teaching.`;
    teaching = null;
  }
}
setInterval(() => { if (pg && (pg.taught_ids().length || $("gallery").children.length)) refreshGallery(); }, 500);

/** The address bar always holds a link to the running configuration (src/urlstate.rs). */
function keepLinkCurrent() {
  if (new URLSearchParams(location.hash.slice(1)).get("task") === "ieeg" || location.hash === "#ieeg") return;
  try { writeHashState(pg); } catch (e) { console.warn("link:", e); }
}

/** After Reset or Restore: the gallery, the teaching status and the menu follow the network. */
function syncAfterJump() {
  teaching = null;
  regimesHeld = false;
  $("p-hidden").value = pg.param("hidden");
  $("p-seed").value = pg.param("seed");
  teachStatus.textContent = "";
  feedbackSelect.value = pg.feedback();
  refreshGallery();
  chartDirty = true;
  params?.syncAll();
  dtMs = pg.param("dt");
  $("probe-neuron").value = pg.set_probe_neuron(Number($("probe-neuron").value) || 0);
  views?.all(performance.now());
  keepLinkCurrent();
}

// ---------- controls ----------
const helpDialog = $("help-dialog");
$("help").addEventListener("click", () => helpDialog.showModal());
ui.play.addEventListener("click", () => {
  running = !running;
  ui.play.textContent = running ? "Pause" : "Play";
  if (running) ui.error.hidden = true;
});
const feedbackSelect = $("feedback");
feedbackSelect.addEventListener("change", () => {
  try {
    pg.set_feedback(feedbackSelect.value);
    ui.error.hidden = true;
  } catch (e) {
    showError(`Could not switch the top-down path: ${e}`);
    feedbackSelect.value = pg.feedback();
  }
  params?.syncAll(); // the microcircuit caps η
  keepLinkCurrent();
});
ui.reset.addEventListener("click", () => {
  try { pg.reset(); } catch (e) { showError(`Could not reset: ${e}`); return; }
  syncAfterJump();
  chartDirty = true;
  ui.error.hidden = true;
});

function parseSeed() {
  const raw = new URLSearchParams(location.search).get("seed");
  if (raw == null) return 1;
  if (/^\d{1,15}$/.test(raw)) return Number(raw);
  showError(`Ignored the URL parameter seed=${JSON.stringify(raw.slice(0, 40))}: it must be a whole number (0 to 999999999999999). Using seed 1.`);
  return 1;
}

// ---------- start ----------
let wasm = null; // the module's exports (memory for zero-copy trace views)

/** A probe's samples, oldest first, read through a view over wasm memory. */
function readTrace(name, layer = 0) {
  const meta = pg.trace(name, layer);
  if (meta.length !== 4) return null;
  const [ptr, cap, head, len] = meta;
  const view = new Float32Array(wasm.memory.buffer, ptr, cap);
  const out = new Float32Array(len);
  for (let k = 0; k < len; k++) out[k] = view[(head + cap - len + k) % cap];
  return out;
}

async function main() {
  try {
    wasm = await init();
  } catch (e) {
    fatal = true;
    showError(`The simulator (WebAssembly) failed to start: ${e.message ?? e}. This page needs a browser with WebAssembly SIMD (Chrome 91+, Firefox 89+, Safari 16.4+).`);
    setStatus("");
    return;
  }
  const seed = parseSeed();
  pg = new Playground({ seed });
  $("p-seed").value = seed;
  dtMs = pg.param("dt");
  const paramNote = $("param-note");
  params = createParams(pg, {
    onNote: (text) => { paramNote.textContent = text; },
    onChange: (name) => { if (name === "dt") dtMs = pg.param("dt"); keepLinkCurrent(); },
  });
  views = createViews(pg, {
    dark: () => darkQuery.matches,
    getInput: () => pg.input(),
    intervalMs: () => motion.slow(Number.isFinite(speed) ? 100 : 250),
  });
  tour = createTour();
  $("tour").addEventListener("click", () => tour.start());
  $("speed").addEventListener("change", () => setSpeed(Number($("speed").value)));
  $("step").addEventListener("click", stepOnce);
  $("regimes").addEventListener("click", () => {
    lastRegimeSeen = -1;
    try {
      pg.start_regimes();
    } catch (e) { paramNote.textContent = `Could not start the regimes: ${e}`; return; }
    if (regimeSpeedBefore === null) regimeSpeedBefore = speed;
    setSpeed(0.1);
    if (!running) ui.play.click();
  });
  $("probe-neuron").addEventListener("change", () => {
    probeChosen = true;
    const raw = Number($("probe-neuron").value);
    const k = pg.set_probe_neuron(Number.isFinite(raw) && raw >= 0 ? Math.floor(raw) : 0);
    if (String(k) !== $("probe-neuron").value) paramNote.textContent = `Following hidden neuron ${k} (there are ${pg.param("hidden")}, numbered from 0).`;
    $("probe-neuron").value = k;
  });
  $("rebuild").addEventListener("click", () => {
    const hidden = $("p-hidden").value.trim() === "" ? NaN : Number($("p-hidden").value);
    const seedWanted = $("p-seed").value.trim() === "" ? NaN : Number($("p-seed").value);
    if (!Number.isFinite(hidden) || !Number.isFinite(seedWanted)) {
      // Text a number field cannot read arrives as "": never a silent 0.
      paramNote.textContent = `${Number.isFinite(hidden) ? "seed" : "hidden pyramidal neurons"}: not a number; kept the running network (${pg.param("hidden")} hidden neurons, seed ${pg.param("seed")}).`;
      $("p-hidden").value = pg.param("hidden");
      $("p-seed").value = pg.param("seed");
      return;
    }
    try {
      const notes = pg.rebuild(hidden, seedWanted);
      paramNote.textContent = `New network: ${pg.param("hidden")} hidden neurons, seed ${pg.param("seed")}; what was learned before is discarded.${notes.length ? " " + notes.join("; ") + "." : ""}`;
    } catch (e) {
      paramNote.textContent = `Kept the running network: ${e}`;
    }
    $("p-hidden").value = pg.param("hidden");
    $("p-seed").value = pg.param("seed");
    $("probe-neuron").max = pg.param("hidden") - 1;
    lastHistoryLen = -1;
    syncAfterJump();
  });
  window.nla = {
    /** The page's state; with `{history: false}` without the list of every sweep (it grows by
     * one a sweep: pollers want the light form; `historyLast()` gives the latest). */
    stats: (opts = {}) => {
      const s = pg.stats();
      const light = { ...s, steps_per_s: perf.sps, fps: perf.fps, running };
      return opts.history === false ? light : { ...light, history: pg.history() };
    },
    historyLast: () => pg.history_last() ?? null,
    pause: () => { if (running) ui.play.click(); },
    play: () => { if (!running) ui.play.click(); },
    reset: () => ui.reset.click(),
    /** Advance the learning network by `n` steps of dt (meant for a paused page). */
    step: (n = 1) => { pg.train_steps(Math.max(0, Math.min(1e6, n | 0))); },
    /** Teach the current drawing as `label` (as the digit buttons do). */
    teach: (label) => teach(label),
    taughtAnswers: () => Array.from(pg.taught_answers()),
    teachPending: () => pg.teach_pending(),
    drawnAnswer: () => (drawnDigit ? paintBars(drawBars, pg.answer(drawnDigit), -1) : null),
    testAccuracyNow: (n = 10000) => pg.test_accuracy_now(n),
    /** Remember / return to the whole learning state (network, stream position, taught digits). */
    checkpoint: () => pg.checkpoint(),
    restore: () => { const ok = pg.restore(); if (ok) syncAfterJump(); return ok; },
    streamSeen: () => pg.stats().stream_seen,
    /** Put on the pad a training digit (from index `from`) that the network misreads *as drawn*
     * (after the pad's own digitising), as the "One it gets wrong" button does; returns
     * {k, label, answer} or null. */
    padMisreadDigit: (from = 0) => padMisreadDigit(from),
    /** Put a 28×28 image (rates in [0, 1]) on the drawing pad, as if drawn. */
    putOnPad: (pixels) => {
      const small = document.createElement("canvas");
      small.width = small.height = 28;
      const img = small.getContext("2d").createImageData(28, 28);
      for (let i = 0; i < 784; i++) img.data[4 * i + 3] = Math.round(255 * Math.max(0, Math.min(1, pixels[i])));
      small.getContext("2d").putImageData(img, 0, 0);
      padCtx.clearRect(0, 0, pad.el.width, pad.el.height);
      padCtx.imageSmoothingEnabled = true;
      padCtx.drawImage(small, 0, 0, pad.el.width, pad.el.height);
      pad.dirty = true;
      updateDrawing();
      return drawnDigit ? paintBars(drawBars, pg.answer(drawnDigit), -1) : null;
    },
    setFeedback: (mode) => { feedbackSelect.value = mode; feedbackSelect.dispatchEvent(new Event("change")); return pg.feedback(); },
    /** Finished test sweeps, each with the wall time (ms since navigation) it was shown. */
    timeline: () => timelineRows(),
    /** A probe trace as a plain array (energy_mismatch, energy_cost, output_error, backprop_angle, time_s, apical, lateral_angle, feedback_angle). */
    trace: (name, layer = 0) => { const t = readTrace(name, layer); return t && Array.from(t); },
    /** Benchmark a fresh network of any NetConfig (e.g. {layers: [784, 500, 10]}) on the test digits. */
    benchNetwork: (netConfig, ms = 3000) => pg.bench(netConfig, ms),
    /** The series a live view draws, as on screen ({time_s, series: [{name, values}], …}). */
    viewSeries: (view) => pg.view_series(view),
    /** Mean ms per frame spent painting and learning, the frame interval and the budget. */
    frameProfile: () => ({ ...perf.profile, budgetMs }),
    viewsDrawn: () => views.drawn(),
    /** Paint a live view now (even if hidden); returns the milliseconds it took. */
    paintView: (id) => views.paintNow(id),
    delayLags: () => Array.from(pg.delay_lags()),
    /** Bytes of wasm linear memory (the soak command watches it grow or not). */
    wasmMemoryBytes: () => wasm.memory.buffer.byteLength,
    param: (name) => pg.param(name),
    setParam: (name, value) => { params.set(name, value); return pg.param(name); },
    /** A parameter's range and label, as the controls have it. */
    paramSpec: (name) => pg.param_specs().find((s) => s.name === name) ?? null,
    /** Start a new network of `hidden` neurons from `seed`, as the "Start a new network" button. */
    rebuild: (hidden, seed) => { $("p-hidden").value = String(hidden); $("p-seed").value = String(seed); $("rebuild").click(); return pg.param("hidden"); },
    setSpeed: (v) => setSpeed(v),
    speed: () => speed,
    regime: () => pg.regime(),
    tourStep: () => tour.step(),
    /** Benchmark: run learning steps flat out for `ms` (blocks the tab), return steps/s. */
    benchSteps: (ms = 2000) => {
      const t0 = performance.now();
      let n = 0;
      while (performance.now() - t0 < ms) { pg.train_steps(100); n += 100; }
      return n * 1000 / (performance.now() - t0);
    },
  };
  divergence = createDivergence(pg, { setParam: (n, v) => params.set(n, v), setFeedback: (m) => window.nla.setFeedback(m),
    play: () => window.nla.play(), reset: () => ui.reset.click() });
  initShare(pg, { afterJump: syncAfterJump }); // URL state, save/load, embedding (www/share.js)
  requestAnimationFrame(frame);
  let files;
  try {
    setStatus("Loading the official MNIST digits…");
    files = await loadManifest();
    for (const f of ["test-images.idx.gz", "test-labels.idx.gz", "train-images-0.idx.gz", "train-labels-0.idx.gz"]) loading.total += files[f]?.bytes ?? 0;
    const [teI, teL] = await loadPair(files, "test-images.idx.gz", "test-labels.idx.gz");
    pg.set_test(teI, teL);
    startEvaluator(teI, teL);
    const [trI, trL] = await loadPair(files, "train-images-0.idx.gz", "train-labels-0.idx.gz");
    pg.add_train("training chunk 0", trI, trL);
  } catch (e) {
    fatal = true;
    showError(`Cannot start learning: ${e.message ?? e}`);
    setStatus("Stopped: the data could not be loaded.");
    return;
  }
  running = true;
  for (const id of ["play", "reset", "feedback", "step", "speed", "regimes", "rebuild", "misread"]) $(id).disabled = false;
  setStatus("Learning. Loading the rest of the training set in the background…");
  document.body.dataset.ready = "true";
  // The neuron view follows an active neuron, not one that happens to sit below threshold: a few
  // seconds in, the hidden neuron whose voltage is nearest the middle of ρ's range (unless the
  // user has picked one).
  setTimeout(() => {
    if (probeChosen) return;
    const u = pg.glance().hidden_u;
    let best = 0;
    for (let i = 1; i < u.length; i++) if (Math.abs(u[i] - 0.5) < Math.abs(u[best] - 0.5)) best = i;
    $("probe-neuron").value = pg.set_probe_neuron(best);
  }, 3000);
  // The remaining training chunks, one after another, while learning runs.
  let k = 1;
  for (; files[`train-images-${k}.idx.gz`]; k++) {
    try {
      const [i, l] = await loadPair(files, `train-images-${k}.idx.gz`, `train-labels-${k}.idx.gz`);
      pg.add_train(`training chunk ${k}`, i, l);
    } catch (e) {
      showError(`Training continues on the ${fmtInt(pg.stats().train_loaded)} digits loaded so far: ${e.message ?? e}`);
      break;
    }
  }
  setStatus(`Learning continuously from ${fmtInt(pg.stats().train_loaded)} official training digits.`);
}

main();
