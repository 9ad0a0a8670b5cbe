//===- Passes.td - Conversions out of the recur dialect ----*- tablegen -*-===//

#ifndef RECUR_CONVERSION_PASSES_TD
#define RECUR_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def RecurLowerToLoops : Pass<"recur-lower-to-loops"> {
  let summary = "Lower every recur op to token-by-token scf loops (the oracle)";
  let description = [{
    The reference lowering: each recur op becomes scf.for loop nests over
    tensors that compute the formulas of its description one token at a time,
    accumulating in f32. It is written for clarity, not speed: every faster
    lowering is tested against it.

    Inputs in f16/bf16 are extended to f32 on load; results are truncated to
    their element type on store. Divisibility the verifier can only check on
    static sizes (H % Hkv, D % G) becomes a `cf.assert` for dynamic ones.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::cf::ControlFlowDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

#endif // RECUR_CONVERSION_PASSES_TD
