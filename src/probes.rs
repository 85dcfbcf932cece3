//! Live probes of a learning network: ring buffers of the observables in `observe` (energy,
//! errors, alignment angles, one neuron, a few interneurons), recorded while a task steps its
//! network. Any task can own a [`Probes`] — the MNIST session and the iEEG task do — and the
//! page draws its views from it (`web_views`).
//!
//! Cost: `record_fine` is O(neurons) and runs every step; `record` adds a forward pass every
//! `stride` steps; the angles (matrix products, a backprop pass) run every 100th sample.

use crate::network::{Feedback, Network};
use crate::observe::{self, Trace};

/// Live traces of the learning network, one sample per `stride` steps (per step for the cheap
/// ones). Capacity: the last `TRACE_LEN` samples.
pub struct Probes {
    pub stride: usize,
    /// Energy parts (Eq. 3): ½Σ‖mismatch‖² and (β/2)‖u* − u_N‖².
    pub energy_mismatch: Trace,
    pub energy_cost: Trace,
    /// rms somato-basal mismatch u_l − W_l ρ(u_{l−1}) − b_l of every layer.
    pub basal_mismatch: Vec<Trace>,
    /// rms apical potential of each hidden layer, rms output error.
    pub apical: Vec<Trace>,
    pub output_error: Trace,
    /// θ_l (W^PI W^IP vs B W_{l+1}; −1 outside the microcircuit mode) and the B_l vs W_{l+1}ᵀ
    /// angle, per hidden layer, degrees; refreshed every 1000 steps.
    pub lateral_angle: Vec<Trace>,
    pub feedback_angle: Vec<Trace>,
    /// Angle between the NLA update and the exact backprop gradient, degrees (every 1000 steps).
    pub backprop_angle: Trace,
    /// Simulated time (s) of each strided sample.
    pub time_s: Trace,
    /// Cheap observables recorded at every step, for the views that show single digits.
    pub fine: FineProbes,
    /// The angles once per computation (no repeats in between): `TRACE_LEN` of them reach back
    /// 100 × `TRACE_LEN` strided samples, long enough to show alignment over a whole training run.
    pub slow: SlowProbes,
}

/// Observables recorded at every step (their cost is O(neurons), not O(weights)); the last
/// `FINE_LEN` steps.
pub struct FineProbes {
    pub time_s: Trace,
    /// rms apical potential of each hidden layer and rms output error (as in `Probes`).
    pub apical: Vec<Trace>,
    pub output_error: Trace,
    /// One hidden neuron (`probe_neuron` of the first hidden layer): somatic voltage u, apical
    /// potential (before the ρ' gate, Eq. 13) and its basal input W r + b.
    pub neuron_u: Trace,
    pub neuron_apical: Trace,
    pub neuron_basal: Trace,
    /// The first `PROBED_INTERNEURONS` interneurons of the first hidden layer: voltage u^I
    /// (Eq. 9) and the top-down target B^IP u_{l+1} their plasticity makes them predict.
    pub interneuron_u: Vec<Trace>,
    pub interneuron_target: Vec<Trace>,
}

/// The alignment angles at the samples where they were computed (see `Probes::slow`).
pub struct SlowProbes {
    pub time_s: Trace,
    pub backprop_angle: Trace,
    pub lateral_angle: Vec<Trace>,
    pub feedback_angle: Vec<Trace>,
}

pub const FINE_LEN: usize = 1000;

/// Interneurons whose voltage the probes follow.
pub const PROBED_INTERNEURONS: usize = 3;

pub const TRACE_LEN: usize = 2000;

impl Probes {
    /// Probes for a network with `hidden` hidden layers.
    pub fn new(hidden: usize) -> Self {
        let t = || Trace::new(TRACE_LEN);
        let f = || Trace::new(FINE_LEN);
        Probes {
            stride: 10,
            energy_mismatch: t(),
            energy_cost: t(),
            basal_mismatch: (0..=hidden).map(|_| t()).collect(),
            apical: (0..hidden).map(|_| t()).collect(),
            output_error: t(),
            lateral_angle: (0..hidden).map(|_| t()).collect(),
            feedback_angle: (0..hidden).map(|_| t()).collect(),
            backprop_angle: t(),
            time_s: t(),
            fine: FineProbes {
                time_s: f(),
                apical: (0..hidden).map(|_| f()).collect(),
                output_error: f(),
                neuron_u: f(),
                neuron_apical: f(),
                neuron_basal: f(),
                interneuron_u: (0..PROBED_INTERNEURONS).map(|_| f()).collect(),
                interneuron_target: (0..PROBED_INTERNEURONS).map(|_| f()).collect(),
            },
            slow: SlowProbes {
                time_s: t(),
                backprop_angle: t(),
                lateral_angle: (0..hidden).map(|_| t()).collect(),
                feedback_angle: (0..hidden).map(|_| t()).collect(),
            },
        }
    }

    /// Is a strided sample due after `steps` steps?
    pub fn due(&self, steps: u64) -> bool {
        steps.is_multiple_of(self.stride as u64)
    }

    /// The observables of every step: errors, one neuron (`probe_neuron` of the first hidden
    /// layer), a few interneurons. `beta` is the nudging of the step just taken; `time_s` the
    /// task's simulated time.
    pub fn record_fine(&mut self, net: &Network, beta: f32, probe_neuron: usize, time_s: f64) {
        let f = &mut self.fine;
        f.time_s.push(time_s as f32);
        let n_hidden = net.layers.len() - 1;
        for l in 0..n_hidden {
            f.apical[l].push(observe::rms(&net.layers[l].apical) as f32);
        }
        // e_N = β(u* − ŭ_N): divided by β it is the output error itself.
        f.output_error
            .push((observe::rms(&net.layers[n_hidden].e) / beta.max(1e-6) as f64) as f32);
        if n_hidden > 0 {
            let layer = &net.layers[0];
            let i = probe_neuron.min(layer.n - 1);
            f.neuron_u.push(layer.u[i]);
            f.neuron_apical.push(layer.apical[i]);
            f.neuron_basal.push(layer.basal[i]);
            let c = &net.circuits[0];
            let above = &net.layers[1].u_adv;
            for k in 0..PROBED_INTERNEURONS.min(c.m) {
                // B^IP is input-major (m × n_above): column j holds neuron j's weights.
                let target: f32 = (0..c.n_above).map(|j| c.b_ip[j * c.m + k] * above[j]).sum();
                f.interneuron_u[k].push(c.u_i[k]);
                f.interneuron_target[k].push(target);
            }
        }
    }

    /// Sample the observables (call when [`Probes::due`]). `x`, `target`, `beta`: what the step
    /// just taken saw; `steps`: steps taken so far. Angles that need matrix products run every
    /// 100th sample.
    pub fn record(
        &mut self,
        net: &Network,
        x: &[f32],
        target: &[f32],
        beta: f32,
        steps: u64,
        time_s: f64,
    ) {
        let per_layer = observe::basal_mismatch_per_layer(net);
        for (trace, &(_, rms)) in self.basal_mismatch.iter_mut().zip(&per_layer) {
            trace.push(rms as f32);
        }
        let m: f64 = per_layer.iter().map(|&(half_sq, _)| half_sq).sum();
        self.energy_mismatch.push(m as f32);
        self.energy_cost
            .push(observe::output_cost(net, Some(target), beta) as f32);
        self.time_s.push(time_s as f32);
        let n_hidden = net.layers.len() - 1;
        for l in 0..n_hidden {
            self.apical[l].push(observe::rms(&net.layers[l].apical) as f32);
        }
        self.output_error
            .push((observe::rms(&net.layers[n_hidden].e) / beta.max(1e-6) as f64) as f32);
        let slow = steps.is_multiple_of(100 * self.stride as u64) || self.backprop_angle.len == 0;
        if slow {
            self.slow.time_s.push(time_s as f32);
        }
        for l in 0..n_hidden {
            if slow || self.lateral_angle[l].len == 0 {
                let lat = if net.config.feedback == Feedback::Microcircuit {
                    observe::lateral_alignment_deg(net, l)
                } else {
                    -1.0
                };
                let fb = observe::feedback_alignment_deg(net, l);
                self.lateral_angle[l].push(lat as f32);
                self.feedback_angle[l].push(fb as f32);
                if slow {
                    self.slow.lateral_angle[l].push(lat as f32);
                    self.slow.feedback_angle[l].push(fb as f32);
                }
            } else {
                let (a, b) = (
                    self.lateral_angle[l].last().unwrap(),
                    self.feedback_angle[l].last().unwrap(),
                );
                self.lateral_angle[l].push(a);
                self.feedback_angle[l].push(b);
            }
        }
        if slow {
            let a = observe::backprop_angle_deg(net, x, target) as f32;
            self.backprop_angle.push(a);
            self.slow.backprop_angle.push(a);
        } else {
            let a = self.backprop_angle.last().unwrap();
            self.backprop_angle.push(a);
        }
    }
}
