//! WGSL generation: a template from `shaders/` with the element type, the parameter count and
//! the fused body substituted, plus the op helpers of the element's kind. naga checks every
//! generated kernel before any pipeline is made.

use std::fmt::Write as _;

use crate::element::{Element, Kind};
use crate::error::{Error, Result};
use crate::kernel::{Head, Kernel};

/// The template of one-input kernels.
pub(crate) const MAP: &str = include_str!("../../shaders/map.wgsl");
/// The template of two-input kernels.
pub(crate) const ZIP: &str = include_str!("../../shaders/zip.wgsl");
/// Op helpers for floats.
pub(crate) const FLOAT: &str = include_str!("../../shaders/float.wgsl");
/// Op helpers for signed integers.
pub(crate) const SINT: &str = include_str!("../../shaders/sint.wgsl");
/// Op helpers for unsigned integers.
pub(crate) const UINT: &str = include_str!("../../shaders/uint.wgsl");

/// The line every shader file declares its element type with.
const ALIAS: &str = "alias elem = ";
/// The parameter array declaration in the templates.
const PARAMS: &str = "p: array<vec4<u32>, 1>,";
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

/// The complete WGSL module of `kernel` for element type `T`.
pub(crate) fn generate<T: Element>(kernel: &Kernel<'_, T>) -> Result<String> {
    let ty = T::WGSL.ok_or_else(|| Error::Unsupported {
        what: format!("{} kernels on the GPU", T::NAME),
    })?;
    let (template, mut body) = match kernel.head {
        Head::Load => (MAP, String::new()),
        Head::Zip(op) => (ZIP, format!("    v = bin_{}(a, b);\n", op.name())),
    };
    let mut slot = 0usize;
    for op in kernel.steps {
        let args: Vec<String> = op
            .params()
            .iter()
            .map(|_| {
                slot += 1;
                format!(", bitcast<elem>(params.p[{}].x)", slot - 1)
            })
            .collect();
        let _ = writeln!(body, "    v = op_{}(v{});", op.name(), args.concat());
    }
    let helpers = match T::KIND {
        Kind::Float => FLOAT,
        Kind::Signed => SINT,
        Kind::Unsigned => UINT,
    };
    let template = retype(template, Some(ty));
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
    let src = src.replacen(PARAMS, &params, 1);
    Ok(src + &retype(helpers, None))
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
                | Op::Chain(_) => {}
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
            let src = generate(&Kernel::map(&op)).unwrap();
            validate(&src).unwrap_or_else(|e| panic!("{op:?} on {p:?}: {e}\n{src}"));
            checked += 1;
        }
        for op in BINOPS {
            let src = generate(&Kernel::<T>::zip(op)).unwrap();
            validate(&src).unwrap_or_else(|e| panic!("{op:?}: {e}\n{src}"));
            checked += 1;
        }
        checked
    }

    #[test]
    fn every_generated_kernel_passes_naga() {
        assert_eq!(check_every_kernel(2.0_f32), 24 + 7);
        assert_eq!(check_every_kernel(2_i32), 24 - 8 + 7);
        assert_eq!(check_every_kernel(2_u32), 24 - 8 + 7);
    }

    #[test]
    fn f64_has_no_gpu_kernel() {
        let op = Op::Sqrt;
        assert!(generate(&Kernel::<f64>::map(&op)).is_err());
    }

    #[test]
    fn parameters_live_in_the_uniform_not_in_the_source() {
        let (two, three) = (Op::Scale(2.0_f32), Op::Scale(3.0_f32));
        let a = generate(&Kernel::map(&two)).unwrap();
        let b = generate(&Kernel::map(&three)).unwrap();
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
