// Element-wise kernel over one input array.
//
// Code generation (src/gpu/codegen.rs) changes three things and nothing else: the element
// type in the `alias elem` line, the length of the parameter array, and the lines between
// `// @body` and `// @end`, where it writes the fused op sequence as calls of the helpers in
// float.wgsl / sint.wgsl / uint.wgsl. As written here it is a valid identity kernel.
alias elem = f32;

struct Params {
    // Elements in this dispatch.
    n: u32,
    // Invocations per row of the 2-D dispatch grid (workgroups per row * 256).
    row: u32,
    _pad0: u32,
    _pad1: u32,
    // Op parameters as raw bits, one per 16-byte slot (the uniform array stride).
    p: array<vec4<u32>, 1>,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> in0: array<elem>;
@group(0) @binding(2) var<storage, read_write> out: array<elem>;

fn kernel(x: elem) -> elem {
    var v: elem = x;
    // @body
    // @end
    return v;
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
    let i = wg.y * params.row + wg.x * 256u + li;
    if (i >= params.n) {
        return;
    }
    out[i] = kernel(in0[i]);
}
