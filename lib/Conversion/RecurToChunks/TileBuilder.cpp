//===- TileBuilder.cpp - linalg on chunk tiles, for the chunked forms -----===//

#include "TileBuilder.h"

#include "recur/Conversion/RecurToChunks/ChunkConfig.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

#include <limits>

using namespace mlir;
using namespace mlir::recur;

/// Constant sizes as attributes, so that the ops built from them get static
/// result types.
static SmallVector<OpFoldResult> folded(ArrayRef<OpFoldResult> sizes) {
  SmallVector<OpFoldResult> result;
  for (OpFoldResult size : sizes)
    result.push_back(isa<Value>(size) ? getAsOpFoldResult(cast<Value>(size))
                                      : size);
  return result;
}

/// The tensor type of `shape` (static where the sizes are constants).
static RankedTensorType tileType(ArrayRef<OpFoldResult> shape,
                                 Type elementType) {
  SmallVector<int64_t> staticShape;
  for (OpFoldResult size : shape)
    staticShape.push_back(
        getConstantIntValue(size).value_or(ShapedType::kDynamic));
  return RankedTensorType::get(staticShape, elementType);
}

Value TileBuilder::generic(ArrayRef<OpFoldResult> shape, ValueRange inputs,
                           ArrayRef<AffineMap> inputMaps, Value init,
                           bool readInit, Body body,
                           llvm::function_ref<Value(Value, Value)> combine) {
  bool reduce = static_cast<bool>(combine);
  unsigned rank = shape.size() + (reduce ? 1 : 0);
  SmallVector<AffineMap> maps(inputMaps);
  SmallVector<unsigned> outputDims;
  for (unsigned d = 0; d < shape.size(); ++d)
    outputDims.push_back(d);
  maps.push_back(dims(rank, outputDims));
  SmallVector<utils::IteratorType> iterators(shape.size(),
                                             utils::IteratorType::parallel);
  if (reduce)
    iterators.push_back(utils::IteratorType::reduction);
  auto op = linalg::GenericOp::create(
      b, TypeRange{init.getType()}, inputs, ValueRange{init}, maps, iterators,
      /*doc=*/"", /*libraryCall=*/"",
      [&](OpBuilder &nested, Location, ValueRange args) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(nested.getInsertionBlock(),
                            nested.getInsertionPoint());
        // A map's body does not read the (uninitialized) output element; a
        // reduction's body does not see the accumulator.
        Value result = body(readInit ? args : args.drop_back());
        if (reduce)
          result = combine(args.back(), result);
        linalg::YieldOp::create(b, result);
      });
  return op.getResult(0);
}

Value TileBuilder::map(ArrayRef<OpFoldResult> shape, ValueRange inputs,
                       ArrayRef<AffineMap> inputMaps, Body body,
                       Type elementType) {
  if (!elementType)
    elementType = b.getF32Type();
  Value init = tensor::EmptyOp::create(b, folded(shape), elementType);
  return generic(shape, inputs, inputMaps, init, /*readInit=*/false, body);
}

Value TileBuilder::mapInto(Value dest, ValueRange inputs,
                           ArrayRef<AffineMap> inputMaps, Body body) {
  SmallVector<OpFoldResult> shape = tensor::getMixedSizes(b, b.getLoc(), dest);
  return generic(shape, inputs, inputMaps, dest, /*readInit=*/false, body);
}

Value TileBuilder::update(Value tile, ValueRange inputs,
                          ArrayRef<AffineMap> inputMaps, Body body) {
  SmallVector<OpFoldResult> shape = tensor::getMixedSizes(b, b.getLoc(), tile);
  return generic(shape, inputs, inputMaps, tile, /*readInit=*/true, body);
}

Value TileBuilder::sum(ArrayRef<OpFoldResult> shape, ValueRange inputs,
                       ArrayRef<AffineMap> inputMaps, Body body) {
  return generic(shape, inputs, inputMaps, zeros(shape), /*readInit=*/false,
                 body, [&](Value acc, Value x) { return add(acc, x); });
}

std::pair<Value, Value>
TileBuilder::updateAndRead(Value tile, ValueRange inputs,
                           ArrayRef<AffineMap> inputMaps, Value weights,
                           bool readOld, Body body) {
  OpFoldResult columns = tensor::getMixedSize(b, b.getLoc(), tile, 1);
  SmallVector<Value> operands(inputs);
  operands.push_back(weights);
  SmallVector<AffineMap> maps(inputMaps);
  maps.append({dims(2, {0}), identity(2), dims(2, {1})});
  Value readInit = zeros({columns});
  // Rows are the reduction of `read`; each element of the tile is still
  // visited once, so the tile output is a plain update.
  auto op = linalg::GenericOp::create(
      b, TypeRange{tile.getType(), readInit.getType()}, operands,
      ValueRange{tile, readInit}, maps,
      {utils::IteratorType::reduction, utils::IteratorType::parallel},
      /*doc=*/"", /*libraryCall=*/"",
      [&](OpBuilder &nested, Location, ValueRange args) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(nested.getInsertionBlock(),
                            nested.getInsertionPoint());
        size_t n = inputs.size();
        SmallVector<Value> elements(args.take_front(n));
        Value old = args[n + 1];
        elements.push_back(old);
        Value updated = body(elements);
        Value read = add(args[n + 2], mul(args[n], readOld ? old : updated));
        linalg::YieldOp::create(b, ValueRange{updated, read});
      });
  return {op.getResult(0), op.getResult(1)};
}

Value TileBuilder::maxOver(ArrayRef<OpFoldResult> shape, ValueRange inputs,
                           ArrayRef<AffineMap> inputMaps, Body body) {
  Value empty = tensor::EmptyOp::create(b, folded(shape), b.getF32Type());
  Value lowest = arith::ConstantOp::create(
      b, b.getF32FloatAttr(-std::numeric_limits<float>::infinity()));
  Value init = linalg::FillOp::create(b, lowest, empty).getResult(0);
  return generic(shape, inputs, inputMaps, init, /*readInit=*/false, body,
                 [&](Value acc, Value x) { return max(acc, x); });
}

Value TileBuilder::loopIndex(unsigned dim) {
  return linalg::IndexOp::create(b, dim);
}

void TileBuilder::setOperandPrecision(Type inputType) {
  operandPrecision =
      inputType.isF16() || inputType.isBF16() ? inputType : Type();
}

Value TileBuilder::withPrecision(Operation *op) {
  if (operandPrecision)
    op->setAttr(kOperandPrecisionAttr, TypeAttr::get(operandPrecision));
  return op->getResult(0);
}

Value TileBuilder::matmul(Value a, Value bMatrix, Value acc) {
  return withPrecision(linalg::MatmulOp::create(
      b, TypeRange{acc.getType()}, ValueRange{a, bMatrix}, ValueRange{acc}));
}

Value TileBuilder::matmulTransposeA(Value a, Value bMatrix, Value acc) {
  return withPrecision(linalg::MatmulTransposeAOp::create(
      b, b.getLoc(), TypeRange{acc.getType()}, ValueRange{a, bMatrix},
      ValueRange{acc}));
}

Value TileBuilder::matmulTransposeB(Value a, Value bMatrix, Value acc) {
  return withPrecision(linalg::MatmulTransposeBOp::create(
      b, b.getLoc(), TypeRange{acc.getType()}, ValueRange{a, bMatrix},
      ValueRange{acc}));
}

Value TileBuilder::vecmat(Value x, Value m, Value acc) {
  return linalg::VecmatOp::create(b, TypeRange{acc.getType()}, ValueRange{x, m},
                                  ValueRange{acc})
      .getResult(0);
}

SmallVector<Value> TileBuilder::forall(ArrayRef<OpFoldResult> upperBounds,
                                       ValueRange inits, ForallBody body) {
  auto loop =
      scf::ForallOp::create(b, folded(upperBounds), inits, std::nullopt);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(loop.getTerminator());
  SmallVector<ParallelTile> tiles =
      body(loop.getInductionVars(), loop.getRegionIterArgs());
  // Sizes are computed here: the terminator holds only the insertions.
  for (auto [tile, dest] : llvm::zip(tiles, loop.getRegionIterArgs())) {
    int64_t destRank = cast<RankedTensorType>(dest.getType()).getRank();
    if (!tile.sizes.empty())
      continue;
    tile.sizes = tensor::getMixedSizes(b, b.getLoc(), tile.tile);
    while (static_cast<int64_t>(tile.sizes.size()) < destRank)
      tile.sizes.insert(tile.sizes.begin(), b.getIndexAttr(1));
  }
  b.setInsertionPointToStart(loop.getTerminator().getBody());
  for (auto [tile, dest] : llvm::zip(tiles, loop.getRegionIterArgs())) {
    int64_t destRank = cast<RankedTensorType>(dest.getType()).getRank();
    SmallVector<OpFoldResult> strides(destRank, b.getIndexAttr(1));
    tensor::ParallelInsertSliceOp::create(
        b, tile.tile, dest, folded(tile.offsets), folded(tile.sizes), strides);
  }
  return SmallVector<Value>(loop.getResults());
}

Value TileBuilder::zeros(ArrayRef<OpFoldResult> shape) {
  Value empty = tensor::EmptyOp::create(b, folded(shape), b.getF32Type());
  return linalg::FillOp::create(b, f32(0.0), empty).getResult(0);
}

Value TileBuilder::copyToNewTile(Value tile) {
  auto type = cast<RankedTensorType>(tile.getType());
  SmallVector<Value> dynamicSizes;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (type.isDynamicDim(d))
      dynamicSizes.push_back(tensor::DimOp::create(b, tile, d));
  Value fresh =
      bufferization::AllocTensorOp::create(b, type, dynamicSizes).getResult();
  return linalg::CopyOp::create(b, tile, fresh).getResult(0);
}

AffineMap TileBuilder::dims(unsigned numDims, ArrayRef<unsigned> selected) {
  SmallVector<AffineExpr> results;
  for (unsigned d : selected)
    results.push_back(b.getAffineDimExpr(d));
  return AffineMap::get(numDims, 0, results, b.getContext());
}

AffineMap TileBuilder::identity(unsigned numDims) {
  return AffineMap::getMultiDimIdentityMap(numDims, b.getContext());
}

Value TileBuilder::loadRows(Value source, ArrayRef<OpFoldResult> offsets,
                            OpFoldResult rows, int64_t chunk,
                            bool keepLastDim) {
  auto sourceType = cast<RankedTensorType>(source.getType());
  int64_t rank = sourceType.getRank();
  SmallVector<OpFoldResult> sizes(rank, b.getIndexAttr(1));
  sizes[1] = rows;
  SmallVector<OpFoldResult> tileShape = {b.getIndexAttr(chunk)};
  SmallVector<int64_t> sliceShape = {ShapedType::kDynamic};
  if (keepLastDim) {
    OpFoldResult width = tensor::getMixedSize(b, b.getLoc(), source, rank - 1);
    sizes[rank - 1] = width;
    tileShape.push_back(width);
    sliceShape.push_back(sourceType.getDimSize(rank - 1));
  }
  SmallVector<OpFoldResult> strides(rank, b.getIndexAttr(1));
  Type elementType = sourceType.getElementType();
  Value rowsSlice = tensor::ExtractSliceOp::create(
      b, RankedTensorType::get(sliceShape, elementType), source,
      folded(offsets), folded(sizes), strides);

  // Padding rows are zeros: no key, no value, no decay (log-gate 0), beta 0.
  SmallVector<OpFoldResult> low(tileShape.size(), b.getIndexAttr(0));
  SmallVector<OpFoldResult> high(tileShape.size(), b.getIndexAttr(0));
  high[0] =
      arith::SubIOp::create(
          b, index(chunk), getValueOrCreateConstantIndexOp(b, b.getLoc(), rows))
          .getResult();
  Value padValue = arith::ConstantOp::create(b, b.getZeroAttr(elementType));
  Value padded = tensor::PadOp::create(b, tileType(tileShape, elementType),
                                       rowsSlice, ArrayRef<OpFoldResult>(low),
                                       ArrayRef<OpFoldResult>(high), padValue);
  if (elementType.isF32())
    return padded;
  unsigned tileRank = tileShape.size();
  return map(tileShape, {padded}, {identity(tileRank)},
             [&](ValueRange x) { return widen(x[0]); });
}

Value TileBuilder::storeRows(Value tile, Value dest, OpFoldResult offset,
                             OpFoldResult rows) {
  auto destType = cast<RankedTensorType>(dest.getType());
  Type elementType = destType.getElementType();
  SmallVector<OpFoldResult> tileShape =
      tensor::getMixedSizes(b, b.getLoc(), tile);
  tile = narrow(tile, elementType);
  Value rowsSlice =
      slice(tile, {b.getIndexAttr(0), b.getIndexAttr(0)}, {rows, tileShape[1]});
  return insert(rowsSlice, dest, {offset, b.getIndexAttr(0)});
}

Value TileBuilder::token(Value source, Value batch, Value time) {
  SmallVector<OpFoldResult> sizes =
      tensor::getMixedSizes(b, b.getLoc(), source);
  SmallVector<OpFoldResult> offsets(sizes.size(), b.getIndexAttr(0));
  offsets[0] = batch;
  offsets[1] = time;
  sizes[0] = sizes[1] = b.getIndexAttr(1);
  return slice(source, offsets, sizes, {0, 1});
}

Value TileBuilder::slice(Value tile, ArrayRef<OpFoldResult> offsets,
                         ArrayRef<OpFoldResult> sliceSizes,
                         ArrayRef<unsigned> dropUnitDims) {
  SmallVector<OpFoldResult> sizes = folded(sliceSizes);
  auto type = cast<RankedTensorType>(tile.getType());
  SmallVector<OpFoldResult> kept;
  for (auto [d, size] : llvm::enumerate(sizes))
    if (!llvm::is_contained(dropUnitDims, d))
      kept.push_back(size);
  SmallVector<OpFoldResult> strides(sizes.size(), b.getIndexAttr(1));
  return tensor::ExtractSliceOp::create(b,
                                        tileType(kept, type.getElementType()),
                                        tile, folded(offsets), sizes, strides);
}

Value TileBuilder::insert(Value tile, Value dest,
                          ArrayRef<OpFoldResult> offsets) {
  auto destRank = cast<RankedTensorType>(dest.getType()).getRank();
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, b.getLoc(), tile);
  // A rank-reduced tile (a row) fills leading unit dimensions.
  while (static_cast<int64_t>(sizes.size()) < destRank)
    sizes.insert(sizes.begin(), b.getIndexAttr(1));
  SmallVector<OpFoldResult> strides(destRank, b.getIndexAttr(1));
  return tensor::InsertSliceOp::create(b, tile, dest, folded(offsets),
                                       folded(sizes), strides);
}

Value TileBuilder::narrow(Value tile, Type elementType) {
  if (elementType.isF32())
    return tile;
  SmallVector<OpFoldResult> shape = tensor::getMixedSizes(b, b.getLoc(), tile);
  return map(
      shape, {tile}, {identity(shape.size())},
      [&](ValueRange x) -> Value {
        return arith::TruncFOp::create(b, elementType, x[0]);
      },
      elementType);
}

Value TileBuilder::castTo(Value value, Type type) {
  if (value.getType() == type)
    return value;
  return tensor::CastOp::create(b, type, value);
}
