//! The GPU pipeline cache is bounded. Uses `Stats::pipelines`, new with the fix.

mod common;

use compute::Op;

/// The pipeline cache kept every kernel ever compiled: a long run of distinct user kernels
/// (one per formula a client generated) grew a process to 4.6 GB. The cache now holds at most
/// 256 pipelines, dropping the least recently used, and says how many it holds in
/// `Stats::pipelines`; every call still gives its own answer.
#[test]
fn gpu_pipeline_cache_stays_bounded_over_many_user_kernels() {
    let Some(device) = common::gpu() else { return };
    let data = [1.0_f32, 2.0, 3.0];
    let mut most = 0;
    for k in 0..600_u32 {
        let add = k as f32;
        let op = Op::custom(&format!("x + {k}.0"), move |x: f32| x + add).unwrap();
        let got = compute::map(&device, data, op).unwrap();
        assert_eq!(got, data.map(|x| x + add), "user kernel {k}");
        most = most.max(device.stats().pipelines);
    }
    // the least recently used went first: the earliest kernels still run, compiled again
    let again = Op::custom("x + 0.0", |x: f32| x).unwrap();
    assert_eq!(compute::map(&device, data, again).unwrap(), data);
    let held = device.stats().pipelines;
    assert!(
        most <= 256 && held <= 256,
        "pipelines held: {held} at the end, {most} at most (cap 256)"
    );
}
