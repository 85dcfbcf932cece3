//! The wasm facade: owns a [`Session`] and converts at the boundary, nothing more.
//! The page (www/main.js) drives it from a requestAnimationFrame loop.

use crate::drawing;
use crate::mnist::Dataset;
use crate::network::{Feedback, NetConfig, Network};
use crate::session::{Session, TaskConfig};
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct PageConfig {
    net: NetConfig,
    task: TaskConfig,
    seed: u64,
}

#[derive(Serialize)]
struct Stats {
    /// Simulated time of the learning network, in seconds.
    sim_time_s: f64,
    samples_seen: u64,
    steps: u64,
    /// Latest finished official-test sweep (β = 0, no plasticity, on a weight snapshot).
    test_accuracy: Option<f64>,
    test_digits: usize,
    /// Training digits seen when that sweep's snapshot was taken.
    test_accuracy_at_samples: Option<u64>,
    /// Free answers right on the last ≤ 100 training digits, before learning from each.
    recent_train_accuracy: Option<f64>,
    recent_train_count: usize,
    eval_progress: Option<(usize, usize)>,
    current_label: Option<u8>,
    prediction: Option<usize>,
    train_loaded: usize,
    test_loaded: usize,
    /// Number of finished test sweeps (the points themselves: `history()`).
    history_len: usize,
    seed: u64,
    dt_ms: f32,
    steps_per_sample: usize,
    /// Simulated ms left in which only the interneurons learn (after switching them on).
    lateral_warmup_ms: f32,
    feedback: &'static str,
    /// Forward learning rate η (per ms) as configured, and as in use now (after the schedule).
    eta: f32,
    eta_now: f32,
    /// The schedule's halving time in digits (0: constant rates).
    eta_halving_digits: usize,
    /// Stream (MNIST) digits presented, taught digits not counted.
    stream_seen: u64,
}

#[wasm_bindgen]
pub struct Playground {
    pub(crate) session: Session,
    /// A checkpoint the page can return to (`checkpoint()` / `restore()`).
    pub(crate) saved: Option<crate::session::Checkpoint>,
    pub(crate) seed: u64,
    /// The shape the page started with (or was rebuilt to): Reset returns to fresh weights of it.
    pub(crate) net_config: NetConfig,
    /// The delay-compensation demo (two small chains with and without lookahead).
    pub(crate) delay: crate::delay_demo::DelayDemo,
}

/// Background, foreground and grid colours of the charts.
fn chart_colours(dark: bool) -> Colours {
    if dark {
        (
            RGBColor(24, 26, 31),
            RGBColor(220, 222, 228),
            RGBColor(60, 64, 72),
        )
    } else {
        (WHITE, RGBColor(30, 30, 30), RGBColor(225, 225, 225))
    }
}

pub(crate) type Canvas = DrawingArea<CanvasBackend, plotters::coord::Shift>;
/// Background, foreground, grid.
pub(crate) type Colours = (RGBColor, RGBColor, RGBColor);

/// The canvas with this id as a cleared plotters drawing area, the clamped device-pixel scale and
/// the colours (background, foreground, grid).
pub(crate) fn chart_canvas(
    canvas_id: &str,
    dark: bool,
    scale: f64,
) -> Result<(Canvas, f64, Colours), JsValue> {
    let scale = if scale.is_finite() {
        scale.clamp(0.5, 4.0)
    } else {
        1.0
    };
    let backend =
        CanvasBackend::new(canvas_id).ok_or_else(|| js_err(format!("no canvas #{canvas_id}")))?;
    let root = backend.into_drawing_area();
    let colours = chart_colours(dark);
    root.fill(&colours.0).map_err(js_err)?;
    Ok((root, scale, colours))
}

/// Digit `k` of a data set as rates in [0, 1] followed by its label; empty if out of range.
fn digit_with_label(set: &crate::mnist::Dataset, k: usize) -> Vec<f32> {
    if k >= set.len() {
        return vec![];
    }
    let mut x = vec![0.0f32; crate::mnist::PIXELS + 1];
    crate::mnist::to_rates(set.image(k), &mut x[..crate::mnist::PIXELS]);
    x[crate::mnist::PIXELS] = set.labels[k] as f32;
    x
}

pub(crate) fn js_err(e: impl std::fmt::Display) -> JsValue {
    JsValue::from_str(&e.to_string())
}

#[wasm_bindgen]
impl Playground {
    /// `config` is `{net?, task?, seed?}` with any subset of fields; unknown fields are refused.
    #[wasm_bindgen(constructor)]
    pub fn new(config: JsValue) -> Result<Playground, JsValue> {
        let c: PageConfig = if config.is_undefined() || config.is_null() {
            PageConfig::default()
        } else {
            serde_wasm_bindgen::from_value(config).map_err(js_err)?
        };
        let session = Session::new(c.net.clone(), c.task, c.seed).map_err(js_err)?;
        Ok(Playground {
            session,
            saved: None,
            seed: c.seed,
            net_config: c.net,
            delay: crate::delay_demo::DelayDemo::new(),
        })
    }

    /// Add the official test set (IDX bytes). Refused, with a message, if malformed.
    pub fn set_test(&mut self, images: &[u8], labels: &[u8]) -> Result<usize, JsValue> {
        self.session.test = Dataset::from_idx("test", images, labels).map_err(js_err)?;
        Ok(self.session.test.len())
    }

    /// Append a chunk of training digits (IDX bytes). Refused, with a message, if malformed.
    pub fn add_train(
        &mut self,
        name: &str,
        images: &[u8],
        labels: &[u8],
    ) -> Result<usize, JsValue> {
        let chunk = Dataset::from_idx(name, images, labels).map_err(js_err)?;
        self.session.train.extend(chunk);
        Ok(self.session.train.len())
    }

    /// Run `n` learning steps. On divergence the last finite weights are restored and the
    /// error says what happened.
    pub fn train_steps(&mut self, n: u32) -> Result<(), JsValue> {
        self.session.train_steps(n as usize).map_err(|d| {
            js_err(format!(
                "the network diverged (non-finite voltage in layer {}); the last finite weights were restored — lower η or β",
                d.layer
            ))
        })
    }

    pub fn eval_pending(&self) -> bool {
        self.session.eval_pending()
    }

    /// Evaluate up to `n` official test digits; true when this finished a sweep.
    pub fn eval_digits(&mut self, n: u32) -> bool {
        self.session.eval_digits(n as usize).is_some()
    }

    /// Finished test sweeps (cheap: the page asks every frame).
    pub fn history_len(&self) -> u32 {
        self.session.history.len() as u32
    }

    pub fn stats(&self) -> Result<JsValue, JsValue> {
        let s = &self.session;
        let latest = s.latest_accuracy();
        let stats = Stats {
            sim_time_s: s.net.time / 1000.0,
            samples_seen: s.samples_seen,
            steps: s.steps,
            test_accuracy: latest.map(|p| p.accuracy),
            test_digits: latest.map_or(0, |p| p.n),
            test_accuracy_at_samples: latest.map(|p| p.samples),
            recent_train_accuracy: s.recent_train_accuracy().map(|r| r.0),
            recent_train_count: s.recent_train_accuracy().map_or(0, |r| r.1),
            eval_progress: s.sweep_progress(),
            current_label: s.current_label(),
            prediction: s.current_label().map(|_| Network::argmax(s.net.output())),
            train_loaded: s.train.len(),
            test_loaded: s.test.len(),
            history_len: s.history.len(),
            seed: self.seed,
            dt_ms: s.net.config.dt,
            steps_per_sample: s.task.steps_per_sample,
            lateral_warmup_ms: s.lateral_warmup as f32 * s.net.config.dt,
            eta: s.net.config.eta,
            eta_now: s.net.config.eta * s.task.eta_decay(s.samples_seen),
            eta_halving_digits: s.task.eta_halving_digits,
            stream_seen: s.stream_seen,
            feedback: match s.net.config.feedback {
                Feedback::WeightTransport => "weight-transport",
                Feedback::Random => "random",
                Feedback::Microcircuit => "microcircuit",
            },
        };
        serde_wasm_bindgen::to_value(&stats).map_err(js_err)
    }

    /// The ring buffer of a probe (see `session::Probes`), for a zero-copy `Float32Array` view
    /// over wasm memory: returns `[pointer, capacity, head, len]`, or an empty array for an
    /// unknown name. `layer` selects the hidden layer for per-layer traces.
    /// Names: energy_mismatch, energy_cost, output_error, backprop_angle, time_s, apical,
    /// basal_mismatch (every layer, output included), lateral_angle, feedback_angle.
    pub fn trace(&self, name: &str, layer: u32) -> Vec<u32> {
        let p = &self.session.probes;
        let l = layer as usize;
        let t = match name {
            "energy_mismatch" => Some(&p.energy_mismatch),
            "energy_cost" => Some(&p.energy_cost),
            "output_error" => Some(&p.output_error),
            "backprop_angle" => Some(&p.backprop_angle),
            "time_s" => Some(&p.time_s),
            "apical" => p.apical.get(l),
            "basal_mismatch" => p.basal_mismatch.get(l),
            "lateral_angle" => p.lateral_angle.get(l),
            "feedback_angle" => p.feedback_angle.get(l),
            _ => None,
        };
        t.map_or(vec![], |t| {
            vec![
                t.data.as_ptr() as u32,
                t.data.len() as u32,
                t.head as u32,
                t.len as u32,
            ]
        })
    }

    /// Every finished test sweep: `[{samples, time_s, accuracy, n}]`.
    pub fn history(&self) -> Result<JsValue, JsValue> {
        serde_wasm_bindgen::to_value(&self.session.history).map_err(js_err)
    }

    /// The latest finished test sweep (`{samples, time_s, accuracy, n}`), or undefined: what a
    /// frame needs, without converting the whole history (it grows by one point a sweep).
    pub fn history_last(&self) -> Result<JsValue, JsValue> {
        serde_wasm_bindgen::to_value(&self.session.history.last()).map_err(js_err)
    }

    /// The presented input rates (784 values in [0, 1]).
    pub fn input(&self) -> Vec<f32> {
        self.session.input().to_vec()
    }

    /// Somatic voltages of the output neurons.
    pub fn output(&self) -> Vec<f32> {
        self.session.net.output().to_vec()
    }

    /// Convert an RGBA drawing (ink in the alpha channel) to a 28×28 MNIST-like digit.
    /// Returns an empty array when nothing is drawn.
    pub fn digitize(&self, rgba: &[u8], width: u32, height: u32) -> Vec<f32> {
        let (w, h) = (width as usize, height as usize);
        if rgba.len() != w * h * 4 {
            return vec![];
        }
        let ink: Vec<u8> = rgba.chunks_exact(4).map(|p| p[3]).collect();
        if drawing::ink_extent(&ink, w, h) < w.min(h) / 7 {
            return vec![]; // a dot or a scribble too small to be a digit
        }
        drawing::to_mnist(&ink, w, h).unwrap_or_default()
    }

    /// The network's settled free answer (output voltages) for a 784-pixel input.
    pub fn answer(&mut self, x: &[f32]) -> Vec<f32> {
        if x.len() != self.session.net.n_in() || !x.iter().all(|v| v.is_finite()) {
            return vec![];
        }
        self.session.answer(x)
    }

    /// Benchmark: a fresh network of the given `NetConfig` (any subset of fields) learns the
    /// loaded test digits flat out for `millis` ms (blocking); returns simulation steps/s.
    pub fn bench(&self, net_config: JsValue, millis: f64) -> Result<f64, JsValue> {
        let config: NetConfig = serde_wasm_bindgen::from_value(net_config).map_err(js_err)?;
        let mut net = Network::new(config, &mut crate::rng::Rng::new(1)).map_err(js_err)?;
        let test = &self.session.test;
        if test.is_empty() || net.n_in() != crate::mnist::PIXELS {
            return Err(js_err("bench needs the test digits loaded and 784 inputs"));
        }
        let (mut x, mut y) = (vec![0.0f32; net.n_in()], vec![0.0f32; net.n_out()]);
        let beta = net.config.beta;
        let t0 = js_sys::Date::now();
        let mut steps = 0u64;
        while js_sys::Date::now() - t0 < millis {
            let i = (steps as usize / 10) % test.len();
            crate::mnist::to_rates(test.image(i), &mut x);
            y.fill(0.0);
            let n_out = y.len();
            y[test.labels[i] as usize % n_out] = 1.0;
            for _ in 0..10 {
                net.step(crate::network::StepInput {
                    x: &x,
                    target: Some(&y),
                    beta,
                    plastic: true,
                })
                .map_err(|_| js_err("diverged during the benchmark"))?;
            }
            steps += 10;
        }
        Ok(steps as f64 * 1000.0 / (js_sys::Date::now() - t0))
    }

    /// Switch the top-down path of the hidden layers: "weight-transport", "random" or
    /// "microcircuit". Everything learned is kept.
    pub fn set_feedback(&mut self, mode: &str) -> Result<(), JsValue> {
        let feedback = match mode {
            "weight-transport" => Feedback::WeightTransport,
            "random" => Feedback::Random,
            "microcircuit" => Feedback::Microcircuit,
            other => return Err(js_err(format!("unknown feedback mode {other:?}"))),
        };
        let mut rng = crate::rng::Rng::new(self.seed ^ 0x5EED);
        self.session
            .set_feedback(feedback, &mut rng)
            .map_err(js_err)
    }

    pub fn feedback(&self) -> String {
        match self.session.net.config.feedback {
            Feedback::WeightTransport => "weight-transport",
            Feedback::Random => "random",
            Feedback::Microcircuit => "microcircuit",
        }
        .into()
    }

    /// The circuit chart: over the last simulated seconds, the angle between the NLA update and
    /// the exact backprop gradient, θ(W^PI W^IP, B W) of the first hidden layer (microcircuit)
    /// and the angle between B and Wᵀ (random feedback and microcircuit).
    pub fn draw_circuit_chart(
        &self,
        canvas_id: &str,
        dark: bool,
        scale: f64,
    ) -> Result<(), JsValue> {
        let (root, scale, (_, fg, grid)) = chart_canvas(canvas_id, dark, scale)?;
        let px = |v: f64| (v * scale).round() as u32;
        let p = &self.session.probes;
        let t = p.time_s.to_vec();
        let mode = self.session.net.config.feedback;
        let series: Vec<(&str, RGBColor, Vec<f32>)> = [
            Some(("backprop", RGBColor(0, 114, 178), p.backprop_angle.to_vec())),
            // (a network without hidden layers has no lateral circuit: `first()` is None)
            p.lateral_angle
                .first()
                .filter(|_| mode == Feedback::Microcircuit)
                .map(|t| ("theta", RGBColor(213, 94, 0), t.to_vec())),
            p.feedback_angle
                .first()
                .filter(|_| mode != Feedback::WeightTransport)
                .map(|t| ("feedback", RGBColor(0, 158, 115), t.to_vec())),
        ]
        .into_iter()
        .flatten()
        .collect();
        let (t0, t1) = (
            t.first().copied().unwrap_or(0.0) as f64,
            t.last().copied().unwrap_or(1.0) as f64,
        );
        let t1 = if t1 > t0 { t1 } else { t0 + 1.0 };
        let font = ("sans-serif", 13.0 * scale).into_font().color(&fg);
        let mut chart = ChartBuilder::on(&root)
            .margin(px(12.0))
            .x_label_area_size(px(40.0))
            .y_label_area_size(px(56.0))
            .build_cartesian_2d(t0..t1, 0.0..100.0)
            .map_err(js_err)?;
        chart
            .configure_mesh()
            .light_line_style(grid.mix(0.25))
            .bold_line_style(grid)
            .axis_style(fg)
            .label_style(font.clone())
            .axis_desc_style(font.clone())
            .y_label_formatter(&|v| format!("{v:.0}°"))
            .x_label_formatter(&|v| format!("{v:.0}"))
            .x_labels(6)
            .x_desc("simulated time (s)")
            .y_desc("angle (degrees)")
            .draw()
            .map_err(js_err)?;
        // The legend is HTML under the canvas (readable by screen readers, never over the data).
        for (_name, colour, v) in series {
            // Only samples that exist and apply (θ is −1 before the microcircuit was switched on).
            let pts: Vec<(f64, f64)> = t
                .iter()
                .zip(&v)
                .filter(|(_, a)| a.is_finite() && **a >= 0.0)
                .map(|(&x, &a)| (x as f64, a as f64))
                .collect();
            chart
                .draw_series(LineSeries::new(pts, colour.stroke_width(px(2.0))))
                .map_err(js_err)?;
        }
        root.present().map_err(js_err)?;
        Ok(())
    }

    /// Teach the network a 784-pixel digit with its label (`presentations` times, interleaved
    /// with the stream). Returns its gallery index.
    pub fn teach(&mut self, x: &[f32], label: u8, presentations: u32) -> Result<u32, JsValue> {
        self.session
            .teach(x, label, presentations as usize)
            .map(|k| k as u32)
            .map_err(js_err)
    }

    /// Per taught digit: [label, current answer, label, current answer, …].
    pub fn taught_answers(&mut self) -> Vec<u8> {
        self.session
            .taught_answers()
            .into_iter()
            .flat_map(|(l, a)| [l, a as u8])
            .collect()
    }

    /// Stable serial numbers of the gallery's digits (for repainting only what changed).
    pub fn taught_ids(&self) -> Vec<u32> {
        self.session
            .taught_ids()
            .into_iter()
            .map(|id| id as u32)
            .collect()
    }

    /// The pixels of taught digit `k` (empty if none).
    pub fn taught_digit(&self, k: u32) -> Vec<f32> {
        self.session
            .taught_digit(k as usize)
            .map_or(vec![], |x| x.to_vec())
    }

    pub fn teach_pending(&self) -> u32 {
        self.session.teach_pending() as u32
    }

    /// Remember the whole learning state (network, stream position, taught digits).
    pub fn checkpoint(&mut self) {
        self.saved = Some(self.session.checkpoint());
    }

    /// Return to the remembered learning state; false if there is none.
    pub fn restore(&mut self) -> bool {
        match &self.saved {
            Some(c) => {
                self.session.restore(c);
                true
            }
            None => false,
        }
    }

    /// Official test digit `k` as rates in [0, 1] followed by its label (empty if out of range).
    pub fn test_digit(&self, k: u32) -> Vec<f32> {
        digit_with_label(&self.session.test, k as usize)
    }

    /// Training digit `k` as rates, with its label appended (empty past the loaded ones). The
    /// page's "one it gets wrong" button picks from these, so the official test set is never
    /// taught.
    pub fn train_digit(&self, k: u32) -> Vec<f32> {
        digit_with_label(&self.session.train, k as usize)
    }

    /// Number of training digits loaded so far.
    pub fn train_len(&self) -> u32 {
        self.session.train.len() as u32
    }

    /// Official-test accuracy of the current weights on the first `n` test digits, now
    /// (blocking; for tests and research).
    pub fn test_accuracy_now(&mut self, n: u32) -> f64 {
        self.session.test_accuracy(n as usize)
    }

    /// Start again with fresh weights from the same seed; the loaded data stay, and so do the
    /// parameters as the controls show them (top-down path, β, η, …).
    pub fn reset(&mut self) -> Result<(), JsValue> {
        let old = &self.session;
        let keep: Vec<(&str, f64)> = crate::params::SPECS
            .iter()
            .filter(|s| !s.rebuilds)
            .filter_map(|s| {
                let v = if s.name == "eta" {
                    Some(old.eta_setting() as f64) // the user's rate, not the microcircuit's cap
                } else {
                    crate::params::get(old, s.name)
                };
                v.map(|v| (s.name, v))
            })
            .collect();
        let feedback = old.net.config.feedback;
        let stride = old.probes.stride;
        let old_external = old.external_eval;
        let probe_neuron = old.probe_neuron;
        let mut fresh =
            Session::new(self.net_config.clone(), old.task.clone(), self.seed).map_err(js_err)?;
        let mut rng = crate::rng::Rng::new(self.seed ^ 0x9A4A);
        for (name, v) in keep {
            crate::params::set(&mut fresh, name, v, &mut rng).map_err(js_err)?;
        }
        let mut rng = crate::rng::Rng::new(self.seed ^ 0x5EED);
        fresh.set_feedback(feedback, &mut rng).map_err(js_err)?;
        fresh.set_probe_stride(stride);
        fresh.external_eval = old_external;
        fresh.probe_neuron = probe_neuron.min(fresh.net.layers[0].n.saturating_sub(1));
        fresh.train = std::mem::take(&mut self.session.train);
        fresh.test = std::mem::take(&mut self.session.test);
        self.session = fresh;
        Ok(())
    }

    /// Draw test accuracy against training digits seen into the canvas with this id.
    /// `scale` is the device pixel ratio the canvas was sized for (sharp text on HiDPI screens).
    pub fn draw_accuracy_chart(
        &self,
        canvas_id: &str,
        dark: bool,
        scale: f64,
    ) -> Result<(), JsValue> {
        let (root, scale, (_, fg, grid)) = chart_canvas(canvas_id, dark, scale)?;
        let px = |v: f64| (v * scale).round() as u32;
        let accent = RGBColor(0, 114, 178); // Okabe–Ito blue: colour-blind safe
                                            // At most ~1,000 points: a page left running all day has tens of thousands of sweeps,
                                            // and drawing them all would make every new sweep a janky frame.
        let stride = self.session.history.len().div_ceil(1000).max(1);
        let last = self.session.history.len().saturating_sub(1);
        let pts: Vec<(f64, f64)> = self
            .session
            .history
            .iter()
            .enumerate()
            .filter(|&(k, _)| k % stride == 0 || k == last)
            .map(|(_, p)| p)
            .filter(|p| p.accuracy.is_finite())
            .map(|p| (p.samples as f64 / 1000.0, 100.0 * p.accuracy))
            .collect();
        let x_max = pts.last().map_or(1.0, |p| p.0).max(1.0) * 1.05;
        // Zoom in on what matters once learning is under way: the lowest of the later points.
        let later = &pts[pts.len() / 4..];
        let lowest = later.iter().map(|p| p.1).fold(100.0, f64::min);
        let y_lo = if later.len() >= 3 {
            (10.0 * ((lowest - 2.0) / 10.0).floor()).clamp(0.0, 90.0)
        } else {
            0.0
        };
        let font = ("sans-serif", 13.0 * scale).into_font().color(&fg);
        let mut chart = ChartBuilder::on(&root)
            .margin(px(12.0))
            .x_label_area_size(px(40.0))
            .y_label_area_size(px(56.0))
            .build_cartesian_2d(0.0..x_max, y_lo..100.0)
            .map_err(js_err)?;
        chart
            .configure_mesh()
            .light_line_style(grid.mix(0.25))
            .bold_line_style(grid)
            .axis_style(fg)
            .label_style(font.clone())
            .axis_desc_style(font.clone())
            .y_label_formatter(&|v| format!("{v:.0}"))
            // Whole thousands without decimals, half steps with one (never "0 0 1 1 2 2").
            .x_label_formatter(&|v| {
                if (v - v.round()).abs() < 1e-6 {
                    format!("{v:.0}")
                } else {
                    format!("{v:.1}")
                }
            })
            .x_desc("training digits seen (thousands)")
            .y_desc("official-test accuracy (%)")
            .draw()
            .map_err(js_err)?;
        if y_lo < 10.0 {
            let chance = RGBColor(230, 159, 0); // Okabe–Ito orange
            chart
                .draw_series(LineSeries::new(
                    vec![(0.0, 10.0), (x_max, 10.0)],
                    chance.stroke_width(px(2.0)),
                ))
                .map_err(js_err)?;
            chart
                .draw_series(std::iter::once(Text::new(
                    "chance",
                    (x_max * 0.82, 13.0),
                    font.clone().color(&chance),
                )))
                .map_err(js_err)?;
        }
        let pts: Vec<(f64, f64)> = pts.into_iter().filter(|p| p.1 >= y_lo).collect();
        chart
            .draw_series(LineSeries::new(pts.clone(), accent.stroke_width(px(2.0))))
            .map_err(js_err)?;
        chart
            .draw_series(
                pts.iter()
                    .map(|&p| Circle::new(p, px(3.0), accent.filled())),
            )
            .map_err(js_err)?;
        root.present().map_err(js_err)?;
        Ok(())
    }
}
