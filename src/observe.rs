//! Observables of the network, cheap enough for every step (energy, errors) or a stride
//! (alignment angles): what the page plots and the checks assert.

use crate::network::{Network, PyramidalLayer};

/// Angle in degrees between two matrices seen as vectors (Frobenius inner product): the
/// paper's Fig. 5b3 measure, θ(A, B) = arccos(tr(AᵀB) / (‖A‖_F ‖B‖_F)).
pub fn angle_deg(a: &[f64], b: &[f64]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na: f64 = a.iter().map(|x| x * x).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|x| x * x).sum::<f64>().sqrt();
    if na == 0.0 || nb == 0.0 {
        return 90.0;
    }
    (dot / (na * nb)).clamp(-1.0, 1.0).acos().to_degrees()
}

/// W^PI_l W^IP_l (n × n, row-major): what the interneurons send back for a given r_l.
pub fn lateral_product(net: &Network, l: usize) -> Vec<f64> {
    let c = &net.circuits[l];
    let (n, m) = (c.n, c.m);
    let mut out = vec![0.0f64; n * n];
    for j in 0..n {
        for k in 0..m {
            let wip = c.w_ip[j * m + k] as f64; // W^IP_kj
            if wip == 0.0 {
                continue;
            }
            for i in 0..n {
                out[i * n + j] += c.w_pi[k * n + i] as f64 * wip; // W^PI_ik
            }
        }
    }
    out
}

/// B_l W_{l+1} (n × n, row-major): what the top-down input carries for a given r_l.
pub fn top_down_product(net: &Network, l: usize) -> Vec<f64> {
    let c = &net.circuits[l];
    let above: &PyramidalLayer = &net.layers[l + 1];
    let (n, na) = (c.n, c.n_above);
    let mut out = vec![0.0f64; n * n];
    for j in 0..n {
        for a in 0..na {
            let w = above.w[j * na + a] as f64; // W_{l+1, aj}
            for i in 0..n {
                out[i * n + j] += c.b_fb[a * n + i] as f64 * w; // B_ia
            }
        }
    }
    out
}

/// θ_l between W^PI_l W^IP_l and B_l W_{l+1} (Eq. 12 holds at 0°).
///
/// Computed without forming the n × n products: with P = W^PI, Q = W^IP, B, W = W_{l+1},
/// tr((PQ)ᵀ(BW)) = tr((PᵀB)(WQᵀ)), ‖PQ‖² = tr((PᵀP)(QQᵀ)), ‖BW‖² = tr((BᵀB)(WWᵀ)) — products of
/// m × m and n_above × n_above matrices, about 4× cheaper for the paper's sizes.
pub fn lateral_alignment_deg(net: &Network, l: usize) -> f64 {
    let c = &net.circuits[l];
    let above = &net.layers[l + 1];
    let (n, m, na) = (c.n, c.m, c.n_above);
    // Accessors for the input-major storage.
    let p = |i: usize, k: usize| c.w_pi[k * n + i] as f64; // W^PI_ik (n × m)
    let q = |k: usize, j: usize| c.w_ip[j * m + k] as f64; // W^IP_kj (m × n)
    let b = |i: usize, a: usize| c.b_fb[a * n + i] as f64; // B_ia (n × na)
    let w = |a: usize, j: usize| above.w[j * na + a] as f64; // W_aj (na × n)
    let gram = |rows: usize, cols: usize, f: &dyn Fn(usize, usize) -> f64, over: usize| {
        // G[r][s] = Σ_t f(t, r) f(t, s)  (columns' Gram matrix over index t < over)
        let mut g = vec![0.0f64; rows * cols];
        for t in 0..over {
            for r in 0..rows {
                let fr = f(t, r);
                if fr == 0.0 {
                    continue;
                }
                for s2 in 0..cols {
                    g[r * cols + s2] += fr * f(t, s2);
                }
            }
        }
        g
    };
    // PᵀB (m × na) and WQᵀ (na × m).
    let mut ptb = vec![0.0f64; m * na];
    for i in 0..n {
        for k in 0..m {
            let pik = p(i, k);
            for a in 0..na {
                ptb[k * na + a] += pik * b(i, a);
            }
        }
    }
    let mut wqt = vec![0.0f64; na * m];
    for j in 0..n {
        for a in 0..na {
            let waj = w(a, j);
            for k in 0..m {
                wqt[a * m + k] += waj * q(k, j);
            }
        }
    }
    let dot: f64 = (0..m)
        .map(|k| {
            (0..na)
                .map(|a| ptb[k * na + a] * wqt[a * m + k])
                .sum::<f64>()
        })
        .sum();
    let ptp = gram(m, m, &|i, k| p(i, k), n); // PᵀP
    let qqt = gram(m, m, &|j, k| q(k, j), n); // QQᵀ
    let btb = gram(na, na, &|i, a| b(i, a), n); // BᵀB
    let wwt = gram(na, na, &|j, a| w(a, j), n); // WWᵀ
    let tr = |x: &[f64], y: &[f64]| x.iter().zip(y).map(|(a, b)| a * b).sum::<f64>(); // symmetric: tr(XY) = Σ X∘Y
    let (na2, nb2) = (tr(&ptp, &qqt), tr(&btb, &wwt));
    if na2 <= 0.0 || nb2 <= 0.0 {
        return 90.0;
    }
    (dot / (na2 * nb2).sqrt())
        .clamp(-1.0, 1.0)
        .acos()
        .to_degrees()
}

/// The same angle from the explicit products (reference for the fast form).
pub fn lateral_alignment_deg_direct(net: &Network, l: usize) -> f64 {
    angle_deg(&lateral_product(net, l), &top_down_product(net, l))
}

/// Angle between the feedback B_l and W_{l+1}ᵀ (0° = weight transport).
pub fn feedback_alignment_deg(net: &Network, l: usize) -> f64 {
    let c = &net.circuits[l];
    let above = &net.layers[l + 1];
    // B_l is n × n_above input-major: b_fb[a * n + i] = B_ia; W_{l+1}ᵀ_ia = W_{l+1, ai} = w[i * n_above + a].
    let (n, na) = (c.n, c.n_above);
    let b: Vec<f64> = (0..n * na).map(|idx| c.b_fb[idx] as f64).collect();
    let wt: Vec<f64> = (0..n * na)
        .map(|idx| {
            let (a, i) = (idx / n, idx % n);
            above.w[i * na + a] as f64
        })
        .collect();
    angle_deg(&b, &wt)
}

/// The energy (Lagrangian, Eq. 3) of the current somatic state, as (mismatch part, cost part):
/// ½ Σ_l ‖u_l − W_l ρ(u_{l−1}) − b_l‖² with ρ(u_0) := r̄_0 (the low-pass-filtered input), and
/// (β/2)‖u* − u_N‖². It vanishes only when every layer has settled onto the prediction from
/// below and the output sits on its target — independent of how the step is integrated.
pub fn energy(net: &Network, target: Option<&[f32]>, beta: f32) -> (f64, f64) {
    let mismatch = basal_mismatch_per_layer(net)
        .iter()
        .map(|&(half_sq, _)| half_sq)
        .sum();
    (mismatch, output_cost(net, target, beta))
}

/// The output cost (β/2)‖u* − u_N‖² (0 without a target or nudging).
pub fn output_cost(net: &Network, target: Option<&[f32]>, beta: f32) -> f64 {
    match target {
        Some(y) if beta > 0.0 => {
            let out = net.layers.last().unwrap();
            0.5 * beta as f64
                * y.iter()
                    .zip(&out.u)
                    .map(|(&t, &u)| ((t - u) as f64).powi(2))
                    .sum::<f64>()
        }
        _ => 0.0,
    }
}

/// Per layer: (½‖u_l − W_l ρ(u_{l−1}) − b_l‖², rms of that somato-basal mismatch), with
/// ρ(u_0) := r̄_0.
pub fn basal_mismatch_per_layer(net: &Network) -> Vec<(f64, f64)> {
    let mut out = Vec::with_capacity(net.layers.len());
    let mut rate_below: Vec<f32> = net.rbar_in.clone();
    let mut basal = Vec::new();
    for layer in &net.layers {
        basal.resize(layer.n, 0.0);
        crate::kernels::forward(&layer.w, &rate_below, &layer.b, &mut basal);
        let sq: f64 = layer
            .u
            .iter()
            .zip(&basal)
            .map(|(&u, &p)| ((u - p) as f64).powi(2))
            .sum();
        out.push((0.5 * sq, (sq / layer.n as f64).sqrt()));
        rate_below = layer.u.iter().map(|&u| crate::network::rho(u)).collect();
    }
    out
}

/// Root-mean-square of a vector.
pub fn rms(v: &[f32]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    // Four independent sums: the probes take this every step, and one serial chain of f64
    // additions costs more than a whole step of a small network (the iEEG task's).
    let mut acc = [0.0f64; 4];
    let chunks = v.chunks_exact(4);
    let rest = chunks.remainder();
    for c in chunks {
        for k in 0..4 {
            acc[k] += (c[k] as f64) * (c[k] as f64);
        }
    }
    let tail: f64 = rest.iter().map(|&x| (x as f64) * (x as f64)).sum();
    (((acc[0] + acc[1]) + (acc[2] + acc[3]) + tail) / v.len() as f64).sqrt()
}

/// Angle (degrees) between the NLA weight update of the current state, ē_l r_{l−1}ᵀ for all
/// layers together, and the exact backprop gradient −∂C/∂W of the same input and target at the
/// free state (the "backprop meter"). `x` is the input the network currently sees.
pub fn backprop_angle_deg(net: &Network, x: &[f32], target: &[f32]) -> f64 {
    let (grads, _) = crate::backprop::neg_gradient(net, x, target);
    let (mut dot, mut na, mut nb) = (0.0f64, 0.0f64, 0.0f64);
    for (l, layer) in net.layers.iter().enumerate() {
        let r_below: &[f32] = if l == 0 { x } else { &net.layers[l - 1].r };
        for i in 0..layer.n {
            let m = layer.mismatch[i] as f64;
            for (j, &r) in r_below.iter().enumerate() {
                let a = m * r as f64;
                let b = grads[l][i * layer.n_in + j];
                dot += a * b;
                na += a * a;
                nb += b * b;
            }
        }
    }
    if na == 0.0 || nb == 0.0 {
        return 90.0;
    }
    (dot / (na * nb).sqrt())
        .clamp(-1.0, 1.0)
        .acos()
        .to_degrees()
}

/// A fixed-capacity ring buffer of `f32` samples. The page reads `data` in place (a typed-array
/// view over wasm memory) together with `head` and `len`; nothing is copied per frame.
#[derive(Clone, Debug)]
pub struct Trace {
    pub data: Vec<f32>,
    /// Index the next sample goes to.
    pub head: usize,
    /// Samples stored (≤ capacity).
    pub len: usize,
}

impl Trace {
    pub fn new(capacity: usize) -> Self {
        Trace {
            data: vec![0.0; capacity.max(1)],
            head: 0,
            len: 0,
        }
    }

    pub fn push(&mut self, v: f32) {
        // A non-finite value would poison plots; it is stored as NaN-free 0 and flagged by the
        // caller's divergence check, which runs every step.
        self.data[self.head] = if v.is_finite() { v } else { 0.0 };
        // (A compare, not `%`: an integer division per push adds up at a dozen pushes a step.)
        self.head += 1;
        if self.head == self.data.len() {
            self.head = 0;
        }
        self.len = (self.len + 1).min(self.data.len());
    }

    /// Samples oldest first (allocates; for tests and the CLI).
    pub fn to_vec(&self) -> Vec<f32> {
        let cap = self.data.len();
        (0..self.len)
            .map(|k| self.data[(self.head + cap - self.len + k) % cap])
            .collect()
    }

    /// Samples oldest first, read in place.
    pub fn iter(&self) -> impl Iterator<Item = f32> + '_ {
        let cap = self.data.len();
        (0..self.len).map(move |k| self.data[(self.head + cap - self.len + k) % cap])
    }

    pub fn last(&self) -> Option<f32> {
        (self.len > 0).then(|| self.data[(self.head + self.data.len() - 1) % self.data.len()])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_wraps_and_keeps_the_newest_samples_in_order() {
        let mut t = Trace::new(3);
        for v in 1..=5 {
            t.push(v as f32);
        }
        assert_eq!(t.to_vec(), [3.0, 4.0, 5.0]);
        assert_eq!((t.head, t.len, t.last()), (2, 3, Some(5.0)));
        t.push(f32::NAN);
        assert_eq!(t.to_vec(), [4.0, 5.0, 0.0], "non-finite stored as 0");
    }

    #[test]
    fn rms_over_any_length() {
        assert_eq!(rms(&[]), 0.0);
        for n in 1..11 {
            let v: Vec<f32> = (0..n).map(|k| k as f32 - 2.5).collect();
            let want = (v.iter().map(|&x| (x as f64).powi(2)).sum::<f64>() / n as f64).sqrt();
            assert!((rms(&v) - want).abs() < 1e-12, "n = {n}");
        }
    }
}
