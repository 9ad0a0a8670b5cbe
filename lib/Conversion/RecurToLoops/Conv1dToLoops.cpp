//===- Conv1dToLoops.cpp - recur.conv1d as loops --------------------------===//
//
// With the history x_s for s < 0 read from the state (row W - 1 + s):
//   y[b,t,c]           = act(bias[c] + sum_{j<W} w[c,j] * x[b, t-W+1+j, c])
//   final_state[b,i,c] = x[b, T-(W-1)+i, c]            for i < W - 1
//
//===----------------------------------------------------------------------===//

#include "Patterns.h"
#include "ReferenceBuilder.h"

#include "recur/Dialect/Recur/IR/RecurOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::recur;

namespace {
struct Conv1dToLoops : OpRewritePattern<Conv1dOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(Conv1dOp op,
                                PatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    ReferenceBuilder r(b);
    Value batch = r.dim(op.getX(), 0), time = r.dim(op.getX(), 1),
          channels = r.dim(op.getX(), 2), width = r.dim(op.getW(), 1);
    Value history = r.subIndex(width, r.index(1));

    // Input s of the sequence (s may be negative: then from the history).
    auto input = [&](Value bi, Value s, Value c) {
      Value inSequence = arith::CmpIOp::create(b, arith::CmpIPredicate::sge, s,
                                               r.index(0));
      return r.ifElse(
          inSequence, [&] { return r.loadRaw(op.getX(), {bi, s, c}); },
          [&] {
            return r.loadRaw(op.getState(), {bi, r.addIndex(history, s), c});
          });
    };

    Value y = r.forNest({batch, time, channels}, {op.getYInit()},
                  [&](ValueRange ivs, ValueRange outs) {
                    Value bi = ivs[0], t = ivs[1], c = ivs[2];
                    Value first = r.subIndex(t, history);
                    Value acc = r.sum(width, [&](Value j) {
                      Value x = input(bi, r.addIndex(first, j), c);
                      if (!x.getType().isF32())
                        x = arith::ExtFOp::create(b, b.getF32Type(), x);
                      return r.mul(r.load(op.getW(), {c, j}), x);
                    });
                    if (op.getBias())
                      acc = r.add(r.load(op.getBias(), {c}), acc);
                    if (op.getActivation() == Activation::silu)
                      acc = r.silu(acc);
                    return SmallVector<Value>{r.store(acc, outs[0], ivs)};
                  })[0];

    // The new state is written over the old one, which `input` reads: in
    // value semantics it reads the operand, so this stays correct (in-place
    // after bufferization only where that is safe).
    Value firstKept = r.subIndex(time, history);
    Value state = r.forNest({batch, history, channels}, {op.getState()},
                      [&](ValueRange ivs, ValueRange outs) {
                        Value kept = input(ivs[0], r.addIndex(firstKept, ivs[1]),
                                           ivs[2]);
                        return SmallVector<Value>{
                            r.storeRaw(kept, outs[0], ivs)};
                      })[0];
    rewriter.replaceOp(op, {y, state});
    return success();
  }
};
} // namespace

void mlir::recur::populateConv1dToLoopsPattern(RewritePatternSet &patterns) {
  patterns.add<Conv1dToLoops>(patterns.getContext());
}
