//! Reductions on each backend against f64 (or exact integer) references, within the
//! documented bound for float sums: |s - Σx| <= (⌈log2 n⌉ + 16) · ε · Σ|x|.
#![allow(clippy::needless_range_loop)]

mod common;

use common::{gpu, i32_data, lengths, u32_data, Rng};
use compute::expr::{x, y, z};
use compute::{Device, Error, Op, Reduce};

fn sum_bound(n: usize, abs_sum: f64) -> f64 {
    let levels = (n.max(1) as f64).log2().ceil() + 16.0;
    levels * f64::from(f32::EPSILON) / 2.0 * abs_sum
}

fn data(len: usize, seed: u64) -> Vec<f32> {
    let mut rng = Rng::new(seed);
    (0..len)
        .map(|_| rng.log_uniform(1e-3, 1e3, true) as f32)
        .collect()
}

fn check_float_reductions(device: &Device) {
    for len in lengths() {
        let a = data(len, len as u64);
        let b = data(len, len as u64 + 1);
        let exact: f64 = a.iter().map(|&v| f64::from(v)).sum();
        let abs: f64 = a.iter().map(|&v| f64::from(v).abs()).sum();
        let got = f64::from(compute::sum(device, &a).unwrap());
        assert!(
            (got - exact).abs() <= sum_bound(len, abs),
            "sum len {len}: {got} vs {exact}"
        );

        let lo = a.iter().copied().fold(f32::INFINITY, f32::min);
        let hi = a.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let want = |v: f32| if len == 0 { None } else { Some(v) };
        assert_eq!(compute::min(device, &a).unwrap(), want(lo), "min len {len}");
        assert_eq!(compute::max(device, &a).unwrap(), want(hi), "max len {len}");

        let mean = compute::mean(device, &a).unwrap();
        match mean {
            None => assert_eq!(len, 0),
            Some(m) => {
                assert!((m - exact / len as f64).abs() <= sum_bound(len, abs) / len as f64 + 1e-12)
            }
        }

        // dot and a fused sum of squares: the products' roundings are bounded too
        let dot_exact: f64 = a
            .iter()
            .zip(&b)
            .map(|(&p, &q)| f64::from(p) * f64::from(q))
            .sum();
        let dot_abs: f64 = a
            .iter()
            .zip(&b)
            .map(|(&p, &q)| (f64::from(p) * f64::from(q)).abs())
            .sum();
        let got = f64::from(compute::dot(device, &a, &b).unwrap());
        assert!(
            (got - dot_exact).abs() <= sum_bound(len, dot_abs) * 2.0,
            "dot len {len}: {got} vs {dot_exact}"
        );
        let sq_exact: f64 = a.iter().map(|&v| f64::from(v) * f64::from(v)).sum();
        let got = compute::reduce(device, x().square(), (&a,), Reduce::Sum)
            .unwrap()
            .unwrap();
        assert!(
            (f64::from(got) - sq_exact).abs() <= sum_bound(len, sq_exact) * 2.0,
            "sum of squares len {len}"
        );

        // expressions of three inputs, fused into min / max
        let c = data(len, len as u64 + 2);
        let e = x() * y() - z();
        let vals: Vec<f32> = (0..len).map(|i| a[i] * b[i] - c[i]).collect();
        let (lo, hi) = (
            vals.iter().copied().fold(f32::INFINITY, f32::min),
            vals.iter().copied().fold(f32::NEG_INFINITY, f32::max),
        );
        let got_lo = compute::reduce(device, &e, (&a, &b, &c), Reduce::Min).unwrap();
        let got_hi = compute::reduce(device, &e, (&a, &b, &c), Reduce::Max).unwrap();
        if len > 0 {
            // a GPU may fuse a * b - c into one rounding: allow one ULP of the extreme
            let (gl, gh) = (got_lo.unwrap(), got_hi.unwrap());
            assert!(
                (gl - lo).abs() <= common::ulp32(lo) as f32,
                "min len {len}: {gl} vs {lo}"
            );
            assert!(
                (gh - hi).abs() <= common::ulp32(hi) as f32,
                "max len {len}: {gh} vs {hi}"
            );
        } else {
            assert_eq!((got_lo, got_hi), (None, None));
        }
    }
}

/// `Reduce::Prod` against the exact product (f64 products of f32 values near 1, rounded
/// once per multiplication at most: within (n − 1)·u relative of it), empty input giving 1.
fn check_products(device: &Device) {
    for len in lengths() {
        let mut rng = Rng::new(len as u64 + 77);
        let a: Vec<f32> = (0..len)
            .map(|_| (1.0 + rng.uniform(-1e-4, 1e-4)) as f32)
            .collect();
        // the f64 product of up to 2^20 values near 1: its own error is far below f32's
        let exact: f64 = a.iter().map(|&v| f64::from(v)).product();
        let got = compute::reduce(device, x(), (&a,), Reduce::Prod)
            .unwrap()
            .unwrap();
        let bound = len.saturating_sub(1) as f64 * f64::from(f32::EPSILON) / 2.0 * 1.01 * exact;
        assert!(
            (f64::from(got) - exact).abs() <= bound,
            "prod len {len}: {got} vs {exact} (bound {bound:e})"
        );
        let fused = compute::reduce(device, x() * 2.0 - x(), (&a,), Reduce::Prod)
            .unwrap()
            .unwrap();
        assert!(
            (f64::from(fused) - exact).abs() <= 2.0 * bound + 1e-30,
            "fused prod len {len}"
        );
        // integers wrap, as numpy's prod
        let ints = i32_data(len, len as u64 + 3);
        let wrapped = ints.iter().fold(1i32, |p, &v| p.wrapping_mul(v | 1));
        let odd = compute::reduce(device, x() | 1, (&ints,), Reduce::Prod).unwrap();
        assert_eq!(odd, Some(wrapped), "i32 prod len {len}");
        let u = u32_data(len, len as u64 + 4);
        let wrapped = u.iter().fold(1u32, |p, &v| p.wrapping_mul(v));
        assert_eq!(
            compute::reduce(device, x(), (&u,), Reduce::Prod).unwrap(),
            Some(wrapped)
        );
    }
    let empty: [f32; 0] = [];
    assert_eq!(
        compute::reduce(device, x(), (&empty,), Reduce::Prod).unwrap(),
        Some(1.0)
    );
}

#[test]
fn cpu_products_within_their_bound_and_wrap() {
    let cpu = Device::cpu();
    check_products(&cpu);
    // NaN propagates on the CPU (WGSL leaves it open on the GPU)
    let nan = [2.0_f32, f32::NAN, 0.5];
    assert!(compute::reduce(&cpu, x(), (&nan,), Reduce::Prod)
        .unwrap()
        .unwrap()
        .is_nan());
}

#[test]
fn gpu_products_within_their_bound_and_wrap() {
    if let Some(device) = gpu() {
        check_products(&device);
    }
}

#[test]
fn cpu_float_reductions_within_the_pairwise_bound() {
    check_float_reductions(&Device::cpu());
}

#[test]
fn gpu_float_reductions_within_the_pairwise_bound() {
    if let Some(device) = gpu() {
        check_float_reductions(&device);
    }
}

fn check_integer_reductions(device: &Device) {
    for len in lengths() {
        let a = i32_data(len, len as u64);
        let wrapped = a.iter().fold(0i32, |s, &v| s.wrapping_add(v));
        assert_eq!(
            compute::sum(device, &a).unwrap(),
            wrapped,
            "i32 sum len {len}"
        );
        assert_eq!(compute::min(device, &a).unwrap(), a.iter().copied().min());
        assert_eq!(compute::max(device, &a).unwrap(), a.iter().copied().max());
        let exact: i64 = a.iter().map(|&v| i64::from(v)).sum();
        let mean = compute::mean(device, &a).unwrap();
        assert_eq!(
            mean,
            (len > 0).then(|| exact as f64 / len as f64),
            "i32 mean len {len}"
        );
        let u = u32_data(len, len as u64 + 9);
        let dot = u
            .iter()
            .zip(&u)
            .fold(0u32, |s, (&p, &q)| s.wrapping_add(p.wrapping_mul(q)));
        assert_eq!(
            compute::dot(device, &u, &u).unwrap(),
            dot,
            "u32 dot len {len}"
        );
        assert_eq!(compute::max(device, &u).unwrap(), u.iter().copied().max());
        let fused = compute::reduce(
            device,
            x().apply(Op::Abs.then(Op::Min(1000))),
            (&a,),
            Reduce::Sum,
        )
        .unwrap();
        let want = a
            .iter()
            .fold(0i32, |s, &v| s.wrapping_add(v.wrapping_abs().min(1000)));
        assert_eq!(fused, Some(want), "fused i32 len {len}");
    }
}

#[test]
fn cpu_integer_reductions_are_exact_and_wrap() {
    check_integer_reductions(&Device::cpu());
}

#[test]
fn gpu_integer_reductions_are_exact_and_wrap() {
    if let Some(device) = gpu() {
        check_integer_reductions(&device);
    }
}

fn check_ten_to_the_eight_ones(device: &Device) {
    let ones = vec![1.0_f32; 100_000_000];
    assert_eq!(compute::sum(device, &ones).unwrap(), 1e8);
    // a naive running sum stops at 2^24
    assert_eq!(ones[..20_000_000].iter().sum::<f32>(), 16_777_216.0);
}

#[test]
fn cpu_sum_of_ten_to_the_eight_ones_is_exact() {
    check_ten_to_the_eight_ones(&Device::cpu());
}

#[test]
fn gpu_sum_of_ten_to_the_eight_ones_is_exact() {
    if let Some(device) = gpu() {
        check_ten_to_the_eight_ones(&device);
    }
}

#[test]
fn empty_and_nan_inputs() {
    let mut devices = vec![Device::cpu()];
    devices.extend(gpu());
    for device in &devices {
        let empty: Vec<f32> = Vec::new();
        assert_eq!(compute::sum(device, &empty).unwrap(), 0.0);
        assert_eq!(compute::min(device, &empty).unwrap(), None);
        assert_eq!(compute::max(device, &empty).unwrap(), None);
        assert_eq!(compute::mean(device, &empty).unwrap(), None);
        assert_eq!(compute::dot(device, &empty, &empty).unwrap(), 0.0);
        assert_eq!(
            compute::reduce(device, x() + y(), (&empty, &empty), Reduce::Max).unwrap(),
            None
        );
    }
    // NaN propagates on the CPU, as numpy's sum, min and max
    let cpu = Device::cpu();
    let mut a = vec![1.0_f32; 10_000];
    a[7_777] = f32::NAN;
    assert!(compute::sum(&cpu, &a).unwrap().is_nan());
    assert!(compute::min(&cpu, &a).unwrap().unwrap().is_nan());
    assert!(compute::max(&cpu, &a).unwrap().unwrap().is_nan());
}

#[test]
fn reduction_errors_come_before_any_work() {
    let mut devices = vec![Device::cpu()];
    devices.extend(gpu());
    for device in &devices {
        let err = compute::dot(device, [1.0_f32, 2.0], [1.0_f32]).unwrap_err();
        assert!(
            matches!(err, Error::LengthMismatch { left: 2, right: 1 }),
            "{err:?}"
        );
        let err = compute::reduce(device, x().sqrt(), ([4, 9],), Reduce::Sum).unwrap_err();
        assert!(matches!(err, Error::FloatOnly { .. }), "{err:?}");
        let err = compute::reduce(device, x() + y(), ([1.0_f32],), Reduce::Sum).unwrap_err();
        assert!(matches!(err, Error::MissingInput { .. }), "{err:?}");
    }
}

#[test]
fn gpu_reductions_split_into_chunks_agree_with_the_cpu() {
    let Some(device) = gpu() else { return };
    let device = device.with_gpu_chunk_bytes(64 << 10);
    let cpu = Device::cpu();
    for n in [16_383, 16_385, 3 * 16_384 + 77, 200_003] {
        let a = i32_data(n, n as u64);
        assert_eq!(
            compute::sum(&device, &a).unwrap(),
            compute::sum(&cpu, &a).unwrap(),
            "n = {n}"
        );
        assert_eq!(
            compute::min(&device, &a).unwrap(),
            compute::min(&cpu, &a).unwrap(),
            "n = {n}"
        );
        assert_eq!(
            compute::max(&device, &a).unwrap(),
            compute::max(&cpu, &a).unwrap(),
            "n = {n}"
        );
    }
}
