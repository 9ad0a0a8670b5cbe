//===- ChunkedScan.h - Two-level scans over chunks of tokens ----*- C++ -*-===//
//
// The schedule shared by the recurrences whose chunks act elementwise on the
// state (recur.scan, recur.selective_scan, and recur.linear_attention
// without the delta rule): a chunk of steps acts on the state entering it as
// an affine map s -> P * s + E, with P the product of its (elementwise)
// transitions and E its end state from zero. Combining two chunks is the
// associative operator (P1, E1) o (P2, E2) = (P1 P2, P2 E1 + E2).
//
//   sequential:  for chunk c: run c from s (writing its outputs); s = its end
//   parallel:    forall chunk c: (P_c, E_c) = summary of c      (independent)
//                for chunk c:    carry_c = s; s = P_c * s + E_c (cheap)
//                forall chunk c: run c from carry_c, writing its outputs
//
// The parallel pass reads the inputs twice but exposes every chunk as
// independent work (for a GPU, or when the batch alone cannot fill a CPU).
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_LIB_CONVERSION_RECURTOCHUNKS_CHUNKEDSCAN_H
#define RECUR_LIB_CONVERSION_RECURTOCHUNKS_CHUNKEDSCAN_H

#include "recur/Conversion/RecurToChunks/RecurToChunks.h"

#include "mlir/IR/Value.h"
#include "llvm/ADT/STLFunctionalExtras.h"

namespace mlir {
namespace recur {

class ReferenceBuilder;
class TileBuilder;

/// One independent recurrence (e.g. one batch row), as callbacks on the
/// steps [start, start + rows) of processing order.
struct ScanRecurrence {
  /// Runs the steps from `state`, writing output rows into `outputs` (whose
  /// row 0 is time `rowOrigin`); returns {end state, outputs...}.
  llvm::function_ref<SmallVector<Value>(Value start, Value rows, Value state,
                                        ValueRange outputs, Value rowOrigin)>
      run;
  /// The chunk's affine map of the state: {P, E}.
  llvm::function_ref<std::pair<Value, Value>(Value start, Value rows)>
      summarize;
};

/// The time of processing step `step`: itself, or T-1-step when reversed.
Value timeOfStep(ReferenceBuilder &r, Value step, Value time, bool reverse);

/// Emits the chunked scan of one recurrence over `time` steps; `outputs`
/// are [T, ...] tensors with time on dimension 0. Returns {final state,
/// outputs...}.
SmallVector<Value> emitChunkedScan(TileBuilder &t, ReferenceBuilder &r,
                                   const ScanRecurrence &recurrence, Value time,
                                   int64_t chunkSize, bool reverse,
                                   StatePass statePass, Value initialState,
                                   ValueRange outputs);

} // namespace recur
} // namespace mlir

#endif // RECUR_LIB_CONVERSION_RECURTOCHUNKS_CHUNKEDSCAN_H
