//! Multichannel recordings and the file formats they arrive in: the project's compact copy of
//! the BrainVision recording (float32, multiplexed), CSV with a header row, and EDF.
//!
//! Every parser validates what it reads and refuses with a message that names the line or the
//! header field at fault; nothing here panics on any input (the page hands it a user's file).

use serde::Serialize;

/// Limits on what a recording may be (stated on the page and in the messages).
pub const MIN_CHANNELS: usize = 3;
pub const MAX_CHANNELS: usize = 64;
/// Sampling rates 100 Hz ..= 20 kHz. One Euler step per sample, dt = 1/rate, must not exceed the
/// membrane time constant τ = 10 ms (see `NetConfig::validate`).
pub const MIN_RATE_HZ: f64 = 100.0;
pub const MAX_RATE_HZ: f64 = 20_000.0;
/// At least 2 s (a training and a test window of some length), at most 4 M samples per channel
/// (≈ 70 min at 1 kHz; 64 channels × 4 M × 4 bytes would already be 1 GiB).
pub const MIN_SECONDS: f64 = 2.0;
pub const MAX_SAMPLES: usize = 4_000_000;
/// No more than 64 M values in all (256 MiB of f32), whatever the shape.
pub const MAX_VALUES: usize = 64 * 1024 * 1024;

/// What a channel records. Only ECoG gets special treatment (see [`crate::ieeg`]): the ECoG
/// strips here are common-average referenced.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ChannelKind {
    Ecog,
    Lfp,
    Eeg,
    Other,
}

impl ChannelKind {
    /// From a BIDS channel type ("ECOG", "DBS", "LFP", "SEEG", "EEG") or, failing that, from
    /// the channel name's prefix.
    pub fn guess(type_or_name: &str) -> ChannelKind {
        let s = type_or_name.trim().to_ascii_uppercase();
        if s.starts_with("ECOG") {
            ChannelKind::Ecog
        } else if s.starts_with("LFP") || s.starts_with("DBS") || s.starts_with("STN") {
            ChannelKind::Lfp
        } else if s.starts_with("EEG") || s.starts_with("SEEG") {
            ChannelKind::Eeg
        } else {
            ChannelKind::Other
        }
    }
}

/// A recording: named channels sampled together at one rate. Stored channel-major
/// (`data[c * samples + t]`) so that one channel is one contiguous slice.
#[derive(Clone, Debug)]
pub struct Recording {
    pub names: Vec<String>,
    pub kinds: Vec<ChannelKind>,
    pub rate_hz: f64,
    pub samples: usize,
    pub data: Vec<f32>,
}

/// A refused file: what is wrong and where (line or header field).
#[derive(Clone, Debug, PartialEq)]
pub struct SignalError(pub String);

impl std::fmt::Display for SignalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn fail<T>(msg: impl Into<String>) -> Result<T, SignalError> {
    Err(SignalError(msg.into()))
}

impl Recording {
    pub fn channels(&self) -> usize {
        self.names.len()
    }

    pub fn channel(&self, c: usize) -> &[f32] {
        &self.data[c * self.samples..(c + 1) * self.samples]
    }

    pub fn seconds(&self) -> f64 {
        self.samples as f64 / self.rate_hz
    }

    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// Check the limits every recording must meet, whatever its source (`what` names the file).
    pub fn validate(&self, what: &str) -> Result<(), SignalError> {
        let c = self.channels();
        if !(MIN_CHANNELS..=MAX_CHANNELS).contains(&c) {
            return fail(format!(
                "{what}: {c} channel{}; a recording needs {MIN_CHANNELS} to {MAX_CHANNELS} channels (some to show the network, at least one to hide)",
                if c == 1 { "" } else { "s" }
            ));
        }
        if self.kinds.len() != c {
            return fail(format!(
                "{what}: {} channel types for {c} channels",
                self.kinds.len()
            ));
        }
        if !(self.rate_hz.is_finite() && (MIN_RATE_HZ..=MAX_RATE_HZ).contains(&self.rate_hz)) {
            return fail(format!(
                "{what}: sampling rate {} Hz is outside {MIN_RATE_HZ}..={MAX_RATE_HZ} Hz",
                self.rate_hz
            ));
        }
        for (k, n) in self.names.iter().enumerate() {
            if n.trim().is_empty() {
                return fail(format!("{what}: channel {} has no name", k + 1));
            }
            if self.names[..k].contains(n) {
                return fail(format!("{what}: channel name {n:?} appears twice"));
            }
        }
        if self.samples > MAX_SAMPLES {
            return fail(format!(
                "{what}: {} samples per channel exceed the limit of {MAX_SAMPLES}",
                self.samples
            ));
        }
        if self.seconds() < MIN_SECONDS {
            return fail(format!(
                "{what}: {} samples at {} Hz is {:.2} s; at least {MIN_SECONDS} s are needed",
                self.samples,
                self.rate_hz,
                self.seconds()
            ));
        }
        if self.data.len() != c * self.samples {
            return fail(format!(
                "{what}: {} values for {c} channels × {} samples",
                self.data.len(),
                self.samples
            ));
        }
        for ch in 0..c {
            if let Some(t) = self.channel(ch).iter().position(|v| !v.is_finite()) {
                return fail(format!(
                    "{what}: channel {:?} sample {} is not a finite number",
                    self.names[ch],
                    t + 1
                ));
            }
            let x = self.channel(ch);
            if x.iter().all(|&v| v == x[0]) {
                return fail(format!(
                    "{what}: channel {:?} is constant (a flat line cannot be z-scored)",
                    self.names[ch]
                ));
            }
        }
        Ok(())
    }

    /// The project's compact copy of the BrainVision recording (`data/ieeg/recording.f32`):
    /// float32 little-endian, multiplexed (all channels of sample 0, then of sample 1, …).
    pub fn from_f32_multiplexed(
        names: Vec<String>,
        kinds: Vec<ChannelKind>,
        rate_hz: f64,
        bytes: &[u8],
    ) -> Result<Recording, SignalError> {
        let c = names.len();
        if c == 0 {
            return fail("recording.f32: no channel names");
        }
        if !bytes.len().is_multiple_of(4 * c) {
            return fail(format!(
                "recording.f32: {} bytes are not a whole number of samples of {c} float32 channels",
                bytes.len()
            ));
        }
        let samples = bytes.len() / (4 * c);
        if samples > MAX_SAMPLES {
            return fail(format!(
                "recording.f32: {samples} samples per channel exceed the limit of {MAX_SAMPLES}"
            ));
        }
        let mut data = vec![0.0f32; c * samples];
        for (i, b) in bytes.chunks_exact(4).enumerate() {
            let (t, ch) = (i / c, i % c);
            data[ch * samples + t] = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        }
        let rec = Recording {
            names,
            kinds,
            rate_hz,
            samples,
            data,
        };
        rec.validate("recording.f32")?;
        Ok(rec)
    }
}

// ------------------------------------------------------------------------------------------
// CSV with a header row
// ------------------------------------------------------------------------------------------

/// Column names taken to be a time axis (seconds) rather than a channel.
const TIME_COLUMNS: &[&str] = &["time", "time_s", "t", "seconds"];

/// CSV: optional comment lines `# rate_hz = 1000` and `# samples = 19001` first; then a header
/// row naming the channels (comma-, semicolon- or tab-separated); then one row of numbers per
/// sample. The sampling rate comes from `# rate_hz` or from a first column named `time` (seconds,
/// evenly spaced). `what` names the file in messages.
pub fn parse_csv(text: &[u8], what: &str) -> Result<Recording, SignalError> {
    let text = match std::str::from_utf8(text) {
        Ok(t) => t,
        Err(e) => {
            let line = text[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1;
            return fail(format!("{what}: line {line}: not UTF-8 text"));
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end_matches('\r')));
    let mut rate: Option<f64> = None;
    let mut declared: Option<usize> = None;
    // Comment lines with settings, then the header.
    let (header_line, header) = loop {
        let Some((n, line)) = lines.next() else {
            return fail(format!(
                "{what}: empty file: no header row naming the channels"
            ));
        };
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        let Some(setting) = t.strip_prefix('#') else {
            break (n, t);
        };
        let Some((key, value)) = setting.split_once('=') else {
            continue; // a plain comment
        };
        let (key, value) = (key.trim(), value.trim());
        match key {
            "rate_hz" => {
                let v: f64 = value.parse().map_err(|_| {
                    SignalError(format!(
                        "{what}: line {n}: rate_hz {value:?} is not a number"
                    ))
                })?;
                if !(v.is_finite() && (MIN_RATE_HZ..=MAX_RATE_HZ).contains(&v)) {
                    return fail(format!(
                        "{what}: line {n}: sampling rate {v} Hz is outside {MIN_RATE_HZ}..={MAX_RATE_HZ} Hz"
                    ));
                }
                rate = Some(v);
            }
            "samples" => {
                let v: u64 = value.parse().map_err(|_| {
                    SignalError(format!(
                        "{what}: line {n}: samples {value:?} is not a whole number"
                    ))
                })?;
                if v as u128 > MAX_SAMPLES as u128 {
                    return fail(format!(
                        "{what}: line {n}: claims {v} samples per channel, more than the limit of {MAX_SAMPLES}"
                    ));
                }
                declared = Some(v as usize);
            }
            _ => {}
        }
    };
    let sep = [',', ';', '\t']
        .into_iter()
        .find(|&c| header.contains(c))
        .unwrap_or(',');
    let mut names: Vec<String> = header
        .split(sep)
        .map(|s| s.trim().trim_matches('"').to_string())
        .collect();
    if names.iter().all(|n| n.parse::<f64>().is_ok()) {
        return fail(format!(
            "{what}: line {header_line}: the header row holds numbers; the first row must name the channels"
        ));
    }
    if let Some(k) = names.iter().position(|n| n.is_empty()) {
        return fail(format!(
            "{what}: line {header_line}: column {} of the header has no name",
            k + 1
        ));
    }
    let has_time = TIME_COLUMNS.contains(&names[0].to_ascii_lowercase().as_str());
    let columns = names.len();
    let n_ch = columns - has_time as usize;
    if !(MIN_CHANNELS..=MAX_CHANNELS).contains(&n_ch) {
        return fail(format!(
            "{what}: line {header_line}: {n_ch} channel{}; a recording needs {MIN_CHANNELS} to {MAX_CHANNELS} channels",
            if n_ch == 1 { "" } else { "s" }
        ));
    }
    if has_time {
        names.remove(0);
    }
    for (k, n) in names.iter().enumerate() {
        if names[..k].contains(n) {
            return fail(format!(
                "{what}: line {header_line}: channel name {n:?} appears twice"
            ));
        }
    }
    let mut rows: Vec<f32> = vec![];
    let mut times: Vec<f64> = vec![];
    let mut samples = 0usize;
    let mut last_line = header_line;
    for (n, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        last_line = n;
        if samples >= MAX_SAMPLES || rows.len() + columns > MAX_VALUES {
            return fail(format!(
                "{what}: line {n}: more than {} samples per channel (the limit)",
                samples
            ));
        }
        let mut count = 0;
        for (k, field) in line.split(sep).enumerate() {
            count += 1;
            if k >= columns {
                continue;
            }
            let f = field.trim().trim_matches('"');
            let col = if has_time && k == 0 {
                "time".to_string()
            } else {
                format!("{:?}", names[k - has_time as usize])
            };
            let v: f64 = f.parse().map_err(|_| {
                SignalError(format!(
                    "{what}: line {n}, column {} ({col}): {f:?} is not a number",
                    k + 1
                ))
            })?;
            if !v.is_finite() || (v as f32).is_infinite() {
                return fail(format!(
                    "{what}: line {n}, column {} ({col}): {f} is not a finite number",
                    k + 1
                ));
            }
            if has_time && k == 0 {
                times.push(v);
            } else {
                rows.push(v as f32);
            }
        }
        if count != columns {
            return fail(format!(
                "{what}: line {n}: {count} values, expected {columns} (one per header column){}",
                if count < columns {
                    " — is the file truncated?"
                } else {
                    ""
                }
            ));
        }
        samples += 1;
    }
    if let Some(d) = declared {
        if d != samples {
            return fail(format!(
                "{what}: the header declares {d} samples but line {last_line} ends the file after {samples}{}",
                if samples < d { " — is the file truncated?" } else { "" }
            ));
        }
    }
    let rate_hz = match (rate, has_time) {
        (Some(r), _) => r,
        (None, true) => rate_from_times(&times, header_line, what)?,
        (None, false) => {
            return fail(format!(
                "{what}: no sampling rate: add a first line \"# rate_hz = 1000\" or a first column \"time\" in seconds"
            ))
        }
    };
    // Row-major rows → channel-major.
    let mut data = vec![0.0f32; n_ch * samples];
    for (i, &v) in rows.iter().enumerate() {
        data[(i % n_ch) * samples + i / n_ch] = v;
    }
    let kinds = names.iter().map(|n| ChannelKind::guess(n)).collect();
    let rec = Recording {
        names,
        kinds,
        rate_hz,
        samples,
        data,
    };
    rec.validate(what)?;
    Ok(rec)
}

/// The sampling rate of an evenly spaced time column (seconds).
fn rate_from_times(times: &[f64], header_line: usize, what: &str) -> Result<f64, SignalError> {
    if times.len() < 2 {
        return fail(format!("{what}: fewer than two rows: no sampling rate"));
    }
    let step = (times[times.len() - 1] - times[0]) / (times.len() - 1) as f64;
    if !(step > 0.0 && step.is_finite()) {
        return fail(format!(
            "{what}: the time column (line {header_line}) does not increase: sampling rate 0 Hz"
        ));
    }
    for (i, w) in times.windows(2).enumerate() {
        if ((w[1] - w[0]) - step).abs() > 0.01 * step {
            return fail(format!(
                "{what}: line {}: time steps from {} to {}, not by {step} s: samples must be evenly spaced",
                header_line + i + 2,
                w[0],
                w[1]
            ));
        }
    }
    let rate = 1.0 / step;
    if !(MIN_RATE_HZ..=MAX_RATE_HZ).contains(&rate) {
        return fail(format!(
            "{what}: the time column gives a sampling rate of {rate} Hz, outside {MIN_RATE_HZ}..={MAX_RATE_HZ} Hz"
        ));
    }
    Ok(rate)
}

// ------------------------------------------------------------------------------------------
// EDF (European Data Format, Kemp et al. 1992; EDF+ files are read too, annotations skipped)
// ------------------------------------------------------------------------------------------

/// EDF: a 256-byte ASCII header, then 256 bytes per signal (fields stored signal after signal),
/// then data records, each holding `samples per record` little-endian int16 values of every
/// signal in turn. Digital values map to physical ones linearly:
/// p = pmin + (d − dmin) · (pmax − pmin) / (dmax − dmin).
pub fn parse_edf(bytes: &[u8], what: &str) -> Result<Recording, SignalError> {
    if bytes.len() < 256 {
        return fail(format!(
            "{what}: {} bytes; an EDF file's fixed header alone is 256 bytes — is the file truncated?",
            bytes.len()
        ));
    }
    let field = |start: usize, len: usize| -> String {
        String::from_utf8_lossy(&bytes[start..start + len])
            .trim()
            .to_string()
    };
    let version = field(0, 8);
    if version != "0" {
        return fail(format!(
            "{what}: EDF header field \"version\" (bytes 0–7) is {version:?}, expected \"0\": not an EDF file"
        ));
    }
    let number = |start: usize, len: usize, name: &str| -> Result<f64, SignalError> {
        let s = field(start, len);
        match s.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            _ => fail(format!(
                "{what}: EDF header field \"{name}\" (bytes {start}–{}): {s:?} is not a number",
                start + len - 1
            )),
        }
    };
    let header_bytes = number(184, 8, "number of bytes in header")?;
    let n_records = number(236, 8, "number of data records")?;
    let duration = number(244, 8, "duration of a data record")?;
    let ns = number(252, 4, "number of signals")?;
    if ns < 1.0 || ns.fract() != 0.0 || ns > 4096.0 {
        return fail(format!(
            "{what}: EDF header field \"number of signals\" (bytes 252–255) is {ns}"
        ));
    }
    let ns = ns as usize;
    if header_bytes != (256 + 256 * ns) as f64 {
        return fail(format!(
            "{what}: EDF header field \"number of bytes in header\" (bytes 184–191) is {header_bytes}, expected 256 + 256 × {ns} signals = {}",
            256 + 256 * ns
        ));
    }
    let hb = 256 + 256 * ns;
    if bytes.len() < hb {
        return fail(format!(
            "{what}: {} bytes, but the header of {ns} signals alone is {hb} bytes — is the file truncated?",
            bytes.len()
        ));
    }
    // Signal fields: each block holds one field for all signals.
    let mut offset = 256;
    let mut block = |width: usize| {
        let start = offset;
        offset += width * ns;
        move |k: usize| (start + k * width, width)
    };
    let label = block(16);
    let _transducer = block(80);
    let _dimension = block(8);
    let pmin = block(8);
    let pmax = block(8);
    let dmin = block(8);
    let dmax = block(8);
    let _prefilter = block(80);
    let spr = block(8);
    let sig_number = |at: (usize, usize), k: usize, name: &str| -> Result<f64, SignalError> {
        let s = field(at.0, at.1);
        match s.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            _ => fail(format!(
                "{what}: EDF signal {} field \"{name}\" (bytes {}–{}): {s:?} is not a number",
                k + 1,
                at.0,
                at.0 + at.1 - 1
            )),
        }
    };
    struct Sig {
        name: String,
        spr: usize,
        scale: f64,
        offset: f64,
    }
    let mut sigs = vec![];
    let mut record_values = 0usize;
    let mut data_signals = vec![];
    for k in 0..ns {
        let name = field(label(k).0, 16);
        let n = sig_number(spr(k), k, "number of samples in each data record")?;
        if n < 1.0 || n.fract() != 0.0 || n > MAX_SAMPLES as f64 {
            return fail(format!(
                "{what}: EDF signal {} field \"number of samples in each data record\" is {n}",
                k + 1
            ));
        }
        let (p0, p1) = (
            sig_number(pmin(k), k, "physical minimum")?,
            sig_number(pmax(k), k, "physical maximum")?,
        );
        let (d0, d1) = (
            sig_number(dmin(k), k, "digital minimum")?,
            sig_number(dmax(k), k, "digital maximum")?,
        );
        let annotations = name == "EDF Annotations";
        if !annotations {
            if d1 <= d0 {
                return fail(format!(
                    "{what}: EDF signal {} ({name:?}): digital maximum {d1} is not above digital minimum {d0}",
                    k + 1
                ));
            }
            if p1 == p0 {
                return fail(format!(
                    "{what}: EDF signal {} ({name:?}): physical minimum and maximum are both {p0}",
                    k + 1
                ));
            }
            data_signals.push(k);
        }
        let scale = (p1 - p0) / (d1 - d0);
        sigs.push(Sig {
            name,
            spr: n as usize,
            scale,
            offset: p0 - d0 * scale,
        });
        record_values += n as usize;
    }
    let n_ch = data_signals.len();
    if !(MIN_CHANNELS..=MAX_CHANNELS).contains(&n_ch) {
        return fail(format!(
            "{what}: {n_ch} signal{} (besides annotations); a recording needs {MIN_CHANNELS} to {MAX_CHANNELS} channels",
            if n_ch == 1 { "" } else { "s" }
        ));
    }
    let spr0 = sigs[data_signals[0]].spr;
    for &k in &data_signals[1..] {
        if sigs[k].spr != spr0 {
            return fail(format!(
                "{what}: EDF signal {} ({:?}) has {} samples per record, signal {} has {spr0}: all channels must share one sampling rate",
                k + 1,
                sigs[k].name,
                sigs[k].spr,
                data_signals[0] + 1
            ));
        }
    }
    if duration.is_nan() || duration <= 0.0 {
        return fail(format!(
            "{what}: EDF header field \"duration of a data record\" (bytes 244–251) is {duration}: the sampling rate would be 0 Hz"
        ));
    }
    let rate_hz = spr0 as f64 / duration;
    if !(MIN_RATE_HZ..=MAX_RATE_HZ).contains(&rate_hz) {
        return fail(format!(
            "{what}: {spr0} samples per {duration} s record is a sampling rate of {rate_hz} Hz, outside {MIN_RATE_HZ}..={MAX_RATE_HZ} Hz"
        ));
    }
    let record_bytes = 2 * record_values;
    let available = (bytes.len() - hb) / record_bytes;
    let records = if n_records == -1.0 {
        available // EDF allows −1 while recording: count the whole records present
    } else {
        if n_records < 0.0 || n_records.fract() != 0.0 {
            return fail(format!(
                "{what}: EDF header field \"number of data records\" (bytes 236–243) is {n_records}"
            ));
        }
        let claimed = n_records * spr0 as f64;
        if claimed > MAX_SAMPLES as f64 {
            return fail(format!(
                "{what}: EDF header field \"number of data records\" (bytes 236–243) claims {n_records} records = {claimed} samples per channel, more than the limit of {MAX_SAMPLES}"
            ));
        }
        let n = n_records as usize;
        if n > available {
            return fail(format!(
                "{what}: the file holds {available} of the {n} data records its header claims (bytes 236–243) — is the file truncated?"
            ));
        }
        n
    };
    let samples = records * spr0;
    if samples > MAX_SAMPLES {
        return fail(format!(
            "{what}: {samples} samples per channel, more than the limit of {MAX_SAMPLES}"
        ));
    }
    let mut data = vec![0.0f32; n_ch * samples];
    let mut at = hb;
    for r in 0..records {
        let mut ch = 0;
        for sig in sigs.iter() {
            let is_data = sig.name != "EDF Annotations";
            if is_data {
                let out = &mut data[ch * samples + r * spr0..ch * samples + (r + 1) * spr0];
                for (o, b) in out
                    .iter_mut()
                    .zip(bytes[at..at + 2 * sig.spr].chunks_exact(2))
                {
                    let d = i16::from_le_bytes([b[0], b[1]]) as f64;
                    *o = (sig.offset + sig.scale * d) as f32;
                }
                ch += 1;
            }
            at += 2 * sig.spr;
        }
    }
    let names: Vec<String> = data_signals.iter().map(|&k| sigs[k].name.clone()).collect();
    let kinds = names.iter().map(|n| ChannelKind::guess(n)).collect();
    let rec = Recording {
        names,
        kinds,
        rate_hz,
        samples,
        data,
    };
    rec.validate(what)?;
    Ok(rec)
}

/// By file name: `.csv` / `.txt` → CSV, `.edf` → EDF.
pub fn parse_named(file_name: &str, bytes: &[u8]) -> Result<Recording, SignalError> {
    let lower = file_name.to_ascii_lowercase();
    if lower.ends_with(".edf") {
        parse_edf(bytes, file_name)
    } else if lower.ends_with(".csv") || lower.ends_with(".txt") || lower.ends_with(".tsv") {
        parse_csv(bytes, file_name)
    } else {
        fail(format!(
            "{file_name}: unknown file type; use a CSV file with a header row (.csv) or EDF (.edf)"
        ))
    }
}

/// Read and parse a file from disk (native CLI).
#[cfg(not(target_arch = "wasm32"))]
pub fn read_file(path: &str) -> Result<Recording, SignalError> {
    let meta = std::fs::metadata(path).map_err(|e| SignalError(format!("{path}: {e}")))?;
    if meta.len() > 1 << 30 {
        return fail(format!(
            "{path}: {} bytes; files up to 1 GiB are read",
            meta.len()
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| SignalError(format!("{path}: {e}")))?;
    parse_named(path, &bytes)
}

/// Write a recording as EDF (16-bit, one record per second, or fewer samples if the rate is not
/// whole): for tests and for converting.
pub fn to_edf(rec: &Recording) -> Vec<u8> {
    let ns = rec.channels();
    let spr = rec.rate_hz.round().max(1.0) as usize;
    let records = rec.samples / spr;
    let mut h = String::new();
    let pad = |s: &str, w: usize| format!("{:<w$}", &s[..s.len().min(w)]);
    h += &pad("0", 8);
    h += &pad("X X X X", 80);
    h += &pad("Startdate X X X X", 80);
    h += "01.01.00";
    h += "00.00.00";
    h += &pad(&(256 + 256 * ns).to_string(), 8);
    h += &pad("", 44);
    h += &pad(&records.to_string(), 8);
    h += &pad("1", 8);
    h += &pad(&ns.to_string(), 4);
    // Physical range per channel, printed in at most 8 characters; scaling uses the printed
    // values, as a reader will.
    let ranges: Vec<(String, String)> = (0..ns)
        .map(|c| {
            let x = rec.channel(c);
            let lo = x.iter().copied().fold(f32::INFINITY, f32::min) as f64;
            let hi = x.iter().copied().fold(f32::NEG_INFINITY, f32::max) as f64;
            let hi = if hi > lo { hi } else { lo + 1.0 };
            // Round outward so every sample stays inside the printed range.
            (fmt8(lo, -1.0), fmt8(hi, 1.0))
        })
        .collect();
    for c in 0..ns {
        h += &pad(&rec.names[c], 16);
    }
    for _ in 0..ns {
        h += &pad("", 80);
    }
    for _ in 0..ns {
        h += &pad("uV", 8);
    }
    for r in &ranges {
        h += &pad(&r.0, 8);
    }
    for r in &ranges {
        h += &pad(&r.1, 8);
    }
    for _ in 0..ns {
        h += &pad("-32768", 8);
    }
    for _ in 0..ns {
        h += &pad("32767", 8);
    }
    for _ in 0..ns {
        h += &pad("", 80);
    }
    for _ in 0..ns {
        h += &pad(&spr.to_string(), 8);
    }
    for _ in 0..ns {
        h += &pad("", 32);
    }
    let mut out = h.into_bytes();
    let parsed: Vec<(f64, f64)> = ranges
        .iter()
        .map(|(a, b)| (a.parse().unwrap(), b.parse().unwrap()))
        .collect();
    for r in 0..records {
        for (c, &(lo, hi)) in parsed.iter().enumerate() {
            for &v in &rec.channel(c)[r * spr..(r + 1) * spr] {
                let d = -32768.0 + (v as f64 - lo) / (hi - lo) * 65535.0;
                out.extend_from_slice(&(d.round().clamp(-32768.0, 32767.0) as i16).to_le_bytes());
            }
        }
    }
    out
}

/// `v` in at most 8 characters, rounded away from zero in the direction `dir` (±1).
fn fmt8(v: f64, dir: f64) -> String {
    for decimals in (0..=6).rev() {
        let q = 10f64.powi(decimals);
        let r = if dir > 0.0 {
            (v * q).ceil() / q
        } else {
            (v * q).floor() / q
        };
        let s = format!("{r:.*}", decimals as usize);
        if s.len() <= 8 {
            return s;
        }
    }
    // Large magnitudes: 3 significant digits in scientific notation, e.g. "-1.23e9".
    let e = v.abs().log10().floor() as i32;
    let q = 10f64.powi(e - 2);
    let r = if dir > 0.0 {
        (v / q).ceil()
    } else {
        (v / q).floor()
    } * q;
    format!("{:.2e}", r)
}
