//! The grid: every op at every size on serial, the CPU, auto and the GPU (if any), raced
//! against each other, with what auto chose.

use compute::{Device, Op};

use super::inputs::data;
use super::ops;
use super::progress::progress;
use super::timing::race_adaptive;

/// One measurement of the grid.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Cell {
    pub(crate) op: String,
    pub(crate) n: usize,
    pub(crate) backend: &'static str,
    pub(crate) seconds: f64,
    /// GB/s of inputs read plus output written.
    pub(crate) gbs: f64,
    /// What auto chose for this op and size.
    pub(crate) chose: &'static str,
}

/// Rounds per cell: fewer as the arrays grow, a third of them with `quick`.
fn reps(n: usize, quick: bool) -> usize {
    if n >= 50_000_000 {
        return 3;
    }
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

/// Times every op at every size on serial, CPU, GPU (if any) and auto, interleaved.
pub(crate) fn grid(
    ops: &[String],
    sizes: &[usize],
    quick: bool,
    cpu: &Device,
    gpu: Option<&Device>,
    auto: &Device,
) -> Vec<Cell> {
    let mut cells = Vec::new();
    let total = ops.len() * sizes.len();
    let mut done = 0;
    for &n in sizes {
        let a = data(n);
        let b: Vec<f32> = a.iter().rev().copied().collect();
        for op in ops {
            progress(done, total, &format!("{op} on {n}"));
            let reps = reps(n, quick);
            let kernel = |d: &Device| ops::run(d, op, &a, &b).unwrap_or_default();
            let serial = || ops::serial(op, &a, &b).unwrap_or_default();
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
            let chose = if ops::heavy(op) {
                auto.choose(&Op::<f32>::Exp, n)
            } else {
                auto.choose(&Op::Scale(1.0_f32), n)
            };
            let chose = if chose == compute::Backend::Gpu {
                "gpu"
            } else {
                "cpu"
            };
            let (read, written) = ops::arrays(op);
            for (backend, &t) in ["serial", "cpu", "auto", "gpu"].iter().zip(&times) {
                let bytes = n * (read + written) * 4;
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

/// A small made-up grid for the writers' tests: `scale` at three sizes on every backend.
#[cfg(test)]
pub(crate) fn sample() -> Vec<Cell> {
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
