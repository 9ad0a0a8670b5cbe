//===- SPIRVEntryPoints.cpp - Kernels ready for the SPIR-V conversion -----===//
//
// What convert-gpu-to-spirv needs from the kernels, and what it would get
// wrong:
// - each kernel's workgroup size as its `spirv.entry_point_abi`, from the
//   static block size kernel outlining records as `known_block_size`;
// - no bf16 buffers: MLIR 22's SPIR-V conversion reads them as f32 without
//   an error. A bf16 buffer argument becomes an i16 one (the same bits):
//   each load reads i16 and bitcasts it to bf16, each store bitcasts to i16,
//   and arith-expand afterwards widens and narrows bf16 with integer ops.
//   The launches pass the same buffer through a cast, which the vulkan
//   launch lowering looks through.
//
//===----------------------------------------------------------------------===//

#include "recur/Codegen/GPU/Passes.h"

#include "mlir/Dialect/SPIRV/IR/SPIRVAttributes.h"
#include "mlir/Dialect/SPIRV/IR/TargetAndABI.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir {
namespace recur {
#define GEN_PASS_DEF_RECURSPIRVENTRYPOINTS
#include "recur/Codegen/GPU/Passes.h.inc"
} // namespace recur
} // namespace mlir

using namespace mlir;
using namespace mlir::recur;

/// Carries bf16 buffer argument `argument` of `kernel` as i16.
static LogicalResult carryAsI16(gpu::GPUFuncOp kernel, BlockArgument argument) {
  auto type = cast<MemRefType>(argument.getType());
  IRRewriter rewriter(kernel.getContext());
  Type i16 = rewriter.getI16Type(), bf16 = rewriter.getBF16Type();
  argument.setType(MemRefType::get(type.getShape(), i16, type.getLayout(),
                                   type.getMemorySpace()));
  for (OpOperand &use : llvm::make_early_inc_range(argument.getUses())) {
    Operation *user = use.getOwner();
    rewriter.setInsertionPoint(user);
    if (auto load = dyn_cast<memref::LoadOp>(user)) {
      Value bits = memref::LoadOp::create(rewriter, load.getLoc(), argument,
                                          load.getIndices());
      rewriter.replaceOpWithNewOp<arith::BitcastOp>(load, bf16, bits);
    } else if (auto store = dyn_cast<memref::StoreOp>(user);
               store && use.getOperandNumber() == 1) {
      Value bits = arith::BitcastOp::create(rewriter, store.getLoc(), i16,
                                            store.getValue());
      rewriter.replaceOpWithNewOp<memref::StoreOp>(store, bits, argument,
                                                   store.getIndices());
    } else if (!isa<memref::DimOp>(user)) {
      return user->emitOpError("uses a bf16 buffer in a kernel other than "
                               "by loads and stores");
    }
  }
  SmallVector<Type> inputs(kernel.getArgumentTypes());
  inputs[argument.getArgNumber()] = argument.getType();
  kernel.setFunctionType(FunctionType::get(kernel.getContext(), inputs, {}));
  return success();
}

namespace {
struct RecurSPIRVEntryPoints
    : recur::impl::RecurSPIRVEntryPointsBase<RecurSPIRVEntryPoints> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    // Per kernel, the arguments now carried as i16.
    DenseMap<Operation *, SmallVector<unsigned>> retyped;
    WalkResult result = module.walk([&](gpu::GPUFuncOp kernel) {
      if (!kernel.isKernel())
        return WalkResult::advance();
      DenseI32ArrayAttr size = kernel.getKnownBlockSizeAttr();
      if (!size || size.size() != 3) {
        kernel.emitOpError("has no static block size");
        return WalkResult::interrupt();
      }
      kernel->setAttr(spirv::getEntryPointABIAttrName(),
                      spirv::getEntryPointABIAttr(&getContext(),
                                                  size.asArrayRef()));
      for (BlockArgument argument : kernel.getArguments()) {
        auto buffer = dyn_cast<MemRefType>(argument.getType());
        if (!buffer || !buffer.getElementType().isBF16())
          continue;
        if (failed(carryAsI16(kernel, argument)))
          return WalkResult::interrupt();
        retyped[kernel].push_back(argument.getArgNumber());
      }
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      return signalPassFailure();
    module.walk([&](gpu::LaunchFuncOp launch) {
      Operation *kernel =
          SymbolTable::lookupNearestSymbolFrom(launch, launch.getKernel());
      auto found = retyped.find(kernel);
      if (found == retyped.end())
        return;
      auto function = cast<gpu::GPUFuncOp>(kernel);
      OpBuilder b(launch);
      for (unsigned index : found->second) {
        OpOperand &operand = launch.getKernelOperandsMutable()[index];
        operand.set(UnrealizedConversionCastOp::create(
                        b, launch.getLoc(), function.getArgumentTypes()[index],
                        operand.get())
                        .getResult(0));
      }
    });
  }
};
} // namespace
