//! Casts between element types (numpy's `astype`), alone and fused with the ops on either
//! side, at the usual lengths, against the element-wise conversion written out; numpy's own
//! answers for NaN, ±∞ and out-of-range values are in `tests/numpy_answers.rs`.

mod common;

use common::{f32_data, i32_data, lengths, Rng, Side};
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

/// Values of an element type a cast must get right: the edges of every type's range and of
/// the float formats, pseudo-random bit patterns, and magnitudes spread up to 2^70.
trait Samples: compute::Element {
    fn from_f64(v: f64) -> Self;
    fn from_i128(v: i128) -> Self;
    fn from_bits(bits: u64) -> Self;
    const FLOAT: bool;

    fn samples(len: usize, seed: u64) -> Vec<Self> {
        let edges: Vec<Self> = if Self::FLOAT {
            let two = |e: i32| 2f64.powi(e);
            let mut v = vec![
                f64::NAN,
                -f64::NAN,
                f64::INFINITY,
                f64::NEG_INFINITY,
                0.0,
                -0.0,
                0.5,
                -0.5,
                1.5,
                -1.5,
                -1.0,
                2_147_483_520.0,
                -2_147_483_904.0,
                4_294_967_040.0,
                16_777_217.0,
                1e30,
                -1e30,
                f64::from(f32::MAX),
                f64::MAX,
                f64::MIN,
                f64::MIN_POSITIVE,
                1e-40,
                9_223_371_487_098_961_920.0, // the largest f32 below 2^63
            ];
            for e in [31, 32, 53, 63, 64] {
                for s in [1.0, -1.0] {
                    v.extend([
                        s * two(e),
                        s * (two(e) + 1.0),
                        s * (two(e) - 1.0),
                        s * two(e) * 1.5,
                    ]);
                }
            }
            v.into_iter().map(Self::from_f64).collect()
        } else {
            let mut v = vec![
                0,
                1,
                -1,
                16_777_217,
                (1 << 53) + 1,
                i128::from(i64::MAX),
                i128::from(i64::MIN),
            ];
            for e in [31, 32, 63, 64] {
                v.extend([
                    1i128 << e,
                    (1i128 << e) - 1,
                    -(1i128 << e),
                    (1i128 << e) + 1,
                ]);
            }
            v.into_iter().map(Self::from_i128).collect()
        };
        let mut rng = Rng::new(seed);
        (0..len)
            .map(|i| match i % 3 {
                0 => edges[(i / 3) % edges.len()],
                1 => Self::from_bits(rng.next_u64()),
                _ if Self::FLOAT => Self::from_f64(rng.log_uniform(0.25, 2f64.powi(70), true)),
                _ => Self::from_i128(rng.log_uniform(1.0, 2f64.powi(64), true) as i128),
            })
            .collect()
    }
}

macro_rules! samples {
    ($t:ty, $float:expr, $bits:expr) => {
        impl Samples for $t {
            fn from_f64(v: f64) -> Self {
                v as $t
            }
            fn from_i128(v: i128) -> Self {
                v as $t
            }
            fn from_bits(bits: u64) -> Self {
                $bits(bits)
            }
            const FLOAT: bool = $float;
        }
    };
}
samples!(f32, true, |b: u64| f32::from_bits(b as u32));
samples!(f64, true, f64::from_bits);
samples!(i32, false, |b: u64| b as i32);
samples!(u32, false, |b: u64| b as u32);
samples!(i64, false, |b: u64| b as i64);
samples!(u64, false, |b: u64| b);

/// The same value: the same bits, or NaN both (a NaN is the one value unequal to itself).
#[allow(clippy::eq_op)]
fn same<U: compute::Element>(a: &U, b: &U) -> bool {
    bytemuck::bytes_of(a) == bytemuck::bytes_of(b) || (a != a && b != b)
}

fn assert_same<U: compute::Element, S: std::fmt::Debug>(
    got: &[U],
    want: &[U],
    from: &[S],
    what: &str,
) {
    assert_eq!(got.len(), want.len(), "{what}");
    for i in 0..got.len() {
        assert!(
            same(&got[i], &want[i]),
            "{what} of {:?} [{i}]: GPU {:?}, CPU {:?}",
            from[i],
            got[i],
            want[i]
        );
    }
}

/// Every cast from `S` to `U` on the GPU gives the CPU's answer, bit for bit (any NaN for a
/// NaN), alone and fused on either side, at every length; a mask too. Returns whether the
/// GPU ran them (a GPU without `S`'s or `U`'s 64-bit feature refuses with `Unsupported`).
fn gpu_cast<S: Samples, U: Samples>(gpu: &Device) -> bool {
    use compute::expr::x;
    let cpu = Device::cpu();
    if !(gpu.gpu_runs::<S>() && gpu.gpu_runs::<U>()) {
        let err = compute::cast::<S, U>(gpu, S::samples(3, 1)).unwrap_err();
        assert!(matches!(err, Error::Unsupported { .. }), "{err}");
        return false;
    }
    for len in lengths() {
        let data = S::samples(len, len as u64 + 5);
        let what = format!(
            "{} -> {} len {len}",
            std::any::type_name::<S>(),
            std::any::type_name::<U>()
        );
        let want: Vec<U> = compute::cast(&cpu, &data).unwrap();
        let got: Vec<U> = compute::cast(gpu, &data).unwrap();
        assert_same(&got, &want, &data, &what);
        // a cast, then an op on the converted values: one kernel converting as it loads
        let want = compute::cast_map(&cpu, &data, Op::<U>::Abs).unwrap();
        let got = compute::cast_map(gpu, &data, Op::<U>::Abs).unwrap();
        assert_same(&got, &want, &data, &format!("abs after {what}"));
        // an op, then a cast: one kernel converting as it stores
        let want: Vec<U> = compute::map_cast(&cpu, &data, Op::<S>::Abs).unwrap();
        let got: Vec<U> = compute::map_cast(gpu, &data, Op::<S>::Abs).unwrap();
        assert_same(&got, &want, &data, &format!("{what} after abs"));
        let want = compute::mask(&cpu, x::<S>(), (&data,)).unwrap();
        let got = compute::mask(gpu, x::<S>(), (&data,)).unwrap();
        assert_eq!(got, want, "mask of {what}");
    }
    true
}

#[test]
fn gpu_casts_and_masks_match_the_cpu_for_every_pair_of_types() {
    use std::io::Write as _;
    let Some(gpu) = common::gpu() else {
        return;
    };
    macro_rules! from {
        ($s:ty) => {
            [
                gpu_cast::<$s, f32>(&gpu),
                gpu_cast::<$s, f64>(&gpu),
                gpu_cast::<$s, i32>(&gpu),
                gpu_cast::<$s, u32>(&gpu),
                gpu_cast::<$s, i64>(&gpu),
                gpu_cast::<$s, u64>(&gpu),
            ]
        };
    }
    let ran: Vec<bool> = [
        from!(f32),
        from!(f64),
        from!(i32),
        from!(u32),
        from!(i64),
        from!(u64),
    ]
    .concat();
    let ran = ran.iter().filter(|&&r| r).count();
    let name = gpu.gpu_name().unwrap_or_default();
    let _ = writeln!(
        std::io::stderr(),
        "casts on {name}: {ran} of 36 type pairs ran on the GPU"
    );
    // every GPU runs the 32-bit types
    assert!(ran >= 9, "{ran}");
    if gpu.gpu_runs::<i64>() && gpu.gpu_runs::<f64>() {
        assert_eq!(ran, 36);
    }
}

#[test]
fn gpu_predicate_masks_match_the_cpu() {
    use compute::expr::{x, y};
    let Some(gpu) = common::gpu() else {
        return;
    };
    let cpu = Device::cpu();
    for len in lengths() {
        let a = f32::samples(len, len as u64 + 1);
        let b = f32::samples(len, len as u64 + 2);
        for e in [
            x().gt(y()),
            x().isnan(),
            x().isfinite().logical_and(y().lt(1.0)),
        ] {
            let want = compute::mask(&cpu, e.clone(), (&a, &b)).unwrap();
            let got = compute::mask(&gpu, e.clone(), (&a, &b)).unwrap();
            assert_eq!(got, want, "{e:?} len {len}");
        }
    }
    let truth = compute::mask(&gpu, x(), ([f32::NAN, -0.0, 2.0, 0.0],)).unwrap();
    assert_eq!(truth, [true, false, true, false]);
}
