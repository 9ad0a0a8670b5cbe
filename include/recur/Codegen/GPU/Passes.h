//===- Passes.h - The GPU tails' passes ---------------------------*- C++ -*-===//

#ifndef RECUR_CODEGEN_GPU_PASSES_H
#define RECUR_CODEGEN_GPU_PASSES_H

#include "recur/Conversion/RecurToChunks/RecurToChunks.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
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

/// The mark --recur-gpu-mma-matmuls puts on an scf.parallel over (fragment,
/// lane) pairs of warp-wide matrix instructions: --recur-gpu-map-to-launches
/// gives every thread of the block the same number of its iterations (past
/// the last fragment, lanes load zeros and store nothing), so that whole
/// warps issue each instruction together.
inline constexpr llvm::StringLiteral kWarpLanesAttr = "recur.gpu.warp_lanes";

/// The function whose calls are one warp-wide m16n8k16 MMA with operands of
/// `operandType` (f16 or bf16) and f32 accumulators: per lane, 8 elements
/// of A, 4 of B and 4 accumulators in, 4 accumulators out, in PTX's
/// `mma.sync` layouts. Each GPU tail replaces the calls.
std::string getMMAFunctionName(Type operandType);
/// Whether `name` is such a function's.
bool isMMAFunctionName(StringRef name);
/// Erases the declarations of those functions in `module` (once a tail has
/// replaced their calls).
void eraseMMADeclarations(gpu::GPUModuleOp module);

/// The shared memory a block sets aside per warp for its warp-wide MMAs:
/// one 16 x 16 A and one 16 x 8 B of 16-bit elements (the vulkan tail's
/// emulation stages them there). The GPU policy leaves it out of the chunk
/// tiles' budget on that target (the cuda tail's MMAs take registers).
inline constexpr int64_t kMMAStagingBytesPerWarp = (16 * 16 + 16 * 8) * 2;
/// What a block of `threads` threads sets aside for its MMAs' staging.
inline int64_t mmaStagingBytes(int64_t threads) {
  return llvm::divideCeil(threads, 32) * kMMAStagingBytesPerWarp;
}

/// Where each shared temporary of a block starts: 16-byte aligned, for
/// vector and matrix loads.
inline constexpr int64_t kSharedAlignment = 16;
/// The bytes of shared memory a block's static temporary of `type` takes,
/// its alignment included (a narrow element, i1, takes a whole byte).
inline int64_t sharedTemporaryBytes(MemRefType type) {
  return llvm::alignTo(type.getNumElements() *
                           llvm::divideCeil(type.getElementTypeBitWidth(), 8),
                       kSharedAlignment);
}

#define GEN_PASS_REGISTRATION
#include "recur/Codegen/GPU/Passes.h.inc"

} // namespace recur
} // namespace mlir

#endif // RECUR_CODEGEN_GPU_PASSES_H
