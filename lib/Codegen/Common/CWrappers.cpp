//===- CWrappers.cpp - Plain C entry points for interface functions -------===//
//
// After LLVM lowering, a function with memref arguments takes each memref as
// its expanded descriptor: (allocated ptr, aligned ptr, offset, sizes...,
// strides...). The C entry point rebuilds those from a bare pointer and the
// shape recorded in `recur.c_interface`: offset 0 and row-major strides.
// It returns the status and keeps the values of a failed check in
// thread-local storage, where `<name>_status_message` formats them.
//
//===----------------------------------------------------------------------===//

#include "recur/Codegen/Common/Passes.h"
#include "recur/Emit/CInterface.h"

#include "AllocationFailure.h"
#include "SymbolRenaming.h"

#include "mlir/Dialect/LLVMIR/FunctionCallUtils.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"

namespace mlir {
namespace recur {
#define GEN_PASS_DEF_RECURCWRAPPERS
#include "recur/Codegen/Common/Passes.h.inc"
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
    FailureOr<std::optional<AllocationGuard>> guard =
        guardAllocations(module, symbols);
    if (failed(guard))
      return signalPassFailure();
    allocationGuard = *guard;
    for (LLVM::LLVMFuncOp func : exported)
      if (failed(wrap(func, symbols)))
        return signalPassFailure();
    // Calls to an exported function go to its implementation.
    updateSymbolReferences(module, renamed);
  }

  /// Old name -> new name of every implementation.
  DenseMap<StringAttr, StringAttr> renamed;
  /// Set when the module allocates: entry points catch failed allocations.
  std::optional<AllocationGuard> allocationGuard;

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
    // {status, lhs, rhs}, as --recur-buffer-abi makes it.
    MLIRContext *ctx = &getContext();
    Type statusType = LLVM::LLVMStructType::getLiteral(
        ctx, {IntegerType::get(ctx, 32), IntegerType::get(ctx, 64),
              IntegerType::get(ctx, 64)});
    if (impl.getFunctionType().getReturnType() != statusType)
      return impl.emitError() << "an interface function must return "
                              << statusType << " (--recur-buffer-abi), not "
                              << impl.getFunctionType().getReturnType();

    MLIRContext *context = &getContext();
    std::string name = impl.getSymName().str();
    Attribute ifaceAttr = impl->getAttr(CInterface::attrName);
    impl->removeAttr(CInterface::attrName);
    std::string implName = name + ".impl";
    if (symbols.lookup(implName))
      return impl.emitError() << "@" << implName << " is already defined";
    renameSymbol(symbols, impl, StringAttr::get(context, implName), renamed);
    impl.setLinkage(LLVM::Linkage::Internal);
    // The work stays out of the entry point, which calls _setjmp (a
    // function that returns twice is optimized conservatively).
    impl.setNoInline(true);

    Type i64 = IntegerType::get(context, 64);
    Type ptr = LLVM::LLVMPointerType::get(context);
    SmallVector<Type> params(iface->dims.size(), i64);
    params.append(iface->buffers.size(), ptr);
    if (!streamSetter.empty())
      params.push_back(i64);
    if (!workspaceSetter.empty())
      params.push_back(ptr);
    OpBuilder b(impl);
    Location loc = impl.getLoc();
    Type i32 = IntegerType::get(context, 32);
    auto wrapper = LLVM::LLVMFuncOp::create(
        b, loc, name, LLVM::LLVMFunctionType::get(i32, params));
    wrapper->setAttr(CInterface::attrName, ifaceAttr);
    symbols.insert(wrapper);

    Block *entry = wrapper.addEntryBlock(b);
    b.setInsertionPointToStart(entry);
    // The trailing stream and workspace arguments go to their setters.
    unsigned trailing = iface->dims.size() + iface->buffers.size();
    for (auto [setterName, type] :
         {std::pair(StringRef(streamSetter), i64),
          std::pair(StringRef(workspaceSetter), ptr)}) {
      if (setterName.empty())
        continue;
      FailureOr<LLVM::LLVMFuncOp> setter = LLVM::lookupOrCreateFn(
          b, getOperation(), setterName, {type},
          LLVM::LLVMVoidType::get(context));
      if (failed(setter))
        return failure();
      LLVM::CallOp::create(b, loc, *setter,
                           ValueRange{entry->getArgument(trailing++)});
    }
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
    // A product of static sizes that overflows is left to the run-time
    // checks' products (--recur-buffer-abi rejects such static shapes).
    auto multiply = [&](Extent lhs, Extent rhs) -> Extent {
      int64_t product;
      if (lhs.known && rhs.known &&
          !llvm::MulOverflow(*lhs.known, *rhs.known, product))
        return {constant(product), product};
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
    // The impl returns {status, lhs, rhs} (--recur-buffer-abi).
    Value result = LLVM::CallOp::create(b, loc, impl, descriptors).getResult();
    Value status = LLVM::ExtractValueOp::create(b, loc, result, 0);
    Type values = LLVM::LLVMArrayType::get(i64, 2);
    OpBuilder beforeImpl(impl);
    LLVM::GlobalOp valuesGlobal = addThreadLocal(
        beforeImpl, loc, name + ".status_values", values, 8, symbols);
    // The values of a failed check are kept for the message function; a
    // call that succeeds leaves those of the last failed one.
    Block *record = b.createBlock(&wrapper.getBody());
    Block *done = b.createBlock(&wrapper.getBody());
    b.setInsertionPointToEnd(entry);
    Value failedCall = LLVM::ICmpOp::create(
        b, loc, LLVM::ICmpPredicate::ne, status,
        LLVM::ConstantOp::create(b, loc, i32, b.getI32IntegerAttr(0)));
    LLVM::CondBrOp::create(b, loc, failedCall, record, done);
    b.setInsertionPointToStart(record);
    Value valuesPtr = LLVM::AddressOfOp::create(b, loc, valuesGlobal);
    for (int64_t i = 0; i < 2; ++i) {
      Value value = LLVM::ExtractValueOp::create(b, loc, result, i + 1);
      Value slot = LLVM::GEPOp::create(b, loc, ptr, values, valuesPtr,
                                       ArrayRef<LLVM::GEPArg>{0, i});
      LLVM::StoreOp::create(b, loc, value, slot);
    }
    LLVM::BrOp::create(b, loc, done);
    b.setInsertionPointToStart(done);
    LLVM::ReturnOp::create(b, loc, status);
    if (allocationGuard)
      catchFailures(wrapper, *allocationGuard, valuesGlobal);
    return addStatusMessageFunction(wrapper, *iface, valuesGlobal, symbols);
  }

  /// const char *<name>_status_message(int status): the message of each
  /// status, formatted with the values of the last failed call on this
  /// thread into a thread-local buffer.
  LogicalResult addStatusMessageFunction(LLVM::LLVMFuncOp wrapper,
                                         const CInterface &iface,
                                         LLVM::GlobalOp valuesGlobal,
                                         SymbolTable &symbols) {
    MLIRContext *context = &getContext();
    Location loc = wrapper.getLoc();
    std::string name = wrapper.getSymName().str();
    std::string functionName = getStatusMessageFunctionName(name);
    if (symbols.lookup(functionName))
      return wrapper.emitError()
             << "'" << functionName << "' (the status message function of @"
             << name << ") is already defined";
    Type i32 = IntegerType::get(context, 32), i64 = IntegerType::get(context, 64);
    Type ptr = LLVM::LLVMPointerType::get(context);
    constexpr int64_t textSize = 512;
    Type textType = LLVM::LLVMArrayType::get(IntegerType::get(context, 8),
                                             textSize);
    OpBuilder b(wrapper);
    LLVM::GlobalOp text =
        addThreadLocal(b, loc, name + ".status_text", textType, 1, symbols);

    auto function = LLVM::LLVMFuncOp::create(
        b, loc, functionName, LLVM::LLVMFunctionType::get(ptr, {i32}));
    symbols.insert(function);
    FailureOr<LLVM::LLVMFuncOp> snprintf = LLVM::lookupOrCreateFn(
        b, getOperation(), "snprintf", {ptr, i64, ptr}, i32,
        /*isVarArg=*/true);
    if (failed(snprintf))
      return wrapper.emitError() << "'snprintf' is declared with another type";

    // entry: switch (status) { 0: ok; k: format(message k); default: unknown }
    Block *entry = function.addEntryBlock(b);
    Region &body = function.getBody();
    Block *format = b.createBlock(&body, body.end(), {ptr}, {loc});
    auto constantBlock = [&](StringRef global, StringRef value) {
      Block *block = b.createBlock(&body, body.end());
      // createGlobalString stores the bytes it is given: add the NUL.
      std::string terminated = value.str() + '\0';
      Value address = LLVM::createGlobalString(loc, b, global, terminated,
                                               LLVM::Linkage::Internal);
      return std::make_pair(block, address);
    };
    auto [okBlock, okText] =
        constantBlock(name + ".status_ok", name + ": success");
    LLVM::ReturnOp::create(b, loc, okText);
    auto [unknownBlock, unknownText] = constantBlock(
        name + ".status_unknown", name + ": unknown status code");
    LLVM::ReturnOp::create(b, loc, unknownText);

    auto [outOfMemoryBlock, outOfMemoryText] = constantBlock(
        name + ".status_out_of_memory",
        name + ": out of memory: a temporary of %lld bytes could not be "
               "allocated (-1: 2^63 bytes or more)");
    LLVM::BrOp::create(b, loc, ValueRange{outOfMemoryText}, format);

    SmallVector<int32_t> cases = {0, kOutOfMemoryStatus};
    SmallVector<Block *> targets = {okBlock, outOfMemoryBlock};
    for (auto [index, message] : llvm::enumerate(iface.statusMessages)) {
      auto [block, formatText] = constantBlock(
          name + ".status_format" + std::to_string(index + 1), message);
      LLVM::BrOp::create(b, loc, ValueRange{formatText}, format);
      cases.push_back(index + 1);
      targets.push_back(block);
    }
    b.setInsertionPointToStart(entry);
    LLVM::SwitchOp::create(b, loc, entry->getArgument(0), unknownBlock,
                           ValueRange(), cases, targets,
                           SmallVector<ValueRange>(cases.size()));

    b.setInsertionPointToStart(format);
    Value buffer = LLVM::AddressOfOp::create(b, loc, text);
    Value valuesPtr = LLVM::AddressOfOp::create(b, loc, valuesGlobal);
    SmallVector<Value> args = {
        buffer,
        LLVM::ConstantOp::create(b, loc, i64, b.getI64IntegerAttr(textSize)),
        format->getArgument(0)};
    Type valuesType = valuesGlobal.getType();
    for (int64_t i = 0; i < 2; ++i) {
      Value slot = LLVM::GEPOp::create(b, loc, ptr, valuesType, valuesPtr,
                                       ArrayRef<LLVM::GEPArg>{0, i});
      args.push_back(LLVM::LoadOp::create(b, loc, i64, slot));
    }
    LLVM::CallOp::create(b, loc, *snprintf, args);
    LLVM::ReturnOp::create(b, loc, buffer);
    return success();
  }
};
} // namespace
