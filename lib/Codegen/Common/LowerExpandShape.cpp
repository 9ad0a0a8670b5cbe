//===- LowerExpandShape.cpp - memref.expand_shape as reinterpret_cast -----===//
//
// For a source dimension s with stride S split into sizes n_1 .. n_k:
//   stride(n_k) = S,  stride(n_i) = stride(n_{i+1}) * n_{i+1}
// and the base buffer and offset are the source's.
//
//===----------------------------------------------------------------------===//

#include "recur/Codegen/Common/Passes.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace recur {
#define GEN_PASS_DEF_RECURLOWEREXPANDSHAPE
#include "recur/Codegen/Common/Passes.h.inc"
} // namespace recur
} // namespace mlir

using namespace mlir;
using namespace mlir::recur;

namespace {
/// lhs * rhs, folded to a constant when both are static.
OpFoldResult multiply(OpBuilder &b, Location loc, OpFoldResult lhs,
                      OpFoldResult rhs) {
  std::optional<int64_t> left = getConstantIntValue(lhs);
  std::optional<int64_t> right = getConstantIntValue(rhs);
  if (left && right)
    return b.getIndexAttr(*left * *right);
  return arith::MulIOp::create(
             b, loc, getValueOrCreateConstantIndexOp(b, loc, lhs),
             getValueOrCreateConstantIndexOp(b, loc, rhs))
      .getResult();
}

struct ExpandShapeToReinterpretCast
    : OpRewritePattern<memref::ExpandShapeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(memref::ExpandShapeOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MemRefType sourceType = op.getSrcType();
    SmallVector<int64_t> sourceStrides;
    int64_t sourceOffset;
    if (failed(sourceType.getStridesAndOffset(sourceStrides, sourceOffset)))
      return rewriter.notifyMatchFailure(op, "source is not strided");

    auto metadata =
        memref::ExtractStridedMetadataOp::create(rewriter, loc, op.getSrc());
    auto staticOr = [](int64_t value, Value dynamic) -> OpFoldResult {
      if (ShapedType::isDynamic(value))
        return dynamic;
      return IntegerAttr::get(IndexType::get(dynamic.getContext()), value);
    };

    SmallVector<OpFoldResult> sizes = op.getMixedOutputShape();
    // Dimensions in no group (from a rank-0 source) have size 1; stride 1.
    SmallVector<OpFoldResult> strides(sizes.size(), rewriter.getIndexAttr(1));
    for (auto [sourceDim, group] :
         llvm::enumerate(op.getReassociationIndices())) {
      OpFoldResult stride = staticOr(sourceStrides[sourceDim],
                                     metadata.getStrides()[sourceDim]);
      for (int64_t dim : llvm::reverse(group)) {
        strides[dim] = stride;
        stride = multiply(rewriter, loc, stride, sizes[dim]);
      }
    }
    rewriter.replaceOpWithNewOp<memref::ReinterpretCastOp>(
        op, op.getResultType(), metadata.getBaseBuffer(),
        staticOr(sourceOffset, metadata.getOffset()), sizes, strides);
    return success();
  }
};

struct RecurLowerExpandShape
    : recur::impl::RecurLowerExpandShapeBase<RecurLowerExpandShape> {
  using Base::Base;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<ExpandShapeToReinterpretCast>(&getContext());
    GreedyRewriteConfig config;
    config.setStrictness(GreedyRewriteStrictness::ExistingOps);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns),
                                     config)))
      signalPassFailure();
  }
};
} // namespace
