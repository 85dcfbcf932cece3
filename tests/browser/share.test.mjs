// Sharing: hostile URL hashes never break the page; save → reload → load is bit-identical; the
// embed example drives the page through postMessage.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import { serve, launch, openPage, OUT } from "./harness.mjs";

let browser, srv;
before(async () => { browser = await launch(); srv = await serve(); });
after(async () => { await browser?.close(); await srv?.close(); });

// mulberry32: a seeded generator, so the hash list is the same every run.
function rng(seed) {
  return () => { seed = (seed + 0x6d2b79f5) | 0; let t = Math.imul(seed ^ (seed >>> 15), 1 | seed); t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t; return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
}
const KEYS = ["task", "seed", "hidden", "feedback", "beta", "eta", "eta_ip", "eta_pi", "beta_i", "dt", "steps", "lookahead",
  "plasticity", "interneurons", "nudging", "decay", "hide", "embed", "<script>window.__pwned=1</script>", "onload", "__proto__", "constructor", "%"];
const VALUES = ["", "0", "-0", "-1", "1e308", "-1e308", "NaN", "Infinity", "-inf", "1e-45", "0.1", "99999999999999999999", "-300", "500-500",
  "1-2-3-4", "none", "microcircuit", "random", "off", "on", "charts,teach", "<img src=x onerror=\"window.__pwned=1\">",
  "<script>window.__pwned=1</script>", "\"><svg onload=window.__pwned=1>", "javascript:window.__pwned=1", "%3Cscript%3Ewindow.__pwned%3D1%3C%2Fscript%3E",
  "%", "%zz", "%C3%28", "%00", "数字", "🧠", "\u202eevil", "' OR 1=1 --", "${window.__pwned=1}", "{{7*7}}"];
function hostileHashes(n) {
  const r = rng(7);
  const pick = (a) => a[Math.floor(r() * a.length)];
  const out = [
    "task=mnist&seed=7&beta=0.1&eta=0.05&feedback=microcircuit&hide=charts,teach&embed",
    `beta=${"9".repeat(100_000)}`, `x=${"<".repeat(100_000)}`, "a&".repeat(20_000), "beta=0.1&beta=NaN&beta=2",
    "hidden=500-500&beta=1&eta=1&dt=2&steps=1", "hidden=none&feedback=microcircuit&eta=1", "seed=18446744073709551616",
  ];
  while (out.length < n) {
    const parts = [];
    for (let k = Math.floor(r() * 8); k > 0; k--) {
      const v = r() < 0.6 ? pick(VALUES) : String((r() - 0.5) * 10 ** Math.floor(r() * 60 - 30));
      parts.push(r() < 0.1 ? pick(KEYS) : `${pick(KEYS)}=${v}`);
    }
    out.push(parts.join("&"));
  }
  return out;
}

/** Everything that must hold after any link: no NaN shown, no markup injected, finite stats. */
async function checkPage(page, baseline, h) {
  const r = await page.evaluate(() => {
    const s = window.nla.stats();
    const shown = [...document.querySelectorAll(".readouts dd, #label, #pred, #train-acc, #eval-progress, #share-notice")].map((e) => e.textContent).join(" | ");
    return {
      pwned: window.__pwned, injected: document.querySelectorAll("script, img, svg:not(svg *), iframe, [onerror], [onload]").length,
      noticeChildren: document.getElementById("share-notice").children.length,
      finite: [s.sim_time_s, s.samples_seen, s.dt_ms, s.eta, s.eta_now, s.steps_per_sample].every(Number.isFinite)
        && (s.test_accuracy == null || Number.isFinite(s.test_accuracy)),
      nanShown: /NaN|Infinity|undefined/.test(shown.replace(/Ignored[^\n|]*|[^\n|]*outside[^\n|]*/g, "")),
      // what the charts would draw: every value of every live view and the accuracy history
      badSeries: ["errors", "energy", "neuron", "interneurons", "delay"].flatMap((v) => {
        const d = window.nla.viewSeries(v);
        return (d?.series ?? []).filter((x) => !x.values.every(Number.isFinite)).map((x) => `${v}: ${x.name}`);
      }).concat(s.history.filter((p) => !Number.isFinite(p.accuracy)).map(() => "accuracy history")),
      hash: location.hash.length,
    };
  });
  const ctx = `hash ${JSON.stringify(h.slice(0, 120))}`;
  assert.equal(r.pwned, undefined, ctx);
  assert.equal(r.injected, baseline, ctx);
  assert.equal(r.noticeChildren, 0, ctx);
  assert.ok(r.finite, ctx);
  assert.ok(!r.nanShown, ctx);
  assert.deepEqual(r.badSeries, [], `non-finite chart data: ${ctx}`);
  assert.ok(r.hash < 2000, `the canonical hash replaces the input: ${ctx}`);
}

test("≥ 200 random and hostile URL hashes: no page error, no NaN shown, no injected markup", async () => {
  const { page, problems } = await openPage(browser, srv.url);
  await page.waitForSelector("body[data-ready=true]", { timeout: 60_000 });
  const baseline = await page.evaluate(() => document.querySelectorAll("script, img, svg:not(svg *), iframe, [onerror], [onload]").length);
  const hashes = hostileHashes(230);
  let reloads = 0, notices = 0;
  for (const [i, h] of hashes.entries()) {
    if (i % 23 === 0) {
      // a fresh load of the page with this hash (a new query forces a real navigation)
      await page.goto(`${srv.url}?k=${i}#${h}`);
      await page.waitForSelector("body[data-ready=true]", { timeout: 60_000 });
      reloads++;
    } else {
      // in-page: the hashchange handler applies it
      await page.evaluate((h) => { location.hash = h; }, h);
      await page.evaluate(() => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok))));
    }
    await page.evaluate(() => window.nla.step(30));
    await checkPage(page, baseline, h);
    notices += await page.evaluate(() => !document.getElementById("share-notice").hidden);
    // and the state in the address bar reads back without notices
    const again = await page.evaluate(() => window.nla.urlState());
    assert.deepEqual(again.notices, [], `canonical hash after ${JSON.stringify(h.slice(0, 80))}`);
  }
  await page.screenshot({ path: `${OUT}/share-hostile.png` });
  console.log(`# ${hashes.length} hashes (${reloads} full loads), ${notices} with a notice; problems: ${problems.length}`);
  assert.deepEqual(problems, []);
  assert.ok(notices > 100);
  await page.close();
});

test("save → reload → load gives bit-identical weights and the same predictions; a bad file changes nothing", async () => {
  const { page, problems } = await openPage(browser, `${srv.url}#seed=11&feedback=random`);
  await page.waitForSelector("body[data-ready=true]", { timeout: 60_000 });
  await page.evaluate(() => { window.nla.pause(); window.nla.step(3000); });
  const before = await page.evaluate(() => ({ sum: window.nla.weightsChecksum(), pred: window.nla.predictions(300), s: window.nla.stats() }));
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#share-save")]);
  const file = `${OUT}/saved.nla`;
  await download.saveAs(file);
  const bytes = fs.readFileSync(file);
  console.log(`# save file ${bytes.length} bytes (${download.suggestedFilename()})`);
  assert.equal(bytes.subarray(0, 7).toString(), "NLAPLAY");

  await page.goto(`${srv.url}?fresh#seed=2`);
  await page.waitForSelector("body[data-ready=true]", { timeout: 60_000 });
  await page.evaluate(() => window.nla.pause());
  const fresh = await page.evaluate(() => window.nla.weightsChecksum());
  assert.notEqual(fresh, before.sum);

  // A damaged file: refused with its reason, the running network unchanged.
  const bad = Buffer.from(bytes); bad[bad.length >> 1] ^= 0x10;
  await page.setInputFiles("#share-load", { name: "bad.nla", mimeType: "application/octet-stream", buffer: bad });
  await page.waitForFunction(() => /checksum mismatch/.test(document.getElementById("share-notice").textContent));
  assert.equal(await page.evaluate(() => window.nla.weightsChecksum()), fresh);
  await page.setInputFiles("#share-load", { name: "x.nla", mimeType: "text/plain", buffer: Buffer.from("<script>window.__pwned=1</script>") });
  await page.waitForFunction(() => /wrong magic/.test(document.getElementById("share-notice").textContent));
  assert.equal(await page.evaluate(() => window.nla.weightsChecksum()), fresh);

  await page.setInputFiles("#share-load", file);
  await page.waitForFunction(() => /^Loaded/.test(document.getElementById("share-notice").textContent));
  const loaded = await page.evaluate(() => ({ sum: window.nla.weightsChecksum(), pred: window.nla.predictions(300), s: window.nla.stats(), hash: location.hash }));
  assert.equal(loaded.sum, before.sum, "bit-identical weights");
  assert.deepEqual(loaded.pred, before.pred, "same predictions on 300 official test digits");
  assert.equal(loaded.s.samples_seen, before.s.samples_seen);
  assert.equal(loaded.s.seed, 11);
  assert.equal(loaded.s.feedback, "random");
  assert.match(loaded.hash, /seed=11&.*feedback=random/, "the address bar follows the loaded network");
  await page.screenshot({ path: `${OUT}/share-loaded.png` });
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.deepEqual(problems, []);
  await page.close();
});

test("the same link gives the same weights; a link applied while learning keeps what was learned unless it must start anew, and says so", async () => {
  const link = "seed=5&beta=0.2&eta=0.03&steps=8&feedback=random";
  const run = async () => {
    const { page, problems } = await openPage(browser, `${srv.url}#${link}`);
    await page.waitForSelector("body[data-ready=true]", { timeout: 60_000 });
    await page.waitForFunction(() => window.nla.stats().train_loaded === 60000, null, { timeout: 60_000 });
    // Reset returns to the link's start (the stream order is drawn over all 60,000 digits).
    await page.evaluate(() => { window.nla.pause(); window.nla.reset(); window.nla.step(4000); });
    return { page, problems, sum: await page.evaluate(() => window.nla.weightsChecksum()) };
  };
  const a = await run();
  const b = await run();
  assert.equal(a.sum, b.sum, "same link, same steps: bit-identical weights");
  await b.page.close();
  const { page, problems } = a;
  const notice = () => page.evaluate(() => document.getElementById("share-notice").textContent);
  // Only live settings change: the network is kept.
  const steps = await page.evaluate(() => window.nla.stats().steps);
  await page.evaluate((h) => { location.hash = h; }, link.replace("beta=0.2", "beta=0.3").replace("steps=8", "steps=12"));
  await page.waitForFunction(() => window.nla.param("beta") === 0.3 || Math.abs(window.nla.param("beta") - 0.3) < 1e-6);
  assert.equal(await page.evaluate(() => window.nla.weightsChecksum()), a.sum, "live settings keep the weights");
  assert.equal(await page.evaluate(() => window.nla.stats().steps), steps);
  assert.equal(await page.evaluate(() => window.nla.param("presentation_ms")), 12);
  assert.doesNotMatch(await notice(), /new network/);
  // A new seed must start anew, and says so.
  await page.evaluate((h) => { location.hash = h; }, link.replace("seed=5", "seed=6"));
  await page.waitForFunction(() => /Started a new network: the link changes the seed/.test(document.getElementById("share-notice").textContent));
  assert.equal(await page.evaluate(() => window.nla.stats().seed), 6);
  // A setting beyond what a link may carry: Copy link says what the link carries instead.
  await page.evaluate(() => { window.nla.step(10); window.nla.setParam("beta_i", 0.9); });
  await page.click("#share-link");
  await page.waitForFunction(() => /nearest settings a link allows/.test(document.getElementById("share-notice").textContent));
  assert.match(await notice(), /beta_i/);
  assert.deepEqual(problems, []);
  await page.close();
});

test("the embed example drives the page through postMessage; malformed messages are ignored", async () => {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  const problems = [];
  page.on("pageerror", (e) => problems.push(e.message));
  await page.goto(`${srv.url}www/embed-example.html`);
  const until = (pred, arg) => page.waitForFunction(pred, arg, { timeout: 60_000 });
  await until(() => window.received.some((m) => m.event === "ready"));
  const frame = page.frames().find((f) => f.url().includes("index.html"));
  assert.ok(await frame.evaluate(() => document.body.classList.contains("embed")), "compact layout");
  await until(() => window.received.some((m) => m.event === "accuracy") && window.received.some((m) => m.event === "prediction"));

  await page.click("#pause");
  await until(() => window.received.some((m) => m.event === "state" && m.state.running === false));
  assert.equal(await frame.evaluate(() => window.nla.stats().running), false);
  const s0 = await frame.evaluate(() => window.nla.stats().steps);
  await page.click("#step");
  await until(() => window.received.filter((m) => m.event === "state").length >= 2);
  assert.equal(await frame.evaluate(() => window.nla.stats().steps), s0 + 100);

  await page.click("#fa");
  await until(() => window.received.some((m) => m.event === "state" && /feedback=random/.test(m.canonical ?? "")));
  assert.equal(await frame.evaluate(() => window.nla.stats().feedback), "random");
  await page.click("#play");
  await until(() => window.received.some((m) => m.event === "state" && m.state.running === true));

  // Malformed or hostile messages are ignored (counted), never evaluated.
  const ignored0 = await frame.evaluate(() => window.nla.ignoredMessages());
  await page.evaluate(() => {
    const w = document.getElementById("nla").contentWindow;
    for (const m of ["play", null, [1], { cmd: "play" }, { nla: 1, cmd: "eval", code: "window.__pwned=1" },
      { nla: 1, cmd: "step", n: 1e9 }, { nla: 1, cmd: "step", n: "5" }, { nla: 1, cmd: "setParams", params: { "<x>": 1 } },
      { nla: 1, cmd: "setParams", params: { beta: { toString: 1 } } }, { nla: 2, cmd: "pause" }]) w.postMessage(m, "*");
  });
  await frame.waitForFunction((n) => window.nla.ignoredMessages() >= n + 10, ignored0);
  assert.equal(await frame.evaluate(() => window.__pwned), undefined);
  assert.equal(await frame.evaluate(() => window.nla.stats().running), true, "the hostile 'pause' (nla: 2) was ignored");

  // Off-screen: scrolled out of view, the frame pauses itself; back in view, it resumes.
  await page.evaluate(() => { document.body.style.paddingBottom = "3000px"; window.scrollTo(0, 2500); });
  await frame.waitForFunction(() => !window.nla.stats().running, null, { timeout: 10_000 });
  await page.evaluate(() => window.scrollTo(0, 0));
  await frame.waitForFunction(() => window.nla.stats().running, null, { timeout: 10_000 });

  // A hidden tab (the page's visibilitychange handler): paused, and back when visible again.
  const setVisibility = (state) => frame.evaluate((state) => {
    Object.defineProperty(document, "visibilityState", { configurable: true, get: () => state });
    document.dispatchEvent(new Event("visibilitychange"));
  }, state);
  await setVisibility("hidden");
  await frame.waitForFunction(() => !window.nla.stats().running, null, { timeout: 10_000 });
  const hiddenSteps = await frame.evaluate(() => window.nla.stats().steps);
  await page.waitForTimeout(300);
  assert.equal(await frame.evaluate(() => window.nla.stats().steps), hiddenSteps, "no learning while hidden");
  await setVisibility("visible");
  await frame.waitForFunction(() => window.nla.stats().running, null, { timeout: 10_000 });

  await page.screenshot({ path: `${OUT}/embed-example.png` });
  assert.deepEqual(problems, []);
  await page.close();
});

test("'Copy embed code' gives an iframe snippet (title, lazy loading, aspect ratio) that embeds the running settings", async () => {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: new URL(srv.url).origin });
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(e.message));
  await page.goto(`${srv.url}#seed=3&feedback=random&beta=0.2`);
  await page.waitForSelector("body[data-ready=true]", { timeout: 60_000 });
  await page.click("#share-embed");
  await page.waitForFunction(() => /Embed code copied/.test(document.getElementById("share-notice").textContent));
  const snippet = await page.evaluate(() => navigator.clipboard.readText());
  assert.match(snippet, /^<iframe src="[^"]+" title="[^"]+" loading="lazy" style="[^"]*aspect-ratio:[^"]*"[^>]*><\/iframe>$/, snippet);
  const src = /src="([^"]+)"/.exec(snippet)[1];
  assert.match(src, /#.*seed=3.*feedback=random.*embed/, src);
  // Pasted into a host page, it shows the compact page with the same settings.
  const host = await context.newPage();
  host.on("pageerror", (e) => problems.push(e.message));
  await host.goto(`${srv.url}www/embed-example.html`); // any page of the same server as host
  await host.evaluate((snippet) => { document.body.innerHTML = snippet; }, snippet);
  await host.waitForFunction(() => document.querySelector("iframe")?.contentWindow?.document?.body?.dataset?.ready === "true", null, { timeout: 60_000 });
  const inner = host.frames().find((f) => f !== host.mainFrame());
  assert.ok(await inner.evaluate(() => document.body.classList.contains("embed")), "compact layout");
  const s = await inner.evaluate(() => window.nla.stats());
  assert.equal(s.seed, 3);
  assert.equal(s.feedback, "random");
  assert.deepEqual(problems, []);
  await context.close();
});
