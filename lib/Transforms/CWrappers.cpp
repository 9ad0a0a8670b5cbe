//===- CWrappers.cpp - Plain C entry points for interface functions -------===//
//
// After LLVM lowering, a function with memref arguments takes each memref as
// its expanded descriptor: (allocated ptr, aligned ptr, offset, sizes...,
// strides...). The C entry point rebuilds those from a bare pointer and the
// shape recorded in `recur.c_interface`: offset 0 and row-major strides.
//
//===----------------------------------------------------------------------===//

#include "recur/Transforms/Passes.h"
#include "recur/Target/CInterface.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"

namespace mlir {
namespace recur {
#define GEN_PASS_DEF_RECURCWRAPPERS
#include "recur/Transforms/Passes.h.inc"
} // namespace recur
} // namespace mlir

using namespace mlir;
using namespace mlir::recur;

namespace {
struct RecurCWrappers : recur::impl::RecurCWrappersBase<RecurCWrappers> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    SmallVector<LLVM::LLVMFuncOp> exported;
    for (auto func : module.getOps<LLVM::LLVMFuncOp>()) {
      if (func->hasAttr(CInterface::attrName))
        exported.push_back(func);
      // Only the C entry points are visible: helpers that lowering adds
      // (e.g. dealloc_helper) must not clash between two linked models.
      else if (!func.isExternal())
        func.setLinkage(LLVM::Linkage::Internal);
    }
    for (LLVM::LLVMFuncOp func : exported)
      if (failed(wrap(func, symbols)))
        return signalPassFailure();
  }

  LogicalResult wrap(LLVM::LLVMFuncOp impl, SymbolTable &symbols) {
    FailureOr<CInterface> iface =
        CInterface::fromAttr(impl, impl->getAttr(CInterface::attrName));
    if (failed(iface))
      return failure();
    unsigned expectedArgs = 0;
    for (const CBuffer &buffer : iface->buffers)
      expectedArgs += 3 + 2 * buffer.shape.size();
    if (impl.getNumArguments() != expectedArgs)
      return impl.emitError() << "expected " << expectedArgs
                              << " descriptor arguments for the C interface, "
                                 "found "
                              << impl.getNumArguments();

    MLIRContext *context = &getContext();
    std::string name = impl.getSymName().str();
    Attribute ifaceAttr = impl->getAttr(CInterface::attrName);
    impl->removeAttr(CInterface::attrName);
    if (failed(symbols.rename(impl, name + ".impl")))
      return impl.emitError() << "cannot rename @" << name;
    impl.setLinkage(LLVM::Linkage::Internal);

    Type i64 = IntegerType::get(context, 64);
    Type ptr = LLVM::LLVMPointerType::get(context);
    SmallVector<Type> params(iface->dims.size(), i64);
    params.append(iface->buffers.size(), ptr);
    OpBuilder b(impl);
    Location loc = impl.getLoc();
    auto wrapper = LLVM::LLVMFuncOp::create(
        b, loc, name,
        LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(context), params));
    wrapper->setAttr(CInterface::attrName, ifaceAttr);
    symbols.insert(wrapper);

    Block *entry = wrapper.addEntryBlock(b);
    b.setInsertionPointToStart(entry);
    auto constant = [&](int64_t value) -> Value {
      return LLVM::ConstantOp::create(b, loc, i64, b.getI64IntegerAttr(value));
    };
    // Sizes and strides fold to constants where the shape is static.
    struct Extent {
      Value value;
      std::optional<int64_t> known;
    };
    auto dimExtent = [&](const CDim &dim) -> Extent {
      if (!dim.isDynamic())
        return {constant(dim.size), dim.size};
      auto *it = llvm::find(iface->dims, dim.name);
      return {entry->getArgument(std::distance(iface->dims.begin(), it)),
              std::nullopt};
    };
    auto multiply = [&](Extent lhs, Extent rhs) -> Extent {
      if (lhs.known && rhs.known)
        return {constant(*lhs.known * *rhs.known), *lhs.known * *rhs.known};
      return {LLVM::MulOp::create(b, loc, lhs.value, rhs.value), std::nullopt};
    };

    Value zero = constant(0);
    SmallVector<Value> descriptors;
    for (auto [i, buffer] : llvm::enumerate(iface->buffers)) {
      Value data = entry->getArgument(iface->dims.size() + i);
      SmallVector<Extent> sizes;
      for (const CDim &dim : buffer.shape)
        sizes.push_back(dimExtent(dim));
      SmallVector<Value> strides(sizes.size());
      Extent stride = {constant(1), 1};
      for (int64_t d = static_cast<int64_t>(sizes.size()) - 1; d >= 0; --d) {
        strides[d] = stride.value;
        if (d > 0)
          stride = multiply(stride, sizes[d]);
      }
      descriptors.append({data, data, zero});
      for (const Extent &size : sizes)
        descriptors.push_back(size.value);
      descriptors.append(strides);
    }
    LLVM::CallOp::create(b, loc, impl, descriptors);
    LLVM::ReturnOp::create(b, loc, ValueRange());
    return success();
  }
};
} // namespace
