//! The user-settable parameters: every value is clamped or refused in Rust, changing one keeps
//! what was learned, and no combination of extremes produces a non-finite network.

use nla_playground::data_files::load_train;
use nla_playground::network::{Feedback, Lookahead, NetConfig};
use nla_playground::params::{self, SPECS};
use nla_playground::rng::Rng;
use nla_playground::session::{Session, TaskConfig};

fn session() -> Session {
    let mut s = Session::new(NetConfig::default(), TaskConfig::default(), 3).unwrap();
    s.train = load_train(300).expect("MNIST data (run python3 scripts/fetch_data.py)");
    s
}

#[test]
fn values_are_clamped_with_a_note_and_non_numbers_refused() {
    let beta = params::spec("beta").unwrap();
    assert!(params::clamp(beta, f64::NAN).is_err());
    let a = params::clamp(beta, 50.0).unwrap();
    assert_eq!(a.value, 1.0);
    assert_eq!(
        a.note.as_deref(),
        Some("output nudging β = 50 is outside 0–1; using 1")
    );
    assert_eq!(params::clamp(beta, f64::NEG_INFINITY).unwrap().value, 0.0);
    assert_eq!(
        params::clamp(beta, 0.3).unwrap(),
        params::Applied {
            value: 0.3,
            note: None
        }
    );
    let hidden = params::spec("hidden").unwrap();
    assert_eq!(params::clamp(hidden, 123.4).unwrap().value, 123.0);
    let sw = params::spec("plastic").unwrap();
    assert_eq!(params::clamp(sw, 0.7).unwrap().value, 1.0);
    let mut s = session();
    let mut rng = Rng::new(1);
    assert!(
        params::set(&mut s, "hidden", 100.0, &mut rng).is_err(),
        "needs a new network"
    );
    assert!(params::set(&mut s, "nonsense", 1.0, &mut rng).is_err());
    assert!(params::set(&mut s, "eta", f64::NAN, &mut rng).is_err());
    assert_eq!(
        params::get(&s, "eta"),
        Some(0.05f32 as f64),
        "a refused value changes nothing"
    );
}

#[test]
fn changing_parameters_keeps_the_learned_weights_and_the_presentation_time() {
    let mut s = session();
    s.train_steps(500).unwrap();
    let w = s.net.layers[0].w.clone();
    let mut rng = Rng::new(1);
    params::set(&mut s, "beta", 0.3, &mut rng).unwrap();
    params::set(&mut s, "dt", 0.5, &mut rng).unwrap();
    params::set(&mut s, "prospective", 0.0, &mut rng).unwrap();
    params::set(&mut s, "eta_ip", 0.02, &mut rng).unwrap();
    assert_eq!(s.net.layers[0].w, w, "weights untouched");
    assert_eq!(s.net.config.beta, 0.3);
    assert_eq!(s.net.config.dt, 0.5);
    assert_eq!(s.task.steps_per_sample, 20, "10 ms at dt = 0.5 ms");
    assert_eq!(params::get(&s, "presentation_ms"), Some(10.0));
    assert_eq!(s.net.config.lookahead, Lookahead::None);
    params::set(&mut s, "prospective", 1.0, &mut rng).unwrap();
    assert_eq!(s.net.config.lookahead, Lookahead::Advanced);
    // Plasticity off: the weights stay exactly as they are while the network runs.
    params::set(&mut s, "plastic", 0.0, &mut rng).unwrap();
    s.train_steps(200).unwrap();
    assert_eq!(s.net.layers[0].w, w, "no plasticity, no change");
    params::set(&mut s, "plastic", 1.0, &mut rng).unwrap();
    s.train_steps(50).unwrap();
    assert_ne!(s.net.layers[0].w, w);
}

#[test]
fn no_combination_of_extreme_values_leaves_a_non_finite_network() {
    let names: Vec<&str> = SPECS
        .iter()
        .filter(|s| !s.rebuilds && !s.switch)
        .map(|s| s.name)
        .collect();
    let mut diverged = 0;
    for combo in 0..24u32 {
        let mut s = session();
        let mut rng = Rng::new(combo as u64);
        let feedback = [
            Feedback::WeightTransport,
            Feedback::Random,
            Feedback::Microcircuit,
        ][combo as usize % 3];
        s.set_feedback(feedback, &mut rng).unwrap();
        for (k, name) in names.iter().enumerate() {
            let spec = params::spec(name).unwrap();
            let v = if (combo >> (k % 4)) & 1 == 1 {
                spec.max
            } else {
                spec.min
            };
            params::set(&mut s, name, v, &mut rng).unwrap();
        }
        params::set(&mut s, "prospective", (combo % 2) as f64, &mut rng).unwrap();
        if s.train_steps(1500).is_err() {
            diverged += 1;
        }
        let finite = s
            .net
            .layers
            .iter()
            .all(|l| l.w.iter().chain(&l.b).chain(&l.u).all(|v| v.is_finite()));
        assert!(
            finite,
            "combination {combo}: non-finite network left running"
        );
        assert!(s.net.output().iter().all(|v| v.is_finite()));
    }
    eprintln!("{diverged} of 24 extreme combinations diverged and were restored");
}
