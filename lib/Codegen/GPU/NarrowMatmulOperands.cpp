//===- NarrowMatmulOperands.cpp - Matmuls read 16-bit tiles as they are ---===//
//
// The chunked forms load 16-bit inputs into tiles of their own type and
// widen them to f32 tiles (TileBuilder::loadRows), which the tile ops
// read. A contraction reading such a widened tile reads the 16-bit tile
// instead (linalg's matmuls widen their inputs to the output's type
// themselves): where nothing else reads the f32 tile, it is gone, with
// the shared memory it took, and the tensor-core matmuls load 16-bit
// elements, exact as they are (--recur-gpu-mma-matmuls: fewer MMAs).
//
//===----------------------------------------------------------------------===//

#include "recur/Codegen/GPU/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"

#include "llvm/ADT/SetVector.h"

namespace mlir {
namespace recur {
#define GEN_PASS_DEF_RECURGPUNARROWMATMULOPERANDS
#include "recur/Codegen/GPU/Passes.h.inc"
} // namespace recur
} // namespace mlir

using namespace mlir;
using namespace mlir::recur;

/// The 16-bit tile `value` widens to f32 when it is an elementwise
/// `arith.extf` of it (identity maps, into a tensor.empty-like init that
/// is not read), else null.
static Value widenedFrom(Value value) {
  auto widen = value.getDefiningOp<linalg::GenericOp>();
  if (!widen || widen.getNumDpsInputs() != 1 || widen.getNumDpsInits() != 1 ||
      widen.getNumReductionLoops() != 0 || !widen.hasPureTensorSemantics() ||
      !llvm::all_of(widen.getIndexingMapsArray(),
                    [](AffineMap map) { return map.isIdentity(); }))
    return nullptr;
  Block &body = widen.getRegion().front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  auto extend = yield.getValues().front().getDefiningOp<arith::ExtFOp>();
  if (!extend || &body.front() != extend.getOperation() ||
      extend.getIn() != body.getArgument(0) ||
      widen.payloadUsesValueFromOperand(widen.getDpsInitOperand(0)))
    return nullptr;
  Value narrow = widen.getDpsInputOperand(0)->get();
  Type element = getElementTypeOrSelf(narrow.getType());
  return element.isBF16() || element.isF16() ? narrow : nullptr;
}

namespace {
struct RecurGPUNarrowMatmulOperands
    : recur::impl::RecurGPUNarrowMatmulOperandsBase<
          RecurGPUNarrowMatmulOperands> {
  using Base::Base;

  void runOnOperation() override {
    // Each widening once, though it may feed several operands (A A^T).
    SetVector<Operation *> widenings;
    SmallVector<linalg::MatmulOp> matmuls;
    getOperation()->walk([&](linalg::MatmulOp op) {
      if (op.hasPureTensorSemantics() &&
          getElementTypeOrSelf(op.getDpsInitOperand(0)->get().getType())
              .isF32())
        matmuls.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::MatmulOp op : matmuls) {
      SmallVector<Value> inputs;
      bool narrowed = false;
      for (Value input : op.getInputs()) {
        Value narrow = widenedFrom(input);
        if (narrow) {
          widenings.insert(input.getDefiningOp());
          narrowed = true;
        }
        inputs.push_back(narrow ? narrow : input);
      }
      if (!narrowed)
        continue;
      // A new op: its region widens its operands (the builder writes it
      // for their types). Its maps and recur's attributes stay.
      SmallVector<NamedAttribute> attributes;
      for (NamedAttribute attribute : op->getAttrs())
        if (attribute.getName() != op.getOperandSegmentSizesAttrName())
          attributes.push_back(attribute);
      rewriter.setInsertionPoint(op);
      rewriter.replaceOpWithNewOp<linalg::MatmulOp>(
          op, op->getResultTypes(), inputs, op.getOutputs(), attributes);
    }
    // Widenings no one reads any more.
    for (Operation *widen : widenings)
      if (widen->use_empty())
        widen->erase();
  }
};
} // namespace
