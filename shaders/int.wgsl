// The WGSL meaning of the ops that are written the same for signed and unsigned integer
// elements, one function per op, named as in src/op.rs; sint.wgsl and uint.wgsl add the
// rest. Code generation replaces the `alias elem` line with the kernel's type and sets
// `WIDTH`.
//
// WGSL integer arithmetic wraps, as numpy's does; division by a zero element gives 0
// (numpy's answer; WGSL's own is the dividend). Float-only ops have no helper here: the
// host rejects them first.
alias elem = u32;

// The element's width in bits (code generation sets it: 32 or 64).
const WIDTH: elem = 32;
const ZERO: elem = 0;
const ONE: elem = 1;

fn op_scale(x: elem, s: elem) -> elem { return x * s; }
fn op_add(x: elem, s: elem) -> elem { return x + s; }
fn op_sub(x: elem, s: elem) -> elem { return x - s; }
fn op_div(x: elem, s: elem) -> elem { return select(x / s, 0, s == 0); }
fn op_min(x: elem, s: elem) -> elem { return min(x, s); }
fn op_max(x: elem, s: elem) -> elem { return max(x, s); }
fn op_clamp(x: elem, lo: elem, hi: elem) -> elem { return min(max(x, lo), hi); }
fn op_square(x: elem) -> elem { return x * x; }
fn op_floor(x: elem) -> elem { return x; }
fn op_ceil(x: elem) -> elem { return x; }
fn op_round(x: elem) -> elem { return x; }

fn bin_add(a: elem, b: elem) -> elem { return a + b; }
fn bin_sub(a: elem, b: elem) -> elem { return a - b; }
fn bin_mul(a: elem, b: elem) -> elem { return a * b; }
fn bin_div(a: elem, b: elem) -> elem { return op_div(a, b); }
fn bin_min(a: elem, b: elem) -> elem { return min(a, b); }
fn bin_max(a: elem, b: elem) -> elem { return max(a, b); }
fn bin_pow(a: elem, b: elem) -> elem { return op_pow(a, b); }

fn op_isnan(x: elem) -> elem { return ZERO; }
fn op_isinf(x: elem) -> elem { return ZERO; }
fn op_isfinite(x: elem) -> elem { return ONE; }
fn op_logical_not(x: elem) -> elem { return select(ZERO, ONE, x == ZERO); }
fn op_invert(x: elem) -> elem { return ~x; }
fn bin_floor_divide(a: elem, b: elem) -> elem { return op_floor_divide(a, b); }
fn bin_remainder(a: elem, b: elem) -> elem { return op_remainder(a, b); }
fn bin_logical_and(a: elem, b: elem) -> elem { return select(ZERO, ONE, a != ZERO && b != ZERO); }
fn bin_logical_or(a: elem, b: elem) -> elem { return select(ZERO, ONE, a != ZERO || b != ZERO); }
fn bin_logical_xor(a: elem, b: elem) -> elem { return select(ZERO, ONE, (a != ZERO) != (b != ZERO)); }
fn bin_bitwise_and(a: elem, b: elem) -> elem { return a & b; }
fn bin_bitwise_or(a: elem, b: elem) -> elem { return a | b; }
fn bin_bitwise_xor(a: elem, b: elem) -> elem { return a ^ b; }
fn bin_left_shift(a: elem, b: elem) -> elem { return op_left_shift(a, b); }
fn bin_right_shift(a: elem, b: elem) -> elem { return op_right_shift(a, b); }
fn tri_where(c: elem, a: elem, b: elem) -> elem { return select(b, a, c != ZERO); }
