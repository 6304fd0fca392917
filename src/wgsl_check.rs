//! naga's checks of WGSL: a user kernel's expression on its own (when [`Op::custom`]
//! (crate::Op::custom) builds it), and whole generated modules (before the GPU compiles one).
//!
//! naga parses and validates recursively, so a deep enough expression overflows the stack of
//! whichever thread checks it (a flat sum of 5,000 terms does on a 2 MiB thread). User text
//! is therefore bounded before naga sees it: [`MAX_USER_BYTES`] bytes, [`MAX_USER_TERMS`]
//! operators and [`MAX_USER_NESTING`] open brackets; past those it is an error.

use crate::error::{Error, Result};

/// Longest user kernel accepted, in bytes.
pub(crate) const MAX_USER_BYTES: usize = 16 << 10;

/// Most operators one user kernel may contain: `+ - * / % & | ^ < > = ! ~` and the
/// postfix `.` and `[` (each a level of naga's recursive lowering, as `x.x.x` or `~~x` is). naga's parse of a
/// flat sum recurses once per term: 5,000 terms overflowed a 2 MiB thread (an outside
/// client's report) and 1,024 did in a debug build here; 256 passes on a 2 MiB thread in a
/// debug build (the unit test below), the smallest stack a caller's thread has (rayon's and
/// std's), including wgpu's own parse of the generated module.
pub(crate) const MAX_USER_TERMS: usize = 256;

/// Deepest nesting of `(` and `[` in one user kernel.
pub(crate) const MAX_USER_NESTING: usize = 64;

/// Lines of the module [`check_user_kernel`] builds before the user's expression.
const USER_PREFIX_LINES: u32 = 3;

/// Checks a user kernel's WGSL expression `wgsl` over `x` of WGSL type `ty`: it must be small
/// enough (see the module docs), parse and validate as the body of `fn user(x: elem) -> elem`,
/// and declare nothing else, so it can see no buffer. Errors give the line and column within
/// `wgsl`. Returns whether it calls a transcendental built-in ([`transcendental`]).
pub(crate) fn check_user_kernel(ty: &str, wgsl: &str) -> Result<bool> {
    bounded(wgsl)?;
    let src = format!(
        "alias elem = {ty};\nfn user(x: elem) -> elem {{\n    return (\n{wgsl}\n    );\n}}\n"
    );
    let located = |loc: Option<naga::SourceLocation>, message: String| -> Error {
        let Some(loc) = loc.filter(|l| l.line_number > USER_PREFIX_LINES) else {
            return Error::Shader {
                message: format!("user kernel `{}`: {message}", preview(wgsl)),
            };
        };
        let line = loc.line_number - USER_PREFIX_LINES;
        let text = wgsl.lines().nth(line as usize - 1).unwrap_or("");
        let caret = " ".repeat(loc.line_position.saturating_sub(1) as usize) + "^";
        Error::Shader {
            message: format!(
                "user kernel, line {line}, column {}: {message}\n  {}\n  {caret}",
                loc.line_position,
                preview(text)
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
                "user kernel `{}`: must be one expression of `x`, declaring nothing",
                preview(wgsl)
            ),
        });
    }
    // 64-bit types only where the element is one (a GPU that runs a 32-bit kernel may lack them)
    let capabilities = match ty {
        "f64" => CAPABILITIES,
        "i64" | "u64" => naga::valid::Capabilities::SHADER_INT64,
        _ => naga::valid::Capabilities::default(),
    };
    naga::valid::Validator::new(naga::valid::ValidationFlags::all(), capabilities)
        .validate(&module)
        .map_err(|e| located(e.location(&src), e.as_inner().to_string()))?;
    let calls = |which: fn(naga::MathFunction) -> bool| {
        module.functions.iter().any(|(_, f)| {
            f.expressions.iter().any(|(_, e)| match e {
                naga::Expression::Math { fun, .. } => which(*fun),
                _ => false,
            })
        })
    };
    if capabilities != naga::valid::Capabilities::default() && calls(bit_counting) {
        // naga validates these for 64-bit integers, then panics writing their SPIR-V
        return Err(Error::Shader {
            message: format!(
                "user kernel `{}`: bit-counting and bit-field built-ins (countOneBits, \
                 firstLeadingBit, extractBits, ...) are not available in {ty} kernels",
                preview(wgsl)
            ),
        });
    }
    Ok(calls(transcendental))
}

/// The bit built-ins naga 30 validates for 64-bit integers but cannot write as SPIR-V (it
/// reaches an `unreachable!`): counting, finding, reversing, extracting and inserting bits.
fn bit_counting(fun: naga::MathFunction) -> bool {
    use naga::MathFunction as M;
    matches!(
        fun,
        M::CountTrailingZeros
            | M::CountLeadingZeros
            | M::CountOneBits
            | M::ReverseBits
            | M::ExtractBits
            | M::InsertBits
            | M::FirstTrailingBit
            | M::FirstLeadingBit
    )
}

/// The built-ins that SPIR-V's GLSL.std.450 set defines for 16- and 32-bit floats only, so
/// naga cannot write them for `f64` (wgpu issue 6087): trigonometric, hyperbolic,
/// exponential and logarithmic functions, `pow`, `radians`, `degrees`.
fn transcendental(fun: naga::MathFunction) -> bool {
    use naga::MathFunction as M;
    matches!(
        fun,
        M::Cos
            | M::Cosh
            | M::Sin
            | M::Sinh
            | M::Tan
            | M::Tanh
            | M::Acos
            | M::Asin
            | M::Atan
            | M::Atan2
            | M::Asinh
            | M::Acosh
            | M::Atanh
            | M::Radians
            | M::Degrees
            | M::Exp
            | M::Exp2
            | M::Log
            | M::Log2
            | M::Pow
    )
}

/// Rejects user text too large or too deep for naga's recursive parser.
fn bounded(wgsl: &str) -> Result<()> {
    let too = |what: String| {
        Err(Error::Shader {
            message: format!("user kernel `{}`: {what}", preview(wgsl)),
        })
    };
    if wgsl.len() > MAX_USER_BYTES {
        return too(format!(
            "{} bytes, more than the {MAX_USER_BYTES} a user kernel may have",
            wgsl.len()
        ));
    }
    let terms = wgsl
        .bytes()
        .filter(|b| b"+-*/%&|^<>=!~.[".contains(b))
        .count();
    if terms > MAX_USER_TERMS {
        return too(format!(
            "{terms} operators, more than the {MAX_USER_TERMS} a user kernel may have"
        ));
    }
    let (mut depth, mut deepest) = (0usize, 0usize);
    for b in wgsl.bytes() {
        match b {
            b'(' | b'[' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b')' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    if deepest > MAX_USER_NESTING {
        return too(format!(
            "brackets nested {deepest} deep, more than the {MAX_USER_NESTING} a user kernel may have"
        ));
    }
    Ok(())
}

/// The start of a long text, for error messages.
fn preview(text: &str) -> String {
    const MAX: usize = 80;
    match text.char_indices().nth(MAX) {
        Some((at, _)) => format!("{}...", &text[..at]),
        None => text.to_string(),
    }
}

/// What a kernel may use beyond core WGSL: 64-bit integers and floats (a device without
/// them never gets such a kernel: `gpu::Context::runs`).
const CAPABILITIES: naga::valid::Capabilities =
    naga::valid::Capabilities::SHADER_INT64.union(naga::valid::Capabilities::FLOAT64);

/// Parses and validates a whole module with naga; the error names the line and column.
pub(crate) fn validate(src: &str) -> Result<()> {
    let module = naga::front::wgsl::parse_str(src).map_err(|e| Error::Shader {
        message: e.emit_to_string(src),
    })?;
    let mut validator =
        naga::valid::Validator::new(naga::valid::ValidationFlags::all(), CAPABILITIES);
    validator.validate(&module).map_err(|e| Error::Shader {
        message: e.emit_to_string(src),
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broken_module_is_an_error_with_line_and_column() {
        let err = validate("fn main() -> f32 { return 1.0 + ; }").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("wgsl:1:"), "{text}");
        let err = validate("fn f() -> u32 { return 1.5; }").unwrap_err();
        assert!(matches!(err, crate::error::Error::Shader { .. }), "{err}");
    }

    #[test]
    fn user_kernels_use_64_bit_types_and_bit_built_ins_only_where_they_exist() {
        // 64-bit types only in 64-bit kernels
        assert!(check_user_kernel("f32", "f32(u64(x))").is_err());
        assert!(check_user_kernel("i64", "x * 2").is_ok());
        assert!(check_user_kernel("f64", "f64(u64(x))").is_ok());
        // bit counting of 64-bit integers: naga would panic writing it
        assert!(check_user_kernel("u32", "countOneBits(x)").is_ok());
        for ty in ["i64", "u64"] {
            for wgsl in ["countOneBits(x)", "firstLeadingBit(x)", "reverseBits(x)"] {
                let err = check_user_kernel(ty, wgsl).unwrap_err();
                assert!(
                    err.to_string().contains("bit-counting"),
                    "{ty} {wgsl}: {err}"
                );
            }
        }
        // which kernels call a transcendental (no f64 GPU kernel)
        assert!(check_user_kernel("f64", "exp(x) + 1.0").unwrap());
        assert!(!check_user_kernel("f64", "sqrt(x) + 1.0").unwrap());
    }

    #[test]
    fn user_kernels_past_the_bounds_are_errors_before_naga() {
        let sum = vec!["x"; MAX_USER_TERMS + 2].join(" + ");
        assert!(check_user_kernel("f32", &sum).is_err());
        let deep = format!("{}x{}", "(".repeat(100), ")".repeat(100));
        assert!(check_user_kernel("f32", &deep).is_err());
        // the largest accepted kernels check fine on this (2 MiB) test thread
        let ok = vec!["x"; MAX_USER_TERMS].join("+");
        check_user_kernel("f32", &ok).unwrap();
        let deep = format!(
            "{}x{}",
            "(".repeat(MAX_USER_NESTING),
            ")".repeat(MAX_USER_NESTING)
        );
        check_user_kernel("f32", &deep).unwrap();
        let nested = format!(
            "{}x{}",
            "(x+".repeat(MAX_USER_NESTING),
            ")".repeat(MAX_USER_NESTING)
        );
        check_user_kernel("f32", &nested).unwrap();
        // unary and postfix chains recurse in naga's lowering too: bounded alike, and the
        // longest accepted ones fail (they are not valid WGSL) without overflowing
        for chain in [
            format!("{}x", "~".repeat(MAX_USER_TERMS)),
            format!("x{}", ".x".repeat(MAX_USER_TERMS)),
            format!("x{}", "[0]".repeat(MAX_USER_TERMS)),
            format!("{}x", "-".repeat(MAX_USER_TERMS)),
        ] {
            let _ = check_user_kernel("f32", &chain);
            let longer = format!("~{chain}.x[0]");
            assert!(check_user_kernel("f32", &longer).is_err());
        }
        assert!(check_user_kernel("f32", &"x".repeat(MAX_USER_BYTES + 1)).is_err());
    }
}
