//===- PanelGemm.cpp - Projections over weights packed in panels ----------===//
//
// out [M, N] += x [M, K] . W^T with W packed in panels (PanelGemm.h):
//
//   forall blocks of whole panels (threads; a block's kInputBlock inputs,
//   at most kBlockBytes, stay in L2 while every row of tokens passes)
//   then the rest of the panels (the last one partial: its outputs past N
//   are masked)
//     for blocks of kInputBlock inputs
//       for rows of tokens, a tile's rows at a time: the main tile's, then
//         the middle one's, then single rows
//         for the tiles of the block's panels
//           for each input k: a prefetch of each panel's stream at
//           k + kPrefetchInputs, the tile's vectors of each panel at k (one
//           contiguous stream per panel), x[m, k] broadcast for each of its
//           rows, one FMA per (row, vector)
//
// A tile's accumulators start from zero and are added to its outputs once
// per input block; nothing is summed across lanes. A single row (decode)
// takes a wide tile, 8 accumulators, so that enough FMAs are in flight while
// the weight streams through once.
//
//===----------------------------------------------------------------------===//

#include "PanelGemm.h"

#include "GemmLoops.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/TypeUtilities.h"

#include <numeric>

using namespace mlir;
using namespace mlir::recur;

/// Inputs per block: a main tile's rows of x (8 x 256 f32, 8 KiB) stay in
/// L1 while its panels stream from L2.
static constexpr int64_t kInputBlock = 256;
/// The weight bytes of a column block's input block, kept in L2.
static constexpr int64_t kBlockBytes = 512 * 1024;
/// Accumulators a single row's tile keeps in flight.
static constexpr int64_t kSingleRowAccumulators = 8;
/// How many inputs ahead of the tile's loads each panel's stream is
/// prefetched into L1 (2 KiB of f32, 1 KiB of bf16: measured best of 8, 16,
/// 32 and 2 KiB of bf16).
static constexpr int64_t kPrefetchInputs = 32;

namespace {
/// A register tile: rows of tokens by panels.
struct Tile {
  int64_t rows, panels;
};

struct Gemm {
  /// `panelsMemory` is the panels' buffer, which the prefetches name (the
  /// reads stay on the tensor; bufferization makes both the argument's
  /// buffer); `lastInput` the index K - 1.
  Value x, panels, panelsMemory, lastInput, rows;
  int64_t inputs, lanes;
  /// The tiles rows are taken in: main, middle (rows 0 when there is none),
  /// single.
  Tile main, middle, single;
};

/// A block's panels: its first panel in `out`'s columns (out may be the
/// block's slice) and in the weight, and whether outputs past N are
/// masked.
struct Span {
  Value outPanel, weightPanel;
  bool masked;
};
} // namespace

/// The tiles for `lanes` f32 per vector register: 24 accumulators in the
/// main tile with 32 registers (512 bits), 8 rows x 3 panels (11 loads per
/// 24 FMAs; 12 x 2 and 24 x 1, with more broadcasts, and 6 x 4, with more
/// panel streams, measured slower), 12 with 16 registers.
static Gemm tilesFor(Gemm gemm) {
  int64_t vectors = kPanelRows / gemm.lanes;
  int64_t budget = gemm.lanes == 16 ? 24 : 12;
  int64_t panels = gemm.lanes == 16 ? 3 : 1;
  gemm.main = {budget / (panels * vectors), panels};
  gemm.middle = {gemm.main.rows / 3, panels};
  if (gemm.middle.rows < 2)
    gemm.middle.rows = 0;
  gemm.single = {1, std::max<int64_t>(1, kSingleRowAccumulators / vectors)};
  return gemm;
}

static Value add(OpBuilder &b, Location loc, Value value, int64_t offset) {
  if (offset == 0)
    return value;
  return arith::AddIOp::create(b, loc, value, indexConstant(b, loc, offset));
}

/// f32 lanes of panel `panel` at input `k`, from lane `lane`.
static Value readPanel(OpBuilder &b, Location loc, const Gemm &gemm,
                       Value panel, Value k, int64_t lane) {
  Type element = getElementTypeOrSelf(gemm.panels.getType());
  Value padding = arith::ConstantOp::create(b, loc, b.getZeroAttr(element));
  Value vector = vector::TransferReadOp::create(
      b, loc, VectorType::get({gemm.lanes}, element), gemm.panels,
      ValueRange{panel, k, indexConstant(b, loc, lane)}, padding,
      ArrayRef<bool>{true});
  if (element.isF32())
    return vector;
  return arith::ExtFOp::create(
      b, loc, VectorType::get({gemm.lanes}, b.getF32Type()), vector);
}

/// x[row, k] widened to f32 in every lane.
static Value broadcastX(OpBuilder &b, Location loc, const Gemm &gemm,
                        Value row, Value k) {
  Value scalar = tensor::ExtractOp::create(b, loc, gemm.x, ValueRange{row, k});
  if (!scalar.getType().isF32())
    scalar = arith::ExtFOp::create(b, loc, b.getF32Type(), scalar);
  return vector::BroadcastOp::create(
      b, loc, VectorType::get({gemm.lanes}, b.getF32Type()), scalar);
}

/// The tile out[row : + rows, panels from span.outPanel] += x[row : + rows,
/// k0 : + length] times those panels' weights; returns the updated out.
static Value emitTile(OpBuilder &b, Location loc, const Gemm &gemm, Value out,
                      Value row, const Span &span, Value k0, int64_t length,
                      Tile tile) {
  int64_t vectors = kPanelRows / gemm.lanes;
  auto accType = VectorType::get({gemm.lanes}, b.getF32Type());
  Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0));
  Value firstColumn = arith::MulIOp::create(
      b, loc, span.outPanel, indexConstant(b, loc, kPanelRows));
  SmallVector<Value> rows, columns;
  for (int64_t r = 0; r < tile.rows; ++r)
    rows.push_back(add(b, loc, row, r));
  for (int64_t c = 0; c < tile.panels * vectors; ++c)
    columns.push_back(add(b, loc, firstColumn, c * gemm.lanes));
  SmallVector<bool> inBounds = {!span.masked};
  // The accumulators start from zero and are added to the outputs after
  // the loop, so that reading the outputs does not delay the first FMAs.
  SmallVector<Value> accumulators(
      rows.size() * columns.size(),
      arith::ConstantOp::create(b, loc, b.getZeroAttr(accType)));
  auto loop = scf::ForOp::create(
      b, loc, k0, add(b, loc, k0, length), indexConstant(b, loc, 1),
      accumulators,
      [&](OpBuilder &nb, Location nloc, Value k, ValueRange carried) {
        // Each panel's stream kPrefetchInputs ahead (the last input's at
        // the end, so that the address stays inside the panels).
        Value ahead = arith::MinSIOp::create(
            nb, nloc, add(nb, nloc, k, kPrefetchInputs), gemm.lastInput);
        for (int64_t p = 0; p < tile.panels; ++p)
          memref::PrefetchOp::create(
              nb, nloc, gemm.panelsMemory,
              ValueRange{add(nb, nloc, span.weightPanel, p), ahead,
                         indexConstant(nb, nloc, 0)},
              /*isWrite=*/false, /*localityHint=*/3, /*isDataCache=*/true);
        SmallVector<Value> weights;
        for (int64_t p = 0; p < tile.panels; ++p)
          for (int64_t v = 0; v < vectors; ++v)
            weights.push_back(readPanel(nb, nloc, gemm,
                                        add(nb, nloc, span.weightPanel, p), k,
                                        v * gemm.lanes));
        SmallVector<Value> accs(carried);
        for (int64_t r = 0; r < tile.rows; ++r) {
          Value x = broadcastX(nb, nloc, gemm, rows[r], k);
          for (size_t c = 0; c < weights.size(); ++c) {
            Value &acc = accs[r * weights.size() + c];
            acc = vector::FMAOp::create(nb, nloc, x, weights[c], acc);
          }
        }
        scf::YieldOp::create(nb, nloc, accs);
      });
  for (int64_t r = 0; r < tile.rows; ++r)
    for (size_t c = 0; c < columns.size(); ++c) {
      ValueRange at{rows[r], columns[c]};
      Value before = vector::TransferReadOp::create(b, loc, accType, out, at,
                                                    zero, inBounds);
      Value after = arith::AddFOp::create(
          b, loc, before, loop.getResult(r * columns.size() + c));
      out = vector::TransferWriteOp::create(b, loc, after, out, at, inBounds)
                .getResult();
    }
  return out;
}

/// The tiles of `tile.rows` rows from `row` across the span's `count`
/// panels: whole tiles, then one of the panels left.
static Value emitPanelTiles(OpBuilder &b, Location loc, const Gemm &gemm,
                            Value out, Value row, const Span &span,
                            int64_t count, Value k0, int64_t length,
                            Tile tile) {
  auto tileAt = [&](OpBuilder &nb, Location nloc, Value offset, Value carried,
                    int64_t panels) {
    Span at{arith::AddIOp::create(nb, nloc, span.outPanel, offset),
            arith::AddIOp::create(nb, nloc, span.weightPanel, offset),
            span.masked};
    return emitTile(nb, nloc, gemm, carried, row, at, k0, length,
                    {tile.rows, panels});
  };
  int64_t whole = count / tile.panels * tile.panels;
  if (whole > 0)
    out =
        forCarrying(b, loc, indexConstant(b, loc, 0),
                    indexConstant(b, loc, whole), tile.panels, out,
                    [&](OpBuilder &nb, Location nloc, Value j, Value carried) {
                      return tileAt(nb, nloc, j, carried, tile.panels);
                    });
  if (count > whole)
    out = tileAt(b, loc, indexConstant(b, loc, whole), out, count - whole);
  return out;
}

/// Every row of tokens over the inputs [k0, k0 + length) of the span's
/// `count` panels: main tiles, middle tiles, then single rows.
static Value emitRows(OpBuilder &b, Location loc, const Gemm &gemm, Value out,
                      const Span &span, int64_t count, Value k0,
                      int64_t length) {
  Value start = indexConstant(b, loc, 0);
  for (Tile tile : {gemm.main, gemm.middle}) {
    if (tile.rows == 0)
      continue;
    Value step = indexConstant(b, loc, tile.rows);
    Value left = arith::SubIOp::create(b, loc, gemm.rows, start);
    Value end = arith::AddIOp::create(
        b, loc, start,
        arith::MulIOp::create(b, loc,
                              arith::DivUIOp::create(b, loc, left, step),
                              step));
    out = forCarrying(
        b, loc, start, end, tile.rows, out,
        [&](OpBuilder &nb, Location nloc, Value row, Value carried) {
          return emitPanelTiles(nb, nloc, gemm, carried, row, span, count, k0,
                                length, tile);
        });
    start = end;
  }
  return forCarrying(
      b, loc, start, gemm.rows, 1, out,
      [&](OpBuilder &nb, Location nloc, Value row, Value carried) {
        return emitPanelTiles(nb, nloc, gemm, carried, row, span, count, k0,
                              length, gemm.single);
      });
}

/// The span's `count` panels over every input, kInputBlock at a time.
static Value emitInputBlocks(OpBuilder &b, Location loc, const Gemm &gemm,
                             Value out, const Span &span, int64_t count) {
  int64_t whole = gemm.inputs / kInputBlock * kInputBlock;
  if (whole > 0)
    out = forCarrying(
        b, loc, indexConstant(b, loc, 0), indexConstant(b, loc, whole),
        kInputBlock, out,
        [&](OpBuilder &nb, Location nloc, Value k0, Value carried) {
          return emitRows(nb, nloc, gemm, carried, span, count, k0,
                          kInputBlock);
        });
  if (gemm.inputs > whole)
    out = emitRows(b, loc, gemm, out, span, count,
                   indexConstant(b, loc, whole), gemm.inputs - whole);
  return out;
}

Value mlir::recur::emitPanelGemm(OpBuilder &b, Location loc, Value x,
                                 Value panels, Value out, int64_t outputs,
                                 int64_t lanes) {
  auto panelsType = cast<RankedTensorType>(panels.getType());
  int64_t inputs = panelsType.getDimSize(1);
  Value panelsMemory = bufferization::ToBufferOp::create(
      b, loc,
      MemRefType::get(panelsType.getShape(), panelsType.getElementType()),
      panels, /*readOnly=*/true);
  Gemm gemm = tilesFor({x, panels, panelsMemory,
                        indexConstant(b, loc, inputs - 1),
                        tensor::DimOp::create(b, loc, x, 0).getResult(),
                        inputs, lanes, {}, {}, {}});
  int64_t panelCount = panelsType.getDimSize(0);
  int64_t fullPanels = outputs / kPanelRows;
  // Blocks of whole main and single-row tiles, within kBlockBytes, and
  // about eight of them when the panels are few, so that threads share
  // small projections.
  int64_t unit = std::lcm(gemm.single.panels, gemm.main.panels);
  int64_t elementBytes = panelsType.getElementTypeBitWidth() / 8;
  int64_t most = std::max<int64_t>(
      1, kBlockBytes / (kInputBlock * kPanelRows * elementBytes) / unit);
  int64_t blockPanels =
      unit * std::clamp<int64_t>(fullPanels / 8 / unit, 1, most);
  int64_t blocks = fullPanels / blockPanels;
  if (blocks > 0)
    out = forallColumnBlocks(
        b, loc, out, gemm.rows, blocks, blockPanels * kPanelRows,
        [&](OpBuilder &nb, Location nloc, Value firstColumn, Value slice) {
          Value firstPanel = arith::DivUIOp::create(
              nb, nloc, firstColumn, indexConstant(nb, nloc, kPanelRows));
          Span span{indexConstant(nb, nloc, 0), firstPanel, false};
          return emitInputBlocks(nb, nloc, gemm, slice, span, blockPanels);
        });
  if (int64_t rest = panelCount - blocks * blockPanels) {
    Value first = indexConstant(b, loc, blocks * blockPanels);
    Span span{first, first, outputs % kPanelRows != 0};
    out = emitInputBlocks(b, loc, gemm, out, span, rest);
  }
  return out;
}
