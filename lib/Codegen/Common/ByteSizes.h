//===- ByteSizes.h - Overflow-checked byte counts ---------------*- C++ -*-===//
//
// The byte count of a buffer or temporary, computed at run time from its
// sizes: the entry checks (--recur-runtime-checks) and the allocations
// (--recur-allocation-size-checks) both ask whether it fits.
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_LIB_CODEGEN_COMMON_BYTESIZES_H
#define RECUR_LIB_CODEGEN_COMMON_BYTESIZES_H

#include "mlir/IR/Builders.h"

namespace mlir {
namespace recur {

/// The bytes of one element of `type` (an integer, index, float or vector
/// of them; at least one).
int64_t getElementBytes(Type type);

/// An i1 that is true when `sizes` (i64 values) of elements of
/// `elementBytes` bytes each take 2^63 bytes or more, or when a size is
/// negative; a size of 0 anywhere makes 0 bytes, which always fit.
Value buildByteSizeOverflows(OpBuilder &b, Location loc, ValueRange sizes,
                             int64_t elementBytes);

} // namespace recur
} // namespace mlir

#endif // RECUR_LIB_CODEGEN_COMMON_BYTESIZES_H
