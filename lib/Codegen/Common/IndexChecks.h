//===- IndexChecks.h - Entry checks of index arguments' values --*- C++ -*-===//
//
// Arguments whose values index other buffers carry an attribute that says
// so (CInterface.h): a state pool's slot indices, packed sequences'
// offsets. The entry of an exported function reads them and refuses bad
// values before any work (--recur-runtime-checks), on targets whose entry
// can read its arguments (the CPU).
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_LIB_CODEGEN_COMMON_INDEXCHECKS_H
#define RECUR_LIB_CODEGEN_COMMON_INDEXCHECKS_H

#include "recur/Emit/CInterface.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

#include <string>

namespace mlir {
namespace recur {

/// One check at the entry: `failed` (i1) and the two i64 values that its
/// message (a printf format with two %lld) prints.
struct ValueCheck {
  Value failed, lhs, rhs;
  std::string text;
};

/// The checks of the values of `func`'s index arguments (the arguments of
/// the C interface `iface`), built at `b`'s insertion point; `dimSize`
/// gives a dynamic dimension's i64 size by name, `prefix` starts every
/// message. Fails (after an error) on an attribute that names no dimension
/// of the interface.
FailureOr<SmallVector<ValueCheck>>
buildIndexValueChecks(OpBuilder &b, func::FuncOp func, const CInterface &iface,
                      function_ref<Value(StringRef)> dimSize,
                      StringRef prefix);

} // namespace recur
} // namespace mlir

#endif // RECUR_LIB_CODEGEN_COMMON_INDEXCHECKS_H
