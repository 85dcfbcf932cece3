//! URL state: hostile hashes never panic and never yield a value outside its limits; the
//! canonical hash reads back to the same state; the extreme corners of the limits learn on MNIST
//! without diverging.

use nla_playground::network::{Feedback, Lookahead};
use nla_playground::rng::Rng;
use nla_playground::urlstate::{limits::*, parse, UrlState, CONTROLS};

const KEYS: &[&str] = &[
    "task",
    "seed",
    "hidden",
    "feedback",
    "beta",
    "eta",
    "eta_ip",
    "eta_pi",
    "beta_i",
    "dt",
    "steps",
    "lookahead",
    "plasticity",
    "interneurons",
    "nudging",
    "decay",
    "hide",
    "embed",
    "<script>alert(1)</script>",
    "onerror",
    "__proto__",
    "constructor",
    "BETA",
    "",
    "%",
    "%zz",
    "%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E",
];

const VALUES: &[&str] = &[
    "",
    "0",
    "-0",
    "1",
    "-1",
    "0.1",
    "1e308",
    "1e39",
    "-1e39",
    "1e-45",
    "1e-300",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "Infinity",
    "+1",
    "1e+5",
    "0x10",
    "1_000",
    " 1",
    "1 ",
    "99999999999999999999999999",
    "18446744073709551616",
    "999999999999999",
    "1000000000000000",
    "-300",
    "0-0",
    "300-",
    "-",
    "1-2-3-4",
    "1000-1000-1000",
    "5000",
    "none",
    "microcircuit",
    "random",
    "weight-transport",
    "WEIGHT-TRANSPORT",
    "mixed",
    "one-to-one",
    "on",
    "off",
    "true",
    "maybe",
    "charts,teach",
    "charts,,teach,charts",
    "play,reset,feedback,params,readouts,stream,charts,accuracy,circuit,draw,teach,gallery,help,save,share",
    "<script>window.__pwned=1</script>",
    "%3Cscript%3Ewindow.__pwned%3D1%3C%2Fscript%3E",
    "\"><img src=x onerror=alert(1)>",
    "javascript:alert(1)",
    "%",
    "%%",
    "%G0",
    "%C3%28",
    "%FF%FE",
    "%E2%82",
    "%00",
    "\u{0}\u{1}\u{7f}",
    "数字",
    "🧠🧠",
    "\u{202e}evil",
    "mnist",
    "MNIST",
    "cifar",
];

/// A random hash built from hostile pieces, random numbers and random characters.
fn random_hash(rng: &mut Rng) -> String {
    let n = rng.below(12);
    let mut parts = vec![];
    for _ in 0..n {
        let key = KEYS[rng.below(KEYS.len())];
        let value: String = match rng.below(5) {
            0 | 1 => VALUES[rng.below(VALUES.len())].to_string(),
            2 => {
                // a random number across many magnitudes and signs
                let e = rng.below(80) as i32 - 40;
                let m = rng.uniform() * 20.0 - 10.0;
                format!("{}", m * 10f64.powi(e))
            }
            3 => format!("{}", rng.next_u64() >> rng.below(64)),
            _ => (0..rng.below(30))
                .map(|_| {
                    // random code points, including markup characters and separators
                    let c = match rng.below(4) {
                        0 => b"<>&=%#\"'/;+-.,"[rng.below(14)] as u32,
                        1 => rng.below(0x80) as u32,
                        2 => rng.below(0x3000) as u32,
                        _ => 0x1F300 + rng.below(0x300) as u32,
                    };
                    char::from_u32(c).unwrap_or('?')
                })
                .collect(),
        };
        parts.push(if rng.below(8) == 0 {
            key.to_string()
        } else {
            format!("{key}={value}")
        });
    }
    let mut h = parts.join("&");
    if rng.below(3) == 0 {
        h.insert(0, '#');
    }
    h
}

fn hostile_hashes() -> Vec<String> {
    let mut v: Vec<String> = vec![
        String::new(),
        "#".into(),
        "&&&".into(),
        "=".into(),
        "#task=mnist&seed=7&beta=0.1&eta=0.05&feedback=microcircuit&hide=charts,teach&embed".into(),
        "beta=NaN&eta=inf&dt=-inf&steps=-5&hidden=-300".into(),
        "beta=1e308&eta=1e308&eta_ip=1e308&eta_pi=1e308&beta_i=1e308&dt=1e308&steps=1e308".into(),
        "hidden=99999999999999999999-99999999999999999999".into(),
        "hidden=0-5".into(),
        "seed=18446744073709551615".into(),
        "seed=-1".into(),
        "seed=1.5".into(),
        "<script>window.__pwned=1</script>".into(),
        "hide=<img src=x onerror=window.__pwned=1>".into(),
        "%3Cscript%3E=%3C%2Fscript%3E".into(),
        "beta=0.1&beta=0.2&beta=0.3".into(),
        format!("beta={}", "9".repeat(100_000)),
        format!("x={}", "<".repeat(100_000)),
        "a&".repeat(50_000),
        "embed&embed=0&embed=maybe".into(),
        "feedback=microcircuit&hidden=1000-1000-1000&interneurons=1".into(),
        "lookahead=off&eta=0.1".into(),
    ];
    let mut rng = Rng::new(2024);
    for _ in 0..300 {
        v.push(random_hash(&mut rng));
    }
    v
}

fn in_range(x: f32, (lo, hi): (f32, f32)) -> bool {
    x.is_finite() && x >= lo && x <= hi
}

fn check_state(s: &UrlState, h: &str) {
    let ctx = || format!("hash {:?}", &h[..h.len().min(200)]);
    assert!(s.task == "mnist" || s.task == "ieeg", "{}", ctx());
    assert!(s.seed <= SEED_MAX, "{}", ctx());
    assert!(s.hidden.len() <= HIDDEN_LAYERS_MAX, "{}", ctx());
    assert!(
        s.hidden.iter().all(|&n| (1..=HIDDEN_MAX).contains(&n)),
        "{}",
        ctx()
    );
    assert!(in_range(s.beta, BETA), "{}", ctx());
    assert!(in_range(s.eta, ETA), "{}", ctx());
    assert!(in_range(s.eta_ip, ETA_LATERAL), "{}", ctx());
    assert!(in_range(s.eta_pi, ETA_LATERAL), "{}", ctx());
    assert!(in_range(s.beta_i, BETA_I), "{}", ctx());
    assert!(in_range(s.dt, DT), "{}", ctx());
    assert!((STEPS.0..=STEPS.1).contains(&s.steps), "{}", ctx());
    assert!(
        (INTERNEURONS.0..=INTERNEURONS.1).contains(&s.interneurons),
        "{}",
        ctx()
    );
    assert!(
        s.decay == 0 || (DECAY.0..=DECAY.1).contains(&s.decay),
        "{}",
        ctx()
    );
    assert!(
        s.hide.iter().all(|c| CONTROLS.contains(&c.as_str())),
        "{}",
        ctx()
    );
    for v in [s.beta, s.eta, s.eta_ip, s.eta_pi, s.beta_i] {
        assert!(v == 0.0 || v.abs() >= TINY, "{}", ctx());
    }
    s.net_config()
        .validate()
        .unwrap_or_else(|e| panic!("{}: {e}", ctx()));
    s.task_config()
        .validate()
        .unwrap_or_else(|e| panic!("{}: {e}", ctx()));
}

#[test]
fn hostile_hashes_give_valid_states_plain_notices_and_round_trip() {
    let hashes = hostile_hashes();
    assert!(hashes.len() >= 200);
    let mut with_notices = 0;
    for h in &hashes {
        let p = parse(h);
        check_state(&p.state, h);
        // Notices: bounded in number and length, and never the raw markup of a long input.
        assert!(p.notices.len() <= MAX_NOTICES + 1, "{:?}", p.notices);
        for n in &p.notices {
            assert!(n.chars().count() <= 400, "{n}");
        }
        with_notices += !p.notices.is_empty() as usize;
        // The canonical hash reads back to the same state, silently.
        let again = parse(&p.canonical);
        assert_eq!(again.state, p.state, "round trip of {:?}", p.canonical);
        assert!(again.notices.is_empty(), "{:?}", again.notices);
        assert_eq!(again.canonical, p.canonical);
        assert_eq!(p.state.to_hash(), p.canonical);
    }
    eprintln!(
        "{} hashes, {with_notices} with notices; none out of range",
        hashes.len()
    );
    assert!(with_notices > hashes.len() / 2);
}

#[test]
fn the_example_link_and_specific_refusals() {
    let p =
        parse("#task=mnist&seed=7&beta=0.1&eta=0.05&feedback=microcircuit&hide=charts,teach&embed");
    let s = &p.state;
    assert_eq!(s.seed, 7);
    assert_eq!(s.beta, 0.1);
    assert_eq!(s.feedback, Feedback::Microcircuit);
    // microcircuit: η capped at 0.01, with a notice because η was given
    assert_eq!(s.eta, 0.01);
    assert_eq!(p.notices.len(), 1, "{:?}", p.notices);
    assert!(p.notices[0].contains("microcircuit"), "{:?}", p.notices);
    assert_eq!(s.hide, vec!["charts", "teach"]);
    assert!(s.embed);
    assert!(
        p.canonical.ends_with("&hide=charts,teach&embed"),
        "{}",
        p.canonical
    );

    // Defaults: the empty hash is the page's default network, without notices.
    let d = parse("");
    assert!(d.notices.is_empty());
    assert_eq!(
        d.state.net_config(),
        nla_playground::network::NetConfig::default()
    );
    assert_eq!(
        d.state.task_config(),
        nla_playground::session::TaskConfig::default()
    );

    let p = parse("beta=NaN&eta=1e300&dt=0.0001&steps=-3&hidden=5000-20&seed=abc");
    assert_eq!(p.state.beta, 0.1, "NaN refused, default kept");
    assert_eq!(p.state.eta, ETA.1, "huge clamped to the maximum");
    assert_eq!(p.state.dt, DT.0, "tiny clamped to the minimum");
    assert_eq!(p.state.steps, 10, "negative refused");
    assert_eq!(p.state.hidden, vec![HIDDEN_MAX, 20]);
    assert_eq!(p.state.seed, 1);
    assert_eq!(p.notices.len(), 6, "{:#?}", p.notices);
    assert!(
        p.notices[0].starts_with("Ignored beta=\"NaN\""),
        "{}",
        p.notices[0]
    );

    // Markup is quoted as text, shortened, and never interpreted here.
    let p = parse(&format!("<script>{}</script>=1", "x".repeat(1000)));
    assert_eq!(p.notices.len(), 1);
    assert!(p.notices[0].starts_with("Ignored the unknown parameter \"<script>xxx"));
    assert!(p.notices[0].len() < 100, "{}", p.notices[0]);
    // Control characters are escaped in notices.
    let p = parse("task=%00%1b[31m");
    assert!(
        p.notices[0].contains("\\0") && p.notices[0].contains("\\u{1b}"),
        "{}",
        p.notices[0]
    );

    // Repeated keys: the last wins, with a notice.
    let p = parse("beta=0.2&beta=0.05");
    assert_eq!(p.state.beta, 0.05);
    assert_eq!(
        p.notices,
        vec!["beta was given 2 times; the last one is used."]
    );

    // A limit equal to the default in decimal does not lower it (no float noise in notices).
    let p = parse("beta=0.2");
    assert!(p.notices.is_empty(), "{:?}", p.notices);
    assert_eq!(p.state.eta, 0.05);
    let p = parse("beta=0.3");
    assert_eq!(p.state.eta, 0.0333, "{:?}", p.notices);
    // Without lookahead η is capped; the microcircuit gets enough interneurons.
    let p = parse("lookahead=off");
    assert_eq!(p.state.net_config().lookahead, Lookahead::None);
    assert_eq!(p.state.eta, ETA_NO_LOOKAHEAD_MAX);
    assert!(p.notices.is_empty(), "default η lowered silently");
    let p = parse("feedback=microcircuit&hidden=300&interneurons=3");
    assert_eq!(p.state.interneurons, 10);
    assert!(p.state.net_config().validate().is_ok());
    // Random feedback and the microcircuit need one hidden layer (measured: deeper diverged).
    let p = parse("feedback=random&hidden=300-200");
    assert_eq!(p.state.feedback, Feedback::WeightTransport);
    assert_eq!(p.notices.len(), 1, "{:?}", p.notices);
}

/// The corners of the limits, run on official MNIST digits: none diverges.
#[test]
fn extreme_accepted_values_learn_without_diverging() {
    use nla_playground::data_files::load_train;
    use nla_playground::session::Session;
    let train = load_train(2000).expect("MNIST data (run python3 scripts/fetch_data.py)");
    let mut cases: Vec<String> = vec![];
    for feedback in ["weight-transport", "random", "microcircuit"] {
        for lookahead in ["on", "off"] {
            for (beta, dt, steps, beta_i) in [
                (BETA.1, DT.1, 1, BETA_I.1),
                (BETA.1, DT.0, 1, BETA_I.1),
                (BETA.1, 1.0, 1, BETA_I.1),
                (BETA.1, 0.5, 1, BETA_I.1),
                (BETA.1, DT.1, 50, BETA_I.1),
                (BETA.1, 1.0, 10, BETA_I.0),
                (0.0, DT.1, 5, BETA_I.1),
            ] {
                // every rate at its maximum (the parser lowers them to the dt·η limits)
                cases.push(format!(
                    "feedback={feedback}&lookahead={lookahead}&beta={beta}&eta={}&dt={dt}&steps={steps}&eta_ip={}&eta_pi={}&beta_i={beta_i}&decay=0&hidden=100",
                    ETA.1, ETA_LATERAL.1, ETA_LATERAL.1
                ));
            }
        }
    }
    // Widest and deepest networks, a bottleneck, and none at all, every rate at its maximum.
    let max = format!("eta=1&eta_ip=1&eta_pi=1&beta_i={}&decay=0", BETA_I.1);
    for hidden in [
        format!("{HIDDEN_MAX}-{HIDDEN_MAX}"),
        format!("1-{HIDDEN_MAX}"),
        format!("{HIDDEN_MAX}-1"),
        format!("{HIDDEN_MAX}"),
        "none".into(),
    ] {
        for feedback in ["weight-transport", "random", "microcircuit"] {
            for (beta, dt, steps) in [(1.0, DT.1, 1), (1.0, DT.0, 1), (0.1, 1.0, 10)] {
                cases.push(format!(
                    "hidden={hidden}&feedback={feedback}&beta={beta}&dt={dt}&steps={steps}&{max}"
                ));
            }
        }
    }
    for h in &cases {
        let p = parse(h);
        let st = &p.state;
        let mut s = Session::new(st.net_config(), st.task_config(), 3).unwrap();
        s.train = train.clone();
        let steps = 2000;
        let r = s.train_steps(steps);
        assert!(r.is_ok(), "{h} diverged: {r:?} after {} steps", s.steps);
        for l in &s.net.layers {
            assert!(l.w.iter().chain(&l.b).all(|v| v.is_finite()), "{h}");
            let wmax = l.w.iter().fold(0f32, |a, v| a.max(v.abs()));
            assert!(wmax < 1e3, "{h}: weights grow to {wmax}");
        }
    }
    eprintln!(
        "{} extreme configurations ran without diverging",
        cases.len()
    );
}

#[test]
fn ieeg_channels_and_speed_round_trip_and_hostile_values_are_refused() {
    let p = parse("task=ieeg&channels=ECOG_RIGHT_2,ECOG_RIGHT_3,ECOG_RIGHT_2&speed=max");
    assert!(p.notices.is_empty(), "{:?}", p.notices);
    assert_eq!(
        p.state.channels,
        ["ECOG_RIGHT_2", "ECOG_RIGHT_3"],
        "duplicates dropped"
    );
    assert_eq!(p.state.speed, 0);
    let again = parse(&p.canonical);
    assert_eq!(again.state, p.state);
    assert!(again.notices.is_empty());
    for bad in [
        "channels=%3Cscript%3E",
        "channels=a%20b",
        "speed=7",
        "speed=-1",
        "speed=1e3",
        "speed=99999999999999999999",
    ] {
        let p = parse(&format!("task=ieeg&{bad}"));
        assert_eq!(p.notices.len(), 1, "{bad}: {:?}", p.notices);
        assert!(p.state.channels.is_empty() && p.state.speed == 10, "{bad}");
    }
    let many = (0..64)
        .map(|k| format!("C{k}"))
        .collect::<Vec<_>>()
        .join(",");
    assert_eq!(parse(&format!("channels={many}")).notices.len(), 1);
}
