//! The module layering of `src/`: which file may import which.
//!
//! Every `.rs` file under `src/` is read and the module paths it names are collected:
//! `use crate::a::b...` (groups and `as` included), `crate::a::b` anywhere in code, types or
//! macro bodies (`$crate::` too), `super::` and `self::` (resolved from the file's module, or
//! from the inline module they sit in), names brought in by a `use` (`use crate::gpu;` then
//! `gpu::run`), and, as Rust 2018 reads them, paths that start with a child module of the
//! file's own module. Comments (doc comments included) and string literals are skipped. Each
//! path is then attributed to the FILE that defines what it names: the deepest module file
//! it reaches (`src/a.rs` or `src/a/mod.rs`, `src/a/b.rs` for `crate::a::b`), and through a
//! face's re-exports to the file behind them (`crate::Device` is `src/device.rs`, not
//! `src/lib.rs`).
//!
//! Faces are `src/lib.rs`, every `mod.rs` (and `src/a.rs` when `src/a/` exists): their
//! `mod`, `pub use` and `pub(crate) use` lines are not edges; anything else they name is.
//! Unit tests inside `src/` count like any other code: a test that needs a higher layer
//! belongs in that layer's file or under `tests/`.
//!
//! The checks: every file has a layer in [`LAYERS`]; no file imports from a higher layer;
//! the CPU and GPU backends never reference each other; and there is no cycle among files.
//! On failure the whole graph is printed.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::path::Path;

/// The layers, lowest first. A file may import from its own layer or any lower one (within a
/// layer, the cycle check applies). `src/x/**` covers `src/x.rs` and everything under
/// `src/x/`: the module `x` and its children, wherever its face file lives.
const LAYERS: &[(&str, &[&str])] = &[
    (
        "0 ground",
        &[
            "src/error.rs",
            "src/element.rs",
            "src/math/**",
            "src/alloc.rs",
            "src/cost.rs",
            "src/wgsl_check.rs",
        ],
    ),
    ("1 ir", &["src/ir/**"]),
    ("2 front end", &["src/expr.rs", "src/parse.rs"]),
    ("3 backends", &["src/cpu/**", "src/gpu/**"]),
    ("4 calibrate", &["src/calibrate.rs"]),
    ("5 device", &["src/device.rs"]),
    (
        "6 calls",
        &[
            "src/calls.rs",
            "src/evaluate.rs",
            "src/array.rs",
            "src/asynchronous.rs",
            "src/testing.rs",
        ],
    ),
    ("7 face", &["src/lib.rs"]),
];

/// Pairs of module trees that must never reference each other (either way).
const APART: &[(&str, &str)] = &[("src/cpu/**", "src/gpu/**")];

#[test]
fn src_imports_follow_the_layers_without_cycles() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = BTreeMap::new();
    collect(root, &root.join("src"), &mut files);
    assert!(
        files.contains_key("src/lib.rs"),
        "no src/lib.rs under {root:?}"
    );
    let graph = Graph::build(&files);
    let problems = graph.problems();
    assert!(
        problems.is_empty(),
        "src/ breaks its layering:\n\n{}\n\nthe import graph (file -> files it uses, with the \
         first reference):\n{}",
        problems.join("\n"),
        graph.render()
    );
}

/// Reads every `.rs` file under `dir` into `files`, keyed by its path from `root` with `/`.
fn collect(root: &Path, dir: &Path, files: &mut BTreeMap<String, String>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect(root, &path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path.strip_prefix(root).unwrap();
            let rel: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
            files.insert(rel.join("/"), text);
        }
    }
}

// --- lexing --------------------------------------------------------------------------------

/// The tokens that matter for paths; everything else is one `Punct` per character.
#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Ident(String),
    /// `::`
    Sep,
    Punct(char),
}

#[derive(Clone, Debug)]
struct Token {
    tok: Tok,
    line: usize,
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Rust source as identifiers, `::` and punctuation, without comments, string and character
/// literals, lifetimes and numbers.
fn lex(src: &str) -> Vec<Token> {
    let s: Vec<char> = src.chars().collect();
    let at = |i: usize| s.get(i).copied().unwrap_or('\0');
    let (mut i, mut line, mut out) = (0, 1, Vec::new());
    // skips a "..." string whose opening quote is at `i`; returns the index after it
    let skip_string = |mut i: usize, line: &mut usize| {
        i += 1;
        while i < s.len() && s[i] != '"' {
            if s[i] == '\\' {
                i += 1;
            }
            if at(i) == '\n' {
                *line += 1;
            }
            i += 1;
        }
        i + 1
    };
    while i < s.len() {
        let c = s[i];
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c == '/' && at(i + 1) == '/' {
            while i < s.len() && s[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            while i < s.len() {
                if s[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if s[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if s[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
            }
        } else if c == '"' {
            i = skip_string(i, &mut line);
        } else if c == '\'' {
            if at(i + 1) == '\\' {
                // an escaped character literal: '\n', '\'', '\u{..}'
                i += 3;
                while i < s.len() && s[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if at(i + 2) == '\'' {
                i += 3; // 'x'
            } else {
                i += 1; // a lifetime or a label: skip its name too
                while is_ident_char(at(i)) {
                    i += 1;
                }
            }
        } else if c.is_ascii_digit() {
            while is_ident_char(at(i)) || (at(i) == '.' && at(i + 1).is_ascii_digit()) {
                i += 1;
            }
        } else if is_ident_char(c) {
            let start = i;
            while is_ident_char(at(i)) {
                i += 1;
            }
            let word: String = s[start..i].iter().collect();
            let raw_prefix = matches!(word.as_str(), "r" | "br" | "cr");
            if raw_prefix
                && (at(i) == '"' || (at(i) == '#' && (at(i + 1) == '#' || at(i + 1) == '"')))
            {
                let mut hashes = 0;
                while at(i) == '#' {
                    hashes += 1;
                    i += 1;
                }
                i += 1; // the opening quote
                loop {
                    if i >= s.len() {
                        break;
                    }
                    if s[i] == '"' && (1..=hashes).all(|k| at(i + k) == '#') {
                        i += 1 + hashes;
                        break;
                    }
                    if s[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
            } else if word == "r" && at(i) == '#' && is_ident_char(at(i + 1)) {
                // a raw identifier, r#type
                let start = i + 1;
                i += 1;
                while is_ident_char(at(i)) {
                    i += 1;
                }
                let tok = Tok::Ident(s[start..i].iter().collect());
                out.push(Token { tok, line });
            } else if matches!(word.as_str(), "b" | "c") && at(i) == '"' {
                i = skip_string(i, &mut line);
            } else if word == "b" && at(i) == '\'' {
                i += if at(i + 1) == '\\' { 4 } else { 3 };
                while at(i - 1) != '\'' && i < s.len() {
                    i += 1;
                }
            } else {
                out.push(Token {
                    tok: Tok::Ident(word),
                    line,
                });
            }
        } else if c == ':' && at(i + 1) == ':' {
            out.push(Token {
                tok: Tok::Sep,
                line,
            });
            i += 2;
        } else {
            out.push(Token {
                tok: Tok::Punct(c),
                line,
            });
            i += 1;
        }
    }
    out
}

// --- parsing -------------------------------------------------------------------------------

/// A path as written, with the module it was written in.
#[derive(Clone, Debug)]
struct Written {
    segs: Vec<String>,
    /// The module of the code around it (a file's module, plus inline `mod x { .. }`).
    module: Vec<String>,
    line: usize,
}

/// One name a `use` binds (`None`: a glob), and the path it stands for.
#[derive(Clone, Debug)]
struct UseItem {
    path: Written,
    bound: Option<String>,
    /// A `pub`/`pub(..)` use: in a face file, a re-export rather than an edge.
    public: bool,
}

/// What one file names.
#[derive(Debug, Default)]
struct Parsed {
    uses: Vec<UseItem>,
    paths: Vec<Written>,
}

fn ident(tokens: &[Token], i: usize) -> Option<&str> {
    match tokens.get(i).map(|t| &t.tok) {
        Some(Tok::Ident(s)) => Some(s),
        _ => None,
    }
}

fn punct(tokens: &[Token], i: usize, c: char) -> bool {
    tokens.get(i).is_some_and(|t| t.tok == Tok::Punct(c))
}

fn sep(tokens: &[Token], i: usize) -> bool {
    tokens.get(i).is_some_and(|t| t.tok == Tok::Sep)
}

/// Parses one use tree at `*i` with the segments of its enclosing groups in `prefix`.
fn use_tree(
    tokens: &[Token],
    i: &mut usize,
    prefix: Vec<String>,
    out: &mut Vec<(Vec<String>, Option<String>)>,
) {
    let mut segs = prefix;
    loop {
        if sep(tokens, *i) || punct(tokens, *i, '$') {
            *i += 1; // a leading `::`, or `$crate`
        } else if punct(tokens, *i, '*') {
            *i += 1;
            out.push((segs, None));
            return;
        } else if punct(tokens, *i, '{') {
            *i += 1;
            while *i < tokens.len() && !punct(tokens, *i, '}') {
                use_tree(tokens, i, segs.clone(), out);
                if punct(tokens, *i, ',') {
                    *i += 1;
                } else if !punct(tokens, *i, '}') {
                    *i += 1; // malformed: move on
                }
            }
            *i += 1;
            return;
        } else if let Some(name) = ident(tokens, *i) {
            segs.push(name.to_string());
            *i += 1;
            if sep(tokens, *i) {
                *i += 1;
                continue;
            }
            if segs.len() > 1 && segs.last().is_some_and(|s| s == "self") {
                segs.pop(); // `use a::{self}` binds `a`
            }
            let mut bound = segs.last().cloned();
            if ident(tokens, *i) == Some("as") {
                bound = ident(tokens, *i + 1).map(str::to_string);
                *i += 2;
            }
            out.push((segs, bound));
            return;
        } else {
            return;
        }
    }
}

/// Collects the `use` items and the paths of one file of module `module`.
fn parse(src: &str, module: &[String]) -> Parsed {
    let tokens = lex(src);
    let mut parsed = Parsed::default();
    // inline modules: (name, the brace depth inside them)
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let here = |inline: &[(String, usize)]| -> Vec<String> {
        module
            .iter()
            .cloned()
            .chain(inline.iter().map(|(m, _)| m.clone()))
            .collect()
    };
    let mut i = 0;
    while i < tokens.len() {
        let token = &tokens[i];
        match &token.tok {
            Tok::Punct('{') => {
                depth += 1;
                i += 1;
            }
            Tok::Punct('}') => {
                depth = depth.saturating_sub(1);
                while inline.last().is_some_and(|(_, d)| *d > depth) {
                    inline.pop();
                }
                i += 1;
            }
            Tok::Ident(word) if word == "mod" => {
                if let (Some(name), true) = (ident(&tokens, i + 1), punct(&tokens, i + 2, '{')) {
                    inline.push((name.to_string(), depth + 1));
                }
                i += 1;
            }
            Tok::Ident(word)
                if word == "pub"
                    && punct(&tokens, i + 1, '(')
                    && ident(&tokens, i + 2) == Some("in") =>
            {
                // `pub(in crate::a)` names a module only to limit visibility
                while i < tokens.len() && !punct(&tokens, i, ')') {
                    i += 1;
                }
            }
            Tok::Ident(word) if word == "use" => {
                let public = (i >= 1 && ident(&tokens, i - 1) == Some("pub"))
                    || (punct(&tokens, i.wrapping_sub(1), ')')
                        && (2..12).any(|back| {
                            i >= back
                                && ident(&tokens, i - back) == Some("pub")
                                && punct(&tokens, i - back + 1, '(')
                        }));
                let line = token.line;
                let mut items = Vec::new();
                i += 1;
                use_tree(&tokens, &mut i, Vec::new(), &mut items);
                let module = here(&inline);
                for (segs, bound) in items {
                    parsed.uses.push(UseItem {
                        path: Written {
                            segs,
                            module: module.clone(),
                            line,
                        },
                        bound,
                        public,
                    });
                }
            }
            Tok::Ident(first) if sep(&tokens, i + 1) && !sep(&tokens, i.wrapping_sub(1)) => {
                let (line, mut segs) = (token.line, vec![first.clone()]);
                i += 1;
                while sep(&tokens, i) {
                    match ident(&tokens, i + 1) {
                        Some(next) => {
                            segs.push(next.to_string());
                            i += 2;
                        }
                        None => break, // `::<T>`, `::{..}`, `::*`
                    }
                }
                parsed.paths.push(Written {
                    segs,
                    module: here(&inline),
                    line,
                });
            }
            _ => i += 1,
        }
    }
    parsed
}

/// Turns a written path into one from the crate root, or `None` for another crate's (or a
/// local name's, like `Self::` or `T::`). `child` says whether a module has a child module of
/// that name; `alias` gives what a name brought in by `use` stands for.
fn absolute(
    path: &Written,
    child: &dyn Fn(&[String], &str) -> bool,
    alias: &dyn Fn(&str) -> Option<Vec<String>>,
) -> Option<Vec<String>> {
    let segs = &path.segs;
    let first = segs.first()?;
    match first.as_str() {
        "crate" => Some(segs[1..].to_vec()),
        "self" => Some(path.module.iter().chain(&segs[1..]).cloned().collect()),
        "super" => {
            let ups = segs.iter().take_while(|s| *s == "super").count();
            let base = path.module.len().checked_sub(ups)?;
            Some(
                path.module[..base]
                    .iter()
                    .chain(&segs[ups..])
                    .cloned()
                    .collect(),
            )
        }
        name => {
            if let Some(target) = alias(name) {
                Some(
                    target
                        .into_iter()
                        .chain(segs[1..].iter().cloned())
                        .collect(),
                )
            } else if child(&path.module, name) {
                Some(path.module.iter().chain(segs).cloned().collect())
            } else {
                None
            }
        }
    }
}

// --- the graph -----------------------------------------------------------------------------

/// One file's module path: `src/lib.rs` is the root, `src/a/mod.rs` and `src/a.rs` are `a`,
/// `src/a/b.rs` is `a::b`.
fn module_of(file: &str) -> Vec<String> {
    let rel = file.strip_prefix("src/").unwrap_or(file);
    let mut parts: Vec<String> = rel.split('/').map(str::to_string).collect();
    let last = parts.pop().unwrap_or_default();
    let stem = last.strip_suffix(".rs").unwrap_or(&last).to_string();
    if !(stem == "mod" || (parts.is_empty() && (stem == "lib" || stem == "main"))) {
        parts.push(stem);
    }
    parts
}

/// Whether `file` is in the tree `pattern` (`src/x/**`, or one file).
fn matches(pattern: &str, file: &str) -> bool {
    match pattern.strip_suffix("/**") {
        Some(dir) => file == format!("{dir}.rs") || file.starts_with(&format!("{dir}/")),
        None => file == pattern,
    }
}

fn layer_of(file: &str) -> Option<usize> {
    LAYERS
        .iter()
        .position(|(_, patterns)| patterns.iter().any(|p| matches(p, file)))
}

/// A reference from one file to another: the line and the path as the source wrote it.
#[derive(Clone, Debug)]
struct Edge {
    line: usize,
    path: String,
    /// The face whose re-export the path went through (`crate::Device`: `src/lib.rs`).
    via: Option<String>,
}

impl std::fmt::Display for Edge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}`", self.path)?;
        match &self.via {
            Some(face) => write!(f, " through {face}'s re-export"),
            None => Ok(()),
        }
    }
}

struct Graph {
    files: Vec<String>,
    edges: BTreeMap<String, BTreeMap<String, Edge>>,
}

impl Graph {
    fn build(sources: &BTreeMap<String, String>) -> Graph {
        let modules: HashMap<Vec<String>, String> =
            sources.keys().map(|f| (module_of(f), f.clone())).collect();
        let faces: BTreeSet<&String> = sources
            .keys()
            .filter(|f| {
                f.as_str() == "src/lib.rs"
                    || f.ends_with("/mod.rs")
                    || sources
                        .keys()
                        .any(|g| g.starts_with(&format!("{}/", f.trim_end_matches(".rs"))))
            })
            .collect();
        let parsed: BTreeMap<&String, Parsed> = sources
            .iter()
            .map(|(f, src)| (f, parse(src, &module_of(f))))
            .collect();
        let child = |m: &[String], name: &str| {
            let mut m = m.to_vec();
            m.push(name.to_string());
            modules.contains_key(&m)
        };
        // names each file's `use`s bring into scope, resolved to the crate root (uses may
        // name each other, so resolve until nothing changes)
        let mut aliases: HashMap<&String, HashMap<String, Vec<String>>> = HashMap::new();
        for _ in 0..4 {
            for (file, p) in &parsed {
                let known = aliases.get(file).cloned().unwrap_or_default();
                let mut found = HashMap::new();
                for u in &p.uses {
                    let (Some(bound), false) = (&u.bound, u.path.segs.is_empty()) else {
                        continue;
                    };
                    // a name does not stand for itself (`use a;` in a face is the module a)
                    let alias = |n: &str| known.get(n).filter(|_| n != bound).cloned();
                    if let Some(target) = absolute(&u.path, &child, &alias) {
                        found.entry(bound.clone()).or_insert(target);
                    }
                }
                aliases.insert(file, found);
            }
        }
        // what a path through a face stands for: the names its `use`s bring in (its `pub
        // use`s, and a private `use` is visible to every module below it too)
        let reexports: HashMap<&String, &HashMap<String, Vec<String>>> = aliases
            .iter()
            .filter(|(f, _)| faces.contains(**f))
            .map(|(f, names)| (*f, names))
            .collect();
        // the file that defines what `segs` names, and the face whose re-export led there
        let locate = |segs: &[String]| -> (String, Option<String>) {
            let mut segs = segs.to_vec();
            let mut via = None;
            for _ in 0..8 {
                let mut m: Vec<String> = Vec::new();
                let mut k = 0;
                while k < segs.len() && child(&m, &segs[k]) {
                    m.push(segs[k].clone());
                    k += 1;
                }
                let file = &modules[&m];
                match segs.get(k).and_then(|name| reexports.get(file)?.get(name)) {
                    Some(target) => {
                        segs = target.iter().chain(&segs[k + 1..]).cloned().collect();
                        via.get_or_insert_with(|| file.clone());
                    }
                    None => return (file.clone(), via),
                }
            }
            (modules[&Vec::new()].clone(), via)
        };
        let mut edges: BTreeMap<String, BTreeMap<String, Edge>> = BTreeMap::new();
        for (file, p) in &parsed {
            let alias = |n: &str| aliases[file].get(n).cloned();
            let face = faces.contains(file);
            let written = p
                .uses
                .iter()
                .filter(|u| !(face && u.public))
                .map(|u| &u.path)
                .chain(&p.paths);
            let from = edges.entry((*file).clone()).or_default();
            for w in written {
                let Some(abs) = absolute(w, &child, &alias) else {
                    continue;
                };
                let (to, via) = locate(&abs);
                let edge = Edge {
                    line: w.line,
                    path: w.segs.join("::"),
                    via,
                };
                if &to != *file {
                    let first = from.entry(to).or_insert_with(|| edge.clone());
                    if edge.line < first.line {
                        *first = edge;
                    }
                }
            }
        }
        Graph {
            files: sources.keys().cloned().collect(),
            edges,
        }
    }

    /// Everything wrong with the graph, one line each.
    fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for file in &self.files {
            if layer_of(file).is_none() {
                problems.push(format!(
                    "{file} has no layer: place it in the LAYERS table of tests/architecture.rs \
                     (or move it into a module tree that has one)"
                ));
            }
        }
        for (from, tos) in &self.edges {
            for (to, edge) in tos {
                let at = format!("{from}:{} {edge} -> {to}", edge.line);
                if let (Some(a), Some(b)) = (layer_of(from), layer_of(to)) {
                    if b > a {
                        problems.push(format!(
                            "upward: {at} (layer {} imports layer {})",
                            LAYERS[a].0, LAYERS[b].0
                        ));
                    }
                }
                for (p, q) in APART {
                    if (matches(p, from) && matches(q, to)) || (matches(q, from) && matches(p, to))
                    {
                        problems.push(format!("{p} and {q} must stay apart: {at}"));
                    }
                }
            }
        }
        for cycle in self.cycles() {
            let steps: Vec<String> = cycle
                .windows(2)
                .map(|w| format!("{} ({}:{})", w[1], w[0], self.edges[&w[0]][&w[1]].line))
                .collect();
            problems.push(format!("cycle: {} -> {}", cycle[0], steps.join(" -> ")));
        }
        problems
    }

    /// One shortest cycle through each file that is on a cycle, without repeats: each is a
    /// list of files whose last is its first.
    fn cycles(&self) -> Vec<Vec<String>> {
        let mut seen: BTreeSet<Vec<String>> = BTreeSet::new();
        let mut out = Vec::new();
        for start in &self.files {
            // breadth-first from `start` back to it
            let mut parent: BTreeMap<&String, &String> = BTreeMap::new();
            let mut queue: VecDeque<&String> = VecDeque::from([start]);
            let mut found = None;
            'search: while let Some(at) = queue.pop_front() {
                for next in self.edges.get(at).into_iter().flat_map(|m| m.keys()) {
                    if next == start {
                        found = Some(at);
                        break 'search;
                    }
                    if !parent.contains_key(next) {
                        parent.insert(next, at);
                        queue.push_back(next);
                    }
                }
            }
            let Some(mut at) = found else { continue };
            let mut cycle = vec![start.clone()];
            while at != start {
                cycle.push(at.clone());
                at = parent[at];
            }
            cycle.push(start.clone());
            cycle.reverse();
            // the same cycle found from another of its files: compare as a rotation-free set
            let mut key: Vec<String> = cycle[1..].to_vec();
            let smallest = (0..key.len()).min_by_key(|&r| &key[r]).unwrap_or(0);
            key.rotate_left(smallest);
            if seen.insert(key) {
                out.push(cycle);
            }
        }
        out
    }

    /// The graph, one file per line with the files it uses.
    fn render(&self) -> String {
        let mut out = String::new();
        for file in &self.files {
            let layer = layer_of(file).map_or("no layer", |l| LAYERS[l].0);
            out.push_str(&format!("{file} [{layer}]\n"));
            for (to, edge) in self.edges.get(file).into_iter().flatten() {
                out.push_str(&format!("    -> {to}  (line {}: {edge})\n", edge.line));
            }
        }
        out
    }
}

// --- the parser's own tests ----------------------------------------------------------------

/// The graph of an inline tree of `(file, source)`.
fn graph_of(tree: &[(&str, &str)]) -> Graph {
    let sources = tree
        .iter()
        .map(|(f, s)| (f.to_string(), s.to_string()))
        .collect();
    Graph::build(&sources)
}

fn edges_of(graph: &Graph, file: &str) -> Vec<String> {
    graph
        .edges
        .get(file)
        .into_iter()
        .flat_map(|m| m.keys().cloned())
        .collect()
}

#[test]
fn paths_in_comments_strings_and_chars_are_not_references() {
    let src = r####"
        // use crate::a;
        /* crate::b::X /* nested crate::c */ still crate::d */
        //! crate::e, /// [`crate::f`]
        #[doc = "crate::g"]
        fn f<'a>(x: &'a str) -> char {
            let s = "crate::h \" crate::i";
            let r = r#"crate::j "quoted" crate::k"#;
            let b = b"crate::l";
            let q = '"'; let e = '\''; let u = '\u{1F600}';
            crate::m::go(s, 'x', 1.5e3, 0x1F);
            'outer: loop { break 'outer; }
            q
        }
    "####;
    let parsed = parse(src, &[]);
    let paths: Vec<String> = parsed.paths.iter().map(|w| w.segs.join("::")).collect();
    assert_eq!(paths, ["crate::m::go"]);
    assert_eq!(parsed.paths[0].line, 11);
}

#[test]
fn use_groups_renames_and_globs_expand() {
    let parsed = parse(
        "use crate::{a, b::c, d::{self, e as f, g::*}};\npub(crate) use super::h;",
        &["m".to_string()],
    );
    let items: Vec<(String, Option<String>, bool)> = parsed
        .uses
        .iter()
        .map(|u| (u.path.segs.join("::"), u.bound.clone(), u.public))
        .collect();
    let item = |p: &str, b: Option<&str>, public| (p.to_string(), b.map(str::to_string), public);
    assert_eq!(
        items,
        [
            item("crate::a", Some("a"), false),
            item("crate::b::c", Some("c"), false),
            item("crate::d", Some("d"), false),
            item("crate::d::e", Some("f"), false),
            item("crate::d::g", None, false),
            item("super::h", Some("h"), true),
        ]
    );
}

#[test]
fn super_and_self_resolve_from_the_module_they_are_written_in() {
    let graph = graph_of(&[
        ("src/lib.rs", "mod a; mod w;"),
        ("src/w.rs", ""),
        ("src/a/mod.rs", "mod b;"),
        ("src/a/b/mod.rs", "mod c;"),
        (
            "src/a/b/c.rs",
            "use super::super::super::w::V;\nfn f() { self::g(); }",
        ),
        // `super` inside an inline module is the file's own module
        (
            "src/a/x.rs",
            "mod tests { use super::Y; fn t() { super::super::b::c::go(); } }",
        ),
    ]);
    assert_eq!(edges_of(&graph, "src/a/b/c.rs"), ["src/w.rs"]);
    assert_eq!(edges_of(&graph, "src/a/x.rs"), ["src/a/b/c.rs"]);
}

#[test]
fn names_brought_in_by_use_and_child_modules_are_followed() {
    let graph = graph_of(&[
        (
            "src/lib.rs",
            "mod gpu; mod op; mod device; fn f() { device::go(); }",
        ),
        (
            "src/op.rs",
            "macro_rules! m { () => { $crate::gpu::codegen::check() } }",
        ),
        (
            "src/gpu/mod.rs",
            "pub(crate) mod codegen; mod stream;\npub(crate) use stream::run;",
        ),
        (
            "src/gpu/codegen.rs",
            "use crate::op::{self as ops};\nfn f() { let o = ops::Op::Neg; }",
        ),
        ("src/gpu/stream.rs", ""),
        ("src/device.rs", "use crate::gpu;\nfn f() { gpu::run(); }"),
    ]);
    assert_eq!(edges_of(&graph, "src/op.rs"), ["src/gpu/codegen.rs"]);
    assert_eq!(edges_of(&graph, "src/gpu/codegen.rs"), ["src/op.rs"]);
    // `use crate::gpu` is the face; `gpu::run` is the file behind its re-export
    assert_eq!(
        edges_of(&graph, "src/device.rs"),
        ["src/gpu/mod.rs", "src/gpu/stream.rs"]
    );
    // a face's `mod` and `pub(crate) use` lines are not edges; its other code is
    assert_eq!(edges_of(&graph, "src/gpu/mod.rs"), Vec::<String>::new());
    assert_eq!(edges_of(&graph, "src/lib.rs"), ["src/device.rs"]);
}

#[test]
fn crate_root_re_exports_are_attributed_to_the_defining_file() {
    let graph = graph_of(&[
        (
            "src/lib.rs",
            "mod device; mod error; mod expr;\n#[doc(hidden)]\npub use device::{Device as Dev};\npub use error::{Error, Result};\nuse expr::Expr;",
        ),
        ("src/device.rs", ""),
        ("src/error.rs", ""),
        ("src/expr.rs", "fn f() -> crate::Result<crate::Dev> { Err(crate::Error::X) }"),
    ]);
    assert_eq!(
        edges_of(&graph, "src/expr.rs"),
        ["src/device.rs", "src/error.rs"]
    );
    // the private `use` of a face is an edge; its `pub use` lines are not
    assert_eq!(edges_of(&graph, "src/lib.rs"), ["src/expr.rs"]);
}

#[test]
fn cycles_layers_and_unplaced_files_are_reported() {
    let graph = graph_of(&[
        (
            "src/lib.rs",
            "mod error; mod expr; mod cpu; mod gpu; mod stray;",
        ),
        ("src/error.rs", "use crate::expr::E;"),
        ("src/expr.rs", "use crate::error::Error;"),
        ("src/cpu.rs", "fn f() { crate::gpu::go(); }"),
        ("src/gpu/mod.rs", ""),
        ("src/stray.rs", ""),
    ]);
    let problems = graph.problems().join("\n");
    assert!(problems.contains("src/stray.rs has no layer"), "{problems}");
    assert!(
        problems.contains("upward: src/error.rs:1 `crate::expr::E` -> src/expr.rs"),
        "{problems}"
    );
    assert!(
        problems.contains("must stay apart: src/cpu.rs:1"),
        "{problems}"
    );
    assert!(
        problems.contains(
            "cycle: src/error.rs -> src/expr.rs (src/error.rs:1) -> src/error.rs (src/expr.rs:1)"
        ),
        "{problems}"
    );
    assert_eq!(problems.matches("cycle:").count(), 1, "{problems}");
}
