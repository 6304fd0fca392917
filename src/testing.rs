//! Hooks for the crate's own tests, behind the `testing` feature: not part of the API.

use crate::device::Device;

/// Elements per CPU block (the unit of work rayon hands out).
pub const CPU_BLOCK: usize = crate::cpu::BLOCK;

/// Below this many elements a CPU call runs on the calling thread.
pub const CPU_PARALLEL_MIN: usize = crate::cpu::PARALLEL_MIN;

/// How many cost-model calibrations this process has run.
pub fn calibrations() -> usize {
    crate::calibrate::calibrations()
}

/// Destroys `device`'s GPU, as a driver reset would: later GPU calls are
/// [`Error::DeviceLost`](crate::Error::DeviceLost) (an auto device reruns them on the CPU).
/// Every device on the same adapter is affected.
pub fn simulate_gpu_loss(device: &Device) {
    device.lose_gpu();
}
