// The element-wise kernel: `main` stores the program's value of every element, `reduce`
// folds them, one value per workgroup.
//
// Code generation (src/gpu/codegen.rs) changes four things and nothing else: the element type
// in the `alias elem` line, the length of the parameter array, the input arrays the program
// reads (declared after the `// @inputs` line, `in0`, `in1`, ... at bindings 2, 3, ...), and
// the lines between the body markers in `kernel`, where it writes the fused program as `let`
// bindings that call the op helpers of float.wgsl (+ transcendental.wgsl for f32) or
// int.wgsl + sint.wgsl / uint.wgsl (and any user kernels). It also swaps in the reduction's
// `combine` and `identity` lines and, for a kernel across two types (src/gpu/cast.rs), the
// `loaded` or `stored` type with its `load` or `store` line. As written here it is a valid
// kernel of no inputs that stores zeros.
alias elem = f32;
// The input arrays' type (another one for a cast as the inputs are loaded).
alias loaded = elem;
// The type `main` stores (another one for a cast as values are stored, `u32` for a mask).
alias stored = elem;

struct Params {
    // Elements in this dispatch.
    n: u32,
    // Invocations per row of the 2-D dispatch grid (workgroups per row * 256).
    row: u32,
    _pad0: u32,
    _pad1: u32,
    // Scalars of the program as raw bits, one per 16-byte slot (the uniform array stride).
    p: array<vec4<u32>, 1>,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> out: array<stored>;
// @inputs

// An input value as the program reads it.
fn load(v: loaded) -> elem {
    return v; // @load
}

// A program value as the output holds it.
fn store(v: elem) -> stored {
    return v; // @store
}

fn kernel(i: u32) -> elem {
    var v: elem = elem(0);
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
    out[i] = store(kernel(i));
}

// The reduction's step and its identity; code generation swaps in the chosen ones.
fn combine(a: elem, b: elem) -> elem {
    return a + b; // @combine
}

fn identity() -> elem {
    return elem(0); // @identity
}

// Elements one workgroup of `reduce` folds: 256 invocations x 16 each.
const PER_GROUP: u32 = 4096u;

var<workgroup> partial: array<elem, 256>;

// Each workgroup folds PER_GROUP consecutive elements: every invocation 16 of them, 256
// apart (coalesced), then a tree over the 256 partial values in workgroup memory. The
// workgroup's value goes to out[group]; the host combines those.
@compute @workgroup_size(256)
fn reduce(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
    let group = wg.y * (params.row / 256u) + wg.x;
    let base = group * PER_GROUP;
    var acc: elem = identity();
    for (var k = 0u; k < 16u; k = k + 1u) {
        let i = base + k * 256u + li;
        if (i < params.n) {
            acc = combine(acc, kernel(i));
        }
    }
    partial[li] = acc;
    workgroupBarrier();
    for (var stride = 128u; stride > 0u; stride = stride >> 1u) {
        if (li < stride) {
            partial[li] = combine(partial[li], partial[li + stride]);
        }
        workgroupBarrier();
    }
    if (li == 0u && base < params.n) {
        out[group] = store(partial[0]);
    }
}
