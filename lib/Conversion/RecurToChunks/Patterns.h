//===- Patterns.h - Per-op patterns of the chunked lowering -----*- C++ -*-===//

#ifndef RECUR_LIB_CONVERSION_RECURTOCHUNKS_PATTERNS_H
#define RECUR_LIB_CONVERSION_RECURTOCHUNKS_PATTERNS_H

#include "recur/Conversion/RecurToChunks/RecurToChunks.h"

#include <cstdint>

namespace mlir {
class RewritePatternSet;
namespace recur {

void populateLinearAttentionToChunksPattern(RewritePatternSet &patterns,
                                            int64_t chunkSize,
                                            StatePass statePass);
void populateAttentionToChunksPattern(RewritePatternSet &patterns,
                                      int64_t chunkSize);
void populateConv1dToLinalgPattern(RewritePatternSet &patterns);
void populateScanToChunksPattern(RewritePatternSet &patterns,
                                 int64_t chunkSize, StatePass statePass);
void populateSelectiveScanToChunksPattern(RewritePatternSet &patterns,
                                          int64_t chunkSize,
                                          StatePass statePass);

} // namespace recur
} // namespace mlir

#endif // RECUR_LIB_CONVERSION_RECURTOCHUNKS_PATTERNS_H
