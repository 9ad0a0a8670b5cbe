//===- RecurLayout.cpp - Results from the destinations --------------------===//

#include "recur/Dialect/Recur/IR/RecurLayout.h"

#include "llvm/ADT/StringExtras.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::recur;

LogicalResult
mlir::recur::reifyFromInits(OpBuilder &b, DestinationStyleOpInterface op,
                            ReifiedRankedShapedTypeDims &reified) {
  for (Value init : op.getDpsInits())
    reified.push_back(tensor::getMixedSizes(b, op.getLoc(), init));
  return success();
}

MutableOperandRange mlir::recur::getTrailingOperands(Operation *op,
                                                    unsigned count) {
  unsigned total = op->getNumOperands();
  count = std::min(count, total);
  return MutableOperandRange(op, total - count, count);
}

LogicalResult mlir::recur::inferTypesFromInits(ValueRange operands,
                                               unsigned count,
                                               SmallVectorImpl<Type> &types) {
  if (operands.size() < count)
    return failure();
  for (Value init : operands.take_back(count))
    types.push_back(init.getType());
  return success();
}

bool mlir::recur::hasStaticZeroSize(Operation *op) {
  return llvm::any_of(op->getOperandTypes(), [](Type type) {
    auto shaped = dyn_cast<RankedTensorType>(type);
    return shaped && llvm::is_contained(shaped.getShape(), 0);
  });
}

bool mlir::recur::isValidCheckpointName(StringRef text) {
  return !text.empty() && llvm::all_of(text, llvm::isPrint) &&
         !text.contains("*/");
}

int64_t mlir::recur::channelBlockSize(int64_t size, int64_t largest) {
  constexpr int64_t kMinBlock = 16;
  for (int64_t block = std::min(size, largest); block >= kMinBlock; --block)
    if (size % block == 0)
      return block;
  return size;
}
