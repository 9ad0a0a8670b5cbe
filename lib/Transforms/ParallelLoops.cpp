//===- ParallelLoops.cpp - Which scf.forall loops run on threads ----------===//

#include "recur/Transforms/Passes.h"

#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir {
namespace recur {
#define GEN_PASS_DEF_RECURPARALLELLOOPS
#include "recur/Transforms/Passes.h.inc"
} // namespace recur
} // namespace mlir

using namespace mlir;
using namespace mlir::recur;

namespace {
struct RecurParallelLoops
    : recur::impl::RecurParallelLoopsBase<RecurParallelLoops> {
  using Base::Base;

  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    SmallVector<scf::ForallOp> loops;
    getOperation().walk([&](scf::ForallOp loop) { loops.push_back(loop); });
    // Innermost first, so that an outer loop sees its inner loops' form.
    for (scf::ForallOp loop : loops) {
      auto contains = [&](auto opKind) {
        using OpTy = decltype(opKind);
        return loop.getBody()
            ->walk([](OpTy) { return WalkResult::interrupt(); })
            .wasInterrupted();
      };
      // One level of threads: a loop around parallel ones (the batch loop
      // around the heads of attention) runs sequentially, so that B = 1
      // still spreads the inner loop over the threads.
      bool parallel = threads && !contains(memref::AllocOp()) &&
                      !contains(scf::ParallelOp());
      rewriter.setInsertionPoint(loop);
      LogicalResult converted = parallel
                                    ? scf::forallToParallelLoop(rewriter, loop)
                                    : scf::forallToForLoop(rewriter, loop);
      if (failed(converted)) {
        loop.emitError("recur-parallel-loops: cannot lower this scf.forall "
                       "(it has results; bufferize first)");
        return signalPassFailure();
      }
    }
  }
};
} // namespace
