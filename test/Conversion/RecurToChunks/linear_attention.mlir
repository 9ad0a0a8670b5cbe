// RUN: recur-opt %s --recur-cpu-configure="chunk-size=32 serial-below=0 linear-attention-form=chunked" --recur-chunk --split-input-file | FileCheck %s
// RUN: recur-opt %s --recur-cpu-configure="serial-below=0 linear-attention-form=chunked" --recur-chunk --split-input-file | FileCheck %s --check-prefix=DEFAULT
// RUN: recur-opt %s --recur-cpu-configure="state-pass=parallel serial-below=0 linear-attention-form=chunked" --recur-chunk --split-input-file | FileCheck %s --check-prefix=PARALLEL
// RUN: recur-opt %s --recur-cpu-configure="chunk-size=32 serial-below=0 linear-attention-form=recurrent" --recur-chunk --split-input-file | FileCheck %s --check-prefix=RECURRENT
// RUN: recur-opt %s --recur-cpu-configure --recur-chunk --split-input-file | FileCheck %s --check-prefix=SERIAL
// RUN: not recur-opt %s --recur-cpu-configure=chunk-size=0 --recur-chunk --split-input-file 2>&1 | FileCheck %s --check-prefix=BAD

// RUN: not recur-opt %s --recur-cpu-configure=serial-below=-2 --recur-chunk --split-input-file 2>&1 | FileCheck %s --check-prefix=BAD-SERIAL

// BAD: chunk-size must be in [1, 1024], got 0
// BAD-SERIAL: serial-below must be >= 0, got -2

// The key gate (GLA): a forall over (batch, head), a loop over ceil(T / 32)
// chunks carrying the head's output rows and its [K, V] state, zero-padded
// static tiles, the cumulative log-gate as a scan down the rows, the
// sub-chunk loop (2 sub-chunks of 16) for the intra-chunk scores, and the
// state update: the chunk's contribution (a transposed matmul from zero)
// added to the decayed state.
// CHECK-LABEL: func.func @gla(
// CHECK-SAME: %[[Q:[^:]*]]: tensor<?x?x4x16xf32>
// CHECK-DAG: %[[C32:.*]] = arith.constant 32 : index
// CHECK-DAG: %[[B:.*]] = tensor.dim %[[Q]], %c0
// CHECK-DAG: %[[T:.*]] = tensor.dim %[[Q]], %c1
// CHECK: %[[RES:.*]]:2 = scf.forall (%[[BI:[^,]+]], %[[HI:[^)]+]]) in (%[[B]], 4) shared_outs(%[[O_ALL:[^ ]+]] = %{{[^,]+}}, %[[S_ALL:[^ ]+]] = %{{[^)]+}})
// CHECK: %[[O_HEAD:.*]] = tensor.extract_slice %[[O_ALL]][%[[BI]], 0, %[[HI]], 0] [1, %{{.*}}, 1, 8] [1, 1, 1, 1] : tensor<?x?x4x8xf32> to tensor<?x8xf32>
// CHECK: %[[S_HEAD:.*]] = tensor.extract_slice %[[S_ALL]][%[[BI]], %[[HI]], 0, 0] [1, 1, 16, 8] [1, 1, 1, 1] : tensor<?x4x16x8xf32> to tensor<16x8xf32>
// CHECK: %[[N:.*]] = arith.ceildivui %[[T]], %[[C32]]
// CHECK: %[[CHUNKS:.*]]:2 = scf.for %[[CI:[^ ]+]] = %c0 to %[[N]] step %c1 iter_args(%[[S:[^ ]+]] = %[[S_HEAD]], %[[O:[^ ]+]] = %[[O_HEAD]]) -> (tensor<16x8xf32>, tensor<?x8xf32>)
// CHECK: %[[START:.*]] = arith.muli %[[CI]], %[[C32]]
// CHECK: tensor.extract_slice %[[Q]][%[[BI]], %[[START]], %[[HI]], 0] [1, %[[ROWS:.*]], 1, 16]
// CHECK: } : tensor<?x16xf32> to tensor<32x16xf32>
// CHECK: scf.for {{.*}} = %c0 to %[[C32]] step %c1 iter_args({{.*}}) -> (tensor<16xf32>, tensor<32x16xf32>)
// CHECK: scf.for {{.*}} = %c0 to %c2 step %c1 iter_args({{.*}}) -> (tensor<32x32xf32>)
// CHECK: linalg.matmul indexing_maps = [#{{.*}}, #{{.*}}, #{{.*}}]{{.*}} ins({{.*}} : tensor<16x16xf32>, tensor<32x16xf32>) outs({{.*}} : tensor<16x32xf32>)
// CHECK: math.exp
// CHECK: linalg.matmul{{.*}} ins({{.*}} : tensor<32x16xf32>, tensor<16x8xf32>) outs({{.*}} : tensor<32x8xf32>)
// CHECK: linalg.matmul{{.*}} ins({{.*}} : tensor<32x32xf32>, tensor<32x8xf32>) outs({{.*}} : tensor<32x8xf32>)
// CHECK: %[[DECAYED:.*]] = linalg.generic {{.*}} outs(%[[S]] : tensor<16x8xf32>)
// CHECK: %[[ADDED:.*]] = linalg.matmul{{.*}} ins({{.*}} : tensor<32x16xf32>, tensor<32x8xf32>) outs(%{{.*}} : tensor<16x8xf32>)
// CHECK: %[[NEXT:.*]] = linalg.generic {{.*}} ins(%[[ADDED]] : tensor<16x8xf32>) outs(%[[DECAYED]] : tensor<16x8xf32>)
// CHECK: %[[WRITTEN:.*]] = tensor.insert_slice {{.*}} into %[[O]][%{{.*}}, 0]
// CHECK: scf.yield %[[NEXT]], %[[WRITTEN]]
// CHECK: scf.forall.in_parallel
// CHECK: tensor.parallel_insert_slice %[[CHUNKS]]#1 into %[[O_ALL]][%[[BI]], 0, %[[HI]], 0] [1, %{{.*}}, 1, 8]
// CHECK: tensor.parallel_insert_slice %[[CHUNKS]]#0 into %[[S_ALL]][%[[BI]], %[[HI]], 0, 0] [1, 1, 16, 8]
// CHECK: return %[[RES]]#0, %[[RES]]#1
// With the chunk-parallel state pass: a forall of chunk summaries, one
// loop combining them, a forall of chunk outputs.
// PARALLEL-LABEL: func.func @gla(
// PARALLEL: scf.forall ({{.*}}) in (%{{.*}}, 4)
// PARALLEL: %[[SUMMARIES:.*]]:2 = scf.forall ({{.*}}) in (%{{.*}}) shared_outs({{.*}}) -> (tensor<?x16x8xf32>, tensor<?x16x8xf32>)
// PARALLEL: %[[CARRIES:.*]]:2 = scf.for {{.*}} -> (tensor<16x8xf32>, tensor<?x16x8xf32>)
// PARALLEL: tensor.extract_slice %[[SUMMARIES]]#0
// PARALLEL: scf.forall ({{.*}}) in (%{{.*}}) shared_outs({{.*}}) -> (tensor<?x8xf32>)
// PARALLEL: tensor.extract_slice %[[CARRIES]]#1
// The delta rule keeps the sequential pass.
// PARALLEL-LABEL: func.func @gated_delta(
// PARALLEL: scf.forall
// PARALLEL-NOT: scf.forall (
// PARALLEL: return
// With serial-below (default 16), a dynamic T chooses at run time between
// the token-serial form (one pass over the [K, V] state per token: the
// decay, the outer-product update and the read as linalg ops on [K], [V]
// and [K, V] tiles, no padding) for decode-length sequences and the
// chunked form; a static T below it takes the token-serial form alone.
// The token-serial form on chunk tiles: the same loop over chunks and the
// same zero-padded [32, 16] tiles, then a loop over the chunk's rows that
// decays, updates and reads the [16, 8] state in one pass per token (one
// generic with the state and the output row as outputs, the key dimension
// a reduction for the output); no matmul.
// RECURRENT-LABEL: func.func @gla(
// RECURRENT-NOT: scf.if
// RECURRENT: scf.forall
// RECURRENT: %[[N:.*]] = arith.ceildivui %{{.*}}, %c32
// RECURRENT: scf.for %{{.*}} = %c0 to %[[N]] step %c1
// RECURRENT: } : tensor<?x16xf32> to tensor<32x16xf32>
// RECURRENT-NOT: linalg.matmul
// RECURRENT: scf.for %[[I:.*]] = %c0 to %[[ROWS:.*]] step %c1 iter_args(%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) -> (tensor<16x8xf32>, tensor<32x8xf32>)
// RECURRENT: tensor.extract_slice %{{.*}}[%[[I]], 0] [1, 16] [1, 1] : tensor<32x16xf32> to tensor<16xf32>
// RECURRENT: math.exp
// RECURRENT: linalg.generic {{.*}} iterator_types = ["reduction", "parallel"]} {{.*}} outs(%{{.*}}, %{{.*}} : tensor<16x8xf32>, tensor<8xf32>)
// RECURRENT-NOT: linalg.vecmat
// RECURRENT-NOT: linalg.matmul
// RECURRENT-LABEL: func.func @gated_delta(
// The delta rule first reads S^T (d k) (a vecmat), then the same one pass.
// RECURRENT: linalg.vecmat
// RECURRENT: linalg.generic {{.*}} iterator_types = ["reduction", "parallel"]}
// RECURRENT-NOT: linalg.vecmat
// RECURRENT-LABEL: func.func @plain(

// SERIAL-LABEL: func.func @gla(
// SERIAL: %[[T:.*]] = tensor.dim %{{.*}}, %c1
// SERIAL: %[[SHORT:.*]] = arith.cmpi slt, %[[T]], %c16
// SERIAL: scf.if %[[SHORT]]
// SERIAL: scf.forall
// SERIAL: scf.for
// SERIAL-NOT: tensor.pad
// SERIAL: math.exp
// SERIAL: linalg.generic {{.*}} iterator_types = ["reduction", "parallel"]} {{.*}} outs(%{{.*}}, %{{.*}} : tensor<16x8xf32>, tensor<8xf32>)
// SERIAL: } else {
// SERIAL: tensor.pad
// SERIAL-LABEL: func.func @plain(
// SERIAL-NOT: scf.if
// SERIAL: scf.forall
// SERIAL-LABEL: func.func @decode(
// SERIAL-NOT: tensor.pad
// SERIAL: scf.for
// SERIAL: linalg.generic {{.*}} iterator_types = ["reduction", "parallel"]}
// SERIAL-NOT: recur.linear_attention
// DEFAULT-LABEL: func.func @gla(
// DEFAULT: arith.constant 64 : index
// DEFAULT: } : tensor<?x16xf32> to tensor<64x16xf32>
// DEFAULT: scf.for {{.*}} = %c0 to %c4 step %c1 iter_args({{.*}}) -> (tensor<64x64xf32>)
func.func @gla(%q: tensor<?x?x4x16xf32>, %k: tensor<?x?x4x16xf32>,
               %v: tensor<?x?x4x8xf32>, %g: tensor<?x?x4x16xf32>,
               %h0: tensor<?x4x16x8xf32>, %o_init: tensor<?x?x4x8xf32>)
    -> (tensor<?x?x4x8xf32>, tensor<?x4x16x8xf32>) {
  %o, %s = recur.linear_attention ins(%q, %k, %v : tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>, tensor<?x?x4x8xf32>) gate key(%g : tensor<?x?x4x16xf32>) outs(%o_init, %h0 : tensor<?x?x4x8xf32>, tensor<?x4x16x8xf32>)
  return %o, %s : tensor<?x?x4x8xf32>, tensor<?x4x16x8xf32>
}

// -----

// The gated delta rule (scalar gate): the state's destination is the
// forall's shared output, the per-row decay mask is one elementwise map over Q K^T, and the UT
// transform is a forward substitution of 32 rows (a vecmat per row); bf16
// inputs are widened on load and the output narrowed on store.
// CHECK-LABEL: func.func @gated_delta(
// CHECK-SAME: %[[OI:[^:]*]]: tensor<2x?x3x8xbf16>, %[[SI:[^:]*]]: tensor<2x3x16x8xf32>)
// CHECK: scf.forall {{.*}} in (2, 3) shared_outs({{.*}} = %[[OI]], {{.*}} = %[[SI]])
// CHECK: } : tensor<?x16xbf16> to tensor<32x16xbf16>
// CHECK: arith.extf {{.*}} : bf16 to f32
// CHECK: } : tensor<?xf32> to tensor<32xf32>
// CHECK: linalg.matmul indexing_maps = [#{{.*}}, #{{.*}}, #{{.*}}]{{.*}} ins({{.*}} : tensor<32x16xf32>, tensor<32x16xf32>) outs({{.*}} : tensor<32x32xf32>)
// CHECK: scf.for %[[ROW:[^ ]+]] = %c0 to %c32 step %c1 iter_args({{.*}}) -> (tensor<32x32xf32>)
// CHECK: linalg.vecmat
// CHECK: tensor.extract %{{.*}}[%[[ROW]]] : tensor<32xf32>
// CHECK: arith.truncf {{.*}} : f32 to bf16
func.func @gated_delta(%q: tensor<2x?x3x16xbf16>, %k: tensor<2x?x3x16xbf16>,
                       %v: tensor<2x?x3x8xbf16>, %g: tensor<2x?x3xf32>,
                       %beta: tensor<2x?x3xf32>, %o_init: tensor<2x?x3x8xbf16>, %s_init: tensor<2x3x16x8xf32>)
    -> (tensor<2x?x3x8xbf16>, tensor<2x3x16x8xf32>) {
  %o, %s = recur.linear_attention ins(%q, %k, %v : tensor<2x?x3x16xbf16>, tensor<2x?x3x16xbf16>, tensor<2x?x3x8xbf16>) gate scalar(%g : tensor<2x?x3xf32>) beta(%beta : tensor<2x?x3xf32>) outs(%o_init, %s_init : tensor<2x?x3x8xbf16>, tensor<2x3x16x8xf32>)
  return %o, %s : tensor<2x?x3x8xbf16>, tensor<2x3x16x8xf32>
}

// -----

// Ungated, static shapes: no exp at all, only the causal mask.
// CHECK-LABEL: func.func @plain(
// CHECK: scf.forall {{.*}} in (1, 2)
// CHECK: scf.for {{.*}} iter_args
// CHECK-NOT: math.exp
// CHECK: return
func.func @plain(%q: tensor<1x40x2x8xf32>, %k: tensor<1x40x2x8xf32>,
                 %v: tensor<1x40x2x8xf32>, %o_init: tensor<1x40x2x8xf32>, %s_init: tensor<1x2x8x8xf32>)
    -> (tensor<1x40x2x8xf32>, tensor<1x2x8x8xf32>) {
  %o, %s = recur.linear_attention ins(%q, %k, %v : tensor<1x40x2x8xf32>, tensor<1x40x2x8xf32>, tensor<1x40x2x8xf32>) outs(%o_init, %s_init : tensor<1x40x2x8xf32>, tensor<1x2x8x8xf32>)
  return %o, %s : tensor<1x40x2x8xf32>, tensor<1x2x8x8xf32>
}

// -----

// A single decode step (static T = 1).
// CHECK-LABEL: func.func @decode(
// CHECK: scf.forall
func.func @decode(%q: tensor<4x1x2x8xf32>, %k: tensor<4x1x2x8xf32>,
                  %v: tensor<4x1x2x8xf32>, %h0: tensor<4x2x8x8xf32>, %o_init: tensor<4x1x2x8xf32>)
    -> (tensor<4x1x2x8xf32>, tensor<4x2x8x8xf32>) {
  %o, %s = recur.linear_attention ins(%q, %k, %v : tensor<4x1x2x8xf32>, tensor<4x1x2x8xf32>, tensor<4x1x2x8xf32>) outs(%o_init, %h0 : tensor<4x1x2x8xf32>, tensor<4x2x8x8xf32>)
  return %o, %s : tensor<4x1x2x8xf32>, tensor<4x2x8x8xf32>
}
