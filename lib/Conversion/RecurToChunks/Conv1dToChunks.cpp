//===- Conv1dToChunks.cpp - recur.conv1d in chunks of rows ----------------===//
//
// The carried state is the W-1 inputs before the sequence: output row t is
// act(bias + sum_k x[t - W + 1 + k] * w[:, k]), rows before 0 coming from
// the state. Chunks of rows are independent, so with a static width and
// channel count an scf.forall runs over (batch, chunk of C rows), and each
// chunk walks the channels in blocks of up to 128 (x's rows are read whole,
// and a block's tiles stay on the stack). Per chunk and block:
//
//   ext = x[t0 - W + 1 : t0 + C]          (x's own rows, no copy), or near
//       = concat(history(t0), x[t0 : t0 + C])   the start, in f32
//   y   = act(bias + sum_k ext[k : k + C] * filter[k])   one map, narrowed
//
// where filter is w transposed once per call, and history(t) is the W-1
// rows before time t (from the state, from x, or both). The last, partial
// chunk goes one row at a time (so a decode step costs one row). The final
// state is history(T), from a second forall over (batch, channel block).
//
// Otherwise (dynamic width or channels, or a width above 16, which the
// chunked form would unroll) the op becomes upstream's depthwise
// convolution on the whole sequence:
//
//   xs     = concat(state, x) along T               [B, T + W - 1, C]
//   acc    = bias broadcast over [B, T] (or 0), f32
//   acc   += depthwise_conv_1d_nwc_wc(xs, transpose(w))
//   y      = act(acc) in x's element type           (fused epilogue)
//   state' = xs[:, T : T + W - 1, :]
//
//===----------------------------------------------------------------------===//

#include "Patterns.h"
#include "TileBuilder.h"

#include "../RecurToLoops/ReferenceBuilder.h"

#include "recur/Dialect/Recur/IR/RecurLayout.h"
#include "recur/Dialect/Recur/IR/RecurOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::recur;

/// The filter transposed to [W, channels], so that tap k is a row.
static Value transposedFilter(ImplicitLocOpBuilder &b, Value weights,
                              OpFoldResult channels, OpFoldResult width) {
  Type type = cast<RankedTensorType>(weights.getType()).getElementType();
  return linalg::TransposeOp::create(
             b, weights, tensor::EmptyOp::create(b, {width, channels}, type),
             ArrayRef<int64_t>{1, 0})
      .getResult()[0];
}

namespace {
/// The chunked form (the top of this file), for a static W and channel
/// count: the op's operands, and the pieces that both foralls share.
class ChunkedConv {
public:
  ChunkedConv(ImplicitLocOpBuilder &b, Conv1dOp op, int64_t chunk);

  /// {y, final state}.
  SmallVector<Value> emit();

private:
  /// One block of channels of one sequence: x's rows [1, T, block], the
  /// state [W-1, block], the filter rows and the bias.
  struct Block {
    Value input, state, bias;
    SmallVector<Value> taps;
  };
  Block block(Value bi, Value c0);
  /// act(bias + sum_k ext[k : k + rows] * w[:, k]) for the extended tile
  /// `ext` [rows + W - 1, block]: one map whose inputs are the W shifted
  /// row blocks, the W filter rows and the bias (no shifted index maps).
  Value convolve(const Block &blk, Value extended, int64_t rows);
  /// The W-1 rows before time `start` of concat(state, x), in f32: the
  /// state at 0, x's rows from W-1 on, and in between the state's rows
  /// from `start` on followed by x's first `start` rows.
  Value history(const Block &blk, Value start);
  Value widen(Value rows);
  /// The output rows [start, start + rows) of one block, written into
  /// `dest` ([rows, channels]) at column c0.
  Value chunkOutput(const Block &blk, Value start, Value rows, Value c0,
                    Value dest);

  ImplicitLocOpBuilder &b;
  ReferenceBuilder r;
  TileBuilder t;
  Conv1dOp op;
  int64_t chunk, width, channelCount, blockSize;
  Type inputType;
  Value time, filter, stateRows;
  OpFoldResult zero, one, channels, historyRows;
};
} // namespace

/// Channel blocks of the chunked form: up to 128 channels, so that a chunk
/// tile ([chunk + W - 1, block] in f32) stays on the stack, and the forall
/// on threads.
static constexpr int64_t kLargestChannelBlock = 128;

ChunkedConv::ChunkedConv(ImplicitLocOpBuilder &b, Conv1dOp op, int64_t chunk)
    : b(b), r(b), t(b), op(op), chunk(chunk) {
  auto xType = cast<RankedTensorType>(op.getX().getType());
  inputType = xType.getElementType();
  width = cast<RankedTensorType>(op.getW().getType()).getDimSize(1);
  channelCount = xType.getDimSize(2);
  blockSize = channelBlockSize(channelCount, kLargestChannelBlock);
  zero = b.getIndexAttr(0);
  one = b.getIndexAttr(1);
  channels = b.getIndexAttr(blockSize);
  historyRows = b.getIndexAttr(width - 1);
  time = r.dim(op.getX(), 1);
  stateRows = r.index(width - 1);
  // Transposed once per call, outside the loops.
  filter = transposedFilter(b, op.getW(), b.getIndexAttr(channelCount),
                            b.getIndexAttr(width));
}

ChunkedConv::Block ChunkedConv::block(Value bi, Value c0) {
  Block blk;
  blk.input = t.slice(op.getX(), {bi, zero, c0},
                      {one, getAsOpFoldResult(time), channels});
  if (width > 1)
    blk.state = t.slice(op.getState(), {bi, zero, c0},
                        {one, historyRows, channels}, {0});
  for (int64_t k = 0; k < width; ++k)
    blk.taps.push_back(
        t.slice(filter, {b.getIndexAttr(k), c0}, {one, channels}, {0}));
  if (op.getBias())
    blk.bias = t.slice(op.getBias(), {c0}, {channels});
  return blk;
}

Value ChunkedConv::convolve(const Block &blk, Value extended, int64_t rows) {
  AffineMap tile = t.identity(2), perChannel = t.dims(2, {1});
  OpFoldResult rowCount = b.getIndexAttr(rows);
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  for (int64_t k = 0; k < width; ++k) {
    inputs.push_back(
        t.slice(extended, {b.getIndexAttr(k), zero}, {rowCount, channels}));
    maps.push_back(tile);
  }
  for (Value tap : blk.taps) {
    inputs.push_back(tap);
    maps.push_back(perChannel);
  }
  if (blk.bias) {
    inputs.push_back(blk.bias);
    maps.push_back(perChannel);
  }
  bool silu = op.getActivation() == Activation::silu;
  return t.map({rowCount, channels}, inputs, maps, [&](ValueRange e) {
    Value sum = blk.bias ? t.widen(e[2 * width]) : t.f32(0.0);
    for (int64_t k = 0; k < width; ++k)
      sum = t.add(sum, t.mul(t.widen(e[k]), t.widen(e[width + k])));
    return silu ? r.silu(sum) : sum;
  });
}

Value ChunkedConv::widen(Value rows) {
  return t.map(tensor::getMixedSizes(b, b.getLoc(), rows), {rows},
               {t.identity(2)}, [&](ValueRange e) { return t.widen(e[0]); });
}

Value ChunkedConv::history(const Block &blk, Value start) {
  auto fromInput = [&]() {
    return widen(t.slice(blk.input, {zero, r.subIndex(start, stateRows), zero},
                         {one, historyRows, channels}, {0}));
  };
  auto mixed = [&]() {
    Value kept = r.subIndex(stateRows, start);
    Value rows = tensor::EmptyOp::create(
        b, ArrayRef<OpFoldResult>{historyRows, channels}, inputType);
    rows = t.insert(t.slice(blk.state, {start, zero}, {kept, channels}), rows,
                    {zero, zero});
    rows = t.insert(
        t.slice(blk.input, {zero, zero, zero}, {one, start, channels}, {0}),
        rows, {kept, zero});
    return widen(rows);
  };
  // A constant start (the final state of a static T) takes its case here:
  // the slices of the other cases would fold to out-of-bounds offsets,
  // which fail verification even where they cannot run.
  if (std::optional<int64_t> known = getConstantIntValue(start)) {
    if (*known == 0)
      return widen(blk.state);
    return *known >= width - 1 ? fromInput() : mixed();
  }
  return r.ifElse(
      r.equal(start, r.index(0)), [&]() { return widen(blk.state); },
      [&]() {
        return r.ifElse(r.lessEqual(stateRows, start), fromInput, mixed);
      });
}

Value ChunkedConv::chunkOutput(const Block &blk, Value start, Value rows,
                               Value c0, Value dest) {
  // `rows` rows from time `at`, extended by the W-1 before them: x's own
  // rows past the first W-1, else the history and the rows in f32.
  auto output = [&](Value at, int64_t rows, Value row, Value into) {
    auto store = [&](Value extended) {
      Value tile = t.narrow(convolve(blk, extended, rows), inputType);
      return t.insert(tile, into, {row, c0});
    };
    OpFoldResult count = b.getIndexAttr(rows);
    auto fromInput = [&]() {
      return store(t.slice(blk.input, {zero, r.subIndex(at, stateRows), zero},
                           {one, b.getIndexAttr(rows + width - 1), channels},
                           {0}));
    };
    if (width == 1)
      return fromInput();
    return r.ifElse(r.lessEqual(stateRows, at), fromInput, [&]() {
      Value own = widen(
          t.slice(blk.input, {zero, at, zero}, {one, count, channels}, {0}));
      return store(
          tensor::ConcatOp::create(b, 0, ValueRange{history(blk, at), own}));
    });
  };
  // A whole chunk at once; the last, partial one a row at a time.
  return r.ifElse(
      r.equal(rows, r.index(chunk)),
      [&]() { return output(start, chunk, r.index(0), dest); },
      [&]() {
        return r.forEach(
            rows, {dest},
            [&](Value i, ValueRange carried) -> SmallVector<Value> {
              return {output(r.addIndex(start, i), 1, i, carried[0])};
            })[0];
      });
}

SmallVector<Value> ChunkedConv::emit() {
  OpFoldResult batch = tensor::getMixedSize(b, op.getLoc(), op.getX(), 0);
  int64_t blocks = channelCount / blockSize;
  OpFoldResult all = b.getIndexAttr(channelCount);
  Value count = arith::CeilDivUIOp::create(b, time, r.index(chunk));
  // The output: threads over (batch, chunk); each chunk walks the channel
  // blocks, so that x's rows are read whole.
  Value y = t.forall(
      {batch, getAsOpFoldResult(count)}, {op.getYInit()},
      [&](ValueRange ivs, ValueRange shared) -> SmallVector<ParallelTile> {
        Value bi = ivs[0];
        Value start = r.mulIndex(ivs[1], r.index(chunk));
        Value rows = r.minIndex(r.index(chunk), r.subIndex(time, start));
        Value dest =
            t.slice(shared[0], {bi, start, zero}, {one, rows, all}, {0});
        Value out = r.forEach(
            r.index(blocks), {dest},
            [&](Value k, ValueRange carried) -> SmallVector<Value> {
              Value c0 = r.mulIndex(k, r.index(blockSize));
              return {chunkOutput(block(bi, c0), start, rows, c0, carried[0])};
            })[0];
        return {{out, {bi, start, zero}}};
      })[0];
  if (width == 1) // no history: the (empty) state passes through
    return {y, op.getState()};
  // The final state: the history of time T, per (batch, block).
  Value state = t.forall(
      {batch, b.getIndexAttr(blocks)}, {op.getState()},
      [&](ValueRange ivs, ValueRange shared) -> SmallVector<ParallelTile> {
        Value bi = ivs[0], c0 = r.mulIndex(ivs[1], r.index(blockSize));
        Block blk = block(bi, c0);
        blk.state = t.slice(shared[0], {bi, zero, c0},
                            {one, historyRows, channels}, {0});
        return {{t.narrow(history(blk, time), inputType), {bi, zero, c0}}};
      })[0];
  return {y, state};
}

/// The whole-sequence form on upstream's depthwise convolution (the top of
/// this file): any W and channels.
static SmallVector<Value> emitWhole(ImplicitLocOpBuilder &b, Conv1dOp op) {
  ReferenceBuilder r(b);
  TileBuilder t(b);
  Location loc = op.getLoc();
  Value x = op.getX();
  Type inputType = cast<RankedTensorType>(x.getType()).getElementType();
  OpFoldResult batch = tensor::getMixedSize(b, loc, x, 0);
  OpFoldResult time = tensor::getMixedSize(b, loc, x, 1);
  OpFoldResult channels = tensor::getMixedSize(b, loc, x, 2);
  OpFoldResult width = tensor::getMixedSize(b, loc, op.getW(), 1);
  std::optional<int64_t> staticWidth = getConstantIntValue(width);
  OpFoldResult stateRows =
      staticWidth ? OpFoldResult(b.getIndexAttr(*staticWidth - 1))
                  : OpFoldResult(r.subIndex(cast<Value>(width), r.index(1)));

  Value extended = tensor::ConcatOp::create(b, 1, ValueRange{op.getState(), x});
  Value filter = transposedFilter(b, op.getW(), channels, width);

  SmallVector<OpFoldResult> outputShape = {batch, time, channels};
  Value accumulator = op.getBias()
                          ? t.map(outputShape, {op.getBias()}, {t.dims(3, {2})},
                                  [&](ValueRange e) { return t.widen(e[0]); })
                          : t.zeros(outputShape);
  Value convolved = linalg::DepthwiseConv1DNwcWcOp::create(
                        b, TypeRange{accumulator.getType()},
                        ValueRange{extended, filter}, ValueRange{accumulator})
                        .getResult(0);
  bool silu = op.getActivation() == Activation::silu;
  Value y = t.mapInto(
      op.getYInit(), {convolved}, {t.identity(3)}, [&](ValueRange e) -> Value {
        Value value = silu ? r.silu(e[0]) : e[0];
        return inputType.isF32()
                   ? value
                   : arith::TruncFOp::create(b, inputType, value).getResult();
      });

  OpFoldResult zero = b.getIndexAttr(0);
  Value next =
      t.slice(extended, {zero, time, zero}, {batch, stateRows, channels});
  return {y, t.castTo(next, op.getFinalState().getType())};
}

namespace {
/// The widest static convolution whose taps the chunked form unrolls.
constexpr int64_t kMaxUnrolledConvWidth = 16;

struct Conv1dToChunks : ChunkPattern<Conv1dOp> {
  using ChunkPattern::ChunkPattern;

  LogicalResult rewriteChunked(Conv1dOp op,
                                PatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    auto xType = cast<RankedTensorType>(op.getX().getType());
    auto wType = cast<RankedTensorType>(op.getW().getType());
    // The chunked form unrolls the taps: a width beyond what any model
    // uses (4 in Mamba and Gated DeltaNet) takes the whole-sequence form,
    // so that compile time stays bounded.
    if (xType.isDynamicDim(2) || wType.isDynamicDim(1) ||
        wType.getDimSize(1) > kMaxUnrolledConvWidth) {
      rewriter.replaceOp(op, emitWhole(b, op));
      return success();
    }
    rewriter.replaceOp(op, ChunkedConv(b, op, options.chunkSize).emit());
    return success();
  }
};
} // namespace

void mlir::recur::populateConv1dToChunksPattern(RewritePatternSet &patterns,
                                                ChunkConfig options) {
  patterns.add<Conv1dToChunks>(patterns.getContext(), options);
}
