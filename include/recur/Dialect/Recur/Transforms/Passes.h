//===- Passes.h - Transforms of recur ops -------------------------*- C++ -*-===//

#ifndef RECUR_DIALECT_RECUR_TRANSFORMS_PASSES_H
#define RECUR_DIALECT_RECUR_TRANSFORMS_PASSES_H

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
namespace recur {

#define GEN_PASS_DECL
#include "recur/Dialect/Recur/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "recur/Dialect/Recur/Transforms/Passes.h.inc"

} // namespace recur
} // namespace mlir

#endif // RECUR_DIALECT_RECUR_TRANSFORMS_PASSES_H
