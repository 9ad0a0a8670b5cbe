// RUN: recur-opt %s --resolve-ranked-shaped-type-result-dims --canonicalize --split-input-file | FileCheck %s

// Every dynamic result dimension is read off the first operand whose layout
// has the same name (ReifyRankedShapedTypeOpInterface over the op's layout
// table): o [B, T, H, V] and final_state [B, H, K, V] from q and v.
// CHECK-LABEL: func.func @linear_attention(
// CHECK-SAME: %[[Q:[^:]*]]: tensor<?x?x4x?xf32>, %{{[^:]*}}: tensor<?x?x4x?xf32>, %[[V:[^:]*]]: tensor<?x?x4x?xf32>)
// CHECK-DAG: %[[T:.*]] = tensor.dim %[[Q]], %c1
// CHECK-DAG: %[[VD:.*]] = tensor.dim %[[V]], %c3
// CHECK-DAG: %[[KD:.*]] = tensor.dim %[[Q]], %c3
// CHECK-DAG: %[[B:.*]] = tensor.dim %[[Q]], %c0
// CHECK: return %[[T]], %[[VD]], %[[KD]], %[[B]]
func.func @linear_attention(%q: tensor<?x?x4x?xf32>, %k: tensor<?x?x4x?xf32>,
                            %v: tensor<?x?x4x?xf32>)
    -> (index, index, index, index) {
  %o, %s = recur.linear_attention %q, %k, %v {scale = 1.0 : f32}
      : (tensor<?x?x4x?xf32>, tensor<?x?x4x?xf32>, tensor<?x?x4x?xf32>)
      -> (tensor<?x?x4x?xf32>, tensor<?x4x?x?xf32>)
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

// The conv1d state has W - 1 rows.
// CHECK-LABEL: func.func @conv1d(
// CHECK-SAME: %{{[^:]*}}: tensor<?x?x8xf32>, %[[W:[^:]*]]: tensor<8x?xf32>)
// CHECK: %[[WIDTH:.*]] = tensor.dim %[[W]], %c1
// CHECK: %[[ROWS:.*]] = arith.subi %[[WIDTH]], %c1
// CHECK: return %[[ROWS]]
func.func @conv1d(%x: tensor<?x?x8xf32>, %w: tensor<8x?xf32>) -> index {
  %y, %s = recur.conv1d %x, %w
      : (tensor<?x?x8xf32>, tensor<8x?xf32>)
      -> (tensor<?x?x8xf32>, tensor<?x?x8xf32>)
  %c1 = arith.constant 1 : index
  %rows = tensor.dim %s, %c1 : tensor<?x?x8xf32>
  return %rows : index
}

// -----

// Attention's output takes T and H from q and Dv from v; a scan's results
// take every dimension from a.
// CHECK-LABEL: func.func @attention_and_scan(
// CHECK-SAME: %[[Q:[^:]*]]: tensor<?x?x4x8xf32>, %{{[^:]*}}: tensor<?x?x2x8xf32>, %[[V:[^:]*]]: tensor<?x?x2x?xf32>, %[[A:[^:]*]]: tensor<?x?x?xf32>
// CHECK-DAG: tensor.dim %[[Q]], %c1
// CHECK-DAG: tensor.dim %[[V]], %c3
// CHECK-DAG: tensor.dim %[[A]], %c2
func.func @attention_and_scan(%q: tensor<?x?x4x8xf32>, %k: tensor<?x?x2x8xf32>,
                              %v: tensor<?x?x2x?xf32>, %a: tensor<?x?x?xf32>,
                              %b: tensor<?x?x?xf32>) -> (index, index, index) {
  %o = recur.attention %q, %k, %v causal
      : (tensor<?x?x4x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x?xf32>)
      -> tensor<?x?x4x?xf32>
  %h, %last = recur.scan %a, %b
      : (tensor<?x?x?xf32>, tensor<?x?x?xf32>)
      -> (tensor<?x?x?xf32>, tensor<?x?xf32>)
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %t = tensor.dim %o, %c1 : tensor<?x?x4x?xf32>
  %dv = tensor.dim %o, %c3 : tensor<?x?x4x?xf32>
  %d = tensor.dim %last, %c1 : tensor<?x?xf32>
  return %t, %dv, %d : index, index, index
}
