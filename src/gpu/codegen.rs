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
