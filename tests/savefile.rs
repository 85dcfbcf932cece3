//! Save files: save → load continues bit for bit; every kind of bad file is refused with its own
//! message; same seed + same settings + same actions ⇒ the same weights.

use nla_playground::data_files::{load_test, load_train};
use nla_playground::mnist::{to_rates, Dataset};
use nla_playground::network::{Feedback, NetConfig, Network};
use nla_playground::rng::Rng;
use nla_playground::savefile::{crc32, decode, encode, VERSION};
use nla_playground::session::{Session, TaskConfig};

fn data() -> (Dataset, Dataset) {
    (
        load_train(2000).expect("MNIST data (run python3 scripts/fetch_data.py)"),
        load_test().unwrap(),
    )
}

/// Every learned and neural number of the network, as bits.
fn bits(net: &Network) -> Vec<u32> {
    let mut v = vec![];
    for l in &net.layers {
        for x in [&l.w, &l.b, &l.u, &l.udot, &l.e, &l.r] {
            v.extend(x.iter().map(|f| f.to_bits()));
        }
    }
    for k in &net.circuits {
        for x in [&k.w_ip, &k.w_pi, &k.b_i, &k.b_fb, &k.b_ip] {
            v.extend(x.iter().map(|f| f.to_bits()));
        }
    }
    v.extend(net.rbar_in.iter().map(|f| f.to_bits()));
    v
}

fn answers(s: &mut Session, n: usize) -> Vec<usize> {
    let mut x = vec![0.0; 784];
    (0..n)
        .map(|i| {
            to_rates(s.test.image(i), &mut x);
            Network::argmax(&s.answer(&x))
        })
        .collect()
}

/// The scripted user: learn, teach a drawn digit (a test digit stands in for the drawing),
/// switch the top-down path, learn on.
fn actions(s: &mut Session, seed: u64) {
    s.train_steps(4000).unwrap();
    let mut x = vec![0.0; 784];
    to_rates(s.test.image(3), &mut x);
    s.teach(&x, s.test.labels[3], 5).unwrap();
    s.train_steps(1500).unwrap();
    s.set_feedback(Feedback::Random, &mut Rng::new(seed ^ 0x5EED))
        .unwrap();
    s.train_steps(1500).unwrap();
}

fn session(seed: u64) -> Session {
    let (train, test) = data();
    let mut s = Session::new(NetConfig::default(), TaskConfig::default(), seed).unwrap();
    s.train = train;
    s.test = test;
    s
}

#[test]
fn same_seed_settings_and_actions_give_bit_identical_weights() {
    let (mut a, mut b) = (session(5), session(5));
    actions(&mut a, 5);
    actions(&mut b, 5);
    assert_eq!(bits(&a.net), bits(&b.net));
    // and a different seed does not (the test can fail)
    let mut c = session(6);
    actions(&mut c, 6);
    assert_ne!(bits(&a.net), bits(&c.net));
}

#[test]
fn save_then_load_continues_bit_for_bit_with_the_same_answers() {
    let mut a = session(7);
    a.set_feedback(Feedback::Microcircuit, &mut Rng::new(7 ^ 0x5EED))
        .unwrap();
    actions(&mut a, 7);
    let mut x = vec![0.0; 784];
    to_rates(a.test.image(9), &mut x);
    a.teach(&x, 4, 5).unwrap(); // a queued teaching in flight
    a.train_steps(37).unwrap(); // mid-digit
    while a.eval_digits(10_000).is_none() {} // a point in the history
    let start = NetConfig::default();
    let file = encode(&a, &start, 7);
    eprintln!("save file: {} bytes", file.len());
    let saved = decode(&file).expect("a fresh file loads");
    assert_eq!(saved.seed, 7);
    assert_eq!(saved.start_config, start);
    let (train, test) = data();
    let mut b = saved.into_session(train, test).map_err(|e| e.0).unwrap();
    assert_eq!(bits(&a.net), bits(&b.net), "bit-identical after loading");
    assert_eq!(a.net.config, b.net.config);
    assert_eq!(b.history, a.history);
    assert_eq!(answers(&mut a, 1000), answers(&mut b, 1000));
    assert_eq!(a.teach_pending(), b.teach_pending());
    // Both continue exactly alike: the stream, the taught digit, the plasticity.
    a.train_steps(3000).unwrap();
    b.train_steps(3000).unwrap();
    assert_eq!(bits(&a.net), bits(&b.net), "bit-identical continuation");
    assert_eq!(
        (a.samples_seen, a.stream_seen),
        (b.samples_seen, b.stream_seen)
    );
    // Saving the loaded session gives the same bytes.
    assert_eq!(encode(&a, &start, 7), encode(&b, &start, 7));
}

/// Re-seal a patched file with a valid checksum, so the check after it is what refuses it.
fn reseal(mut f: Vec<u8>) -> Vec<u8> {
    let n = f.len() - 4;
    let crc = crc32(&f[..n]);
    f[n..].copy_from_slice(&crc.to_le_bytes());
    f
}

#[test]
fn bad_files_are_refused_with_their_own_message() {
    let mut s = session(3);
    s.train_steps(200).unwrap();
    let good = encode(&s, &NetConfig::default(), 3);
    let msg = |f: &[u8]| match decode(f) {
        Ok(_) => panic!("accepted a bad file"),
        Err(e) => e.0,
    };
    let has = |m: String, want: &str| assert!(m.contains(want), "{m:?} lacks {want:?}");

    has(msg(&[]), "wrong magic");
    has(msg(b"PK\x03\x04 a zip file, not ours"), "wrong magic");
    has(msg(&good[..good.len() / 2]), "truncated");
    has(msg(&good[..12]), "truncated");
    let mut longer = good.clone();
    longer.extend_from_slice(b"junk");
    has(msg(&longer), "after its end");
    let mut v2 = good.clone();
    v2[8..12].copy_from_slice(&(VERSION + 1).to_le_bytes());
    has(msg(&v2), &format!("version {}", VERSION + 1));
    let mut flipped = good.clone();
    let mid = good.len() / 2;
    flipped[mid] ^= 0x40;
    has(msg(&flipped), "checksum mismatch");

    // A NaN weight, with a valid checksum: refused by the finiteness check, naming the array.
    // NETW starts after CONF; the first layer's W follows its config and shape.
    let netw = good.windows(4).position(|w| w == b"NETW").unwrap();
    let mut nan = good.clone();
    // find the first weight: scan NETW for the 8-byte length 784*300 followed by data
    let wlen = (784u64 * 300).to_le_bytes();
    let at = netw + nan[netw..].windows(8).position(|w| w == wlen).unwrap() + 8;
    nan[at..at + 4].copy_from_slice(&f32::NAN.to_bits().to_le_bytes());
    has(msg(&reseal(nan)), "layer 1 W contains a non-finite number");
    let mut inf = good.clone();
    inf[at + 400..at + 404].copy_from_slice(&f32::INFINITY.to_bits().to_le_bytes());
    has(msg(&reseal(inf)), "non-finite");

    // A shape that disagrees with the configuration: the first layer claims 784→301.
    let mut shape = good.clone();
    let n_at = at - 8 - 8;
    assert_eq!(
        u64::from_le_bytes(shape[n_at..n_at + 8].try_into().unwrap()),
        300
    );
    shape[n_at..n_at + 8].copy_from_slice(&301u64.to_le_bytes());
    has(msg(&reseal(shape)), "layer 1 is 784→301");

    // An absurd length never allocates: it does not fit the file.
    let mut huge = good.clone();
    huge[at - 8..at].copy_from_slice(&u64::MAX.to_le_bytes());
    has(msg(&reseal(huge)), "does not fit the file");

    // A section missing (renamed).
    let mut missing = good.clone();
    let hist = missing.windows(4).position(|w| w == b"HIST").unwrap();
    missing[hist..hist + 4].copy_from_slice(b"XXXX");
    has(msg(&reseal(missing)), "section HIST is missing");

    // An invalid configuration inside a well-formed file (β = 100).
    let mut beta = good.clone();
    let conf = beta.windows(4).position(|w| w == b"CONF").unwrap();
    // CONF: len(8) seed(8) n_layers(8) 3×8 layers, then tau, dt, beta
    let beta_at = conf + 4 + 8 + 8 + 8 + 3 * 8 + 8;
    assert_eq!(
        f32::from_le_bytes(beta[beta_at..beta_at + 4].try_into().unwrap()),
        0.1
    );
    beta[beta_at..beta_at + 4].copy_from_slice(&100f32.to_le_bytes());
    has(msg(&reseal(beta)), "beta");

    // Data not loaded yet: refused, and the data handed back untouched.
    let saved = decode(&good).unwrap();
    let small = load_train(10).unwrap();
    match saved.into_session(small, Dataset::default()) {
        Ok(_) => panic!("continued a stream over digits that are not loaded"),
        Err((e, train, _)) => {
            has(e.0, "only 10 are loaded");
            assert_eq!(train.len(), 10);
        }
    }
}
