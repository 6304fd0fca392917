//! The first five minutes with `compute`: the design's one line, then the four Python
//! patterns users come from, each as one call, with the backend that ran it.
//!
//! ```text
//! cargo run --release --example quickstart
//! ```

use compute::{BinOp, Device, Op};

fn main() -> Result<(), compute::Error> {
    let device = Device::auto();
    match device.gpu_name() {
        Some(gpu) => println!(
            "Device::auto(): CPU ({} threads) + GPU {gpu}",
            rayon::current_num_threads()
        ),
        None => println!(
            "Device::auto(): CPU only ({} threads; no hardware GPU, or COMPUTE_BACKEND=cpu)",
            rayon::current_num_threads()
        ),
    }

    // The design's line.
    let data = vec![1, 2, 3, 4, 5];
    let op = Op::Scale(2);
    let backend = device.choose(&op, data.len());
    let out = compute::map(&device, data, op)?;
    println!("\nmap(Scale(2)) on [1, 2, 3, 4, 5] -> {out:?}  [{backend:?}]");

    // multiprocessing.Pool.map(square, range(10**4))
    let xs: Vec<i32> = (0..10_000).collect();
    let op = Op::Square;
    let backend = device.choose(&op, xs.len());
    let squares = compute::map(&device, &xs, op)?;
    println!(
        "Pool.map(square, range(10**4))          -> [{}, {}, {}, ..., {}]  [{backend:?}]",
        squares[0], squares[1], squares[2], squares[9_999]
    );

    // concurrent.futures: executor.map(lambda x: math.sqrt(2 * x + 1), xs)
    let xs: Vec<f32> = (0..1_000_000).map(|i| i as f32).collect();
    let op = Op::Scale(2.0).then(Op::Add(1.0)).then(Op::Sqrt);
    let backend = device.choose(&op, xs.len());
    let roots = compute::map(&device, &xs, op)?;
    println!(
        "executor.map(sqrt(2x + 1), xs)          -> [{}, {}, {}, ...]  [{backend:?}, one fused pass]",
        roots[0], roots[1], roots[4]
    );

    // joblib.Parallel(n_jobs=-1)(delayed(sigmoid)(x) for x in xs)
    let xs: Vec<f32> = (-5..=5).map(|i| i as f32).collect();
    let op = Op::Sigmoid;
    let backend = device.choose(&op, xs.len());
    let sig = compute::map(&device, &xs, op)?;
    println!(
        "joblib.Parallel(delayed(sigmoid)(x))    -> [{:.4}, ..., {:.4}, ..., {:.4}]  [{backend:?}]",
        sig[0], sig[5], sig[10]
    );

    // numba.prange: for i in prange(n): out[i] = a[i] * b[i]
    let a: Vec<f32> = (0..4_000_000).map(|i| (i % 100) as f32).collect();
    let b: Vec<f32> = vec![0.5; a.len()];
    let backend = device.choose(&Op::Scale(1.0_f32), a.len());
    let prod = compute::zip(&device, &a, &b, BinOp::Mul)?;
    println!(
        "numba.prange: out[i] = a[i] * b[i]      -> [{}, {}, {}, ...]  [{backend:?}]",
        prod[0], prod[1], prod[2]
    );

    // numpy: np.count_nonzero(a > 49.5), one pass, nothing written
    let above = compute::count(&device, compute::expr::x().gt(49.5), (&a,))?;
    println!(
        "np.count_nonzero(a > 49.5)              -> {above} of {}",
        a.len()
    );

    // Clear errors instead of silent casts or panics.
    let err = compute::map(&device, vec![4, 9], Op::Sqrt).unwrap_err();
    println!("\nmap(Sqrt) on integers -> Err: {err}");
    let err = compute::zip(&device, vec![1.0_f32; 3], vec![1.0; 2], BinOp::Add).unwrap_err();
    println!("zip of unequal lengths -> Err: {err}");
    Ok(())
}
