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
