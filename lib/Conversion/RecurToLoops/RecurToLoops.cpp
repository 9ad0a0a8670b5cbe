//===- RecurToLoops.cpp - The reference lowering pass ---------------------===//
//
// Rewrites every recur op into scf loops over tensors (one file per op in
// this directory). Any recur op left afterwards is an error.
//
//===----------------------------------------------------------------------===//

#include "recur/Conversion/RecurToLoops/RecurToLoops.h"

#include "Patterns.h"

#include "recur/Dialect/Recur/IR/RecurDialect.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace recur {
#define GEN_PASS_DEF_RECURLOWERTOLOOPS
#include "recur/Conversion/Passes.h.inc"
} // namespace recur
} // namespace mlir

using namespace mlir;
using namespace mlir::recur;

void mlir::recur::populateRecurToLoopsPatterns(RewritePatternSet &patterns) {
  populateScanToLoopsPattern(patterns);
  populateSelectiveScanToLoopsPattern(patterns);
  populateLinearAttentionToLoopsPattern(patterns);
  populateAttentionToLoopsPattern(patterns);
  populateConv1dToLoopsPattern(patterns);
}

namespace {
struct RecurLowerToLoops
    : recur::impl::RecurLowerToLoopsBase<RecurLowerToLoops> {
  using Base::Base;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateRecurToLoopsPatterns(patterns);
    // Only the recur ops are rewritten; nothing else is folded or erased.
    GreedyRewriteConfig config;
    config.setStrictness(GreedyRewriteStrictness::ExistingOps);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns),
                                     config)))
      return signalPassFailure();

    WalkResult leftover = getOperation()->walk([](Operation *op) {
      if (isa_and_nonnull<RecurDialect>(op->getDialect())) {
        op->emitOpError("was not lowered by --recur-lower-to-loops");
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (leftover.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace
