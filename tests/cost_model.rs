//! The calibrated cost model: measured once, cached on disk, and a deleted, corrupt or
//! unwritable cache costs one recalibration and nothing else. Each step runs this binary
//! again in a child process (the model is measured once per process) with the cache
//! directory set by `COMPUTE_CACHE_DIR`. Needs a GPU adapter (software ones count here).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use compute::{Backend, Device, Op};

const CHILD: &str = "COMPUTE_TEST_CHILD";

/// Runs `child_measures_or_loads` with the cache in `dir`, expecting `calibrations` runs.
fn run_child(dir: &Path, calibrations: usize) {
    let exe = std::env::current_exe().expect("test binary path");
    let out = Command::new(exe)
        .args([
            "--exact",
            "child_measures_or_loads",
            "--ignored",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .env("COMPUTE_CACHE_DIR", dir)
        .env("EXPECT_CALIBRATIONS", calibrations.to_string())
        .output()
        .expect("spawn the test binary");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "child failed (cache {}, expecting {calibrations})\n{stdout}\n{}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
#[ignore = "run in a child process by gpu_cost_model_cache_survives_deletion_and_corruption"]
fn child_measures_or_loads() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let device = Device::auto_any();
    let start = std::time::Instant::now();
    let model = device.cost_model().expect("a GPU and a model");
    let took = start.elapsed();
    let want: usize = std::env::var("EXPECT_CALIBRATIONS")
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(compute::testing::calibrations(), want);
    assert!(took.as_secs_f64() < 5.0, "calibration took {took:?}");
    // a tiny call never pays a GPU's fixed cost
    assert!(model.gpu.call > model.cpu.call, "{model:?}");
    assert_eq!(device.choose(&Op::Scale(2.0_f32), 100), Backend::Cpu);
    eprintln!("cost model {model:?}, found in {took:?}");
}

fn cost_file(dir: &Path) -> Option<PathBuf> {
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("costs-"))
        })
}

#[test]
fn gpu_cost_model_cache_survives_deletion_and_corruption() {
    if common::gpu().is_none() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("compute-cost-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);

    run_child(&dir, 1); // measured, then written
    let file = cost_file(&dir).expect("the model was cached");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.starts_with("compute cost model v1\n"), "{text}");

    run_child(&dir, 0); // loaded: no measurement

    std::fs::write(&file, "compute cost model v1\ncpu 1 2\ngarbage").unwrap();
    run_child(&dir, 1); // corrupt: measured once and rewritten
    assert_eq!(std::fs::read_to_string(&file).unwrap().lines().count(), 3);
    run_child(&dir, 0);

    std::fs::remove_file(&file).unwrap();
    run_child(&dir, 1); // deleted: measured once
    assert!(cost_file(&dir).is_some());

    // a cache directory that cannot be created only costs the cache
    run_child(Path::new("/dev/null/compute-cache"), 1);
    run_child(Path::new("/dev/null/compute-cache"), 1);
    let _ = std::fs::remove_dir_all(&dir);
}
