//! The wasm facade of the iEEG task (`IeegPlayground`): owns an [`IeegTask`] and the recording
//! it runs on, converts at the boundary, draws its two charts. The page glue is www/ieeg.js.
//!
//! A user's file or a new hidden-channel choice builds a *new* task first; only when that
//! succeeds does it replace the running one, so a refused file leaves everything as it was.

use crate::ieeg::{IeegConfig, IeegTask};
use crate::signal_files::{self, ChannelKind, Recording};
use crate::web::{chart_canvas, js_err};
use crate::web_views::{self, ChartData};
use plotters::prelude::*;
use serde::Serialize;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
pub struct IeegPlayground {
    task: IeegTask,
    rec: Recording,
    /// Where the recording came from (shown on the page).
    source: String,
    /// The configuration without the hidden selection (kept across recordings).
    base: IeegConfig,
}

#[derive(Serialize)]
struct IeegStats<'a> {
    source: &'a str,
    channels: Vec<ChannelInfo<'a>>,
    hidden: Vec<String>,
    rate_hz: f64,
    samples: usize,
    train_samples: usize,
    test_samples: usize,
    /// Simulated training time (s) and steps.
    train_s: f64,
    steps: u64,
    /// Where in the training window the stream is (s of recording).
    position_s: f64,
    /// Latest test-window R² per hidden channel, its time, and the baseline's.
    r2: &'a [f64],
    r2_at_s: Option<f64>,
    least_squares_r2: &'a [f64],
    history_len: usize,
    dt_ms: f32,
}

#[derive(Serialize)]
struct ChannelInfo<'a> {
    name: &'a str,
    kind: ChannelKind,
    hidden: bool,
}

/// Okabe–Ito colours (colour-blind safe), one per hidden channel.
const COLOURS: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(230, 159, 0),
    RGBColor(120, 120, 120),
    RGBColor(240, 228, 66),
];

/// The hidden channels to start a user's recording with: the configured ones if it has them all,
/// else its first two ECoG channels, else its last channel.
fn default_hidden(rec: &Recording, wanted: &[String]) -> Vec<String> {
    if wanted.iter().all(|n| rec.index_of(n).is_some()) {
        return wanted.to_vec();
    }
    let ecog: Vec<String> = (0..rec.channels())
        .filter(|&c| rec.kinds[c] == ChannelKind::Ecog)
        .map(|c| rec.names[c].clone())
        .collect();
    if ecog.len() >= 3 {
        return ecog[..2].to_vec();
    }
    vec![rec.names.last().unwrap().clone()]
}

#[wasm_bindgen]
impl IeegPlayground {
    /// The bundled recording: channel names and BIDS types from recording.json, its rate, and
    /// the bytes of recording.f32. `config` is any subset of `IeegConfig` (unknown fields refused).
    #[wasm_bindgen(constructor)]
    pub fn new(
        names: Vec<String>,
        types: Vec<String>,
        rate_hz: f64,
        bytes: &[u8],
        config: JsValue,
    ) -> Result<IeegPlayground, JsValue> {
        let base: IeegConfig = if config.is_undefined() || config.is_null() {
            IeegConfig::default()
        } else {
            serde_wasm_bindgen::from_value(config).map_err(js_err)?
        };
        if types.len() != names.len() {
            return Err(js_err(
                "recording.json: one type per channel name is needed",
            ));
        }
        let kinds = types.iter().map(|t| ChannelKind::guess(t)).collect();
        let rec = Recording::from_f32_multiplexed(names, kinds, rate_hz, bytes).map_err(js_err)?;
        let task = IeegTask::new(&rec, base.clone()).map_err(js_err)?;
        Ok(IeegPlayground {
            task,
            rec,
            source: "bundled recording (py-neuromodulation; Merk et al. 2022)".into(),
            base,
        })
    }

    /// A user's file (CSV with a header row, or EDF). On any problem the message names it and
    /// the running task is untouched. Returns the hidden channels chosen.
    pub fn load_file(&mut self, file_name: &str, bytes: &[u8]) -> Result<Vec<String>, JsValue> {
        let rec = signal_files::parse_named(file_name, bytes).map_err(js_err)?;
        let hidden = default_hidden(&rec, &self.base.hidden);
        let config = IeegConfig {
            hidden: hidden.clone(),
            ..self.base.clone()
        };
        let task = IeegTask::new(&rec, config).map_err(|e| js_err(format!("{file_name}: {e}")))?;
        self.task = task;
        self.rec = rec;
        self.source = file_name.to_string();
        Ok(hidden)
    }

    /// Hide other channels (fresh network, same recording). Refused with a message, and
    /// nothing changed, if the choice is not allowed (e.g. a single ECoG channel).
    pub fn set_hidden(&mut self, hidden: Vec<String>) -> Result<(), JsValue> {
        let config = IeegConfig {
            hidden,
            ..self.base.clone()
        };
        self.task = IeegTask::new(&self.rec, config).map_err(js_err)?;
        Ok(())
    }

    /// Start again with fresh weights (same recording, same hidden channels).
    pub fn reset(&mut self) -> Result<(), JsValue> {
        self.task = IeegTask::new(&self.rec, self.task.config.clone()).map_err(js_err)?;
        Ok(())
    }

    /// `n` training steps (one sample each). On divergence the weights of the last scoring
    /// come back and the error says so.
    pub fn train_steps(&mut self, n: u32) -> Result<(), JsValue> {
        self.task.train_steps(n as usize).map_err(|d| {
            js_err(format!(
                "the network diverged (non-finite voltage in layer {}); the weights of the last scoring were restored",
                d.layer
            ))
        })
    }

    /// Samples per second of recording (one step each).
    pub fn rate_hz(&self) -> f64 {
        self.task.rate_hz
    }

    pub fn stats(&self) -> Result<JsValue, JsValue> {
        let t = &self.task;
        let stats = IeegStats {
            source: &self.source,
            channels: (0..t.names.len())
                .map(|c| ChannelInfo {
                    name: &t.names[c],
                    kind: t.kinds[c],
                    hidden: t.hidden.contains(&c),
                })
                .collect(),
            hidden: t.hidden_names(),
            rate_hz: t.rate_hz,
            samples: t.samples,
            train_samples: t.n_train,
            test_samples: t.samples - t.n_train,
            train_s: t.train_seconds(),
            steps: t.steps,
            position_s: t.position as f64 / t.rate_hz,
            r2: t.latest_r2(),
            r2_at_s: t.history.last().map(|p| p.train_s),
            least_squares_r2: &t.baseline.r2,
            history_len: t.history.len(),
            dt_ms: t.config.dt,
        };
        serde_wasm_bindgen::to_value(&stats).map_err(js_err)
    }

    /// Every scoring of the test window: `[{train_s, r2: [...]}]`.
    pub fn history(&self) -> Result<JsValue, JsValue> {
        serde_wasm_bindgen::to_value(&self.task.history).map_err(js_err)
    }

    /// Recorded vs reproduced, one panel per hidden channel, over `window_s` seconds of the
    /// held-out test window starting `offset_s` into it (wrapping), in z-scored units.
    pub fn draw_traces(
        &self,
        canvas_id: &str,
        dark: bool,
        scale: f64,
        offset_s: f64,
        window_s: f64,
    ) -> Result<(), JsValue> {
        let (root, scale, (_, fg, grid)) = chart_canvas(canvas_id, dark, scale)?;
        let px = |v: f64| (v * scale).round() as u32;
        let t = &self.task;
        let rate = t.rate_hz;
        let n_test = t.samples - t.n_train;
        let len = ((window_s.clamp(0.1, 10.0) * rate) as usize).clamp(2, n_test);
        let offset = if offset_s.is_finite() {
            ((offset_s.max(0.0) * rate) as usize) % n_test
        } else {
            0
        };
        let start = offset.min(n_test - len);
        let panels = root.split_evenly((t.hidden.len(), 1));
        let font = ("sans-serif", 12.0 * scale).into_font().color(&fg);
        // The recording as a broad light band, the reproduction as a thin line on top of it.
        let recorded = if dark {
            RGBColor(110, 110, 110)
        } else {
            RGBColor(175, 175, 175)
        };
        for (h, panel) in panels.iter().enumerate() {
            let c = t.hidden[h];
            let z = &t.z_channel(c)[t.n_train..];
            let out = t.test_output.get(h);
            let x0 = (t.n_train + start) as f64 / rate;
            let x1 = (t.n_train + start + len) as f64 / rate;
            let seg = &z[start..start + len];
            let lim = seg
                .iter()
                .chain(out.map_or(&[][..], |o| &o[start..start + len]))
                .filter(|v| v.is_finite())
                .fold(1.0f32, |m, v| m.max(v.abs()))
                .min(8.0) as f64
                * 1.1;
            let last = h + 1 == t.hidden.len();
            let mut chart = ChartBuilder::on(panel)
                .margin(px(6.0))
                .x_label_area_size(px(if last { 34.0 } else { 16.0 }))
                .y_label_area_size(px(44.0))
                .caption(
                    format!(
                        "{} — R² {}",
                        t.names[c],
                        t.latest_r2()
                            .get(h)
                            .filter(|r| r.is_finite())
                            .map_or("–".into(), |r| format!("{r:.2}"))
                    ),
                    font.clone(),
                )
                .build_cartesian_2d(x0..x1, -lim..lim)
                .map_err(js_err)?;
            let mut mesh = chart.configure_mesh();
            mesh.light_line_style(grid.mix(0.25))
                .bold_line_style(grid)
                .axis_style(fg)
                .label_style(font.clone())
                .axis_desc_style(font.clone())
                .x_labels(6)
                .y_labels(5)
                .x_label_formatter(&|v| format!("{v:.1}"))
                .y_label_formatter(&|v| format!("{v:.0}"))
                .y_desc("z-scored");
            if last {
                mesh.x_desc("seconds of recording (held-out test window)");
            }
            mesh.draw().map_err(js_err)?;
            let pts = |v: &[f32]| -> Vec<(f64, f64)> {
                v.iter()
                    .enumerate()
                    .filter(|(_, y)| y.is_finite())
                    .map(|(k, &y)| (x0 + k as f64 / rate, (y as f64).clamp(-lim, lim)))
                    .collect()
            };
            chart
                .draw_series(LineSeries::new(pts(seg), recorded.stroke_width(px(3.0))))
                .map_err(js_err)?;
            if let Some(o) = out {
                chart
                    .draw_series(LineSeries::new(
                        pts(&o[start..start + len]),
                        COLOURS[h % COLOURS.len()].stroke_width(px(1.2)),
                    ))
                    .map_err(js_err)?;
            }
        }
        root.present().map_err(js_err)?;
        Ok(())
    }

    /// Test-window R² per hidden channel over simulated training time, with the least-squares
    /// baseline of each as a dashed line in the same colour.
    pub fn draw_r2_chart(&self, canvas_id: &str, dark: bool, scale: f64) -> Result<(), JsValue> {
        let (root, scale, (_, fg, grid)) = chart_canvas(canvas_id, dark, scale)?;
        let px = |v: f64| (v * scale).round() as u32;
        let t = &self.task;
        let x_max = t.history.last().map_or(1.0, |p| p.train_s).max(5.0) * 1.05;
        let font = ("sans-serif", 13.0 * scale).into_font().color(&fg);
        let mut chart = ChartBuilder::on(&root)
            .margin(px(12.0))
            .x_label_area_size(px(40.0))
            .y_label_area_size(px(52.0))
            .build_cartesian_2d(0.0..x_max, 0.0..1.0)
            .map_err(js_err)?;
        chart
            .configure_mesh()
            .light_line_style(grid.mix(0.25))
            .bold_line_style(grid)
            .axis_style(fg)
            .label_style(font.clone())
            .axis_desc_style(font.clone())
            .x_labels(6)
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_label_formatter(&|v| format!("{v:.1}"))
            .x_desc("simulated training time (s)")
            .y_desc("test-window R²")
            .draw()
            .map_err(js_err)?;
        for (h, &ls) in t.baseline.r2.iter().enumerate() {
            let colour = COLOURS[h % COLOURS.len()];
            if ls.is_finite() && ls > 0.0 {
                // Dashed: short segments along the baseline.
                let n = 40;
                let segs = (0..n).step_by(2).map(|k| {
                    let a = x_max * k as f64 / n as f64;
                    let b = x_max * (k + 1) as f64 / n as f64;
                    PathElement::new(vec![(a, ls), (b, ls)], colour.stroke_width(px(1.5)))
                });
                chart.draw_series(segs).map_err(js_err)?;
            }
            let pts: Vec<(f64, f64)> = t
                .history
                .iter()
                .filter_map(|p| p.r2.get(h).map(|&r| (p.train_s, r)))
                .filter(|(_, r)| r.is_finite())
                .map(|(s, r)| (s, r.clamp(0.0, 1.0)))
                .collect();
            chart
                .draw_series(LineSeries::new(pts, colour.stroke_width(px(2.0))))
                .map_err(js_err)?;
        }
        root.present().map_err(js_err)?;
        Ok(())
    }
}

/// The live views of the iEEG network, drawn by the same code as the MNIST ones (`web_views`):
/// "errors" (output and apical error, every step of the last 300 ms), "energy" (E, Eq. 3, over
/// the last 20 s of training) and "alignment" (the backprop meter over all of training).
impl IeegPlayground {
    fn chart_data(&self, view: &str) -> Option<ChartData> {
        let p = &self.task.probes;
        Some(match view {
            "errors" => web_views::errors_chart(&p.fine),
            "energy" => web_views::energy_chart(p, f32::NEG_INFINITY, vec![]),
            "alignment" => web_views::alignment_chart(p, self.task.net.config.feedback),
            _ => return None,
        })
    }
}

#[wasm_bindgen]
impl IeegPlayground {
    /// Draw one live view ("errors", "energy", "alignment") into a canvas.
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
        web_views::draw_chart(canvas_id, dark, scale, &d)
    }

    /// The series a view draws, exactly: `{time_s, series: [{name, colour, faint, panel,
    /// values}], panels, marks}`.
    pub fn view_series(&self, view: &str) -> Result<JsValue, JsValue> {
        let d = self
            .chart_data(view)
            .ok_or_else(|| js_err(format!("no view {view:?}")))?;
        serde_wasm_bindgen::to_value(&d).map_err(js_err)
    }
}
