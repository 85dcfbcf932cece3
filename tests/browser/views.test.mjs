// The live views, time control and parameter controls of the page, in headless Chromium.
// Everything is counted in simulated steps, never timed; screenshots of each view go to
// test-output/ (look at them).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { serve, launch, openPage, OUT } from "./harness.mjs";

let srv, browser;
before(async () => { srv = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); await srv?.close(); });

async function ready(viewport) {
  const { page, problems } = await openPage(browser, srv.url, viewport);
  await page.waitForFunction(() => document.body.dataset.ready === "true", null, { timeout: 60_000 });
  return { page, problems };
}

const CHART_VIEWS = ["errors", "energy", "neuron", "interneurons", "delay"];

function assertFiniteSeries(data, view) {
  assert.ok(data.time_s.length > 0, `${view}: no time axis`);
  assert.ok(data.series.length > 0, `${view}: no series`);
  for (const s of data.series) {
    assert.ok(s.values.length > 0, `${view}/${s.name}: empty`);
    assert.equal(s.values.length, data.time_s.length, `${view}/${s.name}: length differs from the time axis`);
    assert.ok(s.values.every(Number.isFinite), `${view}/${s.name}: non-finite value`);
  }
  assert.ok(data.time_s.every(Number.isFinite), `${view}: non-finite time`);
}

test("every live view draws non-empty, finite data; screenshots of each", async () => {
  const { page, problems } = await ready({ width: 1360, height: 900 });
  await page.evaluate(() => { window.nla.pause(); window.nla.step(3000); });
  // Errors are not flat zero while learning (the output is nudged toward each label).
  const errors = await page.evaluate(() => window.nla.viewSeries("errors"));
  const out = errors.series.find((s) => s.name.startsWith("output"));
  assert.ok(Math.max(...out.values) > 0.01, `output error stays ${Math.max(...out.values)}`);
  const apical = errors.series.find((s) => s.name.startsWith("apical"));
  assert.ok(Math.max(...apical.values) > 0, "no apical error");
  await page.evaluate(() => window.nla.paintView("errors"));
  await page.locator("#v-errors").screenshot({ path: path.join(OUT, "view-errors-weight-transport.png") });
  // The interneurons only work in the microcircuit: switch it on and let them run a while.
  await page.evaluate(() => { window.nla.setFeedback("microcircuit"); window.nla.step(2000); });
  for (const view of CHART_VIEWS) {
    const data = await page.evaluate((v) => window.nla.viewSeries(v), view);
    assertFiniteSeries(data, view);
    const ms = await page.evaluate((v) => window.nla.paintView(v), view);
    assert.ok(Number.isFinite(ms));
  }
  // Interneurons are active in the microcircuit: voltages move and follow their targets.
  const inter = await page.evaluate(() => window.nla.viewSeries("interneurons"));
  const u = inter.series[0].values;
  assert.ok(Math.max(...u) - Math.min(...u) > 1e-3, "interneuron 1 voltage is flat");
  // Receptive fields and the glance picture: what was painted, read back.
  for (const v of ["fields", "glance"]) await page.evaluate((id) => window.nla.paintView(id), v);
  const drawn = await page.evaluate(() => window.nla.viewsDrawn());
  assert.equal(drawn.fields, 32);
  for (const k of ["hidden_u", "hidden_error", "output_u", "output_target", "interneuron_u"]) {
    assert.ok(drawn.glance[k].length > 0 && drawn.glance[k].every(Number.isFinite), `glance ${k}`);
  }
  assert.equal(drawn.glance.microcircuit, true);
  // The receptive fields show what learning wrote (W − W_start): lit where digits have ink,
  // mostly dark on the 3-pixel frame of every 28×28 tile, where MNIST digits rarely have ink — so
  // those weights hardly change. (The weights themselves would be random noise everywhere.)
  const lit = await page.evaluate(() => {
    const c = document.getElementById("fields");
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    const n = { centre: 0, centreLit: 0, frame: 0, frameLit: 0 };
    for (let i = 0; i < d.length; i += 4) {
      const p = i / 4, x = (p % c.width) % 28, y = Math.floor(p / c.width) % 28;
      const on = d[i] + d[i + 1] + d[i + 2] > 30;
      if (x < 3 || x > 24 || y < 3 || y > 24) { n.frame++; n.frameLit += on; } else { n.centre++; n.centreLit += on; }
    }
    return { centre: n.centreLit / n.centre, frame: n.frameLit / n.frame };
  });
  assert.ok(lit.centre > 0.2, `receptive fields mostly black (${lit.centre} of the centre lit)`);
  assert.ok(lit.frame < 0.25 * lit.centre, `receptive fields as lit where digits rarely have ink (${lit.frame} of the frame) as in the centre (${lit.centre})`);
  for (const id of ["v-errors", "v-energy", "v-neuron", "v-interneurons", "v-delay", "v-fields", "v-glance", "h-circuit"]) {
    const el = id.startsWith("h-") ? page.locator(`#${id}`).locator("..") : page.locator(`#${id}`);
    await el.screenshot({ path: path.join(OUT, `view-${id.replace(/^[vh]-/, "")}.png`) });
  }
  assert.deepEqual(problems, []);
});

test("pause stops simulated time exactly; Step and '.' advance it by exactly one dt", async () => {
  const { page, problems } = await ready({ width: 1360, height: 900 });
  await page.evaluate(() => window.nla.pause());
  const t0 = await page.evaluate(() => window.nla.stats().sim_time_s);
  await page.waitForTimeout(400); // ~24 frames in which nothing may move
  assert.equal(await page.evaluate(() => window.nla.stats().sim_time_s), t0);
  await page.click("#step");
  const t1 = await page.evaluate(() => window.nla.stats().sim_time_s);
  assert.ok(Math.abs(t1 - t0 - 0.001) < 1e-9, `Step advanced ${t1 - t0} s`);
  await page.locator("body").press(".");
  const t2 = await page.evaluate(() => window.nla.stats().sim_time_s);
  assert.ok(Math.abs(t2 - t1 - 0.001) < 1e-9, `'.' advanced ${t2 - t1} s`);
  // With dt = 0.5 ms a step is half as long, and the presentation time stays 10 ms.
  await page.click("#params-panel summary");
  await page.fill("#p-dt", "0.5");
  await page.locator("#p-dt").dispatchEvent("change");
  assert.equal(await page.evaluate(() => window.nla.param("dt")), 0.5);
  assert.equal(await page.evaluate(() => window.nla.param("presentation_ms")), 10);
  await page.click("#step");
  const t3 = await page.evaluate(() => window.nla.stats().sim_time_s);
  assert.ok(Math.abs(t3 - t2 - 0.0005) < 1e-9, `Step at dt 0.5 advanced ${t3 - t2} s`);
  assert.equal(await page.evaluate(() => window.nla.stats().running), false);
  assert.deepEqual(problems, []);
});

test("switching prospective rates off makes the delay demo lag, as measured on the page", async () => {
  const { page, problems } = await ready({ width: 1360, height: 900 });
  await page.evaluate(() => window.nla.pause());
  // The demo follows the page's clock; step it by hand, a full window of 900 ms.
  for (let k = 0; k < 9; k++) await page.evaluate(() => { for (let i = 0; i < 100; i++) document.getElementById("step").click(); });
  await page.waitForFunction(() => document.getElementById("lag-now").textContent.endsWith("ms"), null, { timeout: 10_000 });
  const lagOn = parseFloat(await page.textContent("#lag-now"));
  assert.ok(lagOn <= 1, `prospective lag ${lagOn} ms`);
  await page.click("#params-panel summary");
  await page.click("#p-prospective");
  assert.equal(await page.evaluate(() => window.nla.param("prospective")), 0);
  await page.waitForFunction(() => document.getElementById("lag-mode").textContent.includes("without"), null, { timeout: 10_000 });
  const lagOff = parseFloat(await page.textContent("#lag-now"));
  assert.ok(lagOff >= 20 && lagOff <= 40, `no-lookahead lag ${lagOff} ms (three neurons of τ = 10 ms)`);
  const [pro, plain] = await page.evaluate(() => window.nla.delayLags());
  assert.equal(plain, lagOff);
  assert.ok(pro <= 1);
  await page.locator("#v-delay").screenshot({ path: path.join(OUT, "view-delay-no-lookahead.png") });
  assert.deepEqual(problems, []);
});

test("the three energy regimes: E settles, rises with nudging, falls with plasticity", async () => {
  const { page, problems } = await ready({ width: 1360, height: 900 });
  await page.evaluate(() => { window.nla.step(2000); });
  // Click and pause in one go: no frame runs between them, so the steps below count exactly.
  await page.evaluate(() => { document.getElementById("regimes").click(); window.nla.pause(); });
  assert.equal(await page.evaluate(() => window.nla.regime()), 0);
  const energyAt = async () => {
    const d = await page.evaluate(() => window.nla.viewSeries("energy"));
    return d.series[0].values.at(-1);
  };
  await page.evaluate(() => window.nla.step(149));
  const free = await energyAt();
  await page.evaluate(() => window.nla.step(150));
  assert.equal(await page.evaluate(() => window.nla.regime()), 1);
  const nudged = await energyAt();
  await page.evaluate(() => window.nla.step(300));
  assert.equal(await page.evaluate(() => window.nla.regime()), 2);
  const learned = await energyAt();
  assert.ok(free < 0.01 * nudged, `free E ${free} vs nudged ${nudged}`);
  assert.ok(learned < 0.5 * nudged, `E after plasticity ${learned} vs nudged ${nudged}`);
  const marks = (await page.evaluate(() => window.nla.viewSeries("energy"))).marks.map((m) => m[1]);
  assert.deepEqual(marks.slice(-3), ["1: β = 0", "2: nudged", "3: plastic"]);
  await page.evaluate(() => window.nla.paintView("energy"));
  await page.locator("#v-energy").screenshot({ path: path.join(OUT, "view-energy-regimes.png") });
  await page.evaluate(() => window.nla.step(5));
  assert.equal(await page.evaluate(() => window.nla.regime()), -1, "the stream resumes");
  // Run live (1/10 speed, ~6 s): at the end the page pauses and holds the result on the chart.
  await page.evaluate(() => { window.nla.play(); document.getElementById("regimes").click(); });
  await page.waitForFunction(() => window.nla.regime() === -1 && !window.nla.stats({ history: false }).running, null, { timeout: 30_000 });
  await page.waitForFunction(() => /^Done, paused/.test(document.getElementById("regime-note").textContent), null, { timeout: 5_000 });
  const held = await page.evaluate(() => window.nla.viewSeries("energy"));
  const starts = held.marks.filter((m) => m[1] === "1: β = 0").map((m) => m[0]);
  assert.ok(held.time_s[0] >= starts.at(-1) - 0.06, "the chart still shows the three regimes");
  await page.waitForTimeout(500);
  assert.match(await page.textContent("#regime-note"), /^Done, paused/, "and keeps them until Play");
  await page.evaluate(() => window.nla.play());
  await page.waitForFunction(() => document.getElementById("regime-note").textContent === "", null, { timeout: 5_000 });
  assert.deepEqual(problems, []);
});

test("nonsense and extreme values in every control are clamped or refused with a message, never NaN; every corner of the parameter box runs", { timeout: 600_000 }, async () => {
  const { page, problems } = await ready({ width: 1360, height: 900 });
  await page.click("#params-panel summary");
  const names = await page.evaluate(() => [...document.querySelectorAll("#param-fields input[type=number]")].map((e) => e.id));
  assert.ok(names.length >= 7, names.join());
  const note = () => page.evaluate(() => { const e = document.getElementById("param-note"); return e.hidden ? "" : e.textContent; });
  // Each nonsense value gets a visible message naming the control; the value in force stays finite.
  const expect = { abc: /not a number/, NaN: /not a number/, "": /not a number/, "1e308": /outside .*; using/, "-1e308": /outside .*; using/, "99999": /outside .*; using/ };
  for (const id of names) {
    const label = await page.evaluate((id) => document.getElementById(id).closest("label").firstChild.textContent.replace(/ \(.*\)$/, ""), id);
    for (const raw of ["abc", "1e308", "-1e308", "NaN", "", "0.0000001", "99999"]) {
      await page.evaluate(() => { document.getElementById("param-note").textContent = ""; });
      await page.fill(`#${id}`, "");
      await page.locator(`#${id}`).pressSequentially(raw === "" ? " " : raw).catch(() => {});
      await page.locator(`#${id}`).dispatchEvent("change");
      const v = await page.evaluate((n) => window.nla.param(n.slice(2)), id);
      assert.ok(Number.isFinite(v), `${id} = ${raw} gave ${v}`);
      const shown = await page.inputValue(`#${id}`);
      assert.ok(Number.isFinite(Number(shown)) && shown !== "", `${id} shows ${shown} after ${raw}`);
      if (expect[raw]) {
        const n = await note();
        assert.match(n, expect[raw], `${id} = ${JSON.stringify(raw)}: message ${JSON.stringify(n)}`);
        assert.ok(n.includes(label), `${id}: the message names the control (${label}): ${n}`);
      }
    }
  }
  await page.fill("#p-beta", "50");
  await page.locator("#p-beta").dispatchEvent("change");
  assert.match(await note(), /outside 0–1; using 1/);
  // Hidden size and seed: out of range is clamped and said; nonsense keeps the network.
  await page.fill("#p-hidden", "100000");
  await page.fill("#p-seed", "-5");
  await page.click("#rebuild");
  assert.match(await note(), /New network: 500 hidden neurons, seed 0;.*outside/);
  const stepsNow = await page.evaluate(() => { window.nla.step(20); return window.nla.stats().steps; });
  await page.fill("#p-hidden", "");
  await page.locator("#p-hidden").pressSequentially("abc").catch(() => {});
  await page.click("#rebuild");
  assert.match(await note(), /hidden pyramidal neurons: not a number; kept the running network \(500 hidden neurons, seed 0\)/);
  assert.equal(await page.evaluate(() => window.nla.stats().steps), stepsNow, "no new network from text");
  // Every corner of the box of live parameters — lowest / highest of each of 7 parameters and
  // plasticity off / on: 2⁸ corners — in each of the three top-down paths at 500 hidden neurons,
  // and in the microcircuit at 10; lookahead on or off by the corner's parity (so each extreme
  // meets both). 1,024 runs of 400 steps. No view may hold a non-finite value; a divergence must
  // be caught and restored; no run may hang.
  const extremes = await page.evaluate(() => {
    const specs = ["beta", "eta", "eta_ip", "eta_pi", "presentation_ms", "dt", "beta_i", "plastic"];
    const ranges = Object.fromEntries(specs.map((n) => [n, [window.nla.paramSpec(n).min, window.nla.paramSpec(n).max]]));
    const runs = [];
    for (const mode of ["weight-transport", "random", "microcircuit"]) for (let bits = 0; bits < 256; bits++) runs.push({ hidden: 500, mode, bits });
    for (let bits = 0; bits < 256; bits++) runs.push({ hidden: 10, mode: "microcircuit", bits });
    const parity = (b) => { let p = 0; for (; b; b >>= 1) p ^= b & 1; return p; };
    const results = [];
    let size = null;
    for (const [corner, { hidden, mode, bits }] of runs.entries()) {
      if (hidden !== size) { window.nla.rebuild(hidden, corner); size = hidden; }
      window.nla.pause();
      window.nla.reset();
      window.nla.setFeedback(mode);
      for (const [k, name] of specs.entries()) window.nla.setParam(name, ranges[name][(bits >> k) & 1]);
      window.nla.setParam("prospective", parity(bits));
      let error = null;
      const t0 = performance.now();
      try { window.nla.step(400); } catch (e) { error = String(e); }
      const ms = performance.now() - t0;
      const s = window.nla.stats({ history: false });
      const finite = ["errors", "energy", "neuron", "interneurons", "delay"].every((v) =>
        window.nla.viewSeries(v).series.every((x) => x.values.every(Number.isFinite)));
      const out = window.nla.drawnAnswer();
      results.push({ corner, mode, hidden, error, finite, ms, t: s.sim_time_s, answerOk: out === null || (out >= 0 && out <= 9) });
    }
    return results;
  });
  assert.equal(extremes.length, 1024);
  let diverged = 0;
  for (const r of extremes) {
    assert.ok(r.finite, `corner ${r.corner} (${r.mode}): non-finite data in a view`);
    assert.ok(Number.isFinite(r.t), `corner ${r.corner}: time ${r.t}`);
    assert.ok(r.answerOk, `corner ${r.corner}: answer`);
    // 400 steps take ~10 ms; a hung tab would take the whole test timeout.
    assert.ok(r.ms < 5000, `corner ${r.corner}: 400 steps took ${r.ms} ms`);
    if (r.error) { diverged++; assert.match(r.error, /diverged.*restored/, `corner ${r.corner}: ${r.error}`); }
  }
  console.log(`# 1024 runs: ${diverged} diverged and were restored; slowest ${Math.max(...extremes.map((r) => r.ms)).toFixed(0)} ms`);
  // Left at the last corner (everything at its maximum) the running page diverges, pauses and
  // says so; back at the defaults it learns again.
  await page.evaluate(() => {
    const defaults = { beta: 0.1, eta: 0.05, eta_ip: 0.1, eta_pi: 0.1, presentation_ms: 10, dt: 1, beta_i: 0.1, plastic: 1, prospective: 1 };
    window.nla.setFeedback("weight-transport");
    for (const [k, v] of Object.entries(defaults)) window.nla.setParam(k, v);
    window.nla.rebuild(300, 1);
    window.nla.play();
  });
  await page.waitForFunction(() => window.nla.stats().steps_per_s > 0, null, { timeout: 10_000 });
  assert.deepEqual(problems, []);
});

test("speed control, slow motion and the guided tour work from the keyboard", async () => {
  const { page, problems } = await ready({ width: 1360, height: 900 });
  await page.locator("body").press("s");
  assert.equal(await page.evaluate(() => window.nla.speed()), 10);
  for (let k = 0; k < 6; k++) await page.locator("body").press("s");
  assert.equal(await page.evaluate(() => window.nla.speed()), 0.01);
  // At 1/100 real time the network advances about 10 steps per wall second.
  const s0 = await page.evaluate(() => window.nla.stats().steps);
  await page.waitForTimeout(1000);
  const s1 = await page.evaluate(() => window.nla.stats().steps);
  assert.ok(s1 - s0 <= 30, `slow motion ran ${s1 - s0} steps in ~1 s`);
  await page.locator("body").press("f");
  assert.equal(await page.evaluate(() => window.nla.speed()), 0.03);
  await page.locator("body").press("t");
  assert.equal(await page.evaluate(() => window.nla.tourStep()), 0);
  assert.equal(await page.isVisible("#tour-box"), true);
  await page.screenshot({ path: path.join(OUT, "tour.png") });
  await page.keyboard.press("Enter"); // "Next" has the focus
  assert.equal(await page.evaluate(() => window.nla.tourStep()), 1);
  // Step 3 points at the drawing pad: the box must not cover it.
  await page.keyboard.press("Enter");
  assert.equal(await page.evaluate(() => window.nla.tourStep()), 2);
  await page.waitForTimeout(1200); // the smooth scroll settles, the box follows
  const cover = await page.evaluate(() => {
    const a = document.getElementById("tour-box").getBoundingClientRect(), b = document.getElementById("pad").getBoundingClientRect();
    return Math.max(0, Math.min(a.right, b.right) - Math.max(a.left, b.left)) * Math.max(0, Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top));
  });
  await page.screenshot({ path: path.join(OUT, "tour-pad.png") });
  assert.equal(cover, 0, "the tour box covers the pad it points at");
  await page.keyboard.press("Escape");
  assert.equal(await page.isVisible("#tour-box"), false);
  assert.deepEqual(problems, []);
});
