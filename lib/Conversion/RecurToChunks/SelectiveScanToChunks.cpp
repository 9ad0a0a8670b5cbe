//===- SelectiveScanToChunks.cpp - recur.selective_scan, chunked ----------===//
//
// An scf.forall over the batch; each row scans its [D, N] state in chunks
// of C steps (ChunkedScan.h), with the whole token update fused into one
// loop nest per step (g(d) = d / (D / G) is channel d's group):
//
//   dt[d]    = softplus?(delta_t[d] + delta_bias[d])
//   s[d, n]  = exp(dt[d] A[d, n]) s[d, n] + dt[d] Bm_t[g(d), n] u_t[d]
//   y_t[d]   = (sum_n Cm_t[g(d), n] s[d, n] + Dskip[d] u_t[d]) * silu(z_t[d])
//
// A chunk's summary needs no products of exponentials: its transition is
// P[d, n] = exp(A[d, n] * sum_t dt_t[d]), and E is the run from zero.
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

namespace {
/// Bm or Cm at one step, read per (channel, n) inside a generic over
/// [channels, N]. With one group its [N] row is an input of the generic,
/// along n (so that the generic vectorizes); with several, the element of
/// the channel's group is extracted from the [G, N] row in the body.
struct GroupRead {
  Value row;
  bool asInput;
  unsigned position = 0; // among the generic's inputs, when asInput

  void addTo(SmallVectorImpl<Value> &inputs, SmallVectorImpl<AffineMap> &maps,
             AffineMap alongN) {
    if (!asInput)
      return;
    position = inputs.size();
    inputs.push_back(row);
    maps.push_back(alongN);
  }
};

struct SelectiveScanToChunks : ChunkPattern<SelectiveScanOp> {
  using ChunkPattern::ChunkPattern;

  LogicalResult rewriteChunked(SelectiveScanOp op,
                                PatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    ReferenceBuilder r(b);
    TileBuilder t(b);
    Location loc = op.getLoc();
    Value batch = r.dim(op.getU(), 0), time = r.dim(op.getU(), 1);
    Value channelCount = r.dim(op.getU(), 2);
    Value groupCount = r.dim(op.getBm(), 2);
    Value channelsPerGroup = r.divIndex(channelCount, groupCount);
    OpFoldResult channels = tensor::getMixedSize(b, loc, op.getU(), 2);
    OpFoldResult stateDim = tensor::getMixedSize(b, loc, op.getA(), 1);
    OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
    OpFoldResult batchSize = getAsOpFoldResult(batch);
    OpFoldResult timeSize = getAsOpFoldResult(time);
    Type outputType =
        cast<RankedTensorType>(op.getY().getType()).getElementType();
    auto stateType = cast<RankedTensorType>(op.getFinalState().getType());

    Value outputInit = op.getYInit();
    Value stateInit = op.getState();
    SmallVector<AffineMap> vectorMaps(4, t.identity(1));
    AffineMap matrix = t.identity(2), perRow = t.dims(2, {0});

    SmallVector<Value> results = t.forall(
        {batchSize}, {outputInit, stateInit},
        [&](ValueRange ivs, ValueRange shared) -> SmallVector<ParallelTile> {
          Value bi = ivs[0];
          auto row = [&](Value source, Value tt) {
            return t.token(source, bi, tt);
          };
          bool singleGroup =
              cast<RankedTensorType>(op.getBm().getType()).getDimSize(2) == 1;
          auto groupRead = [&](Value source, Value tt) {
            Value groups = row(source, tt); // [G, N]
            if (!singleGroup)
              return GroupRead{groups, false};
            return GroupRead{
                t.slice(groups, {zero, zero}, {one, stateDim}, {0}), true};
          };
          // The element of `read` for channel index(0), n = index(1), in a
          // body whose elements are `e`.
          auto perGroup = [&](const GroupRead &read, ValueRange e) {
            if (read.asInput)
              return t.widen(e[read.position]);
            Value group = r.divIndex(t.loopIndex(0), channelsPerGroup);
            return t.widen(tensor::ExtractOp::create(
                b, read.row, ValueRange{group, t.loopIndex(1)}));
          };
          AffineMap alongN = t.dims(2, {1});
          auto stepSize = [&](Value tt) {
            SmallVector<Value> inputs = {row(op.getDelta(), tt)};
            if (op.getDeltaBias())
              inputs.push_back(op.getDeltaBias());
            return t.map(
                {channels}, inputs,
                ArrayRef<AffineMap>(vectorMaps).take_front(inputs.size()),
                [&](ValueRange e) {
                  Value dt = t.widen(e[0]);
                  if (op.getDeltaBias())
                    dt = t.add(dt, t.widen(e[1]));
                  return op.getDeltaSoftplus() ? r.softplus(dt) : dt;
                });
          };
          // s = exp(dt A) s + dt B u, for the step at time tt.
          auto update = [&](Value state, Value tt, Value dt) {
            GroupRead inputs = groupRead(op.getBm(), tt);
            SmallVector<Value> operands = {op.getA(), dt, row(op.getU(), tt)};
            SmallVector<AffineMap> maps = {matrix, perRow, perRow};
            inputs.addTo(operands, maps, alongN);
            return t.update(state, operands, maps, [&](ValueRange e) {
              Value decay = t.exp(t.mul(e[1], t.widen(e[0])));
              Value input =
                  t.mul(t.mul(e[1], perGroup(inputs, e)), t.widen(e[2]));
              return t.add(t.mul(decay, e.back()), input);
            });
          };

          auto run = [&](Value start, Value rows, Value state,
                         ValueRange outputs,
                         Value origin) -> SmallVector<Value> {
            return r.forEach(
                rows, {state, outputs[0]},
                [&](Value step, ValueRange carried) -> SmallVector<Value> {
                  Value tt = r.addIndex(start, step);
                  Value next = update(carried[0], tt, stepSize(tt));
                  GroupRead readout = groupRead(op.getCm(), tt);
                  SmallVector<Value> operands = {next};
                  SmallVector<AffineMap> maps = {matrix};
                  readout.addTo(operands, maps, alongN);
                  Value y =
                      t.sum({channels}, operands, maps, [&](ValueRange e) {
                        return t.mul(perGroup(readout, e), e[0]);
                      });
                  SmallVector<Value> inputs = {y, row(op.getU(), tt)};
                  if (op.getD())
                    inputs.push_back(op.getD());
                  if (op.getZ())
                    inputs.push_back(row(op.getZ(), tt));
                  Value out = t.map(
                      {channels}, inputs,
                      ArrayRef<AffineMap>(vectorMaps).take_front(inputs.size()),
                      [&](ValueRange e) {
                        Value value = e[0];
                        unsigned next = 2;
                        if (op.getD())
                          value = t.add(
                              value, t.mul(t.widen(e[next++]), t.widen(e[1])));
                        if (op.getZ())
                          value = t.mul(value, r.silu(t.widen(e[next])));
                        return value;
                      });
                  Value stored = t.narrow(out, outputType);
                  return {next, t.insert(stored, carried[1],
                                         {r.subIndex(tt, origin), zero})};
                });
          };
          auto summarize = [&](Value start, Value rows) {
            SmallVector<Value> summary = r.forEach(
                rows, {t.zeros({channels}), t.zeros({channels, stateDim})},
                [&](Value step, ValueRange carried) -> SmallVector<Value> {
                  Value tt = r.addIndex(start, step);
                  Value dt = stepSize(tt);
                  Value total =
                      t.update(carried[0], {dt}, {vectorMaps[0]},
                               [&](ValueRange e) { return t.add(e[1], e[0]); });
                  return {total, update(carried[1], tt, dt)};
                });
            Value transition =
                t.map({channels, stateDim}, {op.getA(), summary[0]},
                      {matrix, perRow}, [&](ValueRange e) {
                        return t.exp(t.mul(t.widen(e[0]), e[1]));
                      });
            return std::pair(transition, summary[1]);
          };

          Value rowOutput = t.slice(shared[0], {bi, zero, zero},
                                    {one, timeSize, channels}, {0});
          Value rowState = t.slice(shared[1], {bi, zero, zero},
                                   {one, channels, stateDim}, {0});
          SmallVector<Value> scanned = emitChunkedScan(
              t, r, {run, summarize}, time, options.chunkSize,
              /*reverse=*/false, options.statePass, rowState, {rowOutput});
          return {{scanned[1], {bi, zero, zero}},
                  {scanned[0], {bi, zero, zero}}};
        });
    rewriter.replaceOp(op, {t.castTo(results[0], op.getY().getType()),
                            t.castTo(results[1], stateType)});
    return success();
  }
};
} // namespace

void mlir::recur::populateSelectiveScanToChunksPattern(
    RewritePatternSet &patterns, ChunkConfig options) {
  patterns.add<SelectiveScanToChunks>(patterns.getContext(), options);
}
