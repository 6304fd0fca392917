//! Criterion benches: serial vs hand-written rayon vs `compute` on the CPU, the GPU (any
//! adapter, software ones included) and auto, per op and size. Throughput is in bytes moved
//! (inputs read + output written), so reports read in GB/s; GPU timings include uploading
//! the inputs and waiting for the result.
//!
//! ```text
//! cargo bench --bench ops              # everything
//! cargo bench --bench ops -- 'op_sin/'    # one group (each op of the race is one)
//! ```

#![allow(missing_docs)] // criterion_group! generates undocumented items

use std::hint::black_box;
use std::time::Duration;

use compute::{BinOp, Device, Op};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rayon::prelude::*;

#[path = "support/baselines.rs"]
#[allow(dead_code)] // examples/compare also times `times_two` and `huge_pages`
mod baselines;
#[path = "support/best_fresh.rs"]
mod best_fresh;
#[path = "support/devices.rs"]
mod devices;
#[path = "support/inputs.rs"]
mod inputs;
#[path = "support/ops.rs"]
#[allow(dead_code)] // `heavy` is compare's
mod ops;
use baselines::{fresh, two_x_plus_y_sqrt, whole_pages};
use inputs::data;

const SIZES: [usize; 3] = [1_000, 100_000, 10_000_000];

/// One group per op of the race (`support/ops.rs`), f32 and f64; each size runs the serial
/// Rust loop (f32), the CPU, auto and the GPU (if any; f32 only).
fn every_op(c: &mut Criterion) {
    let (cpu, auto, gpu) = (Device::cpu(), Device::auto(), Device::gpu().ok());
    for &op in ops::OPS {
        let mut group = c.benchmark_group(format!("op_{op}"));
        group
            .sample_size(10)
            .measurement_time(Duration::from_secs(2));
        let (read, written) = ops::arrays(op);
        for n in SIZES {
            let a = data(n);
            let b: Vec<f32> = a.iter().rev().copied().collect();
            let (a64, b64): (Vec<f64>, Vec<f64>) = a
                .iter()
                .zip(&b)
                .map(|(&u, &v)| (f64::from(u), f64::from(v)))
                .unzip();
            group.throughput(Throughput::Bytes((n * (read + written) * 4) as u64));
            group.bench_function(BenchmarkId::new("serial", n), |bench| {
                bench.iter(|| ops::serial(op, black_box(&a), &b))
            });
            for (name, device) in [
                ("cpu", Some(&cpu)),
                ("auto", Some(&auto)),
                ("gpu", gpu.as_ref()),
            ] {
                let Some(device) = device else { continue };
                group.bench_function(BenchmarkId::new(name, n), |bench| {
                    bench.iter(|| ops::run(device, op, black_box(&a), &b))
                });
            }
            group.throughput(Throughput::Bytes((n * (read + written) * 8) as u64));
            for (name, device) in [("cpu_f64", &cpu), ("auto_f64", &auto)] {
                group.bench_function(BenchmarkId::new(name, n), |bench| {
                    bench.iter(|| ops::run(device, op, black_box(&a64), &b64))
                });
            }
        }
        group.finish();
    }
}

/// A chain of three ops as one call against three calls (the fusion target: >= 2x).
fn fusion(c: &mut Criterion) {
    let auto = Device::auto();
    let n = 10_000_000;
    let a = data(n);
    let mut group = c.benchmark_group("fusion");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(3));
    group.throughput(Throughput::Bytes((n * 8) as u64));
    group.bench_function(BenchmarkId::new("fused", n), |b| {
        b.iter(|| compute::map(&auto, &a, Op::Scale(2.0).then(Op::Add(1.0)).then(Op::Sqrt)))
    });
    group.bench_function(BenchmarkId::new("three_calls", n), |b| {
        b.iter(|| {
            let x = compute::map(&auto, &a, Op::Scale(2.0)).unwrap_or_default();
            let y = compute::map(&auto, &x, Op::Add(1.0)).unwrap_or_default();
            compute::map(&auto, &y, Op::Sqrt)
        })
    });
    group.finish();
}

/// An expression of two arrays as one pass, against three calls and a hand-fused rayon loop.
fn expression(c: &mut Criterion) {
    use compute::expr::{x, y};
    let auto = Device::auto();
    let n = 10_000_000;
    let (a, b) = (data(n), data(n));
    let mut group = c.benchmark_group("expr_2x_plus_y_sqrt");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(3));
    group.throughput(Throughput::Bytes((n * 12) as u64));
    group.bench_function(BenchmarkId::new("expression", n), |bench| {
        bench.iter(|| compute::eval(&auto, (x() * 2.0 + y()).sqrt(), (&a, &b)))
    });
    group.bench_function(BenchmarkId::new("three_calls", n), |bench| {
        bench.iter(|| {
            let t = compute::map(&auto, &a, Op::Scale(2.0)).unwrap_or_default();
            let u = compute::zip(&auto, &t, &b, BinOp::Add).unwrap_or_default();
            compute::map(&auto, &u, Op::Sqrt)
        })
    });
    group.bench_function(BenchmarkId::new("rayon_hand_fused", n), |bench| {
        bench.iter(|| fresh(two_x_plus_y_sqrt(&a, &b)))
    });
    // the same loop into the best output a hand loop can have (see `support/best_fresh.rs`)
    group.bench_function(
        BenchmarkId::new("rayon_hand_fused_whole_pages", n),
        |bench| bench.iter(|| whole_pages(two_x_plus_y_sqrt(&a, &b))),
    );
    group.finish();
}

/// Reductions: `sum` against rayon's, and a fused sum of squares against map-then-sum.
fn reductions(c: &mut Criterion) {
    use compute::{expr::x, Reduce};
    let (cpu, auto, gpu) = (Device::cpu(), Device::auto(), Device::gpu().ok());
    let mut group = c.benchmark_group("sum");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(2));
    for n in SIZES {
        let a = data(n);
        group.throughput(Throughput::Bytes((n * 4) as u64));
        group.bench_function(BenchmarkId::new("rayon", n), |bench| {
            bench.iter(|| a.par_iter().sum::<f32>())
        });
        for (name, device) in [
            ("cpu", Some(&cpu)),
            ("auto", Some(&auto)),
            ("gpu", gpu.as_ref()),
        ] {
            let Some(device) = device else { continue };
            group.bench_function(BenchmarkId::new(name, n), |bench| {
                bench.iter(|| compute::sum(device, black_box(&a)))
            });
        }
    }
    group.finish();

    let n = 10_000_000;
    let a = data(n);
    let mut group = c.benchmark_group("sum_of_squares");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(3));
    group.throughput(Throughput::Bytes((n * 4) as u64));
    group.bench_function(BenchmarkId::new("fused", n), |bench| {
        bench.iter(|| compute::reduce(&auto, x().square(), (&a,), Reduce::Sum))
    });
    group.bench_function(BenchmarkId::new("map_then_sum", n), |bench| {
        bench.iter(|| {
            let sq = compute::map(&auto, &a, Op::Square).unwrap_or_default();
            compute::sum(&auto, &sq)
        })
    });
    group.finish();

    // numpy's count_nonzero(a > 0.5) against rayon's filter().count()
    let mut group = c.benchmark_group("count_gt");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(3));
    group.throughput(Throughput::Bytes((n * 4) as u64));
    group.bench_function(BenchmarkId::new("rayon", n), |bench| {
        bench.iter(|| a.par_iter().filter(|&&v| v > 0.5).count())
    });
    group.bench_function(BenchmarkId::new("auto", n), |bench| {
        bench.iter(|| compute::count(&auto, x().gt(0.5), (&a,)))
    });
    group.finish();
}

/// The grid `examples/compare` checks auto against: each op at sizes from 10 to 10^7 on the
/// CPU, the GPU (any adapter) and `Device::auto_any()` (auto with software adapters allowed,
/// so its choice is exercised here too).
fn auto_grid(c: &mut Criterion) {
    let (cpu, gpu) = (Device::cpu(), Device::gpu().ok());
    let auto = devices::grid_auto(gpu.as_ref());
    for (name, op) in [("grid_scale", Op::Scale(2.0_f32)), ("grid_exp", Op::Exp)] {
        let mut group = c.benchmark_group(name);
        group
            .sample_size(10)
            .measurement_time(Duration::from_secs(1));
        for n in [10, 1_000, 100_000, 10_000_000] {
            let a = data(n);
            group.throughput(Throughput::Bytes((n * 8) as u64));
            for (backend, device) in [
                ("cpu", Some(&cpu)),
                ("gpu", gpu.as_ref()),
                ("auto", Some(&auto)),
            ] {
                let Some(device) = device else { continue };
                group.bench_function(BenchmarkId::new(backend, n), |b| {
                    b.iter(|| compute::map(device, black_box(&a), op.clone()))
                });
            }
        }
        group.finish();
    }
}

criterion_group!(benches, every_op, fusion, expression, reductions, auto_grid);
criterion_main!(benches);
