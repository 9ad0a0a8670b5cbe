//===- Conv1dToLinalg.cpp - recur.conv1d as a depthwise convolution -------===//
//
// The carried state is the W-1 inputs before the sequence, so
//
//   xs     = concat(state, x) along T               [B, T + W - 1, C]
//   acc    = bias broadcast over [B, T] (or 0), f32
//   acc   += depthwise_conv_1d_nwc_wc(xs, transpose(w))    (upstream linalg)
//   y      = act(acc) in x's element type           (fused epilogue)
//   state' = xs[:, T : T + W - 1, :]
//
// The convolution has no recurrence, so it needs no chunks: it stays one
// structured op for the tiling and vectorization stages.
//
//===----------------------------------------------------------------------===//

#include "Patterns.h"
#include "TileBuilder.h"

#include "../RecurToLoops/ReferenceBuilder.h"

#include "recur/Dialect/Recur/IR/RecurOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::recur;

namespace {
struct Conv1dToLinalg : OpRewritePattern<Conv1dOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(Conv1dOp op,
                                PatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    ReferenceBuilder r(b);
    TileBuilder t(b);
    Location loc = op.getLoc();
    Value x = op.getX();
    Type inputType = cast<RankedTensorType>(x.getType()).getElementType();
    OpFoldResult batch = tensor::getMixedSize(b, loc, x, 0);
    OpFoldResult time = tensor::getMixedSize(b, loc, x, 1);
    OpFoldResult channels = tensor::getMixedSize(b, loc, x, 2);
    OpFoldResult width = tensor::getMixedSize(b, loc, op.getW(), 1);
    std::optional<int64_t> staticWidth = getConstantIntValue(width);
    OpFoldResult stateRows =
        staticWidth ? OpFoldResult(b.getIndexAttr(*staticWidth - 1))
                    : OpFoldResult(r.subIndex(cast<Value>(width), r.index(1)));

    Value extended =
        tensor::ConcatOp::create(b, 1, ValueRange{op.getState(), x});

    Value weights = op.getW();
    Type weightType =
        cast<RankedTensorType>(weights.getType()).getElementType();
    Value filter =
        linalg::TransposeOp::create(
            b, weights,
            tensor::EmptyOp::create(b, {width, channels}, weightType),
            ArrayRef<int64_t>{1, 0})
            .getResult()[0];

    SmallVector<OpFoldResult> outputShape = {batch, time, channels};
    Value accumulator =
        op.getBias() ? t.map(outputShape, {op.getBias()}, {t.dims(3, {2})},
                             [&](ValueRange e) { return t.widen(e[0]); })
                     : t.zeros(outputShape);
    Value convolved = linalg::DepthwiseConv1DNwcWcOp::create(
                          b, TypeRange{accumulator.getType()},
                          ValueRange{extended, filter}, ValueRange{accumulator})
                          .getResult(0);
    bool silu = op.getActivation() == Activation::silu;
    Value y = t.mapInto(op.getYInit(), {convolved}, {t.identity(3)},
                        [&](ValueRange e) -> Value {
                          Value value = silu ? r.silu(e[0]) : e[0];
                          return inputType.isF32()
                                     ? value
                                     : arith::TruncFOp::create(b, inputType,
                                                               value)
                                           .getResult();
                        });

    OpFoldResult zero = b.getIndexAttr(0);
    Value next =
        t.slice(extended, {zero, time, zero}, {batch, stateRows, channels});
    rewriter.replaceOp(op, {y, t.castTo(next, op.getFinalState().getType())});
    return success();
  }
};
} // namespace

void mlir::recur::populateConv1dToLinalgPattern(RewritePatternSet &patterns) {
  patterns.add<Conv1dToLinalg>(patterns.getContext());
}
