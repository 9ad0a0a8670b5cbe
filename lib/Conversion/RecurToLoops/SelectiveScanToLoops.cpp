//===- SelectiveScanToLoops.cpp - recur.selective_scan as loops -----------===//
//
//   for b, d:                         (g = d / (D / G))
//     for t:
//       dt = softplus?(delta[b,t,d] + delta_bias[d])
//       y = 0
//       for n:
//         h[b,d,n] = exp(dt * A[d,n]) * h[b,d,n] + dt * Bm[b,t,g,n] * u[b,t,d]
//         y += Cm[b,t,g,n] * h[b,d,n]
//       y += Dskip[d] * u[b,t,d];  y *= silu(z[b,t,d]);  out[b,t,d] = y
//
// The state tensor h starts as the state destination (the initial state) and
// ends as the final state.
//
//===----------------------------------------------------------------------===//

#include "Patterns.h"
#include "ReferenceBuilder.h"

#include "recur/Dialect/Recur/IR/RecurOps.h"

#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::recur;

namespace {
struct SelectiveScanToLoops : OpRewritePattern<SelectiveScanOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(SelectiveScanOp op,
                                PatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    ReferenceBuilder r(b);
    Value batch = r.dim(op.getU(), 0), time = r.dim(op.getU(), 1),
          channels = r.dim(op.getU(), 2), stateDim = r.dim(op.getA(), 1);
    Value groups = r.dim(op.getBm(), 2);
    Value channelsPerGroup = r.divIndex(channels, groups);

    Value y = op.getYInit();
    Value state = op.getState();

    SmallVector<Value> results = r.forNest(
        {batch, channels}, {y, state}, [&](ValueRange ivs, ValueRange outs) {
          Value bi = ivs[0], d = ivs[1];
          Value group = r.divIndex(d, channelsPerGroup);
          return r.forEach(time, outs, [&](Value t, ValueRange carried) {
            Value u = r.load(op.getU(), {bi, t, d});
            Value dt = r.load(op.getDelta(), {bi, t, d});
            if (op.getDeltaBias())
              dt = r.add(dt, r.load(op.getDeltaBias(), {d}));
            if (op.getDeltaSoftplus())
              dt = r.softplus(dt);

            SmallVector<Value> updated = r.forEach(
                stateDim, {carried[1], r.f32(0.0)},
                [&](Value n, ValueRange acc) {
                  Value decay = r.exp(r.mul(dt, r.load(op.getA(), {d, n})));
                  Value input = r.mul(
                      r.mul(dt, r.load(op.getBm(), {bi, t, group, n})), u);
                  Value h = r.add(r.mul(decay, r.load(acc[0], {bi, d, n})),
                                  input);
                  Value readout = r.add(
                      acc[1], r.mul(r.load(op.getCm(), {bi, t, group, n}), h));
                  return SmallVector<Value>{r.store(h, acc[0], {bi, d, n}),
                                            readout};
                });

            Value out = updated[1];
            if (op.getD())
              out = r.add(out, r.mul(r.load(op.getD(), {d}), u));
            if (op.getZ())
              out = r.mul(out, r.silu(r.load(op.getZ(), {bi, t, d})));
            return SmallVector<Value>{r.store(out, carried[0], {bi, t, d}),
                                      updated[0]};
          });
        });
    rewriter.replaceOp(op, results);
    return success();
  }
};
} // namespace

void mlir::recur::populateSelectiveScanToLoopsPattern(
    RewritePatternSet &patterns) {
  patterns.add<SelectiveScanToLoops>(patterns.getContext());
}
