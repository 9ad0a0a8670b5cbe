//===- CopyToLinalg.cpp - Strided memref.copy as linalg.copy --------------===//

#include "recur/Codegen/Common/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace recur {
#define GEN_PASS_DEF_RECURCOPYTOLINALG
#include "recur/Codegen/Common/Passes.h.inc"
} // namespace recur
} // namespace mlir

using namespace mlir;
using namespace mlir::recur;

namespace {
struct StridedCopyToLinalg : OpRewritePattern<memref::CopyOp> {
  StridedCopyToLinalg(MLIRContext *context, bool all)
      : OpRewritePattern(context), all(all) {}

  LogicalResult matchAndRewrite(memref::CopyOp copy,
                                PatternRewriter &rewriter) const override {
    if (all && copy.getSource() == copy.getTarget()) {
      rewriter.eraseOp(copy);
      return success();
    }
    auto isContiguous = [](Value buffer) {
      auto type = dyn_cast<MemRefType>(buffer.getType());
      return type && type.getLayout().isIdentity();
    };
    if (!all && isContiguous(copy.getSource()) &&
        isContiguous(copy.getTarget()))
      return failure(); // lowered to llvm.memcpy
    rewriter.replaceOpWithNewOp<linalg::CopyOp>(copy, copy.getSource(),
                                                copy.getTarget());
    return success();
  }

private:
  bool all;
};

struct RecurCopyToLinalg
    : recur::impl::RecurCopyToLinalgBase<RecurCopyToLinalg> {
  using Base::Base;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<StridedCopyToLinalg>(&getContext(), all);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace
