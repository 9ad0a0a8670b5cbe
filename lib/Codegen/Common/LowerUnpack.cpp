//===- LowerUnpack.cpp - Packed weights that no GEMM took -----------------===//
//
// See the pass description in Passes.td.
//
//===----------------------------------------------------------------------===//

#include "recur/Codegen/Common/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir {
namespace recur {
#define GEN_PASS_DEF_RECURLOWERUNPACK
#include "recur/Codegen/Common/Passes.h.inc"
} // namespace recur
} // namespace mlir

using namespace mlir;
using namespace mlir::recur;

namespace {
struct RecurLowerUnpack
    : recur::impl::RecurLowerUnpackBase<RecurLowerUnpack> {
  void runOnOperation() override {
    SmallVector<linalg::UnPackOp> unpacks;
    getOperation()->walk(
        [&](linalg::UnPackOp op) { unpacks.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (linalg::UnPackOp op : unpacks) {
      if (op->use_empty()) {
        rewriter.eraseOp(op);
        continue;
      }
      rewriter.setInsertionPoint(op);
      if (failed(linalg::lowerUnPack(rewriter, op))) {
        op.emitError("recur-lower-unpack: cannot lower this linalg.unpack");
        return signalPassFailure();
      }
    }
  }
};
} // namespace
