//===- ChunkPolicy.cpp - The GPU policy of the chunked forms --------------===//
//
// Every choice of the chunked forms that is tuning, not math, made for GPU
// targets in one place and recorded on each op (recur.chunk_config), which
// --recur-gpu-tile and --recur-chunk read. An op without a configuration
// takes the token-serial form, one thread per independent column.
//
// On a GPU, a chunked linear attention is one block per (sequence, head,
// value block), a chunked attention one per query tile of a GQA group:
// the chunk tiles live in the block's shared memory and its threads share
// each tile's elements. The tiles must therefore fit a block's shared
// memory; the chunk and the value block are what the policy shrinks to
// make them. conv1d of run-time width takes its whole-sequence form.
//
//===----------------------------------------------------------------------===//

#include "recur/Codegen/GPU/Passes.h"

#include "recur/Conversion/RecurToChunks/ChunkConfig.h"
#include "recur/Dialect/Recur/IR/RecurOps.h"

namespace mlir {
namespace recur {
#define GEN_PASS_DEF_RECURGPUCONFIGURE
#include "recur/Codegen/GPU/Passes.h.inc"
} // namespace recur
} // namespace mlir

using namespace mlir;
using namespace mlir::recur;

/// The widest value block the policy takes: wider blocks mean fewer blocks
/// to fill the GPU with, and a chunk's key-side work (decays, the
/// intra-chunk scores) repeated for fewer value blocks.
static constexpr int64_t kMaxValueBlock = 64;
/// The narrowest value block the policy takes a smaller chunk to avoid:
/// each block repeats the chunk's key-side work.
static constexpr int64_t kMinValueBlock = 16;

/// The parts attention's decode splits its keys into, each a block: a
/// step of B sequences and Hkv key/value heads would otherwise run in
/// B x Hkv blocks only (16 for one sequence of a 16-head model, on a GPU
/// of 108 to 132 SMs), each sweeping the whole KV cache.
static constexpr int64_t kAttentionKeySplits = 8;

/// The fewest chunks a part of a split sequence has (sequence_splits):
/// each part ends with a combine step and its state's work is done twice.
static constexpr int64_t kMinPartChunks = 8;
/// The most parts the policy splits a sequence into: the parts' states
/// are combined in P - 1 launches one after the other (two each with the
/// delta rule), a few microseconds each, which more parts would make cost
/// more than they save.
static constexpr int64_t kMaxPolicySplits = 4;

/// The smallest chunk the policy halves the chunk size down to: a smaller
/// chunk has smaller tiles (for wide keys) but more steps, each with a few
/// barriers.
static constexpr int64_t kMinChunkSize = 8;

/// Head sizes (and head counts) above this take the token-serial form:
/// their tiles fit no block, and the footprints below stay far from
/// overflowing.
static constexpr int64_t kMaxHeadSize = 1 << 20;

/// An upper bound on the bytes of shared memory the chunk tiles of one
/// block of linear attention `op` take after bufferization: one sequence of
/// one head, `valueBlock` value columns, chunks of `chunk` tokens, f32
/// tiles (plus the 16-bit copies of 16-bit inputs). Counted from the tiles
/// the chunked form allocates (docs/gpu.md, "Chunked kernels"), with C the
/// chunk, K the keys and W the value block:
/// - C x K key-side tiles: 3 (queries, keys, their scaled forms; A B^T
///   reads B in place, with no transposed copy), two more for a key gate
///   (its decays and the sub-chunk factors), one more for the bonus, for
///   the delta rule and for a gate with the delta rule;
/// - C x W value-side tiles: 2, or 5 with the delta rule's transforms;
/// - C x C scores: 1, or 4 with the delta rule's solve;
/// - the K x W state update, the K x W state itself with `localState`, and
///   vectors of the token-serial steps (up to 4 of K, 2 of W and 8 of C).
static int64_t sharedBytes(LinearAttentionOp op, int64_t chunk, int64_t keys,
                           int64_t valueBlock, bool localState) {
  bool delta = op.getBeta() != nullptr;
  bool keyGate = op.getGateKind() == GateKind::key;
  bool gated = op.getGateKind() != GateKind::none;
  int64_t keyTiles = 3 + 2 * keyGate + (op.getBonus() != nullptr) + delta +
                     (delta && gated);
  int64_t valueTiles = delta ? 5 : 2;
  int64_t scoreTiles = delta ? 4 : 1;
  auto elementType = [](Value value) {
    return cast<RankedTensorType>(value.getType()).getElementType();
  };
  // 16-bit queries, keys and values are padded into a tile of their own
  // type before they are widened: two half-size tiles of each side.
  int64_t narrowTiles =
      elementType(op.getQ()).getIntOrFloatBitWidth() < 32 ||
              elementType(op.getV()).getIntOrFloatBitWidth() < 32
          ? 1
          : 0;
  int64_t elements = (keyTiles + narrowTiles) * chunk * keys +
                     (valueTiles + narrowTiles) * chunk * valueBlock +
                     scoreTiles * chunk * chunk +
                     (1 + localState) * keys * valueBlock +
                     4 * keys + 2 * valueBlock + 8 * chunk;
  return elements * 4;
}

/// The configuration of linear attention `op` on GPUs, or none when it
/// takes the token-serial form (run-time head sizes, or tiles that do not
/// fit `sharedBudget` bytes for any chunk size and value block).
static std::optional<ChunkConfig>
linearAttentionConfig(LinearAttentionOp op, const ChunkConfig &base,
                      int64_t sharedBudget) {
  int64_t keys = cast<RankedTensorType>(op.getQ().getType()).getDimSize(3);
  int64_t values = cast<RankedTensorType>(op.getV().getType()).getDimSize(3);
  if (ShapedType::isDynamic(keys) || ShapedType::isDynamic(values) ||
      keys == 0 || values == 0 || keys > kMaxHeadSize ||
      values > kMaxHeadSize)
    return std::nullopt;
  // The largest chunk (the chunk size, halved down to kMinChunkSize) with
  // the widest divisor of V up to kMaxValueBlock whose tiles fit (blocks
  // of equal width keep every tile's shape static), as long as that is
  // kMinValueBlock columns at least; else the widest such block of any
  // chunk. The state stays in shared memory where it fits beside that
  // block's tiles: a narrower block would repeat the key-side work of a
  // chunk for more blocks, a state in global memory (mostly in L2) costs a
  // read and a write of it per chunk.
  std::optional<ChunkConfig> widest;
  for (int64_t chunk = base.chunkSize;
       chunk == base.chunkSize || chunk >= kMinChunkSize; chunk /= 2) {
    for (int64_t block = std::min(values, kMaxValueBlock); block >= 1;
         --block) {
      if (values % block != 0 ||
          sharedBytes(op, chunk, keys, block, /*localState=*/false) >
              sharedBudget)
        continue;
      ChunkConfig config = base;
      config.chunkSize = chunk;
      config.valueBlock = block;
      config.localState = sharedBytes(op, chunk, keys, block,
                                      /*localState=*/true) <= sharedBudget;
      if (block >= std::min(values, kMinValueBlock))
        return config;
      if (!widest || widest->valueBlock < block)
        widest = config;
      break;
    }
  }
  return widest;
}

/// The parts linear attention `op`, configured as `config`, splits its
/// sequences into (sequence_splits) for a GPU that `gpuBlocks` blocks fill:
/// where its blocks (B x H x value blocks, static) are at most half of
/// them, the fewest parts (a power of 2, kMaxPolicySplits at most) that
/// reach 3/4 of `gpuBlocks` (the blocks of the last wave idle the rest),
/// each of a
/// static T/P tokens and kMinPartChunks chunks at least; 0 where it does
/// not split (too many blocks already, run-time sizes, short sequences).
static int64_t sequenceSplits(LinearAttentionOp op, const ChunkConfig &config,
                              int64_t gpuBlocks) {
  auto q = cast<RankedTensorType>(op.getQ().getType());
  int64_t values = cast<RankedTensorType>(op.getV().getType()).getDimSize(3);
  if (gpuBlocks <= 0 || q.isDynamicDim(0) || q.isDynamicDim(1) ||
      q.isDynamicDim(2) || config.valueBlock == 0)
    return 0;
  int64_t blocks = q.getDimSize(0) * q.getDimSize(2) *
                   (values / config.valueBlock);
  if (blocks == 0 || blocks > gpuBlocks / 2)
    return 0;
  int64_t length = q.getDimSize(1), parts = 0;
  for (int64_t next = 2; next <= kMaxPolicySplits; next *= 2) {
    if (length % next != 0 ||
        length / next < kMinPartChunks * config.chunkSize)
      break;
    parts = next;
    if (4 * blocks * next >= 3 * gpuBlocks)
      break;
  }
  return parts;
}

/// An upper bound on the bytes of shared memory the tiles of one block of
/// attention take: one query tile of R rows (its positions times the G
/// heads of a group: about `chunk` rows, or G when G is larger), key and
/// value tiles of C = `chunk` keys, f32 tiles (plus the 16-bit copies of
/// 16-bit inputs). Counted from the tiles the chunked form allocates, with
/// D and Dv the head sizes:
/// - R x C: the scores, the weights and the mask (3);
/// - R x Dv: the accumulator, its update and the output (4);
/// - R x D: the queries (1);
/// - C x D: the keys (1; Q K^T reads them in place); C x Dv: the values
///   (1);
/// - R-vectors: the running max and sum and their updates (6);
/// - 16-bit inputs: their C x D and C x Dv copies.
static int64_t attentionSharedBytes(int64_t chunk, int64_t group,
                                    int64_t headDim, int64_t valueDim,
                                    bool narrow) {
  int64_t rows = std::max(chunk, group);
  int64_t elements = 3 * rows * chunk + 4 * rows * valueDim +
                     rows * headDim + (1 + narrow) * chunk * headDim +
                     (1 + narrow) * chunk * valueDim + 6 * rows;
  return elements * 4;
}

/// The configuration of attention `op` on GPUs, or none when it stays
/// token-serial (run-time head sizes or head counts, or tiles that do not
/// fit `sharedBudget` bytes for any chunk size).
static std::optional<ChunkConfig> attentionConfig(AttentionOp op,
                                                  const ChunkConfig &base,
                                                  int64_t sharedBudget) {
  auto q = cast<RankedTensorType>(op.getQ().getType());
  auto k = cast<RankedTensorType>(op.getK().getType());
  auto v = cast<RankedTensorType>(op.getV().getType());
  int64_t headDim = q.getDimSize(3), valueDim = v.getDimSize(3);
  if (ShapedType::isDynamic(headDim) || ShapedType::isDynamic(valueDim) ||
      q.isDynamicDim(2) || k.isDynamicDim(2) || k.getDimSize(2) == 0 ||
      headDim == 0 || valueDim == 0 || headDim > kMaxHeadSize ||
      valueDim > kMaxHeadSize || q.getDimSize(2) > kMaxHeadSize)
    return std::nullopt;
  bool narrow = q.getElementType().getIntOrFloatBitWidth() < 32 ||
                v.getElementType().getIntOrFloatBitWidth() < 32;
  int64_t group = q.getDimSize(2) / k.getDimSize(2); // verified to divide
  for (int64_t chunk = base.chunkSize;
       chunk == base.chunkSize || chunk >= kMinChunkSize; chunk /= 2) {
    if (attentionSharedBytes(chunk, group, headDim, valueDim, narrow) >
        sharedBudget)
      continue;
    ChunkConfig config = base;
    config.chunkSize = chunk;
    config.keySplits = kAttentionKeySplits;
    return config;
  }
  return std::nullopt;
}

/// The configuration of conv1d `op` on GPUs: the chunked form where the
/// kernel width or the channel count is known at run time only (upstream's
/// depthwise convolution over the whole sequence, whose loops become
/// launches of their own; a thread's window of run-time size has no place
/// in a kernel), else none: token-serial, a thread per channel.
static std::optional<ChunkConfig> conv1dConfig(Conv1dOp op,
                                               const ChunkConfig &base) {
  auto weights = cast<RankedTensorType>(op.getW().getType());
  if (weights.hasStaticShape())
    return std::nullopt;
  return base;
}

/// Checks a description's own configuration of `op`: well formed, a
/// local state only on linear attention, and a value block only on linear
/// attention, dividing its static V (a partial block would give the tiles
/// run-time shapes).
static LogicalResult checkOwnConfig(Operation *op) {
  FailureOr<ChunkConfig> config = ChunkConfig::fromOp(op);
  if (failed(config))
    return failure();
  auto linear = dyn_cast<LinearAttentionOp>(op);
  if (config->localState && !linear)
    return op->emitOpError() << ChunkConfig::attrName
                             << ": local_state applies to linear attention "
                                "only";
  if (config->sequenceSplits != 0 && !linear)
    return op->emitOpError() << ChunkConfig::attrName
                             << ": sequence_splits applies to linear "
                                "attention only";
  if (config->keySplits != 0 && !isa<AttentionOp>(op))
    return op->emitOpError() << ChunkConfig::attrName
                             << ": key_splits applies to attention only";
  if (config->valueBlock == 0)
    return success();
  if (!linear)
    return op->emitOpError() << ChunkConfig::attrName
                             << ": value_block applies to linear attention "
                                "only";
  int64_t values =
      cast<RankedTensorType>(linear.getV().getType()).getDimSize(3);
  if (ShapedType::isDynamic(values) || values % config->valueBlock != 0)
    return op->emitOpError()
           << ChunkConfig::attrName << ": value_block ("
           << config->valueBlock
           << ") must divide the static value size V (" << values << ")";
  return success();
}

namespace {
struct RecurGPUConfigure
    : recur::impl::RecurGPUConfigureBase<RecurGPUConfigure> {
  using Base::Base;

  /// The configuration of recur op `op`, or none: token-serial. The
  /// chunk tiles of a block may take `tileBytes` of shared memory.
  std::optional<ChunkConfig> configure(Operation *op, const ChunkConfig &base,
                                       int64_t tileBytes) {
    // conv1d of run-time width has no token-serial form on GPUs.
    if (auto conv = dyn_cast<Conv1dOp>(op))
      return conv1dConfig(conv, base);
    if (tokenSerial)
      return std::nullopt;
    if (auto linear = dyn_cast<LinearAttentionOp>(op)) {
      if (linearAttentionForm == LinearAttentionForm::Recurrent)
        return std::nullopt;
      std::optional<ChunkConfig> config =
          linearAttentionConfig(linear, base, tileBytes);
      if (config)
        config->sequenceSplits = sequenceSplits(linear, *config, gpuBlocks);
      return config;
    }
    if (auto attention = dyn_cast<AttentionOp>(op))
      return attentionConfig(attention, base, tileBytes);
    return std::nullopt;
  }

  void runOnOperation() override {
    if (failed(ChunkConfig::checkOptions(getOperation(), getArgument(),
                                         chunkSize, serialBelow)))
      return signalPassFailure();
    if (sharedMemoryBytes < 0) {
      getOperation()->emitError() << "--recur-gpu-configure: "
                                     "shared-memory-bytes must be >= 0";
      return signalPassFailure();
    }
    if (gpuBlocks < 0) {
      getOperation()->emitError() << "--recur-gpu-configure: "
                                     "gpu-blocks must be >= 0";
      return signalPassFailure();
    }
    if (threadsPerBlock < 1 || threadsPerBlock > 1024) {
      getOperation()->emitError() << "--recur-gpu-configure: "
                                     "threads-per-block must be in [1, 1024]";
      return signalPassFailure();
    }
    // The tiles' budget: what the block's warps do not set aside for
    // their MMAs, where they stage them.
    int64_t tileBytes =
        sharedMemoryBytes - (mmaStaging ? mmaStagingBytes(threadsPerBlock) : 0);
    ChunkConfig base;
    base.chunkSize = chunkSize;
    base.serialBelow = serialBelow;
    base.statePass = StatePass::Sequential;
    base.linearAttentionForm = LinearAttentionForm::Chunked;
    WalkResult result = getOperation()->walk([&](Operation *op) {
      if (!isa<LinearAttentionOp, AttentionOp, Conv1dOp, ScanOp,
               SelectiveScanOp>(op))
        return WalkResult::advance();
      // A description's own configuration stays, if it is well formed.
      if (op->hasAttr(ChunkConfig::attrName))
        return failed(checkOwnConfig(op)) ? WalkResult::interrupt()
                                          : WalkResult::advance();
      if (std::optional<ChunkConfig> config = configure(op, base, tileBytes))
        op->setAttr(ChunkConfig::attrName, config->toAttr(&getContext()));
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace
