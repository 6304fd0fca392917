//! numpy's own answers for the edge cases of `//`, `%`, shifts, bitwise and logical ops,
//! `sign`, the predicates, `copysign`, `arctan2`, `hypot` and the other float functions,
//! recorded by `tests/numpy_answers.py` in `tests/data/numpy_answers.txt` (rerun it to
//! compare with another numpy). Each case runs through the public API: every op on the
//! CPU; on the GPU the ops whose answers are exact there (integers, and the float ops built
//! from bits: `sign`, the predicates, `copysign`, the logical ops), since WGSL leaves the
//! rest of ±∞ and NaN open.
//!
//! Integer answers and the exact float ones must match bit for bit (a NaN matches any NaN:
//! numpy's sign of a NaN it makes is the platform's); the float functions' other answers
//! within their 4 ULP bound. The casts run on the CPU and on the GPU (the pairs of types
//! it runs).

mod common;

use compute::{BinOp, Device, Element, Op};

const ANSWERS: &str = include_str!("data/numpy_answers.txt");

/// One line of the file.
struct Case<'a> {
    op: &'a str,
    dtype: &'a str,
    a: &'a str,
    b: &'a str,
    out: &'a str,
    line: usize,
}

fn cases() -> Vec<Case<'static>> {
    ANSWERS
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.starts_with('#') && !l.trim().is_empty())
        .map(|(i, l)| {
            let f: Vec<&str> = l.split(' ').collect();
            assert_eq!(f.len(), 5, "line {}: {l}", i + 1);
            Case {
                op: f[0],
                dtype: f[1],
                a: f[2],
                b: f[3],
                out: f[4],
                line: i + 1,
            }
        })
        .collect()
}

/// What the crate calls a numpy function.
enum Call<T> {
    Un(Op<T>),
    Bin(BinOp),
}

fn call<T: Element>(name: &str) -> Option<Call<T>> {
    use Call::{Bin, Un};
    Some(match name {
        "floor_divide" => Bin(BinOp::FloorDiv),
        "remainder" => Bin(BinOp::Mod),
        "left_shift" => Bin(BinOp::Shl),
        "right_shift" => Bin(BinOp::Shr),
        "bitwise_and" => Bin(BinOp::BitAnd),
        "bitwise_or" => Bin(BinOp::BitOr),
        "bitwise_xor" => Bin(BinOp::BitXor),
        "logical_and" => Bin(BinOp::LogicalAnd),
        "logical_or" => Bin(BinOp::LogicalOr),
        "copysign" => Bin(BinOp::Copysign),
        "arctan2" => Bin(BinOp::Arctan2),
        "hypot" => Bin(BinOp::Hypot),
        "invert" => Un(Op::Invert),
        "sign" => Un(Op::Sign),
        "isnan" => Un(Op::IsNan),
        "isinf" => Un(Op::IsInf),
        "isfinite" => Un(Op::IsFinite),
        "logical_not" => Un(Op::LogicalNot),
        "tan" => Un(Op::Tan),
        "arcsin" => Un(Op::Arcsin),
        "arccos" => Un(Op::Arccos),
        "arctan" => Un(Op::Arctan),
        "sinh" => Un(Op::Sinh),
        "cosh" => Un(Op::Cosh),
        "arcsinh" => Un(Op::Arcsinh),
        "arccosh" => Un(Op::Arccosh),
        "arctanh" => Un(Op::Arctanh),
        "exp2" => Un(Op::Exp2),
        "expm1" => Un(Op::Expm1),
        "log2" => Un(Op::Log2),
        "log10" => Un(Op::Log10),
        "log1p" => Un(Op::Log1p),
        "cbrt" => Un(Op::Cbrt),
        _ => return None,
    })
}

/// Whether `op`'s answers on the GPU are exact by construction (bits, integers).
fn exact_on_gpu(op: &str, float: bool) -> bool {
    !float
        || matches!(
            op,
            "sign"
                | "isnan"
                | "isinf"
                | "isfinite"
                | "logical_not"
                | "logical_and"
                | "logical_or"
                | "copysign"
        )
}

/// A value of one element type, parsed from the file and compared with an answer.
trait Value: Element + Copy + std::fmt::Debug {
    const DTYPE: &'static str;
    const FLOAT: bool;
    fn parse(s: &str) -> Self;
    /// Whether `self` is numpy's `want`; `close` allows the float functions their bound.
    fn matches(self, want: Self, close: bool) -> bool;
}

macro_rules! int_value {
    ($t:ty, $name:expr) => {
        impl Value for $t {
            const DTYPE: &'static str = $name;
            const FLOAT: bool = false;
            fn parse(s: &str) -> Self {
                s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
            }
            fn matches(self, want: Self, _close: bool) -> bool {
                self == want
            }
        }
    };
}
int_value!(i32, "int32");
int_value!(u32, "uint32");
int_value!(i64, "int64");
int_value!(u64, "uint64");

macro_rules! float_value {
    ($t:ty, $bits:ty, $name:expr) => {
        impl Value for $t {
            const DTYPE: &'static str = $name;
            const FLOAT: bool = true;
            fn parse(s: &str) -> Self {
                match s.strip_prefix("0x") {
                    Some(hex) => <$t>::from_bits(<$bits>::from_str_radix(hex, 16).unwrap()),
                    // the predicates' answers are written 0 or 1
                    None => s.parse::<u8>().map(<$t>::from).unwrap(),
                }
            }
            fn matches(self, want: Self, close: bool) -> bool {
                if want.is_nan() || self.is_nan() {
                    return want.is_nan() && self.is_nan();
                }
                if self.to_bits() == want.to_bits() {
                    return true;
                }
                // exact answers (±0, ±∞, small integers) must be met exactly, others within
                // 4 ULP
                let small_integer = want.fract() == 0.0 && want.abs() <= 1e6;
                if !close || want == 0.0 || want.is_infinite() || small_integer {
                    return false;
                }
                let ulp = <$t>::from_bits(want.abs().to_bits() + 1) - want.abs();
                ((self - want) / ulp).abs() <= 4.0
            }
        }
    };
}
float_value!(f32, u32, "float32");
float_value!(f64, u64, "float64");

/// Every case of type `T` on `device` (`gpu`: only those exact there); the cases run.
fn check<T: Value>(device: &Device, gpu: bool) -> usize {
    let mut failures = Vec::new();
    let mut run = 0;
    for case in cases().into_iter().filter(|c| c.dtype == T::DTYPE) {
        let Some(op) = call::<T>(case.op) else {
            continue;
        };
        // on the GPU: the exact ops; for f64 also the float functions (the crate's own there,
        // within their bound), but for `//` and `%` (lavapipe's f64 fma rounds twice)
        let f64_function =
            T::DTYPE == "float64" && !matches!(case.op, "floor_divide" | "remainder");
        if gpu && !exact_on_gpu(case.op, T::FLOAT) && !f64_function {
            continue;
        }
        let (a, want) = (T::parse(case.a), T::parse(case.out));
        let got = match &op {
            Call::Un(op) => compute::map(device, [a], op.clone()),
            Call::Bin(op) => compute::zip(device, [a], [T::parse(case.b)], *op),
        };
        let close = matches!(op, Call::Un(_)) && !exact_on_gpu(case.op, T::FLOAT)
            || matches!(case.op, "arctan2" | "hypot");
        match got {
            Ok(got) if got[0].matches(want, close) => {}
            Ok(got) => failures.push(format!(
                "line {}: {} {} {} {}: got {:?}, numpy {:?}",
                case.line, case.op, case.dtype, case.a, case.b, got[0], want
            )),
            Err(e) => failures.push(format!("line {}: {}: {e}", case.line, case.op)),
        }
        run += 1;
    }
    assert!(
        failures.is_empty(),
        "{} of {run} {} cases differ from numpy:\n{}",
        failures.len(),
        T::DTYPE,
        failures.join("\n")
    );
    run
}

#[test]
fn cpu_answers_are_numpys() {
    let device = Device::cpu();
    let run = check::<i32>(&device, false)
        + check::<u32>(&device, false)
        + check::<f32>(&device, false)
        + check::<f64>(&device, false)
        + check::<i64>(&device, false)
        + check::<u64>(&device, false);
    let casts = check_casts(&device);
    eprintln!("{run} numpy cases checked on the CPU, and {casts} casts");
    assert!(casts > 250, "only {casts} casts ran");
    assert!(run > 3000, "only {run} cases ran: is the file complete?");
}

#[test]
fn gpu_answers_are_numpys_where_exact() {
    let Some(device) = common::gpu() else { return };
    let mut run =
        check::<i32>(&device, true) + check::<u32>(&device, true) + check::<f32>(&device, true);
    assert!(run > 1000, "only {run} cases ran on the GPU");
    // 64-bit integers where the adapter has them (lavapipe; not llvmpipe's OpenGL)
    if device.gpu_runs::<i64>() {
        let wide = check::<i64>(&device, true) + check::<u64>(&device, true);
        assert!(
            wide > 500,
            "only {wide} 64-bit integer cases ran on the GPU"
        );
        run += wide;
    }
    // f64 where the adapter has it (lavapipe)
    if device.gpu_runs::<f64>() {
        let wide = check::<f64>(&device, true);
        assert!(wide > 100, "only {wide} f64 cases ran on the GPU");
        run += wide;
    }
    let casts = check_casts(&device);
    let all = cases().iter().filter(|c| c.op == "astype").count();
    if device.gpu_runs::<i64>() && device.gpu_runs::<f64>() {
        assert_eq!(casts, all);
    }
    assert!(casts > 50, "only {casts} casts ran on the GPU");
    eprintln!("{run} numpy cases checked on the GPU, and {casts} of {all} casts");
}

/// One `astype` case from `S` to `U`: whether the crate's answer is numpy's (`Ok(false)`:
/// skipped, on a GPU device that does not run both types).
fn cast_one<S: Value, U: Value>(device: &Device, a: &str, out: &str) -> Result<bool, String> {
    let on_gpu = device.gpu_name().is_some();
    if on_gpu && !(device.gpu_runs::<S>() && device.gpu_runs::<U>()) {
        return Ok(false);
    }
    let (a, want) = (S::parse(a), U::parse(out));
    let got: Vec<U> = compute::cast(device, [a]).map_err(|e| e.to_string())?;
    if !got[0].matches(want, false) {
        return Err(format!("got {:?}, numpy {want:?}", got[0]));
    }
    Ok(true)
}

/// Every `astype` line, for each pair of the six element types the device runs; returns the
/// count that ran.
fn check_casts(device: &Device) -> usize {
    macro_rules! to {
        ($s:ty, $to:expr, $a:expr, $out:expr) => {
            match $to {
                "float32" => cast_one::<$s, f32>(device, $a, $out),
                "float64" => cast_one::<$s, f64>(device, $a, $out),
                "int32" => cast_one::<$s, i32>(device, $a, $out),
                "uint32" => cast_one::<$s, u32>(device, $a, $out),
                "int64" => cast_one::<$s, i64>(device, $a, $out),
                "uint64" => cast_one::<$s, u64>(device, $a, $out),
                other => Err(format!("unknown dtype {other}")),
            }
        };
    }
    let mut failures = Vec::new();
    let mut run = 0;
    for case in cases().into_iter().filter(|c| c.op == "astype") {
        let (from, to) = case.dtype.split_once("->").expect("from->to");
        let result = match from {
            "float32" => to!(f32, to, case.a, case.out),
            "float64" => to!(f64, to, case.a, case.out),
            "int32" => to!(i32, to, case.a, case.out),
            "uint32" => to!(u32, to, case.a, case.out),
            "int64" => to!(i64, to, case.a, case.out),
            "uint64" => to!(u64, to, case.a, case.out),
            other => Err(format!("unknown dtype {other}")),
        };
        match result {
            Ok(ran) => run += usize::from(ran),
            Err(e) => failures.push(format!(
                "line {}: astype {} {}: {e}",
                case.line, case.dtype, case.a
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {run} casts differ from numpy:\n{}",
        failures.len(),
        failures.join("\n")
    );
    run
}
