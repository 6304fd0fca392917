//! WGSL generation: a template from `shaders/` with the element type, the parameter count and
//! the fused body substituted, plus the op helpers of the element's kind. naga checks every
//! generated kernel before any pipeline is made.

use std::fmt::Write as _;

use crate::element::{Element, Kind};
use crate::error::{Error, Result};
use crate::kernel::{Instr, Kernel, MAX_INPUTS};
use crate::op::Op;
use crate::reduce::Reduce;

/// The kernel template.
pub(crate) const TEMPLATE: &str = include_str!("../../shaders/elementwise.wgsl");
/// Op helpers for floats.
pub(crate) const FLOAT: &str = include_str!("../../shaders/float.wgsl");
/// Op helpers for signed integers.
pub(crate) const SINT: &str = include_str!("../../shaders/sint.wgsl");
/// Op helpers for unsigned integers.
pub(crate) const UINT: &str = include_str!("../../shaders/uint.wgsl");

/// The line every shader file declares its element type with.
const ALIAS: &str = "alias elem = ";
/// The parameter array declaration in the template.
const PARAMS: &str = "p: array<vec4<u32>, 1>,";
/// The line the input declarations follow, and the first input's binding.
const INPUTS: &str = "\n// @inputs\n";
pub(crate) const INPUT_BINDING: u32 = 2;
/// The reduction's lines in the template.
const COMBINE: &str = "// @combine";
const IDENTITY: &str = "// @identity";
/// Start and end of the body that code generation fills in.
const BODY_START: &str = "// @body";
const BODY_END: &str = "// @end";

/// Replaces the `alias elem = ...;` line of `src` with `ty`, or drops it when `ty` is `None`.
fn retype(src: &str, ty: Option<&str>) -> String {
    let mut out = String::with_capacity(src.len() + 64);
    for line in src.lines() {
        if line.starts_with(ALIAS) {
            if let Some(ty) = ty {
                let _ = writeln!(out, "{ALIAS}{ty};");
            }
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// The WGSL type name kernels of `T` use, or `Unsupported`.
fn wgsl_type<T: Element>() -> Result<&'static str> {
    T::WGSL.ok_or_else(|| Error::Unsupported {
        what: format!("{} kernels on the GPU", T::NAME),
    })
}

/// The complete WGSL module of `kernel` for element type `T`: the program as `let` bindings,
/// each scalar read from the parameter uniform in the order of `Kernel::params`.
pub(crate) fn generate<T: Element>(
    kernel: &Kernel<'_, T>,
    reduce: Option<Reduce>,
) -> Result<String> {
    let ty = wgsl_type::<T>()?;
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
        format!("bitcast<elem>(params.p[{}].x)", slot - 1)
    };
    for instr in kernel.instrs() {
        let value = match instr {
            Instr::Input(k) => format!("in{k}[i]"),
            Instr::Const(_) => param(),
            Instr::Op(op) => {
                let arg = stack.pop().ok_or_else(malformed)?;
                match op {
                    Op::Custom(custom) => {
                        let _ = writeln!(
                            users,
                            "fn user_{next}(x: elem) -> elem {{\n    return (\n{}\n    );\n}}",
                            custom.wgsl()
                        );
                        format!("user_{next}({arg})")
                    }
                    op => {
                        let mut call = format!("op_{}({arg}", op.name());
                        for _ in op.params().iter() {
                            call.push_str(", ");
                            call.push_str(&param());
                        }
                        call + ")"
                    }
                }
            }
            Instr::Bin(op) => {
                let right = stack.pop().ok_or_else(malformed)?;
                let left = stack.pop().ok_or_else(malformed)?;
                format!("bin_{}({left}, {right})", op.name())
            }
            Instr::Cmp(cmp) => {
                let right = stack.pop().ok_or_else(malformed)?;
                let left = stack.pop().ok_or_else(malformed)?;
                format!("select(elem(0), elem(1), {left} {} {right})", cmp.wgsl())
            }
        };
        let _ = writeln!(body, "    let t{next} = {value};");
        stack.push(format!("t{next}"));
        next += 1;
    }
    let result = stack.pop().ok_or_else(malformed)?;
    let _ = writeln!(body, "    v = {result};");

    let helpers = match T::KIND {
        Kind::Float => FLOAT,
        Kind::Signed => SINT,
        Kind::Unsigned => UINT,
    };
    let mut inputs = String::new();
    for k in 0..kernel.arity() {
        let _ = writeln!(
            inputs,
            "@group(0) @binding({}) var<storage, read> in{k}: array<elem>;",
            INPUT_BINDING + k as u32
        );
    }
    let template = retype(TEMPLATE, Some(ty)).replacen(INPUTS, &format!("{INPUTS}{inputs}"), 1);
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
    if let Some(reduce) = reduce {
        let (combine, identity) = match reduce {
            Reduce::Sum => ("a + b", "elem(0)"),
            Reduce::Min => ("min(a, b)", "kernel(0u)"),
            Reduce::Max => ("max(a, b)", "kernel(0u)"),
        };
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
    Ok(src + &retype(helpers, None) + &users)
}

fn malformed() -> Error {
    Error::Unsupported {
        what: "a malformed kernel program".into(),
    }
}

/// Lines of the module `check_custom` builds before the user's expression.
const CUSTOM_PREFIX_LINES: u32 = 3;

/// Checks a user kernel's WGSL expression on its own: it must parse and validate as the body
/// of `fn user(x: elem) -> elem`, and declare nothing else, so it can see no buffer. Errors
/// give the line and column within `wgsl`.
pub(crate) fn check_custom<T: Element>(wgsl: &str) -> Result<()> {
    // f64 has no GPU kernels yet; its user kernels are still checked, as f32.
    let ty = T::WGSL.unwrap_or("f32");
    let src = format!(
        "alias elem = {ty};\nfn user(x: elem) -> elem {{\n    return (\n{wgsl}\n    );\n}}\n"
    );
    let located = |loc: Option<naga::SourceLocation>, message: String| -> Error {
        let Some(loc) = loc.filter(|l| l.line_number > CUSTOM_PREFIX_LINES) else {
            return Error::Shader {
                message: format!("user kernel `{wgsl}`: {message}"),
            };
        };
        let line = loc.line_number - CUSTOM_PREFIX_LINES;
        let text = wgsl.lines().nth(line as usize - 1).unwrap_or("");
        let caret = " ".repeat(loc.line_position.saturating_sub(1) as usize) + "^";
        Error::Shader {
            message: format!(
                "user kernel, line {line}, column {}: {message}\n  {text}\n  {caret}",
                loc.line_position
            ),
        }
    };
    let module = naga::front::wgsl::parse_str(&src)
        .map_err(|e| located(e.location(&src), e.message().to_string()))?;
    if module.functions.len() != 1
        || !module.entry_points.is_empty()
        || !module.global_variables.is_empty()
    {
        return Err(Error::Shader {
            message: format!(
                "user kernel `{wgsl}`: must be one expression of `x`, declaring nothing"
            ),
        });
    }
    naga::valid::Validator::new(
        naga::valid::ValidationFlags::all(),
        naga::valid::Capabilities::default(),
    )
    .validate(&module)
    .map_err(|e| located(e.location(&src), e.as_inner().to_string()))?;
    Ok(())
}

/// Parses and validates `src` with naga; the error names the line and column.
pub(crate) fn validate(src: &str) -> Result<()> {
    let module = naga::front::wgsl::parse_str(src).map_err(|e| Error::Shader {
        message: e.emit_to_string(src),
    })?;
    let mut validator = naga::valid::Validator::new(
        naga::valid::ValidationFlags::all(),
        naga::valid::Capabilities::default(),
    );
    validator.validate(&module).map_err(|e| Error::Shader {
        message: e.emit_to_string(src),
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{generate, validate};
    use crate::element::Element;
    use crate::kernel::Kernel;
    use crate::op::{BinOp, Op};
    use crate::reduce::Reduce;

    /// Every op, with parameters; the match makes a new op fail to compile here until it is
    /// listed (and so generated and validated).
    fn all_ops<T: Element>(p: T) -> Vec<Op<T>> {
        let ops = vec![
            Op::Scale(p),
            Op::Add(p),
            Op::Sub(p),
            Op::Div(p),
            Op::Min(p),
            Op::Max(p),
            Op::Clamp(p, p),
            Op::Pow(p),
            Op::Neg,
            Op::Abs,
            Op::Square,
            Op::Sqrt,
            Op::Recip,
            Op::Exp,
            Op::Log,
            Op::Sin,
            Op::Cos,
            Op::Tanh,
            Op::Sigmoid,
            Op::Relu,
            Op::Floor,
            Op::Ceil,
            Op::Round,
            Op::Scale(p).then(Op::Clamp(p, p)).then(Op::Abs),
            Op::custom("x * x + x", |x: T| x).unwrap(),
        ];
        for op in &ops {
            match op {
                Op::Scale(_)
                | Op::Add(_)
                | Op::Sub(_)
                | Op::Div(_)
                | Op::Min(_)
                | Op::Max(_)
                | Op::Clamp(..)
                | Op::Pow(_)
                | Op::Neg
                | Op::Abs
                | Op::Square
                | Op::Sqrt
                | Op::Recip
                | Op::Exp
                | Op::Log
                | Op::Sin
                | Op::Cos
                | Op::Tanh
                | Op::Sigmoid
                | Op::Relu
                | Op::Floor
                | Op::Ceil
                | Op::Round
                | Op::Chain(_)
                | Op::Custom(_) => {}
            }
        }
        ops
    }

    const BINOPS: [BinOp; 7] = [
        BinOp::Add,
        BinOp::Sub,
        BinOp::Mul,
        BinOp::Div,
        BinOp::Min,
        BinOp::Max,
        BinOp::Pow,
    ];

    fn check_every_kernel<T: Element>(p: T) -> usize {
        let mut checked = 0;
        for op in all_ops(p) {
            if op.check().is_err() {
                continue; // float-only ops on integers never reach the GPU
            }
            for reduce in [
                None,
                Some(Reduce::Sum),
                Some(Reduce::Min),
                Some(Reduce::Max),
            ] {
                let src = generate(&Kernel::map(&op), reduce).unwrap();
                validate(&src).unwrap_or_else(|e| panic!("{op:?} {reduce:?} on {p:?}: {e}\n{src}"));
            }
            checked += 1;
        }
        for op in BINOPS {
            let src = generate(&Kernel::<T>::zip(op), None).unwrap();
            validate(&src).unwrap_or_else(|e| panic!("{op:?}: {e}\n{src}"));
            checked += 1;
        }
        // every comparison, as a value and as the counted indicator of `count`
        let x = crate::expr::x::<T>();
        let y = crate::expr::y::<T>();
        for e in [
            x.clone().gt(y.clone()),
            x.clone().ge(p),
            x.clone().lt(y.clone()),
            x.clone().le(p),
            x.clone().equal(y.clone()),
            x.not_equal(y),
        ] {
            let kernel = Kernel::expr(&e).unwrap();
            for (k, reduce) in [
                (kernel.clone(), None),
                (kernel.nonzero().unwrap(), Some(Reduce::Sum)),
            ] {
                let src = generate(&k, reduce).unwrap();
                validate(&src).unwrap_or_else(|err| panic!("{e:?}: {err}\n{src}"));
                checked += 1;
            }
        }
        checked
    }

    #[test]
    fn every_generated_kernel_passes_naga() {
        // ops, binary ops, comparisons (as values and counted)
        assert_eq!(check_every_kernel(2.0_f32), 25 + 7 + 12);
        assert_eq!(check_every_kernel(2_i32), 25 - 8 + 7 + 12);
        assert_eq!(check_every_kernel(2_u32), 25 - 8 + 7 + 12);
    }

    #[test]
    fn f64_has_no_gpu_kernel() {
        let op = Op::Sqrt;
        assert!(generate(&Kernel::<f64>::map(&op), None).is_err());
    }

    #[test]
    fn parameters_live_in_the_uniform_not_in_the_source() {
        let (two, three) = (Op::Scale(2.0_f32), Op::Scale(3.0_f32));
        let a = generate(&Kernel::map(&two), None).unwrap();
        let b = generate(&Kernel::map(&three), None).unwrap();
        assert_eq!(a, b);
        assert_eq!(Kernel::map(&two).shape(), Kernel::map(&three).shape());
    }

    #[test]
    fn a_broken_kernel_is_an_error_with_line_and_column() {
        let err = validate("fn main() -> f32 { return 1.0 + ; }").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("wgsl:1:"), "{text}");
        let err = validate("fn f() -> u32 { return 1.5; }").unwrap_err();
        assert!(matches!(err, crate::Error::Shader { .. }), "{err}");
    }
}
