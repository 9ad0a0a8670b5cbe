//===- ByteSizes.cpp - Overflow-checked byte counts -----------------------===//

#include "ByteSizes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinTypes.h"

#include <limits>

using namespace mlir;
using namespace mlir::recur;

int64_t mlir::recur::getElementBytes(Type type) {
  int64_t bits = 64; // anything else (a pointer) is no wider
  if (auto vector = dyn_cast<VectorType>(type))
    bits = vector.getNumElements() * 8 *
           getElementBytes(vector.getElementType());
  else if (type.isIndex())
    bits = 64;
  else if (type.isIntOrFloat())
    bits = type.getIntOrFloatBitWidth();
  return std::max<int64_t>(1, (bits + 7) / 8);
}

Value mlir::recur::buildByteSizeOverflows(OpBuilder &b, Location loc,
                                          ValueRange sizes,
                                          int64_t elementBytes) {
  Type i64 = b.getI64Type(), i1 = b.getI1Type();
  auto constant = [&](int64_t value) -> Value {
    return arith::ConstantIntOp::create(b, loc, i64, value);
  };
  auto compare = [&](arith::CmpIPredicate predicate, Value lhs, Value rhs) {
    return arith::CmpIOp::create(b, loc, predicate, lhs, rhs);
  };
  // count * d overflows the limit exactly when count > limit / d (d > 0).
  int64_t limit = std::numeric_limits<int64_t>::max() / elementBytes;
  Value count = constant(1), one = constant(1), zero = constant(0);
  Value failed = arith::ConstantIntOp::create(b, loc, i1, 0);
  Value empty = failed;
  for (Value size : sizes) {
    Value divisor = arith::MaxSIOp::create(b, loc, size, one);
    Value room = arith::DivSIOp::create(b, loc, constant(limit), divisor);
    failed = arith::OrIOp::create(
        b, loc, failed,
        arith::OrIOp::create(b, loc,
                             compare(arith::CmpIPredicate::sgt, count, room),
                             compare(arith::CmpIPredicate::slt, size, zero)));
    empty = arith::OrIOp::create(
        b, loc, empty, compare(arith::CmpIPredicate::eq, size, zero));
    count = arith::MulIOp::create(b, loc, count, size);
  }
  Value nonempty = arith::XOrIOp::create(
      b, loc, empty, arith::ConstantIntOp::create(b, loc, i1, 1));
  return arith::AndIOp::create(b, loc, failed, nonempty);
}
