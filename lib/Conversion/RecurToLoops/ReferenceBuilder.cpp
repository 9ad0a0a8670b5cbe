//===- ReferenceBuilder.cpp - Loop-building helpers for the oracle --------===//

#include "ReferenceBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;
using namespace mlir::recur;

Value ReferenceBuilder::sumRange(Value lower, Value upper,
                                 llvm::function_ref<Value(Value)> term) {
  return forRange(lower, upper, {f32(0.0)},
                  [&](Value iv, ValueRange partial) -> SmallVector<Value> {
                    return {add(partial[0], term(iv))};
                  })[0];
}

Value ReferenceBuilder::loadRaw(Value tensor, ValueRange indices) {
  return tensor::ExtractOp::create(b, tensor, indices);
}

Value ReferenceBuilder::load(Value tensor, ValueRange indices) {
  return widen(loadRaw(tensor, indices));
}

Value ReferenceBuilder::storeRaw(Value value, Value tensor,
                                 ValueRange indices) {
  return tensor::InsertOp::create(b, value, tensor, indices);
}

Value ReferenceBuilder::store(Value value, Value tensor, ValueRange indices) {
  Type elementType = cast<RankedTensorType>(tensor.getType()).getElementType();
  if (elementType != value.getType())
    value = arith::TruncFOp::create(b, elementType, value);
  return storeRaw(value, tensor, indices);
}

Value ReferenceBuilder::dim(Value tensor, int64_t dim) {
  return getValueOrCreateConstantIndexOp(
      b, b.getLoc(), tensor::getMixedSize(b, b.getLoc(), tensor, dim));
}

SmallVector<Value> ReferenceBuilder::dims(Value tensor) {
  return getValueOrCreateConstantIndexOp(
      b, b.getLoc(), tensor::getMixedSizes(b, b.getLoc(), tensor));
}

Value ReferenceBuilder::empty(Type tensorType, ArrayRef<Value> sizes) {
  auto type = cast<RankedTensorType>(tensorType);
  SmallVector<Value> dynamicSizes;
  for (auto [i, size] : llvm::enumerate(sizes))
    if (type.isDynamicDim(i))
      dynamicSizes.push_back(size);
  return tensor::EmptyOp::create(b, type.getShape(), type.getElementType(),
                                 dynamicSizes);
}

Value ReferenceBuilder::zeros(Type tensorType, ArrayRef<Value> sizes) {
  auto type = cast<RankedTensorType>(tensorType);
  return linalg::FillOp::create(b, zero(type.getElementType()),
                                empty(type, sizes))
      .getResult(0);
}

