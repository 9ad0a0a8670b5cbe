//===- recur-fuzz.cpp - libFuzzer target for the recur front end ----------===//
//
// Each input is a model description. It goes the way recur-compile takes
// it: the input checks, parsing and verification, the whole CPU pipeline
// (default and reference lowerings alternate with the input) down to the
// LLVM dialect, with the verifier after every pass, then the translation to
// LLVM IR, LLVM's -O pipeline (levels 0 to 3 alternate) and code generation
// of an object file in memory. Diagnostics are the expected answer to bad
// input; a crash, a sanitizer report or a hang is a bug. scripts/fuzz.sh
// builds and runs it.
//
//===----------------------------------------------------------------------===//

#include "recur/InitAll.h"
#include "recur/Pipelines/Pipelines.h"
#include "recur/Support/InputChecks.h"
#include "recur/Emit/MachineCode.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"

#include <cstddef>
#include <cstdint>

using namespace mlir;

namespace {
/// One context for every input: registering the dialects per input would
/// dominate the run time.
MLIRContext &getContext() {
  static MLIRContext *context = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    DialectRegistry registry;
    recur::registerAllDialects(registry);
    registerAllToLLVMIRTranslations(registry);
    auto *created = new MLIRContext(registry);
    created->loadAllAvailableDialects();
    created->disableMultithreading();
    return created;
  }();
  return *context;
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  MLIRContext &context = getContext();
  // Diagnostics are the expected outcome for most inputs; keep them quiet.
  ScopedDiagnosticHandler quiet(&context, [](Diagnostic &) { return success(); });

  llvm::SourceMgr sourceMgr;
  sourceMgr.setDiagHandler([](const llvm::SMDiagnostic &, void *) {});
  sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(
          llvm::StringRef(reinterpret_cast<const char *>(data), size), "fuzz"),
      llvm::SMLoc());
  OwningOpRef<ModuleOp> module =
      recur::parseModelDescription(sourceMgr, context);
  if (!module)
    return 0;

  recur::CPUPipelineOptions options;
  options.lowering = size % 2 ? recur::RecurLowering::Reference
                              : recur::RecurLowering::Default;
  options.chunkSize = size % 3 ? 64 : 16;
  PassManager pm(&context);
  recur::buildCPUPipeline(pm, options);
  if (failed(pm.run(*module)))
    return 0;

  recur::MachineCodeOptions machineOptions;
  machineOptions.optLevel = size % 4;
  machineOptions.fuseMultiplyAdd =
      options.lowering == recur::RecurLowering::Default;
  std::string error;
  static std::unique_ptr<llvm::TargetMachine> machines[4];
  std::unique_ptr<llvm::TargetMachine> &machine =
      machines[machineOptions.optLevel];
  if (!machine)
    machine = recur::createHostTargetMachine(machineOptions, error);
  if (!machine)
    return 0;
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule = recur::translateAndOptimize(
      *module, llvmContext, *machine, machineOptions, "fuzz", error);
  if (!llvmModule)
    return 0;
  llvm::SmallVector<char, 0> object;
  (void)recur::emitMachineCode(*llvmModule, *machine, /*assembly=*/false,
                               object, error);
  return 0;
}
