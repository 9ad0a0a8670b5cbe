//===- recur-compile.cpp - Model description to object file + C header ----===//
//
//   recur-compile model.mlir --target=cpu -o model.o      (writes model.h too)
//
// Parses and verifies the model description, runs the CPU pipeline
// (lib/Pipelines), translates to LLVM IR, optimizes it and emits an object
// file, assembly, LLVM IR or the lowered MLIR. Every failure is one
// diagnostic and a non-zero exit; no output file is left behind.
//
//===----------------------------------------------------------------------===//

#include "recur/InitAll.h"
#include "recur/Pipelines/Pipelines.h"
#include "recur/Target/CInterface.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/Verifier.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/TargetParser/SubtargetFeature.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"

using namespace mlir;
namespace cl = llvm::cl;

namespace {
enum class EmitKind { Object, Assembly, LLVMIR, MLIR };

cl::OptionCategory category("recur-compile options");

cl::opt<std::string> inputFile(cl::Positional, cl::desc("<model.mlir>"),
                               cl::Required, cl::cat(category));
cl::opt<std::string>
    outputFile("o",
               cl::desc("Output file (default: the input's name with .o, .s, "
                        ".ll or .lowered.mlir; '-' for standard output)"),
               cl::value_desc("file"), cl::cat(category));
cl::opt<std::string> target("target",
                            cl::desc("Code generation target: cpu (default)"),
                            cl::init("cpu"), cl::cat(category));
cl::opt<EmitKind> emit(
    "emit", cl::desc("What to write"), cl::init(EmitKind::Object),
    cl::values(clEnumValN(EmitKind::Object, "obj", "an object file (default)"),
               clEnumValN(EmitKind::Assembly, "asm", "target assembly"),
               clEnumValN(EmitKind::LLVMIR, "llvm", "optimized LLVM IR"),
               clEnumValN(EmitKind::MLIR, "mlir",
                          "the lowered MLIR (LLVM dialect)")),
    cl::cat(category));
cl::opt<std::string> headerFile(
    "header",
    cl::desc("Where to write the C header (default: beside the object file, "
             "with .h; 'none' for no header)"),
    cl::value_desc("file"), cl::cat(category));
cl::opt<recur::RecurLowering> pipeline(
    "pipeline", cl::desc("How recur ops are lowered"),
    cl::init(recur::RecurLowering::Default),
    cl::values(clEnumValN(recur::RecurLowering::Default, "default",
                          "the fastest lowering available for each op"),
               clEnumValN(recur::RecurLowering::Reference, "reference",
                          "token-by-token loops, the oracle")),
    cl::cat(category));
cl::opt<int64_t> chunkSize(
    "chunk-size",
    cl::desc("Tokens per chunk of the chunked forms, 1 to 1024 (default 64)"),
    cl::init(64), cl::cat(category));
cl::opt<recur::StatePass> statePass(
    "state-pass", cl::desc("How the state crosses chunks in the chunked forms"),
    cl::init(recur::StatePass::Sequential),
    cl::values(clEnumValN(recur::StatePass::Sequential, "sequential",
                          "one loop carries the state (default)"),
               clEnumValN(recur::StatePass::Parallel, "parallel",
                          "chunk summaries in parallel, then chunk outputs "
                          "in parallel (scans)")),
    cl::cat(category));
cl::opt<unsigned> optLevel("O", cl::desc("LLVM optimization level 0-3 "
                                         "(default 2)"),
                           cl::Prefix, cl::init(2), cl::cat(category));
cl::opt<std::string> mcpu("mcpu",
                          cl::desc("Target CPU (default: native, the host)"),
                          cl::init("native"), cl::cat(category));

/// Reports a command-line or I/O error the way diagnostics look.
int fail(const llvm::Twine &message) {
  llvm::errs() << "recur-compile: error: " << message << "\n";
  return 1;
}

std::string defaultOutputName() {
  llvm::SmallString<128> path(inputFile.getValue());
  llvm::StringRef extension;
  switch (emit) {
  case EmitKind::Object: extension = ".o"; break;
  case EmitKind::Assembly: extension = ".s"; break;
  case EmitKind::LLVMIR: extension = ".ll"; break;
  case EmitKind::MLIR: extension = ".lowered.mlir"; break;
  }
  llvm::sys::path::replace_extension(path, extension);
  return std::string(path);
}

/// The include guard for a header file name: model.h -> RECUR_MODEL_H.
std::string headerGuard(llvm::StringRef path) {
  std::string guard = "RECUR_";
  for (char c : llvm::sys::path::filename(path))
    guard += llvm::isAlnum(c) ? llvm::toUpper(c) : '_';
  return guard;
}

std::unique_ptr<llvm::TargetMachine> createHostTargetMachine(std::string &error) {
  llvm::Triple triple(llvm::sys::getDefaultTargetTriple());
  const llvm::Target *llvmTarget =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!llvmTarget)
    return nullptr;
  std::string cpu = mcpu;
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
  llvm::CodeGenOptLevel level = llvm::CodeGenOptLevel::Default;
  if (optLevel == 0)
    level = llvm::CodeGenOptLevel::None;
  else if (optLevel == 3)
    level = llvm::CodeGenOptLevel::Aggressive;
  return std::unique_ptr<llvm::TargetMachine>(llvmTarget->createTargetMachine(
      triple, cpu, features, llvm::TargetOptions(), llvm::Reloc::PIC_,
      std::nullopt, level));
}

/// Reports the first op the pipeline left outside the LLVM dialect (an
/// upstream op it cannot lower yet), and a module that exports nothing.
LogicalResult verifyLowered(ModuleOp module) {
  // Casts left between lowered and unlowered types only follow from another
  // leftover op, which is the one to name.
  Operation *leftover = nullptr;
  module.walk([&](Operation *op) {
    if (isa<ModuleOp>(op) ||
        isa_and_nonnull<LLVM::LLVMDialect>(op->getDialect()))
      return WalkResult::advance();
    if (!leftover || isa<UnrealizedConversionCastOp>(leftover))
      leftover = op;
    return isa<UnrealizedConversionCastOp>(op) ? WalkResult::advance()
                                               : WalkResult::interrupt();
  });
  if (leftover)
    return leftover->emitError() << "'" << leftover->getName()
                                 << "' is not supported by the CPU pipeline";
  bool exportsSomething = llvm::any_of(
      module.getOps<LLVM::LLVMFuncOp>(), [](LLVM::LLVMFuncOp func) {
        return func->hasAttr(recur::CInterface::attrName);
      });
  if (!exportsSomething)
    return module.emitError()
           << "nothing to export: the module has no public func.func with a "
              "body at its top level";
  return success();
}

void optimize(llvm::Module &module, llvm::TargetMachine &machine) {
  llvm::LoopAnalysisManager loopAM;
  llvm::FunctionAnalysisManager functionAM;
  llvm::CGSCCAnalysisManager cgsccAM;
  llvm::ModuleAnalysisManager moduleAM;
  llvm::PassBuilder builder(&machine);
  builder.registerModuleAnalyses(moduleAM);
  builder.registerCGSCCAnalyses(cgsccAM);
  builder.registerFunctionAnalyses(functionAM);
  builder.registerLoopAnalyses(loopAM);
  builder.crossRegisterProxies(loopAM, functionAM, cgsccAM, moduleAM);
  llvm::OptimizationLevel level = llvm::OptimizationLevel::O2;
  if (optLevel == 0)
    level = llvm::OptimizationLevel::O0;
  else if (optLevel == 1)
    level = llvm::OptimizationLevel::O1;
  else if (optLevel >= 3)
    level = llvm::OptimizationLevel::O3;
  llvm::ModulePassManager passes =
      level == llvm::OptimizationLevel::O0
          ? builder.buildO0DefaultPipeline(level)
          : builder.buildPerModuleDefaultPipeline(level);
  passes.run(module, moduleAM);
}
} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "recur-compile: compile a recur model description to an object file "
      "and a C header\n\n"
      "Each public func.func of the module becomes an exported C function:\n"
      "  void name(int64_t <dynamic dims>..., const T *inputs..., T *outputs...)\n"
      "with contiguous row-major caller-owned buffers (see the header).\n");

  if (target != "cpu")
    return fail("unknown target '" + target + "' (expected 'cpu')");
  if (optLevel > 3)
    return fail("unknown optimization level -O" + llvm::Twine(optLevel.getValue()) +
                " (expected 0 to 3)");
  if (chunkSize < 1 || chunkSize > 1024)
    return fail("--chunk-size must be in [1, 1024], got " +
                llvm::Twine(chunkSize.getValue()));
  recur::CPUPipelineOptions pipelineOptions;
  pipelineOptions.lowering = pipeline;
  pipelineOptions.chunkSize = chunkSize;
  pipelineOptions.statePass = statePass;

  // Parse and verify the model description.
  DialectRegistry registry;
  recur::registerAllDialects(registry);
  recur::registerAllPasses();
  registerAllToLLVMIRTranslations(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  // Diagnostics point at the model description; the op dump adds nothing.
  context.printOpOnDiagnostic(false);

  std::string ioError;
  std::unique_ptr<llvm::MemoryBuffer> input = openInputFile(inputFile, &ioError);
  if (!input)
    return fail(ioError);
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(input), llvm::SMLoc());
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  if (!module)
    return 1;

  PassManager pm(&context);
  if (failed(recur::populateCPUPipeline(pm, pipelineOptions)))
    return 1;
  if (failed(pm.run(*module)) || failed(verifyLowered(*module)))
    return 1;

  // Render every output in memory first, so that a failure writes nothing.
  std::string outputText;
  llvm::SmallVector<char, 0> outputBinary;
  std::string headerText;
  if (outputFile.empty() && inputFile == "-")
    return fail("reading from standard input needs an output file (-o)");
  std::string outputName =
      outputFile.empty() ? defaultOutputName() : outputFile.getValue();
  std::string headerName = headerFile;
  if (headerName.empty() && emit == EmitKind::Object && outputName != "-") {
    llvm::SmallString<128> path(outputName);
    llvm::sys::path::replace_extension(path, ".h");
    headerName = std::string(path);
  }
  if (headerName == outputName ||
      (!headerName.empty() && llvm::sys::fs::equivalent(headerName, outputName)))
    return fail("the header and the output are the same file '" + outputName +
                "'");
  if (!headerName.empty() && headerName != "none") {
    llvm::raw_string_ostream headerStream(headerText);
    if (failed(recur::writeCHeader(*module, headerGuard(headerName),
                                   headerStream)))
      return 1;
  }

  if (emit == EmitKind::MLIR) {
    llvm::raw_string_ostream os(outputText);
    module->print(os);
  } else {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    std::string targetError;
    std::unique_ptr<llvm::TargetMachine> machine =
        createHostTargetMachine(targetError);
    if (!machine)
      return fail(targetError);

    llvm::LLVMContext llvmContext;
    std::unique_ptr<llvm::Module> llvmModule =
        translateModuleToLLVMIR(*module, llvmContext, inputFile);
    if (!llvmModule)
      return fail("cannot translate the lowered module to LLVM IR");
    llvmModule->setDataLayout(machine->createDataLayout());
    llvmModule->setTargetTriple(machine->getTargetTriple());
    optimize(*llvmModule, *machine);
    if (llvm::verifyModule(*llvmModule, &llvm::errs()))
      return fail("internal error: the optimized LLVM IR does not verify");

    if (emit == EmitKind::LLVMIR) {
      llvm::raw_string_ostream os(outputText);
      llvmModule->print(os, nullptr);
    } else {
      llvm::raw_svector_ostream os(outputBinary);
      llvm::legacy::PassManager codegen;
      auto fileType = emit == EmitKind::Object
                          ? llvm::CodeGenFileType::ObjectFile
                          : llvm::CodeGenFileType::AssemblyFile;
      if (machine->addPassesToEmitFile(codegen, os, nullptr, fileType))
        return fail("the target cannot emit this file type");
      codegen.run(*llvmModule);
    }
  }

  // Write the outputs; ToolOutputFile removes them unless kept.
  std::string writeError;
  std::unique_ptr<llvm::ToolOutputFile> output =
      openOutputFile(outputName, &writeError);
  if (!output)
    return fail(writeError);
  std::unique_ptr<llvm::ToolOutputFile> header;
  if (!headerText.empty()) {
    header = openOutputFile(headerName, &writeError);
    if (!header)
      return fail(writeError);
    header->os() << headerText;
  }
  if (outputBinary.empty())
    output->os() << outputText;
  else
    output->os().write(outputBinary.data(), outputBinary.size());
  // Check (and clear, or the stream aborts when closed) every write error.
  std::string unwritten;
  for (auto &[file, name] : {std::pair(output.get(), outputName),
                             std::pair(header.get(), headerName)}) {
    if (!file)
      continue;
    file->os().flush();
    if (file->os().has_error()) {
      file->os().clear_error();
      unwritten = name;
    }
  }
  if (!unwritten.empty())
    return fail("cannot write '" + unwritten + "'");
  output->keep();
  if (header)
    header->keep();
  return 0;
}
