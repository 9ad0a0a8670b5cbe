//===- SplitSequences.cpp - Linear attention's sequences in parts ---------===//
//
// A linear attention whose recur.chunk_config has `sequence_splits = P`
// becomes three steps on sequences of T/P tokens, each part of a sequence
// a sequence of its own (a reshape of [B, T, ...] into [B*P, T/P, ...]: no
// copy), so that the chunked forms have P times more independent
// sequences to spread over a GPU's blocks when B x H alone cannot fill it:
//
//   1. ends:     every part's end state from a zero state (a linear
//                attention whose output nothing reads: its chunks update
//                the state only), E_p.
//   2. combine:  the state entering each part, one part after the other
//                (P - 1 steps, each parallel over the state):
//                S_0 = the initial state, S_{p+1} = A_p(S_p) + E_p
//                (the last part's A and E are not needed).
//   3. outputs:  every part's outputs from its entering state S_p (the
//                same linear attention with S_p as its initial state).
//
// The final state is S_P, the last part's end state in step 3. A part acts on the state entering it as
// S -> A_p(S) + E_p, with A_p linear:
//
//   additive:  A_p(S) = diag(exp(G_p)) S,  G_p the sum of the part's
//              log-gates (per key for the key gate; T/P * g_h for the head
//              gate; no decay without a gate)
//   delta:     A_p(S) = M_p S,  M_p [K, K] = the part's end state from the
//              identity with zero values (each column of the state evolves
//              as s -> (I - beta k k^T) diag(exp(g)) s + beta k v_j: zero
//              values leave the linear part), a fourth linear attention.
//
// Steps 1 and 3 do the state's work twice and step 1 the delta rule's
// [K, K] transitions besides; the GPU policy splits only where the blocks
// would otherwise leave the GPU idle (lib/Codegen/GPU/ChunkPolicy.cpp).
//
//===----------------------------------------------------------------------===//

#include "recur/Conversion/RecurToChunks/ChunkConfig.h"
#include "recur/Conversion/RecurToChunks/RecurToChunks.h"

#include "recur/Dialect/Recur/IR/RecurOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir {
namespace recur {
#define GEN_PASS_DEF_RECURSPLITSEQUENCES
#include "recur/Conversion/Passes.h.inc"
} // namespace recur
} // namespace mlir

using namespace mlir;
using namespace mlir::recur;

namespace {
/// Builds the split form of one linear attention at `b`'s insertion point.
class SequenceSplitter {
public:
  SequenceSplitter(LinearAttentionOp op, const ChunkConfig &config,
                   ImplicitLocOpBuilder &b)
      : op(op), partConfig(config), b(b), parts(config.sequenceSplits),
        partLength(cast<RankedTensorType>(op.getQ().getType()).getDimSize(1) /
                   parts) {
    partConfig.sequenceSplits = 0;
  }

  /// {output, final state} of the split form.
  std::pair<Value, Value> emit();

private:
  /// [B, T, r...] as [B, P, T/P, r...].
  Value splitTime(Value x);
  /// [B, T, r...] as [B*P, T/P, r...].
  Value toParts(Value x) { return collapseParts(splitTime(x)); }
  /// [B*P, T/P, r...] as [B, T, r...].
  Value fromParts(Value x);
  /// [B, P, r...] as [B*P, r...], and back.
  Value collapseParts(Value x);
  Value expandParts(Value x);
  /// An empty [B, P, r...] tensor.
  Value emptyParts(ArrayRef<OpFoldResult> rest, Type elementType);
  /// `x` filled with `value`.
  Value fill(Value x, double value);
  /// A linear attention over the parts with values `values`, output
  /// destination `outputs` and initial state `state`, configured with
  /// `partConfig` (or `own` when given).
  LinearAttentionOp partAttention(Value values, Value outputs, Value state,
                                  const ChunkConfig *own = nullptr);
  /// The sum of each part's log-gates: [B, P, H] (scalar gate) or
  /// [B, P, H, K] (key gate), f32.
  Value partGateSums();
  /// M_p: each part's transition of the delta rule, [B, P, H, K, K].
  Value deltaTransitions();
  /// One step of the combine, A_p(S) + E_p into `destination`, with
  /// `ends` the E_p and `decay` the sums of the log-gates or the
  /// transitions, [B, P, ...] stacks of which it reads part `part`.
  Value combineStep(Value state, Value ends, Value decay, OpFoldResult part,
                    Value destination);
  /// The slice of part `p` of a [B, P, r...] tensor: [B, r...].
  Value partSlice(Value x, OpFoldResult part);
  /// `source` [B, r...] inserted as part `p` of `x` [B, P, r...].
  Value insertPart(Value source, Value x, OpFoldResult part);

  OpFoldResult batch() {
    return tensor::getMixedSize(b, b.getLoc(), op.getQ(), 0);
  }
  OpFoldResult size(Value x, unsigned dim) {
    return tensor::getMixedSize(b, b.getLoc(), x, dim);
  }

  LinearAttentionOp op;
  /// The op's configuration without sequence_splits: the parts'.
  ChunkConfig partConfig;
  /// The inputs every part's linear attention reads, as parts (emit sets
  /// them): q, k, the gate (the head gate as it is) and beta.
  struct {
    Value q, k, g, beta;
  } inputs;
  ImplicitLocOpBuilder &b;
  int64_t parts, partLength;
};
} // namespace

/// `x` in f32 (a gate of another float type, widened).
static Value widen(ImplicitLocOpBuilder &b, Value x) {
  return x.getType().isF32() ? x
                             : arith::ExtFOp::create(b, b.getF32Type(), x)
                                   .getResult();
}

/// Reassociation of a rank-`rank` shape whose dims `first` and `first + 1`
/// merge.
static SmallVector<ReassociationIndices> mergeAt(int64_t rank, int64_t first) {
  SmallVector<ReassociationIndices> groups;
  for (int64_t dim = 0; dim < rank; ++dim) {
    if (dim == first + 1)
      continue;
    if (dim == first)
      groups.push_back({dim, dim + 1});
    else
      groups.push_back({dim});
  }
  return groups;
}

Value SequenceSplitter::splitTime(Value x) {
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<OpFoldResult> split = tensor::getMixedSizes(b, b.getLoc(), x);
  split[1] = b.getIndexAttr(partLength);
  split.insert(split.begin() + 1, b.getIndexAttr(parts));
  SmallVector<int64_t> shape(type.getShape());
  shape[1] = partLength;
  shape.insert(shape.begin() + 1, parts);
  return tensor::ExpandShapeOp::create(b, type.clone(shape), x,
                                       mergeAt(shape.size(), 1), split);
}

Value SequenceSplitter::fromParts(Value x) {
  Value expanded = expandParts(x);
  return tensor::CollapseShapeOp::create(
      b, expanded,
      mergeAt(cast<RankedTensorType>(expanded.getType()).getRank(), 1));
}

Value SequenceSplitter::collapseParts(Value x) {
  return tensor::CollapseShapeOp::create(
      b, x, mergeAt(cast<RankedTensorType>(x.getType()).getRank(), 0));
}

Value SequenceSplitter::expandParts(Value x) {
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<OpFoldResult> split = tensor::getMixedSizes(b, b.getLoc(), x);
  split[0] = batch();
  split.insert(split.begin() + 1, b.getIndexAttr(parts));
  SmallVector<int64_t> shape(type.getShape());
  shape[0] = cast<RankedTensorType>(op.getQ().getType()).getDimSize(0);
  shape.insert(shape.begin() + 1, parts);
  return tensor::ExpandShapeOp::create(b, type.clone(shape), x,
                                       mergeAt(shape.size(), 0), split);
}

Value SequenceSplitter::emptyParts(ArrayRef<OpFoldResult> rest,
                                   Type elementType) {
  SmallVector<OpFoldResult> shape = {batch(), b.getIndexAttr(parts)};
  shape.append(rest.begin(), rest.end());
  return tensor::EmptyOp::create(b, shape, elementType);
}

Value SequenceSplitter::fill(Value x, double value) {
  auto type = cast<RankedTensorType>(x.getType());
  Value scalar = arith::ConstantOp::create(
      b, b.getFloatAttr(type.getElementType(), value));
  return linalg::FillOp::create(b, scalar, x).getResult(0);
}

LinearAttentionOp SequenceSplitter::partAttention(Value values, Value outputs,
                                                  Value state,
                                                  const ChunkConfig *own) {
  auto part = LinearAttentionOp::create(
      b, inputs.q, inputs.k, values, inputs.g, inputs.beta, op.getBonus(),
      outputs, state, op.getGateKindAttr(), op.getScaleAttr());
  part->setAttr(ChunkConfig::attrName,
                (own ? *own : partConfig).toAttr(b.getContext()));
  return part;
}

Value SequenceSplitter::partGateSums() {
  Value gates = op.getG();
  auto type = cast<RankedTensorType>(gates.getType());
  bool perKey = op.getGateKind() == GateKind::key;
  // g as [B, P, T/P, H(, K)], summed over T/P.
  Value split = splitTime(gates);
  SmallVector<OpFoldResult> sizes = {size(gates, 2)};
  if (perKey)
    sizes.push_back(size(gates, 3));
  Value sums = fill(emptyParts(sizes, b.getF32Type()), 0.0);
  int64_t rank = type.getRank() + 1;
  SmallVector<AffineExpr> summed;
  for (int64_t dim = 0; dim < rank; ++dim)
    if (dim != 2)
      summed.push_back(b.getAffineDimExpr(dim));
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  iterators[2] = utils::IteratorType::reduction;
  SmallVector<AffineMap> maps = {
      b.getMultiDimIdentityMap(rank),
      AffineMap::get(rank, 0, summed, b.getContext())};
  return linalg::GenericOp::create(
             b, sums.getType(), split, sums, maps, iterators,
             [&](OpBuilder &nested, Location loc, ValueRange e) {
               ImplicitLocOpBuilder in(loc, nested);
               linalg::YieldOp::create(
                   in, arith::AddFOp::create(in, e[1], widen(in, e[0]))
                           .getResult());
             })
      .getResult(0);
}

Value SequenceSplitter::deltaTransitions() {
  auto values = cast<RankedTensorType>(op.getV().getType());
  OpFoldResult heads = size(op.getQ(), 2),
               keys = size(op.getQ(), 3);
  // Zero values, the identity as the state; nothing reads the outputs.
  Value zeros = collapseParts(fill(
      emptyParts({b.getIndexAttr(partLength), heads, keys},
                 values.getElementType()),
      0.0));
  Value scratch = collapseParts(emptyParts(
      {b.getIndexAttr(partLength), heads, keys}, values.getElementType()));
  Value identity = emptyParts({heads, keys, keys}, b.getF32Type());
  identity =
      linalg::GenericOp::create(
          b, identity.getType(), ValueRange{}, identity,
          SmallVector<AffineMap>{b.getMultiDimIdentityMap(5)},
          SmallVector<utils::IteratorType>(5, utils::IteratorType::parallel),
          [&](OpBuilder &nested, Location loc, ValueRange) {
            ImplicitLocOpBuilder in(loc, nested);
            Value diagonal = arith::CmpIOp::create(
                in, arith::CmpIPredicate::eq, linalg::IndexOp::create(in, 3),
                linalg::IndexOp::create(in, 4));
            Value one = arith::ConstantOp::create(in, in.getF32FloatAttr(1.0));
            Value zero = arith::ConstantOp::create(in, in.getF32FloatAttr(0.0));
            linalg::YieldOp::create(
                in, arith::SelectOp::create(in, diagonal, one, zero)
                        .getResult());
          })
          .getResult(0);
  // The value block (a divisor of V) becomes the widest divisor of K up to
  // it: the transitions' "values" are K columns.
  ChunkConfig transitionConfig = partConfig;
  if (transitionConfig.valueBlock != 0) {
    int64_t keyDim =
        cast<RankedTensorType>(op.getQ().getType()).getDimSize(3);
    int64_t block = std::min(transitionConfig.valueBlock, keyDim);
    while (keyDim % block != 0)
      --block;
    transitionConfig.valueBlock = block;
  }
  LinearAttentionOp transitions = partAttention(
      zeros, scratch, collapseParts(identity), &transitionConfig);
  return expandParts(transitions.getFinalState());
}

Value SequenceSplitter::partSlice(Value x, OpFoldResult part) {
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, b.getLoc(), x);
  SmallVector<OpFoldResult> offsets(sizes.size(), b.getIndexAttr(0));
  SmallVector<OpFoldResult> strides(sizes.size(), b.getIndexAttr(1));
  offsets[1] = part;
  sizes[1] = b.getIndexAttr(1);
  SmallVector<int64_t> shape(type.getShape());
  shape.erase(shape.begin() + 1);
  return tensor::ExtractSliceOp::create(b, type.clone(shape), x, offsets,
                                        sizes, strides);
}

Value SequenceSplitter::insertPart(Value source, Value x,
                                   OpFoldResult part) {
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, b.getLoc(), x);
  SmallVector<OpFoldResult> offsets(sizes.size(), b.getIndexAttr(0));
  SmallVector<OpFoldResult> strides(sizes.size(), b.getIndexAttr(1));
  offsets[1] = part;
  sizes[1] = b.getIndexAttr(1);
  return tensor::InsertSliceOp::create(b, source, x, offsets, sizes, strides);
}

Value SequenceSplitter::combineStep(Value state, Value ends, Value decay,
                                    OpFoldResult part, Value destination) {
  MLIRContext *context = b.getContext();
  auto dims = [&](unsigned count, ArrayRef<unsigned> which) {
    SmallVector<AffineExpr> exprs;
    for (unsigned dim : which)
      exprs.push_back(getAffineDimExpr(dim, context));
    return AffineMap::get(count, 0, exprs, context);
  };
  Value end = partSlice(ends, part);
  if (op.isDeltaRule()) {
    // E_p + M_p S over (b, h, i, j, m): sum_m M[b, h, i, m] S[b, h, m, j].
    Value sum = linalg::CopyOp::create(b, end, destination).getResult(0);
    SmallVector<utils::IteratorType> iterators(5,
                                               utils::IteratorType::parallel);
    iterators[4] = utils::IteratorType::reduction;
    return linalg::GenericOp::create(
               b, sum.getType(), ValueRange{partSlice(decay, part), state}, sum,
               SmallVector<AffineMap>{dims(5, {0, 1, 2, 4}),
                                      dims(5, {0, 1, 4, 3}),
                                      dims(5, {0, 1, 2, 3})},
               iterators,
               [&](OpBuilder &nested, Location loc, ValueRange e) {
                 ImplicitLocOpBuilder in(loc, nested);
                 Value product = arith::MulFOp::create(in, e[0], e[1]);
                 linalg::YieldOp::create(
                     in, arith::AddFOp::create(in, e[2], product).getResult());
               })
        .getResult(0);
  }
  // E_p + exp(G_p) S, G_p per (b, h), per (b, h, k), or T/P g_h.
  SmallVector<Value> inputs = {state, end};
  SmallVector<AffineMap> maps = {b.getMultiDimIdentityMap(4),
                                 b.getMultiDimIdentityMap(4)};
  GateKind kind = op.getGateKind();
  if (kind == GateKind::head) {
    inputs.push_back(op.getG());
    maps.push_back(dims(4, {1}));
  } else if (kind != GateKind::none) {
    inputs.push_back(partSlice(decay, part));
    maps.push_back(kind == GateKind::key ? dims(4, {0, 1, 2}) : dims(4, {0, 1}));
  }
  maps.push_back(b.getMultiDimIdentityMap(4));
  return linalg::GenericOp::create(
             b, destination.getType(), inputs, destination, maps,
             SmallVector<utils::IteratorType>(4, utils::IteratorType::parallel),
             [&](OpBuilder &nested, Location loc, ValueRange e) {
               ImplicitLocOpBuilder in(loc, nested);
               Value carried = e[0];
               if (kind != GateKind::none) {
                 Value logDecay = widen(in, e[2]);
                 if (kind == GateKind::head)
                   logDecay = arith::MulFOp::create(
                       in, logDecay,
                       arith::ConstantOp::create(
                           in, in.getF32FloatAttr(partLength)));
                 carried = arith::MulFOp::create(
                     in, carried, math::ExpOp::create(in, logDecay));
               }
               linalg::YieldOp::create(
                   in, arith::AddFOp::create(in, carried, e[1]).getResult());
             })
      .getResult(0);
}

std::pair<Value, Value> SequenceSplitter::emit() {
  auto values = cast<RankedTensorType>(op.getV().getType());
  OpFoldResult heads = size(op.getQ(), 2),
               keys = size(op.getQ(), 3),
               valueDim = size(op.getV(), 3);
  inputs.q = toParts(op.getQ());
  inputs.k = toParts(op.getK());
  inputs.g = op.getG();
  if (inputs.g && op.getGateKind() != GateKind::head)
    inputs.g = toParts(inputs.g);
  if (op.getBeta())
    inputs.beta = toParts(op.getBeta());
  Value partValues = toParts(op.getV());

  // 1. Every part's end state from zero, and its decay.
  Value zeroState = collapseParts(
      fill(emptyParts({heads, keys, valueDim}, b.getF32Type()), 0.0));
  Value scratch = collapseParts(emptyParts(
      {b.getIndexAttr(partLength), heads, valueDim}, values.getElementType()));
  Value ends = expandParts(
      partAttention(partValues, scratch, zeroState).getFinalState());
  Value decay;
  if (op.isDeltaRule())
    decay = deltaTransitions();
  else if (op.getGateKind() == GateKind::scalar ||
           op.getGateKind() == GateKind::key)
    decay = partGateSums();

  // 2. The state entering each part, computed in its slice of the stack of
  // entering states, one step per part: straight-line steps, each
  // parallel over the state (a GPU launch of its own), rather than a loop
  // whose body one GPU thread would run.
  Value entering = insertPart(
      op.getState(), emptyParts({heads, keys, valueDim}, b.getF32Type()),
      b.getIndexAttr(0));
  for (int64_t part = 1; part < parts; ++part) {
    Value next = combineStep(partSlice(entering, b.getIndexAttr(part - 1)),
                             ends, decay, b.getIndexAttr(part - 1),
                             partSlice(entering, b.getIndexAttr(part)));
    entering = insertPart(next, entering, b.getIndexAttr(part));
  }

  // 3. Every part's outputs from its entering state.
  LinearAttentionOp outputs =
      partAttention(partValues, toParts(op.getOInit()),
                    collapseParts(entering));
  // The final state: the last part's end state. (Its buffer is the state
  // each part's chunks update in place; were it unread, every block would
  // update a copy of its own.)
  Value finalState = partSlice(expandParts(outputs.getFinalState()),
                               b.getIndexAttr(parts - 1));
  return {fromParts(outputs.getO()), finalState};
}

/// Checks that `op`'s `sequence_splits` can be applied: linear attention
/// with a static sequence length it divides.
static LogicalResult checkSplit(Operation *op, const ChunkConfig &config) {
  auto linear = dyn_cast<LinearAttentionOp>(op);
  if (!linear)
    return op->emitOpError() << ChunkConfig::attrName
                             << ": sequence_splits applies to linear "
                                "attention only";
  auto q = cast<RankedTensorType>(linear.getQ().getType());
  int64_t length = q.getDimSize(1);
  if (ShapedType::isDynamic(length) || length % config.sequenceSplits != 0)
    return op->emitOpError()
           << ChunkConfig::attrName << ": sequence_splits ("
           << config.sequenceSplits
           << ") must divide the static sequence length T ("
           << (ShapedType::isDynamic(length) ? std::string("?")
                                             : std::to_string(length))
           << ")";
  if (linear.isDeltaRule() && config.valueBlock != 0 && q.isDynamicDim(3))
    return op->emitOpError() << ChunkConfig::attrName
                             << ": sequence_splits with the delta rule and a "
                                "value_block needs a static K";
  return success();
}

namespace {
struct RecurSplitSequences
    : recur::impl::RecurSplitSequencesBase<RecurSplitSequences> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<std::pair<Operation *, ChunkConfig>> splits;
    WalkResult result = getOperation()->walk([&](Operation *op) {
      if (!op->hasAttr(ChunkConfig::attrName))
        return WalkResult::advance();
      FailureOr<ChunkConfig> config = ChunkConfig::fromOp(op);
      if (failed(config))
        return WalkResult::interrupt();
      if (config->sequenceSplits <= 1)
        return WalkResult::advance();
      if (failed(checkSplit(op, *config)))
        return WalkResult::interrupt();
      splits.push_back({op, *config});
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      return signalPassFailure();
    IRRewriter rewriter(&getContext());
    for (auto [op, config] : splits) {
      rewriter.setInsertionPoint(op);
      ImplicitLocOpBuilder b(op->getLoc(), rewriter);
      SequenceSplitter splitter(cast<LinearAttentionOp>(op), config, b);
      auto [output, state] = splitter.emit();
      rewriter.replaceOp(op, {output, state});
    }
  }
};
} // namespace
