// Accessibility: axe-core finds no serious or critical violation (MNIST view with the parameters
// open, the iEEG tab, the help dialog; light and dark); the keyboard-only path through
// play / step / teach / help works and shortcuts never fire while typing; every control shows
// visible focus; reduced motion slows the repaints; the colour and presenter toggles are
// remembered and the charts follow them. Screenshots: light, dark, presenter, phone.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import { createRequire } from "node:module";
import { serve, launch, openPage, OUT } from "./harness.mjs";

const AXE = fs.readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
let browser, srv;
before(async () => { browser = await launch(); srv = await serve(); });
after(async () => { await browser?.close(); await srv?.close(); });

async function ready(viewport, context) {
  const page = context ? await context.newPage() : null;
  let r;
  if (page) { await page.goto(srv.url); r = { page, problems: [] }; } else r = await openPage(browser, srv.url, viewport);
  await r.page.waitForSelector("body[data-ready=true]", { timeout: 60_000 });
  return r;
}

/** Serious and critical axe violations, as readable lines. */
async function axeViolations(page) {
  if (!(await page.evaluate(() => Boolean(window.axe)))) await page.addScriptTag({ content: AXE });
  const v = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ["violations"] })).violations);
  return v.filter((x) => x.impact === "serious" || x.impact === "critical")
    .map((x) => `${x.id} (${x.impact}): ${x.help} — ${x.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`);
}

test("axe-core: no serious or critical violations on the MNIST view, the iEEG tab and the help dialog, light and dark", async () => {
  const { page, problems } = await ready();
  await page.evaluate(() => { document.getElementById("params-panel").open = true; });
  for (const theme of ["auto", "dark"]) {
    if (theme === "dark") await page.click("#theme-toggle"); // the system is light here: the first press gives dark
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme ?? "auto"), theme);
    assert.deepEqual(await axeViolations(page), [], `MNIST view, ${theme}`);
    await page.click("#tab-ieeg");
    await page.waitForFunction(() => !document.getElementById("ieeg-play").disabled, null, { timeout: 30_000 });
    assert.deepEqual(await axeViolations(page), [], `iEEG tab, ${theme}`);
    await page.click("#tab-mnist");
    await page.keyboard.press("?");
    assert.equal(await page.evaluate(() => document.getElementById("help-dialog").open), true);
    assert.deepEqual(await axeViolations(page), [], `help dialog, ${theme}`);
    await page.keyboard.press("Escape");
  }
  assert.deepEqual(problems, []);
  await page.close();
});

test("keyboard only: Tab to Play and press it, step with '.' and the Step button, teach with a digit key, help with '?' / Escape; never while typing", async () => {
  const { page, problems } = await ready();
  const stats = () => page.evaluate(() => { const s = window.nla.stats(); return { running: s.running, steps: s.steps, pending: window.nla.teachPending() }; });
  const active = () => page.evaluate(() => document.activeElement?.id ?? "");
  // Tab from the top of the page to Play (Shift-free, as a keyboard user would).
  let presses = 0;
  while ((await active()) !== "play" && presses < 40) { await page.keyboard.press("Tab"); presses++; }
  assert.equal(await active(), "play", "Play is reachable by Tab");
  assert.equal((await stats()).running, true);
  await page.keyboard.press("Enter");
  assert.equal((await stats()).running, false, "Enter on Play pauses");
  await page.keyboard.press(" ");
  assert.equal((await stats()).running, true, "Space on Play plays (once, not twice)");
  await page.keyboard.press(" ");
  const paused = await stats();
  assert.equal(paused.running, false);
  // "." advances exactly one step of dt.
  await page.keyboard.press(".");
  assert.equal((await stats()).steps, paused.steps + 1, "'.' steps once");
  // The Step button, reached by Tab.
  await page.keyboard.press("Tab");
  assert.equal(await active(), "step");
  await page.keyboard.press("Enter");
  const afterStep = await stats();
  assert.equal(afterStep.steps, paused.steps + 2, "the Step button steps once");
  assert.equal(afterStep.running, false);
  // Teach without drawing: focus "One it gets wrong", Enter puts a misread training digit on
  // the pad and says its label; that digit's key teaches it.
  await page.focus("#misread");
  await page.keyboard.press("Enter");
  const hint = await page.textContent("#draw-hint");
  const m = /label (\d), that the network read as (\d)/.exec(hint);
  assert.ok(m, `the hint names the label and the misreading: ${hint}`);
  assert.notEqual(m[1], m[2]);
  assert.equal(String(await page.evaluate(() => window.nla.drawnAnswer())), m[2], "the pad shows the misread digit");
  await page.keyboard.press(m[1]);
  assert.ok((await stats()).pending > 0, "digit key queued the drawing for teaching");
  assert.match(await page.textContent("#teach-status"), new RegExp(`Teaching: this is a ${m[1]}`));
  // Help: "?" opens, Escape closes, focus returns.
  await page.keyboard.press("?");
  assert.equal(await page.evaluate(() => document.getElementById("help-dialog").open), true);
  await page.keyboard.press("Escape");
  assert.equal(await page.evaluate(() => document.getElementById("help-dialog").open), false);
  // r resets only when pressed twice (one stray key must not wipe a class's network).
  await page.evaluate(() => window.nla.step(50));
  const beforeR = (await stats()).steps;
  await page.keyboard.press("r");
  assert.equal((await stats()).steps, beforeR, "one r does not reset");
  assert.match(await page.textContent("#share-notice"), /Press r again/);
  await page.keyboard.press("r");
  assert.equal((await stats()).steps, 0, "r twice resets");
  // Typing in a number field: no shortcut fires (not play, not teach, not help, not step).
  await page.evaluate(() => window.nla.play()); // running, so a stray Space would show as a pause
  assert.equal((await stats()).running, true);
  await page.evaluate(() => { document.getElementById("params-panel").open = true; });
  await page.focus("#p-seed");
  const before = await stats();
  const taught = await page.evaluate(() => window.nla.taughtAnswers().length);
  for (const k of ["5", " ", ".", "?", "r", "3"]) await page.keyboard.press(k);
  const typed = await stats();
  assert.equal(typed.running, true, "Space in a field does not pause");
  assert.equal(typed.pending, before.pending, "digits in a field do not teach");
  assert.equal(await page.evaluate(() => window.nla.taughtAnswers().length), taught, "no digit was taught");
  assert.equal(await page.evaluate(() => document.getElementById("help-dialog").open), false, "'?' in a field does not open help");
  assert.equal(await active(), "p-seed");
  assert.deepEqual(problems, []);
  await page.close();
});

test("the screen-reader live region announces the drawing's answer politely, at most once a second", async () => {
  const { page, problems } = await ready({ width: 1200, height: 900 });
  assert.equal(await page.getAttribute("#announce", "aria-live"), "polite");
  await page.evaluate(() => window.nla.step(20_000)); // an answer worth announcing
  await page.evaluate(() => {
    window.__announced = [];
    new MutationObserver(() => window.__announced.push([performance.now(), document.getElementById("announce").textContent]))
      .observe(document.getElementById("announce"), { childList: true, characterData: true, subtree: true });
  });
  // A pointer storm: a different digit on the pad every 50 ms for 3 s.
  const t0 = Date.now();
  const last = await page.evaluate(async () => {
    let answer = null;
    for (let k = 0; k < 60; k++) {
      // a bar (reads as 1) and a ring (reads as 0), in turn
      answer = window.nla.putOnPad(Array.from({ length: 784 }, (_, i) => {
        const x = i % 28, y = Math.floor(i / 28), q = (x - 14) ** 2 / 36 + (y - 14) ** 2 / 81;
        return (k % 2 ? q >= 0.55 && q <= 1 : x >= 12 && x <= 15 && y >= 4 && y <= 23) ? 1 : 0;
      }));
      await new Promise((ok) => setTimeout(ok, 50));
    }
    await new Promise((ok) => setTimeout(ok, 1200)); // the last answer is announced within a second
    return answer;
  });
  const said = await page.evaluate(() => window.__announced);
  const gaps = said.slice(1).map((x, i) => x[0] - said[i][0]);
  const seconds = (Date.now() - t0) / 1000;
  assert.ok(said.length >= 2 && said.length <= Math.floor(seconds) + 1, `${said.length} announcements in ${seconds.toFixed(1)} s of 60 changes`);
  assert.ok(gaps.every((g) => g >= 950), `announcements closer than a second: ${gaps.map((g) => g.toFixed(0))}`);
  assert.equal(said.at(-1)[1], `The network reads your drawing as ${last}.`, "the latest answer is the one announced last");
  assert.deepEqual(problems, []);
  await page.close();
});

test("every control reached by Tab shows a visible focus outline (≥ 2 px)", async () => {
  const { page } = await ready();
  await page.evaluate(() => { document.getElementById("params-panel").open = true; });
  const seen = new Set(), bad = [];
  for (let k = 0; k < 200; k++) {
    await page.keyboard.press("Tab");
    const f = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return null;
      const name = el.id || `${el.tagName.toLowerCase()}${el.className ? "." + el.className : ""}:${(el.textContent || el.getAttribute("aria-label") || "").trim().slice(0, 20)}`;
      // An invisible file input shows its focus on its visible wrapper.
      const shown = getComputedStyle(el).opacity === "0" ? el.parentElement : el;
      const cs = getComputedStyle(shown);
      return { name, ok: cs.outlineStyle !== "none" && parseFloat(cs.outlineWidth) >= 2, outline: `${cs.outlineStyle} ${cs.outlineWidth}` };
    });
    if (!f) continue;
    if (seen.has(f.name)) break; // wrapped around
    seen.add(f.name);
    if (!f.ok) bad.push(`${f.name}: ${f.outline}`);
  }
  assert.ok(seen.size > 40, `only ${seen.size} focusable controls reached`);
  assert.deepEqual(bad, []);
  await page.close();
});

/** Changes per second of a canvas over `ms` (sampled every animation frame). */
const changesPerSecond = (page, id, ms) => page.evaluate(([id, ms]) => new Promise((done) => {
  const c = document.getElementById(id);
  const ctx = c.getContext("2d");
  let last = "", changes = -1;
  const t0 = performance.now();
  const look = () => {
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    let h = 0;
    for (let i = 0; i < d.length; i += 7) h = (h * 31 + d[i]) | 0;
    const key = `${c.width}x${h}`;
    if (key !== last) { changes++; last = key; }
    if (performance.now() - t0 < ms) requestAnimationFrame(look); else done(changes * 1000 / ms);
  };
  look();
}), [id, ms]);

test("reduced motion: the digit stream repaints at most twice a second, the views at a quarter of their rate, no CSS transitions", async () => {
  const { page } = await ready();
  const normal = await changesPerSecond(page, "digit", 2000);
  await page.emulateMedia({ reducedMotion: "reduce" });
  const digit = await changesPerSecond(page, "digit", 3000);
  const chart = await changesPerSecond(page, "errors-chart", 4000);
  console.log(`# digit repaints/s: ${normal.toFixed(1)} normal, ${digit.toFixed(1)} reduced; errors chart ${chart.toFixed(2)}/s reduced`);
  assert.ok(normal > 4, `normal motion repaints the stream every frame (${normal}/s)`);
  assert.ok(digit <= 2.4, `reduced: ${digit} digit repaints/s`);
  assert.ok(chart <= 1.3, `reduced: ${chart} chart repaints/s`);
  const moving = await page.evaluate(() => [...document.querySelectorAll("*")].filter((e) => {
    const cs = getComputedStyle(e);
    return cs.transitionDuration.split(",").some((d) => parseFloat(d) > 0) || cs.animationName !== "none";
  }).map((e) => e.id || e.tagName));
  assert.deepEqual(moving, []);
  await page.close();
});

test("colour toggle (automatic → dark → light, remembered; charts follow) and presenter mode (larger text, fewer columns); screenshots", async () => {
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 }, serviceWorkers: "block" });
  const { page } = await ready(null, context);
  const look = () => page.evaluate(() => {
    const c = document.getElementById("acc-chart");
    const [r, g, b] = c.getContext("2d").getImageData(2, 2, 1, 1).data;
    return { theme: document.documentElement.dataset.theme ?? "auto", label: document.getElementById("theme-toggle").textContent,
      bg: getComputedStyle(document.documentElement).backgroundColor, chart: Math.round((r + g + b) / 3) };
  });
  const untilChart = (dark) => page.waitForFunction((dark) => {
    const [r, g, b] = document.getElementById("acc-chart").getContext("2d").getImageData(2, 2, 1, 1).data;
    return dark ? r + g + b < 3 * 80 : r + g + b > 3 * 200;
  }, dark, { timeout: 5000 });
  await untilChart(false);
  assert.equal((await look()).label, "Colours: automatic");
  await page.screenshot({ path: `${OUT}/a11y-light.png` });
  await page.click("#theme-toggle");
  await untilChart(true);
  const dark = await look();
  assert.equal(dark.theme, "dark");
  assert.equal(dark.bg, "rgb(18, 19, 22)");
  await page.waitForTimeout(1500); // every view repainted in the new colours
  await page.screenshot({ path: `${OUT}/a11y-dark.png` });
  await page.reload();
  await page.waitForSelector("body[data-ready=true]");
  await untilChart(true);
  assert.equal((await look()).theme, "dark", "remembered across a reload");
  await page.click("#theme-toggle");
  await untilChart(false);
  assert.equal((await look()).theme, "light");
  await page.click("#theme-toggle");
  assert.equal((await look()).label, "Colours: automatic");
  // Automatic follows the system: a dark system gives dark charts.
  await page.emulateMedia({ colorScheme: "dark" });
  await untilChart(true);
  await page.emulateMedia({ colorScheme: "light" });

  // Presenter mode at projector size: larger root font, fewer columns, charts' text 1.5×.
  await page.setViewportSize({ width: 1920, height: 1080 });
  const layout = () => page.evaluate(() => ({
    font: parseFloat(getComputedStyle(document.documentElement).fontSize),
    columns: new Set([...document.querySelectorAll("main.grid > section:not([hidden])")].map((s) => Math.round(s.getBoundingClientRect().left))).size,
    pressed: document.getElementById("presenter-toggle").getAttribute("aria-pressed"),
  }));
  const plain = await layout();
  await page.click("#presenter-toggle");
  const big = await layout();
  console.log(`# 1920 px: ${plain.columns} columns at ${plain.font} px; presenter ${big.columns} columns at ${big.font} px`);
  assert.equal(big.pressed, "true");
  assert.ok(big.font >= plain.font + 2, `presenter font ${big.font} vs ${plain.font}`);
  assert.ok(big.columns < plain.columns && big.columns >= 2, `presenter columns ${big.columns} vs ${plain.columns}`);
  await page.waitForTimeout(1500);
  await page.screenshot({ path: `${OUT}/a11y-presenter.png` });
  await page.reload();
  await page.waitForSelector("body[data-ready=true]");
  assert.equal((await layout()).pressed, "true", "presenter mode remembered");
  await context.close();

  // A phone: nothing wider than the screen.
  const { page: phone } = await ready({ width: 390, height: 844 });
  await phone.waitForTimeout(1000);
  assert.equal(await phone.evaluate(() => document.documentElement.scrollWidth), 390, "no sideways scrolling on a phone");
  await phone.screenshot({ path: `${OUT}/a11y-phone.png` });
  await phone.close();
});
