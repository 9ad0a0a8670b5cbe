//===- FlattenBuffers.cpp - Kernels see one-dimensional buffers -----------===//
//
// SPIR-V kernels take only one-dimensional buffers (`memref<?xT>`), and a
// flat buffer plus explicit sizes is also the simplest kernel ABI for the
// CUDA launch code. For each gpu.launch, every buffer defined outside it
// (a function argument or a host allocation: --fold-memref-alias-ops has
// folded the views into the indices) is collapsed to one dimension outside
// the launch, and inside it each load and store indexes the flat buffer with
// the linearized index; `memref.dim` reads the size taken outside.
//
//===----------------------------------------------------------------------===//

#include "recur/Codegen/GPU/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir {
namespace recur {
#define GEN_PASS_DEF_RECURGPUFLATTENBUFFERS
#include "recur/Codegen/GPU/Passes.h.inc"
} // namespace recur
} // namespace mlir

using namespace mlir;
using namespace mlir::recur;

/// Collapses `buffer` (identity layout) to one dimension before `launch`
/// and rewrites its uses inside the launch.
static LogicalResult flattenBuffer(RewriterBase &rewriter,
                                   gpu::LaunchOp launch, Value buffer) {
  auto type = cast<MemRefType>(buffer.getType());
  Location loc = buffer.getLoc();
  if (!type.getLayout().isIdentity())
    return emitError(loc) << "a buffer with a non-identity layout ("
                          << type << ") is used by a GPU kernel";
  rewriter.setInsertionPoint(launch);
  SmallVector<OpFoldResult> sizes =
      memref::getMixedSizes(rewriter, launch.getLoc(), buffer);
  Value flat;
  if (type.getRank() == 0) {
    flat = memref::ExpandShapeOp::create(
        rewriter, launch.getLoc(),
        MemRefType::get({1}, type.getElementType()), buffer,
        ArrayRef<ReassociationIndices>{});
  } else {
    ReassociationIndices all =
        llvm::to_vector(llvm::seq<int64_t>(0, type.getRank()));
    flat = memref::CollapseShapeOp::create(rewriter, launch.getLoc(), buffer,
                                           ArrayRef<ReassociationIndices>{all});
  }
  auto linear = [&](OpBuilder &b, Location at, ValueRange indices) -> Value {
    if (indices.empty())
      return arith::ConstantIndexOp::create(b, at, 0);
    if (indices.size() == 1)
      return indices.front();
    return affine::AffineLinearizeIndexOp::create(b, at, indices, sizes,
                                                  /*disjoint=*/true);
  };
  SmallVector<OpOperand *> uses;
  for (OpOperand &use : buffer.getUses())
    if (launch->isProperAncestor(use.getOwner()))
      uses.push_back(&use);
  for (OpOperand *use : uses) {
    Operation *user = use->getOwner();
    rewriter.setInsertionPoint(user);
    if (auto load = dyn_cast<memref::LoadOp>(user)) {
      Value index = linear(rewriter, load.getLoc(), load.getIndices());
      rewriter.replaceOpWithNewOp<memref::LoadOp>(load, flat, index);
    } else if (auto store = dyn_cast<memref::StoreOp>(user);
               store && use->getOperandNumber() == 1) {
      Value index = linear(rewriter, store.getLoc(), store.getIndices());
      rewriter.replaceOpWithNewOp<memref::StoreOp>(store, store.getValue(),
                                                   flat, index);
    } else if (auto dim = dyn_cast<memref::DimOp>(user)) {
      std::optional<int64_t> index = dim.getConstantIndex();
      if (!index || *index < 0 || *index >= type.getRank())
        return dim.emitOpError("with a run-time index in a GPU kernel");
      rewriter.replaceOp(dim, getValueOrCreateConstantIndexOp(
                                  rewriter, dim.getLoc(), sizes[*index]));
    } else {
      return user->emitOpError(
          "uses a buffer in a GPU kernel other than by loads and stores");
    }
  }
  return success();
}

namespace {
struct RecurGPUFlattenBuffers
    : recur::impl::RecurGPUFlattenBuffersBase<RecurGPUFlattenBuffers> {
  using Base::Base;

  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    WalkResult result = getOperation()->walk([&](gpu::LaunchOp launch) {
      SetVector<Value> buffers;
      launch.getBody().walk([&](Operation *op) {
        if (isa<memref::AllocOp, memref::AllocaOp>(op)) {
          op->emitOpError("allocates inside a GPU kernel");
          buffers.clear();
          return WalkResult::interrupt();
        }
        for (Value operand : op->getOperands())
          if (isa<MemRefType>(operand.getType()) &&
              !launch->isAncestor(operand.getParentBlock()->getParentOp()))
            buffers.insert(operand);
        return WalkResult::advance();
      });
      for (Value buffer : buffers)
        if (failed(flattenBuffer(rewriter, launch, buffer)))
          return WalkResult::interrupt();
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace
