//! The kernel description both backends run: a small postfix program over the inputs'
//! elements, scalar constants and ops. A chain of ops, a `zip` and a whole expression of
//! several arrays are each one program, so the CPU makes one pass over memory and the GPU
//! one dispatch.

use crate::element::Element;
use crate::error::{Error, Result};
use crate::expr::{Expr, Node};
use crate::op::{BinOp, Cmp, Op};

/// Most input arrays one kernel reads (bounded by the storage bindings a GPU stage is sure to have).
pub const MAX_INPUTS: usize = 4;

/// Most values a program keeps alive at once (its evaluation stack depth).
pub(crate) const MAX_DEPTH: usize = 16;

/// One instruction, in postfix order.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Instr<'a, T> {
    /// Element `i` of input `k`.
    Input(u8),
    /// A scalar; on the GPU it travels in the parameter uniform.
    Const(T),
    /// A unary op on the top value (never a chain: chains are flattened).
    Op(&'a Op<T>),
    /// A binary op on the top two values (left below right).
    Bin(BinOp),
    /// A comparison of the top two values (left below right): 1 or 0.
    Cmp(Cmp),
}

/// A kernel's program as up to three leading instructions, ops, then general code.
type Parts<'a, 'k, T> = ([Option<Instr<'a, T>>; 3], &'a [Op<T>], &'k [Instr<'a, T>]);

/// A checked, fused element-wise program. `map` and `zip`, the shapes almost every call
/// has, are kept in a form that costs no allocation to build; an expression is a postfix
/// program of any shape. [`Kernel::instrs`] gives every kernel as a postfix program.
#[derive(Clone, Debug)]
pub(crate) enum Kernel<'a, T> {
    /// Input 0, then each op in order.
    Map(&'a [Op<T>]),
    /// Inputs 0 and 1 combined by the op.
    Zip(BinOp),
    /// Any program.
    Program {
        code: Vec<Instr<'a, T>>,
        arity: usize,
    },
}

impl<'a, T: Element> Kernel<'a, T> {
    /// The kernel of `map(data, op)`: input 0, then every step of `op`.
    pub(crate) fn map(op: &'a Op<T>) -> Self {
        Kernel::Map(op.steps())
    }

    /// The kernel of `zip(a, b, op)`.
    pub(crate) fn zip(op: BinOp) -> Self {
        Kernel::Zip(op)
    }

    /// The checked kernel of an expression (an op not defined for `T` is an error); its arity
    /// is one more than the highest input it names (at least 1).
    pub(crate) fn expr(expr: &'a Expr<T>) -> Result<Self> {
        fn walk<'a, T: Element>(node: &'a Node<T>, code: &mut Vec<Instr<'a, T>>) {
            match node {
                Node::Input(k) => code.push(Instr::Input(*k)),
                Node::Const(c) => code.push(Instr::Const(*c)),
                Node::Unary(op, arg) => {
                    walk(arg, code);
                    code.extend(op.steps().iter().map(Instr::Op));
                }
                Node::Binary(op, left, right) => {
                    walk(left, code);
                    walk(right, code);
                    code.push(Instr::Bin(*op));
                }
                Node::Compare(cmp, left, right) => {
                    walk(left, code);
                    walk(right, code);
                    code.push(Instr::Cmp(*cmp));
                }
            }
        }
        let mut code = Vec::new();
        walk(expr.node(), &mut code);
        let arity = code
            .iter()
            .filter_map(|i| match i {
                Instr::Input(k) => Some(usize::from(*k) + 1),
                _ => None,
            })
            .max()
            // an expression of constants alone still reads (and ignores) input 0, whose
            // length sets the output's
            .unwrap_or(1);
        let kernel = Self::program(code, arity)?;
        kernel.check()?;
        Ok(kernel)
    }

    /// The kernel that is 1 where this one's value is nonzero and 0 where it is zero; NaN
    /// is nonzero, as in numpy's `count_nonzero`. A comparison already is.
    pub(crate) fn nonzero(&self) -> Result<Self> {
        let mut code: Vec<Instr<'a, T>> = self.instrs().collect();
        if !matches!(code.last(), Some(Instr::Cmp(_))) {
            code.extend([Instr::Const(T::ZERO), Instr::Cmp(Cmp::Ne)]);
        }
        Self::program(code, self.arity())
    }

    /// A general program, if it fits the evaluation stack.
    fn program(code: Vec<Instr<'a, T>>, arity: usize) -> Result<Self> {
        let kernel = Kernel::Program { code, arity };
        if kernel.depth() > MAX_DEPTH {
            return Err(Error::Unsupported {
                what: format!("an expression nested deeper than {MAX_DEPTH} values"),
            });
        }
        Ok(kernel)
    }

    /// The program's instructions in order.
    pub(crate) fn instrs(&self) -> impl Iterator<Item = Instr<'a, T>> + '_ {
        let (prefix, steps, code): Parts<'a, '_, T> = match self {
            Kernel::Map(steps) => ([Some(Instr::Input(0)), None, None], steps, &[]),
            Kernel::Zip(op) => {
                let zip = [Instr::Input(0), Instr::Input(1), Instr::Bin(*op)];
                (zip.map(Some), &[], &[])
            }
            Kernel::Program { code, .. } => ([None; 3], &[], code),
        };
        prefix
            .into_iter()
            .flatten()
            .chain(steps.iter().map(Instr::Op))
            .chain(code.iter().copied())
    }

    /// The loops the CPU runs over a block: one per op, binary op and comparison (at least 1).
    pub(crate) fn passes(&self) -> usize {
        let passes = match self {
            Kernel::Map(steps) => steps.len(),
            Kernel::Zip(_) => 1,
            Kernel::Program { code, .. } => code
                .iter()
                .filter(|i| !matches!(i, Instr::Input(_) | Instr::Const(_)))
                .count(),
        };
        passes.max(1)
    }

    /// How many input arrays the kernel reads.
    pub(crate) fn arity(&self) -> usize {
        match self {
            Kernel::Map(_) => 1,
            Kernel::Zip(_) => 2,
            Kernel::Program { arity, .. } => *arity,
        }
    }

    /// The most values alive at once while the program runs.
    pub(crate) fn depth(&self) -> usize {
        let (mut depth, mut most) = (0usize, 0usize);
        for instr in self.instrs() {
            match instr {
                Instr::Input(_) | Instr::Const(_) => depth += 1,
                Instr::Op(_) => {}
                Instr::Bin(_) | Instr::Cmp(_) => depth = depth.saturating_sub(1),
            }
            most = most.max(depth);
        }
        most
    }

    /// Rejects an op that is not defined for `T`, before any work starts.
    pub(crate) fn check(&self) -> Result<()> {
        match self {
            Kernel::Map(steps) => steps.iter().try_for_each(Op::check),
            Kernel::Zip(_) => Ok(()),
            Kernel::Program { code, .. } => code.iter().try_for_each(|instr| match instr {
                Instr::Op(op) => op.check(),
                _ => Ok(()),
            }),
        }
    }

    /// Compute weight per element against one multiply (see [`Op::cost`]); loads and
    /// constants weigh nothing here, the cost model counts their bytes instead. At least 1.
    pub(crate) fn cost(&self) -> usize {
        let weight = match self {
            Kernel::Map(steps) => steps.iter().map(Op::cost).sum(),
            Kernel::Zip(op) => op.cost(),
            Kernel::Program { code, .. } => code
                .iter()
                .map(|instr| match instr {
                    Instr::Op(op) => op.cost(),
                    Instr::Bin(op) => op.cost(),
                    Instr::Cmp(_) => 1,
                    Instr::Input(_) | Instr::Const(_) => 0,
                })
                .sum(),
        };
        weight.max(1)
    }

    /// The kernel's shape, without its parameter values: two kernels with the same shape
    /// share one GPU pipeline (`Scale(2)` and `Scale(3)` do).
    pub(crate) fn shape(&self) -> String {
        let mut shape = String::new();
        for instr in self.instrs() {
            if !shape.is_empty() {
                shape.push('.');
            }
            match instr {
                Instr::Input(k) => shape.push_str(&format!("in{k}")),
                Instr::Const(_) => shape.push('c'),
                Instr::Op(op) => shape.push_str(&op.shape()),
                Instr::Bin(op) => {
                    shape.push_str("bin_");
                    shape.push_str(op.name());
                }
                Instr::Cmp(cmp) => {
                    shape.push_str("cmp_");
                    shape.push_str(cmp.name());
                }
            }
        }
        shape
    }

    /// Every scalar of the program, in order: constants and the ops' parameters.
    pub(crate) fn params(&self) -> impl Iterator<Item = T> + '_ {
        self.instrs().flat_map(|instr| {
            let (constant, op) = match instr {
                Instr::Const(c) => (Some(c), None),
                Instr::Op(op) => (None, Some(op.params().iter().copied())),
                Instr::Input(_) | Instr::Bin(_) | Instr::Cmp(_) => (None, None),
            };
            constant.into_iter().chain(op.into_iter().flatten())
        })
    }
}
