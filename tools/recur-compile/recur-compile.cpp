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
#include "recur/Support/InputChecks.h"
#include "recur/Emit/CInterface.h"
#include "recur/Emit/InterfaceFile.h"
#include "recur/Emit/MachineCode.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/CrashRecoveryContext.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Target/TargetMachine.h"

#include <cstdlib>
#include <limits>

using namespace mlir;
namespace cl = llvm::cl;

namespace {
enum class EmitKind { Object, Assembly, LLVMIR, MLIR, PTX };
enum class Target { CPU, Vulkan, CUDA };

cl::OptionCategory category("recur-compile options");

cl::opt<std::string> inputFile(cl::Positional, cl::desc("<model.mlir>"),
                               cl::Required, cl::cat(category));
cl::opt<std::string>
    outputFile("o",
               cl::desc("Output file (default: the input's name with .o, .s, "
                        ".ll or .lowered.mlir; '-' for standard output)"),
               cl::value_desc("file"), cl::cat(category));
cl::opt<Target> target(
    "target", cl::desc("Code generation target"), cl::init(Target::CPU),
    cl::values(clEnumValN(Target::CPU, "cpu", "this CPU (default)"),
               clEnumValN(Target::Vulkan, "vulkan",
                          "SPIR-V kernels launched through recur's Vulkan "
                          "runtime (runtime/include/recur/vulkan_calls.h)"),
               clEnumValN(Target::CUDA, "cuda",
                          "NVIDIA GPUs: a fatbin launched through recur's "
                          "CUDA runtime (runtime/include/recur/cuda_calls.h)")),
    cl::cat(category));
cl::opt<std::string> gpuArch("gpu-arch",
                             cl::desc(recur::kGPUArchDescription),
                             cl::init("sm_80"), cl::cat(category));
cl::opt<int64_t> sharedMemoryBytes(
    "shared-memory-bytes",
    cl::desc("The shared memory of one GPU block the chunk tiles may take, "
             "in bytes (default: 32768 for vulkan, what lavapipe gives; for "
             "cuda half an SM's, so that two blocks share one: 82944 on "
             "sm_80, 50176 on sm_86 and sm_89, 115712 on sm_90; at most "
             "what --gpu-arch gives a block)"),
    cl::cat(category));
cl::opt<int64_t> gpuBlocks(
    "gpu-blocks",
    cl::desc("The blocks that fill the GPU (its SMs times the blocks each "
             "holds at once): linear attention of static B, H and T with at "
             "most half as many blocks splits its sequences into parts "
             "(default: 0, never, for vulkan; for cuda the SMs of "
             "--gpu-arch's largest data-center GPU, 108 on sm_80, 84 on "
             "sm_86, 142 on sm_89, 132 on sm_90, times the blocks of "
             "--shared-memory-bytes an SM holds)"),
    cl::cat(category));
cl::opt<std::string> cudaPath("cuda-path",
                              cl::desc(recur::kCUDAPathDescription),
                              cl::cat(category));
cl::opt<EmitKind> emit(
    "emit", cl::desc("What to write"), cl::init(EmitKind::Object),
    cl::values(clEnumValN(EmitKind::Object, "obj", "an object file (default)"),
               clEnumValN(EmitKind::Assembly, "asm", "target assembly"),
               clEnumValN(EmitKind::LLVMIR, "llvm", "optimized LLVM IR"),
               clEnumValN(EmitKind::MLIR, "mlir",
                          "the lowered MLIR (LLVM dialect)"),
               clEnumValN(EmitKind::PTX, "ptx",
                          "the kernels' PTX (--target=cuda)")),
    cl::cat(category));
cl::opt<std::string> headerFile(
    "header",
    cl::desc("Where to write the C header (default: beside the object file, "
             "with .h; 'none' for no header)"),
    cl::value_desc("file"), cl::cat(category));
cl::opt<std::string> interfaceFile(
    "interface",
    cl::desc("Where to write the interface file, the header's functions as "
             "JSON (default: beside the object file, with .json; 'none' for "
             "no interface file)"),
    cl::value_desc("file"), cl::cat(category));
cl::opt<recur::RecurLowering> pipeline("pipeline",
                                       cl::desc(recur::kLoweringDescription),
                                       cl::init(recur::RecurLowering::Default),
                                       recur::loweringOptionValues(),
                                       cl::cat(category));
cl::opt<int64_t> chunkSize("chunk-size",
                           cl::desc(recur::kChunkSizeDescription),
                           cl::init(recur::kDefaultChunkSize),
                           cl::cat(category));
cl::opt<int64_t> serialBelow("serial-below",
                             cl::desc(recur::kSerialBelowDescription),
                             cl::init(recur::kDefaultSerialBelow),
                             cl::cat(category));
cl::opt<recur::LinearAttentionForm> linearAttentionForm(
    "linear-attention-form", cl::desc(recur::kLinearAttentionFormDescription),
    cl::init(recur::LinearAttentionForm::Auto),
    recur::linearAttentionFormOptionValues(), cl::cat(category));
cl::opt<recur::MatmulPrecision> matmulPrecision(
    "matmul-precision", cl::desc(recur::kMatmulPrecisionDescription),
    cl::init(recur::MatmulPrecision::Split),
    recur::matmulPrecisionOptionValues(), cl::cat(category));
cl::opt<bool> openmp("openmp", cl::desc(recur::kOpenMPDescription),
                      cl::init(true), cl::cat(category));
cl::opt<recur::StatePass> statePass("state-pass",
                                    cl::desc(recur::kStatePassDescription),
                                    cl::init(recur::StatePass::Sequential),
                                    recur::statePassOptionValues(),
                                    cl::cat(category));
cl::opt<unsigned> optLevel("O", cl::desc("LLVM optimization level 0-3 "
                                         "(default 2)"),
                           cl::Prefix, cl::init(2), cl::cat(category));
cl::opt<bool> sanitizeAddress(
    "sanitize-address",
    cl::desc("Instrument the compiled code with AddressSanitizer (link the "
             "program with -fsanitize=address)"),
    cl::init(false), cl::cat(category));
cl::opt<std::string> mcpu("mcpu",
                          cl::desc("Target CPU (default: native, the host)"),
                          cl::init("native"), cl::cat(category));

/// Reports a command-line or I/O error the way diagnostics look.
int fail(const llvm::Twine &message) {
  llvm::errs() << "recur-compile: error: " << message << "\n";
  return 1;
}

/// The LLVM stage's options from the command line.
recur::MachineCodeOptions machineCodeOptions() {
  recur::MachineCodeOptions options;
  options.cpu = mcpu;
  options.optLevel = optLevel;
  // The oracle keeps every operation rounded apart.
  options.fuseMultiplyAdd = pipeline == recur::RecurLowering::Default;
  options.sanitizeAddress = sanitizeAddress;
  return options;
}

std::string defaultOutputName() {
  llvm::SmallString<128> path(inputFile.getValue());
  llvm::StringRef extension;
  switch (emit) {
  case EmitKind::Object: extension = ".o"; break;
  case EmitKind::Assembly: extension = ".s"; break;
  case EmitKind::LLVMIR: extension = ".ll"; break;
  case EmitKind::MLIR: extension = ".lowered.mlir"; break;
  case EmitKind::PTX: extension = ".ptx"; break;
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

/// Reports the first op the pipeline left outside the LLVM and OpenMP
/// dialects, which the translation to LLVM IR takes (an upstream op it
/// cannot lower yet), and a module that exports nothing.
LogicalResult verifyLowered(ModuleOp module) {
  // Casts left between lowered and unlowered types only follow from another
  // leftover op, which is the one to name.
  Operation *leftover = nullptr;
  module.walk([&](Operation *op) {
    if (isa<ModuleOp>(op) ||
        isa_and_nonnull<LLVM::LLVMDialect, omp::OpenMPDialect>(
            op->getDialect()))
      return WalkResult::advance();
    if (!leftover || isa<UnrealizedConversionCastOp>(leftover))
      leftover = op;
    return isa<UnrealizedConversionCastOp>(op) ? WalkResult::advance()
                                               : WalkResult::interrupt();
  });
  if (leftover)
    return leftover->emitError()
           << "'" << leftover->getName() << "' is not supported by the "
           << (target == Target::Vulkan ? "vulkan"
               : target == Target::CUDA ? "cuda"
                                        : "CPU")
           << " pipeline";
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

/// Runs `stage` so that a crash inside it ends recur-compile with an error
/// and exit status 1 instead of a signal. Such a crash is a bug of recur or
/// of upstream MLIR/LLVM that this input reaches (fuzzing found one in
/// upstream's linalg.transpose parser, which goes on after its own parse
/// error); the state after it is not trusted, so the process ends at once.
template <typename Stage>
bool runGuarded(StringRef what, Stage &&stage) {
  llvm::CrashRecoveryContext recovery;
  if (recovery.RunSafely(stage))
    return true;
  llvm::errs() << "recur-compile: error: internal error while " << what
               << ": a bug of recur or of upstream MLIR/LLVM that this input "
                  "reaches; please report it with the input\n";
  llvm::errs().flush();
  std::_Exit(1);
}

/// Stage 1: reads and verifies the model description. Diagnostics go
/// through the handler installed on `context` for `sourceMgr`.
OwningOpRef<ModuleOp> parseModel(llvm::SourceMgr &sourceMgr,
                                 MLIRContext &context) {
  return recur::parseModelDescription(sourceMgr, context);
}

/// The CUDA toolkit: --cuda-path, else $CUDA_HOME, else /usr/local/cuda.
std::string cudaToolkit() {
  if (!cudaPath.empty())
    return cudaPath;
  if (const char *home = std::getenv("CUDA_HOME"); home && *home)
    return home;
  return "/usr/local/cuda";
}

/// Stage 2: runs the target's pipeline and checks that everything was
/// lowered.
LogicalResult lowerModel(ModuleOp module, const llvm::TargetMachine &machine) {
  if (target != Target::CPU) {
    recur::GPUPipelineOptions options;
    options.gpuArch = gpuArch;
    options.cudaPath = cudaToolkit();
    if (sharedMemoryBytes.getNumOccurrences() != 0)
      options.sharedMemoryBytes = sharedMemoryBytes;
    else if (target == Target::CUDA)
      options.sharedMemoryBytes = recur::cudaDefaultSharedMemoryBytes(gpuArch);
    if (gpuBlocks.getNumOccurrences() != 0)
      options.gpuBlocks = gpuBlocks;
    else if (target == Target::CUDA)
      options.gpuBlocks = recur::cudaDefaultGPUBlocks(
          gpuArch, options.sharedMemoryBytes);
    // The GPU policy's own chunk size unless one is asked for; the
    // reference lowering is the token-serial form of every op.
    options.lowering = pipeline;
    if (chunkSize.getNumOccurrences() != 0)
      options.chunkSize = chunkSize;
    options.serialBelow = serialBelow;
    options.linearAttentionForm = linearAttentionForm;
    options.matmulPrecision = matmulPrecision;
    PassManager pm(module.getContext());
    if (target == Target::Vulkan)
      recur::buildVulkanPipeline(pm, options);
    else if (emit == EmitKind::PTX)
      recur::buildCUDAKernelsPipeline(pm, options);
    else
      recur::buildCUDAPipeline(pm, options);
    if (failed(pm.run(module)))
      return failure();
    return emit == EmitKind::PTX ? success() : verifyLowered(module);
  }
  recur::CPUPipelineOptions options;
  options.vectorBits = recur::getVectorBits(machine);
  options.lowering = pipeline;
  options.chunkSize = chunkSize;
  options.statePass = statePass;
  options.serialBelow = serialBelow;
  options.linearAttentionForm = linearAttentionForm;
  options.openmp = openmp;
  PassManager pm(module.getContext());
  recur::buildCPUPipeline(pm, options);
  if (failed(pm.run(module)))
    return failure();
  return verifyLowered(module);
}

/// What the emit stage renders, in memory, so that a failure writes nothing.
struct Rendered {
  std::string text;                 // LLVM IR, MLIR
  llvm::SmallVector<char, 0> binary; // object file, assembly
  std::string header;               // the C header, if asked for
  std::string interface;            // the interface file, if asked for
};

/// Where the outputs go: the output, the header and the interface file
/// (empty or "none": not written).
struct OutputNames {
  std::string output, header, interface;
};

static bool isWritten(const std::string &name) {
  return !name.empty() && name != "none";
}

recur::InterfaceTarget interfaceTarget() {
  switch (target) {
  case Target::CPU: return recur::InterfaceTarget::CPU;
  case Target::Vulkan: return recur::InterfaceTarget::Vulkan;
  case Target::CUDA: return recur::InterfaceTarget::CUDA;
  }
  llvm_unreachable("unknown target");
}

/// Stage 3 of --emit=ptx: the kernels' PTX, after a comment line per kernel
/// that takes dynamic shared memory (which ptxas cannot report):
///   // recur: <kernel> takes <bytes> bytes of dynamic shared memory
LogicalResult emitKernels(ModuleOp module, Rendered &rendered) {
  llvm::raw_string_ostream os(rendered.text);
  llvm::MapVector<StringRef, int64_t> sharedBytes;
  module.walk([&](gpu::LaunchFuncOp launch) {
    if (Value bytes = launch.getDynamicSharedMemorySize())
      if (std::optional<int64_t> value = getConstantIntValue(bytes))
        sharedBytes[launch.getKernelName().getValue()] = *value;
  });
  for (auto [kernel, bytes] : sharedBytes)
    os << "// recur: " << kernel << " takes " << bytes
       << " bytes of dynamic shared memory\n";
  for (auto binary : module.getOps<gpu::BinaryOp>())
    for (Attribute object : binary.getObjects())
      os << cast<gpu::ObjectAttr>(object).getObject().getValue();
  return success();
}

/// Stage 3: renders the header and the requested output.
LogicalResult emitModel(ModuleOp module, llvm::TargetMachine &machine,
                        const OutputNames &names, Rendered &rendered) {
  if (emit == EmitKind::PTX)
    return emitKernels(module, rendered);
  if (isWritten(names.header)) {
    llvm::raw_string_ostream headerStream(rendered.header);
    if (failed(recur::writeCHeader(module, headerGuard(names.header),
                                   headerStream,
                                   interfaceTarget())))
      return failure();
  }
  if (isWritten(names.interface)) {
    llvm::raw_string_ostream interfaceStream(rendered.interface);
    if (failed(recur::writeInterfaceFile(
            module, interfaceStream,
            interfaceTarget())))
      return failure();
  }
  if (emit == EmitKind::MLIR) {
    llvm::raw_string_ostream os(rendered.text);
    module->print(os);
    return success();
  }

  llvm::LLVMContext llvmContext;
  std::string error;
  std::unique_ptr<llvm::Module> llvmModule = recur::translateAndOptimize(
      module, llvmContext, machine, machineCodeOptions(), inputFile, error);
  if (!llvmModule)
    return (fail(error), failure());
  if (emit == EmitKind::LLVMIR) {
    llvm::raw_string_ostream os(rendered.text);
    llvmModule->print(os, nullptr);
    return success();
  }
  if (failed(recur::emitMachineCode(*llvmModule, machine,
                                    emit == EmitKind::Assembly,
                                    rendered.binary, error)))
    return (fail(error), failure());
  return success();
}

/// Writes the rendered output, header and interface file; ToolOutputFile
/// removes them all unless every write succeeded.
int writeOutputs(const Rendered &rendered, const OutputNames &names) {
  std::string writeError;
  std::unique_ptr<llvm::ToolOutputFile> output =
      openOutputFile(names.output, &writeError);
  if (!output)
    return fail(writeError);
  std::unique_ptr<llvm::ToolOutputFile> header, interface;
  for (auto [text, name, file] :
       {std::tuple(&rendered.header, &names.header, &header),
        std::tuple(&rendered.interface, &names.interface, &interface)}) {
    if (text->empty())
      continue;
    *file = openOutputFile(*name, &writeError);
    if (!*file)
      return fail(writeError);
    (*file)->os() << *text;
  }
  if (rendered.binary.empty())
    output->os() << rendered.text;
  else
    output->os().write(rendered.binary.data(), rendered.binary.size());
  // Check (and clear, or the stream aborts when closed) every write error.
  std::string unwritten;
  for (auto &[file, name] : {std::pair(output.get(), names.output),
                             std::pair(header.get(), names.header),
                             std::pair(interface.get(), names.interface)}) {
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
  for (llvm::ToolOutputFile *file : {output.get(), header.get(),
                                     interface.get()})
    if (file)
      file->keep();
  return 0;
}

/// The default name of a file written beside the object: the output's
/// name with `extension`.
std::string besideOutput(const std::string &outputName,
                         llvm::StringRef extension) {
  llvm::SmallString<128> path(outputName);
  llvm::sys::path::replace_extension(path, extension);
  return std::string(path);
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
      "  int name(int64_t <dynamic dims>..., const T *inputs..., T *outputs...)\n"
      "with contiguous row-major caller-owned buffers (see the header). It\n"
      "returns 0, or a nonzero status after checking the sizes and before\n"
      "any work; name_status_message(status) describes it.\n");

  if (target == Target::CUDA) {
    if (!llvm::is_contained({"sm_80", "sm_86", "sm_89", "sm_90"},
                            gpuArch.getValue()))
      return fail("unknown --gpu-arch '" + gpuArch +
                  "' (expected sm_80, sm_86, sm_89 or sm_90)");
    std::string libdevice = cudaToolkit() + "/nvvm/libdevice/libdevice.10.bc";
    if (!llvm::sys::fs::exists(libdevice))
      return fail("no CUDA toolkit at '" + cudaToolkit() + "' (" + libdevice +
                  " is missing): install it or pass --cuda-path or set "
                  "CUDA_HOME");
  } else if (emit == EmitKind::PTX) {
    return fail("--emit=ptx needs --target=cuda");
  }
  if (sharedMemoryBytes.getNumOccurrences() != 0) {
    if (target == Target::CPU)
      return fail("--shared-memory-bytes applies to the GPU targets only");
    int64_t most = target == Target::CUDA
                       ? recur::cudaMaxSharedMemoryBytes(gpuArch)
                       : std::numeric_limits<int32_t>::max();
    if (sharedMemoryBytes < 0 || sharedMemoryBytes > most)
      return fail("--shared-memory-bytes must be in [0, " + llvm::Twine(most) +
                  "]" +
                  (target == Target::CUDA ? " on " + gpuArch.getValue() : std::string()) +
                  ", got " + llvm::Twine(sharedMemoryBytes.getValue()));
  }
  if (gpuBlocks.getNumOccurrences() != 0) {
    if (target == Target::CPU)
      return fail("--gpu-blocks applies to the GPU targets only");
    if (gpuBlocks < 0 || gpuBlocks > std::numeric_limits<int32_t>::max())
      return fail("--gpu-blocks must be in [0, 2147483647], got " +
                  llvm::Twine(gpuBlocks.getValue()));
  }
  if (target != Target::CPU && statePass != recur::StatePass::Sequential)
    return fail("--state-pass=parallel is not supported on GPU targets yet "
                "(their chunked forms carry the state in one loop)");
  if (target != Target::CPU && openmp.getNumOccurrences() != 0)
    return fail("--openmp applies to the cpu target only");
  if (target == Target::CPU && matmulPrecision.getNumOccurrences() != 0)
    return fail("--matmul-precision applies to the GPU targets only (the "
                "cpu target multiplies f32 tiles)");
  if (optLevel > 3)
    return fail("unknown optimization level -O" + llvm::Twine(optLevel.getValue()) +
                " (expected 0 to 3)");
  if (chunkSize < 1 || chunkSize > 1024)
    return fail("--chunk-size must be in [1, 1024], got " +
                llvm::Twine(chunkSize.getValue()));
  if (serialBelow < 0)
    return fail("--serial-below must be >= 0, got " +
                llvm::Twine(serialBelow.getValue()));
  if (outputFile.empty() && inputFile == "-")
    return fail("reading from standard input needs an output file (-o)");
  OutputNames names;
  names.output =
      outputFile.empty() ? defaultOutputName() : outputFile.getValue();
  names.header = headerFile;
  names.interface = interfaceFile;
  bool besideObject = emit == EmitKind::Object && names.output != "-";
  if (names.header.empty() && besideObject)
    names.header = besideOutput(names.output, ".h");
  if (names.interface.empty() && besideObject)
    names.interface = besideOutput(names.output, ".json");
  auto same = [](const std::string &a, const std::string &b) {
    return isWritten(a) && isWritten(b) &&
           (a == b || llvm::sys::fs::equivalent(a, b));
  };
  for (auto [a, b, what] :
       {std::tuple(&names.header, &names.output, "the header and the output"),
        std::tuple(&names.interface, &names.output,
                   "the interface file and the output"),
        std::tuple(&names.interface, &names.header,
                   "the interface file and the header")})
    if (same(*a, *b))
      return fail(llvm::Twine(what) + " are the same file '" + *b + "'");

  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  std::string targetError;
  std::unique_ptr<llvm::TargetMachine> machine =
      recur::createHostTargetMachine(machineCodeOptions(), targetError);
  if (!machine)
    return fail(targetError);

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

  llvm::CrashRecoveryContext::Enable();
  OwningOpRef<ModuleOp> module;
  runGuarded("parsing", [&] { module = parseModel(sourceMgr, context); });
  if (!module)
    return 1;
  bool lowered = false;
  runGuarded("lowering", [&] { lowered = succeeded(lowerModel(*module, *machine)); });
  if (!lowered)
    return 1;
  Rendered rendered;
  bool emitted = false;
  runGuarded("emitting", [&] {
    emitted = succeeded(emitModel(*module, *machine, names, rendered));
  });
  if (!emitted)
    return 1;
  return writeOutputs(rendered, names);
}
