//===- TileBuilder.h - linalg on chunk tiles, for the chunked forms -*- C++
//-*-===//
//
// The chunked lowerings compute on small f32 tiles ([chunk, K], [K, V],
// [chunk, chunk], ...) with linalg ops, so that the later tiling and
// vectorization stages (CPU and GPU alike) see structured ops. These helpers
// keep the per-op files close to their formulas: elementwise maps and
// reductions written as a scalar body, the matmul forms, and moving a chunk
// of tokens between a [B, T, H, ...] tensor and a zero-padded tile.
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_LIB_CONVERSION_RECURTOCHUNKS_TILEBUILDER_H
#define RECUR_LIB_CONVERSION_RECURTOCHUNKS_TILEBUILDER_H

#include "../FormulaBuilder.h"

#include "mlir/IR/AffineMap.h"
#include "mlir/IR/OpDefinition.h"

namespace mlir {
namespace recur {

/// A tile an scf.forall iteration inserts into one of its shared outputs.
struct ParallelTile {
  Value tile;
  SmallVector<OpFoldResult> offsets;
  /// The sizes in the destination; by default the tile's own, after
  /// leading unit dimensions for the ones it lacks.
  SmallVector<OpFoldResult> sizes = {};
};

/// Tile-level helpers on top of FormulaBuilder (whose scalar arithmetic the
/// map and reduction bodies use).
class TileBuilder : public FormulaBuilder {
public:
  using FormulaBuilder::FormulaBuilder;

  /// The scalar body of a map or reduction: receives the input elements
  /// (and, for reductions, the accumulator last) and returns the new value.
  /// `loopIndex(dim)` is valid inside it.
  using Body = llvm::function_ref<Value(ValueRange elements)>;

  /// out[d...] = body(inputs[maps[i](d...)]...) over an all-parallel space
  /// of `shape`; the result has element type `elementType` (f32 if null).
  Value map(ArrayRef<OpFoldResult> shape, ValueRange inputs,
            ArrayRef<AffineMap> inputMaps, Body body, Type elementType = {});
  /// A map written into `dest` (a destination: its elements are not read).
  Value mapInto(Value dest, ValueRange inputs, ArrayRef<AffineMap> inputMaps,
                Body body);
  /// tile[d...] = body(inputs[maps[i](d...)]..., tile[d...]), written into
  /// `tile` itself (its destination), so a carried state is updated in place.
  Value update(Value tile, ValueRange inputs, ArrayRef<AffineMap> inputMaps,
               Body body);
  /// out[d...] = sum_r body(inputs[maps[i](d..., r)]...) in f32, where `r`
  /// is the last dimension of the iteration space (its extent comes from
  /// the inputs).
  Value sum(ArrayRef<OpFoldResult> shape, ValueRange inputs,
            ArrayRef<AffineMap> inputMaps, Body body);
  /// One pass over the 2-D tile `tile` that updates it and reads it:
  /// new[i, j] = body(inputs[maps(i, j)]..., tile[i, j]) and
  /// read[j] = sum_i weights[i] * (new or, with `readOld`, tile)[i, j].
  /// Returns {new, read (f32)}.
  std::pair<Value, Value> updateAndRead(Value tile, ValueRange inputs,
                                        ArrayRef<AffineMap> inputMaps,
                                        Value weights, bool readOld,
                                        Body body);

  /// out[d...] = max_r body(...) (init -inf), like `sum`.
  Value maxOver(ArrayRef<OpFoldResult> shape, ValueRange inputs,
                ArrayRef<AffineMap> inputMaps, Body body);

  /// The iteration index `dim` of the map or reduction being built.
  Value loopIndex(unsigned dim);

  /// acc + a b, acc + a^T b, acc + a b^T, acc + x m (x a vector): one
  /// contraction each (how a target reads a transposed operand is its own
  /// choice: the CPU tail forms b^T as a tile, --recur-cpu-transpose-b).
  /// The matrix forms carry the operand precision (setOperandPrecision).
  Value matmul(Value a, Value bMatrix, Value acc);
  Value matmulTransposeA(Value a, Value bMatrix, Value acc);
  Value matmulTransposeB(Value a, Value bMatrix, Value acc);
  Value vecmat(Value x, Value m, Value acc);

  /// `scf.forall (ivs) in (upperBounds) shared_outs(inits)`: `body` returns,
  /// for each shared output (in order), the tile to insert and where (a
  /// rank-reduced tile fills leading unit dimensions). Returns the results.
  using ForallBody = llvm::function_ref<SmallVector<ParallelTile>(
      ValueRange ivs, ValueRange shared)>;
  SmallVector<Value> forall(ArrayRef<OpFoldResult> upperBounds,
                            ValueRange inits, ForallBody body);

  /// An f32 tile of `shape` filled with zeros.
  Value zeros(ArrayRef<OpFoldResult> shape);
  /// A copy of `tile` in a tile of its own: a `bufferization.alloc_tensor`,
  /// which bufferization keeps a buffer of its own (a tensor.empty could
  /// become `tile`'s buffer).
  Value copyToNewTile(Value tile);

  /// Affine maps over `numDims` iteration dims selecting `dims` of them.
  AffineMap dims(unsigned numDims, ArrayRef<unsigned> dims);
  AffineMap identity(unsigned numDims);

  /// Rows [offsets[1], offsets[1] + rows) of `source` at the other offsets,
  /// as a tile of `chunk` rows (zero-padded past `rows`) and, when
  /// `keepLastDim`, the full last dimension; widened to f32. `source` has
  /// time on dimension 1 ([B, T, H] or [B, T, H, N]).
  Value loadRows(Value source, ArrayRef<OpFoldResult> offsets,
                 OpFoldResult rows, int64_t chunk, bool keepLastDim);
  /// Writes the first `rows` rows of the f32 tile `tile` ([chunk, N]) into
  /// `dest` ([T, N], dest's element type) at row `offset`.
  Value storeRows(Value tile, Value dest, OpFoldResult offset,
                  OpFoldResult rows);

  /// The token at (`batch`, `time`) of `source` [B, T, ...]: its trailing
  /// dimensions, whole.
  Value token(Value source, Value batch, Value time);

  /// A sub-tile [offsets, offsets + sizes) of `tile`, dropping the unit
  /// dimensions listed in `dropUnitDims`.
  Value slice(Value tile, ArrayRef<OpFoldResult> offsets,
              ArrayRef<OpFoldResult> sizes,
              ArrayRef<unsigned> dropUnitDims = {});
  Value insert(Value tile, Value dest, ArrayRef<OpFoldResult> offsets);
  /// The f32 tile `tile` in `elementType` (itself when that is f32).
  Value narrow(Value tile, Type elementType);
  /// `value` as `type` (a tensor.cast where the static sizes differ).
  Value castTo(Value value, Type type);

  /// The element type of the op's inputs: where it is f16 or bf16, the
  /// matmuls built from now on record it (kOperandPrecisionAttr).
  void setOperandPrecision(Type inputType);

private:
  /// Records the operand precision on the matmul `op`; returns its result.
  Value withPrecision(Operation *op);

  Type operandPrecision;

  /// A generic over `shape` (plus a trailing reduction dimension when
  /// `combine` is given, folding body values into the output with it).
  Value generic(ArrayRef<OpFoldResult> shape, ValueRange inputs,
                ArrayRef<AffineMap> inputMaps, Value init, bool readInit,
                Body body,
                llvm::function_ref<Value(Value, Value)> combine = nullptr);
};

} // namespace recur
} // namespace mlir

#endif // RECUR_LIB_CONVERSION_RECURTOCHUNKS_TILEBUILDER_H
