//===- CPULoopOrder.cpp - A unit-stride parallel innermost loop -----------===//

#include "recur/Codegen/CPU/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir {
namespace recur {
#define GEN_PASS_DEF_RECURCPULOOPORDER
#include "recur/Codegen/CPU/Passes.h.inc"
} // namespace recur
} // namespace mlir

using namespace mlir;
using namespace mlir::recur;

/// The permutation that moves the parallel loop indexing the output's
/// innermost dimension to the end, or an empty one to keep the order.
static SmallVector<unsigned> innermostParallelOrder(linalg::GenericOp op) {
  if (op.getNumDpsInits() != 1 || op.getNumLoops() < 2)
    return {};
  AffineMap outputMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  if (outputMap.getNumResults() == 0)
    return {};
  auto innermost = dyn_cast<AffineDimExpr>(outputMap.getResults().back());
  if (!innermost)
    return {};
  unsigned dim = innermost.getPosition();
  if (dim == op.getNumLoops() - 1)
    return {};
  SmallVector<unsigned> order;
  for (unsigned d = 0; d < op.getNumLoops(); ++d)
    if (d != dim)
      order.push_back(d);
  order.push_back(dim);
  return order;
}

namespace {
struct RecurCPULoopOrder
    : recur::impl::RecurCPULoopOrderBase<RecurCPULoopOrder> {
  using Base::Base;

  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    SmallVector<linalg::LinalgOp> ops;
    getOperation()->walk([&](linalg::LinalgOp op) { ops.push_back(op); });
    for (linalg::LinalgOp op : ops) {
      auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
      if (!generic) {
        // Only contractions and convolutions benefit; fills and copies
        // keep their form.
        if (!linalg::isaContractionOpInterface(op) &&
            !linalg::isaConvolutionOpInterface(op))
          continue;
        rewriter.setInsertionPoint(op);
        FailureOr<linalg::GenericOp> generalized =
            linalg::generalizeNamedOp(rewriter, op);
        if (failed(generalized))
          continue;
        generic = *generalized;
      }
      SmallVector<unsigned> order = innermostParallelOrder(generic);
      if (order.empty())
        continue;
      rewriter.setInsertionPoint(generic);
      (void)linalg::interchangeGenericOp(rewriter, generic, order);
    }
  }
};
} // namespace
