// RUN: recur-opt %s --recur-tile-batch-heads --canonicalize --split-input-file | FileCheck %s

// Linear attention: one forall over (batch, head); each tile is one head of
// one sequence with all its value columns.
// CHECK-LABEL: func.func @linear_attention(
// CHECK: scf.forall (%{{[^,]+}}, %{{[^)]+}}) in (%{{.*}}, 4)
// CHECK: recur.linear_attention {{.*}} outs({{.*}} : tensor<1x?x1x8xf32>, tensor<1x1x16x8xf32>)
// CHECK: tensor.parallel_insert_slice
// CHECK: tensor.parallel_insert_slice
func.func @linear_attention(%q: tensor<?x?x4x16xf32>, %k: tensor<?x?x4x16xf32>,
                            %v: tensor<?x?x4x8xf32>, %o_init: tensor<?x?x4x8xf32>, %s_init: tensor<?x4x16x8xf32>)
    -> (tensor<?x?x4x8xf32>, tensor<?x4x16x8xf32>) {
  %o, %s = recur.linear_attention ins(%q, %k, %v : tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>, tensor<?x?x4x8xf32>) outs(%o_init, %s_init : tensor<?x?x4x8xf32>, tensor<?x4x16x8xf32>)
  return %o, %s : tensor<?x?x4x8xf32>, tensor<?x4x16x8xf32>
}

// -----

// The selective scan and attention tile over the batch only; the
// convolution is left whole.
// CHECK-LABEL: func.func @others(
// CHECK: scf.forall (%{{[^)]+}}) in (%{{.*}})
// CHECK: recur.selective_scan {{.*}} outs({{.*}} : tensor<1x?x8xf32>, tensor<1x8x16xf32>)
// CHECK: scf.forall (%{{[^)]+}}) in (2)
// CHECK: recur.attention {{.*}} outs({{.*}} : tensor<1x?x8x16xf32>)
// CHECK-NOT: scf.forall (
// CHECK: recur.conv1d ins({{.*}} : tensor<2x?x16xf32>, tensor<16x4xf32>)
func.func @others(%u: tensor<?x?x8xf32>, %dt: tensor<?x?x8xf32>,
                  %A: tensor<8x16xf32>, %B: tensor<?x?x2x16xf32>,
                  %C: tensor<?x?x2x16xf32>, %q: tensor<2x?x8x32xf32>,
                  %k: tensor<2x?x2x32xf32>, %v: tensor<2x?x2x16xf32>,
                  %x: tensor<2x?x16xf32>, %w: tensor<16x4xf32>, %y_init: tensor<?x?x8xf32>, %h_init: tensor<?x8x16xf32>, %o_init: tensor<2x?x8x16xf32>, %c_init: tensor<2x?x16xf32>, %next_init: tensor<2x3x16xf32>)
    -> (tensor<?x?x8xf32>, tensor<?x8x16xf32>, tensor<2x?x8x16xf32>,
        tensor<2x?x16xf32>) {
  %y, %h = recur.selective_scan ins(%u, %dt, %A, %B, %C : tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<8x16xf32>, tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>) outs(%y_init, %h_init : tensor<?x?x8xf32>, tensor<?x8x16xf32>)
  %o = recur.attention ins(%q, %k, %v : tensor<2x?x8x32xf32>, tensor<2x?x2x32xf32>, tensor<2x?x2x16xf32>) outs(%o_init : tensor<2x?x8x16xf32>) causal
  %c, %next = recur.conv1d ins(%x, %w : tensor<2x?x16xf32>, tensor<16x4xf32>) outs(%c_init, %next_init : tensor<2x?x16xf32>, tensor<2x3x16xf32>)
  return %y, %h, %o, %c
      : tensor<?x?x8xf32>, tensor<?x8x16xf32>, tensor<2x?x8x16xf32>,
        tensor<2x?x16xf32>
}

// -----

// The scans also take blocks of channels when a static channel count has a
// divisor from 16 to 512 (recur.scan) other than itself: 1536 = 3 x 512.
// CHECK-LABEL: func.func @scan_channel_blocks(
// CHECK: scf.forall (%{{.*}}, %{{.*}}) = (0, 0) to (%{{.*}}, 1536) step (1, 512)
// CHECK: recur.scan ins(%{{.*}}, %{{.*}} : tensor<1x?x512xf32>, tensor<1x?x512xf32>)
func.func @scan_channel_blocks(%a: tensor<?x?x1536xf32>, %b: tensor<?x?x1536xf32>, %h_init: tensor<?x?x1536xf32>, %s: tensor<?x1536xf32>) -> (tensor<?x?x1536xf32>, tensor<?x1536xf32>) {
  %h, %last = recur.scan ins(%a, %b : tensor<?x?x1536xf32>, tensor<?x?x1536xf32>) outs(%h_init, %s : tensor<?x?x1536xf32>, tensor<?x1536xf32>)
  return %h, %last : tensor<?x?x1536xf32>, tensor<?x1536xf32>
}
