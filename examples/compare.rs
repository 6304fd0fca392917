//! Serial vs CPU vs GPU vs auto, per op and size, and the crate's speed targets, all measured
//! in one run on this machine (interleaved medians; the machine is shared and noisy).
//!
//! ```text
//! cargo run --release --example compare                    # grid + targets (+ numpy if installed)
//! cargo run --release --example compare -- --quick         # smaller sizes, fewer repetitions
//! cargo run --release --example compare -- --ops scale,exp --sizes 1000,1000000 \
//!     --csv out.csv --plot out.svg                          # just that grid, saved
//! ```
//!
//! `auto` is `Device::auto_any()` when there is any GPU adapter (software ones included, so
//! its choice can be seen), `Device::auto()` otherwise. Progress goes to stderr: a line
//! updated in place on a terminal, plain lines when piped.

use std::hint::black_box;
use std::process::Command;
use std::time::Instant;

use compute::{BinOp, Device, Op};
use rayon::prelude::*;

#[path = "../benches/support/best_fresh.rs"]
mod best_fresh;
use best_fresh::best_fresh;

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
    medians(times)
}

/// The median of each candidate's samples.
fn medians(times: Vec<Vec<f64>>) -> Vec<f64> {
    times
        .into_iter()
        .map(|mut t| {
            t.sort_by(f64::total_cmp);
            t.get(t.len() / 2).copied().unwrap_or(f64::NAN)
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

/// The same loop into the best fresh output a hand-written loop can have (see [`best_fresh`]).
fn rayon_scale_best(a: &[f32]) -> Vec<f32> {
    let mut out = best_fresh(a.len());
    out.par_extend(a.par_iter().map(|x| x * 2.0));
    out
}

struct Check {
    name: String,
    ok: bool,
    detail: String,
}

const USAGE: &str = "usage: compare [--quick] [--ops scale,chain,exp,zip,sum] [--sizes 10,1000,...] [--csv FILE] [--plot FILE]";

/// The ops the grid knows.
const OPS: [&str; 5] = ["scale", "chain", "exp", "zip", "sum"];

/// Command-line options.
#[derive(Debug, Default, PartialEq)]
struct Args {
    quick: bool,
    ops: Option<Vec<String>>,
    sizes: Option<Vec<usize>>,
    csv: Option<std::path::PathBuf>,
    plot: Option<std::path::PathBuf>,
}

impl Args {
    fn parse(args: impl IntoIterator<Item = String>) -> Result<Args, String> {
        let mut out = Args::default();
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
            match arg.as_str() {
                "--quick" => out.quick = true,
                "--ops" => {
                    let ops: Vec<String> = value()?.split(',').map(str::to_string).collect();
                    if let Some(bad) = ops.iter().find(|o| !OPS.contains(&o.as_str())) {
                        return Err(format!("unknown op {bad:?} (known: {})", OPS.join(", ")));
                    }
                    out.ops = Some(ops);
                }
                "--sizes" => {
                    let sizes: Result<Vec<usize>, _> = value()?
                        .split(',')
                        .map(|s| s.trim().replace('_', "").parse::<f64>().map(|v| v as usize))
                        .collect();
                    let sizes = sizes.map_err(|e| format!("bad --sizes: {e}"))?;
                    if sizes.contains(&0) {
                        return Err("sizes must be positive".into());
                    }
                    out.sizes = Some(sizes);
                }
                "--csv" => out.csv = Some(value()?.into()),
                "--plot" => out.plot = Some(value()?.into()),
                other => return Err(format!("unknown argument {other:?}")),
            }
        }
        Ok(out)
    }

    /// Whether only the grid was asked for.
    fn grid_only(&self) -> bool {
        self.ops.is_some() || self.sizes.is_some()
    }
}

fn main() {
    let args = match Args::parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(msg) => {
            eprintln!("{msg}\n{USAGE}");
            std::process::exit(2);
        }
    };
    let quick = args.quick;
    let gpu = Device::gpu().ok();
    let auto = if gpu.is_some() {
        Device::auto_any()
    } else {
        Device::auto()
    };
    let cpu = Device::cpu();
    println!(
        "compute backend comparison ({} threads)",
        rayon::current_num_threads()
    );
    println!(
        "auto: {}",
        auto.gpu_name().map_or("CPU only".into(), |g| format!(
            "CPU or {g}, by its cost model"
        ))
    );
    if let Some(model) = auto.cost_model() {
        println!("cost model (cached per machine): {model:?}");
    }

    let ops: Vec<String> = args
        .ops
        .clone()
        .unwrap_or_else(|| ["scale", "exp", "zip", "sum"].map(String::from).to_vec());
    let sizes = args.sizes.clone().unwrap_or_else(|| {
        if quick {
            vec![10, 1_000, 100_000, 1_000_000]
        } else {
            vec![10, 1_000, 100_000, 1_000_000, 10_000_000, 100_000_000]
        }
    });
    let rows = grid(&ops, &sizes, quick, &cpu, gpu.as_ref(), &auto);
    let mut checks = Vec::new();
    report(&rows, &mut checks);
    if let Some(path) = &args.csv {
        match std::fs::write(path, csv(&rows)) {
            Ok(()) => println!("wrote {}", path.display()),
            Err(e) => eprintln!("could not write {}: {e}", path.display()),
        }
    }
    if let Some(path) = &args.plot {
        match std::fs::write(path, svg(&rows)) {
            Ok(()) => println!("wrote {}", path.display()),
            Err(e) => eprintln!("could not write {}: {e}", path.display()),
        }
    }

    if !args.grid_only() {
        let auto = Device::auto();
        targets(&auto, quick, &mut checks);
        expression_targets(&auto, quick, &mut checks);
        numpy(&auto, quick, &mut checks);
        // GPU work last: a software adapter's threads would compete with the CPU timings
        if let Some(gpu) = gpu.as_ref() {
            resident(gpu, quick);
        }
    }

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

/// One measurement of the grid.
#[derive(Clone, Debug, PartialEq)]
struct Cell {
    op: String,
    n: usize,
    backend: &'static str,
    seconds: f64,
    /// GB/s of inputs read plus output written.
    gbs: f64,
    /// What auto chose for this op and size.
    chose: &'static str,
}

/// A progress line: rewritten in place on a terminal, a plain line otherwise (so piped
/// output has no escape codes).
fn progress_line(terminal: bool, done: usize, total: usize, what: &str) -> String {
    if terminal {
        format!("\r\x1b[2K[{done}/{total}] {what}")
    } else {
        format!("[{done}/{total}] {what}\n")
    }
}

fn progress(done: usize, total: usize, what: &str) {
    use std::io::{IsTerminal, Write};
    let mut err = std::io::stderr();
    let _ = write!(
        err,
        "{}",
        progress_line(err.is_terminal(), done, total, what)
    );
    if done == total && err.is_terminal() {
        let _ = writeln!(err);
    }
    let _ = err.flush();
}

/// Times every op at every size on serial, CPU, GPU (if any) and auto, interleaved.
fn grid(
    ops: &[String],
    sizes: &[usize],
    quick: bool,
    cpu: &Device,
    gpu: Option<&Device>,
    auto: &Device,
) -> Vec<Cell> {
    use compute::expr::x;
    use compute::Reduce;
    let mut cells = Vec::new();
    let total = ops.len() * sizes.len();
    let mut done = 0;
    for &n in sizes {
        let a: Vec<f32> = (0..n).map(|i| (i % 1000) as f32 * 0.01).collect();
        let b = a.clone();
        for op in ops {
            progress(done, total, &format!("{op} on {n}"));
            let reps = if n >= 50_000_000 {
                3
            } else {
                reps_for(n, quick)
            };
            let inputs = if op == "zip" { 2 } else { 1 };
            let kernel = |d: &Device| -> Vec<f32> {
                match op.as_str() {
                    "scale" => compute::map(d, &a, Op::Scale(2.0)).unwrap_or_default(),
                    "chain" => {
                        compute::map(d, &a, Op::Scale(2.0).then(Op::Add(1.0)).then(Op::Sqrt))
                            .unwrap_or_default()
                    }
                    "exp" => compute::map(d, &a, Op::Exp).unwrap_or_default(),
                    "zip" => compute::zip(d, &a, &b, BinOp::Mul).unwrap_or_default(),
                    _ => vec![compute::reduce(d, x(), (&a,), Reduce::Sum)
                        .ok()
                        .flatten()
                        .unwrap_or_default()],
                }
            };
            let serial = || -> Vec<f32> {
                match op.as_str() {
                    "scale" => a.iter().map(|x| x * 2.0).collect(),
                    "chain" => a.iter().map(|x| (x * 2.0 + 1.0).sqrt()).collect(),
                    "exp" => a.iter().map(|x| x.exp()).collect(),
                    "zip" => a.iter().zip(&b).map(|(x, y)| x * y).collect(),
                    _ => vec![a.iter().sum()],
                }
            };
            let mut s = serial;
            let mut c = || kernel(cpu);
            let mut u = || kernel(auto);
            let times = match gpu {
                Some(g) => {
                    let mut gg = || kernel(g);
                    race_adaptive(reps, &mut [&mut s, &mut c, &mut u, &mut gg])
                }
                None => race_adaptive(reps, &mut [&mut s, &mut c, &mut u]),
            };
            let chose = match op.as_str() {
                "zip" | "sum" => auto.choose(&Op::Scale(1.0_f32), n),
                "exp" => auto.choose(&Op::<f32>::Exp, n),
                _ => auto.choose(&Op::Scale(1.0_f32), n),
            };
            let chose = if chose == compute::Backend::Gpu {
                "gpu"
            } else {
                "cpu"
            };
            let out_elems = if op == "sum" { 0 } else { n };
            for (backend, &t) in ["serial", "cpu", "auto", "gpu"].iter().zip(&times) {
                let bytes = (n * inputs + out_elems) * 4;
                cells.push(Cell {
                    op: op.clone(),
                    n,
                    backend,
                    seconds: t,
                    gbs: bytes as f64 / t / 1e9,
                    chose,
                });
            }
            done += 1;
        }
    }
    progress(total, total, "done");
    cells
}

/// As [`race`], with each candidate timed in batches long enough (~1 ms) to read a clock
/// well, so tiny calls and slow ones are measured alike; returns seconds per call.
fn race_adaptive(reps: usize, candidates: &mut [&mut dyn FnMut() -> Vec<f32>]) -> Vec<f64> {
    let batches: Vec<usize> = candidates
        .iter_mut()
        .map(|f| {
            drop(f());
            let start = Instant::now();
            drop(black_box(f()));
            let once = start.elapsed().as_secs_f64().max(1e-9);
            ((1e-3 / once) as usize).clamp(1, 10_000)
        })
        .collect();
    let mut times = vec![Vec::with_capacity(reps); candidates.len()];
    for _ in 0..reps.max(1) {
        for ((f, t), &batch) in candidates.iter_mut().zip(&mut times).zip(&batches) {
            let start = Instant::now();
            for _ in 0..batch {
                drop(black_box(f()));
            }
            t.push(start.elapsed().as_secs_f64() / batch as f64);
        }
    }
    medians(times)
}

/// The grid as a table, the crossovers, and whether auto stays within 10% of the faster
/// fixed backend everywhere.
fn report(cells: &[Cell], checks: &mut Vec<Check>) {
    println!(
        "\n{:<6} {:>10} | {:>20} | {:>20} | {:>20} | {:>20} | auto chose",
        "op", "n", "serial", "cpu", "gpu", "auto"
    );
    let find = |op: &str, n: usize, backend: &str| {
        cells
            .iter()
            .find(|c| c.op == op && c.n == n && c.backend == backend)
    };
    let cell = |c: Option<&Cell>| {
        c.map_or("-".to_string(), |c| {
            format!("{:>9} {:>5.1} GB/s", fmt_time(c.seconds), c.gbs)
        })
    };
    let mut keys: Vec<(&str, usize)> = Vec::new();
    for c in cells {
        if !keys.contains(&(c.op.as_str(), c.n)) {
            keys.push((c.op.as_str(), c.n));
        }
    }
    let mut worst: f64 = 0.0;
    let mut worst_at = String::new();
    for &(op, n) in &keys {
        let (s, cp, g, a) = (
            find(op, n, "serial"),
            find(op, n, "cpu"),
            find(op, n, "gpu"),
            find(op, n, "auto"),
        );
        println!(
            "{op:<6} {n:>10} | {} | {} | {:>20} | {} | {}",
            cell(s),
            cell(cp),
            cell(g),
            cell(a),
            a.map_or("-", |a| a.chose)
        );
        if let (Some(cp), Some(a)) = (cp, a) {
            let best = g.map_or(cp.seconds, |g| g.seconds.min(cp.seconds));
            let ratio = a.seconds / best;
            if ratio > worst {
                worst = ratio;
                worst_at = format!("{op} at n = {n}");
            }
        }
    }
    let mut ops: Vec<&str> = Vec::new();
    for &(op, _) in &keys {
        if !ops.contains(&op) {
            ops.push(op);
        }
    }
    for op in ops {
        let crossover = keys.iter().filter(|k| k.0 == op).find_map(|&(_, n)| {
            let (cp, g) = (find(op, n, "cpu")?, find(op, n, "gpu")?);
            (g.seconds < cp.seconds).then_some(n)
        });
        println!(
            "crossover for {op}: {}",
            crossover.map_or(
                "the GPU is never faster at these sizes".into(),
                |n| format!("GPU faster from n = {n}")
            )
        );
    }
    checks.push(Check {
        name: "auto within 10% of the faster fixed backend at every size".into(),
        ok: worst <= 1.10,
        detail: format!("worst {worst:.2}x the faster ({worst_at})"),
    });
}

/// The grid as CSV: `op,n,backend,median_seconds,gb_per_s,auto_chose`.
fn csv(cells: &[Cell]) -> String {
    let mut out = String::from("op,n,backend,median_seconds,gb_per_s,auto_chose\n");
    for c in cells {
        out += &format!(
            "{},{},{},{:e},{:.4},{}\n",
            c.op, c.n, c.backend, c.seconds, c.gbs, c.chose
        );
    }
    out
}

/// Throughput against size per backend, one panel per op, log axes, as SVG.
fn svg(cells: &[Cell]) -> String {
    const W: f64 = 420.0;
    const H: f64 = 300.0;
    const PAD: f64 = 50.0;
    let mut ops: Vec<&str> = Vec::new();
    for c in cells {
        if !ops.contains(&c.op.as_str()) {
            ops.push(&c.op);
        }
    }
    let backends = ["serial", "cpu", "gpu", "auto"];
    let colors = ["#888888", "#1f77b4", "#d62728", "#2ca02c"];
    let positive = |v: f64| v.is_finite() && v > 0.0;
    let (mut nmin, mut nmax, mut gmin, mut gmax) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for c in cells.iter().filter(|c| positive(c.gbs)) {
        nmin = nmin.min(c.n as f64);
        nmax = nmax.max(c.n as f64);
        gmin = gmin.min(c.gbs);
        gmax = gmax.max(c.gbs);
    }
    if nmin > nmax {
        (nmin, nmax, gmin, gmax) = (1.0, 10.0, 0.1, 1.0);
    }
    let (lx0, lx1) = (
        nmin.log10().floor(),
        nmax.log10().ceil().max(nmin.log10().floor() + 1.0),
    );
    let (ly0, ly1) = (
        gmin.log10().floor(),
        gmax.log10().ceil().max(gmin.log10().floor() + 1.0),
    );
    let width = W * ops.len().max(1) as f64;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{}\" font-family=\"sans-serif\" font-size=\"11\">\n",
        H + 30.0
    );
    out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
    for (k, op) in ops.iter().enumerate() {
        let x0 = k as f64 * W;
        let px = |n: f64| x0 + PAD + (n.log10() - lx0) / (lx1 - lx0) * (W - PAD - 15.0);
        let py = |g: f64| H - PAD + 20.0 - (g.log10() - ly0) / (ly1 - ly0) * (H - PAD - 10.0);
        out += &format!(
            "<text x=\"{}\" y=\"15\" font-weight=\"bold\">{op}: GB/s against n</text>\n",
            x0 + PAD
        );
        out += &format!(
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"black\"/>\n",
            x0 + PAD,
            py(10f64.powf(ly1)),
            W - PAD - 15.0,
            py(10f64.powf(ly0)) - py(10f64.powf(ly1))
        );
        for d in lx0 as i32..=lx1 as i32 {
            let x = px(10f64.powi(d));
            out += &format!(
                "<text x=\"{x}\" y=\"{}\" text-anchor=\"middle\">1e{d}</text>\n",
                H - PAD + 35.0
            );
        }
        for d in ly0 as i32..=ly1 as i32 {
            let y = py(10f64.powi(d));
            out += &format!(
                "<text x=\"{}\" y=\"{y}\" text-anchor=\"end\">1e{d}</text>\n",
                x0 + PAD - 4.0
            );
        }
        for (b, color) in backends.iter().zip(colors) {
            let points: Vec<String> = cells
                .iter()
                .filter(|c| c.op == *op && c.backend == *b && positive(c.gbs))
                .map(|c| format!("{:.1},{:.1}", px(c.n as f64), py(c.gbs)))
                .collect();
            if !points.is_empty() {
                out += &format!(
                    "<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" points=\"{}\"/>\n",
                    points.join(" ")
                );
            }
        }
    }
    for (i, (b, color)) in backends.iter().zip(colors).enumerate() {
        let x = PAD + i as f64 * 90.0;
        out += &format!(
            "<rect x=\"{x}\" y=\"{}\" width=\"12\" height=\"4\" fill=\"{color}\"/><text x=\"{}\" y=\"{}\">{b}</text>\n",
            H + 15.0,
            x + 16.0,
            H + 20.0
        );
    }
    out + "</svg>\n"
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
            &mut || rayon_scale_best(&a),
        ],
    );
    let (ours, plain, huge, whole) = (t[0], t[1], t[2], t[3]);
    let best = plain.min(huge).min(whole);
    println!(
        "scale 2e7: compute {} | rayon collect {} | rayon + huge pages {} | + whole huge pages {}",
        fmt_time(ours),
        fmt_time(plain),
        fmt_time(huge),
        fmt_time(whole)
    );
    checks.push(Check {
        name: "Scale 2e7 f32 >= 90% of best hand-written rayon".into(),
        ok: best / ours >= 0.90,
        detail: format!(
            "{:.2} of the best ({:.2} of plain, {:.2} of huge pages, {:.2} of whole huge pages)",
            best / ours,
            plain / ours,
            huge / ours,
            whole / ours
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
            &mut || {
                let mut out = best_fresh(a.len());
                out.par_extend(a.par_iter().zip(&b).map(|(x, y)| (2.0 * x + y).sqrt()));
                out
            },
        ],
    );
    let (ours, separate, hand) = (t[0], t[1], t[2].min(t[3]).min(t[4]));
    println!(
        "(2x + y).sqrt() on 1e7: expression {} | three calls {} | hand-fused rayon {} (plain {}, huge pages {}, whole huge pages {})",
        fmt_time(ours),
        fmt_time(separate),
        fmt_time(hand),
        fmt_time(t[2]),
        fmt_time(t[3]),
        fmt_time(t[4])
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

    // a count (numpy's count_nonzero(a > 5)); no target, for the record
    let t = race(
        reps,
        &mut [
            &mut || vec![compute::count(auto, x().gt(5.0), (&a,)).unwrap_or_default() as f32],
            &mut || vec![a.par_iter().filter(|&&v| v > 5.0).count() as f32],
        ],
    );
    println!(
        "count(x > 5) on 1e7: compute {} | rayon filter().count() {}",
        fmt_time(t[0]),
        fmt_time(t[1])
    );
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

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<Cell> {
        let mut cells = Vec::new();
        for n in [10, 1_000, 1_000_000] {
            for (k, backend) in ["serial", "cpu", "gpu", "auto"].into_iter().enumerate() {
                cells.push(Cell {
                    op: "scale".into(),
                    n,
                    backend,
                    seconds: 1e-6 * (k + 1) as f64 * n as f64,
                    gbs: 8e-3 / (k + 1) as f64,
                    chose: "cpu",
                });
            }
        }
        cells
    }

    #[test]
    fn arguments_parse_and_reject_mistakes() {
        let args = |s: &str| Args::parse(s.split_whitespace().map(String::from));
        let a =
            args("--quick --ops scale,exp --sizes 10,1e6,1_000 --csv o.csv --plot o.svg").unwrap();
        assert!(a.quick && a.grid_only());
        assert_eq!(a.ops, Some(vec!["scale".to_string(), "exp".to_string()]));
        assert_eq!(a.sizes, Some(vec![10, 1_000_000, 1_000]));
        assert_eq!(a.csv, Some("o.csv".into()));
        assert!(args("--ops nope").is_err());
        assert!(args("--sizes ten").is_err());
        assert!(args("--sizes 0").is_err());
        assert!(args("--csv").is_err());
        assert!(args("--frobnicate").is_err());
        assert_eq!(args("").unwrap(), Args::default());
    }

    #[test]
    fn csv_has_a_header_and_one_parsable_row_per_cell() {
        let cells = sample();
        let text = csv(&cells);
        let mut lines = text.lines();
        assert_eq!(
            lines.next(),
            Some("op,n,backend,median_seconds,gb_per_s,auto_chose")
        );
        let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
        assert_eq!(rows.len(), cells.len());
        for (row, cell) in rows.iter().zip(&cells) {
            assert_eq!(row.len(), 6);
            assert_eq!(row[0], cell.op);
            assert_eq!(row[1].parse::<usize>().unwrap(), cell.n);
            assert_eq!(row[2], cell.backend);
            let secs: f64 = row[3].parse().unwrap();
            assert!((secs - cell.seconds).abs() <= cell.seconds * 1e-9);
            assert!(row[4].parse::<f64>().is_ok());
        }
    }

    #[test]
    fn svg_is_well_formed_with_one_line_per_backend() {
        let text = svg(&sample());
        let doc = roxmltree::Document::parse(&text).expect("well-formed XML");
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "svg");
        let lines = root
            .descendants()
            .filter(|n| n.has_tag_name("polyline"))
            .count();
        assert_eq!(lines, 4);
        // an empty grid still makes a valid picture
        assert!(roxmltree::Document::parse(&svg(&[])).is_ok());
    }

    #[test]
    fn progress_has_no_escape_codes_off_a_terminal() {
        let piped = progress_line(false, 3, 10, "scale on 1000");
        assert_eq!(piped, "[3/10] scale on 1000\n");
        assert!(!piped.contains('\x1b') && !piped.contains('\r'));
        assert!(progress_line(true, 3, 10, "x").starts_with("\r\x1b[2K"));
    }
}
