//! Serial vs CPU vs GPU vs auto, per op and size, and the crate's speed targets, all measured
//! in one run on this machine (interleaved medians; the machine is shared and noisy).
//!
//! ```text
//! cargo run --release --example compare                    # grid + targets (+ numpy if installed)
//! cargo run --release --example compare -- --quick         # smaller sizes, fewer repetitions
//! cargo run --release --example compare -- --ops scale,exp --sizes 1000,1000000 \
//!     --csv out.csv --plot out.svg                          # just that grid, saved
//! ```
//!
//! `auto` is `Device::auto_any()` when there is any GPU adapter (software ones included, so
//! its choice can be seen), `Device::auto()` otherwise. Progress goes to stderr: a line
//! updated in place on a terminal, plain lines when piped.
//!
//! The measurements live in `benches/support/`, shared with the criterion benches
//! (`benches/ops.rs`) where both time the same thing.

use std::path::Path;

use compute::Device;

#[path = "../benches/support/args.rs"]
mod args;
#[path = "../benches/support/baselines.rs"]
mod baselines;
#[path = "../benches/support/best_fresh.rs"]
mod best_fresh;
#[path = "../benches/support/checks.rs"]
mod checks;
#[path = "../benches/support/csv.rs"]
mod csv;
#[path = "../benches/support/devices.rs"]
mod devices;
#[path = "../benches/support/expressions.rs"]
mod expressions;
#[path = "../benches/support/grid.rs"]
mod grid;
#[path = "../benches/support/inputs.rs"]
mod inputs;
#[path = "../benches/support/numpy.rs"]
mod numpy;
#[path = "../benches/support/ops.rs"]
mod ops;
#[path = "../benches/support/progress.rs"]
mod progress;
#[path = "../benches/support/report.rs"]
mod report;
#[path = "../benches/support/resident.rs"]
mod resident;
#[path = "../benches/support/svg.rs"]
mod svg;
#[path = "../benches/support/targets.rs"]
mod targets;
#[path = "../benches/support/timing.rs"]
mod timing;

use args::{Args, USAGE};

fn main() {
    let args = Args::parse(std::env::args().skip(1)).unwrap_or_else(|msg| {
        eprintln!("{msg}\n{USAGE}");
        std::process::exit(2);
    });
    let quick = args.quick;
    let gpu = Device::gpu().ok();
    let auto = devices::grid_auto(gpu.as_ref());
    let cpu = Device::cpu();
    println!(
        "compute backend comparison ({} threads)",
        rayon::current_num_threads()
    );
    println!(
        "auto: {}",
        auto.gpu_name().map_or("CPU only".into(), |g| format!(
            "CPU or {g}, by its cost model"
        ))
    );
    if let Some(model) = auto.cost_model() {
        println!("cost model (cached per machine): {model:?}");
    }

    let (ops, sizes) = (args.grid_ops(), args.grid_sizes());
    let rows = grid::grid(&ops, &sizes, quick, &cpu, gpu.as_ref(), &auto);
    let mut checks = Vec::new();
    report::report(&rows, &mut checks);
    if let Some(path) = &args.csv {
        save(path, csv::csv(&rows));
    }
    if let Some(path) = &args.plot {
        save(path, svg::svg(&rows));
    }

    if !args.grid_only() {
        let auto = Device::auto();
        targets::targets(&auto, quick, &mut checks);
        expressions::targets(&auto, quick, &mut checks);
        numpy::numpy(&auto, quick, &mut checks);
        // GPU work last: a software adapter's threads would compete with the CPU timings
        if let Some(gpu) = gpu.as_ref() {
            resident::resident(gpu, quick);
        }
    }
    checks::print(&checks);
}

/// Writes `text` to `path` and says so, or says why not.
fn save(path: &Path, text: String) {
    match std::fs::write(path, text) {
        Ok(()) => println!("wrote {}", path.display()),
        Err(e) => eprintln!("could not write {}: {e}", path.display()),
    }
}
