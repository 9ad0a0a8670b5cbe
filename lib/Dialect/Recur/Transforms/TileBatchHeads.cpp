//===- TileBatchHeads.cpp - recur ops tiled over batch and heads ----------===//

#include "recur/Dialect/Recur/Transforms/Passes.h"

#include "recur/Dialect/Recur/IR/RecurDialect.h"
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

/// Tile sizes: 1 for the batch and head dimensions, 0 (whole) for the rest.
static SmallVector<OpFoldResult>
batchHeadTileSizes(OpBuilder &b, ArrayRef<std::string> dims) {
  SmallVector<OpFoldResult> sizes;
  for (const std::string &dim : dims)
    sizes.push_back(b.getIndexAttr(dim == "B" || dim == "H" ? 1 : 0));
  return sizes;
}

namespace {
struct RecurTileBatchHeads
    : recur::impl::RecurTileBatchHeadsBase<RecurTileBatchHeads> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<TilingInterface> ops;
    // The convolution has no recurrence: its chunked form is one linalg
    // convolution that upstream tiling takes as it is.
    getOperation()->walk([&](TilingInterface op) {
      if (isa<RecurDialect>(op->getDialect()) && !isa<Conv1dOp>(*op))
        ops.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (TilingInterface op : ops) {
      SmallVector<std::string> dims = getParallelDims(op);
      rewriter.setInsertionPoint(op);
      scf::SCFTilingOptions options;
      options.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
      options.setTileSizes(batchHeadTileSizes(rewriter, dims));
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
