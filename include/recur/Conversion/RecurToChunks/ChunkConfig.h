//===- ChunkConfig.h - The chunked forms' configuration of one op -*- C++ -*-===//
//
// The choices of the chunked forms that are tuning, not semantics, recorded
// on each recur op as the `recur.chunk_config` attribute:
//
//   {chunk_size = 64, state_pass = "sequential", serial_below = 16,
//    linear_attention_form = "chunked"}
//
// plus, on GPU targets, `value_block = 32` (the value columns of a block)
// and `local_state = true` (linear attention's state carried in a tile of
// its own: a block's shared memory), `key_splits = 8` (attention's decode
// with its keys split across blocks) and `sequence_splits = 4` (linear
// attention's sequences split into parts, each its own block:
// --recur-split-sequences).
//
// A target's configuration step writes it (the CPU's: --recur-cpu-configure,
// lib/Codegen/CPU/ChunkPolicy.cpp); --recur-chunk reads it and the patterns
// only build the math. A description may set it on an op itself, to
// override the policy for that op; it is checked like any input.
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_CONVERSION_RECURTOCHUNKS_CHUNKCONFIG_H
#define RECUR_CONVERSION_RECURTOCHUNKS_CHUNKCONFIG_H

#include "recur/Conversion/RecurToChunks/RecurToChunks.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Operation.h"

namespace mlir {
namespace recur {

/// On a matmul of a chunked form whose op reads f16 or bf16 inputs: the
/// type (f16, bf16) its f32 tile operands are rounded to where a target
/// multiplies them on matrix units (tensor cores, with f32 accumulation),
/// as hand-written kernels cast tiles to the input type before each dot.
/// Targets that multiply in f32 ignore it.
inline constexpr llvm::StringLiteral kOperandPrecisionAttr =
    "recur.operand_precision";

/// The most parts attention's keys are split into (`key_splits`).
inline constexpr int64_t kMaxKeySplits = 1024;
/// The most parts linear attention's sequences are split into
/// (`sequence_splits`): the parts' states are combined one part after the
/// other.
inline constexpr int64_t kMaxSequenceSplits = 256;

struct ChunkConfig {
  /// Tokens per chunk, 1 to 1024.
  int64_t chunkSize = 64;
  StatePass statePass = StatePass::Sequential;
  /// Sequences shorter than this (decode steps) take the token-serial form
  /// (linear attention) or query tiles of one position (attention); 0: off.
  int64_t serialBelow = 16;
  /// The form of linear attention over serial-below tokens or more:
  /// Chunked or Recurrent (a decision: never Auto).
  LinearAttentionForm linearAttentionForm = LinearAttentionForm::Chunked;
  /// Value columns per tile of one sequence of one head, each tile one GPU
  /// block (linear attention on GPU targets); 0: all of them, one tile.
  /// Written only when set (`value_block`).
  int64_t valueBlock = 0;
  /// Whether the chunk loop of linear attention carries its state in a
  /// tile of its own, read from the state's buffer before the loop and
  /// written back after it (on GPUs, a block's shared memory), rather than
  /// in the state's buffer (global memory on GPUs). Written only when set
  /// (`local_state`).
  bool localState = false;
  /// Attention's decode-length queries (fewer than serial-below): the key
  /// tiles split into this many parts, each its own block (split-K), and
  /// their partial softmax states combined; 0 or 1: not split. Written
  /// only when set (`key_splits`).
  int64_t keySplits = 0;
  /// Linear attention's sequences split into this many parts of equal
  /// length, each a sequence of its own (--recur-split-sequences): every
  /// part's end state from zero, the states entering the parts combined in
  /// order, then every part's outputs from its entering state; 0 or 1: not
  /// split. Written only when set (`sequence_splits`).
  int64_t sequenceSplits = 0;

  static constexpr llvm::StringLiteral attrName = "recur.chunk_config";

  DictionaryAttr toAttr(MLIRContext *context) const;
  /// The configuration `op` carries; fails with an error at `op` when it
  /// has none or it is malformed.
  static FailureOr<ChunkConfig> fromOp(Operation *op);
  /// The same, without an error.
  static std::optional<ChunkConfig> read(Operation *op);
  /// Checks the options of a target's configuration step `pass`: a chunk
  /// size in [1, 1024], serial-below >= 0; fails with an error at `scope`.
  static LogicalResult checkOptions(Operation *scope, StringRef pass,
                                    int64_t chunkSize, int64_t serialBelow);

  bool operator<(const ChunkConfig &other) const;
  bool operator==(const ChunkConfig &other) const {
    return !(*this < other) && !(other < *this);
  }
  bool operator!=(const ChunkConfig &other) const { return !(*this == other); }
};

} // namespace recur
} // namespace mlir

#endif // RECUR_CONVERSION_RECURTOCHUNKS_CHUNKCONFIG_H
