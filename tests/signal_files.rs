//! Reading a researcher's own recording: CSV with a header row and EDF. Good files round-trip;
//! each kind of malformed file gets its own message naming the line or header field.

use nla_playground::data_files::load_ieeg;
use nla_playground::ieeg::{IeegConfig, IeegTask};
use nla_playground::signal_files::{parse_csv, parse_edf, parse_named, to_edf, Recording};

/// A small synthetic recording: 4 channels, 250 Hz, 3 s.
fn small() -> Recording {
    let (c, n) = (4, 750);
    let data = (0..c * n)
        .map(|i| ((i % n) as f32 * 0.05 * (1 + i / n) as f32).sin() * 10.0 + (i / n) as f32)
        .collect();
    Recording {
        names: vec![
            "ECOG_A".into(),
            "ECOG_B".into(),
            "LFP_C".into(),
            "EEG D".into(),
        ],
        kinds: vec![],
        rate_hz: 250.0,
        samples: n,
        data,
    }
}

fn csv_of(rec: &Recording, with_time: bool) -> String {
    let mut s = String::new();
    if !with_time {
        s += &format!("# rate_hz = {}\n", rec.rate_hz);
    }
    let mut header = rec.names.clone();
    if with_time {
        header.insert(0, "time".into());
    }
    s += &header.join(",");
    s += "\n";
    for t in 0..rec.samples {
        let mut row: Vec<String> = (0..rec.channels())
            .map(|c| rec.channel(c)[t].to_string())
            .collect();
        if with_time {
            row.insert(0, format!("{}", t as f64 / rec.rate_hz));
        }
        s += &row.join(",");
        s += "\n";
    }
    s
}

fn err_csv(text: &str) -> String {
    parse_csv(text.as_bytes(), "rec.csv")
        .expect_err("must be refused")
        .0
}

fn err_edf(bytes: &[u8]) -> String {
    parse_edf(bytes, "rec.edf").expect_err("must be refused").0
}

#[test]
fn csv_round_trip_with_rate_line_or_time_column() {
    let rec = small();
    for with_time in [false, true] {
        let got = parse_csv(csv_of(&rec, with_time).as_bytes(), "rec.csv").unwrap();
        assert_eq!(got.names, rec.names);
        assert_eq!(got.samples, 750);
        assert!((got.rate_hz - 250.0).abs() < 1e-6, "{}", got.rate_hz);
        assert_eq!(got.data, rec.data);
        assert_eq!(
            format!("{:?}", got.kinds),
            "[Ecog, Ecog, Lfp, Eeg]",
            "kinds from the names"
        );
    }
}

#[test]
fn edf_round_trip_keeps_the_signal_to_16_bits() {
    let rec = small();
    let got = parse_edf(&to_edf(&rec), "rec.edf").unwrap();
    assert_eq!(got.names, rec.names);
    assert_eq!((got.samples, got.rate_hz), (750, 250.0));
    for c in 0..4 {
        let range = 22.0; // ≈ max − min of each channel
        let worst = got
            .channel(c)
            .iter()
            .zip(rec.channel(c))
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        assert!(worst < range / 30_000.0, "channel {c}: {worst}");
    }
}

#[test]
fn the_real_recording_through_edf_gives_the_same_task() {
    // Values of tens of millions (the header's units caveat) need the scientific range format.
    let rec = load_ieeg().unwrap();
    let back = parse_named("sub-testsub.edf", &to_edf(&rec)).unwrap();
    assert_eq!(back.samples, 19_000); // whole 1 s records
    let a = IeegTask::new(&rec, IeegConfig::default()).unwrap();
    let b = IeegTask::new(&back, IeegConfig::default()).unwrap();
    for (x, y) in a.baseline.r2.iter().zip(&b.baseline.r2) {
        assert!(
            (x - y).abs() < 0.01,
            "{:?} vs {:?}",
            a.baseline.r2,
            b.baseline.r2
        );
    }
}

#[test]
fn malformed_csv_files_each_get_their_own_message() {
    let good = csv_of(&small(), false);
    // truncated: the last row is cut in the middle
    let cut = &good[..good.len() - 12];
    let e = err_csv(cut);
    assert!(
        e.contains("line 752:") && e.contains("values, expected 4") && e.contains("truncated"),
        "{e}"
    );
    // truncated against a declared length
    let e = err_csv(&good.replacen("# rate_hz = 250\n", "# rate_hz = 250\n# samples = 800\n", 1));
    assert!(
        e.contains("declares 800 samples") && e.contains("after 750") && e.contains("truncated"),
        "{e}"
    );
    // wrong header: numbers where the channel names belong
    let e = err_csv(&good.replacen("ECOG_A,ECOG_B,LFP_C,EEG D", "1.5,2,3,4", 1));
    assert!(e.contains("line 2: the header row holds numbers"), "{e}");
    // text in numbers
    let e = err_csv(&good.replacen("\n0,", "\nabc,", 1));
    assert!(
        e.contains("line 3, column 1 (\"ECOG_A\"): \"abc\" is not a number"),
        "{e}"
    );
    // non-finite values
    let e = err_csv(&good.replacen("\n0,", "\nNaN,", 1));
    assert!(
        e.contains("line 3, column 1 (\"ECOG_A\"): NaN is not a finite number"),
        "{e}"
    );
    // one channel
    let e = err_csv("# rate_hz = 250\nECOG_A\n1\n2\n3\n");
    assert!(
        e.contains("line 2: 1 channel; a recording needs 3 to 64 channels"),
        "{e}"
    );
    // zero rate
    let e = err_csv(&good.replacen("rate_hz = 250", "rate_hz = 0", 1));
    assert!(
        e.contains("line 1: sampling rate 0 Hz is outside 100..=20000 Hz"),
        "{e}"
    );
    let e = err_csv("time,a,b,c\n0,1,2,3\n0,1,2,3\n0,2,3,4\n");
    assert!(e.contains("does not increase: sampling rate 0 Hz"), "{e}");
    // huge claimed length
    let e = err_csv(&good.replacen(
        "# rate_hz = 250\n",
        "# rate_hz = 250\n# samples = 999999999999\n",
        1,
    ));
    assert!(
        e.contains(
            "line 2: claims 999999999999 samples per channel, more than the limit of 4000000"
        ),
        "{e}"
    );
    // no rate at all, too short, too many channels
    let e = err_csv("a,b,c\n1,2,3\n");
    assert!(e.contains("no sampling rate"), "{e}");
    let e = err_csv("# rate_hz = 250\na,b,c\n1,2,3\n2,3,4\n");
    assert!(
        e.contains("2 samples at 250 Hz is 0.01 s; at least 2 s are needed"),
        "{e}"
    );
    let names: Vec<String> = (0..65).map(|k| format!("c{k}")).collect();
    let e = err_csv(&format!("# rate_hz = 250\n{}\n", names.join(",")));
    assert!(e.contains("65 channels; a recording needs 3 to 64"), "{e}");
    let e = parse_named("rec.xlsx", b"PK").err().unwrap().0;
    assert!(e.contains("unknown file type"), "{e}");
}

/// Overwrite an ASCII header field of an EDF file.
fn set_field(edf: &mut [u8], start: usize, len: usize, value: &str) {
    let v = format!("{value:<len$}");
    edf[start..start + len].copy_from_slice(&v.as_bytes()[..len]);
}

#[test]
fn malformed_edf_files_each_get_their_own_message() {
    let good = to_edf(&small());
    assert!(parse_edf(&good, "rec.edf").is_ok());
    // truncated: inside the fixed header, inside the signal headers, inside the records
    let e = err_edf(&good[..200]);
    assert!(
        e.contains(
            "200 bytes; an EDF file's fixed header alone is 256 bytes — is the file truncated?"
        ),
        "{e}"
    );
    let e = err_edf(&good[..600]);
    assert!(
        e.contains("the header of 4 signals alone is 1280 bytes — is the file truncated?"),
        "{e}"
    );
    let e = err_edf(&good[..good.len() - 100]);
    assert!(e.contains("the file holds 2 of the 3 data records its header claims (bytes 236–243) — is the file truncated?"), "{e}");
    // wrong header
    let mut bad = good.clone();
    bad[..8].copy_from_slice(b"GARBAGE!");
    let e = err_edf(&bad);
    assert!(
        e.contains("EDF header field \"version\" (bytes 0–7) is \"GARBAGE!\", expected \"0\""),
        "{e}"
    );
    let mut bad = good.clone();
    set_field(&mut bad, 184, 8, "1024");
    let e = err_edf(&bad);
    assert!(e.contains("\"number of bytes in header\" (bytes 184–191) is 1024, expected 256 + 256 × 4 signals = 1280"), "{e}");
    // text in numbers: a fixed-header field and a signal field
    let mut bad = good.clone();
    set_field(&mut bad, 252, 4, "four");
    let e = err_edf(&bad);
    assert!(
        e.contains("\"number of signals\" (bytes 252–255): \"four\" is not a number"),
        "{e}"
    );
    let mut bad = good.clone();
    set_field(&mut bad, 256 + 4 * (16 + 80 + 8) + 8, 8, "1e3x");
    let e = err_edf(&bad);
    assert!(
        e.contains(
            "EDF signal 2 field \"physical minimum\" (bytes 680–687): \"1e3x\" is not a number"
        ),
        "{e}"
    );
    // one channel
    let mut one = small();
    one.names.truncate(1);
    one.data.truncate(one.samples);
    let e = err_edf(&to_edf(&one));
    assert!(
        e.contains("1 signal (besides annotations); a recording needs 3 to 64 channels"),
        "{e}"
    );
    // zero rate: a record of 0 s
    let mut bad = good.clone();
    set_field(&mut bad, 244, 8, "0");
    let e = err_edf(&bad);
    assert!(
        e.contains(
            "\"duration of a data record\" (bytes 244–251) is 0: the sampling rate would be 0 Hz"
        ),
        "{e}"
    );
    // huge claimed length
    let mut bad = good.clone();
    set_field(&mut bad, 236, 8, "99999999");
    let e = err_edf(&bad);
    assert!(e.contains("claims 99999999 records = 24999999750 samples per channel, more than the limit of 4000000"), "{e}");
    // signals at different rates
    let mut bad = good.clone();
    let spr_at = 256 + 4 * (16 + 80 + 8 + 8 + 8 + 8 + 8 + 80);
    set_field(&mut bad, spr_at + 8 * 2, 8, "125");
    let e = err_edf(&bad);
    assert!(e.contains("EDF signal 3 (\"LFP_C\") has 125 samples per record, signal 1 has 250: all channels must share one sampling rate"), "{e}");
}
