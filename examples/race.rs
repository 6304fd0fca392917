//! The crate's side of `benches/race.py`: times each op on the data the Python workers build
//! (the same formula, so the same values), on `Device::auto()`, fresh outputs, and prints
//! one JSON line per measurement: `{"lib": "compute", "op", "dtype", "n", "seconds"}` (the
//! median of the repetitions).
//!
//! ```text
//! cargo run --release --example race -- --ops exp,sum --sizes 100000,1000000 --dtypes f32
//! ```
//!
//! `--bandwidth 1e8` instead times cheap ops into an existing buffer against the machine's
//! streaming limit (plain Rust loops moving the same bytes).
//!
//! Run it through `python3 benches/race.py`, which races it against numpy, numexpr and
//! numba, each in a process of its own.

use std::time::Instant;

use compute::{Device, Element, Op};

#[path = "../benches/support/ops.rs"]
#[allow(dead_code)] // the serial loops and byte counts are for compare and criterion
mod ops;
use ops::OPS;

/// The race's inputs: x_i = 0.5 + 4·frac(i·φ⁻¹) and y_i = 0.5 + 4·frac(i·ρ + 0.5), computed
/// in f64 and rounded once, exactly as `benches/race.py` computes them.
fn inputs(n: usize) -> (Vec<f64>, Vec<f64>) {
    let frac = |v: f64| v - v.floor();
    let x = (0..n)
        .map(|i| 0.5 + 4.0 * frac(i as f64 * 0.618_033_988_749_894_9))
        .collect();
    let y = (0..n)
        .map(|i| 0.5 + 4.0 * frac(i as f64 * 0.754_877_666_246_692_7 + 0.5))
        .collect();
    (x, y)
}

/// How many repetitions a size gets (the median of them is reported).
fn reps(n: usize) -> usize {
    match n {
        0..=200_000 => 51,
        200_001..=2_000_000 => 21,
        2_000_001..=20_000_000 => 7,
        _ => 3,
    }
}

/// The median seconds of `reps` runs of `f`, after one warm-up run.
fn median<R>(reps: usize, mut f: impl FnMut() -> R) -> f64 {
    drop(std::hint::black_box(f()));
    let mut times: Vec<f64> = (0..reps)
        .map(|_| {
            let t = Instant::now();
            let out = std::hint::black_box(f());
            let s = t.elapsed().as_secs_f64();
            drop(out);
            s
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

/// Times `op` on `n` elements of `T`; `None` for an op the race does not know.
fn time<T: Element + From<f32>>(
    device: &Device,
    op: &str,
    x_data: &[T],
    y_data: &[T],
) -> Option<f64> {
    if !OPS.contains(&op) {
        return None;
    }
    Some(median(reps(x_data.len()), || {
        ops::run(device, op, x_data, y_data)
    }))
}

/// `--bandwidth`: cheap ops at `n` f32 into an existing buffer (`map_into`, no page faults)
/// against the machine's streaming limit for the same bytes, measured with plain Rust loops
/// on every rayon thread, in blocks of 64 KiB: `out[i] = 2·a[i]` (what the compiler makes of
/// it: vector loads and stores) and `copy_from_slice` (the C library's `memcpy`, which may use
/// non-temporal stores). Rounds alternate between all candidates; prints each one's median
/// and GB/s to stderr and, per op, one JSON line with its share of the faster baseline.
fn bandwidth(n: usize) {
    use rayon::prelude::*;
    let a: Vec<f32> = (0..n).map(|i| 0.5 + (i % 1000) as f32 * 0.004).collect();
    let mut out = vec![0.0_f32; n];
    let chunk = 1 << 14;
    let device = Device::auto();
    let ops = [
        ("scale", Op::Scale(2.0)),
        ("add", Op::Add(1.0)),
        ("sqrt", Op::Sqrt),
        ("chain", Op::Scale(2.0).then(Op::Add(1.0)).then(Op::Sqrt)),
    ];
    let run = |k: usize, o: &mut [f32]| match k {
        0 => o
            .par_chunks_mut(chunk)
            .zip(a.par_chunks(chunk))
            .for_each(|(o, a)| {
                for (o, &x) in o.iter_mut().zip(a) {
                    *o = x * 2.0;
                }
            }),
        1 => o
            .par_chunks_mut(chunk)
            .zip(a.par_chunks(chunk))
            .for_each(|(o, a)| o.copy_from_slice(a)),
        k => compute::map_into(&device, &a, ops[k - 2].1.clone(), o).unwrap_or_default(),
    };
    let names: Vec<String> = ["stream scale loop", "stream copy"]
        .into_iter()
        .map(String::from)
        .chain(
            ops.iter()
                .map(|(name, _)| format!("compute map_into {name}")),
        )
        .collect();
    let mut times = vec![Vec::new(); names.len()];
    for round in 0..12 {
        for (k, t) in times.iter_mut().enumerate() {
            let start = Instant::now();
            run(k, &mut out);
            // the first round warms the pages, caches and thread pool
            if round > 0 {
                t.push(start.elapsed().as_secs_f64());
            }
        }
    }
    let gbs: Vec<f64> = times
        .iter_mut()
        .map(|t| {
            t.sort_by(f64::total_cmp);
            (n * 8) as f64 / t[t.len() / 2] / 1e9
        })
        .collect();
    for (name, g) in names.iter().zip(&gbs) {
        eprintln!("{name}: {:.3} ms, {g:.2} GB/s", (n * 8) as f64 / g / 1e6);
    }
    let limit = gbs[0].max(gbs[1]);
    for ((name, _), g) in ops.iter().zip(&gbs[2..]) {
        println!(
            "{{\"lib\": \"compute\", \"op\": \"{name}_into\", \"dtype\": \"f32\", \"n\": {n}, \"gbs\": {g:.3}, \"limit_gbs\": {limit:.3}, \"share\": {:.3}}}",
            g / limit
        );
    }
}

fn list(args: &[String], flag: &str) -> Option<Vec<String>> {
    let at = args.iter().position(|a| a == flag)?;
    Some(
        args.get(at + 1)?
            .split(',')
            .map(|s| s.trim().to_string())
            .collect(),
    )
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(n) = list(&args, "--bandwidth") {
        let n = n.first().and_then(|v| v.parse::<f64>().ok()).unwrap_or(1e8) as usize;
        bandwidth(n);
        return;
    }
    let ops = list(&args, "--ops").unwrap_or_else(|| OPS.iter().map(|s| s.to_string()).collect());
    let sizes: Vec<usize> = list(&args, "--sizes")
        .unwrap_or_else(|| vec!["100000".into(), "1000000".into(), "10000000".into()])
        .iter()
        .map(|s| s.parse::<f64>().map(|v| v as usize))
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| {
            eprintln!("--sizes: {e}");
            std::process::exit(2)
        });
    let dtypes = list(&args, "--dtypes").unwrap_or_else(|| vec!["f32".into(), "f64".into()]);
    if let Some(bad) = ops.iter().find(|o| !OPS.contains(&o.as_str())) {
        eprintln!("unknown op {bad:?} (known: {})", OPS.join(", "));
        std::process::exit(2);
    }
    let device = Device::auto();
    eprintln!(
        "compute: CPU build {:?}, parallel from {} elements at weight 1, {} at weight 10",
        compute::testing::isa(),
        compute::testing::cpu_parallel_threshold(1),
        compute::testing::cpu_parallel_threshold(10)
    );
    for dtype in &dtypes {
        for &n in &sizes {
            let (xs, ys) = inputs(n);
            let report = |op: &str, s: Option<f64>| {
                if let Some(s) = s {
                    println!(
                        "{{\"lib\": \"compute\", \"op\": \"{op}\", \"dtype\": \"{dtype}\", \"n\": {n}, \"seconds\": {s:e}}}"
                    );
                }
            };
            match dtype.as_str() {
                "f32" => {
                    let xs: Vec<f32> = xs.iter().map(|&v| v as f32).collect();
                    let ys: Vec<f32> = ys.iter().map(|&v| v as f32).collect();
                    for op in ops.iter().filter(|op| !ops::INT_OPS.contains(&op.as_str())) {
                        report(op, time(&device, op, &xs, &ys));
                    }
                }
                "f64" => {
                    for op in ops.iter().filter(|op| !ops::INT_OPS.contains(&op.as_str())) {
                        report(op, time(&device, op, &xs, &ys));
                    }
                }
                "i64" => {
                    // the same integers as benches/race.py: spread over ±2^30
                    let a: Vec<i64> = (0..n as i64)
                        .map(|i| (i * 2_654_435_761) % (1 << 31) - (1 << 30))
                        .collect();
                    for op in ops.iter().filter(|op| ops::INT_OPS.contains(&op.as_str())) {
                        let s = median(reps(n), || ops::run_int(&device, op, &a));
                        report(op, Some(s));
                    }
                }
                other => {
                    eprintln!("unknown dtype {other:?} (known: f32, f64, i64)");
                    std::process::exit(2);
                }
            }
        }
    }
}
