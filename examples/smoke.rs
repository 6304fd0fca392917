fn main() {
    let gpu = compute::Device::gpu();
    println!("{:?}", gpu.as_ref().map(|d| d.gpu_name()));
    let gpu = gpu.unwrap();
    let x: Vec<f32> = (0..1000).map(|i| i as f32).collect();
    let y = compute::map(
        &gpu,
        &x,
        compute::Op::Scale(2.0)
            .then(compute::Op::Add(1.0))
            .then(compute::Op::Sqrt),
    );
    println!("{:?}", y.map(|v| v[..5].to_vec()));
    let a: Vec<i32> = vec![7, -7, i32::MIN, 5, 3];
    let b: Vec<i32> = vec![2, 2, -1, 0, -2];
    println!("{:?}", compute::zip(&gpu, &a, &b, compute::BinOp::Div));
    println!("{:?}", compute::zip(&gpu, &a, &b, compute::BinOp::Pow));
    println!(
        "{:?}",
        compute::map(&gpu, &a, compute::Op::Neg.then(compute::Op::Abs))
    );
}
