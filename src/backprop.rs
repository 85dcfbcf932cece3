//! Plain error backpropagation for a layered network with the same transfer function —
//! written independently of the NLA dynamics (f64, naive loops), as the yardstick that
//! Theorem 1 ("rt-DeEP") is checked against.

use crate::network::{rho, rho_prime, Network};

/// Free forward pass and the negative gradient −∂C/∂W_l of C = ½‖y − u_N‖², layer by layer
/// (row-major, same shapes as the network's W_l). Also returns −∂C/∂b_l.
pub fn neg_gradient(net: &Network, x: &[f32], y: &[f32]) -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
    let layers = &net.layers;
    // Forward: u_l = W_l ρ(u_{l−1}) + b_l, with the input x as rate.
    let mut rates: Vec<Vec<f64>> = vec![x.iter().map(|&v| v as f64).collect()];
    let mut volts: Vec<Vec<f64>> = vec![];
    for layer in layers {
        let r_in = rates.last().unwrap();
        let u: Vec<f64> = (0..layer.n)
            .map(|i| {
                let mut s = layer.b[i] as f64;
                for j in 0..layer.n_in {
                    s += layer.weight(i, j) as f64 * r_in[j];
                }
                s
            })
            .collect();
        rates.push(u.iter().map(|&v| rho(v as f32) as f64).collect());
        volts.push(u);
    }
    // Backward: δ_N = y − u_N; δ_l = ρ'(u_l) ⊙ W_{l+1}ᵀ δ_{l+1}.
    let n = layers.len();
    let mut delta: Vec<Vec<f64>> = vec![vec![]; n];
    delta[n - 1] = y
        .iter()
        .zip(&volts[n - 1])
        .map(|(&t, &u)| t as f64 - u)
        .collect();
    for l in (0..n - 1).rev() {
        let above = &layers[l + 1];
        delta[l] = (0..layers[l].n)
            .map(|j| {
                let mut s = 0.0;
                for i in 0..above.n {
                    s += above.weight(i, j) as f64 * delta[l + 1][i];
                }
                rho_prime(volts[l][j] as f32) as f64 * s
            })
            .collect();
    }
    let gw = (0..n)
        .map(|l| {
            let mut g = vec![0.0; layers[l].n * layers[l].n_in];
            for i in 0..layers[l].n {
                for j in 0..layers[l].n_in {
                    g[i * layers[l].n_in + j] = delta[l][i] * rates[l][j];
                }
            }
            g
        })
        .collect();
    (gw, delta)
}

/// Cosine similarity of two vectors (1 for two zero vectors, 0 if only one is zero).
pub fn cosine(a: &[f64], b: &[f64]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na: f64 = a.iter().map(|x| x * x).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|x| x * x).sum::<f64>().sqrt();
    match (na > 0.0, nb > 0.0) {
        (true, true) => dot / (na * nb),
        (false, false) => 1.0,
        _ => 0.0,
    }
}
