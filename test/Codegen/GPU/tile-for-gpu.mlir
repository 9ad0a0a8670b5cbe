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

// A decode step's gate preprocessing runs in the op's blocks: the producer
// of an input whose tile is small and static (here the sigmoid of one
// token's beta, a 1 x 1 x 1 tile) is fused into the block forall, before
// the op's tile. A destination's producer (the state's) is not.
// CHECK-LABEL: func.func @fused_gate(
// CHECK-SAME: %[[B:[^:]+]]: tensor<?x1x2xf32>
// CHECK-NOT: linalg.generic
// CHECK: scf.forall
// CHECK: %[[SLICE:.+]] = tensor.extract_slice %[[B]]
// CHECK: %[[BETA:.+]] = linalg.generic {{.*}} ins(%[[SLICE]] : tensor<1x1x1xf32>)
// CHECK: math.exp
// CHECK: recur.linear_attention {{.*}} beta(%[[BETA]] : tensor<1x1x1xf32>)
// CHECK: } {mapping = [#gpu.block
func.func @fused_gate(%b: tensor<?x1x2xf32>, %q: tensor<?x1x2x16xf32>, %s: tensor<?x2x16x16xf32>) -> tensor<?x1x2x16xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %b, %c0 : tensor<?x1x2xf32>
  %init = tensor.empty(%n) : tensor<?x1x2xf32>
  %beta = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%b : tensor<?x1x2xf32>) outs(%init : tensor<?x1x2xf32>) {
  ^bb0(%in: f32, %out: f32):
    %e = math.exp %in : f32
    linalg.yield %e : f32
  } -> tensor<?x1x2xf32>
  %o, %h = recur.linear_attention ins(%q, %q, %q : tensor<?x1x2x16xf32>, tensor<?x1x2x16xf32>, tensor<?x1x2x16xf32>) beta(%beta : tensor<?x1x2xf32>) outs(%q, %s : tensor<?x1x2x16xf32>, tensor<?x2x16x16xf32>) {recur.chunk_config = {chunk_size = 16 : i64, linear_attention_form = "chunked", serial_below = 16 : i64, state_pass = "sequential", value_block = 16 : i64}}
  return %o : tensor<?x1x2x16xf32>
}

// A prefill's gate tiles span the sequence (run-time T): the producer stays
// a launch of its own, outside the blocks.
// CHECK-LABEL: func.func @prefill_gate(
// CHECK: linalg.generic
// CHECK: scf.forall
// CHECK-NOT: linalg.generic
// CHECK: } {mapping = [#gpu.block
func.func @prefill_gate(%b: tensor<?x?x2xf32>, %q: tensor<?x?x2x16xf32>, %s: tensor<?x2x16x16xf32>) -> tensor<?x?x2x16xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = tensor.dim %b, %c0 : tensor<?x?x2xf32>
  %t = tensor.dim %b, %c1 : tensor<?x?x2xf32>
  %init = tensor.empty(%n, %t) : tensor<?x?x2xf32>
  %beta = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%b : tensor<?x?x2xf32>) outs(%init : tensor<?x?x2xf32>) {
  ^bb0(%in: f32, %out: f32):
    %e = math.exp %in : f32
    linalg.yield %e : f32
  } -> tensor<?x?x2xf32>
  %o, %h = recur.linear_attention ins(%q, %q, %q : tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>) beta(%beta : tensor<?x?x2xf32>) outs(%q, %s : tensor<?x?x2x16xf32>, tensor<?x2x16x16xf32>) {recur.chunk_config = {chunk_size = 16 : i64, linear_attention_form = "chunked", serial_below = 16 : i64, state_pass = "sequential", value_block = 16 : i64}}
  return %o : tensor<?x?x2x16xf32>
}
