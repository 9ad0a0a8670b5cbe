//===- Patterns.h - Per-op patterns of the reference lowering ---*- C++ -*-===//

#ifndef RECUR_LIB_CONVERSION_RECURTOLOOPS_PATTERNS_H
#define RECUR_LIB_CONVERSION_RECURTOLOOPS_PATTERNS_H

namespace mlir {
class RewritePatternSet;
namespace recur {

void populateScanToLoopsPattern(RewritePatternSet &patterns);
void populateSelectiveScanToLoopsPattern(RewritePatternSet &patterns);
void populateLinearAttentionToLoopsPattern(RewritePatternSet &patterns);
void populateAttentionToLoopsPattern(RewritePatternSet &patterns);
void populateConv1dToLoopsPattern(RewritePatternSet &patterns);

} // namespace recur
} // namespace mlir

#endif // RECUR_LIB_CONVERSION_RECURTOLOOPS_PATTERNS_H
