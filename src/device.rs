//! [`Device`]: the CPU pool and, when there is one, a GPU; [`Device::choose`], the one place
//! where a call's backend is decided; and [`Device::execute`], the one seam through which
//! every call shape reaches a backend (with the CPU retry after a failed GPU attempt).

use std::sync::{Arc, OnceLock};

use crate::calibrate;
use crate::cost::{self, CostModel};
use crate::cpu;
use crate::element::Element;
use crate::error::{Error, Result};
use crate::expr::Expr;
use crate::gpu::{self, Gpu, Io, Target, DEFAULT_GPU_MEMORY_LIMIT};
use crate::ir::kernel::Kernel;
use crate::ir::op::Op;
use crate::ir::reduce::Reduce;
use crate::ir::task::{Done, Task};

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
/// normally the calibrated [`CostModel`] decides.
pub(crate) const GPU_MIN_WORK: usize = 1 << 24;

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
    gpu: Option<Arc<Opened>>,
    chunk_bytes: Option<u64>,
    memory_limit: u64,
    /// Auto with a GPU: calls shorter than this stay on the CPU without further thought
    /// (the GPU cannot win them; from the cost model, measured when the device is made).
    cpu_below: usize,
}

fn next_id() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// An opened GPU and the cost model of this machine with it, measured (or loaded) the first
/// time an auto device needs it, with the length below which the GPU cannot win any call.
#[derive(Debug)]
struct Opened {
    gpu: Arc<Gpu>,
    costs: OnceLock<Option<(CostModel, usize)>>,
}

impl Opened {
    fn cost_model(&self) -> Option<&(CostModel, usize)> {
        self.costs
            .get_or_init(|| {
                calibrate::load_or_calibrate(&self.gpu).map(|m| (m, cost::gpu_hopeless_below(&m)))
            })
            .as_ref()
    }
}

/// The process-wide GPUs, opened once: hardware for `auto`, any adapter for `gpu`.
static HARDWARE: OnceLock<std::result::Result<Arc<Opened>, String>> = OnceLock::new();
static ANY: OnceLock<std::result::Result<Arc<Opened>, String>> = OnceLock::new();

fn open(want: gpu::Want) -> Result<Arc<Opened>> {
    let slot = match want {
        gpu::Want::Hardware => &HARDWARE,
        gpu::Want::Any => &ANY,
    };
    slot.get_or_init(|| {
        let opened = Gpu::open(want)
            .map(|gpu| {
                Arc::new(Opened {
                    gpu: Arc::new(gpu),
                    costs: OnceLock::new(),
                })
            })
            .map_err(|e| match e {
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
        Device::auto_with(open(gpu::Want::Hardware).ok())
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
        Device::auto_with(open(gpu::Want::Any).ok())
    }

    /// An auto device over `gpu`; its cost model is loaded (or measured) now, so calls never
    /// wait for it.
    fn auto_with(gpu: Option<Arc<Opened>>) -> Device {
        let cpu_below = gpu
            .as_ref()
            .and_then(|opened| opened.cost_model())
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
            gpu: Some(open(gpu::Want::Any)?),
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
        self.gpu
            .as_ref()
            .map(|opened| opened.gpu.stats())
            .unwrap_or_default()
    }

    /// Whether `other` is this device or a clone of it.
    pub(crate) fn same_as(&self, other: &Device) -> bool {
        self.id == other.id
    }

    /// The GPU arrays of `T` live on with this device, if they live on a GPU.
    pub(crate) fn resident_gpu<T: Element>(&self) -> Option<&Arc<Gpu>> {
        match (self.policy, &self.gpu) {
            (Policy::Cpu, _) => None,
            (_, Some(opened)) if opened.gpu.runs::<T>() => Some(&opened.gpu),
            _ => None,
        }
    }

    /// Destroys this device's GPU, as a driver reset would (for tests): later GPU calls are
    /// [`Error::DeviceLost`] (an auto device reruns them on the CPU). Every device on the
    /// same adapter is affected.
    #[cfg_attr(not(feature = "testing"), allow(dead_code))]
    pub(crate) fn lose_gpu(&self) {
        if let Some(opened) = &self.gpu {
            opened.gpu.destroy();
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
    /// model could not be measured, for work (elements times op weight) of at least 2^24).
    ///
    /// # Examples
    ///
    /// ```
    /// use compute::{Backend, Device, Op};
    /// let device = Device::auto();
    /// assert_eq!(device.choose(&Op::Scale(2.0_f32), 100), Backend::Cpu);
    /// ```
    pub fn choose<T: Element>(&self, op: &Op<T>, len: usize) -> Backend {
        self.choose_work(&Kernel::map(op), len)
    }

    /// Which backend a call of the expression `expr` on `len` elements runs on, as
    /// [`Device::choose`] says for an op (the weight is the whole expression's).
    ///
    /// # Examples
    ///
    /// ```
    /// use compute::{expr::{x, y}, Backend, Device};
    /// assert_eq!(Device::cpu().choose_eval(&(x::<f32>() * y()).exp(), 1 << 24)?, Backend::Cpu);
    /// # Ok::<(), compute::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// What the expression's kernel check refuses (an op `T` lacks, too many inputs).
    pub fn choose_eval<T: Element>(&self, expr: &Expr<T>, len: usize) -> Result<Backend> {
        Ok(self.choose_work(&expr.kernel()?, len))
    }

    /// The one decision: fixed policies win; auto with a GPU that runs the kernel asks the
    /// cost model which backend is faster for `len` elements of the kernel's op weight and
    /// input count, which are only worked out when there is a GPU to weigh.
    fn choose_work<T: Element>(&self, kernel: &Kernel<'_, T>, len: usize) -> Backend {
        // most auto calls are decided here: too small for the GPU ever to win
        if len < self.cpu_below {
            return Backend::Cpu;
        }
        match (self.policy, &self.gpu) {
            (Policy::Cpu, _) | (Policy::Auto, None) => Backend::Cpu,
            (Policy::Gpu, _) => Backend::Gpu,
            (Policy::Auto, Some(opened)) => {
                if !opened.gpu.runs_kernel(kernel) {
                    return Backend::Cpu;
                }
                let model = opened.cost_model();
                let (work, arity) = (kernel.cost(), kernel.arity());
                let gpu = match model {
                    Some((model, _)) => {
                        let bytes = std::mem::size_of::<T>();
                        cost::gpu_is_faster(model, len, bytes, arity, work)
                    }
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
    pub fn cost_model(&self) -> Option<CostModel> {
        match (self.policy, &self.gpu) {
            (Policy::Auto, Some(opened)) => opened.cost_model().map(|(model, _)| *model),
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
        self.gpu
            .as_ref()
            .map(|opened| gpu::describe(&opened.gpu.info))
    }

    /// Whether this device holds a GPU that runs kernels over `T`: every GPU runs `f32`,
    /// `i32` and `u32`; `i64` and `u64` need the adapter's 64-bit integer shaders
    /// (`wgpu::Features::SHADER_INT64`), `f64` its 64-bit float shaders (`SHADER_F64`) and
    /// `SHADER_INT64`: lavapipe has both, llvmpipe's OpenGL neither. An auto device runs the others on the
    /// CPU; a GPU device gives `Err(Unsupported)` for them. (An `f64` user kernel that calls
    /// WGSL's transcendental built-ins has no GPU kernel even where `f64` runs: it is routed
    /// the same way.)
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!compute::Device::cpu().gpu_runs::<f32>());
    /// ```
    pub fn gpu_runs<T: Element>(&self) -> bool {
        self.gpu
            .as_ref()
            .is_some_and(|opened| opened.gpu.runs::<T>())
    }

    /// Runs one call of the checked `kernel` where [`Device::choose`] says: the GPU or the
    /// CPU, and the CPU again on an auto device after a GPU failure (logged; the task's
    /// output is rewritten and in-place data was left as it was). A call of no elements
    /// touches no backend.
    #[inline]
    pub(crate) fn execute<T: Element>(
        &self,
        kernel: &Kernel<'_, T>,
        task: &mut Task<'_, '_, T>,
    ) -> Result<Done<T>> {
        let len = task.len();
        if len == 0 {
            return Ok(task.empty());
        }
        let backend = self.choose_work(kernel, len);
        match (backend, &self.gpu) {
            (Backend::Cpu, _) => cpu::execute(kernel, task),
            (Backend::Gpu, Some(opened)) => {
                match gpu::execute(&opened.gpu, &self.budget(), kernel, task) {
                    Err(e) if self.policy == Policy::Auto => {
                        log::warn!("compute: GPU call failed ({e}); running it on the CPU");
                        cpu::execute(kernel, task)
                    }
                    other => other,
                }
            }
            (Backend::Gpu, None) => Err(Error::NoGpu {
                reason: "this device holds no GPU".into(),
            }),
        }
    }

    /// Runs a cast between element types: the checked `kernel`'s values over `inputs`,
    /// converted to `U` (one GPU kernel converts as it stores).
    pub(crate) fn convert<S: Element, U: Element>(
        &self,
        kernel: &Kernel<'_, S>,
        inputs: &[&[S]],
        len: usize,
    ) -> Result<Vec<U>> {
        let io = Io::Store(Target::of::<U>());
        self.across(
            kernel,
            Target::of::<U>(),
            len,
            |gpu| gpu::across(gpu, &self.budget(), kernel, io, inputs, len),
            || cpu::convert(kernel, inputs, len, &[]),
        )
    }

    /// Runs a cast, then ops: `data` converted to `U`, then `after` (a checked chain's
    /// steps; one GPU kernel converts as it loads).
    pub(crate) fn cast_then<S: Element, U: Element>(
        &self,
        data: &[S],
        after: &[Op<U>],
    ) -> Result<Vec<U>> {
        let (kernel, len) = (Kernel::Map(after), data.len());
        let io = Io::Load(Target::of::<S>());
        self.across(
            &kernel,
            Target::of::<S>(),
            len,
            |gpu| gpu::across(gpu, &self.budget(), &kernel, io, &[data], len),
            || cpu::convert(&Kernel::Map(&[]), &[data], len, after),
        )
    }

    /// The truth of each of the checked `kernel`'s values into `out` (as long as the
    /// inputs; the GPU stores each as a `u32`).
    pub(crate) fn mask_into<S: Element>(
        &self,
        kernel: &Kernel<'_, S>,
        inputs: &[&[S]],
        out: &mut [bool],
    ) -> Result<()> {
        let len = out.len();
        let out = std::cell::RefCell::new(out);
        self.across(
            kernel,
            Target::of::<S>(),
            len,
            |gpu| {
                let words: Vec<u32> =
                    gpu::across(gpu, &self.budget(), kernel, Io::Truth, inputs, len)?;
                if words.len() != len {
                    return Err(Error::Internal {
                        what: "a GPU mask of another length than its inputs".into(),
                    });
                }
                for (o, w) in out.borrow_mut().iter_mut().zip(words) {
                    *o = w != 0;
                }
                Ok(())
            },
            || cpu::mask_into(kernel, inputs, &mut out.borrow_mut()),
        )
    }

    /// Runs a kernel across two element types (the kernel's and `other`) where
    /// [`Device::choose`] says, as [`Device::execute`] does: an auto device keeps it on the
    /// CPU when its GPU lacks `other`'s feature, and reruns it there after a GPU failure.
    fn across<K: Element, R>(
        &self,
        kernel: &Kernel<'_, K>,
        other: Target,
        len: usize,
        on_gpu: impl FnOnce(&Gpu) -> Result<R>,
        on_cpu: impl FnOnce() -> Result<R>,
    ) -> Result<R> {
        if len == 0 {
            return on_cpu();
        }
        match (self.choose_work(kernel, len), &self.gpu) {
            (Backend::Cpu, _) => on_cpu(),
            (Backend::Gpu, Some(opened)) => {
                let auto = self.policy == Policy::Auto;
                if auto && !opened.gpu.features.contains(other.feature()) {
                    return on_cpu();
                }
                match on_gpu(&opened.gpu) {
                    Err(e) if auto => {
                        log::warn!("compute: GPU call failed ({e}); running it on the CPU");
                        on_cpu()
                    }
                    result => result,
                }
            }
            (Backend::Gpu, None) => Err(Error::NoGpu {
                reason: "this device holds no GPU".into(),
            }),
        }
    }

    /// Runs the checked `kernel` over arrays stored with this device, where they live: host
    /// arrays on the CPU, GPU arrays on their GPU (never a mix: [`Error::DeviceMismatch`]).
    /// A kernel the GPU has none of (an `f64` user kernel calling WGSL's transcendental
    /// built-ins) is `Err(Unsupported)` on a GPU
    /// device; an auto device reads the arrays back, runs it on the CPU and uploads its array.
    pub(crate) fn execute_stored<T: Element>(
        &self,
        kernel: &Kernel<'_, T>,
        arrays: &[&Stored<T>],
        len: usize,
        how: Option<Reduce>,
    ) -> Result<StoredDone<T>> {
        match arrays.first() {
            Some(Stored::Gpu(first)) => {
                let residents: Option<Vec<&gpu::Resident<T>>> = arrays
                    .iter()
                    .map(|a| match a {
                        Stored::Gpu(r) => Some(r),
                        Stored::Host(_) => None,
                    })
                    .collect();
                let residents = residents.ok_or(Error::DeviceMismatch)?;
                let gpu = first.context();
                if self.policy == Policy::Auto && !gpu.runs_kernel(kernel) {
                    // no GPU kernel of this (see above): read the arrays back,
                    // run it on the CPU, and keep its array where the inputs live
                    let host = residents
                        .iter()
                        .map(|r| r.to_vec().map(Stored::Host))
                        .collect::<Result<Vec<_>>>()?;
                    let host: Vec<&Stored<T>> = host.iter().collect();
                    return match run_on_host(kernel, &host, len, how)? {
                        StoredDone::Array(Stored::Host(v)) => Ok(StoredDone::Array(Stored::Gpu(
                            gpu::Resident::upload(gpu, &v)?,
                        ))),
                        other => Ok(other),
                    };
                }
                match how {
                    None => gpu::resident_run(gpu, kernel, &residents, len)
                        .map(|r| StoredDone::Array(Stored::Gpu(r))),
                    Some(how) => gpu::resident_partials(gpu, kernel, &residents, len, how)
                        .map(StoredDone::Partials),
                }
            }
            _ => run_on_host(kernel, arrays, len, how),
        }
    }

    /// Stores `data` where this device computes: GPU memory when it holds a GPU that runs
    /// `T`, host memory otherwise.
    pub(crate) fn store<T: Element>(&self, data: &[T]) -> Result<Stored<T>> {
        Ok(match self.resident_gpu::<T>() {
            Some(gpu) => Stored::Gpu(gpu::Resident::upload(gpu, data)?),
            None => Stored::Host(data.to_vec()),
        })
    }

    /// `stored` converted to `U` (numpy's `astype`), kept where this device keeps arrays of
    /// `U`: a GPU array whose GPU runs `U` is converted there by one kernel; otherwise the
    /// values are converted on the host and stored as [`Device::upload`] stores them.
    pub(crate) fn cast_stored<S: Element, U: Element>(
        &self,
        stored: &Stored<S>,
    ) -> Result<Stored<U>> {
        let read;
        let host: &[S] = match stored {
            Stored::Gpu(r) if r.context().runs::<U>() => {
                return gpu::resident_cast(r).map(Stored::Gpu)
            }
            Stored::Gpu(r) => {
                read = r.to_vec()?;
                &read
            }
            Stored::Host(v) => v,
        };
        let converted: Vec<U> = cpu::convert(&Kernel::Map(&[]), &[host], host.len(), &[])?;
        match self.resident_gpu::<U>() {
            Some(gpu) => Ok(Stored::Gpu(gpu::Resident::upload(gpu, &converted)?)),
            None => Ok(Stored::Host(converted)),
        }
    }

    /// The GPU, for the crate's own tests.
    #[cfg(test)]
    pub(crate) fn gpu_context(&self) -> Option<&Gpu> {
        self.gpu.as_deref().map(|opened| &*opened.gpu)
    }
}

/// Runs the checked `kernel` over host arrays on the CPU (a GPU array among them:
/// [`Error::DeviceMismatch`]).
fn run_on_host<T: Element>(
    kernel: &Kernel<'_, T>,
    arrays: &[&Stored<T>],
    len: usize,
    how: Option<Reduce>,
) -> Result<StoredDone<T>> {
    let slices: Option<Vec<&[T]>> = arrays
        .iter()
        .map(|a| match a {
            Stored::Host(v) => Some(v.as_slice()),
            Stored::Gpu(_) => None,
        })
        .collect();
    let slices = slices.ok_or(Error::DeviceMismatch)?;
    let mut task = match how {
        None => Task::Fresh {
            inputs: &slices,
            len,
        },
        Some(how) => Task::Partials {
            inputs: &slices,
            len,
            how,
        },
    };
    if len == 0 {
        return stored_done(task.empty());
    }
    stored_done(cpu::execute(kernel, &mut task)?)
}

/// An array's elements where a device keeps them.
#[derive(Debug)]
pub(crate) enum Stored<T> {
    /// Host memory (a CPU device, or a type the GPU does not run).
    Host(Vec<T>),
    /// GPU memory.
    Gpu(gpu::Resident<T>),
}

impl<T: Element> Stored<T> {
    /// Elements held.
    pub(crate) fn len(&self) -> usize {
        match self {
            Stored::Host(v) => v.len(),
            Stored::Gpu(r) => r.len(),
        }
    }

    /// The elements, copied to the host.
    pub(crate) fn to_vec(&self) -> Result<Vec<T>> {
        match self {
            Stored::Host(v) => Ok(v.clone()),
            Stored::Gpu(r) => r.to_vec(),
        }
    }
}

/// What a call over stored arrays gives back.
pub(crate) enum StoredDone<T> {
    /// A new array, where the inputs live.
    Array(Stored<T>),
    /// A reduction's partials.
    Partials(Vec<T>),
}

/// A host task's result as a stored array or partials.
fn stored_done<T>(done: Done<T>) -> Result<StoredDone<T>> {
    match done {
        Done::Values(v) => Ok(StoredDone::Array(Stored::Host(v))),
        Done::Partials(p) => Ok(StoredDone::Partials(p)),
        Done::Written => Err(Error::Internal {
            what: "an array call that wrote in place".into(),
        }),
    }
}
