//! The GPU backend on wgpu: generated WGSL kernels, cached pipelines, pooled buffers, host
//! data streamed through in double-buffered chunks, and device-resident arrays.

mod buffers;
pub(crate) mod codegen;
mod context;
mod dispatch;
mod pipeline;
mod resident;
mod stream;

pub use context::Stats;
pub(crate) use context::{describe, Context, Want};
pub(crate) use resident::{partials as resident_partials, run as resident_run, Resident};
pub(crate) use stream::{partials, run, run_in_place, run_into, Budget};

use crate::element::Element;

/// Whether the GPU backend can run `T` at all.
pub(crate) fn supports<T: Element>() -> bool {
    T::WGSL.is_some()
}

#[cfg(test)]
mod tests {
    use super::dispatch::grid;

    #[test]
    fn grid_is_one_row_until_the_limit_then_rows_of_the_limit() {
        assert_eq!(grid(1, 65_535), (1, 1, 256));
        assert_eq!(grid(256 * 65_535, 65_535), (65_535, 1, 65_535 * 256));
        assert_eq!(grid(256 * 65_535 + 1, 65_535), (65_535, 2, 65_535 * 256));
        let (x, y, _) = grid(1 << 25, 65_535);
        assert!(u64::from(x) * u64::from(y) * 256 >= 1 << 25);
    }
}

#[cfg(test)]
mod pipeline_tests {
    use crate::op::{BinOp, Op};
    use crate::Device;

    /// The GPU device, or `None` (skipping) when there is none and none is required.
    fn gpu() -> Option<Device> {
        match Device::gpu() {
            Ok(device) => Some(device),
            Err(e) if std::env::var("COMPUTE_REQUIRE_GPU").is_ok_and(|v| v == "1") => {
                panic!("COMPUTE_REQUIRE_GPU=1 but no GPU: {e}")
            }
            Err(_) => None,
        }
    }

    #[test]
    fn gpu_one_pipeline_serves_every_parameter_value() {
        let Some(device) = gpu() else { return };
        let Some(ctx) = device.gpu_context() else {
            return;
        };
        // a shape no other test uses, so the count is this test's own
        let shape = |s: f32| Op::Scale(s).then(Op::Floor).then(Op::Relu).then(Op::Floor);
        assert_eq!(crate::map(&device, [1.5_f32], shape(2.0)).unwrap(), [3.0]);
        assert_eq!(crate::map(&device, [1.5_f32], shape(3.0)).unwrap(), [4.0]);
        assert_eq!(crate::map(&device, [1.5_f32], shape(-1.0)).unwrap(), [0.0]);
        let builds = ctx.pipelines.builds("f32", "in0.scale.floor.relu.floor");
        assert_eq!(
            builds, 1,
            "Scale(2), Scale(3) and Scale(-1) share one pipeline"
        );
    }

    #[test]
    fn gpu_the_same_expression_built_twice_shares_a_pipeline() {
        use crate::expr::{x, y};
        let Some(device) = gpu() else { return };
        let Some(ctx) = device.gpu_context() else {
            return;
        };
        let (a, b) = ([1.0_f32, 2.0], [0.5_f32, 0.25]);
        for c in [2.0_f32, 3.0, -4.0] {
            // built anew each time, with another constant
            let e = (x() * c - y()).floor().abs().floor();
            let out = crate::eval(&device, e, (&a, &b)).unwrap();
            assert_eq!(
                out,
                [
                    (1.0 * c - 0.5).floor().abs(),
                    (2.0 * c - 0.25).floor().abs()
                ]
            );
        }
        let shape = "in0.c.bin_mul.in1.bin_sub.floor.abs.floor";
        assert_eq!(ctx.pipelines.builds("f32", shape), 1);
    }

    #[test]
    fn gpu_buffers_are_reused_and_bounded() {
        let Some(device) = gpu() else { return };
        let Some(ctx) = device.gpu_context() else {
            return;
        };
        let a = vec![3u32; 10_000];
        for _ in 0..50 {
            assert_eq!(crate::zip(&device, &a, &a, BinOp::Mul).unwrap()[9_999], 9);
        }
        // at most MAX_POOLED buffers, each at most twice a call's 40 KB
        assert!(
            ctx.pool.held_bytes() <= 8 * 2 * 65_536,
            "{}",
            ctx.pool.held_bytes()
        );
    }
}
