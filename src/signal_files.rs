//! Multichannel recordings and the file formats they arrive in: the project's compact copy of
//! the BrainVision recording (float32, multiplexed), CSV with a header row, and EDF.
//!
//! Every parser validates what it reads and refuses with a message that names the line or the
//! header field at fault; nothing here panics on any input (the page hands it a user's file).

use serde::Serialize;

/// Limits on what a recording may be (stated on the page and in the messages).
pub const MIN_CHANNELS: usize = 3;
pub const MAX_CHANNELS: usize = 64;
/// Sampling rates 10 Hz ..= 20 kHz.
pub const MIN_RATE_HZ: f64 = 10.0;
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
