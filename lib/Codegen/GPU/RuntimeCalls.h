//===- RuntimeCalls.h - Host calls of a GPU runtime -------------*- C++ -*-===//
//
// What the host code of a GPU target builds around calls of its runtime:
// the function's declaration, the constant data and records it passes by
// address, and the failure of the call (the entry point's device-error
// status) when a call returns a nonzero status.
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_LIB_CODEGEN_GPU_RUNTIMECALLS_H
#define RECUR_LIB_CODEGEN_GPU_RUNTIMECALLS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/SymbolTable.h"

namespace mlir {
namespace recur {

/// The private function `name` of `module` with `type`, declared at the
/// end of the module when it is not there yet.
func::FuncOp declareRuntimeFunction(ModuleOp module, StringRef name,
                                    FunctionType type);

/// A private constant global of `value`, 16-byte aligned, named `name`
/// (renamed on a clash), at the end of the module of `symbols`.
memref::GlobalOp addConstantGlobal(SymbolTable &symbols, StringRef name,
                                   DenseElementsAttr value);
/// The bytes of `text` and a NUL, as a constant global of i8.
memref::GlobalOp addStringGlobal(SymbolTable &symbols, StringRef name,
                                 StringRef text);

/// The address of the data of `buffer` (a memref), as an i64.
Value addressOf(ImplicitLocOpBuilder &b, Value buffer);
/// The address of the data of `global`, as an i64.
Value addressOf(ImplicitLocOpBuilder &b, memref::GlobalOp global);
/// Stores `value` into `target` at the constant indices `at`.
void storeAt(ImplicitLocOpBuilder &b, Value value, Value target,
             ArrayRef<int64_t> at);
/// An i64 constant, and an index as an i64: the values of launch records.
Value constantI64(ImplicitLocOpBuilder &b, int64_t value);
Value indexToI64(ImplicitLocOpBuilder &b, Value index);
/// A stack record of i64 `fields` (what a runtime's launch reads).
Value storeRecord(ImplicitLocOpBuilder &b, ArrayRef<Value> fields);

/// Whether `launch` is what the runtimes launch: synchronous, without a
/// cluster, and without dynamic shared memory unless `dynamicSharedMemory`
/// (the CUDA runtime's launches take it).
bool isPlainLaunch(gpu::LaunchFuncOp launch, bool dynamicSharedMemory = false);

/// When `status` (an i32) is nonzero, the entry point fails with
/// kDeviceErrorStatus (through recur.check_failed, AllocationFailure.h);
/// the runtime has set the message.
void failOnDeviceStatus(ImplicitLocOpBuilder &b, ModuleOp module,
                        Value status);

/// The description's constant tensors (memref.get_global) live in host
/// memory: each one in `function` becomes a device buffer of the call,
/// filled by the runtime's `upload`(device, host, bytes) -> status after
/// the global is taken, and released at the end of its block.
LogicalResult uploadConstants(func::FuncOp function, StringRef upload);

} // namespace recur
} // namespace mlir

#endif // RECUR_LIB_CODEGEN_GPU_RUNTIMECALLS_H
