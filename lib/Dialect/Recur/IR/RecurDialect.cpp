//===- RecurDialect.cpp - The recur dialect -------------------------------===//

#include "recur/Dialect/Recur/IR/RecurDialect.h"
#include "recur/Dialect/Recur/IR/RecurLayout.h"
#include "recur/Dialect/Recur/IR/RecurOps.h"
#include "recur/Emit/CInterface.h"

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
  attachLayoutTilingModels(*getContext());
}

/// Checks one `recur.*` attribute of a function argument or result.
static LogicalResult verifyInterfaceAttribute(Operation *op, StringRef where,
                                              bool isResult,
                                              NamedAttribute attr) {
  StringRef name = attr.getName().strref();
  if (name == "recur.name") {
    if (!isa<StringAttr>(attr.getValue()))
      return op->emitError() << "'recur.name' of " << where
                             << " must be a string, got " << attr.getValue();
    return success();
  }
  if (name == "recur.checkpoint_name") {
    auto text = dyn_cast<StringAttr>(attr.getValue());
    if (!text || !isValidCheckpointName(text.getValue()))
      return op->emitError() << "'recur.checkpoint_name' of " << where
                             << " must be a non-empty printable string "
                                "without '*/', got "
                             << attr.getValue();
    return success();
  }
  if (name == "recur.dim_names") {
    auto names = dyn_cast<ArrayAttr>(attr.getValue());
    if (!names || !llvm::all_of(names, llvm::IsaPred<StringAttr>))
      return op->emitError() << "'recur.dim_names' of " << where
                             << " must be an array of strings, got "
                             << attr.getValue();
    return success();
  }
  // A result written over an argument (a state pool): the argument's
  // position, checked against the signature by --recur-buffer-abi.
  if (name == kUpdatesAttrName && isResult) {
    if (!isa<IntegerAttr>(attr.getValue()))
      return op->emitError() << "'recur.updates' of " << where
                             << " must be an integer (an argument's "
                                "position), got "
                             << attr.getValue();
    return success();
  }
  // Index arguments whose values the entry checks (recur.pools): slots of
  // a pool of the named dimension, or offsets of packed sequences in a
  // number of tokens of the named dimension.
  if (name == kSlotIndicesAttrName && !isResult) {
    if (!isa<StringAttr>(attr.getValue()))
      return op->emitError() << "'" << name << "' of " << where
                             << " must be a dimension name, got "
                             << attr.getValue();
    return success();
  }
  if (name == kPackedRowsAttrName && !isResult) {
    auto rows = dyn_cast<IntegerAttr>(attr.getValue());
    if (!rows || rows.getInt() < 1)
      return op->emitError() << "'" << name << "' of " << where
                             << " must be a positive integer (the rows of "
                                "the packed weight), got "
                             << attr.getValue();
    return success();
  }
  if (name == kSequenceOffsetsAttrName && !isResult) {
    auto names = dyn_cast<ArrayAttr>(attr.getValue());
    if (!names || names.size() != 2 ||
        !llvm::all_of(names, llvm::IsaPred<StringAttr>))
      return op->emitError() << "'" << name << "' of " << where
                             << " must be two dimension names (the tokens, "
                                "the sequences), got "
                             << attr.getValue();
    return success();
  }
  return op->emitError()
         << "unknown attribute '" << name << "' on " << where
         << " (expected 'recur.name', 'recur.dim_names', "
            "'recur.checkpoint_name', "
         << (isResult ? "or 'recur.updates')"
                      : "'recur.slot_indices', 'recur.sequence_offsets' or "
                         "'recur.packed_rows')");
}

LogicalResult RecurDialect::verifyRegionArgAttribute(Operation *op, unsigned,
                                                     unsigned argIndex,
                                                     NamedAttribute attr) {
  return verifyInterfaceAttribute(op, "argument " + std::to_string(argIndex),
                                  /*isResult=*/false, attr);
}

LogicalResult RecurDialect::verifyRegionResultAttribute(Operation *op,
                                                        unsigned,
                                                        unsigned resultIndex,
                                                        NamedAttribute attr) {
  return verifyInterfaceAttribute(op, "result " + std::to_string(resultIndex),
                                  /*isResult=*/true, attr);
}
