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
//===----------------------------------------------------------------------===//

#include "recur/Codegen/Common/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
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

namespace {
struct RecurCopyReadOnlyInits
    : recur::impl::RecurCopyReadOnlyInitsBase<RecurCopyReadOnlyInits> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<OpOperand *> inits;
    getOperation()->walk([&](Operation *op) {
      MutableArrayRef<OpOperand> operands;
      if (auto forall = dyn_cast<scf::ForallOp>(op))
        operands = forall.getOutputsMutable();
      else if (auto dps = dyn_cast<DestinationStyleOpInterface>(op);
               dps && dps.hasPureTensorSemantics())
        operands = dps.getDpsInitsMutable();
      for (OpOperand &operand : operands)
        if (isa<RankedTensorType>(operand.get().getType()) &&
            isReadOnly(operand.get()))
          inits.push_back(&operand);
    });
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
