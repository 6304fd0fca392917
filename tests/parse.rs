//! String expressions (`compute::parse`, `compute::evaluate`): numexpr's grammar with
//! Python's precedence, each function and operator against the expression built by hand,
//! typed errors with their columns, and no panic, stack overflow or hang on any string.

use compute::expr::{where_, x, y, Expr};
use compute::parse::{parse, Value, FUNCTIONS, MAX_NESTING};
use compute::{Device, Element, Error, Reduce, SyntaxKind};
use proptest::prelude::*;

fn cpu() -> Device {
    Device::cpu()
}

/// Values of every sign and scale, NaN and ±∞ among them.
fn data(n: usize, seed: u32) -> Vec<f64> {
    let special = [
        0.0,
        -0.0,
        1.0,
        -1.0,
        0.5,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        1e-300,
        3.0,
    ];
    (0..n)
        .map(|i| {
            if i < special.len() {
                special[(i + seed as usize) % special.len()]
            } else {
                let t = ((i as u64 * 2_654_435_761 + u64::from(seed) * 40_503) % 1_000_003) as f64;
                (t / 1_000_003.0 - 0.4) * 7.0
            }
        })
        .collect()
}

/// `source` over `a` and `b` (named `a`, `b`) against `expected` built by hand, bit for bit.
fn same<T: Element + PartialEq + std::fmt::Debug>(
    source: &str,
    expected: Expr<T>,
    a: &[T],
    b: &[T],
) {
    let got = compute::evaluate(&cpu(), source, &[("a", a), ("b", b)])
        .unwrap_or_else(|e| panic!("{source}: {e}"));
    let want = compute::eval(&cpu(), expected, (a, b)).unwrap();
    let Value::Array(got) = got else {
        panic!("{source}: not an array")
    };
    let bits = |v: &[T]| {
        format!(
            "{:?}",
            v.iter()
                .map(|x| bytemuck::bytes_of(x).to_vec())
                .collect::<Vec<_>>()
        )
    };
    assert_eq!(bits(&got), bits(&want), "{source}: {got:?} vs {want:?}");
}

#[test]
fn every_function_matches_the_expression_built_by_hand() {
    let a: Vec<f64> = data(37, 1);
    let b: Vec<f64> = data(37, 5);
    let one = |f: fn(Expr<f64>) -> Expr<f64>| f(x());
    let cases: Vec<(&str, Expr<f64>)> = vec![
        ("sqrt(a)", one(Expr::sqrt)),
        ("exp(a)", one(Expr::exp)),
        ("expm1(a)", one(Expr::expm1)),
        ("exp2(a)", one(Expr::exp2)),
        ("log(a)", one(Expr::log)),
        ("log1p(a)", one(Expr::log1p)),
        ("log2(a)", one(Expr::log2)),
        ("log10(a)", one(Expr::log10)),
        ("sin(a)", one(Expr::sin)),
        ("cos(a)", one(Expr::cos)),
        ("tan(a)", one(Expr::tan)),
        ("arcsin(a)", one(Expr::arcsin)),
        ("arccos(a)", one(Expr::arccos)),
        ("arctan(a)", one(Expr::arctan)),
        ("sinh(a)", one(Expr::sinh)),
        ("cosh(a)", one(Expr::cosh)),
        ("tanh(a)", one(Expr::tanh)),
        ("arcsinh(a)", one(Expr::arcsinh)),
        ("arccosh(a)", one(Expr::arccosh)),
        ("arctanh(a)", one(Expr::arctanh)),
        ("abs(a)", one(Expr::abs)),
        ("absolute(a)", one(Expr::abs)),
        ("floor(a)", one(Expr::floor)),
        ("ceil(a)", one(Expr::ceil)),
        ("round(a)", one(Expr::round)),
        ("cbrt(a)", one(Expr::cbrt)),
        ("sign(a)", one(Expr::sign)),
        ("isnan(a)", one(Expr::isnan)),
        ("isinf(a)", one(Expr::isinf)),
        ("isfinite(a)", one(Expr::isfinite)),
        ("arctan2(a, b)", x().arctan2(y())),
        ("hypot(a, b)", x().hypot(y())),
        ("copysign(a, b)", x().copysign(y())),
        ("minimum(a, b)", x().min(y())),
        ("maximum(a, b)", x().max(y())),
        (
            "where(a > b, a, b * 2)",
            where_(x().gt(y()), x(), y() * 2.0),
        ),
        ("where(a, 1, 0)", where_(x(), 1.0, 0.0)),
    ];
    let named: std::collections::BTreeSet<&str> = cases
        .iter()
        .map(|(s, _)| s.split('(').next().unwrap())
        .collect();
    for (f, _) in FUNCTIONS {
        assert!(
            named.contains(f),
            "FUNCTIONS lists `{f}`, which this test does not check"
        );
    }
    for (source, expected) in cases {
        same(source, expected, &a, &b);
    }
}

#[test]
fn operators_follow_pythons_precedence() {
    let a: Vec<f64> = data(29, 2);
    let b: Vec<f64> = data(29, 7);
    let cases: Vec<(&str, Expr<f64>)> = vec![
        ("a + b * 2", x() + y() * 2.0),
        ("(a + b) * 2", (x() + y()) * 2.0),
        ("a - b - 1", x() - y() - 1.0),
        ("a / b / 2", x() / y() / 2.0),
        ("a // b % 3", x().floor_div(y()) % 3.0),
        ("-a ** 2", -(x().pow(2.0))),
        ("a ** -b", x().pow(-y())),
        ("2 ** 3 ** a", Expr::from(2.0).pow(Expr::from(3.0).pow(x()))),
        ("-a * b", -x() * y()),
        ("+a - -b", x() - -y()),
        ("a*b+a*1.5-b", x() * y() + x() * 1.5 - y()),
        ("a > b", x().gt(y())),
        ("a >= b + 1", x().ge(y() + 1.0)),
        ("a < b", x().lt(y())),
        ("a <= b", x().le(y())),
        ("a == b", x().equal(y())),
        ("a != b", x().not_equal(y())),
        ("(a > 0) & (b < 1)", x().gt(0.0).logical_and(y().lt(1.0))),
        (
            "(a > 0) | (b < 1) & (a < b)",
            x().gt(0.0).logical_or(y().lt(1.0).logical_and(x().lt(y()))),
        ),
        ("(a > 0) ^ (b < 1)", x().gt(0.0).logical_xor(y().lt(1.0))),
        ("~(a > 0)", x().gt(0.0).logical_not()),
        (
            "~isnan(a) & True",
            x().isnan().logical_not().logical_and(1.0),
        ),
        (
            "where((a > 0) & ~(b > 0), a, -b)",
            where_(
                x().gt(0.0).logical_and(y().gt(0.0).logical_not()),
                x(),
                -y(),
            ),
        ),
        ("sqrt(2*a + b)", (2.0 * x::<f64>() + y()).sqrt()),
        (
            "1e-3 * a + .5 - 5. + 1_000",
            x() * 1e-3 + 0.5 - 5.0 + 1000.0,
        ),
        ("  a\t*\n2  ", x() * 2.0),
        ("arctan2(a, b,)", x().arctan2(y())),
        ("1_0.2_5e1_0 * a", x() * 10.25e10),
    ];
    for (source, expected) in cases {
        same(source, expected, &a, &b);
    }
}

#[test]
fn integers_are_bitwise_and_fold_negative_literals() {
    let a: Vec<i32> = (0..41).map(|i| (i * 7919 % 201) - 100).collect();
    let b: Vec<i32> = (0..41).map(|i| (i * 104_729 % 13) - 3).collect();
    let cases: Vec<(&str, Expr<i32>)> = vec![
        ("a & b", x() & y()),
        ("a | b ^ 3", x() | (y() ^ 3)),
        ("~a", !x()),
        ("a << 2 >> b", (x() << 2) >> y()),
        ("a // b", x().floor_div(y())),
        ("a % b", x() % y()),
        ("a * -2147483648", x() * i32::MIN),
        ("(a > b) & (b > 0)", x().gt(y()).logical_and(y().gt(0))),
        ("~(a > b)", x().gt(y()).logical_not()),
        ("a ** 2 + 1", x().pow(2) + 1),
        ("abs(a) + sign(b)", x().abs() + y().sign()),
        ("minimum(a, b) - maximum(a, 0)", x().min(y()) - x().max(0)),
        ("where(a, b, 7)", where_(x(), y(), 7)),
    ];
    for (source, expected) in cases {
        same(source, expected, &a, &b);
    }
    let big: Vec<i64> = vec![1, -5, i64::MAX];
    same("a + 9223372036854775807", x() + i64::MAX, &big, &big);
}

#[test]
fn reductions_are_the_outermost_call() {
    let a = [1.0_f32, 2.0, 3.0, 4.0];
    let b = [4.0_f32, 3.0, 2.0, 1.0];
    let arrays: [(&str, &[f32]); 2] = [("a", &a), ("b", &b)];
    let run = |s: &str| compute::evaluate(&cpu(), s, &arrays);
    assert_eq!(run("sum(a * b)").unwrap(), Value::Scalar(Some(20.0)));
    assert_eq!(run(" min ( a - b ) ").unwrap(), Value::Scalar(Some(-3.0)));
    assert_eq!(
        run("max(where(a > 2, a, 0))").unwrap(),
        Value::Scalar(Some(4.0))
    );
    assert_eq!(
        parse::<f32>("prod(a)").unwrap().reduction(),
        Some(Reduce::Prod)
    );
    assert_eq!(run("prod(a + 1)").unwrap(), Value::Scalar(Some(120.0)));
    let empty: [(&str, &[f32]); 1] = [("a", &[])];
    assert_eq!(
        compute::evaluate(&cpu(), "max(a)", &empty).unwrap(),
        Value::Scalar(None)
    );
    assert_eq!(
        compute::evaluate(&cpu(), "sum(a)", &empty).unwrap(),
        Value::Scalar(Some(0.0))
    );
    assert_eq!(
        compute::evaluate(&cpu(), "a * 2", &empty).unwrap(),
        Value::Array(vec![])
    );
    // constants alone: one element
    assert_eq!(
        compute::evaluate::<f64>(&cpu(), "2 * 3 + 1", &[]).unwrap(),
        Value::Array(vec![7.0])
    );
    // extra arrays are ignored; names bind in order of first appearance
    let p = parse::<f32>("b - a + b").unwrap();
    assert_eq!(p.names(), ["b", "a"]);
    assert_eq!(
        p.evaluate(&cpu(), &arrays).unwrap(),
        Value::Array(vec![7.0, 4.0, 1.0, -2.0])
    );
}

/// The error kind and column `source` gives (parse, then evaluation over `a` and `b`).
fn fails(source: &str) -> (SyntaxKind, usize) {
    let a = [1.0_f32, 2.0];
    match compute::evaluate(&cpu(), source, &[("a", &a[..]), ("b", &a[..])]) {
        Err(Error::Syntax {
            kind,
            column,
            message,
        }) => {
            assert!(!message.is_empty());
            (kind, column)
        }
        other => panic!("{source:?} gave {other:?}, not a syntax error"),
    }
}

#[test]
fn errors_name_their_kind_and_column() {
    use SyntaxKind::*;
    let cases: &[(&str, SyntaxKind, usize)] = &[
        ("", Syntax, 1),
        ("a +", Syntax, 4),
        ("a + * b", Syntax, 5),
        ("(a + b", Syntax, 7),
        ("a + b)", Syntax, 6),
        ("a b", Syntax, 3),
        ("a = b", Syntax, 3),
        ("a $ b", Syntax, 3),
        ("a < b < 1", Syntax, 7),
        ("a and b", Syntax, 3),
        ("1.5.2", Syntax, 1),
        ("0x10 + a", Syntax, 1),
        ("1e + a", Syntax, 2),
        ("007", Syntax, 1),
        ("foo(a)", UnknownFunction, 1),
        ("a + bessel(b)", UnknownFunction, 5),
        ("c + a", UnknownName, 1),
        ("a + a * zeta", UnknownName, 9),
        ("arctan2(a)", ArgumentCount, 1),
        ("sqrt(a, b)", ArgumentCount, 1),
        ("where(a, b)", ArgumentCount, 1),
        ("min(a, b)", ArgumentCount, 6),
        ("sum(a) + 1", ReductionNotOutermost, 1),
        ("a + sum(b)", ReductionNotOutermost, 5),
        ("sqrt(max(a))", ReductionNotOutermost, 6),
        ("a & b", Types, 3),
        ("~a", Types, 1),
        ("a << 1", Types, 3),
        ("é + a", Syntax, 1),
        ("a + \u{1F600}", Syntax, 5),
        ("1._5", Syntax, 1),
        ("1__0", Syntax, 1),
        ("sum(a", Syntax, 6),
        ("sum(a))", Syntax, 7),
        ("sqrt(,)", Syntax, 6),
        ("a + b + c + d + e", TooManyNames, 17),
    ];
    for &(source, kind, column) in cases {
        assert_eq!(fails(source), (kind, column), "{source:?}");
    }
    // integer expressions: float literals, true division and float functions are refused
    let ints = [1_i32, 2];
    let int_err = |s: &str| match compute::evaluate(&cpu(), s, &[("a", &ints[..])]) {
        Err(Error::Syntax { kind, column, .. }) => (kind, column),
        other => panic!("{s:?} gave {other:?}"),
    };
    assert_eq!(int_err("a * 2.5"), (Types, 5));
    assert_eq!(int_err("a + 2147483648"), (Literal, 5));
    assert_eq!(int_err("a / 2"), (Types, 3));
    assert_eq!(int_err("sqrt(a)"), (Types, 1));
    assert_eq!(
        int_err("a + 99999999999999999999999999999999999999999"),
        (Literal, 5)
    );
    // an error's message names the column
    let e = compute::evaluate::<f32>(&cpu(), "a + * b", &[]).unwrap_err();
    assert!(e.to_string().starts_with("column 5:"), "{e}");
}

#[test]
fn nesting_is_bounded_and_long_expressions_are_linear() {
    let deep =
        |open: &str, close: &str, n: usize| format!("{}a{}", open.repeat(n), close.repeat(n));
    // the deepest accepted forms, on a thread with half the default 2 MiB stack
    let accepted = [
        deep("(", ")", MAX_NESTING - 1),
        deep("sqrt(", ")", MAX_NESTING - 1),
        deep("where(a > 0, b, ", ")", MAX_NESTING - 1),
        deep("-(", ")", MAX_NESTING / 2 - 1),
        format!("a{}", "**a".repeat(MAX_NESTING - 1)),
        // every binary precedence level open at each parenthesis
        deep("a<a|a^a&a<<a+a*(", ")", MAX_NESTING - 1),
    ];
    std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(move || {
            for source in accepted {
                // i64 for the bitwise levels, f64 for `sqrt`
                let ok = parse::<i64>(&source).is_ok() || parse::<f64>(&source).is_ok();
                assert!(ok, "{}…", &source[..20]);
            }
        })
        .unwrap()
        .join()
        .unwrap();
    for source in [
        deep("(", ")", 100_000),
        deep("sqrt(", ")", 100_000),
        deep("-", "", 100_000),
        deep("~", "", 100_000),
        format!("a{}", "**a".repeat(100_000)),
        "(".repeat(1_000_000),
    ] {
        match parse::<f32>(&source) {
            Err(Error::Syntax {
                kind: SyntaxKind::TooDeep,
                ..
            }) => {}
            other => panic!("{}…: {other:?}", &source[..20]),
        }
    }
    // the column of the level past the limit
    match parse::<f32>(&deep("(", ")", MAX_NESTING + 1)) {
        Err(Error::Syntax {
            kind: SyntaxKind::TooDeep,
            column,
            ..
        }) => {
            assert_eq!(column, MAX_NESTING + 1)
        }
        other => panic!("{other:?}"),
    }
    // 200,000 distinct names: refused at the fifth, without a quadratic search
    let names: Vec<String> = (0..200_000).map(|k| format!("a{k}")).collect();
    match parse::<f32>(&names.join("+")) {
        Err(Error::Syntax {
            kind: SyntaxKind::TooManyNames,
            column,
            ..
        }) => {
            assert_eq!(column, "a0+a1+a2+a3+".len() + 1)
        }
        other => panic!("{other:?}"),
    }
    // a flat sum of 200,000 terms parses in linear time (no recursion per term)
    let long = format!("a{}", " + a".repeat(200_000));
    let started = std::time::Instant::now();
    let parsed = parse::<f32>(&long).unwrap();
    assert_eq!(parsed.names(), ["a"]);
    assert!(started.elapsed().as_secs() < 60);
    // a huge literal and a huge name are errors or values, never a panic
    assert!(parse::<f64>(&"9".repeat(100_000)).is_err());
    assert!(parse::<f64>(&format!("1{}e-99999", "0".repeat(10_000))).is_ok());
    assert_eq!(
        parse::<f32>(&"z".repeat(100_000)).unwrap().names()[0].len(),
        100_000
    );
}

/// A random expression over `a` and `b`, printed with the fewest parentheses Python's
/// precedence allows, and the same expression built by hand.
#[derive(Clone, Debug)]
enum Node {
    A,
    B,
    Lit(u8),
    Neg(Box<Node>),
    Bin(&'static str, Box<Node>, Box<Node>),
    Call(&'static str, Vec<Node>),
}

/// Python's binding strength of a printed node (higher binds tighter).
fn level(n: &Node) -> u8 {
    match n {
        Node::Bin(op, ..) => match *op {
            "+" | "-" => 1,
            "*" | "/" => 2,
            _ => 4, // "**"
        },
        Node::Neg(_) => 3,
        _ => 5,
    }
}

fn print(n: &Node) -> String {
    let wrap = |child: &Node, min: u8| {
        let s = print(child);
        if level(child) < min {
            format!("({s})")
        } else {
            s
        }
    };
    match n {
        Node::A => "a".into(),
        Node::B => "b".into(),
        Node::Lit(v) => format!("{:?}", f64::from(*v) / 4.0),
        Node::Neg(c) => format!("-{}", wrap(c, 3)),
        Node::Bin(op, l, r) => {
            let me = level(n);
            if *op == "**" {
                // right-associative; its left side binds tighter than unary minus
                format!("{} ** {}", wrap(l, 5), wrap(r, 3))
            } else {
                format!("{} {op} {}", wrap(l, me), wrap(r, me + 1))
            }
        }
        Node::Call("where", args) => format!(
            "where({} > 0, {}, {})",
            print(&args[0]),
            print(&args[1]),
            print(&args[2])
        ),
        Node::Call(f, args) => format!(
            "{f}({})",
            args.iter().map(print).collect::<Vec<_>>().join(", ")
        ),
    }
}

fn build(n: &Node) -> Expr<f64> {
    match n {
        Node::A => x(),
        Node::B => y(),
        Node::Lit(v) => Expr::from(f64::from(*v) / 4.0),
        Node::Neg(c) => -build(c),
        Node::Bin(op, l, r) => {
            let (l, r) = (build(l), build(r));
            match *op {
                "+" => l + r,
                "-" => l - r,
                "*" => l * r,
                "/" => l / r,
                _ => l.pow(r),
            }
        }
        Node::Call(f, args) => {
            let mut it = args.iter().map(build);
            let a = it.next().unwrap();
            match *f {
                "sin" => a.sin(),
                "abs" => a.abs(),
                "arctan2" => a.arctan2(it.next().unwrap()),
                _ => where_(a.gt(0.0), it.next().unwrap(), it.next().unwrap()),
            }
        }
    }
}

fn node() -> impl Strategy<Value = Node> {
    let leaf = prop_oneof![Just(Node::A), Just(Node::B), (0u8..12).prop_map(Node::Lit)];
    leaf.prop_recursive(5, 24, 3, |inner| {
        prop_oneof![
            inner.clone().prop_map(|c| Node::Neg(Box::new(c))),
            (
                prop::sample::select(vec!["+", "-", "*", "/", "**"]),
                inner.clone(),
                inner.clone()
            )
                .prop_map(|(op, l, r)| Node::Bin(op, Box::new(l), Box::new(r))),
            (prop::sample::select(vec!["sin", "abs"]), inner.clone())
                .prop_map(|(f, a)| Node::Call(f, vec![a])),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Node::Call("arctan2", vec![a, b])),
            (inner.clone(), inner.clone(), inner)
                .prop_map(|(c, a, b)| Node::Call("where", vec![c, a, b])),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn printed_expressions_read_back_as_built(n in node()) {
        let source = print(&n);
        let a = data(13, 3);
        let b = data(13, 8);
        let expected = build(&n);
        match compute::eval(&cpu(), &expected, (&a, &b)) {
            // deeper than one kernel's stack: the parsed one must fail the same way
            Err(e) => {
                let got = compute::evaluate(&cpu(), &source, &[("a", &a[..]), ("b", &b[..])]);
                prop_assert!(got.is_err(), "{source}: built gave {e}, parsed {got:?}");
            }
            // constants alone give one element (numexpr's 0-d answer)
            Ok(want) if parse::<f64>(&source).unwrap().names().is_empty() => {
                let got = compute::evaluate::<f64>(&cpu(), &source, &[]).unwrap();
                prop_assert_eq!(
                    format!("{got:?}"),
                    format!("{:?}", Value::Array(want[..1].to_vec()))
                );
            }
            Ok(_) => same(&source, expected, &a, &b),
        }
    }

    #[test]
    fn any_string_is_a_value_or_an_error(s in "[ab0-9.eE+\\-*/%<>=!&|^~(),_ aTFsqrtwhe]{0,40}") {
        let a = [1.0_f32, -2.0];
        let _ = compute::evaluate(&cpu(), &s, &[("a", &a[..]), ("b", &a[..])]);
        let _ = parse::<i64>(&s);
    }

    #[test]
    fn any_unicode_string_is_a_value_or_an_error(s in "\\PC{0,30}") {
        let _ = parse::<f32>(&s);
        let _ = parse::<u32>(&s);
    }
}

/// A long fuzz-style run: 100,000 mutations (characters dropped, doubled, swapped, or
/// replaced by grammar characters) of valid expressions, parsed for each element type
/// and, when they parse, evaluated: every one gives a value or an error.
#[test]
fn mutated_expressions_never_panic() {
    let seeds = [
        "where((a > 0.5) & ~isnan(b), sqrt(2*a + b), -b ** 2)",
        "sum(arctan2(a, b) * 1e-3 // 2 % 7)",
        "max(minimum(a, b) << 2 >> 1 | a & b ^ 3)",
        "-(-(a)) + +b - 1_000.5e+2 != a <= b",
    ];
    let alphabet: Vec<char> = "ab01259.eE+-*/%<>=!&|^~(),_ xyzsqrtwhe\u{e9}"
        .chars()
        .collect();
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = |m: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % m as u64) as usize
    };
    let a = [0.5_f64, -3.0, 7.0];
    let ai = [5_i64, -3, 0];
    let au = [5_u32, 3, 0];
    for round in 0..100_000 {
        let mut s: Vec<char> = seeds[round % seeds.len()].chars().collect();
        for _ in 0..1 + next(4) {
            let at = next(s.len().max(1));
            match next(4) {
                0 if !s.is_empty() => {
                    s.remove(at.min(s.len() - 1));
                }
                1 if !s.is_empty() => {
                    let c = s[at.min(s.len() - 1)];
                    s.insert(at, c);
                }
                2 if s.len() > 1 => {
                    let k = at.min(s.len() - 2);
                    s.swap(k, k + 1);
                }
                _ => s.insert(at.min(s.len()), alphabet[next(alphabet.len())]),
            }
        }
        let s: String = s.into_iter().collect();
        if round % 10 == 0 {
            let _ = compute::evaluate(&cpu(), &s, &[("a", &a[..]), ("b", &a[..])]);
            let _ = compute::evaluate(&cpu(), &s, &[("a", &ai[..]), ("b", &ai[..])]);
            let _ = compute::evaluate(&cpu(), &s, &[("a", &au[..]), ("b", &au[..])]);
        } else {
            let _ = parse::<f32>(&s);
            let _ = parse::<i32>(&s);
        }
    }
}

#[test]
fn bindings_make_boolean_arrays_and_weak_scalars() {
    use compute::parse::{parse_with, Bindings, Scalar};
    use SyntaxKind::{Literal, Types};
    let device = cpu();
    let scalars = [
        ("k", Scalar::Int(3)),
        ("h", Scalar::Float(0.5)),
        ("t", Scalar::Bool(true)),
        ("n", Scalar::Int(-2)),
    ];
    let bindings = Bindings {
        booleans: &["m"],
        scalars: &scalars,
    };
    // a boolean array joins comparisons logically; scalars are literals, not inputs
    let p = parse_with::<f32>("~m & (a > k * h) & t", &bindings).unwrap();
    assert_eq!(p.names(), ["m", "a"]);
    assert!(p.is_boolean());
    let (m, a) = ([1.0_f32, 0.0, 0.0, 1.0], [2.0_f32, 2.0, 1.0, 1.0]);
    assert_eq!(
        p.evaluate(&device, &[("m", &m[..]), ("a", &a[..])])
            .unwrap(),
        Value::Array(vec![0.0, 1.0, 0.0, 0.0])
    );
    // a negative scalar is one literal: n ** 2 is (-2) ** 2
    let p = parse_with::<i64>("a * n ** 2 + k", &bindings).unwrap();
    assert_eq!(p.names(), ["a"]);
    assert!(!p.is_boolean());
    assert_eq!(
        p.evaluate(&device, &[("a", &[1_i64, -1][..])]).unwrap(),
        Value::Array(vec![7, -1])
    );
    // a float scalar in an integer expression asks for floats, as a float literal does
    let err = |r: compute::Result<compute::parse::Parsed<i32>>| match r {
        Err(Error::Syntax { kind, column, .. }) => (kind, column),
        other => panic!("{other:?}"),
    };
    assert_eq!(err(parse_with("a * h", &bindings)), (Types, 5));
    let big = [("big", Scalar::Int(1 << 40))];
    let wide = Bindings {
        booleans: &[],
        scalars: &big,
    };
    assert_eq!(err(parse_with("a + big", &wide)), (Literal, 5));
    assert!(parse_with::<i64>("a + big", &wide).is_ok());
    // without bindings a name is an array, and a comparison's result is boolean
    assert!(parse::<f32>("a > 1").unwrap().is_boolean());
    assert!(!parse::<f32>("a + 1").unwrap().is_boolean());
    assert!(parse::<f32>("sum(a > 1)").unwrap().is_boolean());
    assert!(parse::<f32>("where(a > 1, a < 3, False)")
        .unwrap()
        .is_boolean());
    assert!(!parse::<i32>("m & k").unwrap().is_boolean());
}

#[test]
fn names_lists_what_an_expression_reads_before_its_type_is_known() {
    use compute::parse::names;
    assert_eq!(
        names("where(a > k, sqrt(a), b) + a").unwrap(),
        ["a", "k", "b"]
    );
    assert_eq!(names("True & ~False").unwrap(), Vec::<String>::new());
    assert_eq!(names("sum(x * 2.5)").unwrap(), ["x"]);
    assert!(matches!(
        names("a $ b"),
        Err(Error::Syntax { column: 3, .. })
    ));
    // many distinct names stay linear (a set, not a search)
    let many: String = (0..200_000).map(|i| format!("n{i}+")).collect::<String>() + "1";
    assert_eq!(names(&many).unwrap().len(), 200_000);
}

#[test]
fn integer_literal_arithmetic_is_pythons_exact_arithmetic() {
    let device = cpu();
    let a = [1_i32, 2, 3];
    let run = |s: &str| compute::evaluate(&device, s, &[("a", &a[..])]);
    let kind = |s: &str| match run(s) {
        Err(Error::Syntax { kind, .. }) => Some(kind),
        Err(Error::NegativePower { .. }) => None,
        other => panic!("{s:?} gave {other:?}"),
    };
    // folded exactly, then range-checked for i32, as Python computes and numpy checks
    assert_eq!(kind("a + 2**40"), Some(SyntaxKind::Literal));
    assert_eq!(kind("a * 2**31"), Some(SyntaxKind::Literal));
    assert_eq!(kind("a + 65536 * 65536"), Some(SyntaxKind::Literal));
    assert_eq!(kind("a - (2147483647 + 1)"), Some(SyntaxKind::Literal));
    assert_eq!(kind("a + 2**200"), Some(SyntaxKind::Literal));
    assert_eq!(
        run("a + (2**40 - 2**40)").unwrap(),
        Value::Array(vec![1, 2, 3])
    );
    assert_eq!(
        run("a + (-(2**31) + 2**31)").unwrap(),
        Value::Array(vec![1, 2, 3])
    );
    assert_eq!(
        run("a + -2**31").unwrap(),
        Value::Array(vec![i32::MIN + 1, i32::MIN + 2, i32::MIN + 3])
    );
    // numpy 2 answers a comparison with an integer past the dtype; here it is out of range
    assert_eq!(kind("a < 2**40"), Some(SyntaxKind::Literal));
    // Python's floor division and remainder of literals
    for (l, r) in [(7_i64, 2_i64), (-7, 2), (7, -2), (-7, -2), (6, -3), (0, 5)] {
        let q = compute::evaluate(
            &device,
            &format!("a * 0 + ({l}) // ({r})"),
            &[("a", &[0_i64][..])],
        )
        .unwrap();
        let m = compute::evaluate(
            &device,
            &format!("a * 0 + ({l}) % ({r})"),
            &[("a", &[0_i64][..])],
        )
        .unwrap();
        assert_eq!(
            q,
            Value::Array(vec![
                l.div_euclid(r) - i64::from(r < 0 && l.rem_euclid(r) != 0)
            ]),
            "{l} // {r}"
        );
        assert_eq!(
            m,
            Value::Array(vec![
                l - r * (l.div_euclid(r) - i64::from(r < 0 && l.rem_euclid(r) != 0))
            ]),
            "{l} % {r}"
        );
    }
    assert!(matches!(
        run("a + 7 // 0"),
        Err(Error::DivisionByZero { .. })
    ));
    // integers to a negative power: numpy's error (a float expression takes them)
    assert!(matches!(run("a ** -1"), Err(Error::NegativePower { .. })));
    // a literal to a negative literal power is a float (numpy promotes): Types, not an error
    assert_eq!(kind("a + 2 ** -1"), Some(SyntaxKind::Types));
    // shifts and bitwise operators of literals are Python's too
    assert_eq!(kind("a + (1 << 31)"), Some(SyntaxKind::Literal));
    assert_eq!(kind("a + (1 << 40)"), Some(SyntaxKind::Literal));
    assert_eq!(kind("a + (1 << 200)"), Some(SyntaxKind::Literal));
    assert_eq!(
        run("a + (2**40 >> 38)").unwrap(),
        Value::Array(vec![5, 6, 7])
    );
    assert_eq!(run("a + (-1 >> 200)").unwrap(), Value::Array(vec![0, 1, 2]));
    assert_eq!(
        run("a * (6 & 3) + (5 ^ 1) - (8 | 1)").unwrap(),
        Value::Array(vec![-3, -1, 1])
    );
    let f = [1.0_f64, 2.0];
    assert_eq!(
        compute::evaluate(&device, "a ** -1 + 2**200", &[("a", &f[..])]).unwrap(),
        Value::Array(vec![1.0 + 2f64.powi(200), 0.5 + 2f64.powi(200)])
    );
    assert_eq!(
        compute::evaluate(&device, "a * (2**70 // 2**69)", &[("a", &f[..])]).unwrap(),
        Value::Array(vec![2.0, 4.0])
    );
}
