//===- ReferenceBuilder.cpp - Loop-building helpers for the oracle --------===//

#include "ReferenceBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"


using namespace mlir;
using namespace mlir::recur;

SmallVector<Value> ReferenceBuilder::forRange(Value lower, Value upper,
                                              ValueRange carried,
                                              LoopBody body) {
  auto loop = scf::ForOp::create(
      b, lower, upper, index(1), carried,
      [&](OpBuilder &nested, Location, Value iv, ValueRange iterArgs) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(nested.getInsertionBlock(),
                            nested.getInsertionPoint());
        SmallVector<Value> next = body(iv, iterArgs);
        scf::YieldOp::create(b, next);
      });
  return SmallVector<Value>(loop.getResults());
}

SmallVector<Value> ReferenceBuilder::forNest(ArrayRef<Value> uppers,
                                             ValueRange carried,
                                             NestBody body) {
  SmallVector<Value> lowers(uppers.size(), index(0));
  SmallVector<Value> steps(uppers.size(), index(1));
  scf::LoopNest nest = scf::buildLoopNest(
      b, b.getLoc(), lowers, uppers, steps, carried,
      [&](OpBuilder &nested, Location, ValueRange ivs, ValueRange iterArgs) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(nested.getInsertionBlock(),
                            nested.getInsertionPoint());
        return scf::ValueVector(body(ivs, iterArgs));
      });
  return SmallVector<Value>(nest.results);
}

Value ReferenceBuilder::ifElse(Value cond,
                               llvm::function_ref<Value()> thenValue,
                               llvm::function_ref<Value()> elseValue) {
  auto branch = [&](llvm::function_ref<Value()> value) {
    return [&, value](OpBuilder &nested, Location) {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPoint(nested.getInsertionBlock(),
                          nested.getInsertionPoint());
      scf::YieldOp::create(b, value());
    };
  };
  return scf::IfOp::create(b, cond, branch(thenValue), branch(elseValue))
      .getResult(0);
}

void ReferenceBuilder::checkDivisible(Value lhs, Value rhs,
                                      StringRef message) {
  if (getConstantIntValue(lhs) && getConstantIntValue(rhs))
    return; // static sizes: the verifier has checked them
  Value positive =
      arith::CmpIOp::create(b, arith::CmpIPredicate::sgt, rhs, index(0));
  // Divide by max(rhs, 1) so that the check itself cannot trap.
  Value remainder = arith::RemUIOp::create(b, lhs, maxIndex(rhs, index(1)));
  Value divisible = arith::CmpIOp::create(b, arith::CmpIPredicate::eq,
                                          remainder, index(0));
  cf::AssertOp::create(b, arith::AndIOp::create(b, positive, divisible),
                       message);
}

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
  Value element = loadRaw(tensor, indices);
  if (element.getType().isF32())
    return element;
  return arith::ExtFOp::create(b, b.getF32Type(), element);
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

Value ReferenceBuilder::initialOrZeros(Value initial, Type tensorType,
                                       ArrayRef<Value> sizes) {
  auto type = cast<RankedTensorType>(tensorType);
  if (initial && initial.getType() != type)
    return tensor::CastOp::create(b, type, initial);
  if (initial)
    return initial;
  return linalg::FillOp::create(b, zero(type.getElementType()),
                                empty(type, sizes))
      .getResult(0);
}

Value ReferenceBuilder::index(int64_t value) {
  return arith::ConstantIndexOp::create(b, value);
}

Value ReferenceBuilder::zero(Type type) {
  return arith::ConstantOp::create(b, b.getZeroAttr(type));
}

Value ReferenceBuilder::f32(double value) {
  return arith::ConstantOp::create(b, b.getF32FloatAttr(value));
}

Value ReferenceBuilder::add(Value lhs, Value rhs) {
  return arith::AddFOp::create(b, lhs, rhs);
}
Value ReferenceBuilder::sub(Value lhs, Value rhs) {
  return arith::SubFOp::create(b, lhs, rhs);
}
Value ReferenceBuilder::mul(Value lhs, Value rhs) {
  return arith::MulFOp::create(b, lhs, rhs);
}
Value ReferenceBuilder::div(Value lhs, Value rhs) {
  return arith::DivFOp::create(b, lhs, rhs);
}
Value ReferenceBuilder::max(Value lhs, Value rhs) {
  return arith::MaximumFOp::create(b, lhs, rhs);
}
Value ReferenceBuilder::exp(Value x) { return math::ExpOp::create(b, x); }

Value ReferenceBuilder::silu(Value x) {
  Value sigmoid = div(f32(1.0), add(f32(1.0), exp(arith::NegFOp::create(b, x))));
  return mul(x, sigmoid);
}

Value ReferenceBuilder::softplus(Value x) {
  Value smooth = math::Log1pOp::create(b, exp(x));
  Value large = arith::CmpFOp::create(b, arith::CmpFPredicate::OGT, x, f32(20.0));
  return arith::SelectOp::create(b, large, x, smooth);
}

Value ReferenceBuilder::addIndex(Value lhs, Value rhs) {
  return arith::AddIOp::create(b, lhs, rhs);
}
Value ReferenceBuilder::subIndex(Value lhs, Value rhs) {
  return arith::SubIOp::create(b, lhs, rhs);
}
Value ReferenceBuilder::mulIndex(Value lhs, Value rhs) {
  return arith::MulIOp::create(b, lhs, rhs);
}
Value ReferenceBuilder::divIndex(Value lhs, Value rhs) {
  return arith::DivUIOp::create(b, lhs, rhs);
}
Value ReferenceBuilder::minIndex(Value lhs, Value rhs) {
  return arith::MinSIOp::create(b, lhs, rhs);
}
Value ReferenceBuilder::maxIndex(Value lhs, Value rhs) {
  return arith::MaxSIOp::create(b, lhs, rhs);
}
