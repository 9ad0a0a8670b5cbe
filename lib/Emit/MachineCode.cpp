//===- MachineCode.cpp - From the lowered module to machine code ----------===//

#include "recur/Emit/MachineCode.h"

#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Verifier.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"
#include "llvm/Transforms/Instrumentation/AddressSanitizer.h"

using namespace mlir;
using namespace mlir::recur;

std::unique_ptr<llvm::TargetMachine>
mlir::recur::createHostTargetMachine(const MachineCodeOptions &options,
                                     std::string &error) {
  llvm::Triple triple(llvm::sys::getDefaultTargetTriple());
  const llvm::Target *llvmTarget =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!llvmTarget)
    return nullptr;
  std::string cpu = options.cpu;
  std::string features;
  if (cpu == "native") {
    cpu = llvm::sys::getHostCPUName().str();
    llvm::SubtargetFeatures featureSet;
    for (const auto &[feature, enabled] : llvm::sys::getHostCPUFeatures())
      featureSet.AddFeature(feature, enabled);
    features = featureSet.getString();
  }
  // Ask a subtarget of the generic CPU, so that LLVM prints no warning of
  // its own for an unknown name.
  std::unique_ptr<llvm::MCSubtargetInfo> subtarget(
      llvmTarget->createMCSubtargetInfo(triple, "generic", ""));
  if (!subtarget || !subtarget->isCPUStringValid(cpu)) {
    error = "unknown CPU '" + cpu + "' for " + triple.str();
    return nullptr;
  }
  // A 32-bit x86 CPU (i386 ... pentium4) is known to LLVM, which then
  // stops with a fatal error on 64-bit code.
  if (triple.getArch() == llvm::Triple::x86_64) {
    std::unique_ptr<llvm::MCSubtargetInfo> chosen(
        llvmTarget->createMCSubtargetInfo(triple, cpu, features));
    if (!chosen || !chosen->checkFeatures("+64bit")) {
      error = "unsupported CPU '" + cpu + "' for " + triple.str() +
              ": it does not run 64-bit code";
      return nullptr;
    }
  }
  llvm::CodeGenOptLevel level = llvm::CodeGenOptLevel::Default;
  if (options.optLevel == 0)
    level = llvm::CodeGenOptLevel::None;
  else if (options.optLevel == 3)
    level = llvm::CodeGenOptLevel::Aggressive;
  // An FMA: one rounding instead of two, and half the instructions of the
  // elementwise steps.
  llvm::TargetOptions targetOptions;
  if (options.fuseMultiplyAdd)
    targetOptions.AllowFPOpFusion = llvm::FPOpFusion::Fast;
  return std::unique_ptr<llvm::TargetMachine>(llvmTarget->createTargetMachine(
      triple, cpu, features, targetOptions, llvm::Reloc::PIC_, std::nullopt,
      level));
}

int64_t mlir::recur::getVectorBits(const llvm::TargetMachine &machine) {
  const llvm::MCSubtargetInfo *info = machine.getMCSubtargetInfo();
  if (info->checkFeatures("+avx512f"))
    return 512;
  if (info->checkFeatures("+avx"))
    return 256;
  return 128;
}

namespace {
/// Turns off LLVM's ConstraintElimination pass (its command-line option,
/// which its pipeline reads).
void disableConstraintElimination() {
  auto &registered =
      llvm::cl::getRegisteredOptions();
  auto it = registered.find("enable-constraint-elimination");
  if (it == registered.end())
    return;
  if (auto *option = static_cast<llvm::cl::opt<bool> *>(it->second))
    option->setValue(false);
}

/// Instruments every function of `module` with AddressSanitizer, as clang
/// does at the end of its pipeline for -fsanitize=address.
void instrumentForAddressSanitizer(llvm::Module &module,
                                   llvm::TargetMachine &machine) {
  for (llvm::Function &function : module)
    if (!function.isDeclaration())
      function.addFnAttr(llvm::Attribute::SanitizeAddress);
  llvm::LoopAnalysisManager loops;
  llvm::FunctionAnalysisManager functions;
  llvm::CGSCCAnalysisManager sccs;
  llvm::ModuleAnalysisManager modules;
  llvm::PassBuilder builder(&machine);
  builder.registerModuleAnalyses(modules);
  builder.registerCGSCCAnalyses(sccs);
  builder.registerFunctionAnalyses(functions);
  builder.registerLoopAnalyses(loops);
  builder.crossRegisterProxies(loops, functions, sccs, modules);
  llvm::ModulePassManager passes;
  passes.addPass(llvm::AddressSanitizerPass(llvm::AddressSanitizerOptions()));
  passes.run(module, modules);
}
} // namespace

std::unique_ptr<llvm::Module> mlir::recur::translateAndOptimize(
    ModuleOp module, llvm::LLVMContext &context, llvm::TargetMachine &machine,
    const MachineCodeOptions &options, llvm::StringRef name,
    std::string &error) {
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, context, name);
  if (!llvmModule) {
    error = "cannot translate the lowered module to LLVM IR";
    return nullptr;
  }
  llvmModule->setDataLayout(machine.createDataLayout());
  llvmModule->setTargetTriple(machine.getTargetTriple());
  // LLVM's default pipeline, as MLIR's execution engine runs it, without
  // ConstraintElimination: the exported function of a whole model checks
  // hundreds of buffers at its entry, and that pass takes a minute over
  // them (40 s of 42 for a 48-layer stack); recur's loops have no bounds
  // checks for it to remove.
  disableConstraintElimination();
  auto transformer = makeOptimizingTransformer(options.optLevel,
                                               /*sizeLevel=*/0, &machine);
  if (llvm::Error failure = transformer(llvmModule.get())) {
    error = "LLVM optimization failed: " + llvm::toString(std::move(failure));
    return nullptr;
  }
  if (options.sanitizeAddress)
    instrumentForAddressSanitizer(*llvmModule, machine);
  std::string problems;
  llvm::raw_string_ostream os(problems);
  if (llvm::verifyModule(*llvmModule, &os)) {
    error = "internal error: the optimized LLVM IR does not verify: " +
            problems;
    return nullptr;
  }
  return llvmModule;
}

LogicalResult mlir::recur::emitMachineCode(llvm::Module &module,
                                           llvm::TargetMachine &machine,
                                           bool assembly,
                                           llvm::SmallVectorImpl<char> &out,
                                           std::string &error) {
  llvm::raw_svector_ostream os(out);
  llvm::legacy::PassManager codegen;
  auto fileType = assembly ? llvm::CodeGenFileType::AssemblyFile
                           : llvm::CodeGenFileType::ObjectFile;
  if (machine.addPassesToEmitFile(codegen, os, nullptr, fileType)) {
    error = "the target cannot emit this file type";
    return failure();
  }
  codegen.run(module);
  return success();
}
