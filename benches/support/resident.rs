//! The GPU-resident-array figures (for the record; no targets).

use compute::{Device, Op};

use super::timing::{fmt_time, race};

/// Device-resident arrays on the forced GPU: per-call overhead of a small resident op, and
/// throughput with and without the bus (on a software adapter the "bus" is a memcpy).
pub(crate) fn resident(gpu: &Device, quick: bool) {
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

/// GB/s for `n` f32 elements read once per input and written once.
fn gbs(n: usize, inputs: usize, s: f64) -> f64 {
    (n * 4 * (inputs + 1)) as f64 / s / 1e9
}
