//! Shared by the integration tests: the backends to run each test body on, an f64 reference
//! of every op, each op's error bound per backend, and deterministic test data.
#![allow(dead_code, unreachable_pub)]

use std::io::Write as _;

use compute::{BinOp, Device, Op};

/// Lengths every agreement test runs: the edge cases, either side of a workgroup (64, 256),
/// of a CPU block (4,096), of the 16-bit dispatch boundary in elements (65,536) and of the
/// CPU's parallel threshold.
pub fn lengths() -> Vec<usize> {
    let p = compute::testing::CPU_PARALLEL_MIN;
    let b = compute::testing::CPU_BLOCK;
    vec![
        0,
        1,
        2,
        63,
        64,
        65,
        255,
        256,
        257,
        b - 1,
        b,
        b + 1,
        65_537,
        p - 1,
        p,
        p + 1,
    ]
}

/// Whether GPU tests must run (CI sets `COMPUTE_REQUIRE_GPU=1`, on a software adapter).
pub fn gpu_required() -> bool {
    std::env::var("COMPUTE_REQUIRE_GPU").is_ok_and(|v| v == "1")
}

/// The GPU device, or `None` after saying the test skipped; panics when a GPU is required.
/// Writes to the process's stderr directly so the note shows through test capture.
pub fn gpu() -> Option<Device> {
    match Device::gpu() {
        Ok(device) => Some(device),
        Err(e) if gpu_required() => panic!("COMPUTE_REQUIRE_GPU=1 but no GPU: {e}"),
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "SKIPPED GPU test: {e}");
            None
        }
    }
}

/// Which backend a test body runs on, for the bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Cpu,
    Gpu,
}

/// A small deterministic generator (xorshift64*), so failures reproduce.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in [lo, hi).
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Sign times a log-uniform magnitude in [lo, hi).
    pub fn log_uniform(&mut self, lo: f64, hi: f64, signed: bool) -> f64 {
        let m = (self.uniform(lo.ln(), hi.ln())).exp();
        if signed && self.next_u64() & 1 == 1 {
            -m
        } else {
            m
        }
    }
}

/// f32 test data for `op` on `side`: inside the domain where the backend's bound holds, with
/// exact integers, ±0 and ±1 mixed in.
pub fn f32_data(op: &Op<f32>, len: usize, seed: u64, side: Side) -> Vec<f32> {
    let mut rng = Rng::new(seed);
    (0..len)
        .map(|i| {
            let v = match (op, side) {
                (Op::Sqrt | Op::Log, _) => rng.log_uniform(1e-3, 1e4, false),
                (Op::Exp, _) => rng.uniform(-80.0, 80.0),
                (Op::Sin | Op::Cos, Side::Gpu) => {
                    rng.uniform(-std::f64::consts::PI, std::f64::consts::PI)
                }
                (Op::Sin | Op::Cos, Side::Cpu) => rng.uniform(-1e4, 1e4),
                (Op::Tanh | Op::Sigmoid, _) => rng.uniform(-30.0, 30.0),
                (Op::Tan, Side::Gpu) => rng.uniform(-1.4, 1.4),
                (Op::Tan, Side::Cpu) => rng.uniform(-1e4, 1e4),
                (Op::Arcsin | Op::Arccos | Op::Arctanh, Side::Gpu) => rng.uniform(-0.99, 0.99),
                (Op::Arcsin | Op::Arccos | Op::Arctanh, Side::Cpu) => rng.uniform(-1.0, 1.0),
                (Op::Arccosh, _) => 1.0 + rng.log_uniform(1e-6, 1e4, false),
                (Op::Sinh | Op::Cosh, _) => rng.uniform(-80.0, 80.0),
                (Op::Exp2, _) => rng.uniform(-120.0, 120.0),
                (Op::Expm1, _) => rng.log_uniform(1e-6, 80.0, true),
                (Op::Log2 | Op::Log10, _) => rng.log_uniform(1e-3, 1e4, false),
                (Op::Cbrt | Op::Arctan | Op::Arcsinh, _) => rng.log_uniform(1e-4, 1e4, true),
                (Op::Log1p, _) if i % 2 == 0 => rng.log_uniform(1e-6, 1e4, false),
                (Op::Log1p, _) => -rng.log_uniform(1e-6, 0.99, false),
                (Op::Pow(y), _) if y.fract() != 0.0 => rng.log_uniform(0.1, 10.0, false),
                (Op::Pow(_), _) => rng.log_uniform(0.1, 10.0, true),
                _ => match i % 7 {
                    0 => (rng.next_u64() % 200) as f64 - 100.0,
                    1 => [0.0, -0.0, 1.0, -1.0, 0.5, -2.5][i % 6],
                    _ => rng.log_uniform(1e-3, 1e3, true),
                },
            };
            v as f32
        })
        .collect()
}

/// i32 test data: full-range values, small values and the extremes.
pub fn i32_data(len: usize, seed: u64) -> Vec<i32> {
    let mut rng = Rng::new(seed);
    (0..len)
        .map(|i| match i % 5 {
            0 => rng.next_u64() as i32,
            1 => [0, 1, -1, i32::MIN, i32::MAX, 2, -2][i % 7],
            _ => (rng.next_u64() % 2001) as i32 - 1000,
        })
        .collect()
}

/// u32 test data: full-range values, small values and the extremes.
pub fn u32_data(len: usize, seed: u64) -> Vec<u32> {
    i32_data(len, seed).into_iter().map(|v| v as u32).collect()
}

/// numpy's `maximum`/`minimum` in f64: NaN in either operand gives NaN.
fn nan_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.max(b)
    }
}
fn nan_min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.min(b)
    }
}

/// The f64 reference of one float op step. Computed in f64 and rounded once, `+ - * / sqrt`
/// give the correctly rounded f32 answer.
pub fn ref_float(op: &Op<f32>, x: f64) -> f64 {
    let p = |v: &f32| f64::from(*v);
    match op {
        Op::Scale(s) => x * p(s),
        Op::Add(s) => x + p(s),
        Op::Sub(s) => x - p(s),
        Op::Div(s) => x / p(s),
        Op::Min(s) => nan_min(x, p(s)),
        Op::Max(s) => nan_max(x, p(s)),
        Op::Clamp(lo, hi) => nan_min(nan_max(x, p(lo)), p(hi)),
        Op::Pow(s) => x.powf(p(s)),
        Op::Neg => -x,
        Op::Abs => x.abs(),
        Op::Square => x * x,
        Op::Sqrt => x.sqrt(),
        Op::Recip => 1.0 / x,
        Op::Exp => x.exp(),
        Op::Log => x.ln(),
        Op::Sin => x.sin(),
        Op::Cos => x.cos(),
        Op::Tanh => x.tanh(),
        Op::Sigmoid => 1.0 / (1.0 + (-x).exp()),
        Op::Relu => nan_max(x, 0.0),
        Op::Floor => x.floor(),
        Op::Ceil => x.ceil(),
        Op::Round => x.round_ties_even(),
        Op::Tan => x.tan(),
        Op::Arcsin => x.asin(),
        Op::Arccos => x.acos(),
        Op::Arctan => x.atan(),
        Op::Sinh => x.sinh(),
        Op::Cosh => x.cosh(),
        Op::Arcsinh => x.asinh(),
        Op::Arccosh => x.acosh(),
        Op::Arctanh => x.atanh(),
        Op::Exp2 => x.exp2(),
        Op::Expm1 => x.exp_m1(),
        Op::Log2 => x.log2(),
        Op::Log10 => x.log10(),
        Op::Log1p => x.ln_1p(),
        Op::Cbrt => x.cbrt(),
        Op::Sign => numpy_sign(x),
        Op::IsNan => indicator(x.is_nan()),
        Op::IsInf => indicator(x.is_infinite()),
        Op::IsFinite => indicator(x.is_finite()),
        Op::LogicalNot => indicator(x == 0.0),
        // f32's own arithmetic: the answer's steps round in f32 (numpy's float32 divmod)
        Op::FloorDiv(s) => f64::from(numpy_divmod(x as f32, *s).0),
        Op::Mod(s) => f64::from(numpy_divmod(x as f32, *s).1),
        Op::Chain(chain) => chain
            .ops()
            .iter()
            .fold(x, |v, op| f64::from(ref_float(op, v) as f32)),
        other => panic!("no reference for {other:?}"),
    }
}

fn indicator(holds: bool) -> f64 {
    if holds {
        1.0
    } else {
        0.0
    }
}

/// numpy's `sign`: ±0 gives +0, NaN stays NaN.
pub fn numpy_sign(x: f64) -> f64 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else if x == 0.0 {
        0.0
    } else {
        x
    }
}

/// numpy's float32 `divmod` (`npy_divmod`, in f32 arithmetic): `(a // b, a % b)`.
pub fn numpy_divmod(a: f32, b: f32) -> (f32, f32) {
    if b == 0.0 {
        return (a / b, a % b);
    }
    let mut m = a % b;
    let mut div = (a - m) / b;
    if m != 0.0 {
        if (b < 0.0) != (m < 0.0) {
            m += b;
            div -= 1.0;
        }
    } else {
        m = 0.0_f32.copysign(b);
    }
    let q = if div != 0.0 {
        let f = div.floor();
        if div - f > 0.5 {
            f + 1.0
        } else {
            f
        }
    } else {
        0.0_f32.copysign(a / b)
    };
    (q, m)
}

/// The f64 reference of a float binary op.
pub fn ref_float_bin(op: BinOp, a: f64, b: f64) -> f64 {
    match op {
        BinOp::Add => a + b,
        BinOp::Sub => a - b,
        BinOp::Mul => a * b,
        BinOp::Div => a / b,
        BinOp::Min => nan_min(a, b),
        BinOp::Max => nan_max(a, b),
        BinOp::Pow => a.powf(b),
        BinOp::Arctan2 => a.atan2(b),
        BinOp::Hypot => a.hypot(b),
        BinOp::Copysign => a.copysign(b),
        BinOp::FloorDiv => f64::from(numpy_divmod(a as f32, b as f32).0),
        BinOp::Mod => f64::from(numpy_divmod(a as f32, b as f32).1),
        BinOp::LogicalAnd => indicator(a != 0.0 && b != 0.0),
        BinOp::LogicalOr => indicator(a != 0.0 || b != 0.0),
        BinOp::LogicalXor => indicator((a != 0.0) != (b != 0.0)),
        other => panic!("no float reference for {other:?}"),
    }
}

/// Exact integer reference in i64 arithmetic, wrapped to 32 bits at the end; `signed`
/// chooses the i32 or u32 reading of the operands (given as their i64 values).
pub fn ref_int(op: &Op<i64>, x: i64, signed: bool) -> i64 {
    let wrap = |v: i128| -> i64 {
        if signed {
            i64::from(v as i32)
        } else {
            i64::from(v as u32)
        }
    };
    let x128 = i128::from(x);
    match op {
        Op::Scale(s) => wrap(x128 * i128::from(*s)),
        Op::Add(s) => wrap(x128 + i128::from(*s)),
        Op::Sub(s) => wrap(x128 - i128::from(*s)),
        Op::Div(s) => ref_int_div(x, *s, signed),
        Op::Min(s) => x.min(*s),
        Op::Max(s) => x.max(*s),
        Op::Clamp(lo, hi) => x.max(*lo).min(*hi),
        Op::Pow(e) => ref_int_pow(x, *e, signed),
        Op::Neg => wrap(-x128),
        Op::Abs => wrap(x128.abs()),
        Op::Square => wrap(x128 * x128),
        Op::Relu => x.max(0),
        Op::Floor | Op::Ceil | Op::Round => x,
        Op::Sign => x.signum(),
        Op::IsNan | Op::IsInf => 0,
        Op::IsFinite => 1,
        Op::LogicalNot => i64::from(x == 0),
        Op::Invert => wrap(!x128),
        Op::FloorDiv(s) => ref_int_floor_div(x, *s, signed),
        Op::Mod(s) => ref_int_mod(x, *s, signed),
        Op::Shl(s) => ref_int_shift(x, *s, signed, true),
        Op::Shr(s) => ref_int_shift(x, *s, signed, false),
        other => panic!("no integer reference for {other:?}"),
    }
}

/// numpy's integer division: 0 for a zero divisor; truncation toward zero; MIN / -1 wraps.
pub fn ref_int_div(a: i64, b: i64, signed: bool) -> i64 {
    if b == 0 {
        return 0;
    }
    let q = i128::from(a) / i128::from(b);
    if signed {
        i64::from(q as i32)
    } else {
        i64::from(q as u32)
    }
}

fn wrap32(v: i128, signed: bool) -> i64 {
    if signed {
        i64::from(v as i32)
    } else {
        i64::from(v as u32)
    }
}

/// numpy's integer `//`: rounded toward −∞, 0 for a zero divisor, wrapped (MIN // -1).
pub fn ref_int_floor_div(a: i64, b: i64, signed: bool) -> i64 {
    if b == 0 {
        return 0;
    }
    wrap32(
        i128::from(a).div_euclid(i128::from(b)) - i128::from(a.rem_euclid(b) != 0 && b < 0),
        signed,
    )
}

/// numpy's integer `%`: the divisor's sign, 0 for a zero divisor.
pub fn ref_int_mod(a: i64, b: i64, signed: bool) -> i64 {
    if b == 0 {
        return 0;
    }
    let r = a.rem_euclid(b.abs());
    wrap32(i128::from(if b < 0 && r != 0 { r + b } else { r }), signed)
}

/// numpy's shifts on 32-bit integers: the count read as unsigned; at or past 32, a left
/// shift gives 0 and a right shift the sign (-1 or 0).
pub fn ref_int_shift(a: i64, count: i64, signed: bool, left: bool) -> i64 {
    let n = count as u32 as u64;
    let bits: i128 = if signed {
        i128::from(a as i32)
    } else {
        i128::from(a as u32)
    };
    if n >= 32 {
        return if left || bits >= 0 { 0 } else { -1 };
    }
    if left {
        wrap32(bits << n, signed)
    } else {
        wrap32(bits >> n, signed)
    }
}

/// Integer power by repeated multiplication, wrapped; a negative exponent truncates 1/x^-e.
pub fn ref_int_pow(x: i64, e: i64, signed: bool) -> i64 {
    if e < 0 {
        return match x {
            1 => 1,
            -1 => {
                if e % 2 == 0 {
                    1
                } else {
                    -1
                }
            }
            _ => 0,
        };
    }
    let mut acc: i64 = 1;
    for _ in 0..e {
        let v = i128::from(acc) * i128::from(x);
        acc = if signed {
            i64::from(v as i32)
        } else {
            i64::from(v as u32)
        };
    }
    acc
}

/// The reference of an integer binary op.
pub fn ref_int_bin(op: BinOp, a: i64, b: i64, signed: bool) -> i64 {
    let wrap = |v: i128| -> i64 {
        if signed {
            i64::from(v as i32)
        } else {
            i64::from(v as u32)
        }
    };
    match op {
        BinOp::Add => wrap(i128::from(a) + i128::from(b)),
        BinOp::Sub => wrap(i128::from(a) - i128::from(b)),
        BinOp::Mul => wrap(i128::from(a) * i128::from(b)),
        BinOp::Div => ref_int_div(a, b, signed),
        BinOp::Min => a.min(b),
        BinOp::Max => a.max(b),
        BinOp::Pow => ref_int_pow(a, b, signed),
        BinOp::FloorDiv => ref_int_floor_div(a, b, signed),
        BinOp::Mod => ref_int_mod(a, b, signed),
        BinOp::LogicalAnd => i64::from(a != 0 && b != 0),
        BinOp::LogicalOr => i64::from(a != 0 || b != 0),
        BinOp::LogicalXor => i64::from((a != 0) != (b != 0)),
        BinOp::BitAnd => wrap(i128::from(a & b)),
        BinOp::BitOr => wrap(i128::from(a | b)),
        BinOp::BitXor => wrap(i128::from(a ^ b)),
        BinOp::Shl => ref_int_shift(a, b, signed, true),
        BinOp::Shr => ref_int_shift(a, b, signed, false),
        other => panic!("no integer reference for {other:?}"),
    }
}

/// One unit in the last place of `v` as an f32 (subnormal spacing below 2^-126).
pub fn ulp32(v: f32) -> f64 {
    let e = ((v.abs().to_bits() >> 23) & 0xff) as i32;
    if e == 0 {
        2f64.powi(-149)
    } else {
        2f64.powi(e - 127 - 23)
    }
}

/// An error bound: `ulps` units in the last place of the rounded reference plus `abs`.
#[derive(Clone, Copy, Debug)]
pub struct Bound {
    pub ulps: f64,
    pub abs: f64,
}

impl Bound {
    pub const EXACT: Bound = Bound {
        ulps: 0.0,
        abs: 0.0,
    };
    pub fn ulps(ulps: f64) -> Bound {
        Bound { ulps, abs: 0.0 }
    }
}

const EPS32: f64 = 1.0 / (1u64 << 23) as f64;

/// Each op's documented bound on `side` for input `x` (see README: IEEE on the CPU, with
/// transcendentals within 4 ULP; WGSL's accuracy table on the GPU).
pub fn bound(op: &Op<f32>, x: f64, side: Side) -> Bound {
    match side {
        Side::Cpu => match op {
            Op::Exp | Op::Log | Op::Sin | Op::Cos | Op::Tanh | Op::Sigmoid | Op::Pow(_) => {
                Bound::ulps(4.0)
            }
            op if is_elementary(op) => Bound::ulps(4.0),
            Op::Chain(chain) => chain_bound(chain.ops(), x, side),
            _ => Bound::EXACT,
        },
        Side::Gpu => match op {
            Op::Div(_) | Op::Recip => Bound::ulps(2.5),
            // inherited from 1 / inverseSqrt(x): 2 ULP, then a 2.5 ULP division
            Op::Sqrt => Bound::ulps(5.0),
            Op::Exp => Bound::ulps(3.0 + 2.0 * x.abs()),
            Op::Log if (0.5..=2.0).contains(&x) => Bound {
                ulps: 0.0,
                abs: 2f64.powi(-21),
            },
            Op::Log => Bound::ulps(3.0),
            Op::Sin | Op::Cos => Bound {
                ulps: 0.0,
                abs: 2f64.powi(-11),
            },
            // sinh / cosh from exp(±x): (3 + 2|x|) ULP each, absolute once divided
            Op::Tanh => Bound {
                ulps: 2.5,
                abs: (2.0 * (3.0 + 2.0 * x.abs().min(10.0)) + 3.0) * EPS32,
            },
            Op::Sigmoid => Bound {
                ulps: 6.0 + 2.0 * x.abs().min(88.0),
                abs: 2f64.powi(-126),
            },
            Op::Pow(y) => pow_bound(x, f64::from(*y)),
            op if is_elementary(op) => gpu_elementary_bound(op, x),
            Op::Chain(chain) => chain_bound(chain.ops(), x, side),
            _ => Bound::EXACT,
        },
    }
}

/// Whether `op` is one of numpy's other float functions (`Tan` to `Cbrt`).
pub fn is_elementary(op: &Op<f32>) -> bool {
    matches!(
        op,
        Op::Tan
            | Op::Arcsin
            | Op::Arccos
            | Op::Arctan
            | Op::Sinh
            | Op::Cosh
            | Op::Arcsinh
            | Op::Arccosh
            | Op::Arctanh
            | Op::Exp2
            | Op::Expm1
            | Op::Log2
            | Op::Log10
            | Op::Log1p
            | Op::Cbrt
    )
}

/// The GPU's bound for numpy's other float functions: WGSL's own (4096 ULP for the arc
/// functions; exp's 3 + 2|x| ULP and log's 2^-21 absolute carried through the formula each
/// built-in is inherited from).
fn gpu_elementary_bound(op: &Op<f32>, x: f64) -> Bound {
    let exp_ulps = 3.0 + 2.0 * x.abs();
    let log_abs = 2f64.powi(-20);
    match op {
        Op::Tan => {
            let t = x.tan();
            Bound {
                ulps: 4.0,
                abs: 2f64.powi(-10) * (1.0 + t * t),
            }
        }
        Op::Arcsin | Op::Arccos | Op::Arctan => Bound {
            ulps: 4096.0,
            abs: 2f64.powi(-20),
        },
        Op::Sinh | Op::Cosh => Bound {
            ulps: 2.0 * exp_ulps + 2.0,
            abs: exp_ulps * EPS32 * x.cosh(),
        },
        Op::Arcsinh | Op::Arccosh | Op::Arctanh | Op::Log2 | Op::Log10 | Op::Log1p => Bound {
            ulps: 8.0,
            abs: log_abs,
        },
        Op::Exp2 => Bound::ulps(3.0 + 2.0 * (x * std::f64::consts::LN_2).abs()),
        Op::Expm1 => Bound {
            ulps: 4.0,
            abs: exp_ulps * EPS32 * x.exp(),
        },
        Op::Cbrt => pow_bound(x.abs(), 1.0 / 3.0),
        _ => Bound::EXACT,
    }
}

/// Each binary op's documented bound on `side` at `(a, b)`.
pub fn bin_bound(op: BinOp, a: f64, b: f64, side: Side) -> Bound {
    match (op, side) {
        (BinOp::Pow, Side::Cpu) | (BinOp::Arctan2 | BinOp::Hypot, Side::Cpu) => Bound::ulps(4.0),
        (BinOp::Div, Side::Gpu) => Bound::ulps(2.5),
        (BinOp::Pow, Side::Gpu) => pow_bound(a, b),
        (BinOp::Arctan2, Side::Gpu) => Bound {
            ulps: 4096.0,
            abs: 2f64.powi(-20),
        },
        (BinOp::Hypot, Side::Gpu) => Bound::ulps(10.0),
        _ => Bound::EXACT,
    }
}

/// A chain's bound is its last step's, at that step's input: the tests' chains are exact
/// steps followed by at most one rounded one.
fn chain_bound(ops: &[Op<f32>], x: f64, side: Side) -> Bound {
    match ops.split_last() {
        Some((last, init)) => {
            let input = init
                .iter()
                .fold(x, |v, op| f64::from(ref_float(op, v) as f32));
            bound(last, input, side)
        }
        None => Bound::EXACT,
    }
}

/// WGSL's pow is exp2(y * log2(|x|)): log2's error (2^-21 absolute on [0.5, 2], else 3 ULP)
/// scaled by |y|, then exp2's 3 + 2|t| ULP.
pub fn pow_bound(x: f64, y: f64) -> Bound {
    let l = x.abs().log2();
    let log_err = if (0.5..=2.0).contains(&x.abs()) {
        2f64.powi(-21)
    } else {
        3.0 * l.abs() * EPS32
    };
    let t = y * l;
    Bound::ulps(
        3.0 + 2.0 * t.abs()
            + (std::f64::consts::LN_2 * (y.abs() * log_err + t.abs() * EPS32)) / EPS32,
    )
}

/// Whether `got` is within `bound` of the reference `want` (NaN matches NaN; ±0 match; on
/// the GPU a subnormal reference may be flushed to zero).
pub fn close(got: f32, want: f64, bound: Bound, side: Side) -> bool {
    let rounded = want as f32;
    if rounded.is_nan() {
        return got.is_nan();
    }
    if got == rounded {
        return true;
    }
    if rounded.is_infinite() || got.is_infinite() || got.is_nan() {
        return false;
    }
    if side == Side::Gpu && rounded.abs() < f32::MIN_POSITIVE && got.abs() < f32::MIN_POSITIVE {
        return true;
    }
    let err = (f64::from(got) - f64::from(rounded)).abs();
    err <= bound.ulps * ulp32(rounded) + bound.abs
}

/// An integer op with its parameters widened to i64, for the reference.
pub fn widen<T: Copy + Into<i64> + std::fmt::Debug>(op: &Op<T>) -> Op<i64> {
    let w = |v: &T| -> i64 { (*v).into() };
    match op {
        Op::Scale(s) => Op::Scale(w(s)),
        Op::Add(s) => Op::Add(w(s)),
        Op::Sub(s) => Op::Sub(w(s)),
        Op::Div(s) => Op::Div(w(s)),
        Op::Min(s) => Op::Min(w(s)),
        Op::Max(s) => Op::Max(w(s)),
        Op::Clamp(lo, hi) => Op::Clamp(w(lo), w(hi)),
        Op::Pow(s) => Op::Pow(w(s)),
        Op::Neg => Op::Neg,
        Op::Abs => Op::Abs,
        Op::Square => Op::Square,
        Op::Relu => Op::Relu,
        Op::Floor => Op::Floor,
        Op::Ceil => Op::Ceil,
        Op::Round => Op::Round,
        Op::Sign => Op::Sign,
        Op::IsNan => Op::IsNan,
        Op::IsInf => Op::IsInf,
        Op::IsFinite => Op::IsFinite,
        Op::LogicalNot => Op::LogicalNot,
        Op::Invert => Op::Invert,
        Op::FloorDiv(s) => Op::FloorDiv(w(s)),
        Op::Mod(s) => Op::Mod(w(s)),
        Op::Shl(s) => Op::Shl(w(s)),
        Op::Shr(s) => Op::Shr(w(s)),
        Op::Chain(chain) => {
            let mut ops = chain.ops().iter().map(widen);
            let first = ops.next().expect("chains are never empty");
            ops.fold(first, Op::then)
        }
        other => panic!("not an integer op: {other:?}"),
    }
}

/// The integer reference of a (possibly chained) op.
pub fn ref_int_op(op: &Op<i64>, x: i64, signed: bool) -> i64 {
    match op {
        Op::Chain(chain) => chain.ops().iter().fold(x, |v, op| ref_int(op, v, signed)),
        op => ref_int(op, x, signed),
    }
}
