//! The page's state in its URL: `location.hash` ⇄ a validated set of parameters.
//!
//! A shared link must reproduce a run and must never break the page (TF Playground #77: NaN from a
//! URL; #63: limits enforced in the model, not only in the UI). So every value is parsed here, in
//! Rust, and either clamped into a range that is known to learn without diverging
//! (`tests/urlstate.rs` runs the extreme corners) or refused; the caller gets the accepted values
//! and a list of plain-text notices saying what was ignored or changed. Notices quote the
//! offending input shortened and escaped (Rust `{:?}`), and the page sets them with
//! `textContent`: nothing from a URL ever becomes markup.
//!
//! Format: `key=value` pairs joined by `&`, percent-encoded as `URLSearchParams` writes them
//! (but `+` is a literal plus, so `1e+5` stays a number). Example:
//! `#task=mnist&seed=7&beta=0.1&eta=0.05&feedback=microcircuit&hide=charts,teach&embed`.
//! [`UrlState::to_hash`] writes the canonical form (every key, fixed order), and
//! `parse(to_hash(p)) == p` for every accepted `p`.

use crate::network::{Feedback, InterneuronNudging, Lookahead, NetConfig};
use crate::session::{TaskConfig, MICROCIRCUIT_MAX_ETA};
use serde::{Deserialize, Serialize};

/// Controls (or groups of them) a link may hide, e.g. for a lesson that shows only one thing.
pub const CONTROLS: &[&str] = &[
    "play", "reset", "feedback", "params", "readouts", "stream", "charts", "accuracy", "circuit",
    "draw", "teach", "gallery", "help", "save", "share", "views", "speed", "step", "tour", "tasks",
];

/// Limits of what a link may set. Each range was run at its corners on MNIST without diverging
/// (`tests/urlstate.rs`); the defaults are `NetConfig::default()` / `TaskConfig::default()`.
pub mod limits {
    /// Largest seed: 15 decimal digits, exact as a JavaScript number.
    pub const SEED_MAX: u64 = 999_999_999_999_999;
    pub const HIDDEN_LAYERS_MAX: usize = 2;
    /// Neurons per hidden layer (the microcircuit under 1000 diverged at β^I = 0.3).
    pub const HIDDEN_MAX: usize = 500;
    /// Output nudging β. Above 1 the output error e = β(y − u − e_prev) over-corrects itself each
    /// step and oscillates.
    pub const BETA: (f32, f32) = (0.0, 1.0);
    /// Forward learning rate η per ms.
    pub const ETA: (f32, f32) = (0.0, 0.1);
    /// The weight change per Euler step scales with dt·η; beyond the default's 0.05 (η = 0.05,
    /// dt = 1 ms) random feedback with β = 1 diverged on MNIST (measured: dt·η = 0.1 diverges
    /// within 200 steps, 0.05 does not).
    pub const DT_ETA_MAX: f32 = 0.05;
    /// And dt·η·β at most twice the default's 0.005 (measured: 784-10 with β = 1 diverged at
    /// dt·η = 0.05 within 700 steps).
    pub const DT_ETA_BETA_MAX: f32 = 0.01;
    /// The same for the interneuron pathways, dt·η^IP and dt·η^PI (default 0.1 · 1 ms).
    pub const DT_ETA_LATERAL_MAX: f32 = 0.1;
    /// Both limits hold under hidden layers up to this width and scale with width⁻¹ beyond
    /// (measured: 500-500 with random feedback diverged at dt·η = 0.05).
    pub const REFERENCE_WIDTH: usize = 300;
    /// η without lookahead: the lagging mismatch is not scaled by β (README: η = 0.05 diverges
    /// within 10 digits, η = 0.005 learns).
    pub const ETA_NO_LOOKAHEAD_MAX: f32 = 0.005;
    /// Interneuron pathways η^IP, η^PI (Eq. 11a/b) per ms.
    pub const ETA_LATERAL: (f32, f32) = (0.0, 0.1);
    /// Interneuron nudging β^I (Eq. 9; paper 0.1/1.1). Measured on MNIST with all pathways
    /// learning: β^I ≥ 0.5 diverges within 150 steps at the default lateral rates.
    pub const BETA_I: (f32, f32) = (0.0, 0.2);
    /// Euler step dt in ms (τ = 10 ms): from fine to coarse but stable.
    pub const DT: (f32, f32) = (0.1, 2.0);
    /// Euler steps per digit (presentation time = steps · dt).
    pub const STEPS: (usize, usize) = (1, 1000);
    pub const INTERNEURONS: (usize, usize) = (1, 1000);
    /// Learning-rate schedule: 0 (constant) or a halving time in digits.
    pub const DECAY: (usize, usize) = (1000, 10_000_000);
    /// Values closer to 0 than this become 0 (no subnormal arithmetic in the hot loops).
    pub const TINY: f32 = 1e-6;
    /// At most this many pairs are read; a value longer than this is refused.
    pub const MAX_PAIRS: usize = 64;
    pub const MAX_VALUE_LEN: usize = 200;
    /// At most this many notices are listed (then a count of the rest).
    pub const MAX_NOTICES: usize = 12;
}
use limits::*;

/// Everything a link can set. Field names are the hash keys except where noted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UrlState {
    /// The task: "mnist" (digits) or "ieeg" (the recording; the page opens its tab, the MNIST
    /// network keeps these settings).
    pub task: String,
    pub seed: u64,
    /// Hidden layer sizes (input 784 and output 10 are the task's). Key `hidden`, e.g. `300`,
    /// `500-100`, or `none`.
    pub hidden: Vec<usize>,
    pub beta: f32,
    pub eta: f32,
    pub eta_ip: f32,
    pub eta_pi: f32,
    pub beta_i: f32,
    pub dt: f32,
    /// Euler steps per digit. Key `steps`.
    pub steps: usize,
    /// Prospective rates ρ(u + τu̇) (on) or ρ(u) (off). Key `lookahead=on|off`.
    pub lookahead: bool,
    /// Weights learn (on) or stay (off). Key `plasticity=on|off`.
    pub plasticity: bool,
    pub feedback: Feedback,
    pub interneurons: usize,
    pub nudging: InterneuronNudging,
    /// Learning-rate halving time in digits, 0 = constant. Key `decay`.
    pub decay: usize,
    /// Hidden controls, in the order of [`CONTROLS`].
    pub hide: Vec<String>,
    /// Compact layout for an iframe.
    pub embed: bool,
    /// iEEG task: the hidden channels by name (empty: the task's default), checked against the
    /// recording by the page. Key `channels`, comma-separated.
    pub channels: Vec<String>,
    /// iEEG task: the speed, in recording seconds per wall second (`IEEG_SPEEDS`), 0 = as fast as
    /// it goes. Key `speed` (`max` for 0).
    pub speed: u32,
}

/// The iEEG view's speeds (× real time); 0 is "as fast as it goes".
pub const IEEG_SPEEDS: [u32; 7] = [1, 2, 5, 10, 20, 50, 0];
/// The iEEG view's default speed.
pub const IEEG_DEFAULT_SPEED: u32 = 10;
/// At most this many channel names in a link (the file limit is 64 channels).
pub const MAX_CHANNELS: usize = 63;

impl Default for UrlState {
    fn default() -> Self {
        Self::from_configs(&NetConfig::default(), &TaskConfig::default(), 1)
    }
}

/// The result of [`parse`]: the accepted state and what was ignored or changed, in plain text.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Parsed {
    pub state: UrlState,
    pub notices: Vec<String>,
    /// The canonical hash of `state` (without `#`).
    pub canonical: String,
}

fn feedback_name(f: Feedback) -> &'static str {
    match f {
        Feedback::WeightTransport => "weight-transport",
        Feedback::Random => "random",
        Feedback::Microcircuit => "microcircuit",
    }
}

fn nudging_name(n: InterneuronNudging) -> &'static str {
    match n {
        InterneuronNudging::Mixed => "mixed",
        InterneuronNudging::OneToOne => "one-to-one",
    }
}

fn on_off(b: bool) -> &'static str {
    if b {
        "on"
    } else {
        "off"
    }
}

impl UrlState {
    /// The state of a running configuration (hide and embed off). Values outside the URL's
    /// limits are brought inside by [`parse`], so the result is always a valid link.
    pub fn from_configs(net: &NetConfig, task: &TaskConfig, seed: u64) -> Self {
        let n = net.layers.len();
        UrlState {
            task: "mnist".into(),
            seed,
            hidden: if n >= 2 {
                net.layers[1..n - 1].to_vec()
            } else {
                vec![]
            },
            beta: net.beta,
            eta: net.eta,
            eta_ip: net.eta_ip,
            eta_pi: net.eta_pi,
            beta_i: net.beta_i,
            dt: net.dt,
            steps: task.steps_per_sample,
            lookahead: net.lookahead != Lookahead::None,
            plasticity: task.plastic,
            feedback: net.feedback,
            interneurons: net.interneurons,
            nudging: net.interneuron_nudging,
            decay: task.eta_halving_digits,
            hide: vec![],
            embed: false,
            channels: vec![],
            speed: IEEG_DEFAULT_SPEED,
        }
    }

    /// The network this state describes (784 inputs, 10 outputs).
    pub fn net_config(&self) -> NetConfig {
        let mut layers = vec![crate::mnist::PIXELS];
        layers.extend(&self.hidden);
        layers.push(10);
        NetConfig {
            layers,
            beta: self.beta,
            eta: self.eta,
            eta_ip: self.eta_ip,
            eta_pi: self.eta_pi,
            beta_i: self.beta_i,
            dt: self.dt,
            lookahead: if self.lookahead {
                Lookahead::Advanced
            } else {
                Lookahead::None
            },
            feedback: self.feedback,
            interneurons: self.interneurons,
            interneuron_nudging: self.nudging,
            ..NetConfig::default()
        }
    }

    pub fn task_config(&self) -> TaskConfig {
        TaskConfig {
            steps_per_sample: self.steps,
            eta_halving_digits: self.decay,
            plastic: self.plasticity,
            ..TaskConfig::default()
        }
    }

    /// The canonical hash (without `#`): every key, in a fixed order. Floats are written in the
    /// shortest form that reads back to the same `f32`.
    pub fn to_hash(&self) -> String {
        let hidden = if self.hidden.is_empty() {
            "none".to_string()
        } else {
            self.hidden
                .iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join("-")
        };
        let mut h = format!(
            "task={}&seed={}&hidden={hidden}&feedback={}&beta={}&eta={}&eta_ip={}&eta_pi={}&beta_i={}&dt={}&steps={}&lookahead={}&plasticity={}&interneurons={}&nudging={}&decay={}",
            self.task,
            self.seed,
            feedback_name(self.feedback),
            self.beta,
            self.eta,
            self.eta_ip,
            self.eta_pi,
            self.beta_i,
            self.dt,
            self.steps,
            on_off(self.lookahead),
            on_off(self.plasticity),
            self.interneurons,
            nudging_name(self.nudging),
            self.decay,
        );
        if !self.hide.is_empty() {
            h.push_str("&hide=");
            h.push_str(&self.hide.join(","));
        }
        if self.embed {
            h.push_str("&embed");
        }
        if !self.channels.is_empty() {
            h.push_str("&channels=");
            h.push_str(&self.channels.join(","));
        }
        if self.speed != IEEG_DEFAULT_SPEED {
            match self.speed {
                0 => h.push_str("&speed=max"),
                v => h.push_str(&format!("&speed={v}")),
            }
        }
        h
    }
}

/// Shorten and escape untrusted text for a notice: at most 40 characters, control and other
/// non-printing characters escaped, in quotes.
fn quote(s: &str) -> String {
    let mut short: String = s.chars().take(40).collect();
    if s.chars().nth(40).is_some() {
        short.push('…');
    }
    format!("{short:?}")
}

/// Percent-decoding as in URLs; `None` for a malformed escape or bytes that are not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = |c: u8| (c as char).to_digit(16);
            let hi = b.get(i + 1).copied().and_then(hex)?;
            let lo = b.get(i + 2).copied().and_then(hex)?;
            out.push((hi * 16 + lo) as u8);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

struct Notes {
    list: Vec<String>,
    dropped: usize,
}

impl Notes {
    fn push(&mut self, msg: String) {
        if self.list.len() < MAX_NOTICES {
            self.list.push(msg);
        } else {
            self.dropped += 1;
        }
    }
}

/// A float in `[lo, hi]`: non-numbers refused (None), out-of-range values clamped, values closer
/// to 0 than `TINY` set to 0, −0 written as 0.
fn float_in(key: &str, raw: &str, (lo, hi): (f32, f32), notes: &mut Notes) -> Option<f32> {
    let v: f32 = match raw.parse::<f32>() {
        Ok(v) if !v.is_nan() => v,
        _ => {
            notes.push(format!("Ignored {key}={}: not a number.", quote(raw)));
            return None;
        }
    };
    let mut c = v.clamp(lo, hi);
    if c != 0.0 && c.abs() < TINY {
        c = 0.0;
    }
    if c == 0.0 {
        c = 0.0; // no −0
    }
    if c != v {
        notes.push(format!(
            "{key}={} is outside {lo}…{hi}; using {c}.",
            quote(raw)
        ));
    }
    Some(c)
}

/// A whole number: digits only. Too large ones read as `u64::MAX` (then clamped by the caller).
fn whole(raw: &str) -> Option<u64> {
    let digits = raw.strip_prefix('+').unwrap_or(raw);
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some(digits.parse::<u64>().unwrap_or(u64::MAX))
}

fn int_in(key: &str, raw: &str, (lo, hi): (usize, usize), notes: &mut Notes) -> Option<usize> {
    let Some(v) = whole(raw) else {
        notes.push(format!(
            "Ignored {key}={}: not a whole number {lo}…{hi}.",
            quote(raw)
        ));
        return None;
    };
    let c = v.clamp(lo as u64, hi as u64) as usize;
    if c as u64 != v {
        notes.push(format!(
            "{key}={} is outside {lo}…{hi}; using {c}.",
            quote(raw)
        ));
    }
    Some(c)
}

fn flag(key: &str, raw: &str, notes: &mut Notes) -> Option<bool> {
    match raw.to_ascii_lowercase().as_str() {
        "" | "1" | "on" | "true" | "yes" => Some(true),
        "0" | "off" | "false" | "no" => Some(false),
        _ => {
            notes.push(format!("Ignored {key}={}: use on or off.", quote(raw)));
            None
        }
    }
}

/// Parse a hash (with or without the leading `#`). Never fails: what cannot be used is left at
/// its default and named in a notice.
pub fn parse(hash: &str) -> Parsed {
    let mut notes = Notes {
        list: vec![],
        dropped: 0,
    };
    let mut st = UrlState::default();
    let hash = hash.strip_prefix('#').unwrap_or(hash);
    let mut seen: Vec<(&'static str, usize)> = vec![];
    let mut eta_given = false;
    let mut interneurons_given = false;
    let pairs: Vec<&str> = hash.split('&').filter(|p| !p.is_empty()).collect();
    if pairs.len() > MAX_PAIRS {
        notes.push(format!(
            "The link has {} parameters; only the first {MAX_PAIRS} were read.",
            pairs.len()
        ));
    }
    for pair in pairs.into_iter().take(MAX_PAIRS) {
        let (k_raw, v_raw) = pair.split_once('=').unwrap_or((pair, ""));
        let Some(key) = percent_decode(k_raw) else {
            notes.push(format!(
                "Ignored {}: not valid percent-encoding.",
                quote(k_raw)
            ));
            continue;
        };
        let known = [
            "task",
            "seed",
            "hidden",
            "feedback",
            "beta",
            "eta",
            "eta_ip",
            "eta_pi",
            "beta_i",
            "dt",
            "steps",
            "lookahead",
            "plasticity",
            "interneurons",
            "nudging",
            "decay",
            "hide",
            "embed",
            "channels",
            "speed",
        ];
        let Some(&key) = known.iter().find(|&&k| k == key) else {
            notes.push(format!("Ignored the unknown parameter {}.", quote(&key)));
            continue;
        };
        if v_raw.len() > MAX_VALUE_LEN {
            notes.push(format!(
                "Ignored {key}: its value is {} characters long.",
                v_raw.len()
            ));
            continue;
        }
        let Some(v) = percent_decode(v_raw) else {
            notes.push(format!(
                "Ignored {key}={}: not valid percent-encoding.",
                quote(v_raw)
            ));
            continue;
        };
        match seen.iter_mut().find(|(k, _)| *k == key) {
            Some((_, n)) => *n += 1,
            None => seen.push((key, 1)),
        }
        let v = v.as_str();
        let n = &mut notes;
        match key {
            "task" => match v {
                "mnist" | "ieeg" => st.task = v.to_string(),
                _ => n.push(format!(
                    "Ignored task={}: the tasks are mnist and ieeg.",
                    quote(v)
                )),
            },
            "seed" => match whole(v).filter(|&s| s <= SEED_MAX) {
                Some(s) => st.seed = s,
                None => n.push(format!(
                    "Ignored seed={}: it must be a whole number 0…{SEED_MAX}.",
                    quote(v)
                )),
            },
            "hidden" => {
                if v == "none" || v == "0" {
                    st.hidden = vec![];
                } else {
                    let parts: Vec<Option<u64>> = v.split(['-', ',']).map(whole).collect();
                    if parts.len() > HIDDEN_LAYERS_MAX
                        || parts.iter().any(|p| p.is_none_or(|s| s == 0))
                    {
                        n.push(format!("Ignored hidden={}: give 1 to {HIDDEN_LAYERS_MAX} layer sizes 1…{HIDDEN_MAX} joined by '-', or none.", quote(v)));
                    } else {
                        let sizes: Vec<usize> = parts
                            .into_iter()
                            .map(|p| p.unwrap().min(HIDDEN_MAX as u64) as usize)
                            .collect();
                        if parts_clamped(v, &sizes) {
                            n.push(format!(
                                "hidden={}: layers are at most {HIDDEN_MAX} neurons; using {}.",
                                quote(v),
                                sizes
                                    .iter()
                                    .map(|s| s.to_string())
                                    .collect::<Vec<_>>()
                                    .join("-")
                            ));
                        }
                        st.hidden = sizes;
                    }
                }
            }
            "feedback" => match v {
                "weight-transport" => st.feedback = Feedback::WeightTransport,
                "random" => st.feedback = Feedback::Random,
                "microcircuit" => st.feedback = Feedback::Microcircuit,
                _ => n.push(format!(
                    "Ignored feedback={}: use weight-transport, random or microcircuit.",
                    quote(v)
                )),
            },
            "nudging" => match v {
                "mixed" => st.nudging = InterneuronNudging::Mixed,
                "one-to-one" => st.nudging = InterneuronNudging::OneToOne,
                _ => n.push(format!(
                    "Ignored nudging={}: use mixed or one-to-one.",
                    quote(v)
                )),
            },
            "beta" => st.beta = float_in(key, v, BETA, n).unwrap_or(st.beta),
            "eta" => {
                if let Some(x) = float_in(key, v, ETA, n) {
                    st.eta = x;
                    eta_given = true;
                }
            }
            "eta_ip" => st.eta_ip = float_in(key, v, ETA_LATERAL, n).unwrap_or(st.eta_ip),
            "eta_pi" => st.eta_pi = float_in(key, v, ETA_LATERAL, n).unwrap_or(st.eta_pi),
            "beta_i" => st.beta_i = float_in(key, v, BETA_I, n).unwrap_or(st.beta_i),
            "dt" => st.dt = float_in(key, v, DT, n).unwrap_or(st.dt),
            "steps" => st.steps = int_in(key, v, STEPS, n).unwrap_or(st.steps),
            "interneurons" => {
                if let Some(m) = int_in(key, v, INTERNEURONS, n) {
                    st.interneurons = m;
                    interneurons_given = true;
                }
            }
            "decay" => {
                if v == "0" || v == "off" {
                    st.decay = 0;
                } else {
                    st.decay = int_in(key, v, DECAY, n).unwrap_or(st.decay);
                }
            }
            "lookahead" => st.lookahead = flag(key, v, n).unwrap_or(st.lookahead),
            "plasticity" => st.plasticity = flag(key, v, n).unwrap_or(st.plasticity),
            "embed" => st.embed = flag(key, v, n).unwrap_or(st.embed),
            "hide" => {
                let mut hide = vec![];
                for name in v.split(',').filter(|s| !s.is_empty()) {
                    match CONTROLS.iter().find(|&&c| c == name) {
                        Some(&c) => hide.push(c),
                        None => n.push(format!("Ignored hide={}: no such control.", quote(name))),
                    }
                }
                st.hide = CONTROLS
                    .iter()
                    .filter(|c| hide.contains(c))
                    .map(|c| c.to_string())
                    .collect();
            }
            "channels" => {
                // Names only as a recording's header could spell them; the page then checks them
                // against the recording it has.
                let names: Vec<&str> = v.split(',').filter(|c| !c.is_empty()).collect();
                let valid = |c: &&str| {
                    c.len() <= 64
                        && c.chars()
                            .all(|ch| ch.is_ascii_alphanumeric() || "_-.".contains(ch))
                };
                if names.is_empty() {
                    st.channels = vec![];
                } else if names.len() > MAX_CHANNELS || !names.iter().all(valid) {
                    n.push(format!(
                        "Ignored channels={}: give up to {MAX_CHANNELS} channel names (letters, digits, '_', '-', '.') joined by ','.",
                        quote(v)
                    ));
                } else {
                    let mut kept: Vec<String> = vec![];
                    for c in names {
                        if !kept.iter().any(|k| k == c) {
                            kept.push(c.to_string());
                        }
                    }
                    st.channels = kept;
                }
            }
            "speed" => {
                let parsed = if v == "max" { Some(0) } else { whole(v) };
                match parsed
                    .and_then(|x| u32::try_from(x).ok())
                    .filter(|x| IEEG_SPEEDS.contains(x))
                {
                    Some(x) => st.speed = x,
                    None => n.push(format!(
                        "Ignored speed={}: the speeds are 1, 2, 5, 10, 20, 50 or max.",
                        quote(v)
                    )),
                }
            }
            _ => unreachable!("every known key is handled"),
        }
    }
    for (key, count) in seen {
        if count > 1 {
            notes.push(format!(
                "{key} was given {count} times; the last one is used."
            ));
        }
    }
    constrain(&mut st, eta_given, interneurons_given, &mut notes);
    let mut notices = notes.list;
    if notes.dropped > 0 {
        notices.push(format!("…and {} more problems.", notes.dropped));
    }
    Parsed {
        canonical: st.to_hash(),
        state: st,
        notices,
    }
}

/// Was any hidden size written larger than what was kept?
fn parts_clamped(raw: &str, sizes: &[usize]) -> bool {
    raw.split(['-', ','])
        .zip(sizes)
        .any(|(r, &s)| whole(r) != Some(s as u64))
}

/// A limit rounded down to 3 significant digits, so links and notices read 0.0333, not
/// 0.033333335. (Comparisons allow 1e-6 relative slack: a value equal to a limit in decimal
/// is never lowered by the limit's own rounding error.)
fn round_down(x: f32) -> f32 {
    if !(x.is_finite() && x > 0.0) {
        return 0.0;
    }
    let p = 10f32.powi(2 - x.log10().floor() as i32);
    // (+1e-4: 0.049999997 is 0.05 computed in f32, not 0.0499)
    let r = (x * p + 1e-4).floor() / p;
    format!("{r:.6e}").parse().unwrap_or(r)
}

/// Limits that depend on several values at once. Each only lowers or raises toward a value
/// that satisfies it, so applying it twice changes nothing (the round trip holds).
fn constrain(st: &mut UrlState, eta_given: bool, interneurons_given: bool, notes: &mut Notes) {
    // Compared as η > max/dt (not dt·η > max) so that the clamped value passes the same test
    // when it is read back.
    if st.feedback != Feedback::WeightTransport && st.hidden.len() > 1 {
        // Measured: with two hidden layers the microcircuit diverged on MNIST within 150 steps
        // even at the default rates, and random feedback at dt·η = 0.05; both are the paper's
        // one-hidden-layer networks here.
        notes.push(format!(
            "{} feedback runs with one hidden layer only; using weight transport.",
            feedback_name(st.feedback)
        ));
        st.feedback = Feedback::WeightTransport;
    }
    // A weight update's gain grows with the width of the layer it reads (‖r‖²): limits that
    // are safe under 300 neurons are scaled down under wider layers.
    // (Without hidden layers the output reads the 784 pixels directly.)
    let widest = st
        .hidden
        .iter()
        .copied()
        .max()
        .unwrap_or(crate::mnist::PIXELS);
    let width_factor = (REFERENCE_WIDTH as f32 / widest.max(1) as f32).min(1.0);
    // The output's mismatch, and with it every update, scales with β.
    let dt_eta_max = (DT_ETA_MAX.min(DT_ETA_BETA_MAX / st.beta.max(0.1))) * width_factor;
    let eta_max = round_down(dt_eta_max / st.dt);
    if st.eta > eta_max * (1.0 + 1e-6) {
        notes.push(format!(
            "dt·η is at most {} here (the weight change per step, with β = {} and the widest hidden layer {widest}); with dt = {} ms, η = {eta_max}.",
            round_down(dt_eta_max), st.beta, st.dt
        ));
        st.eta = eta_max;
    }
    let lateral_max = round_down(DT_ETA_LATERAL_MAX * width_factor / st.dt);
    for (name, v) in [("η^IP", &mut st.eta_ip), ("η^PI", &mut st.eta_pi)] {
        if *v > lateral_max * (1.0 + 1e-6) {
            notes.push(format!(
                "dt·{name} is at most {DT_ETA_LATERAL_MAX}; with dt = {} ms, {name} = {lateral_max}.",
                st.dt
            ));
            *v = lateral_max;
        }
    }
    if !st.lookahead && st.eta > ETA_NO_LOOKAHEAD_MAX {
        if eta_given {
            notes.push(format!(
                "Without lookahead η is at most {ETA_NO_LOOKAHEAD_MAX} per ms (faster learning diverges); using {ETA_NO_LOOKAHEAD_MAX}."
            ));
        }
        st.eta = ETA_NO_LOOKAHEAD_MAX;
    }
    if st.feedback == Feedback::Microcircuit {
        // Every pathway learns at once from a random start; the interneurons keep up with the
        // forward weights only at a small rate (BENCHMARKS: 96.35 % at η = 0.01).
        if st.eta > MICROCIRCUIT_MAX_ETA {
            if eta_given {
                notes.push(format!(
                    "With the microcircuit η is at most {MICROCIRCUIT_MAX_ETA} per ms, so the interneurons keep up; using {MICROCIRCUIT_MAX_ETA}."
                ));
            }
            st.eta = MICROCIRCUIT_MAX_ETA;
        }
        // Theorem 2 needs at least as many interneurons as the layer above has neurons.
        let widest_above = st.hidden.iter().skip(1).copied().chain([10]).max().unwrap();
        if st.interneurons < widest_above {
            if interneurons_given {
                notes.push(format!(
                    "The microcircuit needs at least {widest_above} interneurons (as many as the layer above has neurons); using {widest_above}."
                ));
            }
            st.interneurons = widest_above;
        }
    }
}
