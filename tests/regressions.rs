//! One test per bug found, named after what broke.

mod common;

use common::gpu;
use compute::{BinOp, Op};

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
