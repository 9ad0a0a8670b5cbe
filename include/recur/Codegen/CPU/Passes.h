//===- Passes.h - The CPU target's passes -------------------------*- C++ -*-===//

#ifndef RECUR_CODEGEN_CPU_PASSES_H
#define RECUR_CODEGEN_CPU_PASSES_H

#include "recur/Conversion/RecurToChunks/RecurToChunks.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
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
