//! The grid as a table on stdout: times and GB/s per backend, what auto chose, the sizes
//! from which the GPU wins, and whether auto kept up with the faster fixed backend.

use super::checks::Check;
use super::grid::Cell;
use super::timing::fmt_time;

/// The grid as a table, the crossovers, and whether auto stays within 10% of the faster
/// fixed backend everywhere.
pub(crate) fn report(cells: &[Cell], checks: &mut Vec<Check>) {
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
