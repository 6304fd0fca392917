//! Kernels across two element types: the WGSL of numpy's `astype` from one element type to
//! another (the CPU's answers: x86-64's for NaN, ±∞ and out-of-range floats), and of a
//! value's truth for a mask. A kernel converts as it loads its inputs (a cast, then ops on
//! the converted values) or as it stores its values (ops, then a cast, or the truth).
//!
//! Each conversion is one self-contained WGSL function: it reads a float's bits itself, so it
//! needs neither the source's nor the target's helper library.

use crate::element::{Element, Kind};

/// An element type as conversions see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Target {
    /// The Rust name, for keys and messages.
    pub(crate) name: &'static str,
    /// The WGSL name.
    pub(crate) wgsl: &'static str,
    kind: Kind,
    /// 32 or 64.
    bits: u32,
}

impl Target {
    /// `T` as a conversion's source or target.
    pub(crate) fn of<T: Element>() -> Target {
        Target {
            name: T::NAME,
            wgsl: T::WGSL,
            kind: T::KIND,
            bits: 8 * std::mem::size_of::<T>() as u32,
        }
    }

    /// The adapter features kernels touching this type need (see [`super::context::feature`]).
    pub(crate) fn feature(self) -> wgpu::Features {
        match (self.bits, self.kind) {
            (32, _) => wgpu::Features::empty(),
            (_, Kind::Float) => wgpu::Features::SHADER_F64 | wgpu::Features::SHADER_INT64,
            _ => wgpu::Features::SHADER_INT64,
        }
    }
}

/// How a kernel's arrays relate to its element type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Io {
    /// Inputs and output of the kernel's element type.
    Plain,
    /// Inputs of another type, converted as they are loaded.
    Load(Target),
    /// Values converted to another type as they are stored.
    Store(Target),
    /// Each value's truth (nonzero, NaN included) stored as a `u32` 0 or 1.
    Truth,
}

/// The WGSL function `name(v: from) -> to` converting as the CPU's casts do
/// (`Scalar::from_number`): integers wrap into narrower or other-signed types, an integer
/// rounds to the nearest float (WGSL's conversion), a float truncates toward zero into an
/// integer with x86-64's answer for NaN and out of range (`MIN` for signed types; for `u32`
/// the `i64` answer wrapped; for `u64` the `i64` answer below 2^63, that of x − 2^63 with
/// the top bit flipped from there).
pub(crate) fn conversion(name: &str, from: Target, to: Target) -> String {
    let (f, t) = (from.wgsl, to.wgsl);
    let body = match (from.kind, to.kind) {
        _ if from == to => "return v;".to_string(),
        (_, Kind::Float) => format!("return {t}(v);"),
        (Kind::Float, _) => float_to_int(from, to),
        (_, _) if from.bits == to.bits => format!("return bitcast<{t}>(v);"),
        (_, _) if from.bits == 32 => {
            // widening: a signed source sign-extends, an unsigned one zero-extends
            let wide = if from.kind == Kind::Signed {
                "i64"
            } else {
                "u64"
            };
            format!("return bitcast<{t}>({wide}(v));")
        }
        // narrowing: the low 32 bits
        (_, _) => format!("return bitcast<{t}>(u32(bitcast<u64>(v) & 0xfffffffflu));"),
    };
    format!("fn {name}(v: {f}) -> {t} {{\n    {body}\n}}\n")
}

/// The body of a float-to-integer conversion (see [`conversion`]).
fn float_to_int(from: Target, to: Target) -> String {
    let (f, bits) = (from.wgsl, if from.bits == 64 { "u64" } else { "u32" });
    let (sign, inf) = if from.bits == 64 {
        ("0x8000000000000000lu", "0x7ff0000000000000lu")
    } else {
        ("0x80000000u", "0x7f800000u")
    };
    // |v|'s bits above +∞'s: NaN, which no comparison may be trusted with on a GPU
    let nan = format!("(bitcast<{bits}>(v) & ~{sign}) > {inf}");
    let t = "trunc(v)";
    match (to.kind, to.bits) {
        (Kind::Signed, 32) => format!(
            "let t = {t};\n    if ({nan} || !(t >= {f}(-2147483648.0) && t < {f}(2147483648.0))) {{\n        return i32(-2147483647 - 1);\n    }}\n    return i32(t);"
        ),
        (Kind::Signed, _) => format!("return {};", to_i64(f, &nan, "v")),
        (_, 32) => format!(
            // through i64, wrapped: the low 32 bits of the truncated value below 2^63 in
            // magnitude (exact in float: |t| − 2^32·floor(|t|/2^32)), 0 past it and for NaN
            "let t = {t};\n    let m = abs(t);\n    if ({nan} || !(m < {f}(9223372036854775808.0))) {{\n        return 0u;\n    }}\n    if (m < {f}(2147483648.0)) {{\n        return bitcast<u32>(i32(t));\n    }}\n    let low = u32(m - floor(m / {f}(4294967296.0)) * {f}(4294967296.0));\n    return select(low, 0u - low, t < {f}(0.0));"
        ),
        (_, _) => format!(
            "let two63 = {f}(9223372036854775808.0);\n    if (!({nan}) && v >= two63) {{\n        return bitcast<u64>({}) ^ 0x8000000000000000lu;\n    }}\n    return bitcast<u64>({});",
            to_i64(f, &nan, "(v - two63)"),
            to_i64(f, &nan, "v")
        ),
    }
}

/// x86-64's float to `i64` of the float expression `x` of type `f`: truncation, `MIN` for
/// NaN (`nan` tests `v`) and out of range.
fn to_i64(f: &str, nan: &str, x: &str) -> String {
    format!(
        "select(i64(-9223372036854775807li - 1li), i64(trunc({x})), !({nan}) && trunc({x}) >= {f}(-9223372036854775808.0) && trunc({x}) < {f}(9223372036854775808.0))"
    )
}

/// The WGSL function `name(v: from) -> u32`: 1 where `v` is nonzero (NaN included, ±0 not),
/// else 0.
pub(crate) fn truth(name: &str, from: Target) -> String {
    let f = from.wgsl;
    let test = match (from.kind, from.bits) {
        (Kind::Float, 64) => "(bitcast<u64>(v) & ~0x8000000000000000lu) != 0lu".to_string(),
        (Kind::Float, _) => "(bitcast<u32>(v) & 0x7fffffffu) != 0u".to_string(),
        _ => format!("v != {f}(0)"),
    };
    format!("fn {name}(v: {f}) -> u32 {{\n    return select(0u, 1u, {test});\n}}\n")
}
