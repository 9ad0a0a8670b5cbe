//===- ReferenceBuilder.h - Loop-building helpers for the oracle -*- C++ -*-===//
//
// The reference lowering writes every op as scf.for nests over tensors. These
// helpers keep the per-op files close to the formulas: loops that thread
// tensors through iter_args, loads that widen to f32 and stores that narrow
// back, f32 reductions, and the scalar activations shared by the ops.
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_LIB_CONVERSION_RECURTOLOOPS_REFERENCEBUILDER_H
#define RECUR_LIB_CONVERSION_RECURTOLOOPS_REFERENCEBUILDER_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "llvm/ADT/STLFunctionalExtras.h"

namespace mlir {
namespace recur {

class ReferenceBuilder {
public:
  explicit ReferenceBuilder(ImplicitLocOpBuilder &builder) : b(builder) {}

  using LoopBody =
      llvm::function_ref<SmallVector<Value>(Value iv, ValueRange carried)>;
  using NestBody =
      llvm::function_ref<SmallVector<Value>(ValueRange ivs, ValueRange carried)>;

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

  /// Aborts at run time with `message` unless `lhs % rhs == 0` and rhs > 0,
  /// for the divisibility the verifier can only check on static sizes.
  void checkDivisible(Value lhs, Value rhs, StringRef message);

  /// sum_{iv in [lower, upper)} term(iv), accumulated in f32.
  Value sumRange(Value lower, Value upper,
                 llvm::function_ref<Value(Value iv)> term);
  Value sum(Value upper, llvm::function_ref<Value(Value iv)> term) {
    return sumRange(index(0), upper, term);
  }

  /// Element `indices` of `tensor`, widened to f32.
  Value load(Value tensor, ValueRange indices);
  /// Element `indices` of `tensor` in its own element type.
  Value loadRaw(Value tensor, ValueRange indices);
  /// Stores the f32 `value` (narrowed to the element type) into `tensor`.
  Value store(Value value, Value tensor, ValueRange indices);
  /// Stores `value`, already of the element type, into `tensor`.
  Value storeRaw(Value value, Value tensor, ValueRange indices);

  /// Size of dimension `dim` of a ranked tensor, constant when static.
  Value dim(Value tensor, int64_t dim);
  /// Sizes of all dimensions of `tensor`.
  SmallVector<Value> dims(Value tensor);
  /// An uninitialized tensor of ranked tensor `type` whose dynamic sizes come from `sizes`
  /// (one value per dimension).
  Value empty(Type type, ArrayRef<Value> sizes);
  /// `initial` when given, else a zero-filled tensor of `type` and `sizes`.
  Value initialOrZeros(Value initial, Type type, ArrayRef<Value> sizes);

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
  /// x * sigmoid(x).
  Value silu(Value x);
  /// log(1 + exp(x)), returning x itself above 20 as PyTorch does.
  Value softplus(Value x);

  // Index arithmetic.
  Value addIndex(Value lhs, Value rhs);
  Value subIndex(Value lhs, Value rhs);
  Value mulIndex(Value lhs, Value rhs);
  Value divIndex(Value lhs, Value rhs);
  Value minIndex(Value lhs, Value rhs);
  Value maxIndex(Value lhs, Value rhs);

  ImplicitLocOpBuilder &builder() { return b; }

private:
  ImplicitLocOpBuilder &b;
};

} // namespace recur
} // namespace mlir

#endif // RECUR_LIB_CONVERSION_RECURTOLOOPS_REFERENCEBUILDER_H
