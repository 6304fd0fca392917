//! WGSL generation: a template from `shaders/` with the element type, the parameter count and
//! the fused body substituted, plus the op helpers of the element's kind. naga checks every
//! generated kernel before any pipeline is made.

use std::fmt::Write as _;

use super::cast::{self, Io, Target};
use super::layout;
use crate::element::{Element, Kind};
use crate::error::{Error, Result};
use crate::ir::kernel::{Instr, Kernel, MAX_INPUTS, MAX_STEPS};
use crate::ir::ops::{Arity, Wgsl};
use crate::ir::reduce::Reduce;

/// The kernel template.
pub(crate) const TEMPLATE: &str = include_str!("../../shaders/elementwise.wgsl");
/// Op helpers for floats.
pub(crate) const FLOAT: &str = include_str!("../../shaders/float.wgsl");
/// Op helpers for floats built on WGSL's transcendental built-ins (`f32` kernels).
pub(crate) const TRANSCENDENTAL: &str = include_str!("../../shaders/transcendental.wgsl");
/// The same helpers for `f64` kernels, without WGSL's transcendental built-ins (naga cannot
/// write them for 64-bit floats): the crate's own algorithms in plain arithmetic.
pub(crate) const TRANSCENDENTAL64: &str = include_str!("../../shaders/transcendental64.wgsl");
/// Op helpers for integers of either sign.
pub(crate) const INT: &str = include_str!("../../shaders/int.wgsl");
/// Op helpers for signed integers (after `INT`).
pub(crate) const SINT: &str = include_str!("../../shaders/sint.wgsl");
/// Op helpers for unsigned integers (after `INT`).
pub(crate) const UINT: &str = include_str!("../../shaders/uint.wgsl");

/// The line every shader file declares its element type with.
const ALIAS: &str = "alias elem = ";
/// The lines of the helper files that depend on the element's width (the files are written
/// for 32-bit elements), with their values for 64-bit ones: the integers' width in bits, the
/// floats' format.
const WIDE_LINES: [(&str, &str); 5] = [
    ("const WIDTH: elem = ", "64"),
    ("alias bits = ", "u64"),
    ("const SIGN: bits = ", "0x8000000000000000lu"),
    ("const INF: bits = ", "0x7ff0000000000000lu"),
    ("const QUIET: bits = ", "0x7ff8000000000000lu"),
];
/// The parameter array declaration in the template.
const PARAMS: &str = "p: array<vec4<u32>, 1>,";
/// The line the input declarations follow.
const INPUTS: &str = "\n// @inputs\n";
/// The reduction's lines in the template.
const COMBINE: &str = "// @combine";
const IDENTITY: &str = "// @identity";
/// The conversion lines and type aliases of a kernel across two types.
const LOAD: &str = "// @load";
const STORE: &str = "// @store";
const LOADED: &str = "alias loaded = elem;";
const STORED: &str = "alias stored = elem;";
/// Start and end of the body that code generation fills in.
const BODY_START: &str = "// @body";
const BODY_END: &str = "// @end";

/// Replaces the `alias elem = ...;` line of `src` with `ty`, or drops it when `ty` is `None`,
/// and, for an element of 64 `bits`, sets the [`WIDE_LINES`].
fn retype(src: &str, ty: Option<&str>, bits: usize) -> String {
    let mut out = String::with_capacity(src.len() + 64);
    for line in src.lines() {
        let wide = WIDE_LINES
            .iter()
            .filter(|_| bits == 64)
            .find(|(start, _)| line.starts_with(start));
        if line.starts_with(ALIAS) {
            if let Some(ty) = ty {
                let _ = writeln!(out, "{ALIAS}{ty};");
            }
        } else if let Some((start, value)) = wide {
            let _ = writeln!(out, "{start}{value};");
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// The complete WGSL module of `kernel` for element type `T`: the program as `let` bindings,
/// each scalar read from the parameter uniform in the order of `Kernel::params`, its inputs
/// and output as `io` says.
pub(crate) fn generate<T: Element>(
    kernel: &Kernel<'_, T>,
    reduce: Option<Reduce>,
    io: Io,
) -> Result<String> {
    let ty = T::WGSL;
    check_steps(kernel)?;
    let bits = 8 * std::mem::size_of::<T>();
    let wide = bits == 64;
    if !has_kernel(kernel) {
        return Err(Error::Unsupported {
            what: format!(
                "{} user kernels that call WGSL's transcendental built-ins on the GPU (naga cannot write them for 64-bit floats; a CPU or auto device runs them)",
                T::NAME
            ),
        });
    }
    if kernel.arity() > MAX_INPUTS {
        return Err(Error::Unsupported {
            what: format!("a GPU kernel over {} input arrays", kernel.arity()),
        });
    }
    let mut body = String::new();
    let mut users = String::new();
    let (mut stack, mut next, mut slot) = (Vec::new(), 0usize, 0usize);
    let mut param = || {
        slot += 1;
        let p = format!("params.p[{}]", slot - 1);
        if wide {
            // a 64-bit scalar's low word in x, its high word in y (`dispatch::to_bits`)
            format!("bitcast<elem>((u64({p}.y) << 32u) | u64({p}.x))")
        } else {
            format!("bitcast<elem>({p}.x)")
        }
    };
    for instr in kernel.instrs() {
        let value = match instr {
            Instr::Input(k) => format!("load(in{k}[i])"),
            Instr::Const(_) => param(),
            Instr::Custom(custom) => {
                let arg = stack.pop().ok_or_else(malformed)?;
                let _ = writeln!(
                    users,
                    "fn user_{next}(x: elem) -> elem {{\n    return (\n{}\n    );\n}}",
                    custom.wgsl()
                );
                format!("user_{next}({arg})")
            }
            Instr::Prim(prim, _) => {
                let entry = prim.entry();
                let takes = match entry.arity {
                    Arity::Unary => 1,
                    Arity::Binary => 2,
                    Arity::Ternary => 3,
                };
                let at = stack.len().checked_sub(takes).ok_or_else(malformed)?;
                let args = stack.split_off(at);
                match (entry.wgsl, args.as_slice()) {
                    (Wgsl::Helper(name), args) => {
                        let mut call = format!("{name}({}", args.join(", "));
                        for _ in 0..entry.params {
                            call.push_str(", ");
                            call.push_str(&param());
                        }
                        call + ")"
                    }
                    // `!=` as "not equal": true for NaN, as IEEE and numpy have it (lavapipe
                    // compiles a float `!=` as ordered, false for NaN)
                    (Wgsl::Compare("!="), [left, right]) => {
                        format!("select(elem(1), elem(0), {left} == {right})")
                    }
                    (Wgsl::Compare(op), [left, right]) => {
                        format!("select(elem(0), elem(1), {left} {op} {right})")
                    }
                    (Wgsl::Compare(_), _) => return Err(malformed()),
                }
            }
        };
        let _ = writeln!(body, "    let t{next} = {value};");
        stack.push(format!("t{next}"));
        next += 1;
    }
    let result = stack.pop().ok_or_else(malformed)?;
    let _ = writeln!(body, "    v = {result};");

    let helpers = match T::KIND {
        Kind::Float if wide => FLOAT.to_string() + TRANSCENDENTAL64,
        Kind::Float => FLOAT.to_string() + TRANSCENDENTAL,
        Kind::Signed => INT.to_string() + SINT,
        Kind::Unsigned => INT.to_string() + UINT,
    };
    let mut inputs = String::new();
    for k in 0..kernel.arity() {
        let _ = writeln!(inputs, "{}", layout::input_declaration(k));
    }
    let template =
        retype(TEMPLATE, Some(ty), bits).replacen(INPUTS, &format!("{INPUTS}{inputs}"), 1);
    let marker = |m: &str| template.find(&format!("\n    {m}\n")).map(|at| at + 1);
    let (Some(start), Some(end)) = (marker(BODY_START), marker(BODY_END)) else {
        return Err(Error::Shader {
            message: "template lacks its `// @body` / `// @end` markers".into(),
        });
    };
    let params = format!("p: array<vec4<u32>, {}>,", slot.max(1));
    let mut src = String::with_capacity(template.len() + helpers.len() + body.len());
    src.push_str(&template[..start]);
    src.push_str(&body);
    src.push_str(&template[end + BODY_END.len() + 5..]);
    let mut src = src.replacen(PARAMS, &params, 1);
    let own = Target::of::<T>();
    let conversions = match io {
        Io::Plain => String::new(),
        Io::Load(from) => {
            src = retarget(&src, LOADED, from.wgsl, LOAD, "cast_load");
            cast::conversion("cast_load", from, own)
        }
        Io::Store(to) => {
            src = retarget(&src, STORED, to.wgsl, STORE, "cast_store");
            cast::conversion("cast_store", own, to)
        }
        Io::Truth => {
            src = retarget(&src, STORED, "u32", STORE, "truth_of");
            cast::truth("truth_of", own)
        }
    };
    if let Some(reduce) = reduce {
        let entry = reduce.entry();
        let (combine, identity) = (entry.combine, entry.identity);
        src = src
            .lines()
            .map(|line| {
                if line.ends_with(COMBINE) {
                    format!("    return {combine};\n")
                } else if line.ends_with(IDENTITY) {
                    format!("    return {identity};\n")
                } else {
                    format!("{line}\n")
                }
            })
            .collect();
    }
    Ok(src + &retype(&helpers, None, bits) + &users + &conversions)
}

/// `src` with the `alias` line set to `ty` and the line ending in `marker` returning
/// `convert(v)`.
fn retarget(src: &str, alias: &str, ty: &str, marker: &str, convert: &str) -> String {
    let name = alias.trim_end_matches("elem;");
    src.lines()
        .map(|line| {
            if line == alias {
                format!("{name}{ty};\n")
            } else if line.ends_with(marker) {
                format!("    return {convert}(v);\n")
            } else {
                format!("{line}\n")
            }
        })
        .collect()
}

/// Whether code generation writes `kernel` for `T` at all: every kernel but an `f64` one with
/// a user kernel that calls WGSL's transcendental built-ins (naga cannot write them for
/// 64-bit floats; the op table's own functions have `transcendental64.wgsl` for `f64`).
pub(crate) fn has_kernel<T: Element>(kernel: &Kernel<'_, T>) -> bool {
    T::KIND != Kind::Float || std::mem::size_of::<T>() == 4 || !kernel.builtin_transcendental()
}

/// Rejects a kernel longer than a GPU kernel may be ([`MAX_STEPS`]).
pub(crate) fn check_steps<T: Element>(kernel: &Kernel<'_, T>) -> Result<()> {
    let steps = kernel.instrs().count();
    if steps > MAX_STEPS {
        return Err(Error::Unsupported {
            what: format!("a GPU kernel of {steps} steps, more than {MAX_STEPS}"),
        });
    }
    Ok(())
}

fn malformed() -> Error {
    Error::Internal {
        what: "a malformed kernel program".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::generate;
    use crate::element::Element;
    use crate::gpu::cast::Io;
    use crate::ir::kernel::{Instr, Kernel};
    use crate::ir::op::Op;
    use crate::ir::ops::{Arity, Prim, Types};
    use crate::ir::reduce::Reduce;
    use crate::wgsl_check::validate;

    /// One kernel per op of the table, with `p` as every scalar: `x op` for one-value ops,
    /// `x op y` and `x op c` for two-value ones.
    fn table_kernels<T: Element>(p: T) -> Vec<Kernel<'static, T>> {
        let mut kernels = Vec::new();
        for &prim in Prim::ALL {
            let entry = prim.entry();
            let float = <T as crate::element::sealed::Scalar>::KIND == crate::element::Kind::Float;
            if (entry.types == Types::Float && !float) || (entry.types == Types::Int && float) {
                continue; // rejected before any GPU work
            }
            let op = Instr::Prim(prim, [p, p]);
            match entry.arity {
                Arity::Unary => {
                    kernels.push(Kernel::program(vec![Instr::Input(0), op], 1).unwrap());
                }
                Arity::Binary => {
                    let two = vec![Instr::Input(0), Instr::Input(1), op];
                    kernels.push(Kernel::program(two, 2).unwrap());
                    let scalar = vec![Instr::Input(0), Instr::Const(p), op];
                    kernels.push(Kernel::program(scalar, 1).unwrap());
                }
                Arity::Ternary => {
                    let three = vec![Instr::Input(0), Instr::Input(1), Instr::Const(p), op];
                    kernels.push(Kernel::program(three, 2).unwrap());
                }
            }
        }
        kernels
    }

    fn check_every_kernel<T: Element>(p: T) -> usize {
        let mut checked = 0;
        for kernel in table_kernels(p) {
            let counted = kernel.nonzero().unwrap();
            let mut runs = vec![(&kernel, None), (&counted, Some(Reduce::Sum))];
            runs.extend(Reduce::ALL.map(|r| (&kernel, Some(r))));
            for (k, reduce) in runs {
                let src = generate(k, reduce, Io::Plain).unwrap();
                validate(&src).unwrap_or_else(|e| panic!("{k:?} {reduce:?}: {e}\n{src}"));
            }
            checked += 1;
        }
        let custom = Op::custom("x * x + x", |x: T| x).unwrap();
        assert!(!Kernel::map(&custom).builtin_transcendental());
        let chain = Op::Scale(p).then(Op::Clamp(p, p)).then(custom);
        let src = generate(&Kernel::map(&chain), None, Io::Plain).unwrap();
        validate(&src).unwrap_or_else(|e| panic!("{chain:?}: {e}\n{src}"));
        checked
    }

    #[test]
    fn every_op_of_the_table_generates_a_kernel_naga_accepts() {
        // one kernel per one-value op, two per two-value op; float-only ops skip integers
        // (one for a three-value op)
        let kernels = |types: Types| -> usize {
            Prim::ALL
                .iter()
                .filter(|p| p.entry().types != types)
                .map(|p| match p.entry().arity {
                    Arity::Unary | Arity::Ternary => 1,
                    Arity::Binary => 2,
                })
                .sum()
        };
        assert_eq!(check_every_kernel(2.0_f32), kernels(Types::Int));
        assert_eq!(check_every_kernel(2_i32), kernels(Types::Float));
        assert_eq!(check_every_kernel(2_u32), kernels(Types::Float));
        assert_eq!(check_every_kernel(2_i64), kernels(Types::Float));
        assert_eq!(check_every_kernel(2_u64), kernels(Types::Float));
        assert_eq!(check_every_kernel(2.0_f64), kernels(Types::Int));
    }

    #[test]
    fn only_f64_user_kernels_calling_builtin_transcendentals_lack_a_gpu_kernel() {
        use super::has_kernel;
        assert!(has_kernel(&Kernel::<i64>::map(&Op::Pow(2))));
        assert!(has_kernel(&Kernel::<u64>::map(&Op::Pow(2))));
        assert!(has_kernel(&Kernel::<f32>::map(&Op::Exp)));
        assert!(has_kernel(&Kernel::<f64>::map(&Op::Sqrt)));
        assert!(has_kernel(&Kernel::<f64>::map(&Op::Exp)));
        assert!(has_kernel(&Kernel::<f64>::map(&Op::Pow(2.0))));
    }

    #[test]
    fn f64_user_kernels_calling_builtin_transcendentals_have_no_gpu_kernel() {
        for op in [Op::Sqrt, Op::Exp, Op::Sin, Op::Pow(2.0)] {
            assert!(
                generate(&Kernel::<f64>::map(&op), None, Io::Plain).is_ok(),
                "{op:?}"
            );
        }
        let custom = Op::custom("exp(x) + 1.0", |x: f64| x.exp() + 1.0).unwrap();
        assert!(Kernel::map(&custom).builtin_transcendental());
        assert!(generate(&Kernel::map(&custom), None, Io::Plain).is_err());
        let custom = Op::custom("sqrt(x) + 1.0", |x: f64| x.sqrt() + 1.0).unwrap();
        assert!(generate(&Kernel::map(&custom), None, Io::Plain).is_ok());
    }

    #[test]
    fn parameters_live_in_the_uniform_not_in_the_source() {
        let (two, three) = (Op::Scale(2.0_f32), Op::Scale(3.0_f32));
        let a = generate(&Kernel::map(&two), None, Io::Plain).unwrap();
        let b = generate(&Kernel::map(&three), None, Io::Plain).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn the_template_declares_the_bindings_of_the_layout() {
        let module = naga::front::wgsl::parse_str(super::TEMPLATE).unwrap();
        let binding = |name: &str| {
            module
                .global_variables
                .iter()
                .find(|(_, v)| v.name.as_deref() == Some(name))
                .and_then(|(_, v)| v.binding.as_ref())
                .map(|b| b.binding)
        };
        assert_eq!(binding("params"), Some(super::layout::PARAMS));
        assert_eq!(binding("out"), Some(super::layout::OUTPUT));
        let op = Op::Abs;
        let src = generate(&Kernel::<u32>::map(&op), None, Io::Plain).unwrap();
        let module = naga::front::wgsl::parse_str(&src).unwrap();
        let input = module
            .global_variables
            .iter()
            .find(|(_, v)| v.name.as_deref() == Some("in0"))
            .and_then(|(_, v)| v.binding.as_ref())
            .map(|b| b.binding);
        assert_eq!(input, Some(super::layout::INPUT));
    }

    /// Every kernel across two of the six types (a cast as it loads, as it stores, and a
    /// mask) is valid WGSL.
    #[test]
    fn every_cast_and_mask_generates_a_kernel_naga_accepts() {
        use crate::gpu::cast::Target;
        fn check<S: Element, U: Element>() -> usize {
            let (from, to) = (Target::of::<S>(), Target::of::<U>());
            let scale = Op::<U>::Abs;
            let kernels = [
                generate(&Kernel::<S>::Map(&[]), None, Io::Store(to)),
                generate(&Kernel::map(&scale), None, Io::Load(from)),
                generate(&Kernel::<S>::Map(&[]), None, Io::Truth),
            ];
            for src in kernels {
                let src = src.unwrap();
                validate(&src).unwrap_or_else(|e| panic!("{from:?} -> {to:?}: {e}\n{src}"));
            }
            1
        }
        macro_rules! to_each {
            ($s:ty) => {
                check::<$s, f32>()
                    + check::<$s, f64>()
                    + check::<$s, i32>()
                    + check::<$s, u32>()
                    + check::<$s, i64>()
                    + check::<$s, u64>()
            };
        }
        let pairs = to_each!(f32)
            + to_each!(f64)
            + to_each!(i32)
            + to_each!(u32)
            + to_each!(i64)
            + to_each!(u64);
        assert_eq!(pairs, 36);
    }
}
