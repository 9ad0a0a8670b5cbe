//===- TileBatchHeads.cpp - recur ops tiled over batch and heads ----------===//

#include "recur/Dialect/Recur/Transforms/Passes.h"

#include "recur/Dialect/Recur/IR/RecurDialect.h"
#include "recur/Dialect/Recur/IR/RecurLayout.h"
#include "recur/Dialect/Recur/IR/RecurOps.h"

#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/TilingInterface.h"

namespace mlir {
namespace recur {
#define GEN_PASS_DEF_RECURTILEBATCHHEADS
#include "recur/Dialect/Recur/Transforms/Passes.h.inc"
} // namespace recur
} // namespace mlir

using namespace mlir;
using namespace mlir::recur;

/// Tile sizes: 1 for the batch and head dimensions, 0 (whole) for the rest,
/// except the channel blocks of the scans (channelBlockSize; 0 when the
/// block is the whole dimension or the size is dynamic).
static int64_t channelBlock(int64_t size, int64_t largest) {
  if (ShapedType::isDynamic(size))
    return 0;
  int64_t block = channelBlockSize(size, largest);
  return block == size ? 0 : block;
}

/// The channel dimension a scan may be tiled along, its size and the
/// largest block: the last feature of recur.scan, in blocks of up to 512
/// (it streams memory: long contiguous rows), and D of recur.selective_scan
/// with one group, in blocks of up to 256 (it computes: more blocks share
/// out better); with several groups a block of channels would need its own
/// group mapping.
struct ChannelDim {
  std::string name;
  int64_t size, largestBlock;
};
static std::optional<ChannelDim> channelDim(TilingInterface op) {
  if (auto scan = dyn_cast<ScanOp>(*op)) {
    auto type = cast<RankedTensorType>(scan.getA().getType());
    if (type.getRank() < 3)
      return std::nullopt;
    return ChannelDim{"D" + std::to_string(type.getRank() - 3),
                      type.getShape().back(), 512};
  }
  if (auto selective = dyn_cast<SelectiveScanOp>(*op)) {
    auto groups = cast<RankedTensorType>(selective.getBm().getType());
    if (groups.getDimSize(2) != 1)
      return std::nullopt;
    return ChannelDim{
        "D", cast<RankedTensorType>(selective.getU().getType()).getDimSize(2),
        256};
  }
  return std::nullopt;
}

static SmallVector<OpFoldResult> batchHeadTileSizes(OpBuilder &b,
                                                    TilingInterface op) {
  std::optional<ChannelDim> channels = channelDim(op);
  SmallVector<OpFoldResult> sizes;
  for (const std::string &dim : getParallelDims(op)) {
    int64_t size = dim == "B" || dim == "H" ? 1 : 0;
    if (channels && dim == channels->name)
      size = channelBlock(channels->size, channels->largestBlock);
    sizes.push_back(b.getIndexAttr(size));
  }
  return sizes;
}

namespace {
struct RecurTileBatchHeads
    : recur::impl::RecurTileBatchHeadsBase<RecurTileBatchHeads> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<TilingInterface> ops;
    // The convolution has no recurrence: its chunked form is one linalg
    // convolution that upstream tiling takes as it is. An op with a static
    // size of 0 has no tiles.
    getOperation()->walk([&](TilingInterface op) {
      if (isa<RecurDialect>(op->getDialect()) && !isa<Conv1dOp>(*op) &&
          !hasStaticZeroSize(op))
        ops.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (TilingInterface op : ops) {
      rewriter.setInsertionPoint(op);
      scf::SCFTilingOptions options;
      options.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
      options.setTileSizes(batchHeadTileSizes(rewriter, op));
      FailureOr<scf::SCFTilingResult> tiled =
          scf::tileUsingSCF(rewriter, op, options);
      if (failed(tiled)) {
        op->emitOpError("could not be tiled over its batch and heads");
        return signalPassFailure();
      }
      rewriter.replaceOp(op, tiled->replacements);
    }
  }
};
} // namespace
