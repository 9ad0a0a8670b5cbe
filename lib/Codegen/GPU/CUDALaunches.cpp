//===- CUDALaunches.cpp - Kernel launches as CUDA runtime calls -----------===//
//
// The host side of the cuda target. The kernels' binary (gpu.binary: a
// fatbin, or PTX) becomes a constant global; each gpu.launch_func becomes
// a call of the runtime (runtime/include/recur/cuda_calls.h):
//
//   kernel = {binary, bytes, kernel name, parameter count,
//             dynamic shared memory bytes}                  (int64_t[5])
//   args   = {bits, width} per parameter                    (int64_t[n][2])
//   status = recur_cuda_launch(kernel, grid x, y, z, block x, y, z, args,
//                              recur_cuda_stream())
//
// on the stream the C entry point received; nothing synchronizes. A buffer
// parameter is its memref descriptor (allocated and aligned device
// address, offset, size, stride: the kernels' buffers are of rank 1);
// index and 64-bit scalars take 8 bytes, 32-bit ones 4.
//
//===----------------------------------------------------------------------===//

#include "recur/Codegen/GPU/Passes.h"

#include "RuntimeCalls.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/SymbolTable.h"

namespace mlir {
namespace recur {
#define GEN_PASS_DEF_RECURCUDALAUNCHES
#include "recur/Codegen/GPU/Passes.h.inc"
} // namespace recur
} // namespace mlir

using namespace mlir;
using namespace mlir::recur;

static LogicalResult lowerLaunch(ModuleOp module, SymbolTable &symbols,
                                 gpu::LaunchFuncOp launch,
                                 memref::GlobalOp binary, int64_t binaryBytes) {
  if (!isPlainLaunch(launch, /*dynamicSharedMemory=*/true))
    return launch.emitOpError("is not a plain launch");
  ImplicitLocOpBuilder b(launch.getLoc(), launch);
  Type i64 = b.getI64Type();
  auto constant = [&](int64_t value) { return constantI64(b, value); };
  auto toI64 = [&](Value index) { return indexToI64(b, index); };
  std::string nameKey =
      ("recur.kernel_name." + launch.getKernelName().getValue()).str();
  auto name = symbols.lookup<memref::GlobalOp>(nameKey);
  if (!name)
    name = addStringGlobal(symbols, nameKey, launch.getKernelName().getValue());

  // The kernel's parameters: a buffer (rank 1) as its descriptor
  // {allocated, aligned, offset, size, stride}, index and 64-bit scalars in
  // 8 bytes, 32-bit ones in 4.
  SmallVector<std::pair<Value, int64_t>> params;
  for (Value operand : launch.getKernelOperands()) {
    Type type = operand.getType();
    if (auto buffer = dyn_cast<MemRefType>(type)) {
      if (buffer.getRank() != 1)
        return launch.emitOpError("passes a buffer of rank ")
               << buffer.getRank() << " to a kernel";
      auto metadata = memref::ExtractStridedMetadataOp::create(b, operand);
      Value address = addressOf(b, operand);
      params.append({{address, 8},
                     {address, 8},
                     {toI64(metadata.getOffset()), 8},
                     {toI64(metadata.getSizes()[0]), 8},
                     {toI64(metadata.getStrides()[0]), 8}});
    } else if (type.isIndex()) {
      params.push_back({toI64(operand), 8});
    } else if (type.isIntOrFloat() && (type.getIntOrFloatBitWidth() == 32 ||
                                       type.getIntOrFloatBitWidth() == 64)) {
      int64_t width = type.getIntOrFloatBitWidth() / 8;
      Value bits = operand;
      if (isa<FloatType>(type))
        bits = arith::BitcastOp::create(b, b.getIntegerType(width * 8), bits);
      if (width == 4)
        bits = arith::ExtUIOp::create(b, i64, bits);
      params.push_back({bits, width});
    } else {
      return launch.emitOpError("passes a scalar of type ")
             << type << " to a kernel";
    }
  }
  Value sharedBytes = constant(0);
  if (Value dynamic = launch.getDynamicSharedMemorySize())
    sharedBytes = arith::ExtUIOp::create(b, i64, dynamic);
  Value kernel = storeRecord(
      b, {addressOf(b, binary), constant(binaryBytes), addressOf(b, name),
          constant(params.size()), sharedBytes});
  auto args = memref::AllocaOp::create(
      b, MemRefType::get({std::max<int64_t>(1, params.size()), 2}, i64));
  for (auto [i, param] : llvm::enumerate(params)) {
    storeAt(b, param.first, args, {static_cast<int64_t>(i), 0});
    storeAt(b, constant(param.second), args, {static_cast<int64_t>(i), 1});
  }

  Value stream =
      func::CallOp::create(
          b,
          declareRuntimeFunction(module, "recur_cuda_stream",
                                 b.getFunctionType({}, {i64})),
          ValueRange{})
          .getResult(0);
  gpu::KernelDim3 grid = launch.getGridSizeOperandValues();
  gpu::KernelDim3 block = launch.getBlockSizeOperandValues();
  func::FuncOp launchFunction = declareRuntimeFunction(
      module, "recur_cuda_launch",
      b.getFunctionType(SmallVector<Type>(9, i64), {b.getI32Type()}));
  Value status =
      func::CallOp::create(
          b, launchFunction,
          ValueRange{
              addressOf(b, kernel),
              toI64(grid.x), toI64(grid.y), toI64(grid.z), toI64(block.x),
              toI64(block.y), toI64(block.z),
              addressOf(b, args),
              stream})
          .getResult(0);
  failOnDeviceStatus(b, module, status);
  launch.erase();
  return success();
}

/// Before the first allocation or runtime call of `function`: the driver
/// and a context are there, or the call fails with the device-error status
/// (rather than a failed allocation's out-of-memory status).
static void checkContextFirst(ModuleOp module, func::FuncOp function) {
  Operation *first = nullptr;
  function.walk<WalkOrder::PreOrder>([&](Operation *op) {
    auto call = dyn_cast<func::CallOp>(op);
    if (isa<memref::AllocOp>(op) ||
        (call && call.getCallee().starts_with("recur_cuda_"))) {
      first = op;
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  if (!first)
    return;
  ImplicitLocOpBuilder b(first->getLoc(), first);
  func::FuncOp check = declareRuntimeFunction(
      module, "recur_cuda_check_context",
      b.getFunctionType({}, {b.getI32Type()}));
  failOnDeviceStatus(b, module,
                     func::CallOp::create(b, check, ValueRange{}).getResult(0));
}

namespace {
struct RecurCUDALaunches
    : recur::impl::RecurCUDALaunchesBase<RecurCUDALaunches> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    // One binary per model (--recur-gpu-merge-kernel-modules), for one
    // target.
    llvm::StringMap<std::pair<memref::GlobalOp, int64_t>> binaries;
    for (auto binary :
         llvm::make_early_inc_range(module.getOps<gpu::BinaryOp>())) {
      if (binary.getObjects().size() != 1) {
        binary.emitOpError("holds ")
            << binary.getObjects().size() << " objects, expected 1";
        return signalPassFailure();
      }
      StringRef object =
          cast<gpu::ObjectAttr>(binary.getObjects()[0]).getObject().getValue();
      memref::GlobalOp global =
          addStringGlobal(symbols,
                          ("recur.cuda_binary." + binary.getName()).str(),
                          object);
      binaries[binary.getName()] = {global,
                                    static_cast<int64_t>(object.size()) + 1};
      symbols.erase(binary);
    }
    SmallVector<gpu::LaunchFuncOp> launches;
    module.walk([&](gpu::LaunchFuncOp launch) { launches.push_back(launch); });
    SetVector<func::FuncOp> launching;
    for (gpu::LaunchFuncOp launch : launches) {
      auto found = binaries.find(launch.getKernelModuleName().getValue());
      if (found == binaries.end()) {
        launch.emitOpError("launches a kernel with no binary");
        return signalPassFailure();
      }
      launching.insert(launch->getParentOfType<func::FuncOp>());
      if (failed(lowerLaunch(module, symbols, launch, found->second.first,
                             found->second.second)))
        return signalPassFailure();
    }
    for (func::FuncOp function : launching) {
      if (failed(uploadConstants(function, "recur_cuda_upload")))
        return signalPassFailure();
      checkContextFirst(module, function);
    }
    // A host allocation is a device buffer from the runtime, aligned as
    // the device needs.
    module.walk([](memref::AllocOp alloc) { alloc.removeAlignmentAttr(); });
    module->removeAttr(gpu::GPUDialect::getContainerModuleAttrName());
  }
};
} // namespace
