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

/// `y += a * x`.
#[inline]
pub fn axpy(y: &mut [f32], a: f32, x: &[f32]) {
    debug_assert_eq!(y.len(), x.len());
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += a * xi;
    }
}

/// `y = W x + b` for `W` of shape `y.len() × x.len()`, row-major.
pub fn matvec_bias(w: &[f32], x: &[f32], b: &[f32], y: &mut [f32]) {
    let n_in = x.len();
    debug_assert_eq!(w.len(), y.len() * n_in);
    for ((yi, row), bi) in y.iter_mut().zip(w.chunks_exact(n_in)).zip(b) {
        *yi = dot(row, x) + bi;
    }
}

/// `y = Wᵀ e` for `W` of shape `e.len() × y.len()`, row-major (the top-down error path).
pub fn matvec_t(w: &[f32], e: &[f32], y: &mut [f32]) {
    let n_in = y.len();
    debug_assert_eq!(w.len(), e.len() * n_in);
    y.fill(0.0);
    for (row, &ei) in w.chunks_exact(n_in).zip(e) {
        if ei != 0.0 {
            axpy(y, ei, row);
        }
    }
}

/// `W += scale · e xᵀ` (the outer-product plasticity of Eq. 8). Rows whose postsynaptic
/// error is exactly zero (e.g. hard-sigmoid neurons outside their linear range) are skipped.
pub fn rank1_update(w: &mut [f32], scale: f32, e: &[f32], x: &[f32]) {
    let n_in = x.len();
    debug_assert_eq!(w.len(), e.len() * n_in);
    for (row, &ei) in w.chunks_exact_mut(n_in).zip(e) {
        if ei != 0.0 {
            axpy(row, scale * ei, x);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernels_match_naive() {
        let (m, n) = (5, 13);
        let w: Vec<f32> = (0..m * n).map(|i| ((i * 37 % 11) as f32 - 5.0) * 0.1).collect();
        let x: Vec<f32> = (0..n).map(|i| (i as f32 * 0.3).sin()).collect();
        let b: Vec<f32> = (0..m).map(|i| i as f32 * 0.01).collect();
        let mut y = vec![0.0; m];
        matvec_bias(&w, &x, &b, &mut y);
        for i in 0..m {
            let naive: f32 = (0..n).map(|j| w[i * n + j] * x[j]).sum::<f32>() + b[i];
            assert!((y[i] - naive).abs() < 1e-5);
        }
        let e: Vec<f32> = (0..m).map(|i| i as f32 - 2.0).collect();
        let mut z = vec![0.0; n];
        matvec_t(&w, &e, &mut z);
        for j in 0..n {
            let naive: f32 = (0..m).map(|i| w[i * n + j] * e[i]).sum();
            assert!((z[j] - naive).abs() < 1e-5);
        }
        let mut w2 = w.clone();
        rank1_update(&mut w2, 0.5, &e, &x);
        for i in 0..m {
            for j in 0..n {
                assert!((w2[i * n + j] - (w[i * n + j] + 0.5 * e[i] * x[j])).abs() < 1e-6);
            }
        }
    }
}
