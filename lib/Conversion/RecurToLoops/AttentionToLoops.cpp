//===- AttentionToLoops.cpp - recur.attention as loops --------------------===//
//
// Query i of head h reads key/value head h / (H / Hkv) at the keys j with
//   lower <= j < upper,
//   upper = min(S, i + (S - T) + 1)           if causal, else S
//   lower = max(0, i + (S - T) - window + 1)  if window > 0, else 0
// in two passes over the visible keys:
//   m    = max_j s_j                     s_j = scale * q_i . k_j
//   p_j  = exp(s_j - m), 1 when s_j == m (a logit of +inf takes it all)
//   l    = sum_j p_j
//   acc  = sum_j p_j v_j
//   o_i  = acc / l        (0 when no key is visible; NaN shows)
//
//===----------------------------------------------------------------------===//

#include "Patterns.h"
#include "ReferenceBuilder.h"

#include "recur/Dialect/Recur/IR/RecurOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/PatternMatch.h"

#include <limits>

using namespace mlir;
using namespace mlir::recur;

namespace {
struct AttentionToLoops : OpRewritePattern<AttentionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(AttentionOp op,
                                PatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    ReferenceBuilder r(b);
    Value batch = r.dim(op.getQ(), 0), queries = r.dim(op.getQ(), 1),
          heads = r.dim(op.getQ(), 2), headDim = r.dim(op.getQ(), 3),
          keys = r.dim(op.getK(), 1), kvHeads = r.dim(op.getK(), 2),
          valueDim = r.dim(op.getV(), 3);
    Value headsPerKv = r.divIndex(heads, kvHeads);
    Value cacheOffset = r.subIndex(keys, queries);
    Value scale = r.f32(op.getScaleOrDefault());
    auto accumulatorType = RankedTensorType::get({ShapedType::kDynamic},
                                                 b.getF32Type());

    Value o = op.getOInit();
    SmallVector<Value> results = r.forNest(
        {batch, queries, heads}, {o}, [&](ValueRange ivs, ValueRange outs) {
          Value bi = ivs[0], i = ivs[1], hi = ivs[2];
          Value kvHead = r.divIndex(hi, headsPerKv);
          Value diagonal = r.addIndex(i, cacheOffset);
          Value upper = keys;
          if (op.getCausal())
            upper = r.minIndex(keys, r.addIndex(diagonal, r.index(1)));
          Value lower = r.index(0);
          if (op.getWindow() > 0)
            lower = r.maxIndex(
                lower, r.addIndex(r.subIndex(diagonal,
                                             r.index(op.getWindow())),
                                  r.index(1)));

          auto score = [&](Value j) {
            return r.mul(scale, r.sum(headDim, [&](Value d) {
              return r.mul(r.load(op.getQ(), {bi, i, hi, d}),
                           r.load(op.getK(), {bi, j, kvHead, d}));
            }));
          };
          Value maxScore =
              r.forRange(lower, upper,
                         {r.f32(-std::numeric_limits<float>::infinity())},
                         [&](Value j, ValueRange m) -> SmallVector<Value> {
                           return {r.max(m[0], score(j))};
                         })[0];

          Value accumulator = r.zeros(accumulatorType, {valueDim});
          SmallVector<Value> weighted = r.forRange(
              lower, upper, {r.f32(0.0), accumulator},
              [&](Value j, ValueRange sums) {
                Value p = r.softmaxWeight(score(j), maxScore);
                Value acc = r.forEach(valueDim, {sums[1]}, [&](Value dv,
                                                               ValueRange a) {
                  Value next = r.add(r.load(a[0], {dv}),
                                     r.mul(p, r.load(op.getV(),
                                                     {bi, j, kvHead, dv})));
                  return SmallVector<Value>{r.store(next, a[0], {dv})};
                })[0];
                return SmallVector<Value>{r.add(sums[0], p), acc};
              });
          // A query that sees no key gives 0; the others divide by their
          // sum of weights, so that NaN and infinities show.
          Value normalizer = weighted[0];
          Value anyVisible = r.less(lower, upper);

          return r.forEach(valueDim, outs, [&](Value dv, ValueRange acc) {
            Value value = arith::SelectOp::create(
                b, anyVisible,
                r.div(r.load(weighted[1], {dv}), normalizer), r.f32(0.0));
            return SmallVector<Value>{
                r.store(value, acc[0], {bi, i, hi, dv})};
          });
        });
    rewriter.replaceOp(op, results);
    return success();
  }
};
} // namespace

void mlir::recur::populateAttentionToLoopsPattern(RewritePatternSet &patterns) {
  patterns.add<AttentionToLoops>(patterns.getContext());
}
