//===- VulkanEmulateMMA.cpp - mma.sync m16n8k16 emulated per lane ---------===//
//
// The vulkan tail's form of a warp-wide MMA call (--recur-gpu-mma-matmuls):
// what PTX's mma.sync.aligned.m16n8k16.row.col.f32.{bf16,f16} computes, lane
// by lane, with the fragment layouts written out here from the PTX ISA's
// tables (groupID = laneid >> 2, threadID_in_group = laneid % 4), apart from
// the code that loads the fragments:
//
//   a0, a1, a4, a5: row groupID       a2, a3, a6, a7: row groupID + 8
//   a0..a3: column threadID_in_group * 2 + (i & 1), a4..a7: the same + 8
//   b0, b1: row threadID_in_group * 2 + (i & 1), b2, b3: the same + 8;
//           column groupID
//   c0, c1: row groupID, c2, c3: row groupID + 8;
//           column threadID_in_group * 2 + (i & 1)
//
// Each lane writes its A and B registers (pairs of 16-bit elements) into
// its warp's 16 x 16 and 16 x 8 matrices in shared memory, the block waits
// at a barrier, each lane computes its accumulators from whole rows and
// columns (elements widened exactly to f32, products summed in f32), and
// the block waits again before the matrices are reused. The loops
// around the call give every thread the same trip count, so the barriers
// are reached by all.
//
//===----------------------------------------------------------------------===//

#include "recur/Codegen/GPU/Passes.h"

#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir {
namespace recur {
#define GEN_PASS_DEF_RECURVULKANEMULATEMMA
#include "recur/Codegen/GPU/Passes.h.inc"
} // namespace recur
} // namespace mlir

using namespace mlir;
using namespace mlir::recur;

/// The 32-bit words of one warp's matrices: A (16 x 16) by rows and B
/// (16 x 8) by columns, two 16-bit elements a word, as the instruction's
/// registers pair them.
static constexpr int64_t kAWords = 16 * 16 / 2, kBWords = 16 * 8 / 2;
static constexpr int64_t kWarpWords = kAWords + kBWords;
static_assert(kWarpWords * 4 == kMMAStagingBytesPerWarp,
              "the policy reserves what the emulation takes");

namespace {
/// Index arithmetic and 16-bit packing for the emulation, at `b`.
class Emulator {
public:
  explicit Emulator(ImplicitLocOpBuilder &b) : b(b) {}

  Value index(int64_t value) { return arith::ConstantIndexOp::create(b, value); }
  Value add(Value x, int64_t y) {
    return y ? arith::AddIOp::create(b, x, index(y)).getResult() : x;
  }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, x, y); }
  Value mul(Value x, int64_t y) { return arith::MulIOp::create(b, x, index(y)); }

  /// The word holding 16-bit elements `low` and `high`.
  Value pack(Value low, Value high) {
    auto bits = [&](Value element) -> Value {
      Type i16 = b.getI16Type();
      return arith::ExtUIOp::create(b, b.getI32Type(),
                                    arith::BitcastOp::create(b, i16, element));
    };
    Value shifted = arith::ShLIOp::create(b, bits(high), i32(16));
    return arith::OrIOp::create(b, bits(low), shifted);
  }

  /// Element `half` (0: low, 1: high) of `word`, exactly as f32.
  Value unpack(ImplicitLocOpBuilder &at, Value word, Type elementType,
               int64_t half) {
    Value bits = word;
    if (half == 1)
      bits = arith::ShRUIOp::create(
          at, bits, arith::ConstantIntOp::create(at, at.getI32Type(), 16));
    if (elementType.isF16()) {
      Value narrow = arith::TruncIOp::create(at, at.getI16Type(), bits);
      Value half16 = arith::BitcastOp::create(at, at.getF16Type(), narrow);
      return arith::ExtFOp::create(at, at.getF32Type(), half16);
    }
    // bf16: the high half of an f32.
    Value widened = arith::ShLIOp::create(
        at, bits, arith::ConstantIntOp::create(at, at.getI32Type(), 16));
    return arith::BitcastOp::create(at, at.getF32Type(), widened);
  }

  Value i32(int64_t value) {
    return arith::ConstantIntOp::create(b, b.getI32Type(), value);
  }

  ImplicitLocOpBuilder &b;
};
} // namespace

static void emulate(func::CallOp call, Value scratch) {
  ImplicitLocOpBuilder b(call.getLoc(), call);
  Emulator e(b);
  ValueRange operands = call.getOperands();
  Type elementType = operands[0].getType();
  Value thread = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  Value laneId = arith::RemUIOp::create(b, thread, e.index(32));
  Value warp = arith::DivUIOp::create(b, thread, e.index(32));
  Value groupID = arith::ShRUIOp::create(b, laneId, e.index(2));
  Value threadIDInGroup = arith::AndIOp::create(b, laneId, e.index(3));
  Value aBase = e.mul(warp, kWarpWords);
  Value bBase = e.add(aBase, kAWords);

  // Scatter. A's register r holds a_{2r}, a_{2r+1}: word (row, column / 2)
  // at aBase + 8 row + column / 2. B's register r holds b_{2r}, b_{2r+1}
  // (rows k, k + 1 of one column): word (column, k / 2) at
  // bBase + 8 column + k / 2.
  for (int64_t r = 0; r < 4; ++r) {
    int64_t i = 2 * r; // the register's first element
    bool lowerHalf = i == 2 || i == 6;
    Value row = e.add(groupID, lowerHalf ? 8 : 0);
    // column = threadID_in_group * 2 + (i & 1) (+ 8 for i >= 4), even.
    Value wordColumn = e.add(threadIDInGroup, i >= 4 ? 4 : 0);
    Value place = e.add(aBase, e.add(e.mul(row, 8), wordColumn));
    memref::StoreOp::create(b, e.pack(operands[i], operands[i + 1]), scratch,
                            place);
  }
  for (int64_t r = 0; r < 2; ++r) {
    int64_t i = 2 * r;
    // row = threadID_in_group * 2 + (i & 1) (+ 8 for i >= 2); column
    // groupID.
    Value wordRow = e.add(threadIDInGroup, i >= 2 ? 4 : 0);
    Value place = e.add(bBase, e.add(e.mul(groupID, 8), wordRow));
    memref::StoreOp::create(b, e.pack(operands[8 + i], operands[9 + i]),
                            scratch, place);
  }
  gpu::BarrierOp::create(b);

  // Gather: d_i = c_i + sum_k A[row_i][k] B[k][column_i], with c0, c1 in
  // row groupID and c2, c3 in row groupID + 8, columns
  // threadID_in_group * 2 + (i & 1); one loop over the 8 words of a row.
  SmallVector<Value> aRows, bColumns;
  for (int64_t i = 0; i < 4; ++i) {
    Value row = e.add(groupID, i >= 2 ? 8 : 0);
    Value column = e.add(e.mul(threadIDInGroup, 2), i & 1);
    aRows.push_back(e.add(aBase, e.mul(row, 8)));
    bColumns.push_back(e.add(bBase, e.mul(column, 8)));
  }
  auto sums = scf::ForOp::create(
      b, e.index(0), e.index(8), e.index(1), operands.take_back(4),
      [&](OpBuilder &nested, Location loc, Value word, ValueRange carried) {
        ImplicitLocOpBuilder inner(loc, nested);
        SmallVector<Value> next;
        for (int64_t i = 0; i < 4; ++i) {
          Value aPlace = arith::AddIOp::create(inner, aRows[i], word);
          Value bPlace = arith::AddIOp::create(inner, bColumns[i], word);
          Value aWord = memref::LoadOp::create(inner, scratch, aPlace);
          Value bWord = memref::LoadOp::create(inner, scratch, bPlace);
          Value sum = carried[i];
          for (int64_t half = 0; half < 2; ++half) {
            Value product = arith::MulFOp::create(
                inner, e.unpack(inner, aWord, elementType, half),
                e.unpack(inner, bWord, elementType, half));
            sum = arith::AddFOp::create(inner, sum, product);
          }
          next.push_back(sum);
        }
        scf::YieldOp::create(inner, next);
      });
  gpu::BarrierOp::create(b);
  call.replaceAllUsesWith(sums.getResults());
  call.erase();
}

namespace {
struct RecurVulkanEmulateMMA
    : recur::impl::RecurVulkanEmulateMMABase<RecurVulkanEmulateMMA> {
  using Base::Base;

  void runOnOperation() override {
    gpu::GPUModuleOp module = getOperation();
    for (auto kernel : module.getOps<gpu::GPUFuncOp>()) {
      SmallVector<func::CallOp> calls;
      kernel.walk([&](func::CallOp call) {
        if (isMMAFunctionName(call.getCallee()))
          calls.push_back(call);
      });
      if (calls.empty())
        continue;
      DenseI32ArrayAttr size = kernel.getKnownBlockSizeAttr();
      if (!size || size.size() != 3 || size[0] % 32 != 0 || size[1] != 1 ||
          size[2] != 1) {
        kernel.emitOpError("has warp-wide matmuls but not a static block "
                           "of whole warps");
        return signalPassFailure();
      }
      // One pair of matrices per warp, in the block's shared memory.
      OpBuilder b = OpBuilder::atBlockBegin(&kernel.getBody().front());
      auto type = MemRefType::get(
          {size[0] / 32 * kWarpWords}, b.getI32Type(), AffineMap(),
          gpu::AddressSpaceAttr::get(&getContext(),
                                     gpu::AddressSpace::Workgroup));
      Value scratch = memref::AllocOp::create(b, kernel.getLoc(), type);
      for (func::CallOp call : calls)
        emulate(call, scratch);
    }
    eraseMMADeclarations(module);
  }
};
} // namespace
