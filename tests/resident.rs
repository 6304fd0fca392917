//! Arrays kept on a device, calls into existing buffers, in place and async: the same
//! answers as the host calls, on each backend.

mod common;

use common::{gpu, i32_data, Rng};
use compute::expr::{x, y, z};
use compute::{BinOp, Device, Error, Op, Reduce};

fn floats(len: usize, seed: u64) -> Vec<f32> {
    let mut rng = Rng::new(seed);
    (0..len)
        .map(|_| rng.log_uniform(1e-2, 1e2, true) as f32)
        .collect()
}

fn check_resident_matches_host(device: &Device) {
    for len in [0, 1, 257, 4_097, 70_001] {
        let (a, b, c) = (floats(len, 1), floats(len, 2), floats(len, 3));
        let (ga, gb, gc) = (
            device.upload(&a).unwrap(),
            device.upload(&b).unwrap(),
            device.upload(&c).unwrap(),
        );
        assert_eq!(ga.len(), len);
        assert_eq!(ga.to_vec().unwrap(), a);
        let op = Op::Abs.then(Op::Add(1.0)).then(Op::Sqrt);
        let resident = ga.map(op.clone()).unwrap().zip(&gb, BinOp::Mul).unwrap();
        let host = compute::zip(
            device,
            compute::map(device, &a, op).unwrap(),
            &b,
            BinOp::Mul,
        )
        .unwrap();
        assert_eq!(resident.to_vec().unwrap(), host, "len {len}");
        let e = x() * y() - z();
        let resident = compute::Array::eval(&e, &[&ga, &gb, &gc]).unwrap();
        assert_eq!(
            resident.to_vec().unwrap(),
            compute::eval(device, &e, (&a, &b, &c)).unwrap()
        );
        let sum = compute::Array::reduce(x().square(), &[&ga], Reduce::Sum).unwrap();
        assert_eq!(
            sum,
            compute::reduce(device, x().square(), (&a,), Reduce::Sum).unwrap()
        );
        assert_eq!(ga.max().unwrap(), compute::max(device, &a).unwrap());
        assert_eq!(ga.min().unwrap(), compute::min(device, &a).unwrap());
        assert_eq!(ga.sum().unwrap(), compute::sum(device, &a).unwrap());
    }
    // integers, and errors before any work
    let a = i32_data(10_000, 5);
    let ga = device.upload(&a).unwrap();
    assert_eq!(
        ga.map(Op::Scale(3)).unwrap().to_vec().unwrap(),
        compute::map(device, &a, Op::Scale(3)).unwrap()
    );
    assert!(matches!(ga.map(Op::Sqrt), Err(Error::FloatOnly { .. })));
    let short = device.upload(&a[..10]).unwrap();
    assert!(matches!(
        ga.zip(&short, BinOp::Add),
        Err(Error::LengthMismatch { .. })
    ));
    let other = Device::cpu().upload(&a).unwrap();
    assert!(matches!(
        ga.zip(&other, BinOp::Add),
        Err(Error::DeviceMismatch)
    ));
}

#[test]
fn cpu_arrays_match_host_calls() {
    let device = Device::cpu();
    assert!(!device.upload([1.0_f32]).unwrap().is_on_gpu());
    check_resident_matches_host(&device);
}

#[test]
fn gpu_arrays_match_host_calls() {
    if let Some(device) = gpu() {
        assert!(device.upload([1.0_f32]).unwrap().is_on_gpu());
        assert_eq!(
            device.upload([1.0_f64]).unwrap().is_on_gpu(),
            device.gpu_runs::<f64>(),
            "f64 on the GPU exactly where it runs there"
        );
        check_resident_matches_host(&device);
    }
}

#[test]
fn arrays_of_two_devices_do_not_mix() {
    let (one, two) = (Device::cpu(), Device::cpu());
    let a = one.upload([1, 2]).unwrap();
    let b = two.upload([1, 2]).unwrap();
    assert!(matches!(a.zip(&b, BinOp::Add), Err(Error::DeviceMismatch)));
    assert!(matches!(
        compute::Array::eval(x() + y(), &[&a, &b]),
        Err(Error::DeviceMismatch)
    ));
    let c = one.clone().upload([3, 4]).unwrap();
    assert_eq!(
        a.zip(&c, BinOp::Add).unwrap().to_vec().unwrap(),
        [4, 6],
        "clones are one device"
    );
}

fn check_into_and_in_place(device: &Device) {
    for len in [0, 1, 4_095, 4_097, 131_073] {
        let a = floats(len, 7);
        let op = Op::Scale(2.0).then(Op::Add(1.0)).then(Op::Abs);
        let want = compute::map(&Device::cpu(), &a, op.clone()).unwrap();
        let mut out = vec![0.0_f32; len];
        compute::map_into(device, &a, op.clone(), &mut out).unwrap();
        assert_eq!(out, want, "into, len {len}");
        let mut data = a.clone();
        compute::map_in_place(device, &mut data, op.clone()).unwrap();
        assert_eq!(data, want, "in place, len {len}");
    }
    let mut short = vec![0.0_f32; 2];
    let err = compute::map_into(device, [1.0_f32; 3], Op::Neg, &mut short).unwrap_err();
    assert!(matches!(err, Error::LengthMismatch { .. }));
    let mut ints = vec![4, 9];
    assert!(compute::map_in_place(device, &mut ints, Op::Sqrt).is_err());
    assert_eq!(ints, [4, 9], "an error changes nothing");
}

#[test]
fn cpu_into_and_in_place() {
    check_into_and_in_place(&Device::cpu());
}

#[test]
fn gpu_into_and_in_place() {
    if let Some(device) = gpu() {
        check_into_and_in_place(&device);
        // streamed in several chunks under a small memory budget
        check_into_and_in_place(&device.with_gpu_memory_limit(256 << 10));
    }
}

fn check_async(device: &Device) {
    let a = floats(300_001, 9);
    let pending = compute::map_async(device, a.clone(), Op::Abs.then(Op::Sqrt));
    let pending_sum = compute::reduce_async(device, x() * y(), (a.clone(), a.clone()), Reduce::Sum);
    // CPU work on this thread while the calls run
    let busy: f64 = a.iter().map(|v| f64::from(*v).abs()).sum();
    let out = pollster::block_on(pending).unwrap();
    let want = compute::map(&Device::cpu(), &a, Op::Abs.then(Op::Sqrt)).unwrap();
    assert_eq!(out, want);
    let sum = pollster::block_on(pending_sum).unwrap().unwrap();
    let exact: f64 = a.iter().map(|v| f64::from(*v) * f64::from(*v)).sum();
    assert!(
        (f64::from(sum) - exact).abs() / exact < 1e-4,
        "{sum} vs {exact}"
    );
    assert!(busy > 0.0);
    let err = pollster::block_on(compute::map_async(device, vec![1, 2], Op::Exp)).unwrap_err();
    assert!(matches!(err, Error::FloatOnly { .. }));
}

#[test]
fn cpu_async_calls_interleave_with_cpu_work() {
    check_async(&Device::cpu());
}

#[test]
fn gpu_async_calls_interleave_with_cpu_work() {
    if let Some(device) = gpu() {
        check_async(&device);
    }
}

#[test]
fn gpu_array_past_the_adapters_largest_buffer_is_an_error() {
    let Some(device) = gpu() else { return };
    // 2^29 + 1 f32 is just over 2 GiB, past lavapipe's and llvmpipe's largest buffer; vec!
    // of zeros costs no memory until touched, and the upload is refused before touching it
    let huge = vec![0.0_f32; (1 << 29) + 1];
    let err = device.upload(&huge).unwrap_err();
    assert!(
        matches!(err, Error::Unsupported { .. } | Error::Gpu { .. }),
        "{err:?}"
    );
    // and the device still works
    assert_eq!(
        device
            .upload([2.0_f32])
            .unwrap()
            .map(Op::Square)
            .unwrap()
            .to_vec()
            .unwrap(),
        [4.0]
    );
}

/// f64 GPU arrays where the adapter has f64 (lavapipe): every op of the table runs on the
/// GPU (the transcendentals too, in the crate's own f64 arithmetic); a user kernel calling
/// a WGSL transcendental built-in (no f64 GPU kernel) is `Err(Unsupported)` on a GPU device
/// and runs on the CPU for an auto device, its answer kept on the GPU.
#[test]
fn gpu_f64_arrays_run_builtin_transcendentals_on_the_cpu_for_auto() {
    use std::io::Write as _;
    let Some(device) = gpu() else { return };
    if !device.gpu_runs::<f64>() {
        let name = device.gpu_name().unwrap_or_default();
        let _ = writeln!(
            std::io::stderr(),
            "no f64 kernels on {name}: f64 arrays stay on the host"
        );
        assert!(!device.upload([1.0_f64]).unwrap().is_on_gpu());
        return;
    }
    let data: Vec<f64> = (0..10_007).map(|i| (i as f64 - 5_000.5) * 1e-3).collect();
    let a = device.upload(&data).unwrap();
    assert!(a.is_on_gpu());
    let sq = a.map(Op::Square.then(Op::Add(1.0)).then(Op::Sqrt)).unwrap();
    let want: Vec<f64> = data.iter().map(|v| (v * v + 1.0).sqrt()).collect();
    for (g, w) in sq.to_vec().unwrap().iter().zip(&want) {
        assert!((g - w).abs() <= 3.0 * f64::EPSILON * w, "{g} vs {w}");
    }
    let e = a.map(Op::Exp).unwrap();
    assert!(e.is_on_gpu());
    for (g, w) in e.to_vec().unwrap().iter().zip(&data) {
        assert!(
            (g - w.exp()).abs() <= 4.0 * f64::EPSILON * w.exp(),
            "{g} vs {}",
            w.exp()
        );
    }
    let builtin = Op::custom("exp(x)", |x: f64| x.exp()).unwrap();
    let err = a.map(builtin.clone()).unwrap_err();
    assert!(matches!(err, Error::Unsupported { .. }), "{err}");

    let auto = Device::auto_any(); // the same adapter, chosen the same way
    assert!(auto.gpu_runs::<f64>());
    let b = auto.upload(&data).unwrap();
    assert!(b.is_on_gpu());
    let e = b.map(builtin.clone()).unwrap();
    assert!(e.is_on_gpu());
    let cpu = compute::map(&Device::cpu(), &data, builtin).unwrap();
    assert_eq!(e.to_vec().unwrap(), cpu);
    let total = compute::Array::reduce(x().sin(), &[&b], Reduce::Sum)
        .unwrap()
        .unwrap();
    let want: f64 = data.iter().map(|v| v.sin()).sum();
    assert!((total - want).abs() <= 1e-9, "{total} vs {want}");
}

/// `Array::cast` gives the host cast's answers; on a GPU that runs both types the result
/// stays in GPU memory, and an array of a type the GPU lacks lives on the host.
fn check_array_casts(device: &Device) -> usize {
    let cpu = Device::cpu();
    let mut on_gpu = 0;
    for len in [0, 1, 257, 4_097, 70_001] {
        let mut ints = i32_data(len, 7);
        for (i, edge) in [i32::MIN, i32::MAX, -1, 0, 16_777_217]
            .into_iter()
            .enumerate()
        {
            if let Some(v) = ints.get_mut(i) {
                *v = edge;
            }
        }
        let mut floats = floats(len, 8);
        for (i, edge) in [f32::NAN, f32::INFINITY, -2.9, 3e9, -3e9, 1e19]
            .into_iter()
            .enumerate()
        {
            if let Some(v) = floats.get_mut(i) {
                *v = edge;
            }
        }
        let a = device.upload(&ints).unwrap();
        let f: compute::Array<f32> = a.cast().unwrap();
        assert_eq!(f.is_on_gpu(), device.gpu_runs::<f32>(), "len {len}");
        on_gpu += usize::from(f.is_on_gpu());
        let want: Vec<f32> = compute::cast(&cpu, &ints).unwrap();
        assert_eq!(f.to_vec().unwrap(), want, "i32 -> f32 len {len}");
        // chained on the device: numpy's (a.astype(np.float32) * 0.5).astype(np.int64)
        let wide: compute::Array<i64> = f.map(Op::Scale(0.5)).unwrap().cast().unwrap();
        assert_eq!(wide.is_on_gpu(), device.gpu_runs::<i64>());
        let half: Vec<f32> = want.iter().map(|v| v * 0.5).collect();
        let want: Vec<i64> = compute::cast(&cpu, &half).unwrap();
        assert_eq!(wide.to_vec().unwrap(), want, "f32 -> i64 len {len}");
        let back: compute::Array<u32> = wide.cast().unwrap();
        let want: Vec<u32> = compute::cast(&cpu, &want).unwrap();
        assert_eq!(back.to_vec().unwrap(), want, "i64 -> u32 len {len}");
        let g = device.upload(&floats).unwrap();
        let t: compute::Array<i32> = g.cast().unwrap();
        let want: Vec<i32> = compute::cast(&cpu, &floats).unwrap();
        assert_eq!(t.to_vec().unwrap(), want, "f32 -> i32 len {len}");
    }
    on_gpu
}

#[test]
fn cpu_array_casts_match_host_casts() {
    assert_eq!(check_array_casts(&Device::cpu()), 0);
}

#[test]
fn gpu_array_casts_match_host_casts() {
    if let Some(device) = gpu() {
        assert_eq!(check_array_casts(&device), 5);
    }
}
