//===- Passes.h - The GPU tails' passes ---------------------------*- C++ -*-===//

#ifndef RECUR_CODEGEN_GPU_PASSES_H
#define RECUR_CODEGEN_GPU_PASSES_H

#include "recur/Conversion/RecurToChunks/RecurToChunks.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/SPIRV/IR/SPIRVDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
namespace recur {

#define GEN_PASS_DECL
#include "recur/Codegen/GPU/Passes.h.inc"

/// The mark --recur-gpu-map-to-launches puts on a block's temporaries, which
/// --recur-gpu-flatten-buffers allocates in the block's shared memory.
inline constexpr llvm::StringLiteral kWorkgroupAttr = "recur.gpu.workgroup";

#define GEN_PASS_REGISTRATION
#include "recur/Codegen/GPU/Passes.h.inc"

} // namespace recur
} // namespace mlir

#endif // RECUR_CODEGEN_GPU_PASSES_H
