//===- CUDAMMASync.cpp - Warp-wide MMA calls as tensor-core mma.sync ------===//
//
// The cuda tail's form of a warp-wide MMA call (--recur-gpu-mma-matmuls):
// one nvvm.mma.sync m16n8k16, row-major A and column-major B, f32
// accumulators. The instruction reads 16-bit operands in pairs: bf16 pairs
// packed into 32-bit integers (first element in the low half), f16 pairs as
// vector<2xf16>, which is what the NVVM op takes for each.
//
//===----------------------------------------------------------------------===//

#include "recur/Codegen/GPU/Passes.h"

#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir {
namespace recur {
#define GEN_PASS_DEF_RECURCUDAMMASYNC
#include "recur/Codegen/GPU/Passes.h.inc"
} // namespace recur
} // namespace mlir

using namespace mlir;
using namespace mlir::recur;

/// The register holding elements `low` and `high`.
static Value pack(ImplicitLocOpBuilder &b, Value low, Value high) {
  if (low.getType().isF16()) {
    auto type = VectorType::get({2}, b.getF16Type());
    Value pair = LLVM::UndefOp::create(b, type);
    pair = LLVM::InsertElementOp::create(
        b, pair, low, LLVM::ConstantOp::create(b, b.getI32Type(), 0));
    return LLVM::InsertElementOp::create(
        b, pair, high, LLVM::ConstantOp::create(b, b.getI32Type(), 1));
  }
  auto bits = [&](Value element) -> Value {
    return arith::ExtUIOp::create(
        b, b.getI32Type(),
        arith::BitcastOp::create(b, b.getI16Type(), element));
  };
  Value shifted = arith::ShLIOp::create(
      b, bits(high), arith::ConstantIntOp::create(b, b.getI32Type(), 16));
  return arith::OrIOp::create(b, bits(low), shifted);
}

static void lowerToMMASync(func::CallOp call) {
  ImplicitLocOpBuilder b(call.getLoc(), call);
  ValueRange operands = call.getOperands();
  SmallVector<Value> a, bRegisters, c;
  for (int64_t i = 0; i < 8; i += 2)
    a.push_back(pack(b, operands[i], operands[i + 1]));
  for (int64_t i = 8; i < 12; i += 2)
    bRegisters.push_back(pack(b, operands[i], operands[i + 1]));
  c.append(operands.begin() + 12, operands.end());
  Type f32 = b.getF32Type();
  auto resultType =
      LLVM::LLVMStructType::getLiteral(b.getContext(), {f32, f32, f32, f32});
  NVVM::MMATypes type = operands[0].getType().isBF16() ? NVVM::MMATypes::bf16
                                                       : NVVM::MMATypes::f16;
  Value mma = NVVM::MmaOp::create(
      b, resultType, a, bRegisters, c, ArrayRef<int64_t>{16, 8, 16},
      /*b1Op=*/std::nullopt, /*intOverflow=*/std::nullopt,
      std::array<NVVM::MMATypes, 2>{type, type},
      std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                     NVVM::MMALayout::col});
  SmallVector<Value> results;
  for (int64_t i = 0; i < 4; ++i)
    results.push_back(LLVM::ExtractValueOp::create(b, mma, i));
  call.replaceAllUsesWith(results);
  call.erase();
}

namespace {
struct RecurCUDAMMASync
    : recur::impl::RecurCUDAMMASyncBase<RecurCUDAMMASync> {
  using Base::Base;

  void runOnOperation() override {
    gpu::GPUModuleOp module = getOperation();
    module.walk([&](func::CallOp call) {
      if (isMMAFunctionName(call.getCallee()))
        lowerToMMASync(call);
    });
    eraseMMADeclarations(module);
  }
};
} // namespace
