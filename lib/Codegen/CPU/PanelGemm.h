//===- PanelGemm.h - Projections over weights packed in panels -*- C++ -*-===//
//
// A weight [N, K] packed in panels (`linalg.pack` of dimension 0 by
// kPanelRows: [ceil(N / 16), K, 16], row n's input k at [n / 16, k, n % 16],
// the rows past N zero) is read one contiguous stream per panel. The GEMM
// over it multiplies a broadcast x[m, k] by a vector of 16 outputs, so the
// accumulators hold outputs and nothing is summed across lanes.
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_LIB_CODEGEN_CPU_PANELGEMM_H
#define RECUR_LIB_CODEGEN_CPU_PANELGEMM_H

#include "mlir/IR/Builders.h"

namespace mlir {
namespace recur {

/// The rows (outputs) of a panel: one cache line of f32.
inline constexpr int64_t kPanelRows = 16;

/// out [M, N] (f32) + x [M, K] . W^T, where `panels` [ceil(N / kPanelRows),
/// K, kPanelRows] is W [N, K] packed; `lanes` f32 per vector register.
Value emitPanelGemm(OpBuilder &b, Location loc, Value x, Value panels,
                    Value out, int64_t outputs, int64_t lanes);

} // namespace recur
} // namespace mlir

#endif // RECUR_LIB_CODEGEN_CPU_PANELGEMM_H
