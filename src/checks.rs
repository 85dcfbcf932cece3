//! The paper's claims as runnable experiments, each returning its figures. The tests assert
//! them (tests/paper_checks.rs) and the CLI prints them (`nla check …`).

use crate::backprop::{cosine, neg_gradient};
use crate::network::{
    Feedback, InferBuffers, Integrator, InterneuronNudging, Lookahead, NetConfig, Network,
    StepInput,
};
use crate::observe::{energy, lateral_alignment_deg, rms};
use crate::rng::Rng;
use serde::Serialize;

/// Delay compensation (Fig. 2): a chain of `depth` single neurons driven by a slow sinusoid.
/// Returns the lag in ms of the output voltage u_N(t) behind the instantaneous input–output map
/// F(r̄_0(t)) (the network's free forward pass of the low-pass-filtered input, which the paper's
/// network reproduces instantaneously), found as the shift minimising the squared difference.
/// `lag_ms` is the forward delay alone (top-down feedback B = 0, as in the Fig. 2 chain);
/// `lag_with_feedback_ms` keeps the NLA error feedback on: without lookahead the lagging layers
/// then also produce (spurious) errors that drag the layers below back even further.
#[derive(Clone, Debug, Serialize)]
pub struct DelayResult {
    pub lookahead: Lookahead,
    pub layers: usize,
    pub tau_ms: f32,
    pub dt_ms: f32,
    pub lag_ms: f32,
    pub lag_with_feedback_ms: f32,
}

pub fn delay(lookahead: Lookahead, depth: usize, dt: f32) -> DelayResult {
    let forward_only = chain_lag(lookahead, depth, dt, false);
    let with_feedback = chain_lag(lookahead, depth, dt, true);
    DelayResult {
        lookahead,
        layers: depth,
        tau_ms: 10.0,
        dt_ms: dt,
        lag_ms: forward_only,
        lag_with_feedback_ms: with_feedback,
    }
}

/// The Fig. 2 chain: `depth` single neurons, u_l = 0.9 r_{l−1} + 0.05 (inside ρ's linear range),
/// with NLA error feedback (`feedback`) or none at all.
pub fn delay_chain(lookahead: Lookahead, depth: usize, dt: f32, feedback: bool) -> Network {
    let fb = if feedback {
        Feedback::WeightTransport
    } else {
        Feedback::Random
    };
    let config = NetConfig {
        layers: vec![1; depth + 1],
        dt,
        lookahead,
        feedback: fb,
        ..NetConfig::default()
    };
    let mut net = Network::new(config, &mut Rng::new(1)).expect("valid chain");
    for c in &mut net.circuits {
        c.b_fb.fill(0.0); // with Feedback::Random: no top-down path at all
    }
    for l in &mut net.layers {
        // u_l = 0.9 r_{l−1} + 0.05 keeps every neuron inside ρ's linear range.
        l.w[0] = 0.9;
        l.b[0] = 0.05;
    }
    net
}

/// The chain's input: a slow sinusoid in [0.1, 0.9] (period `DELAY_PERIOD_MS`).
pub fn delay_input(t_ms: f32) -> f32 {
    0.5 + 0.4 * (2.0 * std::f32::consts::PI * t_ms / DELAY_PERIOD_MS).sin()
}

pub const DELAY_PERIOD_MS: f32 = 300.0;

/// The shift (in samples, up to `max_shift`) that best aligns `out` with `reference`
/// (least squares over the samples from `start`).
pub fn best_shift(out: &[f32], reference: &[f32], start: usize, max_shift: usize) -> usize {
    let mut best = (f32::INFINITY, 0);
    for s in 0..=max_shift.min(start) {
        let err: f32 = (start..out.len().min(reference.len()))
            .map(|k| (out[k] - reference[k - s]).powi(2))
            .sum();
        if err < best.0 {
            best = (err, s);
        }
    }
    best.1
}

fn chain_lag(lookahead: Lookahead, depth: usize, dt: f32, feedback: bool) -> f32 {
    let mut net = delay_chain(lookahead, depth, dt, feedback);
    let tau = net.config.tau;
    let period_ms = DELAY_PERIOD_MS;
    let steps = (4.0 * period_ms / dt) as usize;
    let mut buf = InferBuffers::default();
    let (mut out, mut map) = (Vec::with_capacity(steps), Vec::with_capacity(steps));
    for k in 0..steps {
        let t = k as f32 * dt;
        let x = [delay_input(t)];
        net.step(StepInput {
            x: &x,
            target: None,
            beta: 0.0,
            plastic: false,
        })
        .expect("finite");
        out.push(net.output()[0]);
        let rbar0 = net.rbar_in.clone();
        map.push(net.infer(&rbar0, &mut buf)[0]);
    }
    // Skip the first period (start-up transient); try shifts up to 8τ.
    let start = (period_ms / dt) as usize;
    let max_shift = (8.0 * tau / dt) as usize;
    best_shift(&out, &map, start, max_shift) as f32 * dt
}

/// The energy regimes of the poster / Fig. 1: (i) β = 0, no plasticity: E → 0; (ii) nudging
/// β > 0 without plasticity: E stays > 0; (iii) plasticity on: E falls as the network learns
/// to produce the target by itself.
#[derive(Clone, Debug, Serialize)]
pub struct EnergyResult {
    /// E of the start state (all voltages 0, not yet on the prediction from below).
    pub initial: f64,
    /// E after settling with β = 0 and no plasticity.
    pub free: f64,
    /// E after settling with β > 0 and no plasticity.
    pub nudged: f64,
    /// E after `learn_ms` of plasticity, and its fall relative to `nudged`.
    pub learned: f64,
    pub fall: f64,
    pub learn_ms: f32,
    /// Simulated ms of plasticity until E first fell by 80 %.
    pub ms_to_80_percent: Option<f32>,
}

pub fn energy_regimes(seed: u64, learn_ms: f32) -> EnergyResult {
    let config = NetConfig {
        layers: vec![20, 15, 5],
        ..NetConfig::default()
    };
    let mut rng = Rng::new(seed);
    let mut net = Network::new(config, &mut rng).expect("valid");
    for l in &mut net.layers {
        l.b.iter_mut().for_each(|b| *b = 0.3);
    }
    let x: Vec<f32> = (0..20).map(|_| rng.uniform() as f32).collect();
    let y: Vec<f32> = (0..5).map(|_| rng.uniform() as f32).collect();
    let beta = net.config.beta;
    let dt = net.config.dt;
    let e = |net: &Network, b: f32| {
        let (m, c) = energy(net, Some(&y), b);
        m + c
    };
    let run = |net: &mut Network, ms: f32, b: f32, plastic: bool| {
        for _ in 0..(ms / dt) as usize {
            net.step(StepInput {
                x: &x,
                target: Some(&y),
                beta: b,
                plastic,
            })
            .expect("finite");
        }
    };
    net.step(StepInput {
        x: &x,
        target: Some(&y),
        beta: 0.0,
        plastic: false,
    })
    .expect("finite");
    let initial = e(&net, 0.0);
    run(&mut net, 300.0, 0.0, false);
    let free = e(&net, 0.0);
    run(&mut net, 300.0, beta, false);
    let nudged = e(&net, beta);
    let mut ms_to_80 = None;
    let steps = (learn_ms / dt) as usize;
    for k in 0..steps {
        net.step(StepInput {
            x: &x,
            target: Some(&y),
            beta,
            plastic: true,
        })
        .expect("finite");
        if ms_to_80.is_none() && e(&net, beta) <= 0.2 * nudged {
            ms_to_80 = Some((k + 1) as f32 * dt);
        }
    }
    let learned = e(&net, beta);
    EnergyResult {
        initial,
        free,
        nudged,
        learned,
        fall: 1.0 - learned / nudged,
        learn_ms,
        ms_to_80_percent: ms_to_80,
    }
}

/// Theorem 1 (rt-DeEP): settle a random 12-10-9-5 network with nudging β (no plasticity) and
/// return, per layer, the cosine between the NLA update direction (1/β) ē_l r_{l−1}ᵀ and the
/// negative gradient −∂C/∂W_l of an independent plain backprop at the free state.
pub fn theorem1(integrator: Integrator, lookahead: Lookahead, beta: f32, seed: u64) -> Vec<f64> {
    let dt = if integrator == Integrator::PreviousUdot {
        0.5
    } else {
        1.0
    };
    let config = NetConfig {
        layers: vec![12, 10, 9, 5],
        dt,
        integrator,
        lookahead,
        ..NetConfig::default()
    };
    let mut rng = Rng::new(seed);
    let mut net = Network::new(config, &mut rng).expect("valid");
    // The previous-u̇ step only settles where its u̇ fixed-point loop contracts (spectral radius
    // of ρ'W_{l+1}ᵀW_{l+1}ρ' below 1): smaller weights for it.
    let gain = if integrator == Integrator::PreviousUdot {
        0.2
    } else {
        1.0
    };
    for layer in &mut net.layers {
        // A positive bias puts most neurons inside ρ's linear range.
        let sd = gain * (2.0 / layer.n_in as f64).sqrt();
        layer
            .w
            .iter_mut()
            .for_each(|w| *w = (rng.normal() * sd) as f32);
        layer
            .b
            .iter_mut()
            .for_each(|b| *b = 0.3 + 0.1 * rng.normal() as f32);
    }
    let x: Vec<f32> = (0..net.n_in()).map(|_| rng.uniform() as f32).collect();
    let y: Vec<f32> = (0..net.n_out()).map(|_| rng.uniform() as f32).collect();
    // Without lookahead the slowest mode of the error loop is slow: settle for 400 τ.
    for _ in 0..(400.0 * net.config.tau / dt) as usize {
        net.step(StepInput {
            x: &x,
            target: Some(&y),
            beta,
            plastic: false,
        })
        .expect("finite");
    }
    let (grads, _) = neg_gradient(&net, &x, &y);
    (0..net.layers.len())
        .map(|l| {
            let layer = &net.layers[l];
            let r_below: &[f32] = if l == 0 { &x } else { &net.layers[l - 1].r };
            let mut nla = vec![0.0f64; layer.n * layer.n_in];
            for i in 0..layer.n {
                for j in 0..layer.n_in {
                    nla[i * layer.n_in + j] =
                        layer.mismatch[i] as f64 * r_below[j] as f64 / beta as f64;
                }
            }
            cosine(&nla, &grads[l])
        })
        .collect()
}

/// Median over seeds of each layer's Theorem-1 cosine, for each β: the β curve.
pub fn theorem1_curve(betas: &[f32], seeds: u64) -> Vec<Vec<f64>> {
    betas
        .iter()
        .map(|&b| {
            let per_seed: Vec<Vec<f64>> = (1..=seeds)
                .map(|s| theorem1(Integrator::Sweep, Lookahead::Advanced, b, s))
                .collect();
            (0..per_seed[0].len())
                .map(|l| {
                    let mut v: Vec<f64> = per_seed.iter().map(|c| c[l]).collect();
                    v.sort_by(|a, b| a.total_cmp(b));
                    v[v.len() / 2]
                })
                .collect()
        })
        .collect()
}

/// A 30-20-5 network with a microcircuit under its hidden layer, forward weights frozen.
pub fn circuit_net(nudging: InterneuronNudging, seed: u64) -> Network {
    let c = NetConfig {
        layers: vec![30, 20, 5],
        feedback: Feedback::Microcircuit,
        interneurons: 10,
        interneuron_nudging: nudging,
        eta: 0.0, // forward weights frozen
        // W^IP learns at β^I η_ip ‖r‖² per ms, W^PI at η_pi ‖u^I‖²: rates for this small circuit.
        eta_ip: 0.2,
        eta_pi: 0.05,
        ..NetConfig::default()
    };
    let mut n = Network::new(c, &mut Rng::new(seed)).expect("valid");
    for l in &mut n.layers {
        l.b.iter_mut().for_each(|b| *b = 0.3);
    }
    n
}

/// Theorem 2 (rt-DeEL) figures: alignment angle and apical error at the start and the end.
#[derive(Clone, Debug, Serialize)]
pub struct Theorem2Result {
    pub nudging: InterneuronNudging,
    pub steps: usize,
    pub theta_start_deg: f64,
    pub theta_end_deg: f64,
    /// Mean rms apical potential over the first and the last 1000 steps.
    pub apical_start: f64,
    pub apical_end: f64,
}

/// Present random input patterns, 10 ms each, β = 0, interneuron plasticity on.
pub fn learn_lateral(net: &mut Network, steps: usize, seed: u64) -> Theorem2Result {
    let mut rng = Rng::new(seed);
    let mut x = vec![0.0f32; net.n_in()];
    let theta_start_deg = lateral_alignment_deg(net, 0);
    let (mut a0, mut a1) = (0.0, 0.0);
    let window = 1000.min(steps);
    for k in 0..steps {
        if k % 10 == 0 {
            x.iter_mut().for_each(|v| *v = rng.uniform() as f32);
        }
        net.step(StepInput {
            x: &x,
            target: None,
            beta: 0.0,
            plastic: true,
        })
        .expect("finite");
        let a = rms(&net.layers[0].apical);
        if k < window {
            a0 += a / window as f64;
        }
        if k >= steps - window {
            a1 += a / window as f64;
        }
    }
    Theorem2Result {
        nudging: net.config.interneuron_nudging,
        steps,
        theta_start_deg,
        theta_end_deg: lateral_alignment_deg(net, 0),
        apical_start: a0,
        apical_end: a1,
    }
}

/// Relative rms difference between the hidden layer's error ē_l and scale · ρ'_l ⊙ B_l ē_{l+1}.
pub fn eq13_mismatch(net: &Network, scale: f32) -> (f64, f64) {
    let (hidden, above, c) = (&net.layers[0], &net.layers[1], &net.circuits[0]);
    let mut want = vec![0.0f32; hidden.n];
    for a in 0..c.n_above {
        for i in 0..c.n {
            want[i] += c.b_fb[a * c.n + i] * above.mismatch[a];
        }
    }
    let want: Vec<f32> = want
        .iter()
        .zip(&hidden.rp)
        .map(|(w, rp)| scale * w * rp)
        .collect();
    let diff: Vec<f32> = hidden.e.iter().zip(&want).map(|(e, w)| e - w).collect();
    (rms(&diff) / rms(&want), rms(&want))
}

/// Eq. 13 in the self-predicting state: after the circuit has learned (β = 0), nudge the output
/// and compare the hidden error with ρ' ⊙ B ē_{l+1}. While the interneurons are nudged (β^I > 0)
/// they also copy a share β^I of the error from above, so the apical potential carries
/// (1 − β^I) of it (Eqs. 9–10); with β^I = 0, all of it.
#[derive(Clone, Debug, Serialize)]
pub struct Eq13Result {
    pub beta_i: f32,
    /// relative mismatch vs (1 − β^I) ρ'Bē, interneurons nudged
    pub rel_nudged: f64,
    /// relative mismatch vs ρ'Bē, interneuron nudging off
    pub rel_free: f64,
    pub error_rms: f64,
}

pub fn eq13(learn_steps: usize) -> Eq13Result {
    let mut net = circuit_net(InterneuronNudging::Mixed, 3);
    learn_lateral(&mut net, learn_steps, 4);
    let mut rng = Rng::new(5);
    let x: Vec<f32> = (0..net.n_in()).map(|_| rng.uniform() as f32).collect();
    let y: Vec<f32> = (0..net.n_out()).map(|_| rng.uniform() as f32).collect();
    let settle = |net: &mut Network| {
        for _ in 0..500 {
            net.step(StepInput {
                x: &x,
                target: Some(&y),
                beta: 0.1,
                plastic: false,
            })
            .expect("finite");
        }
    };
    let beta_i = net.config.beta_i;
    settle(&mut net);
    let (rel_nudged, error_rms) = eq13_mismatch(&net, 1.0 - beta_i);
    net.config.beta_i = 0.0;
    settle(&mut net);
    let (rel_free, _) = eq13_mismatch(&net, 1.0);
    Eq13Result {
        beta_i,
        rel_nudged,
        rel_free,
        error_rms,
    }
}
