//===- CUDAKernelABI.cpp - The parameters and hints of CUDA kernels -------===//
//
// The CUDA runtime passes kernel parameters of 4 or 8 bytes; a condition
// (i1) or a half-precision scalar the host computes goes in as an i32,
// narrowed at the kernel's entry. Done after outlining, where no folding
// can take the widening back.
//
// The kernels' static block size (`known_block_size`) is dropped: NVVM
// turns it into `.maxntid`, under which ptxas trades registers for
// occupancy and spills (16 bytes in a scan kernel of the minGRU block for
// sm_80, none without it).
//
// A block's shared temporaries (memref.alloc in workgroup memory, which
// NVVM would silently turn into a per-thread malloc) become the kernel's
// workgroup attributions, which NVVM makes `.shared` arrays.
//
//===----------------------------------------------------------------------===//

#include "recur/Codegen/GPU/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/SymbolTable.h"

namespace mlir {
namespace recur {
#define GEN_PASS_DEF_RECURCUDAKERNELABI
#include "recur/Codegen/GPU/Passes.h.inc"
} // namespace recur
} // namespace mlir

using namespace mlir;
using namespace mlir::recur;

static bool isNarrow(Type type) {
  return type.isIntOrFloat() && !type.isIndex() &&
         type.getIntOrFloatBitWidth() < 32;
}

/// The shared temporaries of `kernel` as its workgroup attributions.
static void attributeWorkgroupMemory(gpu::GPUFuncOp kernel) {
  SmallVector<memref::AllocOp> allocs;
  kernel.walk([&](memref::AllocOp alloc) {
    auto space = dyn_cast_or_null<gpu::AddressSpaceAttr>(
        alloc.getType().getMemorySpace());
    if (space && space.getValue() == gpu::AddressSpace::Workgroup)
      allocs.push_back(alloc);
  });
  for (memref::AllocOp alloc : allocs) {
    BlockArgument buffer =
        kernel.addWorkgroupAttribution(alloc.getType(), alloc.getLoc());
    alloc.getResult().replaceAllUsesWith(buffer);
    alloc.erase();
  }
}

namespace {
struct RecurCUDAKernelABI
    : recur::impl::RecurCUDAKernelABIBase<RecurCUDAKernelABI> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    Type i32 = IntegerType::get(&getContext(), 32);
    // Per kernel, the positions of its widened arguments.
    DenseMap<Operation *, SmallVector<unsigned>> widened;
    module.walk([&](gpu::GPUFuncOp kernel) {
      if (!kernel.isKernel())
        return;
      kernel.removeKnownBlockSizeAttr();
      attributeWorkgroupMemory(kernel);
      SmallVector<Type> inputs(kernel.getArgumentTypes());
      for (auto [index, type] : llvm::enumerate(inputs)) {
        if (!isNarrow(type))
          continue;
        BlockArgument argument = kernel.getArgument(index);
        unsigned width = type.getIntOrFloatBitWidth();
        argument.setType(i32);
        OpBuilder b = OpBuilder::atBlockBegin(&kernel.getBody().front());
        Location loc = kernel.getLoc();
        Operation *narrowed = arith::TruncIOp::create(
            b, loc, IntegerType::get(&getContext(), width), argument);
        Value value = narrowed->getResult(0);
        if (isa<FloatType>(type))
          value = arith::BitcastOp::create(b, loc, type, value);
        argument.replaceUsesWithIf(value, [&](OpOperand &use) {
          return use.getOwner() != narrowed;
        });
        type = i32;
        widened[kernel].push_back(index);
      }
      kernel.setFunctionType(
          FunctionType::get(&getContext(), inputs, kernel.getResultTypes()));
    });
    module.walk([&](gpu::LaunchFuncOp launch) {
      auto found = widened.find(
          SymbolTable::lookupNearestSymbolFrom(launch, launch.getKernel()));
      if (found == widened.end())
        return;
      OpBuilder b(launch);
      for (unsigned index : found->second) {
        OpOperand &operand = launch.getKernelOperandsMutable()[index];
        Value value = operand.get();
        Type type = value.getType();
        if (isa<FloatType>(type))
          value = arith::BitcastOp::create(
              b, launch.getLoc(),
              IntegerType::get(&getContext(), type.getIntOrFloatBitWidth()),
              value);
        operand.set(arith::ExtUIOp::create(b, launch.getLoc(), i32, value));
      }
    });
  }
};
} // namespace
