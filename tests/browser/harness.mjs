// Shared test harness: a static file server over dist/ (with optional fault injection) and
// Debian's headless Chromium driven by playwright-core.
import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(here, "../..");
// NLA_DIST: serve another build (e.g. a copy, so a long soak is not disturbed by a rebuild).
export const DIST = process.env.NLA_DIST ? path.resolve(process.env.NLA_DIST) : path.join(ROOT, "dist");
export const OUT = path.join(ROOT, "test-output");
fs.mkdirSync(OUT, { recursive: true });

const TYPES = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".wasm": "application/wasm",
  ".json": "application/json", ".gz": "application/octet-stream", ".png": "image/png" };

/** Serve dist/ on a free loopback port, under `prefix` (e.g. "/lab/nla/" as on a project page).
 * `faults` maps a URL path (below the prefix) to a function(bytes) → bytes|null (null = 404). */
export async function serve(faults = {}, prefix = "/") {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://x");
    let p = decodeURIComponent(url.pathname);
    if (!p.startsWith(prefix)) { res.writeHead(404).end("not found"); return; }
    p = "/" + p.slice(prefix.length);
    if (p.endsWith("/")) p += "index.html";
    const file = path.join(DIST, path.normalize(p));
    if (!file.startsWith(DIST) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end("not found");
      return;
    }
    let body = fs.readFileSync(file);
    if (faults[p]) {
      body = faults[p](body);
      if (body === null) { res.writeHead(404).end("not found"); return; }
    }
    res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream", "cache-control": "no-store" });
    res.end(body);
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  return { url: `http://127.0.0.1:${server.address().port}${prefix}`, close: () => new Promise((ok) => { server.close(ok); server.closeAllConnections(); }) }; // keep-alive sockets too: a real cut
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--disable-background-timer-throttling",
      "--disable-renderer-backgrounding", "--disable-backgrounding-occluded-windows"],
  });
}

/** A page that records console errors and uncaught exceptions. */
export async function openPage(browser, url, viewport = { width: 1360, height: 900 }) {
  const page = await browser.newPage({ viewport });
  const problems = [];
  page.on("console", (m) => { if (m.type() === "error") problems.push(`console: ${m.text()}`); });
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  await page.goto(url);
  return { page, problems };
}
