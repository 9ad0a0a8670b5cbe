//===- RuntimeCalls.cpp - Host calls of a GPU runtime ---------------------===//

#include "RuntimeCalls.h"

#include "recur/Emit/CInterface.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
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

memref::GlobalOp mlir::recur::addConstantGlobal(SymbolTable &symbols,
                                               StringRef name,
                                               DenseElementsAttr value) {
  auto module = cast<ModuleOp>(symbols.getOp());
  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  auto type = MemRefType::get(value.getType().getShape(),
                              value.getType().getElementType());
  auto global = memref::GlobalOp::create(
      b, module.getLoc(), name, b.getStringAttr("private"), type, value,
      /*constant=*/true, /*alignment=*/b.getI64IntegerAttr(16));
  symbols.insert(global);
  return global;
}

memref::GlobalOp mlir::recur::addStringGlobal(SymbolTable &symbols,
                                              StringRef name, StringRef text) {
  SmallVector<APInt> bytes;
  for (char c : text)
    bytes.emplace_back(8, static_cast<uint8_t>(c));
  bytes.emplace_back(8, 0);
  auto type = RankedTensorType::get({static_cast<int64_t>(bytes.size())},
                                    IntegerType::get(symbols.getOp()->getContext(), 8));
  return addConstantGlobal(symbols, name, DenseElementsAttr::get(type, bytes));
}

Value mlir::recur::addressOf(ImplicitLocOpBuilder &b, Value buffer) {
  return arith::IndexCastOp::create(
      b, b.getI64Type(),
      memref::ExtractAlignedPointerAsIndexOp::create(b, buffer));
}

Value mlir::recur::addressOf(ImplicitLocOpBuilder &b, memref::GlobalOp global) {
  return addressOf(b, memref::GetGlobalOp::create(b, global.getType(),
                                                  global.getSymName()));
}

void mlir::recur::storeAt(ImplicitLocOpBuilder &b, Value value, Value target,
                          ArrayRef<int64_t> at) {
  SmallVector<Value> indices;
  for (int64_t index : at)
    indices.push_back(arith::ConstantIndexOp::create(b, index));
  memref::StoreOp::create(b, value, target, indices);
}

Value mlir::recur::constantI64(ImplicitLocOpBuilder &b, int64_t value) {
  return arith::ConstantIntOp::create(b, value, 64);
}

Value mlir::recur::indexToI64(ImplicitLocOpBuilder &b, Value index) {
  return arith::IndexCastOp::create(b, b.getI64Type(), index);
}

Value mlir::recur::storeRecord(ImplicitLocOpBuilder &b,
                               ArrayRef<Value> fields) {
  auto record = memref::AllocaOp::create(
      b, MemRefType::get({static_cast<int64_t>(fields.size())},
                         b.getI64Type()));
  for (auto [index, field] : llvm::enumerate(fields))
    storeAt(b, field, record, {static_cast<int64_t>(index)});
  return record;
}

bool mlir::recur::isPlainLaunch(gpu::LaunchFuncOp launch,
                                bool dynamicSharedMemory) {
  return !launch.getClusterSizeX() && !launch.getAsyncToken() &&
         launch.getAsyncDependencies().empty() &&
         (dynamicSharedMemory || !launch.getDynamicSharedMemorySize());
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

LogicalResult mlir::recur::uploadConstants(func::FuncOp function,
                                          StringRef upload) {
  auto module = function->getParentOfType<ModuleOp>();
  SmallVector<memref::GetGlobalOp> constants;
  function.walk([&](memref::GetGlobalOp get) {
    if (!get.getName().starts_with("recur."))
      constants.push_back(get);
  });
  for (memref::GetGlobalOp get : constants) {
    MemRefType type = get.getType();
    if (!type.hasStaticShape() || !type.getLayout().isIdentity())
      return get.emitOpError("a GPU kernel reads a constant of type ")
             << type;
    ImplicitLocOpBuilder b(get.getLoc(), get);
    b.setInsertionPointAfter(get);
    auto device = memref::AllocOp::create(b, type);
    int64_t bytes = type.getNumElements() *
                    ((type.getElementTypeBitWidth() + 7) / 8);
    Type i64 = b.getI64Type();
    Value deviceAddress = addressOf(b, device);
    Value hostAddress = addressOf(b, get.getResult());
    func::FuncOp uploadFunction = declareRuntimeFunction(
        module, upload, b.getFunctionType({i64, i64, i64}, {b.getI32Type()}));
    Value status =
        func::CallOp::create(b, uploadFunction,
                             ValueRange{deviceAddress, hostAddress,
                                        arith::ConstantIntOp::create(b, bytes, 64)})
            .getResult(0);
    failOnDeviceStatus(b, module, status);
    Operation *hostRead = hostAddress.getDefiningOp()->getOperand(0)
                              .getDefiningOp();
    get.getResult().replaceUsesWithIf(device, [&](OpOperand &use) {
      return use.getOwner() != hostRead;
    });
    // Released at the end of its block; destroyed after the work, at the
    // sync before the function returns.
    OpBuilder atEnd(get->getBlock()->getTerminator());
    memref::DeallocOp::create(atEnd, get.getLoc(), device);
  }
  return success();
}

