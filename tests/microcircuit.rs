//! Theorem 2 (rt-DeEL): with the forward weights frozen and no output nudging, plasticity of
//! the lateral interneurons (Eq. 11) drives W^PI W^IP to B W_{l+1} (Eq. 12) and the apical error
//! to zero; in that self-predicting state the apical error carries B ē_{l+1} (Eq. 13).

use nla_playground::network::{Feedback, InterneuronNudging, NetConfig, Network, StepInput};
use nla_playground::observe::{lateral_alignment_deg, rms};
use nla_playground::rng::Rng;

fn circuit_net(nudging: InterneuronNudging, seed: u64) -> Network {
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
    let mut n = Network::new(c, &mut Rng::new(seed)).unwrap();
    for l in &mut n.layers {
        l.b.iter_mut().for_each(|b| *b = 0.3);
    }
    n
}

/// Present random input patterns, 10 ms each, with β = 0; returns (θ, mean |apical|) over the
/// first and the last 1000 steps.
fn learn_lateral(net: &mut Network, steps: usize, seed: u64) -> ((f64, f64), (f64, f64)) {
    let mut rng = Rng::new(seed);
    let mut x = vec![0.0f32; net.n_in()];
    let theta0 = lateral_alignment_deg(net, 0);
    let (mut a0, mut a1) = (0.0, 0.0);
    for k in 0..steps {
        if k % 10 == 0 {
            x.iter_mut().for_each(|v| *v = rng.uniform() as f32);
        }
        net.step(StepInput { x: &x, target: None, beta: 0.0, plastic: true }).unwrap();
        let a = rms(&net.layers[0].apical);
        if k < 1000 {
            a0 += a / 1000.0;
        }
        if k >= steps - 1000 {
            a1 += a / 1000.0;
        }
    }
    ((theta0, a0), (lateral_alignment_deg(net, 0), a1))
}

#[test]
fn interneurons_learn_to_explain_away_top_down_feedback() {
    for nudging in [InterneuronNudging::OneToOne, InterneuronNudging::Mixed] {
        let mut net = circuit_net(nudging, 2);
        let w_before = net.layers[1].w.clone();
        let ((theta0, a0), (theta1, a1)) = learn_lateral(&mut net, 40_000, 9);
        eprintln!("{nudging:?}: θ {theta0:.1}° → {theta1:.2}°, apical rms {a0:.4} → {a1:.5} ({:.2} %)", 100.0 * a1 / a0);
        assert_eq!(net.layers[1].w, w_before, "forward weights stayed frozen");
        assert!(theta0 > 45.0, "{nudging:?}: random start should be far from aligned, θ = {theta0}");
        assert!(theta1 < 10.0, "{nudging:?}: θ = {theta1}°");
        assert!(a1 < 0.05 * a0, "{nudging:?}: apical error {a1} vs start {a0}");
    }
}


/// Relative rms difference between the hidden layer's error ē_l and scale · ρ'_l ⊙ B_l ē_{l+1}.
fn eq13_mismatch(net: &Network, scale: f32) -> (f64, f64) {
    let (hidden, above, c) = (&net.layers[0], &net.layers[1], &net.circuits[0]);
    let mut want = vec![0.0f32; hidden.n];
    for a in 0..c.n_above {
        for i in 0..c.n {
            want[i] += c.b_fb[a * c.n + i] * above.mismatch[a];
        }
    }
    let want: Vec<f32> = want.iter().zip(&hidden.rp).map(|(w, rp)| scale * w * rp).collect();
    let diff: Vec<f32> = hidden.e.iter().zip(&want).map(|(e, w)| e - w).collect();
    (rms(&diff) / rms(&want), rms(&want))
}

#[test]
fn in_the_self_predicting_state_the_apical_potential_carries_the_backpropagated_error() {
    let mut net = circuit_net(InterneuronNudging::Mixed, 3);
    learn_lateral(&mut net, 400_000, 4);
    // Now nudge the output toward a target, no plasticity, and let it settle.
    let mut rng = Rng::new(5);
    let x: Vec<f32> = (0..net.n_in()).map(|_| rng.uniform() as f32).collect();
    let y: Vec<f32> = (0..net.n_out()).map(|_| rng.uniform() as f32).collect();
    let settle = |net: &mut Network| {
        for _ in 0..500 {
            net.step(StepInput { x: &x, target: Some(&y), beta: 0.1, plastic: false }).unwrap();
        }
    };
    // Eq. 13: ē_l = ρ'_l ⊙ B_l ē_{l+1}, with ē_{l+1} = u_{l+1} − W_{l+1} r_l − b_{l+1}.
    // While the interneurons are nudged (β^I > 0) they also copy a share β^I of the error from
    // above, so the apical potential carries (1 − β^I) of it (Eqs. 9–10); with β^I = 0 all of it.
    let beta_i = net.config.beta_i;
    settle(&mut net);
    let (rel_nudged, size) = eq13_mismatch(&net, 1.0 - beta_i);
    net.config.beta_i = 0.0;
    settle(&mut net);
    let (rel_free, _) = eq13_mismatch(&net, 1.0);
    eprintln!(
        "Eq. 13: relative mismatch {:.3} % vs (1 − β^I)ρ'Bē (β^I = {beta_i:.4}), {:.3} % vs ρ'Bē with β^I = 0 (error rms {size:.4})",
        100.0 * rel_nudged,
        100.0 * rel_free
    );
    assert!(size > 1e-3, "the nudge produced an error to carry");
    assert!(rel_nudged < 0.01, "{rel_nudged}");
    assert!(rel_free < 0.01, "{rel_free}");
}
