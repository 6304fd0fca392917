//! [`Device`]: the CPU pool and, when there is one, a GPU context; and [`Device::choose`], the
//! one place where a call's backend is decided.

use std::sync::{Arc, OnceLock};

use crate::element::Element;
use crate::error::{Error, Result};
use crate::gpu;
use crate::kernel::Kernel;
use crate::op::Op;
use crate::reduce::Reduce;

/// Where a call runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Backend {
    /// rayon over all CPU cores (or the calling thread for small inputs).
    Cpu,
    /// A WGSL compute shader through wgpu.
    Gpu,
}

/// The fallback rule of `Device::auto()` when its cost model cannot be measured: the GPU for
/// work (elements times op weight: 1 for arithmetic, 10 per transcendental) of at least this
/// much. Host data crosses the bus twice (8 bytes per f32 element at ~25 GB/s on PCIe 4 x16)
/// and a submit plus readback costs ~50-100 µs, while a multi-core CPU streams a cheap op at
/// ~10 GB/s: the GPU only pays off for large, heavy calls. An estimate, not a measurement;
/// normally the calibrated [`CostModel`](crate::CostModel) decides.
pub const GPU_MIN_WORK: usize = 1 << 24;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Policy {
    Auto,
    Cpu,
    Gpu,
}

/// Runs element-wise work on the CPU or the GPU; chooses per call.
///
/// Cheap to clone: clones share the GPU context, its pipelines and its buffers.
///
/// # Examples
///
/// ```
/// use compute::{Backend, Device, Op};
/// let device = Device::cpu();
/// assert_eq!(device.choose(&Op::Scale(2.0_f32), 1 << 20), Backend::Cpu);
/// ```
#[derive(Clone, Debug)]
pub struct Device {
    /// Shared by clones; arrays of two devices with different ids are never mixed.
    id: u64,
    policy: Policy,
    gpu: Option<Arc<gpu::Context>>,
    chunk_bytes: Option<u64>,
    memory_limit: u64,
    /// Auto with a GPU: calls shorter than this stay on the CPU without further thought
    /// (the GPU cannot win them; from the cost model, measured when the device is made).
    cpu_below: usize,
}

/// GPU memory one call may hold in flight plus pooled buffers, unless
/// [`Device::with_gpu_memory_limit`] says otherwise: 1 GiB, a quarter of a small card, enough
/// for chunks of 64 Mi f32 double-buffered. Resident [`Array`](crate::Array)s are the user's
/// and not counted against it.
pub const DEFAULT_GPU_MEMORY_LIMIT: u64 = 1 << 30;

fn next_id() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// The process-wide contexts, opened once: hardware for `auto`, any adapter for `gpu`.
static HARDWARE: OnceLock<std::result::Result<Arc<gpu::Context>, String>> = OnceLock::new();
static ANY: OnceLock<std::result::Result<Arc<gpu::Context>, String>> = OnceLock::new();

fn context(want: gpu::Want) -> Result<Arc<gpu::Context>> {
    let slot = match want {
        gpu::Want::Hardware => &HARDWARE,
        gpu::Want::Any => &ANY,
    };
    slot.get_or_init(|| {
        let opened = gpu::Context::open(want).map(Arc::new).map_err(|e| match e {
            Error::NoGpu { reason } => reason,
            other => other.to_string(),
        });
        if let Err(reason) = &opened {
            if want == gpu::Want::Hardware {
                log::info!("compute: Device::auto() runs on the CPU: {reason}");
            }
        }
        opened
    })
    .clone()
    .map_err(|reason| Error::NoGpu { reason })
}

impl Device {
    /// The CPU, plus a hardware GPU when one exists; never fails. Each call then runs where
    /// [`Device::choose`] says. Software adapters (lavapipe, llvmpipe) are ignored: they are
    /// slower than one CPU core.
    ///
    /// `COMPUTE_BACKEND=cpu|gpu|auto` overrides: `cpu` never opens a GPU, `gpu` runs every call
    /// on any adapter (software ones included) and falls back to the CPU, with a log line,
    /// when there is none.
    ///
    /// # Examples
    ///
    /// ```
    /// let device = compute::Device::auto();
    /// let out = compute::map(&device, vec![1, 2, 3, 4, 5], compute::Op::Scale(2))?;
    /// assert_eq!(out, [2, 4, 6, 8, 10]);
    /// # Ok::<(), compute::Error>(())
    /// ```
    pub fn auto() -> Device {
        let forced = std::env::var("COMPUTE_BACKEND").unwrap_or_default();
        match forced.trim().to_ascii_lowercase().as_str() {
            "cpu" => return Device::cpu(),
            "gpu" => match Device::gpu() {
                Ok(device) => return device,
                Err(e) => log::warn!("compute: COMPUTE_BACKEND=gpu but {e}; using the CPU"),
            },
            "" | "auto" => {}
            other => {
                log::warn!("compute: ignoring COMPUTE_BACKEND={other:?} (want cpu, gpu or auto)")
            }
        }
        Device::auto_with(context(gpu::Want::Hardware).ok())
    }

    /// Like [`Device::auto`], but software adapters (lavapipe, llvmpipe) count as GPUs too, so
    /// its choice between them and the CPU can be seen and measured. `auto` itself ignores
    /// them because they are never faster than the CPU they run on.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// let device = compute::Device::auto_any();
    /// println!("{:?}", device.cost_model());
    /// ```
    pub fn auto_any() -> Device {
        Device::auto_with(context(gpu::Want::Any).ok())
    }

    /// An auto device over `gpu`; its cost model is loaded (or measured) now, so calls never
    /// wait for it.
    fn auto_with(gpu: Option<Arc<gpu::Context>>) -> Device {
        let cpu_below = gpu
            .as_ref()
            .and_then(|ctx| ctx.cost_model())
            .map_or(0, |(_, below)| *below);
        Device {
            id: next_id(),
            policy: Policy::Auto,
            gpu,
            chunk_bytes: None,
            memory_limit: DEFAULT_GPU_MEMORY_LIMIT,
            cpu_below,
        }
    }

    /// The CPU only (rayon's global pool).
    ///
    /// # Examples
    ///
    /// ```
    /// let out = compute::map(&compute::Device::cpu(), [1.5_f32, -2.5], compute::Op::Round)?;
    /// assert_eq!(out, [2.0, -2.0]);
    /// # Ok::<(), compute::Error>(())
    /// ```
    pub fn cpu() -> Device {
        Device {
            id: next_id(),
            policy: Policy::Cpu,
            gpu: None,
            chunk_bytes: None,
            memory_limit: DEFAULT_GPU_MEMORY_LIMIT,
            cpu_below: 0,
        }
    }

    /// The GPU only, on any adapter that runs compute shaders, software ones included (so
    /// tests can force the WGSL path on lavapipe or llvmpipe). `Err` when there is none.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// let device = compute::Device::gpu()?;
    /// let out = compute::map(&device, vec![1.0_f32, 4.0], compute::Op::Sqrt)?;
    /// assert_eq!(out, [1.0, 2.0]);
    /// # Ok::<(), compute::Error>(())
    /// ```
    pub fn gpu() -> Result<Device> {
        Ok(Device {
            id: next_id(),
            policy: Policy::Gpu,
            gpu: Some(context(gpu::Want::Any)?),
            chunk_bytes: None,
            memory_limit: DEFAULT_GPU_MEMORY_LIMIT,
            cpu_below: 0,
        })
    }

    /// Caps the bytes one GPU dispatch binds per array (default: the adapter's storage binding
    /// limit). Larger inputs run as a sequence of chunks; a smaller cap bounds the GPU memory
    /// one call holds. Values below 1 KiB are raised to 1 KiB.
    ///
    /// # Examples
    ///
    /// ```
    /// let device = compute::Device::cpu().with_gpu_chunk_bytes(64 << 20);
    /// assert_eq!(compute::map(&device, [3u32], compute::Op::Square)?, [9]);
    /// # Ok::<(), compute::Error>(())
    /// ```
    #[must_use]
    pub fn with_gpu_chunk_bytes(mut self, bytes: u64) -> Device {
        self.chunk_bytes = Some(bytes.max(1024));
        self
    }

    /// Bounds the GPU memory one call holds in flight plus the buffers kept pooled between
    /// calls (default [`DEFAULT_GPU_MEMORY_LIMIT`]); inputs of any size still run, in smaller
    /// chunks. Values below 64 KiB are raised to 64 KiB.
    ///
    /// # Examples
    ///
    /// ```
    /// let device = compute::Device::auto().with_gpu_memory_limit(256 << 20);
    /// assert_eq!(compute::map(&device, [1u32, 2], compute::Op::Neg)?, [u32::MAX, u32::MAX - 1]);
    /// # Ok::<(), compute::Error>(())
    /// ```
    #[must_use]
    pub fn with_gpu_memory_limit(mut self, bytes: u64) -> Device {
        self.memory_limit = bytes.max(64 << 10);
        self
    }

    /// What the GPU context has done and holds (uploads, downloads, dispatches, pooled and
    /// resident bytes); all zero without a GPU. Shared by every device on the same adapter.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(compute::Device::cpu().stats().uploads, 0);
    /// ```
    pub fn stats(&self) -> gpu::Stats {
        self.gpu.as_ref().map(|ctx| ctx.stats()).unwrap_or_default()
    }

    /// Whether `other` is this device or a clone of it.
    pub(crate) fn same_as(&self, other: &Device) -> bool {
        self.id == other.id
    }

    /// The GPU context arrays of `T` live in on this device, if they live on a GPU.
    pub(crate) fn resident_context<T: Element>(&self) -> Option<&Arc<gpu::Context>> {
        match (self.policy, &self.gpu) {
            (Policy::Cpu, _) => None,
            (_, Some(ctx)) if gpu::supports::<T>() => Some(ctx),
            _ => None,
        }
    }

    /// Destroys this device's GPU, as a driver reset would, so tests can see what a lost
    /// device does: later GPU calls are [`Error::DeviceLost`] (an auto device reruns them on
    /// the CPU). Every device on the same adapter is affected.
    #[doc(hidden)]
    pub fn simulate_gpu_loss(&self) {
        if let Some(ctx) = &self.gpu {
            ctx.destroy();
        }
    }

    fn budget(&self) -> gpu::Budget {
        gpu::Budget {
            chunk_bytes: self.chunk_bytes,
            memory: self.memory_limit,
        }
    }

    /// Which backend a call of `op` on `len` elements of `T` runs on. A [`Device::gpu`]
    /// device always chooses [`Backend::Gpu`], a [`Device::cpu`] device [`Backend::Cpu`]; an
    /// auto device chooses the GPU when it holds one that runs `T` and its
    /// [cost model](Device::cost_model) predicts the GPU faster for this call (or, if the
    /// model could not be measured, for work of at least [`GPU_MIN_WORK`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use compute::{Backend, Device, Op};
    /// let device = Device::auto();
    /// assert_eq!(device.choose(&Op::Scale(2.0_f32), 100), Backend::Cpu);
    /// ```
    pub fn choose<T: Element>(&self, op: &Op<T>, len: usize) -> Backend {
        self.choose_work::<T>(|| (op.cost(), 1), len)
    }

    /// The one decision: fixed policies win; auto with a GPU asks the cost model which
    /// backend is faster for `len` elements of the call's (op weight, input count), which are
    /// only worked out when there is a GPU to weigh.
    fn choose_work<T: Element>(
        &self,
        shape: impl FnOnce() -> (usize, usize),
        len: usize,
    ) -> Backend {
        // most auto calls are decided here: too small for the GPU ever to win
        if len < self.cpu_below {
            return Backend::Cpu;
        }
        match (self.policy, &self.gpu) {
            (Policy::Cpu, _) | (Policy::Auto, None) => Backend::Cpu,
            (Policy::Gpu, _) => Backend::Gpu,
            (Policy::Auto, Some(ctx)) => {
                if !gpu::supports::<T>() {
                    return Backend::Cpu;
                }
                let model = ctx.cost_model();
                let (work, arity) = shape();
                let gpu = match model {
                    Some((model, _)) => crate::cost::gpu_is_faster(model, len, arity, work),
                    None => len.saturating_mul(work) >= GPU_MIN_WORK,
                };
                if gpu {
                    Backend::Gpu
                } else {
                    Backend::Cpu
                }
            }
        }
    }

    /// The measured costs `auto` chooses by: `None` for a device without a GPU or with a fixed
    /// backend. An auto device with a GPU loads them when it is made, from the cache file (the
    /// platform's cache directory, or `COMPUTE_CACHE_DIR`), or measures them (well under a
    /// second) and writes that file; a missing, corrupt or stale file costs one measurement.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(compute::Device::cpu().cost_model().is_none());
    /// ```
    pub fn cost_model(&self) -> Option<crate::cost::CostModel> {
        match (self.policy, &self.gpu) {
            (Policy::Auto, Some(ctx)) => ctx.cost_model().map(|(model, _)| *model),
            _ => None,
        }
    }

    /// The GPU adapter this device holds, as "name (backend, type)", or `None`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(compute::Device::cpu().gpu_name(), None);
    /// ```
    pub fn gpu_name(&self) -> Option<String> {
        self.gpu.as_ref().map(|ctx| gpu::describe(&ctx.info))
    }

    /// Runs one call of `kernel` over `len` elements where [`Device::choose`] says: `gpu` on the
    /// GPU; `cpu` on the CPU, and again on an auto device after a GPU failure (logged). `out`
    /// is what both may write (the output slice, the data in place, or nothing).
    fn on_backend<T: Element, O: ?Sized, R>(
        &self,
        kernel: &Kernel<'_, T>,
        len: usize,
        out: &mut O,
        cpu: impl FnOnce(&mut O) -> Result<R>,
        gpu: impl FnOnce(&gpu::Context, &gpu::Budget, &mut O) -> Result<R>,
    ) -> Result<R> {
        match (
            self.choose_work::<T>(|| (kernel.cost(), kernel.arity()), len),
            &self.gpu,
        ) {
            (Backend::Cpu, _) => cpu(out),
            (Backend::Gpu, Some(ctx)) => match gpu(ctx, &self.budget(), out) {
                Err(e) if self.policy == Policy::Auto => {
                    log::warn!("compute: GPU call failed ({e}); running it on the CPU");
                    cpu(out)
                }
                other => other,
            },
            (Backend::Gpu, None) => Err(Error::NoGpu {
                reason: "this device holds no GPU".into(),
            }),
        }
    }

    /// Runs a checked kernel over inputs of `len` elements each on the chosen backend.
    #[inline]
    pub(crate) fn run<T: Element>(
        &self,
        kernel: &Kernel<'_, T>,
        inputs: &[&[T]],
        len: usize,
    ) -> Result<Vec<T>> {
        if len == 0 {
            return Ok(Vec::new());
        }
        self.on_backend(
            kernel,
            len,
            &mut (),
            |_| Ok(crate::cpu::run(kernel, inputs, len)),
            |ctx, budget, _| gpu::run(ctx, kernel, inputs, len, budget),
        )
    }

    /// Runs a checked kernel over inputs as long as `out`, writing into `out`.
    pub(crate) fn run_into<T: Element>(
        &self,
        kernel: &Kernel<'_, T>,
        inputs: &[&[T]],
        out: &mut [T],
    ) -> Result<()> {
        let len = out.len();
        if len == 0 {
            return Ok(());
        }
        self.on_backend(
            kernel,
            len,
            out,
            |out| crate::cpu::run_into(kernel, inputs, out),
            |ctx, budget, out| gpu::run_into(ctx, kernel, inputs, out, budget),
        )
    }

    /// Runs a checked one-input kernel over `data` in place. A GPU failure leaves `data` as
    /// it was (see `gpu::run_in_place`), so the CPU retry starts from the input.
    pub(crate) fn run_in_place<T: Element>(
        &self,
        kernel: &Kernel<'_, T>,
        data: &mut [T],
    ) -> Result<()> {
        let len = data.len();
        if len == 0 {
            return Ok(());
        }
        self.on_backend(
            kernel,
            len,
            data,
            |data| crate::cpu::run_in_place(kernel, data),
            |ctx, budget, data| gpu::run_in_place(ctx, kernel, data, budget),
        )
    }

    /// Folds a checked kernel's values over inputs of `len` elements on the chosen backend.
    pub(crate) fn reduce<T: Element>(
        &self,
        kernel: &Kernel<'_, T>,
        inputs: &[&[T]],
        len: usize,
        how: Reduce,
    ) -> Result<Option<T>> {
        Ok(how.finish(&self.partials(kernel, inputs, len, how)?))
    }

    /// The folds of a checked kernel's values over each run of 4,096 consecutive elements
    /// (a CPU block, a GPU workgroup), in order, on the chosen backend; none for no elements.
    pub(crate) fn partials<T: Element>(
        &self,
        kernel: &Kernel<'_, T>,
        inputs: &[&[T]],
        len: usize,
        how: Reduce,
    ) -> Result<Vec<T>> {
        if len == 0 {
            return Ok(Vec::new());
        }
        self.on_backend(
            kernel,
            len,
            &mut (),
            |_| crate::cpu::partials(kernel, inputs, len, how),
            |ctx, budget, _| gpu::partials(ctx, kernel, inputs, len, budget, how),
        )
    }

    /// The GPU context, for the crate's own tests.
    #[cfg(test)]
    pub(crate) fn gpu_context(&self) -> Option<&gpu::Context> {
        self.gpu.as_deref()
    }
}
