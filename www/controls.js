// The parameter controls (built from the Rust table `params::SPECS`, which also validates and
// clamps every value) and the guided tour. Plain HTML controls with labels.

const $ = (id) => document.getElementById(id);
const fmt = (v) => (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4))));

/** Build sliders/switches for every live parameter. `onNote(text)` shows what was clamped. */
export function createParams(pg, { onNote, onChange }) {
  const box = $("param-fields");
  const specs = pg.param_specs().filter((s) => !s.rebuilds);
  const inputs = {};
  const apply = (name, raw, from) => {
    const spec = specs.find((s) => s.name === name);
    const value = typeof raw === "number" ? raw : raw.trim() === "" ? NaN : Number(raw);
    try {
      const r = pg.set_param(name, value);
      onNote(r.note ?? "");
    } catch (e) {
      // (A number field hands over "" for text it cannot read: then there is nothing to quote.)
      const typed = String(raw).trim();
      onNote(`${spec.label}: not a number${typed ? ` ("${typed.slice(0, 40)}")` : ""}; kept ${fmt(pg.param(name))}.`);
    }
    // Every control of the parameter shows the value in force (also the one typed into).
    sync(name, null);
    onChange?.(name);
  };
  const sync = (name, except) => {
    const v = pg.param(name);
    const ctl = inputs[name];
    if (!ctl || !Number.isFinite(v)) return;
    if (ctl.check) ctl.check.checked = v > 0.5;
    if (ctl.range && ctl.range !== except) ctl.range.value = String(v);
    if (ctl.number && ctl.number !== except) ctl.number.value = fmt(v);
  };
  for (const s of specs) {
    const label = document.createElement("label");
    if (s.switch) {
      label.className = "toggle";
      const check = document.createElement("input");
      check.type = "checkbox";
      check.id = `p-${s.name}`;
      check.addEventListener("change", () => apply(s.name, check.checked ? 1 : 0, check));
      label.append(check, document.createTextNode(s.label));
      inputs[s.name] = { check };
    } else {
      label.className = "param";
      const text = document.createElement("span");
      text.textContent = s.label + (s.unit ? ` (${s.unit})` : "");
      const number = document.createElement("input");
      number.type = "number";
      number.id = `p-${s.name}`;
      Object.assign(number, { min: s.min, max: s.max, step: s.step });
      const range = document.createElement("input");
      range.type = "range";
      Object.assign(range, { min: s.min, max: s.max, step: s.step });
      range.setAttribute("aria-label", s.label);
      range.addEventListener("input", () => apply(s.name, Number(range.value), range));
      number.addEventListener("change", () => apply(s.name, number.value, number));
      label.append(text, number, range);
      inputs[s.name] = { number, range };
    }
    box.appendChild(label);
  }
  const syncAll = () => specs.forEach((s) => sync(s.name, null));
  syncAll();
  return { syncAll, set: (name, value) => apply(name, value, null), names: specs.map((s) => s.name) };
}

const TOUR = [
  ["h-stream", "A network of pyramidal neurons learns from a continuous stream of handwritten digits. Each digit is shown for a few milliseconds of simulated time; the output neuron of its label is gently nudged toward 1."],
  ["h-acc", "Every thousand digits, the network is tested on the 10,000 official test digits it never learns from. It passes 90 % within seconds — and it learns only with local rules, at every moment."],
  ["pad", "Draw a digit here. The network answers as you draw. If it is wrong, press the right digit (key or button): it learns your handwriting without forgetting MNIST. No pen? ‘One it gets wrong’ puts a misread digit on the pad."],
  ["speed", "Slow time down with this menu: at 1/100 real time you can watch a single error appear at the output and travel down to the hidden neurons."],
  ["v-errors", "Errors travelling down: the output error (green) and the error at the hidden neurons' apical dendrites (blue)."],
  ["v-neuron", "One pyramidal neuron: its basal dendrites predict its voltage from the layer below, its apical dendrite receives the error. The gap between the two is what its synapses learn from."],
  ["v-energy", "The energy: every mismatch in the network plus the nudging cost. Press ‘Run the three regimes’ to see it fall, rise when the output is nudged, and fall again when plasticity is on."],
  ["feedback", "How do errors reach the hidden layer? Weight transport is backprop's assumption; the brain may use fixed random feedback or — as the paper proposes — lateral interneurons."],
  ["v-interneurons", "With the microcircuit, interneurons learn to predict the top-down signal and cancel it, so only the error remains at the apical dendrite. (Choose ‘interneuron microcircuit’ as the top-down path to switch them on.)"],
  ["v-delay", "Why prospective rates? Each neuron's membrane delays its answer by about 10 ms. Prospective rates look ahead and cancel the delay; switch them off in the parameters and everything lags."],
  ["params-panel", "Every parameter can be changed while the network runs; what it learned is kept. The same values can be shared, and Reset starts again from the same seed."],
  ["help", "Keyboard: Space plays and pauses, ‘.’ advances one step of 1 ms, s and f slow down and speed up, 0–9 teach. That is the tour — enjoy."],
];

export function createTour() {
  const box = $("tour-box"), text = $("tour-text"), count = $("tour-count");
  let k = -1, target = null;
  const reduced = matchMedia("(prefers-reduced-motion: reduce)").matches;
  const show = () => {
    target?.classList.remove("tour-target");
    if (k < 0 || k >= TOUR.length) { box.hidden = true; k = -1; target = null; return; }
    const [id, msg] = TOUR[k];
    target = $(id)?.closest("section, details, label, canvas, button") ?? $(id);
    if (target?.tagName === "DETAILS") target.open = true;
    target?.classList.add("tour-target");
    target?.scrollIntoView({ block: "center", behavior: reduced ? "auto" : "smooth" });
    text.textContent = msg;
    count.textContent = `${k + 1} / ${TOUR.length}`;
    box.hidden = false;
    place();
    $("tour-back").disabled = k === 0;
    $("tour-next").textContent = k === TOUR.length - 1 ? "Done" : "Next";
    $("tour-next").focus();
  };
  // Put the box in the corner of the window where it covers least of what it points at (again
  // while a smooth scroll settles, and when the window changes).
  const place = () => {
    if (box.hidden || !target) return;
    // Avoid the whole panel the target sits in (its answer, buttons and text belong to it).
    const t = (target.closest("section") ?? target).getBoundingClientRect(), b = box.getBoundingClientRect();
    const W = innerWidth, H = innerHeight, m = 16;
    let best = null;
    for (const [left, top] of [[W - b.width - m, H - b.height - m], [m, H - b.height - m], [W - b.width - m, m], [m, m]]) {
      const ox = Math.max(0, Math.min(left + b.width, t.right) - Math.max(left, t.left));
      const oy = Math.max(0, Math.min(top + b.height, t.bottom) - Math.max(top, t.top));
      if (!best || ox * oy < best.cover) best = { left, top, cover: ox * oy };
    }
    Object.assign(box.style, { left: `${Math.max(m, best.left)}px`, top: `${Math.max(m, best.top)}px`, right: "auto", bottom: "auto" });
  };
  let settle = 0;
  const follow = () => { place(); if (++settle < 40) requestAnimationFrame(follow); };
  addEventListener("resize", place);
  addEventListener("scroll", () => { if (!box.hidden) place(); }, { passive: true });
  const showAndFollow = () => { show(); settle = 0; requestAnimationFrame(follow); };
  $("tour-next").addEventListener("click", () => { k += 1; showAndFollow(); });
  $("tour-back").addEventListener("click", () => { k = Math.max(0, k - 1); showAndFollow(); });
  $("tour-close").addEventListener("click", () => { k = -1; show(); });
  box.addEventListener("keydown", (ev) => { if (ev.key === "Escape") { k = -1; show(); } });
  return { start: () => { k = 0; showAndFollow(); }, step: () => k, length: TOUR.length };
}
