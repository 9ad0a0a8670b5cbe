//===- Passes.td - The CPU target's passes -----------------*- tablegen -*-===//

#ifndef RECUR_CODEGEN_CPU_PASSES_TD
#define RECUR_CODEGEN_CPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def RecurCPUConfigure : Pass<"recur-cpu-configure"> {
  let summary = "The CPU policy of the chunked forms, recorded on each op";
  let description = [{
    Writes `recur.chunk_config` (ChunkConfig.h) on every recur op that has
    none: the chunk size, the state pass and serial-below from the options,
    and the form of linear attention over serial-below tokens or more. With
    `linear-attention-form=auto` (the default) the form is the one the
    shape favours on CPUs (measured, docs/chunked-forms.md "Choosing a
    form"): the chunked form from a 128 x 128 state on, unless the gate is
    per key (an exp per query, key and channel in each chunk), else the
    token-serial steps on chunk tiles. An op that carries its own
    configuration (a description may set one to override the policy) keeps
    it, checked. `--recur-chunk` then builds what the configurations say.
  }];
  let options = [
    Option<"chunkSize", "chunk-size", "int64_t", /*default=*/"64",
           "Tokens per chunk (1 to 1024)">,
    Option<"statePass", "state-pass", "::mlir::recur::StatePass",
           /*default=*/"::mlir::recur::StatePass::Sequential",
           "How the state crosses chunks", [{::llvm::cl::values(
             clEnumValN(::mlir::recur::StatePass::Sequential, "sequential",
                        "one loop carries the state from chunk to chunk"),
             clEnumValN(::mlir::recur::StatePass::Parallel, "parallel",
                        "chunk summaries in parallel, a cheap combine, "
                        "then chunk outputs in parallel (scans and "
                        "non-delta linear attention)"))}]>,
    Option<"serialBelow", "serial-below", "int64_t", /*default=*/"16",
           "Linear attention over fewer tokens than this (decode steps) "
           "takes the token-serial form, and attention query tiles of one "
           "position; chosen at run time when T is dynamic; 0 turns both "
           "off">,
    Option<"linearAttentionForm", "linear-attention-form",
           "::mlir::recur::LinearAttentionForm",
           /*default=*/"::mlir::recur::LinearAttentionForm::Auto",
           "The form of linear attention over serial-below tokens or more",
           [{::llvm::cl::values(
             clEnumValN(::mlir::recur::LinearAttentionForm::Auto, "auto",
                        "the form the shape favours (docs/chunked-forms.md)"),
             clEnumValN(::mlir::recur::LinearAttentionForm::Chunked,
                        "chunked", "matmuls on chunk tiles"),
             clEnumValN(::mlir::recur::LinearAttentionForm::Recurrent,
                        "recurrent", "the token-serial form, on chunk "
                        "tiles"))}]>,
  ];
}

def RecurCPUTransposeB : Pass<"recur-cpu-transpose-b", "::mlir::func::FuncOp"> {
  let summary = "Form B^T of each A B^T matmul on tensors once, as its own tile";
  let description = [{
    Rewrites each `linalg.matmul` on tensors whose B is read transposed
    (the chunked forms' A B^T) into a `linalg.transpose` of B into a new
    tensor and a plain `linalg.matmul` (keeping the op's attributes): the
    CPU tail's register tiles then read unit-stride rows of B^T rather than
    gathering a column of B at every step. GPU targets keep the
    contraction as it is.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def RecurCPULoopOrder : Pass<"recur-cpu-loop-order"> {
  let summary = "Order linalg loops so the innermost one is unit-stride and parallel";
  let description = [{
    A stop-gap of the CPU tail until linalg ops are vectorized explicitly:
    `convert-linalg-to-loops` nests loops in the order of an op's iteration
    dimensions, which for a matmul puts the reduction innermost, a loop
    LLVM cannot vectorize without reassociating. This pass generalizes
    named linalg ops and interchanges each generic op (upstream's
    `interchangeGenericOp`) so that the parallel dimension indexing the
    innermost dimension of its output runs innermost: `(i, j, k)` of a
    matmul becomes `(i, k, j)`, whose inner loop LLVM vectorizes.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def RecurApproximateExp : Pass<"recur-approximate-exp"> {
  let summary = "Replace f32 math.exp by upstream's polynomial approximation";
  let description = [{
    `math.exp` otherwise becomes a call to libm's `expf` per element, which
    no loop vectorizer can widen; the chunked forms evaluate many
    exponentials (decay masks, gated keys, softmax weights). This pass
    applies upstream's polynomial approximation patterns to `math.exp` on
    f32 (range reduction plus a polynomial, inline arithmetic that LLVM
    vectorizes). The tests bound its error with the same f32 tolerances as
    libm's.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::math::MathDialect",
  ];
}

def RecurParallelLoops : Pass<"recur-parallel-loops", "::mlir::ModuleOp"> {
  let summary = "Choose which scf.forall loops run on threads";
  let description = [{
    Runs on buffers, before the loops reach OpenMP. Each `scf.forall` (the
    batch x head tiles of the recur ops) becomes an `scf.parallel`, which
    `convert-scf-to-openmp` turns into a work-sharing loop over the
    threads, unless it allocates on the heap (`memref.alloc`, a temporary
    of run-time size): a failed allocation returns the out-of-memory status
    by jumping back to the entry point, which is only possible on the
    calling thread, so such a loop runs sequentially (`scf.for`). Threads
    are one level deep: a loop around parallel loops (attention's batch
    loop around its heads and query tiles) runs sequentially, so that a
    batch of one still spreads its heads over the threads. A loop on
    threads is also kept in its sequential form, which runs when
    `omp_get_max_threads()` is 1 or the loop has one iteration: a parallel
    region costs microseconds even on one thread (Debian's OpenMP runtime
    formats trace strings in every work-sharing loop), as much as a whole
    decode step of a small block. With `threads=false` every loop runs
    sequentially. A module pass: it declares `omp_get_max_threads`.
  }];
  let options = [
    Option<"threads", "threads", "bool", /*default=*/"true",
           "Run loops without heap allocations on threads">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::scf::SCFDialect"];
}

def RecurStackScopes : Pass<"recur-stack-scopes", "::mlir::func::FuncOp"> {
  let summary = "Free the stack temporaries of each loop iteration";
  let description = [{
    The pipeline keeps small static temporaries on the stack
    (`promote-buffers-to-stack`, after `buffer-loop-hoisting` moved them
    out of the loops that allow it). A `memref.alloca` left in a loop body,
    such as one per head in a `scf.forall`, would otherwise take new stack
    on every iteration until the function returns. In the body of every
    loop (`scf.for`, `scf.forall`, `scf.parallel`, `scf.while`) that
    allocates on the stack outside a nested loop, this pass saves the stack
    pointer first and restores it before the terminator
    (`llvm.intr.stacksave` / `stackrestore`). Each `memref.alloca_scope`
    (`convert-scf-to-openmp` wraps each loop body in one) is replaced by
    the same pair around its body: a scope region would not survive
    `convert-scf-to-cf`, which breaks nested `scf.if`s into blocks. Each
    thread of a parallel loop has its own temporaries.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def RecurCPUProjections : Pass<"recur-cpu-projections", "::mlir::func::FuncOp"> {
  let summary = "A description's projections as cache-blocked GEMMs on the weight as stored";
  let description = [{
    Runs on tensors, before `recur-vectorize`. A linalg.generic at a
    function's top level that multiplies activations x [..., K] by a static
    weight [N, K] (a torch Linear's layout) into an f32 init [..., N] (the
    op `Function.linear` writes) becomes a GEMM over the tokens flattened
    to rows: an `scf.forall` over blocks of weight rows (threads; a block
    of at most 512 KiB stays in L2 while every token passes), input
    blocks whose x rows stay in L1 (24 KiB), register tiles of 4 token rows
    x 4 weight rows (then single rows with two accumulators per pair), each
    pair a dot product along K in vector registers of `vector-bits`,
    summed horizontally once per input block. The weight is read
    as stored, with unit stride: no per-call transpose or packing. bf16 and
    f16 operands are widened in registers.

    A weight that is a `linalg.unpack` of panels [ceil(N / 16), K, 16]
    (a packed argument, `recur.packed_rows`) is read in its panels instead
    (PanelGemm.cpp): blocks of panels in an `scf.forall`, 256 inputs at a
    time, tiles of 8 rows x 3 panels (then 2 rows, then single rows 8
    vectors wide) whose accumulators hold outputs: per input, one load per
    panel vector, one broadcast of x per row, one FMA per pair, and a
    prefetch of each panel's stream 32 inputs ahead.
  }];
  let options = [
    Option<"vectorBits", "vector-bits", "int64_t", /*default=*/"512",
           "Width of the target's vector registers in bits (128, 256 or "
           "512)">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
    "::mlir::vector::VectorDialect",
  ];
}

def RecurVectorize : Pass<"recur-vectorize", "::mlir::func::FuncOp"> {
  let summary = "Tile static linalg ops into register tiles and vectorize them";
  let description = [{
    Runs on tensors, after the recur ops are lowered. Every linalg op whose
    iteration space is static (the chunk-level matmuls, gates, decays and
    epilogues of the chunked and token-serial forms) is tiled with
    upstream's `scf::tileUsingSCF` and each tile is vectorized with
    `linalg::vectorize`:

    - the vector dimension is the parallel loop indexing the innermost
      dimension of the first output; its tile is the largest divisor of its
      size up to two vector registers (ops with a reduction), eight (a
      reduction into a single row, such as a vecmat: independent FMA
      chains) or four (ops without a reduction);
    - ops with a reduction also block the loop of the output's
      second-innermost dimension (8 rows for 512-bit vectors, 4 otherwise),
      and step their reductions one at a time, so a matmul tile becomes an
      accumulator of 8 x 2 registers updated by broadcast-FMAs;
    - every other loop steps by one.

    Then the reductions over one element become elementwise vector
    arithmetic (upstream's multi-reduction canonicalization and unit-dim
    dropping), the remaining ones `vector.contract`, lowered to
    broadcast-FMA outer products, and upstream's loop-invariant subset
    hoisting keeps
    the accumulators in registers across the reduction loops (the
    `vector.transfer_read`/`transfer_write` pairs become loop-carried
    vectors). Ops with a dynamic iteration space are left for
    `convert-linalg-to-loops`.
  }];
  let options = [
    Option<"vectorBits", "vector-bits", "int64_t", /*default=*/"512",
           "Width of the target's vector registers in bits (128, 256 or "
           "512)">,
  ];
  let dependentDialects = [
    "::mlir::affine::AffineDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
    "::mlir::vector::VectorDialect",
  ];
}

#endif // RECUR_CODEGEN_CPU_PASSES_TD
