//===- RecurToChunks.cpp - The chunked lowering pass ----------------------===//
//
// Rewrites every recur op into its chunked form (one file per op in this
// directory), as its recur.chunk_config says (ChunkConfig.h; a target's
// configuration step writes it). The pipelines run the reference lowering
// afterwards, which would take any op a future pattern declines.
//
//===----------------------------------------------------------------------===//

#include "recur/Conversion/RecurToChunks/RecurToChunks.h"

#include "Patterns.h"

#include "recur/Dialect/Recur/IR/RecurOps.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <set>

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
                                                const ChunkConfig &config) {
  populateLinearAttentionToChunksPattern(patterns, config);
  populateAttentionToChunksPattern(patterns, config);
  populateConv1dToChunksPattern(patterns, config);
  populateScanToChunksPattern(patterns, config);
  populateSelectiveScanToChunksPattern(patterns, config);
}

namespace {
struct RecurChunk : recur::impl::RecurChunkBase<RecurChunk> {
  using Base::Base;

  void runOnOperation() override {
    // Every configuration (recur.chunk_config) of the module's recur ops.
    std::set<ChunkConfig> configs;
    WalkResult result = getOperation()->walk([&](Operation *op) {
      if (!isa<LinearAttentionOp, AttentionOp, Conv1dOp, ScanOp,
               SelectiveScanOp>(op))
        return WalkResult::advance();
      if (configuredOnly && !op->hasAttr(ChunkConfig::attrName))
        return WalkResult::advance();
      FailureOr<ChunkConfig> config = ChunkConfig::fromOp(op);
      if (failed(config))
        return WalkResult::interrupt();
      configs.insert(*config);
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      return signalPassFailure();
    // Each configuration's patterns match its ops only.
    RewritePatternSet patterns(&getContext());
    for (const ChunkConfig &config : configs)
      populateRecurToChunksPatterns(patterns, config);
    // Only the recur ops are rewritten; nothing else is folded or erased.
    GreedyRewriteConfig rewrite;
    rewrite.setStrictness(GreedyRewriteStrictness::ExistingOps);
    if (failed(
            applyPatternsGreedily(getOperation(), std::move(patterns), rewrite)))
      return signalPassFailure();
  }
};
} // namespace
