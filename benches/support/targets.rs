//! The speed targets for single ops, measured in this run: `scale` against hand-written
//! rayon, small calls against a serial loop, and a fused chain against three calls.

use compute::{Device, Op};

use super::baselines::{fresh, huge_pages, times_two, whole_pages};
use super::checks::Check;
use super::timing::{fmt_time, race, race_batched};

/// Races each target's candidates and adds its verdict to `checks`.
pub(crate) fn targets(auto: &Device, quick: bool, checks: &mut Vec<Check>) {
    println!("\n== targets, measured in this run (interleaved medians)");
    // 1. Scale on 2e7 f32 against hand-written rayon with a fresh output
    let n = 20_000_000;
    let a: Vec<f32> = (0..n).map(|i| (i % 1000) as f32).collect();
    let reps = if quick { 7 } else { 21 };
    let t = race(
        reps,
        &mut [
            &mut || compute::map(auto, &a, Op::Scale(2.0)).unwrap_or_default(),
            &mut || fresh(times_two(&a)),
            &mut || huge_pages(times_two(&a)),
            &mut || whole_pages(times_two(&a)),
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
