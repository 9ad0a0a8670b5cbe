//===- ReferenceBuilder.h - Loop-building helpers for the oracle -*- C++ -*-===//
//
// The reference lowering writes every op as scf.for nests over tensors. These
// helpers keep the per-op files close to the formulas: loads that widen to
// f32 and stores that narrow back, f32 reductions, sizes (loops and scalar
// arithmetic come from FormulaBuilder).
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_LIB_CONVERSION_RECURTOLOOPS_REFERENCEBUILDER_H
#define RECUR_LIB_CONVERSION_RECURTOLOOPS_REFERENCEBUILDER_H

#include "../FormulaBuilder.h"

#include "mlir/IR/BuiltinTypes.h"

namespace mlir {
namespace recur {

/// The oracle's helpers on top of FormulaBuilder: element loads and stores
/// on tensors, f32 reductions as loops, sizes, and run-time checks.
class ReferenceBuilder : public FormulaBuilder {
public:
  using FormulaBuilder::FormulaBuilder;

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
  /// An uninitialized tensor of ranked tensor `type` whose dynamic sizes come
  /// from `sizes` (one value per dimension).
  Value empty(Type type, ArrayRef<Value> sizes);
  /// A zero-filled tensor of ranked tensor `type` and `sizes`.
  Value zeros(Type type, ArrayRef<Value> sizes);
};

} // namespace recur
} // namespace mlir

#endif // RECUR_LIB_CONVERSION_RECURTOLOOPS_REFERENCEBUILDER_H
