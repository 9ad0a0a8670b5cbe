// RUN: recur-opt %s --verify-roundtrip | FileCheck %s
// RUN: recur-opt %s | recur-opt | FileCheck %s
// RUN: recur-opt %s --mlir-print-op-generic | recur-opt | FileCheck %s

// Every op with each of its optional operands and attributes, through the
// custom assembly format and back.

//===----------------------------------------------------------------------===//
// recur.scan
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @scan(
// CHECK-SAME: %[[A:[^:]*]]: tensor<2x16x64xf32>, %[[B:[^:]*]]: tensor<2x16x64xf32>
// CHECK: %[[H:.*]], %[[LAST:.*]] = recur.scan ins(%[[A]], %[[B]] : tensor<2x16x64xf32>, tensor<2x16x64xf32>) outs(%{{.*}}, %{{.*}} : tensor<2x16x64xf32>, tensor<2x64xf32>)
// CHECK: return %[[H]], %[[LAST]] :
func.func @scan(%a: tensor<2x16x64xf32>, %b: tensor<2x16x64xf32>, %h_init: tensor<2x16x64xf32>, %last_init: tensor<2x64xf32>) -> (tensor<2x16x64xf32>, tensor<2x64xf32>) {
  %h, %last = recur.scan ins(%a, %b : tensor<2x16x64xf32>, tensor<2x16x64xf32>) outs(%h_init, %last_init : tensor<2x16x64xf32>, tensor<2x64xf32>)
  return %h, %last : tensor<2x16x64xf32>, tensor<2x64xf32>
}

// CHECK-LABEL: func.func @scan_initial(
// CHECK-SAME: %[[A:[^:]*]]: tensor<2x16x64xf32>, %[[B:[^:]*]]: tensor<2x16x64xf32>, %[[H0:[^:]*]]: tensor<2x64xf32>
// CHECK: recur.scan ins(%[[A]], %[[B]] : tensor<2x16x64xf32>, tensor<2x16x64xf32>) outs(%{{.*}}, %[[H0]] : tensor<2x16x64xf32>, tensor<2x64xf32>)
// CHECK-NOT: reverse
func.func @scan_initial(%a: tensor<2x16x64xf32>, %b: tensor<2x16x64xf32>, %h0: tensor<2x64xf32>, %h_init: tensor<2x16x64xf32>) -> (tensor<2x16x64xf32>, tensor<2x64xf32>) {
  %h, %last = recur.scan ins(%a, %b : tensor<2x16x64xf32>, tensor<2x16x64xf32>) outs(%h_init, %h0 : tensor<2x16x64xf32>, tensor<2x64xf32>)
  return %h, %last : tensor<2x16x64xf32>, tensor<2x64xf32>
}

// CHECK-LABEL: func.func @scan_reverse(
// CHECK: recur.scan ins(%{{.*}}, %{{.*}} : tensor<2x16x64xf32>, tensor<2x16x64xf32>) outs(%{{.*}}, %{{.*}} : tensor<2x16x64xf32>, tensor<2x64xf32>) reverse
func.func @scan_reverse(%a: tensor<2x16x64xf32>, %b: tensor<2x16x64xf32>, %h_init: tensor<2x16x64xf32>, %last_init: tensor<2x64xf32>) -> (tensor<2x16x64xf32>, tensor<2x64xf32>) {
  %h, %last = recur.scan ins(%a, %b : tensor<2x16x64xf32>, tensor<2x16x64xf32>) outs(%h_init, %last_init : tensor<2x16x64xf32>, tensor<2x64xf32>) reverse
  return %h, %last : tensor<2x16x64xf32>, tensor<2x64xf32>
}

// CHECK-LABEL: func.func @scan_initial_reverse(
// CHECK-SAME: %[[A:[^:]*]]: tensor<2x16x64xf32>, %[[B:[^:]*]]: tensor<2x16x64xf32>, %[[H0:[^:]*]]: tensor<2x64xf32>
// CHECK: recur.scan ins(%[[A]], %[[B]] : tensor<2x16x64xf32>, tensor<2x16x64xf32>) outs(%{{.*}}, %[[H0]] : tensor<2x16x64xf32>, tensor<2x64xf32>) reverse
func.func @scan_initial_reverse(%a: tensor<2x16x64xf32>, %b: tensor<2x16x64xf32>, %h0: tensor<2x64xf32>, %h_init: tensor<2x16x64xf32>) -> (tensor<2x16x64xf32>, tensor<2x64xf32>) {
  %h, %last = recur.scan ins(%a, %b : tensor<2x16x64xf32>, tensor<2x16x64xf32>) outs(%h_init, %h0 : tensor<2x16x64xf32>, tensor<2x64xf32>) reverse
  return %h, %last : tensor<2x16x64xf32>, tensor<2x64xf32>
}

// Two feature dims [B, T, H, D] (multi-head minGRU); the state is [B, H, D].
// CHECK-LABEL: func.func @scan_two_feature_dims(
// CHECK: recur.scan ins(%{{.*}}, %{{.*}} : tensor<2x16x4x32xf32>, tensor<2x16x4x32xf32>) outs(%{{.*}}, %{{.*}} : tensor<2x16x4x32xf32>, tensor<2x4x32xf32>)
func.func @scan_two_feature_dims(%a: tensor<2x16x4x32xf32>, %b: tensor<2x16x4x32xf32>, %h0: tensor<2x4x32xf32>, %h_init: tensor<2x16x4x32xf32>) -> (tensor<2x16x4x32xf32>, tensor<2x4x32xf32>) {
  %h, %last = recur.scan ins(%a, %b : tensor<2x16x4x32xf32>, tensor<2x16x4x32xf32>) outs(%h_init, %h0 : tensor<2x16x4x32xf32>, tensor<2x4x32xf32>)
  return %h, %last : tensor<2x16x4x32xf32>, tensor<2x4x32xf32>
}

// CHECK-LABEL: func.func @scan_three_feature_dims(
// CHECK: recur.scan ins(%{{.*}}, %{{.*}} : tensor<1x8x2x3x4xf32>, tensor<1x8x2x3x4xf32>) outs(%{{.*}}, %{{.*}} : tensor<1x8x2x3x4xf32>, tensor<1x2x3x4xf32>) reverse
func.func @scan_three_feature_dims(%a: tensor<1x8x2x3x4xf32>, %h_init: tensor<1x8x2x3x4xf32>, %last_init: tensor<1x2x3x4xf32>) -> (tensor<1x8x2x3x4xf32>, tensor<1x2x3x4xf32>) {
  %h, %last = recur.scan ins(%a, %a : tensor<1x8x2x3x4xf32>, tensor<1x8x2x3x4xf32>) outs(%h_init, %last_init : tensor<1x8x2x3x4xf32>, tensor<1x2x3x4xf32>) reverse
  return %h, %last : tensor<1x8x2x3x4xf32>, tensor<1x2x3x4xf32>
}

// CHECK-LABEL: func.func @scan_dynamic(
// CHECK: recur.scan ins(%{{.*}}, %{{.*}} : tensor<?x?x64xf32>, tensor<?x?x64xf32>) outs(%{{.*}}, %{{.*}} : tensor<?x?x64xf32>, tensor<?x64xf32>)
func.func @scan_dynamic(%a: tensor<?x?x64xf32>, %b: tensor<?x?x64xf32>, %h0: tensor<?x64xf32>, %h_init: tensor<?x?x64xf32>) -> (tensor<?x?x64xf32>, tensor<?x64xf32>) {
  %h, %last = recur.scan ins(%a, %b : tensor<?x?x64xf32>, tensor<?x?x64xf32>) outs(%h_init, %h0 : tensor<?x?x64xf32>, tensor<?x64xf32>)
  return %h, %last : tensor<?x?x64xf32>, tensor<?x64xf32>
}

// Static and dynamic sizes may mix as long as the static ones agree.
// CHECK-LABEL: func.func @scan_mixed_static_dynamic(
// CHECK: recur.scan ins(%{{.*}}, %{{.*}} : tensor<2x?x64xf32>, tensor<?x16x?xf32>) outs(%{{.*}}, %{{.*}} : tensor<2x16x64xf32>, tensor<?x64xf32>)
func.func @scan_mixed_static_dynamic(%a: tensor<2x?x64xf32>, %b: tensor<?x16x?xf32>, %h_init: tensor<2x16x64xf32>, %last_init: tensor<?x64xf32>) -> (tensor<2x16x64xf32>, tensor<?x64xf32>) {
  %h, %last = recur.scan ins(%a, %b : tensor<2x?x64xf32>, tensor<?x16x?xf32>) outs(%h_init, %last_init : tensor<2x16x64xf32>, tensor<?x64xf32>)
  return %h, %last : tensor<2x16x64xf32>, tensor<?x64xf32>
}

// CHECK-LABEL: func.func @scan_f16(
// CHECK: recur.scan ins(%{{.*}}, %{{.*}} : tensor<2x16x64xf16>, tensor<2x16x64xf16>) outs(%{{.*}}, %{{.*}} : tensor<2x16x64xf16>, tensor<2x64xf32>)
func.func @scan_f16(%a: tensor<2x16x64xf16>, %b: tensor<2x16x64xf16>, %h0: tensor<2x64xf32>, %h_init: tensor<2x16x64xf16>) -> (tensor<2x16x64xf16>, tensor<2x64xf32>) {
  %h, %last = recur.scan ins(%a, %b : tensor<2x16x64xf16>, tensor<2x16x64xf16>) outs(%h_init, %h0 : tensor<2x16x64xf16>, tensor<2x64xf32>)
  return %h, %last : tensor<2x16x64xf16>, tensor<2x64xf32>
}

// CHECK-LABEL: func.func @scan_bf16(
// CHECK: recur.scan ins(%{{.*}}, %{{.*}} : tensor<2x16x64xbf16>, tensor<2x16x64xbf16>) outs(%{{.*}}, %{{.*}} : tensor<2x16x64xbf16>, tensor<2x64xf32>) reverse
func.func @scan_bf16(%a: tensor<2x16x64xbf16>, %b: tensor<2x16x64xbf16>, %h_init: tensor<2x16x64xbf16>, %last_init: tensor<2x64xf32>) -> (tensor<2x16x64xbf16>, tensor<2x64xf32>) {
  %h, %last = recur.scan ins(%a, %b : tensor<2x16x64xbf16>, tensor<2x16x64xbf16>) outs(%h_init, %last_init : tensor<2x16x64xbf16>, tensor<2x64xf32>) reverse
  return %h, %last : tensor<2x16x64xbf16>, tensor<2x64xf32>
}

//===----------------------------------------------------------------------===//
// recur.selective_scan
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @selective_scan(
// CHECK-SAME: %[[U:[^:]*]]: tensor<1x32x64xf32>, %[[DT:[^:]*]]: tensor<1x32x64xf32>, %[[AM:[^:]*]]: tensor<64x16xf32>, %[[BM:[^:]*]]: tensor<1x32x1x16xf32>, %[[CM:[^:]*]]: tensor<1x32x1x16xf32>
// CHECK: %[[Y:.*]], %[[H:.*]] = recur.selective_scan ins(%[[U]], %[[DT]], %[[AM]], %[[BM]], %[[CM]] : tensor<1x32x64xf32>, tensor<1x32x64xf32>, tensor<64x16xf32>, tensor<1x32x1x16xf32>, tensor<1x32x1x16xf32>) outs(%{{.*}}, %{{.*}} : tensor<1x32x64xf32>, tensor<1x64x16xf32>)
// CHECK: return %[[Y]], %[[H]] :
func.func @selective_scan(%u: tensor<1x32x64xf32>, %dt: tensor<1x32x64xf32>, %A: tensor<64x16xf32>, %Bm: tensor<1x32x1x16xf32>, %Cm: tensor<1x32x1x16xf32>, %y_init: tensor<1x32x64xf32>, %h_init: tensor<1x64x16xf32>) -> (tensor<1x32x64xf32>, tensor<1x64x16xf32>) {
  %y, %h = recur.selective_scan ins(%u, %dt, %A, %Bm, %Cm : tensor<1x32x64xf32>, tensor<1x32x64xf32>, tensor<64x16xf32>, tensor<1x32x1x16xf32>, tensor<1x32x1x16xf32>) outs(%y_init, %h_init : tensor<1x32x64xf32>, tensor<1x64x16xf32>)
  return %y, %h : tensor<1x32x64xf32>, tensor<1x64x16xf32>
}

// CHECK-LABEL: func.func @selective_scan_skip(
// CHECK-SAME: %[[D:[^:]*]]: tensor<64xf32>
// CHECK: recur.selective_scan ins(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<1x32x64xf32>, tensor<1x32x64xf32>, tensor<64x16xf32>, tensor<1x32x1x16xf32>, tensor<1x32x1x16xf32>) skip(%[[D]] : tensor<64xf32>) outs(%{{.*}}, %{{.*}} : tensor<1x32x64xf32>, tensor<1x64x16xf32>)
func.func @selective_scan_skip(%u: tensor<1x32x64xf32>, %A: tensor<64x16xf32>, %Bm: tensor<1x32x1x16xf32>, %D: tensor<64xf32>, %y_init: tensor<1x32x64xf32>, %h_init: tensor<1x64x16xf32>) -> (tensor<1x32x64xf32>, tensor<1x64x16xf32>) {
  %y, %h = recur.selective_scan ins(%u, %u, %A, %Bm, %Bm : tensor<1x32x64xf32>, tensor<1x32x64xf32>, tensor<64x16xf32>, tensor<1x32x1x16xf32>, tensor<1x32x1x16xf32>) skip(%D : tensor<64xf32>) outs(%y_init, %h_init : tensor<1x32x64xf32>, tensor<1x64x16xf32>)
  return %y, %h : tensor<1x32x64xf32>, tensor<1x64x16xf32>
}

// CHECK-LABEL: func.func @selective_scan_gate(
// CHECK-SAME: %[[Z:[^:]*]]: tensor<1x32x64xf32>, %{{[^:]*}}: tensor<1x32x64xf32>, %{{[^:]*}}: tensor<1x64x16xf32>)
// CHECK: recur.selective_scan ins(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<1x32x64xf32>, tensor<1x32x64xf32>, tensor<64x16xf32>, tensor<1x32x1x16xf32>, tensor<1x32x1x16xf32>) gate(%[[Z]] : tensor<1x32x64xf32>) outs(%{{.*}}, %{{.*}} : tensor<1x32x64xf32>, tensor<1x64x16xf32>)
func.func @selective_scan_gate(%u: tensor<1x32x64xf32>, %A: tensor<64x16xf32>, %Bm: tensor<1x32x1x16xf32>, %z: tensor<1x32x64xf32>, %y_init: tensor<1x32x64xf32>, %h_init: tensor<1x64x16xf32>) -> (tensor<1x32x64xf32>, tensor<1x64x16xf32>) {
  %y, %h = recur.selective_scan ins(%u, %u, %A, %Bm, %Bm : tensor<1x32x64xf32>, tensor<1x32x64xf32>, tensor<64x16xf32>, tensor<1x32x1x16xf32>, tensor<1x32x1x16xf32>) gate(%z : tensor<1x32x64xf32>) outs(%y_init, %h_init : tensor<1x32x64xf32>, tensor<1x64x16xf32>)
  return %y, %h : tensor<1x32x64xf32>, tensor<1x64x16xf32>
}

// CHECK-LABEL: func.func @selective_scan_delta_bias_softplus(
// CHECK-SAME: %[[DB:[^:]*]]: tensor<64xf32>
// CHECK: recur.selective_scan ins(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<1x32x64xf32>, tensor<1x32x64xf32>, tensor<64x16xf32>, tensor<1x32x1x16xf32>, tensor<1x32x1x16xf32>) delta_bias(%[[DB]] : tensor<64xf32>) outs(%{{.*}}, %{{.*}} : tensor<1x32x64xf32>, tensor<1x64x16xf32>) delta_softplus
func.func @selective_scan_delta_bias_softplus(%u: tensor<1x32x64xf32>, %A: tensor<64x16xf32>, %Bm: tensor<1x32x1x16xf32>, %db: tensor<64xf32>, %y_init: tensor<1x32x64xf32>, %h_init: tensor<1x64x16xf32>) -> (tensor<1x32x64xf32>, tensor<1x64x16xf32>) {
  %y, %h = recur.selective_scan ins(%u, %u, %A, %Bm, %Bm : tensor<1x32x64xf32>, tensor<1x32x64xf32>, tensor<64x16xf32>, tensor<1x32x1x16xf32>, tensor<1x32x1x16xf32>) delta_bias(%db : tensor<64xf32>) outs(%y_init, %h_init : tensor<1x32x64xf32>, tensor<1x64x16xf32>) delta_softplus
  return %y, %h : tensor<1x32x64xf32>, tensor<1x64x16xf32>
}

// CHECK-LABEL: func.func @selective_scan_softplus_only(
// CHECK: recur.selective_scan ins({{.*}}) outs({{.*}}) delta_softplus
func.func @selective_scan_softplus_only(%u: tensor<1x32x64xf32>, %A: tensor<64x16xf32>, %Bm: tensor<1x32x1x16xf32>, %y_init: tensor<1x32x64xf32>, %h_init: tensor<1x64x16xf32>) -> (tensor<1x32x64xf32>, tensor<1x64x16xf32>) {
  %y, %h = recur.selective_scan ins(%u, %u, %A, %Bm, %Bm : tensor<1x32x64xf32>, tensor<1x32x64xf32>, tensor<64x16xf32>, tensor<1x32x1x16xf32>, tensor<1x32x1x16xf32>) outs(%y_init, %h_init : tensor<1x32x64xf32>, tensor<1x64x16xf32>) delta_softplus
  return %y, %h : tensor<1x32x64xf32>, tensor<1x64x16xf32>
}

// CHECK-LABEL: func.func @selective_scan_initial(
// CHECK-SAME: %[[H0:[^:]*]]: tensor<1x64x16xf32>
// CHECK: recur.selective_scan ins(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<1x32x64xf32>, tensor<1x32x64xf32>, tensor<64x16xf32>, tensor<1x32x1x16xf32>, tensor<1x32x1x16xf32>) outs(%{{.*}}, %[[H0]] : tensor<1x32x64xf32>, tensor<1x64x16xf32>)
func.func @selective_scan_initial(%u: tensor<1x32x64xf32>, %A: tensor<64x16xf32>, %Bm: tensor<1x32x1x16xf32>, %h0: tensor<1x64x16xf32>, %y_init: tensor<1x32x64xf32>) -> (tensor<1x32x64xf32>, tensor<1x64x16xf32>) {
  %y, %h = recur.selective_scan ins(%u, %u, %A, %Bm, %Bm : tensor<1x32x64xf32>, tensor<1x32x64xf32>, tensor<64x16xf32>, tensor<1x32x1x16xf32>, tensor<1x32x1x16xf32>) outs(%y_init, %h0 : tensor<1x32x64xf32>, tensor<1x64x16xf32>)
  return %y, %h : tensor<1x32x64xf32>, tensor<1x64x16xf32>
}

// Every optional operand, with G = 4 groups; each operand keeps its slot.
// CHECK-LABEL: func.func @selective_scan_all(
// CHECK-SAME: %[[U:[^:]*]]: tensor<2x32x64xf32>, %[[DT:[^:]*]]: tensor<2x32x64xf32>, %[[AM:[^:]*]]: tensor<64x16xf32>, %[[BM:[^:]*]]: tensor<2x32x4x16xf32>, %[[CM:[^:]*]]: tensor<2x32x4x16xf32>, %[[D:[^:]*]]: tensor<64xf32>, %[[Z:[^:]*]]: tensor<2x32x64xf32>, %[[DB:[^:]*]]: tensor<64xf32>, %[[H0:[^:]*]]: tensor<2x64x16xf32>
// CHECK: recur.selective_scan ins(%[[U]], %[[DT]], %[[AM]], %[[BM]], %[[CM]] : tensor<2x32x64xf32>, tensor<2x32x64xf32>, tensor<64x16xf32>, tensor<2x32x4x16xf32>, tensor<2x32x4x16xf32>) skip(%[[D]] : tensor<64xf32>) gate(%[[Z]] : tensor<2x32x64xf32>) delta_bias(%[[DB]] : tensor<64xf32>) outs(%{{.*}}, %[[H0]] : tensor<2x32x64xf32>, tensor<2x64x16xf32>) delta_softplus
func.func @selective_scan_all(%u: tensor<2x32x64xf32>, %dt: tensor<2x32x64xf32>, %A: tensor<64x16xf32>, %Bm: tensor<2x32x4x16xf32>, %Cm: tensor<2x32x4x16xf32>, %D: tensor<64xf32>, %z: tensor<2x32x64xf32>, %db: tensor<64xf32>, %h0: tensor<2x64x16xf32>, %y_init: tensor<2x32x64xf32>) -> (tensor<2x32x64xf32>, tensor<2x64x16xf32>) {
  %y, %h = recur.selective_scan ins(%u, %dt, %A, %Bm, %Cm : tensor<2x32x64xf32>, tensor<2x32x64xf32>, tensor<64x16xf32>, tensor<2x32x4x16xf32>, tensor<2x32x4x16xf32>) skip(%D : tensor<64xf32>) gate(%z : tensor<2x32x64xf32>) delta_bias(%db : tensor<64xf32>) outs(%y_init, %h0 : tensor<2x32x64xf32>, tensor<2x64x16xf32>) delta_softplus
  return %y, %h : tensor<2x32x64xf32>, tensor<2x64x16xf32>
}

// A subset that skips slots in the middle (gate and initial, no skip or bias).
// CHECK-LABEL: func.func @selective_scan_gate_initial(
// CHECK-SAME: %[[Z:[^:]*]]: tensor<1x32x64xf32>, %[[H0:[^:]*]]: tensor<1x64x16xf32>
// CHECK: recur.selective_scan ins({{.*}}) gate(%[[Z]] : tensor<1x32x64xf32>) outs(%{{.*}}, %[[H0]] : tensor<1x32x64xf32>, tensor<1x64x16xf32>)
func.func @selective_scan_gate_initial(%u: tensor<1x32x64xf32>, %A: tensor<64x16xf32>, %Bm: tensor<1x32x1x16xf32>, %z: tensor<1x32x64xf32>, %h0: tensor<1x64x16xf32>, %y_init: tensor<1x32x64xf32>) -> (tensor<1x32x64xf32>, tensor<1x64x16xf32>) {
  %y, %h = recur.selective_scan ins(%u, %u, %A, %Bm, %Bm : tensor<1x32x64xf32>, tensor<1x32x64xf32>, tensor<64x16xf32>, tensor<1x32x1x16xf32>, tensor<1x32x1x16xf32>) gate(%z : tensor<1x32x64xf32>) outs(%y_init, %h0 : tensor<1x32x64xf32>, tensor<1x64x16xf32>)
  return %y, %h : tensor<1x32x64xf32>, tensor<1x64x16xf32>
}

// bf16 activations; A, Bm, Cm, D and delta_bias may stay in f32.
// CHECK-LABEL: func.func @selective_scan_bf16(
// CHECK: recur.selective_scan ins(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<1x32x64xbf16>, tensor<1x32x64xbf16>, tensor<64x16xf32>, tensor<1x32x2x16xbf16>, tensor<1x32x2x16xbf16>) skip(%{{.*}} : tensor<64xf32>) gate(%{{.*}} : tensor<1x32x64xbf16>) delta_bias(%{{.*}} : tensor<64xf32>) outs(%{{.*}}, %{{.*}} : tensor<1x32x64xbf16>, tensor<1x64x16xf32>) delta_softplus
func.func @selective_scan_bf16(%u: tensor<1x32x64xbf16>, %A: tensor<64x16xf32>, %Bm: tensor<1x32x2x16xbf16>, %D: tensor<64xf32>, %db: tensor<64xf32>, %y_init: tensor<1x32x64xbf16>, %h_init: tensor<1x64x16xf32>) -> (tensor<1x32x64xbf16>, tensor<1x64x16xf32>) {
  %y, %h = recur.selective_scan ins(%u, %u, %A, %Bm, %Bm : tensor<1x32x64xbf16>, tensor<1x32x64xbf16>, tensor<64x16xf32>, tensor<1x32x2x16xbf16>, tensor<1x32x2x16xbf16>) skip(%D : tensor<64xf32>) gate(%u : tensor<1x32x64xbf16>) delta_bias(%db : tensor<64xf32>) outs(%y_init, %h_init : tensor<1x32x64xbf16>, tensor<1x64x16xf32>) delta_softplus
  return %y, %h : tensor<1x32x64xbf16>, tensor<1x64x16xf32>
}

// CHECK-LABEL: func.func @selective_scan_dynamic(
// CHECK: recur.selective_scan ins(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<?x?x64xf16>, tensor<?x?x64xf16>, tensor<64x?xf32>, tensor<?x?x?x?xf16>, tensor<?x?x?x?xf16>) outs(%{{.*}}, %{{.*}} : tensor<?x?x64xf16>, tensor<?x64x?xf32>)
func.func @selective_scan_dynamic(%u: tensor<?x?x64xf16>, %A: tensor<64x?xf32>, %Bm: tensor<?x?x?x?xf16>, %h0: tensor<?x64x?xf32>, %y_init: tensor<?x?x64xf16>) -> (tensor<?x?x64xf16>, tensor<?x64x?xf32>) {
  %y, %h = recur.selective_scan ins(%u, %u, %A, %Bm, %Bm : tensor<?x?x64xf16>, tensor<?x?x64xf16>, tensor<64x?xf32>, tensor<?x?x?x?xf16>, tensor<?x?x?x?xf16>) outs(%y_init, %h0 : tensor<?x?x64xf16>, tensor<?x64x?xf32>)
  return %y, %h : tensor<?x?x64xf16>, tensor<?x64x?xf32>
}

//===----------------------------------------------------------------------===//
// recur.linear_attention
//===----------------------------------------------------------------------===//

// Ungated linear attention: no gate, no attributes printed.
// CHECK-LABEL: func.func @linear_attention(
// CHECK-SAME: %[[Q:[^:]*]]: tensor<2x16x4x8xf32>, %[[K:[^:]*]]: tensor<2x16x4x8xf32>, %[[V:[^:]*]]: tensor<2x16x4x32xf32>
// CHECK: %[[O:.*]], %[[S:.*]] = recur.linear_attention ins(%[[Q]], %[[K]], %[[V]] : tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>, tensor<2x16x4x32xf32>) outs(%{{.*}}, %{{.*}} : tensor<2x16x4x32xf32>, tensor<2x4x8x32xf32>)
// CHECK: return %[[O]], %[[S]] :
func.func @linear_attention(%q: tensor<2x16x4x8xf32>, %k: tensor<2x16x4x8xf32>, %v: tensor<2x16x4x32xf32>, %o_init: tensor<2x16x4x32xf32>, %s_init: tensor<2x4x8x32xf32>) -> (tensor<2x16x4x32xf32>, tensor<2x4x8x32xf32>) {
  %o, %s = recur.linear_attention ins(%q, %k, %v : tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>, tensor<2x16x4x32xf32>) outs(%o_init, %s_init : tensor<2x16x4x32xf32>, tensor<2x4x8x32xf32>)
  return %o, %s : tensor<2x16x4x32xf32>, tensor<2x4x8x32xf32>
}

// RetNet: one constant decay per head.
// CHECK-LABEL: func.func @linear_attention_gate_head(
// CHECK-SAME: %[[G:[^:]*]]: tensor<4xf32>
// CHECK: recur.linear_attention ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>) gate head(%[[G]] : tensor<4xf32>) outs(%{{.*}}, %{{.*}} : tensor<2x16x4x8xf32>, tensor<2x4x8x8xf32>)
func.func @linear_attention_gate_head(%q: tensor<2x16x4x8xf32>, %g: tensor<4xf32>, %o_init: tensor<2x16x4x8xf32>, %s_init: tensor<2x4x8x8xf32>) -> (tensor<2x16x4x8xf32>, tensor<2x4x8x8xf32>) {
  %o, %s = recur.linear_attention ins(%q, %q, %q : tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>) gate head(%g : tensor<4xf32>) outs(%o_init, %s_init : tensor<2x16x4x8xf32>, tensor<2x4x8x8xf32>)
  return %o, %s : tensor<2x16x4x8xf32>, tensor<2x4x8x8xf32>
}

// Mamba-2 SSD: a scalar gate per token and head, scale = 1.
// CHECK-LABEL: func.func @linear_attention_gate_scalar(
// CHECK-SAME: %[[G:[^:]*]]: tensor<2x16x4xf32>
// CHECK: recur.linear_attention ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>) gate scalar(%[[G]] : tensor<2x16x4xf32>) outs(%{{.*}}, %{{.*}} : tensor<2x16x4x8xf32>, tensor<2x4x8x8xf32>) {scale = 1.000000e+00 : f32}
func.func @linear_attention_gate_scalar(%q: tensor<2x16x4x8xf32>, %g: tensor<2x16x4xf32>, %o_init: tensor<2x16x4x8xf32>, %s_init: tensor<2x4x8x8xf32>) -> (tensor<2x16x4x8xf32>, tensor<2x4x8x8xf32>) {
  %o, %s = recur.linear_attention ins(%q, %q, %q : tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>) gate scalar(%g : tensor<2x16x4xf32>) outs(%o_init, %s_init : tensor<2x16x4x8xf32>, tensor<2x4x8x8xf32>) {scale = 1.0 : f32}
  return %o, %s : tensor<2x16x4x8xf32>, tensor<2x4x8x8xf32>
}

// GLA: a gate per key row, bf16 inputs with an f32 gate, initial state, scale.
// CHECK-LABEL: func.func @linear_attention_gate_key_bf16(
// CHECK-SAME: %[[Q:[^:]*]]: tensor<2x64x4x64xbf16>, %[[K:[^:]*]]: tensor<2x64x4x64xbf16>, %[[V:[^:]*]]: tensor<2x64x4x64xbf16>, %[[G:[^:]*]]: tensor<2x64x4x64xf32>, %[[H0:[^:]*]]: tensor<2x4x64x64xf32>
// CHECK: recur.linear_attention ins(%[[Q]], %[[K]], %[[V]] : tensor<2x64x4x64xbf16>, tensor<2x64x4x64xbf16>, tensor<2x64x4x64xbf16>) gate key(%[[G]] : tensor<2x64x4x64xf32>) outs(%{{.*}}, %[[H0]] : tensor<2x64x4x64xbf16>, tensor<2x4x64x64xf32>) {scale = 1.250000e-01 : f32}
func.func @linear_attention_gate_key_bf16(%q: tensor<2x64x4x64xbf16>, %k: tensor<2x64x4x64xbf16>, %v: tensor<2x64x4x64xbf16>, %g: tensor<2x64x4x64xf32>, %h0: tensor<2x4x64x64xf32>, %o_init: tensor<2x64x4x64xbf16>) -> (tensor<2x64x4x64xbf16>, tensor<2x4x64x64xf32>) {
  %o, %s = recur.linear_attention ins(%q, %k, %v : tensor<2x64x4x64xbf16>, tensor<2x64x4x64xbf16>, tensor<2x64x4x64xbf16>) gate key(%g : tensor<2x64x4x64xf32>) outs(%o_init, %h0 : tensor<2x64x4x64xbf16>, tensor<2x4x64x64xf32>) {scale = 0.125 : f32}
  return %o, %s : tensor<2x64x4x64xbf16>, tensor<2x4x64x64xf32>
}

// DeltaNet: beta selects the delta rule.
// CHECK-LABEL: func.func @linear_attention_delta_rule(
// CHECK-SAME: %[[BETA:[^:]*]]: tensor<2x16x4xf32>
// CHECK: recur.linear_attention ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>) beta(%[[BETA]] : tensor<2x16x4xf32>) outs(%{{.*}}, %{{.*}} : tensor<2x16x4x8xf32>, tensor<2x4x8x8xf32>)
func.func @linear_attention_delta_rule(%q: tensor<2x16x4x8xf32>, %beta: tensor<2x16x4xf32>, %o_init: tensor<2x16x4x8xf32>, %s_init: tensor<2x4x8x8xf32>) -> (tensor<2x16x4x8xf32>, tensor<2x4x8x8xf32>) {
  %o, %s = recur.linear_attention ins(%q, %q, %q : tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>) beta(%beta : tensor<2x16x4xf32>) outs(%o_init, %s_init : tensor<2x16x4x8xf32>, tensor<2x4x8x8xf32>)
  return %o, %s : tensor<2x16x4x8xf32>, tensor<2x4x8x8xf32>
}

// Gated DeltaNet: scalar gate, beta, initial state and scale together.
// CHECK-LABEL: func.func @linear_attention_gated_delta_rule(
// CHECK-SAME: %[[G:[^:]*]]: tensor<2x16x4xf32>, %[[BETA:[^:]*]]: tensor<2x16x4xf32>, %[[H0:[^:]*]]: tensor<2x4x8x8xf32>
// CHECK: recur.linear_attention ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<2x16x4x8xf16>, tensor<2x16x4x8xf16>, tensor<2x16x4x8xf16>) gate scalar(%[[G]] : tensor<2x16x4xf32>) beta(%[[BETA]] : tensor<2x16x4xf32>) outs(%{{.*}}, %[[H0]] : tensor<2x16x4x8xf16>, tensor<2x4x8x8xf32>) {scale = 5.000000e-01 : f32}
func.func @linear_attention_gated_delta_rule(%q: tensor<2x16x4x8xf16>, %g: tensor<2x16x4xf32>, %beta: tensor<2x16x4xf32>, %h0: tensor<2x4x8x8xf32>, %o_init: tensor<2x16x4x8xf16>) -> (tensor<2x16x4x8xf16>, tensor<2x4x8x8xf32>) {
  %o, %s = recur.linear_attention ins(%q, %q, %q : tensor<2x16x4x8xf16>, tensor<2x16x4x8xf16>, tensor<2x16x4x8xf16>) gate scalar(%g : tensor<2x16x4xf32>) beta(%beta : tensor<2x16x4xf32>) outs(%o_init, %h0 : tensor<2x16x4x8xf16>, tensor<2x4x8x8xf32>) {scale = 0.5 : f32}
  return %o, %s : tensor<2x16x4x8xf16>, tensor<2x4x8x8xf32>
}

// RWKV-6: key gate and bonus (read before update).
// CHECK-LABEL: func.func @linear_attention_bonus(
// CHECK-SAME: %[[G:[^:]*]]: tensor<2x16x4x8xf32>, %[[U:[^:]*]]: tensor<4x8xf32>
// CHECK: recur.linear_attention ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>) gate key(%[[G]] : tensor<2x16x4x8xf32>) bonus(%[[U]] : tensor<4x8xf32>) outs(%{{.*}}, %{{.*}} : tensor<2x16x4x8xf32>, tensor<2x4x8x8xf32>)
func.func @linear_attention_bonus(%q: tensor<2x16x4x8xf32>, %g: tensor<2x16x4x8xf32>, %u: tensor<4x8xf32>, %o_init: tensor<2x16x4x8xf32>, %s_init: tensor<2x4x8x8xf32>) -> (tensor<2x16x4x8xf32>, tensor<2x4x8x8xf32>) {
  %o, %s = recur.linear_attention ins(%q, %q, %q : tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>) gate key(%g : tensor<2x16x4x8xf32>) bonus(%u : tensor<4x8xf32>) outs(%o_init, %s_init : tensor<2x16x4x8xf32>, tensor<2x4x8x8xf32>)
  return %o, %s : tensor<2x16x4x8xf32>, tensor<2x4x8x8xf32>
}

// Bonus without a gate, with an initial state.
// CHECK-LABEL: func.func @linear_attention_bonus_initial(
// CHECK: recur.linear_attention ins({{.*}}) bonus(%{{.*}} : tensor<4x8xf32>) outs({{.*}})
func.func @linear_attention_bonus_initial(%q: tensor<2x16x4x8xf32>, %u: tensor<4x8xf32>, %h0: tensor<2x4x8x8xf32>, %o_init: tensor<2x16x4x8xf32>) -> (tensor<2x16x4x8xf32>, tensor<2x4x8x8xf32>) {
  %o, %s = recur.linear_attention ins(%q, %q, %q : tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>) bonus(%u : tensor<4x8xf32>) outs(%o_init, %h0 : tensor<2x16x4x8xf32>, tensor<2x4x8x8xf32>)
  return %o, %s : tensor<2x16x4x8xf32>, tensor<2x4x8x8xf32>
}

// Dynamic B and T; K and V stay static so the default scale is known.
// CHECK-LABEL: func.func @linear_attention_dynamic_batch_time(
// CHECK: recur.linear_attention ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<?x?x4x8xf32>, tensor<?x?x4x8xf32>, tensor<?x?x4x8xf32>) gate scalar(%{{.*}} : tensor<?x?x4xf32>) outs(%{{.*}}, %{{.*}} : tensor<?x?x4x8xf32>, tensor<?x4x8x8xf32>)
func.func @linear_attention_dynamic_batch_time(%q: tensor<?x?x4x8xf32>, %g: tensor<?x?x4xf32>, %o_init: tensor<?x?x4x8xf32>, %s_init: tensor<?x4x8x8xf32>) -> (tensor<?x?x4x8xf32>, tensor<?x4x8x8xf32>) {
  %o, %s = recur.linear_attention ins(%q, %q, %q : tensor<?x?x4x8xf32>, tensor<?x?x4x8xf32>, tensor<?x?x4x8xf32>) gate scalar(%g : tensor<?x?x4xf32>) outs(%o_init, %s_init : tensor<?x?x4x8xf32>, tensor<?x4x8x8xf32>)
  return %o, %s : tensor<?x?x4x8xf32>, tensor<?x4x8x8xf32>
}

// A dynamic key dimension is fine with an explicit scale.
// CHECK-LABEL: func.func @linear_attention_dynamic_key_dim(
// CHECK: recur.linear_attention ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<1x8x2x?xf32>, tensor<1x8x2x?xf32>, tensor<1x8x2x?xf32>) outs(%{{.*}}, %{{.*}} : tensor<1x8x2x?xf32>, tensor<1x2x?x?xf32>) {scale = 2.500000e-01 : f32}
func.func @linear_attention_dynamic_key_dim(%q: tensor<1x8x2x?xf32>, %o_init: tensor<1x8x2x?xf32>, %s_init: tensor<1x2x?x?xf32>) -> (tensor<1x8x2x?xf32>, tensor<1x2x?x?xf32>) {
  %o, %s = recur.linear_attention ins(%q, %q, %q : tensor<1x8x2x?xf32>, tensor<1x8x2x?xf32>, tensor<1x8x2x?xf32>) outs(%o_init, %s_init : tensor<1x8x2x?xf32>, tensor<1x2x?x?xf32>) {scale = 0.25 : f32}
  return %o, %s : tensor<1x8x2x?xf32>, tensor<1x2x?x?xf32>
}

//===----------------------------------------------------------------------===//
// recur.attention
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @attention(
// CHECK-SAME: %[[Q:[^:]*]]: tensor<1x16x4x32xf32>, %[[K:[^:]*]]: tensor<1x16x4x32xf32>, %[[V:[^:]*]]: tensor<1x16x4x32xf32>
// CHECK: %[[O:.*]] = recur.attention ins(%[[Q]], %[[K]], %[[V]] : tensor<1x16x4x32xf32>, tensor<1x16x4x32xf32>, tensor<1x16x4x32xf32>) outs(%{{.*}} : tensor<1x16x4x32xf32>)
// CHECK: return %[[O]] :
func.func @attention(%q: tensor<1x16x4x32xf32>, %k: tensor<1x16x4x32xf32>, %v: tensor<1x16x4x32xf32>, %o_init: tensor<1x16x4x32xf32>) -> tensor<1x16x4x32xf32> {
  %o = recur.attention ins(%q, %k, %v : tensor<1x16x4x32xf32>, tensor<1x16x4x32xf32>, tensor<1x16x4x32xf32>) outs(%o_init : tensor<1x16x4x32xf32>)
  return %o : tensor<1x16x4x32xf32>
}

// CHECK-LABEL: func.func @attention_causal(
// CHECK: recur.attention ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<1x16x4x32xf32>, tensor<1x16x4x32xf32>, tensor<1x16x4x32xf32>) outs(%{{.*}} : tensor<1x16x4x32xf32>) causal
func.func @attention_causal(%q: tensor<1x16x4x32xf32>, %o_init: tensor<1x16x4x32xf32>) -> tensor<1x16x4x32xf32> {
  %o = recur.attention ins(%q, %q, %q : tensor<1x16x4x32xf32>, tensor<1x16x4x32xf32>, tensor<1x16x4x32xf32>) outs(%o_init : tensor<1x16x4x32xf32>) causal
  return %o : tensor<1x16x4x32xf32>
}

// An explicit window of 0 (unlimited) is the default and is not printed.
// CHECK-LABEL: func.func @attention_window_zero(
// CHECK: recur.attention ins({{.*}}) outs({{.*}})
// CHECK-NOT: window
func.func @attention_window_zero(%q: tensor<1x16x4x32xf32>, %o_init: tensor<1x16x4x32xf32>) -> tensor<1x16x4x32xf32> {
  %o = recur.attention ins(%q, %q, %q : tensor<1x16x4x32xf32>, tensor<1x16x4x32xf32>, tensor<1x16x4x32xf32>) outs(%o_init : tensor<1x16x4x32xf32>) {window = 0 : i64}
  return %o : tensor<1x16x4x32xf32>
}

// Sliding window with GQA (8 query heads over 2 key/value heads), f16.
// CHECK-LABEL: func.func @attention_window_gqa(
// CHECK: recur.attention ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<1x128x8x64xf16>, tensor<1x128x2x64xf16>, tensor<1x128x2x64xf16>) outs(%{{.*}} : tensor<1x128x8x64xf16>) causal {window = 256 : i64}
func.func @attention_window_gqa(%q: tensor<1x128x8x64xf16>, %k: tensor<1x128x2x64xf16>, %v: tensor<1x128x2x64xf16>, %o_init: tensor<1x128x8x64xf16>) -> tensor<1x128x8x64xf16> {
  %o = recur.attention ins(%q, %k, %v : tensor<1x128x8x64xf16>, tensor<1x128x2x64xf16>, tensor<1x128x2x64xf16>) outs(%o_init : tensor<1x128x8x64xf16>) causal {window = 256 : i64}
  return %o : tensor<1x128x8x64xf16>
}

// Multi-query attention (Hkv = 1) with an explicit scale, bf16.
// CHECK-LABEL: func.func @attention_mqa_scale(
// CHECK: recur.attention ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<2x16x4x32xbf16>, tensor<2x16x1x32xbf16>, tensor<2x16x1x32xbf16>) outs(%{{.*}} : tensor<2x16x4x32xbf16>) {scale = 1.000000e+00 : f32}
func.func @attention_mqa_scale(%q: tensor<2x16x4x32xbf16>, %k: tensor<2x16x1x32xbf16>, %v: tensor<2x16x1x32xbf16>, %o_init: tensor<2x16x4x32xbf16>) -> tensor<2x16x4x32xbf16> {
  %o = recur.attention ins(%q, %k, %v : tensor<2x16x4x32xbf16>, tensor<2x16x1x32xbf16>, tensor<2x16x1x32xbf16>) outs(%o_init : tensor<2x16x4x32xbf16>) {scale = 1.0 : f32}
  return %o : tensor<2x16x4x32xbf16>
}

// A KV cache: S = 20 keys for T = 4 queries, Dv != D, every attribute set.
// CHECK-LABEL: func.func @attention_kv_cache(
// CHECK: recur.attention ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<1x4x4x32xf32>, tensor<1x20x2x32xf32>, tensor<1x20x2x16xf32>) outs(%{{.*}} : tensor<1x4x4x16xf32>) causal {scale = 1.250000e-01 : f32, window = 8 : i64}
func.func @attention_kv_cache(%q: tensor<1x4x4x32xf32>, %k: tensor<1x20x2x32xf32>, %v: tensor<1x20x2x16xf32>, %o_init: tensor<1x4x4x16xf32>) -> tensor<1x4x4x16xf32> {
  %o = recur.attention ins(%q, %k, %v : tensor<1x4x4x32xf32>, tensor<1x20x2x32xf32>, tensor<1x20x2x16xf32>) outs(%o_init : tensor<1x4x4x16xf32>) causal {window = 8 : i64, scale = 0.125 : f32}
  return %o : tensor<1x4x4x16xf32>
}

// Fewer keys than queries (S < T): early queries see nothing under causal.
// CHECK-LABEL: func.func @attention_fewer_keys(
// CHECK: recur.attention ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<1x8x2x16xf32>, tensor<1x3x2x16xf32>, tensor<1x3x2x16xf32>) outs(%{{.*}} : tensor<1x8x2x16xf32>) causal
func.func @attention_fewer_keys(%q: tensor<1x8x2x16xf32>, %k: tensor<1x3x2x16xf32>, %o_init: tensor<1x8x2x16xf32>) -> tensor<1x8x2x16xf32> {
  %o = recur.attention ins(%q, %k, %k : tensor<1x8x2x16xf32>, tensor<1x3x2x16xf32>, tensor<1x3x2x16xf32>) outs(%o_init : tensor<1x8x2x16xf32>) causal
  return %o : tensor<1x8x2x16xf32>
}

// CHECK-LABEL: func.func @attention_dynamic(
// CHECK: recur.attention ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>) outs(%{{.*}} : tensor<?x?x?x?xf32>) causal {scale = 1.250000e-01 : f32}
func.func @attention_dynamic(%q: tensor<?x?x?x?xf32>, %k: tensor<?x?x?x?xf32>, %v: tensor<?x?x?x?xf32>, %o_init: tensor<?x?x?x?xf32>) -> tensor<?x?x?x?xf32> {
  %o = recur.attention ins(%q, %k, %v : tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>) outs(%o_init : tensor<?x?x?x?xf32>) causal {scale = 0.125 : f32}
  return %o : tensor<?x?x?x?xf32>
}

//===----------------------------------------------------------------------===//
// recur.conv1d
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @conv1d(
// CHECK-SAME: %[[X:[^:]*]]: tensor<2x16x128xf32>, %[[W:[^:]*]]: tensor<128x4xf32>
// CHECK: %[[Y:.*]], %[[S:.*]] = recur.conv1d ins(%[[X]], %[[W]] : tensor<2x16x128xf32>, tensor<128x4xf32>) outs(%{{.*}}, %{{.*}} : tensor<2x16x128xf32>, tensor<2x3x128xf32>)
// CHECK: return %[[Y]], %[[S]] :
func.func @conv1d(%x: tensor<2x16x128xf32>, %w: tensor<128x4xf32>, %y_init: tensor<2x16x128xf32>, %s_init: tensor<2x3x128xf32>) -> (tensor<2x16x128xf32>, tensor<2x3x128xf32>) {
  %y, %s = recur.conv1d ins(%x, %w : tensor<2x16x128xf32>, tensor<128x4xf32>) outs(%y_init, %s_init : tensor<2x16x128xf32>, tensor<2x3x128xf32>)
  return %y, %s : tensor<2x16x128xf32>, tensor<2x3x128xf32>
}

// CHECK-LABEL: func.func @conv1d_bias(
// CHECK-SAME: %[[BIAS:[^:]*]]: tensor<128xf32>
// CHECK: recur.conv1d ins(%{{.*}}, %{{.*}} : tensor<2x16x128xf32>, tensor<128x4xf32>) bias(%[[BIAS]] : tensor<128xf32>) outs(%{{.*}}, %{{.*}} : tensor<2x16x128xf32>, tensor<2x3x128xf32>)
func.func @conv1d_bias(%x: tensor<2x16x128xf32>, %w: tensor<128x4xf32>, %bias: tensor<128xf32>, %y_init: tensor<2x16x128xf32>, %s_init: tensor<2x3x128xf32>) -> (tensor<2x16x128xf32>, tensor<2x3x128xf32>) {
  %y, %s = recur.conv1d ins(%x, %w : tensor<2x16x128xf32>, tensor<128x4xf32>) bias(%bias : tensor<128xf32>) outs(%y_init, %s_init : tensor<2x16x128xf32>, tensor<2x3x128xf32>)
  return %y, %s : tensor<2x16x128xf32>, tensor<2x3x128xf32>
}

// CHECK-LABEL: func.func @conv1d_initial(
// CHECK-SAME: %[[S0:[^:]*]]: tensor<2x3x128xf32>
// CHECK: recur.conv1d ins(%{{.*}}, %{{.*}} : tensor<2x16x128xf32>, tensor<128x4xf32>) outs(%{{.*}}, %[[S0]] : tensor<2x16x128xf32>, tensor<2x3x128xf32>)
func.func @conv1d_initial(%x: tensor<2x16x128xf32>, %w: tensor<128x4xf32>, %s0: tensor<2x3x128xf32>, %y_init: tensor<2x16x128xf32>) -> (tensor<2x16x128xf32>, tensor<2x3x128xf32>) {
  %y, %s = recur.conv1d ins(%x, %w : tensor<2x16x128xf32>, tensor<128x4xf32>) outs(%y_init, %s0 : tensor<2x16x128xf32>, tensor<2x3x128xf32>)
  return %y, %s : tensor<2x16x128xf32>, tensor<2x3x128xf32>
}

// CHECK-LABEL: func.func @conv1d_silu(
// CHECK: recur.conv1d ins(%{{.*}}, %{{.*}} : tensor<2x16x128xf32>, tensor<128x4xf32>) outs(%{{.*}}, %{{.*}} : tensor<2x16x128xf32>, tensor<2x3x128xf32>) activation silu
func.func @conv1d_silu(%x: tensor<2x16x128xf32>, %w: tensor<128x4xf32>, %y_init: tensor<2x16x128xf32>, %s_init: tensor<2x3x128xf32>) -> (tensor<2x16x128xf32>, tensor<2x3x128xf32>) {
  %y, %s = recur.conv1d ins(%x, %w : tensor<2x16x128xf32>, tensor<128x4xf32>) outs(%y_init, %s_init : tensor<2x16x128xf32>, tensor<2x3x128xf32>) activation silu
  return %y, %s : tensor<2x16x128xf32>, tensor<2x3x128xf32>
}

// `activation none` is the default and is not printed.
// CHECK-LABEL: func.func @conv1d_activation_none(
// CHECK: recur.conv1d ins({{.*}}) outs({{.*}})
// CHECK-NOT: activation
func.func @conv1d_activation_none(%x: tensor<2x16x128xf32>, %w: tensor<128x4xf32>, %y_init: tensor<2x16x128xf32>, %s_init: tensor<2x3x128xf32>) -> (tensor<2x16x128xf32>, tensor<2x3x128xf32>) {
  %y, %s = recur.conv1d ins(%x, %w : tensor<2x16x128xf32>, tensor<128x4xf32>) outs(%y_init, %s_init : tensor<2x16x128xf32>, tensor<2x3x128xf32>) activation none
  return %y, %s : tensor<2x16x128xf32>, tensor<2x3x128xf32>
}

// CHECK-LABEL: func.func @conv1d_all(
// CHECK-SAME: %[[X:[^:]*]]: tensor<2x16x128xf32>, %[[W:[^:]*]]: tensor<128x4xf32>, %[[BIAS:[^:]*]]: tensor<128xf32>, %[[S0:[^:]*]]: tensor<2x3x128xf32>
// CHECK: recur.conv1d ins(%[[X]], %[[W]] : tensor<2x16x128xf32>, tensor<128x4xf32>) bias(%[[BIAS]] : tensor<128xf32>) outs(%{{.*}}, %[[S0]] : tensor<2x16x128xf32>, tensor<2x3x128xf32>) activation silu
func.func @conv1d_all(%x: tensor<2x16x128xf32>, %w: tensor<128x4xf32>, %bias: tensor<128xf32>, %s0: tensor<2x3x128xf32>, %y_init: tensor<2x16x128xf32>) -> (tensor<2x16x128xf32>, tensor<2x3x128xf32>) {
  %y, %s = recur.conv1d ins(%x, %w : tensor<2x16x128xf32>, tensor<128x4xf32>) bias(%bias : tensor<128xf32>) outs(%y_init, %s0 : tensor<2x16x128xf32>, tensor<2x3x128xf32>) activation silu
  return %y, %s : tensor<2x16x128xf32>, tensor<2x3x128xf32>
}

// W = 1: the state has no rows.
// CHECK-LABEL: func.func @conv1d_width_one(
// CHECK: recur.conv1d ins(%{{.*}}, %{{.*}} : tensor<2x16x8xf32>, tensor<8x1xf32>) outs(%{{.*}}, %{{.*}} : tensor<2x16x8xf32>, tensor<2x0x8xf32>)
func.func @conv1d_width_one(%x: tensor<2x16x8xf32>, %w: tensor<8x1xf32>, %s0: tensor<2x0x8xf32>, %y_init: tensor<2x16x8xf32>) -> (tensor<2x16x8xf32>, tensor<2x0x8xf32>) {
  %y, %s = recur.conv1d ins(%x, %w : tensor<2x16x8xf32>, tensor<8x1xf32>) outs(%y_init, %s0 : tensor<2x16x8xf32>, tensor<2x0x8xf32>)
  return %y, %s : tensor<2x16x8xf32>, tensor<2x0x8xf32>
}

// bf16 activations and state, f32 weights and bias.
// CHECK-LABEL: func.func @conv1d_bf16(
// CHECK: recur.conv1d ins(%{{.*}}, %{{.*}} : tensor<2x16x8xbf16>, tensor<8x4xf32>) bias(%{{.*}} : tensor<8xf32>) outs(%{{.*}}, %{{.*}} : tensor<2x16x8xbf16>, tensor<2x3x8xbf16>) activation silu
func.func @conv1d_bf16(%x: tensor<2x16x8xbf16>, %w: tensor<8x4xf32>, %bias: tensor<8xf32>, %s0: tensor<2x3x8xbf16>, %y_init: tensor<2x16x8xbf16>) -> (tensor<2x16x8xbf16>, tensor<2x3x8xbf16>) {
  %y, %s = recur.conv1d ins(%x, %w : tensor<2x16x8xbf16>, tensor<8x4xf32>) bias(%bias : tensor<8xf32>) outs(%y_init, %s0 : tensor<2x16x8xbf16>, tensor<2x3x8xbf16>) activation silu
  return %y, %s : tensor<2x16x8xbf16>, tensor<2x3x8xbf16>
}

// CHECK-LABEL: func.func @conv1d_f16(
// CHECK: recur.conv1d ins(%{{.*}}, %{{.*}} : tensor<1x4x8xf16>, tensor<8x4xf16>) outs(%{{.*}}, %{{.*}} : tensor<1x4x8xf16>, tensor<1x3x8xf16>)
func.func @conv1d_f16(%x: tensor<1x4x8xf16>, %w: tensor<8x4xf16>, %y_init: tensor<1x4x8xf16>, %s_init: tensor<1x3x8xf16>) -> (tensor<1x4x8xf16>, tensor<1x3x8xf16>) {
  %y, %s = recur.conv1d ins(%x, %w : tensor<1x4x8xf16>, tensor<8x4xf16>) outs(%y_init, %s_init : tensor<1x4x8xf16>, tensor<1x3x8xf16>)
  return %y, %s : tensor<1x4x8xf16>, tensor<1x3x8xf16>
}

// CHECK-LABEL: func.func @conv1d_dynamic(
// CHECK: recur.conv1d ins(%{{.*}}, %{{.*}} : tensor<?x?x?xf32>, tensor<?x?xf32>) outs(%{{.*}}, %{{.*}} : tensor<?x?x?xf32>, tensor<?x?x?xf32>)
func.func @conv1d_dynamic(%x: tensor<?x?x?xf32>, %w: tensor<?x?xf32>, %s0: tensor<?x?x?xf32>, %y_init: tensor<?x?x?xf32>) -> (tensor<?x?x?xf32>, tensor<?x?x?xf32>) {
  %y, %s = recur.conv1d ins(%x, %w : tensor<?x?x?xf32>, tensor<?x?xf32>) outs(%y_init, %s0 : tensor<?x?x?xf32>, tensor<?x?x?xf32>)
  return %y, %s : tensor<?x?x?xf32>, tensor<?x?x?xf32>
}
