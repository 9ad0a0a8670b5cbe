//===- ScanToLoops.cpp - recur.scan as token-by-token loops ---------------===//
//
//   for b, d...:                      (every batch row and feature)
//     h = state[b, d...]                (the initial state)
//     for t in 0..T-1 (T-1..0 when reverse):
//       h = a[b, t, d...] * h + b[b, t, d...];   out[b, t, d...] = h
//     final_state[b, d...] = h
//
//===----------------------------------------------------------------------===//

#include "Patterns.h"
#include "ReferenceBuilder.h"

#include "recur/Dialect/Recur/IR/RecurOps.h"

#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::recur;

namespace {
struct ScanToLoops : OpRewritePattern<ScanOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ScanOp op,
                                PatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    ReferenceBuilder r(b);
    SmallVector<Value> sizes = r.dims(op.getA());
    Value time = sizes[1];
    SmallVector<Value> stateSizes = {sizes[0]};
    stateSizes.append(sizes.begin() + 2, sizes.end());

    Value h = op.getHInit();
    Value state = op.getState();
    bool reverse = op.getReverse();

    SmallVector<Value> results = r.forNest(
        stateSizes, {h, state}, [&](ValueRange stateIndex, ValueRange outs) {
          Value initial = r.load(outs[1], stateIndex);
          SmallVector<Value> swept = r.forEach(
              time, {outs[0], initial}, [&](Value step, ValueRange carried) {
                Value t = reverse ? r.subIndex(r.subIndex(time, r.index(1)),
                                               step)
                                  : step;
                SmallVector<Value> index = {stateIndex[0], t};
                index.append(stateIndex.begin() + 1, stateIndex.end());
                Value next = r.add(r.mul(r.load(op.getA(), index), carried[1]),
                                   r.load(op.getB(), index));
                return SmallVector<Value>{r.store(next, carried[0], index),
                                          next};
              });
          return SmallVector<Value>{swept[0],
                                    r.store(swept[1], outs[1], stateIndex)};
        });
    rewriter.replaceOp(op, results);
    return success();
  }
};
} // namespace

void mlir::recur::populateScanToLoopsPattern(RewritePatternSet &patterns) {
  patterns.add<ScanToLoops>(patterns.getContext());
}
