//===- RecurLayout.h - The layout table of each recur op ----------*- C++
//-*-===//
//
// Every recur op states its operands as layouts of named dimensions
// (`q [B, T, H, K]`, `state [B, H, K, V]`). Each op returns
// that table from `getLayouts()`, and the table is the one source for the
// verifier (every present entry is checked, binding each name) and for
// TilingInterface over the op's independent dimensions (`getParallelDims()`:
// batch, heads, value columns, channels ...). The destinations in `outs(...)`
// are operands like the others; a result has its destination's layout.
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_DIALECT_RECUR_IR_RECURLAYOUT_H
#define RECUR_DIALECT_RECUR_IR_RECURLAYOUT_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/Value.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"

#include <string>

namespace mlir {
namespace recur {

/// One operand and its dimension names. A name "X - 1" means one less than
/// the dimension X (the conv1d state).
struct NamedLayout {
  std::string name; // as diagnostics call it: "q", "state"
  Value value;      // null for an absent optional operand
  SmallVector<std::string> dims;
  unsigned number = 0; // the operand number
};
using LayoutTable = SmallVector<NamedLayout>;

/// Formats a layout as "[B, T, H, K]" for messages.
std::string formatLayout(ArrayRef<std::string> layout);

/// A rule between two dimensions that layouts cannot state: `dividend` is a
/// multiple of `divisor > 0` (`what` says why, for messages).
struct DivisibilityRule {
  std::string dividend, divisor, what;
};

/// The divisibility rules of recur op `op` (query and key/value heads of
/// attention, channels and groups of the selective scan); the verifier
/// checks them on static sizes and --recur-runtime-checks at run time.
SmallVector<DivisibilityRule> getDivisibilityRules(Operation *op);

/// The last `count` operands of `op` (its destinations), or all of them in
/// malformed IR that has fewer.
MutableOperandRange getTrailingOperands(Operation *op, unsigned count);

/// The types of the last `count` of `operands` (the destinations), one per
/// result; fails when there are fewer operands (malformed IR).
LogicalResult inferTypesFromInits(ValueRange operands, unsigned count,
                                  SmallVectorImpl<Type> &types);

/// The sizes of every result of the destination-style op `op`: those of its
/// destination (`ReifyRankedShapedTypeOpInterface`).
LogicalResult reifyFromInits(OpBuilder &builder, DestinationStyleOpInterface op,
                             ReifiedRankedShapedTypeDims &reified);

/// The block that a static channel dimension of `size` is split into, for
/// threads: the largest divisor of `size` in [16, largest], or `size`
/// itself when it is at most `largest` or has no such divisor.
int64_t channelBlockSize(int64_t size, int64_t largest);

/// Whether an operand of `op` has a static dimension of size 0. Such an op
/// has nothing to tile or chunk: the tiling and chunking passes leave it to
/// the reference lowering, whose loops run zero times where they should.
bool hasStaticZeroSize(Operation *op);

/// Whether `text` may be a `recur.checkpoint_name`: non-empty printable
/// text without "*/" (the header prints it in a comment).
bool isValidCheckpointName(StringRef text);

/// The independent dimensions of recur op `op` (its `getParallelDims()`).
SmallVector<std::string> getParallelDims(Operation *op);

/// A layout dimension that no single independent dimension names because it
/// is the product of two of them, the outer one major: attention's query
/// heads H = Hkv x G, where query head h = hkv * G + g reads key/value head
/// hkv. A tile slices it as one range, so it takes one outer index (any
/// range of the inner one) or whole inner ranges.
struct ProductDim {
  std::string whole, outer, inner;
};

/// The product dimension of recur op `op`, if it has one.
std::optional<ProductDim> getProductDim(Operation *op);

/// TilingInterface for every recur op, from its layout table and its
/// independent dimensions (`getParallelDims()`): a tile of the iteration
/// space slices each operand along the dimensions it names (and along a
/// product dimension, `getProductDim()`) and leaves the others whole.
/// Attached to the ops when the dialect loads.
void attachLayoutTilingModels(MLIRContext &context);

} // namespace recur
} // namespace mlir

#endif // RECUR_DIALECT_RECUR_IR_RECURLAYOUT_H
