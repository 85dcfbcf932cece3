// Sharing glue: URL state (validated in Rust, src/urlstate.rs), save/load of the whole network
// (src/savefile.rs), hidden controls, the notice area. main.js calls initShare(pg, hooks) once;
// the other exports are for the page's own controls.
import { Playground } from "../pkg/nla_playground.js";
import { initEmbed } from "./embed.js";

let last = { hide: [], embed: false }; // what the last applied link asked for

/** Elements each `hide=` name hides. `[data-control~=name]` lets new markup opt in. */
const HIDE = {
  play: "#play", reset: "#reset", feedback: "label:has(#feedback)", params: "[data-control~=params]",
  readouts: ".readouts", stream: "[aria-labelledby=h-stream]",
  charts: "[aria-labelledby=h-acc], [aria-labelledby=h-circuit]", accuracy: "[aria-labelledby=h-acc]",
  circuit: "[aria-labelledby=h-circuit]", draw: "[aria-labelledby=h-draw]", teach: ".teach, #teach-status, #gallery",
  gallery: "#gallery", help: "#help", save: "#share-save-load", share: "#share-links",
  views: ".view, #view-toggles", speed: "label:has(#speed)", step: "#step", tour: "#tour", tasks: ".task-tabs",
};

/** Show plain-text notices (never markup: textContent only). */
export function showNotices(lines) {
  const el = document.getElementById("share-notice");
  if (!el) return;
  el.textContent = lines.join("\n");
  el.hidden = lines.length === 0;
}

function applyHidden(names) {
  for (const el of document.querySelectorAll("[data-share-hidden]")) { el.style.display = ""; el.removeAttribute("data-share-hidden"); }
  for (const name of names) {
    const sel = [HIDE[name], `[data-control~="${name}"]`].filter(Boolean).join(", ");
    for (const el of document.querySelectorAll(sel)) { el.style.display = "none"; el.setAttribute("data-share-hidden", ""); }
  }
}

const IEEG_KEYS = ["task", "channels", "speed", "embed", "hide"];

/** Parse `location.hash` in Rust and, if it sets anything, start the network it describes.
 * Returns {params, notices, canonical}. */
export function readHashState(pg, hash = location.hash) {
  const bare = hash.replace(/^#/, "");
  // An iEEG link with only the iEEG view's keys (`#task=ieeg&channels=…&speed=…`, or `#ieeg`)
  // opens that tab (www/ieeg.js applies its keys): the digits network stays as it is.
  let keys = [];
  try { keys = [...new URLSearchParams(bare).keys()]; } catch { keys = ["?"]; }
  const tabOnly = bare === "ieeg" || (/(^|&)task=ieeg(&|$)/.test(bare) && keys.every((k) => IEEG_KEYS.includes(k)));
  const r = bare && !tabOnly ? pg.apply_url_state(bare) : Playground.parse_url_state(tabOnly ? (bare === "ieeg" ? "task=ieeg" : bare) : "");
  last = { hide: r.state.hide, embed: r.state.embed || new URLSearchParams(location.search).has("embed") };
  applyHidden(last.hide);
  return { params: r.state, notices: r.notices, canonical: r.canonical };
}

/** Write the running configuration (or `params`, any subset of the URL keys) into the hash,
 * canonical and validated, without a history entry. Returns the notices. */
export function writeHashState(pg, params) {
  let canonical, notices = [];
  if (params) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) {
      if (v === false && k === "embed") continue;
      q.set(k, Array.isArray(v) ? v.join(",") : v === true ? "on" : String(v));
    }
    const r = Playground.parse_url_state(q.toString().replaceAll("+", "%20"));
    canonical = r.canonical; notices = r.notices;
  } else {
    canonical = pg.url_state_hash(last.hide.join(","), last.embed);
  }
  history.replaceState(history.state, "", `${location.pathname}${location.search}#${canonical}`);
  return notices;
}

/** Download the whole network as a .nla file. */
export function saveNetwork(pg) {
  const bytes = pg.save_network();
  const url = URL.createObjectURL(new Blob([bytes], { type: "application/octet-stream" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = `nla-playground-${pg.stats().samples_seen}-digits.nla`;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return bytes.length;
}

/** Load a .nla file (a File or Blob). Resolves to null on success, or the error message; on
 * error the running network is untouched. */
export async function loadNetwork(pg, file) {
  if (file.size > 200e6) return `${file.name ?? "the file"} is ${(file.size / 1e6).toFixed(0)} MB, larger than any network here`;
  try {
    pg.load_network(new Uint8Array(await file.arrayBuffer()));
    return null;
  } catch (e) {
    return `Could not load ${file.name ?? "the file"}: ${e}`;
  }
}

/** Wire everything once, after window.nla exists. `hooks.afterJump()` resyncs the page after
 * the network was replaced (a link, a loaded file). */
export function initShare(pg, hooks = {}) {
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = new URL("./share.css", import.meta.url).href;
  document.head.appendChild(link);
  const jump = () => hooks.afterJump?.();
  const apply = () => {
    const r = readHashState(pg);
    showNotices(r.notices.length ? ["Some of this link's settings were not used:", ...r.notices] : []);
    if (location.hash.length > 1 && !r.params.task.startsWith("ieeg")) writeHashState(pg);
    jump();
    return r;
  };
  apply();
  addEventListener("hashchange", apply);

  const $ = (id) => document.getElementById(id);
  $("share-save")?.addEventListener("click", () => {
    const n = saveNetwork(pg);
    showNotices([`Saved the network (${(n / 1e6).toFixed(2)} MB).`]);
  });
  $("share-load")?.addEventListener("change", async (ev) => {
    const file = ev.target.files?.[0];
    ev.target.value = "";
    if (!file) return;
    const problem = await loadNetwork(pg, file);
    if (problem) { showNotices([problem, "The running network is unchanged."]); return; }
    writeHashState(pg);
    jump();
    showNotices([`Loaded ${file.name}: ${pg.stats().samples_seen.toLocaleString("en-US")} digits learned.`]);
  });
  $("share-link")?.addEventListener("click", async () => {
    // On the iEEG tab the address already holds its link (www/ieeg.js keeps it current).
    if (new URLSearchParams(location.hash.slice(1)).get("task") === "ieeg" || location.hash === "#ieeg") {
      await copyText(location.href, "Link");
      return;
    }
    writeHashState(pg);
    await copyText(location.href, "Link", linkCaveats(pg));
  });

  Object.assign(window.nla ?? (window.nla = {}), {
    urlState: () => Playground.parse_url_state(location.hash.replace(/^#/, "")),
    writeHashState: (params) => writeHashState(pg, params),
    weightsChecksum: () => pg.weights_checksum(),
    saveBytes: () => Array.from(pg.save_network()),
    /** The settled answers to the first `n` official test digits. */
    predictions: (n = 100) => {
      const out = [];
      for (let k = 0; k < n; k++) {
        const d = pg.test_digit(k);
        if (!d.length) break;
        const v = pg.answer(d.subarray(0, 784));
        let best = 0;
        for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        out.push(best);
      }
      return out;
    },
  });
  initEmbed(pg, { embed: last.embed, copyText, linkCaveats, showNotices, apply: (hash) => { history.replaceState(history.state, "", `#${hash}`); return apply(); } });
}

/** What a link of the running state cannot carry exactly (the controls reach further than
 * links may), as notice lines; none when the link reproduces the run. */
export function linkCaveats(pg) {
  const lost = pg.url_state_notices();
  return lost.length ? ["The link carries the nearest settings a link allows, not exactly the running ones:", ...lost] : [];
}

/** Copy text to the clipboard; where that is refused, show it to copy by hand. `caveats` are
 * notice lines shown after it. */
export async function copyText(text, what, caveats = []) {
  try {
    await navigator.clipboard.writeText(text);
    showNotices([`${what} copied to the clipboard.`, ...caveats]);
  } catch {
    showNotices([`${what} (copy it by hand):`, text, ...caveats]);
  }
}
