// Soak: run the page in headless Chromium for a long time (default 30 minutes) and print, every
// minute, the JS heap in use after a forced garbage collection (CDP Performance.getMetrics,
// JSHeapUsedSize), the wasm memory, DOM nodes and event listeners, digits seen and accuracy; at
// the end the change of each from the first sample (after one minute of warm-up once all data is
// loaded) to the last.
// Not part of the test suite (too long). Usage, after scripts/build.sh:
//   node tests/browser/soak.mjs [minutes=30]
import os from "node:os";
import { serve, launch, openPage } from "./harness.mjs";

const minutes = Number(process.argv[2] ?? 30);
if (!(minutes > 0)) { console.error(`soak: minutes must be a positive number, got ${process.argv[2]}`); process.exit(2); }
const browser = await launch();
const srv = await serve();
const { page, problems } = await openPage(browser, srv.url);
const cdp = await page.context().newCDPSession(page);
await cdp.send("Performance.enable");
await page.waitForSelector("body[data-ready=true]", { timeout: 120_000 });
await page.waitForFunction(() => window.nla.stats().train_loaded === 60000, null, { timeout: 120_000 });

const MB = (b) => (b / 1048576).toFixed(2);
// The heap a page retains: the least of three readings 2 s apart, each after a forced GC (a
// single reading may catch a transient, e.g. the weight snapshot on its way to the worker).
async function sample(t0) {
  let m = null;
  for (let k = 0; k < 3; k++) {
    if (k) await new Promise((ok) => setTimeout(ok, 2000));
    await cdp.send("HeapProfiler.collectGarbage");
    const r = Object.fromEntries((await cdp.send("Performance.getMetrics")).metrics.map((x) => [x.name, x.value]));
    if (!m || r.JSHeapUsedSize < m.JSHeapUsedSize) m = r;
  }
  const s = await page.evaluate(() => ({ ...window.nla.stats({ history: false }), wasm: window.nla.wasmMemoryBytes() }));
  return { min: (Date.now() - t0) / 60000, heap: m.JSHeapUsedSize, total: m.JSHeapTotalSize, wasm: s.wasm,
    nodes: m.Nodes, listeners: m.JSEventListeners, digits: s.samples_seen, acc: s.test_accuracy, sps: s.steps_per_s };
}
const line = (r) => `${r.min.toFixed(1).padStart(5)} min  JS heap ${MB(r.heap).padStart(7)} MB (of ${MB(r.total)})  wasm ${MB(r.wasm).padStart(7)} MB  `
  + `nodes ${r.nodes}  listeners ${r.listeners}  digits ${r.digits.toLocaleString("en-US")}  accuracy ${r.acc == null ? "–" : (100 * r.acc).toFixed(2) + " %"}  steps/s ${Math.round(r.sps)}`;

console.log(`soak: ${minutes} min on ${os.cpus().length} × ${os.cpus()[0]?.model}, ${new Date().toISOString()}`);
let t0 = Date.now();
// One minute of warm-up first (the evaluation worker starts, the probes' ring buffers and the
// charts fill), reported but not counted: a leak is growth while the page runs, not its start-up.
const atLoad = await sample(t0);
console.log(`${line(atLoad)}  (at load)`);
await new Promise((ok) => setTimeout(ok, 60_000));
t0 = Date.now();
const rows = [await sample(t0)];
console.log(line(rows[0]));
for (let k = 1; k <= Math.ceil(minutes); k++) {
  await new Promise((ok) => setTimeout(ok, Math.max(0, t0 + Math.min(k, minutes) * 60_000 - Date.now())));
  rows.push(await sample(t0));
  console.log(line(rows.at(-1)));
}
const first = rows[0], last = rows.at(-1);
const pct = (a, b) => `${((100 * (b - a)) / a).toFixed(1)} %`;
const maxHeap = Math.max(...rows.map((r) => r.heap));
console.log(`change first → last: JS heap ${MB(first.heap)} → ${MB(last.heap)} MB (${pct(first.heap, last.heap)}; max ${MB(maxHeap)} MB), `
  + `wasm ${MB(first.wasm)} → ${MB(last.wasm)} MB (${pct(first.wasm, last.wasm)}), DOM nodes ${first.nodes} → ${last.nodes}, `
  + `listeners ${first.listeners} → ${last.listeners}; ${last.digits.toLocaleString("en-US")} digits learned`);
if (problems.length) console.log(`page errors: ${problems.slice(0, 5).join(" | ")}`);
const flat = Math.abs(last.heap - first.heap) <= 0.1 * first.heap;
console.log(flat ? "soak: JS heap flat within 10 %" : "soak: JS heap changed by more than 10 %");
await browser.close();
await srv.close();
process.exit(flat && !problems.length ? 0 : 1);
