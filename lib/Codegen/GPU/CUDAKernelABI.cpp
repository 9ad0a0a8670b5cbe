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
// NVVM would silently turn into a per-thread malloc) become views of the
// kernel's dynamic shared memory, each at an offset aligned to 16 bytes,
// and every launch of the kernel asks for their bytes: static `.shared`
// arrays stop at 48 KiB a block, dynamic shared memory goes up to what the
// device allows a block that opts in (the runtime opts in).
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

/// The name of the dynamic shared memory of a module's kernels.
static constexpr llvm::StringLiteral kDynamicSharedName =
    "__recur_dynamic_shared";

/// Declares the kernels' dynamic shared memory in `module`, as CUDA C++
/// does (`extern __shared__ char memory[]`): an external zero-length array.
/// The NVVM lowering of `gpu.dynamic_shared_memory` takes this global,
/// which matches its address space and alignment; the one it would create
/// is internal, and NVPTX then emits it as a one-byte `.shared` variable
/// of the kernel that uses it rather than as `.extern .shared`.
static void declareDynamicSharedMemory(gpu::GPUModuleOp module) {
  if (module.lookupSymbol(kDynamicSharedName))
    return;
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  LLVM::GlobalOp::create(
      b, module.getLoc(),
      LLVM::LLVMArrayType::get(b.getI8Type(), 0), /*isConstant=*/false,
      LLVM::Linkage::External, kDynamicSharedName, /*value=*/Attribute(),
      kSharedAlignment,
      static_cast<unsigned>(NVVM::NVVMMemorySpace::Shared));
}

/// The shared temporaries of `kernel` as views of its dynamic shared
/// memory. Returns the bytes they take.
static int64_t placeInDynamicSharedMemory(gpu::GPUFuncOp kernel) {
  SmallVector<memref::AllocOp> allocs;
  kernel.walk([&](memref::AllocOp alloc) {
    auto space = dyn_cast_or_null<gpu::AddressSpaceAttr>(
        alloc.getType().getMemorySpace());
    if (space && space.getValue() == gpu::AddressSpace::Workgroup)
      allocs.push_back(alloc);
  });
  if (allocs.empty())
    return 0;
  declareDynamicSharedMemory(kernel->getParentOfType<gpu::GPUModuleOp>());
  MLIRContext *context = kernel.getContext();
  OpBuilder b = OpBuilder::atBlockBegin(&kernel.getBody().front());
  auto workgroup =
      gpu::AddressSpaceAttr::get(context, gpu::AddressSpace::Workgroup);
  Value base = gpu::DynamicSharedMemoryOp::create(
      b, kernel.getLoc(),
      MemRefType::get({ShapedType::kDynamic}, b.getI8Type(),
                      MemRefLayoutAttrInterface(), workgroup));
  int64_t bytes = 0;
  for (memref::AllocOp alloc : allocs) {
    // FlattenBuffers made them static and of identity layout.
    MemRefType type = alloc.getType();
    Value offset = arith::ConstantIndexOp::create(b, alloc.getLoc(), bytes);
    Value view = memref::ViewOp::create(b, alloc.getLoc(), type, base, offset,
                                        ValueRange{});
    alloc.getResult().replaceAllUsesWith(view);
    alloc.erase();
    bytes += sharedTemporaryBytes(type);
  }
  return bytes;
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
    // Per kernel, the bytes of dynamic shared memory its launches ask for.
    DenseMap<Operation *, int64_t> sharedBytes;
    module.walk([&](gpu::GPUFuncOp kernel) {
      if (!kernel.isKernel())
        return;
      kernel.removeKnownBlockSizeAttr();
      if (int64_t bytes = placeInDynamicSharedMemory(kernel))
        sharedBytes[kernel] = bytes;
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
      Operation *kernel =
          SymbolTable::lookupNearestSymbolFrom(launch, launch.getKernel());
      OpBuilder b(launch);
      if (auto shared = sharedBytes.find(kernel); shared != sharedBytes.end())
        launch.getDynamicSharedMemorySizeMutable().assign(
            arith::ConstantIntOp::create(b, launch.getLoc(), shared->second,
                                         32));
      auto found = widened.find(kernel);
      if (found == widened.end())
        return;
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
