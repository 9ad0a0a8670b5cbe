//===- CopyReadOnlyInits.cpp - Explicit copies of read-only destinations --===//
//
// An op that writes its destination in place (a DPS init, an scf.forall's
// shared output) whose destination is a function's read-only input (a
// `bufferization.to_tensor` that is not writable: the initial state a
// recurrence updates) cannot write that buffer: One-Shot Bufferize copies
// it into a new buffer, and the result, returned, is copied again into the
// caller's output buffer. Made explicit before bufferization, the first
// copy goes into a `tensor.empty`, which empty-tensor elimination replaces
// by the output buffer the result is materialized in: one copy, from the
// input into the output, and the op updates the output in place (a decode
// step reads and writes its state once, plus that copy, instead of twice).
//
// A fresh destination (a `tensor.empty`, or a `linalg.fill` of one) that
// several ops (or the loops of tiled ones) write in place (CSE merges equal fills: two sums of one
// shape) gets one per op. One-Shot Bufferize would copy it for all but
// one; and empty-tensor elimination may put the shared fill in one
// result's output buffer while another op's result is written there too,
// which the copies into the outputs then overwrite (two such sums returned
// came back equal).
//
//===----------------------------------------------------------------------===//

#include "recur/Codegen/Common/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/LoopLikeInterface.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"

namespace mlir {
namespace recur {
#define GEN_PASS_DEF_RECURCOPYREADONLYINITS
#include "recur/Codegen/Common/Passes.h.inc"
} // namespace recur
} // namespace mlir

using namespace mlir;
using namespace mlir::recur;

/// Whether `value` is a read-only buffer's tensor.
static bool isReadOnly(Value value) {
  auto toTensor = value.getDefiningOp<bufferization::ToTensorOp>();
  return toTensor && !toTensor.getWritable();
}

/// Whether `value` is a fresh destination outside loops: a `tensor.empty`,
/// or a `linalg.fill` of one. (Inside loops, a chunk kernel's tiles, its
/// users stay as they are: the tiles are on chip.)
static bool isFresh(Value value) {
  Operation *def = value.getDefiningOp();
  if (!def)
    return false;
  for (Operation *parent = def->getParentOp(); parent;
       parent = parent->getParentOp())
    if (isa<LoopLikeOpInterface>(parent))
      return false;
  if (isa<tensor::EmptyOp>(def))
    return true;
  auto fill = dyn_cast<linalg::FillOp>(def);
  return fill && fill.hasPureTensorSemantics() &&
         fill.getDpsInitOperand(0)->get().getDefiningOp<tensor::EmptyOp>();
}

/// A copy of the fresh destination `value` (its empty, and fill), made
/// beside it (not at a use, which may be inside a loop).
static Value cloneFresh(OpBuilder &b, Value value) {
  Operation *def = value.getDefiningOp();
  b.setInsertionPointAfter(def);
  auto fill = dyn_cast<linalg::FillOp>(def);
  Operation *empty =
      b.clone(*(fill ? fill.getDpsInitOperand(0)->get().getDefiningOp()
                     : def));
  if (!fill)
    return empty->getResult(0);
  IRMapping mapping;
  mapping.map(fill.getDpsInitOperand(0)->get(), empty->getResult(0));
  return b.clone(*fill, mapping)->getResult(0);
}

namespace {
struct RecurCopyReadOnlyInits
    : recur::impl::RecurCopyReadOnlyInitsBase<RecurCopyReadOnlyInits> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<OpOperand *> inits, shared;
    getOperation()->walk([&](Operation *op) {
      MutableArrayRef<OpOperand> operands;
      if (auto forall = dyn_cast<scf::ForallOp>(op))
        operands = forall.getOutputsMutable();
      else if (auto dps = dyn_cast<DestinationStyleOpInterface>(op);
               dps && dps.hasPureTensorSemantics())
        operands = dps.getDpsInitsMutable();
      for (OpOperand &operand : operands) {
        if (!isa<RankedTensorType>(operand.get().getType()))
          continue;
        if (isReadOnly(operand.get()))
          inits.push_back(&operand);
        else if (isFresh(operand.get()) && !operand.get().hasOneUse())
          shared.push_back(&operand);
      }
      // A tiled op's loop carries its destination.
      if (auto loop = dyn_cast<scf::ForOp>(op))
        for (OpOperand &operand : loop.getInitArgsMutable())
          if (isa<RankedTensorType>(operand.get().getType()) &&
              isFresh(operand.get()) && !operand.get().hasOneUse())
            shared.push_back(&operand);
    });
    // Every writer of a shared fresh destination but its first gets its
    // own.
    OpBuilder builder(&getContext());
    DenseSet<Value> kept;
    for (OpOperand *init : shared)
      if (!kept.insert(init->get()).second)
        init->set(cloneFresh(builder, init->get()));
    for (OpOperand *init : inits) {
      OpBuilder b(init->getOwner());
      Location loc = init->getOwner()->getLoc();
      Value source = init->get();
      Value empty = tensor::EmptyOp::create(
          b, loc, tensor::getMixedSizes(b, loc, source),
          cast<RankedTensorType>(source.getType()).getElementType());
      init->set(linalg::CopyOp::create(b, loc, source, empty).getResult(0));
    }
  }
};
} // namespace
