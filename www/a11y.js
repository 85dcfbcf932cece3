// Display preferences: the colour theme (automatic / light / dark, remembered), the large-text
// presenter mode (remembered), and reduced motion. The charts ask `themeQuery.matches` (dark?)
// and `motion.slow(ms)` (repaint interval) instead of the media queries, so they follow the toggle.
const root = document.documentElement;
const systemDark = matchMedia("(prefers-color-scheme: dark)");
const reducedQuery = matchMedia("(prefers-reduced-motion: reduce)");
const listeners = new Set();

function remember(key, value) {
  try { value === null ? localStorage.removeItem(key) : localStorage.setItem(key, value); } catch { /* refused: not remembered */ }
}
/** "auto" | "light" | "dark" */
const themeSetting = () => (root.dataset.theme === "light" || root.dataset.theme === "dark" ? root.dataset.theme : "auto");
const notify = () => { for (const fn of listeners) try { fn({ matches: themeQuery.matches }); } catch (e) { console.warn("theme listener:", e); } };

/** Drop-in for matchMedia("(prefers-color-scheme: dark)") that also follows the page's toggle. */
export const themeQuery = {
  get matches() { const t = themeSetting(); return t === "dark" || (t === "auto" && systemDark.matches); },
  addEventListener(type, fn) { if (type === "change") listeners.add(fn); },
  removeEventListener(type, fn) { listeners.delete(fn); },
};
systemDark.addEventListener?.("change", () => { if (themeSetting() === "auto") notify(); });

export function setTheme(t) {
  if (t === "light" || t === "dark") { root.dataset.theme = t; remember("nla-theme", t); } else { delete root.dataset.theme; remember("nla-theme", null); }
  paintToggles();
  notify();
}
export function setPresenter(on) {
  if (on) root.dataset.presenter = "on"; else delete root.dataset.presenter;
  remember("nla-presenter", on ? "on" : null);
  paintToggles();
  notify(); // charts are re-sized and repainted at the larger scale
  dispatchEvent(new Event("resize"));
}

/** Reduced motion: views and charts repaint at a quarter of their rate, the stream at 2 Hz. */
export const motion = {
  get reduced() { return reducedQuery.matches; },
  slow(ms) { return reducedQuery.matches ? ms * 4 : ms; },
};

const NAMES = { auto: "automatic", light: "light", dark: "dark" };
function paintToggles() {
  const t = themeSetting();
  const theme = document.getElementById("theme-toggle");
  if (theme) {
    theme.textContent = `Colours: ${NAMES[t]}`;
    theme.dataset.setting = t;
    theme.title = `Now ${NAMES[t]}${t === "auto" ? ` (your system is ${systemDark.matches ? "dark" : "light"})` : ""}; press for ${NAMES[nextTheme()]}`;
  }
  document.getElementById("presenter-toggle")?.setAttribute("aria-pressed", String(root.dataset.presenter === "on"));
}
/** From automatic, the first press goes to the opposite of the system's colours (a visible change). */
function nextTheme() {
  const order = systemDark.matches ? ["auto", "light", "dark"] : ["auto", "dark", "light"];
  return order[(order.indexOf(themeSetting()) + 1) % order.length];
}
document.getElementById("theme-toggle")?.addEventListener("click", () => setTheme(nextTheme()));
document.getElementById("presenter-toggle")?.addEventListener("click", () => setPresenter(root.dataset.presenter !== "on"));
systemDark.addEventListener?.("change", paintToggles);
paintToggles();
