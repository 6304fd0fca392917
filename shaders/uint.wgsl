// The WGSL meaning of the ops on unsigned integer elements that differ from signed ones;
// int.wgsl holds the rest (and `ZERO`, `ONE`, `WIDTH`, `op_div`, which these use). Code
// generation appends this file to int.wgsl and replaces the `alias elem` line.
//
// Negation is `0 - x` (wrapping), `abs` the identity.
alias elem = u32;

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
fn op_relu(x: elem) -> elem { return x; }

fn op_sign(x: elem) -> elem { return select(ZERO, ONE, x != ZERO); }
fn op_floor_divide(x: elem, s: elem) -> elem { return op_div(x, s); }
fn op_remainder(x: elem, s: elem) -> elem { return select(x - op_div(x, s) * s, 0, s == 0); }
// numpy's shifts: past the width, 0
fn op_left_shift(x: elem, s: elem) -> elem { return select(ZERO, x << u32(s & (WIDTH - 1)), s < WIDTH); }
fn op_right_shift(x: elem, s: elem) -> elem { return select(ZERO, x >> u32(s & (WIDTH - 1)), s < WIDTH); }

