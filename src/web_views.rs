//! The live views of the page (issue: "every claim of the paper is a live view"): error traces,
//! energy with its three regimes, one neuron's dendritic vs somatic potential, interneurons vs
//! their top-down targets, the delay demo, receptive fields and the network at a glance; plus the
//! parameter controls. Every chart is drawn from the ring buffers in place, and the very series a
//! chart draws can be read back (`view_series`) so tests check what is on screen.

use crate::network::Feedback;
use crate::observe::Trace;
use crate::params;
use crate::probes::{FineProbes, Probes};
use crate::session::PROBED_INTERNEURONS;
use crate::web::{chart_canvas, js_err, Playground};
use plotters::prelude::*;
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// Okabe–Ito colours (colour-blind safe).
pub(crate) const BLUE: RGBColor = RGBColor(0, 114, 178);
pub(crate) const ORANGE: RGBColor = RGBColor(213, 94, 0);
pub(crate) const GREEN: RGBColor = RGBColor(0, 158, 115);
const PURPLE: RGBColor = RGBColor(204, 121, 167);
const SKY: RGBColor = RGBColor(86, 180, 233);
const YELLOW: RGBColor = RGBColor(230, 159, 0);
pub(crate) const PALETTE: [RGBColor; 6] = [BLUE, ORANGE, GREEN, PURPLE, SKY, YELLOW];

#[derive(Serialize)]
pub(crate) struct Series {
    pub(crate) name: String,
    /// As "#rrggbb", so a page legend can match the line exactly.
    #[serde(serialize_with = "hex_colour")]
    pub(crate) colour: RGBColor,
    /// Drawn thinner and lighter: a target or reference the solid line is compared with.
    pub(crate) faint: bool,
    /// Which stacked panel of the chart it is drawn in (each has its own y axis).
    pub(crate) panel: usize,
    pub(crate) values: Vec<f32>,
}

fn hex_colour<S: serde::Serializer>(c: &RGBColor, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2))
}

/// What one chart draws: a time axis (seconds of simulated time), its series, labels and
/// vertical marks (time, label).
#[derive(Serialize)]
pub(crate) struct ChartData {
    pub(crate) time_s: Vec<f32>,
    pub(crate) series: Vec<Series>,
    /// The y-axis label of each stacked panel, top first.
    pub(crate) panels: Vec<&'static str>,
    pub(crate) marks: Vec<(f32, String)>,
    /// A fixed y range for every panel (else each fits its data).
    #[serde(skip)]
    pub(crate) y_range: Option<(f64, f64)>,
    /// Draw the y axis in decades (values below `LOG_FLOOR` at the floor): the energy spans
    /// 1e-13 (settled, β = 0) to 0.1 (a new digit), and its three regimes differ by decades.
    #[serde(skip)]
    pub(crate) log_y: bool,
}

/// The lowest value a log-scaled chart shows.
const LOG_FLOOR: f64 = 1e-6;

pub(crate) fn series(name: impl Into<String>, colour: RGBColor, t: &Trace) -> Series {
    Series {
        name: name.into(),
        colour,
        faint: false,
        panel: 0,
        values: t.iter().collect(),
    }
}

/// The last `n` samples of a trace.
pub(crate) fn tail(name: impl Into<String>, colour: RGBColor, t: &Trace, n: usize) -> Series {
    let skip = t.len.saturating_sub(n);
    Series {
        name: name.into(),
        colour,
        faint: false,
        panel: 0,
        values: t.iter().skip(skip).collect(),
    }
}

/// Fine-probe window shown by the single-digit views: 300 ms at dt = 1 ms (30 digits).
pub(crate) const FINE_WINDOW: usize = 300;

/// At most this many points per drawn line: longer traces are averaged in bins (drawing every
/// sample of a 2000-sample trace costs more than the simulation it shows).
const MAX_POINTS: usize = 400;

pub(crate) fn binned(d: ChartData) -> ChartData {
    let n = d.time_s.len();
    if n <= MAX_POINTS {
        return d;
    }
    let bin = n.div_ceil(MAX_POINTS);
    let mean = |v: &[f32]| -> Vec<f32> {
        v.chunks(bin)
            .map(|c| c.iter().sum::<f32>() / c.len() as f32)
            .collect()
    };
    ChartData {
        time_s: mean(&d.time_s),
        series: d
            .series
            .into_iter()
            .map(|s| Series {
                values: mean(&s.values),
                ..s
            })
            .collect(),
        ..d
    }
}

pub(crate) fn draw_chart(
    canvas_id: &str,
    dark: bool,
    scale: f64,
    d: &ChartData,
) -> Result<(), JsValue> {
    let (root, scale, colours) = chart_canvas(canvas_id, dark, scale)?;
    let n = d.panels.len().max(1);
    let areas = root.split_evenly((n, 1));
    for (k, area) in areas.iter().enumerate() {
        draw_panel(area, scale, colours, d, k, k + 1 == n)?;
    }
    // Legends are HTML beside the canvas (readable by screen readers, never over the data).
    root.present().map_err(js_err)?;
    Ok(())
}

fn draw_panel(
    area: &crate::web::Canvas,
    scale: f64,
    (_, fg, grid): (RGBColor, RGBColor, RGBColor),
    d: &ChartData,
    panel: usize,
    bottom: bool,
) -> Result<(), JsValue> {
    let px = |v: f64| (v * scale).round().max(1.0) as u32;
    let (t0, t1) = (
        d.time_s.first().copied().unwrap_or(0.0) as f64,
        d.time_s.last().copied().unwrap_or(1.0) as f64,
    );
    // Short windows (slow motion, the delay demo) read better in ms — while the numbers stay
    // short; later on they are seconds with two decimals.
    let in_ms = t1 - t0 < 2.5 && t1 < 10.0;
    let k = if in_ms { 1000.0 } else { 1.0 };
    let (x0, x1) = (t0 * k, if t1 > t0 { t1 * k } else { t0 * k + 1.0 });
    let mine = || d.series.iter().filter(|s| s.panel == panel);
    // On a log axis the chart's coordinates are decades: log10 of the value, floored.
    let y_of = |v: f32| -> f64 {
        if d.log_y {
            (v as f64).max(LOG_FLOOR).log10()
        } else {
            v as f64
        }
    };
    let (lo, hi) = mine()
        .flat_map(|s| s.values.iter().copied())
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(y_of(v)), hi.max(y_of(v)))
        });
    let (lo, hi) = if let Some(range) = d.y_range {
        range
    } else if d.log_y && lo.is_finite() {
        // Whole decades, so at least two labelled lines are always in view.
        (lo.floor(), hi.ceil().max(lo.floor() + 1.0))
    } else if lo.is_finite() && hi > lo {
        let pad = 0.06 * (hi - lo);
        (lo - pad, hi + pad)
    } else if lo.is_finite() {
        (lo - 1.0, lo + 1.0)
    } else {
        (0.0, 1.0)
    };
    let font = ("sans-serif", 13.0 * scale).into_font().color(&fg);
    let mut chart = ChartBuilder::on(area)
        .margin(px(10.0))
        // Room for the last time tick's label, which is centred on the right edge.
        .margin_right(px(26.0))
        .x_label_area_size(px(if bottom { 40.0 } else { 18.0 }))
        .y_label_area_size(px(62.0))
        .build_cartesian_2d(x0..x1, lo..hi)
        .map_err(js_err)?;
    let x_desc = match (bottom, in_ms) {
        (false, _) => "",
        (true, true) => "simulated time (ms)",
        (true, false) => "simulated time (s)",
    };
    let span = x1 - x0;
    let degrees = d.panels.get(panel).is_some_and(|p| p.contains("degrees"));
    chart
        .configure_mesh()
        .light_line_style(grid.mix(0.25))
        .bold_line_style(grid)
        .axis_style(fg)
        .label_style(font.clone())
        .axis_desc_style(font.clone())
        .x_labels(6)
        .y_labels(if d.panels.len() > 1 { 4 } else { 6 })
        .x_label_formatter(&|v| {
            if span < 2.5 && !in_ms {
                format!("{v:.2}")
            } else if span < 10.0 {
                format!("{v:.1}")
            } else {
                format!("{v:.0}")
            }
        })
        .y_label_formatter(&|v| {
            if degrees {
                return format!("{v:.0}°");
            }
            if d.log_y {
                // Decades only (1e-4, 1e-2, …): between them the label stays empty.
                return if (v - v.round()).abs() < 1e-6 {
                    format!("1e{}", v.round() as i32)
                } else {
                    String::new()
                };
            }
            let a = v.abs();
            if a < 1e-9 {
                "0".into()
            } else if !(0.01..1000.0).contains(&a) {
                format!("{v:.0e}")
            } else if a < 1.0 {
                format!("{v:.2}")
            } else {
                format!("{v:.1}")
            }
        })
        .x_desc(x_desc)
        .y_desc(d.panels.get(panel).copied().unwrap_or(""))
        .draw()
        .map_err(js_err)?;
    for (t, label) in &d.marks {
        let x = *t as f64 * k;
        if x < x0 || x > x1 {
            continue;
        }
        chart
            .draw_series(LineSeries::new(
                vec![(x, lo), (x, hi)],
                fg.mix(0.5).stroke_width(px(1.0)),
            ))
            .map_err(js_err)?;
        chart
            .draw_series(std::iter::once(Text::new(
                label.clone(),
                (x + 0.01 * span, hi - 0.04 * (hi - lo)),
                font.clone(),
            )))
            .map_err(js_err)?;
    }
    for s in mine() {
        let pts: Vec<(f64, f64)> = d
            .time_s
            .iter()
            .zip(&s.values)
            .filter(|(_, v)| v.is_finite())
            .map(|(&t, &v)| (t as f64 * k, y_of(v)))
            .collect();
        let style = if s.faint {
            s.colour.mix(0.45).stroke_width(px(3.0))
        } else {
            s.colour.stroke_width(px(2.0))
        };
        chart
            .draw_series(LineSeries::new(pts, style))
            .map_err(js_err)?;
    }
    Ok(())
}

/// The "errors" view: the output error |u* − u| on top, the apical error of each hidden layer
/// in a panel below it (as in the network), every step of the last `FINE_WINDOW` steps.
pub(crate) fn errors_chart(f: &FineProbes) -> ChartData {
    let w = FINE_WINDOW;
    let mut s: Vec<Series> = f
        .apical
        .iter()
        .enumerate()
        .map(|(l, t)| {
            tail(
                format!("apical error, hidden layer {}", l + 1),
                PALETTE[l % PALETTE.len()],
                t,
                w,
            )
        })
        .collect();
    s.insert(0, tail("output error |u* − u|", GREEN, &f.output_error, w));
    let panels = s.len();
    for (k, x) in s.iter_mut().enumerate() {
        x.panel = k.min(panels - 1);
    }
    let mut desc = vec!["output rms"];
    desc.extend((1..panels).map(|_| "apical rms"));
    ChartData {
        time_s: f
            .time_s
            .iter()
            .skip(f.time_s.len.saturating_sub(w))
            .collect(),
        series: s,
        panels: desc,
        marks: vec![],
        y_range: None,
        log_y: false,
    }
}

/// The "energy" view: E (Eq. 3, mismatch part + βC) and its cost part βC over the strided
/// samples from simulated time `from` (s) on, with vertical `marks`.
pub(crate) fn energy_chart(p: &Probes, from: f32, marks: Vec<(f32, String)>) -> ChartData {
    let total: Vec<f32> = p
        .energy_mismatch
        .iter()
        .zip(p.energy_cost.iter())
        .map(|(m, c)| m + c)
        .collect();
    let time_s: Vec<f32> = p.time_s.iter().collect();
    let skip = time_s.iter().take_while(|&&t| t < from).count();
    let mut total = total;
    total.drain(..skip.min(total.len()));
    let mut cost: Vec<f32> = p.energy_cost.iter().collect();
    cost.drain(..skip.min(cost.len()));
    binned(ChartData {
        time_s: time_s[skip..].to_vec(),
        series: vec![
            Series {
                name: "energy E".into(),
                colour: BLUE,
                faint: false,
                panel: 0,
                values: total,
            },
            Series {
                values: cost,
                ..series("cost part βC", ORANGE, &p.energy_cost)
            },
        ],
        panels: vec!["energy E (Eq. 3), log"],
        marks,
        y_range: None,
        log_y: true,
    })
}

/// The alignment meters over the whole history of their computations (`Probes::slow`): the
/// angle between the NLA update and the exact backprop gradient; with the microcircuit also θ
/// (W^PI W^IP vs B W, Eq. 12); with random feedback or the microcircuit also B vs Wᵀ — first
/// hidden layer, colours as in the MNIST circuit chart.
pub(crate) fn alignment_chart(p: &Probes, feedback: Feedback) -> ChartData {
    let s = &p.slow;
    let mut out = vec![series(
        "NLA update vs exact backprop gradient",
        BLUE,
        &s.backprop_angle,
    )];
    if feedback == Feedback::Microcircuit {
        if let Some(t) = s.lateral_angle.first() {
            let mut theta = series("θ: W^PI W^IP vs B W", ORANGE, t);
            // −1 marks samples from before the microcircuit was on: not applicable, not drawn.
            for v in &mut theta.values {
                if *v < 0.0 {
                    *v = f32::NAN;
                }
            }
            out.push(theta);
        }
    }
    if feedback != Feedback::WeightTransport {
        if let Some(t) = s.feedback_angle.first() {
            out.push(series("B vs Wᵀ", GREEN, t));
        }
    }
    let top = out
        .iter()
        .flat_map(|x| x.values.iter())
        .filter(|v| v.is_finite())
        .fold(0.0f32, |m, &v| m.max(v));
    binned(ChartData {
        time_s: s.time_s.iter().collect(),
        series: out,
        panels: vec!["angle (degrees)"],
        marks: vec![],
        y_range: Some((0.0, if top > 90.0 { 180.0 } else { 90.0 })),
        log_y: false,
    })
}

/// The network at a glance: voltages and errors of every layer, and the interneurons.
#[derive(Serialize)]
struct Glance {
    hidden_u: Vec<f32>,
    hidden_error: Vec<f32>,
    output_u: Vec<f32>,
    output_target: Vec<f32>,
    interneuron_u: Vec<f32>,
    microcircuit: bool,
}

impl Playground {
    fn chart_data(&self, view: &str) -> Option<ChartData> {
        let p = &self.session.probes;
        let f = &p.fine;
        let fine_time = || -> Vec<f32> {
            f.time_s
                .iter()
                .skip(f.time_s.len.saturating_sub(FINE_WINDOW))
                .collect()
        };
        let w = FINE_WINDOW;
        Some(match view {
            "errors" => errors_chart(f),
            "energy" => {
                // While the regimes run (and a while after), the chart zooms in on them.
                let now = self.session.net.time / 1000.0;
                let from = self
                    .session
                    .regime_marks
                    .iter()
                    .rev()
                    .find(|m| m.1 == 0)
                    .filter(|m| self.session.regimes.is_some() || now - m.0 < 1.5)
                    .map_or(f32::NEG_INFINITY, |m| (m.0 - 0.05) as f32);
                let names = ["1: β = 0", "2: nudged", "3: plastic"];
                let marks = self
                    .session
                    .regime_marks
                    .iter()
                    .map(|&(t, k)| (t as f32, names[k as usize % 3].to_string()))
                    .collect();
                energy_chart(p, from, marks)
            }
            "neuron" => ChartData {
                time_s: fine_time(),
                series: vec![
                    tail("somatic voltage u", BLUE, &f.neuron_u, w),
                    Series {
                        faint: true,
                        ..tail("basal input W r + b", GREEN, &f.neuron_basal, w)
                    },
                    Series {
                        panel: 1,
                        ..tail("apical (dendritic) potential", ORANGE, &f.neuron_apical, w)
                    },
                ],
                panels: vec!["soma, basal", "apical"],
                marks: vec![],
                y_range: None,
                log_y: false,
            },
            "interneurons" => {
                let mut s = vec![];
                for k in 0..PROBED_INTERNEURONS.min(f.interneuron_u.len()) {
                    let c = PALETTE[k % PALETTE.len()];
                    s.push(tail(
                        format!("interneuron {} voltage", k + 1),
                        c,
                        &f.interneuron_u[k],
                        w,
                    ));
                    s.push(Series {
                        faint: true,
                        ..tail(
                            format!("interneuron {} top-down target", k + 1),
                            c,
                            &f.interneuron_target[k],
                            w,
                        )
                    });
                }
                ChartData {
                    time_s: fine_time(),
                    series: s,
                    panels: vec!["voltage"],
                    marks: vec![],
                    y_range: None,
                    log_y: false,
                }
            }
            "delay" => {
                let d = &self.delay;
                binned(ChartData {
                    time_s: d.time_s.iter().collect(),
                    series: vec![
                        Series {
                            faint: true,
                            ..series("instantaneous F(input)", RGBColor(120, 120, 120), &d.ideal)
                        },
                        series("prospective chain", BLUE, &d.out_prospective),
                        series("no lookahead", ORANGE, &d.out_plain),
                    ],
                    panels: vec!["output voltage"],
                    marks: vec![],
                    y_range: None,
                    log_y: false,
                })
            }
            _ => return None,
        })
    }
}

#[wasm_bindgen]
impl Playground {
    /// Draw one live view ("errors", "energy", "neuron", "interneurons", "delay") into a canvas.
    pub fn draw_view(
        &self,
        view: &str,
        canvas_id: &str,
        dark: bool,
        scale: f64,
    ) -> Result<(), JsValue> {
        let d = self
            .chart_data(view)
            .ok_or_else(|| js_err(format!("no view {view:?}")))?;
        draw_chart(canvas_id, dark, scale, &d)
    }

    /// The series a view draws: `{time_s, series: [{name, values}], y_desc, marks}`.
    pub fn view_series(&self, view: &str) -> Result<JsValue, JsValue> {
        let d = self
            .chart_data(view)
            .ok_or_else(|| js_err(format!("no view {view:?}")))?;
        serde_wasm_bindgen::to_value(&d).map_err(js_err)
    }

    /// Advance the delay demo by `steps` of 1 ms.
    pub fn delay_advance(&mut self, steps: u32) {
        self.delay.advance(steps.min(10_000) as usize);
    }

    /// Measured lags (ms) of the prospective and the no-lookahead chain; empty until measurable.
    pub fn delay_lags(&self) -> Vec<f32> {
        self.delay.lags_ms().map_or(vec![], |(a, b)| vec![a, b])
    }

    /// Receptive fields of the first `count` hidden neurons: what learning has written into each
    /// neuron's 784 input weights (W_1 minus its random start, see
    /// `Session::initial_input_weights`), scaled so its largest magnitude is 1 (rows of ΔW_1 as
    /// 28×28 images).
    pub fn receptive_fields(&self, count: u32) -> Vec<f32> {
        let layer = &self.session.net.layers[0];
        if layer.n_in != crate::mnist::PIXELS || self.session.net.layers.len() < 2 {
            return vec![];
        }
        let origin = &self.session.initial_input_weights;
        let start_of = |i: usize, j: usize| {
            if origin.len() == layer.w.len() {
                origin[j * layer.n + i]
            } else {
                0.0
            }
        };
        let count = (count as usize).min(layer.n);
        let mut out = Vec::with_capacity(count * layer.n_in);
        for i in 0..count {
            let start = out.len();
            out.extend((0..layer.n_in).map(|j| layer.weight(i, j) - start_of(i, j)));
            let peak =
                out[start..].iter().fold(
                    0.0f32,
                    |m, v| if v.is_finite() { m.max(v.abs()) } else { m },
                );
            let k = if peak > 0.0 { 1.0 / peak } else { 0.0 };
            out[start..]
                .iter_mut()
                .for_each(|v| *v = if v.is_finite() { *v * k } else { 0.0 });
        }
        out
    }

    /// Voltages and errors of every layer, for the network-at-a-glance picture.
    pub fn glance(&self) -> Result<JsValue, JsValue> {
        let net = &self.session.net;
        let n = net.layers.len();
        let hidden = &net.layers[0];
        let out = &net.layers[n - 1];
        let g = Glance {
            hidden_u: if n > 1 { hidden.u.clone() } else { vec![] },
            hidden_error: if n > 1 { hidden.e.clone() } else { vec![] },
            output_u: out.u.clone(),
            output_target: self.session.target().to_vec(),
            interneuron_u: net.circuits.first().map_or(vec![], |c| c.u_i.clone()),
            microcircuit: net.config.feedback == Feedback::Microcircuit,
        };
        serde_wasm_bindgen::to_value(&g).map_err(js_err)
    }

    /// The user-settable parameters: `[{name, label, unit, min, max, step, switch, rebuilds}]`.
    pub fn param_specs(&self) -> Result<JsValue, JsValue> {
        serde_wasm_bindgen::to_value(params::SPECS).map_err(js_err)
    }

    /// A parameter's value now (NaN for an unknown name).
    pub fn param(&self, name: &str) -> f64 {
        match name {
            "seed" => self.seed as f64,
            _ => params::get(&self.session, name).unwrap_or(f64::NAN),
        }
    }

    /// Set a parameter, keeping what was learned. Out-of-range values are clamped: returns
    /// `{value, note}` with the value in force and a note saying what changed; refuses
    /// non-numbers and unknown names with a message.
    pub fn set_param(&mut self, name: &str, value: f64) -> Result<JsValue, JsValue> {
        let mut rng = crate::rng::Rng::new(self.seed ^ 0x9A4A);
        let applied = params::set(&mut self.session, name, value, &mut rng).map_err(js_err)?;
        serde_wasm_bindgen::to_value(&applied).map_err(js_err)
    }

    /// Start a new network with `hidden` hidden neurons and this seed (the data stay); the
    /// other parameters keep their current values. Returns notes on clamped values.
    pub fn rebuild(&mut self, hidden: f64, seed: f64) -> Result<Vec<String>, JsValue> {
        let mut notes = vec![];
        let h = params::clamp(params::spec("hidden").unwrap(), hidden).map_err(js_err)?;
        let s = params::clamp(params::spec("seed").unwrap(), seed).map_err(js_err)?;
        notes.extend(h.note);
        notes.extend(s.note);
        self.net_config.layers = vec![crate::mnist::PIXELS, h.value as usize, 10];
        self.seed = s.value as u64;
        self.reset()?;
        Ok(notes)
    }

    /// Sample the probes every `stride` steps (1 in slow motion).
    pub fn set_probe_stride(&mut self, stride: u32) {
        self.session.set_probe_stride(stride as usize);
    }

    /// Follow hidden neuron `k` in the neuron view.
    pub fn set_probe_neuron(&mut self, k: u32) -> u32 {
        let n = self.session.net.layers[0].n;
        self.session.probe_neuron = (k as usize).min(n.saturating_sub(1));
        self.session.probe_neuron as u32
    }

    /// Run the three energy regimes on the digit now presented.
    pub fn start_regimes(&mut self) -> Result<(), JsValue> {
        self.session.start_regimes().map_err(js_err)
    }

    /// The regime now running (0, 1, 2), or −1.
    pub fn regime(&self) -> i32 {
        self.session.regimes.as_ref().map_or(-1, |r| r.phase as i32)
    }
}
