// Offline and static hosting: after one visit from a sub-path the page works with the server
// gone (service worker, www/offline.js + dist/sw.js); the loading indicator shows data
// progress; a broken simulator gives a crash message, not a blank page.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { serve, launch, OUT } from "./harness.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const reachable = (url) => new Promise((ok) => {
  http.get(url, (res) => { res.resume(); ok(true); }).on("error", () => ok(false));
});

test("after one visit from a sub-path the page learns with the server shut down", async () => {
  const srv = await serve({}, "/lab/nla/");
  const context = await browser.newContext({ serviceWorkers: "allow", viewport: { width: 1360, height: 900 } });
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(e.message));
  try {
    // The loading indicator shows the data's progress in MB (recorded from the first byte on).
    await page.addInitScript(() => {
      window.__statusSeen = [];
      addEventListener("DOMContentLoaded", () => {
        const el = document.getElementById("status");
        new MutationObserver(() => window.__statusSeen.push(el.textContent)).observe(el, { childList: true, characterData: true, subtree: true });
      });
    });
    await page.goto(srv.url);
    await page.waitForSelector("body[data-ready=true]", { timeout: 60_000 });
    await page.waitForSelector("html[data-offline=ready]", { timeout: 60_000 });
    const online = await page.evaluate(() => window.nlaOffline.status());
    assert.ok(online.controlled && online.total > 20 && online.cached === online.total, JSON.stringify(online));
    const seen = await page.evaluate(() => window.__statusSeen);
    assert.ok(seen.some((t) => /Loading the official MNIST digits… \d+\.\d of \d+\.\d MB/.test(t)), `status texts: ${seen.slice(0, 5).join(" / ")}`);
    assert.match(await page.textContent("#offline-note"), /Saved for offline use/);

    await srv.close();
    assert.equal(await reachable(srv.url), false, "the server is gone");
    await page.reload();
    await page.waitForSelector("body[data-ready=true]", { timeout: 60_000 });
    await page.waitForFunction(() => /%/.test(document.getElementById("r-acc").textContent), null, { timeout: 60_000 });
    const s = await page.evaluate(() => ({ ...window.nla.stats(), error: document.getElementById("error").hidden ? "" : document.getElementById("error").textContent }));
    assert.ok(s.samples_seen > 0 && s.test_loaded === 10000 && s.running, JSON.stringify({ samples: s.samples_seen, test: s.test_loaded }));
    assert.equal(s.error, "");
    // The rest of the training set comes from the cache too (six chunks of 10,000).
    await page.waitForFunction(() => window.nla.stats().train_loaded === 60000, null, { timeout: 30_000 });
    await page.screenshot({ path: `${OUT}/offline-reloaded.png` });
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
    await srv.close();
  }
});

test("a simulator that fails to start gives a crash message", async () => {
  const srv = await serve({ "/pkg/nla_playground_bg.wasm": (b) => b.subarray(0, 5000) });
  const page = await browser.newPage();
  try {
    await page.goto(srv.url);
    await page.waitForSelector("#error:not([hidden])", { timeout: 30_000 });
    assert.match(await page.textContent("#error"), /The simulator \(WebAssembly\) failed to start: .+ This page needs a browser with WebAssembly SIMD/);
    assert.doesNotMatch(await page.textContent("#status"), /Loading/);
    assert.equal(await page.isDisabled("#play"), true);
  } finally {
    await page.close();
    await srv.close();
  }
});
