//! A lost GPU device (destroyed mid-run, as a driver reset would) gives `Err` for the calls
//! it touches, never a hang or a panic, and the device stays clearly dead. In its own test
//! binary: the loss is the whole process's GPU context's.

mod common;

use common::gpu;
use compute::{Device, Error, Op};

#[test]
fn gpu_device_lost_mid_run_gives_errors_not_hangs() {
    let Some(device) = gpu() else { return };
    let data: Vec<f32> = (0..200_000).map(|i| i as f32).collect();
    let resident = device.upload(&data).unwrap();
    assert_eq!(
        compute::map(&device, &data[..4], Op::Neg).unwrap(),
        [-0.0, -1.0, -2.0, -3.0]
    );

    std::thread::scope(|scope| {
        let worker = scope.spawn(|| {
            let mut lost = 0;
            for _ in 0..200 {
                match compute::map(&device, &data, Op::Sqrt) {
                    Ok(out) => assert_eq!(out.len(), data.len()),
                    Err(Error::DeviceLost { .. } | Error::Gpu { .. }) => lost += 1,
                    Err(other) => panic!("unexpected error {other:?}"),
                }
            }
            lost
        });
        std::thread::sleep(std::time::Duration::from_millis(30));
        compute::testing::simulate_gpu_loss(&device);
        let lost = worker.join().expect("the worker does not panic");
        assert!(lost > 0, "calls after the loss fail");
    });

    // clearly dead: every kind of call is DeviceLost, promptly
    let start = std::time::Instant::now();
    assert!(matches!(
        compute::map(&device, &data, Op::Neg),
        Err(Error::DeviceLost { .. })
    ));
    assert!(matches!(
        compute::sum(&device, &data),
        Err(Error::DeviceLost { .. })
    ));
    assert!(matches!(
        device.upload(&data),
        Err(Error::DeviceLost { .. })
    ));
    assert!(matches!(resident.to_vec(), Err(Error::DeviceLost { .. })));
    assert!(matches!(
        resident.map(Op::Neg),
        Err(Error::DeviceLost { .. })
    ));
    let mut copy = data.clone();
    let err = compute::map_in_place(&device, &mut copy, Op::Neg).unwrap_err();
    assert!(matches!(err, Error::DeviceLost { .. }), "{err:?}");
    assert_eq!(copy, data, "a failed in-place call changes nothing");
    assert!(start.elapsed().as_secs() < 5, "no hang");
    // the input was never touched, and the CPU still answers
    assert_eq!(data[7], 7.0);
    assert_eq!(
        compute::map(&Device::cpu(), &data[..2], Op::Neg).unwrap(),
        [-0.0, -1.0]
    );
}
