// When learning diverges: Rust finds the first non-finite voltage at the step it appears, puts
// back the weights of the last test snapshot and refuses the step (Session::train_steps), so the
// page pauses within the same frame and nothing non-finite is ever drawn. This module explains
// in plain words what diverged and which of the user's changes most likely caused it, and offers
// to continue from the last good state (the settings it last ran well with put back) or to
// reset the network. It remembers "good" settings: those that ran ≥ 1,000 digits without diverging.
const $ = (id) => document.getElementById(id);
const GOOD_AFTER_DIGITS = 1000;

export function createDivergence(pg, { setParam, setFeedback, play, reset }) {
  const specs = pg.param_specs().filter((s) => !s.rebuilds);
  const settings = () => ({
    params: Object.fromEntries(specs.map((s) => [s.name, pg.param(s.name)])),
    feedback: pg.feedback(),
  });
  const same = (a, b) => a.feedback === b.feedback && specs.every((s) => a.params[s.name] === b.params[s.name]);
  let good = settings();
  let candidate = { at: pg.stats().samples_seen, settings: good };
  let count = 0;

  // Settings become "good" once they have run GOOD_AFTER_DIGITS digits in a row.
  setInterval(() => {
    if (!panel.hidden) return;
    const now = settings(), seen = pg.stats().samples_seen;
    if (!same(now, candidate.settings) || seen < candidate.at) candidate = { at: seen, settings: now };
    else if (seen - candidate.at >= GOOD_AFTER_DIGITS) { good = now; count = 0; }
  }, 250);

  const panel = document.createElement("div");
  panel.id = "diverged";
  panel.className = "error diverged";
  panel.setAttribute("role", "alert");
  panel.hidden = true;
  const text = document.createElement("p");
  const cause = document.createElement("p");
  const row = document.createElement("div");
  row.className = "row";
  const restoreBtn = document.createElement("button");
  restoreBtn.type = "button";
  restoreBtn.id = "diverged-restore";
  restoreBtn.textContent = "Restore the last good state";
  const resetBtn = document.createElement("button");
  resetBtn.type = "button";
  resetBtn.id = "diverged-reset";
  resetBtn.textContent = "Reset network";
  row.append(restoreBtn, resetBtn);
  panel.append(text, cause, row);
  $("error").after(panel);

  const fmt = (spec, v) => (spec.switch ? (v > 0.5 ? "on" : "off") : `${Number(v.toPrecision(4))}${spec.unit ? " " + spec.unit : ""}`);
  const changes = () => {
    const now = settings(), out = [];
    for (const s of specs) if (now.params[s.name] !== good.params[s.name]) out.push(`${s.label}: ${fmt(s, now.params[s.name])} (it ran well with ${fmt(s, good.params[s.name])})`);
    if (now.feedback !== good.feedback) out.push(`top-down path: ${now.feedback} (it ran well with ${good.feedback})`);
    return out;
  };
  /** Put back the settings the network last ran well with. */
  const putBack = () => {
    for (const s of specs) if (pg.param(s.name) !== good.params[s.name]) setParam(s.name, good.params[s.name]);
    if (pg.feedback() !== good.feedback) setFeedback(good.feedback);
    candidate = { at: pg.stats().samples_seen, settings: settings() };
  };
  const hide = () => { panel.hidden = true; };
  restoreBtn.addEventListener("click", () => { putBack(); hide(); play(); });
  resetBtn.addEventListener("click", () => { putBack(); reset(); hide(); play(); });
  for (const id of ["play", "reset", "rebuild"]) $(id)?.addEventListener("click", hide);

  return {
    /** Explain a divergence reported by train_steps (`message` names the layer). */
    show(message) {
      count += 1;
      const sizes = Array.from(pg.layer_sizes());
      const layer = Number(/layer (\d+)/.exec(message)?.[1]);
      const where = !Number.isFinite(layer) ? "some neurons"
        : layer >= sizes.length - 1 ? `the ${sizes[sizes.length - 1]} output neurons`
          : sizes.length > 3 ? `the neurons of hidden layer ${layer}` : `the ${sizes[layer]} hidden neurons`;
      text.textContent = `Paused: learning diverged${count > 1 ? ` (${count} times in a row)` : ""}. The voltages of ${where} grew without bound`
        + " — each weight change made the next one larger instead of settling. Nothing was lost: the weights of the last good moment"
        + " (the most recent test snapshot) are back in place, and nothing infinite is drawn.";
      const list = changes();
      cause.textContent = list.length
        ? `What changed since it last ran well — most likely the cause: ${list.join("; ")}. Both buttons put these settings back.`
        : `The settings are the ones it last ran well with (learning rate η = ${fmt(specs.find((s) => s.name === "eta"), pg.param("eta"))}, nudging β = ${pg.param("beta")}); `
          + "it may diverge again: lower η or β in the parameters first, or reset.";
      panel.hidden = false;
    },
    isShown: () => !panel.hidden,
  };
}
