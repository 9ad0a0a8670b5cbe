//===- RecurToChunks.cpp - The chunked lowering pass ----------------------===//
//
// Rewrites every recur op into its chunked form (one file per op in this
// directory). The pipelines run the reference lowering afterwards, which
// would take any op a future pattern declines.
//
//===----------------------------------------------------------------------===//

#include "recur/Conversion/RecurToChunks/RecurToChunks.h"

#include "Patterns.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace recur {
#define GEN_PASS_DEF_RECURCHUNK
#include "recur/Conversion/Passes.h.inc"
} // namespace recur
} // namespace mlir

using namespace mlir;
using namespace mlir::recur;

SmallVector<Value> mlir::recur::emitBySequenceLength(
    ImplicitLocOpBuilder &b, Operation *op, Value sequence, int64_t serialBelow,
    llvm::function_ref<SmallVector<Value>(bool isShort)> emit) {
  int64_t length = cast<RankedTensorType>(sequence.getType()).getDimSize(1);
  if (serialBelow <= 0)
    return emit(/*isShort=*/false);
  if (!ShapedType::isDynamic(length))
    return emit(length < serialBelow);
  Value isShort = arith::CmpIOp::create(
      b, arith::CmpIPredicate::slt, tensor::DimOp::create(b, sequence, 1),
      arith::ConstantIndexOp::create(b, serialBelow));
  auto branch = scf::IfOp::create(b, op->getResultTypes(), isShort,
                                  /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(branch.thenBlock());
  scf::YieldOp::create(b, emit(/*isShort=*/true));
  b.setInsertionPointToStart(branch.elseBlock());
  scf::YieldOp::create(b, emit(/*isShort=*/false));
  return SmallVector<Value>(branch.getResults());
}

void mlir::recur::populateRecurToChunksPatterns(RewritePatternSet &patterns,
                                                int64_t chunkSize,
                                                StatePass statePass,
                                                int64_t serialBelow,
                                                LinearAttentionForm form) {
  ChunkOptions options{chunkSize, statePass, serialBelow, form};
  populateLinearAttentionToChunksPattern(patterns, options);
  populateAttentionToChunksPattern(patterns, options);
  populateConv1dToChunksPattern(patterns, options);
  populateScanToChunksPattern(patterns, options);
  populateSelectiveScanToChunksPattern(patterns, options);
}

namespace {
struct RecurChunk : recur::impl::RecurChunkBase<RecurChunk> {
  using Base::Base;

  void runOnOperation() override {
    if (chunkSize < 1 || chunkSize > 1024) {
      getOperation()->emitError()
          << "--recur-chunk: chunk-size must be in [1, 1024], got "
          << static_cast<int64_t>(chunkSize);
      return signalPassFailure();
    }
    if (serialBelow < 0) {
      getOperation()->emitError()
          << "--recur-chunk: serial-below must be >= 0, got "
          << static_cast<int64_t>(serialBelow);
      return signalPassFailure();
    }
    RewritePatternSet patterns(&getContext());
    populateRecurToChunksPatterns(patterns, chunkSize, statePass, serialBelow,
                                  linearAttentionForm);
    // Only the recur ops are rewritten; nothing else is folded or erased.
    GreedyRewriteConfig config;
    config.setStrictness(GreedyRewriteStrictness::ExistingOps);
    if (failed(
            applyPatternsGreedily(getOperation(), std::move(patterns), config)))
      return signalPassFailure();
  }
};
} // namespace
