//! The documented answers for edge cases, on each backend: integer wrapping and division,
//! half-to-even rounding, numpy's pow, NaN/±Inf/±0/subnormals (CPU; the GPU does not
//! guarantee them), the design's example line, and property tests.

mod common;

use common::{bound, close, gpu, ref_float, ref_float_bin, ref_int_bin, Side};
use compute::{BinOp, Device, Op};
use proptest::prelude::*;

#[test]
fn the_design_line_runs_verbatim() -> Result<(), compute::Error> {
    let device = compute::Device::auto();
    let data = vec![1, 2, 3, 4, 5];
    let out = compute::map(&device, data, compute::Op::Scale(2))?;
    assert_eq!(out, vec![2, 4, 6, 8, 10]);
    Ok(())
}

#[test]
fn map_and_zip_take_vecs_references_slices_and_arrays() -> Result<(), compute::Error> {
    let device = Device::cpu();
    let v = vec![1.0_f32, 2.0];
    assert_eq!(compute::map(&device, &v, Op::Neg)?, [-1.0, -2.0]);
    assert_eq!(compute::map(&device, &v[..1], Op::Neg)?, [-1.0]);
    assert_eq!(compute::map(&device, [3u32], Op::Add(1))?, [4]);
    assert_eq!(
        compute::zip(&device, &v, v.clone(), BinOp::Mul)?,
        [1.0, 4.0]
    );
    assert_eq!(v, [1.0, 2.0], "inputs are never modified");
    Ok(())
}

fn check_integer_edges(device: &Device) {
    let a = [7, -7, 7, -7, i32::MIN, i32::MIN, 5, 0];
    let b = [2, 2, -2, -2, -1, 0, 0, 0];
    let div = compute::zip(device, a, b, BinOp::Div).unwrap();
    assert_eq!(
        div,
        [3, -3, -3, 3, i32::MIN, 0, 0, 0],
        "truncation, x/0 == 0, MIN/-1 == MIN"
    );

    let wrap = compute::map(device, [i32::MAX, i32::MIN], Op::Add(1)).unwrap();
    assert_eq!(wrap, [i32::MIN, i32::MIN + 1]);
    let neg = compute::map(device, [i32::MIN, 5], Op::Neg.then(Op::Abs)).unwrap();
    assert_eq!(neg, [i32::MIN, 5], "abs(MIN) == MIN as in numpy and WGSL");
    let u = compute::map(device, [0u32, 1, u32::MAX], Op::Neg).unwrap();
    assert_eq!(u, [0, u32::MAX, 1]);
    let sq = compute::map(device, [65_536u32, 3], Op::Square).unwrap();
    assert_eq!(sq, [0, 9]);
    let pow = compute::zip(
        device,
        [2, -1, -1, 1, 5, 0, 3],
        [31, -3, -2, -9, -1, 0, 21],
        BinOp::Pow,
    )
    .unwrap();
    assert_eq!(pow, [i32::MIN, -1, 1, 1, 0, 1, 3i32.wrapping_pow(21)]);
    let clamp = compute::map(device, [-5, 0, 5, 50], Op::Clamp(-1, 10)).unwrap();
    assert_eq!(clamp, [-1, 0, 5, 10]);
    let udiv = compute::zip(device, [7u32, u32::MAX, 9], [2u32, 0, 10], BinOp::Div).unwrap();
    assert_eq!(udiv, [3, 0, 0]);
}

#[test]
fn cpu_integer_edges() {
    check_integer_edges(&Device::cpu());
}

#[test]
fn gpu_integer_edges() {
    if let Some(device) = gpu() {
        check_integer_edges(&device);
    }
}

fn check_float_edges(device: &Device) {
    let halves = [0.5_f32, 1.5, 2.5, -0.5, -1.5, -2.5, 3.5, 0.49999997];
    let round = compute::map(device, halves, Op::Round).unwrap();
    assert_eq!(
        round,
        [0.0, 2.0, 2.0, -0.0, -2.0, -2.0, 4.0, 0.0],
        "half to even"
    );
    let floor = compute::map(device, [-1.5_f32, 1.5], Op::Floor).unwrap();
    assert_eq!(floor, [-2.0, 1.0]);
    let ceil = compute::map(device, [-1.5_f32, 1.5], Op::Ceil).unwrap();
    assert_eq!(ceil, [-1.0, 2.0]);

    // numpy's pow: a negative base with an integer exponent, x^0 == 1
    let pow = compute::zip(
        device,
        [-2.0_f32, -2.0, 4.0, 0.0, -3.0],
        [3.0, 2.0, 0.5, 0.0, 0.0],
        BinOp::Pow,
    )
    .unwrap();
    for (g, w) in pow.iter().zip([-8.0_f64, 4.0, 2.0, 1.0, 1.0]) {
        let side = if device.gpu_name().is_some() {
            Side::Gpu
        } else {
            Side::Cpu
        };
        assert!(
            close(*g, w, common::pow_bound(2.0, 3.0), side),
            "pow: got {g}, want {w}"
        );
    }
    let relu = compute::map(device, [-3.0_f32, 0.0, 2.0], Op::Relu).unwrap();
    assert_eq!(relu, [0.0, 0.0, 2.0]);
    let zeros = compute::map(device, [0.0_f32, -0.0], Op::Scale(3.0).then(Op::Add(0.0))).unwrap();
    assert_eq!(zeros, [0.0, 0.0]);
    let sig = compute::map(device, [-200.0_f32, 0.0, 200.0], Op::Sigmoid).unwrap();
    assert!(
        sig[0].abs() < 1e-37 && sig[1] == 0.5 && sig[2] == 1.0,
        "{sig:?}"
    );
    let tanh = compute::map(device, [-100.0_f32, 0.0, 100.0], Op::Tanh).unwrap();
    assert_eq!(tanh, [-1.0, 0.0, 1.0]);
}

#[test]
fn cpu_float_edges() {
    check_float_edges(&Device::cpu());
}

#[test]
fn gpu_float_edges() {
    if let Some(device) = gpu() {
        check_float_edges(&device);
    }
}

/// `Round` bit for bit as numpy's `round` (Rust's `round_ties_even`): at halves of both
/// parities and signs, just below a half, at the last values with a fraction, past them, at
/// ±0 and numbers that round to ±0 (the sign kept), ±inf and NaN; f64 where the device runs
/// it (lavapipe in Mesa 22.3.6-1+deb12u2 rounds the f64 7.5 to 7 with WGSL's `round`).
fn check_round_bits(device: &Device) {
    fn same<T: Copy + std::fmt::Debug>(
        got: &[T],
        want: &[T],
        bits: impl Fn(T) -> u64,
        nan: impl Fn(T) -> bool,
    ) {
        for (&g, &w) in got.iter().zip(want) {
            // any NaN for a NaN: the payload is not numpy's business
            assert!(
                bits(g) == bits(w) || (nan(g) && nan(w)),
                "round: got {g:?}, want {w:?}"
            );
        }
    }
    // in both types: halves of both parities and signs, values near a half and rounding to
    // ±0, signed zeros, ±inf, NaN, plain fractions
    let common = [
        0.5,
        1.5,
        2.5,
        7.5,
        -0.5,
        -1.5,
        -2.5,
        -7.5,
        0.4,
        -0.4,
        0.0,
        -0.0,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        1.0e-3,
        -1.0e-3,
        123.456,
        -123.5,
    ];
    // per type: just below a half, the last halves below 2^mantissa, past them, the extremes
    let f32s: Vec<f32> = common
        .iter()
        .map(|&v| v as f32)
        .chain([
            0.49999997,
            -0.49999997,
            8388607.5,
            -8388607.5,
            4194303.5,
            8388609.0,
            16777216.0,
            3.4e38,
            -3.4e38,
        ])
        .collect();
    let got = compute::map(device, &f32s, Op::Round).unwrap();
    let want: Vec<f32> = f32s.iter().map(|v| v.round_ties_even()).collect();
    same(&got, &want, |v| u64::from(v.to_bits()), f32::is_nan);
    let f64s: Vec<f64> = common
        .into_iter()
        .chain([
            0.49999999999999994,
            -0.49999999999999994,
            4503599627370495.5,
            -4503599627370495.5,
            2251799813685247.5,
            4503599627370497.0,
            9007199254740993.0,
            1.7e308,
            -1.7e308,
            1e15 + 0.5,
            -1e15 - 0.5,
        ])
        .collect();
    let want: Vec<f64> = f64s.iter().map(|v| v.round_ties_even()).collect();
    match compute::map(device, &f64s, Op::Round) {
        Ok(got) => same(&got, &want, f64::to_bits, f64::is_nan),
        Err(compute::Error::Unsupported { .. }) if device.gpu_name().is_some() => {}
        Err(e) => panic!("f64 round: {e}"),
    }
}

#[test]
fn cpu_round_is_numpys_bit_for_bit() {
    check_round_bits(&Device::cpu());
}

#[test]
fn gpu_round_is_numpys_bit_for_bit() {
    if let Some(device) = gpu() {
        check_round_bits(&device);
    }
}

/// Values the CPU must handle exactly as IEEE and numpy do.
fn specials() -> Vec<f32> {
    vec![
        f32::NAN,
        -f32::NAN,
        f32::INFINITY,
        f32::NEG_INFINITY,
        0.0,
        -0.0,
        f32::MIN_POSITIVE,
        f32::MIN_POSITIVE / 8.0,
        -f32::MIN_POSITIVE / 3.0,
        f32::from_bits(1),
        f32::MAX,
        f32::MIN,
        1.0,
        -1.0,
        0.5,
        -2.5,
        88.8,
        -104.0,
    ]
}

#[test]
fn cpu_nan_inf_zero_and_subnormals_follow_ieee_and_numpy() {
    let device = Device::cpu();
    let x = specials();
    let ops = [
        Op::Scale(2.0),
        Op::Scale(0.0),
        Op::Add(f32::INFINITY),
        Op::Sub(1.0),
        Op::Div(0.0),
        Op::Div(-3.0),
        Op::Min(0.0),
        Op::Max(0.0),
        Op::Clamp(-1.0, 1.0),
        Op::Pow(2.0),
        Op::Pow(0.0),
        Op::Pow(-1.5),
        Op::Neg,
        Op::Abs,
        Op::Square,
        Op::Sqrt,
        Op::Recip,
        Op::Exp,
        Op::Log,
        Op::Sin,
        Op::Cos,
        Op::Tanh,
        Op::Sigmoid,
        Op::Relu,
        Op::Floor,
        Op::Ceil,
        Op::Round,
    ];
    // and every op of the op table
    let table = compute::testing::ops(2.0).into_iter();
    for op in ops
        .into_iter()
        .chain(table.filter(|op| !compute::testing::is_integer_only(op)))
    {
        let got = compute::map(&device, &x, op.clone()).unwrap();
        for (&g, &xi) in got.iter().zip(&x) {
            let want = ref_float(&op, f64::from(xi));
            assert!(
                close(g, want, bound(&op, f64::from(xi), Side::Cpu), Side::Cpu),
                "{op:?}({xi:e}): got {g:e}, want {want:e}"
            );
        }
    }
    for op in compute::testing::binops()
        .into_iter()
        .filter(|&op| !compute::testing::is_integer_only_bin(op))
    {
        let y: Vec<f32> = x.iter().rev().copied().collect();
        let got = compute::zip(&device, &x, &y, op).unwrap();
        for i in 0..x.len() {
            let want = ref_float_bin(op, f64::from(x[i]), f64::from(y[i]));
            let b = common::bin_bound(op, f64::from(x[i]), f64::from(y[i]), Side::Cpu);
            assert!(
                close(got[i], want, b, Side::Cpu),
                "{op:?}({:e}, {:e}): got {:e}, want {want:e}",
                x[i],
                y[i],
                got[i]
            );
        }
    }
}

#[test]
fn cpu_min_max_propagate_nan_as_numpy() {
    let device = Device::cpu();
    let got = compute::zip(&device, [f32::NAN, 1.0], [1.0, f32::NAN], BinOp::Max).unwrap();
    assert!(got[0].is_nan() && got[1].is_nan());
    let got = compute::map(&device, [f32::NAN], Op::Clamp(0.0, 1.0)).unwrap();
    assert!(got[0].is_nan());
}

#[test]
fn gpu_signed_zero_and_finite_extremes() {
    if let Some(device) = gpu() {
        let x = [0.0_f32, -0.0, f32::MAX, f32::MIN, 1.0e30, -1.0e-30];
        let got = compute::map(&device, x, Op::Neg.then(Op::Abs)).unwrap();
        assert_eq!(got, [0.0, 0.0, f32::MAX, f32::MAX, 1.0e30, 1.0e-30]);
        let got = compute::map(&device, x, Op::Clamp(-1.0, 1.0)).unwrap();
        assert_eq!(got, [0.0, -0.0, 1.0, -1.0, 1.0, -1.0e-30]);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn cpu_exact_ops_are_correctly_rounded_for_any_f32(
        x in proptest::collection::vec(proptest::num::f32::ANY, 0..300),
        s in proptest::num::f32::ANY,
    ) {
        let device = Device::cpu();
        for op in [Op::Scale(s), Op::Add(s), Op::Sub(s), Op::Div(s), Op::Min(s), Op::Max(s), Op::Sqrt, Op::Recip, Op::Square, Op::Round] {
            let got = compute::map(&device, &x, op.clone()).unwrap();
            for (&g, &xi) in got.iter().zip(&x) {
                let want = ref_float(&op, f64::from(xi));
                prop_assert!(close(g, want, common::Bound::EXACT, Side::Cpu), "{:?}({:e}) = {:e}, want {:e}", op, xi, g, want);
            }
        }
    }

    #[test]
    fn cpu_integer_binops_match_exact_reference(
        pairs in proptest::collection::vec((any::<i32>(), any::<i32>()), 0..300),
    ) {
        let device = Device::cpu();
        let (a, b): (Vec<i32>, Vec<i32>) = pairs.into_iter().unzip();
        for op in [BinOp::Add, BinOp::Sub, BinOp::Mul, BinOp::Div, BinOp::Min, BinOp::Max] {
            let got = compute::zip(&device, &a, &b, op).unwrap();
            for i in 0..a.len() {
                prop_assert_eq!(i64::from(got[i]), ref_int_bin(op, a[i].into(), b[i].into(), true));
            }
        }
    }

    #[test]
    fn chains_equal_their_steps_run_one_by_one(
        x in proptest::collection::vec(-1.0e3_f32..1.0e3, 0..5000),
        s in -10.0_f32..10.0,
    ) {
        let device = Device::cpu();
        let chain = Op::Scale(s).then(Op::Add(1.0)).then(Op::Abs).then(Op::Sqrt);
        let fused = compute::map(&device, &x, chain).unwrap();
        let mut step = x.clone();
        for op in [Op::Scale(s), Op::Add(1.0), Op::Abs, Op::Sqrt] {
            step = compute::map(&device, &step, op).unwrap();
        }
        prop_assert_eq!(fused, step);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn gpu_exact_ops_agree_with_cpu_on_normal_floats(
        x in proptest::collection::vec(proptest::num::f32::NORMAL, 1..2000),
        s in -1.0e3_f32..1.0e3,
    ) {
        if let Some(device) = gpu() {
            let cpu = Device::cpu();
            for op in [Op::Scale(s), Op::Add(s), Op::Sub(s), Op::Min(s), Op::Max(s), Op::Neg, Op::Abs, Op::Floor, Op::Ceil, Op::Round] {
                let g = compute::map(&device, &x, op.clone()).unwrap();
                let c = compute::map(&cpu, &x, op.clone()).unwrap();
                for i in 0..x.len() {
                    // subnormal results may flush to zero on the GPU
                    let both_tiny = g[i].abs() < f32::MIN_POSITIVE && c[i].abs() < f32::MIN_POSITIVE;
                    prop_assert!(g[i] == c[i] || both_tiny, "{:?}({:e}): gpu {:e}, cpu {:e}", op, x[i], g[i], c[i]);
                }
            }
        }
    }

    #[test]
    fn gpu_integer_binops_match_exact_reference(
        pairs in proptest::collection::vec((any::<i32>(), any::<i32>()), 1..2000),
    ) {
        if let Some(device) = gpu() {
            let (a, b): (Vec<i32>, Vec<i32>) = pairs.into_iter().unzip();
            for op in [BinOp::Add, BinOp::Sub, BinOp::Mul, BinOp::Div, BinOp::Min, BinOp::Max] {
                let got = compute::zip(&device, &a, &b, op).unwrap();
                for i in 0..a.len() {
                    prop_assert_eq!(i64::from(got[i]), ref_int_bin(op, a[i].into(), b[i].into(), true));
                }
            }
        }
    }
}
