//! What a GPU call moves and holds, counted by `Device::stats`. The counters belong to the
//! process's GPU context, so these tests take turns (a lock) and measure differences.

mod common;

use std::sync::Mutex;

use common::gpu;
use compute::{Device, Op};

static TURN: Mutex<()> = Mutex::new(());

#[test]
fn gpu_a_chain_of_10_resident_ops_transfers_nothing_until_to_vec() {
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    let Some(device) = gpu() else { return };
    let data: Vec<f32> = (0..100_000).map(|i| i as f32 * 0.001).collect();
    let before = device.stats();
    let mut a = device.upload(&data).unwrap();
    let uploaded = device.stats();
    assert_eq!(uploaded.uploads, before.uploads + 1);
    assert_eq!(uploaded.upload_bytes, before.upload_bytes + 400_000);
    for k in 0..10 {
        a = a.map(Op::Scale(1.5).then(Op::Add(k as f32))).unwrap();
    }
    let ran = device.stats();
    assert_eq!(
        (ran.uploads, ran.downloads),
        (uploaded.uploads, uploaded.downloads),
        "no transfer"
    );
    assert!(ran.dispatches >= uploaded.dispatches + 10);
    assert!(ran.resident_bytes >= 400_000);
    let out = a.to_vec().unwrap();
    let read = device.stats();
    assert_eq!(read.downloads, ran.downloads + 1);
    assert_eq!(read.uploads, ran.uploads);
    // and the answer is the host's
    let mut want = data.clone();
    for k in 0..10 {
        want = compute::map(
            &Device::cpu(),
            &want,
            Op::Scale(1.5).then(Op::Add(k as f32)),
        )
        .unwrap();
    }
    assert_eq!(out, want);
    let held = device.stats().resident_bytes;
    drop(a);
    assert!(
        device.stats().resident_bytes < held,
        "dropping an array frees its memory"
    );
}

#[test]
fn gpu_memory_held_stays_under_its_bound_over_10000_calls() {
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    let Some(device) = gpu() else { return };
    let limit = 1 << 20;
    let device = device.with_gpu_memory_limit(limit);
    let data: Vec<u32> = (0..20_000).collect();
    let mut out = vec![0_u32; data.len()];
    for k in 0..10_000_u32 {
        // sizes vary so the pool sees many shapes; a quarter of the calls exceed the limit
        let n = 1 + (k as usize * 7_919) % data.len();
        compute::map_into(&device, &data[..n], Op::Add(k), &mut out[..n]).unwrap();
        let pooled = device.stats().pooled_bytes;
        assert!(
            pooled <= limit,
            "call {k}: {pooled} bytes pooled, limit {limit}"
        );
        if k % 997 == 0 {
            assert!(
                out[..n].iter().zip(&data).all(|(o, d)| *o == d + k),
                "call {k}"
            );
        }
    }
}

#[test]
fn gpu_a_memory_bound_far_below_the_data_still_works() {
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    let Some(device) = gpu() else { return };
    let limit = 256 << 10; // 256 KiB against 8 MB of data
    let device = device.with_gpu_memory_limit(limit);
    let a: Vec<f32> = (0..2_000_003).map(|i| (i % 1000) as f32).collect();
    let out = compute::zip(&device, &a, &a, compute::BinOp::Add).unwrap();
    assert!(out.iter().zip(&a).all(|(o, v)| *o == v + v));
    let sum = compute::sum(&device, &a).unwrap();
    assert_eq!(sum, compute::sum(&Device::cpu(), &a).unwrap());
    assert!(device.stats().pooled_bytes <= limit);
}
