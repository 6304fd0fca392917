//! Serial vs CPU vs GPU vs auto, per op and size, and the crate's speed targets, all measured
//! in one run on this machine (medians; the machine is shared and noisy).
//!
//! ```text
//! cargo run --release --example compare            # table + targets (+ numpy if installed)
//! cargo run --release --example compare -- --quick # smaller sizes, fewer repetitions
//! ```

use std::hint::black_box;
use std::process::Command;
use std::time::Instant;

use compute::{BinOp, Device, Op};
use rayon::prelude::*;

/// Median wall time in seconds of `reps` runs of `f`; each result is dropped outside the
/// timed region, so every run pays for a fresh output as a user's call does.
fn median<R>(reps: usize, mut f: impl FnMut() -> R) -> f64 {
    let _warm = f();
    drop(_warm);
    let mut times: Vec<f64> = (0..reps.max(1))
        .map(|_| {
            let t = Instant::now();
            let out = black_box(f());
            let dt = t.elapsed().as_secs_f64();
            drop(out);
            dt
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

/// Interleaved medians: every repetition runs each candidate once, in turn, so a change in
/// the machine's load (it is shared) hits all of them alike. Results are dropped untimed.
fn race(reps: usize, candidates: &mut [&mut dyn FnMut() -> Vec<f32>]) -> Vec<f64> {
    race_batched(reps, 1, candidates)
}

/// As [`race`], timing `batch` back-to-back calls per sample (results dropped inside), for
/// calls too short to time one by one; returns seconds per call.
fn race_batched(
    reps: usize,
    batch: usize,
    candidates: &mut [&mut dyn FnMut() -> Vec<f32>],
) -> Vec<f64> {
    let mut times = vec![Vec::with_capacity(reps); candidates.len()];
    for f in candidates.iter_mut() {
        drop(f()); // warm-up
    }
    for _ in 0..reps.max(1) {
        for (f, t) in candidates.iter_mut().zip(&mut times) {
            if batch == 1 {
                let start = Instant::now();
                let out = black_box(f());
                t.push(start.elapsed().as_secs_f64());
                drop(out);
            } else {
                let start = Instant::now();
                for _ in 0..batch {
                    black_box(f());
                }
                t.push(start.elapsed().as_secs_f64() / batch as f64);
            }
        }
    }
    times
        .into_iter()
        .map(|mut t| {
            t.sort_by(f64::total_cmp);
            t[t.len() / 2]
        })
        .collect()
}

fn reps_for(n: usize, quick: bool) -> usize {
    let base = if n <= 100_000 {
        201
    } else if n <= 2_000_000 {
        31
    } else {
        11
    };
    if quick {
        base / 3 + 1
    } else {
        base
    }
}

fn fmt_time(s: f64) -> String {
    if s < 1e-6 {
        format!("{:.0} ns", s * 1e9)
    } else if s < 1e-3 {
        format!("{:.1} µs", s * 1e6)
    } else {
        format!("{:.2} ms", s * 1e3)
    }
}

/// GB/s for `n` f32 elements read once per input and written once.
fn gbs(n: usize, inputs: usize, s: f64) -> f64 {
    (n * 4 * (inputs + 1)) as f64 / s / 1e9
}

/// Hand-written rayon with a fresh output: rayon's own collect into a new Vec.
fn rayon_scale(a: &[f32]) -> Vec<f32> {
    a.par_iter().map(|x| x * 2.0).collect()
}

/// Hand-written rayon into a fresh output advised as transparent huge pages, as numpy does.
fn rayon_scale_huge(a: &[f32]) -> Vec<f32> {
    let mut out: Vec<f32> = Vec::with_capacity(a.len());
    advise_huge(&out, a.len());
    out.par_extend(a.par_iter().map(|x| x * 2.0));
    out
}

struct Check {
    name: String,
    ok: bool,
    detail: String,
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let auto = Device::auto();
    let cpu = Device::cpu();
    let gpu = Device::gpu().ok();
    println!(
        "compute backend comparison ({} threads)",
        rayon::current_num_threads()
    );
    println!(
        "auto's GPU: {}",
        auto.gpu_name().unwrap_or_else(|| "none (CPU only)".into())
    );
    println!(
        "forced GPU: {}\n",
        gpu.as_ref()
            .and_then(Device::gpu_name)
            .unwrap_or_else(|| "none".into())
    );

    table(&auto, &cpu, gpu.as_ref(), quick);
    let mut checks = Vec::new();
    targets(&auto, quick, &mut checks);
    expression_targets(&auto, quick, &mut checks);
    if let Some(gpu) = gpu.as_ref() {
        resident(gpu, quick);
    }
    numpy(&auto, quick, &mut checks);

    println!("\n== targets");
    for c in &checks {
        println!(
            "{} {:<58} {}",
            if c.ok { "PASS" } else { "FAIL" },
            c.name,
            c.detail
        );
    }
}

fn table(auto: &Device, cpu: &Device, gpu: Option<&Device>, quick: bool) {
    let sizes: &[usize] = if quick {
        &[100, 10_000, 1_000_000]
    } else {
        &[100, 10_000, 1_000_000, 10_000_000]
    };
    println!(
        "{:<10} {:>10} | {:>20} | {:>20} | {:>20} | {:>20} | auto chose",
        "op", "n", "serial", "cpu", "gpu", "auto"
    );
    for &n in sizes {
        let a: Vec<f32> = (0..n).map(|i| (i % 1000) as f32 * 0.01).collect();
        let row = Row {
            n,
            reps: reps_for(n, quick),
            auto,
            cpu,
            gpu,
        };
        row.map("scale", &a, Op::Scale(2.0), |x| x * 2.0);
        let chain = Op::Scale(2.0).then(Op::Add(1.0)).then(Op::Sqrt);
        row.map("2x+1 sqrt", &a, chain, |x| (x * 2.0 + 1.0).sqrt());
        row.map("exp", &a, Op::Exp, f32::exp);
        row.zip_mul(&a);
    }
}

/// One size of the table: every backend raced against a serial loop written as a user would.
struct Row<'a> {
    n: usize,
    reps: usize,
    auto: &'a Device,
    cpu: &'a Device,
    gpu: Option<&'a Device>,
}

impl Row<'_> {
    fn cell(&self, s: f64, inputs: usize) -> String {
        format!("{:>9} {:>5.1} GB/s", fmt_time(s), gbs(self.n, inputs, s))
    }

    fn print(&self, name: &str, t: &[f64], inputs: usize, chose: compute::Backend) {
        println!(
            "{:<10} {:>10} | {} | {} | {:>20} | {} | {:?}",
            name,
            self.n,
            self.cell(t[0], inputs),
            self.cell(t[1], inputs),
            t.get(3).map_or("-".into(), |g| self.cell(*g, inputs)),
            self.cell(t[2], inputs),
            chose
        );
    }

    fn map(&self, name: &str, a: &[f32], op: Op<f32>, serial: impl Fn(f32) -> f32) {
        let mut serial = || a.iter().map(|&x| serial(x)).collect::<Vec<f32>>();
        let mut cpu = || compute::map(self.cpu, a, op.clone()).unwrap_or_default();
        let mut auto = || compute::map(self.auto, a, op.clone()).unwrap_or_default();
        let t = match self.gpu {
            Some(g) => {
                let mut gpu = || compute::map(g, a, op.clone()).unwrap_or_default();
                race(self.reps, &mut [&mut serial, &mut cpu, &mut auto, &mut gpu])
            }
            None => race(self.reps, &mut [&mut serial, &mut cpu, &mut auto]),
        };
        self.print(name, &t, 1, self.auto.choose(&op, self.n));
    }

    fn zip_mul(&self, a: &[f32]) {
        let b = a.to_vec();
        let mut serial = || a.iter().zip(&b).map(|(x, y)| x * y).collect::<Vec<f32>>();
        let mut cpu = || compute::zip(self.cpu, a, &b, BinOp::Mul).unwrap_or_default();
        let mut auto = || compute::zip(self.auto, a, &b, BinOp::Mul).unwrap_or_default();
        let t = match self.gpu {
            Some(g) => {
                let mut gpu = || compute::zip(g, a, &b, BinOp::Mul).unwrap_or_default();
                race(self.reps, &mut [&mut serial, &mut cpu, &mut auto, &mut gpu])
            }
            None => race(self.reps, &mut [&mut serial, &mut cpu, &mut auto]),
        };
        self.print(
            "zip mul",
            &t,
            2,
            self.auto.choose(&Op::Scale(1.0_f32), self.n),
        );
    }
}

fn targets(auto: &Device, quick: bool, checks: &mut Vec<Check>) {
    println!("\n== targets, measured in this run (interleaved medians)");
    // 1. Scale on 2e7 f32 against hand-written rayon with a fresh output
    let n = 20_000_000;
    let a: Vec<f32> = (0..n).map(|i| (i % 1000) as f32).collect();
    let reps = if quick { 7 } else { 21 };
    let t = race(
        reps,
        &mut [
            &mut || compute::map(auto, &a, Op::Scale(2.0)).unwrap_or_default(),
            &mut || rayon_scale(&a),
            &mut || rayon_scale_huge(&a),
        ],
    );
    let (ours, plain, huge) = (t[0], t[1], t[2]);
    let best = plain.min(huge);
    println!(
        "scale 2e7: compute {} | rayon collect {} | rayon + huge pages {}",
        fmt_time(ours),
        fmt_time(plain),
        fmt_time(huge)
    );
    checks.push(Check {
        name: "Scale 2e7 f32 >= 90% of best hand-written rayon".into(),
        ok: best / ours >= 0.90,
        detail: format!(
            "{:.2} of the best ({:.2} of plain, {:.2} of huge pages)",
            best / ours,
            plain / ours,
            huge / ours
        ),
    });

    // 2. small calls on auto against a sequential iter().map().collect()
    let mut worst: f64 = 0.0;
    let mut detail = String::new();
    for n in [100, 1_000, 10_000] {
        let a: Vec<f32> = (0..n).map(|i| i as f32).collect();
        let reps = if quick { 51 } else { 301 };
        let t = race_batched(
            reps,
            100_000 / n,
            &mut [
                &mut || compute::map(auto, &a, Op::Scale(2.0)).unwrap_or_default(),
                &mut || a.iter().map(|x| x * 2.0).collect(),
            ],
        );
        let ratio = t[0] / t[1];
        worst = worst.max(ratio);
        detail += &format!(
            "n={n}: {ratio:.2}x ({} vs {}); ",
            fmt_time(t[0]),
            fmt_time(t[1])
        );
    }
    println!("small calls: {detail}");
    checks.push(Check {
        name: "100..10,000 elements on auto within 1.5x of serial".into(),
        ok: worst <= 1.5,
        detail: format!("worst {worst:.2}x"),
    });

    // 3. a chain of three ops on 1e7 f32: one kernel against three calls
    let n = 10_000_000;
    let a: Vec<f32> = (0..n).map(|i| (i % 1000) as f32).collect();
    let t = race(
        reps,
        &mut [
            &mut || {
                let op = Op::Scale(2.0).then(Op::Add(1.0)).then(Op::Sqrt);
                compute::map(auto, &a, op).unwrap_or_default()
            },
            &mut || {
                let x = compute::map(auto, &a, Op::Scale(2.0)).unwrap_or_default();
                let y = compute::map(auto, &x, Op::Add(1.0)).unwrap_or_default();
                compute::map(auto, &y, Op::Sqrt).unwrap_or_default()
            },
        ],
    );
    let (fused, separate) = (t[0], t[1]);
    println!(
        "chain of 3 on 1e7: fused {} | separate {}",
        fmt_time(fused),
        fmt_time(separate)
    );
    checks.push(Check {
        name: "chain of 3 ops on 1e7 f32 >= 2x faster than 3 calls".into(),
        ok: separate / fused >= 2.0,
        detail: format!("{:.2}x", separate / fused),
    });
}

/// Expressions and reductions on 10^7 f32: one pass against separate calls and against
/// the best hand-written rayon code.
fn expression_targets(auto: &Device, quick: bool, checks: &mut Vec<Check>) {
    use compute::expr::{x, y};
    use compute::Reduce;
    let n = 10_000_000;
    let reps = if quick { 7 } else { 21 };
    let a: Vec<f32> = (0..n).map(|i| (i % 1000) as f32 * 0.01).collect();
    let b: Vec<f32> = (0..n).map(|i| (i % 777) as f32 * 0.02).collect();

    let t = race(
        reps,
        &mut [
            &mut || compute::eval(auto, (x() * 2.0 + y()).sqrt(), (&a, &b)).unwrap_or_default(),
            &mut || {
                let t = compute::map(auto, &a, Op::Scale(2.0)).unwrap_or_default();
                let u = compute::zip(auto, &t, &b, BinOp::Add).unwrap_or_default();
                compute::map(auto, &u, Op::Sqrt).unwrap_or_default()
            },
            &mut || {
                a.par_iter()
                    .zip(&b)
                    .map(|(x, y)| (2.0 * x + y).sqrt())
                    .collect::<Vec<f32>>()
            },
            &mut || {
                let mut out: Vec<f32> = Vec::with_capacity(a.len());
                advise_huge(&out, a.len());
                out.par_extend(a.par_iter().zip(&b).map(|(x, y)| (2.0 * x + y).sqrt()));
                out
            },
        ],
    );
    let (ours, separate, hand) = (t[0], t[1], t[2].min(t[3]));
    println!(
        "(2x + y).sqrt() on 1e7: expression {} | three calls {} | hand-fused rayon {} (plain {}, huge pages {})",
        fmt_time(ours),
        fmt_time(separate),
        fmt_time(hand),
        fmt_time(t[2]),
        fmt_time(t[3])
    );
    checks.push(Check {
        name: "(2x+y).sqrt() on 1e7 f32 >= 2.5x faster than three calls".into(),
        ok: separate / ours >= 2.5,
        detail: format!("{:.2}x", separate / ours),
    });
    checks.push(Check {
        name: "(2x+y).sqrt() on 1e7 f32 >= 0.85 of hand-fused rayon".into(),
        ok: hand / ours >= 0.85,
        detail: format!("{:.2} of the best hand-written loop", hand / ours),
    });

    // reductions return one value: race them through a one-element Vec
    let t = race(
        reps,
        &mut [
            &mut || vec![compute::sum(auto, &a).unwrap_or_default()],
            &mut || vec![a.par_iter().sum::<f32>()],
            &mut || {
                vec![compute::reduce(auto, x().square(), (&a,), Reduce::Sum)
                    .ok()
                    .flatten()
                    .unwrap_or_default()]
            },
            &mut || {
                let sq = compute::map(auto, &a, Op::Square).unwrap_or_default();
                vec![compute::sum(auto, &sq).unwrap_or_default()]
            },
        ],
    );
    println!(
        "sum on 1e7: compute {} | rayon par_iter().sum() {} ; sum of squares: fused {} | map then sum {}",
        fmt_time(t[0]),
        fmt_time(t[1]),
        fmt_time(t[2]),
        fmt_time(t[3])
    );
    checks.push(Check {
        name: "sum on 1e7 f32 >= 90% of hand-written rayon sum".into(),
        ok: t[1] / t[0] >= 0.90,
        detail: format!("{:.2} of rayon's throughput", t[1] / t[0]),
    });
    checks.push(Check {
        name: "fused sum of squares on 1e7 f32 >= 1.8x map-then-sum".into(),
        ok: t[3] / t[2] >= 1.8,
        detail: format!("{:.2}x", t[3] / t[2]),
    });
}

/// Device-resident arrays on the forced GPU: per-call overhead of a small resident op, and
/// throughput with and without the bus (on a software adapter the "bus" is a memcpy).
fn resident(gpu: &Device, quick: bool) {
    println!(
        "\n== GPU-resident arrays on {}",
        gpu.gpu_name().unwrap_or_default()
    );
    let reps = if quick { 5 } else { 11 };
    // per-call overhead: 100 dependent resident ops on 1,024 elements, then one readback
    let small = gpu.upload(vec![1.0_f32; 1024]).ok();
    if let Some(small) = small {
        let calls = 100;
        let t = race(
            reps,
            &mut [&mut || {
                let mut a = small.map(Op::Scale(1.0)).ok();
                for _ in 1..calls {
                    a = a.and_then(|a| a.map(Op::Scale(1.0)).ok());
                }
                a.and_then(|a| a.to_vec().ok()).unwrap_or_default()
            }],
        );
        println!(
            "resident op on 1,024 f32: {} per call (100 chained calls and one readback)",
            fmt_time(t[0] / calls as f64)
        );
    }
    // throughput on 10^7: host data (upload + compute + download) against resident data
    let n = 10_000_000;
    let host: Vec<f32> = (0..n).map(|i| (i % 1000) as f32).collect();
    if let Ok(a) = gpu.upload(&host) {
        let chain = 10;
        let t = race(
            reps,
            &mut [
                &mut || compute::map(gpu, &host, Op::Scale(2.0)).unwrap_or_default(),
                &mut || {
                    let mut b = a.map(Op::Scale(2.0)).ok();
                    for _ in 1..chain {
                        b = b.and_then(|b| b.map(Op::Scale(1.0)).ok());
                    }
                    vec![b.and_then(|b| b.max().ok().flatten()).unwrap_or_default()]
                },
            ],
        );
        println!(
            "scale on 1e7 f32: host data {} ({:.1} GB/s incl. transfers) | resident {} per op ({:.1} GB/s)",
            fmt_time(t[0]),
            gbs(n, 1, t[0]),
            fmt_time(t[1] / chain as f64),
            gbs(n, 1, t[1] / chain as f64)
        );
    }
}

/// Asks for transparent huge pages on the fresh allocation behind `out` (capacity `len`).
fn advise_huge(out: &[f32], len: usize) {
    let (ptr, bytes) = (out.as_ptr() as usize, len * 4);
    let start = ptr.next_multiple_of(2 << 20);
    let end = (ptr + bytes) / (2 << 20) * (2 << 20);
    if end > start {
        // SAFETY: the range lies inside `out`'s fresh allocation; the advice changes only how
        // the kernel backs the pages.
        unsafe { libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE) };
    }
}

/// numpy on the same machine in the same run, via benches/numpy_baseline.py.
fn numpy(auto: &Device, quick: bool, checks: &mut Vec<Check>) {
    let sizes: &[usize] = if quick {
        &[10_000_000]
    } else {
        &[10_000_000, 100_000_000]
    };
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/numpy_baseline.py");
    let out = Command::new("python3")
        .arg(script)
        .args(sizes.iter().map(|n| n.to_string()))
        // OpenBLAS workarounds set on this VM slow numpy down; the comparison is fairer
        // without them (they do not affect these element-wise loops).
        .env_remove("OPENBLAS_CORETYPE")
        .env_remove("OPENBLAS_L2_SIZE")
        .output();
    let text = match out {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).into_owned(),
        Ok(out) => {
            println!(
                "\nnumpy: skipped ({})",
                String::from_utf8_lossy(&out.stderr)
                    .lines()
                    .last()
                    .unwrap_or("failed")
            );
            return;
        }
        Err(e) => {
            println!("\nnumpy: skipped (python3: {e})");
            return;
        }
    };
    println!("\n== against numpy (fresh outputs, median)");
    for line in text.lines() {
        let field = |key: &str| -> Option<f64> {
            let at = line.find(&format!("\"{key}\": "))? + key.len() + 4;
            let rest = &line[at..];
            let end = rest.find([',', '}']).unwrap_or(rest.len());
            rest[..end].trim().trim_matches('"').parse().ok()
        };
        let (Some(n), Some(np_scale), Some(np_chain)) =
            (field("n"), field("scale"), field("chain"))
        else {
            continue;
        };
        let n = n as usize;
        let a: Vec<f32> = (0..n).map(|i| (i % 1000) as f32 * 0.001).collect();
        let reps = if n > 20_000_000 { 7 } else { 15 };
        let scale = median(reps, || compute::map(auto, &a, Op::Scale(2.0)));
        let chain = median(reps, || {
            compute::map(auto, &a, Op::Scale(2.0).then(Op::Add(1.0)).then(Op::Sqrt))
        });
        println!(
            "n={n:e}: a*2 numpy {} vs compute {} ({:.2}x) | sqrt(2a+1) numpy {} vs compute {} ({:.2}x)",
            fmt_time(np_scale),
            fmt_time(scale),
            np_scale / scale,
            fmt_time(np_chain),
            fmt_time(chain),
            np_chain / chain
        );
        checks.push(Check {
            name: format!("n={n:e}: compute at least as fast as numpy (a*2, sqrt(2a+1))"),
            ok: scale <= np_scale && chain <= np_chain,
            detail: format!(
                "{:.2}x and {:.2}x numpy's speed",
                np_scale / scale,
                np_chain / chain
            ),
        });
    }
}
