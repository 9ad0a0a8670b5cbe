//===- RecurToLoops.h - The reference lowering --------------------*- C++ -*-===//

#ifndef RECUR_CONVERSION_RECURTOLOOPS_RECURTOLOOPS_H
#define RECUR_CONVERSION_RECURTOLOOPS_RECURTOLOOPS_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;

namespace recur {

#define GEN_PASS_DECL_RECURLOWERTOLOOPS
#include "recur/Conversion/Passes.h.inc"

/// Adds the patterns that rewrite each recur op into token-by-token loops.
void populateRecurToLoopsPatterns(RewritePatternSet &patterns);

} // namespace recur
} // namespace mlir

#endif // RECUR_CONVERSION_RECURTOLOOPS_RECURTOLOOPS_H
