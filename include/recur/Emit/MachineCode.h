//===- MachineCode.h - From the lowered module to machine code --*- C++ -*-===//
//
// The LLVM half of recur-compile, shared with the fuzz target: the host's
// target machine for a CPU, the translation of the lowered module (LLVM and
// OpenMP dialects) to LLVM IR, LLVM's -O pipeline, AddressSanitizer's
// instrumentation on request, and code generation into memory.
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_EMIT_MACHINECODE_H
#define RECUR_EMIT_MACHINECODE_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Target/TargetMachine.h"

#include <memory>
#include <string>

namespace mlir {
namespace recur {

struct MachineCodeOptions {
  /// "native" (the host CPU and its features) or a CPU name LLVM knows.
  std::string cpu = "native";
  /// LLVM's optimization level, 0 to 3.
  unsigned optLevel = 2;
  /// Let LLVM fuse a multiply and an add into an FMA (the default
  /// pipeline; the reference lowering keeps every operation rounded apart).
  bool fuseMultiplyAdd = true;
  /// Instrument every function with AddressSanitizer.
  bool sanitizeAddress = false;
};

/// The target machine for the host triple and `options`, or null with
/// `error` set: an unknown CPU, or a 32-bit x86 CPU (LLVM would stop with a
/// fatal error on 64-bit code). The native target must be initialized.
std::unique_ptr<llvm::TargetMachine>
createHostTargetMachine(const MachineCodeOptions &options, std::string &error);

/// The vector register width of `machine` in bits, which the pipeline
/// tiles for: 512 with AVX-512, 256 with AVX, else 128.
int64_t getVectorBits(const llvm::TargetMachine &machine);

/// Translates the lowered `module` to LLVM IR for `machine`, runs LLVM's
/// -O pipeline and the instrumentation `options` asks for, and verifies the
/// result; null with `error` set on failure.
std::unique_ptr<llvm::Module>
translateAndOptimize(ModuleOp module, llvm::LLVMContext &context,
                     llvm::TargetMachine &machine,
                     const MachineCodeOptions &options, llvm::StringRef name,
                     std::string &error);

/// Emits `module` as an object file (or assembly) into `out`; fails with
/// `error` set when the target cannot.
LogicalResult emitMachineCode(llvm::Module &module,
                              llvm::TargetMachine &machine, bool assembly,
                              llvm::SmallVectorImpl<char> &out,
                              std::string &error);

} // namespace recur
} // namespace mlir

#endif // RECUR_EMIT_MACHINECODE_H
