//===- FlattenBuffers.cpp - Kernels see one-dimensional buffers -----------===//
//
// SPIR-V kernels take only one-dimensional buffers (`memref<?xT>`), and a
// flat buffer plus explicit sizes is also the simplest kernel ABI for the
// CUDA launch code. For each gpu.launch, every buffer defined outside it
// (a function argument or a host allocation: --fold-memref-alias-ops has
// folded the views into the indices) is collapsed to one dimension outside
// the launch, and inside it each load and store indexes the flat buffer with
// the linearized index; `memref.dim` reads the size taken outside. A small
// static temporary allocated inside a kernel becomes the thread's private
// memory; a block's temporary (a chunk tile its threads share) becomes the
// block's shared memory, within the target's budget.
//
//===----------------------------------------------------------------------===//

#include "recur/Codegen/GPU/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
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
  if (llvm::is_contained(type.getShape(), 0)) {
    // No element, so no access runs: the kernel does not take the buffer,
    // its accesses go to a one-element private stand-in (a zero-length
    // buffer has no SPIR-V type).
    rewriter.setInsertionPointToStart(&launch.getBody().front());
    flat = memref::AllocaOp::create(
        rewriter, launch.getLoc(),
        MemRefType::get({1}, type.getElementType(), MemRefLayoutAttrInterface(),
                        gpu::AddressSpaceAttr::get(
                            rewriter.getContext(), gpu::AddressSpace::Private)));
  } else if (type.getRank() == 0) {
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
    } else if (auto metadata = dyn_cast<memref::ExtractStridedMetadataOp>(user);
               metadata && metadata.getBaseBuffer().use_empty()) {
      // Sizes and row-major strides (views folded into the indices read
      // them), from outside.
      OpBuilder outside(launch);
      Value stride = arith::ConstantIndexOp::create(outside, loc, 1);
      SmallVector<Value> strides(type.getRank());
      for (int64_t d = type.getRank() - 1; d >= 0; --d) {
        strides[d] = stride;
        stride = arith::MulIOp::create(
            outside, loc, stride,
            getValueOrCreateConstantIndexOp(outside, loc, sizes[d]));
      }
      rewriter.replaceAllUsesWith(
          metadata.getOffset(), arith::ConstantIndexOp::create(outside, loc, 0));
      for (int64_t d = 0; d < type.getRank(); ++d) {
        rewriter.replaceAllUsesWith(
            metadata.getSizes()[d],
            getValueOrCreateConstantIndexOp(outside, loc, sizes[d]));
        rewriter.replaceAllUsesWith(metadata.getStrides()[d], strides[d]);
      }
      rewriter.eraseOp(metadata);
    } else if (auto dim = dyn_cast<memref::DimOp>(user)) {
      std::optional<int64_t> index = dim.getConstantIndex();
      if (!index || *index < 0 || *index >= type.getRank())
        return dim.emitOpError("with a run-time index in a GPU kernel");
      rewriter.replaceOp(dim, getValueOrCreateConstantIndexOp(
                                  rewriter, dim.getLoc(), sizes[*index]));
    } else {
      return user->emitOpError(
          "uses a buffer in a GPU kernel other than by loads, stores and "
          "its sizes");
    }
  }
  return success();
}

/// An `scf.if` result that every branch yields as a `memref.cast` of a
/// buffer of one identity-layout type (a choice between two forms of an
/// op, each computing into its own allocation) takes that type: One-Shot
/// Bufferize gives such a result the fully dynamic layout, which a kernel
/// cannot flatten. Its loads, stores and size reads take it as it is; any
/// other user gets the cast back.
static void identityIfResults(RewriterBase &rewriter, Operation *root) {
  root->walk([&](scf::IfOp ifOp) {
    if (ifOp.getElseRegion().empty())
      return;
    for (OpResult result : ifOp->getResults()) {
      auto type = dyn_cast<MemRefType>(result.getType());
      if (!type || type.getLayout().isIdentity())
        continue;
      MemRefType identity;
      bool casts = true;
      for (scf::YieldOp yield :
           {ifOp.thenYield(), ifOp.elseYield()}) {
        auto cast = yield.getOperand(result.getResultNumber())
                        .getDefiningOp<memref::CastOp>();
        auto source =
            cast ? dyn_cast<MemRefType>(cast.getSource().getType()) : nullptr;
        if (!source || !source.getLayout().isIdentity() ||
            (identity && source != identity)) {
          casts = false;
          break;
        }
        identity = source;
      }
      if (!casts)
        continue;
      for (scf::YieldOp yield : {ifOp.thenYield(), ifOp.elseYield()}) {
        OpOperand &operand = yield->getOpOperand(result.getResultNumber());
        rewriter.modifyOpInPlace(yield, [&] {
          operand.set(operand.get().getDefiningOp<memref::CastOp>().getSource());
        });
      }
      result.setType(identity);
      rewriter.setInsertionPointAfter(ifOp);
      Value back;
      for (OpOperand &use : llvm::make_early_inc_range(result.getUses())) {
        if (isa<memref::LoadOp, memref::StoreOp, memref::DimOp,
                memref::ExtractStridedMetadataOp>(use.getOwner()))
          continue;
        if (!back)
          back = memref::CastOp::create(rewriter, ifOp.getLoc(), type, result);
        if (use.getOwner() != back.getDefiningOp())
          use.set(back);
      }
    }
  });
}

/// The largest temporary a kernel's thread keeps in private memory.
static constexpr int64_t kMaxPrivateBytes = 1024;

/// A small static temporary inside a kernel (a token-serial lowering's
/// accumulator) becomes the thread's private memory; its deallocations go.
static LogicalResult makePrivate(RewriterBase &rewriter,
                                 memref::AllocOp alloc) {
  MemRefType type = alloc.getType();
  auto privateType = MemRefType::get(
      type.getShape(), type.getElementType(), type.getLayout(),
      gpu::AddressSpaceAttr::get(alloc.getContext(),
                                 gpu::AddressSpace::Private));
  for (Operation *user : alloc->getUsers())
    if (!isa<memref::LoadOp, memref::StoreOp, memref::DeallocOp>(user))
      return user->emitOpError(
          "uses a kernel's temporary other than by loads and stores");
  rewriter.setInsertionPoint(alloc);
  auto replacement = memref::AllocaOp::create(rewriter, alloc.getLoc(),
                                              privateType);
  for (Operation *user : llvm::make_early_inc_range(alloc->getUsers()))
    if (isa<memref::DeallocOp>(user))
      rewriter.eraseOp(user);
  alloc.getResult().replaceAllUsesWith(replacement.getResult());
  rewriter.eraseOp(alloc);
  return success();
}

/// A block's temporary (--recur-gpu-map-to-launches marked it) becomes the
/// block's shared memory, static and multi-dimensional as it is; its
/// deallocations are gone already. Returns its bytes.
static FailureOr<int64_t> makeWorkgroup(RewriterBase &rewriter,
                                        memref::AllocOp alloc) {
  MemRefType type = alloc.getType();
  for (Operation *user : alloc->getUsers())
    if (!isa<memref::LoadOp, memref::StoreOp>(user))
      return user->emitOpError(
          "uses a block's temporary other than by loads and stores");
  auto workgroupType = MemRefType::get(
      type.getShape(), type.getElementType(), MemRefLayoutAttrInterface(),
      gpu::AddressSpaceAttr::get(alloc.getContext(),
                                 gpu::AddressSpace::Workgroup));
  rewriter.setInsertionPoint(alloc);
  auto replacement =
      memref::AllocOp::create(rewriter, alloc.getLoc(), workgroupType);
  rewriter.replaceOp(alloc, replacement.getResult());
  return sharedTemporaryBytes(type);
}

namespace {
struct RecurGPUFlattenBuffers
    : recur::impl::RecurGPUFlattenBuffersBase<RecurGPUFlattenBuffers> {
  using Base::Base;

  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    identityIfResults(rewriter, getOperation());
    WalkResult result = getOperation()->walk([&](gpu::LaunchOp launch) {
      SetVector<Value> buffers;
      SmallVector<memref::AllocOp> temporaries, blockTemporaries;
      WalkResult allocations = launch.getBody().walk([&](Operation *op) {
        auto alloc = dyn_cast<memref::AllocOp>(op);
        if (alloc && alloc->hasAttr(kWorkgroupAttr)) {
          blockTemporaries.push_back(alloc);
          return WalkResult::advance();
        }
        if (alloc && alloc.getType().hasStaticShape() &&
            alloc.getType().getNumElements() *
                    alloc.getType().getElementTypeBitWidth() <=
                kMaxPrivateBytes * 8) {
          temporaries.push_back(alloc);
          return WalkResult::advance();
        }
        if (isa<memref::AllocOp, memref::AllocaOp>(op)) {
          op->emitOpError("allocates a buffer of run-time size (or over ")
              << kMaxPrivateBytes << " bytes) inside a GPU kernel";
          return WalkResult::interrupt();
        }
        return WalkResult::advance();
      });
      if (allocations.wasInterrupted())
        return WalkResult::interrupt();
      for (memref::AllocOp alloc : temporaries)
        if (failed(makePrivate(rewriter, alloc)))
          return WalkResult::interrupt();
      int64_t sharedBytes = 0;
      for (memref::AllocOp alloc : blockTemporaries) {
        FailureOr<int64_t> bytes = makeWorkgroup(rewriter, alloc);
        if (failed(bytes))
          return WalkResult::interrupt();
        sharedBytes += *bytes;
      }
      // What the block's warps set aside for their MMAs, if the target
      // stages them and the block has any.
      int64_t stagingBytes = 0;
      auto hasMMA = [&] {
        return launch.getBody()
            .walk([](func::CallOp call) {
              return isMMAFunctionName(call.getCallee())
                         ? WalkResult::interrupt()
                         : WalkResult::advance();
            })
            .wasInterrupted();
      };
      if (mmaStaging && hasMMA()) {
        std::optional<int64_t> threads =
            getConstantIntValue(launch.getBlockSizeX());
        if (!threads) {
          launch.emitOpError("has warp-wide matmuls but no static block size");
          return WalkResult::interrupt();
        }
        stagingBytes = mmaStagingBytes(*threads);
      }
      if (sharedBytes + stagingBytes > sharedMemoryBytes) {
        InFlightDiagnostic error = launch.emitOpError("needs ");
        error << sharedBytes + stagingBytes
              << " bytes of shared memory per block";
        if (stagingBytes)
          error << " (" << stagingBytes << " of them staging its MMAs)";
        error << ", over the " << static_cast<int64_t>(sharedMemoryBytes)
              << " the target gives (shared-memory-bytes)";
        return WalkResult::interrupt();
      }
      launch.getBody().walk([&](Operation *op) {
        for (Value operand : op->getOperands())
          if (isa<MemRefType>(operand.getType()) &&
              !launch->isAncestor(operand.getParentBlock()->getParentOp()))
            buffers.insert(operand);
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
