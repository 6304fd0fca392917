//! One `Device` shared by many threads at once (it is `Send + Sync`): every call's answer is
//! its own, on each backend.

mod common;

use common::gpu;
use compute::expr::{x, y};
use compute::{BinOp, Device, Op, Reduce};

/// 8 threads x 200 mixed calls (map, zip, eval, reduce) of different sizes and types.
fn hammer(device: &Device) {
    std::thread::scope(|scope| {
        for t in 0..8_u32 {
            scope.spawn(move || {
                for k in 0..200_u32 {
                    let n = 1 + ((t * 200 + k) as usize * 97) % 5_000;
                    let a: Vec<u32> = (0..n as u32).map(|i| i ^ (t << 8) ^ k).collect();
                    match k % 4 {
                        0 => {
                            let out = compute::map(device, &a, Op::Scale(t + 1).then(Op::Add(k)))
                                .unwrap();
                            assert!(out
                                .iter()
                                .zip(&a)
                                .all(|(o, v)| *o == v.wrapping_mul(t + 1).wrapping_add(k)));
                        }
                        1 => {
                            let b: Vec<u32> = a.iter().map(|v| v % 7).collect();
                            let out = compute::zip(device, &a, &b, BinOp::Div).unwrap();
                            assert!(out
                                .iter()
                                .zip(a.iter().zip(&b))
                                .all(|(o, (p, q))| *o == if *q == 0 { 0 } else { p / q }));
                        }
                        2 => {
                            let f: Vec<f32> = a.iter().map(|v| (*v % 1000) as f32).collect();
                            let out = compute::eval(device, x() * 2.0 + y(), (&f, &f)).unwrap();
                            assert!(out.iter().zip(&f).all(|(o, v)| *o == v * 3.0));
                        }
                        _ => {
                            let total = compute::reduce(device, x(), (&a,), Reduce::Sum).unwrap();
                            let want = a.iter().fold(0_u32, |s, v| s.wrapping_add(*v));
                            assert_eq!(total, Some(want), "thread {t} call {k}");
                        }
                    }
                }
            });
        }
    });
}

#[test]
fn cpu_device_shared_by_8_threads_x_200_calls() {
    hammer(&Device::cpu());
}

#[test]
fn gpu_device_shared_by_8_threads_x_200_calls() {
    if let Some(device) = gpu() {
        hammer(&device);
    }
}
