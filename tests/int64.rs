//! `i64` and `u64`, numpy's default integers: every integer op of the op table and every
//! integer binary op on the CPU against an exact i128 reference wrapped to 64 bits, at the
//! usual lengths, with the extremes, zero divisors, `MIN // -1` and out-of-range shift
//! counts mixed in; reductions exact. The same on the GPU where the adapter has 64-bit
//! integer shaders (lavapipe); where it does not (llvmpipe's OpenGL), a GPU device refuses
//! them with `Err(Unsupported)` and an auto device runs them on the CPU.

mod common;

use common::{lengths, Rng};
use compute::expr::x;
use compute::{BinOp, Device, Element, Op};

/// 64-bit wrapping of an exact value, as `i64` (`signed`) or `u64`, returned as i128.
fn wrap(v: i128, signed: bool) -> i128 {
    if signed {
        i128::from(v as i64)
    } else {
        i128::from(v as u64)
    }
}

fn floor_div(a: i128, b: i128) -> i128 {
    if b == 0 {
        0
    } else {
        a.div_euclid(b) - i128::from(a.rem_euclid(b) != 0 && b < 0)
    }
}

fn modulo(a: i128, b: i128) -> i128 {
    if b == 0 {
        0
    } else {
        a - floor_div(a, b) * b
    }
}

fn shift(a: i128, count: i128, left: bool) -> i128 {
    let n = count as u64;
    if n >= 64 {
        return if left || a >= 0 { 0 } else { -1 };
    }
    if left {
        a << n
    } else {
        a >> n
    }
}

fn pow(a: i128, e: i128, signed: bool) -> i128 {
    if e < 0 {
        return match a {
            1 => 1,
            -1 => 1 - 2 * (e & 1),
            _ => 0,
        };
    }
    let (mut acc, mut b, mut k) = (1i128, a, e as u64);
    while k != 0 {
        if k & 1 != 0 {
            acc = wrap(acc.wrapping_mul(b), signed);
        }
        b = wrap(b.wrapping_mul(b), signed);
        k >>= 1;
    }
    acc
}

fn ref_bin(op: BinOp, a: i128, b: i128, signed: bool) -> i128 {
    let truth = |v: bool| i128::from(v);
    let v = match op {
        BinOp::Add => a + b,
        BinOp::Sub => a - b,
        BinOp::Mul => a.wrapping_mul(b),
        BinOp::Div if b == 0 => 0,
        BinOp::Div => a / b,
        BinOp::Min => a.min(b),
        BinOp::Max => a.max(b),
        BinOp::Pow => pow(a, b, signed),
        BinOp::FloorDiv => floor_div(a, b),
        BinOp::Mod => modulo(a, b),
        BinOp::LogicalAnd => truth(a != 0 && b != 0),
        BinOp::LogicalOr => truth(a != 0 || b != 0),
        BinOp::LogicalXor => truth((a != 0) != (b != 0)),
        BinOp::BitAnd => a & b,
        BinOp::BitOr => a | b,
        BinOp::BitXor => a ^ b,
        BinOp::Shl => shift(a, b, true),
        BinOp::Shr => shift(a, b, false),
        other => panic!("no integer reference for {other:?}"),
    };
    wrap(v, signed)
}

/// The one-value integer ops with their scalar, as the binary op they equal (or a unary).
fn ref_op<T: Copy + Into<i128> + std::fmt::Debug>(op: &Op<T>, a: i128, signed: bool) -> i128 {
    let w = |v: &T| -> i128 { (*v).into() };
    let v = match op {
        Op::Scale(s) => a.wrapping_mul(w(s)),
        Op::Add(s) => a + w(s),
        Op::Sub(s) => a - w(s),
        Op::Div(s) => ref_bin(BinOp::Div, a, w(s), signed),
        Op::Min(s) => a.min(w(s)),
        Op::Max(s) => a.max(w(s)),
        Op::Clamp(lo, hi) => a.max(w(lo)).min(w(hi)),
        Op::Pow(s) => pow(a, w(s), signed),
        Op::Neg => -a,
        Op::Abs => a.abs(),
        Op::Square => a.wrapping_mul(a),
        Op::Relu => a.max(0),
        Op::Floor | Op::Ceil | Op::Round => a,
        Op::Sign => a.signum(),
        Op::IsNan | Op::IsInf => 0,
        Op::IsFinite => 1,
        Op::LogicalNot => i128::from(a == 0),
        Op::Invert => !a,
        Op::FloorDiv(s) => floor_div(a, w(s)),
        Op::Mod(s) => modulo(a, w(s)),
        Op::Shl(s) => shift(a, w(s), true),
        Op::Shr(s) => shift(a, w(s), false),
        other => panic!("no integer reference for {other:?}"),
    };
    wrap(v, signed)
}

/// Full-range values, small ones and the extremes.
fn data<T: Element + TryFrom<i128>>(len: usize, seed: u64, min: i128, max: i128) -> Vec<T> {
    let mut rng = Rng::new(seed);
    (0..len)
        .map(|i| {
            let v: i128 = match i % 5 {
                0 => i128::from(rng.next_u64() as i64),
                1 => [0, 1, -1, min, max, 2, -2, 64, 65][i % 9],
                2 => (rng.next_u64() % 200) as i128 - 100,
                _ => i128::from(rng.next_u64() as i64) >> (rng.next_u64() % 60),
            };
            let v = if v < min || v > max {
                v.rem_euclid(max + 1)
            } else {
                v
            };
            T::try_from(v).ok().expect("in range")
        })
        .collect()
}

fn check<T>(device: &Device, signed: bool, min: i128, max: i128)
where
    T: Element + Copy + Into<i128> + TryFrom<i128> + From<u8> + std::fmt::Debug,
{
    let side = device.gpu_name().unwrap_or_else(|| "cpu".into());
    let n = |v: u8| T::from(v);
    let mut ops: Vec<Op<T>> = compute::testing::ops(n(3))
        .into_iter()
        .filter(|op| !compute::testing::is_float_only(op))
        .collect();
    ops.extend([
        Op::Pow(n(63)),
        Op::Shl(n(63)),
        Op::Shl(n(64)),
        Op::Shr(n(65)),
        Op::FloorDiv(n(7)),
        Op::Mod(n(7)),
        Op::Scale(n(3)).then(Op::Add(n(1))),
    ]);
    for (k, op) in ops.iter().enumerate() {
        for len in lengths() {
            let a: Vec<T> = data(len, (k * 7919 + len) as u64, min, max);
            let got = compute::map(device, &a, op.clone())
                .unwrap_or_else(|e| panic!("{side} {op:?} len {len}: {e}"));
            for i in 0..len {
                let want = match op {
                    Op::Chain(c) => c
                        .ops()
                        .iter()
                        .fold(a[i].into(), |v, o| ref_op(o, v, signed)),
                    op => ref_op(op, a[i].into(), signed),
                };
                assert_eq!(
                    got[i].into(),
                    want,
                    "{side} {op:?} len {len} [{i}]: {:?}",
                    a[i]
                );
            }
        }
    }
    for (k, op) in compute::testing::binops()
        .into_iter()
        .filter(|&op| !compute::testing::is_float_only_bin(op))
        .enumerate()
    {
        for len in lengths() {
            let a: Vec<T> = data(len, (k * 131 + len) as u64, min, max);
            let mut b: Vec<T> = data(len, (k * 137 + len + 1) as u64, min, max);
            for (i, v) in b.iter_mut().enumerate() {
                // zero divisors, -1 (MIN // -1) and small counts and exponents, often
                let small: i128 = match i % 4 {
                    0 => 0,
                    1 if signed => -1,
                    2 => (i % 70) as i128,
                    _ => continue,
                };
                *v = T::try_from(small).ok().expect("small");
            }
            let got = compute::zip(device, &a, &b, op)
                .unwrap_or_else(|e| panic!("{side} {op:?} len {len}: {e}"));
            for i in 0..len {
                let want = ref_bin(op, a[i].into(), b[i].into(), signed);
                assert_eq!(
                    got[i].into(),
                    want,
                    "{side} {op:?} len {len} [{i}]: {:?}, {:?}",
                    a[i],
                    b[i]
                );
            }
        }
    }
}

fn check_i64(device: &Device) {
    check::<i64>(device, true, i128::from(i64::MIN), i128::from(i64::MAX));
}

fn check_u64(device: &Device) {
    check::<u64>(device, false, 0, i128::from(u64::MAX));
}

/// The GPU device, where its adapter runs 64-bit integers; where it does not, checks that a
/// GPU device refuses them and an auto device keeps them on the CPU, and gives `None`.
fn gpu_64() -> Option<Device> {
    use std::io::Write as _;
    let gpu = common::gpu()?;
    let runs = gpu.gpu_runs::<i64>();
    let name = gpu.gpu_name().unwrap_or_default();
    let _ = writeln!(
        std::io::stderr(),
        "64-bit integer kernels on {name}: {runs}"
    );
    if runs {
        assert!(gpu.gpu_runs::<u64>());
        return Some(gpu);
    }
    let err = compute::map(&gpu, vec![1i64, 2], Op::Scale(3)).unwrap_err();
    assert!(matches!(err, compute::Error::Unsupported { .. }), "{err}");
    let err = compute::map(&gpu, vec![1u64, 2], Op::Scale(3)).unwrap_err();
    assert!(matches!(err, compute::Error::Unsupported { .. }), "{err}");
    assert_eq!(
        Device::auto_any().choose(&Op::<i64>::Scale(3), 1 << 30),
        compute::Backend::Cpu
    );
    None
}

#[test]
fn cpu_i64_ops_match_reference() {
    check_i64(&Device::cpu());
}

#[test]
fn cpu_u64_ops_match_reference() {
    check_u64(&Device::cpu());
}

#[test]
fn gpu_i64_ops_match_reference() {
    if let Some(gpu) = gpu_64() {
        check_i64(&gpu);
    }
}

#[test]
fn gpu_u64_ops_match_reference() {
    if let Some(gpu) = gpu_64() {
        check_u64(&gpu);
    }
}

fn check_reductions(device: &Device) {
    let big: Vec<i64> = vec![i64::MAX, 1, i64::MIN, -1, 3];
    assert_eq!(compute::sum(device, &big).unwrap(), 2); // wraps, as numpy's
    assert_eq!(compute::min(device, &big).unwrap(), Some(i64::MIN));
    assert_eq!(compute::max(device, &big).unwrap(), Some(i64::MAX));
    // 2^62 + 1 and 2^62 + 3: an f64 sum would round both to 2^62
    let wide: Vec<u64> = vec![(1 << 62) + 1, (1 << 62) + 3];
    assert_eq!(
        compute::mean(device, &wide).unwrap(),
        Some(((1u64 << 62) + 2) as f64)
    );
    let n: Vec<i64> = (0..100_000).map(|i| (i * 7919) % 1000 - 500).collect();
    let want = n.iter().filter(|&&v| v * 3 + 1 > 0).count() as u64;
    assert_eq!(
        compute::count(device, (x() * 3 + 1).gt(0), (&n,)).unwrap(),
        want
    );
    // past one workgroup's elements, wrapping sums of big values
    let m: Vec<i64> = (0..10_007).map(|i| i * 1_000_000_000_007).collect();
    let want = m.iter().fold(0i64, |s, v| s.wrapping_add(*v));
    assert_eq!(compute::sum(device, &m).unwrap(), want);
    assert_eq!(compute::max(device, &m).unwrap(), m.iter().max().copied());
    let u: Vec<u64> = m.iter().map(|&v| v as u64).collect();
    assert_eq!(compute::min(device, &u).unwrap(), u.iter().min().copied());
}

#[test]
fn cpu_64_bit_reductions_are_exact() {
    check_reductions(&Device::cpu());
}

#[test]
fn gpu_64_bit_reductions_are_exact() {
    if let Some(gpu) = gpu_64() {
        check_reductions(&gpu);
    }
}

#[test]
fn auto_runs_64_bit_integers() {
    let auto = Device::auto();
    let a: Vec<i64> = (0..100_000).map(|i| i * 1_000_000_007).collect();
    let got = compute::eval(&auto, x() * 3 + 1, (&a,)).unwrap();
    assert!(got
        .iter()
        .zip(&a)
        .all(|(g, v)| *g == v.wrapping_mul(3).wrapping_add(1)));
}
