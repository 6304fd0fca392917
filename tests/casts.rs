//! Casts between element types (numpy's `astype`), alone and fused with the ops on either
//! side, at the usual lengths, against the element-wise conversion written out; numpy's own
//! answers for NaN, ±∞ and out-of-range values are in `tests/numpy_answers.rs`.

mod common;

use common::{f32_data, i32_data, lengths, Side};
use compute::{Device, Error, Op};

/// x86-64's (numpy's) float to i32: truncation, `MIN` for NaN and out of range.
fn to_i32(v: f64) -> i32 {
    if v > -2_147_483_649.0 && v < 2_147_483_648.0 {
        v as i32
    } else {
        i32::MIN
    }
}

#[test]
fn cpu_casts_match_the_element_wise_conversion_at_every_length() {
    let device = Device::cpu();
    for len in lengths() {
        let ints = i32_data(len, len as u64);
        let floats: Vec<f32> = compute::cast(&device, &ints).unwrap();
        assert!(
            floats.iter().zip(&ints).all(|(f, i)| *f == *i as f32),
            "len {len}"
        );
        let wide: Vec<i64> = compute::cast(&device, &ints).unwrap();
        assert!(wide.iter().zip(&ints).all(|(w, i)| *w == i64::from(*i)));
        let back: Vec<i32> = compute::cast(&device, &wide).unwrap();
        assert_eq!(back, ints);
        let unsigned: Vec<u32> = compute::cast(&device, &ints).unwrap();
        assert!(unsigned.iter().zip(&ints).all(|(u, i)| *u == *i as u32));

        let xs = f32_data(&Op::Abs, len, len as u64 + 7, Side::Cpu);
        let truncated: Vec<i32> = compute::cast(&device, &xs).unwrap();
        assert!(truncated
            .iter()
            .zip(&xs)
            .all(|(t, x)| *t == to_i32(f64::from(*x))));
        let doubled: Vec<f64> = compute::cast(&device, &xs).unwrap();
        assert!(doubled.iter().zip(&xs).all(|(d, x)| *d == f64::from(*x)));
    }
}

#[test]
fn cpu_casts_fuse_with_the_ops_on_either_side() {
    let device = Device::cpu();
    for len in lengths() {
        let ints = i32_data(len, len as u64 + 1);
        // numpy's a.astype(np.float32) * 2 + 1, one pass
        let op = Op::Scale(2.0_f32).then(Op::Add(1.0));
        let got = compute::cast_map(&device, &ints, op).unwrap();
        assert!(got
            .iter()
            .zip(&ints)
            .all(|(g, i)| *g == (*i as f32) * 2.0 + 1.0));
        // numpy's (x * 2.5).astype(np.int32), one pass
        let xs = f32_data(&Op::Abs, len, len as u64 + 3, Side::Cpu);
        let got: Vec<i32> = compute::map_cast(&device, &xs, Op::Scale(2.5)).unwrap();
        assert!(got
            .iter()
            .zip(&xs)
            .all(|(g, x)| *g == to_i32(f64::from(x * 2.5))));
    }
}

#[test]
fn a_cast_around_a_rejected_op_is_that_op_s_error() {
    let device = Device::cpu();
    let err = compute::cast_map(
        &device,
        [1_i32],
        Op::Sqrt.then(Op::Shl(1.0_f32)).then(Op::Abs),
    );
    // Shl on f32 is integer-only
    assert!(matches!(err, Err(Error::IntegerOnly { .. })), "{err:?}");
    let err = compute::map_cast::<i32, f32>(&device, [4], Op::Sqrt);
    assert!(matches!(err, Err(Error::FloatOnly { .. })), "{err:?}");
    let err = compute::cast_map::<f32, i32>(&device, [4.0], Op::Div(0));
    assert!(matches!(err, Err(Error::DivisionByZero { .. })), "{err:?}");
    let empty: Vec<u64> = compute::cast(&device, Vec::<f32>::new()).unwrap();
    assert!(empty.is_empty());
}

#[test]
fn gpu_casts_are_an_error_on_a_gpu_device_and_auto_runs_them() {
    if let Some(gpu) = common::gpu() {
        let err = compute::cast::<i32, f32>(&gpu, [1, 2]).unwrap_err();
        assert!(matches!(err, Error::Unsupported { .. }), "{err}");
    }
    let got: Vec<f32> = compute::cast(&Device::auto(), vec![3_u32; 100_000]).unwrap();
    assert!(got.iter().all(|&v| v == 3.0));
}

#[test]
fn cpu_expressions_cast_and_mask_in_one_pass() {
    use compute::expr::{where_, x, y};
    let device = Device::cpu();
    for len in lengths() {
        let a = f32_data(&Op::Abs, len, len as u64 + 11, Side::Cpu);
        let b = f32_data(&Op::Abs, len, len as u64 + 13, Side::Cpu);
        let got: Vec<i64> = compute::eval_cast(&device, x() * y() + 0.5, (&a, &b)).unwrap();
        for i in 0..len {
            let v = f64::from(a[i] * b[i] + 0.5);
            assert_eq!(got[i], v as i64, "len {len} [{i}]");
        }
        // numpy's boolean arrays: a > b, isnan, and a where() fed by a mask's own test
        let above = compute::mask(&device, x().gt(y()), (&a, &b)).unwrap();
        assert!(above
            .iter()
            .zip(a.iter().zip(&b))
            .all(|(m, (p, q))| *m == (p > q)));
        let n = compute::count(&device, x().gt(y()), (&a, &b)).unwrap();
        assert_eq!(n as usize, above.iter().filter(|&&m| m).count());
        let relu = compute::mask(&device, where_(x().gt(0.0), x(), 0.0), (&a,)).unwrap();
        assert!(relu.iter().zip(&a).all(|(m, v)| *m == (*v > 0.0)));
    }
    let nan = compute::mask(&device, x().isnan(), ([0.0_f32, f32::NAN, -0.0],)).unwrap();
    assert_eq!(nan, [false, true, false]);
    // NaN is true, -0 false: numpy's bool(nan) and bool(-0.0)
    let truth = compute::mask(&device, x(), ([f32::NAN, -0.0, 2.0],)).unwrap();
    assert_eq!(truth, [true, false, true]);
}

#[test]
fn gpu_masks_are_an_error_on_a_gpu_device() {
    if let Some(gpu) = common::gpu() {
        let err = compute::mask(&gpu, compute::expr::x().gt(1.0_f32), ([1.0_f32],)).unwrap_err();
        assert!(matches!(err, Error::Unsupported { .. }), "{err}");
    }
}
