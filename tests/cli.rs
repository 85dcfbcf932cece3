//! The native CLI (`nla`) over the same core: its JSON output carries the figures the README and
//! BENCHMARKS quote, and it refuses what it does not understand.

use std::process::Command;

fn nla(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_nla"))
        .args(args)
        .output()
        .expect("run nla")
}

fn json(args: &[&str]) -> serde_json::Value {
    let out = nla(args);
    assert!(
        out.status.success(),
        "nla {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

#[test]
fn ieeg_json_reports_network_and_least_squares_r2_per_hidden_channel() {
    let r = json(&["ieeg", "--json", "--train-seconds", "20"]);
    let hidden = r["hidden"].as_array().unwrap();
    let names: Vec<&str> = hidden.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["ECOG_RIGHT_0", "ECOG_RIGHT_1"]);
    for c in hidden {
        let (net, ls) = (
            c["network_r2"].as_f64().unwrap(),
            c["least_squares_r2"].as_f64().unwrap(),
        );
        // After 20 s of the recording (the full-length test in tests/ieeg.rs asserts ≥ 0.9 × LS).
        assert!(net > 0.6 && net <= 1.0, "network R² {net}");
        assert!((0.8..0.87).contains(&ls), "least-squares R² {ls}");
    }
    assert_eq!(r["first_r2_above_0_5_at_s"].as_f64(), Some(6.0));
    let other = json(&[
        "ieeg",
        "--json",
        "--train-seconds",
        "5",
        "--hidden",
        "LFP_RIGHT_0",
    ]);
    assert_eq!(other["hidden"][0]["name"], "LFP_RIGHT_0");
}

#[test]
fn train_json_reports_the_official_test_accuracy() {
    let r = json(&["train", "--samples", "2000", "--json"]);
    let acc = r["test_accuracy"].as_f64().expect("test_accuracy");
    assert!(acc > 0.8 && acc <= 1.0, "accuracy after 2,000 digits {acc}");
    assert_eq!(r["seed"], 1);
}

#[test]
fn unknown_options_and_bad_values_are_refused_with_a_message() {
    for args in [
        &["ieeg", "--bogus", "1"][..],
        &["train", "--samples", "many"],
        &["ieeg", "--train-seconds", "-5"],
        &["ieeg", "--hidden", "NOT_A_CHANNEL"],
        &["frobnicate"],
    ] {
        let out = nla(args);
        assert!(!out.status.success(), "nla {args:?} succeeded");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.starts_with("nla: "), "nla {args:?}: {err}");
    }
}
