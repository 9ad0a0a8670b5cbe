//===- FormulaBuilder.h - Scalar formulas and loops for lowerings -*- C++
//-*-===//
//
// What every lowering of a recur op writes by hand: scalar f32 and index
// arithmetic, comparisons, the activations the ops share, and scf.for loops
// that thread values through iter_args. The reference lowering
// (ReferenceBuilder) and the chunked forms (TileBuilder) build on it, so a
// formula reads the same in both.
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_LIB_CONVERSION_FORMULABUILDER_H
#define RECUR_LIB_CONVERSION_FORMULABUILDER_H

#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "llvm/ADT/STLFunctionalExtras.h"

namespace mlir {
namespace recur {

class FormulaBuilder {
public:
  explicit FormulaBuilder(ImplicitLocOpBuilder &builder) : b(builder) {}

  using LoopBody =
      llvm::function_ref<SmallVector<Value>(Value iv, ValueRange carried)>;
  using NestBody = llvm::function_ref<SmallVector<Value>(ValueRange ivs,
                                                         ValueRange carried)>;

  /// `for iv in [lower, upper)` threading `carried` through iter_args; the
  /// body returns the next carried values. Returns the final ones.
  SmallVector<Value> forRange(Value lower, Value upper, ValueRange carried,
                              LoopBody body);
  SmallVector<Value> forEach(Value upper, ValueRange carried, LoopBody body) {
    return forRange(index(0), upper, carried, body);
  }
  /// A perfect nest of forEach loops over `uppers`, outermost first.
  SmallVector<Value> forNest(ArrayRef<Value> uppers, ValueRange carried,
                             NestBody body);

  /// `cond ? thenValue() : elseValue()`, evaluating only the chosen side
  /// (for loads that would be out of bounds on the other).
  Value ifElse(Value cond, llvm::function_ref<Value()> thenValue,
               llvm::function_ref<Value()> elseValue);

  Value index(int64_t value);
  /// The zero of `type`.
  Value zero(Type type);
  Value f32(double value);

  // Scalar f32 arithmetic, written out so the per-op files read as formulas.
  Value add(Value lhs, Value rhs);
  Value sub(Value lhs, Value rhs);
  Value mul(Value lhs, Value rhs);
  Value div(Value lhs, Value rhs);
  Value max(Value lhs, Value rhs);
  Value exp(Value x);
  /// The softmax weight of logit `x` against the running max `max`:
  /// exp(x - max), and 1 when x == max, so that a logit of +inf (beyond the
  /// f32 range) takes the whole weight instead of giving inf - inf = NaN.
  /// NaN stays NaN.
  Value softmaxWeight(Value x, Value max);
  Value select(Value cond, Value onTrue, Value onFalse);
  /// `x` extended to f32 (itself when it is f32).
  Value widen(Value x);
  /// x * sigmoid(x).
  Value silu(Value x);
  /// log(1 + exp(x)), returning x itself above 20 as PyTorch does.
  Value softplus(Value x);

  // Index arithmetic and signed comparisons.
  Value addIndex(Value lhs, Value rhs);
  Value subIndex(Value lhs, Value rhs);
  Value mulIndex(Value lhs, Value rhs);
  Value divIndex(Value lhs, Value rhs);
  Value minIndex(Value lhs, Value rhs);
  Value maxIndex(Value lhs, Value rhs);
  Value less(Value lhs, Value rhs);
  Value lessEqual(Value lhs, Value rhs);
  Value equal(Value lhs, Value rhs);

  ImplicitLocOpBuilder &builder() { return b; }

protected:
  ImplicitLocOpBuilder &b;
};

} // namespace recur
} // namespace mlir

#endif // RECUR_LIB_CONVERSION_FORMULABUILDER_H
