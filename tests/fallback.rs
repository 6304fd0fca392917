//! Falling back to the CPU when no adapter can be found, and the `COMPUTE_BACKEND` override.
//! Each scenario runs this test binary again as a child process with its own environment
//! (adapters are found once per process), running one `#[ignore]`d child test.

mod common;

use std::process::Command;

use compute::{Backend, Device, Op};

/// Runs the ignored test `name` in a child process with `env` set; asserts it passed.
fn run_child(name: &str, env: &[(&str, &str)]) {
    let exe = std::env::current_exe().expect("test binary path");
    let mut cmd = Command::new(exe);
    cmd.args(["--exact", name, "--ignored", "--test-threads=1"]);
    cmd.env(CHILD, "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("spawn the test binary");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "child {name} failed\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
}

/// Set in the child processes; a child test run any other way (`--include-ignored`) passes
/// without checking, since its environment is not the one it needs.
const CHILD: &str = "COMPUTE_TEST_CHILD";

fn in_child() -> bool {
    std::env::var_os(CHILD).is_some()
}

/// Environment that hides every Vulkan ICD and every EGL vendor library.
const HIDDEN: [(&str, &str); 3] = [
    ("VK_ICD_FILENAMES", "/nonexistent/icd.json"),
    ("VK_DRIVER_FILES", "/nonexistent/icd.json"),
    ("__EGL_VENDOR_LIBRARY_FILENAMES", "/nonexistent/egl.json"),
];

#[test]
fn no_adapter_gpu_is_err_and_auto_runs_on_the_cpu() {
    run_child("child_no_adapter", &HIDDEN);
}

#[test]
#[ignore = "run in a child process by no_adapter_gpu_is_err_and_auto_runs_on_the_cpu"]
fn child_no_adapter() {
    if !in_child() {
        return;
    }
    let err = Device::gpu().unwrap_err();
    assert!(matches!(err, compute::Error::NoGpu { .. }), "{err:?}");
    let device = Device::auto();
    assert_eq!(device.gpu_name(), None);
    assert_eq!(
        device.choose(&Op::<f32>::Exp, usize::MAX / 16),
        Backend::Cpu
    );
    let x: Vec<f32> = (0..300_001).map(|i| i as f32).collect();
    let y = compute::map(&device, &x, Op::Scale(2.0).then(Op::Add(1.0))).unwrap();
    assert!(y.iter().zip(&x).all(|(y, x)| *y == x * 2.0 + 1.0));
}

#[test]
fn compute_backend_gpu_without_adapter_falls_back_to_cpu() {
    let mut env = HIDDEN.to_vec();
    env.push(("COMPUTE_BACKEND", "gpu"));
    run_child("child_forced_gpu_without_adapter", &env);
}

#[test]
#[ignore = "run in a child process by compute_backend_gpu_without_adapter_falls_back_to_cpu"]
fn child_forced_gpu_without_adapter() {
    if !in_child() {
        return;
    }
    let device = Device::auto();
    assert_eq!(device.choose(&Op::Scale(2), 10), Backend::Cpu);
    assert_eq!(compute::map(&device, [1, 2], Op::Scale(2)).unwrap(), [2, 4]);
}

#[test]
fn compute_backend_cpu_never_opens_a_gpu() {
    run_child("child_forced_cpu", &[("COMPUTE_BACKEND", "cpu")]);
}

#[test]
#[ignore = "run in a child process by compute_backend_cpu_never_opens_a_gpu"]
fn child_forced_cpu() {
    if !in_child() {
        return;
    }
    let device = Device::auto();
    assert_eq!(device.gpu_name(), None);
    assert_eq!(
        device.choose(&Op::<f32>::Exp, usize::MAX / 16),
        Backend::Cpu
    );
}

#[test]
fn gpu_compute_backend_gpu_forces_any_adapter() {
    if common::gpu().is_some() {
        run_child("child_forced_gpu", &[("COMPUTE_BACKEND", "gpu")]);
    }
}

#[test]
#[ignore = "run in a child process by gpu_compute_backend_gpu_forces_any_adapter"]
fn child_forced_gpu() {
    if !in_child() {
        return;
    }
    let device = Device::auto();
    assert!(device.gpu_name().is_some());
    assert_eq!(device.choose(&Op::Scale(2), 1), Backend::Gpu);
    assert_eq!(compute::map(&device, [1, 2], Op::Scale(2)).unwrap(), [2, 4]);
}

#[test]
fn auto_ignores_software_adapters() {
    // The only adapters here are lavapipe and llvmpipe (DeviceType::Cpu): auto must not use
    // them. On a machine with a hardware GPU this test has nothing to check.
    let device = Device::auto();
    if let Some(name) = device.gpu_name() {
        assert!(
            !name.contains("Cpu"),
            "auto picked a software adapter: {name}"
        );
    }
    assert_eq!(device.choose(&Op::Scale(1.0_f32), 100), Backend::Cpu);
}
