//! Opening a GPU: the adapter choice, the device with the adapter's own limits, and the
//! capture of every driver error (error scopes, device-lost and uncaptured-error callbacks),
//! so that wgpu's default handler never panics inside a user's call.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use super::codegen;
use crate::element::Element;
use crate::error::{Error, Result};
use crate::ir::kernel::Kernel;

/// Which adapters a context may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Want {
    /// Hardware only: adapters of `DeviceType::Cpu` (lavapipe, llvmpipe) are slower than one
    /// CPU core, so `Device::auto()` ignores them.
    Hardware,
    /// Any adapter, software ones included (`Device::gpu()`, tests).
    Any,
}

/// How long a call waits for its readback before it is an error.
pub(crate) const READBACK_TIMEOUT: Duration = Duration::from_secs(120);

/// What a GPU context has done and holds, counted since it was opened (shared by every
/// [`Device`](crate::Device) on the same adapter). See [`Device::stats`](crate::Device::stats).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Host-to-GPU copies of array data (parameters not counted).
    pub uploads: u64,
    /// Bytes of those copies.
    pub upload_bytes: u64,
    /// GPU-to-host copies of results.
    pub downloads: u64,
    /// Bytes of those copies.
    pub download_bytes: u64,
    /// Kernel dispatches.
    pub dispatches: u64,
    /// Bytes of GPU buffers the crate keeps pooled for reuse.
    pub pooled_bytes: u64,
    /// Bytes of GPU memory held by live [`Array`](crate::Array)s.
    pub resident_bytes: u64,
    /// Compiled kernels kept for reuse (at most 256; the least recently used goes first).
    pub pipelines: u64,
}

/// The counters behind [`Stats`].
#[derive(Debug, Default)]
pub(crate) struct Counters {
    uploads: AtomicU64,
    upload_bytes: AtomicU64,
    downloads: AtomicU64,
    download_bytes: AtomicU64,
    dispatches: AtomicU64,
    pub(crate) resident_bytes: AtomicU64,
}

impl Counters {
    pub(crate) fn upload(&self, bytes: u64) {
        self.uploads.fetch_add(1, Ordering::Relaxed);
        self.upload_bytes.fetch_add(bytes, Ordering::Relaxed);
    }
    pub(crate) fn download(&self, bytes: u64) {
        self.downloads.fetch_add(1, Ordering::Relaxed);
        self.download_bytes.fetch_add(bytes, Ordering::Relaxed);
    }
    pub(crate) fn dispatch(&self) {
        self.dispatches.fetch_add(1, Ordering::Relaxed);
    }
}

/// An open GPU device: its queue, its limits, its counters, and the capture of its errors.
pub(crate) struct Context {
    pub(crate) device: wgpu::Device,
    pub(crate) queue: wgpu::Queue,
    pub(crate) info: wgpu::AdapterInfo,
    pub(crate) limits: wgpu::Limits,
    /// The optional shader features the device was opened with (64-bit types).
    pub(crate) features: wgpu::Features,
    /// Set by the device-lost callback.
    lost: Arc<Mutex<Option<String>>>,
    pub(crate) stats: Counters,
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("adapter", &self.info.name)
            .field("backend", &self.info.backend)
            .finish_non_exhaustive()
    }
}

/// Preference order among adapters: real GPUs first, native APIs before OpenGL.
fn rank(info: &wgpu::AdapterInfo) -> (u8, u8) {
    let device = match info.device_type {
        wgpu::DeviceType::DiscreteGpu => 0,
        wgpu::DeviceType::IntegratedGpu => 1,
        wgpu::DeviceType::VirtualGpu => 2,
        wgpu::DeviceType::Other => 3,
        wgpu::DeviceType::Cpu => 4,
    };
    let backend = match info.backend {
        wgpu::Backend::Vulkan | wgpu::Backend::Metal | wgpu::Backend::Dx12 => 0,
        _ => 1,
    };
    (device, backend)
}

/// A short description of an adapter for logs and [`Device::gpu_name`](crate::Device::gpu_name).
pub(crate) fn describe(info: &wgpu::AdapterInfo) -> String {
    format!("{} ({:?}, {:?})", info.name, info.backend, info.device_type)
}

impl Context {
    /// Opens the best adapter `want` allows; `WGPU_BACKEND` and the other `WGPU_*` variables
    /// narrow the search as wgpu documents.
    pub(crate) fn open(want: Want) -> Result<Context> {
        let desc = wgpu::InstanceDescriptor::new_without_display_handle_from_env();
        let backends = desc.backends;
        let instance = wgpu::Instance::new(desc);
        let mut adapters = pollster::block_on(instance.enumerate_adapters(backends));
        let seen: Vec<String> = adapters.iter().map(|a| describe(&a.get_info())).collect();
        adapters.retain(|a| {
            a.get_downlevel_capabilities()
                .flags
                .contains(wgpu::DownlevelFlags::COMPUTE_SHADERS)
        });
        if want == Want::Hardware {
            adapters.retain(|a| a.get_info().device_type != wgpu::DeviceType::Cpu);
        }
        adapters.sort_by_key(|a| rank(&a.get_info()));
        let Some(adapter) = adapters.into_iter().next() else {
            let reason = if seen.is_empty() {
                "no GPU adapter found".to_string()
            } else if want == Want::Hardware {
                format!(
                    "only software or non-compute adapters found ({}), which are slower than the CPU",
                    seen.join(", ")
                )
            } else {
                format!("no adapter supports compute shaders ({})", seen.join(", "))
            };
            return Err(Error::NoGpu { reason });
        };
        let info = adapter.get_info();
        let limits = adapter.limits();
        // 64-bit integer and float shaders where the adapter has them; kernels of those
        // types need them ([`feature`])
        let features =
            adapter.features() & (wgpu::Features::SHADER_INT64 | wgpu::Features::SHADER_F64);
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("compute"),
            required_features: features,
            required_limits: limits.clone(),
            memory_hints: wgpu::MemoryHints::Performance,
            ..Default::default()
        }))
        .map_err(|e| Error::NoGpu {
            reason: format!("{}: {e}", describe(&info)),
        })?;

        let lost = Arc::new(Mutex::new(None));
        let lost_slot = Arc::clone(&lost);
        device.set_device_lost_callback(move |reason, message| {
            log::error!("compute: GPU device lost ({reason:?}): {message}");
            *lost_slot.lock().unwrap_or_else(PoisonError::into_inner) =
                Some(format!("{reason:?}: {message}"));
        });
        // Every call runs inside error scopes; anything that still escapes them is logged
        // here instead of reaching wgpu's default handler, which panics.
        device.on_uncaptured_error(Arc::new(|error| {
            log::error!("compute: uncaptured GPU error: {error}");
        }));
        log::info!("compute: opened GPU {}", describe(&info));
        Ok(Context {
            stats: Counters::default(),
            device,
            queue,
            info,
            limits,
            features,
            lost,
        })
    }

    /// A snapshot of the counters; the caller fills in what it holds (pooled bytes, pipelines).
    pub(crate) fn counters(&self) -> Stats {
        let c = &self.stats;
        Stats {
            uploads: c.uploads.load(Ordering::Relaxed),
            upload_bytes: c.upload_bytes.load(Ordering::Relaxed),
            downloads: c.downloads.load(Ordering::Relaxed),
            download_bytes: c.download_bytes.load(Ordering::Relaxed),
            dispatches: c.dispatches.load(Ordering::Relaxed),
            resident_bytes: c.resident_bytes.load(Ordering::Relaxed),
            ..Stats::default()
        }
    }

    /// Destroys the device, as a driver reset would; every later call is `DeviceLost`.
    #[cfg_attr(not(feature = "testing"), allow(dead_code))]
    pub(crate) fn destroy(&self) {
        self.device.destroy();
        let mut lost = self.lost.lock().unwrap_or_else(PoisonError::into_inner);
        lost.get_or_insert_with(|| "destroyed".into());
    }

    /// `Err` once the device has been lost.
    pub(crate) fn check_alive(&self) -> Result<()> {
        match &*self.lost.lock().unwrap_or_else(PoisonError::into_inner) {
            Some(reason) => Err(Error::DeviceLost {
                reason: reason.clone(),
            }),
            None => Ok(()),
        }
    }

    /// Runs `f` inside out-of-memory, validation and internal error scopes and turns the first
    /// captured error into [`Error::Gpu`].
    pub(crate) fn scoped<R>(&self, during: &'static str, f: impl FnOnce() -> R) -> Result<R> {
        let oom = self.device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
        let validation = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let internal = self.device.push_error_scope(wgpu::ErrorFilter::Internal);
        let value = f();
        let errors = [
            pollster::block_on(internal.pop()),
            pollster::block_on(validation.pop()),
            pollster::block_on(oom.pop()),
        ];
        match errors.into_iter().flatten().next() {
            Some(error) => {
                self.check_alive()?;
                Err(Error::gpu(during, error))
            }
            None => Ok(value),
        }
    }

    /// The most elements of `elem_bytes` each one dispatch may bind: the adapter's storage
    /// binding and buffer limits, an optional caller cap, and the 32-bit index space; in whole
    /// reduction workgroups (so chunk offsets, multiples of 16 KiB, meet any storage offset
    /// alignment), at least one.
    pub(crate) fn chunk_elems(&self, elem_bytes: usize, cap_bytes: Option<u64>) -> usize {
        let binding = self
            .limits
            .max_storage_buffer_binding_size
            .min(self.limits.max_buffer_size)
            .min(cap_bytes.unwrap_or(u64::MAX));
        let elems = (binding / elem_bytes.max(1) as u64).min(1 << 31) as usize;
        let group = super::layout::PER_GROUP;
        (elems / group * group).max(group)
    }
}

impl Context {
    /// Whether this GPU runs kernels over `T`: the adapter has the feature its width needs.
    pub(crate) fn runs<T: Element>(&self) -> bool {
        self.features.contains(feature::<T>())
    }

    /// Whether this GPU runs `kernel` over `T`: it runs `T`, and code generation writes the
    /// kernel ([`codegen::has_kernel`]: not an `f64` user kernel calling WGSL's
    /// transcendental built-ins).
    pub(crate) fn runs_kernel<T: Element>(&self, kernel: &Kernel<'_, T>) -> bool {
        self.runs::<T>() && codegen::has_kernel(kernel)
    }
}

/// The adapter features kernels over `T` need beyond core WGSL: none for 32-bit types,
/// `SHADER_INT64` for `i64` and `u64`, and for `f64` `SHADER_F64` and `SHADER_INT64` both
/// (its helpers read the float's bits as a `u64`, and 64-bit scalars arrive as two words
/// joined in a `u64`).
pub(crate) fn feature<T: Element>() -> wgpu::Features {
    super::cast::Target::of::<T>().feature()
}
