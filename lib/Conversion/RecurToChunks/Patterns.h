//===- Patterns.h - Per-op patterns of the chunked lowering -----*- C++ -*-===//

#ifndef RECUR_LIB_CONVERSION_RECURTOCHUNKS_PATTERNS_H
#define RECUR_LIB_CONVERSION_RECURTOCHUNKS_PATTERNS_H

#include "recur/Conversion/RecurToChunks/RecurToChunks.h"

#include "recur/Dialect/Recur/IR/RecurLayout.h"

#include "mlir/IR/ImplicitLocOpBuilder.h"

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
  /// The form of linear attention over longer sequences.
  LinearAttentionForm linearAttentionForm;
};

/// A rewrite of recur op `OpTy` into its chunked form.
template <typename OpTy> struct ChunkPattern : OpRewritePattern<OpTy> {
  ChunkPattern(MLIRContext *context, ChunkOptions options)
      : OpRewritePattern<OpTy>(context), options(options) {}

  /// An op with a static size of 0 has no chunks: the reference lowering,
  /// which runs after, takes it.
  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const final {
    if (hasStaticZeroSize(op))
      return rewriter.notifyMatchFailure(op, "a static size of 0");
    return rewriteChunked(op, rewriter);
  }

protected:
  /// The chunked form of `op`.
  virtual LogicalResult rewriteChunked(OpTy op,
                                       PatternRewriter &rewriter) const = 0;

  ChunkOptions options;
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
                                            ChunkOptions options);
void populateAttentionToChunksPattern(RewritePatternSet &patterns,
                                      ChunkOptions options);
void populateConv1dToChunksPattern(RewritePatternSet &patterns,
                                   ChunkOptions options);
void populateScanToChunksPattern(RewritePatternSet &patterns,
                                 ChunkOptions options);
void populateSelectiveScanToChunksPattern(RewritePatternSet &patterns,
                                          ChunkOptions options);

} // namespace recur
} // namespace mlir

#endif // RECUR_LIB_CONVERSION_RECURTOCHUNKS_PATTERNS_H
