//! The input the benches time most ops on, the same in `examples/compare` and criterion's.

/// `n` f32 values repeating 0.00, 0.01, ..., 9.99.
pub(crate) fn data(n: usize) -> Vec<f32> {
    (0..n).map(|i| (i % 1000) as f32 * 0.01).collect()
}
