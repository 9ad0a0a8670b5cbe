// RUN: recur-opt %s --resolve-ranked-shaped-type-result-dims --canonicalize --split-input-file | FileCheck %s

// Every result has the sizes of its destination
// (ReifyRankedShapedTypeOpInterface): a dimension of a result is read off
// the destination, so the op itself is no longer needed to know it.
// CHECK-LABEL: func.func @linear_attention(
// CHECK-SAME: %{{[^:]*}}: tensor<?x?x4x?xf32>, %{{[^:]*}}: tensor<?x?x4x?xf32>, %{{[^:]*}}: tensor<?x?x4x?xf32>, %[[O:[^:]*]]: tensor<?x?x4x?xf32>, %[[S:[^:]*]]: tensor<?x4x?x?xf32>)
// CHECK-DAG: %[[T:.*]] = tensor.dim %[[O]], %c1
// CHECK-DAG: %[[VD:.*]] = tensor.dim %[[O]], %c3
// CHECK-DAG: %[[KD:.*]] = tensor.dim %[[S]], %c2
// CHECK-DAG: %[[B:.*]] = tensor.dim %[[S]], %c0
// CHECK: return %[[T]], %[[VD]], %[[KD]], %[[B]]
func.func @linear_attention(%q: tensor<?x?x4x?xf32>, %k: tensor<?x?x4x?xf32>,
                            %v: tensor<?x?x4x?xf32>, %o_init: tensor<?x?x4x?xf32>,
                            %s_init: tensor<?x4x?x?xf32>)
    -> (index, index, index, index) {
  %o, %s = recur.linear_attention
      ins(%q, %k, %v : tensor<?x?x4x?xf32>, tensor<?x?x4x?xf32>, tensor<?x?x4x?xf32>)
      outs(%o_init, %s_init : tensor<?x?x4x?xf32>, tensor<?x4x?x?xf32>)
      {scale = 1.0 : f32}
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %t = tensor.dim %o, %c1 : tensor<?x?x4x?xf32>
  %vd = tensor.dim %o, %c3 : tensor<?x?x4x?xf32>
  %kd = tensor.dim %s, %c2 : tensor<?x4x?x?xf32>
  %b = tensor.dim %s, %c0 : tensor<?x4x?x?xf32>
  return %t, %vd, %kd, %b : index, index, index, index
}

// -----

// Destinations made by tensor.empty: the sizes fold to the ones it was given.
// CHECK-LABEL: func.func @attention_and_conv1d(
// CHECK-SAME: %{{[^:]*}}: index, %[[T:[^:]*]]: index, %[[ROWS:[^:]*]]: index
// CHECK: return %[[T]], %[[ROWS]]
func.func @attention_and_conv1d(%q: tensor<1x?x4x8xf32>, %k: tensor<1x?x2x8xf32>,
                                %v: tensor<1x?x2x8xf32>, %x: tensor<1x?x8xf32>,
                                %w: tensor<8x?xf32>, %s0: tensor<1x?x8xf32>,
                                %unused: index, %t: index, %rows: index)
    -> (index, index) {
  %o_init = tensor.empty(%t) : tensor<1x?x4x8xf32>
  %o = recur.attention
      ins(%q, %k, %v : tensor<1x?x4x8xf32>, tensor<1x?x2x8xf32>, tensor<1x?x2x8xf32>)
      outs(%o_init : tensor<1x?x4x8xf32>) causal
  %y_init = tensor.empty(%t) : tensor<1x?x8xf32>
  %state = tensor.empty(%rows) : tensor<1x?x8xf32>
  %y, %s = recur.conv1d ins(%x, %w : tensor<1x?x8xf32>, tensor<8x?xf32>)
      outs(%y_init, %state : tensor<1x?x8xf32>, tensor<1x?x8xf32>)
  %c1 = arith.constant 1 : index
  %ot = tensor.dim %o, %c1 : tensor<1x?x4x8xf32>
  %sr = tensor.dim %s, %c1 : tensor<1x?x8xf32>
  return %ot, %sr : index, index
}
