//! A layered network of pyramidal neurons learning by the neuronal least-action principle
//! (Senn et al., eLife 2024; "the paper"). Equation numbers refer to the paper's Results.
//!
//! Layer `l = 1..N` has somatic voltages `u_l` and integrates
//!
//! ```text
//! τ u̇_l = −u_l + W_l r_{l−1} + b_l + e_l                                  (Eq. 7a)
//! r_l   = ρ(u_l) + τ ρ'(u_l) u̇_l          prospective rate (≈ ρ(u_l(t+τ)))
//! ē_N   = β (u*_N − u_N)                   output nudging toward the target
//! ē_l   = ρ'(u_l) ⊙ W_{l+1}ᵀ (u_{l+1} − W_{l+1} r̄_l − b_{l+1})            (Eq. 7b)
//! e_l   = ē_l + τ ė̄_l                      prospective error (apical input)
//! Ẇ_l   = η (u_l − W_l r̄_{l−1} − b_l) r̄_{l−1}ᵀ                             (Eq. 8)
//! ```
//!
//! The implicit ODE (u̇ on both sides, through r and e) is integrated in one of two ways,
//! chosen by [`Integrator`]:
//!
//! * [`Integrator::Sweep`] (default): an explicit sweep up the layers. Each layer gets the
//!   *fresh* prospective rate of the layer below, so its `u̇` is known exactly, and its
//!   apical error from the previous step (the "latent equilibrium" step of Haider et al. 2021).
//!   Never needs a linear solve and never iterates `u̇` through a loop. With the default
//!   [`Lookahead::Advanced`] it is the latent-equilibrium form of the equations above: the rate
//!   is ρ(ŭ) at the advanced voltage ŭ = u + τu̇, and plasticity (Eq. 8) and errors (Eq. 7b) use
//!   the prospective mismatch ŭ_l − W_l r_{l−1} − b_l, which equals the prospective error e_l.
//!   Stable for any dt ≤ τ with lookahead; without lookahead the lagging mismatch is not scaled
//!   by β and diverges at learning rates the prospective forms tolerate.
//! * [`Integrator::PreviousUdot`]: the paper's own "Euler with the previous u̇" (Results after
//!   Eq. 7b), with the first-order rate and the non-prospective mismatch of Eq. 8 literally:
//!   every `u̇` on the right-hand side is the one of the previous step. A fixed-point iteration
//!   that stops converging when ρ'W_{l+1}ᵀW_{l+1}ρ' grows past 1 (Appendix 3).
//!
//! Inputs follow the paper's convention (Results, before Fig. 4): the input `x(t)` *is* the
//! prospective rate `r_0` of a low-pass filtered input `r̄_0` (τ ṙ̄_0 = −r̄_0 + x), so a digit can
//! be switched in one step without a finite-difference spike. The target is treated the same
//! way: `y(t)` is the prospective target `u* + τ u̇*`.

use crate::kernels::{dot, forward, rank1_update, transpose_matvec};
use crate::rng::Rng;
use serde::{Deserialize, Serialize};

/// Hard sigmoid, the paper's transfer function for MNIST (Methods › Details for Figure 4).
#[inline]
pub fn rho(u: f32) -> f32 {
    u.clamp(0.0, 1.0)
}

/// ρ'(u): 1 inside the linear range, 0 outside (ρ'' = 0 almost everywhere).
#[inline]
pub fn rho_prime(u: f32) -> f32 {
    if u > 0.0 && u < 1.0 {
        1.0
    } else {
        0.0
    }
}

/// How the implicit dynamics is stepped (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Integrator {
    Sweep,
    PreviousUdot,
}

/// Which rate a neuron sends to the next layer (the "lookahead" of Fig. 2 and Fig. 4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Lookahead {
    /// r = ρ(u + τu̇): the prospective rate evaluated at the advanced voltage ŭ = u + τu̇
    /// (latent equilibrium). Equals the paper's first-order form inside ρ's linear range and
    /// stays within ρ's range outside it.
    Advanced,
    /// r = ρ(u) + τρ'(u)u̇: the paper's first-order prospective rate, literally.
    FirstOrder,
    /// r = ρ(u): no lookahead. Each layer then lags its input by about τ (Fig. 4 control); the
    /// input neurons, too, send their instantaneous rate r̄_0 instead of x.
    None,
}

/// How a hidden layer learns its error (the top-down path into the apical dendrite).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Feedback {
    /// Apical input W_{l+1}ᵀ(u_{l+1} − W_{l+1} r̄_l): the textbook shortcut (Eq. 7b).
    WeightTransport,
    /// A fixed random B_l in place of W_{l+1}ᵀ (feedback alignment).
    Random,
    /// Lateral interneurons learn to explain away the top-down input B_l u_{l+1}, so the apical
    /// potential carries the error (Eqs. 9–13, rt-DeEL).
    Microcircuit,
}

/// How the interneurons of layer l are nudged by the layer above (Eq. 9, B^IP).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InterneuronNudging {
    /// Interneuron k follows pyramidal neuron k of layer l+1 (the rest are not nudged).
    OneToOne,
    /// Each interneuron follows a fixed random mixture of layer l+1 (paper, Fig. 5).
    Mixed,
}

/// Everything that defines a network and its learning, in the paper's units (ms).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NetConfig {
    /// Layer sizes, input first (e.g. 784-300-10).
    pub layers: Vec<usize>,
    /// Membrane time constant τ in ms (paper: 10 ms).
    pub tau: f32,
    /// Euler step dt in ms.
    pub dt: f32,
    /// Output nudging strength β during training (paper: 0.1).
    pub beta: f32,
    /// Learning rate η of W and b, per ms of simulated time.
    pub eta: f32,
    /// Per-layer factors on η (length N, or empty for all 1).
    pub eta_layer_factors: Vec<f32>,
    /// Per-layer factors on the initial weight scale N(0, 1/n_in) (length N, or empty for all 1).
    /// Small upper-layer weights start the top-down signal near zero, which lets a microcircuit
    /// align before it carries anything (the paper starts all weights at N(0, 0.01²)).
    pub init_scales: Vec<f32>,
    pub integrator: Integrator,
    pub lookahead: Lookahead,
    pub feedback: Feedback,
    /// Interneurons per hidden layer (Theorem 2 needs at least as many as layer l+1 has
    /// pyramidal neurons; paper Fig. 5: 40 under 10 outputs).
    pub interneurons: usize,
    pub interneuron_nudging: InterneuronNudging,
    /// Interneuron nudging strength β^I (paper: 0.1/1.1).
    pub beta_i: f32,
    /// Learning rates of pyramid→interneuron (Eq. 11a) and interneuron→pyramid (Eq. 11b) weights.
    pub eta_ip: f32,
    pub eta_pi: f32,
}

impl Default for NetConfig {
    fn default() -> Self {
        NetConfig {
            layers: vec![784, 300, 10],
            tau: 10.0,
            dt: 1.0,
            beta: 0.1,
            eta: 0.05,
            eta_layer_factors: vec![],
            init_scales: vec![],
            integrator: Integrator::Sweep,
            lookahead: Lookahead::Advanced,
            feedback: Feedback::WeightTransport,
            interneurons: 40,
            interneuron_nudging: InterneuronNudging::Mixed,
            beta_i: 0.1 / 1.1,
            eta_ip: 0.1,
            eta_pi: 0.1,
        }
    }
}

/// A refused configuration, naming the field.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfigError {
    pub field: &'static str,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl NetConfig {
    pub const MAX_NEURONS_PER_LAYER: usize = 4096;
    pub const MAX_WEIGHTS: usize = 8_000_000;

    pub fn validate(&self) -> Result<(), ConfigError> {
        let err = |field, message: String| Err(ConfigError { field, message });
        if self.layers.len() < 2 {
            return err(
                "layers",
                "need at least an input and an output layer".into(),
            );
        }
        if let Some(&n) = self
            .layers
            .iter()
            .find(|&&n| n == 0 || n > Self::MAX_NEURONS_PER_LAYER)
        {
            return err(
                "layers",
                format!(
                    "every layer needs 1..={} neurons, got {n}",
                    Self::MAX_NEURONS_PER_LAYER
                ),
            );
        }
        let weights: usize = self.layers.windows(2).map(|p| p[0] * p[1]).sum();
        if weights > Self::MAX_WEIGHTS {
            return err(
                "layers",
                format!(
                    "{weights} weights exceed the limit of {}",
                    Self::MAX_WEIGHTS
                ),
            );
        }
        if !(self.tau.is_finite() && self.tau > 0.0) {
            return err(
                "tau",
                format!("must be a positive number of ms, got {}", self.tau),
            );
        }
        if !(self.dt.is_finite() && self.dt > 0.0) {
            return err(
                "dt",
                format!("must be a positive number of ms, got {}", self.dt),
            );
        }
        // Forward Euler on τu̇ = −u + … is unstable beyond dt = 2τ and oscillates beyond τ.
        if self.dt > self.tau {
            return err(
                "dt",
                format!(
                    "must not exceed τ = {} ms for a stable Euler step, got {}",
                    self.tau, self.dt
                ),
            );
        }
        if self.integrator == Integrator::PreviousUdot && self.dt > 0.2 * self.tau {
            return err(
                "dt",
                format!(
                    "the previous-u̇ integrator needs dt ≤ 0.2 τ = {} ms (model-spec §7.2), got {}",
                    0.2 * self.tau,
                    self.dt
                ),
            );
        }
        if !(self.beta.is_finite() && (0.0..=10.0).contains(&self.beta)) {
            return err("beta", format!("must be in [0, 10], got {}", self.beta));
        }
        if !(self.eta.is_finite() && (0.0..=1.0).contains(&self.eta)) {
            return err("eta", format!("must be in [0, 1] per ms, got {}", self.eta));
        }
        let n_w = self.layers.len() - 1;
        if !self.eta_layer_factors.is_empty() && self.eta_layer_factors.len() != n_w {
            return err(
                "eta_layer_factors",
                format!(
                    "need {n_w} factors (one per weight layer), got {}",
                    self.eta_layer_factors.len()
                ),
            );
        }
        if self
            .eta_layer_factors
            .iter()
            .any(|f| !(f.is_finite() && (0.0..=10.0).contains(f)))
        {
            return err("eta_layer_factors", "each factor must be in [0, 10]".into());
        }
        if !self.init_scales.is_empty() && self.init_scales.len() != n_w {
            return err(
                "init_scales",
                format!(
                    "need {n_w} factors (one per weight layer), got {}",
                    self.init_scales.len()
                ),
            );
        }
        if self
            .init_scales
            .iter()
            .any(|f| !(f.is_finite() && (0.0..=10.0).contains(f)))
        {
            return err("init_scales", "each factor must be in [0, 10]".into());
        }
        if !(1..=Self::MAX_NEURONS_PER_LAYER).contains(&self.interneurons) {
            return err(
                "interneurons",
                format!(
                    "must be 1..={}, got {}",
                    Self::MAX_NEURONS_PER_LAYER,
                    self.interneurons
                ),
            );
        }
        if self.feedback == Feedback::Microcircuit {
            // Theorem 2: W^PI B^IP = B_l needs B^IP of full column rank.
            if let Some(&widest_above) = self.layers[2..].iter().max() {
                if self.interneurons < widest_above {
                    return err(
                        "interneurons",
                        format!("the microcircuit needs at least as many interneurons as the layer above has neurons ({widest_above}), got {}", self.interneurons),
                    );
                }
            }
        }
        if self.integrator == Integrator::PreviousUdot && self.feedback != Feedback::WeightTransport
        {
            return err(
                "feedback",
                "the previous-u̇ integrator is implemented for weight transport only".into(),
            );
        }
        if self.integrator == Integrator::PreviousUdot && self.lookahead != Lookahead::FirstOrder {
            return err(
                "lookahead",
                "the previous-u̇ integrator uses the paper's first-order rate ρ(u) + τρ'(u)u̇ only"
                    .into(),
            );
        }
        if !(self.beta_i.is_finite() && (0.0..1.0).contains(&self.beta_i)) {
            return err("beta_i", format!("must be in [0, 1), got {}", self.beta_i));
        }
        for (field, v) in [("eta_ip", self.eta_ip), ("eta_pi", self.eta_pi)] {
            if !(v.is_finite() && (0.0..=1.0).contains(&v)) {
                return err(field, format!("must be in [0, 1] per ms, got {v}"));
            }
        }
        Ok(())
    }

    /// The lookahead an integrator uses when prospective rates are on.
    pub fn default_lookahead(integrator: Integrator) -> Lookahead {
        match integrator {
            Integrator::Sweep => Lookahead::Advanced,
            Integrator::PreviousUdot => Lookahead::FirstOrder,
        }
    }

    fn eta_of(&self, l: usize) -> f32 {
        self.eta * self.eta_layer_factors.get(l).copied().unwrap_or(1.0)
    }
}

/// One layer of pyramidal neurons with its incoming (basal) weights.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PyramidalLayer {
    pub n_in: usize,
    pub n: usize,
    /// Basal weights W_l, stored input-major: `w[j * n + i]` = W_ij from presynaptic j to
    /// neuron i (see `kernels`). Use [`PyramidalLayer::weight`] for index-free reading.
    pub w: Vec<f32>,
    pub b: Vec<f32>,
    /// Somatic voltage u_l.
    pub u: Vec<f32>,
    /// u̇_l of the last step (the previous-u̇ integrator feeds it back).
    pub udot: Vec<f32>,
    /// The voltage the neuron presents to plasticity and the layer above: the advanced voltage
    /// ŭ_l = u_l + τu̇_l with lookahead, the somatic u_l without (Lookahead::None).
    pub u_adv: Vec<f32>,
    /// Prospective rate r_l sent to the next layer.
    pub r: Vec<f32>,
    /// Instantaneous rate r̄_l = ρ(u_l).
    pub rbar: Vec<f32>,
    /// ρ' used to gate the error coming down into this layer.
    pub rp: Vec<f32>,
    /// Prospective basal input W_l r_{l−1} + b_l.
    pub basal: Vec<f32>,
    /// Apical input e_l: the prospective error that enters Eq. 7a (nudging for the output).
    pub e: Vec<f32>,
    /// Somato-basal mismatch that drives plasticity (Eq. 8): ŭ_l − W_l r_{l−1} − b_l on the
    /// prospective state for the sweep with lookahead (= e_l), u_l − W_l r̄_{l−1} − b_l otherwise.
    pub mismatch: Vec<f32>,
    /// Apical potential before the ρ' gate (hidden layers): e_l = ρ'_l ⊙ apical_l (Eq. 13).
    pub apical: Vec<f32>,
}

impl PyramidalLayer {
    fn new(n_in: usize, n: usize, scale: f32, rng: &mut Rng) -> Self {
        // W ~ N(0, 1/n_in): keeps basal inputs O(1) so the hard sigmoid starts in its linear range.
        let sd = scale as f64 * (1.0 / n_in as f64).sqrt();
        let w = (0..n * n_in).map(|_| (rng.normal() * sd) as f32).collect();
        let z = vec![0.0; n];
        PyramidalLayer {
            n_in,
            n,
            w,
            b: z.clone(),
            u: z.clone(),
            udot: z.clone(),
            u_adv: z.clone(),
            r: z.clone(),
            rbar: z.clone(),
            rp: z.clone(),
            basal: z.clone(),
            e: z.clone(),
            mismatch: z.clone(),
            apical: z,
        }
    }

    /// W_ij: from presynaptic neuron j (layer l−1) to neuron i (layer l).
    #[inline]
    pub fn weight(&self, i: usize, j: usize) -> f32 {
        self.w[j * self.n + i]
    }

    fn reset_state(&mut self) {
        for v in [
            &mut self.u,
            &mut self.udot,
            &mut self.u_adv,
            &mut self.r,
            &mut self.rbar,
            &mut self.rp,
            &mut self.basal,
            &mut self.e,
            &mut self.mismatch,
            &mut self.apical,
        ] {
            v.fill(0.0);
        }
    }
}

/// The top-down path and the lateral interneurons of hidden layer l (Eqs. 9–11).
/// Always present, so the feedback mode can be switched without losing anything learned.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LateralCircuit {
    /// Pyramidal neurons in layer l, in layer l+1, interneurons.
    pub n: usize,
    pub n_above: usize,
    pub m: usize,
    /// Fixed random top-down weights B_l (n × n_above, input-major), onto apical dendrites.
    pub b_fb: Vec<f32>,
    /// Fixed top-down nudging of the interneurons B^IP_l (m × n_above, input-major).
    pub b_ip: Vec<f32>,
    /// Plastic pyramid → interneuron weights W^IP_l (m × n) and interneuron biases.
    pub w_ip: Vec<f32>,
    pub b_i: Vec<f32>,
    /// Plastic interneuron → pyramid (apical) weights W^PI_l (n × m).
    pub w_pi: Vec<f32>,
    /// Interneuron voltages u^I_l (linear transfer).
    pub u_i: Vec<f32>,
    /// Interneuron basal prediction W^IP r_l + b^I, and the top-down input B_l u_{l+1}.
    pub basal_i: Vec<f32>,
    pub top_down: Vec<f32>,
}

impl LateralCircuit {
    fn new(n: usize, n_above: usize, m: usize, nudging: InterneuronNudging, rng: &mut Rng) -> Self {
        let normal = |len: usize, sd: f64, rng: &mut Rng| -> Vec<f32> {
            (0..len).map(|_| (rng.normal() * sd) as f32).collect()
        };
        // B_l stands in for W_{l+1}ᵀ, so it gets W_{l+1}'s scale, N(0, 1/n): measured, a larger
        // B (N(0, 1/n_above)) makes feedback alignment learn slower (92.1 % vs 95.2 % on the
        // official test set after 25k/40k digits) by overdriving the hidden layer.
        let b_fb = normal(n * n_above, (1.0 / n as f64).sqrt(), rng);
        let b_ip = match nudging {
            InterneuronNudging::Mixed => normal(m * n_above, (1.0 / n_above as f64).sqrt(), rng),
            InterneuronNudging::OneToOne => {
                // input-major: column j (neuron j above) has a 1 at interneuron j.
                let mut v = vec![0.0; m * n_above];
                for j in 0..n_above.min(m) {
                    v[j * m + j] = 1.0;
                }
                v
            }
        };
        // Small plastic weights: the circuit starts far from alignment (tabula rasa, Fig. 5).
        let w_ip = normal(m * n, 0.1 / (n as f64).sqrt(), rng);
        let w_pi = normal(n * m, 0.1 / (m as f64).sqrt(), rng);
        LateralCircuit {
            n,
            n_above,
            m,
            b_fb,
            b_ip,
            w_ip,
            b_i: vec![0.0; m],
            w_pi,
            u_i: vec![0.0; m],
            basal_i: vec![0.0; m],
            top_down: vec![0.0; n],
        }
    }

    /// Interneuron voltages (Eq. 9) and the apical potential of layer l (Eq. 10):
    /// u^I = (1 − β^I)(W^IP r_l + b^I) + β^I B^IP u_{l+1};   apical = B u_{l+1} − W^PI u^I.
    fn apical(&mut self, r: &[f32], u_above: &[f32], beta_i: f32, apical: &mut [f32]) {
        forward(&self.w_ip, r, &self.b_i, &mut self.basal_i);
        forward_nobias(&self.b_ip, u_above, &mut self.u_i);
        for (ui, bi) in self.u_i.iter_mut().zip(&self.basal_i) {
            *ui = (1.0 - beta_i) * bi + beta_i * *ui;
        }
        forward_nobias(&self.b_fb, u_above, &mut self.top_down);
        forward_nobias(&self.w_pi, &self.u_i, apical);
        for (a, t) in apical.iter_mut().zip(&self.top_down) {
            *a = t - *a;
        }
    }

    /// Eq. 11a: Ẇ^IP = η^IP (u^I − W^IP r − b^I) rᵀ;  Eq. 11b: Ẇ^PI = η^PI (B u_{l+1} − W^PI u^I) u^Iᵀ.
    fn learn(&mut self, r: &[f32], apical: &[f32], dt_eta_ip: f32, dt_eta_pi: f32) {
        for (bi, ui) in self.basal_i.iter_mut().zip(&self.u_i) {
            *bi = ui - *bi; // now the interneuron's somato-dendritic mismatch
        }
        rank1_update(&mut self.w_ip, dt_eta_ip, &self.basal_i, r);
        for (b, m) in self.b_i.iter_mut().zip(&self.basal_i) {
            *b += dt_eta_ip * m;
        }
        rank1_update(&mut self.w_pi, dt_eta_pi, apical, &self.u_i);
    }
}

fn forward_nobias(w: &[f32], x: &[f32], y: &mut [f32]) {
    y.fill(0.0);
    for (col, &xj) in w.chunks_exact(y.len()).zip(x) {
        if xj != 0.0 {
            crate::kernels::axpy(y, xj, col);
        }
    }
}

/// What one call of [`Network::step`] is asked to do.
#[derive(Clone, Copy, Debug)]
pub struct StepInput<'a> {
    /// Input rates x(t) (the prospective rate of the input layer).
    pub x: &'a [f32],
    /// Voltage target of the output neurons, if any.
    pub target: Option<&'a [f32]>,
    /// Nudging strength β for this step (0 = free phase).
    pub beta: f32,
    /// Whether the weights learn during this step.
    pub plastic: bool,
}

/// The state went non-finite; the caller keeps its last finite copy.
#[derive(Clone, Debug, PartialEq)]
pub struct Diverged {
    pub layer: usize,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Network {
    pub config: NetConfig,
    pub layers: Vec<PyramidalLayer>,
    /// One lateral circuit per hidden layer (`circuits[l]` sits under `layers[l]`).
    pub circuits: Vec<LateralCircuit>,
    /// Low-pass filtered input r̄_0 (τ ṙ̄_0 = −r̄_0 + x); x itself is the prospective rate r_0.
    pub rbar_in: Vec<f32>,
    /// Simulated time in ms.
    pub time: f64,
    #[serde(skip)]
    scratch: Vec<f32>,
}

impl Network {
    pub fn new(config: NetConfig, rng: &mut Rng) -> Result<Self, ConfigError> {
        config.validate()?;
        let layers = config
            .layers
            .windows(2)
            .enumerate()
            .map(|(l, p)| {
                PyramidalLayer::new(
                    p[0],
                    p[1],
                    config.init_scales.get(l).copied().unwrap_or(1.0),
                    rng,
                )
            })
            .collect();
        let circuits = Self::new_circuits(&config, rng);
        let n0 = config.layers[0];
        let widest = *config.layers.iter().max().unwrap();
        Ok(Network {
            rbar_in: vec![0.0; n0],
            layers,
            circuits,
            config,
            time: 0.0,
            scratch: vec![0.0; widest],
        })
    }

    fn new_circuits(config: &NetConfig, rng: &mut Rng) -> Vec<LateralCircuit> {
        let sizes = &config.layers[1..];
        sizes
            .windows(2)
            .map(|p| {
                LateralCircuit::new(
                    p[0],
                    p[1],
                    config.interneurons,
                    config.interneuron_nudging,
                    rng,
                )
            })
            .collect()
    }

    pub fn n_in(&self) -> usize {
        self.config.layers[0]
    }

    pub fn n_out(&self) -> usize {
        *self.config.layers.last().unwrap()
    }

    /// Output voltages u_N.
    pub fn output(&self) -> &[f32] {
        &self.layers.last().unwrap().u
    }

    /// Forget the neural state (voltages, errors), keep what was learned.
    pub fn reset_state(&mut self) {
        self.layers.iter_mut().for_each(PyramidalLayer::reset_state);
        self.rbar_in.fill(0.0);
    }

    /// Change parameters that do not change shapes; learned weights survive.
    pub fn set_config(&mut self, config: NetConfig, rng: &mut Rng) -> Result<(), ConfigError> {
        config.validate()?;
        if config.layers != self.config.layers {
            return Err(ConfigError {
                field: "layers",
                message: "changing layer sizes needs a new network".into(),
            });
        }
        if config.interneurons != self.config.interneurons
            || config.interneuron_nudging != self.config.interneuron_nudging
        {
            // Only the lateral circuits are rebuilt; the pyramidal weights stay.
            self.circuits = Self::new_circuits(&config, rng);
        }
        self.config = config;
        Ok(())
    }

    /// Advance the network by one Euler step dt.
    pub fn step(&mut self, input: StepInput) -> Result<(), Diverged> {
        assert_eq!(input.x.len(), self.n_in(), "input size");
        if let Some(t) = input.target {
            assert_eq!(t.len(), self.n_out(), "target size");
        }
        match self.config.integrator {
            Integrator::Sweep => self.step_sweep(input),
            Integrator::PreviousUdot => self.step_previous_udot(input),
        }
        let dt = self.config.dt;
        // r̄_0 low-passes the input (paper: r_in is the prospective rate of r̄_in).
        let k = dt / self.config.tau;
        for (rb, &x) in self.rbar_in.iter_mut().zip(input.x) {
            *rb += k * (x - *rb);
            // A silent pixel decays geometrically into subnormal floats, which are ~100× slower
            // on x86; below 1e-12 it is zero for every purpose here.
            if rb.abs() < 1e-12 {
                *rb = 0.0;
            }
        }
        self.time += dt as f64;
        self.check_finite()
    }

    /// Explicit sweep: fresh rates from below, apical errors from the previous step.
    fn step_sweep(&mut self, input: StepInput) {
        let NetConfig {
            tau, dt, lookahead, ..
        } = self.config;
        let n_layers = self.layers.len();
        // Upward sweep (Eq. 7a): the layer below has already been advanced, so u̇_l is explicit.
        for l in 0..n_layers {
            let (below, rest) = self.layers.split_at_mut(l);
            let layer = &mut rest[0];
            let r_below: &[f32] = if l > 0 {
                &below[l - 1].r
            } else if lookahead == Lookahead::None {
                &self.rbar_in // no lookahead anywhere: the input neurons send r̄_0 too
            } else {
                input.x
            };
            forward(&layer.w, r_below, &layer.b, &mut layer.basal);
            for i in 0..layer.n {
                let u = layer.u[i];
                let udot = (layer.basal[i] - u + layer.e[i]) / tau;
                let u_adv = u + tau * udot; // = basal + e: the voltage τ ahead
                layer.udot[i] = udot;
                layer.rbar[i] = rho(u);
                let (r, rp, seen) = match lookahead {
                    Lookahead::Advanced => (rho(u_adv), rho_prime(u_adv), u_adv),
                    Lookahead::FirstOrder => {
                        (rho(u) + rho_prime(u) * tau * udot, rho_prime(u), u_adv)
                    }
                    Lookahead::None => (rho(u), rho_prime(u), u),
                };
                layer.r[i] = r;
                layer.rp[i] = rp;
                layer.u_adv[i] = seen;
                // Prospective somato-basal mismatch; with lookahead this is exactly e_l.
                layer.mismatch[i] = seen - layer.basal[i];
                layer.u[i] = u + dt * udot;
            }
        }
        // New apical errors for the next step, top-down.
        self.set_output_nudge(input, |l| &l.u_adv);
        let feedback = self.config.feedback;
        let beta_i = self.config.beta_i;
        for l in (0..n_layers - 1).rev() {
            let (lower, upper) = self.layers.split_at_mut(l + 1);
            let (layer, above) = (&mut lower[l], &upper[0]);
            match feedback {
                // Eq. 7b: W_{l+1}ᵀ (u_{l+1} − W_{l+1} r_l − b_{l+1}).
                Feedback::WeightTransport => {
                    transpose_matvec(&above.w, &above.mismatch, &mut layer.apical)
                }
                // The same mismatch, sent down through a fixed random B_l.
                Feedback::Random => {
                    forward_nobias(&self.circuits[l].b_fb, &above.mismatch, &mut layer.apical)
                }
                // Eqs. 9–10: B_l u_{l+1} minus what the interneurons predict of it.
                Feedback::Microcircuit => {
                    self.circuits[l].apical(&layer.r, &above.u_adv, beta_i, &mut layer.apical)
                }
            }
            // Eq. 13: ē_l = ρ'(u_l) ⊙ apical.
            for ((e, rp), a) in layer.e.iter_mut().zip(&layer.rp).zip(&layer.apical) {
                *e = rp * a;
            }
        }
        if input.plastic {
            // Eq. 8 with the prospective mismatch and presynaptic rates.
            for l in 0..n_layers {
                let eta = self.config.eta_of(l);
                let (below, rest) = self.layers.split_at_mut(l);
                let layer = &mut rest[0];
                let r_below: &[f32] = if l > 0 {
                    &below[l - 1].r
                } else if lookahead == Lookahead::None {
                    &self.rbar_in
                } else {
                    input.x
                };
                rank1_update(&mut layer.w, dt * eta, &layer.mismatch, r_below);
                for (b, m) in layer.b.iter_mut().zip(&layer.mismatch) {
                    *b += dt * eta * m;
                }
            }
            if feedback == Feedback::Microcircuit {
                let (eip, epi) = (dt * self.config.eta_ip, dt * self.config.eta_pi);
                for (circuit, layer) in self.circuits.iter_mut().zip(&self.layers) {
                    circuit.learn(&layer.r, &layer.apical, eip, epi);
                }
            }
        }
    }

    /// e_N = β (y − v_N), with v the (advanced) output voltage; zero without a target.
    fn set_output_nudge(
        &mut self,
        input: StepInput,
        voltage: impl Fn(&PyramidalLayer) -> &Vec<f32>,
    ) {
        let out = self.layers.last_mut().unwrap();
        match input.target {
            Some(y) if input.beta > 0.0 => {
                let v = voltage(out).clone();
                for ((e, &y), v) in out.e.iter_mut().zip(y).zip(v) {
                    *e = input.beta * (y - v);
                }
            }
            _ => out.e.fill(0.0),
        }
    }

    /// The paper's "Euler with previous u̇" (model-spec §3.1, hard sigmoid so ρ'' = 0).
    fn step_previous_udot(&mut self, input: StepInput) {
        let NetConfig { tau, dt, .. } = self.config;
        let n_layers = self.layers.len();
        // (A deserialised network arrives without scratch space.)
        let widest = *self.config.layers.iter().max().unwrap();
        if self.scratch.len() < widest {
            self.scratch.resize(widest, 0.0);
        }
        let plastic = input.plastic;
        // 1–3: instantaneous rates, instantaneous basal prediction, mismatch (drives Ẇ, Eq. 8).
        // 4: prospective rates r = r̄ + τρ'u̇_prev and prospective basal input p = W r + b.
        for l in 0..n_layers {
            let (below, rest) = self.layers.split_at_mut(l);
            let layer = &mut rest[0];
            for i in 0..layer.n {
                layer.rbar[i] = rho(layer.u[i]);
                layer.rp[i] = rho_prime(layer.u[i]);
                layer.r[i] = layer.rbar[i] + tau * layer.rp[i] * layer.udot[i];
            }
            let (rbar_below, r_below): (&[f32], &[f32]) = if l == 0 {
                (&self.rbar_in, input.x)
            } else {
                (&below[l - 1].rbar, &below[l - 1].r)
            };
            forward(&layer.w, rbar_below, &layer.b, &mut self.scratch[..layer.n]);
            for i in 0..layer.n {
                layer.mismatch[i] = layer.u[i] - self.scratch[i];
            }
            forward(&layer.w, r_below, &layer.b, &mut layer.basal);
        }
        // 5: prospective errors e = ē + τė̄ with the previous u̇. Ẇ = η m r̄ᵀ is never formed:
        // Ẇᵀm = η r̄ (m·m) and Ẇ r̄ = η m (r̄·r̄).
        {
            let out = self.layers.last_mut().unwrap();
            match input.target {
                Some(y) if input.beta > 0.0 => {
                    for i in 0..out.n {
                        out.e[i] = input.beta * (y[i] - out.u[i] - tau * out.udot[i]);
                    }
                }
                _ => out.e.fill(0.0),
            }
        }
        for l in (0..n_layers - 1).rev() {
            let eta_above = self.config.eta_of(l + 1);
            let (lower, upper) = self.layers.split_at_mut(l + 1);
            let (layer, above) = (&mut lower[l], &upper[0]);
            // mp = (u + τu̇_prev) − p: prospective mismatch of the layer above.
            let mp = &mut self.scratch[..above.n];
            for i in 0..above.n {
                mp[i] = above.u[i] + tau * above.udot[i] - above.basal[i];
            }
            transpose_matvec(&above.w, mp, &mut layer.e);
            if plastic {
                let mm = dot(&above.mismatch, &above.mismatch);
                let mut wt_wdot_rbar = vec![0.0; layer.n];
                // d/dt(W r̄ + b) = Ẇ r̄ + ḃ = η m (‖r̄‖² + 1): the bias is a presynaptic neuron fixed at 1.
                let rr = dot(&layer.rbar, &layer.rbar) + 1.0;
                let wdot_rbar: Vec<f32> =
                    above.mismatch.iter().map(|m| eta_above * m * rr).collect();
                transpose_matvec(&above.w, &wdot_rbar, &mut wt_wdot_rbar);
                for i in 0..layer.n {
                    layer.e[i] += tau * (eta_above * layer.rbar[i] * mm - wt_wdot_rbar[i]);
                }
            }
            for (e, rp) in layer.e.iter_mut().zip(&layer.rp) {
                *e *= rp;
            }
        }
        // 6–7: u̇ = (p − u + e + τẆr̄)/τ, then Euler for u, W, b.
        for l in 0..n_layers {
            let eta = self.config.eta_of(l);
            let (below, rest) = self.layers.split_at_mut(l);
            let layer = &mut rest[0];
            let rbar_below: &[f32] = if l == 0 {
                &self.rbar_in
            } else {
                &below[l - 1].rbar
            };
            // d/dt(W r̄ + b) = Ẇ r̄ + ḃ = η m (‖r̄‖² + 1): the bias is a presynaptic neuron at 1.
            let rr = if plastic {
                dot(rbar_below, rbar_below) + 1.0
            } else {
                0.0
            };
            for i in 0..layer.n {
                let wdot_rbar = if plastic {
                    eta * layer.mismatch[i] * rr
                } else {
                    0.0
                };
                let udot = (layer.basal[i] - layer.u[i] + layer.e[i] + tau * wdot_rbar) / tau;
                layer.udot[i] = udot;
                layer.u_adv[i] = layer.u[i] + tau * udot;
                layer.u[i] += dt * udot;
            }
            if plastic {
                rank1_update(&mut layer.w, dt * eta, &layer.mismatch, rbar_below);
                for (b, m) in layer.b.iter_mut().zip(&layer.mismatch) {
                    *b += dt * eta * m;
                }
            }
        }
    }

    fn check_finite(&self) -> Result<(), Diverged> {
        // Voltages and errors of every layer are O(n) to check; a non-finite weight shows up in
        // them within one step, so the weights themselves need no scan.
        for (l, layer) in self.layers.iter().enumerate() {
            if !layer.u.iter().chain(&layer.e).all(|v| v.is_finite()) {
                return Err(Diverged { layer: l + 1 });
            }
        }
        Ok(())
    }

    /// The free (β = 0) steady state for a static input: all errors vanish (Eq. 7b), so every
    /// layer sits at u_l = W_l ρ(u_{l−1}) + b_l. This is the network's answer after settling,
    /// computed directly; the weights are not changed.
    pub fn infer<'a>(&self, x: &[f32], buf: &'a mut InferBuffers) -> &'a [f32] {
        buf.ensure(&self.config.layers[1..]);
        for (l, layer) in self.layers.iter().enumerate() {
            let (done, rest) = buf.r.split_at_mut(l);
            let r_below: &[f32] = if l == 0 { x } else { &done[l - 1] };
            forward(&layer.w, r_below, &layer.b, &mut buf.u[l]);
            for (ri, &ui) in rest[0].iter_mut().zip(&buf.u[l]) {
                *ri = rho(ui);
            }
        }
        buf.u.last().unwrap()
    }

    /// All forward weights and biases, layer by layer (W_l then b_l): what `infer` needs.
    pub fn flat_weights(&self) -> Vec<f32> {
        let mut out = Vec::with_capacity(self.layers.iter().map(|l| l.w.len() + l.b.len()).sum());
        for l in &self.layers {
            out.extend_from_slice(&l.w);
            out.extend_from_slice(&l.b);
        }
        out
    }

    /// Set the forward weights and biases from `flat_weights` output of a network of this shape.
    pub fn set_flat_weights(&mut self, flat: &[f32]) -> Result<(), String> {
        let need: usize = self.layers.iter().map(|l| l.w.len() + l.b.len()).sum();
        if flat.len() != need {
            return Err(format!("expected {need} weights, got {}", flat.len()));
        }
        if !flat.iter().all(|v| v.is_finite()) {
            return Err("the weights are not all finite".into());
        }
        let mut at = 0;
        for l in &mut self.layers {
            let (w, b) = (l.w.len(), l.b.len());
            l.w.copy_from_slice(&flat[at..at + w]);
            l.b.copy_from_slice(&flat[at + w..at + w + b]);
            at += w + b;
        }
        Ok(())
    }

    /// Index of the most depolarised output neuron.
    pub fn argmax(v: &[f32]) -> usize {
        let mut best = 0;
        for (i, &x) in v.iter().enumerate() {
            if x > v[best] {
                best = i;
            }
        }
        best
    }
}

/// Scratch for [`Network::infer`], reused across calls so evaluation allocates nothing.
#[derive(Default, Clone, Debug)]
pub struct InferBuffers {
    u: Vec<Vec<f32>>,
    r: Vec<Vec<f32>>,
}

impl InferBuffers {
    /// One voltage and one rate vector per layer above the input.
    fn ensure(&mut self, sizes: &[usize]) {
        if self.u.len() != sizes.len() || self.u.iter().zip(sizes).any(|(v, &n)| v.len() != n) {
            self.u = sizes.iter().map(|&n| vec![0.0; n]).collect();
            self.r = sizes.iter().map(|&n| vec![0.0; n]).collect();
        }
    }
}
