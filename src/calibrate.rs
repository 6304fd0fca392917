//! Calibration: both backends measured once on this machine (about 50 ms), for the cost
//! model `auto` chooses by, and cached on disk (`cost.rs` holds the model and its file).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use crate::cost::{self, CostModel, Costs};
use crate::cpu;
use crate::gpu::{self, Budget, Gpu};
use crate::ir::kernel::Kernel;
use crate::ir::op::Op;
use crate::ir::task::Task;

/// Calibrations run by this process (for the cache tests).
static CALIBRATIONS: AtomicUsize = AtomicUsize::new(0);

/// How many calibrations this process has run.
#[cfg_attr(not(feature = "testing"), allow(dead_code))]
pub(crate) fn calibrations() -> usize {
    CALIBRATIONS.load(Ordering::Relaxed)
}

/// Median seconds of `reps` runs of `f`.
fn median(reps: usize, mut f: impl FnMut() -> bool) -> Option<f64> {
    let mut times = Vec::with_capacity(reps);
    f(); // warm up: pipelines, pages, caches
    for _ in 0..reps {
        let start = Instant::now();
        if !f() {
            return None;
        }
        times.push(start.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    times.get(times.len() / 2).copied()
}

/// Sizes the calibration times: small enough to finish in well under a second on a slow
/// software GPU, large enough that per-byte costs dominate the big run.
const SMALL: usize = 256;
const BIG: usize = 1 << 20;
const HEAVY: usize = 1 << 16;

/// Measures one backend through `run(kernel, data)`, which reports success.
fn measure(mut run: impl FnMut(&Kernel<'_, f32>, &[f32]) -> bool) -> Option<Costs> {
    let data: Vec<f32> = (0..BIG).map(|i| (i % 1000) as f32 * 0.001).collect();
    let (scale, exp) = (Op::Scale(2.0_f32), Op::Exp);
    let (scale, exp) = (Kernel::map(&scale), Kernel::map(&exp));
    let small = median(7, || run(&scale, &data[..SMALL]))?;
    let big = median(5, || run(&scale, &data))?;
    let heavy = median(5, || run(&exp, &data[..HEAVY]))?;
    let per_byte = ((big - small) / (BIG * 8) as f64).max(0.0);
    let plain = small + (HEAVY * 8) as f64 * per_byte;
    let per_work = ((heavy - plain) / (HEAVY * 9) as f64).max(0.0);
    let costs = Costs {
        call: small,
        per_byte,
        per_work,
    };
    costs.valid().then_some(costs)
}

/// Runs the calibration of both backends.
fn calibrate(gpu: &Gpu) -> Option<CostModel> {
    CALIBRATIONS.fetch_add(1, Ordering::Relaxed);
    let start = Instant::now();
    let cpu = measure(|kernel, data| {
        std::hint::black_box(cpu::run(kernel, &[data], data.len())).is_ok()
    })?;
    let budget = Budget::default();
    let gpu_costs = measure(|kernel, data| {
        let mut task = Task::Fresh {
            inputs: &[data],
            len: data.len(),
        };
        gpu::execute(gpu, &budget, kernel, &mut task).is_ok()
    })?;
    log::info!(
        "compute: calibrated the CPU and {} in {:.0} ms",
        gpu::describe(&gpu.info),
        start.elapsed().as_secs_f64() * 1e3
    );
    Some(CostModel {
        cpu,
        gpu: gpu_costs,
    })
}

/// What the cost file of `gpu` is keyed by: the adapter, its driver, the CPU's architecture
/// and thread count.
fn machine_key(gpu: &Gpu) -> String {
    let info = &gpu.info;
    format!(
        "{}|{:?}|{:?}|{}|{}|{}|{}",
        info.name,
        info.backend,
        info.device_type,
        info.driver,
        info.driver_info,
        std::env::consts::ARCH,
        rayon::current_num_threads(),
    )
}

/// The cached model of this machine if its file is present and sound, else a fresh
/// calibration, written back (a read-only or missing disk only costs the cache).
pub(crate) fn load_or_calibrate(gpu: &Gpu) -> Option<CostModel> {
    let file = cost::cache_file(&machine_key(gpu));
    if let Some(model) = file.as_deref().and_then(cost::read) {
        return Some(model);
    }
    let model = calibrate(gpu)?;
    if let Some(file) = file {
        if let Err(e) = cost::write(&file, &model) {
            log::info!("compute: cost model not cached ({e}); it will be measured again next time");
        }
    }
    Some(model)
}
