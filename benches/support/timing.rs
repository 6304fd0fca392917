//! Timing calls against each other on a shared, noisy machine: interleaved medians (every
//! repetition runs each candidate once, in turn, so a change in load hits all of them alike),
//! and how a time is printed.

use std::hint::black_box;
use std::time::Instant;

/// Interleaved medians of `reps` rounds, in seconds, after one warm-up call each. Results
/// are dropped untimed, so every run pays for a fresh output as a user's call does.
pub(crate) fn race(reps: usize, candidates: &mut [&mut dyn FnMut() -> Vec<f32>]) -> Vec<f64> {
    race_batched(reps, 1, candidates)
}

/// The median of `reps` runs of `f` alone (a [`race`] of one).
pub(crate) fn median(reps: usize, mut f: impl FnMut() -> Vec<f32>) -> f64 {
    race(reps, &mut [&mut f])[0]
}

/// As [`race`], timing `batch` back-to-back calls per sample (results dropped inside), for
/// calls too short to time one by one; returns seconds per call.
pub(crate) fn race_batched(
    reps: usize,
    batch: usize,
    candidates: &mut [&mut dyn FnMut() -> Vec<f32>],
) -> Vec<f64> {
    for f in candidates.iter_mut() {
        drop(f()); // warm-up
    }
    let batches = vec![batch; candidates.len()];
    rounds(reps, &batches, true, candidates)
}

/// As [`race`], with each candidate timed in batches long enough (~1 ms) to read a clock
/// well, so tiny calls and slow ones are measured alike; returns seconds per call. Every
/// result is dropped inside the timed region, a batch of one's too.
pub(crate) fn race_adaptive(
    reps: usize,
    candidates: &mut [&mut dyn FnMut() -> Vec<f32>],
) -> Vec<f64> {
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
    rounds(reps, &batches, false, candidates)
}

/// `reps` rounds of each candidate's batch in turn; the median seconds per call of each.
/// With `untimed_single`, a batch of one drops its result after the clock stops.
fn rounds(
    reps: usize,
    batches: &[usize],
    untimed_single: bool,
    candidates: &mut [&mut dyn FnMut() -> Vec<f32>],
) -> Vec<f64> {
    let mut times = vec![Vec::with_capacity(reps); candidates.len()];
    for _ in 0..reps.max(1) {
        for ((f, t), &batch) in candidates.iter_mut().zip(&mut times).zip(batches) {
            let start = Instant::now();
            if batch == 1 && untimed_single {
                let out = black_box(f());
                t.push(start.elapsed().as_secs_f64());
                drop(out);
            } else {
                for _ in 0..batch {
                    drop(black_box(f()));
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

/// A time in ns, µs or ms, as the reports print it.
pub(crate) fn fmt_time(s: f64) -> String {
    if s < 1e-6 {
        format!("{:.0} ns", s * 1e9)
    } else if s < 1e-3 {
        format!("{:.1} µs", s * 1e6)
    } else {
        format!("{:.2} ms", s * 1e3)
    }
}
