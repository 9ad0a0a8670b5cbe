//===- RecurLayout.cpp - Shapes from the layout tables --------------------===//

#include "recur/Dialect/Recur/IR/RecurLayout.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;
using namespace mlir::recur;

/// The size of dimension `name` from the operands of `table`, if one has it.
static std::optional<OpFoldResult> sizeOf(OpBuilder &b, Location loc,
                                          ArrayRef<NamedLayout> table,
                                          StringRef name) {
  for (const NamedLayout &entry : table) {
    if (entry.isResult || !entry.value)
      continue;
    for (auto [index, dim] : llvm::enumerate(entry.dims))
      if (dim == name)
        return tensor::getMixedSize(b, loc, entry.value, index);
  }
  return std::nullopt;
}

LogicalResult
mlir::recur::reifyFromLayouts(OpBuilder &b, Location loc,
                              ArrayRef<NamedLayout> table,
                              ReifiedRankedShapedTypeDims &reified) {
  for (const NamedLayout &entry : table) {
    if (!entry.isResult)
      continue;
    auto type = cast<RankedTensorType>(entry.value.getType());
    SmallVector<OpFoldResult> sizes;
    for (auto [index, dim] : llvm::enumerate(entry.dims)) {
      if (!type.isDynamicDim(index)) {
        sizes.push_back(b.getIndexAttr(type.getDimSize(index)));
        continue;
      }
      StringRef name = dim;
      bool minusOne = name.consume_back(" - 1");
      std::optional<OpFoldResult> size = sizeOf(b, loc, table, name);
      if (!size)
        return failure();
      if (minusOne) {
        if (std::optional<int64_t> known = getConstantIntValue(*size))
          size = b.getIndexAttr(*known - 1);
        else
          size =
              arith::SubIOp::create(b, loc, cast<Value>(*size),
                                    arith::ConstantIndexOp::create(b, loc, 1))
                  .getResult();
      }
      sizes.push_back(*size);
    }
    reified.push_back(sizes);
  }
  return success();
}
