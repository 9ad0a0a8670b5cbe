// RUN: recur-opt %s --transform-interpreter -verify-diagnostics

// Attention's query heads are (Hkv, G), sliced as one range of H: a tile of
// two heads of every group (heads 0-1 and 4-5 for G = 4) is not one range,
// so tiling fails with a message at the op instead of slicing wrongly.
func.func @group_across_heads(%q: tensor<2x?x8x32xf32>,
                              %k: tensor<2x?x2x32xf32>,
                              %v: tensor<2x?x2x16xf32>,
                              %o_init: tensor<2x?x8x16xf32>)
    -> tensor<2x?x8x16xf32> {
  // expected-error @+4 {{a tile of the H dimension takes one Hkv index or whole G ranges}}
  // expected-error @+3 {{faild to tile operation}}
  // expected-error @+2 {{failed to generate tiling loops}}
  // expected-note @+1 {{when applied to this op}}
  %o = recur.attention ins(%q, %k, %v : tensor<2x?x8x32xf32>, tensor<2x?x2x32xf32>, tensor<2x?x2x16xf32>) outs(%o_init : tensor<2x?x8x16xf32>) causal
  return %o : tensor<2x?x8x16xf32>
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %op = transform.structured.match ops{["recur.attention"]} in %root
        : (!transform.any_op) -> !transform.any_op
    // expected-error @+1 {{transform.structured.tile_using_forall failed to apply}}
    %tiled, %forall = transform.structured.tile_using_forall %op tile_sizes [1, 0, 2, 0]
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}
