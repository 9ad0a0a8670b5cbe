//===- LinearAttentionToChunks.cpp - recur.linear_attention in chunks -----===//
//
// The chunked form of the matrix-state recurrence. Every (batch, head) pair
// is independent: an scf.forall runs over them, and each walks the sequence
// in chunks of C tokens (the last one zero-padded: a padding row has no key,
// no value, log-gate 0 and beta 0, so it changes nothing), carrying the
// [K, V] state S from chunk to chunk. Within a chunk, with rows i, j in
// [0, C), Q already multiplied by the scale, and g the log-gates:
//
//   b_i   = sum_{m <= i} g_m            cumulative log-decay (per row, or
//                                       per row and key for the key gate)
//   b'_i  = b_{i-1} (b'_0 = 0)          with the bonus, which reads the
//                                       state before the update; else b
//   A_ij  = sum_k q_ik k_jk exp(b'_ik - b_jk)   for j <= i (j < i: bonus)
//
//   additive:  W = V
//   delta:     L = tril(diag(beta) [sum_k k_ik k_jk exp(b_ik - b_jk)], -1)
//              T = (I + L)^-1 diag(beta)      (forward substitution)
//              W = T V - T (K * exp(b)) S     (the WY / UT transform)
//   bonus:     A_ii = sum_k q_ik bonus_k k_ik
//
//   O     = (Q * exp(b')) S + A W
//   S_new = diag(exp(b_last)) S + (K * exp(b_last - b))^T W
//
// Every exponent above is <= 0 because g <= 0, except inside A (and L) when
// it is computed as a product of two factors: exp(b_i) exp(-b_j) overflows
// for strong decay. For the scalar and head gates A is (Q K^T) times the
// C x C mask exp(b_i - b_j), computed directly. For the key gate the rows
// are split into sub-chunks of 16: between sub-chunk I and an earlier row j
// the exponent is split at r = b' at I's first row,
//   exp(b'_ik - b_jk) = exp(b'_ik - r_k) exp(r_k - b_jk),  both factors <= 1,
// so the off-diagonal blocks are matmuls, and the 16 x 16 diagonal blocks
// are summed elementwise with the exact exponent.
//
// Derivation of the delta form: with S_i = Gamma_i S + sum_{j<=i}
// Gamma_i Gamma_j^-1 k_j w_j^T (Gamma the cumulative decay), the update
// gives w_i = beta_i (v_i - Gamma_i-decayed S^T k_i - sum_{j<i} (...) w_j),
// i.e. (I + L) W = diag(beta) (V - (K * exp(b)) S).
//
// The chunks go through ChunkedScan's schedule (sequential, or for the
// additive update the chunk-parallel pass with S -> exp(b_last) S + E).
// Sequences shorter than serial-below (decode steps) take a token-serial
// form on the same (batch, head) forall instead: per token, one pass over
// S as linalg ops on [K], [V] and [K, V] tiles (see emitRecurrent), since a
// padded chunk would cost as much as C tokens.
//
//===----------------------------------------------------------------------===//

#include "ChunkedScan.h"
#include "Patterns.h"
#include "TileBuilder.h"

#include "../RecurToLoops/ReferenceBuilder.h"

#include "recur/Dialect/Recur/IR/RecurOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::recur;

namespace {

/// How the decay of a chunk is represented: not at all, one log-gate per
/// row ([C]: the head and scalar gates), or one per row and key ([C, K]).
enum class Decay { None, Row, Key };

/// Sub-chunk size of the key-gate factorization.
constexpr int64_t kSubChunk = 16;

/// The chunk tiles of one (batch, head), f32, padded to C rows.
struct ChunkTiles {
  Value q, k, v;
  Value gate; // [C] or [C, K]; null without decay
  Value beta; // [C]; null without the delta rule
};

/// Emits the math of one chunk (the formulas at the top of this file).
class ChunkEmitter {
public:
  ChunkEmitter(TileBuilder &t, ReferenceBuilder &r, Decay decay, int64_t chunk,
               OpFoldResult keyDim, OpFoldResult valueDim)
      : t(t), r(r), decay(decay), chunk(chunk), keyDim(keyDim),
        valueDim(valueDim) {}

  /// The chunk's output [C, V] (null without `withOutput`) and the state
  /// after it.
  std::pair<Value, Value> emit(const ChunkTiles &tiles, Value state,
                               Value bonus, bool withOutput);
  /// For the additive update, the chunk's action on the state as
  /// S -> P * S + E (elementwise, [K, V]): P = exp(b_last) broadcast over
  /// the rows it decays, E = (K * exp(b_last - b))^T V.
  std::pair<Value, Value> summarize(const ChunkTiles &tiles);

private:
  /// The chunk's output O = (Q * exp(b')) S + A W, from the state entering
  /// it, the cumulative log-decay b (null without decay) and W.
  Value emitOutput(const ChunkTiles &tiles, Value state, Value bonus,
                   Value logDecay, Value values);
  OpFoldResult size(int64_t value) { return t.builder().getIndexAttr(value); }
  OpFoldResult rows() { return size(chunk); }

  Value prefixSum(Value gate, bool inclusive);
  Value pairScores(Value x, Value bx, Value y, Value by, bool strict);
  Value keyPairScores(Value x, Value bx, Value y, Value by, bool strict);
  Value forwardSubstitute(Value lower, Value beta);
  /// x * exp(logDecay), row-wise or elementwise.
  Value decayRows(Value x, Value logDecay);
  /// exp(exponent(b_i)) once per row of the [C] log-decay `b` (the row
  /// decays multiply whole rows: one exp per row, not per element).
  Value rowFactors(Value b, llvm::function_ref<Value(Value)> exponent);
  /// x * exp(last - b): decay from each row to the end of the chunk.
  Value decayToEnd(Value x, Value b, Value last);
  Value decayState(Value state, Value last);
  /// b_last: row C-1 of the cumulative log-gate (a scalar or a [K] row).
  Value lastRow(Value logDecay);
  /// The mask of visible pairs: j <= i, or j < i when strict.
  Value visible(Value i, Value j, bool strict) {
    return strict ? t.less(j, i) : t.lessEqual(j, i);
  }

  TileBuilder &t;
  ReferenceBuilder &r;
  Decay decay;
  int64_t chunk;
  OpFoldResult keyDim, valueDim;
};
} // namespace

Value ChunkEmitter::prefixSum(Value gate, bool inclusive) {
  auto body = [&](unsigned rowDim, unsigned sumDim) {
    return [&, rowDim, sumDim](ValueRange g) {
      Value i = t.loopIndex(rowDim), j = t.loopIndex(sumDim);
      return t.select(visible(i, j, !inclusive), g[0], t.f32(0.0));
    };
  };
  if (decay == Decay::Row)
    return t.sum({rows()}, {gate}, {t.dims(2, {1})}, body(0, 1));
  // Per key: a scan down the chunk's rows, one [K] row added per step (a
  // masked [C, C, K] sum would cost as much as a matmul).
  OpFoldResult zero = t.builder().getIndexAttr(0),
               one = t.builder().getIndexAttr(1);
  AffineMap vector = t.identity(1);
  SmallVector<Value> scanned = r.forEach(
      r.index(chunk), {t.zeros({keyDim}), t.zeros({rows(), keyDim})},
      [&](Value i, ValueRange carried) -> SmallVector<Value> {
        Value row = t.slice(gate, {i, zero}, {one, keyDim}, {0});
        // The running row is updated in place (a loop-carried buffer).
        Value out = carried[1];
        if (!inclusive)
          out = t.insert(carried[0], out, {i, zero});
        Value next = t.update(carried[0], {row}, {vector},
                              [&](ValueRange e) { return t.add(e[1], e[0]); });
        if (inclusive)
          out = t.insert(next, out, {i, zero});
        return {next, out};
      });
  return scanned[1];
}

Value ChunkEmitter::pairScores(Value x, Value bx, Value y, Value by,
                               bool strict) {
  if (decay == Decay::Key)
    return keyPairScores(x, bx, y, by, strict);
  Value products = t.matmulTransposeB(x, y, t.zeros({rows(), rows()}));
  if (decay == Decay::None)
    return t.map({rows(), rows()}, {products}, {t.identity(2)},
                 [&](ValueRange e) {
                   Value mask = visible(t.loopIndex(0), t.loopIndex(1), strict);
                   return t.select(mask, e[0], t.f32(0.0));
                 });
  return t.map(
      {rows(), rows()}, {products, bx, by},
      {t.identity(2), t.dims(2, {0}), t.dims(2, {1})}, [&](ValueRange e) {
        Value mask = visible(t.loopIndex(0), t.loopIndex(1), strict);
        Value exponent = t.select(mask, t.sub(e[1], e[2]), t.f32(0.0));
        return t.select(mask, t.mul(e[0], t.exp(exponent)), t.f32(0.0));
      });
}

Value ChunkEmitter::keyPairScores(Value x, Value bx, Value y, Value by,
                                  bool strict) {
  int64_t sub = chunk % kSubChunk == 0 ? kSubChunk : chunk;
  OpFoldResult zero = size(0);
  Value scores = t.zeros({rows(), rows()});
  return r.forEach(
      r.index(chunk / sub), {scores},
      [&](Value block, ValueRange carried) -> SmallVector<Value> {
        Value start = r.mulIndex(block, r.index(sub));
        Value ref = t.slice(bx, {start, zero}, {size(1), keyDim}, {0});
        Value xBlock = t.slice(x, {start, zero}, {size(sub), keyDim});
        Value bxBlock = t.slice(bx, {start, zero}, {size(sub), keyDim});
        Value yBlock = t.slice(y, {start, zero}, {size(sub), keyDim});
        Value byBlock = t.slice(by, {start, zero}, {size(sub), keyDim});

        // Rows of the block against all earlier rows: a matmul of factors
        // split at the block's first row.
        Value xScaled = t.map({size(sub), keyDim}, {xBlock, bxBlock, ref},
                              {t.identity(2), t.identity(2), t.dims(2, {1})},
                              [&](ValueRange e) {
                                return t.mul(e[0], t.exp(t.sub(e[1], e[2])));
                              });
        Value yScaled = t.map(
            {rows(), keyDim}, {y, by, ref},
            {t.identity(2), t.identity(2), t.dims(2, {1})}, [&](ValueRange e) {
              Value earlier = t.less(t.loopIndex(0), start);
              Value exponent = t.select(earlier, t.sub(e[2], e[1]), t.f32(0.0));
              return t.select(earlier, t.mul(e[0], t.exp(exponent)),
                              t.f32(0.0));
            });
        Value blockRows =
            t.matmulTransposeB(xScaled, yScaled, t.zeros({size(sub), rows()}));

        // The diagonal block, with the exact exponent of each pair.
        Value diagonal = t.sum(
            {size(sub), size(sub)}, {xBlock, bxBlock, yBlock, byBlock},
            {t.dims(3, {0, 2}), t.dims(3, {0, 2}), t.dims(3, {1, 2}),
             t.dims(3, {1, 2})},
            [&](ValueRange e) {
              Value mask = visible(t.loopIndex(0), t.loopIndex(1), strict);
              Value exponent = t.select(mask, t.sub(e[1], e[3]), t.f32(0.0));
              Value term = t.mul(t.mul(e[0], e[2]), t.exp(exponent));
              return t.select(mask, term, t.f32(0.0));
            });
        blockRows = t.insert(diagonal, blockRows, {zero, start});
        return {t.insert(blockRows, carried[0], {start, zero})};
      })[0];
}

Value ChunkEmitter::forwardSubstitute(Value lower, Value beta) {
  // Row i of T = (I + L)^-1 diag(beta):  T_i = beta_i e_i - sum_{j<i} L_ij T_j.
  // Rows not yet solved are zero and L is strictly lower, so the sum may
  // run over all j.
  Value solution = t.zeros({rows(), rows()});
  return r.forEach(
      r.index(chunk), {solution},
      [&](Value i, ValueRange carried) -> SmallVector<Value> {
        Value lowerRow = t.slice(lower, {i, size(0)}, {size(1), rows()}, {0});
        Value combined = t.vecmat(lowerRow, carried[0], t.zeros({rows()}));
        Value betaI = tensor::ExtractOp::create(t.builder(), beta, i);
        Value row =
            t.map({rows()}, {combined}, {t.identity(1)}, [&](ValueRange e) {
              Value diagonal =
                  t.select(t.equal(t.loopIndex(0), i), betaI, t.f32(0.0));
              return t.sub(diagonal, e[0]);
            });
        return {t.insert(row, carried[0], {i, size(0)})};
      })[0];
}

Value ChunkEmitter::rowFactors(Value b,
                               llvm::function_ref<Value(Value)> exponent) {
  return t.map({rows()}, {b}, {t.identity(1)},
               [&](ValueRange e) { return t.exp(exponent(e[0])); });
}

Value ChunkEmitter::decayRows(Value x, Value logDecay) {
  SmallVector<OpFoldResult> shape =
      tensor::getMixedSizes(t.builder(), t.builder().getLoc(), x);
  if (decay == Decay::Row) {
    Value factors = rowFactors(logDecay, [](Value b) { return b; });
    return t.map(shape, {x, factors}, {t.identity(2), t.dims(2, {0})},
                 [&](ValueRange e) { return t.mul(e[0], e[1]); });
  }
  return t.map(shape, {x, logDecay}, {t.identity(2), t.identity(2)},
               [&](ValueRange e) { return t.mul(e[0], t.exp(e[1])); });
}

Value ChunkEmitter::decayToEnd(Value x, Value b, Value last) {
  if (decay == Decay::Row) {
    Value factors =
        rowFactors(b, [&](Value bi) { return t.sub(last, bi); });
    return t.map({rows(), keyDim}, {x, factors},
                 {t.identity(2), t.dims(2, {0})},
                 [&](ValueRange e) { return t.mul(e[0], e[1]); });
  }
  return t.map(
      {rows(), keyDim}, {x, b, last},
      {t.identity(2), t.identity(2), t.dims(2, {1})},
      [&](ValueRange e) { return t.mul(e[0], t.exp(t.sub(e[2], e[1]))); });
}

Value ChunkEmitter::decayState(Value state, Value last) {
  if (decay == Decay::Row) {
    Value factor = t.exp(last); // one scalar exp for the whole state
    return t.update(state, {}, {},
                    [&](ValueRange e) { return t.mul(e[0], factor); });
  }
  return t.update(state, {last}, {t.dims(2, {0})},
                  [&](ValueRange e) { return t.mul(e[1], t.exp(e[0])); });
}

Value ChunkEmitter::lastRow(Value logDecay) {
  Value last = r.index(chunk - 1);
  if (decay == Decay::Row)
    return tensor::ExtractOp::create(t.builder(), logDecay, last);
  return t.slice(logDecay, {last, size(0)}, {size(1), keyDim}, {0});
}

std::pair<Value, Value> ChunkEmitter::summarize(const ChunkTiles &tiles) {
  Value transition, keys = tiles.k;
  if (decay == Decay::None) {
    transition = t.map({keyDim, valueDim}, {}, {},
                       [&](ValueRange) { return t.f32(1.0); });
  } else {
    Value logDecay = prefixSum(tiles.gate, /*inclusive=*/true);
    Value last = lastRow(logDecay);
    keys = decayToEnd(tiles.k, logDecay, last);
    if (decay == Decay::Row) {
      Value factor = t.exp(last);
      transition = t.map({keyDim, valueDim}, {}, {},
                         [&](ValueRange) { return factor; });
    } else {
      transition = t.map({keyDim, valueDim}, {last}, {t.dims(2, {0})},
                         [&](ValueRange e) { return t.exp(e[0]); });
    }
  }
  Value end = t.matmulTransposeA(keys, tiles.v, t.zeros({keyDim, valueDim}));
  return {transition, end};
}

std::pair<Value, Value> ChunkEmitter::emit(const ChunkTiles &tiles, Value state,
                                           Value bonus, bool withOutput) {
  bool hasDecay = decay != Decay::None;
  Value logDecay, lastDecay;
  if (hasDecay) {
    logDecay = prefixSum(tiles.gate, /*inclusive=*/true);
    lastDecay = lastRow(logDecay);
  }

  Value values = tiles.v;
  if (tiles.beta) {
    Value keyScores =
        pairScores(tiles.k, logDecay, tiles.k, logDecay, /*strict=*/true);
    Value lower = t.map({rows(), rows()}, {keyScores, tiles.beta},
                        {t.identity(2), t.dims(2, {0})},
                        [&](ValueRange e) { return t.mul(e[1], e[0]); });
    Value transform = forwardSubstitute(lower, tiles.beta);
    Value u = t.matmul(transform, tiles.v, t.zeros({rows(), valueDim}));
    Value keys = hasDecay ? decayRows(tiles.k, logDecay) : tiles.k;
    Value w = t.matmul(transform, keys, t.zeros({rows(), keyDim}));
    Value correction = t.matmul(w, state, t.zeros({rows(), valueDim}));
    values = t.map({rows(), valueDim}, {u, correction},
                   {t.identity(2), t.identity(2)},
                   [&](ValueRange e) { return t.sub(e[0], e[1]); });
  }

  Value output;
  if (withOutput)
    output = emitOutput(tiles, state, bonus, logDecay, values);

  Value carried = hasDecay ? decayState(state, lastDecay) : state;
  Value keys = hasDecay ? decayToEnd(tiles.k, logDecay, lastDecay) : tiles.k;
  // The chunk's contribution is summed from zero and then added once, so the
  // state's rounding grows with the number of chunks, not of tokens.
  Value contribution =
      t.matmulTransposeA(keys, values, t.zeros({keyDim, valueDim}));
  Value next = t.update(carried, {contribution}, {t.identity(2)},
                        [&](ValueRange e) { return t.add(e[1], e[0]); });
  return {output, next};
}

Value ChunkEmitter::emitOutput(const ChunkTiles &tiles, Value state,
                               Value bonus, Value logDecay, Value values) {
  bool hasDecay = decay != Decay::None;
  Value readDecay = logDecay;
  if (hasDecay && bonus)
    readDecay = prefixSum(tiles.gate, /*inclusive=*/false);
  Value scores = pairScores(tiles.q, readDecay, tiles.k, logDecay,
                            /*strict=*/bonus != nullptr);
  if (bonus) {
    Value current =
        t.sum({rows()}, {tiles.q, tiles.k, bonus},
              {t.dims(2, {0, 1}), t.dims(2, {0, 1}), t.dims(2, {1})},
              [&](ValueRange e) { return t.mul(t.mul(e[0], e[2]), e[1]); });
    scores = t.map({rows(), rows()}, {scores, current},
                   {t.identity(2), t.dims(2, {0})}, [&](ValueRange e) {
                     Value diagonal = t.equal(t.loopIndex(0), t.loopIndex(1));
                     return t.select(diagonal, t.add(e[0], e[1]), e[0]);
                   });
  }
  Value queries = hasDecay ? decayRows(tiles.q, readDecay) : tiles.q;
  Value fromState = t.matmul(queries, state, t.zeros({rows(), valueDim}));
  return t.matmul(scores, values, fromState);
}

namespace {
struct LinearAttentionToChunks : ChunkPattern<LinearAttentionOp> {
  using ChunkPattern::ChunkPattern;

  LogicalResult rewriteChunked(LinearAttentionOp op,
                                PatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    // Short sequences (decode steps) take the token-serial form: a chunk
    // would pad them to chunk-size rows.
    rewriter.replaceOp(
        op, emitBySequenceLength(
                b, op, op.getQ(), options.serialBelow, [&](bool isShort) {
                  if (isShort)
                    return emitRecurrent(op, b);
                  return options.linearAttentionForm ==
                                 LinearAttentionForm::Recurrent
                             ? emitBlockedRecurrent(op, b)
                             : emitChunked(op, b);
                }));
    return success();
  }

private:
  /// One (batch, head) of the op inside the scf.forall that `emitPerHead`
  /// builds: its output rows [T, V], its state [K, V] (from the state
  /// destination: the initial state), the head's gate for the head gate kind
  /// and its bonus row, f32.
  struct Head {
    Value batch, head, output, state, headGate, bonus;
    Value time;                    // T
    OpFoldResult keyDim, valueDim; // K, V
  };
  /// Computes a head's {output rows, final state}.
  using HeadBody = llvm::function_ref<std::pair<Value, Value>(const Head &)>;

  /// An scf.forall over (batch, head) running `body` on each. Without
  /// `withOutput` the heads have no output rows (`body` returns none) and
  /// the op's output is its destination, untouched: nothing reads it.
  SmallVector<Value> emitPerHead(LinearAttentionOp op, TileBuilder &t,
                                 HeadBody body, bool withOutput = true) const {
    ImplicitLocOpBuilder &b = t.builder();
    ReferenceBuilder r(b);
    Location loc = op.getLoc();
    Value batch = r.dim(op.getQ(), 0), time = r.dim(op.getQ(), 1),
          heads = r.dim(op.getQ(), 2);
    OpFoldResult keyDim = tensor::getMixedSize(b, loc, op.getQ(), 3);
    OpFoldResult valueDim = tensor::getMixedSize(b, loc, op.getV(), 3);
    OpFoldResult timeSize = getAsOpFoldResult(time);

    OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
    SmallVector<Value> destinations = {op.getState()};
    if (withOutput)
      destinations.insert(destinations.begin(), op.getOInit());
    SmallVector<Value> results = t.forall(
        {getAsOpFoldResult(batch), getAsOpFoldResult(heads)}, destinations,
        [&](ValueRange ivs, ValueRange shared) -> SmallVector<ParallelTile> {
          Head head;
          head.batch = ivs[0];
          head.head = ivs[1];
          head.time = time;
          head.keyDim = keyDim;
          head.valueDim = valueDim;
          SmallVector<OpFoldResult> outputOffsets = {head.batch, zero,
                                                     head.head, zero};
          SmallVector<OpFoldResult> stateOffsets = {head.batch, head.head, zero,
                                                    zero};
          SmallVector<OpFoldResult> outputSizes = {one, timeSize, one,
                                                   valueDim};
          SmallVector<OpFoldResult> stateSizes = {one, one, keyDim, valueDim};
          if (withOutput)
            head.output =
                t.slice(shared[0], outputOffsets, outputSizes, {0, 2});
          head.state =
              t.slice(shared.back(), stateOffsets, stateSizes, {0, 1});
          if (op.getGateKind() == GateKind::head)
            head.headGate =
                t.widen(tensor::ExtractOp::create(b, op.getG(), head.head));
          if (op.getBonus())
            head.bonus = t.map(
                {keyDim},
                {t.slice(op.getBonus(), {head.head, zero}, {one, keyDim}, {0})},
                {t.identity(1)}, [&](ValueRange e) { return t.widen(e[0]); });
          auto [output, state] = body(head);
          SmallVector<ParallelTile> tiles = {
              {state, stateOffsets, stateSizes}};
          if (withOutput)
            tiles.insert(tiles.begin(), {output, outputOffsets, outputSizes});
          return tiles;
        });
    if (!withOutput)
      results.insert(results.begin(), op.getOInit());
    return results;
  }

  /// The chunked form of `op`, built at `b`'s insertion point.
  SmallVector<Value> emitChunked(LinearAttentionOp op,
                                 ImplicitLocOpBuilder &b) const {
    ReferenceBuilder r(b);
    TileBuilder t(b);
    t.setOperandPrecision(
        cast<RankedTensorType>(op.getQ().getType()).getElementType());
    GateKind gateKind = op.getGateKind();
    Decay decay = gateKind == GateKind::none  ? Decay::None
                  : gateKind == GateKind::key ? Decay::Key
                                              : Decay::Row;
    // Where nothing reads the output (the parts' end states of
    // --recur-split-sequences), the chunks update the state only.
    bool withOutput = !op.getO().use_empty();
    return emitPerHead(op, t, [&](const Head &head) {
      ChunkEmitter emitter(t, r, decay, options.chunkSize, head.keyDim,
                           head.valueDim);
      auto run = [&](Value start, Value rows, Value state, ValueRange outputs,
                     Value origin) -> SmallVector<Value> {
        ChunkTiles tiles = loadChunk(op, t, {head.batch, start, head.head},
                                     rows, head.headGate);
        auto [output, next] = emitter.emit(tiles, state, head.bonus,
                                           withOutput);
        if (!withOutput)
          return {next};
        return {next, t.storeRows(output, outputs[0], r.subIndex(start, origin),
                                  rows)};
      };
      auto summarize = [&](Value start, Value rows) {
        return emitter.summarize(loadChunk(
            op, t, {head.batch, start, head.head}, rows, head.headGate));
      };
      // The delta rule's chunk transition is a [K, K] matrix, not an
      // elementwise one: its state pass stays sequential.
      StatePass pass =
          op.isDeltaRule() ? StatePass::Sequential : options.statePass;
      // A local state: the chunk loop updates a tile of its own (a GPU
      // block's shared memory), which goes to the state's buffer once.
      Value state = options.localState && pass == StatePass::Sequential
                        ? t.copyToNewTile(head.state)
                        : head.state;
      SmallVector<Value> outputs;
      if (withOutput)
        outputs.push_back(head.output);
      SmallVector<Value> scanned =
          emitChunkedScan(t, r, {run, summarize}, head.time, options.chunkSize,
                          /*reverse=*/false, pass, state, outputs);
      return std::pair(withOutput ? scanned[1] : Value(), scanned[0]);
    }, withOutput);
  }

  /// One token's inputs to the token-serial form, f32: q (scaled), k and v
  /// rows, the key gate row [K] or the scalar gate, and beta.
  struct Token {
    Value q, k, v, keyGate, scalarGate, beta;
  };

  /// One step of the token-serial form, one pass over the [K, V] state:
  ///   S = diag(exp(g_t)) S;  w = beta (v_t - S^T k_t)  or  v_t;
  ///   S += k_t w^T;  o_t = S^T q_t
  /// (with the bonus, o_t is read before the update and adds the current
  /// token's (q . (bonus * k)) v_t). Returns {state, o_t (f32 [V])}.
  std::pair<Value, Value> emitStep(LinearAttentionOp op, TileBuilder &t,
                                   const Head &head, const Token &token,
                                   Value state) const {
    ImplicitLocOpBuilder &b = t.builder();
    OpFoldResult keyDim = head.keyDim, valueDim = head.valueDim;
    AffineMap vector = t.identity(1), rows = t.dims(2, {0}),
              columns = t.dims(2, {1});
    GateKind gateKind = op.getGateKind();
    // The decay: exp of the key gate row [K], or of the token's (head's)
    // scalar gate.
    Value keyDecay, rowDecay;
    if (gateKind == GateKind::key)
      keyDecay = t.map({keyDim}, {token.keyGate}, {vector},
                       [&](ValueRange e) { return t.exp(e[0]); });
    else if (gateKind != GateKind::none)
      rowDecay = t.exp(gateKind == GateKind::head ? head.headGate
                                                  : token.scalarGate);
    Value written = token.v;
    if (op.isDeltaRule()) {
      // (diag(d) S)^T k = S^T (d * k): the decayed state is never formed.
      Value keys = token.k;
      if (keyDecay)
        keys = t.map({keyDim}, {token.k, keyDecay}, {vector, vector},
                     [&](ValueRange e) { return t.mul(e[0], e[1]); });
      else if (rowDecay)
        keys = t.map({keyDim}, {token.k}, {vector},
                     [&](ValueRange e) { return t.mul(e[0], rowDecay); });
      Value read = t.vecmat(keys, state, t.zeros({valueDim}));
      written = t.map({valueDim}, {token.v, read}, {vector, vector},
                      [&](ValueRange e) {
                        return t.mul(token.beta, t.sub(e[0], e[1]));
                      });
    }
    // One pass over the state decays it, adds k w^T and reads q^T S (the
    // state after the update, or before it with the bonus).
    SmallVector<Value> inputs = {token.k, written};
    SmallVector<AffineMap> maps = {rows, columns};
    if (keyDecay) {
      inputs.push_back(keyDecay);
      maps.push_back(rows);
    }
    auto [next, read] = t.updateAndRead(
        state, inputs, maps, token.q, /*readOld=*/head.bonus != nullptr,
        [&](ValueRange e) {
          Value old = e.back();
          if (keyDecay)
            old = t.mul(old, e[2]);
          else if (rowDecay)
            old = t.mul(old, rowDecay);
          return t.add(old, t.mul(e[0], e[1]));
        });
    if (!head.bonus)
      return {next, read};
    Value current =
        t.sum({}, {token.q, token.k, head.bonus},
              {t.dims(1, {0}), t.dims(1, {0}), t.dims(1, {0})},
              [&](ValueRange e) { return t.mul(t.mul(e[0], e[2]), e[1]); });
    Value weight = tensor::ExtractOp::create(b, current, ValueRange{});
    Value output =
        t.map({valueDim}, {read, token.v}, {vector, vector},
              [&](ValueRange e) { return t.add(e[0], t.mul(weight, e[1])); });
    return {next, output};
  }

  /// The token-serial form of `op` for short sequences (decode steps): each
  /// token read where it is, no tiles to fill.
  SmallVector<Value> emitRecurrent(LinearAttentionOp op,
                                   ImplicitLocOpBuilder &b) const {
    ReferenceBuilder r(b);
    TileBuilder t(b);
    OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
    Type outputType =
        cast<RankedTensorType>(op.getO().getType()).getElementType();
    return emitPerHead(op, t, [&](const Head &head) {
      // Token `step` of a [B, T, H, N] operand, as an f32 [N] vector.
      auto row = [&](Value source, OpFoldResult width, Value step,
                     Value scale = Value()) {
        Value raw = t.slice(source, {head.batch, step, head.head, zero},
                            {one, one, one, width}, {0, 1, 2});
        return t.map({width}, {raw}, {t.identity(1)}, [&](ValueRange e) {
          Value x = t.widen(e[0]);
          return scale ? t.mul(x, scale) : x;
        });
      };
      // Element `step` of a [B, T, H] operand, in f32.
      auto scalar = [&](Value source, Value step) {
        return t.widen(tensor::ExtractOp::create(
            b, source, ValueRange{head.batch, step, head.head}));
      };
      Value scale = t.f32(op.getScaleOrDefault());
      GateKind gateKind = op.getGateKind();
      SmallVector<Value> swept = r.forEach(
          head.time, {head.state, head.output},
          [&](Value step, ValueRange carried) -> SmallVector<Value> {
            Token token;
            token.q = row(op.getQ(), head.keyDim, step, scale);
            token.k = row(op.getK(), head.keyDim, step);
            token.v = row(op.getV(), head.valueDim, step);
            if (gateKind == GateKind::key)
              token.keyGate = row(op.getG(), head.keyDim, step);
            else if (gateKind == GateKind::scalar)
              token.scalarGate = scalar(op.getG(), step);
            if (op.isDeltaRule())
              token.beta = scalar(op.getBeta(), step);
            auto [state, output] = emitStep(op, t, head, token, carried[0]);
            Value stored = t.narrow(output, outputType);
            return {state, t.insert(stored, carried[1], {step, zero})};
          });
      return std::pair(swept[1], swept[0]);
    });
  }

  /// The token-serial form of `op` for long sequences: the same steps over
  /// chunk tiles (loadChunk), so that each chunk's rows are read from
  /// memory together, contiguous and in f32, before the steps run.
  SmallVector<Value> emitBlockedRecurrent(LinearAttentionOp op,
                                          ImplicitLocOpBuilder &b) const {
    ReferenceBuilder r(b);
    TileBuilder t(b);
    OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
    OpFoldResult chunkRows = b.getIndexAttr(options.chunkSize);
    GateKind gateKind = op.getGateKind();
    return emitPerHead(op, t, [&](const Head &head) {
      auto run = [&](Value start, Value rows, Value state, ValueRange outputs,
                     Value origin) -> SmallVector<Value> {
        ChunkTiles tiles = loadChunk(op, t, {head.batch, start, head.head},
                                     rows, head.headGate);
        auto row = [&](Value tile, OpFoldResult width, Value step) {
          return t.slice(tile, {step, zero}, {one, width}, {0});
        };
        auto element = [&](Value tile, Value step) {
          return tensor::ExtractOp::create(b, tile, ValueRange{step});
        };
        SmallVector<Value> swept = r.forEach(
            rows, {state, t.zeros({chunkRows, head.valueDim})},
            [&](Value step, ValueRange carried) -> SmallVector<Value> {
              Token token;
              token.q = row(tiles.q, head.keyDim, step);
              token.k = row(tiles.k, head.keyDim, step);
              token.v = row(tiles.v, head.valueDim, step);
              if (gateKind == GateKind::key)
                token.keyGate = row(tiles.gate, head.keyDim, step);
              else if (gateKind == GateKind::scalar)
                token.scalarGate = element(tiles.gate, step);
              if (op.isDeltaRule())
                token.beta = element(tiles.beta, step);
              auto [next, output] = emitStep(op, t, head, token, carried[0]);
              return {next, t.insert(output, carried[1], {step, zero})};
            });
        return {swept[0], t.storeRows(swept[1], outputs[0],
                                      r.subIndex(start, origin), rows)};
      };
      SmallVector<Value> scanned = emitChunkedScan(
          t, r, {run, /*summarize=*/nullptr}, head.time, options.chunkSize,
          /*reverse=*/false, StatePass::Sequential, head.state, {head.output});
      return std::pair(scanned[1], scanned[0]);
    });
  }

  /// Loads one chunk's tiles of the head at `offsets` (batch, first token,
  /// head): f32, padded to the chunk, q multiplied by the scale.
  ChunkTiles loadChunk(LinearAttentionOp op, TileBuilder &t,
                       ArrayRef<Value> offsets, Value rows,
                       Value headGate) const {
    ImplicitLocOpBuilder &b = t.builder();
    OpFoldResult keyDim = tensor::getMixedSize(b, b.getLoc(), op.getQ(), 3);
    OpFoldResult chunkRows = b.getIndexAttr(options.chunkSize);
    auto load = [&](Value source, bool perKey) {
      SmallVector<OpFoldResult> tileOffsets = getAsOpFoldResult(offsets);
      if (perKey)
        tileOffsets.push_back(b.getIndexAttr(0));
      return t.loadRows(source, tileOffsets, rows, options.chunkSize, perKey);
    };
    ChunkTiles tiles;
    Value scale = t.f32(op.getScaleOrDefault());
    tiles.q =
        t.map({chunkRows, keyDim}, {load(op.getQ(), true)}, {t.identity(2)},
              [&](ValueRange e) { return t.mul(e[0], scale); });
    tiles.k = load(op.getK(), true);
    tiles.v = load(op.getV(), true);
    GateKind gateKind = op.getGateKind();
    if (gateKind == GateKind::key)
      tiles.gate = load(op.getG(), true);
    else if (gateKind == GateKind::scalar)
      tiles.gate = load(op.getG(), false);
    else if (gateKind == GateKind::head)
      tiles.gate = t.map({chunkRows}, {}, {}, [&](ValueRange) {
        return t.select(t.less(t.loopIndex(0), rows), headGate, t.f32(0.0));
      });
    if (op.isDeltaRule())
      tiles.beta = load(op.getBeta(), false);
    return tiles;
  }
};
} // namespace

void mlir::recur::populateLinearAttentionToChunksPattern(
    RewritePatternSet &patterns, ChunkConfig options) {
  patterns.add<LinearAttentionToChunks>(patterns.getContext(), options);
}
