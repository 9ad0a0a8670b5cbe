//===- Passes.h - Conversions out of the recur dialect ------------*- C++ -*-===//

#ifndef RECUR_CONVERSION_PASSES_H
#define RECUR_CONVERSION_PASSES_H

#include "recur/Conversion/RecurToChunks/RecurToChunks.h"
#include "recur/Conversion/RecurToLoops/RecurToLoops.h"

#include "mlir/Pass/Pass.h"

namespace mlir {
namespace recur {

#define GEN_PASS_REGISTRATION
#include "recur/Conversion/Passes.h.inc"

} // namespace recur
} // namespace mlir

#endif // RECUR_CONVERSION_PASSES_H
