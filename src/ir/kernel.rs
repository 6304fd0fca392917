//! The kernel description both backends run: a small postfix program over the inputs'
//! elements, scalar constants and the op table's ops. A chain of ops, a `zip` and a whole
//! expression of several arrays are each one program, so the CPU makes one pass over memory
//! and the GPU one dispatch.

use super::op::{BinOp, Custom, Lowered, Op};
use super::ops::{Arity, Prim, Types, MAX_PARAMS};
use crate::element::{Element, Kind};
use crate::error::{Error, Result};

/// Most input arrays one kernel reads (bounded by the storage bindings a GPU stage is sure to have).
pub const MAX_INPUTS: usize = 4;

/// Most values a program keeps alive at once (its evaluation stack depth).
pub(crate) const MAX_DEPTH: usize = 16;

/// Most instructions one GPU kernel may have: far more than any formula a person writes, few
/// enough that its generated module stays small (about 40 bytes of WGSL per instruction).
/// The CPU runs programs of any length (nothing in it recurses).
pub(crate) const MAX_STEPS: usize = 10_000;

/// One instruction, in postfix order.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Instr<'a, T> {
    /// Element `i` of input `k`.
    Input(u8),
    /// A scalar; on the GPU it travels in the parameter uniform.
    Const(T),
    /// An op of the table on the top value (unary) or the top two (binary, left below
    /// right), with its scalar parameters (unused ones zero; on the GPU they travel in the
    /// parameter uniform).
    Prim(Prim, [T; MAX_PARAMS]),
    /// A user kernel on the top value.
    Custom(&'a Custom<T>),
}

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

/// The instruction of one step of a chain (chains are flattened by [`Op::then`], so a step
/// is never a chain itself; one would be malformed).
#[inline(always)]
pub(crate) fn step<T: Element>(op: &Op<T>) -> Option<Instr<'_, T>> {
    match op.lower() {
        Lowered::Prim(prim, p) => Some(Instr::Prim(prim, p)),
        Lowered::Custom(custom) => Some(Instr::Custom(custom)),
        Lowered::Chain => None,
    }
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

    /// A checked program of `arity` inputs: it fits the evaluation stack and the step limit,
    /// and every op is defined for `T`.
    pub(crate) fn program(code: Vec<Instr<'a, T>>, arity: usize) -> Result<Self> {
        let kernel = Kernel::Program { code, arity };
        kernel.check()?;
        Ok(kernel)
    }

    /// The kernel that is 1 where this one's value is nonzero and 0 where it is zero; NaN
    /// is nonzero, as in numpy's `count_nonzero`. A predicate (a comparison, `isnan`, a
    /// logical op) already is.
    pub(crate) fn nonzero(&self) -> Result<Self> {
        let mut code: Vec<Instr<'a, T>> = self.instrs().collect();
        if !self.is_predicate() {
            code.extend([
                Instr::Const(T::ZERO),
                Instr::Prim(Prim::Ne, [T::ZERO; MAX_PARAMS]),
            ]);
        }
        Self::program(code, self.arity())
    }

    /// Whether every value of the kernel is 1 or 0: its last instruction is a predicate (a
    /// comparison, `isnan`, a logical op).
    #[inline]
    pub(crate) fn is_predicate(&self) -> bool {
        let last = match self {
            Kernel::Program { code, .. } => code.last().copied(),
            _ => self.instrs().last(),
        };
        matches!(last, Some(Instr::Prim(prim, _)) if prim.entry().predicate)
    }

    /// The program's instructions in order.
    pub(crate) fn instrs(&self) -> impl Iterator<Item = Instr<'a, T>> + '_ {
        let (head, steps, code): (_, &'a [Op<T>], &[Instr<'a, T>]) = match self {
            Kernel::Map(steps) => ([Some(Instr::Input(0)), None, None], *steps, &[]),
            Kernel::Zip(op) => {
                let zip = [
                    Instr::Input(0),
                    Instr::Input(1),
                    Instr::Prim(op.prim(), [T::ZERO; MAX_PARAMS]),
                ];
                (zip.map(Some), &[], &[])
            }
            Kernel::Program { code, .. } => ([None; 3], &[], code.as_slice()),
        };
        head.into_iter()
            .flatten()
            .chain(steps.iter().filter_map(step))
            .chain(code.iter().copied())
    }

    /// How many input arrays the kernel reads.
    pub(crate) fn arity(&self) -> usize {
        match self {
            Kernel::Map(_) => 1,
            Kernel::Zip(_) => 2,
            Kernel::Program { arity, .. } => *arity,
        }
    }

    /// Rejects, before any work starts: more than [`MAX_INPUTS`] inputs, a program deeper
    /// than [`MAX_DEPTH`] values (both `Unsupported`, checked first), an op not defined for
    /// `T` (see [`check_prim`]), and a malformed program (an internal error). Any length is
    /// fine here; the GPU takes at most [`MAX_STEPS`] (see `gpu/codegen.rs`).
    #[inline]
    pub(crate) fn check(&self) -> Result<()> {
        if self.arity() > MAX_INPUTS {
            return Err(Error::TooManyInputs {
                given: self.arity(),
                max: MAX_INPUTS,
            });
        }
        match self {
            // the common case, checked without the general walk: one value throughout
            Kernel::Map(steps) => steps.iter().try_for_each(|op| match step(op) {
                Some(Instr::Prim(prim, p)) => check_prim::<T>(prim, p),
                Some(Instr::Custom(_)) => Ok(()),
                Some(Instr::Input(_) | Instr::Const(_)) | None => Err(Error::Internal {
                    what: "a chain nested in a chain".into(),
                }),
            }),
            // two inputs and a binary op of the table: nothing can be wrong
            Kernel::Zip(_) => Ok(()),
            Kernel::Program { code, arity } => {
                check_shape(code, *arity)?;
                code.iter().try_for_each(|instr| match *instr {
                    Instr::Prim(prim, p) => check_prim::<T>(prim, p),
                    Instr::Input(_) | Instr::Const(_) | Instr::Custom(_) => Ok(()),
                })
            }
        }
    }

    /// Whether a step is a user kernel that calls one of WGSL's transcendental built-ins
    /// (`exp`, `sin`, `pow`, ...), which a GPU kernel over `f64` cannot (the op table's own
    /// functions have `shaders/transcendental64.wgsl` there).
    pub(crate) fn builtin_transcendental(&self) -> bool {
        self.instrs().any(|instr| match instr {
            Instr::Custom(custom) => custom.transcendental(),
            Instr::Prim(..) | Instr::Input(_) | Instr::Const(_) => false,
        })
    }

    /// Compute weight per element against one multiply, from the op table; loads and
    /// constants weigh nothing here, the cost model counts their bytes instead. At least 1.
    pub(crate) fn cost(&self) -> usize {
        let weight: usize = self
            .instrs()
            .map(|instr| match instr {
                Instr::Prim(prim, _) => prim.entry().weight,
                // a user kernel may be anything; priced as a transcendental
                Instr::Custom(_) => crate::ir::ops::HEAVY,
                Instr::Input(_) | Instr::Const(_) => 0,
            })
            .sum();
        weight.max(1)
    }

    /// Every scalar of the program, in order: constants and the ops' parameters.
    pub(crate) fn params(&self) -> impl Iterator<Item = T> + '_ {
        self.instrs().flat_map(|instr| {
            let (values, count) = match instr {
                Instr::Const(c) => ([c, T::ZERO], 1),
                Instr::Prim(prim, p) => (p, prim.entry().params),
                Instr::Input(_) | Instr::Custom(_) => ([T::ZERO; MAX_PARAMS], 0),
            };
            values.into_iter().take(count)
        })
    }
}

/// Checks a program's shape: every input it reads exists, every op has its values, one value
/// is left, and at most [`MAX_DEPTH`] are alive at once.
fn check_shape<T>(code: &[Instr<'_, T>], arity: usize) -> Result<()> {
    let malformed = |what: &str| {
        Err(Error::Internal {
            what: format!("a kernel program that {what}"),
        })
    };
    let (mut depth, mut most) = (0usize, 0usize);
    for instr in code {
        let takes = match instr {
            Instr::Input(k) if usize::from(*k) >= arity => {
                return malformed("reads an input it does not have")
            }
            Instr::Input(_) | Instr::Const(_) => {
                depth += 1;
                most = most.max(depth);
                continue;
            }
            Instr::Custom(_) => 1,
            Instr::Prim(prim, _) => match prim.entry().arity {
                Arity::Unary => 1,
                Arity::Binary => 2,
                Arity::Ternary => 3,
            },
        };
        if depth < takes {
            return malformed("takes more values than it has");
        }
        depth -= takes - 1;
    }
    if depth != 1 {
        return malformed("does not leave exactly one value");
    }
    if most > MAX_DEPTH {
        return Err(Error::Unsupported {
            what: format!("an expression nested deeper than {MAX_DEPTH} values"),
        });
    }
    Ok(())
}

/// Rejects an op that is not defined for `T`: a float-only op (by the op table) on integers,
/// an integer-only one on floats, an integer `Div(0)`, `FloorDiv(0)` or `Mod(0)`, an integer
/// `Pow` with a negative exponent.
#[inline(always)]
fn check_prim<T: Element>(prim: Prim, p: [T; MAX_PARAMS]) -> Result<()> {
    let entry = prim.entry();
    let float = T::KIND == Kind::Float;
    if entry.types == Types::Float && !float {
        return Err(Error::FloatOnly {
            op: entry.name,
            ty: T::NAME,
        });
    }
    if entry.types == Types::Int && float {
        return Err(Error::IntegerOnly {
            op: entry.name,
            ty: T::NAME,
        });
    }
    match prim {
        Prim::DivScalar | Prim::FloorDivScalar | Prim::ModScalar if p[0].is_int_zero() => {
            Err(Error::DivisionByZero { ty: T::NAME })
        }
        Prim::PowScalar if !float && p[0].is_negative() => {
            Err(Error::NegativePower { ty: T::NAME })
        }
        _ => Ok(()),
    }
}
