//! Continuous learning on the real, official MNIST (needs `python3 scripts/fetch_data.py`).

use nla_playground::data_files::{load_test, load_train};
use nla_playground::network::NetConfig;
use nla_playground::session::{Session, TaskConfig};

#[test]
fn official_files_have_the_published_first_labels() {
    let train = load_train(10).expect("MNIST data (run python3 scripts/fetch_data.py)");
    let test = load_test().unwrap();
    assert_eq!(&train.labels[..5], &[5, 0, 4, 1, 9]);
    assert_eq!(&test.labels[..5], &[7, 2, 1, 0, 4]);
    assert_eq!(test.len(), 10_000);
}

#[test]
fn ten_thousand_digits_of_continuous_learning_reach_90_percent_on_the_full_test_set() {
    let mut s = Session::new(NetConfig::default(), TaskConfig::default(), 1).unwrap();
    s.train = load_train(10_000).expect("MNIST data (run python3 scripts/fetch_data.py)");
    s.test = load_test().unwrap();
    let before = s.test_accuracy(10_000);
    s.train_steps(10_000 * s.task.steps_per_sample).unwrap();
    assert_eq!(
        s.samples_seen, 10_000,
        "each of the first 10,000 digits once"
    );
    let after = s.test_accuracy(10_000);
    eprintln!(
        "official-test accuracy: {:.2} % before, {:.2} % after 10,000 digits",
        100.0 * before,
        100.0 * after
    );
    assert!(before < 0.3, "untrained network already at {before}");
    assert!(after >= 0.90, "reached only {:.2} %", 100.0 * after);
}

#[test]
fn switching_to_the_microcircuit_while_learning_keeps_what_was_learned() {
    use nla_playground::network::Feedback;
    use nla_playground::rng::Rng;
    let mut s = Session::new(NetConfig::default(), TaskConfig::default(), 2).unwrap();
    s.train = load_train(10_000).unwrap();
    s.test = load_test().unwrap();
    s.train_steps(3_000 * 10).unwrap();
    let before = s.test_accuracy(2_000);
    s.set_feedback(Feedback::Microcircuit, &mut Rng::new(3))
        .unwrap();
    assert!(s.lateral_warmup > 0);
    assert_eq!(
        s.net.config.eta, 0.01,
        "forward rate capped so the interneurons keep up"
    );
    let theta_start = nla_playground::observe::lateral_alignment_deg(&s.net, 0);
    s.train_steps(3_000 * 10).unwrap();
    let after = s.test_accuracy(2_000);
    eprintln!("weight transport, 3,000 digits: {:.1} %; then 3,000 digits with the microcircuit (10 s interneuron warm-up first): {:.1} %", 100.0 * before, 100.0 * after);
    assert!(after >= before - 0.02, "{before} → {after}");
    let theta_end = nla_playground::observe::lateral_alignment_deg(&s.net, 0);
    eprintln!("θ {theta_start:.1}° → {theta_end:.1}°");
    assert!(
        theta_end < theta_start - 20.0,
        "θ should fall: {theta_start} → {theta_end}"
    );
    s.set_feedback(Feedback::WeightTransport, &mut Rng::new(3))
        .unwrap();
    assert_eq!(s.net.config.eta, 0.05, "switching back restores the rate");
}

#[test]
fn a_taught_digit_is_learned_in_a_few_presentations_without_forgetting_mnist() {
    let mut s = Session::new(NetConfig::default(), TaskConfig::default(), 4).unwrap();
    s.train = load_train(10_000).unwrap();
    s.test = load_test().unwrap();
    s.train_steps(5_000 * 10).unwrap();
    // A test digit the network gets wrong now, as a user's misread drawing would be.
    let mut x = vec![0.0f32; 784];
    let (k, label) = (0..s.test.len())
        .find_map(|k| {
            nla_playground::mnist::to_rates(s.test.image(k), &mut x);
            let answer = nla_playground::network::Network::argmax(&s.answer(&x));
            (answer != s.test.labels[k] as usize).then_some((k, s.test.labels[k]))
        })
        .unwrap();
    nla_playground::mnist::to_rates(s.test.image(k), &mut x);
    // The stream alone moves the accuracy by 1–4 points per 5 digits at this stage, so teaching
    // is compared with the same 5 stream digits untaught, from the same checkpoint.
    let checkpoint = s.checkpoint();
    let start = s.stream_seen;
    while s.stream_seen < start + 5 {
        s.train_steps(10).unwrap();
    }
    let stream_only = s.test_accuracy(10_000);
    s.restore(&checkpoint);
    s.teach(&x, label, 5).unwrap();
    // The taught presentations (at most 5), interleaved with exactly the same 5 stream digits.
    while s.stream_seen < start + 5 || s.teach_pending() > 0 {
        s.train_steps(10).unwrap();
    }
    assert_eq!(
        s.stream_seen,
        start + 5,
        "the same stream digits in both runs"
    );
    let answer = nla_playground::network::Network::argmax(&s.answer(&x));
    let taught = s.test_accuracy(10_000);
    eprintln!("taught test digit {k} (label {label}): answer now {answer}; official-test accuracy {:.2} % vs {:.2} % untaught", 100.0 * taught, 100.0 * stream_only);
    assert_eq!(
        answer, label as usize,
        "the taught label is learned within 5 presentations"
    );
    assert!(taught >= stream_only - 0.01, "{stream_only} → {taught}");
    assert_eq!(s.taught_answers(), vec![(label, label as usize)]);
}

#[test]
fn a_checkpoint_replays_the_same_run_bit_for_bit() {
    let mut s = Session::new(NetConfig::default(), TaskConfig::default(), 9).unwrap();
    s.train = load_train(2_000).unwrap();
    s.train_steps(3_333).unwrap();
    let c = s.checkpoint();
    s.train_steps(25_000).unwrap(); // crosses an epoch boundary (reshuffle)
    let first: Vec<u32> = s.net.layers[0].w.iter().map(|w| w.to_bits()).collect();
    s.restore(&c);
    s.train_steps(25_000).unwrap();
    let second: Vec<u32> = s.net.layers[0].w.iter().map(|w| w.to_bits()).collect();
    assert!(
        first == second,
        "same checkpoint + same actions ⇒ same weights"
    );
}

#[test]
fn with_all_plasticity_on_the_interneurons_align_during_mnist_learning_and_stay_aligned() {
    use nla_playground::network::Feedback;
    use nla_playground::observe::lateral_alignment_deg;
    // Tabula rasa, all pathways learning at once (paper Fig. 5), at the microcircuit's rate.
    let net = NetConfig {
        feedback: Feedback::Microcircuit,
        eta: 0.01,
        ..NetConfig::default()
    };
    let mut s = Session::new(net, TaskConfig::default(), 5).unwrap();
    s.train = load_train(20_000).unwrap();
    s.test = load_test().unwrap();
    let mut theta = vec![lateral_alignment_deg(&s.net, 0)];
    for _ in 0..10 {
        s.train_steps(2_000 * 10).unwrap();
        theta.push(lateral_alignment_deg(&s.net, 0));
    }
    let acc = s.test_accuracy(10_000);
    eprintln!(
        "θ every 2,000 digits: {:?}; official-test accuracy after 20,000 digits {:.2} %",
        theta
            .iter()
            .map(|t| (t * 10.0).round() / 10.0)
            .collect::<Vec<_>>(),
        100.0 * acc
    );
    assert!(theta[0] > 80.0, "random start: {}", theta[0]);
    assert!(
        theta[10] < 30.0,
        "θ falls below 30° within 20,000 digits: {theta:?}"
    );
    assert!(
        theta[1..].windows(2).all(|w| w[1] <= w[0] + 1.0),
        "θ never drifts back up: {theta:?}"
    );
    assert!(acc > 0.9, "the microcircuit learns: {acc}");
}
