//! The speed targets for expressions and reductions on 10^7 f32, measured in this run: one
//! pass against separate calls and against the best hand-written rayon code.

use compute::expr::{x, y};
use compute::{BinOp, Device, Op, Reduce};
use rayon::prelude::*;

use super::baselines::{fresh, huge_pages, two_x_plus_y_sqrt, whole_pages};
use super::checks::Check;
use super::inputs::data;
use super::timing::{fmt_time, race};

/// Races `(2x + y).sqrt()`, `sum`, a sum of squares and a count against their separate calls
/// and rayon loops, and adds the verdicts to `checks` (the count has none: it is for the
/// record).
pub(crate) fn targets(auto: &Device, quick: bool, checks: &mut Vec<Check>) {
    let n = 10_000_000;
    let reps = if quick { 7 } else { 21 };
    let a = data(n);
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
            &mut || fresh(two_x_plus_y_sqrt(&a, &b)),
            &mut || huge_pages(two_x_plus_y_sqrt(&a, &b)),
            &mut || whole_pages(two_x_plus_y_sqrt(&a, &b)),
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
