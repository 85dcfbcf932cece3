//! Theorem 2 (rt-DeEL): with the forward weights frozen and no output nudging, plasticity of
//! the lateral interneurons (Eq. 11) drives W^PI W^IP to B W_{l+1} (Eq. 12) and the apical error
//! to zero; in that self-predicting state the apical error carries B ē_{l+1} (Eq. 13).

use nla_playground::checks::{circuit_net, eq13, learn_lateral};
use nla_playground::network::InterneuronNudging;

#[test]
fn interneurons_learn_to_explain_away_top_down_feedback() {
    for nudging in [InterneuronNudging::OneToOne, InterneuronNudging::Mixed] {
        let mut net = circuit_net(nudging, 2);
        let w_before = net.layers[1].w.clone();
        let r = learn_lateral(&mut net, 40_000, 9);
        eprintln!("{r:?}");
        assert_eq!(net.layers[1].w, w_before, "forward weights stayed frozen");
        assert!(
            r.theta_start_deg > 45.0,
            "{nudging:?}: random start should be far from aligned: {r:?}"
        );
        assert!(r.theta_end_deg < 10.0, "{nudging:?}: {r:?}");
        assert!(r.apical_end < 0.05 * r.apical_start, "{nudging:?}: {r:?}");
    }
}

#[test]
fn in_the_self_predicting_state_the_apical_potential_carries_the_backpropagated_error() {
    let r = eq13(400_000);
    eprintln!("{r:?}");
    assert!(r.error_rms > 1e-3, "the nudge produced an error to carry");
    assert!(r.rel_nudged < 0.01, "{r:?}");
    assert!(r.rel_free < 0.01, "{r:?}");
}

#[test]
fn the_fast_alignment_angle_equals_the_direct_one() {
    use nla_playground::observe::{lateral_alignment_deg, lateral_alignment_deg_direct};
    let mut net = circuit_net(InterneuronNudging::Mixed, 7);
    for steps in [0, 3000] {
        learn_lateral(&mut net, steps.max(1), 1);
        let (fast, direct) = (
            lateral_alignment_deg(&net, 0),
            lateral_alignment_deg_direct(&net, 0),
        );
        assert!((fast - direct).abs() < 1e-6, "{fast} vs {direct}");
    }
}
