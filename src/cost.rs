//! The per-machine cost model behind `auto`'s choice: for each backend, the fixed cost of a
//! call, the cost per byte moved and the extra cost per unit of op weight (transcendentals),
//! measured by a short calibration the first time an auto device with a GPU needs it, and
//! cached on disk, keyed by adapter, driver, CPU and crate version.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use crate::kernel::Kernel;
use crate::op::Op;

/// What one backend costs, measured on this machine.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Costs {
    /// Seconds every call costs whatever its size (launch, wake-up, readback latency).
    pub call: f64,
    /// Seconds per byte the call moves (inputs read plus output written).
    pub per_byte: f64,
    /// Seconds per element per unit of op weight above a plain multiply.
    pub per_work: f64,
}

impl Costs {
    /// Predicted seconds for `len` elements moving `bytes_per_elem` bytes each, of op weight
    /// `work` (1 for arithmetic, 10 per transcendental).
    pub fn predict(&self, len: usize, bytes_per_elem: usize, work: usize) -> f64 {
        let len = len as f64;
        self.call
            + len * bytes_per_elem as f64 * self.per_byte
            + len * work.saturating_sub(1) as f64 * self.per_work
    }

    fn valid(&self) -> bool {
        [self.call, self.per_byte, self.per_work]
            .iter()
            .all(|v| v.is_finite() && *v >= 0.0)
    }
}

/// The two backends' measured costs. See [`Device::cost_model`](crate::Device::cost_model).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CostModel {
    /// The CPU backend.
    pub cpu: Costs,
    /// The GPU backend, host data included (uploads and readbacks).
    pub gpu: Costs,
}

/// Calibrations run by this process (for the cache tests).
static CALIBRATIONS: AtomicUsize = AtomicUsize::new(0);

/// How many calibrations this process has run.
#[doc(hidden)]
pub fn calibrations() -> usize {
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
fn calibrate(ctx: &crate::gpu::Context) -> Option<CostModel> {
    CALIBRATIONS.fetch_add(1, Ordering::Relaxed);
    let start = Instant::now();
    let cpu = measure(|kernel, data| {
        std::hint::black_box(crate::cpu::run(kernel, &[data], data.len()));
        true
    })?;
    let budget = crate::gpu::Budget {
        chunk_bytes: None,
        memory: crate::device::DEFAULT_GPU_MEMORY_LIMIT,
    };
    let gpu =
        measure(|kernel, data| crate::gpu::run(ctx, kernel, &[data], data.len(), &budget).is_ok())?;
    log::info!(
        "compute: calibrated the CPU and {} in {:.0} ms",
        crate::gpu::describe(&ctx.info),
        start.elapsed().as_secs_f64() * 1e3
    );
    Some(CostModel { cpu, gpu })
}

/// Where cost files live: `COMPUTE_CACHE_DIR`, else the platform's cache directory.
fn cache_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("COMPUTE_CACHE_DIR") {
        return Some(PathBuf::from(dir));
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME") {
        return Some(PathBuf::from(dir).join("compute"));
    }
    if cfg!(target_os = "macos") {
        return std::env::var_os("HOME").map(|h| PathBuf::from(h).join("Library/Caches/compute"));
    }
    if let Some(dir) = std::env::var_os("LOCALAPPDATA") {
        return Some(PathBuf::from(dir).join("compute"));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/compute"))
}

/// The cache file of this adapter, driver, CPU and crate version.
pub(crate) fn cache_file(info: &wgpu::AdapterInfo) -> Option<PathBuf> {
    let key = format!(
        "{}|{:?}|{:?}|{}|{}|{}|{}|{}",
        info.name,
        info.backend,
        info.device_type,
        info.driver,
        info.driver_info,
        std::env::consts::ARCH,
        rayon::current_num_threads(),
        env!("CARGO_PKG_VERSION"),
    );
    // FNV-1a: stable across runs and Rust versions, unlike the std hasher
    let hash = key.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    Some(cache_dir()?.join(format!(
        "costs-{}-{hash:016x}.txt",
        env!("CARGO_PKG_VERSION")
    )))
}

const HEADER: &str = "compute cost model v1";

fn parse(text: &str) -> Option<CostModel> {
    let mut lines = text.lines();
    if lines.next()? != HEADER {
        return None;
    }
    let mut costs = |name: &str| -> Option<Costs> {
        let line = lines.next()?;
        let mut fields = line.split_whitespace();
        if fields.next()? != name {
            return None;
        }
        let mut value = || fields.next()?.parse::<f64>().ok();
        let costs = Costs {
            call: value()?,
            per_byte: value()?,
            per_work: value()?,
        };
        costs.valid().then_some(costs)
    };
    let cpu = costs("cpu")?;
    let gpu = costs("gpu")?;
    Some(CostModel { cpu, gpu })
}

fn render(model: &CostModel) -> String {
    let line =
        |name: &str, c: &Costs| format!("{name} {:e} {:e} {:e}\n", c.call, c.per_byte, c.per_work);
    format!(
        "{HEADER}\n{}{}",
        line("cpu", &model.cpu),
        line("gpu", &model.gpu)
    )
}

/// The cached model if its file is present and sound, else a fresh calibration, written back
/// (a read-only or missing disk only costs the cache).
pub(crate) fn load_or_calibrate(ctx: &crate::gpu::Context) -> Option<CostModel> {
    let file = cache_file(&ctx.info);
    if let Some(model) = file
        .as_ref()
        .and_then(|f| std::fs::read_to_string(f).ok())
        .and_then(|text| parse(&text))
    {
        return Some(model);
    }
    let model = calibrate(ctx)?;
    if let Some(file) = file {
        let written = file
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| {
                let tmp = file.with_extension(format!("tmp{}", std::process::id()));
                std::fs::write(&tmp, render(&model)).and_then(|()| std::fs::rename(&tmp, &file))
            });
        if let Err(e) = written {
            log::info!("compute: cost model not cached ({e}); it will be measured again next time");
        }
    }
    Some(model)
}

/// Which backend the model predicts faster for a call of `len` elements.
pub(crate) fn gpu_is_faster(model: &CostModel, len: usize, arity: usize, work: usize) -> bool {
    let bytes = 4 * (arity + 1);
    model.gpu.predict(len, bytes, work) < model.cpu.predict(len, bytes, work)
}

/// The length below which the GPU cannot win a call of any kernel of up to four inputs and
/// op weight 1,000: even at no per-element cost it would not earn back its larger fixed
/// cost. Settles small calls without weighing their kernel.
pub(crate) fn gpu_hopeless_below(model: &CostModel) -> usize {
    let most_per_elem = 20.0 * model.cpu.per_byte + 1000.0 * model.cpu.per_work;
    let gap = model.gpu.call - model.cpu.call;
    if most_per_elem > 0.0 && gap > 0.0 {
        (gap / most_per_elem).min(usize::MAX as f64 / 2.0) as usize
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_format_round_trips_and_rejects_damage() {
        let model = CostModel {
            cpu: Costs {
                call: 1e-7,
                per_byte: 5e-11,
                per_work: 2e-9,
            },
            gpu: Costs {
                call: 5e-5,
                per_byte: 2e-10,
                per_work: 1e-11,
            },
        };
        assert_eq!(parse(&render(&model)), Some(model));
        for damaged in [
            "",
            "garbage",
            &render(&model)[..30],
            &render(&model).replace("cpu", "cqu"),
            &render(&model).replace("e-7", "e-7x"),
            &render(&model).replace("1e-7", "-1e-7"),
            &render(&model).replace("5e-5", "NaN"),
        ] {
            assert_eq!(parse(damaged), None, "{damaged:?}");
        }
    }

    #[test]
    fn predictions_grow_with_size_and_weight() {
        let c = Costs {
            call: 1e-6,
            per_byte: 1e-10,
            per_work: 1e-9,
        };
        assert!(c.predict(10, 8, 1) < c.predict(1_000_000, 8, 1));
        assert!(c.predict(1_000, 8, 1) < c.predict(1_000, 8, 10));
        assert_eq!(c.predict(0, 8, 1), 1e-6);
    }
}
