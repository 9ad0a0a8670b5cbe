//===- ChunkedScan.cpp - Two-level scans over chunks of tokens ------------===//

#include "ChunkedScan.h"
#include "TileBuilder.h"

#include "../RecurToLoops/ReferenceBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;
using namespace mlir::recur;

Value mlir::recur::timeOfStep(ReferenceBuilder &r, Value step, Value time,
                              bool reverse) {
  if (!reverse)
    return step;
  return r.subIndex(r.subIndex(time, r.index(1)), step);
}

SmallVector<Value> mlir::recur::emitChunkedScan(
    TileBuilder &t, ReferenceBuilder &r, const ScanRecurrence &recurrence,
    Value time, int64_t chunkSize, bool reverse, StatePass statePass,
    Value initialState, ValueRange outputs) {
  ImplicitLocOpBuilder &b = t.builder();
  Value chunk = r.index(chunkSize);
  Value numChunks = arith::CeilDivUIOp::create(b, time, chunk);
  auto chunkRows = [&](Value c) {
    Value start = r.mulIndex(c, chunk);
    return std::pair(start, r.minIndex(chunk, r.subIndex(time, start)));
  };
  // The first time a chunk covers: its rows are contiguous in time either
  // way, in reverse order when reversed.
  auto firstTime = [&](Value start, Value rows) {
    return reverse ? r.subIndex(time, r.addIndex(start, rows)) : start;
  };
  Value zero = r.index(0);

  if (statePass == StatePass::Sequential) {
    SmallVector<Value> carried = {initialState};
    carried.append(outputs.begin(), outputs.end());
    return r.forEach(numChunks, carried,
                     [&](Value c, ValueRange state) -> SmallVector<Value> {
                       auto [start, rows] = chunkRows(c);
                       return recurrence.run(start, rows, state[0],
                                             state.drop_front(), zero);
                     });
  }

  // Phase 1: every chunk's (P, E), independently.
  SmallVector<OpFoldResult> stateShape =
      tensor::getMixedSizes(b, b.getLoc(), initialState);
  SmallVector<OpFoldResult> stackedShape = {getAsOpFoldResult(numChunks)};
  stackedShape.append(stateShape);
  auto stacked = [&]() {
    return tensor::EmptyOp::create(b, stackedShape, b.getF32Type()).getResult();
  };
  auto stackOffsets = [&](Value c) {
    SmallVector<OpFoldResult> offsets(stackedShape.size(), b.getIndexAttr(0));
    offsets[0] = c;
    return offsets;
  };
  auto stackedRow = [&](Value stack, Value c) {
    SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1)};
    sizes.append(stateShape);
    return t.slice(stack, stackOffsets(c), sizes, {0});
  };
  OpFoldResult count = getAsOpFoldResult(numChunks);
  SmallVector<Value> summaries =
      t.forall(count, {stacked(), stacked()},
               [&](ValueRange ivs, ValueRange) -> SmallVector<ParallelTile> {
                 Value c = ivs[0];
                 auto [start, rows] = chunkRows(c);
                 auto [transition, end] = recurrence.summarize(start, rows);
                 return {{transition, stackOffsets(c)}, {end, stackOffsets(c)}};
               });

  // Phase 2: the state entering each chunk, one cheap step per chunk.
  SmallVector<Value> carries = r.forEach(
      numChunks, {initialState, stacked()},
      [&](Value c, ValueRange carried) -> SmallVector<Value> {
        Value entering = t.insert(carried[0], carried[1], stackOffsets(c));
        Value transition = stackedRow(summaries[0], c);
        Value end = stackedRow(summaries[1], c);
        unsigned rank = stateShape.size();
        Value next = t.update(
            carried[0], {transition, end}, {t.identity(rank), t.identity(rank)},
            [&](ValueRange e) { return t.add(t.mul(e[0], e[2]), e[1]); });
        return {next, entering};
      });

  // Phase 3: every chunk's outputs from its entering state, independently
  // (without outputs, the end state is all there is to compute).
  if (outputs.empty())
    return {carries[0]};
  SmallVector<Value> written = t.forall(
      count, outputs,
      [&](ValueRange ivs, ValueRange shared) -> SmallVector<ParallelTile> {
        Value c = ivs[0];
        auto [start, rows] = chunkRows(c);
        Value origin = firstTime(start, rows);
        SmallVector<Value> chunkOutputs;
        for (Value output : shared) {
          SmallVector<OpFoldResult> sizes =
              tensor::getMixedSizes(b, b.getLoc(), output);
          SmallVector<OpFoldResult> offsets(sizes.size(), b.getIndexAttr(0));
          sizes[0] = rows;
          offsets[0] = origin;
          chunkOutputs.push_back(t.slice(output, offsets, sizes));
        }
        SmallVector<Value> ran = recurrence.run(
            start, rows, stackedRow(carries[1], c), chunkOutputs, origin);
        SmallVector<ParallelTile> tiles;
        for (Value tile : ArrayRef<Value>(ran).drop_front()) {
          SmallVector<OpFoldResult> offsets(
              cast<RankedTensorType>(tile.getType()).getRank(),
              b.getIndexAttr(0));
          offsets[0] = origin;
          tiles.push_back({tile, offsets});
        }
        return tiles;
      });
  SmallVector<Value> results = {carries[0]};
  results.append(written);
  return results;
}
