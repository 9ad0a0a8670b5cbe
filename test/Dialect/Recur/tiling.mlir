// RUN: recur-opt %s --transform-interpreter --split-input-file | FileCheck %s

// Upstream's tile_using_forall drives a recur op through its TilingInterface
// (iteration space [B, H, V]): each tile is the same op on slices, with q, k
// and g whole along K, v and the state sliced along the value columns. The
// destinations are the forall's shared outputs, and each tile writes into
// its slice of them.
// CHECK-LABEL: func.func @linear_attention(
// CHECK-SAME: %[[Q:[^:]*]]: tensor<?x?x4x16xf32>, %{{[^:]*}}: tensor<?x?x4x16xf32>, %[[V:[^:]*]]: tensor<?x?x4x8xf32>, %{{[^:]*}}: tensor<?x?x4x16xf32>, %[[H0:[^:]*]]: tensor<?x4x16x8xf32>, %[[OI:[^:]*]]: tensor<?x?x4x8xf32>)
// CHECK: scf.forall (%[[B:[^,]+]], %[[H:[^,]+]], %[[VT:[^)]+]]) in (%{{.*}}, 4, 2) shared_outs(%[[O:[^ ]+]] = %[[OI]], %[[S:[^ ]+]] = %[[H0]])
// CHECK: %[[COL:.*]] = affine.apply #{{.*}}(%[[VT]])
// CHECK: %[[QT:.*]] = tensor.extract_slice %[[Q]][%[[B]], 0, %[[H]], 0] [1, %{{.*}}, 1, 16]
// CHECK: %[[VTILE:.*]] = tensor.extract_slice %[[V]][%[[B]], 0, %[[H]], %[[COL]]] [1, %{{.*}}, 1, 4]
// CHECK: %[[OTI:.*]] = tensor.extract_slice %[[O]][%[[B]], 0, %[[H]], %[[COL]]] [1, %{{.*}}, 1, 4]
// CHECK: %[[H0T:.*]] = tensor.extract_slice %[[S]][%[[B]], %[[H]], 0, %[[COL]]] [1, 1, 16, 4]
// CHECK: %[[OT:.*]], %[[ST:.*]] = recur.linear_attention ins(%[[QT]], %{{.*}}, %[[VTILE]] : {{.*}}) gate key(%{{.*}}) outs(%[[OTI]], %[[H0T]] : tensor<1x?x1x4xf32>, tensor<1x1x16x4xf32>)
// CHECK: tensor.parallel_insert_slice %[[OT]] into %[[O]][%[[B]], 0, %[[H]], %[[COL]]] [1, %{{.*}}, 1, 4]
// CHECK: tensor.parallel_insert_slice %[[ST]] into %[[S]][%[[B]], %[[H]], 0, %[[COL]]] [1, 1, 16, 4]
func.func @linear_attention(%q: tensor<?x?x4x16xf32>, %k: tensor<?x?x4x16xf32>,
                            %v: tensor<?x?x4x8xf32>, %g: tensor<?x?x4x16xf32>,
                            %h0: tensor<?x4x16x8xf32>, %o_init: tensor<?x?x4x8xf32>)
    -> (tensor<?x?x4x8xf32>, tensor<?x4x16x8xf32>) {
  %o, %s = recur.linear_attention ins(%q, %k, %v : tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>, tensor<?x?x4x8xf32>) gate key(%g : tensor<?x?x4x16xf32>) outs(%o_init, %h0 : tensor<?x?x4x8xf32>, tensor<?x4x16x8xf32>)
  return %o, %s : tensor<?x?x4x8xf32>, tensor<?x4x16x8xf32>
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %op = transform.structured.match ops{["recur.linear_attention"]} in %root
        : (!transform.any_op) -> !transform.any_op
    %tiled, %forall = transform.structured.tile_using_forall %op tile_sizes [1, 1, 4]
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

// A scan over two feature dims tiles over [B, D0, D1]; a conv1d over
// [B, C] slices x, w, bias and both states along the channels.
// CHECK-LABEL: func.func @scan_and_conv(
// CHECK: scf.forall ({{.*}}) in (%{{.*}}, 3, 1)
// CHECK: recur.scan ins({{.*}} : tensor<1x?x1x5xf32>, tensor<1x?x1x5xf32>) outs({{.*}} : tensor<1x?x1x5xf32>, tensor<1x1x5xf32>)
// CHECK: scf.forall ({{.*}}) in (2, 4)
// CHECK: recur.conv1d ins({{.*}} : tensor<1x?x4xf32>, tensor<4x4xf32>) bias({{.*}} : tensor<4xf32>) outs({{.*}} : tensor<1x?x4xf32>, tensor<1x3x4xf32>)
func.func @scan_and_conv(%a: tensor<?x?x3x5xf32>, %b: tensor<?x?x3x5xf32>,
                         %x: tensor<2x?x16xf32>, %w: tensor<16x4xf32>,
                         %bias: tensor<16xf32>, %s: tensor<2x3x16xf32>, %h_init: tensor<?x?x3x5xf32>, %last_init: tensor<?x3x5xf32>, %y_init: tensor<2x?x16xf32>)
    -> (tensor<?x?x3x5xf32>, tensor<?x3x5xf32>, tensor<2x?x16xf32>,
        tensor<2x3x16xf32>) {
  %h, %last = recur.scan ins(%a, %b : tensor<?x?x3x5xf32>, tensor<?x?x3x5xf32>) outs(%h_init, %last_init : tensor<?x?x3x5xf32>, tensor<?x3x5xf32>)
  %y, %next = recur.conv1d ins(%x, %w : tensor<2x?x16xf32>, tensor<16x4xf32>) bias(%bias : tensor<16xf32>) outs(%y_init, %s : tensor<2x?x16xf32>, tensor<2x3x16xf32>)
  return %h, %last, %y, %next
      : tensor<?x?x3x5xf32>, tensor<?x3x5xf32>, tensor<2x?x16xf32>,
        tensor<2x3x16xf32>
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %scan = transform.structured.match ops{["recur.scan"]} in %root
        : (!transform.any_op) -> !transform.any_op
    %t0, %l0 = transform.structured.tile_using_forall %scan tile_sizes [1, 1, 5]
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    %conv = transform.structured.match ops{["recur.conv1d"]} in %root
        : (!transform.any_op) -> !transform.any_op
    %t1, %l1 = transform.structured.tile_using_forall %conv tile_sizes [1, 4]
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

// Attention's iteration space is [B, Hkv, G, Dv]: query head h is
// (hkv, g) with h = hkv * G + g. A tile of one key/value head and one head
// of its group (G = 4 here) slices q and o at head hkv * 4 + g and k, v at
// head hkv: an attention of one query head over one key/value head.
// CHECK-LABEL: func.func @attention_heads(
// CHECK-SAME: %[[Q:[^:]*]]: tensor<2x?x8x32xf32>, %[[K:[^:]*]]: tensor<2x?x2x32xf32>, %[[V:[^:]*]]: tensor<2x?x2x16xf32>, %[[OI:[^:]*]]: tensor<2x?x8x16xf32>)
// CHECK: scf.forall (%[[B:[^,]+]], %[[HKV:[^,]+]], %[[G:[^)]+]]) in (2, 2, 4) shared_outs(%[[O:[^ ]+]] = %[[OI]])
// CHECK: %[[HEAD:.*]] = affine.apply #{{.*}}()[%[[HKV]], %[[G]]]
// CHECK: %[[QT:.*]] = tensor.extract_slice %[[Q]][%[[B]], 0, %[[HEAD]], 0] [1, %{{.*}}, 1, 32]
// CHECK: %[[KT:.*]] = tensor.extract_slice %[[K]][%[[B]], 0, %[[HKV]], 0] [1, %{{.*}}, 1, 32]
// CHECK: %[[VT:.*]] = tensor.extract_slice %[[V]][%[[B]], 0, %[[HKV]], 0] [1, %{{.*}}, 1, 16]
// CHECK: %[[OT:.*]] = recur.attention ins(%[[QT]], %[[KT]], %[[VT]] : tensor<1x?x1x32xf32>, tensor<1x?x1x32xf32>, tensor<1x?x1x16xf32>)
// CHECK: %[[OHEAD:.*]] = affine.apply #{{.*}}()[%[[HKV]], %[[G]]]
// CHECK: tensor.parallel_insert_slice %[[OT]] into %[[O]][%[[B]], 0, %[[OHEAD]], 0] [1, %{{.*}}, 1, 16]
func.func @attention_heads(%q: tensor<2x?x8x32xf32>, %k: tensor<2x?x2x32xf32>,
                           %v: tensor<2x?x2x16xf32>,
                           %o_init: tensor<2x?x8x16xf32>)
    -> tensor<2x?x8x16xf32> {
  %o = recur.attention ins(%q, %k, %v : tensor<2x?x8x32xf32>, tensor<2x?x2x32xf32>, tensor<2x?x2x16xf32>) outs(%o_init : tensor<2x?x8x16xf32>) causal
  return %o : tensor<2x?x8x16xf32>
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %op = transform.structured.match ops{["recur.attention"]} in %root
        : (!transform.any_op) -> !transform.any_op
    %tiled, %forall = transform.structured.tile_using_forall %op tile_sizes [1, 1, 1, 0]
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

// Whole groups: a tile of one key/value head takes its G query heads
// (dynamic here), heads hkv * G to (hkv + 1) * G of q and o.
// CHECK-LABEL: func.func @attention_groups(
// CHECK-SAME: %[[Q:[^:]*]]: tensor<1x?x?x8xf32>, %[[K:[^:]*]]: tensor<1x?x?x8xf32>
// CHECK: %[[HKV:.*]] = tensor.dim %[[K]], %c2
// CHECK: scf.forall (%{{[^,]+}}, %[[KVH:[^)]+]]) in (1, %[[HKV]])
// CHECK: %[[FIRST:.*]] = affine.apply #{{.*}}()[%[[KVH]], %{{.*}}, %{{.*}}]
// CHECK: %[[G:.*]] = affine.apply
// CHECK: tensor.extract_slice %[[Q]][%{{.*}}, 0, %[[FIRST]], 0] [1, %{{.*}}, %[[G]], 8]
// CHECK: tensor.extract_slice %[[K]][%{{.*}}, 0, %[[KVH]], 0] [1, %{{.*}}, 1, 8]
// CHECK: recur.attention ins({{.*}} : tensor<1x?x?x8xf32>, tensor<1x?x1x8xf32>, tensor<1x?x1x8xf32>)
func.func @attention_groups(%q: tensor<1x?x?x8xf32>, %k: tensor<1x?x?x8xf32>,
                            %v: tensor<1x?x?x8xf32>,
                            %o_init: tensor<1x?x?x8xf32>)
    -> tensor<1x?x?x8xf32> {
  %o = recur.attention ins(%q, %k, %v : tensor<1x?x?x8xf32>, tensor<1x?x?x8xf32>, tensor<1x?x?x8xf32>) outs(%o_init : tensor<1x?x?x8xf32>)
  return %o : tensor<1x?x?x8xf32>
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %op = transform.structured.match ops{["recur.attention"]} in %root
        : (!transform.any_op) -> !transform.any_op
    %tiled, %forall = transform.structured.tile_using_forall %op tile_sizes [1, 1, 0, 0]
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}
