//! Dense kernels over contiguous row-major `f32` slices.
//!
//! A plain `acc += a * b` loop is not vectorised (strict float order), so reductions use eight
//! independent accumulators; with `+simd128` (wasm) or SSE2/AVX (native) the compiler turns them
//! into vector code. `axpy`-shaped loops (no reduction) vectorise as written.

/// Dot product with eight independent partial sums.
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    debug_assert_eq!(a.len(), b.len());
    let mut acc = [0.0f32; 8];
    let ca = a.chunks_exact(8);
    let cb = b.chunks_exact(8);
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for k in 0..8 {
            acc[k] += x[k] * y[k];
        }
    }
    let mut s = (acc[0] + acc[4]) + (acc[1] + acc[5]) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (x, y) in ra.iter().zip(rb) {
        s += x * y;
    }
    s
}

/// `y += a * x`, eight lanes per iteration (two 128-bit vectors) so the loop overhead is
/// amortised in wasm as well as natively.
#[inline]
pub fn axpy(y: &mut [f32], a: f32, x: &[f32]) {
    debug_assert_eq!(y.len(), x.len());
    let mut yc = y.chunks_exact_mut(8);
    let mut xc = x.chunks_exact(8);
    for (yv, xv) in (&mut yc).zip(&mut xc) {
        for k in 0..8 {
            yv[k] += a * xv[k];
        }
    }
    for (yi, xi) in yc.into_remainder().iter_mut().zip(xc.remainder()) {
        *yi += a * xi;
    }
}

// Weight matrices are stored *input-major* (column-major in W): `w[j * n_out + i] = W_ij`, so
// the outgoing weights of presynaptic neuron j are one contiguous slice. Forward pass and
// plasticity then skip silent presynaptic neurons outright — about 80 % of MNIST pixels and
// half of the hard-sigmoid hidden neurons are exactly 0 — and what remains is `axpy` over
// contiguous slices, which vectorises.

/// `y = W x + b`, skipping zero inputs.
pub fn forward(w: &[f32], x: &[f32], b: &[f32], y: &mut [f32]) {
    let n_out = y.len();
    debug_assert_eq!(w.len(), x.len() * n_out);
    y.copy_from_slice(b);
    for (col, &xj) in w.chunks_exact(n_out).zip(x) {
        if xj != 0.0 {
            axpy(y, xj, col);
        }
    }
}

/// `y = Wᵀ e` (the top-down error path): one dot product per presynaptic neuron.
pub fn transpose_matvec(w: &[f32], e: &[f32], y: &mut [f32]) {
    let n_out = e.len();
    debug_assert_eq!(w.len(), y.len() * n_out);
    for (yj, col) in y.iter_mut().zip(w.chunks_exact(n_out)) {
        *yj = dot(col, e);
    }
}

/// `W += scale · e xᵀ` (the outer-product plasticity of Eq. 8), skipping zero inputs.
pub fn rank1_update(w: &mut [f32], scale: f32, e: &[f32], x: &[f32]) {
    let n_out = e.len();
    debug_assert_eq!(w.len(), x.len() * n_out);
    for (col, &xj) in w.chunks_exact_mut(n_out).zip(x) {
        if xj != 0.0 {
            axpy(col, scale * xj, e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernels_match_naive() {
        let (m, n) = (5, 13);
        // W_ij at w[j * m + i]
        let w: Vec<f32> = (0..m * n)
            .map(|i| ((i * 37 % 11) as f32 - 5.0) * 0.1)
            .collect();
        let wij = |w: &[f32], i: usize, j: usize| w[j * m + i];
        let mut x: Vec<f32> = (0..n).map(|i| (i as f32 * 0.3).sin()).collect();
        x[3] = 0.0;
        let b: Vec<f32> = (0..m).map(|i| i as f32 * 0.01).collect();
        let mut y = vec![0.0; m];
        forward(&w, &x, &b, &mut y);
        for i in 0..m {
            let naive: f32 = (0..n).map(|j| wij(&w, i, j) * x[j]).sum::<f32>() + b[i];
            assert!((y[i] - naive).abs() < 1e-5);
        }
        let e: Vec<f32> = (0..m).map(|i| i as f32 - 2.0).collect();
        let mut z = vec![0.0; n];
        transpose_matvec(&w, &e, &mut z);
        for j in 0..n {
            let naive: f32 = (0..m).map(|i| wij(&w, i, j) * e[i]).sum();
            assert!((z[j] - naive).abs() < 1e-5);
        }
        let mut w2 = w.clone();
        rank1_update(&mut w2, 0.5, &e, &x);
        for i in 0..m {
            for j in 0..n {
                assert!((wij(&w2, i, j) - (wij(&w, i, j) + 0.5 * e[i] * x[j])).abs() < 1e-6);
            }
        }
    }
}
