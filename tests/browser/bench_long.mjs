// Bench (not a test): leave the page learning and report when its displayed official-test
// accuracy first reaches each of 95 %, 97 % and 97.5 % (wall time from load, digits seen), and
// where it stays at the end (mean and lowest of the last ten sweeps).
//   node tests/browser/bench_long.mjs [max-minutes=30]    (after scripts/build.sh)
import { serve, launch, openPage, OUT } from "./harness.mjs";

const maxMinutes = Number(process.argv[2] ?? 30);
const srv = await serve();
const browser = await launch();
try {
  const { page, problems } = await openPage(browser, srv.url);
  await page.waitForSelector("body[data-ready=true]", { timeout: 60_000 });
  const bars = [0.95, 0.97, 0.975];
  const reached = {};
  const deadline = Date.now() + maxMinutes * 60_000;
  let last = null;
  // Run the whole time given (not just until the last bar): online learning keeps moving the
  // accuracy by a few tenths, so the figure that matters is where it stays, not one lucky sweep.
  while (Date.now() < deadline) {
    await page.waitForTimeout(5000);
    const tl = await page.evaluate(() => window.nla.timeline());
    last = tl.at(-1) ?? last;
    for (const b of bars) {
      const p = tl.find((q) => q.accuracy >= b);
      if (p && !reached[b]) {
        reached[b] = p;
        console.log(`≥ ${(100 * b).toFixed(1)} %: ${(p.wall_ms / 1000).toFixed(0)} s after load, snapshot after ${p.samples} training digits (${(100 * p.accuracy).toFixed(2)} % on ${p.n})`);
      }
    }
  }
  const s = await page.evaluate(() => window.nla.stats());
  const tl = await page.evaluate(() => window.nla.timeline());
  const best = Math.max(...tl.map((p) => p.accuracy));
  const tail = tl.slice(-10);
  const tailMean = tail.reduce((a, p) => a + p.accuracy, 0) / Math.max(1, tail.length);
  const tailMin = Math.min(...tail.map((p) => p.accuracy));
  console.log(`after ${(performance.now() / 60000).toFixed(1)} min: ${s.samples_seen} digits, latest ${(100 * (last?.accuracy ?? 0)).toFixed(2)} %, best ${(100 * best).toFixed(2)} %, `
    + `last ${tail.length} sweeps (from ${tail[0]?.samples} digits): mean ${(100 * tailMean).toFixed(2)} %, lowest ${(100 * tailMin).toFixed(2)} %; ${Math.round(s.steps_per_s)} steps/s at ${s.fps.toFixed(0)} fps`);
  await page.screenshot({ path: `${OUT}/long-run.png`, fullPage: true });
  for (const b of bars) if (!reached[b]) console.log(`≥ ${(100 * b).toFixed(1)} %: not reached in ${maxMinutes} min`);
  if (problems.length) console.log(`console problems: ${problems.join("; ")}`);
} finally {
  await browser.close();
  await srv.close();
}
