// Bench (not a test): wall time for the iEEG view to show a test-window R² > 0.5 on every hidden
// channel, in Debian's headless Chromium, at several speeds.
//   node tests/browser/bench_ieeg.mjs     (after scripts/build.sh; scripts/bench.sh runs it)
import { serve, launch, openPage } from "./harness.mjs";

const srv = await serve();
const browser = await launch();
try {
  const { page, problems } = await openPage(browser, srv.url + "#ieeg");
  const t0 = Date.now();
  await page.waitForSelector("body[data-ieeg-ready=true]", { timeout: 60_000 });
  console.log(`iEEG view ready (recording loaded, baseline fitted): ${((Date.now() - t0) / 1000).toFixed(2)} s after navigation`);
  await page.waitForFunction(() => window.nla && !window.nla.stats().running, null, { timeout: 30_000 }); // MNIST paused
  for (const speed of ["1", "10", "max"]) {
    // Fresh network, then play at this speed; poll the displayed R² (the page's own readout).
    const r = await page.evaluate((speed) => new Promise((done) => {
      window.nlaIeeg.pause();
      document.getElementById("ieeg-reset").click();
      window.nlaIeeg.speed(speed);
      const start = performance.now();
      window.nlaIeeg.play();
      const poll = () => {
        const shown = document.getElementById("ieeg-r2").textContent.split("·").map(parseFloat);
        const s = window.nlaIeeg.stats();
        if (shown.every((v) => v > 0.5)) {
          window.nlaIeeg.pause();
          done({ wall_s: (performance.now() - start) / 1000, train_s: s.train_s, shown });
        } else if (performance.now() - start > 120_000) done(null);
        else setTimeout(poll, 20);
      };
      poll();
    }), speed);
    const label = speed === "max" ? "as fast as it goes" : `${speed}× real time`;
    console.log(r
      ? `speed ${label}: displayed R² > 0.5 (${r.shown.join(" / ")}) after ${r.wall_s.toFixed(2)} s wall, ${r.train_s.toFixed(1)} s of simulated training`
      : `speed ${label}: R² > 0.5 not reached within 120 s`);
  }
  // Flat-out training speed (scoring of the test window every simulated second included).
  const sps = await page.evaluate(() => {
    window.nlaIeeg.pause();
    const t = performance.now();
    window.nlaIeeg.step(60_000);
    return 60_000 / ((performance.now() - t) / 1000);
  });
  console.log(`wasm flat out: ${sps.toFixed(0)} steps/s = ${(sps / 1000).toFixed(0)}× real time (7-128-2 network, test window scored every simulated second)`);
  if (problems.length) console.log(`console problems: ${problems.join("; ")}`);
} finally {
  await browser.close();
  await srv.close();
}
