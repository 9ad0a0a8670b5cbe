//===- RecurDialect.cpp - The recur dialect -------------------------------===//

#include "recur/Dialect/Recur/IR/RecurDialect.h"
#include "recur/Dialect/Recur/IR/RecurOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/Transforms/InliningUtils.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::recur;

#include "recur/Dialect/Recur/IR/RecurDialect.cpp.inc"
#include "recur/Dialect/Recur/IR/RecurEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "recur/Dialect/Recur/IR/RecurAttrs.cpp.inc"

namespace {
/// Every recur op is a pure function of its operands with no regions, so
/// calls to functions that contain them may be inlined anywhere.
struct RecurInlinerInterface : public DialectInlinerInterface {
  using DialectInlinerInterface::DialectInlinerInterface;

  bool isLegalToInline(Operation *, Region *, bool, IRMapping &) const final {
    return true;
  }
};
} // namespace

void RecurDialect::initialize() {
  addInterfaces<RecurInlinerInterface>();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "recur/Dialect/Recur/IR/RecurAttrs.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "recur/Dialect/Recur/IR/RecurOps.cpp.inc"
      >();
}
