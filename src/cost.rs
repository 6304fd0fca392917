//! The per-machine cost model behind `auto`'s choice: for each backend, the fixed cost of a
//! call, the cost per byte moved and the extra cost per unit of op weight (transcendentals);
//! its prediction, and its cache file (where it lives, its format, reading and writing it).
//! `calibrate.rs` measures it.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

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

    /// Whether every cost is a finite, non-negative number.
    pub(crate) fn valid(&self) -> bool {
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

/// An environment variable's value, `None` when unset or empty (an empty variable means
/// unset, as XDG's do).
fn var(name: &str) -> Option<OsString> {
    std::env::var_os(name).filter(|v| !v.is_empty())
}

/// Where cost files live: `COMPUTE_CACHE_DIR`, else the platform's cache directory.
fn cache_dir() -> Option<PathBuf> {
    if let Some(dir) = var("COMPUTE_CACHE_DIR") {
        return Some(PathBuf::from(dir));
    }
    if let Some(dir) = var("XDG_CACHE_HOME") {
        return Some(PathBuf::from(dir).join("compute"));
    }
    if cfg!(target_os = "macos") {
        return var("HOME").map(|h| PathBuf::from(h).join("Library/Caches/compute"));
    }
    if let Some(dir) = var("LOCALAPPDATA") {
        return Some(PathBuf::from(dir).join("compute"));
    }
    var("HOME").map(|h| PathBuf::from(h).join(".cache/compute"))
}

/// The cache file of the machine `key` describes (adapter, driver, CPU), for this crate
/// version.
pub(crate) fn cache_file(key: &str) -> Option<PathBuf> {
    let key = format!("{key}|{}", env!("CARGO_PKG_VERSION"));
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

/// Longest cost file read; a real one is about 100 bytes.
const MAX_FILE_BYTES: u64 = 4096;

/// The model in `file`, if it is a regular file of at most [`MAX_FILE_BYTES`] that parses.
/// Anything else there (a FIFO, a device, a directory, a huge or damaged file) is `None`,
/// read without blocking: a FIFO is opened non-blocking and then refused.
pub(crate) fn read(file: &Path) -> Option<CostModel> {
    use std::io::Read as _;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    let opened = options.open(file).ok()?;
    let meta = opened.metadata().ok()?;
    if !meta.is_file() || meta.len() > MAX_FILE_BYTES {
        return None;
    }
    let mut text = String::new();
    opened.take(MAX_FILE_BYTES).read_to_string(&mut text).ok()?;
    parse(&text)
}

/// Writes `model` to `file` through a temporary file and a rename, so a reader never sees
/// half a file.
pub(crate) fn write(file: &Path, model: &CostModel) -> std::io::Result<()> {
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = file.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, render(model))?;
    std::fs::rename(&tmp, file)
}

/// Which backend the model predicts faster for a call of `len` elements of `elem_bytes`
/// each, over `arity` inputs into one output.
pub(crate) fn gpu_is_faster(
    model: &CostModel,
    len: usize,
    elem_bytes: usize,
    arity: usize,
    work: usize,
) -> bool {
    let bytes = elem_bytes * (arity + 1);
    model.gpu.predict(len, bytes, work) < model.cpu.predict(len, bytes, work)
}

/// The length below which the GPU cannot win a call of any kernel of up to four inputs of
/// 8-byte elements (40 bytes per element with the output) and op weight 1,000: even at no
/// per-element cost it would not earn back its larger fixed cost. Settles small calls
/// without weighing their kernel.
pub(crate) fn gpu_hopeless_below(model: &CostModel) -> usize {
    let most_per_elem = 40.0 * model.cpu.per_byte + 1000.0 * model.cpu.per_work;
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
