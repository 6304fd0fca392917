//! String expressions in numexpr's grammar, read into an [`Expr`]: what a user coming from
//! `numexpr.evaluate("sqrt(2*a + b)")` writes, for Rust callers and for the Python package
//! alike (one engine).
//!
//! ```
//! use compute::parse::{parse, Value};
//! use compute::Device;
//!
//! let parsed = parse::<f32>("where(a > 0.5, sqrt(2*a + b), -b)")?;
//! assert_eq!(parsed.names(), ["a", "b"]);
//! let (a, b) = ([0.0_f32, 4.0], [1.0_f32, 1.0]);
//! let out = parsed.evaluate(&Device::cpu(), &[("a", &a[..]), ("b", &b[..])])?;
//! assert_eq!(out, Value::Array(vec![-1.0, 3.0]));
//!
//! let total = compute::evaluate(&Device::cpu(), "sum(a * b)", &[("a", &a[..]), ("b", &b[..])])?;
//! assert_eq!(total, Value::Scalar(Some(4.0)));
//! # Ok::<(), compute::Error>(())
//! ```
//!
//! The grammar is Python's, as numexpr reads it, with Python's precedence (lowest first):
//! comparisons (`<`, `<=`, `>`, `>=`, `==`, `!=`; not chained), `|`, `^`, `&`, `<<` `>>`,
//! `+` `-`, `*` `/` `//` `%`, unary `-` `+` `~`, `**` (right-associative, and `-a**2` is
//! `-(a**2)`). Operands are integer and float literals (`3`, `2.5`, `.5`, `1e-3`), `True`
//! and `False`, names (each distinct name one input array, in order of first appearance;
//! at most [`MAX_INPUTS`] per expression), parentheses, and calls of
//! [`FUNCTIONS`]. `&`, `|`, `^` and `~` are logical on booleans (comparisons, `isnan` and
//! the like, `True`/`False`) and bitwise on integers, as numpy's; `sum`, `prod`, `min` and
//! `max` of one argument reduce, and only as the outermost call.
//!
//! Every failure is an [`Error::Syntax`] naming the 1-based column (in characters) and a
//! [`SyntaxKind`]; no input string panics, overflows the stack or takes more than linear
//! time (nesting past [`MAX_NESTING`] is an error).

use crate::element::sealed::{Kind, Number};
use crate::element::Element;
use crate::error::{Error, Result, SyntaxKind};
use crate::expr::{constant, input, where_, Expr};
use crate::ir::kernel::MAX_INPUTS;
use crate::ir::reduce::Reduce;

/// The most parentheses, calls, unary operators and powers one expression nests: deep enough
/// for any formula, shallow enough that parsing needs under 1 MiB of stack even in a debug
/// build (about 10 KiB a level there, under 3 KiB in release; `tests/parse.rs` runs the
/// deepest accepted forms on a 1 MiB thread).
pub const MAX_NESTING: usize = 64;

/// The element-wise functions a string expression may call, with their argument counts:
/// numexpr's list, plus numpy's other everyday functions the crate runs.
pub const FUNCTIONS: &[(&str, usize)] = &[
    ("where", 3),
    ("sqrt", 1),
    ("exp", 1),
    ("expm1", 1),
    ("exp2", 1),
    ("log", 1),
    ("log1p", 1),
    ("log2", 1),
    ("log10", 1),
    ("sin", 1),
    ("cos", 1),
    ("tan", 1),
    ("arcsin", 1),
    ("arccos", 1),
    ("arctan", 1),
    ("arctan2", 2),
    ("sinh", 1),
    ("cosh", 1),
    ("tanh", 1),
    ("arcsinh", 1),
    ("arccosh", 1),
    ("arctanh", 1),
    ("abs", 1),
    ("absolute", 1),
    ("floor", 1),
    ("ceil", 1),
    ("round", 1),
    ("cbrt", 1),
    ("sign", 1),
    ("hypot", 2),
    ("copysign", 2),
    ("minimum", 2),
    ("maximum", 2),
    ("isnan", 1),
    ("isinf", 1),
    ("isfinite", 1),
];

/// The reduction `name` calls: `sum`, `prod`, `min` or `max`, as a string expression's
/// outermost call.
fn reduction_named(name: &str) -> Option<Reduce> {
    Some(match name {
        "sum" => Reduce::Sum,
        "prod" => Reduce::Prod,
        "min" => Reduce::Min,
        "max" => Reduce::Max,
        _ => return None,
    })
}

/// A string expression read into an [`Expr`]: its input names and its reduction, if any.
#[derive(Clone, Debug, PartialEq)]
pub struct Parsed<T> {
    expr: Expr<T>,
    names: Vec<String>,
    columns: Vec<usize>,
    reduction: Option<Reduce>,
    boolean: bool,
}

impl<T> Parsed<T> {
    /// The element-wise expression (inside the reduction, if there is one); input `k` is
    /// the array named `names()[k]`.
    pub fn expr(&self) -> &Expr<T> {
        &self.expr
    }

    /// The names the expression reads, in order of first appearance.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The reduction the expression ends in, if any.
    pub fn reduction(&self) -> Option<Reduce> {
        self.reduction
    }

    /// Whether the expression's values (inside the reduction, if any) are booleans, 0 or 1:
    /// a comparison, a predicate such as `isnan`, a logical op of booleans, `where` of two
    /// booleans. numpy gives such an expression as a `bool` array.
    pub fn is_boolean(&self) -> bool {
        self.boolean
    }

    /// The 1-based column where `names()[k]` first appears.
    pub fn column_of(&self, k: usize) -> Option<usize> {
        self.columns.get(k).copied()
    }
}

/// The value of a string expression: an array, or a reduction's scalar (`None` for the
/// `min` or `max` of no elements).
#[derive(Clone, Debug, PartialEq)]
pub enum Value<T> {
    /// An element-wise expression's values.
    Array(Vec<T>),
    /// A reduction's value.
    Scalar(Option<T>),
}

/// A scalar bound to a name ([`Bindings::scalars`]): the name reads as this literal.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scalar {
    /// `True` or `False`.
    Bool(bool),
    /// An integer.
    Int(i128),
    /// A float.
    Float(f64),
}

/// What a caller knows about an expression's names beyond "an array of `T`" (for
/// [`parse_with`]); the default binds nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct Bindings<'a> {
    /// Names of boolean arrays (their values 0 or 1): `&`, `|`, `^` and `~` are logical on
    /// them, and `a & b` of two of them is a boolean, as for numpy's `bool` arrays.
    pub booleans: &'a [&'a str],
    /// Names that stand for scalars: each reads as its literal, which takes the expression's
    /// type as numpy 2's Python scalars do (NEP 50: `a * k` with `k = 2` stays `f32` over
    /// `f32` arrays). A scalar is not an input and does not count toward
    /// [`MAX_INPUTS`].
    pub scalars: &'a [(&'a str, Scalar)],
}

/// Reads `source` as an expression over arrays of `T` ([`parse_with`] with no bindings).
///
/// # Errors
///
/// As [`parse_with`].
pub fn parse<T: Element>(source: &str) -> Result<Parsed<T>> {
    parse_with(source, &Bindings::default())
}

/// Reads `source` as an expression over arrays of `T`, with `bindings` saying which names
/// are boolean arrays and which are scalars.
///
/// ```
/// use compute::parse::{parse_with, Bindings, Scalar};
/// let bindings = Bindings { booleans: &["m"], scalars: &[("k", Scalar::Int(3))] };
/// let parsed = parse_with::<f32>("~m & (a > k)", &bindings)?;
/// assert_eq!(parsed.names(), ["m", "a"]);
/// assert!(parsed.is_boolean());
/// # Ok::<(), compute::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::Syntax`] with the column of the first problem: a character or token out of
/// place, an unknown function, a wrong argument count, a reduction that is not the outermost
/// call, an integer literal past `T`'s range ([`SyntaxKind::Literal`]), an operator,
/// function or literal the types do not allow (`/`, `sqrt` or `2.5` on integers, `&` on
/// floats that are not booleans: [`SyntaxKind::Types`]), or nesting past [`MAX_NESTING`].
pub fn parse_with<T: Element>(source: &str, bindings: &Bindings<'_>) -> Result<Parsed<T>> {
    let tokens = lex(source)?;
    let mut parser = Parser {
        bindings,
        scalars: bindings.scalars.iter().copied().collect(),
        tokens: &tokens,
        at: 0,
        depth: 0,
        names: Vec::new(),
        columns: Vec::new(),
        end: source.chars().count() + 1,
    };
    let reduction = parser.reduction()?;
    let value = match reduction {
        Some(_) => {
            parser.expect(&Tok::Open, "`(` after the reduction")?;
            let inner = parser.expression()?;
            if parser.peek() == Some(&Tok::Comma) {
                return Err(syntax(
                    SyntaxKind::ArgumentCount,
                    parser.column(),
                    "a reduction takes one argument (no axis: the data is one array); the \
                     element-wise minimum or maximum of two is `minimum(a, b)`, `maximum(a, b)`",
                ));
            }
            parser.expect(&Tok::Close, "`)`")?;
            inner
        }
        None => parser.expression()?,
    }
    .settle()?;
    if let Some((tok, col)) = parser.tokens.get(parser.at) {
        let what = match tok {
            Tok::Close => "an unmatched `)`".to_string(),
            other => format!("{} after a complete expression", other.describe()),
        };
        return Err(syntax(SyntaxKind::Syntax, *col, what));
    }
    Ok(Parsed {
        expr: value.expr,
        names: parser.names,
        columns: parser.columns,
        reduction,
        boolean: value.boolean,
    })
}

/// What a string expression reads, found without parsing it ([`scan`]): what a caller
/// must bind before it knows the element type, as numexpr looks names up in the caller's
/// frame and numpy weighs Python literals in its promotion.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Scan {
    /// The names read (not the functions called, nor `True`/`False`), in order of first
    /// appearance, each with the 1-based column of that appearance.
    pub names: Vec<(String, usize)>,
    /// Whether an integer literal appears.
    pub int_literals: bool,
    /// Whether a float literal appears.
    pub float_literals: bool,
}

/// The names and literal kinds of `source`. Only the characters are checked here.
///
/// ```
/// let scan = compute::parse::scan("where(a > k, sqrt(a), b) + 1")?;
/// assert_eq!(scan.names, [("a".to_string(), 7), ("k".to_string(), 11), ("b".to_string(), 23)]);
/// assert!(scan.int_literals && !scan.float_literals);
/// # Ok::<(), compute::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::Syntax`] for a character the grammar has no token for, or a malformed number.
pub fn scan(source: &str) -> Result<Scan> {
    let tokens = lex(source)?;
    let mut seen = std::collections::HashSet::new();
    let mut out = Scan::default();
    for (k, (tok, col)) in tokens.iter().enumerate() {
        match tok {
            Tok::Name(name) => {
                let called = matches!(tokens.get(k + 1), Some((Tok::Open, _)));
                if !called && name != "True" && name != "False" && seen.insert(name.as_str()) {
                    out.names.push((name.clone(), *col));
                }
            }
            Tok::Int(_) => out.int_literals = true,
            Tok::Float(_) => out.float_literals = true,
            _ => {}
        }
    }
    Ok(out)
}

/// The names `source` reads, in order of first appearance ([`scan`]'s, without columns).
///
/// ```
/// assert_eq!(compute::parse::names("where(a > k, sqrt(a), b) + a")?, ["a", "k", "b"]);
/// # Ok::<(), compute::Error>(())
/// ```
///
/// # Errors
///
/// As [`scan`].
pub fn names(source: &str) -> Result<Vec<String>> {
    Ok(scan(source)?.names.into_iter().map(|(n, _)| n).collect())
}

fn syntax(kind: SyntaxKind, column: usize, message: impl Into<String>) -> Error {
    Error::Syntax {
        kind,
        column,
        message: message.into(),
    }
}

/// A token and the 1-based column of its first character.
#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Int(i128),
    Float(f64),
    Name(String),
    Op(&'static str),
    Open,
    Close,
    Comma,
}

impl Tok {
    fn describe(&self) -> String {
        match self {
            Tok::Int(v) => format!("the number {v}"),
            Tok::Float(v) => format!("the number {v}"),
            Tok::Name(n) => format!("the name `{n}`"),
            Tok::Op(o) => format!("`{o}`"),
            Tok::Open => "`(`".into(),
            Tok::Close => "`)`".into(),
            Tok::Comma => "`,`".into(),
        }
    }
}

/// Operators, longest first so `**` is not read as two `*`.
const OPERATORS: &[&str] = &[
    "**", "//", "<<", ">>", "<=", ">=", "==", "!=", "+", "-", "*", "/", "%", "<", ">", "&", "|",
    "^", "~",
];

fn lex(source: &str) -> Result<Vec<(Tok, usize)>> {
    let chars: Vec<char> = source.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        let col = i + 1;
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c.is_ascii_digit()
            || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit))
        {
            let (tok, next) = number(&chars, i)?;
            tokens.push((tok, col));
            i = next;
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while chars
                .get(i)
                .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_')
            {
                i += 1;
            }
            tokens.push((Tok::Name(chars[start..i].iter().collect()), col));
        } else if c == '(' {
            tokens.push((Tok::Open, col));
            i += 1;
        } else if c == ')' {
            tokens.push((Tok::Close, col));
            i += 1;
        } else if c == ',' {
            tokens.push((Tok::Comma, col));
            i += 1;
        } else if let Some(op) = OPERATORS.iter().find(|op| {
            op.chars()
                .enumerate()
                .all(|(k, oc)| chars.get(i + k) == Some(&oc))
        }) {
            tokens.push((Tok::Op(op), col));
            i += op.len();
        } else {
            let hint = match c {
                '=' => " (`==` compares; an expression assigns nothing)",
                '!' => " (`~` is logical not)",
                '[' | ']' => " (no indexing: the expression is element-wise)",
                _ => "",
            };
            return Err(syntax(
                SyntaxKind::Syntax,
                col,
                format!("unexpected character {c:?}{hint}"),
            ));
        }
    }
    Ok(tokens)
}

/// The number starting at `chars[start]`: Python's decimal integer and float literals
/// (digits may be grouped with `_`). Returns the token and the index after it.
fn number(chars: &[char], start: usize) -> Result<(Tok, usize)> {
    let col = start + 1;
    let mut i = start;
    let mut text = String::new();
    let mut float = false;
    let digits = |i: &mut usize, text: &mut String| -> Result<()> {
        while let Some(&c) = chars.get(*i) {
            if c.is_ascii_digit() {
                text.push(c);
            } else if c == '_'
                && chars.get(*i + 1).is_some_and(char::is_ascii_digit)
                && text.ends_with(|d: char| d.is_ascii_digit())
            {
                // a digit separator: dropped
            } else {
                break;
            }
            *i += 1;
        }
        Ok(())
    };
    digits(&mut i, &mut text)?;
    if chars.get(i) == Some(&'.') {
        float = true;
        text.push('.');
        i += 1;
        digits(&mut i, &mut text)?;
    }
    if matches!(chars.get(i), Some('e' | 'E')) {
        let mut j = i + 1;
        let mut exp = String::from("e");
        if let Some(&s @ ('+' | '-')) = chars.get(j) {
            exp.push(s);
            j += 1;
        }
        if chars.get(j).is_some_and(char::is_ascii_digit) {
            float = true;
            let mut k = j;
            let mut e = String::new();
            digits(&mut k, &mut e)?;
            text.push_str(&exp);
            text.push_str(&e);
            i = k;
        } else {
            return Err(syntax(
                SyntaxKind::Syntax,
                i + 1,
                "an exponent needs digits (`1e-3`)",
            ));
        }
    }
    if chars
        .get(i)
        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.')
    {
        return Err(syntax(
            SyntaxKind::Syntax,
            col,
            "a malformed number (only decimal integers and floats: `3`, `2.5`, `1e-3`)",
        ));
    }
    let tok =
        if float {
            Tok::Float(
                text.parse()
                    .map_err(|_| syntax(SyntaxKind::Syntax, col, "a malformed number"))?,
            )
        } else {
            let leading_zero =
                text.len() > 1 && text.starts_with('0') && text.chars().any(|c| c != '0');
            if leading_zero {
                return Err(syntax(
                    SyntaxKind::Syntax,
                    col,
                    "leading zeros in an integer are not allowed (as in Python)",
                ));
            }
            Tok::Int(text.parse().map_err(|_| {
                syntax(SyntaxKind::Literal, col, "an integer literal past 128 bits")
            })?)
        };
    Ok((tok, i))
}

/// A value while parsing: its expression, and whether it is a boolean (a comparison, a
/// predicate, `True`/`False`, or a logical op of booleans).
struct Typed<T> {
    expr: Expr<T>,
    boolean: bool,
    /// An integer literal's exact value and column, or those of arithmetic of integer
    /// literals: Python computes `2**40 // 2**38` exactly before numpy sees it, so the parser
    /// folds it in `i128` and checks `T`'s range only where the literal meets an array
    /// ([`Typed::settle`]).
    int: Option<(i128, usize)>,
}

impl<T: Element> Typed<T> {
    fn value(expr: Expr<T>) -> Self {
        Typed {
            expr,
            boolean: false,
            int: None,
        }
    }

    fn boolean(expr: Expr<T>) -> Self {
        Typed {
            expr,
            boolean: true,
            int: None,
        }
    }

    /// `True` or `False`, a boolean constant.
    fn truth(holds: bool) -> Self {
        Typed::boolean(constant(if holds { T::ONE } else { T::ZERO }))
    }

    /// The value as an operand of the kernel: an integer literal must fit `T` exactly
    /// (numpy 2 refuses an out-of-range Python integer too).
    fn settle(self) -> Result<Self> {
        match self.int {
            Some((i, col))
                if T::KIND != Kind::Float
                    && T::from_number(Number::Int(i)).number() != Number::Int(i) =>
            {
                Err(syntax(
                    SyntaxKind::Literal,
                    col,
                    format!("the integer {i} is out of {}'s range", T::NAME),
                ))
            }
            _ => Ok(self),
        }
    }

    /// The exact integer, for folding.
    fn int(&self) -> Option<i128> {
        self.int.map(|(i, _)| i)
    }
}

struct Parser<'t> {
    bindings: &'t Bindings<'t>,
    /// `bindings.scalars` by name, so each lookup is constant time.
    scalars: std::collections::HashMap<&'t str, Scalar>,
    tokens: &'t [(Tok, usize)],
    at: usize,
    depth: usize,
    names: Vec<String>,
    columns: Vec<usize>,
    /// The column just past the end, for errors at the end.
    end: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.at).map(|(t, _)| t)
    }

    fn column(&self) -> usize {
        self.tokens.get(self.at).map_or(self.end, |(_, c)| *c)
    }

    fn next(&mut self) -> Option<(Tok, usize)> {
        let t = self.tokens.get(self.at).cloned();
        self.at += 1;
        t
    }

    fn peek_op(&self) -> Option<&'static str> {
        match self.peek() {
            Some(Tok::Op(o)) => Some(o),
            _ => None,
        }
    }

    fn expect(&mut self, want: &Tok, what: &str) -> Result<(Tok, usize)> {
        let col = self.column();
        match self.next() {
            Some((t, c)) if &t == want => Ok((t, c)),
            Some((t, c)) => Err(syntax(
                SyntaxKind::Syntax,
                c,
                format!("expected {what}, found {}", t.describe()),
            )),
            None => Err(syntax(
                SyntaxKind::Syntax,
                col,
                format!("expected {what} at the end"),
            )),
        }
    }

    /// `sum(`, `prod(`, `min(` or `max(` at the very start: the expression's reduction.
    fn reduction(&mut self) -> Result<Option<Reduce>> {
        let Some(Tok::Name(name)) = self.peek() else {
            return Ok(None);
        };
        let Some(r) = reduction_named(name) else {
            return Ok(None);
        };
        if self.tokens.get(self.at + 1).map(|(t, _)| t) != Some(&Tok::Open) {
            return Ok(None);
        }
        // the reduction must span the whole expression: find its closing parenthesis
        let mut level = 0usize;
        let mut close = None;
        for (k, (t, _)) in self.tokens.iter().enumerate().skip(self.at + 1) {
            match t {
                Tok::Open => level += 1,
                Tok::Close => {
                    level = level.saturating_sub(1);
                    if level == 0 {
                        close = Some(k);
                        break;
                    }
                }
                _ => {}
            }
        }
        let whole = match close {
            // unclosed: read as the reduction, which reports the missing `)`
            None => true,
            // at the end, or before an unmatched `)`, which `parse` reports
            Some(k) => matches!(self.tokens.get(k + 1), None | Some((Tok::Close, _))),
        };
        if whole {
            self.at += 1;
            Ok(Some(r))
        } else {
            // `sum(a) + 1`: read as an ordinary expression, which reports the reduction's
            // place
            Ok(None)
        }
    }

    /// One level deeper, for the token at column `col`.
    fn nest(&mut self, col: usize) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(syntax(
                SyntaxKind::TooDeep,
                col,
                format!("the expression nests deeper than {MAX_NESTING} levels"),
            ));
        }
        Ok(())
    }

    fn expression<T: Element>(&mut self) -> Result<Typed<T>> {
        self.binary()
    }

    /// The binary operators between unary operands, by operator precedence with explicit
    /// stacks (no recursion per level, so a parenthesis costs the same few frames however
    /// many levels are open inside it).
    fn binary<T: Element>(&mut self) -> Result<Typed<T>> {
        let mut values: Vec<Typed<T>> = vec![self.factor()?];
        let mut pending: Vec<(&'static str, u8, usize)> = Vec::new();
        let mut compared: Option<&'static str> = None;
        while let Some(op) = self.peek_op() {
            let level = level(op);
            if level == 0 {
                break;
            }
            let col = self.column();
            if level == 1 {
                if let Some(first) = compared {
                    return Err(syntax(
                        SyntaxKind::Syntax,
                        col,
                        format!(
                            "chained comparison `{first} … {op}`: write `(a {first} b) & (b {op} c)`"
                        ),
                    ));
                }
                compared = Some(op);
            }
            // left-associative: what binds at least as tightly is done first
            while pending.last().is_some_and(|&(_, l, _)| l >= level) {
                apply(&mut values, &mut pending)?;
            }
            self.at += 1;
            pending.push((op, level, col));
            values.push(self.factor()?);
        }
        while !pending.is_empty() {
            apply(&mut values, &mut pending)?;
        }
        values.pop().ok_or_else(|| Error::Internal {
            what: "the parser's value stack ran empty".into(),
        })
    }

    fn factor<T: Element>(&mut self) -> Result<Typed<T>> {
        let Some(op @ ("-" | "+" | "~")) = self.peek_op() else {
            return self.power();
        };
        let col = self.column();
        self.at += 1;
        // `-2147483648`: a negative literal folds before it is converted (unless a power
        // follows: `-2**2` is `-(2**2)`)
        if op == "-" {
            let n = match self.peek() {
                Some(Tok::Int(v)) => Some(Number::Int(*v)),
                Some(Tok::Float(v)) => Some(Number::Float(*v)),
                _ => None,
            };
            let power = matches!(self.tokens.get(self.at + 1), Some((Tok::Op("**"), _)));
            if let (Some(n), false) = (n, power) {
                self.at += 1;
                return literal(negate(n), col);
            }
        }
        self.nest(col)?;
        let operand = self.factor::<T>()?;
        self.depth -= 1;
        match (op, operand.int()) {
            ("-", Some(v)) => return int_literal(v.checked_neg(), col),
            ("~", Some(v)) => return int_literal(Some(!v), col),
            _ => {}
        }
        match op {
            "+" => Ok(operand),
            "-" => Ok(Typed::value(-operand.expr)),
            _ => {
                if operand.boolean {
                    Ok(Typed::boolean(operand.expr.logical_not()))
                } else if T::KIND == Kind::Float {
                    Err(syntax(
                        SyntaxKind::Types,
                        col,
                        format!(
                            "`~` on {} values that are not booleans: it negates a \
                             comparison (`~(a > 0)`), or inverts integers' bits",
                            T::NAME
                        ),
                    ))
                } else {
                    Ok(Typed::value(!operand.expr))
                }
            }
        }
    }

    fn power<T: Element>(&mut self) -> Result<Typed<T>> {
        let base = self.primary()?;
        if self.peek_op() != Some("**") {
            return Ok(base);
        }
        let col = self.column();
        self.at += 1;
        self.nest(col)?;
        let exponent = self.factor::<T>()?;
        self.depth -= 1;
        match (base.int(), exponent.int()) {
            // a literal to a negative literal power is a float in Python: numpy promotes; an
            // array to one numpy refuses
            (Some(_), Some(e)) if e < 0 && T::KIND != Kind::Float => {
                return Err(syntax(
                    SyntaxKind::Types,
                    col,
                    format!("an integer to a negative power is a float, not {}", T::NAME),
                ))
            }
            (_, Some(e)) if e < 0 && T::KIND != Kind::Float => {
                return Err(Error::NegativePower { ty: T::NAME })
            }
            (Some(b), Some(e)) if e >= 0 => {
                let exact = u32::try_from(e).ok().and_then(|e| b.checked_pow(e));
                if exact.is_some() || T::KIND != Kind::Float {
                    return int_literal(exact, col);
                }
            }
            _ => {}
        }
        let (base, exponent) = (base.settle()?, exponent.settle()?);
        Ok(Typed::value(base.expr.pow(exponent.expr)))
    }

    fn primary<T: Element>(&mut self) -> Result<Typed<T>> {
        let col = self.column();
        let Some((tok, _)) = self.next() else {
            return Err(syntax(
                SyntaxKind::Syntax,
                col,
                "the expression ends where a value should follow",
            ));
        };
        match tok {
            Tok::Int(v) => literal(Number::Int(v), col),
            Tok::Float(v) => literal(Number::Float(v), col),
            Tok::Open => {
                self.nest(col)?;
                let inner = self.expression()?;
                self.expect(&Tok::Close, "`)`")?;
                self.depth -= 1;
                Ok(inner)
            }
            Tok::Name(name) => {
                if self.peek() == Some(&Tok::Open) {
                    return self.call(&name, col);
                }
                match name.as_str() {
                    "True" | "False" => Ok(Typed::truth(name == "True")),
                    "and" | "or" | "not" | "if" | "else" | "lambda" | "in" | "is" => Err(syntax(
                        SyntaxKind::Syntax,
                        col,
                        format!("`{name}` is not part of the grammar: join comparisons with `&`, `|` and `~`"),
                    )),
                    _ => self.bound(name, col),
                }
            }
            other => Err(syntax(
                SyntaxKind::Syntax,
                col,
                format!("expected a value, found {}", other.describe()),
            )),
        }
    }

    /// A name not called: a bound scalar's literal, else an array (a boolean one where the
    /// bindings say so).
    fn bound<T: Element>(&mut self, name: String, col: usize) -> Result<Typed<T>> {
        let bindings = self.bindings;
        if let Some(&scalar) = self.scalars.get(name.as_str()) {
            return match scalar {
                Scalar::Bool(b) => Ok(Typed::truth(b)),
                Scalar::Int(i) => literal(Number::Int(i), col),
                Scalar::Float(f) => literal(Number::Float(f), col),
            };
        }
        let boolean = bindings.booleans.contains(&name.as_str());
        let expr = self.name(name, col)?;
        Ok(if boolean {
            Typed::boolean(expr)
        } else {
            Typed::value(expr)
        })
    }

    /// The input of `name`, a new one at its first appearance (at most [`MAX_INPUTS`], so
    /// the search stays short).
    fn name<T: Element>(&mut self, name: String, col: usize) -> Result<Expr<T>> {
        if let Some(k) = self.names.iter().position(|n| *n == name) {
            return Ok(input(k));
        }
        if self.names.len() == MAX_INPUTS {
            return Err(syntax(
                SyntaxKind::TooManyNames,
                col,
                format!(
                    "`{name}` would be array number {}, but one expression reads at most \
                     {MAX_INPUTS}",
                    MAX_INPUTS + 1
                ),
            ));
        }
        self.names.push(name);
        self.columns.push(col);
        Ok(input(self.names.len() - 1))
    }

    fn call<T: Element>(&mut self, name: &str, col: usize) -> Result<Typed<T>> {
        if reduction_named(name).is_some() {
            return Err(syntax(
                SyntaxKind::ReductionNotOutermost,
                col,
                format!(
                    "`{name}(…)` reduces, so it must be the outermost call (`{name}(a * b)`); \
                     for the element-wise minimum or maximum use `minimum(a, b)`, `maximum(a, b)`"
                ),
            ));
        }
        let Some(&(_, arity)) = FUNCTIONS.iter().find(|(f, _)| *f == name) else {
            return Err(syntax(
                SyntaxKind::UnknownFunction,
                col,
                format!("unknown function `{name}`"),
            ));
        };
        self.nest(self.column())?;
        self.at += 1; // `(`
        let mut args: Vec<Typed<T>> = Vec::new();
        // arguments separated by commas, a trailing one allowed (`sqrt(a,)`, as Python)
        while self.peek() != Some(&Tok::Close) {
            args.push(self.expression()?.settle()?);
            if self.peek() != Some(&Tok::Comma) {
                break;
            }
            self.at += 1;
        }
        self.expect(&Tok::Close, "`,` or `)`")?;
        self.depth -= 1;
        function(name, arity, col, args)
    }
}

/// The call `name(args)` at column `col`, its arguments parsed (apart from the parser's
/// recursion, so its frame is not on the stack while they are).
#[inline(never)]
fn function<T: Element>(
    name: &str,
    arity: usize,
    col: usize,
    args: Vec<Typed<T>>,
) -> Result<Typed<T>> {
    if args.len() != arity {
        return Err(syntax(
            SyntaxKind::ArgumentCount,
            col,
            format!(
                "`{name}` takes {arity} argument{}, {} given",
                if arity == 1 { "" } else { "s" },
                args.len()
            ),
        ));
    }
    let float_only = |what: &str| -> Result<()> {
        if T::KIND == Kind::Float {
            Ok(())
        } else {
            Err(syntax(
                SyntaxKind::Types,
                col,
                format!("`{what}` is defined for floats only, not {}", T::NAME),
            ))
        }
    };
    let mut args = args.into_iter();
    let mut arg = || args.next().map(|a| (a.expr, a.boolean));
    let (a, _) = arg().unwrap_or((constant(T::ZERO), false));
    let value = |e: Expr<T>| Ok(Typed::value(e));
    match name {
        "where" => {
            let (b, b_bool) = arg().unwrap_or((constant(T::ZERO), false));
            let (c, c_bool) = arg().unwrap_or((constant(T::ZERO), false));
            let e = where_(a, b, c);
            Ok(if b_bool && c_bool {
                Typed::boolean(e)
            } else {
                Typed::value(e)
            })
        }
        "arctan2" | "hypot" | "copysign" | "minimum" | "maximum" => {
            let (b, _) = arg().unwrap_or((constant(T::ZERO), false));
            match name {
                "arctan2" => float_only(name).and_then(|()| value(a.arctan2(b))),
                "hypot" => float_only(name).and_then(|()| value(a.hypot(b))),
                "copysign" => float_only(name).and_then(|()| value(a.copysign(b))),
                "minimum" => value(a.min(b)),
                _ => value(a.max(b)),
            }
        }
        "isnan" => Ok(Typed::boolean(a.isnan())),
        "isinf" => Ok(Typed::boolean(a.isinf())),
        "isfinite" => Ok(Typed::boolean(a.isfinite())),
        "abs" | "absolute" => value(a.abs()),
        "sign" => value(a.sign()),
        "floor" => value(a.floor()),
        "ceil" => value(a.ceil()),
        "round" => value(a.round()),
        _ => {
            float_only(name)?;
            value(match name {
                "sqrt" => a.sqrt(),
                "exp" => a.exp(),
                "expm1" => a.expm1(),
                "exp2" => a.exp2(),
                "log" => a.log(),
                "log1p" => a.log1p(),
                "log2" => a.log2(),
                "log10" => a.log10(),
                "sin" => a.sin(),
                "cos" => a.cos(),
                "tan" => a.tan(),
                "arcsin" => a.arcsin(),
                "arccos" => a.arccos(),
                "arctan" => a.arctan(),
                "sinh" => a.sinh(),
                "cosh" => a.cosh(),
                "tanh" => a.tanh(),
                "arcsinh" => a.arcsinh(),
                "arccosh" => a.arccosh(),
                "arctanh" => a.arctanh(),
                "cbrt" => a.cbrt(),
                _ => {
                    return Err(Error::Internal {
                        what: format!("the function table lists `{name}` without a meaning"),
                    })
                }
            })
        }
    }
}

/// `-n` for a literal (an integer's negation is exact in i128 for any literal that lexed).
fn negate(n: Number) -> Number {
    match n {
        Number::Float(v) => Number::Float(-v),
        Number::Int(v) => Number::Int(v.checked_neg().unwrap_or(i128::MAX)),
    }
}

/// A literal as a `T` constant: integers must fit `T` exactly (numpy 2 refuses an
/// out-of-range Python integer too), floats only in float expressions.
fn literal<T: Element>(n: Number, col: usize) -> Result<Typed<T>> {
    let v = match (T::KIND, n) {
        (Kind::Float, _) => T::from_number(n),
        (_, Number::Float(_)) => {
            return Err(syntax(
                SyntaxKind::Types,
                col,
                format!(
                    "a float literal in an {} expression (numpy would give floats: cast the \
                     arrays to f64 first)",
                    T::NAME
                ),
            ))
        }
        // checked where it meets an array (`Typed::settle`)
        (_, Number::Int(_)) => T::from_number(n),
    };
    let int = match n {
        Number::Int(i) => Some((i, col)),
        Number::Float(_) => None,
    };
    Ok(Typed {
        int,
        ..Typed::value(constant(v))
    })
}

/// The result of integer-literal arithmetic as a literal: `None` (past 128 bits) is an error.
fn int_literal<T: Element>(v: Option<i128>, col: usize) -> Result<Typed<T>> {
    match v {
        Some(v) => literal(Number::Int(v), col),
        None => Err(syntax(
            SyntaxKind::Literal,
            col,
            "integer literal arithmetic past 128 bits",
        )),
    }
}

/// Python's value of `l op r` for two integer literals: `None` where the parser does not
/// fold it (true division, a negative shift count: left to the kernel), `Some(None)` where
/// it passes 128 bits.
fn fold_ints(op: &str, l: i128, r: i128) -> Option<Option<i128>> {
    Some(match op {
        "+" => l.checked_add(r),
        "-" => l.checked_sub(r),
        "*" => l.checked_mul(r),
        // Python's floor division and remainder: toward −∞, the remainder the divisor's sign
        "//" if r != 0 => l.checked_div(r).map(|q| {
            let inexact = l.checked_rem(r).is_some_and(|m| m != 0);
            if inexact && ((l < 0) != (r < 0)) {
                q - 1
            } else {
                q
            }
        }),
        "%" if r != 0 => Some(match l.checked_rem(r).unwrap_or(0) {
            m if m != 0 && ((m < 0) != (r < 0)) => m + r,
            m => m,
        }),
        // Python's shifts and bitwise operators on exact integers (a negative count is
        // Python's error: left to the kernel, which answers as numpy does for arrays)
        "<<" if r >= 0 => u32::try_from(r)
            .ok()
            .filter(|&c| c < 127)
            .and_then(|c| l.checked_shl(c).filter(|v| v >> c == l)),
        ">>" if r >= 0 => Some(l >> r.min(127)),
        "&" => Some(l & r),
        "|" => Some(l | r),
        "^" => Some(l ^ r),
        _ => return None,
    })
}

/// The last pending operator applied to the last two values.
fn apply<T: Element>(
    values: &mut Vec<Typed<T>>,
    pending: &mut Vec<(&'static str, u8, usize)>,
) -> Result<()> {
    let (op, _, col) = pending.pop().ok_or_else(|| Error::Internal {
        what: "no operator pending".into(),
    })?;
    let (Some(right), Some(left)) = (values.pop(), values.pop()) else {
        return Err(Error::Internal {
            what: "an operator without two operands".into(),
        });
    };
    values.push(combine(op, col, left, right)?);
    Ok(())
}

/// Python's precedence of a binary operator, 1 (comparisons) to 7 (`*`, `/`, `//`, `%`);
/// 0 for an operator that is not binary (`~`, `**` is handled by `power`).
fn level(op: &str) -> u8 {
    match op {
        "<" | "<=" | ">" | ">=" | "==" | "!=" => 1,
        "|" => 2,
        "^" => 3,
        "&" => 4,
        "<<" | ">>" => 5,
        "+" | "-" => 6,
        "*" | "/" | "//" | "%" => 7,
        _ => 0,
    }
}

/// `left op right` for a binary operator at column `col`.
#[inline(never)]
fn combine<T: Element>(
    op: &'static str,
    col: usize,
    left: Typed<T>,
    right: Typed<T>,
) -> Result<Typed<T>> {
    let float = T::KIND == Kind::Float;
    let both = left.boolean && right.boolean;
    if let (Some(a), Some(b)) = (left.int(), right.int()) {
        let truth = |holds: bool| Ok(Typed::truth(holds));
        match op {
            "<" => return truth(a < b),
            "<=" => return truth(a <= b),
            ">" => return truth(a > b),
            ">=" => return truth(a >= b),
            "==" => return truth(a == b),
            "!=" => return truth(a != b),
            "//" | "%" if b == 0 => return Err(Error::DivisionByZero { ty: T::NAME }),
            _ => {}
        }
        if let Some(v) = fold_ints(op, a, b) {
            if v.is_some() || !float {
                return int_literal(v, col);
            }
        }
    }
    let (left, right) = (left.settle()?, right.settle()?);
    let (l, r) = (left.expr, right.expr);
    let refuse = |message: String| Err(syntax(SyntaxKind::Types, col, message));
    Ok(match op {
        "<" => Typed::boolean(l.lt(r)),
        "<=" => Typed::boolean(l.le(r)),
        ">" => Typed::boolean(l.gt(r)),
        ">=" => Typed::boolean(l.ge(r)),
        "==" => Typed::boolean(l.equal(r)),
        "!=" => Typed::boolean(l.not_equal(r)),
        // logical on two booleans, bitwise on integers
        "&" | "|" | "^" if both => Typed::boolean(match op {
            "&" => l.logical_and(r),
            "|" => l.logical_or(r),
            _ => l.logical_xor(r),
        }),
        "&" | "|" | "^" if float => {
            return refuse(format!(
                "`{op}` on {} values that are not all booleans: it joins comparisons \
                 (`(a > 0) {op} (b < 1)`), or integers bitwise",
                T::NAME
            ))
        }
        "&" => Typed::value(l & r),
        "|" => Typed::value(l | r),
        "^" => Typed::value(l ^ r),
        "<<" | ">>" if float => return refuse(format!("`{op}` shifts integers, not {}", T::NAME)),
        "<<" => Typed::value(l << r),
        ">>" => Typed::value(l >> r),
        "+" => Typed::value(l + r),
        "-" => Typed::value(l - r),
        "*" => Typed::value(l * r),
        "/" if !float => {
            return refuse(format!(
                "`/` of {} gives floats in numpy; cast the arrays to f64 first, or use `//`",
                T::NAME
            ))
        }
        "/" => Typed::value(l / r),
        "//" => Typed::value(l.floor_div(r)),
        "%" => Typed::value(l % r),
        _ => {
            return Err(Error::Internal {
                what: format!("the parser has no meaning for `{op}`"),
            })
        }
    })
}
