//===- Patterns.h - Per-op patterns of the chunked lowering -----*- C++ -*-===//

#ifndef RECUR_LIB_CONVERSION_RECURTOCHUNKS_PATTERNS_H
#define RECUR_LIB_CONVERSION_RECURTOCHUNKS_PATTERNS_H

#include "recur/Conversion/RecurToChunks/RecurToChunks.h"

#include "mlir/IR/PatternMatch.h"

#include <cstdint>

namespace mlir {
class RewritePatternSet;
namespace recur {

/// What every chunked form is configured by (the --recur-chunk options).
struct ChunkOptions {
  int64_t chunkSize;
  StatePass statePass;
  /// Linear attention over fewer tokens takes the token-serial form.
  int64_t serialBelow;
};

/// A rewrite of recur op `OpTy` into its chunked form.
template <typename OpTy> struct ChunkPattern : OpRewritePattern<OpTy> {
  ChunkPattern(MLIRContext *context, ChunkOptions options)
      : OpRewritePattern<OpTy>(context), options(options) {}

protected:
  ChunkOptions options;
};

void populateLinearAttentionToChunksPattern(RewritePatternSet &patterns,
                                            ChunkOptions options);
void populateAttentionToChunksPattern(RewritePatternSet &patterns,
                                      ChunkOptions options);
void populateConv1dToLinalgPattern(RewritePatternSet &patterns);
void populateScanToChunksPattern(RewritePatternSet &patterns,
                                 ChunkOptions options);
void populateSelectiveScanToChunksPattern(RewritePatternSet &patterns,
                                          ChunkOptions options);

} // namespace recur
} // namespace mlir

#endif // RECUR_LIB_CONVERSION_RECURTOCHUNKS_PATTERNS_H
