//! Turn a user's drawing into an MNIST-like digit: the ink's bounding box is scaled (aspect
//! kept, area-averaged) into a 20×20 box, placed in a 28×28 field so that its centre of mass sits
//! at the centre — the normalisation LeCun et al. applied to the original digits.

use crate::mnist::{PIXELS, SIDE};

/// Bounding box (x0, y0, x1, y1), inclusive, of the ink (faint anti-aliasing fringes ignored).
fn ink_box(ink: &[u8], w: usize) -> Option<(usize, usize, usize, usize)> {
    let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0, 0);
    for (i, &v) in ink.iter().enumerate() {
        if v > 16 {
            let (x, y) = (i % w, i / w);
            x0 = x0.min(x);
            x1 = x1.max(x);
            y0 = y0.min(y);
            y1 = y1.max(y);
        }
    }
    (x0 != usize::MAX).then_some((x0, y0, x1, y1))
}

/// The longer side of the ink's bounding box in pixels (0 without ink).
pub fn ink_extent(ink: &[u8], w: usize, h: usize) -> usize {
    if w == 0 || ink.len() != w * h {
        return 0;
    }
    ink_box(ink, w).map_or(0, |(x0, y0, x1, y1)| (x1 - x0 + 1).max(y1 - y0 + 1))
}

/// `ink` is a `w × h` row-major intensity image (0 = paper, 255 = full ink). Returns rates in
/// [0, 1] for a 28×28 field, or `None` when there is no ink at all.
pub fn to_mnist(ink: &[u8], w: usize, h: usize) -> Option<Vec<f32>> {
    if w == 0 || h == 0 || ink.len() != w * h {
        return None;
    }
    let (x0, y0, x1, y1) = ink_box(ink, w)?;
    let (bw, bh) = ((x1 - x0 + 1) as f32, (y1 - y0 + 1) as f32);
    let scale = 20.0 / bw.max(bh);
    // Scaled box size in the 28×28 field (at least 1 px, e.g. for a "1").
    let (tw, th) = (
        ((bw * scale).round() as usize).clamp(1, 20),
        ((bh * scale).round() as usize).clamp(1, 20),
    );
    let mut small = vec![0.0f32; tw * th];
    for ty in 0..th {
        for tx in 0..tw {
            // Average of the source pixels whose area this target pixel covers.
            let sx0 = x0 as f32 + tx as f32 * bw / tw as f32;
            let sx1 = x0 as f32 + (tx + 1) as f32 * bw / tw as f32;
            let sy0 = y0 as f32 + ty as f32 * bh / th as f32;
            let sy1 = y0 as f32 + (ty + 1) as f32 * bh / th as f32;
            let (mut sum, mut cnt) = (0.0f32, 0.0f32);
            let mut y = sy0.floor() as usize;
            while (y as f32) < sy1 && y < h {
                let mut x = sx0.floor() as usize;
                while (x as f32) < sx1 && x < w {
                    sum += ink[y * w + x] as f32;
                    cnt += 1.0;
                    x += 1;
                }
                y += 1;
            }
            small[ty * tw + tx] = if cnt > 0.0 { sum / cnt / 255.0 } else { 0.0 };
        }
    }
    // Centre of mass of the scaled digit → centre of the 28×28 field.
    let (mut mx, mut my, mut mass) = (0.0f32, 0.0f32, 0.0f32);
    for ty in 0..th {
        for tx in 0..tw {
            let v = small[ty * tw + tx];
            mx += v * (tx as f32 + 0.5);
            my += v * (ty as f32 + 0.5);
            mass += v;
        }
    }
    if mass <= 0.0 {
        return None;
    }
    let half = SIDE as f32 / 2.0;
    let ox = (half - mx / mass).round() as i32;
    let oy = (half - my / mass).round() as i32;
    let mut out = vec![0.0f32; PIXELS];
    for ty in 0..th {
        for tx in 0..tw {
            let (x, y) = (tx as i32 + ox, ty as i32 + oy);
            if (0..SIDE as i32).contains(&x) && (0..SIDE as i32).contains(&y) {
                out[y as usize * SIDE + x as usize] = small[ty * tw + tx].min(1.0);
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_offcentre_square_becomes_a_centred_20px_square() {
        let (w, h) = (280, 280);
        let mut ink = vec![0u8; w * h];
        for y in 10..50 {
            for x in 200..240 {
                ink[y * w + x] = 255;
            }
        }
        let d = to_mnist(&ink, w, h).unwrap();
        let lit: Vec<(usize, usize)> = (0..PIXELS)
            .filter(|&i| d[i] > 0.5)
            .map(|i| (i % SIDE, i / SIDE))
            .collect();
        assert_eq!(lit.len(), 400, "a 20×20 box");
        let (minx, maxx) = (
            lit.iter().map(|p| p.0).min().unwrap(),
            lit.iter().map(|p| p.0).max().unwrap(),
        );
        let (miny, maxy) = (
            lit.iter().map(|p| p.1).min().unwrap(),
            lit.iter().map(|p| p.1).max().unwrap(),
        );
        assert_eq!((minx, maxx, miny, maxy), (4, 23, 4, 23));
        assert!(to_mnist(&vec![0u8; w * h], w, h).is_none());
        assert!(to_mnist(&[1, 2], 5, 5).is_none());
    }

    #[test]
    fn a_thin_vertical_stroke_keeps_its_aspect() {
        let (w, h) = (100, 100);
        let mut ink = vec![0u8; w * h];
        for y in 5..95 {
            for x in 48..52 {
                ink[y * w + x] = 255;
            }
        }
        let d = to_mnist(&ink, w, h).unwrap();
        let cols: std::collections::BTreeSet<usize> = (0..PIXELS)
            .filter(|&i| d[i] > 0.3)
            .map(|i| i % SIDE)
            .collect();
        assert!(cols.len() <= 2, "{cols:?}");
        let rows: std::collections::BTreeSet<usize> = (0..PIXELS)
            .filter(|&i| d[i] > 0.3)
            .map(|i| i / SIDE)
            .collect();
        assert_eq!(rows.len(), 20);
    }
}
