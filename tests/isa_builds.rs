//! Every CPU build (portable, AVX2 + FMA, AVX-512; those this CPU has) gives the same answers
//! bit for bit: every op of the table on f32, f64 and i32, an expression, and every
//! reduction, at odd lengths, on data with NaN, ±inf, ±0, subnormals and huge values (the
//! far path of sin and cos). One test, since the build choice is process-wide.
#![allow(clippy::eq_op)] // `v != v` is how a generic test finds NaN

use compute::expr::{input, where_, x, y};
use compute::testing::{force_isa, Isa};
use compute::{Device, Element, Op, Reduce};

/// Values that stress every op: the edges, then a spread over many magnitudes and signs.
fn data<T: Element + From<f32>>(len: usize, salt: u64) -> Vec<T> {
    let edges = [
        f32::NAN,
        f32::INFINITY,
        f32::NEG_INFINITY,
        0.0,
        -0.0,
        f32::from_bits(1),
        -1e-40,
        f32::MAX,
        f32::MIN,
        3.0e7,
        -1.0e30,
        88.7,
        -104.0,
    ];
    let mut state = 0x9E37_79B9_7F4A_7C15_u64 ^ salt;
    (0..len)
        .map(|i| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let v = if i % 97 < edges.len() && i % 3 == 0 {
                edges[i % 97]
            } else {
                let m = (state >> 40) as f32 / (1u64 << 24) as f32 - 0.5;
                m * 2f32.powi((state % 24) as i32 - 6)
            };
            T::from(v)
        })
        .collect()
}

/// Bit patterns of a result, NaNs made one (NaN payloads are not an answer).
fn bits<T: Element>(values: &[T]) -> Vec<u8> {
    let mut out = Vec::new();
    for v in values {
        #[allow(clippy::eq_op)]
        if v != v {
            out.extend_from_slice(b"NaN!");
        } else {
            out.extend_from_slice(bytemuck::bytes_of(v));
        }
    }
    out
}

/// Every answer of one build: each op, each binary op, an expression, each reduction.
fn answers<T: Element + From<f32>>(device: &Device) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for len in [1usize, 7, 16, 17, 63, 64, 65, 129, 4095, 4097, 20_001] {
        let (a, b) = (data::<T>(len, 1), data::<T>(len, 2));
        for op in compute::testing::ops(T::from(2.5)) {
            if let Ok(v) = compute::map(device, &a, op) {
                out.push(bits(&v));
            }
        }
        for op in compute::testing::binops() {
            if let Ok(v) = compute::zip(device, &a, &b, op) {
                out.push(bits(&v));
            }
        }
        let e = (x() * y() + x().sin()).max(y().exp() - T::from(1.0));
        out.push(bits(
            &compute::eval(device, &e, (&a, &b)).unwrap_or_default(),
        ));
        // a step inside the loop of a sum with products, tile by tile (`Fusion::trailing`)
        for e in [
            (x() * x() + y() * y()).sqrt(),
            (x() * T::from(3.0) + y()).exp(),
            (y() - x() * y()).sin(),
        ] {
            out.push(bits(
                &compute::eval(device, &e, (&a, &b)).unwrap_or_default(),
            ));
        }
        // selects whose computed choice is a register they keep values of (the AVX2 build
        // runs these through a stack buffer, `fused::staged`), by a comparison or a mask
        let m: Vec<T> = (0..len)
            .map(|i| T::from((i % 3 == 0) as u8 as f32))
            .collect();
        let two = || T::from(2.0);
        for e in [
            where_(x().gt(y()), x() * two(), y()),
            where_(x().gt(y()), y(), x() * two()),
            where_(input(2), x() * two(), y()),
            where_(input(2), y(), x() * two()),
            // a choice negated as the select reads it (`Fusion::deferred`)
            where_(x().gt(two()), x(), -y()),
            where_(x().lt(y()), -x(), two()),
        ] {
            out.push(bits(
                &compute::eval(device, &e, (&a, &b, &m)).unwrap_or_default(),
            ));
        }
        for how in [Reduce::Sum, Reduce::Min, Reduce::Max] {
            let r = compute::reduce(device, x() * y(), (&a, &b), how)
                .ok()
                .flatten();
            out.push(bits(&r.into_iter().collect::<Vec<_>>()));
            let plain: Vec<T> = a.iter().copied().filter(|v| v == v).collect();
            let r = compute::reduce(device, x(), (&plain,), how).ok().flatten();
            out.push(bits(&r.into_iter().collect::<Vec<_>>()));
        }
        out.push(
            compute::count(device, x().gt(y()), (&a, &b))
                .unwrap_or(u64::MAX)
                .to_le_bytes()
                .to_vec(),
        );
        let op = Op::Scale(T::from(3.0))
            .then(Op::Sin)
            .then(Op::Add(T::from(1.0)));
        let mut c = a.clone();
        if compute::map_in_place(device, &mut c, op).is_ok() {
            out.push(bits(&c));
        }
    }
    out
}

#[test]
fn every_build_gives_the_same_answers() {
    let device = Device::cpu();
    let portable = force_isa(Isa::Portable);
    assert_eq!(portable, Isa::Portable);
    let want32 = answers::<f32>(&device);
    let want64 = answers::<f64>(&device);
    let wanti: Vec<Vec<u8>> = {
        let a: Vec<i32> = (0..5000).map(|i| (i * 7919 % 20011) - 10_000).collect();
        compute::testing::ops(3)
            .into_iter()
            .filter_map(|op| compute::map(&device, &a, op).ok())
            .map(|v| bits(&v))
            .collect()
    };
    for isa in [Isa::Avx2, Isa::Avx512] {
        let got = force_isa(isa);
        eprintln!("comparing the {got:?} build with the portable one");
        assert!(
            answers::<f32>(&device) == want32,
            "{got:?}: f32 answers differ"
        );
        assert!(
            answers::<f64>(&device) == want64,
            "{got:?}: f64 answers differ"
        );
        let a: Vec<i32> = (0..5000).map(|i| (i * 7919 % 20011) - 10_000).collect();
        let goti: Vec<Vec<u8>> = compute::testing::ops(3)
            .into_iter()
            .filter_map(|op| compute::map(&device, &a, op).ok())
            .map(|v| bits(&v))
            .collect();
        assert!(goti == wanti, "{got:?}: i32 answers differ");
    }
}
