//===- AllocationFailure.h - Failed allocations as a status ------*- C++ -*-===//
//
// Compiled code allocates its temporaries with malloc, deep inside loops.
// When malloc fails, the code cannot go on, and aborting would take the host
// program down. Every allocation therefore goes through a checked allocator:
// on failure it records the size and long-jumps back to the C entry point
// (which called _setjmp before any work), and the entry point returns the
// out-of-memory status (kOutOfMemoryStatus). A failed check inside the
// function (kCheckFailed) jumps back the same way with its own status. Temporaries allocated before
// the failure are not freed on that path, and outputs may be partly written.
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_LIB_CODEGEN_COMMON_ALLOCATIONFAILURE_H
#define RECUR_LIB_CODEGEN_COMMON_ALLOCATIONFAILURE_H

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"

namespace mlir {
namespace recur {

/// A zero-initialized thread-local internal global of `type` named `name`
/// at `b`'s insertion point (the state an entry point keeps per thread: the
/// jump buffer here, the status values and message text in CWrappers).
LLVM::GlobalOp addThreadLocal(OpBuilder &b, Location loc, StringRef name,
                              Type type, uint64_t alignment,
                              SymbolTable &symbols);

/// The function that --recur-allocation-size-checks calls when an
/// allocation's byte count overflows: guardAllocations defines it to fail
/// like malloc, with the size -1.
inline constexpr const char kAllocationSizeOverflow[] =
    "recur.allocation_size_overflow";

/// The function that --recur-runtime-checks calls when a check inside the
/// function (an index or a size only known where it is used) fails, with
/// the check's status: guardAllocations defines it to jump back to the
/// entry point, which returns that status.
inline constexpr const char kCheckFailed[] = "recur.check_failed";

/// What an entry point needs to catch a failed allocation.
struct AllocationGuard {
  LLVM::GlobalOp jumpBuffer;   // thread-local jmp_buf
  LLVM::GlobalOp failedSize;   // thread-local i64: the size that failed
  LLVM::GlobalOp failedStatus; // thread-local i32: the status to return
  LLVM::LLVMFuncOp setjmp;     // _setjmp (returns twice)
};

/// Sends every call to malloc in `module` through a checked allocator, and
/// defines kAllocationSizeOverflow and kCheckFailed where they are
/// declared. Returns nothing when the module needs none of them.
FailureOr<std::optional<AllocationGuard>>
guardAllocations(ModuleOp module, SymbolTable &symbols);

/// Makes the entry block of `entryPoint` call _setjmp first: when an
/// allocation or a check inside the function fails, the function returns
/// its status (kOutOfMemoryStatus, or the check's) after storing the size
/// that failed (0 for a check) as the first of the two i64 `values`; the
/// rest of the block runs otherwise.
void catchFailures(LLVM::LLVMFuncOp entryPoint, const AllocationGuard &guard,
                   LLVM::GlobalOp values);

} // namespace recur
} // namespace mlir

#endif // RECUR_LIB_CODEGEN_COMMON_ALLOCATIONFAILURE_H
