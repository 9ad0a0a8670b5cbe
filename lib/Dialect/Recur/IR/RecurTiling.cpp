//===- RecurTiling.cpp - TilingInterface from the layout tables -----------===//
//
// The iteration space of a recur op is its independent dimensions
// (getParallelDims(), e.g. [B, H, V] for linear attention), all parallel.
// A tile [offsets, offsets + sizes) of that space slices every operand,
// destinations included, along the dimensions its layout names and keeps the
// rest whole, so the tiled op is the same op on smaller tensors, writing into
// slices of its destinations: upstream tiling (scf::tileUsingSCF,
// transform.structured.tile_using_forall) builds the scf.forall around it,
// with the destinations as its shared outputs. Attention's query heads are
// two independent dimensions, (Hkv, G): a tile of one key/value head and
// g heads of its group slices q and o at heads hkv * G + [g0, g0 + g) and
// k and v at head hkv, and is an attention whose group is g heads.
//
//===----------------------------------------------------------------------===//

#include "recur/Dialect/Recur/IR/RecurLayout.h"
#include "recur/Dialect/Recur/IR/RecurOps.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/Interfaces/TilingInterface.h"

using namespace mlir;
using namespace mlir::recur;

namespace {
/// The size of the dimension called `dim` in the first present operand of
/// `table` that names it, or nullptr when none does.
OpFoldResult layoutSize(OpBuilder &b, Location loc, const LayoutTable &table,
                        StringRef dim) {
  for (const NamedLayout &entry : table) {
    const auto *it = llvm::find(entry.dims, dim);
    if (entry.value && it != entry.dims.end())
      return tensor::getMixedSize(b, loc, entry.value, it - entry.dims.begin());
  }
  return nullptr;
}

/// The size of independent dimension `dim`: a layout dimension, or the
/// inner factor of the op's product dimension (whole / outer).
OpFoldResult domainSize(OpBuilder &b, Location loc, Operation *op,
                        const LayoutTable &table, StringRef dim) {
  if (OpFoldResult size = layoutSize(b, loc, table, dim))
    return size;
  std::optional<ProductDim> product = getProductDim(op);
  assert(product && product->inner == dim &&
         "every independent dimension is laid out or a product's factor");
  AffineExpr whole, outer;
  bindSymbols(b.getContext(), whole, outer);
  return affine::makeComposedFoldedAffineApply(
      b, loc, whole.floorDiv(outer),
      {layoutSize(b, loc, table, product->whole),
       layoutSize(b, loc, table, product->outer)});
}

/// A tile (offsets, sizes) of the iteration space of `op`, looked up by
/// layout dimension.
class DimTiles {
public:
  DimTiles(Operation *op, ArrayRef<OpFoldResult> offsets,
           ArrayRef<OpFoldResult> sizes)
      : op(op), parallelDims(getParallelDims(op)),
        product(getProductDim(op)), offsets(offsets), sizes(sizes) {}

  /// The slice (offset, size) of layout dimension `dim` in the tile, or
  /// nullopt where the tile keeps it whole. A product dimension is one
  /// range: the tile takes a single outer index or whole inner ranges, and
  /// fails otherwise.
  FailureOr<std::optional<std::pair<OpFoldResult, OpFoldResult>>>
  of(OpBuilder &b, Location loc, const LayoutTable &table,
     StringRef dim) const {
    if (std::optional<unsigned> position = find(dim))
      return std::optional(
          std::make_pair(offsets[*position], sizes[*position]));
    if (!product || product->whole != dim)
      return std::optional<std::pair<OpFoldResult, OpFoldResult>>();
    unsigned outer = *find(product->outer), inner = *find(product->inner);
    // The offsets of an untiled dimension are its domain's constant 0; a
    // tiled one's are loop indices.
    bool outerWhole = isConstantIntValue(offsets[outer], 0);
    OpFoldResult group = domainSize(b, loc, op, table, product->inner);
    std::optional<int64_t> staticGroup = getConstantIntValue(group);
    std::optional<int64_t> innerSize = getConstantIntValue(sizes[inner]);
    bool innerWhole = isConstantIntValue(offsets[inner], 0) &&
                      (!innerSize || !staticGroup || innerSize == staticGroup);
    if (outerWhole && innerWhole)
      return std::optional<std::pair<OpFoldResult, OpFoldResult>>();
    if (!innerWhole && !isConstantIntValue(sizes[outer], 1))
      return op->emitOpError()
             << "a tile of the " << product->whole << " dimension takes one "
             << product->outer << " index or whole " << product->inner
             << " ranges";
    AffineExpr outerIndex, innerIndex, groupSize;
    bindSymbols(b.getContext(), outerIndex, innerIndex, groupSize);
    OpFoldResult offset = affine::makeComposedFoldedAffineApply(
        b, loc, outerIndex * groupSize + innerIndex,
        {offsets[outer], offsets[inner], group});
    OpFoldResult size = affine::makeComposedFoldedAffineApply(
        b, loc, outerIndex * innerIndex, {sizes[outer], sizes[inner]});
    return std::optional(std::make_pair(offset, size));
  }

private:
  std::optional<unsigned> find(StringRef dim) const {
    const auto *it = llvm::find(parallelDims, dim);
    if (it == parallelDims.end())
      return std::nullopt;
    return it - parallelDims.begin();
  }

  Operation *op;
  SmallVector<std::string> parallelDims;
  std::optional<ProductDim> product;
  ArrayRef<OpFoldResult> offsets, sizes;
};

/// The offsets and sizes of `entry` in the tile `tiles`.
LogicalResult tileOfEntry(OpBuilder &b, Location loc, const LayoutTable &table,
                          const NamedLayout &entry, const DimTiles &tiles,
                          SmallVectorImpl<OpFoldResult> &entryOffsets,
                          SmallVectorImpl<OpFoldResult> &entrySizes) {
  SmallVector<OpFoldResult> whole = tensor::getMixedSizes(b, loc, entry.value);
  for (auto [index, dim] : llvm::enumerate(entry.dims)) {
    auto slice = tiles.of(b, loc, table, dim);
    if (failed(slice))
      return failure();
    if (!*slice) {
      entryOffsets.push_back(b.getIndexAttr(0));
      entrySizes.push_back(whole[index]);
      continue;
    }
    entryOffsets.push_back((*slice)->first);
    entrySizes.push_back((*slice)->second);
  }
  return success();
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
    for (const std::string &dim : recurOp.getParallelDims())
      domain.push_back({b.getIndexAttr(0),
                        domainSize(b, op->getLoc(), op, table, dim),
                        b.getIndexAttr(1)});
    return domain;
  }

  FailureOr<TilingResult>
  getTiledImplementation(Operation *op, OpBuilder &b,
                         ArrayRef<OpFoldResult> offsets,
                         ArrayRef<OpFoldResult> sizes) const {
    auto recurOp = cast<OpTy>(op);
    Location loc = op->getLoc();
    DimTiles tiles(op, offsets, sizes);
    LayoutTable table = recurOp.getLayouts();
    SmallVector<Value> operands(op->getOperands());
    TilingResult result;
    for (const NamedLayout &entry : table) {
      if (!entry.value)
        continue;
      SmallVector<OpFoldResult> entryOffsets, entrySizes;
      if (failed(tileOfEntry(b, loc, table, entry, tiles, entryOffsets,
                             entrySizes)))
        return failure();
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
    DimTiles tiles(op, offsets, sizes);
    LayoutTable table = recurOp.getLayouts();
    for (const NamedLayout &entry : table) {
      if (entry.number != init->getOperandNumber() || !entry.value)
        continue;
      return tileOfEntry(b, op->getLoc(), table, entry, tiles, resultOffsets,
                         resultSizes);
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
