//===- Patterns.h - Per-op patterns of the chunked lowering -----*- C++ -*-===//

#ifndef RECUR_LIB_CONVERSION_RECURTOCHUNKS_PATTERNS_H
#define RECUR_LIB_CONVERSION_RECURTOCHUNKS_PATTERNS_H

#include <cstdint>

namespace mlir {
class RewritePatternSet;
namespace recur {

void populateLinearAttentionToChunksPattern(RewritePatternSet &patterns,
                                            int64_t chunkSize);

} // namespace recur
} // namespace mlir

#endif // RECUR_LIB_CONVERSION_RECURTOCHUNKS_PATTERNS_H
