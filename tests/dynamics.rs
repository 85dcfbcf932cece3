//! The dynamics itself: fixed points, delay compensation at input switches, determinism,
//! refusal of bad configurations, and recovery from divergence.

use nla_playground::mnist::Dataset;
use nla_playground::network::{InferBuffers, Integrator, Lookahead, NetConfig, Network, StepInput};
use nla_playground::rng::Rng;
use nla_playground::session::{Session, TaskConfig};

fn net(lookahead: Lookahead, integrator: Integrator, dt: f32) -> Network {
    net_scaled(lookahead, integrator, dt, 1.0)
}

/// W ~ gain · N(0, 1/n_in), b = 0.4.
fn net_scaled(lookahead: Lookahead, integrator: Integrator, dt: f32, gain: f32) -> Network {
    let c = NetConfig {
        layers: vec![20, 15, 12, 6],
        dt,
        lookahead,
        integrator,
        ..NetConfig::default()
    };
    let mut n = Network::new(c, &mut Rng::new(3)).unwrap();
    for l in &mut n.layers {
        l.b.iter_mut().for_each(|b| *b = 0.4);
        l.w.iter_mut().for_each(|w| *w *= gain);
    }
    n
}

fn settle_error(mut n: Network, x: &[f32]) -> f32 {
    let dt = n.config.dt;
    for _ in 0..(600.0 / dt) as usize {
        n.step(StepInput {
            x,
            target: None,
            beta: 0.0,
            plastic: false,
        })
        .unwrap();
    }
    let mut buf = InferBuffers::default();
    let want = n.infer(x, &mut buf).to_vec();
    max_diff(n.output(), &want)
}

fn input(seed: u64) -> Vec<f32> {
    let mut r = Rng::new(seed);
    (0..20).map(|_| r.uniform() as f32).collect()
}

fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

#[test]
fn free_dynamics_settle_to_the_forward_pass_used_for_evaluation() {
    // The previous-u̇ integrator only where its u̇ fixed-point loop contracts (small weights).
    for (la, integ, dt, gain) in [
        (Lookahead::Advanced, Integrator::Sweep, 1.0, 1.0),
        (Lookahead::FirstOrder, Integrator::Sweep, 1.0, 1.0),
        (Lookahead::None, Integrator::Sweep, 1.0, 1.0),
        (Lookahead::FirstOrder, Integrator::PreviousUdot, 0.5, 0.3),
    ] {
        let d = settle_error(net_scaled(la, integ, dt, gain), &input(1));
        assert!(
            d < 1e-4,
            "{la:?}/{integ:?}: settled output differs from the forward pass by {d}"
        );
    }
}

#[test]
fn the_papers_previous_udot_step_fails_to_settle_once_weights_are_large_but_the_sweep_does() {
    // Model-spec §7.1: substituting u̇(t−dt) is a fixed-point iteration through W_{l+1}ᵀW_{l+1};
    // with weights of ordinary size (W ~ N(0, 1/n_in)) it keeps oscillating even at β = 0. This
    // is why the explicit sweep is the default.
    let x = input(1);
    let prev = settle_error(
        net(Lookahead::FirstOrder, Integrator::PreviousUdot, 0.5),
        &x,
    );
    let sweep = settle_error(net(Lookahead::FirstOrder, Integrator::Sweep, 0.5), &x);
    assert!(
        prev > 0.05,
        "previous-u̇ settled ({prev}) where it was expected not to"
    );
    assert!(sweep < 1e-4, "sweep did not settle: {sweep}");
}

#[test]
fn after_an_input_switch_the_output_follows_the_instantaneous_map_only_with_prospective_rates() {
    // The paper's network reproduces u_N(t) = F(r̄_0(t)), the free forward pass of the low-pass-
    // filtered input, without lag (Results before Fig. 4). After a step switch of the input we
    // sum |u_N − F(r̄_0)| over the transient; without lookahead every layer adds a delay τ.
    let (x1, x2) = (input(1), input(2));
    let mut buf = InferBuffers::default();
    let mut deviation = vec![];
    for la in [Lookahead::Advanced, Lookahead::None] {
        let mut n = net(la, Integrator::Sweep, 1.0);
        for _ in 0..600 {
            n.step(StepInput {
                x: &x1,
                target: None,
                beta: 0.0,
                plastic: false,
            })
            .unwrap();
        }
        let jump = max_diff(n.output(), n.infer(&x2, &mut buf));
        let mut total = 0.0;
        for _ in 0..100 {
            n.step(StepInput {
                x: &x2,
                target: None,
                beta: 0.0,
                plastic: false,
            })
            .unwrap();
            let rbar0 = n.rbar_in.clone();
            total += max_diff(n.output(), n.infer(&rbar0, &mut buf)) / jump;
        }
        deviation.push(total);
    }
    eprintln!("Σ|u_N − F(r̄_0)| / jump over 100 ms after the switch: prospective {:.3}, no lookahead {:.3}", deviation[0], deviation[1]);
    assert!(
        deviation[1] > 5.0,
        "without lookahead the output should lag: {deviation:?}"
    );
    assert!(
        deviation[0] < 0.2 * deviation[1],
        "prospective output should track the map: {deviation:?}"
    );
}

#[test]
fn the_input_low_pass_follows_tau() {
    // r̄_0 is the low-pass of the input with time constant τ (paper, Results before Fig. 4).
    let mut n = net(Lookahead::Advanced, Integrator::Sweep, 1.0);
    let ones = vec![1.0; 20];
    for _ in 0..10 {
        n.step(StepInput {
            x: &ones,
            target: None,
            beta: 0.0,
            plastic: false,
        })
        .unwrap();
    }
    let expect = 1.0 - 0.9f32.powi(10); // Euler of 1 − e^{−t/τ} at t = τ
    assert!(
        (n.rbar_in[0] - expect).abs() < 1e-5,
        "{} vs {expect}",
        n.rbar_in[0]
    );
}

fn toy_data(n: usize, seed: u64) -> Dataset {
    let mut r = Rng::new(seed);
    let mut d = Dataset::default();
    for _ in 0..n {
        let label = r.below(10) as u8;
        // A class-specific bar of ink plus noise.
        let mut img = vec![0u8; 784];
        for (i, p) in img.iter_mut().enumerate() {
            let row = i / 28;
            *p = if row / 3 == label as usize {
                200
            } else {
                (r.uniform() * 40.0) as u8
            };
        }
        d.images.extend(img);
        d.labels.push(label);
    }
    d
}

fn session(seed: u64) -> Session {
    let mut s = Session::new(
        NetConfig {
            layers: vec![784, 30, 10],
            ..NetConfig::default()
        },
        TaskConfig {
            eval_size: 200,
            ..TaskConfig::default()
        },
        seed,
    )
    .unwrap();
    s.train = toy_data(500, 11);
    s.test = toy_data(200, 12);
    s
}

#[test]
fn same_seed_same_run_and_learning_on_toy_data() {
    let (mut a, mut b) = (session(5), session(5));
    let before = a.test_accuracy(200);
    a.train_steps(3000).unwrap();
    b.train_steps(3000).unwrap();
    for (la, lb) in a.net.layers.iter().zip(&b.net.layers) {
        assert!(
            la.w.iter()
                .zip(&lb.w)
                .all(|(x, y)| x.to_bits() == y.to_bits()),
            "weights differ bitwise"
        );
    }
    let mut c = session(6);
    c.train_steps(3000).unwrap();
    assert_ne!(
        a.net.layers[0].w[..50],
        c.net.layers[0].w[..50],
        "another seed gives another run"
    );
    let after = a.test_accuracy(200);
    assert!(
        after > 0.95 && after > before + 0.3,
        "toy task: {before} → {after}"
    );
}

#[test]
fn divergence_is_caught_and_the_last_finite_weights_restored() {
    let mut s = session(5);
    s.train_steps(500).unwrap();
    assert!(
        s.eval_digits(200).is_some(),
        "a sweep snapshots the weights"
    );
    let snapshot = s.net.layers[1].w.clone();
    s.train_steps(100).unwrap();
    s.net.layers[0].w[7] = f32::NAN;
    let err = s.train_steps(10).unwrap_err();
    assert!(err.layer >= 1);
    assert_eq!(s.net.layers[1].w, snapshot, "restored to the snapshot");
    assert!(s
        .net
        .layers
        .iter()
        .all(|l| l.w.iter().all(|w| w.is_finite())));
    s.train_steps(100).unwrap();
}

#[test]
fn bad_configurations_are_refused_naming_the_field() {
    use nla_playground::network::Feedback;
    let ok = NetConfig::default();
    let cases: Vec<(NetConfig, &str)> = vec![
        (
            NetConfig {
                tau: 0.0,
                ..ok.clone()
            },
            "tau",
        ),
        (
            NetConfig {
                tau: f32::NAN,
                ..ok.clone()
            },
            "tau",
        ),
        (
            NetConfig {
                dt: -1.0,
                ..ok.clone()
            },
            "dt",
        ),
        (
            NetConfig {
                dt: 20.0,
                ..ok.clone()
            },
            "dt",
        ),
        (
            NetConfig {
                dt: 5.0,
                integrator: Integrator::PreviousUdot,
                ..ok.clone()
            },
            "dt",
        ),
        (
            NetConfig {
                layers: vec![784, 0, 10],
                ..ok.clone()
            },
            "layers",
        ),
        (
            NetConfig {
                layers: vec![10],
                ..ok.clone()
            },
            "layers",
        ),
        (
            NetConfig {
                beta: f32::INFINITY,
                ..ok.clone()
            },
            "beta",
        ),
        (
            NetConfig {
                eta: -0.1,
                ..ok.clone()
            },
            "eta",
        ),
        (
            NetConfig {
                eta_layer_factors: vec![1.0],
                ..ok.clone()
            },
            "eta_layer_factors",
        ),
        (
            NetConfig {
                init_scales: vec![1.0, f32::NAN],
                ..ok.clone()
            },
            "init_scales",
        ),
        // Theorem 2 needs at least as many interneurons as the layer above has neurons.
        (
            NetConfig {
                feedback: Feedback::Microcircuit,
                interneurons: 5,
                ..ok.clone()
            },
            "interneurons",
        ),
        (
            NetConfig {
                feedback: Feedback::Random,
                integrator: Integrator::PreviousUdot,
                dt: 0.5,
                ..ok.clone()
            },
            "feedback",
        ),
        (
            NetConfig {
                beta_i: 1.0,
                ..ok.clone()
            },
            "beta_i",
        ),
        (
            NetConfig {
                eta_pi: f32::NAN,
                ..ok.clone()
            },
            "eta_pi",
        ),
    ];
    for (c, field) in cases {
        let e = c.validate().unwrap_err();
        assert_eq!(e.field, field, "{e}");
        assert!(Network::new(c, &mut Rng::new(1)).is_err());
    }
    assert!(ok.validate().is_ok());
    assert!(Session::new(
        NetConfig {
            layers: vec![100, 10],
            ..ok
        },
        TaskConfig::default(),
        1
    )
    .is_err());
}

#[test]
fn probes_record_finite_traces_and_the_feedback_mode_switches_without_losing_weights() {
    use nla_playground::network::Feedback;
    let mut s = session(8);
    s.train_steps(5000).unwrap();
    let p = &s.probes;
    assert_eq!(p.energy_mismatch.len, 500, "one sample per 10 steps");
    for t in [
        &p.energy_mismatch,
        &p.energy_cost,
        &p.output_error,
        &p.backprop_angle,
        &p.apical[0],
        &p.basal_mismatch[0],
        &p.basal_mismatch[1],
        &p.feedback_angle[0],
    ] {
        assert!(t.to_vec().iter().all(|v| v.is_finite()));
    }
    // Weight transport follows the gradient: the backprop meter reads a small angle.
    let angle = p.backprop_angle.last().unwrap();
    assert!(angle < 20.0, "NLA vs backprop: {angle}°");
    assert_eq!(
        p.lateral_angle[0].last(),
        Some(-1.0),
        "θ is not applicable outside the microcircuit"
    );
    // Switch to the microcircuit at run time: the learned pyramidal weights stay.
    let w = s.net.layers[0].w.clone();
    let mut c = s.net.config.clone();
    c.feedback = Feedback::Microcircuit;
    s.net.set_config(c, &mut Rng::new(1)).unwrap();
    assert_eq!(s.net.layers[0].w, w);
    s.train_steps(2000).unwrap();
    assert!(s.probes.lateral_angle[0].last().unwrap() >= 0.0);
}
