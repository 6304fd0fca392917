// The WGSL meaning of every op on unsigned integer elements; one function per op, named as in
// src/op.rs. Code generation replaces the `alias elem` line with the kernel's type.
//
// WGSL integer arithmetic wraps, as numpy's does; negation is `0 - x`, `abs` is the identity,
// division by a zero element gives 0 (numpy's answer). Float-only ops have no helper here.
alias elem = u32;

fn op_scale(x: elem, s: elem) -> elem { return x * s; }
fn op_add(x: elem, s: elem) -> elem { return x + s; }
fn op_sub(x: elem, s: elem) -> elem { return x - s; }
fn op_div(x: elem, s: elem) -> elem { return select(x / s, 0u, s == 0u); }
fn op_min(x: elem, s: elem) -> elem { return min(x, s); }
fn op_max(x: elem, s: elem) -> elem { return max(x, s); }
fn op_clamp(x: elem, lo: elem, hi: elem) -> elem { return min(max(x, lo), hi); }

// Wrapping power by squaring.
fn op_pow(x: elem, e: elem) -> elem {
    var result: elem = 1u;
    var b: elem = x;
    var k: elem = e;
    loop {
        if (k == 0u) {
            break;
        }
        if ((k & 1u) != 0u) {
            result = result * b;
        }
        b = b * b;
        k = k >> 1u;
    }
    return result;
}

fn op_neg(x: elem) -> elem { return 0u - x; }
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
