//===- AllocationSizeChecks.cpp - Overflow-safe allocation sizes ----------===//
//
// See the pass description in Passes.td.
//
//===----------------------------------------------------------------------===//

#include "recur/Codegen/Common/Passes.h"

#include "AllocationFailure.h"
#include "ByteSizes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"

namespace mlir {
namespace recur {
#define GEN_PASS_DEF_RECURALLOCATIONSIZECHECKS
#include "recur/Codegen/Common/Passes.h.inc"
} // namespace recur
} // namespace mlir

using namespace mlir;
using namespace mlir::recur;

namespace {
/// True (i1) when an allocation of `type` with `dynamicSizes` takes 2^63
/// bytes or more or has a negative size.
Value overflows(OpBuilder &b, Location loc, MemRefType type,
                ValueRange dynamicSizes) {
  SmallVector<Value> sizes;
  auto dynamic = dynamicSizes.begin();
  for (int64_t size : type.getShape())
    sizes.push_back(
        ShapedType::isDynamic(size)
            ? arith::IndexCastOp::create(b, loc, b.getI64Type(), *dynamic++)
                  .getResult()
            : arith::ConstantIntOp::create(b, loc, b.getI64Type(), size)
                  .getResult());
  return buildByteSizeOverflows(b, loc, sizes,
                                getElementBytes(type.getElementType()));
}

struct RecurAllocationSizeChecks
    : recur::impl::RecurAllocationSizeChecksBase<RecurAllocationSizeChecks> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    // (op, its type, its dynamic sizes)
    SmallVector<std::tuple<Operation *, MemRefType, ValueRange>> allocs;
    module.walk([&](Operation *op) {
      if (auto alloc = dyn_cast<memref::AllocOp>(op))
        allocs.emplace_back(op, alloc.getType(), alloc.getDynamicSizes());
      else if (auto alloca = dyn_cast<memref::AllocaOp>(op))
        allocs.emplace_back(op, alloca.getType(), alloca.getDynamicSizes());
      else
        return;
      if (std::get<2>(allocs.back()).empty())
        allocs.pop_back();
    });
    if (allocs.empty())
      return;
    OpBuilder b(&getContext());
    b.setInsertionPointToEnd(module.getBody());
    SymbolTable symbols(module);
    auto fail = dyn_cast_or_null<func::FuncOp>(
        symbols.lookup(kAllocationSizeOverflow));
    if (!fail) {
      fail = func::FuncOp::create(b, module.getLoc(), kAllocationSizeOverflow,
                                  b.getFunctionType({}, {}));
      fail.setPrivate();
      symbols.insert(fail);
    }
    for (auto [op, type, dynamicSizes] : allocs) {
      b.setInsertionPoint(op);
      Location loc = op->getLoc();
      auto check = scf::IfOp::create(
          b, loc, overflows(b, loc, type, dynamicSizes),
          /*withElseRegion=*/false);
      b.setInsertionPointToStart(check.thenBlock());
      func::CallOp::create(b, loc, fail, ValueRange());
    }
  }
};
} // namespace
