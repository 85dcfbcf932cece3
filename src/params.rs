//! The parameters a user may change while the network runs: one table with their ranges, and
//! the one place they are validated, clamped and applied to a [`Session`]. The page's sliders,
//! its URL state and the tests all go through [`set`], so nothing reaches the network unchecked.

use crate::network::{Lookahead, NetConfig};
use crate::rng::Rng;
use crate::session::Session;
use serde::Serialize;

/// A parameter's description for the controls (labels, ranges, units).
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Spec {
    pub name: &'static str,
    pub label: &'static str,
    pub unit: &'static str,
    pub min: f64,
    pub max: f64,
    /// Slider granularity.
    pub step: f64,
    /// Switches are 0/1.
    pub switch: bool,
    /// Changing it starts a new network (the learned weights go).
    pub rebuilds: bool,
}

const fn num(
    name: &'static str,
    label: &'static str,
    unit: &'static str,
    min: f64,
    max: f64,
    step: f64,
) -> Spec {
    Spec {
        name,
        label,
        unit,
        min,
        max,
        step,
        switch: false,
        rebuilds: false,
    }
}
const fn switch(name: &'static str, label: &'static str) -> Spec {
    Spec {
        name,
        label,
        unit: "",
        min: 0.0,
        max: 1.0,
        step: 1.0,
        switch: true,
        rebuilds: false,
    }
}

/// The ranges are where the default 784-300-10 network stays finite (the extremes are swept by
/// tests/params.rs); learning may still fail at some extremes — that is for the user to see.
pub const SPECS: &[Spec] = &[
    num("beta", "output nudging β", "", 0.0, 1.0, 0.01),
    num(
        "eta",
        "learning rate η of W (forward)",
        "per ms",
        0.0,
        0.2,
        0.001,
    ),
    num(
        "eta_ip",
        "learning rate of Wᴵᴾ (pyramid → interneuron)",
        "per ms",
        0.0,
        0.5,
        0.001,
    ),
    num(
        "eta_pi",
        "learning rate of Wᴾᴵ (interneuron → apical)",
        "per ms",
        0.0,
        0.5,
        0.001,
    ),
    num(
        "presentation_ms",
        "presentation time per digit",
        "ms",
        1.0,
        200.0,
        1.0,
    ),
    num("dt", "time step dt", "ms", 0.1, 2.0, 0.1),
    num("beta_i", "interneuron nudging βᴵ", "", 0.0, 0.9, 0.01),
    switch("prospective", "prospective rates (lookahead)"),
    switch("plastic", "plasticity"),
    Spec {
        rebuilds: true,
        // A link must be able to carry what starts a network: the URL's limits.
        ..num(
            "hidden",
            "hidden pyramidal neurons",
            "",
            10.0,
            crate::urlstate::limits::HIDDEN_MAX as f64,
            10.0,
        )
    },
    Spec {
        rebuilds: true,
        ..num(
            "seed",
            "seed",
            "",
            0.0,
            crate::urlstate::limits::SEED_MAX as f64,
            1.0,
        )
    },
];

pub fn spec(name: &str) -> Option<&'static Spec> {
    SPECS.iter().find(|s| s.name == name)
}

/// What [`set`] did: the value now in force, and a note if it differs from what was asked.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Applied {
    pub value: f64,
    pub note: Option<String>,
}

/// Clamp `value` into the parameter's range (refusing non-numbers), rounding whole-number
/// parameters. Returns the value and, if it changed, a note saying so.
pub fn clamp(spec: &Spec, value: f64) -> Result<Applied, String> {
    if value.is_nan() {
        return Err(format!("{}: not a number", spec.label));
    }
    let mut v = value.clamp(spec.min, spec.max);
    if spec.switch {
        v = if v >= 0.5 { 1.0 } else { 0.0 };
    } else if spec.step >= 1.0 {
        v = v.round();
    }
    let note = (v != value).then(|| {
        if value < spec.min || value > spec.max {
            format!(
                "{} = {} is outside {}–{}; using {}",
                spec.label,
                short(value),
                short(spec.min),
                short(spec.max),
                short(v)
            )
        } else {
            format!("{} rounded to {}", spec.label, short(v))
        }
    });
    Ok(Applied { value: v, note })
}

fn short(v: f64) -> String {
    if v.is_infinite() {
        return if v > 0.0 {
            "∞".into()
        } else {
            "−∞".into()
        };
    }
    let s = format!("{:.6}", v);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() || s == "-" {
        "0".into()
    } else {
        s.into()
    }
}

/// The value a parameter has now in `session` (`plastic` lives in the session).
pub fn get(session: &Session, name: &str) -> Option<f64> {
    let c = &session.net.config;
    Some(match name {
        "beta" => c.beta as f64,
        "eta" => c.eta as f64,
        "eta_ip" => c.eta_ip as f64,
        "eta_pi" => c.eta_pi as f64,
        "presentation_ms" => session.task.steps_per_sample as f64 * c.dt as f64,
        "dt" => c.dt as f64,
        "beta_i" => c.beta_i as f64,
        "prospective" => (c.lookahead != Lookahead::None) as u8 as f64,
        "plastic" => session.task.plastic as u8 as f64,
        "hidden" => c.layers.get(1).copied().unwrap_or(0) as f64,
        _ => return None,
    })
}

/// Set a parameter of the running session, keeping everything learned. Parameters that
/// rebuild the network (`hidden`, `seed`) are refused here: the caller starts a new session.
pub fn set(
    session: &mut Session,
    name: &str,
    value: f64,
    rng: &mut Rng,
) -> Result<Applied, String> {
    let spec = spec(name).ok_or_else(|| format!("unknown parameter {name:?}"))?;
    if spec.rebuilds {
        return Err(format!("{}: changing it starts a new network", spec.label));
    }
    let applied = clamp(spec, value)?;
    let v = applied.value;
    let mut c: NetConfig = session.net.config.clone();
    match name {
        "beta" => c.beta = v as f32,
        "eta" => {
            // The user's explicit rate replaces any cap the microcircuit switch put on it.
            session.forget_eta_cap();
            c.eta = v as f32;
        }
        "eta_ip" => c.eta_ip = v as f32,
        "eta_pi" => c.eta_pi = v as f32,
        "beta_i" => c.beta_i = v as f32,
        "prospective" => {
            c.lookahead = if v > 0.5 {
                // The default's lookahead (the previous-u̇ integrator has its own).
                NetConfig::default_lookahead(c.integrator)
            } else {
                Lookahead::None
            }
        }
        "plastic" => {
            session.task.plastic = v > 0.5;
            return Ok(applied);
        }
        "presentation_ms" => {
            session.task.steps_per_sample = ((v / c.dt as f64).round() as usize).clamp(1, 10_000);
            return Ok(applied);
        }
        "dt" => {
            // Presentation time is kept in ms: the number of steps per digit follows dt.
            let presentation = session.task.steps_per_sample as f64 * c.dt as f64;
            c.dt = v as f32;
            session.task.steps_per_sample = ((presentation / v).round() as usize).clamp(1, 10_000);
        }
        _ => unreachable!("every spec is handled"),
    }
    session.net.set_config(c, rng).map_err(|e| e.to_string())?;
    Ok(applied)
}
