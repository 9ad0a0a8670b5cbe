//===- DeviceAllocator.cpp - The host's allocations on the device ---------===//
//
// On the LLVM dialect, after --recur-c-wrappers (whose checked allocator
// calls malloc): the host code of a GPU target allocates only device
// buffers, so malloc and free become the runtime's allocator.
//
//===----------------------------------------------------------------------===//

#include "recur/Codegen/GPU/Passes.h"

#include "mlir/IR/SymbolTable.h"

namespace mlir {
namespace recur {
#define GEN_PASS_DEF_RECURDEVICEALLOCATOR
#include "recur/Codegen/GPU/Passes.h.inc"
} // namespace recur
} // namespace mlir

using namespace mlir;
using namespace mlir::recur;

namespace {
struct RecurDeviceAllocator
    : recur::impl::RecurDeviceAllocatorBase<RecurDeviceAllocator> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (allocate.empty() || release.empty()) {
      module.emitError("--recur-device-allocator needs allocate and release");
      return signalPassFailure();
    }
    SymbolTable symbols(module);
    for (auto [from, to] : {std::pair<StringRef, StringRef>{"malloc", allocate},
                            {"free", release}}) {
      Operation *function = symbols.lookup(from);
      if (!function)
        continue;
      if (symbols.lookup(to)) {
        function->emitOpError("clashes with the runtime's ") << to;
        return signalPassFailure();
      }
      if (failed(symbols.rename(function, to)))
        return signalPassFailure();
    }
  }
};
} // namespace
