//! The interface every kernel has, in one place: its bindings (the parameter uniform, the
//! output, then the inputs), its workgroup size and the elements one workgroup of a
//! reduction folds. `shaders/elementwise.wgsl` declares the same numbers; a unit test checks
//! that the template and these constants agree.

/// The parameter uniform's binding.
pub(crate) const PARAMS: u32 = 0;
/// The output array's binding.
pub(crate) const OUTPUT: u32 = 1;
/// The first input array's binding; input `k` is at `INPUT + k`.
pub(crate) const INPUT: u32 = 2;

/// Invocations per workgroup, as the template declares (`@workgroup_size(256)`).
pub(crate) const WORKGROUP: u32 = 256;

/// Elements one workgroup of the `reduce` entry point folds (`PER_GROUP` in the template).
pub(crate) const PER_GROUP: usize = 4096;

fn storage(binding: u32, read_only: bool) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::COMPUTE,
        ty: wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Storage { read_only },
            has_dynamic_offset: false,
            min_binding_size: None,
        },
        count: None,
    }
}

/// The bind group layout of every kernel of `arity` inputs.
pub(crate) fn bind_group_layout(device: &wgpu::Device, arity: usize) -> wgpu::BindGroupLayout {
    let mut entries = vec![wgpu::BindGroupLayoutEntry {
        binding: PARAMS,
        visibility: wgpu::ShaderStages::COMPUTE,
        ty: wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Uniform,
            has_dynamic_offset: false,
            min_binding_size: None,
        },
        count: None,
    }];
    entries.push(storage(OUTPUT, false));
    for k in 0..arity {
        entries.push(storage(INPUT + k as u32, true));
    }
    device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
        label: Some("compute elementwise"),
        entries: &entries,
    })
}

/// The entries of a bind group over the parameter uniform, the output and the inputs.
pub(crate) fn bind_group_entries<'b>(
    params: wgpu::BindingResource<'b>,
    output: wgpu::BindingResource<'b>,
    inputs: impl Iterator<Item = wgpu::BindingResource<'b>>,
) -> Vec<wgpu::BindGroupEntry<'b>> {
    let mut entries = vec![
        wgpu::BindGroupEntry {
            binding: PARAMS,
            resource: params,
        },
        wgpu::BindGroupEntry {
            binding: OUTPUT,
            resource: output,
        },
    ];
    for (k, resource) in inputs.enumerate() {
        entries.push(wgpu::BindGroupEntry {
            binding: INPUT + k as u32,
            resource,
        });
    }
    entries
}

/// The WGSL declaration of input `k` (code generation adds one per input the kernel reads).
pub(crate) fn input_declaration(k: usize) -> String {
    format!(
        "@group(0) @binding({}) var<storage, read> in{k}: array<loaded>;",
        INPUT + k as u32
    )
}
