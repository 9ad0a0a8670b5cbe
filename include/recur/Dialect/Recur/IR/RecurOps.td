//===- RecurOps.td - Ops of the recur dialect --------------*- tablegen -*-===//
//
// One op per mixer family. Each description is the op's semantics; the
// reference lowering (--recur-lower-to-loops) computes exactly these formulas.
//
//===----------------------------------------------------------------------===//

#ifndef RECUR_DIALECT_RECUR_IR_RECUROPS_TD
#define RECUR_DIALECT_RECUR_IR_RECUROPS_TD

include "recur/Dialect/Recur/IR/RecurDialect.td"
include "recur/Dialect/Recur/IR/RecurEnums.td"
include "mlir/Interfaces/DestinationStyleOpInterface.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

// Every recur op is in destination-passing style: its last operands, in
// `outs(...)`, are the destinations of its results, and each result has the
// type of its destination (InferTypeOpAdaptor). The output's destination
// gives only its shape; the state's destination is also the initial state,
// read before it is overwritten (a fresh sequence passes a zero fill).
// `numInits` is the number of destinations (and of results).
class Recur_StructuredOp<string mnemonic, int numInits,
                         list<Trait> traits = []>
    : Recur_Op<mnemonic, !listconcat(traits, [Pure, InferTypeOpAdaptor,
        DestinationStyleOpInterface,
        DeclareOpInterfaceMethods<ReifyRankedShapedTypeOpInterface,
                                  ["reifyResultShapes"]>])> {
  let hasVerifier = 1;
  code structuredDeclaration = [{
    /// The layout of every operand (RecurLayout.h): what the verifier
    /// checks and tiling reads.
    LayoutTable getLayouts();
    /// The independent dimensions, by name: the iteration space of the
    /// op's TilingInterface.
    SmallVector<std::string> getParallelDims();
    /// The destinations in `outs(...)` (DestinationStyleOpInterface).
    MutableOperandRange getDpsInitsMutable();
  }];
  let extraClassDeclaration = structuredDeclaration;
  // The destinations are the last `numInits` operands; each result has the
  // type and the sizes of its destination.
  let extraClassDefinition = [{
    ::mlir::MutableOperandRange $cppClass::getDpsInitsMutable() {
      return ::mlir::recur::getTrailingOperands(*this, }] # numInits # [{);
    }
    ::llvm::LogicalResult $cppClass::inferReturnTypes(
        ::mlir::MLIRContext *, ::std::optional<::mlir::Location>,
        Adaptor adaptor, ::llvm::SmallVectorImpl<::mlir::Type> &types) {
      return ::mlir::recur::inferTypesFromInits(adaptor.getOperands(),
                                                }] # numInits # [{, types);
    }
    ::llvm::LogicalResult $cppClass::reifyResultShapes(
        ::mlir::OpBuilder &builder,
        ::mlir::ReifiedRankedShapedTypeDims &reified) {
      return ::mlir::recur::reifyFromInits(builder, *this, reified);
    }
  }];
}

//===----------------------------------------------------------------------===//
// recur.scan
//===----------------------------------------------------------------------===//

def Recur_ScanOp : Recur_StructuredOp<"scan", 2> {
  let summary = "diagonal linear recurrence h_t = a_t * h_{t-1} + b_t";
  let description = [{
    The elementwise (diagonal) linear recurrence behind minGRU, HGRN, LRU,
    RG-LRU and S5:

    ```
    h_t = a_t * h_{t-1} + b_t        (elementwise over the feature dims)
    h_{-1} = state            (the initial state)
    ```

    `a` and `b` have shape `[B, T, D...]` (one or more feature dims) and the
    same element type; `a` is a linear transition, so negative values work.
    With `reverse` the recurrence runs from `t = T-1` down to `t = 0`, and
    `state` is the state beyond the last step.

    Destinations: `h_init [B, T, D...]` in the element type of `b` (only its
    shape is read) and `state [B, D...]` in f32, the initial state.

    Results: `h`, and the final state (`h` at the last step taken), which
    can be passed as `state` to continue the sequence.

    Example:
    ```mlir
    %h, %last = recur.scan ins(%a, %b : tensor<2x16x64xf32>, tensor<2x16x64xf32>)
        outs(%h_init, %h0 : tensor<2x16x64xf32>, tensor<2x64xf32>)
    ```
  }];
  let arguments = (ins Recur_FloatTensor:$a, Recur_FloatTensor:$b,
                       Recur_FloatTensor:$h_init, Recur_StateTensor:$state,
                       UnitAttr:$reverse);
  let results = (outs Recur_FloatTensor:$h, Recur_StateTensor:$final_state);
  let assemblyFormat = [{
    `ins` `(` $a `,` $b `:` type($a) `,` type($b) `)`
    `outs` `(` $h_init `,` $state `:` type($h_init) `,` type($state) `)`
    (`reverse` $reverse^)? attr-dict
  }];
}

//===----------------------------------------------------------------------===//
// recur.selective_scan
//===----------------------------------------------------------------------===//

def Recur_SelectiveScanOp : Recur_StructuredOp<"selective_scan", 2,
    [AttrSizedOperandSegments]> {
  let summary = "Mamba-1 selective state-space scan (S6)";
  let description = [{
    Operands: `u [B, T, D]`, `delta [B, T, D]`, `A [D, N]`,
    `Bm [B, T, G, N]`, `Cm [B, T, G, N]` with `G` groups (`D % G == 0`;
    channel `d` uses group `d / (D / G)`), optional `skip` `Dskip [D]`,
    optional `gate` `z [B, T, D]`, optional `delta_bias [D]`; destinations
    `y_init [B, T, D]` in the element type of `u` (only its shape is read)
    and `state [B, D, N]` (f32), the initial state `h_{-1}`.

    ```
    dt_t[d]     = softplus(delta_t[d] + delta_bias[d])   if delta_softplus
                  delta_t[d] + delta_bias[d]             otherwise
    h_t[d, n]   = exp(dt_t[d] * A[d, n]) * h_{t-1}[d, n]
                  + dt_t[d] * Bm_t[g, n] * u_t[d]
    y_t[d]      = sum_n Cm_t[g, n] * h_t[d, n] + Dskip[d] * u_t[d]
    y_t[d]     *= silu(z_t[d])                            if z is given
    ```

    Results: `y`, and the final state `h_last`.

    Example:
    ```mlir
    %y, %h = recur.selective_scan
        ins(%u, %dt, %A, %Bm, %Cm : tensor<1x32x64xf32>, tensor<1x32x64xf32>,
            tensor<64x16xf32>, tensor<1x32x1x16xf32>, tensor<1x32x1x16xf32>)
        skip(%D : tensor<64xf32>) gate(%z : tensor<1x32x64xf32>)
        delta_bias(%db : tensor<64xf32>)
        outs(%y_init, %h0 : tensor<1x32x64xf32>, tensor<1x64x16xf32>)
        delta_softplus
    ```
  }];
  let arguments = (ins Recur_FloatTensor:$u, Recur_FloatTensor:$delta,
                       Recur_FloatTensor:$A, Recur_FloatTensor:$Bm,
                       Recur_FloatTensor:$Cm,
                       Optional<Recur_FloatTensor>:$D,
                       Optional<Recur_FloatTensor>:$z,
                       Optional<Recur_FloatTensor>:$delta_bias,
                       Recur_FloatTensor:$y_init, Recur_StateTensor:$state,
                       UnitAttr:$delta_softplus);
  let results = (outs Recur_FloatTensor:$y, Recur_StateTensor:$final_state);
  let assemblyFormat = [{
    `ins` `(` $u `,` $delta `,` $A `,` $Bm `,` $Cm `:` type($u) `,`
        type($delta) `,` type($A) `,` type($Bm) `,` type($Cm) `)`
    (`skip` `(` $D^ `:` type($D) `)`)? (`gate` `(` $z^ `:` type($z) `)`)?
    (`delta_bias` `(` $delta_bias^ `:` type($delta_bias) `)`)?
    `outs` `(` $y_init `,` $state `:` type($y_init) `,` type($state) `)`
    (`delta_softplus` $delta_softplus^)? attr-dict
  }];
}

//===----------------------------------------------------------------------===//
// recur.linear_attention
//===----------------------------------------------------------------------===//

def Recur_LinearAttentionOp : Recur_StructuredOp<"linear_attention", 2,
    [AttrSizedOperandSegments]> {
  let summary = "matrix-state gated linear attention and delta rule";
  let description = [{
    Operands: `q [B, T, H, K]`, `k [B, T, H, K]`, `v [B, T, H, V]` (one
    element type), an optional decay gate `g` in natural-log space
    (`decay = exp(g)`, `g <= 0`: a precondition on the values, which the
    chunked lowering relies on to keep every exponential <= 1; results for
    g > 0 are unspecified) whose shape is given by `gate_kind`:

    | gate_kind | g           | models                                   |
    |-----------|-------------|------------------------------------------|
    | none      | absent      | linear attention                         |
    | head      | `[H]`       | RetNet (constant per head)               |
    | scalar    | `[B, T, H]` | Mamba-2 SSD, simple GLA, mLSTM forget    |
    | key       | `[B, T, H, K]` | GLA, HGRN2, RWKV-6                    |

    an optional `beta [B, T, H]` (its presence selects the delta rule), an
    optional `bonus [H, K]` (read before update, RWKV-6), and `scale`
    (default `K^-0.5`); destinations `o_init [B, T, H, V]` in the element
    type of `v` (only its shape is read) and `state [B, H, K, V]` (f32), the
    initial state `S_{-1}`.

    The state `S` of each (batch, head) is `[K, V]`, f32. The gate is
    broadcast over the rows it does not index.

    ```
    additive:  S_t  = diag(exp(g_t)) S_{t-1} + k_t v_t^T
    delta:     S'_t = diag(exp(g_t)) S_{t-1}
               S_t  = S'_t + beta_t k_t (v_t - S'_t^T k_t)^T
    read:      o_t  = scale * S_t^T q_t
    bonus:     o_t  = scale * (S_{t-1}^T q_t + (q_t . (bonus * k_t)) v_t),
               with the additive update
    ```

    Results: `o`, and the final state.

    Mamba-2 SSD maps onto this op with `q = C`, `k = B`, `v = x * dt`,
    `g = dt * A` (scalar gate), `scale = 1`, and `D * x` added outside.

    Example:
    ```mlir
    %o, %s = recur.linear_attention
        ins(%q, %k, %v : tensor<2x64x4x64xbf16>, tensor<2x64x4x64xbf16>,
            tensor<2x64x4x64xbf16>)
        gate key(%g : tensor<2x64x4x64xf32>)
        outs(%o_init, %h0 : tensor<2x64x4x64xbf16>, tensor<2x4x64x64xf32>)
        {scale = 0.125 : f32}
    ```
  }];
  let arguments = (ins Recur_FloatTensor:$q, Recur_FloatTensor:$k,
                       Recur_FloatTensor:$v,
                       Optional<Recur_FloatTensor>:$g,
                       Optional<Recur_FloatTensor>:$beta,
                       Optional<Recur_FloatTensor>:$bonus,
                       Recur_FloatTensor:$o_init, Recur_StateTensor:$state,
                       DefaultValuedAttr<Recur_GateKindAttr,
                                         "::mlir::recur::GateKind::none">:$gate_kind,
                       OptionalAttr<F32Attr>:$scale);
  let results = (outs Recur_FloatTensor:$o, Recur_StateTensor:$final_state);
  let assemblyFormat = [{
    `ins` `(` $q `,` $k `,` $v `:` type($q) `,` type($k) `,` type($v) `)`
    (`gate` `` $gate_kind^ `(` $g `:` type($g) `)`)?
    (`beta` `(` $beta^ `:` type($beta) `)`)?
    (`bonus` `(` $bonus^ `:` type($bonus) `)`)?
    `outs` `(` $o_init `,` $state `:` type($o_init) `,` type($state) `)`
    attr-dict
  }];
  let extraClassDeclaration = structuredDeclaration # [{
    /// The read-out scale: the `scale` attribute, or K^-0.5.
    float getScaleOrDefault();
    /// True when `beta` selects the delta-rule update.
    bool isDeltaRule() { return getBeta() != nullptr; }
  }];
}

//===----------------------------------------------------------------------===//
// recur.attention
//===----------------------------------------------------------------------===//

def Recur_AttentionOp : Recur_StructuredOp<"attention", 1> {
  let summary = "softmax attention (causal, sliding window, GQA/MQA)";
  let description = [{
    Operands: `q [B, T, H, D]`, `k [B, S, Hkv, D]`, `v [B, S, Hkv, Dv]`
    (one element type) with `H % Hkv == 0`: query head `h` reads key/value
    head `h / (H / Hkv)` (grouped-query and multi-query attention).

    Query `i` sees key `j` when
    ```
    j <= i + (S - T)                     if causal (bottom-right aligned,
                                          so a KV cache of S - T entries works)
    j >  i + (S - T) - window            if window > 0 (sliding window)
    ```
    and computes, in f32,
    ```
    o_i = sum_j softmax_j(scale * q_i . k_j) v_j     over the visible j
    ```
    with `scale` defaulting to `D^-0.5`. A query that sees no key yields 0.
    NaN among the logits or values a query sees makes its output NaN; a
    logit of +inf (beyond the f32 range) takes the whole weight, as the
    limit of softmax does.
    A sliding window requires `causal`.

    Destination: `o_init [B, T, H, Dv]` in the element type of `q` (only its
    shape is read). Result: `o`.

    Example:
    ```mlir
    %o = recur.attention
        ins(%q, %k, %v : tensor<1x128x8x64xf16>, tensor<1x128x2x64xf16>,
            tensor<1x128x2x64xf16>)
        outs(%o_init : tensor<1x128x8x64xf16>) causal {window = 256 : i64}
    ```
  }];
  let arguments = (ins Recur_FloatTensor:$q, Recur_FloatTensor:$k,
                       Recur_FloatTensor:$v, Recur_FloatTensor:$o_init,
                       UnitAttr:$causal,
                       DefaultValuedAttr<I64Attr, "0">:$window,
                       OptionalAttr<F32Attr>:$scale);
  let results = (outs Recur_FloatTensor:$o);
  let assemblyFormat = [{
    `ins` `(` $q `,` $k `,` $v `:` type($q) `,` type($k) `,` type($v) `)`
    `outs` `(` $o_init `:` type($o_init) `)`
    (`causal` $causal^)? attr-dict
  }];
  let extraClassDeclaration = structuredDeclaration # [{
    /// The logit scale: the `scale` attribute, or D^-0.5.
    float getScaleOrDefault();
  }];
}

//===----------------------------------------------------------------------===//
// recur.conv1d
//===----------------------------------------------------------------------===//

def Recur_Conv1dOp : Recur_StructuredOp<"conv1d", 2> {
  let summary = "causal depthwise 1-D convolution with carried state";
  let description = [{
    Operands: `x [B, T, C]`, `w [C, W]`, optional `bias [C]`, and an
    `activation` (`none` or `silu`); destinations `y_init [B, T, C]` (only
    its shape is read) and `state [B, W-1, C]`, the previous `W-1` inputs,
    both in the element type of `x`.

    ```
    y_t[c] = act(bias[c] + sum_{j < W} w[c, j] * x_{t-W+1+j}[c])
    ```
    where inputs before `t = 0` come from the state.

    Results: `y`, and the new state: the last `W-1` inputs of the state
    followed by `x`.

    Example:
    ```mlir
    %y, %s = recur.conv1d ins(%x, %w : tensor<2x16x128xf32>, tensor<128x4xf32>)
        bias(%b : tensor<128xf32>)
        outs(%y_init, %s0 : tensor<2x16x128xf32>, tensor<2x3x128xf32>)
        activation silu
    ```
  }];
  let arguments = (ins Recur_FloatTensor:$x, Recur_FloatTensor:$w,
                       Optional<Recur_FloatTensor>:$bias,
                       Recur_FloatTensor:$y_init, Recur_FloatTensor:$state,
                       DefaultValuedAttr<Recur_ActivationAttr,
                                         "::mlir::recur::Activation::none">:$activation);
  let results = (outs Recur_FloatTensor:$y, Recur_FloatTensor:$final_state);
  let assemblyFormat = [{
    `ins` `(` $x `,` $w `:` type($x) `,` type($w) `)`
    (`bias` `(` $bias^ `:` type($bias) `)`)?
    `outs` `(` $y_init `,` $state `:` type($y_init) `,` type($state) `)`
    (`activation` `` $activation^)? attr-dict
  }];
}

#endif // RECUR_DIALECT_RECUR_IR_RECUROPS_TD
