// RUN: recur-opt %s -split-input-file -verify-diagnostics

// One case per verifier error of the recur ops (RecurOps.cpp and
// ShapeVerifier.cpp), plus the ODS type constraints.

//===----------------------------------------------------------------------===//
// recur.scan
//===----------------------------------------------------------------------===//

func.func @scan_a_without_feature_dim(%a: tensor<2x16xf32>, %h_init: tensor<2x16xf32>, %last_init: tensor<2xf32>) {
  // expected-error @+1 {{'a' must be a ranked tensor [B, T, D...] with at least one feature dimension, but has type 'tensor<2x16xf32>'}}
  %h, %last = recur.scan ins(%a, %a : tensor<2x16xf32>, tensor<2x16xf32>) outs(%h_init, %last_init : tensor<2x16xf32>, tensor<2xf32>)
  return
}

// -----

func.func @scan_a_unranked(%a: tensor<*xf32>, %b: tensor<2x16x8xf32>, %h_init: tensor<2x16x8xf32>, %last_init: tensor<2x8xf32>) {
  // expected-error @+1 {{'a' must be a ranked tensor [B, T, D...] with at least one feature dimension, but has type 'tensor<*xf32>'}}
  %h, %last = recur.scan ins(%a, %b : tensor<*xf32>, tensor<2x16x8xf32>) outs(%h_init, %last_init : tensor<2x16x8xf32>, tensor<2x8xf32>)
  return
}

// -----

func.func @scan_b_unranked(%a: tensor<2x16x8xf32>, %b: tensor<*xf32>, %h_init: tensor<2x16x8xf32>, %last_init: tensor<2x8xf32>) {
  // expected-error @+1 {{'b' must be a ranked tensor [B, T, D0], but has type 'tensor<*xf32>'}}
  %h, %last = recur.scan ins(%a, %b : tensor<2x16x8xf32>, tensor<*xf32>) outs(%h_init, %last_init : tensor<2x16x8xf32>, tensor<2x8xf32>)
  return
}

// -----

func.func @scan_b_rank(%a: tensor<2x16x8xf32>, %b: tensor<2x16x8x1xf32>, %h_init: tensor<2x16x8xf32>, %last_init: tensor<2x8xf32>) {
  // expected-error @+1 {{'b' must have rank 3 [B, T, D0], but has type 'tensor<2x16x8x1xf32>'}}
  %h, %last = recur.scan ins(%a, %b : tensor<2x16x8xf32>, tensor<2x16x8x1xf32>) outs(%h_init, %last_init : tensor<2x16x8xf32>, tensor<2x8xf32>)
  return
}

// -----

func.func @scan_b_batch(%a: tensor<2x16x8xf32>, %b: tensor<3x16x8xf32>, %h_init: tensor<2x16x8xf32>, %last_init: tensor<2x8xf32>) {
  // expected-error @+1 {{'b' has B = 3 (dimension 0 of [B, T, D0]), but 'a' has B = 2}}
  %h, %last = recur.scan ins(%a, %b : tensor<2x16x8xf32>, tensor<3x16x8xf32>) outs(%h_init, %last_init : tensor<2x16x8xf32>, tensor<2x8xf32>)
  return
}

// -----

func.func @scan_b_time(%a: tensor<2x16x8xf32>, %b: tensor<2x15x8xf32>, %h_init: tensor<2x16x8xf32>, %last_init: tensor<2x8xf32>) {
  // expected-error @+1 {{'b' has T = 15 (dimension 1 of [B, T, D0]), but 'a' has T = 16}}
  %h, %last = recur.scan ins(%a, %b : tensor<2x16x8xf32>, tensor<2x15x8xf32>) outs(%h_init, %last_init : tensor<2x16x8xf32>, tensor<2x8xf32>)
  return
}

// -----

func.func @scan_b_second_feature(%a: tensor<2x16x8x4xf32>, %b: tensor<2x16x8x5xf32>, %h_init: tensor<2x16x8x4xf32>, %last_init: tensor<2x8x4xf32>) {
  // expected-error @+1 {{'b' has D1 = 5 (dimension 3 of [B, T, D0, D1]), but 'a' has D1 = 4}}
  %h, %last = recur.scan ins(%a, %b : tensor<2x16x8x4xf32>, tensor<2x16x8x5xf32>) outs(%h_init, %last_init : tensor<2x16x8x4xf32>, tensor<2x8x4xf32>)
  return
}

// -----

func.func @scan_h_feature(%a: tensor<2x16x8xf32>, %h_init: tensor<2x16x9xf32>, %last_init: tensor<2x8xf32>) {
  // expected-error @+1 {{'h_init' has D0 = 9 (dimension 2 of [B, T, D0]), but 'a' has D0 = 8}}
  %h, %last = recur.scan ins(%a, %a : tensor<2x16x8xf32>, tensor<2x16x8xf32>) outs(%h_init, %last_init : tensor<2x16x9xf32>, tensor<2x8xf32>)
  return
}

// -----

func.func @scan_final_state_rank(%a: tensor<2x16x8xf32>, %h_init: tensor<2x16x8xf32>, %last_init: tensor<2x16x8xf32>) {
  // expected-error @+1 {{'state' must have rank 2 [B, D0], but has type 'tensor<2x16x8xf32>'}}
  %h, %last = recur.scan ins(%a, %a : tensor<2x16x8xf32>, tensor<2x16x8xf32>) outs(%h_init, %last_init : tensor<2x16x8xf32>, tensor<2x16x8xf32>)
  return
}

// -----

func.func @scan_final_state_feature(%a: tensor<2x16x8xf32>, %h_init: tensor<2x16x8xf32>, %last_init: tensor<2x16xf32>) {
  // expected-error @+1 {{'state' has D0 = 16 (dimension 1 of [B, D0]), but 'a' has D0 = 8}}
  %h, %last = recur.scan ins(%a, %a : tensor<2x16x8xf32>, tensor<2x16x8xf32>) outs(%h_init, %last_init : tensor<2x16x8xf32>, tensor<2x16xf32>)
  return
}

// -----

func.func @scan_initial_state_batch(%a: tensor<2x16x8xf32>, %h0: tensor<1x8xf32>, %h_init: tensor<2x16x8xf32>) {
  // expected-error @+1 {{'state' has B = 1 (dimension 0 of [B, D0]), but 'a' has B = 2}}
  %h, %last = recur.scan ins(%a, %a : tensor<2x16x8xf32>, tensor<2x16x8xf32>) outs(%h_init, %h0 : tensor<2x16x8xf32>, tensor<1x8xf32>)
  return
}

// -----

func.func @scan_initial_state_unranked(%a: tensor<2x16x8xf32>, %h0: tensor<*xf32>, %h_init: tensor<2x16x8xf32>) {
  // expected-error @+1 {{'state' must be a ranked tensor [B, D0], but has type 'tensor<*xf32>'}}
  %h, %last = recur.scan ins(%a, %a : tensor<2x16x8xf32>, tensor<2x16x8xf32>) outs(%h_init, %h0 : tensor<2x16x8xf32>, tensor<*xf32>)
  return
}

// -----

func.func @scan_dynamic_dims_still_bind(%a: tensor<?x16x8xf32>, %b: tensor<2x?x8xf32>, %h0: tensor<3x?xf32>, %h_init: tensor<?x?x8xf32>) {
  // expected-error @+1 {{'state' has B = 3 (dimension 0 of [B, D0]), but 'b' has B = 2}}
  %h, %last = recur.scan ins(%a, %b : tensor<?x16x8xf32>, tensor<2x?x8xf32>) outs(%h_init, %h0 : tensor<?x?x8xf32>, tensor<3x?xf32>)
  return
}

// -----

func.func @scan_b_element_type(%a: tensor<2x16x8xf32>, %b: tensor<2x16x8xf16>, %h_init: tensor<2x16x8xf16>, %last_init: tensor<2x8xf32>) {
  // expected-error @+1 {{'b' has element type 'f16', but 'a' has 'f32'; they must match}}
  %h, %last = recur.scan ins(%a, %b : tensor<2x16x8xf32>, tensor<2x16x8xf16>) outs(%h_init, %last_init : tensor<2x16x8xf16>, tensor<2x8xf32>)
  return
}

// -----

func.func @scan_h_element_type(%a: tensor<2x16x8xbf16>, %h_init: tensor<2x16x8xf32>, %last_init: tensor<2x8xf32>) {
  // expected-error @+1 {{'h_init' has element type 'f32', but 'b' has 'bf16'; they must match}}
  %h, %last = recur.scan ins(%a, %a : tensor<2x16x8xbf16>, tensor<2x16x8xbf16>) outs(%h_init, %last_init : tensor<2x16x8xf32>, tensor<2x8xf32>)
  return
}

// -----

func.func @scan_integer_operand(%a: tensor<2x16x8xi32>, %h_init: tensor<2x16x8xf32>, %last_init: tensor<2x8xf32>) {
  // expected-error @+1 {{operand #0 must be tensor of 32-bit float or 16-bit float or bfloat16 type values, but got 'tensor<2x16x8xi32>'}}
  %h, %last = recur.scan ins(%a, %a : tensor<2x16x8xi32>, tensor<2x16x8xi32>) outs(%h_init, %last_init : tensor<2x16x8xf32>, tensor<2x8xf32>)
  return
}

// -----

func.func @scan_initial_state_not_f32(%a: tensor<2x16x8xf16>, %h0: tensor<2x8xf16>, %h_init: tensor<2x16x8xf16>) {
  // expected-error @+1 {{operand #3 must be tensor of 32-bit float values, but got 'tensor<2x8xf16>'}}
  %h, %last = recur.scan ins(%a, %a : tensor<2x16x8xf16>, tensor<2x16x8xf16>) outs(%h_init, %h0 : tensor<2x16x8xf16>, tensor<2x8xf16>)
  return
}

// -----

func.func @scan_final_state_not_f32(%a: tensor<2x16x8xbf16>, %h_init: tensor<2x16x8xbf16>, %last_init: tensor<2x8xbf16>) {
  // expected-error @+1 {{operand #3 must be tensor of 32-bit float values, but got 'tensor<2x8xbf16>'}}
  %h, %last = recur.scan ins(%a, %a : tensor<2x16x8xbf16>, tensor<2x16x8xbf16>) outs(%h_init, %last_init : tensor<2x16x8xbf16>, tensor<2x8xbf16>)
  return
}

// -----

func.func @scan_missing_operand(%a: tensor<2x16x8xf32>, %h_init: tensor<2x16x8xf32>, %last_init: tensor<2x8xf32>) {
  // expected-error @+1 {{expected ','}}
  %h, %last = recur.scan ins(%a : tensor<2x16x8xf32>) outs(%h_init, %last_init : tensor<2x16x8xf32>, tensor<2x8xf32>)
  return
}

//===----------------------------------------------------------------------===//
// recur.selective_scan
//===----------------------------------------------------------------------===//

// -----

func.func @selective_scan_u_rank(%u: tensor<2x16x8x1xf32>, %delta: tensor<2x16x8xf32>, %A: tensor<8x4xf32>, %Bm: tensor<2x16x1x4xf32>, %y_init: tensor<2x16x8xf32>, %h_init: tensor<2x8x4xf32>) {
  // expected-error @+1 {{'u' must have rank 3 [B, T, D], but has type 'tensor<2x16x8x1xf32>'}}
  %y, %h = recur.selective_scan ins(%u, %delta, %A, %Bm, %Bm : tensor<2x16x8x1xf32>, tensor<2x16x8xf32>, tensor<8x4xf32>, tensor<2x16x1x4xf32>, tensor<2x16x1x4xf32>) outs(%y_init, %h_init : tensor<2x16x8xf32>, tensor<2x8x4xf32>)
  return
}

// -----

func.func @selective_scan_delta_time(%u: tensor<2x16x8xf32>, %delta: tensor<2x17x8xf32>, %A: tensor<8x4xf32>, %Bm: tensor<2x16x1x4xf32>, %y_init: tensor<2x16x8xf32>, %h_init: tensor<2x8x4xf32>) {
  // expected-error @+1 {{'delta' has T = 17 (dimension 1 of [B, T, D]), but 'u' has T = 16}}
  %y, %h = recur.selective_scan ins(%u, %delta, %A, %Bm, %Bm : tensor<2x16x8xf32>, tensor<2x17x8xf32>, tensor<8x4xf32>, tensor<2x16x1x4xf32>, tensor<2x16x1x4xf32>) outs(%y_init, %h_init : tensor<2x16x8xf32>, tensor<2x8x4xf32>)
  return
}

// -----

func.func @selective_scan_A_rank(%u: tensor<2x16x8xf32>, %A: tensor<8xf32>, %Bm: tensor<2x16x1x4xf32>, %y_init: tensor<2x16x8xf32>, %h_init: tensor<2x8x4xf32>) {
  // expected-error @+1 {{'A' must have rank 2 [D, N], but has type 'tensor<8xf32>'}}
  %y, %h = recur.selective_scan ins(%u, %u, %A, %Bm, %Bm : tensor<2x16x8xf32>, tensor<2x16x8xf32>, tensor<8xf32>, tensor<2x16x1x4xf32>, tensor<2x16x1x4xf32>) outs(%y_init, %h_init : tensor<2x16x8xf32>, tensor<2x8x4xf32>)
  return
}

// -----

func.func @selective_scan_A_channels(%u: tensor<2x16x8xf32>, %A: tensor<4x4xf32>, %Bm: tensor<2x16x1x4xf32>, %y_init: tensor<2x16x8xf32>, %h_init: tensor<2x8x4xf32>) {
  // expected-error @+1 {{'A' has D = 4 (dimension 0 of [D, N]), but 'u' has D = 8}}
  %y, %h = recur.selective_scan ins(%u, %u, %A, %Bm, %Bm : tensor<2x16x8xf32>, tensor<2x16x8xf32>, tensor<4x4xf32>, tensor<2x16x1x4xf32>, tensor<2x16x1x4xf32>) outs(%y_init, %h_init : tensor<2x16x8xf32>, tensor<2x8x4xf32>)
  return
}

// -----

func.func @selective_scan_Bm_batch(%u: tensor<2x16x8xf32>, %A: tensor<8x4xf32>, %Bm: tensor<1x16x1x4xf32>, %y_init: tensor<2x16x8xf32>, %h_init: tensor<2x8x4xf32>) {
  // expected-error @+1 {{'Bm' has B = 1 (dimension 0 of [B, T, G, N]), but 'u' has B = 2}}
  %y, %h = recur.selective_scan ins(%u, %u, %A, %Bm, %Bm : tensor<2x16x8xf32>, tensor<2x16x8xf32>, tensor<8x4xf32>, tensor<1x16x1x4xf32>, tensor<1x16x1x4xf32>) outs(%y_init, %h_init : tensor<2x16x8xf32>, tensor<2x8x4xf32>)
  return
}

// -----

func.func @selective_scan_Bm_state_dim(%u: tensor<2x16x8xf32>, %A: tensor<8x4xf32>, %Bm: tensor<2x16x1x5xf32>, %y_init: tensor<2x16x8xf32>, %h_init: tensor<2x8x4xf32>) {
  // expected-error @+1 {{'Bm' has N = 5 (dimension 3 of [B, T, G, N]), but 'A' has N = 4}}
  %y, %h = recur.selective_scan ins(%u, %u, %A, %Bm, %Bm : tensor<2x16x8xf32>, tensor<2x16x8xf32>, tensor<8x4xf32>, tensor<2x16x1x5xf32>, tensor<2x16x1x5xf32>) outs(%y_init, %h_init : tensor<2x16x8xf32>, tensor<2x8x4xf32>)
  return
}

// -----

func.func @selective_scan_Cm_groups(%u: tensor<2x16x8xf32>, %A: tensor<8x4xf32>, %Bm: tensor<2x16x2x4xf32>, %Cm: tensor<2x16x4x4xf32>, %y_init: tensor<2x16x8xf32>, %h_init: tensor<2x8x4xf32>) {
  // expected-error @+1 {{'Cm' has G = 4 (dimension 2 of [B, T, G, N]), but 'Bm' has G = 2}}
  %y, %h = recur.selective_scan ins(%u, %u, %A, %Bm, %Cm : tensor<2x16x8xf32>, tensor<2x16x8xf32>, tensor<8x4xf32>, tensor<2x16x2x4xf32>, tensor<2x16x4x4xf32>) outs(%y_init, %h_init : tensor<2x16x8xf32>, tensor<2x8x4xf32>)
  return
}

// -----

func.func @selective_scan_Cm_unranked(%u: tensor<2x16x8xf32>, %A: tensor<8x4xf32>, %Bm: tensor<2x16x1x4xf32>, %Cm: tensor<*xf32>, %y_init: tensor<2x16x8xf32>, %h_init: tensor<2x8x4xf32>) {
  // expected-error @+1 {{'Cm' must be a ranked tensor [B, T, G, N], but has type 'tensor<*xf32>'}}
  %y, %h = recur.selective_scan ins(%u, %u, %A, %Bm, %Cm : tensor<2x16x8xf32>, tensor<2x16x8xf32>, tensor<8x4xf32>, tensor<2x16x1x4xf32>, tensor<*xf32>) outs(%y_init, %h_init : tensor<2x16x8xf32>, tensor<2x8x4xf32>)
  return
}

// -----

func.func @selective_scan_y_channels(%u: tensor<2x16x8xf32>, %A: tensor<8x4xf32>, %Bm: tensor<2x16x1x4xf32>, %y_init: tensor<2x16x4xf32>, %h_init: tensor<2x8x4xf32>) {
  // expected-error @+1 {{'y_init' has D = 4 (dimension 2 of [B, T, D]), but 'u' has D = 8}}
  %y, %h = recur.selective_scan ins(%u, %u, %A, %Bm, %Bm : tensor<2x16x8xf32>, tensor<2x16x8xf32>, tensor<8x4xf32>, tensor<2x16x1x4xf32>, tensor<2x16x1x4xf32>) outs(%y_init, %h_init : tensor<2x16x4xf32>, tensor<2x8x4xf32>)
  return
}

// -----

func.func @selective_scan_final_state_state_dim(%u: tensor<2x16x8xf32>, %A: tensor<8x4xf32>, %Bm: tensor<2x16x1x4xf32>, %y_init: tensor<2x16x8xf32>, %h_init: tensor<2x8x8xf32>) {
  // expected-error @+1 {{'state' has N = 8 (dimension 2 of [B, D, N]), but 'A' has N = 4}}
  %y, %h = recur.selective_scan ins(%u, %u, %A, %Bm, %Bm : tensor<2x16x8xf32>, tensor<2x16x8xf32>, tensor<8x4xf32>, tensor<2x16x1x4xf32>, tensor<2x16x1x4xf32>) outs(%y_init, %h_init : tensor<2x16x8xf32>, tensor<2x8x8xf32>)
  return
}

// -----

func.func @selective_scan_skip_shape(%u: tensor<2x16x8xf32>, %A: tensor<8x4xf32>, %Bm: tensor<2x16x1x4xf32>, %D: tensor<4xf32>, %y_init: tensor<2x16x8xf32>, %h_init: tensor<2x8x4xf32>) {
  // expected-error @+1 {{'D' has D = 4 (dimension 0 of [D]), but 'u' has D = 8}}
  %y, %h = recur.selective_scan ins(%u, %u, %A, %Bm, %Bm : tensor<2x16x8xf32>, tensor<2x16x8xf32>, tensor<8x4xf32>, tensor<2x16x1x4xf32>, tensor<2x16x1x4xf32>) skip(%D : tensor<4xf32>) outs(%y_init, %h_init : tensor<2x16x8xf32>, tensor<2x8x4xf32>)
  return
}

// -----

func.func @selective_scan_gate_shape(%u: tensor<2x16x8xf32>, %A: tensor<8x4xf32>, %Bm: tensor<2x16x1x4xf32>, %z: tensor<2x8x8xf32>, %y_init: tensor<2x16x8xf32>, %h_init: tensor<2x8x4xf32>) {
  // expected-error @+1 {{'z' has T = 8 (dimension 1 of [B, T, D]), but 'u' has T = 16}}
  %y, %h = recur.selective_scan ins(%u, %u, %A, %Bm, %Bm : tensor<2x16x8xf32>, tensor<2x16x8xf32>, tensor<8x4xf32>, tensor<2x16x1x4xf32>, tensor<2x16x1x4xf32>) gate(%z : tensor<2x8x8xf32>) outs(%y_init, %h_init : tensor<2x16x8xf32>, tensor<2x8x4xf32>)
  return
}

// -----

func.func @selective_scan_delta_bias_rank(%u: tensor<2x16x8xf32>, %A: tensor<8x4xf32>, %Bm: tensor<2x16x1x4xf32>, %db: tensor<1x8xf32>, %y_init: tensor<2x16x8xf32>, %h_init: tensor<2x8x4xf32>) {
  // expected-error @+1 {{'delta_bias' must have rank 1 [D], but has type 'tensor<1x8xf32>'}}
  %y, %h = recur.selective_scan ins(%u, %u, %A, %Bm, %Bm : tensor<2x16x8xf32>, tensor<2x16x8xf32>, tensor<8x4xf32>, tensor<2x16x1x4xf32>, tensor<2x16x1x4xf32>) delta_bias(%db : tensor<1x8xf32>) outs(%y_init, %h_init : tensor<2x16x8xf32>, tensor<2x8x4xf32>)
  return
}

// -----

func.func @selective_scan_initial_state_shape(%u: tensor<2x16x8xf32>, %A: tensor<8x4xf32>, %Bm: tensor<2x16x1x4xf32>, %h0: tensor<2x4x8xf32>, %y_init: tensor<2x16x8xf32>) {
  // expected-error @+1 {{'state' has D = 4 (dimension 1 of [B, D, N]), but 'u' has D = 8}}
  %y, %h = recur.selective_scan ins(%u, %u, %A, %Bm, %Bm : tensor<2x16x8xf32>, tensor<2x16x8xf32>, tensor<8x4xf32>, tensor<2x16x1x4xf32>, tensor<2x16x1x4xf32>) outs(%y_init, %h0 : tensor<2x16x8xf32>, tensor<2x4x8xf32>)
  return
}

// -----

func.func @selective_scan_zero_groups(%u: tensor<2x16x8xf32>, %A: tensor<8x4xf32>, %Bm: tensor<2x16x0x4xf32>, %y_init: tensor<2x16x8xf32>, %h_init: tensor<2x8x4xf32>) {
  // expected-error @+1 {{'Bm' and 'Cm' must have at least one group}}
  %y, %h = recur.selective_scan ins(%u, %u, %A, %Bm, %Bm : tensor<2x16x8xf32>, tensor<2x16x8xf32>, tensor<8x4xf32>, tensor<2x16x0x4xf32>, tensor<2x16x0x4xf32>) outs(%y_init, %h_init : tensor<2x16x8xf32>, tensor<2x8x4xf32>)
  return
}

// -----

func.func @selective_scan_zero_groups_dynamic_channels(%u: tensor<2x16x?xf32>, %A: tensor<?x4xf32>, %Bm: tensor<2x16x0x4xf32>, %y_init: tensor<2x16x?xf32>, %h_init: tensor<2x?x4xf32>) {
  // expected-error @+1 {{'Bm' and 'Cm' must have at least one group}}
  %y, %h = recur.selective_scan ins(%u, %u, %A, %Bm, %Bm : tensor<2x16x?xf32>, tensor<2x16x?xf32>, tensor<?x4xf32>, tensor<2x16x0x4xf32>, tensor<2x16x0x4xf32>) outs(%y_init, %h_init : tensor<2x16x?xf32>, tensor<2x?x4xf32>)
  return
}

// -----

func.func @selective_scan_groups_do_not_divide_channels(%u: tensor<2x16x8xf32>, %A: tensor<8x4xf32>, %Bm: tensor<2x16x3x4xf32>, %y_init: tensor<2x16x8xf32>, %h_init: tensor<2x8x4xf32>) {
  // expected-error @+1 {{channels D = 8 must be divisible by the groups G = 3 of 'Bm' and 'Cm'}}
  %y, %h = recur.selective_scan ins(%u, %u, %A, %Bm, %Bm : tensor<2x16x8xf32>, tensor<2x16x8xf32>, tensor<8x4xf32>, tensor<2x16x3x4xf32>, tensor<2x16x3x4xf32>) outs(%y_init, %h_init : tensor<2x16x8xf32>, tensor<2x8x4xf32>)
  return
}

// -----

// D is only known from the state and G only from Cm: the check still applies.
func.func @selective_scan_groups_do_not_divide_channels_late_binding(%u: tensor<2x16x?xf32>, %A: tensor<?x4xf32>, %Bm: tensor<2x16x?x4xf32>, %Cm: tensor<2x16x4x4xf32>, %y_init: tensor<2x16x?xf32>, %h_init: tensor<2x6x4xf32>) {
  // expected-error @+1 {{channels D = 6 must be divisible by the groups G = 4 of 'Bm' and 'Cm'}}
  %y, %h = recur.selective_scan ins(%u, %u, %A, %Bm, %Cm : tensor<2x16x?xf32>, tensor<2x16x?xf32>, tensor<?x4xf32>, tensor<2x16x?x4xf32>, tensor<2x16x4x4xf32>) outs(%y_init, %h_init : tensor<2x16x?xf32>, tensor<2x6x4xf32>)
  return
}

// -----

func.func @selective_scan_delta_element_type(%u: tensor<2x16x8xbf16>, %delta: tensor<2x16x8xf32>, %A: tensor<8x4xf32>, %Bm: tensor<2x16x1x4xf32>, %y_init: tensor<2x16x8xbf16>, %h_init: tensor<2x8x4xf32>) {
  // expected-error @+1 {{'delta' has element type 'f32', but 'u' has 'bf16'; they must match}}
  %y, %h = recur.selective_scan ins(%u, %delta, %A, %Bm, %Bm : tensor<2x16x8xbf16>, tensor<2x16x8xf32>, tensor<8x4xf32>, tensor<2x16x1x4xf32>, tensor<2x16x1x4xf32>) outs(%y_init, %h_init : tensor<2x16x8xbf16>, tensor<2x8x4xf32>)
  return
}

// -----

func.func @selective_scan_y_element_type(%u: tensor<2x16x8xf16>, %A: tensor<8x4xf32>, %Bm: tensor<2x16x1x4xf32>, %y_init: tensor<2x16x8xf32>, %h_init: tensor<2x8x4xf32>) {
  // expected-error @+1 {{'y_init' has element type 'f32', but 'u' has 'f16'; they must match}}
  %y, %h = recur.selective_scan ins(%u, %u, %A, %Bm, %Bm : tensor<2x16x8xf16>, tensor<2x16x8xf16>, tensor<8x4xf32>, tensor<2x16x1x4xf32>, tensor<2x16x1x4xf32>) outs(%y_init, %h_init : tensor<2x16x8xf32>, tensor<2x8x4xf32>)
  return
}

// -----

func.func @selective_scan_gate_element_type(%u: tensor<2x16x8xf32>, %A: tensor<8x4xf32>, %Bm: tensor<2x16x1x4xf32>, %z: tensor<2x16x8xbf16>, %y_init: tensor<2x16x8xf32>, %h_init: tensor<2x8x4xf32>) {
  // expected-error @+1 {{'z' has element type 'bf16', but 'u' has 'f32'; they must match}}
  %y, %h = recur.selective_scan ins(%u, %u, %A, %Bm, %Bm : tensor<2x16x8xf32>, tensor<2x16x8xf32>, tensor<8x4xf32>, tensor<2x16x1x4xf32>, tensor<2x16x1x4xf32>) gate(%z : tensor<2x16x8xbf16>) outs(%y_init, %h_init : tensor<2x16x8xf32>, tensor<2x8x4xf32>)
  return
}

// -----

func.func @selective_scan_integer_A(%u: tensor<2x16x8xf32>, %A: tensor<8x4xi32>, %Bm: tensor<2x16x1x4xf32>, %y_init: tensor<2x16x8xf32>, %h_init: tensor<2x8x4xf32>) {
  // expected-error @+1 {{operand #2 must be tensor of 32-bit float or 16-bit float or bfloat16 type values, but got 'tensor<8x4xi32>'}}
  %y, %h = recur.selective_scan ins(%u, %u, %A, %Bm, %Bm : tensor<2x16x8xf32>, tensor<2x16x8xf32>, tensor<8x4xi32>, tensor<2x16x1x4xf32>, tensor<2x16x1x4xf32>) outs(%y_init, %h_init : tensor<2x16x8xf32>, tensor<2x8x4xf32>)
  return
}

// -----

func.func @selective_scan_initial_state_not_f32(%u: tensor<2x16x8xbf16>, %A: tensor<8x4xf32>, %Bm: tensor<2x16x1x4xbf16>, %h0: tensor<2x8x4xbf16>, %y_init: tensor<2x16x8xbf16>) {
  // expected-error @+1 {{operand #6 must be tensor of 32-bit float values, but got 'tensor<2x8x4xbf16>'}}
  %y, %h = recur.selective_scan ins(%u, %u, %A, %Bm, %Bm : tensor<2x16x8xbf16>, tensor<2x16x8xbf16>, tensor<8x4xf32>, tensor<2x16x1x4xbf16>, tensor<2x16x1x4xbf16>) outs(%y_init, %h0 : tensor<2x16x8xbf16>, tensor<2x8x4xbf16>)
  return
}

//===----------------------------------------------------------------------===//
// recur.linear_attention
//===----------------------------------------------------------------------===//

// -----

func.func @linear_attention_q_rank(%q: tensor<2x16x4xf32>, %k: tensor<2x16x4x8xf32>, %o_init: tensor<2x16x4x8xf32>, %s_init: tensor<2x4x8x8xf32>) {
  // expected-error @+1 {{'q' must have rank 4 [B, T, H, K], but has type 'tensor<2x16x4xf32>'}}
  %o, %s = recur.linear_attention ins(%q, %k, %k : tensor<2x16x4xf32>, tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>) outs(%o_init, %s_init : tensor<2x16x4x8xf32>, tensor<2x4x8x8xf32>)
  return
}

// -----

func.func @linear_attention_k_key_dim(%q: tensor<2x16x4x8xf32>, %k: tensor<2x16x4x16xf32>, %o_init: tensor<2x16x4x8xf32>, %s_init: tensor<2x4x8x8xf32>) {
  // expected-error @+1 {{'k' has K = 16 (dimension 3 of [B, T, H, K]), but 'q' has K = 8}}
  %o, %s = recur.linear_attention ins(%q, %k, %q : tensor<2x16x4x8xf32>, tensor<2x16x4x16xf32>, tensor<2x16x4x8xf32>) outs(%o_init, %s_init : tensor<2x16x4x8xf32>, tensor<2x4x8x8xf32>)
  return
}

// -----

func.func @linear_attention_v_heads(%q: tensor<2x16x4x8xf32>, %v: tensor<2x16x2x8xf32>, %o_init: tensor<2x16x4x8xf32>, %s_init: tensor<2x4x8x8xf32>) {
  // expected-error @+1 {{'v' has H = 2 (dimension 2 of [B, T, H, V]), but 'q' has H = 4}}
  %o, %s = recur.linear_attention ins(%q, %q, %v : tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>, tensor<2x16x2x8xf32>) outs(%o_init, %s_init : tensor<2x16x4x8xf32>, tensor<2x4x8x8xf32>)
  return
}

// -----

func.func @linear_attention_v_unranked(%q: tensor<2x16x4x8xf32>, %v: tensor<*xf32>, %o_init: tensor<2x16x4x8xf32>, %s_init: tensor<2x4x8x8xf32>) {
  // expected-error @+1 {{'v' must be a ranked tensor [B, T, H, V], but has type 'tensor<*xf32>'}}
  %o, %s = recur.linear_attention ins(%q, %q, %v : tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>, tensor<*xf32>) outs(%o_init, %s_init : tensor<2x16x4x8xf32>, tensor<2x4x8x8xf32>)
  return
}

// -----

func.func @linear_attention_o_value_dim(%q: tensor<2x16x4x8xf32>, %v: tensor<2x16x4x16xf32>, %o_init: tensor<2x16x4x8xf32>, %s_init: tensor<2x4x8x16xf32>) {
  // expected-error @+1 {{'o_init' has V = 8 (dimension 3 of [B, T, H, V]), but 'v' has V = 16}}
  %o, %s = recur.linear_attention ins(%q, %q, %v : tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>, tensor<2x16x4x16xf32>) outs(%o_init, %s_init : tensor<2x16x4x8xf32>, tensor<2x4x8x16xf32>)
  return
}

// -----

func.func @linear_attention_final_state_transposed(%q: tensor<2x16x4x8xf32>, %v: tensor<2x16x4x16xf32>, %o_init: tensor<2x16x4x16xf32>, %s_init: tensor<2x4x16x8xf32>) {
  // expected-error @+1 {{'state' has K = 16 (dimension 2 of [B, H, K, V]), but 'q' has K = 8}}
  %o, %s = recur.linear_attention ins(%q, %q, %v : tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>, tensor<2x16x4x16xf32>) outs(%o_init, %s_init : tensor<2x16x4x16xf32>, tensor<2x4x16x8xf32>)
  return
}

// -----

func.func @linear_attention_gate_none_with_operand(%q: tensor<2x16x4x8xf32>, %g: tensor<4xf32>, %o_init: tensor<2x16x4x8xf32>, %s_init: tensor<2x4x8x8xf32>) {
  // expected-error @+1 {{gate kind 'none' takes no gate operand}}
  %o, %s = recur.linear_attention ins(%q, %q, %q : tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>) gate none(%g : tensor<4xf32>) outs(%o_init, %s_init : tensor<2x16x4x8xf32>, tensor<2x4x8x8xf32>)
  return
}

// -----

func.func @linear_attention_gate_head_without_operand(%q: tensor<2x16x4x8xf32>, %o_init: tensor<2x16x4x8xf32>, %s_init: tensor<2x4x8x8xf32>) {
  // expected-error @+1 {{gate kind 'head' needs a gate operand 'g'}}
  %o, %s = recur.linear_attention ins(%q, %q, %q : tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>) outs(%o_init, %s_init : tensor<2x16x4x8xf32>, tensor<2x4x8x8xf32>) {gate_kind = #recur<gate_kind head>}
  return
}

// -----

func.func @linear_attention_gate_key_without_operand_generic(%q: tensor<2x16x4x8xf32>, %s: tensor<2x4x8x8xf32>) {
  // expected-error @+1 {{gate kind 'key' needs a gate operand 'g'}}
  %o:2 = "recur.linear_attention"(%q, %q, %q, %q, %s) <{gate_kind = #recur<gate_kind key>, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 1, 1>}> : (tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>, tensor<2x4x8x8xf32>) -> (tensor<2x16x4x8xf32>, tensor<2x4x8x8xf32>)
  return
}

// -----

func.func @linear_attention_gate_unknown_kind(%q: tensor<2x16x4x8xf32>, %g: tensor<4xf32>, %o_init: tensor<2x16x4x8xf32>, %s_init: tensor<2x4x8x8xf32>) {
  // expected-error @+2 {{expected ::mlir::recur::GateKind to be one of: none, head, scalar, key}}
  // expected-error @+1 {{failed to parse Recur_GateKindAttr parameter 'value' which is to be a `::mlir::recur::GateKind`}}
  %o, %s = recur.linear_attention ins(%q, %q, %q : tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>) gate channel(%g : tensor<4xf32>) outs(%o_init, %s_init : tensor<2x16x4x8xf32>, tensor<2x4x8x8xf32>)
  return
}

// -----

func.func @linear_attention_gate_head_rank(%q: tensor<2x16x4x8xf32>, %g: tensor<2x16x4xf32>, %o_init: tensor<2x16x4x8xf32>, %s_init: tensor<2x4x8x8xf32>) {
  // expected-error @+1 {{'g' must have rank 1 [H], but has type 'tensor<2x16x4xf32>'}}
  %o, %s = recur.linear_attention ins(%q, %q, %q : tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>) gate head(%g : tensor<2x16x4xf32>) outs(%o_init, %s_init : tensor<2x16x4x8xf32>, tensor<2x4x8x8xf32>)
  return
}

// -----

func.func @linear_attention_gate_head_heads(%q: tensor<2x16x4x8xf32>, %g: tensor<8xf32>, %o_init: tensor<2x16x4x8xf32>, %s_init: tensor<2x4x8x8xf32>) {
  // expected-error @+1 {{'g' has H = 8 (dimension 0 of [H]), but 'q' has H = 4}}
  %o, %s = recur.linear_attention ins(%q, %q, %q : tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>) gate head(%g : tensor<8xf32>) outs(%o_init, %s_init : tensor<2x16x4x8xf32>, tensor<2x4x8x8xf32>)
  return
}

// -----

func.func @linear_attention_gate_scalar_rank(%q: tensor<2x16x4x8xf32>, %g: tensor<2x16x4x8xf32>, %o_init: tensor<2x16x4x8xf32>, %s_init: tensor<2x4x8x8xf32>) {
  // expected-error @+1 {{'g' must have rank 3 [B, T, H], but has type 'tensor<2x16x4x8xf32>'}}
  %o, %s = recur.linear_attention ins(%q, %q, %q : tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>) gate scalar(%g : tensor<2x16x4x8xf32>) outs(%o_init, %s_init : tensor<2x16x4x8xf32>, tensor<2x4x8x8xf32>)
  return
}

// -----

func.func @linear_attention_gate_scalar_time(%q: tensor<2x16x4x8xf32>, %g: tensor<2x1x4xf32>, %o_init: tensor<2x16x4x8xf32>, %s_init: tensor<2x4x8x8xf32>) {
  // expected-error @+1 {{'g' has T = 1 (dimension 1 of [B, T, H]), but 'q' has T = 16}}
  %o, %s = recur.linear_attention ins(%q, %q, %q : tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>) gate scalar(%g : tensor<2x1x4xf32>) outs(%o_init, %s_init : tensor<2x16x4x8xf32>, tensor<2x4x8x8xf32>)
  return
}

// -----

func.func @linear_attention_gate_key_rank(%q: tensor<2x16x4x8xf32>, %g: tensor<2x16x4xf32>, %o_init: tensor<2x16x4x8xf32>, %s_init: tensor<2x4x8x8xf32>) {
  // expected-error @+1 {{'g' must have rank 4 [B, T, H, K], but has type 'tensor<2x16x4xf32>'}}
  %o, %s = recur.linear_attention ins(%q, %q, %q : tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>) gate key(%g : tensor<2x16x4xf32>) outs(%o_init, %s_init : tensor<2x16x4x8xf32>, tensor<2x4x8x8xf32>)
  return
}

// -----

// A key gate has one entry per key row, not per value column.
func.func @linear_attention_gate_key_value_dim(%q: tensor<2x16x4x8xf32>, %v: tensor<2x16x4x16xf32>, %g: tensor<2x16x4x16xf32>, %o_init: tensor<2x16x4x16xf32>, %s_init: tensor<2x4x8x16xf32>) {
  // expected-error @+1 {{'g' has K = 16 (dimension 3 of [B, T, H, K]), but 'q' has K = 8}}
  %o, %s = recur.linear_attention ins(%q, %q, %v : tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>, tensor<2x16x4x16xf32>) gate key(%g : tensor<2x16x4x16xf32>) outs(%o_init, %s_init : tensor<2x16x4x16xf32>, tensor<2x4x8x16xf32>)
  return
}

// -----

func.func @linear_attention_beta_rank(%q: tensor<2x16x4x8xf32>, %beta: tensor<2x16x4x8xf32>, %o_init: tensor<2x16x4x8xf32>, %s_init: tensor<2x4x8x8xf32>) {
  // expected-error @+1 {{'beta' must have rank 3 [B, T, H], but has type 'tensor<2x16x4x8xf32>'}}
  %o, %s = recur.linear_attention ins(%q, %q, %q : tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>) beta(%beta : tensor<2x16x4x8xf32>) outs(%o_init, %s_init : tensor<2x16x4x8xf32>, tensor<2x4x8x8xf32>)
  return
}

// -----

func.func @linear_attention_beta_heads(%q: tensor<2x16x4x8xf32>, %beta: tensor<2x16x1xf32>, %o_init: tensor<2x16x4x8xf32>, %s_init: tensor<2x4x8x8xf32>) {
  // expected-error @+1 {{'beta' has H = 1 (dimension 2 of [B, T, H]), but 'q' has H = 4}}
  %o, %s = recur.linear_attention ins(%q, %q, %q : tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>) beta(%beta : tensor<2x16x1xf32>) outs(%o_init, %s_init : tensor<2x16x4x8xf32>, tensor<2x4x8x8xf32>)
  return
}

// -----

func.func @linear_attention_bonus_heads(%q: tensor<2x16x4x8xf32>, %bonus: tensor<8x8xf32>, %o_init: tensor<2x16x4x8xf32>, %s_init: tensor<2x4x8x8xf32>) {
  // expected-error @+1 {{'bonus' has H = 8 (dimension 0 of [H, K]), but 'q' has H = 4}}
  %o, %s = recur.linear_attention ins(%q, %q, %q : tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>) bonus(%bonus : tensor<8x8xf32>) outs(%o_init, %s_init : tensor<2x16x4x8xf32>, tensor<2x4x8x8xf32>)
  return
}

// -----

func.func @linear_attention_bonus_key_dim(%q: tensor<2x16x4x8xf32>, %bonus: tensor<4x16xf32>, %o_init: tensor<2x16x4x8xf32>, %s_init: tensor<2x4x8x8xf32>) {
  // expected-error @+1 {{'bonus' has K = 16 (dimension 1 of [H, K]), but 'q' has K = 8}}
  %o, %s = recur.linear_attention ins(%q, %q, %q : tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>) bonus(%bonus : tensor<4x16xf32>) outs(%o_init, %s_init : tensor<2x16x4x8xf32>, tensor<2x4x8x8xf32>)
  return
}

// -----

func.func @linear_attention_initial_state_batch(%q: tensor<2x16x4x8xf32>, %h0: tensor<1x4x8x8xf32>, %o_init: tensor<2x16x4x8xf32>) {
  // expected-error @+1 {{'state' has B = 1 (dimension 0 of [B, H, K, V]), but 'q' has B = 2}}
  %o, %s = recur.linear_attention ins(%q, %q, %q : tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>) outs(%o_init, %h0 : tensor<2x16x4x8xf32>, tensor<1x4x8x8xf32>)
  return
}

// -----

func.func @linear_attention_bonus_with_beta(%q: tensor<2x16x4x8xf32>, %beta: tensor<2x16x4xf32>, %bonus: tensor<4x8xf32>, %o_init: tensor<2x16x4x8xf32>, %s_init: tensor<2x4x8x8xf32>) {
  // expected-error @+1 {{'bonus' (read before an additive update) cannot be combined with 'beta' (delta rule)}}
  %o, %s = recur.linear_attention ins(%q, %q, %q : tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>) beta(%beta : tensor<2x16x4xf32>) bonus(%bonus : tensor<4x8xf32>) outs(%o_init, %s_init : tensor<2x16x4x8xf32>, tensor<2x4x8x8xf32>)
  return
}

// -----

func.func @linear_attention_k_element_type(%q: tensor<2x16x4x8xbf16>, %k: tensor<2x16x4x8xf32>, %o_init: tensor<2x16x4x8xbf16>, %s_init: tensor<2x4x8x8xf32>) {
  // expected-error @+1 {{'k' has element type 'f32', but 'q' has 'bf16'; they must match}}
  %o, %s = recur.linear_attention ins(%q, %k, %q : tensor<2x16x4x8xbf16>, tensor<2x16x4x8xf32>, tensor<2x16x4x8xbf16>) outs(%o_init, %s_init : tensor<2x16x4x8xbf16>, tensor<2x4x8x8xf32>)
  return
}

// -----

func.func @linear_attention_v_element_type(%q: tensor<2x16x4x8xbf16>, %v: tensor<2x16x4x8xf16>, %o_init: tensor<2x16x4x8xf16>, %s_init: tensor<2x4x8x8xf32>) {
  // expected-error @+1 {{'v' has element type 'f16', but 'q' has 'bf16'; they must match}}
  %o, %s = recur.linear_attention ins(%q, %q, %v : tensor<2x16x4x8xbf16>, tensor<2x16x4x8xbf16>, tensor<2x16x4x8xf16>) outs(%o_init, %s_init : tensor<2x16x4x8xf16>, tensor<2x4x8x8xf32>)
  return
}

// -----

func.func @linear_attention_o_element_type(%q: tensor<2x16x4x8xbf16>, %o_init: tensor<2x16x4x8xf32>, %s_init: tensor<2x4x8x8xf32>) {
  // expected-error @+1 {{'o_init' has element type 'f32', but 'v' has 'bf16'; they must match}}
  %o, %s = recur.linear_attention ins(%q, %q, %q : tensor<2x16x4x8xbf16>, tensor<2x16x4x8xbf16>, tensor<2x16x4x8xbf16>) outs(%o_init, %s_init : tensor<2x16x4x8xf32>, tensor<2x4x8x8xf32>)
  return
}

// -----

func.func @linear_attention_dynamic_key_dim_without_scale(%q: tensor<2x16x4x?xf32>, %o_init: tensor<2x16x4x?xf32>, %s_init: tensor<2x4x?x?xf32>) {
  // expected-error @+1 {{a dynamic key dimension K needs an explicit 'scale'}}
  %o, %s = recur.linear_attention ins(%q, %q, %q : tensor<2x16x4x?xf32>, tensor<2x16x4x?xf32>, tensor<2x16x4x?xf32>) outs(%o_init, %s_init : tensor<2x16x4x?xf32>, tensor<2x4x?x?xf32>)
  return
}

// -----

func.func @linear_attention_zero_key_dim_without_scale(%q: tensor<2x16x4x0xf32>, %v: tensor<2x16x4x8xf32>, %o_init: tensor<2x16x4x8xf32>, %s_init: tensor<2x4x0x8xf32>) {
  // expected-error @+1 {{a key dimension K = 0 needs an explicit 'scale' (the default K^-0.5 is infinite)}}
  %o, %s = recur.linear_attention ins(%q, %q, %v : tensor<2x16x4x0xf32>, tensor<2x16x4x0xf32>, tensor<2x16x4x8xf32>) outs(%o_init, %s_init : tensor<2x16x4x8xf32>, tensor<2x4x0x8xf32>)
  return
}

// -----

func.func @linear_attention_zero_scale(%q: tensor<2x16x4x8xf32>, %o_init: tensor<2x16x4x8xf32>, %s_init: tensor<2x4x8x8xf32>) {
  // expected-error @+1 {{'scale' must be finite and positive, got 0.000000e+00}}
  %o, %s = recur.linear_attention ins(%q, %q, %q : tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>) outs(%o_init, %s_init : tensor<2x16x4x8xf32>, tensor<2x4x8x8xf32>) {scale = 0.0 : f32}
  return
}

// -----

func.func @linear_attention_negative_scale(%q: tensor<2x16x4x8xf32>, %o_init: tensor<2x16x4x8xf32>, %s_init: tensor<2x4x8x8xf32>) {
  // expected-error @+1 {{'scale' must be finite and positive, got -5.000000e-01}}
  %o, %s = recur.linear_attention ins(%q, %q, %q : tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>) outs(%o_init, %s_init : tensor<2x16x4x8xf32>, tensor<2x4x8x8xf32>) {scale = -0.5 : f32}
  return
}

// -----

func.func @linear_attention_nan_scale(%q: tensor<2x16x4x8xf32>, %o_init: tensor<2x16x4x8xf32>, %s_init: tensor<2x4x8x8xf32>) {
  // expected-error @+1 {{'scale' must be finite and positive, got nan}}
  %o, %s = recur.linear_attention ins(%q, %q, %q : tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>) outs(%o_init, %s_init : tensor<2x16x4x8xf32>, tensor<2x4x8x8xf32>) {scale = 0x7FC00000 : f32}
  return
}

// -----

func.func @linear_attention_infinite_scale(%q: tensor<2x16x4x8xf32>, %o_init: tensor<2x16x4x8xf32>, %s_init: tensor<2x4x8x8xf32>) {
  // expected-error @+1 {{'scale' must be finite and positive, got INF}}
  %o, %s = recur.linear_attention ins(%q, %q, %q : tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>) outs(%o_init, %s_init : tensor<2x16x4x8xf32>, tensor<2x4x8x8xf32>) {scale = 0x7F800000 : f32}
  return
}

// -----

func.func @linear_attention_scale_not_f32(%q: tensor<2x16x4x8xf32>, %o_init: tensor<2x16x4x8xf32>, %s_init: tensor<2x4x8x8xf32>) {
  // expected-error @+1 {{attribute 'scale' failed to satisfy constraint: 32-bit float attribute}}
  %o, %s = recur.linear_attention ins(%q, %q, %q : tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>, tensor<2x16x4x8xf32>) outs(%o_init, %s_init : tensor<2x16x4x8xf32>, tensor<2x4x8x8xf32>) {scale = 0.5 : f64}
  return
}

// -----

func.func @linear_attention_final_state_not_f32(%q: tensor<2x16x4x8xbf16>, %o_init: tensor<2x16x4x8xbf16>, %s_init: tensor<2x4x8x8xbf16>) {
  // expected-error @+1 {{operand #4 must be tensor of 32-bit float values, but got 'tensor<2x4x8x8xbf16>'}}
  %o, %s = recur.linear_attention ins(%q, %q, %q : tensor<2x16x4x8xbf16>, tensor<2x16x4x8xbf16>, tensor<2x16x4x8xbf16>) outs(%o_init, %s_init : tensor<2x16x4x8xbf16>, tensor<2x4x8x8xbf16>)
  return
}

//===----------------------------------------------------------------------===//
// recur.attention
//===----------------------------------------------------------------------===//

// -----

func.func @attention_q_rank(%q: tensor<1x8x4x16x1xf32>, %k: tensor<1x8x4x16xf32>, %o_init: tensor<1x8x4x16xf32>) {
  // expected-error @+1 {{'q' must have rank 4 [B, T, H, D], but has type 'tensor<1x8x4x16x1xf32>'}}
  %o = recur.attention ins(%q, %k, %k : tensor<1x8x4x16x1xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>) outs(%o_init : tensor<1x8x4x16xf32>)
  return
}

// -----

func.func @attention_k_unranked(%q: tensor<1x8x4x16xf32>, %k: tensor<*xf32>, %o_init: tensor<1x8x4x16xf32>) {
  // expected-error @+1 {{'k' must be a ranked tensor [B, S, Hkv, D], but has type 'tensor<*xf32>'}}
  %o = recur.attention ins(%q, %k, %q : tensor<1x8x4x16xf32>, tensor<*xf32>, tensor<1x8x4x16xf32>) outs(%o_init : tensor<1x8x4x16xf32>)
  return
}

// -----

func.func @attention_k_batch(%q: tensor<1x8x4x16xf32>, %k: tensor<2x8x4x16xf32>, %o_init: tensor<1x8x4x16xf32>) {
  // expected-error @+1 {{'k' has B = 2 (dimension 0 of [B, S, Hkv, D]), but 'q' has B = 1}}
  %o = recur.attention ins(%q, %k, %k : tensor<1x8x4x16xf32>, tensor<2x8x4x16xf32>, tensor<2x8x4x16xf32>) outs(%o_init : tensor<1x8x4x16xf32>)
  return
}

// -----

func.func @attention_k_head_dim(%q: tensor<1x8x4x16xf32>, %k: tensor<1x8x4x32xf32>, %o_init: tensor<1x8x4x32xf32>) {
  // expected-error @+1 {{'k' has D = 32 (dimension 3 of [B, S, Hkv, D]), but 'q' has D = 16}}
  %o = recur.attention ins(%q, %k, %k : tensor<1x8x4x16xf32>, tensor<1x8x4x32xf32>, tensor<1x8x4x32xf32>) outs(%o_init : tensor<1x8x4x32xf32>)
  return
}

// -----

func.func @attention_v_keys(%q: tensor<1x8x4x16xf32>, %k: tensor<1x12x4x16xf32>, %v: tensor<1x8x4x16xf32>, %o_init: tensor<1x8x4x16xf32>) {
  // expected-error @+1 {{'v' has S = 8 (dimension 1 of [B, S, Hkv, Dv]), but 'k' has S = 12}}
  %o = recur.attention ins(%q, %k, %v : tensor<1x8x4x16xf32>, tensor<1x12x4x16xf32>, tensor<1x8x4x16xf32>) outs(%o_init : tensor<1x8x4x16xf32>)
  return
}

// -----

func.func @attention_v_kv_heads(%q: tensor<1x8x4x16xf32>, %k: tensor<1x8x2x16xf32>, %v: tensor<1x8x1x16xf32>, %o_init: tensor<1x8x4x16xf32>) {
  // expected-error @+1 {{'v' has Hkv = 1 (dimension 2 of [B, S, Hkv, Dv]), but 'k' has Hkv = 2}}
  %o = recur.attention ins(%q, %k, %v : tensor<1x8x4x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x1x16xf32>) outs(%o_init : tensor<1x8x4x16xf32>)
  return
}

// -----

func.func @attention_o_queries(%q: tensor<1x8x4x16xf32>, %k: tensor<1x12x4x16xf32>, %o_init: tensor<1x12x4x16xf32>) {
  // expected-error @+1 {{'o_init' has T = 12 (dimension 1 of [B, T, H, Dv]), but 'q' has T = 8}}
  %o = recur.attention ins(%q, %k, %k : tensor<1x8x4x16xf32>, tensor<1x12x4x16xf32>, tensor<1x12x4x16xf32>) outs(%o_init : tensor<1x12x4x16xf32>)
  return
}

// -----

func.func @attention_o_value_dim(%q: tensor<1x8x4x16xf32>, %v: tensor<1x8x4x32xf32>, %o_init: tensor<1x8x4x16xf32>) {
  // expected-error @+1 {{'o_init' has Dv = 16 (dimension 3 of [B, T, H, Dv]), but 'v' has Dv = 32}}
  %o = recur.attention ins(%q, %q, %v : tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x32xf32>) outs(%o_init : tensor<1x8x4x16xf32>)
  return
}

// -----

func.func @attention_o_heads_are_query_heads(%q: tensor<1x8x4x16xf32>, %k: tensor<1x8x2x16xf32>, %o_init: tensor<1x8x2x16xf32>) {
  // expected-error @+1 {{'o_init' has H = 2 (dimension 2 of [B, T, H, Dv]), but 'q' has H = 4}}
  %o = recur.attention ins(%q, %k, %k : tensor<1x8x4x16xf32>, tensor<1x8x2x16xf32>, tensor<1x8x2x16xf32>) outs(%o_init : tensor<1x8x2x16xf32>)
  return
}

// -----

func.func @attention_zero_kv_heads(%q: tensor<1x8x4x16xf32>, %k: tensor<1x8x0x16xf32>, %o_init: tensor<1x8x4x16xf32>) {
  // expected-error @+1 {{'k' and 'v' must have at least one head}}
  %o = recur.attention ins(%q, %k, %k : tensor<1x8x4x16xf32>, tensor<1x8x0x16xf32>, tensor<1x8x0x16xf32>) outs(%o_init : tensor<1x8x4x16xf32>)
  return
}

// -----

func.func @attention_heads_not_multiple_of_kv_heads(%q: tensor<1x8x6x16xf32>, %k: tensor<1x8x4x16xf32>, %o_init: tensor<1x8x6x16xf32>) {
  // expected-error @+1 {{query heads H = 6 must be a multiple of the key/value heads Hkv = 4}}
  %o = recur.attention ins(%q, %k, %k : tensor<1x8x6x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>) outs(%o_init : tensor<1x8x6x16xf32>)
  return
}

// -----

// More key/value heads than query heads is not GQA either.
func.func @attention_more_kv_heads_than_heads(%q: tensor<1x8x2x16xf32>, %k: tensor<1x8x4x16xf32>, %o_init: tensor<1x8x2x16xf32>) {
  // expected-error @+1 {{query heads H = 2 must be a multiple of the key/value heads Hkv = 4}}
  %o = recur.attention ins(%q, %k, %k : tensor<1x8x2x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>) outs(%o_init : tensor<1x8x2x16xf32>) causal
  return
}

// -----

func.func @attention_negative_window(%q: tensor<1x8x4x16xf32>, %o_init: tensor<1x8x4x16xf32>) {
  // expected-error @+1 {{'window' must be >= 0 (0 = unlimited), got -1}}
  %o = recur.attention ins(%q, %q, %q : tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>) outs(%o_init : tensor<1x8x4x16xf32>) causal {window = -1 : i64}
  return
}

// -----

func.func @attention_huge_window(%q: tensor<1x8x4x16xf32>, %o_init: tensor<1x8x4x16xf32>) {
  // expected-error @+1 {{'window' must be at most 2^40, got 9223372036854775807}}
  %o = recur.attention ins(%q, %q, %q : tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>) outs(%o_init : tensor<1x8x4x16xf32>) causal {window = 9223372036854775807 : i64}
  return
}

// -----

func.func @attention_window_without_causal(%q: tensor<1x8x4x16xf32>, %o_init: tensor<1x8x4x16xf32>) {
  // expected-error @+1 {{a sliding window (window = 4) requires 'causal'}}
  %o = recur.attention ins(%q, %q, %q : tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>) outs(%o_init : tensor<1x8x4x16xf32>) {window = 4 : i64}
  return
}

// -----

func.func @attention_k_element_type(%q: tensor<1x8x4x16xf16>, %k: tensor<1x8x4x16xbf16>, %o_init: tensor<1x8x4x16xf16>) {
  // expected-error @+1 {{'k' has element type 'bf16', but 'q' has 'f16'; they must match}}
  %o = recur.attention ins(%q, %k, %q : tensor<1x8x4x16xf16>, tensor<1x8x4x16xbf16>, tensor<1x8x4x16xf16>) outs(%o_init : tensor<1x8x4x16xf16>)
  return
}

// -----

func.func @attention_v_element_type(%q: tensor<1x8x4x16xf16>, %v: tensor<1x8x4x16xf32>, %o_init: tensor<1x8x4x16xf16>) {
  // expected-error @+1 {{'v' has element type 'f32', but 'q' has 'f16'; they must match}}
  %o = recur.attention ins(%q, %q, %v : tensor<1x8x4x16xf16>, tensor<1x8x4x16xf16>, tensor<1x8x4x16xf32>) outs(%o_init : tensor<1x8x4x16xf16>)
  return
}

// -----

func.func @attention_o_element_type(%q: tensor<1x8x4x16xbf16>, %o_init: tensor<1x8x4x16xf32>) {
  // expected-error @+1 {{'o_init' has element type 'f32', but 'q' has 'bf16'; they must match}}
  %o = recur.attention ins(%q, %q, %q : tensor<1x8x4x16xbf16>, tensor<1x8x4x16xbf16>, tensor<1x8x4x16xbf16>) outs(%o_init : tensor<1x8x4x16xf32>)
  return
}

// -----

func.func @attention_dynamic_head_dim_without_scale(%q: tensor<1x8x4x?xf32>, %o_init: tensor<1x8x4x?xf32>) {
  // expected-error @+1 {{a dynamic head dimension D needs an explicit 'scale'}}
  %o = recur.attention ins(%q, %q, %q : tensor<1x8x4x?xf32>, tensor<1x8x4x?xf32>, tensor<1x8x4x?xf32>) outs(%o_init : tensor<1x8x4x?xf32>)
  return
}

// -----

func.func @attention_zero_head_dim_without_scale(%q: tensor<1x8x4x0xf32>, %v: tensor<1x8x4x16xf32>, %o_init: tensor<1x8x4x16xf32>) {
  // expected-error @+1 {{a head dimension D = 0 needs an explicit 'scale' (the default D^-0.5 is infinite)}}
  %o = recur.attention ins(%q, %q, %v : tensor<1x8x4x0xf32>, tensor<1x8x4x0xf32>, tensor<1x8x4x16xf32>) outs(%o_init : tensor<1x8x4x16xf32>)
  return
}

// -----

func.func @attention_zero_scale(%q: tensor<1x8x4x16xf32>, %o_init: tensor<1x8x4x16xf32>) {
  // expected-error @+1 {{'scale' must be finite and positive, got 0.000000e+00}}
  %o = recur.attention ins(%q, %q, %q : tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>) outs(%o_init : tensor<1x8x4x16xf32>) causal {scale = 0.0 : f32}
  return
}

// -----

func.func @attention_negative_infinite_scale(%q: tensor<1x8x4x16xf32>, %o_init: tensor<1x8x4x16xf32>) {
  // expected-error @+1 {{'scale' must be finite and positive, got -INF}}
  %o = recur.attention ins(%q, %q, %q : tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>) outs(%o_init : tensor<1x8x4x16xf32>) {scale = 0xFF800000 : f32}
  return
}

// -----

func.func @attention_integer_query(%q: tensor<1x8x4x16xi8>, %k: tensor<1x8x4x16xf32>, %o_init: tensor<1x8x4x16xf32>) {
  // expected-error @+1 {{operand #0 must be tensor of 32-bit float or 16-bit float or bfloat16 type values, but got 'tensor<1x8x4x16xi8>'}}
  %o = recur.attention ins(%q, %k, %k : tensor<1x8x4x16xi8>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>) outs(%o_init : tensor<1x8x4x16xf32>)
  return
}

// -----

func.func @attention_f64(%q: tensor<1x8x4x16xf64>, %o_init: tensor<1x8x4x16xf64>) {
  // expected-error @+1 {{operand #0 must be tensor of 32-bit float or 16-bit float or bfloat16 type values, but got 'tensor<1x8x4x16xf64>'}}
  %o = recur.attention ins(%q, %q, %q : tensor<1x8x4x16xf64>, tensor<1x8x4x16xf64>, tensor<1x8x4x16xf64>) outs(%o_init : tensor<1x8x4x16xf64>)
  return
}

//===----------------------------------------------------------------------===//
// recur.conv1d
//===----------------------------------------------------------------------===//

// -----

func.func @conv1d_x_rank(%x: tensor<16x8xf32>, %w: tensor<8x4xf32>, %y_init: tensor<1x16x8xf32>, %s_init: tensor<1x3x8xf32>) {
  // expected-error @+1 {{'x' must have rank 3 [B, T, C], but has type 'tensor<16x8xf32>'}}
  %y, %s = recur.conv1d ins(%x, %w : tensor<16x8xf32>, tensor<8x4xf32>) outs(%y_init, %s_init : tensor<1x16x8xf32>, tensor<1x3x8xf32>)
  return
}

// -----

func.func @conv1d_w_rank(%x: tensor<2x16x8xf32>, %w: tensor<8xf32>, %y_init: tensor<2x16x8xf32>, %s_init: tensor<2x0x8xf32>) {
  // expected-error @+1 {{'w' must have rank 2 [C, W], but has type 'tensor<8xf32>'}}
  %y, %s = recur.conv1d ins(%x, %w : tensor<2x16x8xf32>, tensor<8xf32>) outs(%y_init, %s_init : tensor<2x16x8xf32>, tensor<2x0x8xf32>)
  return
}

// -----

func.func @conv1d_w_channels(%x: tensor<2x16x8xf32>, %w: tensor<4x8xf32>, %y_init: tensor<2x16x8xf32>, %s_init: tensor<2x7x8xf32>) {
  // expected-error @+1 {{'w' has C = 4 (dimension 0 of [C, W]), but 'x' has C = 8}}
  %y, %s = recur.conv1d ins(%x, %w : tensor<2x16x8xf32>, tensor<4x8xf32>) outs(%y_init, %s_init : tensor<2x16x8xf32>, tensor<2x7x8xf32>)
  return
}

// -----

func.func @conv1d_y_time(%x: tensor<2x16x8xf32>, %w: tensor<8x4xf32>, %y_init: tensor<2x15x8xf32>, %s_init: tensor<2x3x8xf32>) {
  // expected-error @+1 {{'y_init' has T = 15 (dimension 1 of [B, T, C]), but 'x' has T = 16}}
  %y, %s = recur.conv1d ins(%x, %w : tensor<2x16x8xf32>, tensor<8x4xf32>) outs(%y_init, %s_init : tensor<2x15x8xf32>, tensor<2x3x8xf32>)
  return
}

// -----

func.func @conv1d_final_state_rank(%x: tensor<2x16x8xf32>, %w: tensor<8x4xf32>, %y_init: tensor<2x16x8xf32>, %s_init: tensor<2x3xf32>) {
  // expected-error @+1 {{'state' must have rank 3 [B, W - 1, C], but has type 'tensor<2x3xf32>'}}
  %y, %s = recur.conv1d ins(%x, %w : tensor<2x16x8xf32>, tensor<8x4xf32>) outs(%y_init, %s_init : tensor<2x16x8xf32>, tensor<2x3xf32>)
  return
}

// -----

func.func @conv1d_final_state_channels(%x: tensor<2x16x8xf32>, %w: tensor<8x4xf32>, %y_init: tensor<2x16x8xf32>, %s_init: tensor<2x8x3xf32>) {
  // expected-error @+1 {{'state' has C = 3 (dimension 2 of [B, W - 1, C]), but 'x' has C = 8}}
  %y, %s = recur.conv1d ins(%x, %w : tensor<2x16x8xf32>, tensor<8x4xf32>) outs(%y_init, %s_init : tensor<2x16x8xf32>, tensor<2x8x3xf32>)
  return
}

// -----

func.func @conv1d_bias_channels(%x: tensor<2x16x8xf32>, %w: tensor<8x4xf32>, %bias: tensor<4xf32>, %y_init: tensor<2x16x8xf32>, %s_init: tensor<2x3x8xf32>) {
  // expected-error @+1 {{'bias' has C = 4 (dimension 0 of [C]), but 'x' has C = 8}}
  %y, %s = recur.conv1d ins(%x, %w : tensor<2x16x8xf32>, tensor<8x4xf32>) bias(%bias : tensor<4xf32>) outs(%y_init, %s_init : tensor<2x16x8xf32>, tensor<2x3x8xf32>)
  return
}

// -----

func.func @conv1d_bias_unranked(%x: tensor<2x16x8xf32>, %w: tensor<8x4xf32>, %bias: tensor<*xf32>, %y_init: tensor<2x16x8xf32>, %s_init: tensor<2x3x8xf32>) {
  // expected-error @+1 {{'bias' must be a ranked tensor [C], but has type 'tensor<*xf32>'}}
  %y, %s = recur.conv1d ins(%x, %w : tensor<2x16x8xf32>, tensor<8x4xf32>) bias(%bias : tensor<*xf32>) outs(%y_init, %s_init : tensor<2x16x8xf32>, tensor<2x3x8xf32>)
  return
}

// -----

func.func @conv1d_initial_state_batch(%x: tensor<2x16x8xf32>, %w: tensor<8x4xf32>, %s0: tensor<1x3x8xf32>, %y_init: tensor<2x16x8xf32>) {
  // expected-error @+1 {{'state' has B = 1 (dimension 0 of [B, W - 1, C]), but 'x' has B = 2}}
  %y, %s = recur.conv1d ins(%x, %w : tensor<2x16x8xf32>, tensor<8x4xf32>) outs(%y_init, %s0 : tensor<2x16x8xf32>, tensor<1x3x8xf32>)
  return
}

// -----

func.func @conv1d_zero_width(%x: tensor<2x16x8xf32>, %w: tensor<8x0xf32>, %y_init: tensor<2x16x8xf32>, %s_init: tensor<2x0x8xf32>) {
  // expected-error @+1 {{'w' must have a kernel width W >= 1, got 0}}
  %y, %s = recur.conv1d ins(%x, %w : tensor<2x16x8xf32>, tensor<8x0xf32>) outs(%y_init, %s_init : tensor<2x16x8xf32>, tensor<2x0x8xf32>)
  return
}

// -----

func.func @conv1d_final_state_history(%x: tensor<2x16x8xf32>, %w: tensor<8x4xf32>, %y_init: tensor<2x16x8xf32>, %s_init: tensor<2x4x8xf32>) {
  // expected-error @+1 {{'state' dimension 1 is 4, but must be W - 1 = 3}}
  %y, %s = recur.conv1d ins(%x, %w : tensor<2x16x8xf32>, tensor<8x4xf32>) outs(%y_init, %s_init : tensor<2x16x8xf32>, tensor<2x4x8xf32>)
  return
}

// -----

func.func @conv1d_final_state_history_width_one(%x: tensor<2x16x8xf32>, %w: tensor<8x1xf32>, %y_init: tensor<2x16x8xf32>, %s_init: tensor<2x1x8xf32>) {
  // expected-error @+1 {{'state' dimension 1 is 1, but must be W - 1 = 0}}
  %y, %s = recur.conv1d ins(%x, %w : tensor<2x16x8xf32>, tensor<8x1xf32>) outs(%y_init, %s_init : tensor<2x16x8xf32>, tensor<2x1x8xf32>)
  return
}

// -----

func.func @conv1d_initial_state_history(%x: tensor<2x16x8xf32>, %w: tensor<8x4xf32>, %s0: tensor<2x4x8xf32>, %y_init: tensor<2x16x8xf32>) {
  // expected-error @+1 {{'state' dimension 1 is 4, but must be W - 1 = 3}}
  %y, %s = recur.conv1d ins(%x, %w : tensor<2x16x8xf32>, tensor<8x4xf32>) outs(%y_init, %s0 : tensor<2x16x8xf32>, tensor<2x4x8xf32>)
  return
}

// -----

func.func @conv1d_y_element_type(%x: tensor<2x16x8xbf16>, %w: tensor<8x4xf32>, %y_init: tensor<2x16x8xf32>, %s_init: tensor<2x3x8xbf16>) {
  // expected-error @+1 {{'y_init' has element type 'f32', but 'x' has 'bf16'; they must match}}
  %y, %s = recur.conv1d ins(%x, %w : tensor<2x16x8xbf16>, tensor<8x4xf32>) outs(%y_init, %s_init : tensor<2x16x8xf32>, tensor<2x3x8xbf16>)
  return
}

// -----

func.func @conv1d_final_state_element_type(%x: tensor<2x16x8xbf16>, %w: tensor<8x4xbf16>, %y_init: tensor<2x16x8xbf16>, %s_init: tensor<2x3x8xf32>) {
  // expected-error @+1 {{'state' has element type 'f32', but 'x' has 'bf16'; they must match}}
  %y, %s = recur.conv1d ins(%x, %w : tensor<2x16x8xbf16>, tensor<8x4xbf16>) outs(%y_init, %s_init : tensor<2x16x8xbf16>, tensor<2x3x8xf32>)
  return
}

// -----

func.func @conv1d_initial_state_element_type(%x: tensor<2x16x8xf16>, %w: tensor<8x4xf16>, %s0: tensor<2x3x8xf32>, %y_init: tensor<2x16x8xf16>) {
  // expected-error @+1 {{'state' has element type 'f32', but 'x' has 'f16'; they must match}}
  %y, %s = recur.conv1d ins(%x, %w : tensor<2x16x8xf16>, tensor<8x4xf16>) outs(%y_init, %s0 : tensor<2x16x8xf16>, tensor<2x3x8xf32>)
  return
}

// -----

func.func @conv1d_integer_weight(%x: tensor<2x16x8xf32>, %w: tensor<8x4xi32>, %y_init: tensor<2x16x8xf32>, %s_init: tensor<2x3x8xf32>) {
  // expected-error @+1 {{operand #1 must be tensor of 32-bit float or 16-bit float or bfloat16 type values, but got 'tensor<8x4xi32>'}}
  %y, %s = recur.conv1d ins(%x, %w : tensor<2x16x8xf32>, tensor<8x4xi32>) outs(%y_init, %s_init : tensor<2x16x8xf32>, tensor<2x3x8xf32>)
  return
}

// -----

func.func @conv1d_unknown_activation(%x: tensor<2x16x8xf32>, %w: tensor<8x4xf32>, %y_init: tensor<2x16x8xf32>, %s_init: tensor<2x3x8xf32>) {
  // The parser reports the second error at the token after the op.
  // expected-error @+2 {{expected ::mlir::recur::Activation to be one of: none, silu}}
  // expected-error @+2 {{failed to parse Recur_ActivationAttr parameter 'value' which is to be a `::mlir::recur::Activation`}}
  %y, %s = recur.conv1d ins(%x, %w : tensor<2x16x8xf32>, tensor<8x4xf32>) outs(%y_init, %s_init : tensor<2x16x8xf32>, tensor<2x3x8xf32>) activation gelu
  return
}
