//! The crate's one error type.

/// What can go wrong in a call. Every variant is a clear, recoverable `Err`: the library does
/// not panic on user input, and the input data is never modified.
///
/// # Examples
///
/// ```
/// use compute::{BinOp, Device, Error};
/// let err = compute::zip(&Device::cpu(), [1, 2, 3], [1, 2], BinOp::Add).unwrap_err();
/// assert!(matches!(err, Error::LengthMismatch { left: 3, right: 2 }));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The two inputs of a [`zip`](crate::zip) have different lengths; nothing was run.
    #[error("input lengths differ: {left} vs {right} elements")]
    LengthMismatch {
        /// Length of the first input.
        left: usize,
        /// Length of the second input.
        right: usize,
    },
    /// An expression names an input array that was not given (`y()` with one array).
    #[error("the expression reads input {index}, but {given} input array(s) were given")]
    MissingInput {
        /// The 0-based input the expression names.
        index: usize,
        /// How many arrays were given.
        given: usize,
    },
    /// More input arrays than one kernel reads.
    #[error("{given} input arrays, but a kernel reads at most {max}")]
    TooManyInputs {
        /// How many arrays were given or named.
        given: usize,
        /// The most one kernel reads.
        max: usize,
    },
    /// Arrays of two different devices were combined (or a host array with a GPU one).
    #[error("arrays of different devices cannot be combined; upload them to one device")]
    DeviceMismatch,
    /// A float-only op (`Sqrt`, `Exp`, ...) was asked of integer data; there is no silent cast.
    #[error(
        "`{op}` is defined for floats only, not for {ty}; convert the data to f32 or f64 first"
    )]
    FloatOnly {
        /// The op's name.
        op: &'static str,
        /// The element type.
        ty: &'static str,
    },
    /// An integer-only op (bitwise, shifts) on float data.
    #[error("`{op}` is defined for integers only, not {ty}")]
    IntegerOnly {
        /// The op's name.
        op: &'static str,
        /// The element type.
        ty: &'static str,
    },
    /// A scalar `Op::Div(0)` on integers (an element-wise zero divisor in `zip` gives 0 instead).
    #[error("integer division by a zero scalar ({ty})")]
    DivisionByZero {
        /// The element type.
        ty: &'static str,
    },
    /// A scalar `Op::Pow` with a negative exponent on integers, which numpy rejects too.
    #[error("integers to negative integer powers are not allowed ({ty})")]
    NegativePower {
        /// The element type.
        ty: &'static str,
    },
    /// The chosen backend cannot run this element type or kernel (for example `f64` on a GPU
    /// without 64-bit float support), or the kernel is larger than one kernel may be (an
    /// expression deeper than its evaluation stack, more steps than one kernel holds).
    #[error("not supported on this backend: {what}")]
    Unsupported {
        /// What was asked for.
        what: String,
    },
    /// No GPU adapter could be opened: none exists, none supports compute shaders, or the
    /// driver refused to create a device.
    #[error("no usable GPU: {reason}")]
    NoGpu {
        /// Why, in the driver's words where it gave any.
        reason: String,
    },
    /// A generated WGSL kernel did not pass naga's validation; no pipeline was created.
    #[error("WGSL kernel rejected by naga:\n{message}")]
    Shader {
        /// naga's diagnostic, with line and column.
        message: String,
    },
    /// The GPU driver reported an error (validation, out of memory, internal, mapping,
    /// timeout) while running a call; the call's output is discarded.
    #[error("GPU error while {during}")]
    Gpu {
        /// The step that failed.
        during: &'static str,
        /// The driver's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
    /// A broken invariant inside the crate (a bug): please report it. Nothing was written.
    #[error("internal error in compute (please report): {what}")]
    Internal {
        /// What went wrong.
        what: String,
    },
    /// A string expression that cannot be read, or names an array that was not given
    /// ([`parse`](crate::parse::parse), [`evaluate`](crate::evaluate)); nothing was run.
    #[error("column {column}: {message}")]
    Syntax {
        /// What kind of problem.
        kind: SyntaxKind,
        /// Where, 1-based, in characters of the expression string.
        column: usize,
        /// The problem in words.
        message: String,
    },
    /// The GPU device was lost (driver reset, device destroyed); later GPU calls on this
    /// [`Device`](crate::Device) fail the same way.
    #[error("GPU device lost: {reason}")]
    DeviceLost {
        /// The reason the driver gave.
        reason: String,
    },
}

/// What kind of problem an [`Error::Syntax`] reports.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SyntaxKind {
    /// A character or token out of place, an unclosed parenthesis, a chained comparison.
    Syntax,
    /// A name the expression reads that no given array has.
    UnknownName,
    /// A call of a function the grammar does not know.
    UnknownFunction,
    /// A call with the wrong number of arguments.
    ArgumentCount,
    /// `sum`, `prod`, `min` or `max` anywhere but as the outermost call.
    ReductionNotOutermost,
    /// An integer literal (or scalar) out of the element type's range.
    Literal,
    /// An operator, function or literal the element type does not have (`/`, `sqrt` or
    /// `2.5` in an integer expression, `&` on floats that are not booleans); numpy would
    /// give floats there, so a caller may promote integer arrays to `f64` and parse again.
    Types,
    /// Parentheses, calls or unary operators nested past the parser's limit.
    TooDeep,
    /// More distinct names than one expression reads arrays
    /// ([`MAX_INPUTS`](crate::MAX_INPUTS)).
    TooManyNames,
}

/// `Result` with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Wraps a driver error with the step it happened in.
    pub(crate) fn gpu(
        during: &'static str,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Error::Gpu {
            during,
            source: Box::new(source),
        }
    }
}
