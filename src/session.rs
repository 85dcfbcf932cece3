//! The MNIST task: a continuous stream of training digits through a learning network, with
//! evaluation on the official test set interleaved without stopping learning.
//!
//! Each training digit is shown for `steps_per_sample` Euler steps with its one-hot voltage
//! target and nudging β; input and target are switched together (the paper's convention, see
//! `network`). Evaluation runs on a *snapshot* of the weights taken when an evaluation sweep
//! starts, with β = 0 and no plasticity, in pieces the caller schedules; learning goes on
//! meanwhile, and each finished sweep adds a point to the accuracy history.

use crate::mnist::{to_rates, Dataset, PIXELS};
use crate::network::{
    ConfigError, Diverged, Feedback, InferBuffers, NetConfig, Network, StepInput,
};
pub use crate::probes::{FineProbes, Probes, SlowProbes, FINE_LEN, PROBED_INTERNEURONS, TRACE_LEN};
use crate::rng::Rng;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TaskConfig {
    /// Euler steps per training digit (presentation time = steps · dt).
    pub steps_per_sample: usize,
    /// Start a new test sweep every this many training digits.
    pub eval_every: usize,
    /// Official test digits per sweep (the first `eval_size` of the 10,000).
    pub eval_size: usize,
    /// Learning-rate schedule: all rates are scaled by max(0.1, 1 / (1 + digits / this)), so
    /// they halve after this many training digits and end at a tenth (the paper's reduction).
    /// 0 = constant rates. Default 20,000, measured on the official test set (BENCHMARKS.md):
    /// 95.7 % after 30,000 digits, 97.46 % after 400,000 and 97.76 % after 900,000 (with
    /// 50,000: 95.3 %, —, 97.40 % after 600,000).
    pub eta_halving_digits: usize,
    /// Whether the weights learn while digits are shown (off: the network only runs, e.g. to
    /// watch a loaded or shared network answer without changing it).
    pub plastic: bool,
}

impl Default for TaskConfig {
    fn default() -> Self {
        TaskConfig {
            steps_per_sample: 10,
            eval_every: 1000,
            eval_size: 10_000,
            eta_halving_digits: 20_000,
            plastic: true,
        }
    }
}

impl TaskConfig {
    /// The schedule's factor on all learning rates after `digits` training digits.
    pub fn eta_decay(&self, digits: u64) -> f32 {
        if self.eta_halving_digits == 0 {
            return 1.0;
        }
        (1.0 / (1.0 + digits as f32 / self.eta_halving_digits as f32)).max(0.1)
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        if !(1..=10_000).contains(&self.steps_per_sample) {
            return Err(ConfigError {
                field: "steps_per_sample",
                message: format!("must be 1..=10000, got {}", self.steps_per_sample),
            });
        }
        if self.eval_every == 0 {
            return Err(ConfigError {
                field: "eval_every",
                message: "must be at least 1".into(),
            });
        }
        if self.eval_size == 0 {
            return Err(ConfigError {
                field: "eval_size",
                message: "must be at least 1".into(),
            });
        }
        Ok(())
    }
}

/// The poster's three energy regimes, run on one digit held fixed: (1) no nudging, no
/// plasticity — the network settles and E falls to ~0; (2) nudging on, plasticity off — E rises
/// and stays up; (3) plasticity on — E falls again as the weights learn to produce the target.
#[derive(Clone, Debug)]
pub struct Regimes {
    /// 0, 1, 2 for the three phases.
    pub phase: u8,
    pub steps_left: usize,
    x: Vec<f32>,
    y: Vec<f32>,
}

/// Simulated duration of each regime.
pub const REGIME_MS: [f32; 3] = [150.0, 150.0, 300.0];

/// Simulated time the interneurons get to align before forward learning resumes.
pub const LATERAL_WARMUP_MS: f32 = 10_000.0;

/// Forward learning rate (per ms) the microcircuit can keep up with on MNIST: measured, a
/// network switched from weight transport keeps its accuracy at 0.01 and loses it at ≥ 0.02.
pub const MICROCIRCUIT_MAX_ETA: f32 = 0.01;

/// Everything that determines how learning continues — the network, the stream's position and
/// random state, the taught digits — but not the data, the plots or the accuracy history.
/// Restoring it and repeating the same actions repeats the same run exactly.
#[derive(Clone)]
pub struct Checkpoint {
    pub(crate) net: Network,
    pub(crate) rng: Rng,
    pub(crate) order: Vec<u32>,
    pub(crate) order_pos: usize,
    pub(crate) current: Option<usize>,
    pub(crate) step_in_sample: usize,
    pub(crate) x: Vec<f32>,
    pub(crate) y: Vec<f32>,
    pub(crate) samples_seen: u64,
    pub(crate) stream_seen: u64,
    pub(crate) steps: u64,
    pub(crate) lateral_warmup: usize,
    pub(crate) teaching: Teaching,
    pub(crate) eta_before_microcircuit: Option<f32>,
}

/// The user's taught digits, the queue of their pending presentations, and which (if any) is
/// on screen.
#[derive(Clone, Default)]
pub(crate) struct Teaching {
    pub(crate) taught: Vec<Taught>,
    /// Digits ever taught (the source of stable ids).
    pub(crate) taught_total: u64,
    pub(crate) teach_queue: std::collections::VecDeque<usize>,
    /// Presentations each gallery digit has had.
    pub(crate) taught_presented: Vec<usize>,
    pub(crate) current_taught: Option<usize>,
    pub(crate) last_was_taught: bool,
}

/// A digit the user drew and labelled.
#[derive(Clone, Debug)]
pub(crate) struct Taught {
    /// Serial number among all digits ever taught (stable while the gallery shifts).
    pub(crate) id: u64,
    pub(crate) x: Vec<f32>,
    pub(crate) label: u8,
}

/// Output-voltage margin over the runner-up at which a taught digit counts as learned.
pub const TEACH_MARGIN: f32 = 0.5;

/// How many taught digits the gallery keeps.
pub const MAX_TAUGHT: usize = 12;

/// One finished test sweep.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccuracyPoint {
    /// Training digits seen when the snapshot was taken.
    pub samples: u64,
    /// Simulated time (s) at the snapshot.
    pub time_s: f64,
    /// Fraction of test digits answered correctly.
    pub accuracy: f64,
    /// Number of official test digits it was measured on.
    pub n: usize,
}

struct Sweep {
    net: Network,
    samples: u64,
    time_s: f64,
    next: usize,
    correct: usize,
    size: usize,
}

pub struct Session {
    pub net: Network,
    pub task: TaskConfig,
    rng: Rng,
    pub train: Dataset,
    pub test: Dataset,
    order: Vec<u32>,
    order_pos: usize,
    /// Index of the training digit on screen, and how many steps it has been shown.
    pub current: Option<usize>,
    step_in_sample: usize,
    x: Vec<f32>,
    y: Vec<f32>,
    pub samples_seen: u64,
    /// Presentations of stream (MNIST) digits only, taught digits not counted.
    pub stream_seen: u64,
    pub steps: u64,
    /// Last 100 training digits: was the network's free answer right *before* it learned from
    /// the digit (prequential accuracy)?
    recent: std::collections::VecDeque<bool>,
    sweep: Option<Sweep>,
    last_sweep_samples: Option<u64>,
    pub history: Vec<AccuracyPoint>,
    /// The weights at the start of the latest sweep: a finite state to fall back on.
    last_good: Option<Network>,
    buf: InferBuffers,
    pub probes: Probes,
    /// Steps left in which only the interneurons learn (after switching the microcircuit on).
    pub lateral_warmup: usize,
    teaching: Teaching,
    eta_before_microcircuit: Option<f32>,
    /// The hidden neuron the probes follow.
    pub probe_neuron: usize,
    /// The three-regime energy demonstration, while it runs.
    pub regimes: Option<Regimes>,
    /// Simulated time (s) at which each regime began, with its number (the last few).
    pub regime_marks: Vec<(f64, u8)>,
    /// Test sweeps run elsewhere (the page's evaluation worker): `eval_pending` stays false and
    /// the caller takes snapshots with `begin_external_sweep`.
    pub external_eval: bool,
    /// The snapshot out for evaluation: (training digits, simulated s) when it was taken.
    external_sweep: Option<(u64, f64)>,
    /// The first layer's weights W_1 as the seed drew them (input-major like `PyramidalLayer::w`):
    /// the receptive-field view shows W_1 minus these — what learning has written. The random
    /// start hides it: at 784-300-10 the learned change is under half of W_1's norm even after
    /// 120,000 digits, and the silent border pixels keep their noise for ever.
    pub initial_input_weights: Vec<f32>,
}

impl Session {
    pub fn new(net_config: NetConfig, task: TaskConfig, seed: u64) -> Result<Self, ConfigError> {
        task.validate()?;
        if net_config.layers.first() != Some(&PIXELS) || net_config.layers.last() != Some(&10) {
            return Err(ConfigError {
                field: "layers",
                message: "MNIST needs 784 inputs and 10 outputs".into(),
            });
        }
        let mut rng = Rng::new(seed);
        let net_config_hidden = net_config.layers.len().saturating_sub(2);
        let net = Network::new(net_config, &mut rng)?;
        let initial_input_weights = net.layers[0].w.clone();
        Ok(Session {
            initial_input_weights,
            net,
            task,
            rng,
            train: Dataset::default(),
            test: Dataset::default(),
            order: vec![],
            order_pos: 0,
            current: None,
            step_in_sample: 0,
            x: vec![0.0; PIXELS],
            y: vec![0.0; 10],
            samples_seen: 0,
            stream_seen: 0,
            steps: 0,
            recent: Default::default(),
            sweep: None,
            last_sweep_samples: None,
            history: vec![],
            last_good: None,
            buf: InferBuffers::default(),
            probes: Probes::new(net_config_hidden),
            lateral_warmup: 0,
            teaching: Teaching::default(),
            eta_before_microcircuit: None,
            probe_neuron: 0,
            regimes: None,
            regime_marks: vec![],
            external_eval: false,
            external_sweep: None,
        })
    }

    /// The input currently presented (rates in [0, 1]).
    pub fn input(&self) -> &[f32] {
        &self.x
    }

    /// The output target now presented (one-hot of the label).
    pub fn target(&self) -> &[f32] {
        &self.y
    }

    pub fn current_label(&self) -> Option<u8> {
        match (self.current, self.teaching.current_taught) {
            (Some(i), _) => Some(self.train.labels[i]),
            (None, Some(k)) => Some(self.teaching.taught[k].label),
            _ => None,
        }
    }

    /// Teach the network a digit of the user's: it is shown `presentations` times with its label,
    /// interleaved with the MNIST stream (so what was learned stays). Returns its gallery index;
    /// the gallery keeps the last `MAX_TAUGHT` digits.
    pub fn teach(&mut self, x: &[f32], label: u8, presentations: usize) -> Result<usize, String> {
        if x.len() != PIXELS || !x.iter().all(|v| v.is_finite() && (0.0..=1.0).contains(v)) {
            return Err(format!(
                "a taught digit needs {PIXELS} finite pixels in [0, 1]"
            ));
        }
        if label > 9 {
            return Err(format!("label {label} is not a digit"));
        }
        // The same drawing again (a second key press, a child trying every digit): the newest
        // label replaces the old one and teaching starts over, instead of the gallery filling
        // with contradictory copies of one drawing.
        if let Some(k) = self.teaching.taught.iter().rposition(|t| t.x == x) {
            self.teaching.taught_total += 1;
            let t = &mut self.teaching.taught[k];
            t.label = label;
            t.id = self.teaching.taught_total;
            self.teaching.taught_presented[k] = 0;
            if self.teaching.current_taught == Some(k) {
                // Shown right now: the nudge follows the new label from this step on.
                self.y.fill(0.0);
                self.y[label as usize] = 1.0;
            }
            self.teaching.teach_queue.retain(|&q| q != k);
            self.teaching
                .teach_queue
                .extend(std::iter::repeat_n(k, presentations.clamp(1, 100)));
            return Ok(k);
        }
        if self.teaching.taught.len() == MAX_TAUGHT {
            // Forget the oldest; queued presentations of it go too, the rest shift down.
            self.teaching.taught.remove(0);
            self.teaching.taught_presented.remove(0);
            self.teaching.teach_queue = self
                .teaching
                .teach_queue
                .iter()
                .filter(|&&k| k > 0)
                .map(|k| k - 1)
                .collect();
            self.teaching.current_taught =
                self.teaching.current_taught.and_then(|k| k.checked_sub(1));
        }
        self.teaching.taught_total += 1;
        self.teaching.taught.push(Taught {
            id: self.teaching.taught_total,
            x: x.to_vec(),
            label,
        });
        self.teaching.taught_presented.push(0);
        let k = self.teaching.taught.len() - 1;
        self.teaching
            .teach_queue
            .extend(std::iter::repeat_n(k, presentations.clamp(1, 100)));
        Ok(k)
    }

    pub fn checkpoint(&self) -> Checkpoint {
        Checkpoint {
            net: self.net.clone(),
            rng: self.rng.clone(),
            order: self.order.clone(),
            order_pos: self.order_pos,
            current: self.current,
            step_in_sample: self.step_in_sample,
            x: self.x.clone(),
            y: self.y.clone(),
            samples_seen: self.samples_seen,
            stream_seen: self.stream_seen,
            steps: self.steps,
            lateral_warmup: self.lateral_warmup,
            teaching: self.teaching.clone(),
            eta_before_microcircuit: self.eta_before_microcircuit,
        }
    }

    pub fn restore(&mut self, c: &Checkpoint) {
        let c = c.clone();
        self.net = c.net;
        self.rng = c.rng;
        self.order = c.order;
        self.order_pos = c.order_pos;
        self.current = c.current;
        self.step_in_sample = c.step_in_sample;
        self.x = c.x;
        self.y = c.y;
        self.samples_seen = c.samples_seen;
        self.stream_seen = c.stream_seen;
        self.steps = c.steps;
        self.lateral_warmup = c.lateral_warmup;
        self.teaching = c.teaching;
        self.eta_before_microcircuit = c.eta_before_microcircuit;
        // What belongs to the abandoned timeline goes: its sweep, its fallback weights, the
        // accuracy points and traces recorded after the checkpoint.
        self.sweep = None;
        self.external_sweep = None;
        self.last_good = Some(self.net.clone());
        self.history.retain(|p| p.samples <= self.samples_seen);
        self.last_sweep_samples = self.history.last().map(|p| p.samples);
        let stride = self.probes.stride;
        self.probes = Probes::new(self.net.layers.len() - 1);
        self.probes.stride = stride;
        self.regimes = None;
        self.regime_marks.clear();
    }

    /// The forward rate the user chose (before any cap the microcircuit switch put on it).
    pub fn eta_setting(&self) -> f32 {
        self.eta_before_microcircuit.unwrap_or(self.net.config.eta)
    }

    /// Forget the forward rate the microcircuit switch capped (the user set one explicitly).
    pub fn forget_eta_cap(&mut self) {
        self.eta_before_microcircuit = None;
    }

    /// Sample the probes every `stride` steps (1 in slow motion, so every step is seen).
    pub fn set_probe_stride(&mut self, stride: usize) {
        self.probes.stride = stride.clamp(1, 1000);
    }

    /// Start the three energy regimes on the digit now presented (see [`Regimes`]).
    pub fn start_regimes(&mut self) -> Result<(), String> {
        if self.train.is_empty() && self.current_label().is_none() {
            return Err("no digit to hold: the training digits are not loaded yet".into());
        }
        if self.current_label().is_none() {
            // Nothing on screen yet: take the next stream digit.
            let i = self.next_sample();
            to_rates(self.train.image(i), &mut self.x);
            self.y.fill(0.0);
            self.y[self.train.labels[i] as usize] = 1.0;
            self.current = Some(i);
        }
        self.regimes = Some(Regimes {
            phase: 0,
            steps_left: (REGIME_MS[0] / self.net.config.dt).round().max(1.0) as usize,
            x: self.x.clone(),
            y: self.y.clone(),
        });
        self.mark_regime(0);
        Ok(())
    }

    fn mark_regime(&mut self, phase: u8) {
        self.regime_marks.push((self.net.time / 1000.0, phase));
        if self.regime_marks.len() > 12 {
            self.regime_marks.remove(0);
        }
    }

    /// One step of the regimes demo; false once it is over.
    fn regime_step(&mut self) -> Result<bool, Diverged> {
        let Some(r) = self.regimes.as_mut() else {
            return Ok(false);
        };
        if r.steps_left == 0 {
            if r.phase == 2 {
                self.regimes = None;
                // The stream resumes with a fresh digit.
                self.step_in_sample = 0;
                return Ok(false);
            }
            r.phase += 1;
            r.steps_left = (REGIME_MS[r.phase as usize] / self.net.config.dt)
                .round()
                .max(1.0) as usize;
            let phase = r.phase;
            self.mark_regime(phase);
        }
        let r = self.regimes.as_mut().unwrap();
        r.steps_left -= 1;
        let (beta, plastic) = match r.phase {
            0 => (0.0, false),
            1 => (self.net.config.beta, false),
            _ => (self.net.config.beta, self.task.plastic),
        };
        self.x.copy_from_slice(&r.x);
        self.y.copy_from_slice(&r.y);
        let step = self.net.step(StepInput {
            x: &self.x,
            target: Some(&self.y),
            beta,
            plastic,
        });
        if let Err(d) = step {
            self.regimes = None;
            self.recover();
            return Err(d);
        }
        self.steps += 1;
        self.record_fine(beta);
        if self.steps.is_multiple_of(self.probes.stride as u64) {
            self.record_probes(beta);
        }
        Ok(true)
    }

    /// The network's current settled answer for each taught digit, with its label.
    pub fn taught_answers(&mut self) -> Vec<(u8, usize)> {
        let mut out = Vec::with_capacity(self.teaching.taught.len());
        for t in &self.teaching.taught {
            out.push((
                t.label,
                Network::argmax(self.net.infer(&t.x, &mut self.buf)),
            ));
        }
        out
    }

    /// Stable serial numbers of the gallery's digits, oldest first.
    pub fn taught_ids(&self) -> Vec<u64> {
        self.teaching.taught.iter().map(|t| t.id).collect()
    }

    pub fn taught_digit(&self, k: usize) -> Option<&[f32]> {
        self.teaching.taught.get(k).map(|t| t.x.as_slice())
    }

    /// Presentations of taught digits still queued.
    pub fn teach_pending(&self) -> usize {
        self.teaching.teach_queue.len()
    }

    /// (fraction right, digits counted) of the last ≤ 100 training digits, answered before learning.
    pub fn recent_train_accuracy(&self) -> Option<(f64, usize)> {
        (!self.recent.is_empty()).then(|| {
            (
                self.recent.iter().filter(|&&c| c).count() as f64 / self.recent.len() as f64,
                self.recent.len(),
            )
        })
    }

    pub fn latest_accuracy(&self) -> Option<AccuracyPoint> {
        self.history.last().copied()
    }

    /// Progress of the running sweep: (digits done, sweep size).
    pub fn sweep_progress(&self) -> Option<(usize, usize)> {
        self.sweep.as_ref().map(|s| (s.next, s.size))
    }

    fn next_sample(&mut self) -> usize {
        if self.order_pos >= self.order.len() {
            // A new epoch over everything loaded so far, in a fresh random order.
            self.order = (0..self.train.len() as u32).collect();
            self.rng.shuffle(&mut self.order);
            self.order_pos = 0;
        }
        let i = self.order[self.order_pos] as usize;
        self.order_pos += 1;
        i
    }

    /// Run `n` training steps. Stops early (and restores the last finite weights) on divergence.
    pub fn train_steps(&mut self, n: usize) -> Result<(), Diverged> {
        if self.train.is_empty() {
            return Ok(());
        }
        for _ in 0..n {
            if self.regime_step()? {
                continue;
            }
            // While the interneurons settle into their self-predicting state, the output is not
            // nudged and the forward weights do not learn (the paper's "separate phases",
            // Discussion): an unaligned circuit would send its whole top-down input down as error.
            let warming = self.lateral_warmup > 0;
            let beta = if warming { 0.0 } else { self.net.config.beta };
            let (eta, eta_ip, eta_pi) = (
                self.net.config.eta,
                self.net.config.eta_ip,
                self.net.config.eta_pi,
            );
            // The learning-rate schedule scales every pathway alike (the paper lowers all rates
            // tenfold late in training); the configured rates stay as they are.
            let decay = self.task.eta_decay(self.samples_seen);
            self.net.config.eta = if warming { 0.0 } else { eta * decay };
            // The warm-up has a fixed length, so the interneurons learn at their full rate in it.
            let lateral_decay = if warming { 1.0 } else { decay };
            self.net.config.eta_ip = eta_ip * lateral_decay;
            self.net.config.eta_pi = eta_pi * lateral_decay;
            if warming {
                self.lateral_warmup -= 1;
            }
            if self.step_in_sample == 0 {
                // A user's taught digit every other presentation while any are queued, so the
                // stream keeps the rest of what was learned in place.
                // Presentations of a digit the network already answers right by a clear margin
                // (after at least one) are dropped: enough teaching, no over-fitting of one drawing.
                while let Some(&k) = self.teaching.teach_queue.front() {
                    let t = &self.teaching.taught[k];
                    let out = self.net.infer(&t.x, &mut self.buf);
                    let label = t.label as usize;
                    // Learned = right, with a margin, so the next few stream digits do not undo it.
                    let rival = out
                        .iter()
                        .enumerate()
                        .filter(|&(j, _)| j != label)
                        .map(|(_, &v)| v)
                        .fold(f32::MIN, f32::max);
                    let learned =
                        self.teaching.taught_presented[k] > 0 && out[label] - rival >= TEACH_MARGIN;
                    if !learned {
                        break;
                    }
                    self.teaching.teach_queue.retain(|&q| q != k);
                }
                let teach_now =
                    !self.teaching.teach_queue.is_empty() && !self.teaching.last_was_taught;
                self.teaching.last_was_taught = teach_now;
                if teach_now {
                    let k = self.teaching.teach_queue.pop_front().unwrap();
                    self.teaching.taught_presented[k] += 1;
                    self.current = None;
                    self.teaching.current_taught = Some(k);
                    self.x.copy_from_slice(&self.teaching.taught[k].x);
                    self.y.fill(0.0);
                    self.y[self.teaching.taught[k].label as usize] = 1.0;
                } else {
                    let i = self.next_sample();
                    self.stream_seen += 1;
                    self.current = Some(i);
                    self.teaching.current_taught = None;
                    to_rates(self.train.image(i), &mut self.x);
                    self.y.fill(0.0);
                    let label = self.train.labels[i] as usize;
                    self.y[label] = 1.0;
                    // Its settled free answer before learning from this digit.
                    let right = Network::argmax(self.net.infer(&self.x, &mut self.buf)) == label;
                    self.recent.push_back(right);
                    if self.recent.len() > 100 {
                        self.recent.pop_front();
                    }
                }
            }
            let r = self.net.step(StepInput {
                x: &self.x,
                target: Some(&self.y),
                beta,
                plastic: self.task.plastic,
            });
            self.net.config.eta = eta;
            self.net.config.eta_ip = eta_ip;
            self.net.config.eta_pi = eta_pi;
            if let Err(d) = r {
                self.recover();
                return Err(d);
            }
            self.steps += 1;
            self.record_fine(beta);
            if self.steps.is_multiple_of(self.probes.stride as u64) {
                self.record_probes(beta);
            }
            self.step_in_sample += 1;
            if self.step_in_sample >= self.task.steps_per_sample {
                self.step_in_sample = 0;
                self.samples_seen += 1;
            }
        }
        Ok(())
    }

    /// The observables of every step (see [`Probes::record_fine`]).
    fn record_fine(&mut self, beta: f32) {
        let time_s = self.net.time / 1000.0;
        self.probes
            .record_fine(&self.net, beta, self.probe_neuron, time_s);
    }

    /// Sample the observables (see [`Probes::record`]).
    fn record_probes(&mut self, beta: f32) {
        let time_s = self.net.time / 1000.0;
        self.probes
            .record(&self.net, &self.x, &self.y, beta, self.steps, time_s);
    }

    /// Switch the top-down path; learned weights stay. Switching the microcircuit on starts a
    /// warm-up of `LATERAL_WARMUP_MS` in which only the interneurons learn, and caps the forward
    /// learning rate at `MICROCIRCUIT_MAX_ETA` so the interneurons can keep up with W_{l+1}
    /// (the paper trains all pathways at one small rate); switching away restores it.
    pub fn set_feedback(&mut self, feedback: Feedback, rng: &mut Rng) -> Result<(), ConfigError> {
        let was = self.net.config.feedback;
        let mut config = NetConfig {
            feedback,
            ..self.net.config.clone()
        };
        let cap = feedback == Feedback::Microcircuit
            && was != Feedback::Microcircuit
            && config.eta > MICROCIRCUIT_MAX_ETA;
        let saved_eta = config.eta;
        if cap {
            config.eta = MICROCIRCUIT_MAX_ETA;
        }
        if feedback != Feedback::Microcircuit {
            if let Some(eta) = self.eta_before_microcircuit {
                config.eta = eta;
            }
        }
        self.net.set_config(config, rng)?;
        // Only now that the switch is made: remember or forget the capped rate.
        if cap {
            self.eta_before_microcircuit = Some(saved_eta);
        } else if feedback != Feedback::Microcircuit {
            self.eta_before_microcircuit = None;
        }
        if feedback == Feedback::Microcircuit && was != Feedback::Microcircuit {
            self.lateral_warmup = (LATERAL_WARMUP_MS / self.net.config.dt).round() as usize;
        } else if feedback != Feedback::Microcircuit {
            self.lateral_warmup = 0;
        }
        Ok(())
    }

    fn recover(&mut self) {
        let config = self.net.config.clone();
        match &self.last_good {
            Some(good) => self.net = good.clone(),
            None => {
                let mut rng = Rng::new(self.rng.next_u64());
                self.net = Network::new(config.clone(), &mut rng).expect("config was valid");
                self.initial_input_weights = self.net.layers[0].w.clone();
            }
        }
        self.net.config = config;
        self.net.reset_state();
        self.step_in_sample = 0;
    }

    /// Is a test sweep due (or running)?
    pub fn eval_pending(&self) -> bool {
        !self.external_eval && self.sweep_due()
    }

    fn sweep_due(&self) -> bool {
        self.sweep.is_some()
            || (!self.test.is_empty()
                && self
                    .last_sweep_samples
                    .is_none_or(|s| self.samples_seen >= s + self.task.eval_every as u64))
    }

    /// Evaluate up to `n` test digits of the current sweep (starting one if due). Returns the
    /// finished point when this call completes a sweep.
    pub fn eval_digits(&mut self, n: usize) -> Option<AccuracyPoint> {
        if self.sweep.is_none() {
            if !self.eval_pending() {
                return None;
            }
            let mut snapshot = self.net.clone();
            snapshot.reset_state();
            self.last_good = Some(snapshot.clone());
            self.last_sweep_samples = Some(self.samples_seen);
            self.sweep = Some(Sweep {
                net: snapshot,
                samples: self.samples_seen,
                time_s: self.net.time / 1000.0,
                next: 0,
                correct: 0,
                size: self.task.eval_size.min(self.test.len()),
            });
        }
        let sweep = self.sweep.as_mut().unwrap();
        let end = (sweep.next + n).min(sweep.size);
        let mut x = [0.0f32; PIXELS];
        for i in sweep.next..end {
            to_rates(self.test.image(i), &mut x);
            let out = sweep.net.infer(&x, &mut self.buf);
            if Network::argmax(out) == self.test.labels[i] as usize {
                sweep.correct += 1;
            }
        }
        sweep.next = end;
        if sweep.next < sweep.size {
            return None;
        }
        let s = self.sweep.take().unwrap();
        let p = AccuracyPoint {
            samples: s.samples,
            time_s: s.time_s,
            accuracy: s.correct as f64 / s.size as f64,
            n: s.size,
        };
        self.history.push(p);
        Some(p)
    }

    /// With `external_eval`: if a sweep is due and none is out, a snapshot of the weights (β = 0
    /// state) for the evaluator; the point is recorded by `end_external_sweep`.
    pub fn begin_external_sweep(&mut self) -> Option<Network> {
        if !self.external_eval || self.external_sweep.is_some() || !self.sweep_due() {
            return None;
        }
        let mut snapshot = self.net.clone();
        snapshot.reset_state();
        self.last_good = Some(snapshot.clone());
        self.last_sweep_samples = Some(self.samples_seen);
        self.external_sweep = Some((self.samples_seen, self.net.time / 1000.0));
        Some(snapshot)
    }

    /// The evaluator's answer for the snapshot out: `correct` of `n` official test digits.
    pub fn end_external_sweep(&mut self, correct: usize, n: usize) -> Option<AccuracyPoint> {
        let (samples, time_s) = self.external_sweep.take()?;
        if n == 0 || correct > n {
            return None;
        }
        let p = AccuracyPoint {
            samples,
            time_s,
            accuracy: correct as f64 / n as f64,
            n,
        };
        self.history.push(p);
        Some(p)
    }

    /// Forget a snapshot that will not come back (the evaluator failed); the next is taken.
    pub fn abandon_external_sweep(&mut self) {
        if self.external_sweep.take().is_some() {
            self.last_sweep_samples = self.history.last().map(|p| p.samples);
        }
    }

    /// Accuracy of the current weights on the first `n` test digits, computed at once.
    pub fn test_accuracy(&mut self, n: usize) -> f64 {
        let n = n.min(self.test.len());
        let mut x = [0.0f32; PIXELS];
        let mut correct = 0;
        for i in 0..n {
            to_rates(self.test.image(i), &mut x);
            if Network::argmax(self.net.infer(&x, &mut self.buf)) == self.test.labels[i] as usize {
                correct += 1;
            }
        }
        correct as f64 / n as f64
    }

    /// The network's settled answer (output voltages) for an arbitrary 28×28 input.
    pub fn answer(&mut self, x: &[f32]) -> Vec<f32> {
        self.net.infer(x, &mut self.buf).to_vec()
    }
}

/// How many of the first `n` digits of `test` the network answers right (free state, β = 0).
pub fn count_correct(net: &Network, test: &Dataset, n: usize, buf: &mut InferBuffers) -> usize {
    let mut x = [0.0f32; PIXELS];
    let mut correct = 0;
    for i in 0..n.min(test.len()) {
        to_rates(test.image(i), &mut x);
        if Network::argmax(net.infer(&x, buf)) == test.labels[i] as usize {
            correct += 1;
        }
    }
    correct
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn teaching_the_same_drawing_again_relabels_it_instead_of_adding_copies() {
        let mut s = Session::new(NetConfig::default(), TaskConfig::default(), 1).unwrap();
        let mut x = vec![0.0f32; PIXELS];
        x[300..320].fill(1.0);
        s.teach(&x, 2, 5).unwrap();
        s.teach(&x, 2, 5).unwrap();
        for label in 0..10 {
            s.teach(&x, label, 5).unwrap();
        }
        let answers = s.taught_answers();
        assert_eq!(answers.len(), 1, "one drawing, one gallery entry");
        assert_eq!(answers[0].0, 9, "the newest label wins");
        assert_eq!(s.teach_pending(), 5, "teaching starts over, not piled up");
        let mut y = x.clone();
        y[400] = 1.0;
        s.teach(&y, 4, 5).unwrap();
        assert_eq!(
            s.taught_answers().len(),
            2,
            "another drawing is another entry"
        );
        assert_eq!(s.teach_pending(), 10);
    }
}
