// RUN: recur-opt %s --recur-gpu-tile --canonicalize | FileCheck %s

// Blocks over the batch, threads over the channels; each thread's op is the
// scan of one channel of one sequence.
// CHECK-LABEL: func.func @scan
// CHECK:         scf.forall (%[[B:.*]]) in (%{{.*}}) shared_outs
// CHECK:           scf.forall (%[[D:.*]]) in (8) shared_outs
// CHECK:             recur.scan ins({{.*}} : tensor<1x?x1xf32>, tensor<1x?x1xf32>) outs({{.*}} : tensor<1x?x1xf32>, tensor<1x1xf32>)
// CHECK:           } {mapping = [#gpu.thread<linear_dim_0>]}
// CHECK:         } {mapping = [#gpu.block<linear_dim_0>]}
func.func @scan(%a: tensor<?x?x8xf32>, %b: tensor<?x?x8xf32>, %h0: tensor<?x8xf32>) -> (tensor<?x?x8xf32>, tensor<?x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = tensor.dim %a, %c0 : tensor<?x?x8xf32>
  %t = tensor.dim %a, %c1 : tensor<?x?x8xf32>
  %init = tensor.empty(%n, %t) : tensor<?x?x8xf32>
  %h, %s = recur.scan ins(%a, %b : tensor<?x?x8xf32>, tensor<?x?x8xf32>) outs(%init, %h0 : tensor<?x?x8xf32>, tensor<?x8xf32>)
  return %h, %s : tensor<?x?x8xf32>, tensor<?x8xf32>
}

// Blocks over (batch, heads), threads over the value columns.
// CHECK-LABEL: func.func @linear_attention
// CHECK:         scf.forall (%{{.*}}, %{{.*}}) in (%{{.*}}, 4) shared_outs
// CHECK:           scf.forall (%{{.*}}) in (32) shared_outs
// CHECK:             recur.linear_attention ins({{.*}} : tensor<1x?x1x16xf32>, tensor<1x?x1x16xf32>, tensor<1x?x1x1xf32>) outs({{.*}} : tensor<1x?x1x1xf32>, tensor<1x1x16x1xf32>)
// CHECK:           } {mapping = [#gpu.thread<linear_dim_0>]}
// CHECK:         } {mapping = [#gpu.block<linear_dim_0>, #gpu.block<linear_dim_1>]}
func.func @linear_attention(%q: tensor<?x?x4x16xf32>, %v: tensor<?x?x4x32xf32>, %h0: tensor<?x4x16x32xf32>)
    -> (tensor<?x?x4x32xf32>, tensor<?x4x16x32xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %b = tensor.dim %q, %c0 : tensor<?x?x4x16xf32>
  %t = tensor.dim %q, %c1 : tensor<?x?x4x16xf32>
  %o_init = tensor.empty(%b, %t) : tensor<?x?x4x32xf32>
  %o, %s = recur.linear_attention ins(%q, %q, %v : tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>, tensor<?x?x4x32xf32>) outs(%o_init, %h0 : tensor<?x?x4x32xf32>, tensor<?x4x16x32xf32>)
  return %o, %s : tensor<?x?x4x32xf32>, tensor<?x4x16x32xf32>
}

// Token-serial attention: blocks over (batch, key/value head, head of its
// group), so that a block is one query head reading its key/value head;
// threads over the value columns.
// CHECK-LABEL: func.func @attention
// CHECK:         scf.forall (%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}}, 2, 3) shared_outs
// CHECK:           scf.forall (%{{.*}}) in (16) shared_outs
// CHECK:             recur.attention ins({{.*}} : tensor<1x?x1x32xf32>, tensor<1x?x1x32xf32>, tensor<1x?x1x1xf32>) outs({{.*}} : tensor<1x?x1x1xf32>)
// CHECK:           } {mapping = [#gpu.thread<linear_dim_0>]}
// CHECK:         } {mapping = [#gpu.block<linear_dim_0>, #gpu.block<linear_dim_1>, #gpu.block<linear_dim_2>]}
func.func @attention(%q: tensor<?x?x6x32xf32>, %k: tensor<?x?x2x32xf32>,
                     %v: tensor<?x?x2x16xf32>, %o_init: tensor<?x?x6x16xf32>)
    -> tensor<?x?x6x16xf32> {
  %o = recur.attention ins(%q, %k, %v : tensor<?x?x6x32xf32>, tensor<?x?x2x32xf32>, tensor<?x?x2x16xf32>) outs(%o_init : tensor<?x?x6x16xf32>) causal
  return %o : tensor<?x?x6x16xf32>
}
