// The WGSL meaning of every op on unsigned integer elements; one function per op, named as in
// src/op.rs. Code generation replaces the `alias elem` line with the kernel's type.
//
// WGSL integer arithmetic wraps, as numpy's does; negation is `0 - x`, `abs` is the identity,
// division by a zero element gives 0 (numpy's answer). Float-only ops have no helper here.
alias elem = u32;
// The element's width in bits (code generation sets it: 32 or 64).
const WIDTH: elem = 32;

fn op_scale(x: elem, s: elem) -> elem { return x * s; }
fn op_add(x: elem, s: elem) -> elem { return x + s; }
fn op_sub(x: elem, s: elem) -> elem { return x - s; }
fn op_div(x: elem, s: elem) -> elem { return select(x / s, 0, s == 0); }
fn op_min(x: elem, s: elem) -> elem { return min(x, s); }
fn op_max(x: elem, s: elem) -> elem { return max(x, s); }
fn op_clamp(x: elem, lo: elem, hi: elem) -> elem { return min(max(x, lo), hi); }

// Wrapping power by squaring.
fn op_pow(x: elem, e: elem) -> elem {
    var result: elem = 1;
    var b: elem = x;
    var k: elem = e;
    loop {
        if (k == 0) {
            break;
        }
        if ((k & 1) != 0) {
            result = result * b;
        }
        b = b * b;
        k = k >> 1u;
    }
    return result;
}

fn op_neg(x: elem) -> elem { return ZERO - x; }
fn op_abs(x: elem) -> elem { return x; }
fn op_square(x: elem) -> elem { return x * x; }
fn op_relu(x: elem) -> elem { return x; }
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

const ZERO: elem = 0;
const ONE: elem = 1;
fn op_sign(x: elem) -> elem { return select(ZERO, ONE, x != ZERO); }
fn op_floor_divide(x: elem, s: elem) -> elem { return op_div(x, s); }
fn op_remainder(x: elem, s: elem) -> elem { return select(x - op_div(x, s) * s, 0, s == 0); }
// numpy's shifts: past the width, 0
fn op_left_shift(x: elem, s: elem) -> elem { return select(ZERO, x << u32(s & (WIDTH - 1)), s < WIDTH); }
fn op_right_shift(x: elem, s: elem) -> elem { return select(ZERO, x >> u32(s & (WIDTH - 1)), s < WIDTH); }

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
