//! Every shader file in `shaders/` is valid WGSL as it is: naga parses and validates it.
//! (The generated kernels, every op on every type, are checked in `src/gpu/codegen.rs`.)

use std::path::Path;

#[test]
fn every_template_passes_naga_as_it_is() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("shaders");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).expect("shaders/ exists") {
        let path = entry.expect("readable entry").path();
        if path.extension().is_some_and(|e| e == "wgsl") {
            let src = std::fs::read_to_string(&path).expect("readable shader");
            let module = naga::front::wgsl::parse_str(&src)
                .unwrap_or_else(|e| panic!("{}:\n{}", path.display(), e.emit_to_string(&src)));
            naga::valid::Validator::new(
                naga::valid::ValidationFlags::all(),
                naga::valid::Capabilities::default(),
            )
            .validate(&module)
            .unwrap_or_else(|e| panic!("{}:\n{}", path.display(), e.emit_to_string(&src)));
            checked += 1;
        }
    }
    assert_eq!(checked, 4, "elementwise, float, sint, uint");
}
