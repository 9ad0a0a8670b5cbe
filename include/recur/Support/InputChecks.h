//===- InputChecks.h - Bounds on a model description ------------*- C++ -*-===//
//
// A model description is untrusted input. MLIR's parser recurses once per
// nested region, attribute or type and once per operator of an affine
// expression, the diagnostic printer expands a location DAG into a tree,
// and the pipeline's time grows with a function's length: the tools bound
// each of these, with a located error, before anything else reads the
// input (parseModelDescription).
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_SUPPORT_INPUTCHECKS_H
#define RECUR_SUPPORT_INPUTCHECKS_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "mlir/Support/LLVM.h"
#include "llvm/Support/SourceMgr.h"

namespace mlir {
namespace recur {

/// The deepest nesting of brackets ({, [, (, <) a model description may
/// have.
constexpr unsigned kMaxNestingDepth = 512;

/// The most operators (+, -, *, floordiv, ceildiv, mod) an expression may
/// chain, summed over the brackets open around it: affine expressions are
/// parsed with one stack frame per operator.
constexpr unsigned kMaxExpressionLength = 1000;

/// The most locations the location of an op may print as (a fused
/// location of fused locations ... shared through aliases prints once per
/// use).
constexpr uint64_t kMaxLocationSize = 1000;

/// The most ops (nested ones included) one top-level op of a description
/// may hold.
constexpr uint64_t kMaxOpsPerFunction = 100000;

/// Fails, after reporting the position through `sourceMgr`, when the main
/// buffer of `sourceMgr` nests brackets deeper than kMaxNestingDepth or
/// chains more than kMaxExpressionLength operators (outside string
/// literals and comments).
LogicalResult checkText(llvm::SourceMgr &sourceMgr);

/// Fails, after an error at a file position inside it, when the location
/// of an op or block argument under `root` prints as more than
/// kMaxLocationSize locations.
LogicalResult checkLocations(Operation *root);

/// Fails, after an error at the nested module, when `module` holds another
/// module: a model description is one module of functions.
LogicalResult checkNoNestedModules(ModuleOp module);

/// Fails, after an error at the function, when a top-level op of `module`
/// holds more than kMaxOpsPerFunction ops.
LogicalResult checkFunctionLengths(ModuleOp module);

/// Parses the main buffer of `sourceMgr` as a model description with the
/// checks above, then verifies it; null after a diagnostic on failure.
OwningOpRef<ModuleOp> parseModelDescription(llvm::SourceMgr &sourceMgr,
                                            MLIRContext &context);

} // namespace recur
} // namespace mlir

#endif // RECUR_SUPPORT_INPUTCHECKS_H
