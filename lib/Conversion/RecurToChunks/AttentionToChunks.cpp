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
// Split keys (key_splits = N, decode-length queries only): a query
// position's visible key tiles are cut into N parts, each an iteration of
// a forall over (batch, key/value head, position, part) that runs the sweep
// above over its part and keeps its unnormalized state (m_s, l_s, acc_s);
// a second forall over (batch, key/value head, position) combines them:
//
//   m = max_s m_s,  w_s = w(m_s, m),  l = sum_s w_s l_s,
//   o = (sum_s w_s acc_s) / l        (0 where l = 0: the row sees no key)
//
// A part with no key tile keeps (-inf, 0, 0) and weighs nothing unless
// every part is empty. On a GPU each part is a block: a single query's
// sweep over a long KV cache no longer runs in B x Hkv blocks only.
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
    // one position, so that a step does not pay for a padded tile, and
    // their keys split where the configuration says.
    rewriter.replaceOp(
        op, emitBySequenceLength(
                b, op, op.getQ(), options.serialBelow,
                [&](bool isShort) -> SmallVector<Value> {
                  if (isShort && options.keySplits > 1)
                    return {emitSplitAttention(op, b)};
                  return {emitAttention(op, b, isShort)};
                }));
    return success();
  }

private:
  /// The sizes both forms iterate over: B, T, Hkv, G = H / Hkv (as a
  /// value, and as a constant where H and Hkv are static).
  struct Sizes {
    Value batch, queries, kvHeads, groupSize;
    OpFoldResult group;
  };
  static Sizes readSizes(AttentionOp op, ReferenceBuilder &r) {
    Value heads = r.dim(op.getQ(), 2), kvHeads = r.dim(op.getK(), 2);
    Sizes sizes{r.dim(op.getQ(), 0), r.dim(op.getQ(), 1), kvHeads,
                r.divIndex(heads, kvHeads), OpFoldResult()};
    sizes.group = sizes.groupSize;
    std::optional<int64_t> staticHeads = getConstantIntValue(heads),
                           staticKVHeads = getConstantIntValue(kvHeads);
    if (staticHeads && staticKVHeads) // verified divisible and nonzero
      sizes.group = r.builder().getIndexAttr(*staticHeads / *staticKVHeads);
    return sizes;
  }

  /// The tiled online softmax of `op` at `b`'s insertion point, with query
  /// tiles of one position (decode) or of about chunk-size rows.
  Value emitAttention(AttentionOp op, ImplicitLocOpBuilder &b,
                      bool oneQueryPerTile) const {
    ReferenceBuilder r(b);
    TileBuilder t(b);
    t.setOperandPrecision(
        cast<RankedTensorType>(op.getQ().getType()).getElementType());
    Sizes sizes = readSizes(op, r);
    Value batch = sizes.batch, queries = sizes.queries,
          kvHeads = sizes.kvHeads, groupSize = sizes.groupSize;
    OpFoldResult group = sizes.group;
    // Static group: Tq positions per head so that a block has about
    // `chunk-size` rows; otherwise Tq = chunk-size.
    int64_t queryTile = options.chunkSize;
    std::optional<int64_t> staticGroup = getConstantIntValue(group);
    if (staticGroup)
      queryTile = std::max<int64_t>(1, options.chunkSize / *staticGroup);
    if (oneQueryPerTile)
      queryTile = 1;

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
          SmallVector<Value> state =
              emitQueryTile(op, t, r, bi, kvHead, firstQuery, queryRows,
                            firstHead, groupSize, group, queryTile);
          Value block = normalize(t, state[2], state[1]);
          return {outputRows(op, t, block, bi, firstQuery, queryRows,
                             firstHead, group, queryTile)};
        });
    return results[0];
  }

  /// The key-split form of decode-length queries (the file's comment).
  Value emitSplitAttention(AttentionOp op, ImplicitLocOpBuilder &b) const {
    ReferenceBuilder r(b);
    TileBuilder t(b);
    t.setOperandPrecision(
        cast<RankedTensorType>(op.getQ().getType()).getElementType());
    Sizes sizes = readSizes(op, r);
    OpFoldResult valueDim =
        tensor::getMixedSize(b, op.getLoc(), op.getV(), 3);
    OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
    OpFoldResult splits = b.getIndexAttr(options.keySplits);
    // Each part's state per (batch, key/value head, position, part): the
    // G rows of one position's query heads.
    SmallVector<OpFoldResult> rowsShape = {
        getAsOpFoldResult(sizes.batch), getAsOpFoldResult(sizes.kvHeads),
        getAsOpFoldResult(sizes.queries), splits, sizes.group};
    SmallVector<OpFoldResult> accShape = rowsShape;
    accShape.push_back(valueDim);
    auto empty = [&](ArrayRef<OpFoldResult> shape) -> Value {
      return tensor::EmptyOp::create(b, shape, b.getF32Type());
    };
    SmallVector<Value> parts = t.forall(
        ArrayRef<OpFoldResult>(rowsShape).drop_back(),
        {empty(rowsShape), empty(rowsShape), empty(accShape)},
        [&](ValueRange ivs, ValueRange) -> SmallVector<ParallelTile> {
          Value bi = ivs[0], kvHead = ivs[1], position = ivs[2];
          Value firstHead = r.mulIndex(kvHead, sizes.groupSize);
          SmallVector<Value> state = emitQueryTile(
              op, t, r, bi, kvHead, position, r.index(1), firstHead,
              sizes.groupSize, sizes.group, /*queryTile=*/1,
              KeyPart{ivs[3], options.keySplits});
          SmallVector<OpFoldResult> at = {bi, kvHead, position, ivs[3], zero};
          SmallVector<OpFoldResult> accAt = at;
          accAt.push_back(zero);
          return {{state[0], at}, {state[1], at}, {state[2], accAt}};
        });
    SmallVector<Value> results = t.forall(
        {getAsOpFoldResult(sizes.batch), getAsOpFoldResult(sizes.kvHeads),
         getAsOpFoldResult(sizes.queries)},
        {op.getOInit()},
        [&](ValueRange ivs, ValueRange) -> SmallVector<ParallelTile> {
          Value bi = ivs[0], kvHead = ivs[1], position = ivs[2];
          SmallVector<OpFoldResult> at = {bi, kvHead, position, zero, zero};
          SmallVector<OpFoldResult> extent = {one, one, one, splits,
                                             sizes.group};
          Value maxes = t.slice(parts[0], at, extent, {0, 1, 2});
          Value sums = t.slice(parts[1], at, extent, {0, 1, 2});
          at.push_back(zero);
          extent.push_back(valueDim);
          Value accs = t.slice(parts[2], at, extent, {0, 1, 2});
          // [N, G] partial states -> m [G], then each part's weight.
          AffineMap partRow = t.identity(2), row = t.dims(2, {1});
          Value max = t.maxOver({sizes.group}, {maxes}, {t.dims(2, {1, 0})},
                                [&](ValueRange e) { return e[0]; });
          Value weights =
              t.map({splits, sizes.group}, {maxes, max}, {partRow, row},
                    [&](ValueRange e) { return t.softmaxWeight(e[0], e[1]); });
          Value sum = t.sum({sizes.group}, {weights, sums},
                            {t.dims(2, {1, 0}), t.dims(2, {1, 0})},
                            [&](ValueRange e) { return t.mul(e[0], e[1]); });
          Value acc = t.sum({sizes.group, valueDim}, {weights, accs},
                            {t.dims(3, {2, 0}), t.dims(3, {2, 0, 1})},
                            [&](ValueRange e) { return t.mul(e[0], e[1]); });
          Value block = normalize(t, acc, sum);
          Value firstHead = r.mulIndex(kvHead, sizes.groupSize);
          return {outputRows(op, t, block, bi, position, r.index(1),
                             firstHead, sizes.group, /*queryTile=*/1)};
        });
    return results[0];
  }

  /// o = acc / l per row, 0 where l = 0: a row that sees no key (its
  /// weights sum to 1 at least otherwise, or to NaN, which shows).
  static Value normalize(TileBuilder &t, Value acc, Value sum) {
    ImplicitLocOpBuilder &b = t.builder();
    SmallVector<OpFoldResult> shape =
        tensor::getMixedSizes(b, b.getLoc(), acc);
    return t.map(shape, {acc, sum}, {t.identity(2), t.dims(2, {0})},
                 [&](ValueRange e) {
                   Value seen = arith::CmpFOp::create(
                       b, arith::CmpFPredicate::UNE, e[1], t.f32(0.0));
                   Value safe = t.select(seen, e[1], t.f32(1.0));
                   return t.select(seen, t.div(e[0], safe), t.f32(0.0));
                 });
  }

  /// The f32 block [Tq * G, Dv] of a query tile as the tile of o it
  /// writes: [Tq, G, Dv], its valid rows, in o's type.
  static ParallelTile outputRows(AttentionOp op, TileBuilder &t, Value block,
                                 Value bi, Value firstQuery, Value queryRows,
                                 Value firstHead, OpFoldResult group,
                                 int64_t queryTile) {
    ImplicitLocOpBuilder &b = t.builder();
    OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
    OpFoldResult valueDim =
        tensor::getMixedSize(b, b.getLoc(), op.getV(), 3);
    Type outputType =
        cast<RankedTensorType>(op.getO().getType()).getElementType();
    Value narrowed = t.narrow(block, outputType);
    auto expandedType = RankedTensorType::get(
        {queryTile,
         getConstantIntValue(group).value_or(ShapedType::kDynamic),
         cast<RankedTensorType>(block.getType()).getDimSize(1)},
        outputType);
    Value expanded = tensor::ExpandShapeOp::create(
        b, expandedType, narrowed,
        SmallVector<ReassociationIndices>{{0, 1}, {2}},
        SmallVector<OpFoldResult>{b.getIndexAttr(queryTile), group,
                                  valueDim});
    Value rows =
        t.slice(expanded, {zero, zero, zero}, {queryRows, group, valueDim});
    return {rows,
            {bi, firstQuery, firstHead, zero},
            {one, queryRows, group, valueDim}};
  }

  /// Part `index` of `count` of a query tile's key tiles.
  struct KeyPart {
    Value index;
    int64_t count;
  };

  /// The online softmax state {m [R], l [R], acc [R, Dv]} (f32,
  /// unnormalized) of one query tile of R = Tq * G rows after its visible
  /// key tiles, or after part `part` of them.
  SmallVector<Value>
  emitQueryTile(AttentionOp op, TileBuilder &t, ReferenceBuilder &r, Value bi,
                Value kvHead, Value firstQuery, Value queryRows,
                Value firstHead, Value groupSize, OpFoldResult group,
                int64_t queryTile,
                std::optional<KeyPart> part = std::nullopt) const {
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
    if (part) {
      // Parts of ceil(tiles / count) tiles; the last ones may be empty.
      Value tiles = r.subIndex(r.maxIndex(endTile, firstTile), firstTile);
      Value perPart =
          arith::CeilDivUIOp::create(b, tiles, r.index(part->count));
      Value begin = r.addIndex(firstTile, r.mulIndex(part->index, perPart));
      endTile = r.maxIndex(begin, r.minIndex(endTile, r.addIndex(begin, perPart)));
      firstTile = begin;
    }

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

    return swept;
  }
};
} // namespace

void mlir::recur::populateAttentionToChunksPattern(RewritePatternSet &patterns,
                                                   ChunkConfig options) {
  patterns.add<AttentionToChunks>(patterns.getContext(), options);
}
