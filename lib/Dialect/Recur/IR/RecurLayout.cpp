//===- RecurLayout.cpp - Result shapes from the destinations --------------===//

#include "recur/Dialect/Recur/IR/RecurLayout.h"

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
