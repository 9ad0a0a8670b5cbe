//===- GemmLoops.h - Loops of the projection GEMMs on tensors ---*- C++ -*-===//
//
// The loops both projection GEMMs (Projections.cpp on weights as stored,
// PanelGemm.cpp on packed panels) are built from: each carries the output
// tensor and yields it updated.
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_LIB_CODEGEN_CPU_GEMMLOOPS_H
#define RECUR_LIB_CODEGEN_CPU_GEMMLOOPS_H

#include "mlir/IR/Builders.h"

namespace mlir {
namespace recur {

/// An index constant.
Value indexConstant(OpBuilder &b, Location loc, int64_t value);

/// The body that updates the carried output: (builder, location, induction
/// variable or block's first column, output) -> output.
using CarriedBody = function_ref<Value(OpBuilder &, Location, Value, Value)>;

/// `body` for iv in [lower, upper) by `step`, carrying `out`; returns the
/// last `out`.
Value forCarrying(OpBuilder &b, Location loc, Value lower, Value upper,
                  int64_t step, Value out, CarriedBody body);

/// The 2-D `out` [rows, ...] split into `blocks` column blocks of `width`
/// columns from column 0, each updated by `body` on its own slice (given
/// the block's first column) in an scf.forall (the threads); returns the
/// updated `out`.
Value forallColumnBlocks(OpBuilder &b, Location loc, Value out, Value rows,
                         int64_t blocks, int64_t width, CarriedBody body);

} // namespace recur
} // namespace mlir

#endif // RECUR_LIB_CODEGEN_CPU_GEMMLOOPS_H
