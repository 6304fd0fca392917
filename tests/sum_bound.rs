//! Float sums meet their documented bound on adversarial inputs, not only on random ones:
//! |computed − exact| ≤ (⌈log2 n⌉ + 16) · u · Σ|xᵢ|, u = 2⁻²⁴ (f32) or 2⁻⁵³ (f64) (README,
//! "Reductions"; `src/reduce.rs`), for `compute::sum`, `reduce(x(), Sum)`,
//! `reduce(x() * 1.0, Sum)` and `dot(x, ones)`, on the CPU and (`gpu_` test) on the GPU.
//!
//! Why these inputs: to first order a summation tree's error is Σ over its additions of the
//! rounding of that addition, so the worst case for a tree is its deepest leaf p holding
//! nearly all the mass, S = 2^k, and every addition on p's path to the root rounding away
//! half an ULP of S: each sibling subtree on that path sums exactly to h = u·S (one h in it,
//! zeros elsewhere), so each `S + h` is a tie that rounds back to S (even). The error is then
//! depth(p) · h ≈ depth(p) · u · Σ|x|: a tree deeper than ⌈log2 n⌉ + 16 fails the bound.
//!
//! The inputs come from several sources, so none is tied to one summation order:
//! - `path:<model>`: that construction for the deepest leaf of a modelled tree: the orders
//!   the crate documents today (`cpu-now`, `gpu-now`), plausible fixed orders (partials folded
//!   by a balanced tree, a leaf's remainder folded into its accumulators: `cpu-fixed`,
//!   `gpu-fixed`), a balanced binary tree and numpy's pairwise over the whole array. Each
//!   construction is first checked against its own model (simulated here, no crate code).
//! - `probe`: a black-box search against the backend itself: S at index 0, then h tried at
//!   index offsets where sibling subtrees of blocked, strided, pairwise or tree orders start
//!   (±2^j, multiples of 8, 128, 256 and 4,096, the last elements), kept when the measured
//!   error grows. It finds the deepest path of whatever order the backend really uses.
//! - generic families: a large value followed by ties (`S, h, h, ...`), h at power-of-two
//!   offsets, alternating magnitudes, values just under a power of two, random data.
//!
//! Each test prints the worst ratio error / (u·Σ|x|) per n (and which input gave it) to stderr
//! past the test harness's capture, then fails if any input broke the bound.

mod common;

use std::collections::HashMap;
use std::io::Write as _;
use std::sync::{Arc, Mutex, OnceLock};

use common::{gpu, Rng};
use compute::expr::x;
use compute::{Device, Reduce};

/// The element types the sums are checked for.
trait Float: compute::Element + Copy + std::fmt::Debug {
    const TY: &'static str;
    /// Unit roundoff: 2⁻²⁴ for f32, 2⁻⁵³ for f64.
    const U: f64;
    fn of(v: f64) -> Self;
    fn to(self) -> f64;
    /// One IEEE addition in this type (for the models' simulation).
    fn plus(self, other: Self) -> Self;
}

impl Float for f32 {
    const TY: &'static str = "f32";
    const U: f64 = 1.0 / (1u64 << 24) as f64;
    fn of(v: f64) -> Self {
        v as f32
    }
    fn to(self) -> f64 {
        f64::from(self)
    }
    fn plus(self, other: Self) -> Self {
        self + other
    }
}

impl Float for f64 {
    const TY: &'static str = "f64";
    const U: f64 = 1.0 / (1u64 << 53) as f64;
    fn of(v: f64) -> Self {
        v
    }
    fn to(self) -> f64 {
        self
    }
    fn plus(self, other: Self) -> Self {
        self + other
    }
}

/// The lengths checked: the reported case (127 runs of 4,096), 4,096·k ± small, the CPU's
/// parallel threshold + 1, 2^20 + 3, and either side of a leaf (128) and of a block (4,096).
fn lengths() -> Vec<usize> {
    vec![
        127,
        128,
        129,
        4095,
        4096,
        4097,
        3 * 4096 - 1,
        3 * 4096 + 1,
        compute::testing::CPU_PARALLEL_MIN + 1,
        64 * 4096 + 5,
        127 * 4096,
        127 * 4096 + 1,
        (1 << 20) + 3,
    ]
}

/// f64 runs the same code paths in the same order as f32: a subset of the lengths.
fn f64_lengths() -> Vec<usize> {
    vec![
        127,
        128,
        4095,
        4097,
        3 * 4096 + 1,
        127 * 4096,
        127 * 4096 + 1,
        (1 << 20) + 3,
    ]
}

/// The documented bound's factor: ⌈log2 n⌉ + 16.
fn levels(n: usize) -> f64 {
    (n.max(1) as f64).log2().ceil() + 16.0
}

// ---------------------------------------------------------------------------------------
// Summation trees (models of orders), built over leaf indices.

#[derive(Clone, Copy)]
enum Node {
    Leaf(usize),
    Add(usize, usize),
}

/// A summation tree: node `i < n` is leaf `i`; every `Add` node is one rounded addition
/// (an addition to an accumulator still at 0 is exact and is not a node).
struct Tree {
    nodes: Vec<Node>,
    root: Option<usize>,
}

impl Tree {
    fn with_leaves(n: usize) -> Tree {
        let mut nodes = Vec::with_capacity(2 * n);
        nodes.extend((0..n).map(Node::Leaf));
        Tree { nodes, root: None }
    }

    fn add(&mut self, a: Option<usize>, b: Option<usize>) -> Option<usize> {
        match (a, b) {
            (None, b) => b,
            (a, None) => a,
            (Some(a), Some(b)) => {
                self.nodes.push(Node::Add(a, b));
                Some(self.nodes.len() - 1)
            }
        }
    }

    /// At most 128 items with eight accumulators in stride, the accumulators combined
    /// pairwise; the remainder (< 8) added one by one after (`fold_rest == false`, numpy's
    /// and the crate's order today) or folded into the accumulators first.
    fn leaf_sum(&mut self, items: &[usize], fold_rest: bool) -> Option<usize> {
        let whole = if fold_rest {
            items.len()
        } else {
            items.len() / 8 * 8
        };
        let mut acc = [None; 8];
        for (k, &item) in items[..whole].iter().enumerate() {
            acc[k % 8] = self.add(acc[k % 8], Some(item));
        }
        let s01 = self.add(acc[0], acc[1]);
        let s23 = self.add(acc[2], acc[3]);
        let s45 = self.add(acc[4], acc[5]);
        let s67 = self.add(acc[6], acc[7]);
        let s03 = self.add(s01, s23);
        let s47 = self.add(s45, s67);
        let mut sum = self.add(s03, s47);
        for &item in &items[whole..] {
            sum = self.add(sum, Some(item));
        }
        sum
    }

    /// numpy's pairwise: runs over 128 split in two, the left part a multiple of 8 long.
    fn pairwise(&mut self, items: &[usize], fold_rest: bool) -> Option<usize> {
        if items.len() > 128 {
            let (l, r) = items.split_at(items.len() / 2 / 8 * 8);
            let l = self.pairwise(l, fold_rest);
            let r = self.pairwise(r, fold_rest);
            self.add(l, r)
        } else {
            self.leaf_sum(items, fold_rest)
        }
    }

    /// A balanced binary tree over contiguous halves.
    fn balanced(&mut self, items: &[usize]) -> Option<usize> {
        match items.len() {
            0 => None,
            1 => Some(items[0]),
            len => {
                let (l, r) = items.split_at(len / 2);
                let l = self.balanced(l);
                let r = self.balanced(r);
                self.add(l, r)
            }
        }
    }

    /// One GPU workgroup over up to 4,096 items: invocation `li` adds items `li + 256k`
    /// (k = 0..16) in order from 0, then a tree over the 256 invocations (stride 128 to 1).
    fn workgroup(&mut self, items: &[usize]) -> Option<usize> {
        let mut partial = [None; 256];
        for (li, slot) in partial.iter_mut().enumerate() {
            for &item in items.iter().skip(li).step_by(256) {
                *slot = self.add(*slot, Some(item));
            }
        }
        let mut stride = 128;
        while stride > 0 {
            for li in 0..stride {
                partial[li] = self.add(partial[li], partial[li + stride]);
            }
            stride /= 2;
        }
        partial[0]
    }

    /// Parent of every node.
    fn parents(&self) -> Vec<usize> {
        let mut parent = vec![usize::MAX; self.nodes.len()];
        for (i, node) in self.nodes.iter().enumerate() {
            if let Node::Add(a, b) = *node {
                parent[a] = i;
                parent[b] = i;
            }
        }
        parent
    }

    /// The number of rounded additions above each leaf.
    fn depths(&self, n: usize) -> Vec<usize> {
        let mut depth = vec![0; self.nodes.len()];
        // children are always created before their parent: walk parents first
        for i in (0..self.nodes.len()).rev() {
            if let Node::Add(a, b) = self.nodes[i] {
                depth[a] = depth[i] + 1;
                depth[b] = depth[i] + 1;
            }
        }
        depth.truncate(n);
        depth
    }

    /// The leftmost leaf under `node`.
    fn first_leaf(&self, mut node: usize) -> usize {
        loop {
            match self.nodes[node] {
                Node::Leaf(i) => return i,
                Node::Add(a, _) => node = a,
            }
        }
    }

    /// One leaf of each sibling subtree on the path from leaf `p` to the root.
    fn siblings(&self, p: usize) -> Vec<usize> {
        let parent = self.parents();
        let mut out = Vec::new();
        let mut node = p;
        while parent[node] != usize::MAX {
            let up = parent[node];
            let Node::Add(a, b) = self.nodes[up] else {
                unreachable!()
            };
            out.push(self.first_leaf(if a == node { b } else { a }));
            node = up;
        }
        out
    }

    /// The tree's sum of `values` in `T` (this test's simulation, not the crate's code).
    fn simulate<T: Float>(&self, values: &[T]) -> T {
        fn eval<T: Float>(tree: &Tree, node: usize, values: &[T]) -> T {
            match tree.nodes[node] {
                Node::Leaf(i) => values[i],
                Node::Add(a, b) => eval(tree, a, values).plus(eval(tree, b, values)),
            }
        }
        self.root.map_or(T::of(0.0), |r| eval(self, r, values))
    }
}

/// The modelled orders.
const MODELS: [&str; 6] = [
    "cpu-now",
    "gpu-now",
    "cpu-fixed",
    "gpu-fixed",
    "balanced",
    "numpy",
];

/// The summation tree of `model` over `n` values. `*-now`: runs of 4,096 summed by the CPU's
/// pairwise (or one GPU workgroup), the runs' partials by the same pairwise on the host;
/// `*-fixed`: the same runs (the CPU's leaves folding their remainder into the
/// accumulators), partials by a balanced tree; `balanced`; `numpy`: pairwise over all.
fn model(name: &str, n: usize) -> Tree {
    let mut tree = Tree::with_leaves(n);
    let all: Vec<usize> = (0..n).collect();
    let root = match name {
        "balanced" => tree.balanced(&all),
        "numpy" => tree.pairwise(&all, false),
        _ => {
            let partials: Vec<usize> = all
                .chunks(4096)
                .filter_map(|run| match name {
                    "cpu-now" => tree.pairwise(run, false),
                    "cpu-fixed" => tree.pairwise(run, true),
                    _ => tree.workgroup(run),
                })
                .collect();
            if name.ends_with("-now") {
                tree.pairwise(&partials, false)
            } else {
                tree.balanced(&partials)
            }
        }
    };
    tree.root = root;
    tree
}

// ---------------------------------------------------------------------------------------
// Inputs.

/// One input with its exact sum (as an unevaluated sum `hi + lo`) and Σ|x|.
struct Case<T> {
    name: String,
    values: Vec<T>,
    exact: (f64, f64),
    abs: f64,
}

/// The exact sum of values as `hi + lo` (two-sum accumulation: error ≤ 2⁻¹⁰⁶ · Σ|x|).
fn exact_sum<T: Float>(values: &[T]) -> (f64, f64) {
    let (mut hi, mut lo) = (0.0_f64, 0.0_f64);
    for &v in values {
        let v = v.to();
        let s = hi + v;
        let bb = s - hi;
        lo += (hi - (s - bb)) + (v - bb);
        hi = s;
    }
    (hi, lo)
}

fn case<T: Float>(name: String, values: Vec<T>) -> Case<T> {
    let exact = exact_sum(&values);
    let abs = values.iter().map(|v| v.to().abs()).sum();
    Case {
        name,
        values,
        exact,
        abs,
    }
}

/// S = 1 at `p`, h = u (half an ULP of 1) at each index of `at`, zeros elsewhere.
fn path_input<T: Float>(n: usize, p: usize, at: &[usize]) -> Vec<T> {
    let mut v = vec![T::of(0.0); n];
    for &i in at {
        v[i] = T::of(T::U);
    }
    v[p] = T::of(1.0);
    v
}

/// The measured error of `got` against a case, in units of u · Σ|x|.
fn ratio<T: Float>(c: &Case<T>, got: T) -> f64 {
    let err = ((c.exact.0 - got.to()) + c.exact.1).abs();
    if c.abs == 0.0 {
        if err == 0.0 {
            0.0
        } else {
            f64::INFINITY
        }
    } else {
        err / (T::U * c.abs)
    }
}

/// The deepest leaf of one modelled order and one leaf of each sibling subtree on its path.
struct Path {
    model: &'static str,
    leaf: usize,
    siblings: Vec<usize>,
}

/// The paths of every model for `n`, built once per test binary (the trees are large).
/// Each path construction is checked against its own model's simulation (f32; f64 too on
/// the shorter lengths).
fn paths(n: usize) -> Arc<Vec<Path>> {
    static CACHE: OnceLock<Mutex<HashMap<usize, Arc<Vec<Path>>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut cache = cache.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(p) = cache.get(&n) {
        return Arc::clone(p);
    }
    let mut out = Vec::new();
    for name in MODELS {
        let tree = model(name, n);
        let depths = tree.depths(n);
        let deepest = *depths.iter().max().unwrap_or(&0);
        let leaf = depths.iter().position(|&d| d == deepest).unwrap_or(0);
        let siblings = tree.siblings(leaf);
        assert_eq!(siblings.len(), deepest);
        self_check::<f32>(&tree, name, n, leaf, &siblings);
        if n < 1 << 16 {
            self_check::<f64>(&tree, name, n, leaf, &siblings);
        }
        out.push(Path {
            model: name,
            leaf,
            siblings,
        });
    }
    let out = Arc::new(out);
    cache.insert(n, Arc::clone(&out));
    out
}

/// The path construction is exact on its own model: every S + h rounds back to S, so the
/// simulated error is depth · u · S.
fn self_check<T: Float>(tree: &Tree, name: &str, n: usize, leaf: usize, siblings: &[usize]) {
    let c = case(String::new(), path_input::<T>(n, leaf, siblings));
    let simulated = ratio(&c, tree.simulate(&c.values));
    let depth = siblings.len() as f64;
    let designed = depth / (1.0 + depth * T::U);
    assert!(
        (simulated - designed).abs() < 1e-6,
        "{} n={n}: the path construction for {name} gives {simulated} on its own model, \
         designed {designed}",
        T::TY
    );
}

/// The `path:<model>` inputs (distinct ones only) and a note of each model's depth.
fn path_cases<T: Float>(n: usize, notes: &mut Vec<String>) -> Vec<Case<T>> {
    let mut out: Vec<Case<T>> = Vec::new();
    for path in paths(n).iter() {
        notes.push(format!(
            "{} depth {} (leaf {})",
            path.model,
            path.siblings.len(),
            path.leaf
        ));
        let c = case(
            format!("path:{}", path.model),
            path_input(n, path.leaf, &path.siblings),
        );
        if out.iter().all(|o| o.values != c.values) {
            out.push(c);
        }
    }
    out
}

/// Index offsets where sibling subtrees of plausible orders start, nearest first.
fn probe_offsets(n: usize) -> Vec<usize> {
    let mut at = Vec::new();
    let mut j = 1;
    while j < n {
        at.push(j);
        j *= 2;
    }
    for k in 1..=16 {
        at.push(8 * k);
        at.push(256 * k);
    }
    for k in 1..=8 {
        at.push(128 * k);
    }
    // runs of 4,096: the first 16, every 8th (accumulators in stride), the last 8
    let runs = n / 4096;
    for k in (1..=16)
        .chain((8..=runs).step_by(8))
        .chain(runs.saturating_sub(8)..=runs)
    {
        at.push(4096 * k);
    }
    at.extend((1..=8).map(|k| n.saturating_sub(k)));
    at.sort_unstable();
    at.dedup();
    at.retain(|&i| i > 0 && i < n);
    at
}

/// The black-box probe: S at 0, h tried at each probe offset, kept where the backend's
/// measured error grows (each kept h is a new sibling subtree on index 0's path).
fn probe<T: Float>(device: &Device, n: usize) -> Case<T> {
    let mut v: Vec<T> = path_input(n, 0, &[]);
    let err = |v: &[T], count: usize| {
        let got = compute::sum(device, v).expect("sum").to();
        // exact sum 1 + count·u; 1 − got is exact (Sterbenz)
        (1.0 - got) + count as f64 * T::U
    };
    let (mut count, mut best) = (0usize, err(&v, 0));
    for i in probe_offsets(n) {
        v[i] = T::of(T::U);
        let e = err(&v, count + 1);
        if e > best {
            best = e;
            count += 1;
        } else {
            v[i] = T::of(0.0);
        }
    }
    case("probe".into(), v)
}

/// Inputs built without any model of the order.
fn generic_cases<T: Float>(n: usize, seed: u64) -> Vec<Case<T>> {
    let u = T::U;
    let mut out = Vec::new();
    // a large value followed by values of half its ULP: every sequential add is a tie
    let mut v = vec![T::of(u); n];
    v[0] = T::of(1.0);
    out.push(case("big+ties".into(), v));
    // the same just under half an ULP: rounds down whatever the neighbouring bit
    let mut v = vec![T::of(u * (1.0 - 2.0 * u)); n];
    v[0] = T::of(1.0);
    out.push(case("big+under-half".into(), v));
    // h at power-of-two offsets: the balanced-tree path from index 0
    let mut at = Vec::new();
    let mut j = 1;
    while j < n {
        at.push(j);
        j *= 2;
    }
    out.push(case("pow2-path".into(), path_input(n, 0, &at)));
    // the last index as the big one, h at power-of-two distances before it
    let at: Vec<usize> = at.iter().filter(|&&d| d < n).map(|&d| n - 1 - d).collect();
    out.push(case("pow2-path-last".into(), path_input(n, n - 1, &at)));
    // alternating magnitudes
    out.push(case(
        "alternating".into(),
        (0..n)
            .map(|i| T::of(if i % 2 == 0 { 1.0 } else { u }))
            .collect(),
    ));
    // values just under a power of two: partial sums sit just under binade edges
    out.push(case("below-pow2".into(), vec![T::of(1.0 - u); n]));
    // values just above a power of two
    out.push(case("above-pow2".into(), vec![T::of(1.0 + 2.0 * u); n]));
    // random positive and random signed data
    let mut rng = Rng::new(seed);
    out.push(case(
        "random[1,2)".into(),
        (0..n).map(|_| T::of(rng.uniform(1.0, 2.0))).collect(),
    ));
    out.push(case(
        "random-signed".into(),
        (0..n)
            .map(|_| T::of(rng.log_uniform(1e-3, 1e3, true)))
            .collect(),
    ));
    out
}

// ---------------------------------------------------------------------------------------
// The check.

/// The worst input for one n.
struct Worst {
    n: usize,
    ratio: f64,
    what: String,
}

/// Every case through the four sum APIs on `device`; returns the worst per n and every
/// breach of the bound (as lines).
fn check<T: Float>(device: &Device, side: &str, lengths: &[usize]) -> (Vec<Worst>, Vec<String>) {
    let mut worst = Vec::new();
    let mut breaches = Vec::new();
    let mut stderr = std::io::stderr();
    for &n in lengths {
        let mut notes = Vec::new();
        let mut cases = path_cases::<T>(n, &mut notes);
        cases.push(probe::<T>(device, n));
        let specific = cases.len();
        cases.extend(generic_cases::<T>(n, n as u64));
        let ones = vec![T::of(1.0); n];
        let bound = levels(n);
        let mut w = Worst {
            n,
            ratio: 0.0,
            what: String::new(),
        };
        for (k, c) in cases.iter().enumerate() {
            // every API on the constructed inputs; the generic families (far from the worst
            // on the orders modelled here) through two, to keep the run short
            let all = k < specific;
            let apis: [(&str, Option<T>); 4] = [
                ("sum", Some(compute::sum(device, &c.values).expect("sum"))),
                (
                    "reduce(x())",
                    all.then(|| {
                        compute::reduce(device, x(), (&c.values,), Reduce::Sum)
                            .expect("reduce")
                            .expect("a sum")
                    }),
                ),
                (
                    "reduce(x() * 1.0)",
                    compute::reduce(device, x() * T::of(1.0), (&c.values,), Reduce::Sum)
                        .expect("reduce"),
                ),
                (
                    "dot(x, ones)",
                    all.then(|| compute::dot(device, &c.values, &ones).expect("dot")),
                ),
            ];
            let mut over = Vec::new();
            for (api, got) in apis {
                let Some(got) = got else { continue };
                let r = ratio(c, got);
                if r > w.ratio {
                    w.ratio = r;
                    w.what = format!("{} via {api}", c.name);
                }
                if r.is_nan() || r > bound {
                    over.push(format!("{api} = {got:?} ({r:.2})"));
                }
            }
            if !over.is_empty() {
                breaches.push(format!(
                    "{side} {} n={n} {}: exact {:.17e}; {} > bound {bound} (⌈log2 n⌉ + 16)",
                    T::TY,
                    c.name,
                    c.exact.0 + c.exact.1,
                    over.join(", "),
                ));
            }
        }
        let _ = writeln!(
            stderr,
            "sum bound {side} {}: n={n:>7} bound {bound:>2}  worst {:>6.2} ({})  [{}]",
            T::TY,
            w.ratio,
            w.what,
            notes.join(", ")
        );
        worst.push(w);
    }
    (worst, breaches)
}

fn report(worst: &[Worst], breaches: &[String], side: &str, ty: &str) {
    let over = worst
        .iter()
        .filter(|w| w.ratio > levels(w.n))
        .map(|w| format!("n={} {:.2}>{}", w.n, w.ratio, levels(w.n)))
        .collect::<Vec<_>>();
    assert!(
        breaches.is_empty(),
        "{side} {ty} sums break (⌈log2 n⌉ + 16)·u·Σ|x| at {}:\n{}",
        over.join(", "),
        breaches.join("\n")
    );
}

#[test]
fn cpu_f32_sums_meet_the_bound_on_adversarial_inputs() {
    let (worst, breaches) = check::<f32>(&Device::cpu(), "cpu", &lengths());
    report(&worst, &breaches, "cpu", "f32");
}

#[test]
fn cpu_f64_sums_meet_the_bound_on_adversarial_inputs() {
    let (worst, breaches) = check::<f64>(&Device::cpu(), "cpu", &f64_lengths());
    report(&worst, &breaches, "cpu", "f64");
}

#[test]
fn gpu_f32_sums_meet_the_bound_on_adversarial_inputs() {
    let Some(device) = gpu() else { return };
    let (worst, breaches) = check::<f32>(&device, "gpu", &lengths());
    report(&worst, &breaches, "gpu", "f32");
}
