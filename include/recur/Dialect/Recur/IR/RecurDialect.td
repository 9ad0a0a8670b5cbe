//===- RecurDialect.td - The recur dialect -----------------*- tablegen -*-===//
//
// The recur dialect: one op per family of sequence mixers. Each op's
// description is its semantics (collected in docs/ops.md).
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_DIALECT_RECUR_IR_RECURDIALECT_TD
#define RECUR_DIALECT_RECUR_IR_RECURDIALECT_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"

def Recur_Dialect : Dialect {
  let name = "recur";
  let summary = "Linear-recurrence sequence mixers";
  let description = [{
    Ops for gated and linear recurrences (`recur.scan`), Mamba's selective scan
    (`recur.selective_scan`), matrix-state linear attention and the delta rule
    (`recur.linear_attention`), softmax attention (`recur.attention`) and
    causal depthwise convolution (`recur.conv1d`).

    Conventions: layout `[B, T, H, D]` (batch, time, heads, features),
    row-major; inputs in f32, f16 or bf16; accumulation and recurrent state in
    f32. The ops are in destination-passing style: `outs(...)` holds the
    destination of each result, and an op with a recurrent state reads its
    initial state from the state's destination and returns the final state,
    so that a prefill followed by single-token calls chains exactly
    (`recur.attention` reads a KV cache instead).
  }];
  let cppNamespace = "::mlir::recur";
  let useDefaultAttributePrinterParser = 1;
  // `recur.name`, `recur.dim_names` and `recur.checkpoint_name` on function
  // arguments and results describe the C interface (see
  // --recur-buffer-abi); their verifiers reject typos.
  let hasRegionArgAttrVerify = 1;
  let hasRegionResultAttrVerify = 1;
}

class Recur_Op<string mnemonic, list<Trait> traits = []>
    : Op<Recur_Dialect, mnemonic, traits>;

// Element types the ops accept for activations; state is always f32.
def Recur_FloatTensor : TensorOf<[F32, F16, BF16]>;
def Recur_StateTensor : TensorOf<[F32]>;

#endif // RECUR_DIALECT_RECUR_IR_RECURDIALECT_TD
