//===- InitAll.h - Register recur and what it builds on -----------*- C++ -*-===//

#ifndef RECUR_INITALL_H
#define RECUR_INITALL_H

namespace mlir {
class DialectRegistry;
namespace recur {

/// The recur dialect plus the upstream dialects (and their interface
/// extensions) that model descriptions and the pipelines use.
void registerAllDialects(DialectRegistry &registry);

/// recur's passes and pipelines plus the upstream passes the pipelines name.
void registerAllPasses();

} // namespace recur
} // namespace mlir

#endif // RECUR_INITALL_H
