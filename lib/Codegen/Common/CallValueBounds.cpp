//===- CallValueBounds.cpp - Sizes of call results, from the callee -------===//

#include "recur/Codegen/Common/CallValueBounds.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/ValueBoundsOpInterface.h"

using namespace mlir;

namespace {
struct CallValueBounds
    : public ValueBoundsOpInterface::ExternalModel<CallValueBounds,
                                                   func::CallOp> {
  void populateBoundsForShapedValueDim(Operation *op, Value value, int64_t dim,
                                       ValueBoundsConstraintSet &cstr) const {
    auto call = cast<func::CallOp>(op);
    auto callee = dyn_cast_or_null<func::FuncOp>(
        SymbolTable::lookupNearestSymbolFrom(call, call.getCalleeAttr()));
    // Only a body of one block ending in its return: no external or
    // recursive callee.
    if (!callee || callee.isExternal() || !callee.getBody().hasOneBlock() ||
        callee->isAncestor(call))
      return;
    auto ret = dyn_cast<func::ReturnOp>(callee.getBody().front().back());
    unsigned index = cast<OpResult>(value).getResultNumber();
    if (!ret || index >= ret.getNumOperands())
      return;
    // The returned size in terms of the callee's arguments (and constants).
    Region *body = &callee.getBody();
    auto isArgument = [&](Value v, std::optional<int64_t>,
                          ValueBoundsConstraintSet &) {
      auto arg = dyn_cast<BlockArgument>(v);
      return arg && arg.getParentRegion() == body;
    };
    AffineMap map;
    ValueDimList operands;
    if (failed(ValueBoundsConstraintSet::computeBound(
            map, operands, presburger::BoundType::EQ,
            ValueBoundsConstraintSet::Variable(ret.getOperand(index), dim),
            isArgument)) ||
        map.getNumResults() != 1)
      return;
    // The same expression of the call's operands.
    SmallVector<AffineExpr> replacements;
    for (auto [operand, operandDim] : operands) {
      auto arg = dyn_cast<BlockArgument>(operand);
      if (!arg || arg.getParentRegion() != body)
        return;
      replacements.push_back(
          cstr.getExpr(call.getOperand(arg.getArgNumber()), operandDim));
    }
    AffineExpr size = map.getResult(0).replaceDimsAndSymbols(
        ArrayRef<AffineExpr>(replacements).take_front(map.getNumDims()),
        ArrayRef<AffineExpr>(replacements).drop_front(map.getNumDims()));
    cstr.bound(value)[dim] == size;
  }
};
} // namespace

void mlir::recur::registerCallValueBoundsExternalModel(
    DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *context, func::FuncDialect *) {
    func::CallOp::attachInterface<CallValueBounds>(*context);
  });
}
