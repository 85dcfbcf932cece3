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
