// RUN: recur-opt %s --recur-chunk --canonicalize --cse | FileCheck %s

// key_splits = 4 on decode-length queries (T < serial-below): a forall
// over (batch, key/value head, position, part) sweeps each part's share of
// the visible key tiles (ceil(tiles / 4) tiles from firstTile + part *
// share) into its unnormalized state, [B, Hkv, T, 4, G] maxima and sums
// and [B, Hkv, T, 4, G, Dv] accumulators; a second forall over (batch,
// key/value head, position) weighs each part by exp(m_s - max) and writes
// the normalized rows into o. Longer queries take the unsplit form.
// CHECK-LABEL: func.func @decode(
// CHECK: scf.if
// CHECK: %[[PARTS:.+]]:3 = scf.forall (%{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %[[PART:[^)]+]]) in (%{{.+}}, 2, %{{.+}}, 4) shared_outs({{.*}}) -> (tensor<?x2x?x4x4xf32>, tensor<?x2x?x4x4xf32>, tensor<?x2x?x4x4x16xf32>)
// CHECK: %[[SHARE:.+]] = arith.ceildivui %{{.+}}, %c4
// CHECK: arith.muli %[[PART]], %[[SHARE]]
// CHECK: scf.for {{.*}} -> (tensor<4xf32>, tensor<4xf32>, tensor<4x16xf32>)
// CHECK: tensor.parallel_insert_slice
// CHECK: scf.forall (%{{[^,]+}}, %{{[^,]+}}, %{{[^)]+}}) in (%{{.+}}, 2, %{{.+}}) shared_outs(%{{.+}} = %{{.+}}) -> (tensor<?x?x8x16xbf16>)
// CHECK: tensor.extract_slice %[[PARTS]]#0
// CHECK: tensor.extract_slice %[[PARTS]]#1
// CHECK: tensor.extract_slice %[[PARTS]]#2
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK: arith.maximumf
// CHECK: } else {
// CHECK-NOT: , 4) shared_outs
// CHECK: scf.forall (%{{[^,]+}}, %{{[^,]+}}, %{{[^)]+}}) in (%{{.+}}, 2, %{{.+}}) shared_outs
func.func @decode(%q: tensor<?x?x8x16xbf16>, %k: tensor<?x?x2x16xbf16>, %v: tensor<?x?x2x16xbf16>)
    -> tensor<?x?x8x16xbf16> {
  %o = recur.attention ins(%q, %k, %v : tensor<?x?x8x16xbf16>, tensor<?x?x2x16xbf16>, tensor<?x?x2x16xbf16>) outs(%q : tensor<?x?x8x16xbf16>) causal {recur.chunk_config = {chunk_size = 16 : i64, key_splits = 4 : i64, linear_attention_form = "chunked", serial_below = 16 : i64, state_pass = "sequential"}}
  return %o : tensor<?x?x8x16xbf16>
}
