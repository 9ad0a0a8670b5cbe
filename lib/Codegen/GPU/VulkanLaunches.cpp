//===- VulkanLaunches.cpp - Kernel launches as Vulkan runtime calls -------===//
//
// The host side of the vulkan target. Each spirv.module is serialized into a
// constant array of words; each gpu.launch_func becomes a call of the
// runtime (runtime/include/recur/vulkan.h):
//
//   kernel = {words, bytes, entry name, argument count,
//             bytes of shared memory}                    (int64_t[5])
//   args   = {buffer, byte offset, byte size, 0, 0} per buffer argument,
//            {0, host address, byte size, 0, -1} for the kernel's packed
//            scalars (--recur-vulkan-pack-scalars)         (int64_t[n][5])
//   status = recur_vk_launch(kernel, groups x, y, z, args)
//
// and every function that launches calls recur_vk_sync() before it returns.
// A constant of the description (a memref.global in host memory) that its
// kernels read is copied into a device buffer of the call first
// (recur_vk_upload).
// A nonzero status goes through recur.check_failed with kDeviceErrorStatus,
// so the entry point returns it like any failed check. Buffers on the host
// are the runtime's buffer handles (their "pointers"), which the kernels
// receive by binding (host allocations lose their alignment, so that the
// pointer the host code passes is the handle allocated).
//
//===----------------------------------------------------------------------===//

#include "recur/Codegen/GPU/Passes.h"

#include "RuntimeCalls.h"

#include "recur/Emit/CInterface.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SPIRV/IR/SPIRVOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Target/SPIRV/Serialization.h"

namespace mlir {
namespace recur {
#define GEN_PASS_DEF_RECURVULKANLAUNCHES
#include "recur/Codegen/GPU/Passes.h.inc"
} // namespace recur
} // namespace mlir

using namespace mlir;
using namespace mlir::recur;

static constexpr int64_t kArgFields = 5;
/// The last field of an argument record holding packed scalars
/// (vulkan_calls.h).
static constexpr int64_t kPackedScalars = -1;

namespace {
/// What a launch needs from the module: the runtime's functions and each
/// kernel module's words and entry names.
class LaunchBuilder {
public:
  LaunchBuilder(ModuleOp module) : module(module), symbols(module) {}

  /// Serializes every spirv.module into a constant global.
  LogicalResult serializeKernels();
  LogicalResult lowerLaunch(gpu::LaunchFuncOp launch);
  void syncBeforeReturns(func::FuncOp function);

private:
  func::FuncOp declare(StringRef name, FunctionType type) {
    return declareRuntimeFunction(module, name, type);
  }
  void failOnStatus(ImplicitLocOpBuilder &b, Value status) {
    failOnDeviceStatus(b, module, status);
  }

  ModuleOp module;
  SymbolTable symbols;
  /// Per gpu.module name: the words of its SPIR-V and their count.
  llvm::StringMap<std::pair<memref::GlobalOp, int64_t>> words;
  llvm::StringMap<memref::GlobalOp> entryNames;
  /// Per "module.entry": the bytes of Workgroup variables it uses.
  llvm::StringMap<int64_t> sharedBytes;
};
} // namespace

/// The bytes of a Workgroup variable's type: arrays and structs (without
/// explicit layout: upstream's getSizeInBytes knows none) of scalars and
/// vectors; none for any other type.
static std::optional<int64_t> byteSize(Type type) {
  if (auto array = dyn_cast<spirv::ArrayType>(type)) {
    std::optional<int64_t> element = byteSize(array.getElementType());
    return element ? std::optional<int64_t>(array.getNumElements() * *element)
                   : std::nullopt;
  }
  if (auto structure = dyn_cast<spirv::StructType>(type)) {
    int64_t bytes = 0;
    for (Type member : structure.getElementTypes()) {
      std::optional<int64_t> size = byteSize(member);
      if (!size)
        return std::nullopt;
      bytes += *size;
    }
    return bytes;
  }
  if (auto vector = dyn_cast<VectorType>(type)) {
    std::optional<int64_t> element = byteSize(vector.getElementType());
    return element ? std::optional<int64_t>(vector.getNumElements() * *element)
                   : std::nullopt;
  }
  if (type.isIntOrFloat())
    return llvm::divideCeil(type.getIntOrFloatBitWidth(), 8);
  return std::nullopt;
}

/// The bytes of the Workgroup variables each function of `spirvModule`
/// takes the address of, by function name; fails on a variable of no known
/// size.
static FailureOr<llvm::StringMap<int64_t>>
workgroupBytes(spirv::ModuleOp spirvModule) {
  llvm::StringMap<int64_t> bytes;
  for (auto function : spirvModule.getOps<spirv::FuncOp>()) {
    llvm::SmallDenseSet<Operation *> seen;
    int64_t total = 0;
    WalkResult result = function.walk([&](spirv::AddressOfOp address) {
      auto variable = dyn_cast_or_null<spirv::GlobalVariableOp>(
          SymbolTable::lookupNearestSymbolFrom(address,
                                               address.getVariableAttr()));
      auto pointer = variable ? dyn_cast<spirv::PointerType>(variable.getType())
                              : spirv::PointerType();
      if (!pointer ||
          pointer.getStorageClass() != spirv::StorageClass::Workgroup ||
          !seen.insert(variable).second)
        return WalkResult::advance();
      std::optional<int64_t> size = byteSize(pointer.getPointeeType());
      if (!size) {
        variable.emitOpError("is workgroup memory of no known size");
        return WalkResult::interrupt();
      }
      total += *size;
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      return failure();
    bytes[function.getSymName()] = total;
  }
  return bytes;
}

LogicalResult LaunchBuilder::serializeKernels() {
  MLIRContext *context = module.getContext();
  SmallVector<spirv::ModuleOp> modules(module.getOps<spirv::ModuleOp>());
  for (spirv::ModuleOp spirvModule : modules) {
    // convert-gpu-to-spirv names the module after its gpu.module.
    StringRef name = spirvModule.getName().value_or("");
    if (!name.consume_front("__spv__"))
      return spirvModule.emitOpError("is not a converted GPU module");
    SmallVector<uint32_t> binary;
    if (failed(spirv::serialize(spirvModule, binary)))
      return spirvModule.emitOpError("could not be serialized");
    auto type = RankedTensorType::get({static_cast<int64_t>(binary.size())},
                                      IntegerType::get(context, 32));
    SmallVector<APInt> values;
    for (uint32_t word : binary)
      values.emplace_back(32, word);
    memref::GlobalOp global =
        addConstantGlobal(symbols, ("recur.spirv." + name).str(),
                          DenseElementsAttr::get(type, values));
    words[name] = {global, static_cast<int64_t>(binary.size()) * 4};
    FailureOr<llvm::StringMap<int64_t>> shared = workgroupBytes(spirvModule);
    if (failed(shared))
      return failure();
    for (const auto &[entry, bytes] : *shared)
      sharedBytes[(name + "." + entry).str()] = bytes;
  }
  for (spirv::ModuleOp spirvModule : modules)
    symbols.erase(spirvModule);
  return success();
}

LogicalResult LaunchBuilder::lowerLaunch(gpu::LaunchFuncOp launch) {
  StringRef moduleName = launch.getKernelModuleName().getValue();
  StringRef kernelName = launch.getKernelName().getValue();
  auto found = words.find(moduleName);
  if (found == words.end())
    return launch.emitOpError("launches a kernel with no SPIR-V");
  if (!isPlainLaunch(launch))
    return launch.emitOpError("is not a plain synchronous launch");
  ImplicitLocOpBuilder b(launch.getLoc(), launch);
  Type i64 = b.getI64Type();
  auto constant = [&](int64_t value) { return constantI64(b, value); };
  auto toI64 = [&](Value index) { return indexToI64(b, index); };

  // The entry point's name, NUL-terminated.
  std::string entryKey = (moduleName + "." + kernelName).str();
  memref::GlobalOp &entry = entryNames[entryKey];
  if (!entry)
    entry = addStringGlobal(symbols, "recur.entry." + entryKey, kernelName);

  ValueRange operands = launch.getKernelOperands();
  auto args = memref::AllocaOp::create(
      b, MemRefType::get({std::max<int64_t>(1, operands.size()), kArgFields},
                         i64));
  Value kernel = storeRecord(
      b, {addressOf(b, found->second.first), constant(found->second.second),
          addressOf(b, entry), constant(operands.size()),
          constant(sharedBytes.lookup(entryKey))});

  for (auto [position, kernelOperand] : llvm::enumerate(operands)) {
    // A bf16 buffer carried as i16 (--recur-spirv-entry-points): the same
    // buffer.
    Value operand = kernelOperand;
    if (auto cast = operand.getDefiningOp<UnrealizedConversionCastOp>();
        cast && cast->getNumOperands() == 1)
      operand = cast->getOperand(0);
    auto buffer = dyn_cast<MemRefType>(operand.getType());
    if (!buffer || buffer.getRank() != 1)
      return launch.emitOpError("passes ")
             << operand.getType()
             << " to a kernel (expected buffers of rank 1 and packed scalars)";
    Value zero = constant(0);
    Value bytes =
        constant((buffer.getElementType().getIntOrFloatBitWidth() + 7) / 8);
    auto metadata = memref::ExtractStridedMetadataOp::create(b, operand);
    Value size = arith::MulIOp::create(b, toI64(metadata.getSizes()[0]), bytes);
    Value address = addressOf(b, operand);
    // The packed scalars (--recur-vulkan-pack-scalars) go as data.
    auto alloca = operand.getDefiningOp<memref::AllocaOp>();
    SmallVector<Value> record =
        alloca && alloca->hasAttr("recur.kernel_scalars")
            ? SmallVector<Value>{zero, address, size, zero,
                                 constant(kPackedScalars)}
            : SmallVector<Value>{
                  address,
                  arith::MulIOp::create(b, toI64(metadata.getOffset()), bytes),
                  size, zero, zero};
    for (auto [field, value] : llvm::enumerate(record))
      storeAt(b, value, args,
              {static_cast<int64_t>(position), static_cast<int64_t>(field)});
  }

  gpu::KernelDim3 grid = launch.getGridSizeOperandValues();
  func::FuncOp dispatch = declare(
      "recur_vk_launch",
      b.getFunctionType({i64, i64, i64, i64, i64}, {b.getI32Type()}));
  Value status =
      func::CallOp::create(b, dispatch,
                           ValueRange{addressOf(b, kernel), toI64(grid.x),
                                      toI64(grid.y), toI64(grid.z),
                                      addressOf(b, args)})
          .getResult(0);
  failOnStatus(b, status);
  SmallVector<Operation *> casts;
  for (Value operand : operands)
    if (auto cast = operand.getDefiningOp<UnrealizedConversionCastOp>())
      casts.push_back(cast);
  launch.erase();
  for (Operation *cast : casts)
    if (cast->use_empty())
      cast->erase();
  return success();
}

void LaunchBuilder::syncBeforeReturns(func::FuncOp function) {
  function.walk([&](func::ReturnOp ret) {
    ImplicitLocOpBuilder b(ret.getLoc(), ret);
    func::FuncOp sync =
        declare("recur_vk_sync", b.getFunctionType({}, {b.getI32Type()}));
    failOnStatus(b, func::CallOp::create(b, sync, ValueRange{}).getResult(0));
  });
}

namespace {
struct RecurVulkanLaunches
    : recur::impl::RecurVulkanLaunchesBase<RecurVulkanLaunches> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    LaunchBuilder builder(module);
    if (failed(builder.serializeKernels()))
      return signalPassFailure();
    SmallVector<gpu::LaunchFuncOp> launches;
    module.walk([&](gpu::LaunchFuncOp launch) { launches.push_back(launch); });
    SetVector<func::FuncOp> launching;
    for (gpu::LaunchFuncOp launch : launches) {
      launching.insert(launch->getParentOfType<func::FuncOp>());
      if (failed(builder.lowerLaunch(launch)))
        return signalPassFailure();
    }
    for (func::FuncOp function : launching) {
      if (failed(uploadConstants(function, "recur_vk_upload")))
        return signalPassFailure();
      builder.syncBeforeReturns(function);
    }
    // A host allocation is a device buffer, whose handle is its pointer:
    // an aligned pointer other than the one allocated would not be one.
    module.walk([](memref::AllocOp alloc) { alloc.removeAlignmentAttr(); });
    for (gpu::GPUModuleOp kernels :
         llvm::make_early_inc_range(module.getOps<gpu::GPUModuleOp>()))
      kernels.erase();
    module->removeAttr(gpu::GPUDialect::getContainerModuleAttrName());
  }
};
} // namespace
