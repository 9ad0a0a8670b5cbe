//===- LinearAttentionToLoops.cpp - recur.linear_attention as loops -------===//
//
// Every step of the recurrence acts on each column S[:, v] of the [K, V]
// state on its own (the gate scales rows, the updates are outer products),
// so the reference walks one column at a time:
//
//   for b, h:  S = state[b, h]  (the initial state)
//     for t:
//       for v:
//         before = sum_k S[k,v] q[k]                       (bonus only)
//         S[k,v] *= exp(g[k])                              (gated)
//         x      = beta * (v_t[v] - sum_k S[k,v] k_t[k])   (delta rule)
//                  v_t[v]                                  (additive)
//         S[k,v] += k_t[k] * x
//         o[v]   = scale * sum_k S[k,v] q[k]
//                  scale * (before + (q . (bonus * k_t)) v_t[v])   (bonus)
//
//===----------------------------------------------------------------------===//

#include "Patterns.h"
#include "ReferenceBuilder.h"

#include "recur/Dialect/Recur/IR/RecurOps.h"

#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::recur;

namespace {
struct LinearAttentionToLoops : OpRewritePattern<LinearAttentionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(LinearAttentionOp op,
                                PatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    ReferenceBuilder r(b);
    Value batch = r.dim(op.getQ(), 0), time = r.dim(op.getQ(), 1),
          heads = r.dim(op.getQ(), 2), keyDim = r.dim(op.getQ(), 3),
          valueDim = r.dim(op.getV(), 3);
    Value scale = r.f32(op.getScaleOrDefault());
    GateKind gateKind = op.getGateKind();

    Value o = op.getOInit();
    Value state = op.getState();

    SmallVector<Value> results = r.forNest(
        {batch, heads}, {o, state}, [&](ValueRange ivs, ValueRange outs) {
          Value bi = ivs[0], hi = ivs[1];
          return r.forEach(time, outs, [&](Value t, ValueRange carried) {
            auto tokenIndex = [&](Value last) {
              return SmallVector<Value>{bi, t, hi, last};
            };
            auto stateIndex = [&](Value key, Value column) {
              return SmallVector<Value>{bi, hi, key, column};
            };
            // The log-decay of key row `key`, for the gate kinds that do not
            // depend on the row computed once per token.
            Value rowGate;
            if (gateKind == GateKind::head)
              rowGate = r.load(op.getG(), {hi});
            else if (gateKind == GateKind::scalar)
              rowGate = r.load(op.getG(), {bi, t, hi});
            auto decay = [&](Value key) {
              if (gateKind == GateKind::key)
                return r.exp(r.load(op.getG(), tokenIndex(key)));
              return r.exp(rowGate);
            };
            Value beta;
            if (op.isDeltaRule())
              beta = r.load(op.getBeta(), {bi, t, hi});
            Value bonusWeight;
            if (op.getBonus())
              bonusWeight = r.sum(keyDim, [&](Value key) {
                return r.mul(r.mul(r.load(op.getQ(), tokenIndex(key)),
                                   r.load(op.getBonus(), {hi, key})),
                             r.load(op.getK(), tokenIndex(key)));
              });

            return r.forEach(valueDim, carried, [&](Value column,
                                                    ValueRange acc) {
              Value s = acc[1];
              auto readColumn = [&](Value stateNow, Value vector) {
                return r.sum(keyDim, [&](Value key) {
                  return r.mul(r.load(stateNow, stateIndex(key, column)),
                               r.load(vector, tokenIndex(key)));
                });
              };
              Value readBefore;
              if (op.getBonus())
                readBefore = readColumn(s, op.getQ());
              if (gateKind != GateKind::none)
                s = r.forEach(keyDim, {s}, [&](Value key, ValueRange cur) {
                  Value decayed = r.mul(
                      decay(key), r.load(cur[0], stateIndex(key, column)));
                  return SmallVector<Value>{
                      r.store(decayed, cur[0], stateIndex(key, column))};
                })[0];

              Value value = r.load(op.getV(), tokenIndex(column));
              Value written = value;
              if (op.isDeltaRule())
                written = r.mul(beta, r.sub(value, readColumn(s, op.getK())));
              s = r.forEach(keyDim, {s}, [&](Value key, ValueRange cur) {
                Value updated = r.add(
                    r.load(cur[0], stateIndex(key, column)),
                    r.mul(r.load(op.getK(), tokenIndex(key)), written));
                return SmallVector<Value>{
                    r.store(updated, cur[0], stateIndex(key, column))};
              })[0];

              Value read = op.getBonus()
                               ? r.add(readBefore, r.mul(bonusWeight, value))
                               : readColumn(s, op.getQ());
              return SmallVector<Value>{
                  r.store(r.mul(scale, read), acc[0], tokenIndex(column)), s};
            });
          });
        });
    rewriter.replaceOp(op, results);
    return success();
  }
};
} // namespace

void mlir::recur::populateLinearAttentionToLoopsPattern(
    RewritePatternSet &patterns) {
  patterns.add<LinearAttentionToLoops>(patterns.getContext());
}
