//! Bad input gets a clear `Err` before any work, on every backend, and loses nothing.

mod common;

use common::gpu;
use compute::{BinOp, Device, Error, Op};

fn devices() -> Vec<Device> {
    let mut devices = vec![Device::cpu(), Device::auto()];
    devices.extend(gpu());
    devices
}

#[test]
fn unequal_lengths_are_an_error_before_any_work() {
    for device in devices() {
        let a = vec![1.0_f32; 10];
        let b = vec![1.0_f32; 9];
        let err = compute::zip(&device, &a, &b, BinOp::Add).unwrap_err();
        assert!(
            matches!(err, Error::LengthMismatch { left: 10, right: 9 }),
            "{err:?}"
        );
        assert!(
            err.to_string().contains("10") && err.to_string().contains('9'),
            "{err}"
        );
        let err = compute::zip(&device, Vec::<i32>::new(), [1], BinOp::Add).unwrap_err();
        assert!(
            matches!(err, Error::LengthMismatch { left: 0, right: 1 }),
            "{err:?}"
        );
    }
}

#[test]
fn float_only_ops_on_integers_are_an_error_not_a_cast() {
    /// The op table's float-only ops.
    fn float_only<T: compute::Element + From<u8>>() -> Vec<Op<T>> {
        let ops: Vec<Op<T>> = compute::testing::ops(T::from(1))
            .into_iter()
            .filter(compute::testing::is_float_only)
            .collect();
        assert_eq!(ops.len(), 23, "{ops:?}");
        ops
    }
    for device in devices() {
        for (op, unsigned) in float_only::<i32>().into_iter().zip(float_only::<u32>()) {
            let err = compute::map(&device, [4, 9], op.clone()).unwrap_err();
            assert!(
                matches!(err, Error::FloatOnly { ty: "i32", .. }),
                "{op:?}: {err:?}"
            );
            assert!(err.to_string().contains("floats only"), "{err}");
            let err = compute::map(&device, [4u32], unsigned).unwrap_err();
            assert!(
                matches!(err, Error::FloatOnly { ty: "u32", .. }),
                "{op:?}: {err:?}"
            );
            // inside a chain too, and on empty input
            let err = compute::map(&device, Vec::<i32>::new(), Op::Add(1).then(op)).unwrap_err();
            assert!(matches!(err, Error::FloatOnly { .. }), "{err:?}");
        }
    }
}

#[test]
fn integer_division_by_a_zero_scalar_is_an_error() {
    for device in devices() {
        let err = compute::map(&device, [1, 2], Op::Div(0)).unwrap_err();
        assert!(
            matches!(err, Error::DivisionByZero { ty: "i32" }),
            "{err:?}"
        );
        let err = compute::map(&device, [1u32], Op::Scale(2).then(Op::Div(0))).unwrap_err();
        assert!(
            matches!(err, Error::DivisionByZero { ty: "u32" }),
            "{err:?}"
        );
        // floats divide by zero as IEEE says, on the CPU at least
        let inf = compute::map(&Device::cpu(), [1.0_f32, -1.0], Op::Div(0.0)).unwrap();
        assert_eq!(inf, [f32::INFINITY, f32::NEG_INFINITY]);
    }
}

#[test]
fn integer_negative_scalar_power_is_an_error() {
    for device in devices() {
        let err = compute::map(&device, [2, 3], Op::Pow(-1)).unwrap_err();
        assert!(matches!(err, Error::NegativePower { ty: "i32" }), "{err:?}");
        assert_eq!(compute::map(&device, [2, 3], Op::Pow(3)).unwrap(), [8, 27]);
    }
}

#[test]
fn empty_input_gives_empty_output() {
    for device in devices() {
        let out = compute::map(&device, Vec::<f32>::new(), Op::Sqrt).unwrap();
        assert!(out.is_empty());
        let out = compute::zip(&device, [0u32; 0], [0u32; 0], BinOp::Div).unwrap();
        assert!(out.is_empty());
        let out = compute::map(&device, Vec::<f64>::new(), Op::Exp).unwrap();
        assert!(
            out.is_empty(),
            "empty f64 input touches no GPU, so it is not an error"
        );
    }
}

#[test]
fn errors_are_std_errors_that_cross_threads() {
    fn assert_error<E: std::error::Error + Send + Sync + 'static>(_: &E) {}
    let err = compute::map(&Device::cpu(), [1], Op::Div(0)).unwrap_err();
    assert_error(&err);
    let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(err);
    assert!(!boxed.to_string().is_empty());
}
