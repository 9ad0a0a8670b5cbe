//===- CheckDescription.cpp - The trust boundary of model descriptions ----===//
//
// See the pass description in Passes.td.
//
//===----------------------------------------------------------------------===//

#include "recur/Codegen/Common/Passes.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "llvm/ADT/STLExtras.h"

namespace mlir {
namespace recur {
#define GEN_PASS_DEF_RECURCHECKDESCRIPTION
#include "recur/Codegen/Common/Passes.h.inc"
} // namespace recur
} // namespace mlir

using namespace mlir;
using namespace mlir::recur;

namespace {
/// The dialects whose ops a description may use.
constexpr llvm::StringLiteral kOpDialects[] = {
    "recur", "func", "arith", "math", "linalg", "tensor", "scf", "affine"};
/// The dialects whose attributes and types it may use (builtin: tensors,
/// numbers, affine maps ...; the others' enums, such as arith's fastmath
/// flags and linalg's iterator types).
constexpr llvm::StringLiteral kAttributeDialects[] = {
    "builtin", "recur", "arith", "math", "linalg", "tensor", "scf", "affine"};

constexpr llvm::StringLiteral kAllowedText =
    "a model description may only use ops of the recur, func, arith, math, "
    "linalg, tensor, scf and affine dialects (docs/architecture.md, \"What "
    "a description may use\")";

bool isAllowed(Dialect &dialect, ArrayRef<llvm::StringLiteral> names) {
  return llvm::is_contained(names, dialect.getNamespace());
}

/// The first type or attribute inside `attr` that a description may not
/// use, as text; empty when there is none.
std::string forbiddenIn(Attribute attr) {
  std::string found;
  auto note = [&](auto entity) {
    if (!found.empty())
      return WalkResult::interrupt();
    llvm::raw_string_ostream os(found);
    os << entity;
    return WalkResult::interrupt();
  };
  attr.walk(
      [&](Attribute inner) {
        if (!isAllowed(inner.getDialect(), kAttributeDialects))
          return note(inner);
        return WalkResult::advance();
      },
      [&](Type type) {
        if (isa<BaseMemRefType, OpaqueType>(type) ||
            !isAllowed(type.getDialect(), kAttributeDialects))
          return note(type);
        return WalkResult::advance();
      });
  return found;
}

std::string forbiddenIn(Type type) {
  return forbiddenIn(TypeAttr::get(type));
}

LogicalResult checkAttributes(Operation *op, DictionaryAttr attrs,
                              StringRef where) {
  if (!attrs)
    return success();
  for (NamedAttribute named : attrs) {
    if (!named.getName().strref().starts_with("recur."))
      return op->emitError()
             << "the attribute '" << named.getName().strref() << "'" << where
             << " is not allowed: a model description may only carry "
                "recur.* attributes (others could reach LLVM)";
    std::string bad = forbiddenIn(named.getValue());
    if (!bad.empty())
      return op->emitError() << "'" << bad << "' in the attribute '"
                             << named.getName().strref() << "'" << where
                             << " is not allowed: " << kAllowedText;
  }
  return success();
}

LogicalResult checkOp(Operation *op) {
  if (op->getDialect() == nullptr ||
      (!isa<ModuleOp>(op) && !isAllowed(*op->getDialect(), kOpDialects)))
    return op->emitError() << "'" << op->getName()
                           << "' is not allowed: " << kAllowedText;
  auto checkTypes = [&](TypeRange types, StringRef what) -> LogicalResult {
    for (Type type : types) {
      std::string bad = forbiddenIn(type);
      if (!bad.empty())
        return op->emitError() << "the type '" << bad << "' of " << what
                               << " is not allowed: " << kAllowedText
                               << " on tensors and scalars";
    }
    return success();
  };
  if (failed(checkTypes(op->getResultTypes(), "a result")))
    return failure();
  for (Region &region : op->getRegions())
    for (Block &block : region)
      if (failed(checkTypes(block.getArgumentTypes(), "a block argument")))
        return failure();
  if (auto function = dyn_cast<FunctionOpInterface>(op)) {
    if (function.isExternal())
      return op->emitError()
             << "the function @" << function.getName()
             << " has no body: a model description may only call its own "
                "functions, not code outside it";
    for (unsigned i = 0; i < function.getNumArguments(); ++i)
      if (failed(checkAttributes(op, function.getArgAttrDict(i),
                                 " of argument " + std::to_string(i))))
        return failure();
    for (unsigned i = 0; i < function.getNumResults(); ++i)
      if (failed(checkAttributes(op, function.getResultAttrDict(i),
                                 " of result " + std::to_string(i))))
        return failure();
  }
  if (op->hasAttr("library_call"))
    return op->emitError() << "a linalg op with a 'library_call' is not "
                              "allowed: it would call code outside the model "
                              "description";
  if (failed(checkAttributes(op, op->getDiscardableAttrDictionary(), "")))
    return failure();
  for (NamedAttribute named : op->getAttrs()) {
    if (isa<FunctionOpInterface>(op) &&
        (named.getName() == "arg_attrs" || named.getName() == "res_attrs"))
      continue; // checked above, with their positions
    std::string bad = forbiddenIn(named.getValue());
    if (!bad.empty())
      return op->emitError() << "'" << bad << "' in the attribute '"
                             << named.getName().strref()
                             << "' is not allowed: " << kAllowedText;
  }
  return success();
}

struct RecurCheckDescription
    : recur::impl::RecurCheckDescriptionBase<RecurCheckDescription> {
  using Base::Base;

  void runOnOperation() override {
    WalkResult walk = getOperation()->walk([](Operation *op) {
      return failed(checkOp(op)) ? WalkResult::interrupt()
                                 : WalkResult::advance();
    });
    if (walk.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace
