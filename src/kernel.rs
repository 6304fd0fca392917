//! The kernel description both backends run: a head that produces one value per element
//! from the inputs, followed by a flat list of unary steps. A chain of ops is one kernel, so
//! the CPU makes one pass over memory and the GPU one dispatch.

use crate::element::Element;
use crate::op::{BinOp, Op};

/// How a kernel produces the first value of each element.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Head {
    /// Read element `i` of the one input.
    Load,
    /// Combine element `i` of the two inputs.
    Zip(BinOp),
}

/// A fused element-wise program: `steps` run in order on the value `head` produces.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Kernel<'a, T> {
    pub(crate) head: Head,
    pub(crate) steps: &'a [Op<T>],
}

impl<'a, T: Element> Kernel<'a, T> {
    /// The kernel of `map(data, op)`.
    pub(crate) fn map(op: &'a Op<T>) -> Self {
        Kernel {
            head: Head::Load,
            steps: op.steps(),
        }
    }

    /// The kernel of `zip(a, b, op)`.
    pub(crate) fn zip(op: BinOp) -> Self {
        Kernel {
            head: Head::Zip(op),
            steps: &[],
        }
    }

    /// How many input arrays the kernel reads.
    pub(crate) fn arity(&self) -> usize {
        match self.head {
            Head::Load => 1,
            Head::Zip(_) => 2,
        }
    }

    /// Relative cost per element against one multiply (see [`Op::cost`]).
    pub(crate) fn cost(&self) -> usize {
        let head = match self.head {
            Head::Load => 1,
            Head::Zip(op) => op.cost(),
        };
        head + self.steps.iter().map(Op::cost).sum::<usize>()
    }

    /// The kernel's shape, without its parameter values: two kernels with the same shape
    /// share one GPU pipeline (`Scale(2)` and `Scale(3)` do).
    pub(crate) fn shape(&self) -> String {
        let mut shape = match self.head {
            Head::Load => String::from("load"),
            Head::Zip(op) => format!("zip_{}", op.name()),
        };
        for op in self.steps {
            shape.push('.');
            shape.push_str(op.name());
        }
        shape
    }

    /// Every scalar parameter of every step, in order.
    pub(crate) fn params(&self) -> impl Iterator<Item = &'a T> + 'a {
        self.steps.iter().flat_map(|op| op.params().iter())
    }
}
