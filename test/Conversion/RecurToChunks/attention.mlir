// RUN: recur-opt %s --recur-cpu-configure=serial-below=0 --recur-chunk --canonicalize --cse | FileCheck %s
// RUN: recur-opt %s --recur-cpu-configure --recur-chunk --canonicalize --cse | FileCheck %s --check-prefix=DECODE

// GQA (8 query heads on 2 key/value heads) with a causal sliding window:
// a forall over (batch, kv head, query tile); a query tile is one box of q
// holding 16 positions of the group's 4 heads as a [64, 32] block; the key
// loop runs only over the tiles between the window's first visible key and
// the causal limit, with an online softmax (running max, sum, accumulator)
// and one matmul each for the scores and the values.
// CHECK-LABEL: func.func @gqa_window(
// CHECK-SAME: %[[Q:[^:]*]]: tensor<?x?x8x32xbf16>
// CHECK: scf.forall (%[[BI:[^,]+]], %[[KV:[^,]+]], %[[QT:[^)]+]]) in (%{{.*}}, 2, %{{.*}}) shared_outs(%[[O:[^ ]+]] = %{{.*}})
// CHECK: %[[FIRST_HEAD:.*]] = arith.muli %[[KV]], %c4
// CHECK: %[[BOX:.*]] = tensor.extract_slice %[[Q]][%[[BI]], %{{.*}}, %[[FIRST_HEAD]], 0] [1, %[[ROWS:.*]], 4, 32] [1, 1, 1, 1] : tensor<?x?x8x32xbf16> to tensor<?x4x32xbf16>
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0, 1], [2]] : tensor<16x4x32xbf16> into tensor<64x32xbf16>
// CHECK: %[[FIRST:.*]] = arith.divui %{{.*}}, %c64
// CHECK: %[[END:.*]] = arith.ceildivui %{{.*}}, %c64
// CHECK: %[[SWEEP:.*]]:3 = scf.for %{{.*}} = %[[FIRST]] to %[[END]] step %c1 iter_args({{.*}}) -> (tensor<64xf32>, tensor<64xf32>, tensor<64x16xf32>)
// Q K^T: one contraction reading K transposed (the CPU tail forms K^T).
// CHECK: linalg.matmul indexing_maps = [#{{.*}}, #{{.*}}, #{{.*}}]{{.*}} ins({{.*}} : tensor<64x32xf32>, tensor<64x32xf32>) outs({{.*}} : tensor<64x64xf32>)
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: linalg.matmul{{.*}} ins({{.*}} : tensor<64x64xf32>, tensor<64x16xf32>) outs({{.*}} : tensor<64x16xf32>)
// CHECK: arith.divf
// CHECK: tensor.expand_shape {{.*}} into tensor<16x4x16xbf16>
// CHECK: tensor.parallel_insert_slice %{{.*}} into %[[O]][%[[BI]], %{{.*}}, %[[FIRST_HEAD]], 0] [1, %[[ROWS]], 4, 16]
// With serial-below (default 16), fewer queries than that (decode) take
// query tiles of one position: a [4, 32] block of the group's 4 heads.
// DECODE-LABEL: func.func @gqa_window(
// DECODE: %[[T:.*]] = tensor.dim %{{.*}}, %c1
// DECODE: %[[SHORT:.*]] = arith.cmpi slt, %[[T]], %c16
// DECODE: scf.if %[[SHORT]]
// DECODE: scf.forall
// DECODE: } : tensor<?x4x32xbf16> to tensor<1x4x32xbf16>
// DECODE: } else {
// DECODE: } : tensor<?x4x32xbf16> to tensor<16x4x32xbf16>
func.func @gqa_window(%q: tensor<?x?x8x32xbf16>, %k: tensor<?x?x2x32xbf16>,
                      %v: tensor<?x?x2x16xbf16>, %o_init: tensor<?x?x8x16xbf16>) -> tensor<?x?x8x16xbf16> {
  %o = recur.attention ins(%q, %k, %v : tensor<?x?x8x32xbf16>, tensor<?x?x2x32xbf16>, tensor<?x?x2x16xbf16>) outs(%o_init : tensor<?x?x8x16xbf16>) causal {window = 128 : i64}
  return %o : tensor<?x?x8x16xbf16>
}
