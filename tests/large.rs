//! GPU arrays past one storage binding and past one dispatch row, and inputs split into
//! several chunks at odd sizes.

mod common;

use common::gpu;
use compute::parse::Value;
use compute::{BinOp, Device, Op};

#[test]
fn gpu_arrays_past_2_pow_25_f32_are_correct() {
    let Some(device) = gpu() else { return };
    // 2^25 f32 is 128 MiB, the software adapters' storage binding limit, and 131,072
    // workgroups, twice the 65,535 of one dispatch row.
    let n = (1 << 25) + 1027;
    let x: Vec<f32> = (0..n).map(|i| (i % 1_000_003) as f32).collect();
    let y = compute::map(&device, &x, Op::Scale(2.0).then(Op::Add(1.0))).unwrap();
    assert_eq!(y.len(), n);
    for (i, (&yi, &xi)) in y.iter().zip(&x).enumerate() {
        assert_eq!(yi, xi * 2.0 + 1.0, "[{i}]");
    }
    let z = compute::zip(&device, &x, &y, BinOp::Sub).unwrap();
    for (i, ((&zi, &xi), &yi)) in z.iter().zip(&x).zip(&y).enumerate() {
        assert_eq!(zi, xi - yi, "[{i}]");
    }
}

#[test]
fn gpu_inputs_split_into_chunks_at_odd_sizes() {
    let Some(device) = gpu() else { return };
    let cpu = Device::cpu();
    let device = device.with_gpu_chunk_bytes(64 << 10); // 16,384 f32 per chunk
    for n in [16_383_usize, 16_384, 16_385, 3 * 16_384 + 77, 200_003] {
        let a: Vec<i32> = (0..n as i32)
            .map(|i| i.wrapping_mul(2_654_435_761_u32 as i32))
            .collect();
        let b: Vec<i32> = (0..n as i32).map(|i| (i % 97) - 48).collect();
        let op = Op::Scale(3).then(Op::Sub(5)).then(Op::Abs);
        assert_eq!(
            compute::map(&device, &a, op.clone()).unwrap(),
            compute::map(&cpu, &a, op).unwrap(),
            "n = {n}"
        );
        assert_eq!(
            compute::zip(&device, &a, &b, BinOp::Div).unwrap(),
            compute::zip(&cpu, &a, &b, BinOp::Div).unwrap(),
            "n = {n}"
        );
    }
}

#[test]
fn gpu_either_side_of_one_dispatch_row() {
    let Some(device) = gpu() else { return };
    // 65,535 workgroups of 256 is the most one row of a dispatch holds.
    let row = 65_535 * 256;
    for n in [row, row + 1] {
        let a: Vec<u32> = (0..n as u32).collect();
        let out = compute::map(&device, &a, Op::Add(7)).unwrap();
        assert_eq!(out.len(), n);
        assert!(out.iter().zip(&a).all(|(o, x)| *o == x + 7), "n = {n}");
    }
}

#[test]
fn devices_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync + Clone>() {}
    assert_send_sync::<Device>();
}

#[test]
fn cpu_outputs_past_64_mib_streamed_out_are_correct() {
    // one-op kernels past 64 MiB of output go through a buffer in L1 and non-temporal
    // stores: every element, odd lengths, an output that starts off a 16-byte boundary, f32,
    // f64 and i32, map, map_into and zip
    let cpu = Device::cpu();
    let n = (1 << 24) + 4097 + 3;
    let x: Vec<f32> = (0..n).map(|i| (i % 1_000_003) as f32).collect();
    let y = compute::map(&cpu, &x, Op::Scale(2.0)).unwrap();
    assert!(y.iter().zip(&x).all(|(&y, &x)| y == x * 2.0));
    let mut out = vec![-1.0_f32; n + 1];
    compute::map_into(&cpu, &x, Op::Sqrt, &mut out[1..]).unwrap();
    assert_eq!(out[0], -1.0);
    assert!(out[1..].iter().zip(&x).all(|(&o, &x)| o == x.sqrt()));
    let z = compute::zip(&cpu, &x, &y, BinOp::Sub).unwrap();
    assert!(z.iter().zip(&x).all(|(&z, &x)| z == -x));
    let a: Vec<f64> = x.iter().map(|&v| f64::from(v)).collect();
    let b = compute::map(&cpu, &a, Op::Add(0.5)).unwrap();
    assert!(b.iter().zip(&a).all(|(&b, &a)| b == a + 0.5));
    let i: Vec<i32> = (0..n as i32).collect();
    let j = compute::map(&cpu, &i, Op::Scale(3)).unwrap();
    assert!(j.iter().zip(&i).all(|(&j, &i)| j == i.wrapping_mul(3)));
    // programs that are one loop by their fused pairs (`cpu/fused.rs`) are streamed too
    let arrays = [("x", &x[..]), ("y", &y[..])];
    let Value::Array(p) = compute::evaluate(&cpu, "x * 3 + y", &arrays).unwrap() else {
        panic!("an element-wise expression gives an array")
    };
    assert!(p
        .iter()
        .zip(&x)
        .zip(&y)
        .all(|((&p, &x), &y)| p == x * 3.0 + y));
    let Value::Array(w) = compute::evaluate(&cpu, "where(x > 500000, x, -1)", &arrays).unwrap()
    else {
        panic!("an element-wise expression gives an array")
    };
    assert!(w
        .iter()
        .zip(&x)
        .all(|(&w, &x)| w == if x > 500000.0 { x } else { -1.0 }));
}
