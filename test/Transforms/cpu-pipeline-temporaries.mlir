// RUN: recur-opt %s --recur-cpu-pipeline | FileCheck %s

// The chunked form's temporaries are static tiles: they live on the stack,
// one set per head (scoped by stacksave/stackrestore in the head loop), so
// that a GLA layer calls no allocator at all.
// CHECK-LABEL: llvm.func internal @gla.impl
// CHECK-NOT: malloc
// CHECK: llvm.intr.stacksave
// CHECK: llvm.alloca
// CHECK: llvm.intr.stackrestore
// CHECK-NOT: malloc
func.func @gla(%q: tensor<1x?x16x64xf32>, %k: tensor<1x?x16x64xf32>, %v: tensor<1x?x16x64xf32>, %g: tensor<1x?x16x64xf32>)
    -> (tensor<1x?x16x64xf32>, tensor<1x16x64x64xf32>) {
  %c1 = arith.constant 1 : index
  %t = tensor.dim %q, %c1 : tensor<1x?x16x64xf32>
  %o_init = tensor.empty(%t) : tensor<1x?x16x64xf32>
  %empty = tensor.empty() : tensor<1x16x64x64xf32>
  %zero = arith.constant 0.0 : f32
  %h0 = linalg.fill ins(%zero : f32) outs(%empty : tensor<1x16x64x64xf32>) -> tensor<1x16x64x64xf32>
  %o, %h = recur.linear_attention ins(%q, %k, %v : tensor<1x?x16x64xf32>, tensor<1x?x16x64xf32>, tensor<1x?x16x64xf32>) gate key(%g : tensor<1x?x16x64xf32>) outs(%o_init, %h0 : tensor<1x?x16x64xf32>, tensor<1x16x64x64xf32>)
  return %o, %h : tensor<1x?x16x64xf32>, tensor<1x16x64x64xf32>
}
