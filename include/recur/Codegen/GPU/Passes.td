//===- Passes.td - The GPU tails' passes -------------------*- tablegen -*-===//

#ifndef RECUR_CODEGEN_GPU_PASSES_TD
#define RECUR_CODEGEN_GPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def RecurGPUTile : Pass<"recur-gpu-tile"> {
  let summary = "Tile recur ops into GPU blocks and threads";
  let description = [{
    Tiles every recur op twice through its TilingInterface (upstream
    `scf::tileUsingSCF`, `scf.forall` loops): by 1 over its batch (`B`) and
    head (`H`) dimensions, a forall mapped to `#gpu.block<linear_dim_i>`,
    then by 1 over its other independent dimensions (value columns, channels,
    features), a forall mapped to `#gpu.thread<linear_dim_i>`. Each thread's
    tile is the same op over one sequence of one column, which the
    token-serial lowering (`--recur-lower-to-loops`) turns into a loop over
    tokens on state that only this thread touches.
  }];
  let dependentDialects = [
    "::mlir::gpu::GPUDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def RecurGPUMapToLaunches : Pass<"recur-gpu-map-to-launches", "::mlir::ModuleOp"> {
  let summary = "Turn the parallel loops over buffers into gpu.launch ops";
  let description = [{
    After bufferization: each `scf.forall` mapped to `#gpu.block` becomes a
    launch whose blocks walk its linearized iterations (a grid-stride loop,
    so that any count fits the grid), and each `#gpu.thread` forall inside
    it a block-stride loop over its iterations followed by a barrier. Each
    `scf.parallel` left on the host (the description's own linalg ops and
    copies, after convert-linalg-to-parallel-loops) becomes a launch over
    all its iterations, spread across blocks and threads. Unmapped parallel
    loops inside a kernel run in order in their thread. Afterwards the host
    code only allocates, frees, takes views of buffers and launches: any
    other read or write of a buffer there is a located error, as is a write
    in a block outside its thread loops.
  }];
  let options = [
    Option<"threadsPerBlock", "threads-per-block", "int64_t",
           /*default=*/"128",
           "Threads per block for loops of run-time size (1 to 1024)">,
  ];
  let dependentDialects = [
    "::mlir::affine::AffineDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::scf::SCFDialect",
  ];
}

def RecurGPUFlattenBuffers : Pass<"recur-gpu-flatten-buffers"> {
  let summary = "Give GPU kernels one-dimensional buffers";
  let description = [{
    Collapses every buffer a `gpu.launch` uses from outside to one
    dimension before the launch; inside, each load and store indexes the
    flat buffer with the linearized index (`affine.linearize_index`) and
    `memref.dim` reads the size taken outside. Views must have been folded
    into the indices first (`--fold-memref-alias-ops`): a buffer used by
    anything but loads, stores and `memref.dim` inside a kernel, a buffer
    with a non-identity layout, and an allocation inside a kernel are
    located errors. SPIR-V kernels take only one-dimensional buffers.
  }];
  let dependentDialects = [
    "::mlir::affine::AffineDialect",
    "::mlir::memref::MemRefDialect",
  ];
}

def RecurGPUMergeKernelModules
    : Pass<"recur-gpu-merge-kernel-modules", "::mlir::ModuleOp"> {
  let summary = "Put every outlined kernel into one gpu.module";
  let description = [{
    Kernel outlining makes one `gpu.module` per kernel; this pass moves
    every kernel into the first (renaming kernels whose names clash) and
    points each `gpu.launch_func` at it, so that a compiled model embeds
    and loads one binary.
  }];
}

def RecurSPIRVEntryPoints
    : Pass<"recur-spirv-entry-points", "::mlir::ModuleOp"> {
  let summary = "Prepare GPU kernels for the SPIR-V conversion";
  let description = [{
    Sets `spirv.entry_point_abi` (the workgroup size) of every kernel from
    its `known_block_size` (a kernel without one is a located error), and
    carries bf16 buffer arguments as i16 (the same bits: loads bitcast to
    bf16, stores from it; the launches pass the buffer through
    `builtin.unrealized_conversion_cast`), since MLIR 22's SPIR-V
    conversion reads bf16 buffers as f32 without an error. Run
    arith-expand afterwards to widen and narrow bf16 with integer ops.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::spirv::SPIRVDialect",
  ];
}

def RecurVulkanLaunches : Pass<"recur-vulkan-launches", "::mlir::ModuleOp"> {
  let summary = "Lower kernel launches to calls of recur's Vulkan runtime";
  let description = [{
    Serializes each `spirv.module` into a constant global of words and
    replaces each `gpu.launch_func` by a call of `recur_vk_launch` (the
    kernel's words and entry name, the group counts, and one record per
    argument: buffer handle, byte offset and size, or a scalar's bits and
    width; index scalars go as 32-bit values). Every function that launches
    calls `recur_vk_sync` before it returns; a nonzero status of either
    fails the call with the device-error status through
    `recur.check_failed`. The GPU and SPIR-V modules are erased.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::func::FuncDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
  ];
}

def RecurVulkanAllocator : Pass<"recur-vulkan-allocator", "::mlir::ModuleOp"> {
  let summary = "Allocate the host's buffers through recur's Vulkan runtime";
  let description = [{
    On the LLVM dialect, after `--recur-c-wrappers`: the host code of the
    vulkan target allocates only device buffers, so `malloc` and `free`
    become the runtime's `recur_vk_malloc` (a buffer handle, or null when
    the device is out of memory) and `recur_vk_free` (which waits for the
    work recorded on the buffer).
  }];
}

#endif // RECUR_CODEGEN_GPU_PASSES_TD
