//===- AttentionToChunks.cpp - recur.attention as tiled online softmax ----===//
//
// A flash-attention form. An scf.forall runs over (batch, key/value head,
// query tile). A query tile holds Tq query positions of all G = H / Hkv
// query heads that share the key/value head, as one [Tq * G, D] block
// (q[b, i0 : i0 + Tq, hkv * G : (hkv + 1) * G, :] is one box of q), so each
// key/value tile is read once for the whole group. Row r is query position
// i = i0 + r / G. Over the key tiles [j0, j0 + Tk) that the mask can reach:
//
//   s     = scale * Q K^T, with -inf where key j is not visible from i
//   m'    = max(m, rowmax s)                       (NaN propagates)
//   p     = w(s, m')                    (0 where key j is not visible)
//   alpha = w(m, m')
//   w(x, y) = exp(x - y), and 1 when x == y (also at -inf and +inf, so a
//             logit beyond the f32 range takes the whole weight)
//   l     = alpha l + rowsum p
//   acc   = alpha acc + p V    (a matmul, or where the mask cuts the tile a
//                              sum that skips unseen keys: 0 * inf = NaN)
//   m     = m'
//
// and finally o = acc / l (0 for a query that sees no key, which the mask
// alone decides, so NaN in what a query sees shows in its output). The
// key tiles
// visited are those between the window's first visible key and the causal
// limit of the tile's last query; tiles entirely masked are skipped.
//
//===----------------------------------------------------------------------===//

#include "Patterns.h"
#include "TileBuilder.h"

#include "../RecurToLoops/ReferenceBuilder.h"

#include "recur/Dialect/Recur/IR/RecurOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"

#include <limits>

using namespace mlir;
using namespace mlir::recur;

namespace {
struct AttentionToChunks : ChunkPattern<AttentionOp> {
  using ChunkPattern::ChunkPattern;

  LogicalResult rewriteChunked(AttentionOp op,
                                PatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    // Decode-length queries (fewer than serial-below) take query tiles of
    // one position, so that a step does not pay for a padded tile.
    rewriter.replaceOp(
        op, emitBySequenceLength(b, op, op.getQ(), options.serialBelow,
                                 [&](bool isShort) -> SmallVector<Value> {
                                   return {emitAttention(op, b, isShort)};
                                 }));
    return success();
  }

private:
  /// The tiled online softmax of `op` at `b`'s insertion point, with query
  /// tiles of one position (decode) or of about chunk-size rows.
  Value emitAttention(AttentionOp op, ImplicitLocOpBuilder &b,
                      bool oneQueryPerTile) const {
    ReferenceBuilder r(b);
    TileBuilder t(b);
    t.setOperandPrecision(
        cast<RankedTensorType>(op.getQ().getType()).getElementType());
    Location loc = op.getLoc();
    Value batch = r.dim(op.getQ(), 0), queries = r.dim(op.getQ(), 1),
          heads = r.dim(op.getQ(), 2), kvHeads = r.dim(op.getK(), 2);
    Value groupSize = r.divIndex(heads, kvHeads);
    std::optional<int64_t> staticHeads = getConstantIntValue(heads),
                           staticKVHeads = getConstantIntValue(kvHeads);
    OpFoldResult group = groupSize;
    if (staticHeads && staticKVHeads) // verified divisible and nonzero
      group = b.getIndexAttr(*staticHeads / *staticKVHeads);
    // Static group: Tq positions per head so that a block has about
    // `chunk-size` rows; otherwise Tq = chunk-size.
    int64_t queryTile = options.chunkSize;
    std::optional<int64_t> staticGroup = getConstantIntValue(group);
    if (staticGroup)
      queryTile = std::max<int64_t>(1, options.chunkSize / *staticGroup);
    if (oneQueryPerTile)
      queryTile = 1;

    OpFoldResult valueDim = tensor::getMixedSize(b, loc, op.getV(), 3);
    Type outputType =
        cast<RankedTensorType>(op.getO().getType()).getElementType();
    Value numQueryTiles =
        arith::CeilDivUIOp::create(b, queries, r.index(queryTile));
    OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);

    SmallVector<Value> results = t.forall(
        {getAsOpFoldResult(batch), getAsOpFoldResult(kvHeads),
         getAsOpFoldResult(numQueryTiles)},
        {op.getOInit()},
        [&](ValueRange ivs, ValueRange) -> SmallVector<ParallelTile> {
          Value bi = ivs[0], kvHead = ivs[1];
          Value firstQuery = r.mulIndex(ivs[2], r.index(queryTile));
          Value queryRows =
              r.minIndex(r.index(queryTile), r.subIndex(queries, firstQuery));
          Value firstHead = r.mulIndex(kvHead, groupSize);
          Value block =
              emitQueryTile(op, t, r, bi, kvHead, firstQuery, queryRows,
                            firstHead, groupSize, group, queryTile);
          // [Tq * G, Dv] -> [Tq, G, Dv] -> the valid rows, into o.
          Value narrowed = t.narrow(block, outputType);
          auto expandedType = RankedTensorType::get(
              {queryTile, staticGroup.value_or(ShapedType::kDynamic),
               cast<RankedTensorType>(block.getType()).getDimSize(1)},
              outputType);
          Value expanded = tensor::ExpandShapeOp::create(
              b, expandedType, narrowed,
              SmallVector<ReassociationIndices>{{0, 1}, {2}},
              SmallVector<OpFoldResult>{b.getIndexAttr(queryTile), group,
                                        valueDim});
          Value rows = t.slice(expanded, {zero, zero, zero},
                               {queryRows, group, valueDim});
          return {{rows,
                   {bi, firstQuery, firstHead, zero},
                   {one, queryRows, group, valueDim}}};
        });
    return results[0];
  }

  /// The f32 output block [Tq * G, Dv] of one query tile.
  Value emitQueryTile(AttentionOp op, TileBuilder &t, ReferenceBuilder &r,
                      Value bi, Value kvHead, Value firstQuery, Value queryRows,
                      Value firstHead, Value groupSize, OpFoldResult group,
                      int64_t queryTile) const {
    ImplicitLocOpBuilder &b = t.builder();
    Location loc = b.getLoc();
    OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
    OpFoldResult headDim = tensor::getMixedSize(b, loc, op.getQ(), 3);
    OpFoldResult valueDim = tensor::getMixedSize(b, loc, op.getV(), 3);
    Value queries = r.dim(op.getQ(), 1), keys = r.dim(op.getK(), 1);
    Type inputType =
        cast<RankedTensorType>(op.getQ().getType()).getElementType();

    // The query block: one box of q, padded to Tq positions, rows (i, g).
    std::optional<int64_t> staticGroup = getConstantIntValue(group);
    auto boxType = RankedTensorType::get(
        {ShapedType::kDynamic, staticGroup.value_or(ShapedType::kDynamic),
         cast<RankedTensorType>(op.getQ().getType()).getDimSize(3)},
        inputType);
    Value box = tensor::ExtractSliceOp::create(
        b, boxType, op.getQ(),
        SmallVector<OpFoldResult>{bi, firstQuery, firstHead, zero},
        SmallVector<OpFoldResult>{one, queryRows, group, headDim},
        SmallVector<OpFoldResult>(4, one));
    auto paddedType = RankedTensorType::get(
        {queryTile, boxType.getDimSize(1), boxType.getDimSize(2)}, inputType);
    Value padded = tensor::PadOp::create(
        b, paddedType, box, ArrayRef<OpFoldResult>{zero, zero, zero},
        ArrayRef<OpFoldResult>{r.subIndex(r.index(queryTile), queryRows), zero,
                               zero},
        r.zero(inputType));
    Value collapsed = tensor::CollapseShapeOp::create(
        b, padded, SmallVector<ReassociationIndices>{{0, 1}, {2}});
    OpFoldResult blockRows =
        staticGroup ? OpFoldResult(b.getIndexAttr(queryTile * *staticGroup))
                    : OpFoldResult(r.mulIndex(r.index(queryTile), groupSize));
    Value scale = t.f32(op.getScaleOrDefault());
    Value queryBlock =
        t.map({blockRows, headDim}, {collapsed}, {t.identity(2)},
              [&](ValueRange e) { return t.mul(t.widen(e[0]), scale); });

    // The key range the tile's queries can see.
    bool causal = op.getCausal();
    int64_t window = op.getWindow();
    Value offset = r.subIndex(keys, queries); // may be negative
    Value lastQuery = r.subIndex(r.addIndex(firstQuery, queryRows), r.index(1));
    Value lower = r.index(0);
    if (window > 0)
      lower =
          r.maxIndex(lower, r.addIndex(r.subIndex(firstQuery, r.index(window)),
                                       r.addIndex(offset, r.index(1))));
    Value upper = keys;
    if (causal)
      upper = r.maxIndex(
          r.index(0),
          r.minIndex(keys,
                     r.addIndex(lastQuery, r.addIndex(offset, r.index(1)))));
    Value keyTile = r.index(options.chunkSize);
    Value firstTile = r.divIndex(lower, keyTile);
    Value endTile = arith::CeilDivUIOp::create(b, upper, keyTile);

    // Visibility from query i = firstQuery + row / G of the block (row =
    // loopIndex(0) inside a map): causal j <= i + offset, window
    // j > i + offset - window.
    auto shiftedQuery = [&]() {
      Value i =
          r.addIndex(firstQuery, r.divIndex(t.loopIndex(0), groupSize));
      return r.addIndex(i, offset);
    };
    auto visibleFrom = [&](Value j) -> Value {
      Value visible = arith::ConstantIntOp::create(b, b.getI1Type(), 1);
      Value shifted = shiftedQuery();
      if (causal)
        visible =
            arith::AndIOp::create(b, visible, t.lessEqual(j, shifted));
      if (window > 0)
        visible = arith::AndIOp::create(
            b, visible, t.less(r.subIndex(shifted, r.index(window)), j));
      return visible;
    };
    // Whether the row sees any of the S keys: its visible range
    // [max(0, i + offset - window + 1), min(S, i + offset + 1)) is not empty.
    auto seesAKey = [&]() -> Value {
      Value shifted = shiftedQuery();
      Value first = r.index(0), end = keys;
      if (causal)
        end = r.minIndex(keys, r.addIndex(shifted, r.index(1)));
      if (window > 0)
        first = r.maxIndex(first, r.addIndex(r.subIndex(shifted,
                                                        r.index(window)),
                                             r.index(1)));
      return t.less(first, end);
    };

    float infinity = std::numeric_limits<float>::infinity();
    Value minusInfinity = t.f32(-infinity);
    Value runningMax =
        t.map({blockRows}, {}, {}, [&](ValueRange) { return minusInfinity; });
    Value runningSum = t.zeros({blockRows});
    Value accumulator = t.zeros({blockRows, valueDim});
    OpFoldResult tileKeys = b.getIndexAttr(options.chunkSize);
    AffineMap matrix = t.identity(2), perRow = t.dims(2, {0});

    SmallVector<Value> swept = r.forRange(
        firstTile, endTile, {runningMax, runningSum, accumulator},
        [&](Value tile, ValueRange carried) -> SmallVector<Value> {
          Value firstKey = r.mulIndex(tile, keyTile);
          Value keyRows = r.minIndex(keyTile, r.subIndex(keys, firstKey));
          SmallVector<OpFoldResult> offsets = {bi, firstKey, kvHead, zero};
          Value keyBlock =
              t.loadRows(op.getK(), offsets, keyRows, options.chunkSize, true);
          Value valueBlock =
              t.loadRows(op.getV(), offsets, keyRows, options.chunkSize, true);
          Value products = t.matmulTransposeB(queryBlock, keyBlock,
                                              t.zeros({blockRows, tileKeys}));
          // Key j of the tile seen from block row loopIndex(0).
          // Key j of the tile is loop dimension `keyDim` of a map.
          auto visibleKey = [&](unsigned keyDim = 1) {
            Value j = r.addIndex(firstKey, t.loopIndex(keyDim));
            return arith::AndIOp::create(b, t.less(j, keys), visibleFrom(j))
                .getResult();
          };
          Value scores = t.map({blockRows, tileKeys}, {products}, {matrix},
                               [&](ValueRange e) {
                                 return t.select(visibleKey(), e[0],
                                                 minusInfinity);
                               });
          Value tileMax = t.maxOver({blockRows}, {scores}, {matrix},
                                    [&](ValueRange e) { return e[0]; });
          // alpha = exp(m - m'), from the old running max, before m is
          // updated in place (1 while the max stays, even at -inf or +inf).
          Value rescale =
              t.map({blockRows}, {carried[0], tileMax},
                    {t.identity(1), t.identity(1)}, [&](ValueRange e) {
                      return t.softmaxWeight(e[0], t.max(e[0], e[1]));
                    });
          Value newMax =
              t.update(carried[0], {tileMax}, {t.identity(1)},
                       [&](ValueRange e) { return t.max(e[1], e[0]); });
          // A key the row does not see weighs 0 whatever its logit.
          Value weights =
              t.map({blockRows, tileKeys}, {scores, newMax}, {matrix, perRow},
                    [&](ValueRange e) {
                      return t.select(visibleKey(),
                                      t.softmaxWeight(e[0], e[1]),
                                      t.f32(0.0));
                    });
          Value weightSum = t.sum({blockRows}, {weights}, {matrix},
                                  [&](ValueRange e) { return e[0]; });
          Value sum = t.update(
              carried[1], {rescale, weightSum}, {t.identity(1), t.identity(1)},
              [&](ValueRange e) { return t.add(t.mul(e[0], e[2]), e[1]); });
          Value scaled =
              t.update(carried[2], {rescale}, {perRow},
                       [&](ValueRange e) { return t.mul(e[0], e[1]); });
          // acc += P V. Where the causal limit or the window cuts the tile,
          // a key a row does not see must not reach it even through a zero
          // weight (0 * inf is NaN): there the sum selects, elsewhere a
          // matmul runs.
          Value lastKey = r.subIndex(r.addIndex(firstKey, keyRows), r.index(1));
          Value uncut = arith::ConstantIntOp::create(b, b.getI1Type(), 1);
          if (causal)
            uncut = arith::AndIOp::create(
                b, uncut,
                t.lessEqual(lastKey, r.addIndex(firstQuery, offset)));
          if (window > 0)
            uncut = arith::AndIOp::create(
                b, uncut,
                t.less(r.subIndex(r.addIndex(lastQuery, offset),
                                  r.index(window)),
                       firstKey));
          auto accumulate = scf::IfOp::create(
              b, TypeRange{scaled.getType()}, uncut, /*withElseRegion=*/true);
          b.setInsertionPointToStart(accumulate.thenBlock());
          scf::YieldOp::create(b, t.matmul(weights, valueBlock, scaled));
          b.setInsertionPointToStart(accumulate.elseBlock());
          Value seen = t.sum(
              {blockRows, valueDim}, {weights, valueBlock},
              {t.dims(3, {0, 2}), t.dims(3, {2, 1})}, [&](ValueRange e) {
                return t.select(visibleKey(/*keyDim=*/2), t.mul(e[0], e[1]),
                                t.f32(0.0));
              });
          scf::YieldOp::create(
              b, t.update(scaled, {seen}, {matrix}, [&](ValueRange e) {
                return t.add(e[1], e[0]);
              }));
          b.setInsertionPointAfter(accumulate);
          return {newMax, sum, accumulate.getResult(0)};
        });

    // A row that sees no key at all gives 0; every other row divides by its
    // sum of weights, so that NaN and infinities in what it sees show.
    return t.map({blockRows, valueDim}, {swept[2], swept[1]}, {matrix, perRow},
                 [&](ValueRange e) {
                   Value seen = seesAKey();
                   Value safe = t.select(seen, e[1], t.f32(1.0));
                   return t.select(seen, t.div(e[0], safe), t.f32(0.0));
                 });
  }
};
} // namespace

void mlir::recur::populateAttentionToChunksPattern(RewritePatternSet &patterns,
                                                   ChunkConfig options) {
  patterns.add<AttentionToChunks>(patterns.getContext(), options);
}
