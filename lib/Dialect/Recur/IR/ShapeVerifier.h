//===- ShapeVerifier.h - Named-dimension checks for op verifiers -*- C++ -*-===//
//
// Every recur op states its operand shapes as layouts of named dimensions
// (`[B, T, H, K]`). ShapeVerifier binds each name to the first static size it
// sees and reports any operand that disagrees, naming both operands, so that
// each verifier reads like the layout table in the op's description.
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_LIB_DIALECT_RECUR_IR_SHAPEVERIFIER_H
#define RECUR_LIB_DIALECT_RECUR_IR_SHAPEVERIFIER_H

#include "recur/Dialect/Recur/IR/RecurLayout.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Operation.h"
#include "llvm/ADT/StringMap.h"

#include <optional>
#include <string>

namespace mlir {
namespace recur {

class ShapeVerifier {
public:
  explicit ShapeVerifier(Operation *op) : op(op) {}

  /// Checks that `value` (called `name` in messages) is a ranked tensor whose
  /// dimensions are `layout`, binding each named dimension. Returns failure
  /// after emitting an error.
  LogicalResult check(StringRef name, Value value, ArrayRef<std::string> layout);
  LogicalResult check(StringRef name, Value value,
                      std::initializer_list<const char *> layout);

  /// Checks every present entry of an op's layout table, in order.
  LogicalResult check(ArrayRef<NamedLayout> table);

  /// Checks that dimension `dim` of `name` equals `expected` when both are
  /// static; `what` says where `expected` comes from (e.g. "W - 1").
  LogicalResult checkDimEquals(StringRef name, Value value, unsigned dim,
                               std::optional<int64_t> expected,
                               StringRef what);

  /// Checks that `value` has the element type of `reference`.
  LogicalResult checkSameElementType(StringRef name, Value value,
                                     StringRef referenceName, Value reference);

  /// The static size bound to `dim`, if any operand gave one.
  std::optional<int64_t> staticSize(StringRef dim) const;

private:
  struct Binding {
    int64_t size;
    std::string operand;
  };

  Operation *op;
  llvm::StringMap<Binding> bindings;
};


} // namespace recur
} // namespace mlir

#endif // RECUR_LIB_DIALECT_RECUR_IR_SHAPEVERIFIER_H
