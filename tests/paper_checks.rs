//! Delay compensation (Fig. 2) and the energy regimes (Fig. 1 / poster), from src/checks.rs.

use nla_playground::checks::{delay, energy_regimes};
use nla_playground::network::Lookahead;

#[test]
fn prospective_rates_compensate_the_delay_of_every_layer() {
    let depth = 3;
    let with = delay(Lookahead::Advanced, depth, 0.5);
    let first = delay(Lookahead::FirstOrder, depth, 0.5);
    let without = delay(Lookahead::None, depth, 0.5);
    eprintln!("lag behind the instantaneous map, {depth} layers, τ = 10 ms: advanced {with:?}, first-order {first:?}, none {without:?}");
    for r in [&with, &first] {
        assert!(
            r.lag_ms < r.dt_ms && r.lag_with_feedback_ms < r.dt_ms,
            "prospective: {r:?}"
        );
    }
    assert!(
        without.lag_with_feedback_ms >= without.lag_ms,
        "{without:?}"
    );
    let expected = depth as f32 * with.tau_ms;
    assert!(
        (without.lag_ms - expected).abs() <= 0.3 * expected,
        "no lookahead: {} ms, expected about {expected} ms",
        without.lag_ms
    );
}

#[test]
fn energy_vanishes_free_stays_positive_nudged_and_falls_with_plasticity() {
    let r = energy_regimes(1, 300.0);
    eprintln!("{r:?}");
    assert!(
        r.initial > 1e-2,
        "the start state is off its prediction: {}",
        r.initial
    );
    assert!(r.free < 1e-6, "free: {}", r.free);
    assert!(r.nudged > 1e-4, "nudged: {}", r.nudged);
    assert!(
        r.fall >= 0.8,
        "fell only {:.1} % in {} ms",
        100.0 * r.fall,
        r.learn_ms
    );
}
