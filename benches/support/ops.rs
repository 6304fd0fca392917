//! The ops the race (`examples/race.rs` with `benches/race.py`), `examples/compare` and the
//! criterion benches time: one list, each op one call of the crate, and its plain serial Rust
//! loop for the baselines.

use compute::expr::{where_, x, y};
use compute::{BinOp, Device, Element, Op, Reduce};

/// Every op, in the race's table order.
pub(crate) const OPS: &[&str] = &[
    "scale", "add", "mul", "sqrt", "exp", "log", "sin", "cos", "tanh", "sigmoid", "pow2.5",
    "chain", "expr", "sum", "sumsq", "dot", "count", "max", "where", "arctan2", "log1p",
    "floordiv", "cast", "affine",
];

/// Ops that run on `i64` data (the race's "i64" dtype), and only there.
#[allow(dead_code)] // the race's alone; compare and the criterion benches time floats
pub(crate) const INT_OPS: &[&str] = &["affine"];

/// `op` on `i64` data: numpy's default integer; `None` for an op not in [`INT_OPS`].
#[allow(dead_code)] // the race's alone
pub(crate) fn run_int(device: &Device, op: &str, a: &[i64]) -> Option<Vec<i64>> {
    Some(match op {
        "affine" => compute::eval(device, x() * 3 + 1, (a,)).unwrap_or_default(),
        _ => return None,
    })
}

/// Ops of about ten multiplies per element (the cost model's weight 10).
pub(crate) fn heavy(op: &str) -> bool {
    matches!(
        op,
        "exp" | "log" | "sin" | "cos" | "tanh" | "sigmoid" | "pow2.5" | "arctan2" | "log1p"
    )
}

/// Arrays an op reads and writes per element, for GB/s figures.
pub(crate) fn arrays(op: &str) -> (usize, usize) {
    let read = if matches!(op, "add" | "mul" | "expr" | "dot" | "arctan2") {
        2
    } else {
        1
    };
    let written = usize::from(!matches!(op, "sum" | "sumsq" | "dot" | "count" | "max"));
    (read, written)
}

/// `op` on `a` (and `b`, for two-array ops) on `device`, fresh output; a reduction's value as
/// one element, an error as an empty vector; `None` for an op not in [`OPS`].
pub(crate) fn run<T: Element + From<f32>>(
    device: &Device,
    op: &str,
    a: &[T],
    b: &[T],
) -> Option<Vec<T>> {
    let c = |v: f32| T::from(v);
    let map = |o: Op<T>| compute::map(device, a, o).unwrap_or_default();
    let zip = |o: BinOp| compute::zip(device, a, b, o).unwrap_or_default();
    let one = |v: Option<T>| v.into_iter().collect();
    Some(match op {
        "scale" => map(Op::Scale(c(2.0))),
        "add" => zip(BinOp::Add),
        "mul" => zip(BinOp::Mul),
        "sqrt" => map(Op::Sqrt),
        "exp" => map(Op::Exp),
        "log" => map(Op::Log),
        "sin" => map(Op::Sin),
        "cos" => map(Op::Cos),
        "tanh" => map(Op::Tanh),
        "sigmoid" => map(Op::Sigmoid),
        "pow2.5" => map(Op::Pow(c(2.5))),
        "chain" => map(Op::Scale(c(2.0)).then(Op::Add(c(1.0))).then(Op::Sqrt)),
        "expr" => {
            compute::eval(device, &(x() * y() + x() * c(1.5) - y()), (a, b)).unwrap_or_default()
        }
        "sum" => one(compute::sum(device, a).ok()),
        "sumsq" => one(compute::reduce(device, x() * x(), (a,), Reduce::Sum)
            .ok()
            .flatten()),
        "dot" => one(compute::dot(device, a, b).ok()),
        "count" => one(compute::count(device, x().gt(c(2.5)), (a,))
            .ok()
            .map(|n| c(n as f32))),
        "max" => one(compute::max(device, a).ok().flatten()),
        "where" => {
            compute::eval(device, where_(x().gt(c(2.5)), x(), c(0.0)), (a,)).unwrap_or_default()
        }
        "arctan2" => zip(BinOp::Arctan2),
        "log1p" => map(Op::Log1p),
        "floordiv" => map(Op::FloorDiv(c(3.0))),
        // numpy's x.astype(np.int32); the values are checked in tests/casts.rs, the race
        // keeps only their count
        "cast" => vec![c(
            compute::cast::<T, i32>(device, a).map_or(0, |v| v.len()) as f32
        )],
        // integer data only (run_int); on floats the same formula
        "affine" => compute::eval(device, x() * c(3.0) + c(1.0), (a,)).unwrap_or_default(),
        _ => return None,
    })
}

/// The plain serial Rust loop of `op` over f32 (iterators and `std`'s scalar functions);
/// `None` for an op not in [`OPS`].
pub(crate) fn serial(op: &str, a: &[f32], b: &[f32]) -> Option<Vec<f32>> {
    let map = |f: fn(f32) -> f32| a.iter().map(|&v| f(v)).collect();
    let zip = |f: fn(f32, f32) -> f32| a.iter().zip(b).map(|(&u, &v)| f(u, v)).collect();
    Some(match op {
        "scale" => map(|v| v * 2.0),
        "add" => zip(|u, v| u + v),
        "mul" => zip(|u, v| u * v),
        "sqrt" => map(f32::sqrt),
        "exp" => map(f32::exp),
        "log" => map(f32::ln),
        "sin" => map(f32::sin),
        "cos" => map(f32::cos),
        "tanh" => map(f32::tanh),
        "sigmoid" => map(|v| 1.0 / (1.0 + (-v).exp())),
        "pow2.5" => map(|v| v.powf(2.5)),
        "chain" => map(|v| (v * 2.0 + 1.0).sqrt()),
        "expr" => zip(|u, v| u * v + u * 1.5 - v),
        "sum" => vec![a.iter().sum()],
        "sumsq" => vec![a.iter().map(|v| v * v).sum()],
        "dot" => vec![a.iter().zip(b).map(|(u, v)| u * v).sum()],
        "count" => vec![a.iter().filter(|&&v| v > 2.5).count() as f32],
        "max" => vec![a.iter().copied().fold(f32::NEG_INFINITY, f32::max)],
        "where" => map(|v| if v > 2.5 { v } else { 0.0 }),
        "arctan2" => zip(f32::atan2),
        "log1p" => map(f32::ln_1p),
        "floordiv" => map(|v| (v / 3.0).floor()),
        "cast" => vec![a.len() as f32],
        "affine" => map(|v| v * 3.0 + 1.0),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    #[allow(unused_imports)] // the benches' harness-less test build drops the #[test]
    use super::*;

    #[test]
    fn every_op_runs_and_matches_its_serial_loop() {
        let a: Vec<f32> = (0..1000).map(|i| 0.5 + (i % 97) as f32 * 0.04).collect();
        let b: Vec<f32> = (0..1000).map(|i| 0.5 + (i % 89) as f32 * 0.045).collect();
        let cpu = Device::cpu();
        for op in OPS {
            let got = run(&cpu, op, &a, &b).unwrap();
            let want = serial(op, &a, &b).unwrap();
            assert_eq!(got.len(), want.len(), "{op}");
            for (g, w) in got.iter().zip(&want) {
                assert!((g - w).abs() <= 1e-4 * w.abs().max(1.0), "{op}: {g} vs {w}");
            }
        }
        assert!(run(&cpu, "nope", &a, &b).is_none() && serial("nope", &a, &b).is_none());
        let ints: Vec<i64> = (0..1000).map(|i| i * 3_000_000_007 - (1 << 40)).collect();
        let got = run_int(&cpu, "affine", &ints).unwrap();
        assert!(got
            .iter()
            .zip(&ints)
            .all(|(g, v)| *g == v.wrapping_mul(3).wrapping_add(1)));
    }
}
