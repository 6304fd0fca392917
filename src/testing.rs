//! Hooks for the crate's own tests, behind the `testing` feature: not part of the API.

use crate::device::Device;
use crate::element::Element;
use crate::ir::op::{public, BinOp, Op, Public};
use crate::ir::ops::{Prim, Types};

/// Elements per CPU block (the unit of work rayon hands out).
pub const CPU_BLOCK: usize = crate::cpu::BLOCK;

/// At or past this many elements a CPU call always goes parallel (below it, when the
/// measured costs say so: [`cpu_parallel_threshold`]).
pub const CPU_PARALLEL_MIN: usize = crate::cpu::PARALLEL_MIN;

/// The smallest length at which a CPU kernel of this op-table weight (1 for `Scale`, 10
/// for `Exp`) goes parallel on this machine, measured at first use.
pub fn cpu_parallel_threshold(weight: usize) -> usize {
    crate::cpu::parallel_threshold(weight)
}

pub use crate::cpu::isa::Isa;

/// Runs the CPU backend's loops in the build for `isa` from now on (process-wide), or in the
/// best one this CPU has if it lacks `isa`; returns the build in use. Every build must give
/// the same answers: the tests compare them.
pub fn force_isa(isa: Isa) -> Isa {
    crate::cpu::force(isa)
}

/// The build the CPU backend's loops run in now.
pub fn isa() -> Isa {
    crate::cpu::chosen()
}

/// How many cost-model calibrations this process has run.
pub fn calibrations() -> usize {
    crate::calibrate::calibrations()
}

/// Destroys `device`'s GPU, as a driver reset would: later GPU calls are
/// [`Error::DeviceLost`](crate::Error::DeviceLost) (an auto device reruns them on the CPU).
/// Every device on the same adapter is affected.
pub fn simulate_gpu_loss(device: &Device) {
    device.lose_gpu();
}

/// Every one-value op of the op table as a public [`Op`], each scalar parameter `p`, in
/// table order: what the tests enumerate, so a new op is tested without a new list.
pub fn ops<T: Element>(p: T) -> Vec<Op<T>> {
    Prim::ALL
        .iter()
        .filter_map(|&prim| match public(prim, [p; 2]) {
            Public::Op(op) => Some(op),
            Public::Bin(_) | Public::Compare | Public::Where => None,
        })
        .collect()
}

/// Every binary op of the op table as a public [`BinOp`], in table order.
pub fn binops() -> Vec<BinOp> {
    Prim::ALL
        .iter()
        .filter_map(|&prim| match public::<u32>(prim, [0; 2]) {
            Public::Bin(op) => Some(op),
            Public::Op(_) | Public::Compare | Public::Where => None,
        })
        .collect()
}

/// Whether the op table defines `op` (a one-value op) for floats only.
pub fn is_float_only<T: Element>(op: &Op<T>) -> bool {
    match op.lower() {
        crate::ir::op::Lowered::Prim(prim, _) => prim.entry().types == Types::Float,
        crate::ir::op::Lowered::Custom(_) | crate::ir::op::Lowered::Chain => false,
    }
}

/// Whether the op table defines `op` (a one-value op) for integers only.
pub fn is_integer_only<T: Element>(op: &Op<T>) -> bool {
    match op.lower() {
        crate::ir::op::Lowered::Prim(prim, _) => prim.entry().types == Types::Int,
        crate::ir::op::Lowered::Custom(_) | crate::ir::op::Lowered::Chain => false,
    }
}

/// Whether the op table defines the binary `op` for floats only.
pub fn is_float_only_bin(op: BinOp) -> bool {
    op.prim().entry().types == Types::Float
}

/// Whether the op table defines the binary `op` for integers only.
pub fn is_integer_only_bin(op: BinOp) -> bool {
    op.prim().entry().types == Types::Int
}
