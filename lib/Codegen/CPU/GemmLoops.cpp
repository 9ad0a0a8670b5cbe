//===- GemmLoops.cpp - Loops of the projection GEMMs on tensors -----------===//

#include "GemmLoops.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::recur;

Value mlir::recur::indexConstant(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

Value mlir::recur::forCarrying(OpBuilder &b, Location loc, Value lower,
                               Value upper, int64_t step, Value out,
                               CarriedBody body) {
  auto loop = scf::ForOp::create(
      b, loc, lower, upper, indexConstant(b, loc, step), ValueRange{out},
      [&](OpBuilder &nb, Location nloc, Value iv, ValueRange carried) {
        scf::YieldOp::create(nb, nloc, body(nb, nloc, iv, carried[0]));
      });
  return loop.getResult(0);
}

Value mlir::recur::forallColumnBlocks(OpBuilder &b, Location loc, Value out,
                                      Value rows, int64_t blocks,
                                      int64_t width, CarriedBody body) {
  auto forall = scf::ForallOp::create(
      b, loc, ArrayRef<OpFoldResult>{b.getIndexAttr(blocks)}, ValueRange{out},
      std::nullopt);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(forall.getBody());
  Value first = arith::MulIOp::create(b, loc, forall.getInductionVar(0),
                                      indexConstant(b, loc, width));
  Value shared = forall.getRegionOutArgs()[0];
  SmallVector<OpFoldResult> offsets = {b.getIndexAttr(0), first};
  SmallVector<OpFoldResult> sizes = {rows, b.getIndexAttr(width)};
  SmallVector<OpFoldResult> strides(2, b.getIndexAttr(1));
  Value slice =
      tensor::ExtractSliceOp::create(b, loc, shared, offsets, sizes, strides);
  Value done = body(b, loc, first, slice);
  b.setInsertionPointToStart(forall.getTerminator().getBody());
  tensor::ParallelInsertSliceOp::create(b, loc, done, shared, offsets, sizes,
                                        strides);
  return forall.getResult(0);
}
