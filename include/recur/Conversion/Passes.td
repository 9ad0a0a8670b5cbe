//===- Passes.td - Conversions out of the recur dialect ----*- tablegen -*-===//

#ifndef RECUR_CONVERSION_PASSES_TD
#define RECUR_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def RecurLowerToLoops : Pass<"recur-lower-to-loops"> {
  let summary = "Lower every recur op to token-by-token scf loops (the oracle)";
  let description = [{
    The reference lowering: each recur op becomes scf.for loop nests over
    tensors that compute the formulas of its description one token at a time,
    accumulating in f32. It is written for clarity, not speed: every faster
    lowering is tested against it.

    Inputs in f16/bf16 are extended to f32 on load; results are truncated to
    their element type on store. Sizes the verifier can only check when they
    are static (H % Hkv, D % G, equal dimensions across operands) are a
    precondition: exported functions check them at their entry
    (`--recur-runtime-checks`).
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def RecurChunk : Pass<"recur-chunk"> {
  let summary = "Lower recur ops to their chunked forms (linalg on chunk tiles)";
  let description = [{
    Rewrites each recur op into its chunked form, as the op's
    `recur.chunk_config` says (chunk size, state pass, serial-below, the
    linear-attention form; a target's configuration step, such as
    `--recur-cpu-configure`, writes it, and an op without one is an
    error): an `scf.forall` over its
    independent dimensions (batch; heads for linear attention; kv heads and
    query tiles for attention), an `scf.for` over chunks of `chunk-size`
    tokens carrying the recurrent state, and linalg ops (matmuls and
    elementwise maps) on chunk tiles, with f32 accumulation. Linear attention
    and attention zero-pad the last chunk, so their tiles have a static
    number of rows; the scans step through a chunk token by token on the
    state. `state-pass=parallel` computes every chunk's summary in parallel
    for the scans and for linear attention without the delta rule.
    Linear attention over fewer than `serial-below` tokens takes a
    token-serial form instead (one pass over the [K, V] state per token, as
    linalg ops on tiles; an `scf.if` on T chooses at run time when T is
    dynamic): a decode step would otherwise pay for a whole padded chunk.
    Longer sequences take the chunked form or the same token-serial steps
    on chunk tiles, as `linear_attention_form` says.
    Attention over fewer queries uses query tiles of one position for the
    same reason.
    The math of each form is at the top of its file in
    `lib/Conversion/RecurToChunks` and in `docs/chunked-forms.md`.

    Every recur op has such a form: `recur.linear_attention` (every gate
    kind, the delta rule through the WY/UT transform, the bonus),
    `recur.scan` and `recur.selective_scan` (two-level scans),
    `recur.attention` (tiled online softmax over key tiles of `chunk-size`
    and query tiles of `chunk-size / G` positions of all G heads of a GQA
    group, skipping masked key tiles, one key/value tile read per group) and
    `recur.conv1d` (upstream's depthwise convolution with a
    fused epilogue).

    With `configured-only`, an op without a `recur.chunk_config` is left
    for the token-serial lowering: the GPU policy chunks only the ops whose
    tiles fit a block's shared memory.
  }];
  let options = [
    Option<"configuredOnly", "configured-only", "bool", /*default=*/"false",
           "Leave the ops without a recur.chunk_config as they are instead "
           "of an error">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def RecurSplitSequences : Pass<"recur-split-sequences"> {
  let summary = "Split linear attention's sequences into parts (sequence_splits)";
  let description = [{
    Rewrites each `recur.linear_attention` whose `recur.chunk_config` has
    `sequence_splits = P` (P >= 2; it must divide a static T) into linear
    attentions over the P parts of each sequence, each part a sequence of
    its own: every part's end state from a zero state (a linear attention
    whose output nothing reads, which the chunked form skips), for the
    delta rule also every part's `[K, K]` transition (the end state from
    the identity with zero values), then the state entering each part,
    one part after the other (P - 1 linalg steps, each parallel over the
    state), then every
    part's outputs from its entering state. The parts carry the op's
    configuration without `sequence_splits`. On GPUs this gives P times
    more blocks where B x H x value blocks cannot fill the GPU; the
    state's work is done twice. The math is at the top of
    `lib/Conversion/RecurToChunks/SplitSequences.cpp`.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

#endif // RECUR_CONVERSION_PASSES_TD
