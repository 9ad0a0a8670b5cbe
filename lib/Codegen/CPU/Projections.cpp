//===- Projections.cpp - A description's projections as blocked GEMMs -----===//
//
// A projection of a model description (`Function.linear`: activations
// x [..., in] times a torch Linear's weight [out, in], accumulated in f32)
// is a linalg.generic whose every row of tokens meets every weight row.
// Generic tiling would read the weight once per few tokens, or need it
// transposed per call. This pass writes it as a GEMM that reads the weight
// in the layout it is stored in, each row contiguous along `in`:
//
//   forall column blocks (threads; a block's weight rows stay in L2)
//     for input blocks (a register tile's rows of x stay in L1)
//       for rows of tokens, kRows at a time (then the rest, one at a time)
//         for kColumns weight rows of the block
//           kRows x kColumns dot products along `in`: one vector
//           accumulator per pair, one FMA per pair and step of `lanes`
//           inputs, every load shared by the pairs it meets; each
//           accumulator is summed horizontally once per input block and
//           added into the output.
//
// Both operands are read with unit stride, nothing is copied or packed per
// call, and a single token (a decode step, or a 1-token prefill) takes the
// same loops with more accumulators per row. bf16 and f16 weights or
// activations are widened to f32 in registers.
//
//===----------------------------------------------------------------------===//

#include "recur/Codegen/CPU/Passes.h"

#include "GemmLoops.h"
#include "PanelGemm.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Utils/Utils.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/LoopLikeInterface.h"

namespace mlir {
namespace recur {
#define GEN_PASS_DEF_RECURCPUPROJECTIONS
#include "recur/Codegen/CPU/Passes.h.inc"
} // namespace recur
} // namespace mlir

using namespace mlir;
using namespace mlir::recur;

/// Token rows of a register tile.
static constexpr int64_t kRows = 4;
/// Weight rows (outputs) of a register tile.
static constexpr int64_t kColumns = 4;
/// Independent accumulators per pair when a tile has a single token row,
/// so that enough FMA chains are in flight.
static constexpr int64_t kSingleRowUnroll = 2;
/// The bytes of x rows a register tile reads per input block: they stay in
/// L1 while the tile's weight rows stream from L2.
static constexpr int64_t kTileBytes = 24 * 1024;
/// The bytes of weight a column block keeps in the core's L2 cache while
/// every token row passes over it.
static constexpr int64_t kBlockBytes = 512 * 1024;

namespace {
/// A matched projection: x [..., K] times weight [N, K], added to init
/// [..., N] (f32).
struct Projection {
  linalg::GenericOp op;
  Value x, weight, init;
  int64_t outputs, inputs;
};

/// The GEMM being emitted: x2 [M, K], weight [N, K].
struct Gemm {
  Value x, weight, rows;
  int64_t inputs;
  /// Inputs per block: a register tile's rows of x stay in L1.
  int64_t blockInputs;
  int64_t lanes;
};
} // namespace

/// `value` with a widening arith.extf stripped.
static Value skipExtension(Value value) {
  if (auto ext = value.getDefiningOp<arith::ExtFOp>())
    return ext.getIn();
  return value;
}

/// Whether `body` yields out + a * b (each input possibly widened): the
/// body `Function._contract` writes.
static bool isMultiplyAdd(Block &body) {
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  if (yield.getNumOperands() != 1)
    return false;
  auto add = yield.getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!add)
    return false;
  BlockArgument out = body.getArgument(2);
  Value product = add.getLhs() == out   ? add.getRhs()
                  : add.getRhs() == out ? add.getLhs()
                                        : Value();
  auto mul = product ? product.getDefiningOp<arith::MulFOp>() : nullptr;
  if (!mul)
    return false;
  Value lhs = skipExtension(mul.getLhs()), rhs = skipExtension(mul.getRhs());
  BlockArgument a = body.getArgument(0), b = body.getArgument(1);
  return (lhs == a && rhs == b) || (lhs == b && rhs == a);
}

static bool isFloatElement(Type type) {
  Type element = getElementTypeOrSelf(type);
  return element.isF32() || element.isBF16() || element.isF16();
}

/// Whether `op` is in no loop of its function (a tile of a chunked form is).
static bool outsideLoops(Operation *op) {
  for (Operation *parent = op->getParentOp(); parent && !isa<func::FuncOp>(parent);
       parent = parent->getParentOp())
    if (isa<LoopLikeOpInterface>(parent))
      return false;
  return true;
}

/// The projection `op` is, if it is one: outside loops (not a tile of a
/// chunked form), x [..., K] (rank >= 2) times a static weight [N, K]
/// reduced over K into an f32 init [..., N].
static std::optional<Projection> matchProjection(linalg::GenericOp op) {
  if (!outsideLoops(op) || !op.hasPureTensorSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1 || op.getNumReductionLoops() != 1)
    return std::nullopt;
  unsigned loops = op.getNumLoops(), rank = loops - 1;
  if (rank < 2 || !linalg::isReductionIterator(
                      op.getIteratorTypesArray()[rank]))
    return std::nullopt;
  MLIRContext *context = op.getContext();
  auto mapOf = [&](ArrayRef<unsigned> dims) {
    SmallVector<AffineExpr> exprs;
    for (unsigned dim : dims)
      exprs.push_back(getAffineDimExpr(dim, context));
    return AffineMap::get(loops, 0, exprs, context);
  };
  SmallVector<unsigned> rowsThen(rank - 1);
  std::iota(rowsThen.begin(), rowsThen.end(), 0);
  SmallVector<unsigned> xDims = rowsThen, initDims = rowsThen;
  xDims.push_back(rank);
  initDims.push_back(rank - 1);
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  if (maps[0] != mapOf(xDims) || maps[1] != mapOf({rank - 1, rank}) ||
      maps[2] != mapOf(initDims))
    return std::nullopt;
  Value x = op.getDpsInputs()[0], weight = op.getDpsInputs()[1],
        init = op.getDpsInits()[0];
  auto weightType = cast<RankedTensorType>(weight.getType());
  auto xType = cast<RankedTensorType>(x.getType());
  if (!weightType.hasStaticShape() ||
      xType.isDynamicDim(rank - 1) ||
      xType.getDimSize(rank - 1) != weightType.getDimSize(1) ||
      !getElementTypeOrSelf(init.getType()).isF32() ||
      !isFloatElement(x.getType()) || !isFloatElement(weight.getType()) ||
      !isMultiplyAdd(*op.getBlock()))
    return std::nullopt;
  return Projection{op, x, weight, init, weightType.getDimSize(0),
                    weightType.getDimSize(1)};
}

/// `width` elements of row `row` of the 2-D `source` from column `column`,
/// widened to f32. Reads past the row's end (the last, partial vector of a
/// row) give zeros.
static Value readRow(OpBuilder &b, Location loc, Value source, Value row,
                     Value column, int64_t width, bool inBounds) {
  Type element = getElementTypeOrSelf(source.getType());
  Value padding = arith::ConstantOp::create(b, loc, b.getZeroAttr(element));
  Value vector = vector::TransferReadOp::create(
      b, loc, VectorType::get({width}, element), source, ValueRange{row, column},
      padding, ArrayRef<bool>{inBounds});
  if (element.isF32())
    return vector;
  return arith::ExtFOp::create(b, loc, VectorType::get({width}, b.getF32Type()),
                               vector);
}

/// One step of a register tile: for each of its rows and weight rows, the
/// vectors at input `column` multiplied into accumulator `slot` of each
/// pair (accumulators in row-major order of pairs, `unroll` per pair).
static void accumulate(OpBuilder &b, Location loc, const Gemm &gemm,
                       Value firstRow, Value firstWeightRow, int64_t rows,
                       int64_t columns, int64_t unroll, int64_t slot,
                       Value column, bool inBounds,
                       SmallVectorImpl<Value> &accumulators) {
  SmallVector<Value> xs, ws;
  for (int64_t r = 0; r < rows; ++r) {
    Value row =
        arith::AddIOp::create(b, loc, firstRow, indexConstant(b, loc, r));
    xs.push_back(readRow(b, loc, gemm.x, row, column, gemm.lanes, inBounds));
  }
  for (int64_t c = 0; c < columns; ++c) {
    Value row =
        arith::AddIOp::create(b, loc, firstWeightRow, indexConstant(b, loc, c));
    ws.push_back(
        readRow(b, loc, gemm.weight, row, column, gemm.lanes, inBounds));
  }
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < columns; ++c) {
      Value &acc = accumulators[(r * columns + c) * unroll + slot];
      acc = vector::FMAOp::create(b, loc, xs[r], ws[c], acc);
    }
}

namespace {
/// Where a register tile sits: its first token row, its first output column
/// of `out`, its first weight row, and the inputs it sums, [k0, k0 +
/// length).
struct TilePlace {
  Value row, outColumn, weightRow, k0;
  int64_t length;
};
} // namespace

/// The register tile out[row : + rows, outColumn : + columns] +=
/// x[row : + rows, k0 : + length] . weight[weightRow : + columns, k0 :
/// + length]^T; returns the updated `out`.
static Value emitTile(OpBuilder &b, Location loc, const Gemm &gemm, Value out,
                      const TilePlace &place, int64_t rows, int64_t columns,
                      int64_t unroll) {
  auto accType = VectorType::get({gemm.lanes}, b.getF32Type());
  Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(accType));
  SmallVector<Value> accumulators(rows * columns * unroll, zero);
  int64_t step = gemm.lanes * unroll;
  int64_t whole = place.length / step * step;
  if (whole > 0) {
    auto loop = scf::ForOp::create(
        b, loc, place.k0,
        arith::AddIOp::create(b, loc, place.k0, indexConstant(b, loc, whole)),
        indexConstant(b, loc, step), accumulators,
        [&](OpBuilder &nb, Location nloc, Value k, ValueRange carried) {
          SmallVector<Value> accs(carried);
          for (int64_t u = 0; u < unroll; ++u) {
            Value column = arith::AddIOp::create(
                nb, nloc, k, indexConstant(nb, nloc, u * gemm.lanes));
            accumulate(nb, nloc, gemm, place.row, place.weightRow, rows,
                       columns, unroll, u, column, /*inBounds=*/true, accs);
          }
          scf::YieldOp::create(nb, nloc, accs);
        });
    accumulators.assign(loop.getResults().begin(), loop.getResults().end());
  }
  // The inputs left: whole vectors, then a partial one (the row's end)
  // read with zeros past it.
  for (int64_t k = whole; k < place.length; k += gemm.lanes)
    accumulate(
        b, loc, gemm, place.row, place.weightRow, rows, columns, unroll, 0,
        arith::AddIOp::create(b, loc, place.k0, indexConstant(b, loc, k)),
        /*inBounds=*/k + gemm.lanes <= place.length, accumulators);
  auto sumType = VectorType::get({columns}, b.getF32Type());
  for (int64_t r = 0; r < rows; ++r) {
    SmallVector<Value> sums;
    for (int64_t c = 0; c < columns; ++c) {
      Value acc = accumulators[(r * columns + c) * unroll];
      for (int64_t u = 1; u < unroll; ++u)
        acc = arith::AddFOp::create(
            b, loc, acc, accumulators[(r * columns + c) * unroll + u]);
      sums.push_back(
          vector::ReductionOp::create(b, loc, vector::CombiningKind::ADD, acc,
                                      Value(), arith::FastMathFlags::reassoc));
    }
    Value row =
        arith::AddIOp::create(b, loc, place.row, indexConstant(b, loc, r));
    Value sum = vector::FromElementsOp::create(b, loc, sumType, sums);
    Value before = vector::TransferReadOp::create(
        b, loc, sumType, out, ValueRange{row, place.outColumn},
        arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0)),
        ArrayRef<bool>{true});
    Value after = arith::AddFOp::create(b, loc, before, sum);
    out = vector::TransferWriteOp::create(b, loc, after, out,
                                          ValueRange{row, place.outColumn},
                                          ArrayRef<bool>{true})
              .getResult();
  }
  return out;
}

/// The register tiles of `rows` token rows from `row`, across the `width`
/// outputs from `outColumn` of out (weight rows from `weightRow`), over the
/// inputs [k0, k0 + length): kColumns weight rows at a time, every tile
/// reading the same rows of x (which stay in L1).
static Value emitRowTiles(OpBuilder &b, Location loc, const Gemm &gemm,
                          Value out, Value row, Value outColumn,
                          Value weightRow, int64_t width, Value k0,
                          int64_t length, int64_t rows, int64_t unroll) {
  auto tileAt = [&](OpBuilder &nb, Location nloc, Value offset, Value carried,
                    int64_t columns) {
    TilePlace place{row, arith::AddIOp::create(nb, nloc, outColumn, offset),
                    arith::AddIOp::create(nb, nloc, weightRow, offset), k0,
                    length};
    return emitTile(nb, nloc, gemm, carried, place, rows, columns, unroll);
  };
  int64_t whole = width / kColumns * kColumns;
  if (whole > 0)
    out =
        forCarrying(b, loc, indexConstant(b, loc, 0),
                    indexConstant(b, loc, whole), kColumns, out,
                    [&](OpBuilder &nb, Location nloc, Value j, Value carried) {
                      return tileAt(nb, nloc, j, carried, kColumns);
                    });
  if (width > whole)
    out = tileAt(b, loc, indexConstant(b, loc, whole), out, width - whole);
  return out;
}

/// The inputs [k0, k0 + length) of the `width` outputs from `outColumn` of
/// out (weight rows from `weightRow`, which stay in L2 across the rows):
/// every token row, kRows rows at a time, then the rest one at a time.
static Value emitInputBlock(OpBuilder &b, Location loc, const Gemm &gemm,
                            Value out, Value outColumn, Value weightRow,
                            int64_t width, Value k0, int64_t length) {
  Value step = indexConstant(b, loc, kRows);
  Value wholeRows = arith::MulIOp::create(
      b, loc, arith::DivUIOp::create(b, loc, gemm.rows, step), step);
  out =
      forCarrying(b, loc, indexConstant(b, loc, 0), wholeRows, kRows, out,
                  [&](OpBuilder &nb, Location nloc, Value row, Value carried) {
                    return emitRowTiles(nb, nloc, gemm, carried, row, outColumn,
                                        weightRow, width, k0, length, kRows,
                                        /*unroll=*/1);
                  });
  return forCarrying(
      b, loc, wholeRows, gemm.rows, 1, out,
      [&](OpBuilder &nb, Location nloc, Value row, Value carried) {
        return emitRowTiles(nb, nloc, gemm, carried, row, outColumn, weightRow,
                            width, k0, length, 1, kSingleRowUnroll);
      });
}

/// Every output of the `width` from `outColumn` of out (weight rows from
/// `weightRow`), in blocks of gemm.blockInputs inputs.
static Value emitColumns(OpBuilder &b, Location loc, const Gemm &gemm,
                         Value out, Value outColumn, Value weightRow,
                         int64_t width) {
  int64_t whole = gemm.inputs / gemm.blockInputs * gemm.blockInputs;
  if (whole > 0)
    out = forCarrying(
        b, loc, indexConstant(b, loc, 0), indexConstant(b, loc, whole),
        gemm.blockInputs, out,
        [&](OpBuilder &nb, Location nloc, Value k0, Value carried) {
          return emitInputBlock(nb, nloc, gemm, carried, outColumn, weightRow,
                                width, k0, gemm.blockInputs);
        });
  if (gemm.inputs > whole)
    out = emitInputBlock(b, loc, gemm, out, outColumn, weightRow, width,
                         indexConstant(b, loc, whole), gemm.inputs - whole);
  return out;
}

/// The weight rows per column block: as many whole register tiles as fit
/// kBlockBytes (at least one tile), at most all of them.
static int64_t blockWidth(int64_t outputs, int64_t inputs, Type element) {
  int64_t rowBytes = inputs * element.getIntOrFloatBitWidth() / 8;
  int64_t width =
      std::max<int64_t>(1, kBlockBytes / std::max<int64_t>(1, rowBytes) /
                               kColumns) *
      kColumns;
  return std::min(width, outputs);
}

/// The inputs per block: a register tile's rows of x fit kTileBytes (they
/// stay in L1 while the tile's weight rows stream from L2), in whole steps
/// of the unrolled single-row tile.
static int64_t blockInputs(int64_t inputs, int64_t lanes, Type xElement) {
  int64_t bytesPerInput = kRows * xElement.getIntOrFloatBitWidth() / 8;
  int64_t step = lanes * kSingleRowUnroll;
  int64_t block =
      std::max<int64_t>(1, kTileBytes / bytesPerInput / step) * step;
  return std::min(block, inputs);
}

/// out2 [M, N] += x2 [M, K] . weight^T: column blocks in an scf.forall
/// (each block's slice of out2 its own), then the last, partial block.
static Value emitGemm(OpBuilder &b, Location loc, const Gemm &gemm, Value out,
                      int64_t outputs) {
  int64_t width = blockWidth(outputs, gemm.blockInputs,
                             getElementTypeOrSelf(gemm.weight.getType()));
  int64_t blocks = outputs / width;
  if (blocks > 0)
    out = forallColumnBlocks(
        b, loc, out, gemm.rows, blocks, width,
        [&](OpBuilder &nb, Location nloc, Value first, Value slice) {
          return emitColumns(nb, nloc, gemm, slice, indexConstant(nb, nloc, 0),
                             first, width);
        });
  if (int64_t rest = outputs % width) {
    Value first = indexConstant(b, loc, blocks * width);
    out = emitColumns(b, loc, gemm, out, first, first, rest);
  }
  return out;
}

/// The panels `weight` unpacks, when it is a linalg.unpack of [N / 16, K,
/// 16] along dimension 0 (PanelGemm.h); null otherwise.
static Value packedPanels(Value weight) {
  auto unpack = weight.getDefiningOp<linalg::UnPackOp>();
  if (!unpack || unpack.getInnerDimsPos() != ArrayRef<int64_t>{0} ||
      unpack.getStaticInnerTiles() != ArrayRef<int64_t>{kPanelRows})
    return Value();
  ArrayRef<int64_t> perm = unpack.getOuterDimsPerm();
  if (!perm.empty() && perm != ArrayRef<int64_t>{0, 1})
    return Value();
  return unpack.getSource();
}

/// Replaces `projection` by the GEMM over its rows of tokens flattened.
static void rewrite(RewriterBase &rewriter, const Projection &projection,
                    int64_t lanes) {
  linalg::GenericOp op = projection.op;
  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  auto initType = cast<RankedTensorType>(projection.init.getType());
  int64_t rank = initType.getRank();
  ReassociationIndices leading(rank - 1);
  std::iota(leading.begin(), leading.end(), 0);
  SmallVector<ReassociationIndices> flatten = {leading, {rank - 1}};
  Value x = tensor::CollapseShapeOp::create(rewriter, loc, projection.x,
                                            flatten);
  Value out = tensor::CollapseShapeOp::create(rewriter, loc, projection.init,
                                              flatten);
  Value result;
  if (Value panels = packedPanels(projection.weight)) {
    result = emitPanelGemm(rewriter, loc, x, panels, out, projection.outputs,
                           lanes);
  } else {
    Gemm gemm{x,
              projection.weight,
              tensor::DimOp::create(rewriter, loc, x, 0).getResult(),
              projection.inputs,
              blockInputs(projection.inputs, lanes,
                          getElementTypeOrSelf(x.getType())),
              lanes};
    result = emitGemm(rewriter, loc, gemm, out, projection.outputs);
  }
  Value shaped = tensor::ExpandShapeOp::create(
      rewriter, loc, initType, result, flatten,
      tensor::getMixedSizes(rewriter, loc, projection.init));
  rewriter.replaceOp(op, shaped);
}

namespace {
struct RecurCPUProjections
    : recur::impl::RecurCPUProjectionsBase<RecurCPUProjections> {
  using Base::Base;

  void runOnOperation() override {
    if (vectorBits != 128 && vectorBits != 256 && vectorBits != 512) {
      getOperation().emitError("recur-cpu-projections: vector-bits must be "
                               "128, 256 or 512, not ")
          << vectorBits.getValue();
      return signalPassFailure();
    }
    // Matched again when rewritten: a projection's x may be an earlier
    // one's result, replaced in the meantime.
    SmallVector<linalg::GenericOp> candidates;
    getOperation().walk([&](linalg::GenericOp op) {
      if (matchProjection(op))
        candidates.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::GenericOp op : candidates)
      if (std::optional<Projection> projection = matchProjection(op))
        rewrite(rewriter, *projection, vectorBits / 32);
  }
};
} // namespace
