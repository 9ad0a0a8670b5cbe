//===- Vectorize.cpp - Register tiles of the static linalg ops ------------===//
//
// The chunked and token-serial forms are linalg ops on static tiles (chunk x
// key, key x value, ...). This pass tiles each of them into register-sized
// pieces with upstream's TilingInterface driver, vectorizes the pieces with
// `linalg::vectorize`, and hoists the accumulators out of the reduction
// loops, so that LLVM receives vector arithmetic in the shape of the
// machine's registers instead of scalar loops to rediscover.
//
//===----------------------------------------------------------------------===//

#include "recur/Codegen/CPU/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/LoopLikeInterface.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/LoopInvariantCodeMotionUtils.h"

namespace mlir {
namespace recur {
#define GEN_PASS_DEF_RECURVECTORIZE
#include "recur/Codegen/CPU/Passes.h.inc"
} // namespace recur
} // namespace mlir

using namespace mlir;
using namespace mlir::recur;

/// The largest divisor of `size` that is at most `limit` (at least 1).
static int64_t largestDivisorUpTo(int64_t size, int64_t limit) {
  for (int64_t tile = std::min(size, limit); tile > 1; --tile)
    if (size % tile == 0)
      return tile;
  return 1;
}

/// The loop a result expression of `map` is, if it is a plain dimension.
static std::optional<unsigned> loopOfResult(AffineMap map, int64_t fromBack) {
  if (map.getNumResults() < fromBack)
    return std::nullopt;
  auto dim = dyn_cast<AffineDimExpr>(
      map.getResult(map.getNumResults() - fromBack));
  if (!dim)
    return std::nullopt;
  return dim.getPosition();
}

/// How a tile is vectorized.
enum class TileForm {
  /// Along the output's innermost dimension; a reduction becomes
  /// broadcast-FMA outer products (vector.contract).
  Outer,
  /// Along the reduction: each output row is a dot product of contiguous
  /// vectors, summed horizontally once per tile.
  Dot,
};

struct RegisterTiles {
  SmallVector<int64_t> sizes;
  /// Vector lanes the sizes were chosen for.
  int64_t lanes;
  TileForm form = TileForm::Outer;
  /// Where the op is split first, when its output's innermost dimension has
  /// no divisor that is a whole number of vectors: (loop, point), the
  /// first part tiled by `sizes`, the rest (less than a tile) by itself.
  std::optional<std::pair<unsigned, int64_t>> split = std::nullopt;
};

/// The reduction loop of a vecmat-like `op` that should be vectorized as
/// dot products: its only reduction loop is the innermost dimension of an
/// input whose other dimensions include the output's innermost loop
/// `vectorLoop` (a torch Linear's [out, in] weight, or a row reduction over
/// contiguous keys), so that vectorizing along the output would gather that
/// input element by element, and no other parallel loop has more than one
/// iteration (a single row: with several rows the outer products share
/// their loads). Needs at least `lanes` iterations of the reduction.
static std::optional<unsigned> dotReductionLoop(linalg::LinalgOp op,
                                                unsigned vectorLoop,
                                                int64_t lanes) {
  if (op.getNumReductionLoops() != 1)
    return std::nullopt;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  for (auto [loop, range] : llvm::enumerate(ranges))
    if (loop != vectorLoop && linalg::isParallelIterator(iterators[loop]) &&
        range != 1)
      return std::nullopt;
  for (OpOperand *input : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(input);
    std::optional<unsigned> inner = loopOfResult(map, 1);
    if (inner && linalg::isReductionIterator(iterators[*inner]) &&
        ranges[*inner] >= lanes && map.isFunctionOfDim(vectorLoop))
      return *inner;
  }
  return std::nullopt;
}

/// The parallel loop that is the innermost dimension of an input of an
/// elementwise `op` (a transpose, like a key tile read as K^T) whose
/// output's innermost loop `vectorLoop` strides across that input, when
/// both loops are whole numbers of vectors: vectorizing along the output
/// alone would gather the input element by element.
static std::optional<unsigned> transposedLoop(linalg::LinalgOp op,
                                              unsigned vectorLoop,
                                              int64_t lanes) {
  if (op.getNumReductionLoops() != 0)
    return std::nullopt;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (ranges[vectorLoop] % lanes != 0)
    return std::nullopt;
  for (OpOperand *input : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(input);
    std::optional<unsigned> inner = loopOfResult(map, 1);
    if (inner && *inner != vectorLoop && ranges[*inner] % lanes == 0 &&
        map.isFunctionOfDim(vectorLoop))
      return *inner;
  }
  return std::nullopt;
}

/// Register tile sizes for `op` (one per loop) and the form of the tile, or
/// nothing if its iteration space is not static or has no parallel loop
/// along its output's innermost dimension to vectorize.
static std::optional<RegisterTiles> registerTiles(linalg::LinalgOp op,
                                                  int64_t lanes) {
  if (op.getNumDpsInits() == 0 || op.getNumLoops() == 0 ||
      op.hasDynamicShape())
    return std::nullopt;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  AffineMap output = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  std::optional<unsigned> vectorLoop = loopOfResult(output, 1);
  if (!vectorLoop || !linalg::isParallelIterator(
                         op.getIteratorTypesArray()[*vectorLoop]))
    return std::nullopt;
  bool reduces = op.getNumReductionLoops() > 0;
  SmallVector<int64_t> tiles(op.getNumLoops(), 1);
  if (std::optional<unsigned> across =
          transposedLoop(op, *vectorLoop, lanes)) {
    // Square tiles: each input row is read whole and transposed in
    // registers (vector.transpose, shuffles) instead of gathered.
    tiles[*vectorLoop] = lanes;
    tiles[*across] = lanes;
    return RegisterTiles{std::move(tiles), lanes, TileForm::Outer};
  }
  if (std::optional<unsigned> dot = dotReductionLoop(op, *vectorLoop, lanes)) {
    // A few rows of up to eight vectors each: the row's products are summed
    // in registers and reduced horizontally once.
    tiles[*vectorLoop] = largestDivisorUpTo(ranges[*vectorLoop], 4);
    tiles[*dot] = largestDivisorUpTo(ranges[*dot], 8 * lanes);
    return RegisterTiles{std::move(tiles), lanes, TileForm::Dot};
  }
  std::optional<unsigned> rowLoop = loopOfResult(output, 2);
  bool hasRows =
      rowLoop && *rowLoop != *vectorLoop && ranges[*rowLoop] > 1 &&
      linalg::isParallelIterator(op.getIteratorTypesArray()[*rowLoop]);
  // A reduction keeps its accumulator in registers: two vectors wide and a
  // few rows deep, or, for a single row (a vecmat, or rows of one), up to
  // eight vectors, so that that many independent FMA chains hide the FMA
  // latency. Elementwise ops take up to four vectors per tile.
  int64_t vectors = !reduces ? 4 : hasRows ? 2 : 8;
  int64_t range = ranges[*vectorLoop], width = vectors * lanes;
  tiles[*vectorLoop] = largestDivisorUpTo(range, width);
  std::optional<std::pair<unsigned, int64_t>> split;
  if (range > lanes && tiles[*vectorLoop] % lanes != 0) {
    // Whole vectors first: e.g. 328 outputs in tiles of 128 up to 256, then
    // 64 (split again), then 8; rather than 4 tiles of 82, each 5 vectors
    // with the last one part empty.
    int64_t step = range > width ? width : lanes;
    tiles[*vectorLoop] = range > width ? width : range / lanes * lanes;
    split = std::make_pair(*vectorLoop, range / step * step);
  }
  if (hasRows) {
    int64_t rows = reduces ? (lanes >= 16 ? 8 : 4)
                           : std::max<int64_t>(
                                 1, 4 * lanes / tiles[*vectorLoop]);
    tiles[*rowLoop] = largestDivisorUpTo(ranges[*rowLoop], rows);
  }
  return RegisterTiles{std::move(tiles), lanes, TileForm::Outer, split};
}

namespace {
/// Marks every vector.reduction the lowering creates as reassociable.
struct ReassociateReductions : RewriterBase::Listener {
  void notifyOperationInserted(Operation *op,
                               OpBuilder::InsertPoint) override {
    if (auto reduction = dyn_cast<vector::ReductionOp>(op))
      reduction.setFastmath(arith::FastMathFlags::reassoc);
  }
};
} // namespace

/// Tiles `op` by `tiles` (upstream scf::tileUsingSCF; 0: not tiled) and
/// replaces it with the loops.
static FailureOr<scf::SCFTilingResult>
tileOp(RewriterBase &rewriter, linalg::LinalgOp op, ArrayRef<int64_t> tiles) {
  scf::SCFTilingOptions options;
  options.setTileSizes(getAsIndexOpFoldResult(rewriter.getContext(), tiles));
  rewriter.setInsertionPoint(op);
  FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
      rewriter, cast<TilingInterface>(op.getOperation()), options);
  if (succeeded(tiled))
    rewriter.replaceOp(op, tiled->replacements);
  return tiled;
}

/// Lowers the vector.multi_reduction ops of the dot-form tiles to one
/// horizontal vector.reduction per row, which may reassociate (the row's
/// lanes are summed as a tree, not in order).
static LogicalResult lowerDotReductions(MLIRContext *context,
                                        ArrayRef<Operation *> reductions) {
  if (reductions.empty())
    return success();
  RewritePatternSet patterns(context);
  vector::populateVectorMultiReductionLoweringPatterns(
      patterns, vector::VectorMultiReductionLowering::InnerReduction);
  ReassociateReductions listener;
  GreedyRewriteConfig config;
  config.setStrictness(GreedyRewriteStrictness::ExistingAndNewOps);
  config.setListener(&listener);
  return applyOpPatternsGreedily(reductions, std::move(patterns), config);
}

/// Tiles `op` to `tiles` (unless it is one tile already) and vectorizes the
/// tile. Leaves `op` as it is where upstream cannot vectorize it. A dot-form
/// tile's vector.multi_reduction ops are added to `dotReductions`.
static void tileAndVectorize(RewriterBase &rewriter, linalg::LinalgOp op,
                             const RegisterTiles &registerTiles,
                             SmallVectorImpl<Operation *> &dotReductions) {
  ArrayRef<int64_t> tiles = registerTiles.sizes;
  bool dot = registerTiles.form == TileForm::Dot;
  if (failed(linalg::vectorizeOpPrecondition(op)))
    return;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  Operation *tile = op;
  if (ArrayRef<int64_t>(ranges) != tiles) {
    FailureOr<scf::SCFTilingResult> tiled = tileOp(rewriter, op, tiles);
    if (failed(tiled))
      return;
    tile = tiled->tiledOps.front();
  }
  rewriter.setInsertionPoint(tile);
  FailureOr<linalg::VectorizationResult> vectorized =
      linalg::vectorize(rewriter, tile, /*inputVectorSizes=*/{},
                        /*inputScalableVecDims=*/{}, /*vectorizeNDExtract=*/false,
                        /*flatten1DDepthwiseConv=*/false,
                        /*assumeDynamicDimsMatchVecSizes=*/false,
                        /*createNamedContraction=*/!dot);
  if (failed(vectorized))
    return;
  rewriter.replaceOp(tile, vectorized->replacements);
  if (!dot)
    return;
  // The tile writes its reduction: transfer_write(multi_reduction(...)).
  for (Value result : vectorized->replacements)
    if (auto write = result.getDefiningOp<vector::TransferWriteOp>())
      if (auto reduction =
              write.getVector().getDefiningOp<vector::MultiDimReductionOp>())
        dotReductions.push_back(reduction);
}

/// tileAndVectorize, after splitting `op` where `tiles` say: the first part
/// in whole tiles, the rest (less than a tile) as it asks in turn.
static void splitTileAndVectorize(RewriterBase &rewriter, linalg::LinalgOp op,
                                  const RegisterTiles &tiles,
                                  SmallVectorImpl<Operation *> &dotReductions) {
  if (!tiles.split) {
    tileAndVectorize(rewriter, op, tiles, dotReductions);
    return;
  }
  // Upstream linalg::splitOp: two ops on static slices.
  auto [loop, point] = *tiles.split;
  rewriter.setInsertionPoint(op);
  auto [first, rest] =
      linalg::splitOp(rewriter, cast<TilingInterface>(op.getOperation()),
                      loop, rewriter.getIndexAttr(point));
  RegisterTiles whole = tiles;
  whole.split = std::nullopt;
  tileAndVectorize(rewriter, cast<linalg::LinalgOp>(first.getOperation()),
                   whole, dotReductions);
  auto restOp = cast<linalg::LinalgOp>(rest.getOperation());
  if (std::optional<RegisterTiles> restTiles =
          registerTiles(restOp, tiles.lanes))
    splitTileAndVectorize(rewriter, restOp, *restTiles, dotReductions);
}

/// The canonicalization patterns of every loaded dialect and registered op.
static RewritePatternSet canonicalizationPatternList(MLIRContext *context) {
  RewritePatternSet patterns(context);
  for (Dialect *dialect : context->getLoadedDialects())
    dialect->getCanonicalizationPatterns(patterns);
  for (RegisteredOperationName op : context->getRegisteredOperations())
    op.getCanonicalizationPatterns(patterns, context);
  return patterns;
}

/// Rows of a projection's register tile: a prefill's tokens, eight at a
/// time, share each load of the weight.
static constexpr int64_t kRowBlock = 8;

/// Loops over the dynamic dimensions of `op`, one iteration per index
/// (upstream tiling with tile size 1), so that the op inside has a static
/// iteration space: a projection [B, T, in] x [in, out] becomes one vecmat
/// per token, which the register tiling below takes. A dynamic row
/// dimension of the output (the tokens) goes kRowBlock rows at a time
/// instead: the loop is peeled (upstream) into whole blocks, which
/// `canonicalize` makes static (register tiles of 8 rows), and the last
/// rows, which go one at a time. Only parallel dimensions are peeled; an op
/// with a dynamic reduction stays. (Only reductions are peeled: elementwise
/// ops vectorize as plain loops, and every peeled op adds slices that
/// bufferization must analyse.)
static void peelDynamicDims(RewriterBase &rewriter, linalg::LinalgOp op,
                            const FrozenRewritePatternSet &canonicalize,
                            bool blockRows = true) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  SmallVector<int64_t> tiles(ranges.size(), 0);
  for (auto [loop, range] : llvm::enumerate(ranges)) {
    if (!ShapedType::isDynamic(range))
      continue;
    if (!linalg::isParallelIterator(iterators[loop]))
      return;
    tiles[loop] = 1;
  }
  AffineMap output = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  std::optional<unsigned> rowLoop = loopOfResult(output, 2);
  std::optional<unsigned> vectorLoop = loopOfResult(output, 1);
  blockRows = blockRows && rowLoop && vectorLoop && tiles[*rowLoop] == 1 &&
              !ShapedType::isDynamic(ranges[*vectorLoop]);
  if (blockRows)
    tiles[*rowLoop] = kRowBlock;
  FailureOr<scf::SCFTilingResult> tiled = tileOp(rewriter, op, tiles);
  if (failed(tiled) || !blockRows)
    return;
  // The loop over the row blocks: the tiled loops are in loop order.
  unsigned position = llvm::count_if(
      ArrayRef<int64_t>(tiles).take_front(*rowLoop),
      [](int64_t tile) { return tile != 0; });
  auto rows = cast<scf::ForOp>(tiled->loops[position]);
  scf::ForOp partial;
  SmallVector<Region *> regions = {&rows.getRegion()};
  if (succeeded(scf::peelForLoopAndSimplifyBounds(rewriter, rows, partial)) &&
      partial)
    regions.push_back(&partial.getRegion());
  // Whole blocks become static; what is left dynamic (the last rows, or
  // all rows if peeling failed) goes a row at a time.
  SmallVector<linalg::LinalgOp> left;
  for (Region *region : regions) {
    (void)applyPatternsGreedily(*region, canonicalize);
    region->walk([&](linalg::LinalgOp inner) {
      if (inner.hasDynamicShape())
        left.push_back(inner);
    });
  }
  for (linalg::LinalgOp inner : left)
    peelDynamicDims(rewriter, inner, canonicalize, /*blockRows=*/false);
}

namespace {
struct RecurVectorize : recur::impl::RecurVectorizeBase<RecurVectorize> {
  using Base::Base;

  void runOnOperation() override {
    if (vectorBits != 128 && vectorBits != 256 && vectorBits != 512) {
      getOperation().emitError("recur-vectorize: vector-bits must be 128, "
                               "256 or 512, not ")
          << vectorBits.getValue();
      return signalPassFailure();
    }
    MLIRContext *context = &getContext();
    IRRewriter rewriter(context);
    SmallVector<linalg::LinalgOp> dynamic;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (op.hasPureTensorSemantics() && op.getNumReductionLoops() > 0 &&
          op.hasDynamicShape())
        dynamic.push_back(op);
    });
    FrozenRewritePatternSet canonicalize(canonicalizationPatternList(context));
    for (linalg::LinalgOp op : dynamic)
      peelDynamicDims(rewriter, op, canonicalize);
    SmallVector<std::pair<linalg::LinalgOp, RegisterTiles>> work;
    getOperation().walk([&](linalg::LinalgOp op) {
      // Lanes of the widest element the op computes in (index elements have
      // no fixed width: such ops are left for the loops).
      unsigned bits = 32;
      for (Type type : op->getOperandTypes()) {
        Type element = getElementTypeOrSelf(type);
        if (!element.isIntOrFloat())
          return;
        bits = std::max(bits, element.getIntOrFloatBitWidth());
      }
      if (std::optional<RegisterTiles> tiles =
              registerTiles(op, vectorBits / bits))
        work.emplace_back(op, std::move(*tiles));
    });
    SmallVector<Operation *> dotReductions;
    for (auto &[op, tiles] : work)
      splitTileAndVectorize(rewriter, op, tiles, dotReductions);
    // Before the reductions below become contractions.
    if (failed(lowerDotReductions(context, dotReductions)))
      return signalPassFailure();

    {
      // Reductions over one element are elementwise: no contraction.
      RewritePatternSet patterns(context);
      vector::MultiDimReductionOp::getCanonicalizationPatterns(patterns,
                                                                context);
      vector::populateDropUnitDimWithShapeCastPatterns(patterns);
      if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
        return signalPassFailure();
    }
    {
      // The other vectorized contractions (broadcasts, a product and a
      // reduction) become `vector.contract`, lowered below to broadcast-FMA
      // outer products.
      RewritePatternSet patterns(context);
      vector::populateVectorReductionToContractPatterns(patterns);
      if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
        return signalPassFailure();
    }
    RewritePatternSet patterns = canonicalizationPatternList(context);
    vector::populateVectorContractLoweringPatterns(
        patterns, vector::VectorContractLowering::OuterProduct);
    vector::populateVectorTransferPermutationMapLoweringPatterns(patterns);
    FrozenRewritePatternSet frozen(std::move(patterns));
    if (failed(applyPatternsGreedily(getOperation(), frozen)))
      return signalPassFailure();
    // The accumulators leave the reduction loops.
    getOperation().walk([&](LoopLikeOpInterface loop) {
      hoistLoopInvariantSubsets(rewriter, loop);
    });
    if (failed(applyPatternsGreedily(getOperation(), frozen)))
      return signalPassFailure();
  }
};
} // namespace
