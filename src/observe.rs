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
pub fn lateral_alignment_deg(net: &Network, l: usize) -> f64 {
    angle_deg(&lateral_product(net, l), &top_down_product(net, l))
}

/// Angle between the feedback B_l and W_{l+1}ᵀ (0° = weight transport).
pub fn feedback_alignment_deg(net: &Network, l: usize) -> f64 {
    let c = &net.circuits[l];
    let above = &net.layers[l + 1];
    // B_l is n × n_above input-major: b_fb[a * n + i] = B_ia; W_{l+1}ᵀ_ia = W_{l+1, ai} = w[i * n_above + a].
    let (n, na) = (c.n, c.n_above);
    let b: Vec<f64> = (0..n * na).map(|idx| c.b_fb[idx] as f64).collect();
    let wt: Vec<f64> = (0..n * na).map(|idx| {
        let (a, i) = (idx / n, idx % n);
        above.w[i * na + a] as f64
    }).collect();
    angle_deg(&b, &wt)
}

/// The energy (Lagrangian, Eq. 3) of the current state: ½ Σ_l ‖u_l − W_l r_{l−1} − b_l‖² plus the
/// output cost (β/2)‖u* − u_N‖², returned as (mismatch part, cost part). The sweep integrator's
/// mismatch is taken at the advanced voltages.
pub fn energy(net: &Network, target: Option<&[f32]>, beta: f32) -> (f64, f64) {
    let mismatch: f64 = net.layers.iter().flat_map(|l| l.mismatch.iter()).map(|&m| 0.5 * (m as f64).powi(2)).sum();
    let cost = match target {
        Some(y) if beta > 0.0 => {
            let out = net.layers.last().unwrap();
            0.5 * beta as f64 * y.iter().zip(&out.u_adv).map(|(&t, &u)| ((t - u) as f64).powi(2)).sum::<f64>()
        }
        _ => 0.0,
    };
    (mismatch, cost)
}

/// Root-mean-square of a vector.
pub fn rms(v: &[f32]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    (v.iter().map(|&x| (x as f64).powi(2)).sum::<f64>() / v.len() as f64).sqrt()
}
