//===- Patterns.h - Per-op patterns of the chunked lowering -----*- C++ -*-===//

#ifndef RECUR_LIB_CONVERSION_RECURTOCHUNKS_PATTERNS_H
#define RECUR_LIB_CONVERSION_RECURTOCHUNKS_PATTERNS_H

#include "recur/Conversion/RecurToChunks/ChunkConfig.h"
#include "recur/Conversion/RecurToChunks/RecurToChunks.h"

#include "recur/Dialect/Recur/IR/RecurLayout.h"

#include "mlir/IR/ImplicitLocOpBuilder.h"

#include "mlir/IR/PatternMatch.h"

#include <cstdint>

namespace mlir {
class RewritePatternSet;
namespace recur {

/// A rewrite of recur op `OpTy` into its chunked form, for the ops
/// configured with `options` (recur.chunk_config).
template <typename OpTy> struct ChunkPattern : OpRewritePattern<OpTy> {
  ChunkPattern(MLIRContext *context, ChunkConfig options)
      : OpRewritePattern<OpTy>(context), options(options) {}

  /// An op with a static size of 0 has no chunks: the reference lowering,
  /// which runs after, takes it.
  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const final {
    if (ChunkConfig::read(op) != options)
      return rewriter.notifyMatchFailure(op, "another configuration");
    if (hasStaticZeroSize(op))
      return rewriter.notifyMatchFailure(op, "a static size of 0");
    return rewriteChunked(op, rewriter);
  }

protected:
  /// The chunked form of `op`.
  virtual LogicalResult rewriteChunked(OpTy op,
                                       PatternRewriter &rewriter) const = 0;

  ChunkConfig options;
};

/// The results of `emit(isShort)` for `op`, whose sequence length is
/// dimension 1 of `sequence`: short (a decode step) when below
/// `serialBelow`. A static length (or serialBelow <= 0) picks one form at
/// compile time; a dynamic one gets both under an scf.if on the length.
SmallVector<Value>
emitBySequenceLength(ImplicitLocOpBuilder &b, Operation *op, Value sequence,
                     int64_t serialBelow,
                     llvm::function_ref<SmallVector<Value>(bool isShort)> emit);

void populateLinearAttentionToChunksPattern(RewritePatternSet &patterns,
                                            ChunkConfig options);
void populateAttentionToChunksPattern(RewritePatternSet &patterns,
                                      ChunkConfig options);
void populateConv1dToChunksPattern(RewritePatternSet &patterns,
                                   ChunkConfig options);
void populateScanToChunksPattern(RewritePatternSet &patterns,
                                 ChunkConfig options);
void populateSelectiveScanToChunksPattern(RewritePatternSet &patterns,
                                          ChunkConfig options);

} // namespace recur
} // namespace mlir

#endif // RECUR_LIB_CONVERSION_RECURTOCHUNKS_PATTERNS_H
