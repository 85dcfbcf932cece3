//! MNIST in the official IDX format (LeCun et al.), parsed with every field checked, so a
//! short or corrupt file becomes a message and never a panic or a half data set.

/// Images (u8, row-major 28×28, 0 = background) and their labels.
#[derive(Clone, Debug, Default)]
pub struct Dataset {
    pub images: Vec<u8>,
    pub labels: Vec<u8>,
}

pub const SIDE: usize = 28;
pub const PIXELS: usize = SIDE * SIDE;

/// Why an IDX file was refused.
#[derive(Clone, Debug, PartialEq)]
pub struct DataError(pub String);

impl std::fmt::Display for DataError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn be_u32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Parse an IDX3 image file: magic 0x00000803, count, 28, 28, then count·784 bytes.
pub fn parse_idx_images(name: &str, bytes: &[u8]) -> Result<Vec<u8>, DataError> {
    if bytes.len() < 16 {
        return Err(DataError(format!(
            "{name}: {} bytes is too short for an IDX image header (16 bytes)",
            bytes.len()
        )));
    }
    let magic = be_u32(bytes, 0);
    if magic != 0x0803 {
        return Err(DataError(format!(
            "{name}: not an IDX image file (magic 0x{magic:08x}, expected 0x00000803)"
        )));
    }
    let (n, rows, cols) = (
        be_u32(bytes, 4) as usize,
        be_u32(bytes, 8),
        be_u32(bytes, 12),
    );
    if rows != 28 || cols != 28 {
        return Err(DataError(format!(
            "{name}: images are {rows}×{cols}, expected 28×28"
        )));
    }
    // checked: on wasm32 a hostile count could overflow usize
    let want = n.checked_mul(PIXELS).and_then(|b| b.checked_add(16));
    if want != Some(bytes.len()) {
        let want = want.map_or("more than addressable".to_string(), |w| w.to_string());
        return Err(DataError(format!(
            "{name}: header promises {n} images ({want} bytes) but the file has {} bytes (truncated or corrupt)",
            bytes.len()
        )));
    }
    Ok(bytes[16..].to_vec())
}

/// Parse an IDX1 label file: magic 0x00000801, count, then count bytes in 0..=9.
pub fn parse_idx_labels(name: &str, bytes: &[u8]) -> Result<Vec<u8>, DataError> {
    if bytes.len() < 8 {
        return Err(DataError(format!(
            "{name}: {} bytes is too short for an IDX label header (8 bytes)",
            bytes.len()
        )));
    }
    let magic = be_u32(bytes, 0);
    if magic != 0x0801 {
        return Err(DataError(format!(
            "{name}: not an IDX label file (magic 0x{magic:08x}, expected 0x00000801)"
        )));
    }
    let n = be_u32(bytes, 4) as usize;
    if n.checked_add(8) != Some(bytes.len()) {
        return Err(DataError(format!(
            "{name}: header promises {n} labels but the file has {} (truncated or corrupt)",
            bytes.len() - 8
        )));
    }
    if let Some(pos) = bytes[8..].iter().position(|&l| l > 9) {
        return Err(DataError(format!(
            "{name}: label {pos} is {}, not a digit",
            bytes[8 + pos]
        )));
    }
    Ok(bytes[8..].to_vec())
}

impl Dataset {
    pub fn from_idx(name: &str, images: &[u8], labels: &[u8]) -> Result<Self, DataError> {
        let images = parse_idx_images(&format!("{name} images"), images)?;
        let labels = parse_idx_labels(&format!("{name} labels"), labels)?;
        if images.len() / PIXELS != labels.len() {
            return Err(DataError(format!(
                "{name}: {} images but {} labels",
                images.len() / PIXELS,
                labels.len()
            )));
        }
        Ok(Dataset { images, labels })
    }

    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    pub fn image(&self, i: usize) -> &[u8] {
        &self.images[i * PIXELS..(i + 1) * PIXELS]
    }

    /// Append another chunk (the page loads the training set in pieces).
    pub fn extend(&mut self, other: Dataset) {
        self.images.extend_from_slice(&other.images);
        self.labels.extend_from_slice(&other.labels);
    }

    /// The first `n` samples.
    pub fn truncated(&self, n: usize) -> Dataset {
        let n = n.min(self.len());
        Dataset {
            images: self.images[..n * PIXELS].to_vec(),
            labels: self.labels[..n].to_vec(),
        }
    }
}

/// Pixel intensities in [0, 1], the input rates of the network.
pub fn to_rates(image: &[u8], out: &mut [f32]) {
    for (o, &p) in out.iter_mut().zip(image) {
        *o = p as f32 * (1.0 / 255.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idx_images(n: u32, rows: u32, extra: usize) -> Vec<u8> {
        let mut v = vec![];
        for x in [0x0803u32, n, rows, 28] {
            v.extend_from_slice(&x.to_be_bytes());
        }
        v.resize(16 + n as usize * PIXELS + extra, 7);
        v
    }

    #[test]
    fn idx_errors_name_the_problem() {
        assert!(parse_idx_images("t", &idx_images(2, 28, 0)).is_ok());
        let e = parse_idx_images("t", &idx_images(2, 28, 0)[..100]).unwrap_err();
        assert!(e.0.contains("truncated"), "{e}");
        assert!(parse_idx_images("t", &idx_images(2, 27, 0))
            .unwrap_err()
            .0
            .contains("27×28"));
        assert!(parse_idx_images("t", &[1, 2, 3])
            .unwrap_err()
            .0
            .contains("too short"));
        let mut bad = idx_images(1, 28, 0);
        bad[3] = 1;
        assert!(parse_idx_images("t", &bad).unwrap_err().0.contains("magic"));
        let labels = [0, 0, 8, 1, 0, 0, 0, 2, 3, 11];
        assert!(parse_idx_labels("l", &labels)
            .unwrap_err()
            .0
            .contains("not a digit"));
        let imgs = idx_images(3, 28, 0);
        let e = Dataset::from_idx("x", &imgs, &[0, 0, 8, 1, 0, 0, 0, 2, 3, 4]).unwrap_err();
        assert!(e.0.contains("3 images but 2 labels"), "{e}");
    }
}
