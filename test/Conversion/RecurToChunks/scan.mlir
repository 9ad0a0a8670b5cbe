// RUN: recur-opt %s --recur-cpu-configure="chunk-size=16 state-pass=parallel" --recur-chunk --canonicalize --split-input-file | FileCheck %s
// RUN: recur-opt %s --recur-cpu-configure="chunk-size=16" --recur-chunk --canonicalize --split-input-file | FileCheck %s --check-prefix=SEQ

// A reverse scan over two feature dims, collapsed to one: per batch row,
// the parallel state pass summarizes every chunk in a forall (P = prod a,
// E = the chunk's end state from zero), combines the summaries in one loop
// over chunks, then reruns every chunk from its entering state in a second
// forall. Reversed steps read time T-1-step.
// CHECK-LABEL: func.func @reverse_scan(
// CHECK-SAME: %[[A:[^:]*]]: tensor<?x?x3x5xf32>
// CHECK: %[[A15:.*]] = tensor.collapse_shape %[[A]] {{\[\[}}0], [1], [2, 3]]
// CHECK: %[[T:.*]] = tensor.dim %[[A15]], %c1
// CHECK: scf.forall (%[[BI:[^)]+]]) in
// CHECK: %[[N:.*]] = arith.ceildivui %[[T]], %c16
// CHECK: %[[SUMMARY:.*]]:2 = scf.forall (%{{[^)]+}}) in (%[[N]])
// CHECK: scf.for
// CHECK: %[[LAST:.*]] = arith.subi %[[T]], %c1
// CHECK: %[[TIME:.*]] = arith.subi %[[LAST]], %{{.*}}
// CHECK: tensor.extract_slice %[[A15]][%[[BI]], %[[TIME]], 0] [1, 1, 15]
// CHECK: arith.mulf
// CHECK: tensor.parallel_insert_slice
// CHECK: %[[CARRIES:.*]]:2 = scf.for {{.*}} to %[[N]]
// CHECK: tensor.extract_slice %[[SUMMARY]]#0
// CHECK: tensor.extract_slice %[[SUMMARY]]#1
// CHECK: %[[ROWS:.*]] = scf.forall (%{{[^)]+}}) in (%[[N]])
// CHECK: tensor.extract_slice %[[CARRIES]]#1
// CHECK: scf.for
// CHECK: tensor.insert_slice
// CHECK: tensor.parallel_insert_slice
// CHECK: tensor.parallel_insert_slice %[[ROWS]]
// CHECK: tensor.parallel_insert_slice %[[CARRIES]]#0
// CHECK: tensor.expand_shape {{.*}} {{\[\[}}0], [1], [2, 3]]
// CHECK: tensor.expand_shape {{.*}} {{\[\[}}0], [1, 2]]
// SEQ-LABEL: func.func @reverse_scan(
// SEQ: scf.forall
// SEQ-NOT: scf.forall (
// SEQ: scf.for
// SEQ: scf.for
// SEQ-NOT: scf.forall (
// SEQ: return
func.func @reverse_scan(%a: tensor<?x?x3x5xf32>, %b: tensor<?x?x3x5xf32>, %h_init: tensor<?x?x3x5xf32>, %s_init: tensor<?x3x5xf32>)
    -> (tensor<?x?x3x5xf32>, tensor<?x3x5xf32>) {
  %h, %s = recur.scan ins(%a, %b : tensor<?x?x3x5xf32>, tensor<?x?x3x5xf32>) outs(%h_init, %s_init : tensor<?x?x3x5xf32>, tensor<?x3x5xf32>) reverse
  return %h, %s : tensor<?x?x3x5xf32>, tensor<?x3x5xf32>
}

// -----

// The selective scan fuses a step into one [D, N] update (exp(dt A) decay,
// the dt B u input), a reduction over N for the C readout, and the
// D skip / SiLU gate epilogue on [D]; a chunk's transition is
// exp(A * sum dt).
// CHECK-LABEL: func.func @mamba(
// CHECK: scf.forall
// CHECK: scf.for
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel"]
// CHECK: math.log1p
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
// CHECK: math.exp
// CHECK: tensor.extract %{{.*}}[%{{.*}}, %{{.*}}] : tensor<2x16xf32>
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
// CHECK: %[[TRANSITION:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
// CHECK: arith.mulf
// CHECK: math.exp
// SEQ-LABEL: func.func @mamba(
// SEQ: scf.forall
// SEQ: scf.for
// SEQ: scf.for
// SEQ: linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// SEQ: arith.negf
// SEQ: tensor.insert_slice
func.func @mamba(%u: tensor<?x?x8xf32>, %dt: tensor<?x?x8xf32>,
                 %A: tensor<8x16xf32>, %B: tensor<?x?x2x16xf32>,
                 %C: tensor<?x?x2x16xf32>, %D: tensor<8xf32>,
                 %z: tensor<?x?x8xf32>, %y_init: tensor<?x?x8xf32>, %h_init: tensor<?x8x16xf32>)
    -> (tensor<?x?x8xf32>, tensor<?x8x16xf32>) {
  %y, %h = recur.selective_scan ins(%u, %dt, %A, %B, %C : tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<8x16xf32>, tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>) skip(%D : tensor<8xf32>) gate(%z : tensor<?x?x8xf32>) outs(%y_init, %h_init : tensor<?x?x8xf32>, tensor<?x8x16xf32>) delta_softplus
  return %y, %h : tensor<?x?x8xf32>, tensor<?x8x16xf32>
}
