//===- TileForGPU.cpp - recur ops tiled into GPU blocks and threads -------===//
//
// Two levels of upstream TilingInterface tiling: a forall over (batch,
// heads; attention's key/value heads and their groups) mapped to blocks, and inside it a forall over the op's other
// independent dimensions mapped to threads. What is left in a thread is one
// sequence of one column, which the token-serial lowering walks. An op that
// takes the chunked form (its recur.chunk_config, --recur-gpu-configure)
// is tiled into blocks only, over (batch, heads, value blocks): the chunk
// pattern rewrites each block's tile, whose tile ops the block's threads
// share. Chunked attention is not tiled here: its chunk pattern's forall
// over (batch, key/value head, query tile) is the blocks.
//
// The block level fuses the linalg producers of an op's inputs whose tiles
// are small and static (upstream's tile-and-fuse): a decode step's gate
// preprocessing then runs inside the op's kernel, each block computing the
// gates of its own sequence and head.
//
//===----------------------------------------------------------------------===//

#include "recur/Codegen/GPU/Passes.h"

#include "recur/Conversion/RecurToChunks/ChunkConfig.h"
#include "recur/Dialect/Recur/IR/RecurDialect.h"
#include "recur/Dialect/Recur/IR/RecurLayout.h"
#include "recur/Dialect/Recur/IR/RecurOps.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/TilingInterface.h"

namespace mlir {
namespace recur {
#define GEN_PASS_DEF_RECURGPUTILE
#include "recur/Codegen/GPU/Passes.h.inc"
} // namespace recur
} // namespace mlir

using namespace mlir;
using namespace mlir::recur;

/// The batch and heads; attention's heads are (key/value head, head of its
/// group), so that each block of token-serial attention is one query head.
static bool isBlockDim(StringRef dim) {
  return dim == "B" || dim == "H" || dim == "Hkv" || dim == "G";
}

/// Whether threads may split dimension `dim` of `op`: any independent
/// dimension but the batch and heads, except the channels D of a
/// selective scan whose B and C come in several groups (a tile of channels
/// would need its own group mapping, as in --recur-tile-batch-heads).
static bool isThreadDim(Operation *op, StringRef dim) {
  if (isBlockDim(dim))
    return false;
  if (auto selective = dyn_cast<SelectiveScanOp>(op))
    return dim != "D" ||
           cast<RankedTensorType>(selective.getBm().getType()).getDimSize(2) ==
               1;
  return true;
}

/// The most bytes of a producer's tile that a block computes itself (a
/// block's static temporaries are at most this size; see
/// --recur-gpu-map-to-launches).
static constexpr int64_t kMaxFusedTileBytes = 1024;

/// Whether a block fuses the producer of the slice `slice` of one of its
/// op's inputs (not a destination): a linalg op whose tile has a static
/// shape of at most kMaxFusedTileBytes. A decode step's gate
/// preprocessing (a sigmoid, a softplus, an L2 norm over one token's
/// keys) then runs in the op's own kernel instead of a launch of its own;
/// a prefill's tiles span the sequence and stay where they are.
static bool fusesProducer(tensor::ExtractSliceOp slice, OpResult producer,
                          bool isDestination) {
  if (isDestination || !isa<linalg::LinalgOp>(producer.getOwner()))
    return false;
  auto type = slice.getResultType();
  return type.hasStaticShape() && type.getElementType().isIntOrFloat() &&
         type.getNumElements() *
                 llvm::divideCeil(type.getElementTypeBitWidth(), 8) <=
             kMaxFusedTileBytes;
}

/// Tiles `op` along its independent dimensions by the sizes `tileSize`
/// gives (0: not tiled), in a forall whose loops carry the mappings
/// `mapping` builds from their position, fusing the producers that
/// fusesProducer takes when `fuse` is set; returns the tiled op (the same
/// op on the tile), or the op itself when no dimension is tiled.
static FailureOr<TilingInterface>
tileLevel(RewriterBase &rewriter, TilingInterface op,
          function_ref<int64_t(StringRef)> tileSize,
          function_ref<Attribute(unsigned)> mapping, bool fuse = false) {
  SmallVector<OpFoldResult> sizes;
  SmallVector<Attribute> mappings;
  for (const std::string &dim : getParallelDims(op)) {
    int64_t size = tileSize(dim);
    sizes.push_back(rewriter.getIndexAttr(size));
    if (size != 0)
      mappings.push_back(mapping(mappings.size()));
  }
  if (mappings.empty())
    return op;
  rewriter.setInsertionPoint(op);
  scf::SCFTilingOptions options;
  options.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
  options.setTileSizes(sizes);
  options.setMapping(mappings);
  if (fuse) {
    scf::SCFTileAndFuseOptions fusion;
    fusion.setTilingOptions(options);
    fusion.setFusionControlFn(
        [](tensor::ExtractSliceOp slice, OpResult producer, bool destination)
            -> std::optional<scf::SCFTileAndFuseOptions::ControlFnResult> {
          if (!fusesProducer(slice, producer, destination))
            return std::nullopt;
          return scf::SCFTileAndFuseOptions::ControlFnResult{};
        });
    FailureOr<scf::SCFTileAndFuseResult> fused =
        scf::tileConsumerAndFuseProducersUsingSCF(rewriter, op, fusion);
    if (failed(fused) || fused->tiledAndFusedOps.empty())
      return failure();
    for (OpResult result : op->getResults())
      rewriter.replaceAllUsesWith(result, fused->replacements.lookup(result));
    rewriter.eraseOp(op);
    return cast<TilingInterface>(fused->tiledAndFusedOps.front());
  }
  FailureOr<scf::SCFTilingResult> tiled =
      scf::tileUsingSCF(rewriter, op, options);
  if (failed(tiled) || tiled->tiledOps.size() != 1)
    return failure();
  rewriter.replaceOp(op, tiled->replacements);
  return cast<TilingInterface>(tiled->tiledOps.front());
}

/// The block tile of `op`: one sequence of one head, and for a chunked op
/// (--recur-gpu-configure) the value columns of its `value_block`.
static int64_t blockTileSize(Operation *op, StringRef dim) {
  if (isBlockDim(dim))
    return 1;
  std::optional<ChunkConfig> config = ChunkConfig::read(op);
  if (config && dim == "V" && config->valueBlock != 0)
    return config->valueBlock;
  return 0;
}

namespace {
struct RecurGPUTile : recur::impl::RecurGPUTileBase<RecurGPUTile> {
  using Base::Base;

  void runOnOperation() override {
    MLIRContext *context = &getContext();
    SmallVector<TilingInterface> ops;
    // An op with a static size of 0 has no tiles: the token-serial lowering
    // takes it whole (it does nothing).
    getOperation()->walk([&](TilingInterface op) {
      if (isa<RecurDialect>(op->getDialect()) && !hasStaticZeroSize(op))
        ops.push_back(op);
    });
    auto linearId = [](unsigned position) {
      return static_cast<gpu::MappingId>(
          static_cast<uint64_t>(gpu::MappingId::LinearDim0) + position);
    };
    IRRewriter rewriter(context);
    for (TilingInterface op : ops) {
      // A chunked op's block shares its tiles among its threads: no
      // thread level (--recur-gpu-map-to-launches spreads each tile op).
      // Chunked attention's own forall, over (batch, key/value head, query
      // tile), is the blocks: a group's heads share each key tile. Chunked
      // conv1d (run-time width) is whole-sequence linalg, launched as is.
      bool chunked = op->hasAttr(ChunkConfig::attrName);
      if (chunked && isa<AttentionOp, Conv1dOp>(op))
        continue;
      FailureOr<TilingInterface> block = tileLevel(
          rewriter, op, [&](StringRef dim) { return blockTileSize(op, dim); },
          [&](unsigned position) -> Attribute {
            return gpu::GPUBlockMappingAttr::get(context, linearId(position));
          },
          /*fuse=*/true);
      FailureOr<TilingInterface> thread = block;
      if (succeeded(block) && !chunked)
        thread = tileLevel(
            rewriter, *block,
            [&](StringRef dim) -> int64_t {
              return isThreadDim(*block, dim) ? 1 : 0;
            },
            [&](unsigned position) -> Attribute {
              return gpu::GPUThreadMappingAttr::get(context,
                                                    linearId(position));
            });
      if (failed(block) || failed(thread)) {
        op->emitOpError("could not be tiled into GPU blocks and threads");
        return signalPassFailure();
      }
    }
  }
};
} // namespace
