//! numpy on the same machine in the same run, via `benches/numpy_baseline.py`.

use std::process::Command;

use compute::{Device, Op};

use super::checks::Check;
use super::timing::{fmt_time, median};

/// Runs the script at 10^7 (and 10^8 without `quick`), times the same calls on `auto`, and
/// adds a check per size; says why and skips it where python3 or numpy fails.
pub(crate) fn numpy(auto: &Device, quick: bool, checks: &mut Vec<Check>) {
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
        let scale = median(reps, || {
            compute::map(auto, &a, Op::Scale(2.0)).unwrap_or_default()
        });
        let chain = median(reps, || {
            compute::map(auto, &a, Op::Scale(2.0).then(Op::Add(1.0)).then(Op::Sqrt))
                .unwrap_or_default()
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
