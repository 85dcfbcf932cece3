//! Theorem 1 of the paper (rt-DeEP): in the moving equilibrium, the NLA plasticity direction
//! (1/β)·ē_l r̄_{l−1}ᵀ equals the negative backprop gradient −∂C/∂W_l as β → 0 (note the minus
//! sign). Checked against an independent plain backprop (src/backprop.rs), every layer.

use nla_playground::checks::{theorem1, theorem1_curve};
use nla_playground::network::{Integrator, Lookahead};

#[test]
fn nla_update_is_the_backprop_gradient_in_every_layer() {
    for (integrator, lookahead) in [
        (Integrator::Sweep, Lookahead::Advanced),
        (Integrator::Sweep, Lookahead::FirstOrder),
        (Integrator::Sweep, Lookahead::None),
        (Integrator::PreviousUdot, Lookahead::FirstOrder),
    ] {
        for seed in 1..=3 {
            let c = theorem1(integrator, lookahead, 1e-3, seed);
            assert_eq!(c.len(), 3);
            for (l, cos) in c.iter().enumerate() {
                assert!(
                    *cos >= 0.999,
                    "{integrator:?}/{lookahead:?} seed {seed}: layer {} cosine {cos}",
                    l + 1
                );
            }
        }
    }
}

#[test]
fn the_match_degrades_gracefully_as_beta_grows() {
    // Per β, the median over 9 seeds of each layer's cosine: a large nudge moves hidden neurons
    // across ρ's kinks, away from the free state the gradient is taken at.
    let betas = [1e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0];
    let curve = theorem1_curve(&betas, 9);
    for (b, cs) in betas.iter().zip(&curve) {
        eprintln!("β = {b:<6} median cosine per layer {cs:.5?}");
        let bar = if *b <= 0.01 {
            0.999
        } else if *b <= 0.03 {
            0.98
        } else {
            -1.0
        };
        assert!(cs.iter().all(|&x| x >= bar), "β = {b}: {cs:?}");
    }
    let mean = |cs: &Vec<f64>| cs.iter().sum::<f64>() / cs.len() as f64;
    assert!(
        mean(&curve[0]) > mean(&curve[5]) + 0.01,
        "β = 1 should be measurably worse: {curve:?}"
    );
    for w in curve.windows(2) {
        assert!(
            mean(&w[1]) <= mean(&w[0]) + 1e-3,
            "the match should only degrade as β grows: {curve:?}"
        );
    }
}
