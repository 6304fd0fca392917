//! The op table: every built-in operation the kernels know, described once.
//!
//! Each [`Prim`] has one [`Entry`] (its name, how many values it takes, its scalar
//! parameters, the element types it accepts, its cost weight and its WGSL spelling) and one
//! CPU meaning in [`cpu_meaning!`] (numpy's semantics, written with the element type's scalar
//! arithmetic from `element.rs`). The public [`Op`](crate::Op), [`BinOp`](crate::BinOp) and
//! the comparisons of [`Expr`](crate::Expr) all lower onto these; the float-only checks, the
//! cost model's weights, code generation, the CPU loops and the tests enumerate
//! [`Prim::ALL`].
//!
//! Adding an op: a variant in the `prims!` list below, its arm in [`Prim::entry`] and in
//! [`cpu_meaning!`] (both exhaustive: a missing arm does not compile), its WGSL helper in
//! `shaders/` (float, transcendental, int, sint, uint; a transcendental also in
//! transcendental64 for f64), and (for a public op) its variant in `op.rs`.

/// Declares [`Prim`] and [`Prim::ALL`] from one list, so the two cannot drift apart.
macro_rules! prims {
    ($($name:ident,)*) => {
        /// A built-in operation of the kernel description; its meaning is its [`Entry`] and
        /// its arm of [`cpu_meaning!`]. See the module docs.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub(crate) enum Prim {
            $($name,)*
        }

        impl Prim {
            /// Every built-in operation, in table order (the table is built from it, the tests
            /// enumerate it).
            pub(crate) const ALL: &'static [Prim] = &[$(Prim::$name,)*];
        }
    };
}

prims! {
    // one value and scalars (`Op::{Scale, Add, Sub, Div, Min, Max, Clamp, Pow}`)
    Scale, AddScalar, SubScalar, DivScalar, MinScalar, MaxScalar, Clamp, PowScalar,
    // one value (the parameterless `Op`s)
    Neg, Abs, Square, Sqrt, Recip, Exp, Log, Sin, Cos, Tanh, Sigmoid, Relu, Floor, Ceil, Round,
    // two values (`BinOp`)
    Add, Sub, Mul, Div, Min, Max, Pow,
    // comparisons, 1 or 0 in the element type (`Expr::{gt, ge, lt, le, equal, not_equal}`)
    Gt, Ge, Lt, Le, Eq, Ne,
    // numpy's other float functions (`Op::{Tan, ..., Cbrt}`)
    Tan, Arcsin, Arccos, Arctan, Sinh, Cosh, Arcsinh, Arccosh, Arctanh, Exp2, Expm1, Log2,
    Log10, Log1p, Cbrt,
    // sign, predicates (1 or 0), bitwise not (`Op::{Sign, IsNan, IsInf, IsFinite, LogicalNot,
    // Invert}`)
    Sign, IsNan, IsInf, IsFinite, LogicalNot, Invert,
    // one value and a scalar (`Op::{FloorDiv, Mod, Shl, Shr}`)
    FloorDivScalar, ModScalar, ShlScalar, ShrScalar,
    // two values (the rest of `BinOp`)
    Arctan2, Hypot, Copysign, FloorDiv, Mod, LogicalAnd, LogicalOr, LogicalXor, BitAnd, BitOr,
    BitXor, Shl, Shr,
    // three values: numpy's `where(cond, a, b)` (`expr::where_`)
    Where,
}

/// How many values an op takes from the program's stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Arity {
    /// One value (and `params` scalars from the op itself).
    Unary,
    /// Two values, the left one below the right.
    Binary,
    /// Three values, the first lowest.
    Ternary,
}

/// Which element types an op is defined for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Types {
    /// Every element type.
    All,
    /// Floats only; on integers the op is an error, never a silent cast.
    Float,
    /// Integers only (bitwise ops and shifts); on floats the op is an error.
    Int,
}

/// How the op is written in WGSL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Wgsl {
    /// A helper function of `shaders/` (float, transcendental, int, sint, uint), called with the values, then
    /// the scalar parameters.
    Helper(&'static str),
    /// A comparison operator: `select(elem(0), elem(1), a <op> b)`.
    Compare(&'static str),
}

/// One row of the op table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    /// A short lowercase name, for errors and reports.
    pub(crate) name: &'static str,
    /// Values taken from the stack.
    pub(crate) arity: Arity,
    /// Scalar parameters the op carries (at most 2).
    pub(crate) params: usize,
    /// The element types it accepts.
    pub(crate) types: Types,
    /// Cost per element against one multiply: transcendentals and `pow` cost roughly ten
    /// multiplies on both backends (measured by the calibration, `calibrate.rs`).
    pub(crate) weight: usize,
    /// Its WGSL spelling.
    pub(crate) wgsl: Wgsl,
    /// Whether every value it gives is 1 or 0 (a comparison, a predicate, a logical op), so
    /// counting where it holds needs no `!= 0` after it.
    pub(crate) predicate: bool,
}

/// The weight of a transcendental op (`exp`, `log`, `sin`, `pow`, `atan2`, ...: in
/// `shaders/transcendental.wgsl` for `f32`, `transcendental64.wgsl` for `f64`).
pub(crate) const HEAVY: usize = 10;

/// Most scalar parameters one op carries.
pub(crate) const MAX_PARAMS: usize = 2;

const fn row(
    name: &'static str,
    arity: Arity,
    params: usize,
    types: Types,
    weight: usize,
    wgsl: Wgsl,
) -> Entry {
    let predicate = matches!(wgsl, Wgsl::Compare(_));
    Entry {
        name,
        arity,
        params,
        types,
        weight,
        wgsl,
        predicate,
    }
}

/// A row of an op whose every value is 1 or 0.
const fn predicate(name: &'static str, arity: Arity, types: Types, wgsl: &'static str) -> Entry {
    let mut entry = row(name, arity, 0, types, 1, Wgsl::Helper(wgsl));
    entry.predicate = true;
    entry
}

/// The table itself, one row per [`Prim`] in [`Prim::ALL`]'s order, built at compile time
/// from [`Prim::row`], so looking a row up is one indexed load.
static TABLE: [Entry; Prim::ALL.len()] = {
    let mut table = [Prim::Scale.row(); Prim::ALL.len()];
    let mut i = 0;
    while i < Prim::ALL.len() {
        table[i] = Prim::ALL[i].row();
        i += 1;
    }
    table
};

impl Prim {
    /// The op's row of the table.
    #[inline(always)]
    pub(crate) fn entry(self) -> &'static Entry {
        &TABLE[self as usize]
    }

    /// The op's row, written out (the source of [`TABLE`]).
    const fn row(self) -> Entry {
        use Arity::{Binary as B, Ternary as T, Unary as U};
        use Types::{All, Float, Int};
        use Wgsl::{Compare as Cmp, Helper as H};
        match self {
            Prim::Scale => row("scale", U, 1, All, 1, H("op_scale")),
            Prim::AddScalar => row("add", U, 1, All, 1, H("op_add")),
            Prim::SubScalar => row("sub", U, 1, All, 1, H("op_sub")),
            Prim::DivScalar => row("div", U, 1, All, 1, H("op_div")),
            Prim::MinScalar => row("min", U, 1, All, 1, H("op_min")),
            Prim::MaxScalar => row("max", U, 1, All, 1, H("op_max")),
            Prim::Clamp => row("clamp", U, 2, All, 1, H("op_clamp")),
            Prim::PowScalar => row("pow", U, 1, All, HEAVY, H("op_pow")),
            Prim::Neg => row("neg", U, 0, All, 1, H("op_neg")),
            Prim::Abs => row("abs", U, 0, All, 1, H("op_abs")),
            Prim::Square => row("square", U, 0, All, 1, H("op_square")),
            Prim::Sqrt => row("sqrt", U, 0, Float, 1, H("op_sqrt")),
            Prim::Recip => row("recip", U, 0, Float, 1, H("op_recip")),
            Prim::Exp => row("exp", U, 0, Float, HEAVY, H("op_exp")),
            Prim::Log => row("log", U, 0, Float, HEAVY, H("op_log")),
            Prim::Sin => row("sin", U, 0, Float, HEAVY, H("op_sin")),
            Prim::Cos => row("cos", U, 0, Float, HEAVY, H("op_cos")),
            Prim::Tanh => row("tanh", U, 0, Float, HEAVY, H("op_tanh")),
            Prim::Sigmoid => row("sigmoid", U, 0, Float, HEAVY, H("op_sigmoid")),
            Prim::Relu => row("relu", U, 0, All, 1, H("op_relu")),
            Prim::Floor => row("floor", U, 0, All, 1, H("op_floor")),
            Prim::Ceil => row("ceil", U, 0, All, 1, H("op_ceil")),
            Prim::Round => row("round", U, 0, All, 1, H("op_round")),
            Prim::Add => row("add", B, 0, All, 1, H("bin_add")),
            Prim::Sub => row("sub", B, 0, All, 1, H("bin_sub")),
            Prim::Mul => row("mul", B, 0, All, 1, H("bin_mul")),
            Prim::Div => row("div", B, 0, All, 1, H("bin_div")),
            Prim::Min => row("min", B, 0, All, 1, H("bin_min")),
            Prim::Max => row("max", B, 0, All, 1, H("bin_max")),
            Prim::Pow => row("pow", B, 0, All, HEAVY, H("bin_pow")),
            Prim::Gt => row("gt", B, 0, All, 1, Cmp(">")),
            Prim::Ge => row("ge", B, 0, All, 1, Cmp(">=")),
            Prim::Lt => row("lt", B, 0, All, 1, Cmp("<")),
            Prim::Le => row("le", B, 0, All, 1, Cmp("<=")),
            Prim::Eq => row("eq", B, 0, All, 1, Cmp("==")),
            Prim::Ne => row("ne", B, 0, All, 1, Cmp("!=")),
            Prim::Tan => row("tan", U, 0, Float, HEAVY, H("op_tan")),
            Prim::Arcsin => row("arcsin", U, 0, Float, HEAVY, H("op_arcsin")),
            Prim::Arccos => row("arccos", U, 0, Float, HEAVY, H("op_arccos")),
            Prim::Arctan => row("arctan", U, 0, Float, HEAVY, H("op_arctan")),
            Prim::Sinh => row("sinh", U, 0, Float, HEAVY, H("op_sinh")),
            Prim::Cosh => row("cosh", U, 0, Float, HEAVY, H("op_cosh")),
            Prim::Arcsinh => row("arcsinh", U, 0, Float, HEAVY, H("op_arcsinh")),
            Prim::Arccosh => row("arccosh", U, 0, Float, HEAVY, H("op_arccosh")),
            Prim::Arctanh => row("arctanh", U, 0, Float, HEAVY, H("op_arctanh")),
            Prim::Exp2 => row("exp2", U, 0, Float, HEAVY, H("op_exp2")),
            Prim::Expm1 => row("expm1", U, 0, Float, HEAVY, H("op_expm1")),
            Prim::Log2 => row("log2", U, 0, Float, HEAVY, H("op_log2")),
            Prim::Log10 => row("log10", U, 0, Float, HEAVY, H("op_log10")),
            Prim::Log1p => row("log1p", U, 0, Float, HEAVY, H("op_log1p")),
            Prim::Cbrt => row("cbrt", U, 0, Float, HEAVY, H("op_cbrt")),
            Prim::Sign => row("sign", U, 0, All, 1, H("op_sign")),
            Prim::IsNan => predicate("isnan", U, All, "op_isnan"),
            Prim::IsInf => predicate("isinf", U, All, "op_isinf"),
            Prim::IsFinite => predicate("isfinite", U, All, "op_isfinite"),
            Prim::LogicalNot => predicate("logical_not", U, All, "op_logical_not"),
            Prim::Invert => row("invert", U, 0, Int, 1, H("op_invert")),
            Prim::FloorDivScalar => row("floor_divide", U, 1, All, 2, H("op_floor_divide")),
            Prim::ModScalar => row("remainder", U, 1, All, 2, H("op_remainder")),
            Prim::ShlScalar => row("left_shift", U, 1, Int, 1, H("op_left_shift")),
            Prim::ShrScalar => row("right_shift", U, 1, Int, 1, H("op_right_shift")),
            Prim::Arctan2 => row("arctan2", B, 0, Float, HEAVY, H("bin_arctan2")),
            Prim::Hypot => row("hypot", B, 0, Float, 2, H("bin_hypot")),
            Prim::Copysign => row("copysign", B, 0, Float, 1, H("bin_copysign")),
            Prim::FloorDiv => row("floor_divide", B, 0, All, 2, H("bin_floor_divide")),
            Prim::Mod => row("remainder", B, 0, All, 2, H("bin_remainder")),
            Prim::LogicalAnd => predicate("logical_and", B, All, "bin_logical_and"),
            Prim::LogicalOr => predicate("logical_or", B, All, "bin_logical_or"),
            Prim::LogicalXor => predicate("logical_xor", B, All, "bin_logical_xor"),
            Prim::BitAnd => row("bitwise_and", B, 0, Int, 1, H("bin_bitwise_and")),
            Prim::BitOr => row("bitwise_or", B, 0, Int, 1, H("bin_bitwise_or")),
            Prim::BitXor => row("bitwise_xor", B, 0, Int, 1, H("bin_bitwise_xor")),
            Prim::Shl => row("left_shift", B, 0, Int, 1, H("bin_left_shift")),
            Prim::Shr => row("right_shift", B, 0, Int, 1, H("bin_right_shift")),
            Prim::Where => row("where", T, 0, All, 1, H("tri_where")),
        }
    }
}

/// Expands to the CPU meaning of the op `$prim` (a [`Prim`]) with scalar parameters `$p`
/// (an array of [`MAX_PARAMS`] values): `$unary!($p; |x| <expression of x>)` for a one-value op,
/// `$binary!($p; |a, b| <expression of a, b>)` for a two-value op,
/// `$ternary!($p; |c, a, b| <expression of c, a, b>)` for a three-value op, and
/// `$ranged!($p; |x| <fits>, |x| <near>, |x| <full>)` for a one-value op with a fast,
/// vectorizable path exact where `fits` holds and a full one everywhere (a block takes the
/// fast path when every value fits). The one place each op's CPU meaning is written; the CPU
/// backend turns it into loops, and `Scalar` must be in scope. The expressions use `$p` for
/// the parameters, so a loop can make each one a function of its values and `$p` (an
/// `#[inline(always)]` one: a closure this size would not always be inlined into its loop,
/// and a call per element is neither vectorized nor built for the loop's instruction set).
macro_rules! cpu_meaning {
    ($prim:expr, $p:ident, $unary:ident, $binary:ident, $ternary:ident, $ranged:ident) => {{
        use $crate::ir::ops::Prim as P;
        match $prim {
            P::Scale => $unary!($p; |x| x.mul($p[0])),
            P::AddScalar => $unary!($p; |x| x.add($p[0])),
            P::SubScalar => $unary!($p; |x| x.sub($p[0])),
            P::DivScalar => $unary!($p; |x| x.div($p[0])),
            P::MinScalar => $unary!($p; |x| x.minimum($p[0])),
            P::MaxScalar => $unary!($p; |x| x.maximum($p[0])),
            P::Clamp => $unary!($p; |x| x.maximum($p[0]).minimum($p[1])),
            P::PowScalar => $unary!($p; |x| x.pow($p[0])),
            P::Neg => $unary!($p; |x| x.neg()),
            P::Abs => $unary!($p; |x| x.abs()),
            P::Square => $unary!($p; |x| x.mul(x)),
            P::Sqrt => $unary!($p; |x| x.sqrt()),
            P::Recip => $unary!($p; |x| Scalar::div(Scalar::ONE, x)),
            P::Exp => $unary!($p; |x| x.exp()),
            P::Log => $unary!($p; |x| x.ln()),
            P::Sin => $ranged!($p; |x| x.fits_near_trig(), |x| x.sin_near(), |x| x.sin()),
            P::Cos => $ranged!($p; |x| x.fits_near_trig(), |x| x.cos_near(), |x| x.cos()),
            P::Tanh => $unary!($p; |x| x.tanh()),
            P::Sigmoid => $unary!($p; |x| x.sigmoid()),
            P::Relu => $unary!($p; |x| x.maximum(Scalar::ZERO)),
            P::Floor => $unary!($p; |x| x.floor()),
            P::Ceil => $unary!($p; |x| x.ceil()),
            P::Round => $unary!($p; |x| x.round()),
            P::Add => $binary!($p; |a, b| a.add(b)),
            P::Sub => $binary!($p; |a, b| a.sub(b)),
            P::Mul => $binary!($p; |a, b| a.mul(b)),
            P::Div => $binary!($p; |a, b| a.div(b)),
            P::Min => $binary!($p; |a, b| a.minimum(b)),
            P::Max => $binary!($p; |a, b| a.maximum(b)),
            P::Pow => $binary!($p; |a, b| a.pow(b)),
            // IEEE comparisons, as numpy: NaN compares false, except `!=`
            P::Gt => $binary!($p; |a, b| Scalar::indicator(a > b)),
            P::Ge => $binary!($p; |a, b| Scalar::indicator(a >= b)),
            P::Lt => $binary!($p; |a, b| Scalar::indicator(a < b)),
            P::Le => $binary!($p; |a, b| Scalar::indicator(a <= b)),
            P::Eq => $binary!($p; |a, b| Scalar::indicator(a == b)),
            P::Ne => $binary!($p; |a, b| Scalar::indicator(a != b)),
            P::Tan => $ranged!($p; |x| x.fits_near_trig(), |x| x.tan_near(), |x| x.tan()),
            P::Arcsin => $unary!($p; |x| x.asin()),
            P::Arccos => $unary!($p; |x| x.acos()),
            P::Arctan => $unary!($p; |x| x.atan()),
            P::Sinh => $unary!($p; |x| x.sinh()),
            P::Cosh => $unary!($p; |x| x.cosh()),
            P::Arcsinh => $unary!($p; |x| x.asinh()),
            P::Arccosh => $unary!($p; |x| x.acosh()),
            P::Arctanh => $unary!($p; |x| x.atanh()),
            P::Exp2 => $unary!($p; |x| x.exp2()),
            P::Expm1 => $unary!($p; |x| x.exp_m1()),
            P::Log2 => $unary!($p; |x| x.log2()),
            P::Log10 => $unary!($p; |x| x.log10()),
            P::Log1p => $unary!($p; |x| x.ln_1p()),
            P::Cbrt => $unary!($p; |x| x.cbrt()),
            P::Sign => $unary!($p; |x| x.sign()),
            P::IsNan => $unary!($p; |x| Scalar::indicator(x.is_nan())),
            P::IsInf => $unary!($p; |x| Scalar::indicator(x.is_inf())),
            P::IsFinite => $unary!($p; |x| Scalar::indicator(x.is_finite())),
            P::LogicalNot => $unary!($p; |x| Scalar::indicator(!x.truthy())),
            P::Invert => $unary!($p; |x| x.bit_not()),
            P::FloorDivScalar => $unary!($p; |x| x.floor_div($p[0])),
            P::ModScalar => $unary!($p; |x| x.modulo($p[0])),
            P::ShlScalar => $unary!($p; |x| x.shl($p[0])),
            P::ShrScalar => $unary!($p; |x| x.shr($p[0])),
            P::Arctan2 => $binary!($p; |a, b| a.atan2(b)),
            P::Hypot => $binary!($p; |a, b| a.hypot(b)),
            P::Copysign => $binary!($p; |a, b| a.copysign(b)),
            P::FloorDiv => $binary!($p; |a, b| a.floor_div(b)),
            P::Mod => $binary!($p; |a, b| a.modulo(b)),
            P::LogicalAnd => $binary!($p; |a, b| Scalar::indicator(a.truthy() & b.truthy())),
            P::LogicalOr => $binary!($p; |a, b| Scalar::indicator(a.truthy() | b.truthy())),
            P::LogicalXor => $binary!($p; |a, b| Scalar::indicator(a.truthy() ^ b.truthy())),
            P::BitAnd => $binary!($p; |a, b| a.bit_and(b)),
            P::BitOr => $binary!($p; |a, b| a.bit_or(b)),
            P::BitXor => $binary!($p; |a, b| a.bit_xor(b)),
            P::Shl => $binary!($p; |a, b| a.shl(b)),
            P::Shr => $binary!($p; |a, b| a.shr(b)),
            // numpy's `where`: nonzero (NaN included) picks `a`
            P::Where => $ternary!($p; |c, a, b| if c.truthy() { a } else { b }),
        }
    }};
}
pub(crate) use cpu_meaning;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_consistent() {
        let mut names = std::collections::HashSet::new();
        for &prim in Prim::ALL {
            let e = prim.entry();
            assert!(e.params <= MAX_PARAMS, "{prim:?}");
            assert!(e.weight >= 1, "{prim:?}");
            assert!(
                names.insert((e.name, e.arity)),
                "{prim:?}: name taken: {}",
                e.name
            );
            if e.arity != Arity::Unary {
                assert_eq!(e.params, 0, "{prim:?}: two-value ops carry no scalars");
            }
        }
        assert_eq!(Prim::ALL.len(), 75);
    }
}

#[cfg(test)]
mod order {
    use super::*;

    #[test]
    fn each_prim_indexes_its_own_row() {
        for (i, &prim) in Prim::ALL.iter().enumerate() {
            assert_eq!(prim as usize, i);
            assert_eq!(*prim.entry(), prim.row());
        }
    }
}
