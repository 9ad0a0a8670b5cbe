//===- AllocationFailure.cpp - Failed allocations as a status -------------===//

#include "AllocationFailure.h"

#include "recur/Emit/CInterface.h"

#include "mlir/Dialect/LLVMIR/FunctionCallUtils.h"
#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace mlir::recur;

LLVM::GlobalOp mlir::recur::addThreadLocal(OpBuilder &b, Location loc,
                                           StringRef name, Type type,
                                           uint64_t alignment,
                                           SymbolTable &symbols) {
  auto global = LLVM::GlobalOp::create(
      b, loc, type, /*isConstant=*/false, LLVM::Linkage::Internal, name,
      /*value=*/Attribute(), alignment, /*addrSpace=*/0, /*dsoLocal=*/false,
      /*thread_local_=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(b.createBlock(&global.getInitializerRegion()));
  LLVM::ReturnOp::create(b, loc, LLVM::ZeroOp::create(b, loc, type));
  symbols.insert(global);
  return global;
}

FailureOr<std::optional<AllocationGuard>>
mlir::recur::guardAllocations(ModuleOp module, SymbolTable &symbols) {
  auto malloc = dyn_cast_or_null<LLVM::LLVMFuncOp>(symbols.lookup("malloc"));
  auto overflow = dyn_cast_or_null<LLVM::LLVMFuncOp>(
      symbols.lookup(kAllocationSizeOverflow));
  auto checkFailed =
      dyn_cast_or_null<LLVM::LLVMFuncOp>(symbols.lookup(kCheckFailed));
  if (!malloc && !overflow && !checkFailed)
    return std::optional<AllocationGuard>();
  MLIRContext *context = module.getContext();
  Location loc = module.getLoc();
  Type i32 = IntegerType::get(context, 32), i64 = IntegerType::get(context, 64);
  Type ptr = LLVM::LLVMPointerType::get(context);
  OpBuilder b(context);
  b.setInsertionPointToEnd(module.getBody());

  AllocationGuard guard;
  // glibc's jmp_buf is 200 bytes on x86-64, 312 on AArch64 and about 520
  // on POWER: 1 KiB holds any of them.
  guard.jumpBuffer = addThreadLocal(
      b, loc, "recur.jump_buffer", LLVM::LLVMArrayType::get(i64, 128),
      /*alignment=*/16, symbols);
  guard.failedSize =
      addThreadLocal(b, loc, "recur.failed_size", i64, 8, symbols);
  guard.failedStatus =
      addThreadLocal(b, loc, "recur.failed_status", i32, 4, symbols);
  FailureOr<LLVM::LLVMFuncOp> setjmp =
      LLVM::lookupOrCreateFn(b, module, "_setjmp", {ptr}, i32);
  // _longjmp pairs with _setjmp (neither saves nor restores the signal
  // mask).
  FailureOr<LLVM::LLVMFuncOp> longjmp = LLVM::lookupOrCreateFn(
      b, module, "_longjmp", {ptr, i32}, LLVM::LLVMVoidType::get(context));
  if (failed(setjmp) || failed(longjmp))
    return module.emitError()
           << "'_setjmp' or '_longjmp' is declared with another type";
  guard.setjmp = *setjmp;
  guard.setjmp->setAttr("passthrough",
                        b.getArrayAttr({b.getStringAttr("returns_twice")}));
  (*longjmp)->setAttr("passthrough",
                      b.getArrayAttr({b.getStringAttr("noreturn")}));

  // Records `status` and `size` (the size that failed) and jumps back to
  // the entry.
  auto jumpBack = [&](Value status, Value size) {
    LLVM::StoreOp::create(
        b, loc, status, LLVM::AddressOfOp::create(b, loc, guard.failedStatus));
    LLVM::StoreOp::create(b, loc, size,
                          LLVM::AddressOfOp::create(b, loc, guard.failedSize));
    LLVM::CallOp::create(
        b, loc, *longjmp,
        ValueRange{LLVM::AddressOfOp::create(b, loc, guard.jumpBuffer),
                   LLVM::ConstantOp::create(b, loc, i32,
                                            b.getI32IntegerAttr(1))});
    LLVM::UnreachableOp::create(b, loc);
  };

  auto outOfMemory = [&] {
    return LLVM::ConstantOp::create(b, loc, i32,
                                    b.getI32IntegerAttr(kOutOfMemoryStatus));
  };
  // Gives `declared`, recur's own declaration of type `type`, a body.
  auto define = [&](LLVM::LLVMFuncOp declared, StringRef name,
                    LLVM::LLVMFunctionType type) -> LogicalResult {
    if (!declared.getBody().empty() || declared.getFunctionType() != type)
      return declared.emitError() << "'" << name << "' is recur's own; it "
                                  << "must be a declaration of " << type;
    declared.setLinkage(LLVM::Linkage::Internal);
    b.setInsertionPointToStart(declared.addEntryBlock(b));
    return success();
  };
  Type voidType = LLVM::LLVMVoidType::get(context);
  // recur.allocation_size_overflow(): out of memory, with the size -1.
  if (overflow) {
    if (failed(define(overflow, kAllocationSizeOverflow,
                      LLVM::LLVMFunctionType::get(voidType, {}))))
      return failure();
    jumpBack(outOfMemory(),
             LLVM::ConstantOp::create(b, loc, i64, b.getI64IntegerAttr(-1)));
  }
  // recur.check_failed(status): that status, with the value 0.
  if (checkFailed) {
    if (failed(define(checkFailed, kCheckFailed,
                      LLVM::LLVMFunctionType::get(voidType, {i32}))))
      return failure();
    jumpBack(checkFailed.getArgument(0),
             LLVM::ConstantOp::create(b, loc, i64, b.getI64IntegerAttr(0)));
  }
  if (!malloc)
    return std::optional<AllocationGuard>(guard);

  // recur.checked_malloc(size): malloc(size), or record the size and jump
  // back to the entry point when it returns null for a nonzero size.
  b.setInsertionPointToEnd(module.getBody());
  auto checked = LLVM::LLVMFuncOp::create(
      b, loc, "recur.checked_malloc", LLVM::LLVMFunctionType::get(ptr, {i64}));
  checked.setLinkage(LLVM::Linkage::Internal);
  symbols.insert(checked);
  Block *entry = checked.addEntryBlock(b);
  Block *ok = b.createBlock(&checked.getBody());
  Block *fail = b.createBlock(&checked.getBody());
  b.setInsertionPointToStart(entry);
  Value size = entry->getArgument(0);
  Value pointer = LLVM::CallOp::create(b, loc, malloc, ValueRange{size})
                      .getResult();
  Value isNull = LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::eq, pointer,
                                      LLVM::ZeroOp::create(b, loc, ptr));
  Value nonzero = LLVM::ICmpOp::create(
      b, loc, LLVM::ICmpPredicate::ne, size,
      LLVM::ConstantOp::create(b, loc, i64, b.getI64IntegerAttr(0)));
  Value failed = LLVM::AndOp::create(b, loc, isNull, nonzero);
  LLVM::CondBrOp::create(b, loc, failed, fail, ok);
  b.setInsertionPointToStart(ok);
  LLVM::ReturnOp::create(b, loc, pointer);
  b.setInsertionPointToStart(fail);
  jumpBack(outOfMemory(), size);

  module.walk([&](LLVM::CallOp call) {
    if (call.getCallee() == StringRef("malloc") &&
        call->getParentOp() != checked.getOperation())
      call.setCallee(checked.getSymName());
  });
  return std::optional<AllocationGuard>(guard);
}

void mlir::recur::catchFailures(LLVM::LLVMFuncOp entryPoint,
                                const AllocationGuard &guard,
                                LLVM::GlobalOp values) {
  Block *entry = &entryPoint.getBody().front();
  Block *run = entry->splitBlock(entry->begin());
  OpBuilder b(entryPoint.getContext());
  Location loc = entryPoint.getLoc();
  Type i32 = b.getI32Type();
  Block *failed = b.createBlock(run);
  b.setInsertionPointToStart(entry);
  Value jumped =
      LLVM::CallOp::create(b, loc, guard.setjmp,
                           ValueRange{LLVM::AddressOfOp::create(
                               b, loc, guard.jumpBuffer)})
          .getResult();
  Value caught = LLVM::ICmpOp::create(
      b, loc, LLVM::ICmpPredicate::ne, jumped,
      LLVM::ConstantOp::create(b, loc, i32, b.getI32IntegerAttr(0)));
  LLVM::CondBrOp::create(b, loc, caught, failed, run);
  b.setInsertionPointToStart(failed);
  Value size = LLVM::LoadOp::create(
      b, loc, b.getI64Type(),
      LLVM::AddressOfOp::create(b, loc, guard.failedSize));
  LLVM::StoreOp::create(b, loc, size,
                        LLVM::AddressOfOp::create(b, loc, values));
  LLVM::ReturnOp::create(
      b, loc,
      LLVM::LoadOp::create(
          b, loc, i32, LLVM::AddressOfOp::create(b, loc, guard.failedStatus)));
}
