//===- PackKernelScalars.cpp - One buffer for a kernel's scalars ----------===//
//
// SPIR-V kernels take every scalar argument as a storage buffer of its own,
// and devices bound the storage buffers a kernel may take (lavapipe: 32; a
// linear attention kernel over run-time sizes takes 30 sizes). The vulkan
// tail packs a kernel's scalars into one trailing `memref<?xi32>` argument
// (one 32-bit word each, two for a 64-bit scalar; index as the kernels'
// 32-bit index) that the kernel reads at its entry. The launch fills a host
// array (`memref.alloca`, marked `recur.kernel_scalars`) that the launch
// lowering passes as data; an index that does not fit 32 bits fails the
// call before the launch.
//
//===----------------------------------------------------------------------===//

#include "recur/Codegen/GPU/Passes.h"

#include "RuntimeCalls.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/BitVector.h"

namespace mlir {
namespace recur {
#define GEN_PASS_DEF_RECURVULKANPACKSCALARS
#include "recur/Codegen/GPU/Passes.h.inc"
} // namespace recur
} // namespace mlir

using namespace mlir;
using namespace mlir::recur;

/// The 32-bit words of a scalar of `type`: 2 for 64-bit types, else 1.
static unsigned wordsOf(Type type) {
  return !type.isIndex() && type.getIntOrFloatBitWidth() == 64 ? 2 : 1;
}

static bool isPackable(Type type) {
  if (type.isIndex())
    return true;
  return type.isIntOrFloat() && type.getIntOrFloatBitWidth() <= 64;
}

/// `value` (of a scalar type) as its `wordsOf` 32-bit words.
static SmallVector<Value> toWords(ImplicitLocOpBuilder &b, Value value) {
  Type type = value.getType(), i32 = b.getI32Type();
  if (type.isIndex())
    return {arith::IndexCastOp::create(b, i32, value)};
  unsigned width = type.getIntOrFloatBitWidth();
  Value bits = value;
  if (isa<FloatType>(type))
    bits = arith::BitcastOp::create(b, b.getIntegerType(width), value);
  if (width < 32)
    return {arith::ExtUIOp::create(b, i32, bits)};
  if (width == 32)
    return {bits};
  Value high = arith::ShRUIOp::create(
      b, bits, arith::ConstantIntOp::create(b, bits.getType(), 32));
  return {arith::TruncIOp::create(b, i32, bits),
          arith::TruncIOp::create(b, i32, high)};
}

/// The scalar of `type` made of `words`.
static Value fromWords(ImplicitLocOpBuilder &b, Type type,
                       ArrayRef<Value> words) {
  if (type.isIndex())
    return arith::IndexCastOp::create(b, type, words[0]);
  unsigned width = type.getIntOrFloatBitWidth();
  Type integer = b.getIntegerType(width);
  Value bits = words[0];
  if (width < 32) {
    bits = arith::TruncIOp::create(b, integer, bits);
  } else if (width == 64) {
    Value low = arith::ExtUIOp::create(b, integer, words[0]);
    Value high = arith::ShLIOp::create(
        b, arith::ExtUIOp::create(b, integer, words[1]),
        arith::ConstantIntOp::create(b, integer, 32));
    bits = arith::OrIOp::create(b, low, high);
  }
  if (isa<FloatType>(type))
    return arith::BitcastOp::create(b, type, bits);
  return bits;
}

namespace {
struct RecurVulkanPackScalars
    : recur::impl::RecurVulkanPackScalarsBase<RecurVulkanPackScalars> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *context = &getContext();
    Type i32 = IntegerType::get(context, 32);
    auto paramsType = MemRefType::get({ShapedType::kDynamic}, i32);
    // Per kernel, its scalar arguments' positions (before packing).
    DenseMap<Operation *, SmallVector<unsigned>> packed;
    WalkResult result = module.walk([&](gpu::GPUFuncOp kernel) {
      if (!kernel.isKernel())
        return WalkResult::advance();
      SmallVector<unsigned> scalars;
      for (auto [index, type] : llvm::enumerate(kernel.getArgumentTypes())) {
        if (isa<BaseMemRefType>(type))
          continue;
        if (!isPackable(type)) {
          kernel.emitOpError("takes a scalar of type ") << type;
          return WalkResult::interrupt();
        }
        scalars.push_back(index);
      }
      if (scalars.empty())
        return WalkResult::advance();
      Block &entry = kernel.getBody().front();
      unsigned position = kernel.getNumArguments();
      if (failed(kernel.insertArgument(position, paramsType, DictionaryAttr(),
                                       kernel.getLoc())))
        return WalkResult::interrupt();
      Value params = kernel.getArgument(position);
      ImplicitLocOpBuilder b(kernel.getLoc(), &entry, entry.begin());
      int64_t word = 0;
      llvm::BitVector erased(kernel.getNumArguments());
      for (unsigned index : scalars) {
        BlockArgument argument = kernel.getArgument(index);
        SmallVector<Value> words;
        for (unsigned i = 0; i < wordsOf(argument.getType()); ++i)
          words.push_back(memref::LoadOp::create(
              b, params,
              ValueRange{arith::ConstantIndexOp::create(b, word++)}));
        argument.replaceAllUsesWith(fromWords(b, argument.getType(), words));
        erased.set(index);
      }
      if (failed(kernel.eraseArguments(erased)))
        return WalkResult::interrupt();
      packed[kernel] = scalars;
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      return signalPassFailure();

    SmallVector<gpu::LaunchFuncOp> launches;
    module.walk([&](gpu::LaunchFuncOp launch) { launches.push_back(launch); });
    for (gpu::LaunchFuncOp launch : launches) {
      auto found = packed.find(
          SymbolTable::lookupNearestSymbolFrom(launch, launch.getKernel()));
      if (found == packed.end())
        continue;
      ImplicitLocOpBuilder b(launch.getLoc(), launch);
      SmallVector<Value> words;
      SmallVector<Value> operands(launch.getKernelOperands());
      for (unsigned index : found->second)
        llvm::append_range(words, toWords(b, operands[index]));
      Value count = arith::ConstantIndexOp::create(b, words.size());
      auto params = memref::AllocaOp::create(b, paramsType, ValueRange{count});
      params->setAttr("recur.kernel_scalars", b.getUnitAttr());
      for (auto [at, value] : llvm::enumerate(words))
        memref::StoreOp::create(
            b, value, params,
            ValueRange{arith::ConstantIndexOp::create(b, at)});
      SmallVector<Value> kept;
      for (auto [index, operand] : llvm::enumerate(operands))
        if (!llvm::is_contained(found->second, index))
          kept.push_back(operand);
      kept.push_back(params);
      launch.getKernelOperandsMutable().assign(kept);
      // The 32-bit indices: every index scalar must fit.
      for (unsigned index : found->second) {
        Value scalar = operands[index];
        if (!scalar.getType().isIndex())
          continue;
        Value wide = arith::IndexCastOp::create(b, b.getI64Type(), scalar);
        func::FuncOp check = declareRuntimeFunction(
            module, "recur_vk_check_index",
            b.getFunctionType({b.getI64Type()}, {b.getI32Type()}));
        failOnDeviceStatus(
            b, module,
            func::CallOp::create(b, check, ValueRange{wide}).getResult(0));
      }
    }
  }
};
} // namespace
