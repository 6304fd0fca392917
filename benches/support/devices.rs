//! Which `auto` the grid of ops and sizes checks against the fixed backends.

use compute::Device;

/// `Device::auto_any()` when there is any GPU adapter (software ones included, so its choice
/// between CPU and GPU can be seen), `Device::auto()` otherwise.
pub(crate) fn grid_auto(gpu: Option<&Device>) -> Device {
    if gpu.is_some() {
        Device::auto_any()
    } else {
        Device::auto()
    }
}
