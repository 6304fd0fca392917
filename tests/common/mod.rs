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
        Op::Chain(chain) => chain
            .ops()
            .iter()
            .fold(x, |v, op| f64::from(ref_float(op, v) as f32)),
        other => panic!("no reference for {other:?}"),
    }
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
            Op::Chain(chain) => chain_bound(chain.ops(), x, side),
            _ => Bound::EXACT,
        },
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
