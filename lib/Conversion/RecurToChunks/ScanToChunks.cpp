//===- ScanToChunks.cpp - recur.scan as a two-level chunked scan ----------===//
//
// The feature dimensions are collapsed into one, D. An scf.forall runs over
// the batch; each row is scanned in chunks of C steps (ChunkedScan.h) on
// [D] vectors:
//
//   run chunk from s:   for each step t: s = a_t * s + b_t;  h_t = s
//   summary of chunk:   P = prod_t a_t,  E = (run from 0) end state
//
// With `reverse` the steps run from T-1 down to 0 and chunks cover the
// sequence from its end.
//
//===----------------------------------------------------------------------===//

#include "ChunkedScan.h"
#include "Patterns.h"
#include "TileBuilder.h"

#include "../RecurToLoops/ReferenceBuilder.h"

#include "recur/Dialect/Recur/IR/RecurOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::recur;

/// The reassociation that keeps dimensions [0, first) and merges the rest
/// of `rank` into one.
static SmallVector<ReassociationIndices> mergeFrom(int64_t rank,
                                                   int64_t first) {
  SmallVector<ReassociationIndices> groups;
  for (int64_t d = 0; d < first; ++d)
    groups.push_back({d});
  ReassociationIndices tail;
  for (int64_t d = first; d < rank; ++d)
    tail.push_back(d);
  groups.push_back(tail);
  return groups;
}

/// `value` with all dimensions from `first` on collapsed into one.
static Value collapseFrom(ImplicitLocOpBuilder &b, Value value, int64_t first) {
  int64_t rank = cast<RankedTensorType>(value.getType()).getRank();
  if (rank == first + 1)
    return value;
  return tensor::CollapseShapeOp::create(b, value, mergeFrom(rank, first));
}

/// The inverse of collapseFrom, to `type` with the sizes `shape`.
static Value expandTo(ImplicitLocOpBuilder &b, Value value, Type type,
                      ArrayRef<OpFoldResult> shape, int64_t first) {
  auto resultType = cast<RankedTensorType>(type);
  int64_t rank = resultType.getRank();
  if (rank == first + 1)
    return value;
  return tensor::ExpandShapeOp::create(b, resultType, value,
                                       mergeFrom(rank, first), shape);
}

namespace {
struct ScanToChunks : ChunkPattern<ScanOp> {
  using ChunkPattern::ChunkPattern;

  LogicalResult rewriteChunked(ScanOp op,
                                PatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    ReferenceBuilder r(b);
    TileBuilder t(b);
    Value a = collapseFrom(b, op.getA(), 2);
    Value input = collapseFrom(b, op.getB(), 2);
    Value batch = r.dim(a, 0), time = r.dim(a, 1);
    OpFoldResult features = tensor::getMixedSize(b, b.getLoc(), a, 2);
    OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
    OpFoldResult timeSize = getAsOpFoldResult(time);
    OpFoldResult batchSize = getAsOpFoldResult(batch);
    Type outputType =
        cast<RankedTensorType>(op.getH().getType()).getElementType();
    bool reverse = op.getReverse();

    Value outputInit = collapseFrom(b, op.getHInit(), 2);
    Value stateInit = collapseFrom(b, op.getState(), 1);

    SmallVector<Value> results = t.forall(
        {batchSize}, {outputInit, stateInit},
        [&](ValueRange ivs, ValueRange shared) -> SmallVector<ParallelTile> {
          Value bi = ivs[0];
          auto row = [&](Value source, Value step) {
            return t.token(source, bi, step);
          };
          auto run = [&](Value start, Value rows, Value state,
                         ValueRange outputs,
                         Value origin) -> SmallVector<Value> {
            return r.forEach(
                rows, {state, outputs[0]},
                [&](Value step, ValueRange carried) -> SmallVector<Value> {
                  Value tt =
                      timeOfStep(r, r.addIndex(start, step), time, reverse);
                  Value next = t.update(
                      carried[0], {row(a, tt), row(input, tt)},
                      {t.identity(1), t.identity(1)}, [&](ValueRange e) {
                        return t.add(t.mul(t.widen(e[0]), e[2]), t.widen(e[1]));
                      });
                  Value stored = t.narrow(next, outputType);
                  return {next, t.insert(stored, carried[1],
                                         {r.subIndex(tt, origin), zero})};
                });
          };
          auto summarize = [&](Value start, Value rows) {
            Value ones = t.map({features}, {}, {},
                               [&](ValueRange) { return t.f32(1.0); });
            SmallVector<Value> summary = r.forEach(
                rows, {ones, t.zeros({features})},
                [&](Value step, ValueRange carried) -> SmallVector<Value> {
                  Value tt =
                      timeOfStep(r, r.addIndex(start, step), time, reverse);
                  Value at = row(a, tt);
                  AffineMap vector = t.identity(1);
                  Value product =
                      t.update(carried[0], {at}, {vector}, [&](ValueRange e) {
                        return t.mul(t.widen(e[0]), e[1]);
                      });
                  Value end = t.update(
                      carried[1], {at, row(input, tt)}, {vector, vector},
                      [&](ValueRange e) {
                        return t.add(t.mul(t.widen(e[0]), e[2]), t.widen(e[1]));
                      });
                  return {product, end};
                });
            return std::pair(summary[0], summary[1]);
          };
          Value headOutput = t.slice(shared[0], {bi, zero, zero},
                                     {one, timeSize, features}, {0});
          Value headState =
              t.slice(shared[1], {bi, zero}, {one, features}, {0});
          SmallVector<Value> scanned = emitChunkedScan(
              t, r, {run, summarize}, time, options.chunkSize, reverse,
              options.statePass, headState, {headOutput});
          return {{scanned[1], {bi, zero, zero}}, {scanned[0], {bi, zero}}};
        });

    SmallVector<OpFoldResult> shape =
        tensor::getMixedSizes(b, b.getLoc(), op.getB());
    Value h = expandTo(b, results[0], op.getH().getType(), shape, 2);
    auto stateType = cast<RankedTensorType>(op.getFinalState().getType());
    shape.erase(shape.begin() + 1); // [B, D...]
    Value state = expandTo(b, results[1], stateType, shape, 1);
    rewriter.replaceOp(
        op, {t.castTo(h, op.getH().getType()), t.castTo(state, stateType)});
    return success();
  }
};
} // namespace

void mlir::recur::populateScanToChunksPattern(RewritePatternSet &patterns,
                                              ChunkConfig options) {
  patterns.add<ScanToChunks>(patterns.getContext(), options);
}
