// RUN: recur-opt %s --recur-cpu-configure=serial-below=0 --recur-chunk --split-input-file | FileCheck %s

// linear-attention-form=auto: the chunked form (matmuls on chunk tiles)
// from a 128 x 128 state on, unless the gate is per key; the token-serial
// form on chunk tiles otherwise.

// CHECK-LABEL: func.func @scalar_gate_large(
// CHECK: linalg.matmul
func.func @scalar_gate_large(%q: tensor<1x?x2x128xf32>, %k: tensor<1x?x2x128xf32>, %v: tensor<1x?x2x128xf32>, %g: tensor<1x?x2xf32>, %o_init: tensor<1x?x2x128xf32>, %h0: tensor<1x2x128x128xf32>) -> (tensor<1x?x2x128xf32>, tensor<1x2x128x128xf32>) {
  %o, %h = recur.linear_attention ins(%q, %k, %v : tensor<1x?x2x128xf32>, tensor<1x?x2x128xf32>, tensor<1x?x2x128xf32>) gate scalar(%g : tensor<1x?x2xf32>) outs(%o_init, %h0 : tensor<1x?x2x128xf32>, tensor<1x2x128x128xf32>)
  return %o, %h : tensor<1x?x2x128xf32>, tensor<1x2x128x128xf32>
}

// -----

// CHECK-LABEL: func.func @key_gate_large(
// CHECK-NOT: linalg.matmul
// CHECK: iterator_types = ["reduction", "parallel"]
// CHECK-NOT: linalg.matmul
func.func @key_gate_large(%q: tensor<1x?x2x128xf32>, %k: tensor<1x?x2x128xf32>, %v: tensor<1x?x2x128xf32>, %g: tensor<1x?x2x128xf32>, %o_init: tensor<1x?x2x128xf32>, %h0: tensor<1x2x128x128xf32>) -> (tensor<1x?x2x128xf32>, tensor<1x2x128x128xf32>) {
  %o, %h = recur.linear_attention ins(%q, %k, %v : tensor<1x?x2x128xf32>, tensor<1x?x2x128xf32>, tensor<1x?x2x128xf32>) gate key(%g : tensor<1x?x2x128xf32>) outs(%o_init, %h0 : tensor<1x?x2x128xf32>, tensor<1x2x128x128xf32>)
  return %o, %h : tensor<1x?x2x128xf32>, tensor<1x2x128x128xf32>
}

// -----

// CHECK-LABEL: func.func @scalar_gate_small(
// CHECK-NOT: linalg.matmul
// CHECK: iterator_types = ["reduction", "parallel"]
// CHECK-NOT: linalg.matmul
func.func @scalar_gate_small(%q: tensor<1x?x2x64xf32>, %k: tensor<1x?x2x64xf32>, %v: tensor<1x?x2x64xf32>, %g: tensor<1x?x2xf32>, %o_init: tensor<1x?x2x64xf32>, %h0: tensor<1x2x64x64xf32>) -> (tensor<1x?x2x64xf32>, tensor<1x2x64x64xf32>) {
  %o, %h = recur.linear_attention ins(%q, %k, %v : tensor<1x?x2x64xf32>, tensor<1x?x2x64xf32>, tensor<1x?x2x64xf32>) gate scalar(%g : tensor<1x?x2xf32>) outs(%o_init, %h0 : tensor<1x?x2x64xf32>, tensor<1x2x64x64xf32>)
  return %o, %h : tensor<1x?x2x64xf32>, tensor<1x2x64x64xf32>
}
