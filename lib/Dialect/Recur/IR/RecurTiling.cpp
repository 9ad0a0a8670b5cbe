//===- RecurTiling.cpp - TilingInterface from the layout tables -----------===//
//
// The iteration space of a recur op is its independent dimensions
// (getParallelDims(), e.g. [B, H, V] for linear attention), all parallel.
// A tile [offsets, offsets + sizes) of that space slices every operand,
// destinations included, along the dimensions its layout names and keeps the
// rest whole, so the tiled op is the same op on smaller tensors, writing into
// slices of its destinations: upstream tiling (scf::tileUsingSCF,
// transform.structured.tile_using_forall) builds the scf.forall around it,
// with the destinations as its shared outputs.
//
//===----------------------------------------------------------------------===//

#include "recur/Dialect/Recur/IR/RecurLayout.h"
#include "recur/Dialect/Recur/IR/RecurOps.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/Interfaces/TilingInterface.h"

using namespace mlir;
using namespace mlir::recur;

namespace {
/// The offsets and sizes of `entry` for the tile (offsets, sizes) of the
/// iteration space `parallelDims`; `wholeSizes` are its full sizes.
void tileOfEntry(OpBuilder &b, const NamedLayout &entry,
                 ArrayRef<std::string> parallelDims,
                 ArrayRef<OpFoldResult> offsets, ArrayRef<OpFoldResult> sizes,
                 ArrayRef<OpFoldResult> wholeSizes,
                 SmallVectorImpl<OpFoldResult> &entryOffsets,
                 SmallVectorImpl<OpFoldResult> &entrySizes) {
  for (auto [index, dim] : llvm::enumerate(entry.dims)) {
    const auto *it = llvm::find(parallelDims, dim);
    if (it == parallelDims.end()) {
      entryOffsets.push_back(b.getIndexAttr(0));
      entrySizes.push_back(wholeSizes[index]);
      continue;
    }
    unsigned position = it - parallelDims.begin();
    entryOffsets.push_back(offsets[position]);
    entrySizes.push_back(sizes[position]);
  }
}

template <typename OpTy>
struct LayoutTilingModel
    : TilingInterface::ExternalModel<LayoutTilingModel<OpTy>, OpTy> {
  SmallVector<utils::IteratorType> getLoopIteratorTypes(Operation *op) const {
    return SmallVector<utils::IteratorType>(
        cast<OpTy>(op).getParallelDims().size(), utils::IteratorType::parallel);
  }

  SmallVector<Range> getIterationDomain(Operation *op, OpBuilder &b) const {
    auto recurOp = cast<OpTy>(op);
    LayoutTable table = recurOp.getLayouts();
    SmallVector<Range> domain;
    for (const std::string &dim : recurOp.getParallelDims()) {
      // Every independent dimension appears in a required operand.
      for (const NamedLayout &entry : table) {
        const auto *it = llvm::find(entry.dims, dim);
        if (!entry.value || it == entry.dims.end())
          continue;
        OpFoldResult size = tensor::getMixedSize(b, op->getLoc(), entry.value,
                                                 it - entry.dims.begin());
        domain.push_back({b.getIndexAttr(0), size, b.getIndexAttr(1)});
        break;
      }
    }
    return domain;
  }

  FailureOr<TilingResult>
  getTiledImplementation(Operation *op, OpBuilder &b,
                         ArrayRef<OpFoldResult> offsets,
                         ArrayRef<OpFoldResult> sizes) const {
    auto recurOp = cast<OpTy>(op);
    Location loc = op->getLoc();
    SmallVector<std::string> parallelDims = recurOp.getParallelDims();
    SmallVector<Value> operands(op->getOperands());
    TilingResult result;
    for (const NamedLayout &entry : recurOp.getLayouts()) {
      if (!entry.value)
        continue;
      SmallVector<OpFoldResult> entryOffsets, entrySizes;
      SmallVector<OpFoldResult> whole =
          tensor::getMixedSizes(b, loc, entry.value);
      tileOfEntry(b, entry, parallelDims, offsets, sizes, whole, entryOffsets,
                  entrySizes);
      SmallVector<OpFoldResult> strides(entrySizes.size(), b.getIndexAttr(1));
      auto slice = tensor::ExtractSliceOp::create(
          b, loc, entry.value, entryOffsets, entrySizes, strides);
      operands[entry.number] = slice;
      result.generatedSlices.push_back(slice);
    }
    // Each result has the type of its (sliced) destination.
    SmallVector<Type> resultTypes;
    for (OpOperand &init : recurOp.getDpsInitsMutable())
      resultTypes.push_back(operands[init.getOperandNumber()].getType());
    Operation *tiled = clone(b, op, resultTypes, operands);
    result.tiledOps.push_back(tiled);
    result.tiledValues.append(tiled->getResults().begin(),
                              tiled->getResults().end());
    return result;
  }

  LogicalResult
  getResultTilePosition(Operation *op, OpBuilder &b, unsigned resultNumber,
                        ArrayRef<OpFoldResult> offsets,
                        ArrayRef<OpFoldResult> sizes,
                        SmallVector<OpFoldResult> &resultOffsets,
                        SmallVector<OpFoldResult> &resultSizes) const {
    // A result's tile is the tile of its destination.
    auto recurOp = cast<OpTy>(op);
    OpOperand *init = recurOp.getDpsInitOperand(resultNumber);
    for (const NamedLayout &entry : recurOp.getLayouts()) {
      if (entry.number != init->getOperandNumber() || !entry.value)
        continue;
      SmallVector<OpFoldResult> whole =
          tensor::getMixedSizes(b, op->getLoc(), entry.value);
      tileOfEntry(b, entry, recurOp.getParallelDims(), offsets, sizes, whole,
                  resultOffsets, resultSizes);
      return success();
    }
    return failure();
  }
};
} // namespace

void mlir::recur::attachLayoutTilingModels(MLIRContext &context) {
  ScanOp::attachInterface<LayoutTilingModel<ScanOp>>(context);
  SelectiveScanOp::attachInterface<LayoutTilingModel<SelectiveScanOp>>(context);
  LinearAttentionOp::attachInterface<LayoutTilingModel<LinearAttentionOp>>(
      context);
  AttentionOp::attachInterface<LayoutTilingModel<AttentionOp>>(context);
  Conv1dOp::attachInterface<LayoutTilingModel<Conv1dOp>>(context);
}
