//===- TransposeB.cpp - A B^T matmuls as a transpose and a matmul ---------===//
//
// The chunked forms state A B^T as one contraction (a linalg.matmul whose B
// map is transposed), which GPU targets read as it is (their MMAs load B
// through the map). The CPU tail forms B^T once, into a tile of its own
// (linalg.transpose), and multiplies by it: the matmul's register tiles
// then read unit-stride rows of it instead of gathering a column at every
// step.
//
//===----------------------------------------------------------------------===//

#include "recur/Codegen/CPU/Passes.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir {
namespace recur {
#define GEN_PASS_DEF_RECURCPUTRANSPOSEB
#include "recur/Codegen/CPU/Passes.h.inc"
} // namespace recur
} // namespace mlir

using namespace mlir;
using namespace mlir::recur;

static void formTranspose(RewriterBase &rewriter, linalg::MatmulOp matmul) {
  Location loc = matmul.getLoc();
  rewriter.setInsertionPoint(matmul);
  Value a = matmul.getInputs()[0], b = matmul.getInputs()[1];
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, b);
  Value empty = tensor::EmptyOp::create(
      rewriter, loc, {sizes[1], sizes[0]},
      cast<RankedTensorType>(b.getType()).getElementType());
  Value transposed = linalg::TransposeOp::create(rewriter, loc, b, empty,
                                                 ArrayRef<int64_t>{1, 0})
                         .getResult()[0];
  auto plain = linalg::MatmulOp::create(rewriter, loc, matmul.getResultTypes(),
                                        ValueRange{a, transposed},
                                        matmul.getOutputs());
  plain->setDiscardableAttrs(matmul->getDiscardableAttrDictionary());
  rewriter.replaceOp(matmul, plain);
}

namespace {
struct RecurCPUTransposeB
    : recur::impl::RecurCPUTransposeBBase<RecurCPUTransposeB> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<linalg::MatmulOp> matmuls;
    getOperation()->walk([&](linalg::MatmulOp matmul) {
      if (linalg::MatmulTransposeBOp::classof(matmul) &&
          matmul.hasPureTensorSemantics())
        matmuls.push_back(matmul);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::MatmulOp matmul : matmuls)
      formTranspose(rewriter, matmul);
  }
};
} // namespace
