//! Expressions of one to four arrays and user kernels, on each backend, against references.
#![allow(clippy::needless_range_loop)] // several arrays indexed in step read clearer by index

mod common;

use common::{close, gpu, i32_data, lengths, u32_data, Bound, Rng, Side};
use compute::expr::{constant, input, w, where_, x, y, z};
use compute::{BinOp, Device, Error, Expr, Op};

fn positive(len: usize, seed: u64) -> Vec<f32> {
    let mut rng = Rng::new(seed);
    (0..len)
        .map(|_| rng.log_uniform(1e-2, 1e2, false) as f32)
        .collect()
}

fn signed(len: usize, seed: u64) -> Vec<f32> {
    let mut rng = Rng::new(seed);
    (0..len)
        .map(|_| rng.log_uniform(1e-2, 1e2, true) as f32)
        .collect()
}

/// f32 step-rounded reference helpers: each op rounds to f32, as both backends do.
fn r(v: f64) -> f64 {
    f64::from(v as f32)
}

fn check_float_expressions(device: &Device, side: Side) {
    let sqrt_bound = if side == Side::Gpu {
        Bound::ulps(5.0)
    } else {
        Bound::EXACT
    };
    let div_bound = if side == Side::Gpu {
        Bound::ulps(2.5)
    } else {
        Bound::EXACT
    };
    for len in lengths() {
        let s = len as u64;
        let (a, b, c, d) = (
            positive(len, s),
            positive(len, s + 1),
            signed(len, s + 2),
            signed(len, s + 3),
        );
        let f = |i: usize| {
            (
                f64::from(a[i]),
                f64::from(b[i]),
                f64::from(c[i]),
                f64::from(d[i]),
            )
        };

        // one input
        let out = compute::eval(device, (1.0_f32 - x()).abs().sqrt(), (&a,)).unwrap();
        for i in 0..len {
            let (x, ..) = f(i);
            assert!(
                close(out[i], r(1.0 - x).abs().sqrt(), sqrt_bound, side),
                "1 input, len {len} [{i}]"
            );
        }
        // two inputs: the example
        let out = compute::eval(device, (x() * 2.0 + y()).sqrt(), (&a, &b)).unwrap();
        for i in 0..len {
            let (x, y, ..) = f(i);
            let want = r(r(x * 2.0) + y).sqrt();
            assert!(
                close(out[i], want, sqrt_bound, side),
                "2 inputs, len {len} [{i}]: got {}, want {want}",
                out[i]
            );
        }
        // three inputs
        let out = compute::eval(device, x() * y() + z(), (&a, &b, &c)).unwrap();
        for i in 0..len {
            let (x, y, z, _) = f(i);
            assert!(
                close(out[i], r(r(x * y) + z), Bound::EXACT, side),
                "3 inputs, len {len} [{i}]"
            );
        }
        // four inputs, with values alive in several registers at once
        let e = (x() * 2.0 + y() * 3.0) - (z() * w()) / (x() + 1.0);
        let out = compute::eval(device, &e, [&a, &b, &c, &d]).unwrap();
        for i in 0..len {
            let (x, y, z, w) = f(i);
            let left = r(r(x * 2.0) + r(y * 3.0));
            let right = r(r(z * w) / r(x + 1.0));
            let want = r(left - right);
            // On the GPU the division's error (2.5 ULP of `right`) carries into the difference,
            // and a driver may fuse `y * 3` into the add after it (one rounding fewer, which can
            // move `left` by one ULP; llvmpipe does); the difference's own rounding may then
            // land one ULP away.
            let b = match side {
                Side::Cpu => Bound::EXACT,
                Side::Gpu => Bound {
                    ulps: 1.0,
                    abs: div_bound.ulps * common::ulp32(right as f32) + common::ulp32(left as f32),
                },
            };
            assert!(
                close(out[i], want, b, side),
                "4 inputs, len {len} [{i}]: got {}, want {want} ({x}, {y}, {z}, {w})",
                out[i]
            );
        }
        // min / max / pow / clamp and a constant on the left
        let out = compute::eval(
            device,
            (x().min(y()) - 0.5).max(constant(0.25)).clamp(0.0, 50.0),
            (&a, &b),
        )
        .unwrap();
        for i in 0..len {
            let (x, y, ..) = f(i);
            let want = r(x.min(y) - 0.5).max(0.25).clamp(0.0, 50.0);
            assert!(
                close(out[i], want, Bound::EXACT, side),
                "min/max len {len} [{i}]"
            );
        }
    }
}

#[test]
fn cpu_float_expressions_of_one_to_four_inputs() {
    check_float_expressions(&Device::cpu(), Side::Cpu);
}

#[test]
fn gpu_float_expressions_of_one_to_four_inputs() {
    if let Some(device) = gpu() {
        check_float_expressions(&device, Side::Gpu);
    }
}

fn check_int_expressions(device: &Device) {
    for len in lengths() {
        let s = len as u64;
        let (a, b, c, d) = (
            i32_data(len, s),
            i32_data(len, s + 1),
            i32_data(len, s + 2),
            i32_data(len, s + 3),
        );
        let out = compute::eval(device, x() * y() + z() / w() - 7, (&a, &b, &c, &d)).unwrap();
        for i in 0..len {
            let q = if d[i] == 0 {
                0
            } else {
                c[i].wrapping_div(d[i])
            };
            let want = a[i].wrapping_mul(b[i]).wrapping_add(q).wrapping_sub(7);
            assert_eq!(out[i], want, "i32 len {len} [{i}]");
        }
        let (p, q) = (u32_data(len, s), u32_data(len, s + 5));
        let out =
            compute::eval(device, (x() - y()).max(x()) * 3 + (10_u32 - x()), (&p, &q)).unwrap();
        for i in 0..len {
            let want = p[i]
                .wrapping_sub(q[i])
                .max(p[i])
                .wrapping_mul(3)
                .wrapping_add(10u32.wrapping_sub(p[i]));
            assert_eq!(out[i], want, "u32 len {len} [{i}]");
        }
    }
}

#[test]
fn cpu_integer_expressions() {
    check_int_expressions(&Device::cpu());
}

#[test]
fn gpu_integer_expressions() {
    if let Some(device) = gpu() {
        check_int_expressions(&device);
    }
}

fn check_map_and_zip_are_expressions(device: &Device) {
    let a = signed(10_001, 9);
    let b = positive(10_001, 10);
    let op = Op::Abs.then(Op::Add(1.0)).then(Op::Log);
    assert_eq!(
        compute::eval(device, x().apply(op.clone()), (&a,)).unwrap(),
        compute::map(device, &a, op).unwrap()
    );
    assert_eq!(
        compute::eval(device, x() / y(), (&a, &b)).unwrap(),
        compute::zip(device, &a, &b, BinOp::Div).unwrap()
    );
    assert_eq!(
        compute::eval(device, constant(3.0), (&a,)).unwrap(),
        vec![3.0; a.len()]
    );
    assert_eq!(compute::eval(device, y(), (&a, &b)).unwrap(), b);
}

#[test]
fn cpu_map_and_zip_are_thin_cases_of_eval() {
    check_map_and_zip_are_expressions(&Device::cpu());
}

#[test]
fn gpu_map_and_zip_are_thin_cases_of_eval() {
    if let Some(device) = gpu() {
        check_map_and_zip_are_expressions(&device);
    }
}

#[test]
fn bad_expression_inputs_are_errors_before_any_work() {
    let mut devices = vec![Device::cpu()];
    devices.extend(gpu());
    let (a, b) = (vec![1.0_f32; 5], vec![1.0_f32; 4]);
    for device in &devices {
        let err = compute::eval(device, x() + y(), (&a, &b)).unwrap_err();
        assert!(
            matches!(err, Error::LengthMismatch { left: 5, right: 4 }),
            "{err:?}"
        );
        let err = compute::eval(device, x() + z(), (&a, &a)).unwrap_err();
        assert!(
            matches!(err, Error::MissingInput { index: 2, given: 2 }),
            "{err:?}"
        );
        let err = compute::eval(device, x() + input(4), vec![&a; 5]).unwrap_err();
        assert!(
            matches!(err, Error::TooManyInputs { max: 4, .. }),
            "{err:?}"
        );
        let err = compute::eval(device, x().sqrt(), ([1, 2],)).unwrap_err();
        assert!(matches!(err, Error::FloatOnly { .. }), "{err:?}");
        let empty: Vec<f32> = Vec::new();
        assert!(compute::eval(device, x() * y(), (&empty, &empty))
            .unwrap()
            .is_empty());
        // a long left-leaning sum stays shallow; a deeper expression than a kernel holds is
        // an error, not a stack overflow
        let long = (0..40).fold(x::<f32>(), |e, _| e + x());
        assert_eq!(compute::eval(device, &long, (&a,)).unwrap(), vec![41.0; 5]);
        let deep = (0..40).fold(x::<f32>(), |e, _| x() + e);
        let err = compute::eval(device, &deep, (&a,)).unwrap_err();
        assert!(matches!(err, Error::Unsupported { .. }), "{err:?}");
    }
}

#[test]
fn expressions_reuse_their_kernel_shape_whatever_the_scalars() {
    let e2: Expr<f32> = x() * 2.0 + y();
    let e3: Expr<f32> = x() * 3.0 + y();
    assert_ne!(e2, e3);
    let mut devices = vec![Device::cpu()];
    devices.extend(gpu());
    for device in &devices {
        let out = compute::eval(device, &e3, ([1.0_f32], [1.0_f32])).unwrap();
        assert_eq!(out, [4.0]);
    }
}

// ---- user kernels

fn check_user_kernels(device: &Device) {
    let op = Op::custom("x * x + 1.0", |x: f32| x * x + 1.0).unwrap();
    let a = signed(4099, 3);
    let got = compute::map(device, &a, op.clone()).unwrap();
    for (g, x) in got.iter().zip(&a) {
        assert_eq!(*g, x * x + 1.0);
    }
    // chained and fused like a built-in op, and inside expressions
    let got = compute::map(device, &a, op.clone().then(Op::Sqrt).then(Op::Neg)).unwrap();
    for (g, x) in got.iter().zip(&a) {
        let want = -f64::from(x * x + 1.0).sqrt();
        assert!(
            (f64::from(*g) - want).abs() <= 5.0 * common::ulp32(want as f32),
            "{g} vs {want}"
        );
    }
    let b = positive(4099, 4);
    let got = compute::eval(device, x().apply(op) - y(), (&a, &b)).unwrap();
    for i in 0..a.len() {
        assert_eq!(got[i], (a[i] * a[i] + 1.0) - b[i]);
    }
    // integer kernels with WGSL built-ins
    let op = Op::custom("max(x * 3 + 1, -5)", |x: i32| {
        x.wrapping_mul(3).wrapping_add(1).max(-5)
    })
    .unwrap();
    let ints = i32_data(1000, 5);
    let got = compute::map(device, &ints, op).unwrap();
    for (g, x) in got.iter().zip(&ints) {
        assert_eq!(*g, x.wrapping_mul(3).wrapping_add(1).max(-5));
    }
}

#[test]
fn cpu_user_kernels_chain_and_fuse() {
    check_user_kernels(&Device::cpu());
}

#[test]
fn gpu_user_kernels_chain_and_fuse() {
    if let Some(device) = gpu() {
        check_user_kernels(&device);
    }
}

fn shader_error(wgsl: &str) -> String {
    match Op::custom(wgsl, |x: f32| x) {
        Err(Error::Shader { message }) => message,
        Err(other) => panic!("{wgsl:?}: wrong error {other:?}"),
        Ok(_) => panic!("{wgsl:?} was accepted"),
    }
}

#[test]
fn broken_user_kernels_are_errors_that_point_at_the_line_and_column() {
    let m = shader_error("x * * 2.0");
    assert!(m.contains("line 1, column"), "{m}");
    let m = shader_error("x *\n  (2.0 +)");
    assert!(m.contains("line 2, column"), "{m}");
    // wrong type: a u32 literal added to an f32
    let m = shader_error("x + 1u");
    assert!(m.contains("line 1") || m.contains("user kernel"), "{m}");
    // unknown names
    let m = shader_error("foo(x)");
    assert!(m.contains("line 1, column 1"), "{m}");
    let m = shader_error("x + y");
    assert!(m.contains("line 1, column 5"), "{m}");
}

#[test]
fn user_kernels_cannot_reach_outside_their_element() {
    for hostile in [
        "in0[5]",
        "out[0]",
        "params.n",
        "x + in0[arrayLength(&in0) + 7u]",
        "x); } @group(0) @binding(2) var<storage, read_write> evil: array<f32>; fn f(x: f32) -> f32 { return (x",
        "x); } fn g() -> f32 { return (1.0",
        "x); } @compute @workgroup_size(1) fn h() { } fn k(x: f32) -> f32 { return (x",
    ] {
        let _ = shader_error(hostile);
    }
}

/// `where_` with every kind of operand (an input, a scalar, a computed value) in each of its
/// three places, on each backend, against the element-wise choice.
fn check_where(device: &compute::Device) {
    use compute::expr::{where_, x, y, Expr};
    let kinds = |k: usize| -> Expr<f32> {
        match k {
            0 => x(),
            1 => Expr::from(-1.5),
            2 => x() * 2.0 - y(),
            _ => y().gt(1.0),
        }
    };
    let value = |k: usize, a: f32, b: f32| -> f32 {
        match k {
            0 => a,
            1 => -1.5,
            2 => a * 2.0 - b,
            _ => f32::from(u8::from(b > 1.0)),
        }
    };
    for len in [1, 63, 4097, 70_000] {
        let a: Vec<f32> = (0..len).map(|i| (i % 7) as f32 - 3.0).collect();
        let b: Vec<f32> = (0..len).map(|i| (i % 5) as f32 * 0.5).collect();
        for c in 0..4 {
            for t in 0..4 {
                for f in 0..4 {
                    let e = where_(kinds(c), kinds(t), kinds(f));
                    let got = compute::eval(device, &e, (&a, &b)).unwrap();
                    for i in 0..len {
                        let (p, q) = (a[i], b[i]);
                        let want = if value(c, p, q) != 0.0 {
                            value(t, p, q)
                        } else {
                            value(f, p, q)
                        };
                        assert_eq!(got[i], want, "where({c}, {t}, {f}) len {len} [{i}]");
                    }
                }
            }
        }
    }
}

#[test]
fn cpu_where_takes_any_operand_in_any_place() {
    check_where(&compute::Device::cpu());
}

#[test]
fn gpu_where_takes_any_operand_in_any_place() {
    if let Some(device) = common::gpu() {
        check_where(&device);
    }
}

/// Bits of values, NaNs made one (a NaN's payload is not an answer).
fn same_bits<T: compute::Element>(got: &[T], want: &[T]) -> bool {
    #[allow(clippy::eq_op)] // `v != v` is how a generic test finds NaN
    let key = |v: &T| {
        (
            v != v,
            if v == v {
                bytemuck::bytes_of(v).to_vec()
            } else {
                vec![]
            },
        )
    };
    got.len() == want.len() && got.iter().zip(want).all(|(g, w)| key(g) == key(w))
}

/// A one-value step right after a `+` or `-` of one or two products runs inside that sum's
/// loop, tile by tile, a square root of floats in the loop itself (the CPU's
/// `Fusion::trailing`): the same answers, bit for bit, as the
/// sum and the step each in a call of its own, at every length (tile and block edges), for
/// every kind of product operand and of the other operand (an input, a number, a computed
/// register), with NaN, ±inf, huge values (sine's far path) and wrapping.
fn check_step_after_products<T>(
    device: &Device,
    steps: &[Op<T>],
    values: impl Fn(usize, u64) -> Vec<T>,
) where
    T: compute::Element + From<u8>,
{
    let three = || constant(T::from(3));
    let sums = [
        x() * y() + z() * w(),
        x() * x() - y() * y(),
        three() * x() + y() * three(),
        x() * three() - three() * y(),
        x() * y() + z(),
        z() - three() * x(),
        x() * three() + three(),
        x() * y() - (z() + w()),
        (z() * w() + x()) + x() * y(),
        x() * y() + (z() + w()),
        (z() + w()) - three() * x(),
    ];
    for len in lengths() {
        let inputs = [
            values(len, 1),
            values(len, 2),
            values(len, 3),
            values(len, 4),
        ];
        for sum in &sums {
            let plain = compute::eval(device, sum.clone(), &inputs[..]).unwrap();
            for step in steps {
                let got =
                    compute::eval(device, sum.clone().apply(step.clone()), &inputs[..]).unwrap();
                let want = compute::map(device, &plain, step.clone()).unwrap();
                assert!(
                    same_bits(&got, &want),
                    "{step:?} after {sum:?}, {len} elements"
                );
                // a step after the step runs in a loop of its own
                let got = compute::eval(
                    device,
                    sum.clone().apply(step.clone()).apply(Op::Neg),
                    &inputs[..],
                )
                .unwrap();
                let want = compute::map(device, &want, Op::Neg).unwrap();
                assert!(
                    same_bits(&got, &want),
                    "-{step:?} after {sum:?}, {len} elements"
                );
            }
        }
    }
}

#[test]
fn cpu_a_step_after_a_sum_of_products_runs_in_its_loop_with_the_same_answers() {
    let device = Device::cpu();
    let float = |len: usize, seed: u64| -> Vec<f64> {
        let mut rng = Rng::new(seed);
        let edges = [f64::NAN, f64::INFINITY, -0.0, 1e200, -3e30, 1e-310];
        (0..len)
            .map(|i| match i % 41 {
                k if k < edges.len() && seed == 2 => edges[k],
                _ => rng.log_uniform(1e-3, 1e3, true),
            })
            .collect()
    };
    let custom = Op::custom("x * x", |x: f64| x * x).unwrap();
    let steps = [Op::Sqrt, Op::Exp, Op::Sin, Op::Abs, Op::Scale(2.5), custom];
    check_step_after_products(&device, &steps, float);
    let custom = Op::custom("x * x", |x: f32| x * x).unwrap();
    let steps = [Op::Sqrt, Op::Exp, Op::Sin, Op::Abs, Op::Scale(2.5), custom];
    check_step_after_products(&device, &steps, |len, seed| {
        float(len, seed).into_iter().map(|v| v as f32).collect()
    });
    let int = |len: usize, seed: u64| -> Vec<i64> {
        let mut rng = Rng::new(seed);
        (0..len)
            .map(|i| match i % 7 {
                0 => i64::MAX - i as i64,
                1 => i64::MIN,
                _ => rng.log_uniform(1.0, 1e6, true) as i64,
            })
            .collect()
    };
    check_step_after_products(&device, &[Op::Neg, Op::Abs, Op::Scale(-7), Op::Shr(3)], int);
}

/// The fused sum keeps each product's operands and the sum's in their order, so of two NaNs
/// it keeps the one the ops in calls of their own keep (x86 keeps the first operand's), and
/// a program longer than the 64 instructions the CPU's fusing looks at gives the same
/// answers as its parts.
#[test]
fn cpu_sums_of_products_keep_nan_payloads_and_long_programs_their_answers() {
    let device = Device::cpu();
    let nan = |payload: u64| f64::from_bits(0x7ff8_0000_0000_0000 | payload);
    let n = 300;
    let xs: Vec<f64> = (0..n)
        .map(|i| if i % 3 == 0 { nan(1) } else { i as f64 })
        .collect();
    let ys: Vec<f64> = (0..n)
        .map(|i| if i % 5 == 0 { nan(2) } else { 1.5 })
        .collect();
    let zs: Vec<f64> = (0..n)
        .map(|i| if i % 2 == 0 { nan(3) } else { -2.0 })
        .collect();
    let ws: Vec<f64> = (0..n)
        .map(|i| if i % 7 == 0 { nan(4) } else { 0.25 })
        .collect();
    let inputs = [&xs, &ys, &zs, &ws];
    let p = compute::zip(&device, &xs, &ys, BinOp::Mul).unwrap();
    let q = compute::zip(&device, &zs, &ws, BinOp::Mul).unwrap();
    for (sum, op) in [
        (x() * y() + z() * w(), BinOp::Add),
        (x() * y() - z() * w(), BinOp::Sub),
    ] {
        let want = compute::zip(&device, &p, &q, op).unwrap();
        let bits = |v: &[f64]| v.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        let got = compute::eval(&device, sum.clone(), &inputs[..]).unwrap();
        assert_eq!(bits(&got), bits(&want), "{op:?}");
        let got = compute::eval(&device, sum.sqrt(), &inputs[..]).unwrap();
        let want = compute::map(&device, &want, Op::Sqrt).unwrap();
        assert_eq!(bits(&got), bits(&want), "sqrt after {op:?}");
    }
    // 67 instructions: a prefix of 58, then sqrt(x*y + z*w) at 58..66, then the sum of both
    let mut prefix = -x();
    let mut want: Vec<f64> = xs.iter().map(|v| -v).collect();
    for k in 0..28 {
        let c = 1.0 + f64::from(k) / 8.0;
        prefix = prefix + c;
        want.iter_mut().for_each(|v| *v += c);
    }
    let e = prefix + (x() * y() + z() * w()).sqrt();
    for i in 0..n {
        want[i] += (xs[i] * ys[i] + zs[i] * ws[i]).sqrt();
    }
    let got = compute::eval(&device, e, &inputs[..]).unwrap();
    assert!(same_bits(&got, &want));
}

/// An expression with a negated choice and its inputs, then its reference and the reference's
/// inputs (the negations among them).
type NegatedCase<'v, T> = (Expr<T>, [&'v Vec<T>; 3], Expr<T>, [&'v Vec<T>; 4]);

/// A `where` that compares inputs as it selects negates a choice `-x` of an input beside an
/// input or a number in its own loop (the CPU's `Fusion::deferred`): the same bits as the
/// negation in a call of its own (floats' NaN signs and payloads, integers' wrapping at
/// `MIN`), at every length, each side, a number on either side of the comparison, inside a
/// larger expression and a nested `where`, and where it stays a pass of its own (both
/// choices negated, the other one computed).
fn check_negated_choices<T>(device: &Device, values: impl Fn(usize, u64) -> Vec<T>)
where
    T: compute::Element + From<u8>,
{
    let three = || constant(T::from(3));
    let bits = |v: &[T]| bytemuck::cast_slice::<T, u8>(v).to_vec();
    for len in lengths() {
        let (a, b, c) = (values(len, 1), values(len, 2), values(len, 3));
        let neg = |v: &Vec<T>| compute::map(device, v, Op::Neg).unwrap();
        let (na, nb, nc) = (neg(&a), neg(&b), neg(&c));
        // (fused, its inputs; the reference with the negations as inputs, its inputs)
        let cases: Vec<NegatedCase<T>> = vec![
            (
                where_(x().gt(y()), x(), -z()),
                [&a, &b, &c],
                where_(x().gt(y()), x(), w()),
                [&a, &b, &c, &nc],
            ),
            (
                where_(x().lt(three()), -y(), z()),
                [&a, &b, &c],
                where_(x().lt(three()), w(), z()),
                [&a, &b, &c, &nb],
            ),
            (
                where_(three().gt(x()), -y(), three()),
                [&a, &b, &c],
                where_(three().gt(x()), w(), three()),
                [&a, &b, &c, &nb],
            ),
            (
                where_(x().not_equal(y()), three(), -y()),
                [&a, &b, &c],
                where_(x().not_equal(y()), three(), w()),
                [&a, &b, &c, &nb],
            ),
            (
                where_(x().ge(y()), -x(), -y()),
                [&a, &b, &c],
                where_(x().ge(y()), z(), w()),
                [&a, &b, &na, &nb],
            ),
            (
                where_(x().le(three()), -y(), y() * three()),
                [&a, &b, &c],
                where_(x().le(three()), w(), y() * three()),
                [&a, &b, &c, &nb],
            ),
            (
                where_(x().equal(y()), x(), -y()) * three() + z(),
                [&a, &b, &c],
                where_(x().equal(y()), x(), w()) * three() + z(),
                [&a, &b, &c, &nb],
            ),
            (
                where_(x().gt(three()), where_(y().lt(three()), -z(), x()), -y()),
                [&a, &b, &c],
                where_(x().gt(three()), where_(y().lt(three()), z(), x()), w()),
                [&a, &b, &nc, &nb],
            ),
        ];
        for (fused, inputs, reference, with) in cases {
            let got = compute::eval(device, fused.clone(), &inputs[..]).unwrap();
            let want = compute::eval(device, reference, &with[..]).unwrap();
            assert_eq!(bits(&got), bits(&want), "{fused:?}, {len} elements");
        }
    }
}

#[test]
fn cpu_a_negated_choice_of_a_where_is_negated_in_its_loop_with_the_same_bits() {
    let device = Device::cpu();
    let float = |len: usize, seed: u64| -> Vec<f64> {
        let mut rng = Rng::new(seed);
        let edges = [
            f64::from_bits(0x7ff8_0000_0000_0005),
            f64::from_bits(0xfff8_0000_0000_0009),
            f64::INFINITY,
            f64::NEG_INFINITY,
            0.0,
            -0.0,
            3.0,
        ];
        (0..len)
            .map(|i| match (i + seed as usize) % 11 {
                k if k < edges.len() => edges[k],
                _ => rng.log_uniform(1e-3, 1e3, true),
            })
            .collect()
    };
    check_negated_choices(&device, float);
    // f32 NaNs of their own payloads (a cast from f64 keeps only the top bits of one)
    check_negated_choices(&device, |len, seed| {
        float(len, seed)
            .into_iter()
            .map(|v| match (v.is_nan(), v.is_sign_negative()) {
                (true, false) => f32::from_bits(0x7fc0_0005),
                (true, true) => f32::from_bits(0xffc0_0009),
                _ => v as f32,
            })
            .collect()
    });
    let int = |len: usize, seed: u64| -> Vec<i64> {
        let mut rng = Rng::new(seed);
        (0..len)
            .map(|i| match (i + seed as usize) % 7 {
                0 => i64::MIN,
                1 => i64::MAX,
                2 => 3,
                3 => 0,
                _ => rng.log_uniform(1.0, 1e6, true) as i64,
            })
            .collect()
    };
    check_negated_choices(&device, int);
    check_negated_choices(&device, |len, seed| {
        int(len, seed).into_iter().map(|v| v as i32).collect()
    });
    check_negated_choices(&device, |len, seed| {
        int(len, seed).into_iter().map(|v| v as u64).collect()
    });
    check_negated_choices(&device, |len, seed| {
        int(len, seed).into_iter().map(|v| v as u32).collect()
    });
}
