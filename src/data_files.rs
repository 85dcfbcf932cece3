//! Native access to the data files written by `scripts/fetch_data.py` (the same gzip'd IDX
//! chunks the page loads).

use crate::mnist::{DataError, Dataset};
use std::io::Read;
use std::path::{Path, PathBuf};

/// `data/mnist` of the checkout, or `$NLA_DATA_DIR/mnist`.
pub fn mnist_dir() -> PathBuf {
    let base = std::env::var_os("NLA_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("data"));
    base.join("mnist")
}

fn read_gz(path: &Path) -> Result<Vec<u8>, DataError> {
    let file = std::fs::File::open(path).map_err(|e| {
        DataError(format!(
            "{}: {e} (run `python3 scripts/fetch_data.py` first)",
            path.display()
        ))
    })?;
    let mut out = vec![];
    flate2::read::GzDecoder::new(file)
        .read_to_end(&mut out)
        .map_err(|e| DataError(format!("{}: not a valid gzip file: {e}", path.display())))?;
    Ok(out)
}

fn load_pair(dir: &Path, images: &str, labels: &str, name: &str) -> Result<Dataset, DataError> {
    Dataset::from_idx(
        name,
        &read_gz(&dir.join(images))?,
        &read_gz(&dir.join(labels))?,
    )
}

/// The 10,000 official test digits.
pub fn load_test() -> Result<Dataset, DataError> {
    load_pair(
        &mnist_dir(),
        "test-images.idx.gz",
        "test-labels.idx.gz",
        "test",
    )
}

/// The first `n` official training digits (in the official order).
pub fn load_train(n: usize) -> Result<Dataset, DataError> {
    let dir = mnist_dir();
    let mut all = Dataset::default();
    let mut k = 0;
    while all.len() < n && k < 6 {
        let chunk = load_pair(
            &dir,
            &format!("train-images-{k}.idx.gz"),
            &format!("train-labels-{k}.idx.gz"),
            &format!("train chunk {k}"),
        )?;
        all.extend(chunk);
        k += 1;
    }
    Ok(all.truncated(n))
}

/// `data/ieeg` of the checkout, or `$NLA_DATA_DIR/ieeg`.
pub fn ieeg_dir() -> PathBuf {
    mnist_dir().with_file_name("ieeg")
}

/// The bundled human iEEG recording (9 brain channels; see `scripts/fetch_data.py`), described
/// by `recording.json`.
pub fn load_ieeg() -> Result<crate::signal_files::Recording, String> {
    use crate::signal_files::{ChannelKind, Recording};
    let dir = ieeg_dir();
    let read = |name: &str| {
        std::fs::read(dir.join(name)).map_err(|e| {
            format!(
                "{}: {e} (run `python3 scripts/fetch_data.py` first)",
                dir.join(name).display()
            )
        })
    };
    let desc: serde_json::Value = serde_json::from_slice(&read("recording.json")?)
        .map_err(|e| format!("recording.json: {e}"))?;
    let channels = desc["channels"]
        .as_array()
        .ok_or("recording.json: no channels")?;
    let names: Vec<String> = channels
        .iter()
        .map(|c| c["name"].as_str().unwrap_or("").to_string())
        .collect();
    let kinds = channels
        .iter()
        .map(|c| ChannelKind::guess(c["type"].as_str().unwrap_or("")))
        .collect();
    let rate = desc["rate_hz"]
        .as_f64()
        .ok_or("recording.json: no rate_hz")?;
    Recording::from_f32_multiplexed(names, kinds, rate, &read("recording.f32")?)
        .map_err(|e| e.to_string())
}
