//! Every op and binary op, every element type, on each backend, against an f64 (or exact
//! integer) reference within that op's own bound, at every length of `common::lengths()`.
//! Each test body is written once and run as `cpu_*` and `gpu_*`.

mod common;

use common::{
    bound, close, f32_data, gpu, i32_data, lengths, ref_float, ref_float_bin, ref_int_bin,
    ref_int_op, u32_data, widen, Rng, Side,
};
use compute::{BinOp, Device, Op};

/// Every binary op, from the op table.
fn binops() -> Vec<BinOp> {
    compute::testing::binops()
}

/// Every op of the op table (each scalar 2.5), then more scalars and chains.
fn float_ops() -> Vec<Op<f32>> {
    let mut ops = compute::testing::ops(2.5_f32);
    ops.retain(|op| !compute::testing::is_integer_only(op));
    ops.extend([
        Op::Scale(2.5),
        Op::Scale(-0.1),
        Op::Add(1.25),
        Op::Sub(3.0),
        Op::Div(3.0),
        Op::Div(-0.7),
        Op::Min(0.5),
        Op::Max(-0.5),
        Op::Clamp(-1.0, 2.0),
        Op::Pow(2.0),
        Op::Pow(3.0),
        Op::Pow(-2.0),
        Op::Pow(0.5),
        Op::Abs
            .then(Op::Scale(2.0))
            .then(Op::Add(1.0))
            .then(Op::Sqrt),
        Op::Abs.then(Op::Add(1.0)).then(Op::Log),
        Op::Scale(0.5).then(Op::Clamp(-3.0, 3.0)).then(Op::Exp),
        Op::Neg.then(Op::Square).then(Op::Round).then(Op::Relu),
        Op::FloorDiv(-0.75),
        Op::Mod(-0.75),
        Op::Abs.then(Op::Add(1.0)).then(Op::Log1p).then(Op::Arctan),
    ]);
    ops
}

fn check_float_map(device: &Device, side: Side) {
    for (k, op) in float_ops().iter().enumerate() {
        for len in lengths() {
            let x = f32_data(op, len, (k * 1_000_003 + len) as u64, side);
            let got = compute::map(device, &x, op.clone())
                .unwrap_or_else(|e| panic!("{side:?} {op:?} len {len}: {e}"));
            assert_eq!(got.len(), len, "{side:?} {op:?}");
            for (i, (&g, &xi)) in got.iter().zip(&x).enumerate() {
                let xi = f64::from(xi);
                let (want, b) = (ref_float(op, xi), bound(op, xi, side));
                assert!(
                    close(g, want, b, side),
                    "{side:?} {op:?} len {len} [{i}]: x = {xi:e}, got {g:e}, want {want:e} within {b:?}"
                );
            }
        }
    }
}

/// Every op of the op table defined for integers (each scalar 3), then more scalars and
/// chains.
fn int_ops<T: compute::Element + Copy + From<u8>>(minus_three: T, minus_one: T) -> Vec<Op<T>> {
    let n = |v: u8| T::from(v);
    let mut ops: Vec<Op<T>> = compute::testing::ops(T::from(3))
        .into_iter()
        .filter(|op| !compute::testing::is_float_only(op))
        .collect();
    ops.extend([
        Op::Scale(n(3)),
        Op::Scale(minus_three),
        Op::Add(n(7)),
        Op::Add(minus_one),
        Op::Sub(n(9)),
        Op::Div(n(7)),
        Op::Div(minus_three),
        Op::Div(minus_one),
        Op::Min(n(5)),
        Op::Max(minus_three),
        Op::Clamp(minus_three, n(100)),
        Op::Pow(n(0)),
        Op::Pow(n(3)),
        Op::Pow(n(31)),
        Op::Scale(n(3))
            .then(Op::Add(n(1)))
            .then(Op::Abs)
            .then(Op::Min(n(250))),
        Op::FloorDiv(minus_three),
        Op::Mod(minus_three),
        Op::FloorDiv(minus_one),
        Op::Mod(n(7)),
        Op::Shl(n(0)),
        Op::Shl(n(31)),
        Op::Shl(n(32)),
        Op::Shr(n(1)),
        Op::Shr(n(33)),
        Op::Shr(minus_one),
        Op::Shl(minus_three),
    ]);
    ops
}

fn check_int_map<T>(
    device: &Device,
    ops: &[Op<T>],
    data: impl Fn(usize, u64) -> Vec<T>,
    signed: bool,
) where
    T: compute::Element + Copy + Into<i64>,
{
    let side = if device.gpu_name().is_some() {
        "gpu"
    } else {
        "cpu"
    };
    for (k, op) in ops.iter().enumerate() {
        let wide = widen(op);
        for len in lengths() {
            let x = data(len, (k * 7919 + len) as u64);
            let got = compute::map(device, &x, op.clone())
                .unwrap_or_else(|e| panic!("{side} {op:?} len {len}: {e}"));
            assert_eq!(got.len(), len);
            for (i, (&g, &xi)) in got.iter().zip(&x).enumerate() {
                let want = ref_int_op(&wide, xi.into(), signed);
                assert_eq!(
                    g.into(),
                    want,
                    "{side} {op:?} len {len} [{i}]: x = {:?}",
                    xi.into()
                );
            }
        }
    }
}

fn check_i32_map(device: &Device) {
    check_int_map(device, &int_ops(-3i32, -1), i32_data, true);
}

fn check_u32_map(device: &Device) {
    check_int_map(device, &int_ops(u32::MAX - 2, u32::MAX), u32_data, false);
}

fn check_float_zip(device: &Device, side: Side) {
    for (k, op) in binops()
        .into_iter()
        .filter(|&op| !compute::testing::is_integer_only_bin(op))
        .enumerate()
    {
        for len in lengths() {
            let mut rng = Rng::new((k * 31 + len) as u64);
            let mut a = Vec::with_capacity(len);
            let mut b = Vec::with_capacity(len);
            for _ in 0..len {
                let (x, y) = match op {
                    BinOp::Pow => (rng.log_uniform(0.1, 10.0, false), rng.uniform(-4.0, 4.0)),
                    // quotients whose product with the divisor is exact in f32, where the
                    // GPU's divmod is exact too (see shaders/float.wgsl)
                    BinOp::FloorDiv | BinOp::Mod => {
                        let k = (rng.next_u64() % 80) as f64 - 40.0;
                        let b = if k == 0.0 { 0.25 } else { k / 4.0 };
                        ((rng.uniform(-1e3, 1e3) * 8.0).round() / 8.0, b)
                    }
                    _ => (
                        rng.log_uniform(1e-3, 1e3, true),
                        rng.log_uniform(1e-3, 1e3, true),
                    ),
                };
                a.push(x as f32);
                b.push(y as f32);
            }
            let got = compute::zip(device, &a, &b, op)
                .unwrap_or_else(|e| panic!("{side:?} {op:?} len {len}: {e}"));
            assert_eq!(got.len(), len);
            for i in 0..len {
                let (x, y) = (f64::from(a[i]), f64::from(b[i]));
                let want = ref_float_bin(op, x, y);
                let b = common::bin_bound(op, x, y, side);
                assert!(
                    close(got[i], want, b, side),
                    "{side:?} {op:?} len {len} [{i}]: {x:e}, {y:e}: got {:e}, want {want:e}",
                    got[i]
                );
            }
        }
    }
}

fn check_int_zip<T>(device: &Device, data: impl Fn(usize, u64) -> Vec<T>, signed: bool)
where
    T: compute::Element + Copy + Into<i64> + TryFrom<i64>,
{
    for (k, op) in binops()
        .into_iter()
        .filter(|&op| !compute::testing::is_float_only_bin(op))
        .enumerate()
    {
        for len in lengths() {
            let a = data(len, (k * 131 + len) as u64);
            let mut b = data(len, (k * 137 + len + 1) as u64);
            let mut rng = Rng::new(len as u64);
            for v in b.iter_mut() {
                // zero divisors, -1 (MIN / -1) and small exponents, often
                let pick = rng.next_u64() % 4;
                let small: i64 = match (op, pick) {
                    (BinOp::Pow | BinOp::Shl | BinOp::Shr, _) => {
                        (rng.next_u64() % 40) as i64 - if signed { 5 } else { 0 }
                    }
                    (_, 0) => 0,
                    (_, 1) if signed => -1,
                    _ => continue,
                };
                if let Ok(s) = T::try_from(small) {
                    *v = s;
                }
            }
            let got = compute::zip(device, &a, &b, op)
                .unwrap_or_else(|e| panic!("{op:?} len {len}: {e}"));
            assert_eq!(got.len(), len);
            for i in 0..len {
                let want = ref_int_bin(op, a[i].into(), b[i].into(), signed);
                assert_eq!(
                    got[i].into(),
                    want,
                    "{op:?} len {len} [{i}]: {:?}, {:?}",
                    a[i].into(),
                    b[i].into()
                );
            }
        }
    }
}

#[test]
fn cpu_float_ops_match_reference() {
    check_float_map(&Device::cpu(), Side::Cpu);
}

#[test]
fn gpu_float_ops_match_reference() {
    if let Some(device) = gpu() {
        check_float_map(&device, Side::Gpu);
    }
}

#[test]
fn cpu_i32_ops_match_reference() {
    check_i32_map(&Device::cpu());
}

#[test]
fn gpu_i32_ops_match_reference() {
    if let Some(device) = gpu() {
        check_i32_map(&device);
    }
}

#[test]
fn cpu_u32_ops_match_reference() {
    check_u32_map(&Device::cpu());
}

#[test]
fn gpu_u32_ops_match_reference() {
    if let Some(device) = gpu() {
        check_u32_map(&device);
    }
}

#[test]
fn cpu_float_binops_match_reference() {
    check_float_zip(&Device::cpu(), Side::Cpu);
}

#[test]
fn gpu_float_binops_match_reference() {
    if let Some(device) = gpu() {
        check_float_zip(&device, Side::Gpu);
    }
}

#[test]
fn cpu_i32_binops_match_reference() {
    check_int_zip(&Device::cpu(), i32_data, true);
}

#[test]
fn gpu_i32_binops_match_reference() {
    if let Some(device) = gpu() {
        check_int_zip(&device, i32_data, true);
    }
}

#[test]
fn cpu_u32_binops_match_reference() {
    check_int_zip(&Device::cpu(), u32_data, false);
}

#[test]
fn gpu_u32_binops_match_reference() {
    if let Some(device) = gpu() {
        check_int_zip(&device, u32_data, false);
    }
}

#[test]
fn cpu_f64_ops_match_reference() {
    let device = Device::cpu();
    for len in lengths() {
        let x: Vec<f64> = (0..len).map(|i| (i as f64 - 1000.5) * 0.37).collect();
        let y = compute::map(
            &device,
            &x,
            Op::Scale(2.0)
                .then(Op::Add(1.0))
                .then(Op::Abs)
                .then(Op::Sqrt),
        )
        .unwrap();
        let e = compute::map(&device, &x, Op::Sin.then(Op::Exp)).unwrap();
        let z = compute::zip(&device, &x, &y, BinOp::Mul).unwrap();
        for i in 0..len {
            assert_eq!(y[i], (x[i] * 2.0 + 1.0).abs().sqrt(), "len {len} [{i}]");
            // the crate's own exp (src/math.rs) is within 2 ULP of the C library's
            let want = x[i].sin().exp();
            assert!(
                (e[i] - want).abs() <= 2.0 * f64::EPSILON * want,
                "len {len} [{i}]: {} vs {want}",
                e[i]
            );
            assert_eq!(z[i], x[i] * y[i], "len {len} [{i}]");
        }
    }
}

/// f64 data: spread magnitudes of both signs, small integers and halves (floor, round and
/// divmod edges), zeros.
fn f64_data(len: usize, seed: u64) -> Vec<f64> {
    let mut rng = Rng::new(seed);
    (0..len)
        .map(|i| match i % 4 {
            0 => rng.log_uniform(1e-30, 1e30, true),
            1 => ((rng.next_u64() % 41) as f64 - 20.0) * 0.5,
            2 => [0.0, -0.0, 1.0, -1.0, 2.5, -3.5, 1e300, -1e-300][i % 8],
            _ => rng.uniform(-1e3, 1e3),
        })
        .collect()
}

/// How far apart two f64 are in ULPs (0 for two NaNs of any sign or payload).
fn f64_ulps(a: f64, b: f64) -> u64 {
    if a.is_nan() && b.is_nan() {
        return 0;
    }
    let key = |v: f64| {
        let bits = v.to_bits() as i64;
        if bits < 0 {
            i64::MIN - bits
        } else {
            bits
        }
    };
    key(a).abs_diff(key(b))
}

/// The GPU's f64 transcendental functions (the crate's own f64 algorithms in
/// `shaders/transcendental64.wgsl`), each within [`F64_GPU_ULPS`] of the CPU's answer (both
/// within their own bounds of the exact one; measured worst on lavapipe: 3 ULP, `tan`; the
/// rest 0–2).
const F64_TRANSCENDENTAL: [&str; 23] = [
    "Exp", "Log", "Sin", "Cos", "Tanh", "Sigmoid", "Pow", "Tan", "Arcsin", "Arccos", "Arctan",
    "Sinh", "Cosh", "Arcsinh", "Arccosh", "Arctanh", "Exp2", "Expm1", "Log2", "Log10", "Log1p",
    "Cbrt", "Arctan2",
];
const F64_GPU_ULPS: u64 = 4;

/// Whether the GPU's f64 answer `got` is within its bound of the CPU's (IEEE-exact) `want`
/// for op `name` on `a` (and `b`, the other value or the scalar): WGSL's 2.5 ULP for `/`,
/// its inherited bound for `sqrt` and `hypot`, exact for the rest, but for floor division
/// and remainder where q·b is not exact (q = floor(a / b)) or |a| ≥ 2^53, where the GPU's
/// a - q·b rounds or numpy's `a - fmod(a, b)` does: the quotient within 1 + 4 ULP, the
/// remainder within 2 ULP of a, plus |b|; a transcendental function within [`F64_GPU_ULPS`].
fn f64_close(name: &str, a: f64, b: f64, got: f64, want: f64) -> bool {
    if f64_ulps(got, want) == 0 {
        return true;
    }
    if F64_TRANSCENDENTAL.contains(&name) {
        return f64_ulps(got, want) <= F64_GPU_ULPS;
    }
    let q = (a / b).floor();
    let huge =
        a.abs() >= 2f64.powi(53) || q.abs() >= 2f64.powi(53) || q.mul_add(b, -(q * b)) != 0.0;
    match name {
        // the chain tested ends in `Sqrt`, its one inexact step
        "Div" | "Recip" | "Sqrt" | "Hypot" | "Chain" => f64_ulps(got, want) <= 3,
        "FloorDiv" if huge => (got - want).abs() <= 1.0 + 4.0 * want.abs() * f64::EPSILON,
        "Mod" if huge => (got - want).abs() <= b.abs() + 2.0 * a.abs() * f64::EPSILON,
        _ => false,
    }
}

fn check_f64_on_gpu(device: &Device) {
    let cpu = Device::cpu();
    let mut ops = compute::testing::ops(3.0_f64);
    ops.extend([
        Op::Scale(-0.5),
        Op::Div(7.0),
        Op::Clamp(-2.0, 2.0),
        Op::FloorDiv(-3.0),
        Op::Mod(2.5),
        Op::Scale(2.0)
            .then(Op::Add(1.0))
            .then(Op::Abs)
            .then(Op::Sqrt),
    ]);
    let mut ran = 0;
    // the worst distance from the CPU's answer, per op
    let mut worst = std::collections::BTreeMap::<String, u64>::new();
    let mut note = |name: &str, got: f64, want: f64| {
        let w = worst.entry(name.to_string()).or_default();
        *w = (*w).max(f64_ulps(got, want));
    };
    for (k, op) in ops.iter().enumerate() {
        if compute::testing::is_integer_only(op) {
            continue;
        }
        let name = format!("{op:?}");
        let name = name.split('(').next().unwrap_or_default().to_string();
        for len in lengths() {
            let x = f64_data(len, (k * 7919 + len) as u64);
            let got = compute::map(device, &x, op.clone())
                .unwrap_or_else(|e| panic!("gpu f64 {op:?} len {len}: {e}"));
            let want = compute::map(&cpu, &x, op.clone()).unwrap();
            let scalar = match op {
                Op::FloorDiv(s) | Op::Mod(s) => *s,
                _ => 1.0,
            };
            for i in 0..len {
                note(&name, got[i], want[i]);
                assert!(
                    f64_close(&name, x[i], scalar, got[i], want[i]),
                    "gpu f64 {op:?} len {len} [{i}]: x = {:e}, got {:e}, CPU {:e}",
                    x[i],
                    got[i],
                    want[i]
                );
            }
            ran += 1;
        }
    }
    for (k, op) in binops().into_iter().enumerate() {
        if compute::testing::is_integer_only_bin(op) {
            continue;
        }
        for len in lengths() {
            let a = f64_data(len, (k * 131 + len) as u64);
            let b = f64_data(len, (k * 137 + len + 1) as u64);
            let got = compute::zip(device, &a, &b, op)
                .unwrap_or_else(|e| panic!("gpu f64 {op:?} len {len}: {e}"));
            let want = compute::zip(&cpu, &a, &b, op).unwrap();
            for i in 0..len {
                note(&format!("{op:?}"), got[i], want[i]);
                assert!(
                    f64_close(&format!("{op:?}"), a[i], b[i], got[i], want[i]),
                    "gpu f64 {op:?} len {len} [{i}]: {:e}, {:e}: got {:e}, CPU {:e}",
                    a[i],
                    b[i],
                    got[i],
                    want[i]
                );
            }
            ran += 1;
        }
    }
    // divmod where a quotient is an integer or just off one (a GPU's `/` may round below
    // it; 1 // 0.1 is 9, where a driver that does not fuse fma gives 10: q·b is inexact)
    let a: [f64; 10] = [6.0, 1.0, 0.3, -0.3, 7.5, -1e-16, 1e-16, 9.0, -9.0, 0.7];
    let b: [f64; 10] = [3.0, 0.1, 0.1, 0.1, 2.5, 3.0, -3.0, 0.3, 0.3, 0.1];
    for op in [BinOp::FloorDiv, BinOp::Mod] {
        let got = compute::zip(device, a, b, op).unwrap();
        let want = compute::zip(&cpu, a, b, op).unwrap();
        for i in 0..a.len() {
            assert!(
                f64_close(&format!("{op:?}"), a[i], b[i], got[i], want[i]),
                "{op:?} {} {}: got {}, CPU {}",
                a[i],
                b[i],
                got[i],
                want[i]
            );
        }
    }
    let transcendental: Vec<String> = worst
        .iter()
        .filter(|(name, _)| F64_TRANSCENDENTAL.contains(&name.as_str()))
        .map(|(name, ulps)| format!("{name} {ulps}"))
        .collect();
    eprintln!(
        "f64 transcendentals on the GPU, worst ULPs from the CPU: {}",
        transcendental.join(", ")
    );
    assert!(ran > 500, "ran {ran}");
}

#[test]
fn gpu_f64_ops_match_the_cpu_where_the_adapter_has_f64() {
    use std::io::Write as _;
    let Some(device) = gpu() else { return };
    let runs = device.gpu_runs::<f64>();
    let name = device.gpu_name().unwrap_or_default();
    let _ = writeln!(std::io::stderr(), "f64 kernels on {name}: {runs}");
    if runs {
        check_f64_on_gpu(&device);
    } else {
        let err = compute::map(&device, [1.0_f64, 2.0], Op::Sqrt).unwrap_err();
        assert!(matches!(err, compute::Error::Unsupported { .. }), "{err}");
    }
    // auto never sends f64 to a GPU that lacks it, nor a user kernel calling a WGSL
    // transcendental built-in to any GPU
    let auto = Device::auto_any();
    let custom = Op::custom("exp(x) + 1.0", |x: f64| x.exp() + 1.0).unwrap();
    assert_eq!(auto.choose(&custom, 1 << 30), compute::Backend::Cpu);
    if !runs {
        for op in [Op::<f64>::Sqrt, Op::Exp] {
            assert_eq!(auto.choose(&op, 1 << 30), compute::Backend::Cpu);
        }
    }
}

#[test]
fn gpu_adapter_is_the_one_asked_for() {
    use std::io::Write as _;
    if let Some(device) = gpu() {
        let name = device.gpu_name().unwrap_or_default();
        let _ = writeln!(std::io::stderr(), "GPU tests run on: {name}");
        // WGPU_BACKEND=vulkan|gl picks the software adapter CI tests on; make sure it did.
        if let Ok(wanted) = std::env::var("WGPU_BACKEND") {
            let backend = if wanted.eq_ignore_ascii_case("gl") {
                "Gl"
            } else {
                "Vulkan"
            };
            assert!(name.contains(backend), "asked for {wanted}, got {name}");
        }
    }
}
