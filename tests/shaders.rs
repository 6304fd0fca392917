//! Every shader file in `shaders/` is valid WGSL as code generation combines them: the
//! template and float.wgsl alone, transcendental.wgsl after float.wgsl, transcendental64.wgsl
//! after float.wgsl with its f64 format lines, sint.wgsl and uint.wgsl after int.wgsl (typed
//! by the later file's `alias elem` line). naga parses and validates each. (The generated kernels, every op on every type, are checked in
//! `src/gpu/codegen.rs`.)

use std::path::Path;

fn read(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("shaders")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `base` without its `alias elem` line, then `then` (whose line types both).
fn after(base: &str, then: &str) -> String {
    let base: String = read(base)
        .lines()
        .filter(|l| !l.starts_with("alias elem = "))
        .map(|l| format!("{l}\n"))
        .collect();
    base + &read(then)
}

/// float.wgsl's format lines set for f64, as code generation sets them.
fn wide_float(src: &str) -> String {
    let wide = [
        ("alias bits = ", "u64"),
        ("const SIGN: bits = ", "0x8000000000000000lu"),
        ("const INF: bits = ", "0x7ff0000000000000lu"),
        ("const QUIET: bits = ", "0x7ff8000000000000lu"),
    ];
    src.lines()
        .map(
            |line| match wide.iter().find(|(start, _)| line.starts_with(start)) {
                Some((start, value)) => format!("{start}{value};\n"),
                None => format!("{line}\n"),
            },
        )
        .collect()
}

#[test]
fn every_shader_file_passes_naga_as_code_generation_combines_them() {
    let units = [
        ("elementwise.wgsl", read("elementwise.wgsl")),
        ("float.wgsl", read("float.wgsl")),
        (
            "float.wgsl + transcendental.wgsl",
            after("float.wgsl", "transcendental.wgsl"),
        ),
        (
            "float.wgsl (f64) + transcendental64.wgsl",
            wide_float(&after("float.wgsl", "transcendental64.wgsl")),
        ),
        ("int.wgsl + sint.wgsl", after("int.wgsl", "sint.wgsl")),
        ("int.wgsl + uint.wgsl", after("int.wgsl", "uint.wgsl")),
    ];
    for (name, src) in &units {
        let module = naga::front::wgsl::parse_str(src)
            .unwrap_or_else(|e| panic!("{name}:\n{}", e.emit_to_string(src)));
        naga::valid::Validator::new(
            naga::valid::ValidationFlags::all(),
            naga::valid::Capabilities::FLOAT64 | naga::valid::Capabilities::SHADER_INT64,
        )
        .validate(&module)
        .unwrap_or_else(|e| panic!("{name}:\n{}", e.emit_to_string(src)));
    }
    // every file is in one of the units
    let files = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("shaders"))
        .expect("shaders/ exists")
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "wgsl"))
        })
        .count();
    assert_eq!(
        files, 7,
        "elementwise, float, transcendental, transcendental64, int, sint, uint"
    );
}
