//===- Passes.h - The CPU target's passes -------------------------*- C++ -*-===//

#ifndef RECUR_CODEGEN_CPU_PASSES_H
#define RECUR_CODEGEN_CPU_PASSES_H

#include "recur/Conversion/RecurToChunks/RecurToChunks.h"

#include "mlir/Pass/Pass.h"

namespace mlir {
namespace recur {

#define GEN_PASS_DECL
#include "recur/Codegen/CPU/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "recur/Codegen/CPU/Passes.h.inc"

} // namespace recur
} // namespace mlir

#endif // RECUR_CODEGEN_CPU_PASSES_H
