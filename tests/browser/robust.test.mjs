// Robustness: settings that make learning diverge pause the page within the frame it happens,
// explain what diverged and which change caused it, draw nothing non-finite, and both offered
// ways out work: restoring the last good state (settings put back) and resetting the network.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { serve, launch, openPage, OUT } from "./harness.mjs";

let browser, srv;
before(async () => { browser = await launch(); srv = await serve(); });
after(async () => { await browser?.close(); await srv?.close(); });

const VIEWS = ["errors", "energy", "neuron", "interneurons", "delay"];

/** Every number any chart view or readout would draw is finite. */
async function nothingNonFinite(page) {
  const r = await page.evaluate((views) => {
    const bad = [];
    for (const v of views) {
      const d = window.nla.viewSeries(v);
      for (const t of d.time_s ?? []) if (!Number.isFinite(t)) { bad.push(`${v} time`); break; }
      for (const s of d.series) if (!Array.from(s.values).every(Number.isFinite)) bad.push(`${v}: ${s.name}`);
    }
    for (const h of window.nla.stats().history) if (!Number.isFinite(h.accuracy)) bad.push("accuracy history");
    const shown = [...document.querySelectorAll(".readouts dd, #pred, #train-acc, #eval-progress, #diverged")].map((e) => e.textContent).join(" ");
    return { bad, shown };
  }, VIEWS);
  assert.deepEqual(r.bad, []);
  assert.doesNotMatch(r.shown, /NaN|Infinity|undefined/);
}

async function waitDiverged(page) {
  await page.waitForSelector("#diverged:not([hidden])", { timeout: 60_000 });
  // Paused at once: simulated time stands still.
  const s0 = await page.evaluate(() => window.nla.stats());
  assert.equal(s0.running, false);
  await page.waitForTimeout(400);
  assert.equal(await page.evaluate(() => window.nla.stats().steps), s0.steps, "no step after the divergence");
  await nothingNonFinite(page);
  return page.textContent("#diverged");
}

test("divergence pauses the page, explains the cause, draws no NaN; 'Restore the last good state' and 'Reset network' both recover", async () => {
  const { page, problems } = await openPage(browser, srv.url);
  await page.waitForSelector("body[data-ready=true]", { timeout: 60_000 });
  // The settings the page starts with count as good; a young network diverges fastest.
  await page.waitForFunction(() => window.nla.stats().samples_seen > 200, null, { timeout: 60_000 });
  const eta = await page.evaluate(() => window.nla.param("eta"));

  // Too fast a learning rate with full nudging, then "Reset network" (with the good settings).
  await page.evaluate(() => { window.nla.setParam("eta", 0.2); window.nla.setParam("beta", 1); });
  const text = await waitDiverged(page);
  assert.match(text, /Paused: learning diverged\. The voltages of the (10 output|300 hidden) neurons grew without bound/);
  assert.match(text, /weights of the last good moment .* are back in place/);
  assert.match(text, /most likely the cause: .*learning rate η of W \(forward\): 0\.2 per ms \(it ran well with 0\.05 per ms\)/);
  assert.match(text, /output nudging β: 1 \(it ran well with 0\.1\)/);
  assert.equal(await page.isVisible("#diverged-reset"), true);
  await page.screenshot({ path: `${OUT}/diverged.png` });
  // Click and read the state in the same task: the page learns ~1,500 digits a second, so a
  // separate read a few milliseconds later would already see a network that has moved on.
  const fresh = await page.evaluate(() => {
    document.getElementById("diverged-reset").click();
    return { ...window.nla.stats(), eta: window.nla.param("eta"), beta: window.nla.param("beta") };
  });
  assert.equal(fresh.samples_seen, 0, `a fresh network (${fresh.samples_seen} digits)`);
  assert.equal(fresh.eta, eta);
  assert.ok(fresh.beta < 1);
  assert.equal(fresh.running, true);
  assert.equal(await page.isHidden("#diverged"), true);
  await page.waitForFunction(() => window.nla.stats().samples_seen > 300, null, { timeout: 60_000 });
  assert.equal(await page.isHidden("#diverged"), true, "no new divergence after the reset");
  await nothingNonFinite(page);

  // No lookahead at the default η: the lagging mismatch is not scaled by β and blows up.
  await page.evaluate(() => window.nla.setParam("prospective", 0));
  const text2 = await waitDiverged(page);
  assert.match(text2, /prospective rates \(lookahead\): off \(it ran well with on\)/);
  // Restore: lookahead back on, learning goes on from the restored weights and stays finite.
  const before = await page.evaluate(() => window.nla.stats().samples_seen);
  await page.click("#diverged-restore");
  assert.equal(await page.evaluate(() => window.nla.param("prospective")), 1);
  assert.equal(await page.isHidden("#diverged"), true);
  await page.waitForFunction((n) => window.nla.stats().samples_seen > n + 500, before, { timeout: 60_000 });
  assert.equal(await page.isHidden("#diverged"), true, "no new divergence after restoring");
  assert.equal(await page.evaluate(() => window.nla.stats().running), true);
  assert.ok(await page.evaluate(() => window.nla.stats().samples_seen) > before, "continued from where it was, not from zero");
  await nothingNonFinite(page);
  assert.deepEqual(problems, []);
  await page.close();
});
