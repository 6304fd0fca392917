//! One test per bug found, named after what broke.

mod common;

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::gpu;
use compute::expr::{constant, x, y, Expr};
use compute::{Array, BinOp, Device, Error, Op, Reduce};

/// The readback used `try_recv` right after `poll`: when another thread's poll ran this
/// call's map callback, the call failed with "mapping the result" (seen with the test suite's
/// parallel GPU tests on lavapipe).
#[test]
fn gpu_readback_waits_for_a_callback_another_thread_runs() {
    let Some(device) = gpu() else { return };
    std::thread::scope(|scope| {
        for t in 0..8u32 {
            let device = &device;
            scope.spawn(move || {
                for k in 0..25u32 {
                    let n = 1_000 + (t * 25 + k) as usize * 37;
                    let a: Vec<u32> = (0..n as u32).collect();
                    let out = compute::map(device, &a, Op::Scale(t + 1).then(Op::Add(k))).unwrap();
                    assert!(
                        out.iter().zip(&a).all(|(o, x)| *o == x * (t + 1) + k),
                        "thread {t} call {k}"
                    );
                    let z = compute::zip(device, &a, &out, BinOp::Sub).unwrap();
                    assert!(z
                        .iter()
                        .zip(&a)
                        .zip(&out)
                        .all(|((z, x), o)| *z == x.wrapping_sub(*o)));
                }
            });
        }
    });
}

/// Code generation looked for the `// @body` marker with a plain search and found it first in
/// the template's header comment: the body landed in the comment, map kernels failed naga and
/// zip kernels silently returned their first input.
#[test]
fn gpu_zip_runs_its_op_not_the_templates_identity() {
    let Some(device) = gpu() else { return };
    assert_eq!(
        compute::zip(&device, [7, 9], [2, 3], BinOp::Mul).unwrap(),
        [14, 27]
    );
    assert_eq!(
        compute::map(&device, [7, 9], Op::Abs.then(Op::Neg)).unwrap(),
        [-7, -9]
    );
}

// ---------------------------------------------------------------------------------------
// Defects an outside client found. Tests that can abort the process (a stack overflow) or
// hang it (a blocking open) run in a child process of this test binary, so the abort or the
// hang is this test's failure and not the end of the suite.

/// Set in a child process to the name of the `#[ignore]`d child test it is to run.
const CHILD: &str = "COMPUTE_REGRESSION_CHILD";

/// Whether this process is the child spawned to run the test `name` (child tests return
/// at once anywhere else, `cargo test -- --ignored` included).
fn in_child(name: &str) -> bool {
    std::env::var(CHILD).is_ok_and(|v| v == name)
}

/// How a child process ended.
struct Child {
    /// It exited successfully and its test passed.
    passed: bool,
    report: String,
}

/// Runs the `#[ignore]`d test `name` of this binary in a child process, after `configure`
/// has set its environment and directory; kills it after `limit`.
fn run_child(name: &str, limit: Duration, configure: impl FnOnce(&mut Command)) -> Child {
    let exe = std::env::current_exe().expect("test binary path");
    let mut command = Command::new(exe);
    command
        .args([
            "--exact",
            name,
            "--ignored",
            "--test-threads=1",
            "--nocapture",
        ])
        .env(CHILD, name)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    configure(&mut command);
    let start = Instant::now();
    let mut child = command.spawn().expect("spawn the test binary");
    let drain = |mut pipe: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut text = Vec::new();
            let _ = pipe.read_to_end(&mut text);
            String::from_utf8_lossy(&text).into_owned()
        })
    };
    let stdout = drain(Box::new(child.stdout.take().expect("piped stdout")));
    let stderr = drain(Box::new(child.stderr.take().expect("piped stderr")));
    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the child") {
            break status;
        }
        if start.elapsed() > limit {
            timed_out = true;
            let _ = child.kill();
            break child.wait().expect("wait for the killed child");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let took = start.elapsed();
    let (stdout, stderr) = (stdout.join().unwrap(), stderr.join().unwrap());
    let tail = |s: &str| {
        s.chars()
            .rev()
            .take(3_000)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<String>()
    };
    Child {
        passed: !timed_out && status.success() && stdout.contains("1 passed"),
        report: format!(
            "child `{name}`: {status}{} after {took:.1?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            if timed_out {
                " (killed: past its time limit)"
            } else {
                ""
            },
            tail(&stdout),
            tail(&stderr),
        ),
    }
}

/// Runs `body` on a thread with a stack of `bytes` (as a program's main thread has 8 MiB)
/// and waits for it; a panic there is re-raised here.
fn on_stack<R: Send>(bytes: usize, body: impl FnOnce() -> R + Send) -> R {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name(format!("{} MiB stack", bytes >> 20))
            .stack_size(bytes)
            .spawn_scoped(scope, body)
            .expect("spawn a thread")
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

const MAIN_STACK: usize = 8 << 20;

// --- a. the pipeline cache key -----------------------------------------------------------

/// The GPU pipeline cache was keyed by a text that embedded a user kernel's WGSL verbatim
/// between `.`-joined instruction names, so a user kernel whose text spells out the rest of
/// another chain (after a `//`, which starts a WGSL line comment) got that chain's
/// pipeline: silently wrong answers (`[0, 0, 0]` for an identity kernel that followed
/// `custom("x //").then(Scale(3)).then(custom("x"))`), and across input counts a bind group
/// that does not match the pipeline's layout.
#[test]
fn gpu_pipeline_cache_key_does_not_collide_across_user_kernel_text() {
    let Some(device) = gpu() else { return };
    let id = |text: &str| Op::custom(text, |x: f32| x).unwrap();
    let a = [1.0_f32, 2.0, 3.0];
    let b = [10.0_f32, 20.0, 30.0];
    let sum = [11.0_f32, 22.0, 33.0];
    let mut wrong = Vec::new();
    let mut check = |what: &str, got: compute::Result<Vec<f32>>, want: &[f32]| match got {
        Ok(got) if got == want => {}
        other => wrong.push(format!("{what}: {other:?}, want {want:?}")),
    };

    // same key `in0.custom(x //).scale.custom(x)`: a chain of three ops, then one identity
    let chain = id("x //").then(Op::Scale(3.0)).then(id("x"));
    check(
        "custom(x //), Scale(3), custom(x)",
        compute::map(&device, a, chain),
        &[3.0, 6.0, 9.0],
    );
    let lookalike = id("x //).scale.custom(x");
    check(
        "custom(\"x //).scale.custom(x\") after it",
        compute::map(&device, a, lookalike),
        &a,
    );

    // same key `in0.custom(x // two).in1.bin_add.custom(x)`: two inputs first, then one
    let two = (x().apply(id("x // two")) + y()).apply(id("x"));
    check(
        "(custom(x // two)(x) + y).custom(x)",
        compute::eval(&device, two, (&a, &b)),
        &sum,
    );
    let one = x().apply(id("x // two).in1.bin_add.custom(x"));
    check("one input after it", compute::eval(&device, one, (&a,)), &a);

    // and the other way round: one input first, then two
    let one = x().apply(id("x // one).in1.bin_add.custom(x"));
    check("one input", compute::eval(&device, one, (&a,)), &a);
    let two = (x().apply(id("x // one")) + y()).apply(id("x"));
    check(
        "two inputs after it",
        compute::eval(&device, two, (&a, &b)),
        &sum,
    );

    assert!(wrong.is_empty(), "wrong answers:\n{}", wrong.join("\n"));
}

// --- b. deep expressions and long user kernels -------------------------------------------

/// `n` unary ops deep over `x`: op `k` (from 1) is `abs` for odd `k` and `-` for even `k`,
/// built without recursion. For even `n` its value is `-|x|`.
fn deep(n: usize) -> Expr<f32> {
    (1..=n).fold(x(), |e, k| if k % 2 == 1 { e.abs() } else { -e })
}

const DEEP_INPUT: [f32; 3] = [-1.5, 2.0, -3.0];
/// `deep(n)` of [`DEEP_INPUT`] for even `n`.
const DEEP_EVEN: [f32; 3] = [-1.5, -2.0, -3.0];

/// Accepts the right answer or an `Err` (printed), the two outcomes allowed to a call on a
/// pathological input; says when the call returned, so a child's report shows where it died.
fn ok_or_err<T: PartialEq + std::fmt::Debug>(what: &str, got: compute::Result<T>, want: T) {
    match got {
        Ok(got) => assert_eq!(got, want, "{what}"),
        Err(e) => eprintln!("{what}: Err({e})"),
    }
    eprintln!("{what} returned");
}

/// Runs the child test `name`, which must pass within `limit`.
fn child_must_pass(name: &str, limit: Duration) {
    let child = run_child(name, limit, |_| {});
    assert!(child.passed, "{}", child.report);
}

#[test]
#[ignore = "run in a child process by deep_expression_build_and_drop_does_not_overflow"]
fn child_deep_expression_build_and_drop() {
    if !in_child("child_deep_expression_build_and_drop") {
        return;
    }
    on_stack(MAIN_STACK, || {
        let e = deep(1_000_000);
        eprintln!("built; dropping the expression");
        drop(e);
    });
}

/// An expression is a tree of boxed nodes; dropping one 10^6 unary ops deep recursed once
/// per node and overflowed the stack (the process aborts: SIGABRT, "has overflowed its
/// stack"), even with a program's 8 MiB main-thread stack.
#[test]
fn deep_expression_build_and_drop_does_not_overflow() {
    child_must_pass(
        "child_deep_expression_build_and_drop",
        Duration::from_secs(120),
    );
}

#[test]
#[ignore = "run in a child process by deep_expression_eval_on_the_cpu_does_not_overflow"]
fn child_deep_expression_eval_on_the_cpu() {
    if !in_child("child_deep_expression_eval_on_the_cpu") {
        return;
    }
    on_stack(MAIN_STACK, || {
        let device = Device::cpu();
        let e = deep(1_000_000);
        ok_or_err(
            "eval",
            compute::eval(&device, &e, (DEEP_INPUT,)),
            DEEP_EVEN.to_vec(),
        );
        ok_or_err(
            "reduce",
            compute::reduce(&device, &e, (DEEP_INPUT,), Reduce::Sum),
            Some(-6.5),
        );
        ok_or_err("count", compute::count(&device, &e, (DEEP_INPUT,)), 3);
        eprintln!("dropping the expression");
        drop(e);
    });
}

/// `compute::eval` (and `reduce`, `count`) of an expression nested 10^6 unary ops deep on
/// the CPU walked the tree recursively (counting its inputs, building its program) and
/// overflowed an 8 MiB stack: the process aborted. Either the answer or an `Err` is right.
#[test]
fn deep_expression_eval_on_the_cpu_does_not_overflow() {
    child_must_pass(
        "child_deep_expression_eval_on_the_cpu",
        Duration::from_secs(300),
    );
}

#[test]
#[ignore = "run in a child process by gpu_deep_expression_eval_does_not_overflow"]
fn child_gpu_deep_expression_eval() {
    if !in_child("child_gpu_deep_expression_eval") {
        return;
    }
    let device = Device::gpu().expect("the parent found a GPU");
    on_stack(MAIN_STACK, || {
        let e = deep(1_000_000);
        ok_or_err(
            "eval",
            compute::eval(&device, &e, (DEEP_INPUT,)),
            DEEP_EVEN.to_vec(),
        );
        eprintln!("dropping the expression");
        drop(e);
    });
}

/// The same 10^6-deep expression on the GPU device aborted the process the same way, in
/// the front end's recursive walks before any GPU work. The answer or an `Err`, within 300 s:
/// a kernel 10^6 ops long is no reason to spend minutes in a shader compiler.
#[test]
fn gpu_deep_expression_eval_does_not_overflow() {
    if gpu().is_none() {
        return;
    }
    child_must_pass("child_gpu_deep_expression_eval", Duration::from_secs(300));
}

#[test]
#[ignore = "run in a child process by deep_expression_eval_async_does_not_overflow"]
fn child_deep_expression_eval_async() {
    if !in_child("child_deep_expression_eval_async") {
        return;
    }
    on_stack(MAIN_STACK, || {
        let device = Device::cpu();
        let got = pollster::block_on(compute::eval_async(&device, deep(50_000), (DEEP_INPUT,)));
        ok_or_err("eval_async", got, DEEP_EVEN.to_vec());
        let got = pollster::block_on(compute::count_async(&device, deep(50_000), (DEEP_INPUT,)));
        ok_or_err("count_async", got, 3);
    });
}

/// `compute::eval_async` runs the call on a thread of its own, which has the default 2 MiB
/// stack: an expression 5·10^4 unary ops deep overflowed it (and aborted the process) though
/// the caller's own stack was large.
#[test]
fn deep_expression_eval_async_does_not_overflow() {
    child_must_pass("child_deep_expression_eval_async", Duration::from_secs(120));
}

/// `x + x + ... + x`, `terms` times.
fn flat_sum(terms: usize) -> String {
    vec!["x"; terms].join(" + ")
}

/// A user kernel of a long flat sum: `Ok` (and then it computes on the CPU, with its
/// closure) or `Err`, never an abort.
fn long_custom(terms: usize) {
    let f = move |x: f32| x * terms as f32;
    match Op::custom(&flat_sum(terms), f) {
        Ok(op) => assert_eq!(
            compute::map(&Device::cpu(), [1.0_f32, 2.0], op).unwrap(),
            [terms as f32, 2.0 * terms as f32]
        ),
        Err(e) => eprintln!("custom of {terms} terms: Err({e})"),
    }
}

#[test]
#[ignore = "run in a child process by custom_kernel_of_a_long_flat_sum_does_not_overflow"]
fn child_custom_sum_of_20000_terms() {
    if !in_child("child_custom_sum_of_20000_terms") {
        return;
    }
    on_stack(MAIN_STACK, || long_custom(20_000));
}

#[test]
#[ignore = "run in a child process by custom_kernel_of_a_long_flat_sum_does_not_overflow"]
fn child_custom_sum_of_5000_terms_on_a_2_mib_stack() {
    if !in_child("child_custom_sum_of_5000_terms_on_a_2_mib_stack") {
        return;
    }
    on_stack(2 << 20, || long_custom(5_000));
}

/// `Op::custom` checks its WGSL with naga, whose WGSL parser recurses once per binary
/// operator: a flat sum of 20,000 terms (`x + x + ... + x`) overflowed an 8 MiB
/// stack, and 5,000 terms a 2 MiB one (a spawned thread's default): the process aborted.
#[test]
fn custom_kernel_of_a_long_flat_sum_does_not_overflow() {
    let reports: Vec<String> = [
        "child_custom_sum_of_20000_terms",
        "child_custom_sum_of_5000_terms_on_a_2_mib_stack",
    ]
    .into_iter()
    .map(|name| run_child(name, Duration::from_secs(120), |_| {}))
    .filter(|child| !child.passed)
    .map(|child| child.report)
    .collect();
    assert!(reports.is_empty(), "{}", reports.join("\n\n"));
}

// --- c. sigmoid far out ------------------------------------------------------------------

/// Sigmoid in f64 without overflow: `e^x / (1 + e^x)` below 0.
fn sigmoid_ref(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// Units in the last place between two non-negative finite floats (subnormals included).
fn ulps_apart(a: f32, b: f32) -> u32 {
    a.to_bits().abs_diff(b.to_bits())
}

/// `start, start + step, ..., <= end`.
fn sweep(start: f32, end: f32, step: f32) -> impl Iterator<Item = f32> {
    let n = ((end - start) / step).round() as usize;
    (0..=n).map(move |i| start + i as f32 * step)
}

/// The CPU's `Sigmoid` was `1 / (1 + exp(-x))`: `exp(-x)` overflows to infinity for
/// x < -88.72 in f32, so the result was 0 where the answer is a tiny positive number
/// (2.2e-39 at -89, subnormal down to -103.9); the same in f64 below -709.78. The CPU
/// promises 4 ULP for transcendentals.
#[test]
fn sigmoid_stays_within_4_ulp_where_exp_of_minus_x_overflows() {
    let device = Device::cpu();
    let xs: Vec<f32> = sweep(-110.0, -80.0, 1.0 / 1024.0)
        .chain(sweep(-20.0, 20.0, 1.0 / 256.0))
        .chain(sweep(20.0, 100.0, 1.0 / 16.0))
        .chain([-1e3, -200.0, 1e3, 1e10, f32::MAX, -f32::MAX])
        .collect();
    let mut bad = Vec::new();
    // one call of many elements (blocks) and one small call (the calling thread's path)
    for (got, xs) in [
        (compute::map(&device, &xs, Op::Sigmoid).unwrap(), &xs[..]),
        (
            compute::map(&device, [-89.0_f32], Op::Sigmoid).unwrap(),
            &[-89.0][..],
        ),
    ] {
        for (&x, &got) in xs.iter().zip(&got) {
            let want = sigmoid_ref(f64::from(x)) as f32;
            if !(got >= 0.0 && got.is_finite() && ulps_apart(got, want) <= 4) {
                bad.push(format!("sigmoid({x}) = {got:e}, want {want:e}"));
            }
        }
    }
    // f64: exp(-x) overflows below -709.78; the answer is e^x, subnormal from -708.4
    for x in [-709.0_f64, -710.0, -720.0, -740.0] {
        let got = compute::map(&device, [x], Op::Sigmoid).unwrap()[0];
        let want = sigmoid_ref(x);
        if !(got > 0.0 && got.to_bits().abs_diff(want.to_bits()) <= 4) {
            bad.push(format!("f64 sigmoid({x}) = {got:e}, want {want:e}"));
        }
    }
    assert!(
        bad.is_empty(),
        "{} of {} values off by more than 4 ULP, e.g.\n{}",
        bad.len(),
        xs.len() + 5,
        bad[..bad.len().min(12)].join("\n")
    );
}

/// The GPU's `Sigmoid` clamped x to [-88, 88] before `1 / (1 + exp(-x))`, so every x below
/// -88 gave sigmoid(-88) = 6.05e-39 (where the answer at -100 is 3.7e-44). WGSL lets a
/// subnormal answer flush to 0, so below -88.72 the result must be 0 or within the bound
/// of its composition (`exp`'s 3 + 2|x| ULP, the division's 2.5, rounding: 6 + 2|x| ULP of
/// the answer, in units of 2^-149 below 2^-126); where the answer is normal (x = -87) it
/// must be within that bound and not 0; and never negative or NaN.
#[test]
fn gpu_sigmoid_is_not_clamped_below_minus_88() {
    let Some(device) = gpu() else { return };
    let xs: Vec<f32> = sweep(-110.0, -80.0, 1.0 / 64.0)
        .chain([-87.0, -89.0, -100.0])
        .collect();
    let got = compute::map(&device, &xs, Op::Sigmoid).unwrap();
    let mut bad = Vec::new();
    for (&x, &got) in xs.iter().zip(&got) {
        let want = sigmoid_ref(f64::from(x)) as f32;
        let bound = 6.0 + 2.0 * f64::from(x).abs();
        let normal = want >= f32::MIN_POSITIVE;
        let within = f64::from(ulps_apart(got, want)) <= bound;
        let ok = got >= 0.0 && got.is_finite() && (within || (!normal && got == 0.0));
        if !ok {
            bad.push(format!(
                "sigmoid({x}) = {got:e}, want {want:e} (bound {bound} ULP)"
            ));
        }
    }
    assert!(
        bad.is_empty(),
        "{} of {} values wrong, e.g.\n{}",
        bad.len(),
        xs.len(),
        bad[..bad.len().min(12)].join("\n")
    );
}

// --- d. the cost cache file --------------------------------------------------------------

/// A fresh, empty scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("compute-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create a scratch directory");
    dir
}

/// The cost files (`costs-*`) anywhere under `dir`.
fn cost_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(dir) = todo.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("costs-"))
            {
                found.push(path.clone());
            }
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                todo.push(path);
            }
        }
    }
    found
}

#[test]
#[ignore = "run in child processes by the cost cache tests"]
fn child_auto_any_has_a_cost_model() {
    if !in_child("child_auto_any_has_a_cost_model") {
        return;
    }
    let device = Device::auto_any();
    let model = device.cost_model().expect("a GPU adapter, so a cost model");
    eprintln!("cost model {model:?}");
}

/// Makes an `auto_any()` device in a child process with `env` set (`None`: removed), in the
/// directory `cwd`; it must have its cost model within 60 s.
fn auto_any_in_child(env: &[(&str, Option<&Path>)], cwd: &Path) -> Child {
    run_child(
        "child_auto_any_has_a_cost_model",
        Duration::from_secs(60),
        |command| {
            command.current_dir(cwd);
            for (key, value) in env {
                match value {
                    Some(value) => command.env(key, value),
                    None => command.env_remove(key),
                };
            }
        },
    )
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    use std::os::unix::ffi::OsStrExt as _;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).expect("no NUL in the path");
    // SAFETY: `c` is a valid NUL-terminated path that outlives the call.
    let rc = unsafe { libc::mkfifo(c.as_ptr(), 0o600) };
    assert_eq!(
        rc,
        0,
        "mkfifo {}: {}",
        path.display(),
        std::io::Error::last_os_error()
    );
}

/// The cost model's cache file was opened with `read_to_string`, whatever it was: a FIFO in
/// its place blocked `Device::auto_any()` forever (the open waits for a writer that never
/// comes). A FIFO, a 100 MB file of garbage or a directory by that name must each cost one
/// measurement, not a hang or a crash; the garbage is then replaced by a sound cache file.
#[test]
#[cfg(unix)]
fn gpu_cost_cache_that_is_a_fifo_does_not_block_auto_any() {
    if gpu().is_none() {
        return;
    }
    let dir = scratch("cost-fifo");
    let cwd = scratch("cost-fifo-cwd");
    let env = [("COMPUTE_CACHE_DIR", Some(dir.as_path()))];
    let first = auto_any_in_child(&env, &cwd);
    assert!(first.passed, "{}", first.report);
    let file = match &cost_files(&dir)[..] {
        [file] => file.clone(),
        other => panic!("want one cost file in {}, found {other:?}", dir.display()),
    };
    let mut failures = Vec::new();

    std::fs::remove_file(&file).unwrap();
    mkfifo(&file);
    for run in ["a FIFO", "a FIFO, again"] {
        let child = auto_any_in_child(&env, &cwd);
        if !child.passed {
            failures.push(format!("cache file is {run}: {}", child.report));
            break; // a hung child leaves the FIFO in place
        }
    }

    let _ = std::fs::remove_file(&file);
    let garbage: Vec<u8> = (0..100_u32 << 20)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    std::fs::write(&file, garbage).unwrap();
    let child = auto_any_in_child(&env, &cwd);
    if !child.passed {
        failures.push(format!("cache file is 100 MB of garbage: {}", child.report));
    } else {
        let text = std::fs::read(&file).unwrap_or_default();
        if !(text.len() < 4096 && text.starts_with(b"compute cost model v1\n")) {
            failures.push(format!(
                "100 MB of garbage was not replaced by a sound cache file ({} bytes)",
                text.len()
            ));
        }
    }

    let _ = std::fs::remove_file(&file);
    std::fs::create_dir_all(file.join("inside")).unwrap();
    for run in ["a directory", "a directory, again"] {
        let child = auto_any_in_child(&env, &cwd);
        if !child.passed {
            failures.push(format!("cache file is {run}: {}", child.report));
        }
    }

    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&cwd);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// `COMPUTE_CACHE_DIR=""` (set but empty) was taken as the directory "", so the cost file was
/// written into the current directory; `XDG_CACHE_HOME=""` gave `./compute/`. An empty
/// variable means unset, as the XDG base directory spec says: the next place is used.
#[test]
fn gpu_empty_cache_dir_variables_mean_unset() {
    if gpu().is_none() {
        return;
    }
    let (xdg, home, cwd) = (
        scratch("cost-xdg"),
        scratch("cost-home"),
        scratch("cost-cwd"),
    );
    let empty = Path::new("");
    let mut failures = Vec::new();
    let (xdg_dir, home_dir) = (Some(xdg.as_path()), Some(home.as_path()));
    let cases = [
        (
            "COMPUTE_CACHE_DIR=\"\"",
            [
                ("COMPUTE_CACHE_DIR", Some(empty)),
                ("XDG_CACHE_HOME", xdg_dir),
                ("HOME", home_dir),
            ],
            xdg.join("compute"),
        ),
        (
            "XDG_CACHE_HOME=\"\"",
            [
                ("COMPUTE_CACHE_DIR", None),
                ("XDG_CACHE_HOME", Some(empty)),
                ("HOME", home_dir),
            ],
            home.join(".cache/compute"),
        ),
        (
            "COMPUTE_CACHE_DIR=\"\" XDG_CACHE_HOME=\"\"",
            [
                ("COMPUTE_CACHE_DIR", Some(empty)),
                ("XDG_CACHE_HOME", Some(empty)),
                ("HOME", home_dir),
            ],
            home.join(".cache/compute"),
        ),
    ];
    for (what, env, want_dir) in cases {
        let child = auto_any_in_child(&env, &cwd);
        if !child.passed {
            failures.push(format!("{what}: {}", child.report));
            continue;
        }
        let stray = cost_files(&cwd);
        if !stray.is_empty() {
            failures.push(format!(
                "{what}: cost file written under the current directory: {stray:?}"
            ));
        }
        if cost_files(&want_dir).is_empty() {
            failures.push(format!("{what}: no cost file in {}", want_dir.display()));
        }
        for dir in [&xdg, &home, &cwd] {
            let _ = std::fs::remove_dir_all(dir);
            std::fs::create_dir_all(dir).unwrap();
        }
    }
    for dir in [&xdg, &home, &cwd] {
        let _ = std::fs::remove_dir_all(dir);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// --- f. expressions of constants alone ---------------------------------------------------

/// `None` when `got` is `Err(MissingInput { index: 0, given: 0 })`, else what it was.
fn missing<T: std::fmt::Debug>(what: &str, got: compute::Result<T>) -> Option<String> {
    match got {
        Err(Error::MissingInput { index: 0, given: 0 }) => None,
        other => Some(format!("{what}: {other:?}")),
    }
}

/// An expression of constants alone reads input 0 for its length, so with no input array it
/// is `MissingInput { index: 0, given: 0 }`. `Array::eval` said so, but `compute::eval`
/// returned `Ok([])` (and `reduce` and `count` an empty fold): one rule for both.
#[test]
fn expression_of_constants_without_inputs_is_missing_input() {
    let none: [&[f32]; 0] = [];
    let c = || constant(1.0_f32);
    let mut wrong = Vec::new();
    for (on, device) in [("cpu", Device::cpu()), ("auto", Device::auto())] {
        let name = |what: &str| format!("{what} on {on}()");
        wrong.extend([
            missing(&name("eval"), compute::eval(&device, c(), none)),
            missing(
                &name("reduce Sum"),
                compute::reduce(&device, c(), none, Reduce::Sum),
            ),
            missing(
                &name("reduce Max"),
                compute::reduce(&device, c(), none, Reduce::Max),
            ),
            missing(&name("count"), compute::count(&device, c(), none)),
            missing(
                &name("eval_async"),
                pollster::block_on(compute::eval_async(&device, c(), none)),
            ),
        ]);
    }
    wrong.extend([
        missing("Array::eval", Array::eval(c(), &[])),
        missing("Array::reduce", Array::reduce(c(), &[], Reduce::Sum)),
        missing("Array::count", Array::count(c(), &[])),
    ]);
    let wrong: Vec<String> = wrong.into_iter().flatten().collect();
    assert!(
        wrong.is_empty(),
        "want Err(MissingInput {{ index: 0, given: 0 }}):\n{}",
        wrong.join("\n")
    );
}

/// f64 `arccosh` just above 1 and `arctanh` near −1 were std's formulas, 1,552 and 25+ ULP from
/// the exact value there (found by the GPU's f64 kernels, which disagreed); now fdlibm's on
/// both backends. Each answer here is the correctly rounded one (mpmath, 200 bits).
#[test]
fn f64_arccosh_near_1_and_arctanh_near_minus_1_are_within_their_bound() {
    let ulps = |a: f64, b: f64| (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs();
    let cases: [(Op<f64>, f64, f64); 9] = [
        (Op::Arccosh, 1.0030265087277712, 0.0777815316488401),
        (Op::Arccosh, 1.0000001, 0.0004472135919037347),
        (Op::Arccosh, 1.5, 0.9624236501192069),
        (Op::Arccosh, 1.9999999, 1.3169578391897878),
        (Op::Arctanh, -0.9823581941619515, -2.360885502522118),
        (Op::Arctanh, -0.999999, -7.254328619247669),
        (Op::Arctanh, 0.9999999999, 11.859499013855018),
        (Op::Arctanh, -0.3, -0.3095196042031117),
        (Op::Arctanh, 0.7, 0.8673005276940531),
    ];
    let mut devices = vec![Device::cpu()];
    devices.extend(gpu().filter(|d| d.gpu_runs::<f64>()));
    for device in &devices {
        for (op, x, want) in &cases {
            let got = compute::map(device, [*x], op.clone()).unwrap()[0];
            assert!(ulps(got, *want) <= 2, "{op:?}({x}) = {got}, want {want}");
        }
    }
}

/// The GPU's f64 Payne–Hanek reduction kept only the top 53 bits of the fraction of a
/// quarter turn: where x is just off a multiple of π/2 (the fraction below 2^-11) the
/// reduced argument lost its tail, `cos(5.319372648326541e255)` 0.95 ULP off (found by
/// review). Now normalized first: at these hard cases the GPU gives the CPU's bits,
/// which is within 1 ULP of exact there.
#[test]
fn gpu_f64_sin_cos_of_huge_arguments_keep_the_reduced_tail() {
    let Some(device) = gpu().filter(|d| d.gpu_runs::<f64>()) else {
        return;
    };
    let hard = [
        5.319372648326541e255,
        6381956970095103.0 * 2f64.powi(797),
        f64::MAX,
        1e22,
        -1e300,
        2f64.powi(21) + 0.5,
    ];
    for op in [Op::Sin, Op::Cos, Op::Tan] {
        let gpu = compute::map(&device, hard, op.clone()).unwrap();
        let cpu = compute::map(&Device::cpu(), hard, op.clone()).unwrap();
        for ((g, c), x) in gpu.iter().zip(&cpu).zip(&hard) {
            let ulps = (g.to_bits() as i64 - c.to_bits() as i64).unsigned_abs();
            assert!(
                ulps == 0,
                "{op:?}({x:e}): GPU {g:e}, CPU {c:e} ({ulps} ULP)"
            );
        }
    }
}
