// The WGSL meaning of the ops on signed integer elements that differ from unsigned ones;
// int.wgsl holds the rest (and `ZERO`, `ONE`, `WIDTH`, `op_div`, which these use). Code
// generation appends this file to int.wgsl and replaces the `alias elem` line.
//
// Division truncates toward zero and `MIN / -1` is `MIN`.
alias elem = i32;

// Wrapping power by squaring; a negative exponent gives the truncated 1 / x^-e.
fn op_pow(x: elem, e: elem) -> elem {
    if (e < 0) {
        if (x == 1) {
            return ONE;
        }
        if (x == -1) {
            return select(ONE, -ONE, (e & 1) != 0);
        }
        return ZERO;
    }
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

fn op_neg(x: elem) -> elem { return -x; }
fn op_abs(x: elem) -> elem { return abs(x); }
fn op_relu(x: elem) -> elem { return max(x, 0); }

fn op_sign(x: elem) -> elem { return select(select(ZERO, ONE, x > ZERO), -ONE, x < ZERO); }
// numpy's floor division: the truncated quotient one lower when the remainder's sign differs
// from the divisor's; 0 for a zero divisor, MIN // -1 == MIN. The remainder is x - q·s (a
// GLSL target leaves % of negative operands undefined).
fn op_floor_divide(x: elem, s: elem) -> elem {
    let q = op_div(x, s);
    let r = x - q * s;
    return select(q, q - 1, s != 0 && r != 0 && ((r < 0) != (s < 0)));
}
fn op_remainder(x: elem, s: elem) -> elem {
    let r = select(x - op_div(x, s) * s, 0, s == 0);
    return select(r, r + s, r != 0 && ((r < 0) != (s < 0)));
}
// numpy's shifts: the count read as unsigned; past the width, 0 (left) or the sign (right)
fn op_left_shift(x: elem, s: elem) -> elem {
    return select(ZERO, x << u32(s & (WIDTH - 1)), s >= ZERO && s < WIDTH);
}
fn op_right_shift(x: elem, s: elem) -> elem {
    return x >> u32(select(WIDTH - 1, s, s >= ZERO && s < WIDTH));
}

