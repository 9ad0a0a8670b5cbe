//===- MergeKernelModules.cpp - One GPU module per compiled model ---------===//
//
// Kernel outlining makes a gpu.module per kernel; one module holding them
// all is one binary to embed and load (one PTX file, one SPIR-V module with
// an entry point per kernel).
//
//===----------------------------------------------------------------------===//

#include "recur/Codegen/GPU/Passes.h"

#include "mlir/IR/SymbolTable.h"

namespace mlir {
namespace recur {
#define GEN_PASS_DEF_RECURGPUMERGEKERNELMODULES
#include "recur/Codegen/GPU/Passes.h.inc"
} // namespace recur
} // namespace mlir

using namespace mlir;
using namespace mlir::recur;

namespace {
struct RecurGPUMergeKernelModules
    : recur::impl::RecurGPUMergeKernelModulesBase<RecurGPUMergeKernelModules> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<gpu::GPUModuleOp> modules(module.getOps<gpu::GPUModuleOp>());
    if (modules.size() < 2)
      return;
    gpu::GPUModuleOp merged = modules.front();
    SymbolTable mergedSymbols(merged);
    // The kernel each launch calls, found again after the move by op.
    DenseMap<gpu::LaunchFuncOp, Operation *> callees;
    module.walk([&](gpu::LaunchFuncOp launch) {
      callees[launch] =
          SymbolTable::lookupNearestSymbolFrom(launch, launch.getKernel());
    });
    for (gpu::GPUModuleOp other : ArrayRef(modules).drop_front()) {
      for (Operation &op :
           llvm::make_early_inc_range(other.getBody()->getOperations())) {
        if (!isa<SymbolOpInterface>(op)) {
          op.emitOpError("in a kernel module cannot be merged");
          return signalPassFailure();
        }
        op.moveBefore(merged.getBody(), merged.getBody()->end());
        // Renamed when the name is taken.
        mergedSymbols.insert(&op);
      }
      other.erase();
    }
    for (auto [launch, callee] : callees) {
      auto symbol = cast<SymbolOpInterface>(callee);
      launch.setKernelAttr(SymbolRefAttr::get(
          merged.getNameAttr(),
          {FlatSymbolRefAttr::get(symbol.getNameAttr())}));
    }
  }
};
} // namespace
