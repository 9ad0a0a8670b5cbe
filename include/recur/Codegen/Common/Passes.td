//===- Passes.td - The common stage's passes ---------------*- tablegen -*-===//
//
// Passes every target's pipeline runs that do not touch recur ops: the
// trust boundary, the two halves of the C interface (the buffer ABI and its
// entry checks on tensors; the C entry points in the LLVM dialect), the
// allocation checks, and the copies and reshapes the tails share.
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_CODEGEN_COMMON_PASSES_TD
#define RECUR_CODEGEN_COMMON_PASSES_TD

include "mlir/Pass/PassBase.td"

def RecurCheckDescription
    : Pass<"recur-check-description", "::mlir::ModuleOp"> {
  let summary = "Reject what a model description may not use";
  let description = [{
    The trust boundary (docs/architecture.md, "What a description may
    use"): model descriptions are data that users download and share, like
    weights, so a description may only compute on its arguments. The first
    pass of every pipeline; it rejects, each with a located error:

    - an op outside the recur, func, arith, math, linalg, tensor, scf and
      affine dialects (the `llvm` dialect and its inline assembly, memref,
      bufferization, vector, emitc, gpu, transform ...);
    - a type or attribute of any other dialect, and memref types;
    - a function without a body, which would be resolved outside the
      module (calls can only reach the module's own functions);
    - a discardable attribute outside the `recur.` namespace (on an op, an
      argument or a result), which later lowerings could hand to LLVM
      (`passthrough`, `section`, `llvm.*` argument attributes), and a
      `library_call` on a linalg op.

    recur's own lowering adds libm, OpenMP and runtime calls after it.
  }];
}

def RecurBufferABI : Pass<"recur-buffer-abi", "::mlir::ModuleOp"> {
  let summary = "Give each public function the caller-owned-buffer interface";
  let description = [{
    The first half of the C interface (README, "The C interface"). Each public
    `func.func` taking and returning ranked tensors is renamed to a private
    body, and a public function of the original name takes its place:

    ```
    func.func @f(%in: memref<...>, ..., %out: memref<...>, ...)
        -> (i32, i64, i64)
      %t = bufferization.to_tensor %in restrict
      %r = func.call @f.body(%t, ...)
      bufferization.materialize_in_destination %r in restrict writable %out
      return %c0_i32, %c0_i64, %c0_i64
    ```

    The three results are the status of the call (0: success) and the two
    values of the check that failed, which `--recur-runtime-checks` fills in.

    Its dynamic dimensions are named: an argument or result may carry
    `recur.dim_names = ["B", "S"]` (one name per `?` dimension, in order);
    otherwise a `?` in dimension 0 is `B` and in dimension 1 is `T`. Equal
    names are one C argument. A `recur.name` string attribute names an
    argument or result in the C header (default `argN` / `resultN`).

    A result with `recur.updates = N` (an integer) is written over argument
    N instead of into a buffer of its own: the argument becomes an input
    that the call also writes in place (a non-const pointer; a state pool),
    converted with `to_tensor ... restrict writable`, and the result is
    materialized into it. Each such result has its argument's type and
    names a distinct argument.

    The interface is recorded on the new function as `recur.c_interface`,
    which `--recur-c-wrappers` and the header writer read.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::func::FuncDialect",
    "::mlir::memref::MemRefDialect",
  ];
}

def RecurRuntimeChecks : Pass<"recur-runtime-checks", "::mlir::ModuleOp"> {
  let summary = "Check every size the exported functions trust, before any work";
  let description = [{
    Runs after `--recur-buffer-abi` and inlining, on each function carrying
    `recur.c_interface`. At its entry it checks, in this order:

    - every named dimension is >= 0;
    - the element count and byte size of every buffer fit in int64;
    - the byte size of every temporary (`tensor.empty`) whose sizes follow
      from the arguments' fits in int64 (unless a buffer of the same sizes
      and wider elements is checked already);
    - for every recur op, each dimension name of its layout has one size
      across its operands (dynamic against dynamic and against static; the
      conv1d state has `W - 1` rows), and `H % Hkv == 0`, `D % G == 0` with
      a divisor > 0;
    - every `tensor.expand_shape` splits a dimension into sizes whose
      product is that dimension;
    - every result has the sizes of its output buffer;
    - no buffer with bytes is NULL, and no output overlaps another buffer.

    Sizes inside the function are expressed through the arguments' sizes
    with upstream's value-bounds analysis; a size that does not follow from
    them is an error at compile time (a temporary's is checked where it is
    allocated instead). The work moves into an `scf.if` that runs only when
    every check passed and some output has bytes (a call with empty outputs
    has nothing to do, however large its other sizes), and the function
    returns the number of the first failed check (1-based) and the two
    values it compared. Each check's message is recorded in the C interface
    (`status_messages`).

    What is only known where it is used is checked there: before each op
    of the description that implements upstream's
    `RuntimeVerifiableOpInterface` (the indices of `tensor.extract` and
    `tensor.insert`, the offsets, sizes and strides of slices, the sizes a
    linalg op's operands share), its checks are generated; a failed one
    calls `recur.check_failed` with its status, numbered after the entry
    checks, and `--recur-c-wrappers` makes the C entry point return it.
  }];
  let options = [
    Option<"bufferHandles", "buffer-handles", "bool", /*default=*/"false",
           "The buffer arguments are handles of device buffers (GPU "
           "targets): an output overlaps another buffer when the handles "
           "are equal">,
  ];
  let dependentDialects = [
    "::mlir::affine::AffineDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::cf::ControlFlowDialect",
    "::mlir::func::FuncDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def RecurAllocationSizeChecks
    : Pass<"recur-allocation-size-checks", "::mlir::ModuleOp"> {
  let summary = "Check the byte count of every run-time sized allocation";
  let description = [{
    Runs on buffers, before the memrefs reach LLVM. The LLVM lowering of
    `memref.alloc` multiplies the sizes and the element size without an
    overflow check: sizes whose product is 2^64 bytes or more would wrap to
    a small allocation that the code then writes past. Before every
    `memref.alloc` and `memref.alloca` with dynamic sizes this pass
    computes the byte count with overflow checks and, when it is 2^63 or
    more, calls `recur.allocation_size_overflow`, which
    `--recur-c-wrappers` defines: the C entry point returns the
    out-of-memory status with the size -1, like a failed `malloc`.
    (`--recur-runtime-checks` already rejects, before any work, a
    description's temporaries whose sizes follow from the arguments; this
    is the guard for every other allocation, the lowering's own included.)
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::scf::SCFDialect"];
}

def RecurCWrappers : Pass<"recur-c-wrappers", "::mlir::ModuleOp"> {
  let summary = "Export each interface function as a plain C function";
  let description = [{
    The second half of the C interface, run on the LLVM dialect. For each
    `llvm.func` carrying `recur.c_interface`, the function (whose memref
    arguments are expanded into descriptors) is made internal under the name
    `<name>.impl`, and a function of the original name is added with the C
    signature: the named dynamic dimensions as `i64`, then one pointer per
    argument and result buffer (contiguous, row-major), returning the `i32`
    status. It builds each descriptor from the pointer and the shape, and
    keeps the values of a failed check in thread-local storage for
    `<name>_status_message(int)`, which it also adds: it formats the
    check's message (`status_messages` of the interface) into a
    thread-local buffer and returns it. Every other function defined
    in the module gets internal linkage, so that only the C entry points are
    exported and two compiled models link into one program.

    With `stream-setter` (the cuda target), each C entry point takes one
    more argument, an `int64_t` stream (a CUstream), and passes it to that
    function before any work; with `workspace-setter`, one more after it,
    a pointer (the caller's device workspace, or NULL), likewise.
  }];
  let options = [
    Option<"streamSetter", "stream-setter", "std::string",
           /*default=*/"\"\"",
           "A function (int64_t) -> void that each C entry point calls with "
           "its trailing stream argument">,
    Option<"workspaceSetter", "workspace-setter", "std::string",
           /*default=*/"\"\"",
           "A function (ptr) -> void that each C entry point calls with its "
           "trailing workspace argument (after the stream)">,
  ];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def RecurLowerExpandShape : Pass<"recur-lower-expand-shape"> {
  let summary = "Rewrite memref.expand_shape as memref.reinterpret_cast";
  let description = [{
    Upstream `--expand-strided-metadata` in LLVM/MLIR 22 crashes on a
    `memref.expand_shape` that splits one dimension into several dynamic
    ones (`[B * T] -> [B, T]`, which every model that reshapes tokens does):
    llvm/llvm-project issue #186830, fixed after 22 by pull request #187844,
    which computes the sizes from `output_shape`. Drop this pass once the
    project builds against a release with that fix. This pass rewrites each expand_shape first: the source's base, offset and
    strides come from `memref.extract_strided_metadata`, and within each
    reassociation group the strides of the new dimensions are products of
    the sizes to their right times the source stride.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::memref::MemRefDialect",
  ];
}

def RecurLowerUnpack : Pass<"recur-lower-unpack"> {
  let summary = "Lower the unpacking of packed weights that no GEMM took";
  let description = [{
    A weight passed in panels (`recur.packed_rows`) reaches the body as a
    `linalg.unpack` of its argument. The CPU's projections read the panels
    themselves (`recur-cpu-projections`); any other use (another op, a
    projection inside a loop, a GPU target) gets the weight [N, K] from
    upstream's `linalg::lowerUnPack`: a transpose into [N / P, P, K], a
    collapse to [N / P * P, K] and a slice of its first N rows, which every
    target lowers. Runs on tensors.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def RecurCopyReadOnlyInits : Pass<"recur-copy-read-only-inits"> {
  let summary = "Copy read-only destinations explicitly, into tensor.empty";
  let description = [{
    Before bufferization: an op that writes a destination in place (a DPS
    init, an `scf.forall`'s shared output) whose value is a read-only
    buffer's tensor (a `bufferization.to_tensor` that is not writable: a
    function's input, such as a recurrence's initial state) takes instead
    a `linalg.copy` of it into a `tensor.empty`. One-Shot Bufferize would
    copy it into a new buffer anyway; made explicit, empty-tensor
    elimination puts that copy in the buffer the result is materialized in
    (the caller's output), and the copy from the new buffer into it goes.

    A fresh destination (a `tensor.empty`, or a `linalg.fill` of one)
    that several ops write in place (after CSE merged equal ones) gets one
    per op, made beside it: empty-tensor elimination may otherwise put
    the shared one in one result's output buffer while another op's
    result lives there too.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def RecurCopyToLinalg : Pass<"recur-copy-to-linalg"> {
  let summary = "Rewrite strided memref.copy into linalg.copy";
  let description = [{
    MLIR's LLVM lowering turns a `memref.copy` between buffers that are not
    both contiguous (e.g. into a subview, as bufferized `tensor.pad` and
    `tensor.insert_slice` produce) into a call to `memrefCopy`, a function
    of MLIR's C runner utilities library, which a compiled model must not
    depend on. This pass rewrites those copies into `linalg.copy`, which
    lowers to loops like any other linalg op. Copies between contiguous
    buffers stay: they become `llvm.memcpy`. With `all` (the GPU tails,
    where a copy is a kernel like any other loop nest) every copy is
    rewritten, and a copy of a buffer onto itself is erased.
  }];
  let options = [
    Option<"all", "all", "bool", /*default=*/"false",
           "Rewrite every copy, contiguous or not; erase self-copies">,
  ];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

#endif // RECUR_CODEGEN_COMMON_PASSES_TD
