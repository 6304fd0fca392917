//! Comparisons in expressions (`gt`, `ge`, `lt`, `le`, `equal`, `not_equal`: 1 or 0 in the
//! element type) and `count`, numpy's `count_nonzero`, on both backends. Comparisons of the
//! inputs themselves are exact on both, so every answer is checked exactly.

mod common;

use common::{gpu, i32_data, lengths, u32_data, Rng};
use compute::expr::{x, y, Expr};
use compute::{Array, Device, Error};

/// Floats with many ties (so `equal` holds somewhere) and both signs.
fn f32_data(len: usize, seed: u64) -> Vec<f32> {
    let mut rng = Rng::new(seed);
    (0..len)
        .map(|_| (rng.next_u64() % 9) as f32 * 0.5 - 2.0)
        .collect()
}

type Pred<T> = fn(T, T) -> bool;

/// Every comparison as an expression of `x` and `y`, with its Rust meaning.
fn comparisons<T: compute::Element + PartialOrd>() -> Vec<(&'static str, Expr<T>, Pred<T>)> {
    vec![
        ("gt", x().gt(y()), |a, b| a > b),
        ("ge", x().ge(y()), |a, b| a >= b),
        ("lt", x().lt(y()), |a, b| a < b),
        ("le", x().le(y()), |a, b| a <= b),
        ("equal", x().equal(y()), |a, b| a == b),
        ("not_equal", x().not_equal(y()), |a, b| a != b),
    ]
}

fn check<T>(device: &Device, a: &[T], b: &[T], zero: T, one: T)
where
    T: compute::Element + PartialOrd + Copy + std::fmt::Debug,
{
    for (name, expr, holds) in comparisons::<T>() {
        let want: Vec<T> = a
            .iter()
            .zip(b)
            .map(|(&p, &q)| if holds(p, q) { one } else { zero })
            .collect();
        let got = compute::eval(device, &expr, (a, b)).unwrap();
        assert_eq!(got, want, "{name} over {} elements", a.len());
        let n = a.iter().zip(b).filter(|(&p, &q)| holds(p, q)).count() as u64;
        assert_eq!(
            compute::count(device, &expr, (a, b)).unwrap(),
            n,
            "count {name} over {} elements",
            a.len()
        );
    }
}

fn check_comparisons(device: &Device) {
    for len in lengths() {
        let (a, b) = (f32_data(len, 1 + len as u64), f32_data(len, 2 + len as u64));
        check(device, &a, &b, 0.0, 1.0);
        let (a, b) = (i32_data(len, 3 + len as u64), i32_data(len, 4 + len as u64));
        // i32_data repeats its special values, so ties occur
        check(device, &a, &b, 0, 1);
        let (a, b) = (u32_data(len, 5 + len as u64), u32_data(len, 6 + len as u64));
        check(device, &a, &b, 0, 1);
    }
}

#[test]
fn cpu_comparisons_and_counts_are_exact() {
    check_comparisons(&Device::cpu());
}

#[test]
fn gpu_comparisons_and_counts_are_exact() {
    if let Some(device) = gpu() {
        check_comparisons(&device);
    }
}

fn check_scalars_and_fusion(device: &Device) {
    let a = i32_data(100_003, 7);
    let b = i32_data(100_003, 8);
    // a scalar on either side, and a predicate over a fused expression (exact in integers)
    let want = a.iter().filter(|&&v| v >= 17).count() as u64;
    assert_eq!(compute::count(device, x().ge(17), (&a,)).unwrap(), want);
    let want = a.iter().filter(|&&v| 17 > v).count() as u64;
    assert_eq!(
        compute::count(device, Expr::from(17).gt(x()), (&a,)).unwrap(),
        want
    );
    let fused = (x() * 3 + y()).abs().lt(500);
    let want = a
        .iter()
        .zip(&b)
        .filter(|(&p, &q)| p.wrapping_mul(3).wrapping_add(q).wrapping_abs() < 500)
        .count() as u64;
    assert_eq!(compute::count(device, &fused, (&a, &b)).unwrap(), want);
    // a comparison is a value like any other: 1s and 0s that add up to the count
    let ones = compute::reduce(device, x().gt(0), (&a,), compute::Reduce::Sum).unwrap();
    assert_eq!(
        ones,
        Some(a.iter().filter(|&&v| v > 0).count() as i32),
        "sum of a comparison"
    );
    // count without a comparison counts nonzero elements
    let want = a.iter().filter(|&&v| v != 0).count() as u64;
    assert_eq!(compute::count(device, x(), (&a,)).unwrap(), want);
}

#[test]
fn cpu_counts_with_scalars_and_fused_expressions() {
    check_scalars_and_fusion(&Device::cpu());
}

#[test]
fn gpu_counts_with_scalars_and_fused_expressions() {
    if let Some(device) = gpu() {
        check_scalars_and_fusion(&device);
    }
}

/// A predicate's Rust meaning.
type Holds<'a, T> = Box<dyn Fn(T, T) -> bool + 'a>;

/// A predicate named, as an expression of two values, with its Rust meaning.
type Case<T> = (
    &'static str,
    fn(Expr<T>, Expr<T>) -> Expr<T>,
    Holds<'static, T>,
);

/// A predicate of two inputs, of an input and the scalar `c` and of `c` and an input, each
/// named, as an expression, and with its Rust meaning over the two inputs' elements.
fn three_shapes<'h, T: compute::Element + Copy>(
    make: fn(Expr<T>, Expr<T>) -> Expr<T>,
    holds: &'h Holds<'static, T>,
    c: T,
) -> [(&'static str, Expr<T>, Holds<'h, T>); 3] {
    [
        ("x, y", make(x(), y()), Box::new(holds)),
        (
            "x, c",
            make(x(), Expr::from(c)),
            Box::new(move |p, _| holds(p, c)),
        ),
        (
            "c, x",
            make(Expr::from(c), x()),
            Box::new(move |p, _| holds(c, p)),
        ),
    ]
}

/// The six comparisons, each as an expression of two values with its Rust meaning.
fn comparisons_named<T: compute::Element + PartialOrd>() -> [Case<T>; 6] {
    [
        ("gt", |p, q| p.gt(q), Box::new(|p, q| p > q)),
        ("ge", |p, q| p.ge(q), Box::new(|p, q| p >= q)),
        ("lt", |p, q| p.lt(q), Box::new(|p, q| p < q)),
        ("le", |p, q| p.le(q), Box::new(|p, q| p <= q)),
        ("equal", |p, q| p.equal(q), Box::new(|p, q| p == q)),
        ("not_equal", |p, q| p.not_equal(q), Box::new(|p, q| p != q)),
    ]
}

/// Every binary predicate over `a` and `b`, as an expression of two inputs, of an input and a
/// scalar and of a scalar and an input (the CPU counts these three shapes as it compares),
/// with its Rust meaning.
fn count_one_predicate<T>(device: &Device, a: &[T], b: &[T], c: T)
where
    T: compute::Element + PartialOrd + Copy + std::fmt::Debug + Default,
{
    let truthy = |v: T| v != T::default();
    let mut cases: Vec<Case<T>> = comparisons_named().into();
    cases.push((
        "and",
        |p, q| p.logical_and(q),
        Box::new(move |p, q| truthy(p) && truthy(q)),
    ));
    cases.push((
        "or",
        |p, q| p.logical_or(q),
        Box::new(move |p, q| truthy(p) || truthy(q)),
    ));
    cases.push((
        "xor",
        |p, q| p.logical_xor(q),
        Box::new(move |p, q| truthy(p) != truthy(q)),
    ));
    for (name, make, holds) in &cases {
        let shapes = three_shapes(*make, holds, c);
        for (shape, expr, holds) in shapes {
            let want = a.iter().zip(b).filter(|(&p, &q)| holds(p, q)).count() as u64;
            let got = compute::count(device, &expr, (a, b)).unwrap();
            assert_eq!(got, want, "count {name}({shape}) over {} elements", a.len());
            let sum = compute::reduce(device, &expr, (a, b), compute::Reduce::Sum).unwrap();
            assert_eq!(
                sum.map(|s| s.to_f64()),
                Some(want as f64),
                "sum {name}({shape}) over {} elements",
                a.len()
            );
        }
    }
}

/// `where(cmp, p, q)` for every comparison `cmp` of two inputs, of an input and a scalar and
/// of a scalar and an input (the CPU compares these as it selects, but for 64-bit
/// integers), with choices that are inputs, scalars or computed values, each pair of two
/// different ones, and one such `where` under another value: every value exactly the choice
/// (computed alone) that the comparison picks, bit for bit.
fn select_by_one_comparison<T>(device: &Device, a: &[T], b: &[T], c: T, k: T)
where
    T: compute::Element + PartialOrd + Copy + std::fmt::Debug + Default,
{
    let comparisons = comparisons_named::<T>();
    // inputs (slices), scalars, computed values (registers): each pair of two different ones
    let choices: [(&str, Expr<T>); 6] = [
        ("x", x()),
        ("y", y()),
        ("k", Expr::from(k)),
        ("c", Expr::from(c)),
        ("y + y", y() + y()),
        ("x + x", x() + x()),
    ];
    let values: Vec<Vec<T>> = choices
        .iter()
        .map(|(_, e)| compute::eval(device, e, (a, b)).unwrap())
        .collect();
    let bits = |v: &[T]| bytemuck::cast_slice::<T, u8>(v).to_vec();
    let pick = |holds: &Holds<'_, T>, i: usize, j: usize| -> Vec<T> {
        (0..a.len())
            .map(|e| {
                if holds(a[e], b[e]) {
                    values[i][e]
                } else {
                    values[j][e]
                }
            })
            .collect()
    };
    for (name, make, holds) in &comparisons {
        let shapes = three_shapes(*make, holds, c);
        for (shape, cond, holds) in &shapes {
            // under another value, the output register busy: into a scratch register
            let nested = (y() + y()) - compute::expr::where_(cond.clone(), x(), Expr::from(k));
            let got = compute::eval(device, &nested, (a, b)).unwrap();
            let want = compute::eval(device, x() - y(), (&values[4], &pick(holds, 0, 2))).unwrap();
            assert!(
                bits(&got) == bits(&want),
                "y + y - where({name}({shape}), x, k) over {} elements",
                a.len()
            );
            for (i, (first, p)) in choices.iter().enumerate() {
                for (j, (second, q)) in choices.iter().enumerate().filter(|&(j, _)| j != i) {
                    let expr = compute::expr::where_(cond.clone(), p.clone(), q.clone());
                    let got = compute::eval(device, &expr, (a, b)).unwrap();
                    let want = pick(holds, i, j);
                    assert!(
                        bits(&got) == bits(&want),
                        "where({name}({shape}), {first}, {second}) over {} elements",
                        a.len()
                    );
                }
            }
        }
    }
}

/// `p ± o` and `o ± p` for a product `p` of two inputs, of an input and a scalar and of a
/// scalar and an input (the CPU multiplies these as it adds, but for 64-bit integers), with
/// `o` an input, a scalar or a computed value, and `p + o * o`: every value exactly the ops
/// done one after the other, bit for bit (NaN against NaN included: of two NaNs x86 keeps
/// the first operand's bits, so the fused loop must keep each op's operand order; LLVM may
/// in principle commute an addition, which would fail this without a wrong value).
fn add_a_product<T>(device: &Device, a: &[T], b: &[T], c: T, k: T)
where
    T: compute::Element + Copy + std::fmt::Debug,
{
    let products: [(&str, Expr<T>); 3] = [
        ("x * y", x() * y()),
        ("x * c", x() * Expr::from(c)),
        ("c * x", Expr::from(c) * x()),
    ];
    let others: [(&str, Expr<T>); 3] = [("x", x()), ("k", Expr::from(k)), ("y + y", y() + y())];
    let bits = |v: &[T]| bytemuck::cast_slice::<T, u8>(v).to_vec();
    for (name, p) in &products {
        let pv = compute::eval(device, p, (a, b)).unwrap();
        for (other, o) in &others {
            let ov = compute::eval(device, o, (a, b)).unwrap();
            let sums: [(&str, Expr<T>, Expr<T>); 5] = [
                ("p + o", p.clone() + o.clone(), x() + y()),
                ("o + p", o.clone() + p.clone(), y() + x()),
                ("p - o", p.clone() - o.clone(), x() - y()),
                ("o - p", o.clone() - p.clone(), y() - x()),
                // the other operand a product too (computed into a register)
                (
                    "p + o * o",
                    p.clone() + o.clone() * o.clone(),
                    x() + y() * y(),
                ),
            ];
            for (form, fused, apart) in sums {
                let got = compute::eval(device, &fused, (a, b)).unwrap();
                let want = compute::eval(device, &apart, (&pv, &ov)).unwrap();
                assert!(
                    bits(&got) == bits(&want),
                    "{form} with p = {name}, o = {other}, over {} elements",
                    a.len()
                );
            }
        }
    }
}

#[test]
fn cpu_sums_of_one_product_are_the_two_ops_for_every_type() {
    let device = Device::cpu();
    for len in lengths() {
        let seed = len as u64 + 200;
        let a = f32_data(len, seed);
        let b: Vec<f32> = f32_data(len, seed + 1)
            .iter()
            .enumerate()
            .map(|(i, &v)| match i % 9 {
                2 => f32::NAN,
                5 => f32::INFINITY,
                7 => 3.0e38,
                _ => v,
            })
            .collect();
        add_a_product(&device, &a, &b, 0.1, -0.0);
        // NaNs of both signs: of two NaNs x86 keeps the first operand's bits
        add_a_product(&device, &a, &b, f32::NAN, -f32::NAN);
        let (a64, b64) = (each(&a, f64::from), each(&b, |v| f64::from(v) * 1e300));
        add_a_product(&device, &a64, &b64, 1e10, f64::NAN);
        add_a_product(&device, &a64, &b64, -f64::NAN, 1.0);
        let (i, j) = (i32_data(len, seed + 2), i32_data(len, seed + 3));
        add_a_product(&device, &i, &j, -3, i32::MAX);
        let i = edges(&i, |v| i64::from(v) << 33, i64::MAX, i64::MIN);
        let j = edges(&j, |v| i64::from(v) << 20, 3, -1);
        add_a_product(&device, &i, &j, 3, 1);
        let (u, v) = (u32_data(len, seed + 4), u32_data(len, seed + 5));
        add_a_product(&device, &u, &v, 7, u32::MAX);
        let u = edges(&u, |w| u64::from(w) << 31, u64::MAX, 2);
        add_a_product(&device, &u, &each(&v, u64::from), 1 << 40, 9);
    }
}

#[test]
fn cpu_selects_by_one_comparison_hold_for_every_type_and_nan() {
    let device = Device::cpu();
    for len in lengths() {
        let seed = len as u64 + 100;
        let f = |s| with_specials(len, s);
        let (a, b) = (f(seed), f(seed + 1));
        let (a32, b32) = (each(&a, |v| v as f32), each(&b, |v| v as f32));
        select_by_one_comparison(&device, &a32, &b32, 0.5, f32::NAN);
        select_by_one_comparison(&device, &a32, &b32, f32::NAN, -0.0);
        select_by_one_comparison(&device, &a, &b, -0.0, f64::INFINITY);
        let (i, j) = (i32_data(len, seed + 2), i32_data(len, seed + 3));
        select_by_one_comparison(&device, &i, &j, 0, i32::MIN);
        let (top, next) = ((1_i64 << 53) + 1, 1_i64 << 53);
        let i = edges(&i, |v| i64::from(v) << 20, top, i64::MAX);
        let j = edges(&j, |v| i64::from(v) << 20, next, i64::MAX - 1);
        select_by_one_comparison(&device, &i, &j, next, i64::MIN);
        let (u, v) = (u32_data(len, seed + 4), u32_data(len, seed + 5));
        select_by_one_comparison(&device, &u, &v, 7, u32::MAX);
        let u = edges(&u, |w| u64::from(w) << 31, top as u64, u64::MAX);
        let v = edges(&v, |w| u64::from(w) << 31, next as u64, u64::MAX - 1);
        select_by_one_comparison(&device, &u, &v, top as u64, 1);
    }
}

/// `len` f32 values in f64, with ties, both signs, and NaN, infinities and zeros at the
/// same places for every seed (NaN against NaN, ∞ against ∞) and at places of the seed's own
/// (NaN against a number, -0 against 0).
fn with_specials(len: usize, seed: u64) -> Vec<f64> {
    let special = |i: usize, v: f64| match (i % 11, (i + seed as usize) % 13) {
        (3, _) => f64::NAN,
        (7, _) => f64::INFINITY,
        (9, _) => 0.0,
        (_, 5) => -0.0,
        (_, 8) => f64::NAN,
        (_, 11) => f64::NEG_INFINITY,
        _ => v,
    };
    f32_data(len, seed)
        .iter()
        .enumerate()
        .map(|(i, &v)| special(i, f64::from(v)))
        .collect()
}

/// `f` of each element.
fn each<S: Copy, T>(values: &[S], f: impl Fn(S) -> T) -> Vec<T> {
    values.iter().map(|&v| f(v)).collect()
}

/// `plain` of each element, but `near` at every seventh from the second and `far` at every
/// seventh from the fifth.
fn edges<S: Copy, T: Copy>(values: &[S], plain: impl Fn(S) -> T, near: T, far: T) -> Vec<T> {
    let at = |(k, &v): (usize, &S)| match k % 7 {
        1 => near,
        4 => far,
        _ => plain(v),
    };
    values.iter().enumerate().map(at).collect()
}

#[test]
fn cpu_counts_of_one_predicate_hold_for_every_type_and_nan() {
    let device = Device::cpu();
    for len in lengths() {
        let seed = len as u64;
        let f = |s| with_specials(len, s);
        let (a, b) = (f(seed), f(seed + 1));
        let (a32, b32) = (each(&a, |v| v as f32), each(&b, |v| v as f32));
        for c in [0.5, f32::NAN, -0.0, f32::INFINITY] {
            count_one_predicate(&device, &a32, &b32, c);
        }
        for c in [-1.0, f64::NAN, 0.0] {
            count_one_predicate(&device, &a, &b, c);
        }
        let (i, j) = (i32_data(len, seed + 2), i32_data(len, seed + 3));
        count_one_predicate(&device, &i, &j, 0);
        // 64-bit values that f64 cannot tell apart: 2^53 + 1 against 2^53, the extremes
        // against their neighbours
        let (top, next) = ((1_i64 << 53) + 1, 1_i64 << 53);
        let i = edges(&i, |v| i64::from(v) << 20, top, i64::MAX);
        let j = edges(&j, |v| i64::from(v) << 20, next, i64::MAX - 1);
        for c in [top, next, i64::MIN, 1 << 20] {
            count_one_predicate(&device, &i, &j, c);
        }
        let (u, v) = (u32_data(len, seed + 4), u32_data(len, seed + 5));
        count_one_predicate(&device, &u, &v, 7);
        let (top, next) = (top as u64, next as u64);
        let u = edges(&u, |w| u64::from(w) << 31, top, u64::MAX);
        let v = edges(&v, |w| u64::from(w) << 31, next, u64::MAX - 1);
        for c in [top, next, u64::MAX, 7 << 31] {
            count_one_predicate(&device, &u, &v, c);
        }
    }
}

/// 2^24 + 3 elements all counted: a sum of ones in f32 cannot hold that number (it rounds
/// to a multiple of 2 above 2^24), the count must.
fn check_counts_past_f32_precision(device: &Device) {
    let n = (1 << 24) + 3;
    let a: Vec<f32> = (0..n)
        .map(|i| if i % 3 == 2 { -1.0 } else { 1.0 })
        .collect();
    assert_eq!(
        compute::count(device, x().gt(-5.0), (&a,)).unwrap(),
        n as u64
    );
    let positive = (0..n).filter(|i| i % 3 != 2).count() as u64;
    assert_eq!(
        compute::count(device, x().gt(0.0), (&a,)).unwrap(),
        positive
    );
}

#[test]
fn cpu_counts_past_f32_precision_are_exact() {
    check_counts_past_f32_precision(&Device::cpu());
}

#[test]
fn gpu_counts_past_f32_precision_are_exact() {
    if let Some(device) = gpu() {
        check_counts_past_f32_precision(&device);
    }
}

#[test]
fn nan_compares_as_numpy_does_on_the_cpu() {
    let cpu = Device::cpu();
    let a = [1.0_f32, f32::NAN, 3.0, f32::NAN, 0.0];
    // NaN is nonzero, unequal to everything (itself too), and neither above nor below
    assert_eq!(compute::count(&cpu, x(), (&a,)).unwrap(), 4);
    assert_eq!(compute::count(&cpu, x().not_equal(x()), (&a,)).unwrap(), 2);
    assert_eq!(compute::count(&cpu, x().equal(x()), (&a,)).unwrap(), 3);
    assert_eq!(compute::count(&cpu, x().gt(0.5), (&a,)).unwrap(), 2);
    assert_eq!(compute::count(&cpu, x().le(0.5), (&a,)).unwrap(), 1);
    assert_eq!(
        compute::eval(&cpu, x().ge(1.0), (&a,)).unwrap(),
        [1.0, 0.0, 1.0, 0.0, 0.0]
    );
}

#[test]
fn empty_inputs_and_bad_input_are_answered_before_any_work() {
    let mut devices = vec![Device::cpu()];
    devices.extend(gpu());
    for device in &devices {
        let empty: Vec<f32> = Vec::new();
        assert_eq!(compute::count(device, x().gt(0.0), (&empty,)).unwrap(), 0);
        let err = compute::count(device, x().lt(y()), ([1.0_f32, 2.0], [1.0_f32])).unwrap_err();
        assert!(
            matches!(err, Error::LengthMismatch { left: 2, right: 1 }),
            "{err:?}"
        );
        let err = compute::count(device, x().lt(y()), ([1.0_f32],)).unwrap_err();
        assert!(matches!(err, Error::MissingInput { .. }), "{err:?}");
        let err = compute::count(device, x().sqrt().gt(1), ([4, 9],)).unwrap_err();
        assert!(matches!(err, Error::FloatOnly { .. }), "{err:?}");
    }
}

#[test]
fn gpu_resident_counts_agree_with_the_cpu() {
    let Some(device) = gpu() else { return };
    let a = f32_data(300_001, 11);
    let b = f32_data(300_001, 12);
    let (ga, gb) = (
        device.upload(a.clone()).unwrap(),
        device.upload(b.clone()).unwrap(),
    );
    let cpu = Device::cpu();
    for (name, expr, _) in comparisons::<f32>() {
        assert_eq!(
            Array::count(&expr, &[&ga, &gb]).unwrap(),
            compute::count(&cpu, &expr, (&a, &b)).unwrap(),
            "{name}"
        );
    }
    let (ha, hb) = (cpu.upload(a.clone()).unwrap(), cpu.upload(b).unwrap());
    assert_eq!(
        Array::count(x().lt(y()), &[&ha, &hb]).unwrap(),
        Array::count(x().lt(y()), &[&ga, &gb]).unwrap()
    );
}

#[test]
fn gpu_counts_split_into_chunks_agree_with_the_cpu() {
    let Some(device) = gpu() else { return };
    let device = device.with_gpu_chunk_bytes(64 << 10);
    let cpu = Device::cpu();
    for n in [16_383, 16_385, 3 * 16_384 + 77, 200_003] {
        let a = i32_data(n, n as u64);
        assert_eq!(
            compute::count(&device, x().gt(0), (&a,)).unwrap(),
            compute::count(&cpu, x().gt(0), (&a,)).unwrap(),
            "n = {n}"
        );
    }
}

/// `eval_into` and `mask_into` give what `eval` and `mask` give, in the caller's buffers,
/// at every length; a buffer of another length is refused before any work.
fn check_into(device: &Device) {
    for len in lengths() {
        let a = f32_data(len, 11);
        let b = f32_data(len, 12);
        let expr = (x() * y() + 1.0).sqrt();
        let want = compute::eval(device, &expr, (&a, &b)).unwrap();
        let mut out = vec![f32::NAN; len];
        compute::eval_into(device, &expr, (&a, &b), &mut out).unwrap();
        assert_eq!(
            out.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            want.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            "eval_into, len {len}"
        );
        let pred = x().gt(y()).logical_or(x().isnan());
        let want = compute::mask(device, &pred, (&a, &b)).unwrap();
        let mut truth = vec![true; len];
        compute::mask_into(device, &pred, (&a, &b), &mut truth).unwrap();
        assert_eq!(truth, want, "mask_into, len {len}");
        let expected: Vec<bool> = a.iter().zip(&b).map(|(p, q)| p > q || p.is_nan()).collect();
        assert_eq!(
            truth, expected,
            "mask_into against the scalar loop, len {len}"
        );
    }
    let a = [1.0_f32, 2.0, 3.0];
    let mut short = [7.0_f32; 2];
    assert!(matches!(
        compute::eval_into(device, x() + 1.0, (&a,), &mut short),
        Err(compute::Error::LengthMismatch { left: 3, right: 2 })
    ));
    assert_eq!(short, [7.0, 7.0], "a refused call leaves the buffer alone");
    let mut long = [true; 4];
    assert!(matches!(
        compute::mask_into(device, x().gt(1.0), (&a,), &mut long),
        Err(compute::Error::LengthMismatch { left: 3, right: 4 })
    ));
    assert_eq!(long, [true; 4]);
}

#[test]
fn cpu_eval_into_and_mask_into_fill_the_callers_buffers() {
    check_into(&Device::cpu());
}

#[test]
fn gpu_eval_into_and_mask_into_fill_the_callers_buffers() {
    if let Some(device) = gpu() {
        check_into(&device);
    }
}

/// `!=` holds for NaN on the GPU too (written as "not ==": lavapipe compiles a float `!=` as
/// ordered, false for NaN), so `count` of a value counts NaN as nonzero, as numpy does.
#[test]
fn gpu_not_equal_and_count_hold_for_nan() {
    if let Some(device) = gpu() {
        let a = [f32::NAN, 0.0, -0.0, 1.0, -f32::NAN];
        assert_eq!(
            compute::count(&device, x().not_equal(0.0), (&a,)).unwrap(),
            3
        );
        assert_eq!(compute::count(&device, x(), (&a,)).unwrap(), 3);
        assert_eq!(
            compute::mask(&device, x().not_equal(x()), (&a,)).unwrap(),
            [true, false, false, false, true]
        );
    }
}
