//===- FormulaBuilder.cpp - Scalar formulas and loops for lowerings -------===//

#include "FormulaBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace mlir::recur;

SmallVector<Value> FormulaBuilder::forRange(Value lower, Value upper,
                                            ValueRange carried, LoopBody body) {
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

SmallVector<Value> FormulaBuilder::forNest(ArrayRef<Value> uppers,
                                           ValueRange carried, NestBody body) {
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

Value FormulaBuilder::ifElse(Value cond, llvm::function_ref<Value()> thenValue,
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

Value FormulaBuilder::index(int64_t value) {
  return arith::ConstantIndexOp::create(b, value);
}

Value FormulaBuilder::zero(Type type) {
  return arith::ConstantOp::create(b, b.getZeroAttr(type));
}

Value FormulaBuilder::f32(double value) {
  return arith::ConstantOp::create(b, b.getF32FloatAttr(value));
}

Value FormulaBuilder::add(Value lhs, Value rhs) {
  return arith::AddFOp::create(b, lhs, rhs);
}
Value FormulaBuilder::sub(Value lhs, Value rhs) {
  return arith::SubFOp::create(b, lhs, rhs);
}
Value FormulaBuilder::mul(Value lhs, Value rhs) {
  return arith::MulFOp::create(b, lhs, rhs);
}
Value FormulaBuilder::div(Value lhs, Value rhs) {
  return arith::DivFOp::create(b, lhs, rhs);
}
Value FormulaBuilder::max(Value lhs, Value rhs) {
  return arith::MaximumFOp::create(b, lhs, rhs);
}
Value FormulaBuilder::exp(Value x) { return math::ExpOp::create(b, x); }
Value FormulaBuilder::select(Value cond, Value onTrue, Value onFalse) {
  return arith::SelectOp::create(b, cond, onTrue, onFalse);
}
Value FormulaBuilder::widen(Value x) {
  if (x.getType().isF32())
    return x;
  return arith::ExtFOp::create(b, b.getF32Type(), x);
}

Value FormulaBuilder::silu(Value x) {
  Value sigmoid =
      div(f32(1.0), add(f32(1.0), exp(arith::NegFOp::create(b, x))));
  return mul(x, sigmoid);
}

Value FormulaBuilder::softplus(Value x) {
  Value smooth = math::Log1pOp::create(b, exp(x));
  Value large =
      arith::CmpFOp::create(b, arith::CmpFPredicate::OGT, x, f32(20.0));
  return arith::SelectOp::create(b, large, x, smooth);
}

Value FormulaBuilder::addIndex(Value lhs, Value rhs) {
  return arith::AddIOp::create(b, lhs, rhs);
}
Value FormulaBuilder::subIndex(Value lhs, Value rhs) {
  return arith::SubIOp::create(b, lhs, rhs);
}
Value FormulaBuilder::mulIndex(Value lhs, Value rhs) {
  return arith::MulIOp::create(b, lhs, rhs);
}
Value FormulaBuilder::divIndex(Value lhs, Value rhs) {
  return arith::DivUIOp::create(b, lhs, rhs);
}
Value FormulaBuilder::minIndex(Value lhs, Value rhs) {
  return arith::MinSIOp::create(b, lhs, rhs);
}
Value FormulaBuilder::maxIndex(Value lhs, Value rhs) {
  return arith::MaxSIOp::create(b, lhs, rhs);
}
Value FormulaBuilder::softmaxWeight(Value x, Value max) {
  Value same = arith::CmpFOp::create(b, arith::CmpFPredicate::OEQ, x, max);
  return select(same, f32(1.0), exp(sub(x, max)));
}

Value FormulaBuilder::less(Value lhs, Value rhs) {
  return arith::CmpIOp::create(b, arith::CmpIPredicate::slt, lhs, rhs);
}
Value FormulaBuilder::lessEqual(Value lhs, Value rhs) {
  return arith::CmpIOp::create(b, arith::CmpIPredicate::sle, lhs, rhs);
}
Value FormulaBuilder::equal(Value lhs, Value rhs) {
  return arith::CmpIOp::create(b, arith::CmpIPredicate::eq, lhs, rhs);
}
