//===- InputChecks.h - Checks of a model description before parsing -*- C++ -*-===//
//
// MLIR's parser and the passes after it recurse once per nested region,
// attribute or type, so a deeply nested input overflows the stack. The
// tools measure the nesting of the text first and stop with a located error
// above a depth no model needs.
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_SUPPORT_INPUTCHECKS_H
#define RECUR_SUPPORT_INPUTCHECKS_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LLVM.h"
#include "llvm/Support/SourceMgr.h"

namespace mlir {
namespace recur {

/// The deepest nesting of brackets ({, [, (, <) a model description may
/// have.
constexpr unsigned kMaxNestingDepth = 512;

/// Fails, after reporting the position through `sourceMgr`, when the main
/// buffer of `sourceMgr` nests brackets deeper than kMaxNestingDepth
/// (outside string literals and comments).
LogicalResult checkNestingDepth(llvm::SourceMgr &sourceMgr);

/// Fails, after an error at the nested module, when `module` holds another
/// module: a model description is one module of functions.
LogicalResult checkNoNestedModules(ModuleOp module);

} // namespace recur
} // namespace mlir

#endif // RECUR_SUPPORT_INPUTCHECKS_H
