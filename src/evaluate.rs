//! String expressions run: [`evaluate`] and [`Parsed::evaluate`] bind the names a parsed
//! expression reads to arrays and run it with [`eval`](crate::eval) or
//! [`reduce`](crate::reduce), as `numexpr.evaluate` does.

use crate::calls::{eval, reduce};
use crate::device::Device;
use crate::element::Element;
use crate::error::{Error, Result, SyntaxKind};
use crate::parse::{parse, Parsed, Value};

/// Reads `source` ([`parse`](crate::parse::parse)'s grammar) and runs it over `arrays`,
/// each given with the name the expression reads it by (extra arrays are ignored, as
/// numexpr ignores them).
///
/// An element-wise expression gives [`Value::Array`]; one that ends in `sum`, `prod`, `min` or `max`
/// gives [`Value::Scalar`]. An expression of constants alone (`"2 * 3"`) gives an array of
/// one element.
///
/// # Examples
///
/// ```
/// use compute::parse::Value;
/// let (a, b) = (vec![1.0_f32, 4.0], vec![2.0_f32, 1.0]);
/// let device = compute::Device::cpu();
/// let out = compute::evaluate(&device, "sqrt(2*a + b)", &[("a", &a[..]), ("b", &b[..])])?;
/// assert_eq!(out, Value::Array(vec![2.0, 3.0]));
/// assert_eq!(compute::evaluate(&device, "max(a - b)", &[("a", &a[..]), ("b", &b[..])])?, Value::Scalar(Some(3.0)));
/// # Ok::<(), compute::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::Syntax`] for what [`parse`](crate::parse::parse) refuses and for a name no
/// array has ([`SyntaxKind::UnknownName`], at its first appearance); then the errors of
/// [`eval`](crate::eval) (arrays of different lengths, more than
/// [`MAX_INPUTS`](crate::MAX_INPUTS) names, an op the element type lacks).
pub fn evaluate<T: Element>(
    device: &Device,
    source: &str,
    arrays: &[(&str, &[T])],
) -> Result<Value<T>> {
    parse::<T>(source)?.evaluate(device, arrays)
}

impl<T: Element> Parsed<T> {
    /// Runs the parsed expression over `arrays` (see [`evaluate`]); parse once, run often.
    ///
    /// # Errors
    ///
    /// As [`evaluate`], less the parsing.
    pub fn evaluate(&self, device: &Device, arrays: &[(&str, &[T])]) -> Result<Value<T>> {
        let one = [T::ZERO];
        let mut inputs: Vec<&[T]> = Vec::with_capacity(self.names().len());
        for (k, name) in self.names().iter().enumerate() {
            let Some((_, data)) = arrays.iter().find(|(n, _)| n == name) else {
                return Err(Error::Syntax {
                    kind: SyntaxKind::UnknownName,
                    column: self.column_of(k).unwrap_or(1),
                    message: format!("no array is named `{name}`"),
                });
            };
            inputs.push(data);
        }
        if inputs.is_empty() {
            // constants alone: input 0 gives the length, one element
            inputs.push(&one);
        }
        match self.reduction() {
            None => eval(device, self.expr(), &inputs).map(Value::Array),
            Some(how) => reduce(device, self.expr(), &inputs, how).map(Value::Scalar),
        }
    }
}
