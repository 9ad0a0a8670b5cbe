//===- RuntimeCalls.cpp - Host calls of a GPU runtime ---------------------===//

#include "RuntimeCalls.h"

#include "recur/Target/CInterface.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/SymbolTable.h"

using namespace mlir;
using namespace mlir::recur;

/// The function a failed check calls (AllocationFailure.h).
static constexpr llvm::StringLiteral kCheckFailed = "recur.check_failed";

func::FuncOp mlir::recur::declareRuntimeFunction(ModuleOp module,
                                                 StringRef name,
                                                 FunctionType type) {
  if (auto existing = module.lookupSymbol<func::FuncOp>(name))
    return existing;
  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  auto function = func::FuncOp::create(b, module.getLoc(), name, type);
  function.setPrivate();
  return function;
}

void mlir::recur::failOnDeviceStatus(ImplicitLocOpBuilder &b, ModuleOp module,
                                     Value status) {
  Value zero = arith::ConstantIntOp::create(b, 0, 32);
  Value failed =
      arith::CmpIOp::create(b, arith::CmpIPredicate::ne, status, zero);
  auto branch = scf::IfOp::create(b, failed, /*withElseRegion=*/false);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(branch.thenBlock());
  func::FuncOp checkFailed = declareRuntimeFunction(
      module, kCheckFailed, b.getFunctionType({b.getI32Type()}, {}));
  func::CallOp::create(
      b, checkFailed,
      ValueRange{arith::ConstantIntOp::create(b, kDeviceErrorStatus, 32)});
}
