//===- Passes.td - The GPU tails' passes -------------------*- tablegen -*-===//

#ifndef RECUR_CODEGEN_GPU_PASSES_TD
#define RECUR_CODEGEN_GPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def RecurGPUConfigure : Pass<"recur-gpu-configure"> {
  let summary = "The GPU policy of the chunked forms, recorded on each op";
  let description = [{
    Chooses, for every recur op, between the chunked form and the
    token-serial one on GPU targets, and records the choice: a
    `recur.chunk_config` (with `value_block`, the value columns of one
    block) on each op that takes the chunked form, nothing on the others.
    `recur.conv1d` of run-time width or channel count takes its chunked
    form, upstream's depthwise convolution over the whole sequence (a
    thread's window of run-time size has no place in a kernel).
    `recur.linear_attention` with static key and value sizes takes the
    chunked form when the chunk tiles of one block (one sequence of one
    head, `value_block` value columns) fit `shared-memory-bytes`: with the
    largest chunk (`chunk-size`, halved down to 8) and then the widest
    divisor of V up to 64 that fit, taking a smaller chunk over a value
    block under 16 columns. The other ops
    stay token-serial: one thread per independent column, as linear
    attention does with `linear-attention-form=recurrent`. A description's
    own `recur.chunk_config` stays, if it is well formed (a `value_block`
    must divide a static V). The tiles' budget is `shared-memory-bytes`
    less what the block's warps set aside for their warp-wide MMAs
    (`--recur-gpu-mma-matmuls`) where they stage them (`mma-staging`: the
    vulkan tail's emulation).
  }];
  let options = [
    Option<"chunkSize", "chunk-size", "int64_t", /*default=*/"16",
           "Tokens per chunk, the most (1 to 1024)">,
    Option<"serialBelow", "serial-below", "int64_t", /*default=*/"16",
           "Linear attention over fewer tokens than this takes the "
           "token-serial form on tiles; 0 turns it off">,
    Option<"sharedMemoryBytes", "shared-memory-bytes", "int64_t",
           /*default=*/"32768",
           "The shared memory of one block the chunk tiles may take">,
    Option<"threadsPerBlock", "threads-per-block", "int64_t",
           /*default=*/"128",
           "The threads of a block (its warps' MMA staging comes out of "
           "shared-memory-bytes)">,
    Option<"mmaStaging", "mma-staging", "bool", /*default=*/"true",
           "The warps stage their MMAs in shared memory (the vulkan tail's "
           "emulation; cuda's tensor cores take registers)">,
    Option<"gpuBlocks", "gpu-blocks", "int64_t", /*default=*/"0",
           "The blocks that fill the GPU (its multiprocessors times the "
           "blocks each holds at once): a linear attention of static B, H "
           "and T with at most half as many blocks splits its sequences "
           "(sequence_splits); 0: never">,
    Option<"tokenSerial", "token-serial", "bool", /*default=*/"false",
           "Every op token-serial (the reference lowering) but those that "
           "have no token-serial form on GPUs (conv1d of run-time width)">,
    Option<"linearAttentionForm", "linear-attention-form",
           "::mlir::recur::LinearAttentionForm",
           /*default=*/"::mlir::recur::LinearAttentionForm::Auto",
           "The form of linear attention",
           [{::llvm::cl::values(
             clEnumValN(::mlir::recur::LinearAttentionForm::Auto, "auto",
                        "chunked where the tiles fit a block"),
             clEnumValN(::mlir::recur::LinearAttentionForm::Chunked,
                        "chunked", "the same as auto"),
             clEnumValN(::mlir::recur::LinearAttentionForm::Recurrent,
                        "recurrent", "token-serial: one thread per value "
                        "column"))}]>,
  ];
}

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

def RecurGPUNarrowMatmulOperands
    : Pass<"recur-gpu-narrow-matmul-operands", "::mlir::ModuleOp"> {
  let summary = "Contractions read 16-bit tiles instead of their f32 widenings";
  let description = [{
    On tensors, before bufferization: an input of a contraction with an
    f32 output that is the elementwise `arith.extf` of an f16 or bf16 tile
    (how the chunked forms widen the tiles of 16-bit inputs) becomes that
    tile; linalg's matmuls widen their inputs themselves. A widening no one
    reads any more is erased, with the f32 tile it would take. The
    tensor-core matmuls then load 16-bit elements: a bf16 operand is its
    own high part, with no low part to multiply (`--recur-gpu-mma-matmuls`).
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def RecurGPUMMAMatmuls : Pass<"recur-gpu-mma-matmuls", "::mlir::ModuleOp"> {
  let summary = "Tile matmuls as warp-wide m16n8k16 MMAs";
  let description = [{
    After bufferization, in the blocks of a chunked form: every matmul on
    static tiles (f32 output; f32, bf16 or f16 inputs) becomes warp-wide
    matrix instructions with the shape
    and the lane layouts of PTX's
    `mma.sync.aligned.m16n8k16.row.col.f32.{bf16,f16}`: an `scf.parallel`
    marked `recur.gpu.warp_lanes` over (16 x 8 output fragment, lane),
    where each lane loads the elements of A, B and C the PTX ISA gives it
    (zero past the tile's edges), calls `@__recur_mma_m16n8k16_{bf16,f16}`
    per 16 columns of the reduction, and stores its four results.
    By default each f32 element is split into two bf16, high and low, and
    each step is three MMAs (low x high, high x low, high x high), so that
    products keep about 16 bits and results stay within f32 tolerances; a
    bf16 input is its own high part, and the MMA of its (zero) low part is
    left out.
    With `input-precision`, a matmul whose recur op reads f16 or bf16
    (`recur.operand_precision`) takes its operands rounded to that type,
    one MMA per step, as hand-written 16-bit kernels do: results then have
    the accuracy of 16-bit operands. The call is the one step the
    GPU tails take apart: tensor cores on cuda
    (`--recur-cuda-mma-sync`), an emulation of the instruction's lane
    semantics through shared memory on vulkan (`--recur-vulkan-emulate-mma`).
  }];
  let options = [
    Option<"inputPrecision", "input-precision", "bool", /*default=*/"false",
           "Operands of 16-bit ops' matmuls in their input type, one MMA "
           "(instead of split bf16 pairs, three MMAs)">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::func::FuncDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
  ];
}

def RecurGPUMapToLaunches : Pass<"recur-gpu-map-to-launches", "::mlir::ModuleOp"> {
  let summary = "Turn the parallel loops over buffers into gpu.launch ops";
  let description = [{
    After bufferization: each `scf.forall` mapped to `#gpu.block` becomes a
    launch whose blocks walk its linearized iterations (a grid-stride loop,
    so that any count fits the grid). Its thread loops (`#gpu.thread`
    foralls, and the `scf.parallel` loops of a chunked form's tile ops),
    directly in the block or inside the `scf.for`, `scf.if` and `scf.while`
    around them, become block-stride loops between barriers (but where
    nothing a loop touches was written since the last barrier by another,
    nor is read there by one it writes); a write
    outside them runs on the first thread between barriers; the block's
    static temporaries (chunk tiles) are allocated once per launch and
    marked `recur.gpu.workgroup` (shared memory, for
    `--recur-gpu-flatten-buffers`). Each
    `scf.parallel` left on the host (the description's own linalg ops and
    copies, after convert-linalg-to-parallel-loops) becomes a launch over
    all its iterations, spread across blocks and threads. A block whose
    write outside its thread loops has results runs on one thread; unmapped
    parallel loops inside a kernel run in order in their thread; what is
    left on the host that reads or writes buffers without producing a value
    runs on one thread of a launch of its own. Afterwards the host code
    only allocates, frees, takes views of buffers and launches: any other
    read or write of a buffer there (a value the host needs) is a located
    error.
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
    anything but loads, stores and `memref.dim` inside a kernel, and a
    buffer with a non-identity layout are located errors. SPIR-V kernels
    take only one-dimensional buffers. A static temporary of up to 1 KiB
    allocated inside a kernel (the token-serial lowerings' accumulators)
    becomes a `memref.alloca` in private memory
    (`#gpu.address_space<private>`); a larger or run-time sized one is a
    located error. A block's temporary (`recur.gpu.workgroup`, from
    `--recur-gpu-map-to-launches`: a chunk tile the block's threads share)
    becomes an allocation in the block's shared memory
    (`#gpu.address_space<workgroup>`); a kernel whose blocks need more than
    `shared-memory-bytes` is a located error.
  }];
  let options = [
    Option<"sharedMemoryBytes", "shared-memory-bytes", "int64_t",
           /*default=*/"32768",
           "The shared memory a block may take, in bytes">,
    Option<"mmaStaging", "mma-staging", "bool", /*default=*/"true",
           "Count the shared memory the warps stage their MMAs in (the "
           "vulkan tail's emulation)">,
  ];
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

def RecurVulkanPackScalars
    : Pass<"recur-vulkan-pack-scalars", "::mlir::ModuleOp"> {
  let summary = "Pass a kernel's scalar arguments in one buffer";
  let description = [{
    SPIR-V kernels take each scalar argument as a storage buffer of its
    own, and devices bound how many a kernel takes (lavapipe: 32). Each
    kernel's scalars become one trailing `memref<?xi32>` argument (a 32-bit
    word per scalar, two for 64-bit ones; index as the kernels' 32-bit
    index), read at the kernel's entry; each launch fills a host
    `memref.alloca` marked `recur.kernel_scalars` with the words, which
    the launch lowering passes as data, and checks that every index scalar
    fits 32 bits (`recur_vk_check_index`; the call fails with the
    device-error status otherwise).
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::func::FuncDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
  ];
}

def RecurSPIRVEntryPoints
    : Pass<"recur-spirv-entry-points", "::mlir::ModuleOp"> {
  let summary = "Prepare GPU kernels for the SPIR-V conversion";
  let description = [{
    Sets `spirv.entry_point_abi` (the workgroup size) of every kernel from
    its `known_block_size` (a kernel without one is a located error); puts
    private temporaries in the Function storage class; and carries bf16 as
    i16 (the same bits) in buffers, private memory, loads, stores, selects
    and structured control flow, dropping the bitcasts between the two
    (the launches pass a retyped buffer through
    `builtin.unrealized_conversion_cast`): MLIR 22's SPIR-V conversion
    reads bf16 buffers as f32 without an error, and devices without bf16
    take no bf16 value. Run arith-expand (with bf16) first, so that bf16 is
    only widened and narrowed with integer ops; a kernel that computes in
    bf16 otherwise fails to convert.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::spirv::SPIRVDialect",
  ];
}

def RecurVulkanEmulateMMA
    : Pass<"recur-vulkan-emulate-mma", "::mlir::gpu::GPUModuleOp"> {
  let summary = "The warp-wide MMA calls emulated through shared memory";
  let description = [{
    Replaces each call of `@__recur_mma_m16n8k16_{bf16,f16}` (from
    `--recur-gpu-mma-matmuls`) by what `mma.sync` m16n8k16 computes, with
    the lane layouts written out from the PTX ISA's tables, independently
    of the pass that loads the fragments: each lane stores its A and B
    elements where the ISA says they belong in its warp's 16 x 16 and
    16 x 8 matrices (shared memory), all wait at a barrier, each lane
    computes the four accumulators the ISA gives it, and all wait again.
    A fragment loaded from the wrong place gives a wrong matmul, so the
    vulkan execution tests check the lane mapping that tensor cores use on
    cuda. The block's size (`known_block_size`) must be whole warps.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
  ];
}

def RecurVulkanLaunches : Pass<"recur-vulkan-launches", "::mlir::ModuleOp"> {
  let summary = "Lower kernel launches to calls of recur's Vulkan runtime";
  let description = [{
    Serializes each `spirv.module` into a constant global of words and
    replaces each `gpu.launch_func` by a call of `recur_vk_launch` (the
    kernel's words and entry name, the group counts, and one record per
    argument: buffer handle, byte offset and size, or a scalar's bits and
    width). Every function that launches
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

def RecurDeviceAllocator : Pass<"recur-device-allocator", "::mlir::ModuleOp"> {
  let summary = "Allocate the host's buffers through a GPU runtime";
  let description = [{
    On the LLVM dialect, after `--recur-c-wrappers`: the host code of a GPU
    target allocates only device buffers, so `malloc` and `free` become
    the runtime's allocator (vulkan: `recur_vk_malloc`, a buffer handle or
    null when the device is out of memory, and `recur_vk_free`, which waits
    for the work recorded on the buffer; cuda: `recur_cuda_malloc_current`
    and `recur_cuda_free_current`, stream-ordered on the call's stream).
  }];
  let options = [
    Option<"allocate", "allocate", "std::string", /*default=*/"\"\"",
           "The runtime's allocation function (uint64_t bytes -> pointer)">,
    Option<"release", "release", "std::string", /*default=*/"\"\"",
           "The runtime's release function (pointer -> void)">,
  ];
}

def RecurCUDALaunches : Pass<"recur-cuda-launches", "::mlir::ModuleOp"> {
  let summary = "Lower kernel launches to calls of recur's CUDA runtime";
  let description = [{
    Embeds the kernels' binary (`gpu.binary`, a fatbin or NUL-terminated
    PTX) as a constant global and replaces each `gpu.launch_func` by a call
    of `recur_cuda_launch` (the binary, the kernel's name and parameter
    count, grid and block sizes, one {bits, width} record per parameter:
    a buffer's descriptor (device address twice, offset, size, stride), an
    index or 64-bit scalar in 8 bytes, a 32-bit scalar in 4) on the call's
    stream
    (`recur_cuda_stream`, which the C entry point sets); a nonzero status
    fails the call with the device-error status. Nothing synchronizes. The
    description's constants are copied to device buffers
    (`recur_cuda_upload`). Kernels must take buffers of rank 1
    (`--recur-gpu-flatten-buffers`) and no scalar narrower than 32 bits
    (`--recur-cuda-kernel-abi`).
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::func::FuncDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
  ];
}

def RecurCUDAMMASync : Pass<"recur-cuda-mma-sync", "::mlir::gpu::GPUModuleOp"> {
  let summary = "The warp-wide MMA calls as tensor-core mma.sync";
  let description = [{
    Replaces each call of `@__recur_mma_m16n8k16_{bf16,f16}` (from
    `--recur-gpu-mma-matmuls`) by `nvvm.mma.sync` m16n8k16 with row-major A,
    column-major B and f32 accumulators, packing each pair of 16-bit
    elements into the 32-bit registers the instruction reads.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::NVVM::NVVMDialect",
                           "::mlir::LLVM::LLVMDialect"];
}

def RecurCUDAKernelABI : Pass<"recur-cuda-kernel-abi", "::mlir::ModuleOp"> {
  let summary = "Give CUDA kernels 32- and 64-bit parameters and no block-size hint";
  let description = [{
    Every kernel argument of an integer or float type narrower than 32 bits
    (i1 conditions, f16/bf16 scalars) becomes an i32: the launches widen it
    (`arith.extui`, after a bitcast for floats), the kernel narrows it at
    its entry; the CUDA runtime passes parameters of 4 and 8 bytes. The
    kernels' `known_block_size` is dropped: NVVM makes it `.maxntid`,
    under which ptxas spills to reach an occupancy target. A block's shared
    temporaries (`memref.alloc` in `#gpu.address_space<workgroup>`, which
    NVVM would lower to a per-thread malloc) become views of the kernel's
    dynamic shared memory (`gpu.dynamic_shared_memory`), at offsets aligned
    to 16 bytes, and each launch of the kernel asks for their bytes
    (`dynamic_shared_memory_size`): static `.shared` arrays stop at 48 KiB
    a block, dynamic shared memory goes up to what the device gives a block
    that opts in.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::memref::MemRefDialect"];
}

#endif // RECUR_CODEGEN_GPU_PASSES_TD
