//===- CallValueBounds.h - Sizes of call results, from the callee -*- C++ -*-===//
//
// Upstream's value-bounds analysis stops at a func.call: a result's size is
// unknown to it. recur's descriptions call private functions (a whole
// model's layer function, once per layer), and the run-time checks of an
// exported function need its results' sizes in terms of its arguments'.
// This external model of ValueBoundsOpInterface for func.call bounds a
// result's dimension by the callee's: the size the callee returns there,
// in terms of the callee's arguments (its own value-bounds analysis), with
// the call's operands in their place.
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_CODEGEN_COMMON_CALLVALUEBOUNDS_H
#define RECUR_CODEGEN_COMMON_CALLVALUEBOUNDS_H

namespace mlir {
class DialectRegistry;

namespace recur {

/// Registers the value-bounds model of func.call.
void registerCallValueBoundsExternalModel(DialectRegistry &registry);

} // namespace recur
} // namespace mlir

#endif // RECUR_CODEGEN_COMMON_CALLVALUEBOUNDS_H
