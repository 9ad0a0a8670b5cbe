//===- SPIRVEntryPoints.cpp - Kernels ready for the SPIR-V conversion -----===//
//
// What convert-gpu-to-spirv needs from the kernels, and what it would get
// wrong:
// - each kernel's workgroup size as its `spirv.entry_point_abi`, from the
//   static block size kernel outlining records as `known_block_size`;
// - no bf16: MLIR 22's SPIR-V conversion reads bf16 buffers as f32 without
//   an error, and Vulkan devices without bf16 arithmetic (lavapipe) take no
//   bf16 value at all. After arith-expand (which widens and narrows bf16
//   with integer ops and bitcasts), bf16 values are only moved: they become
//   i16 (the same bits) in buffers, private memory, loads, stores, selects
//   and loop or branch results, and the bitcasts between bf16 and i16 go.
//   The launches pass a bf16 buffer through a cast to its i16 type, which
//   the vulkan launch lowering looks through;
// - shared temporaries (memref.alloc in #gpu.address_space<workgroup>) in
//   the Workgroup storage class;
// - barriers that order storage buffers (UniformMemory) as well as
//   workgroup memory: the barriers convert-gpu-to-spirv writes order only
//   workgroup memory, and the chunked forms pass the state between a
//   block's threads through its output buffer;
// - private temporaries (memref.alloca in #gpu.address_space<private>) in
//   the Function storage class, the only one SPIR-V function variables
//   take.
//
//===----------------------------------------------------------------------===//

#include "recur/Codegen/GPU/Passes.h"

#include "mlir/Dialect/SCF/Transforms/Patterns.h"
#include "mlir/Dialect/SPIRV/IR/SPIRVAttributes.h"
#include "mlir/Dialect/SPIRV/IR/SPIRVOps.h"
#include "mlir/Dialect/SPIRV/IR/TargetAndABI.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir {
namespace recur {
#define GEN_PASS_DEF_RECURSPIRVENTRYPOINTS
#include "recur/Codegen/GPU/Passes.h.inc"
} // namespace recur
} // namespace mlir

using namespace mlir;
using namespace mlir::recur;

namespace {
/// bf16 as i16, in scalars and buffers.
class BF16AsI16 : public TypeConverter {
public:
  explicit BF16AsI16(MLIRContext *context) {
    addConversion([](Type type) { return type; });
    addConversion([context](BFloat16Type) { return IntegerType::get(context, 16); });
    addConversion([context](MemRefType type) -> Type {
      if (!type.getElementType().isBF16())
        return type;
      return MemRefType::get(type.getShape(), IntegerType::get(context, 16),
                             type.getLayout(), type.getMemorySpace());
    });
  }
};

/// An op whose only bf16 is in its operand and result types: the same op
/// on i16.
struct Retype : ConversionPattern {
  Retype(const TypeConverter &converter, MLIRContext *context)
      : ConversionPattern(converter, MatchAnyOpTypeTag(), /*benefit=*/1,
                          context) {}

  LogicalResult
  matchAndRewrite(Operation *op, ArrayRef<Value> operands,
                  ConversionPatternRewriter &rewriter) const override {
    if (!isa<memref::LoadOp, memref::StoreOp, memref::AllocaOp, memref::AllocOp,
             arith::SelectOp>(op))
      return failure();
    SmallVector<Type> types;
    if (failed(getTypeConverter()->convertTypes(op->getResultTypes(), types)))
      return failure();
    OperationState state(op->getLoc(), op->getName(), operands, types,
                         op->getAttrs(), op->getSuccessors());
    rewriter.replaceOp(op, rewriter.create(state)->getResults());
    return success();
  }
};

/// A bitcast between bf16 and i16: nothing, once both are i16.
struct DropBitcast : OpConversionPattern<arith::BitcastOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(arith::BitcastOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Type type = getTypeConverter()->convertType(op.getType());
    if (type != adaptor.getIn().getType())
      return failure();
    rewriter.replaceOp(op, adaptor.getIn());
    return success();
  }
};

/// A bf16 constant: its bits.
struct BF16Constant : OpConversionPattern<arith::ConstantOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(arith::ConstantOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto value = dyn_cast<FloatAttr>(op.getValue());
    if (!value || !value.getType().isBF16())
      return failure();
    APInt bits = value.getValue().bitcastToAPInt();
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(
        op, rewriter.getIntegerAttr(rewriter.getI16Type(), bits));
    return success();
  }
};
} // namespace

/// Every bf16 of the kernels of `kernels` as i16.
static LogicalResult carryBF16AsI16(gpu::GPUModuleOp kernels) {
  MLIRContext *context = kernels.getContext();
  BF16AsI16 converter(context);
  ConversionTarget target(*context);
  target.markUnknownOpDynamicallyLegal([&](Operation *op) {
    if (auto function = dyn_cast<gpu::GPUFuncOp>(op))
      return converter.isSignatureLegal(function.getFunctionType()) &&
             converter.isLegal(&function.getBody());
    return converter.isLegal(op);
  });
  RewritePatternSet patterns(context);
  patterns.add<Retype>(converter, context);
  patterns.add<DropBitcast, BF16Constant>(converter, context);
  populateFunctionOpInterfaceTypeConversionPattern<gpu::GPUFuncOp>(patterns,
                                                                  converter);
  scf::populateSCFStructuralTypeConversions(converter, patterns);
  return applyPartialConversion(kernels, target, std::move(patterns));
}

namespace {
struct RecurSPIRVEntryPoints
    : recur::impl::RecurSPIRVEntryPointsBase<RecurSPIRVEntryPoints> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    // Each kernel's argument types before the bf16 conversion.
    DenseMap<Operation *, SmallVector<Type>> before;
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
      before[kernel] = SmallVector<Type>(kernel.getArgumentTypes());
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      return signalPassFailure();
    for (auto kernels : module.getOps<gpu::GPUModuleOp>())
      if (failed(carryBF16AsI16(kernels)))
        return signalPassFailure();

    // Barriers order the block's global memory too: the chunked forms pass
    // the state between threads through its output buffer. Upstream's
    // gpu.barrier orders workgroup memory only.
    module.walk([&](gpu::BarrierOp barrier) {
      OpBuilder b(barrier);
      auto workgroup = spirv::ScopeAttr::get(&getContext(),
                                             spirv::Scope::Workgroup);
      spirv::ControlBarrierOp::create(
          b, barrier.getLoc(), workgroup, workgroup,
          spirv::MemorySemanticsAttr::get(
              &getContext(), spirv::MemorySemantics::AcquireRelease |
                                 spirv::MemorySemantics::WorkgroupMemory |
                                 spirv::MemorySemantics::UniformMemory));
      barrier.erase();
    });

    // A thread's private temporaries are SPIR-V Function variables, a
    // block's shared ones Workgroup variables.
    module.walk([&](Operation *op) {
      if (!isa<memref::AllocaOp, memref::AllocOp>(op))
        return;
      Value buffer = op->getResult(0);
      auto type = cast<MemRefType>(buffer.getType());
      auto space =
          dyn_cast_or_null<gpu::AddressSpaceAttr>(type.getMemorySpace());
      if (!space)
        return;
      spirv::StorageClass storage;
      if (isa<memref::AllocaOp>(op) &&
          space.getValue() == gpu::AddressSpace::Private)
        storage = spirv::StorageClass::Function;
      else if (isa<memref::AllocOp>(op) &&
               space.getValue() == gpu::AddressSpace::Workgroup)
        storage = spirv::StorageClass::Workgroup;
      else
        return;
      buffer.setType(MemRefType::get(
          type.getShape(), type.getElementType(), type.getLayout(),
          spirv::StorageClassAttr::get(&getContext(), storage)));
    });

    // Launches pass the retyped buffers through a cast.
    module.walk([&](gpu::LaunchFuncOp launch) {
      auto kernel = dyn_cast_or_null<gpu::GPUFuncOp>(
          SymbolTable::lookupNearestSymbolFrom(launch, launch.getKernel()));
      if (!kernel || !before.count(kernel))
        return;
      OpBuilder b(launch);
      for (auto [index, type] : llvm::enumerate(kernel.getArgumentTypes())) {
        OpOperand &operand = launch.getKernelOperandsMutable()[index];
        if (operand.get().getType() == type)
          continue;
        operand.set(UnrealizedConversionCastOp::create(b, launch.getLoc(),
                                                       type, operand.get())
                        .getResult(0));
      }
    });
  }
};
} // namespace
