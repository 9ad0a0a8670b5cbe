//===- RecurToChunks.h - The chunked lowering ---------------------*- C++ -*-===//

#ifndef RECUR_CONVERSION_RECURTOCHUNKS_RECURTOCHUNKS_H
#define RECUR_CONVERSION_RECURTOCHUNKS_RECURTOCHUNKS_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;

namespace recur {

/// How the state crosses chunk boundaries: one loop carrying it from chunk
/// to chunk, or (where the op's chunks compose associatively) a summary of
/// every chunk in parallel, a cheap combine, and every chunk's outputs in
/// parallel.
enum class StatePass { Sequential, Parallel };

/// The form of linear attention over serial-below tokens or more: the
/// chunked form (matmuls on chunk tiles), the token-serial form on chunk
/// tiles, or the one the shape favours (`docs/chunked-forms.md`, "Choosing
/// a form").
enum class LinearAttentionForm { Auto, Chunked, Recurrent };

#define GEN_PASS_DECL_RECURCHUNK
#define GEN_PASS_DECL_RECURSPLITSEQUENCES
#include "recur/Conversion/Passes.h.inc"

struct ChunkConfig;

/// Adds the patterns that rewrite recur ops configured with `config` into
/// their chunked forms: an scf.forall over the independent dimensions, a
/// loop over chunks of `config.chunkSize` tokens, and linalg ops on static
/// tiles.
void populateRecurToChunksPatterns(RewritePatternSet &patterns,
                                   const ChunkConfig &config);

} // namespace recur
} // namespace mlir

#endif // RECUR_CONVERSION_RECURTOCHUNKS_RECURTOCHUNKS_H
