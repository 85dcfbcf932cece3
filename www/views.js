// The live views: which are shown, when each repaints, and the two that are painted here from
// raw numbers (receptive fields, the network at a glance). Charts are drawn by Rust (plotters).
// Views repaint in turn, at most one chart per frame, so painting never crowds out learning.

const $ = (id) => document.getElementById(id);

// Okabe–Ito colours, as in the Rust charts (same order as their PALETTE).
const PALETTE = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#56b4e9", "#e69f00"];
const GREY = "#787878";

export const VIEWS = [
  { id: "errors", title: "Errors travelling down", chart: true },
  { id: "energy", title: "Energy", chart: true },
  { id: "neuron", title: "One pyramidal neuron", chart: true },
  { id: "interneurons", title: "Interneurons", chart: true },
  { id: "delay", title: "Delay compensation", chart: true },
  { id: "fields", title: "Receptive fields", chart: false },
  { id: "glance", title: "Network at a glance", chart: false },
];

export function sizeCanvas(c) {
  const dpr = Math.min(3, window.devicePixelRatio || 1);
  const w = Math.round((c.clientWidth || 520) * dpr), h = Math.round(w * 300 / 520);
  if (w > 0 && (c.width !== w || c.height !== h)) { c.width = w; c.height = h; }
  // Presenter mode (www/a11y.js): text and lines 1.5× larger on the same canvas, as the page's.
  return dpr * (document.documentElement.dataset.presenter === "on" ? 1.5 : 1);
}

/** The legend of a chart view from the series it draws (colours follow the Rust palette). */
function legend(el, data, view) {
  const items = data.series.map((s, k) => {
    let colour = PALETTE[k % PALETTE.length];
    let dashed = false;
    if (view === "errors") colour = s.name.startsWith("output") ? PALETTE[2] : PALETTE[(k - 1) % PALETTE.length];
    if (view === "energy") colour = PALETTE[k];
    if (view === "neuron") { colour = [PALETTE[0], PALETTE[2], PALETTE[1]][k]; dashed = k === 1; }
    if (view === "interneurons") { colour = PALETTE[(k >> 1) % PALETTE.length]; dashed = k % 2 === 1; }
    if (view === "delay") { colour = [GREY, PALETTE[0], PALETTE[1]][k]; dashed = k === 0; }
    return `${colour}|${dashed}|${s.name}`;
  });
  const key = items.join(";");
  if (el.dataset.key === key) return;
  el.dataset.key = key;
  el.replaceChildren(...items.map((it) => {
    const [colour, dashed, name] = it.split("|");
    const li = document.createElement("li");
    const sw = document.createElement("span");
    sw.className = "sw";
    // Faint lines (targets, references) are drawn lighter and wider, as in the chart.
    sw.style.background = colour;
    if (dashed === "true") { sw.style.opacity = "0.45"; sw.style.height = "6px"; }
    li.append(sw, document.createTextNode(name));
    return li;
  }));
}

/** Diverging colour for a value in [−1, 1]: blue positive, orange negative (colour-blind safe). */
function diverging(v) {
  const a = Math.max(-1, Math.min(1, Number.isFinite(v) ? v : 0));
  const [r, g, b] = a >= 0 ? [0, 114, 178] : [213, 94, 0];
  const m = Math.abs(a);
  return [Math.round(r * m), Math.round(g * m), Math.round(b * m)];
}

function paintFields(pg, canvas) {
  const cols = 8, rows = 4, n = cols * rows;
  const w = pg.receptive_fields(n);
  if (w.length < 784) return;
  const count = Math.floor(w.length / 784);
  canvas.width = cols * 28; canvas.height = rows * 28;
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(cols * 28, rows * 28);
  for (let k = 0; k < count; k++) {
    const ox = (k % cols) * 28, oy = Math.floor(k / cols) * 28;
    for (let p = 0; p < 784; p++) {
      const [r, g, b] = diverging(w[k * 784 + p]);
      const at = 4 * ((oy + Math.floor(p / 28)) * cols * 28 + ox + (p % 28));
      img.data[at] = r; img.data[at + 1] = g; img.data[at + 2] = b; img.data[at + 3] = 255;
    }
  }
  ctx.putImageData(img, 0, 0);
  return count;
}

function paintGlance(pg, canvas, input, dark) {
  const g = pg.glance();
  const dpr = sizeCanvas(canvas);
  const ctx = canvas.getContext("2d");
  const W = canvas.width, H = canvas.height;
  ctx.fillStyle = dark ? "#1b1d22" : "#ffffff";
  ctx.fillRect(0, 0, W, H);
  const fg = dark ? "#e4e6eb" : "#1e1f22";
  const grey = (v) => { const c = Math.round(255 * Math.max(0, Math.min(1, Number.isFinite(v) ? v : 0))); return `rgb(${c},${c},${c})`; };
  ctx.font = `${Math.round(12 * dpr)}px sans-serif`;
  ctx.fillStyle = fg;
  // Input: 28×28 at the bottom left.
  const cell = Math.max(1, Math.floor(H * 0.3 / 28));
  const inY = H - 28 * cell - 6 * dpr;
  for (let p = 0; p < 784; p++) {
    ctx.fillStyle = grey(input[p]);
    ctx.fillRect(10 * dpr + (p % 28) * cell, inY + Math.floor(p / 28) * cell, cell, cell);
  }
  ctx.fillStyle = fg;
  ctx.fillText("input (784)", 10 * dpr + 28 * cell + 8 * dpr, H - 10 * dpr);
  // Hidden: a grid of circles.
  const nh = g.hidden_u.length;
  const hcols = Math.ceil(Math.sqrt(nh * 4)), hrows = Math.ceil(nh / hcols);
  const hw = W * 0.72, hx0 = 10 * dpr, hy0 = H * 0.3, hh = H * 0.32;
  const step = Math.min(hw / hcols, hh / hrows), rad = Math.max(1.5, step * 0.38);
  let maxErr = 1e-9;
  for (const e of g.hidden_error) if (Number.isFinite(e)) maxErr = Math.max(maxErr, Math.abs(e));
  for (let i = 0; i < nh; i++) {
    const x = hx0 + (i % hcols + 0.5) * step, y = hy0 + (Math.floor(i / hcols) + 0.5) * step;
    ctx.beginPath();
    ctx.arc(x, y, rad, 0, 2 * Math.PI);
    ctx.fillStyle = grey(g.hidden_u[i]);
    ctx.fill();
    const [r, gg, b] = diverging(g.hidden_error[i] / maxErr);
    ctx.strokeStyle = `rgb(${r},${gg},${b})`;
    ctx.lineWidth = Math.max(1, rad * 0.5);
    ctx.stroke();
  }
  ctx.fillStyle = fg;
  ctx.fillText(`hidden pyramidal (${nh})`, hx0, hy0 - 6 * dpr);
  // Interneurons on the right.
  const ni = g.interneuron_u.length;
  const ix0 = W * 0.78, icols = 5, istep = Math.min((W - ix0 - 8 * dpr) / icols, hh / Math.ceil(ni / icols));
  for (let k = 0; k < ni; k++) {
    const x = ix0 + (k % icols + 0.5) * istep, y = hy0 + (Math.floor(k / icols) + 0.5) * istep;
    ctx.beginPath();
    ctx.arc(x, y, istep * 0.36, 0, 2 * Math.PI);
    const [r, gg, b] = diverging(g.microcircuit ? g.interneuron_u[k] : 0);
    ctx.fillStyle = g.microcircuit ? `rgb(${r},${gg},${b})` : (dark ? "#30343c" : "#d9dce2");
    ctx.fill();
  }
  ctx.fillStyle = fg;
  // Right-aligned to the canvas edge, so it is never cut off on a narrow panel.
  ctx.textAlign = "right";
  ctx.fillText(g.microcircuit ? `interneurons (${ni})` : `interneurons (idle)`, W - 4 * dpr, hy0 - 6 * dpr);
  ctx.textAlign = "left";
  // Output: 10 circles at the top.
  const no = g.output_u.length, ostep = Math.min(W * 0.7 / no, H * 0.2), oy = H * 0.12;
  for (let k = 0; k < no; k++) {
    const x = hx0 + (k + 0.5) * ostep;
    ctx.beginPath();
    ctx.arc(x, oy, ostep * 0.36, 0, 2 * Math.PI);
    ctx.fillStyle = grey(g.output_u[k]);
    ctx.fill();
    ctx.strokeStyle = fg;
    ctx.lineWidth = dpr;
    ctx.setLineDash(g.output_target[k] > 0.5 ? [4 * dpr, 3 * dpr] : []);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = fg;
    ctx.fillText(String(k), x - 3 * dpr, oy + ostep * 0.36 + 13 * dpr);
  }
  ctx.fillText("output (10)", hx0 + no * ostep + 8 * dpr, oy + 4 * dpr);
  return g;
}

/** The views controller: toggles, a round-robin repaint schedule, and test accessors. */
export function createViews(pg, { dark, getInput, intervalMs }) {
  const shown = Object.fromEntries(VIEWS.map((v) => [v.id, true]));
  const last = Object.fromEntries(VIEWS.map((v) => [v.id, -1e9]));
  const drawn = {}; // what each view last put on screen (for tests)
  let turn = 0;
  const toggles = $("view-toggles");
  for (const v of VIEWS) {
    const label = document.createElement("label");
    label.className = "toggle";
    const box = document.createElement("input");
    box.type = "checkbox";
    box.checked = true;
    box.id = `show-${v.id}`;
    box.addEventListener("change", () => {
      shown[v.id] = box.checked;
      $(`v-${v.id}`).hidden = !box.checked;
      last[v.id] = -1e9;
    });
    label.append(box, document.createTextNode(v.title));
    toggles.appendChild(label);
  }

  function paint(view, now) {
    last[view.id] = now;
    if (view.chart) {
      const canvas = $(`${view.id}-chart`);
      const dpr = sizeCanvas(canvas);
      pg.draw_view(view.id, canvas.id, dark(), dpr);
      legend($(`${view.id}-legend`), pg.view_series(view.id), view.id);
      drawn[view.id] = true;
    } else if (view.id === "fields") {
      drawn.fields = paintFields(pg, $("fields"));
    } else if (view.id === "glance") {
      drawn.glance = paintGlance(pg, $("glance"), getInput(), dark());
    }
  }

  return {
    /** Repaint the view whose turn it is, if it is shown, visible enough and due. */
    tick(now) {
      for (let k = 0; k < VIEWS.length; k++) {
        const v = VIEWS[(turn + k) % VIEWS.length];
        if (!shown[v.id] || now - last[v.id] < intervalMs()) continue;
        turn = (turn + k + 1) % VIEWS.length;
        try { paint(v, now); } catch (e) { console.warn(`${v.id} view:`, e); }
        return;
      }
    },
    /** Repaint every shown view now (after a jump, a resize, a colour-scheme change). */
    all(now) { for (const v of VIEWS) if (shown[v.id]) try { paint(v, now); } catch (e) { console.warn(`${v.id} view:`, e); } },
    /** Paint one view now; returns the milliseconds it took. */
    paintNow(id) {
      const t0 = performance.now();
      paint(VIEWS.find((v) => v.id === id), t0);
      return performance.now() - t0;
    },
    isShown: (id) => shown[id],
    drawn: () => ({ ...drawn }),
  };
}
