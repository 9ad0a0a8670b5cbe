// RUN: recur-opt %s --split-input-file --recur-gpu-mma-matmuls --canonicalize --cse | FileCheck %s
// RUN: recur-opt %s --split-input-file "--recur-gpu-mma-matmuls=input-precision" --canonicalize --cse | FileCheck %s --check-prefix=INPUT

// A matmul on static tiles in a block: warp-wide MMAs over (16 x 8 output
// fragment, lane). C is 20 x 12: 2 x 2 fragments, 128 lanes. Each lane
// loads its accumulators (row g + 8 (i / 2), column 2 q + i % 2 of its
// fragment), steps over the reduction (K = 24: two steps of 16, the second
// half zeros) and, by default, splits each f32 element into two bf16:
// three MMAs per step from one call site.
// CHECK-LABEL: func.func @matmul
// CHECK:         scf.forall
// CHECK:           scf.parallel (%[[IT:.*]]) = (%c0) to (%c128) step (%c1)
// CHECK:             %[[LANE:.*]] = arith.remui %[[IT]], %c32
// CHECK:             %[[FRAG:.*]] = arith.divui %[[IT]], %c32
// CHECK:             %[[G:.*]] = arith.divui %[[LANE]], %c4
// CHECK:             %[[Q:.*]] = arith.remui %[[LANE]], %c4
// CHECK-COUNT-4:     memref.load %{{.*}} : memref<20x12xf32>
// CHECK:             scf.for %[[K0:.*]] = %c0 to %c32 step %c16 iter_args
// CHECK-COUNT-8:       memref.load %{{.*}} : memref<20x24xf32>
// CHECK-COUNT-4:       memref.load %{{.*}} : memref<24x12xf32>
// CHECK:               arith.truncf %{{.*}} : f32 to bf16
// CHECK:               scf.for %[[PART:.*]] = %c0 to %c3 step %c1 iter_args
// CHECK:                 func.call @__recur_mma_m16n8k16_bf16({{.*}}) : (bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, f32, f32, f32, f32) -> (f32, f32, f32, f32)
// CHECK-COUNT-4:     scf.if
// CHECK:           } {recur.gpu.warp_lanes}
// CHECK-NOT:       linalg.matmul
// CHECK:       func.func private @__recur_mma_m16n8k16_bf16
// With input-precision, an op that reads bf16 rounds its operands to bf16
// once: one MMA per step.
// INPUT-LABEL: func.func @matmul
// INPUT:         scf.for {{.*}} = %c0 to %c32 step %c16 iter_args
// INPUT-NOT:       scf.for
// INPUT:           func.call @__recur_mma_m16n8k16_bf16
// INPUT-NOT:       func.call
// INPUT:         scf.yield
func.func @matmul(%a: memref<20x24xf32>, %b: memref<24x12xf32>,
                  %c: memref<20x12xf32>) {
  scf.forall (%i) in (4) {
    linalg.matmul {recur.operand_precision = bf16}
        ins(%a, %b : memref<20x24xf32>, memref<24x12xf32>)
        outs(%c : memref<20x12xf32>)
  } {mapping = [#gpu.block<linear_dim_0>]}
  return
}

// -----

// A^T B reads A through its indexing map: element (m, k) at a[k, m].
// CHECK-LABEL: func.func @transpose_a
// CHECK:         scf.parallel
// CHECK:           %[[ROW:.*]] = arith.select %{{.*}}, %{{.*}}, %c0 : index
// CHECK:           memref.load %{{.*}}[%[[ROW]], %{{.*}}] : memref<32x8xf32>
// CHECK:           memref.load %{{.*}}[%{{.*}}, %[[ROW]]] : memref<16x32xf32>
// CHECK:       } {recur.gpu.warp_lanes}
func.func @transpose_a(%a: memref<16x32xf32>, %b: memref<16x8xf32>,
                       %c: memref<32x8xf32>) {
  scf.forall (%i) in (4) {
    linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (k, m)>,
                                   affine_map<(m, n, k) -> (k, n)>,
                                   affine_map<(m, n, k) -> (m, n)>]
        ins(%a, %b : memref<16x32xf32>, memref<16x8xf32>)
        outs(%c : memref<32x8xf32>)
  } {mapping = [#gpu.block<linear_dim_0>]}
  return
}

// -----

// Left alone: a matmul on the host (a launch of its own, not a block's
// tile op), one inside a loop the threads share, and one of dynamic size.
// CHECK-LABEL: func.func @not_tiles
// CHECK-COUNT-3: linalg.matmul
// CHECK-NOT:     warp_lanes
func.func @not_tiles(%a: memref<16x16xf32>, %b: memref<16x8xf32>,
                     %c: memref<16x8xf32>, %d: memref<?x16xf32>,
                     %e: memref<?x8xf32>) {
  linalg.matmul ins(%a, %b : memref<16x16xf32>, memref<16x8xf32>)
      outs(%c : memref<16x8xf32>)
  scf.forall (%i) in (4) {
    scf.forall (%j) in (4) {
      linalg.matmul ins(%a, %b : memref<16x16xf32>, memref<16x8xf32>)
          outs(%c : memref<16x8xf32>)
    } {mapping = [#gpu.thread<linear_dim_0>]}
    linalg.matmul ins(%d, %b : memref<?x16xf32>, memref<16x8xf32>)
        outs(%e : memref<?x8xf32>)
  } {mapping = [#gpu.block<linear_dim_0>]}
  return
}

// -----

// bf16 operands (tiles of bf16 inputs) are their own high parts, loaded as
// they are: with A bf16, the split leaves out the MMA of A's low part
// (parts 1 and 2: high x low, high x high); with both bf16, one MMA a
// step. An f16 operand is widened and split like an f32 one.
// CHECK-LABEL: func.func @narrow_operands
// CHECK:         scf.parallel
// CHECK-COUNT-8:   memref.load %{{.*}} : memref<16x16xbf16>
// CHECK-COUNT-4:   memref.load %{{.*}} : memref<16x8xf32>
// CHECK:           scf.for %{{.*}} = %c1 to %c3 step %c1 iter_args
// CHECK:             func.call @__recur_mma_m16n8k16_bf16
// CHECK:       } {recur.gpu.warp_lanes}
// CHECK:         scf.parallel
// CHECK-COUNT-8:   memref.load %{{.*}} : memref<16x16xbf16>
// CHECK-COUNT-4:   memref.load %{{.*}} : memref<16x8xbf16>
// CHECK-NOT:       scf.for
// CHECK:           func.call @__recur_mma_m16n8k16_bf16
// CHECK-NOT:       func.call
// CHECK:       } {recur.gpu.warp_lanes}
// CHECK:         scf.parallel
// CHECK-COUNT-8:   memref.load %{{.*}} : memref<16x16xf16>
// CHECK:           arith.extf %{{.*}} : f16 to f32
// CHECK:           scf.for %{{.*}} = %c0 to %c3 step %c1 iter_args
// CHECK:       } {recur.gpu.warp_lanes}
func.func @narrow_operands(%a: memref<16x16xbf16>, %b: memref<16x8xf32>,
                           %bb: memref<16x8xbf16>, %h: memref<16x16xf16>,
                           %c: memref<16x8xf32>) {
  scf.forall (%i) in (4) {
    linalg.matmul ins(%a, %b : memref<16x16xbf16>, memref<16x8xf32>)
        outs(%c : memref<16x8xf32>)
    linalg.matmul ins(%a, %bb : memref<16x16xbf16>, memref<16x8xbf16>)
        outs(%c : memref<16x8xf32>)
    linalg.matmul ins(%h, %b : memref<16x16xf16>, memref<16x8xf32>)
        outs(%c : memref<16x8xf32>)
  } {mapping = [#gpu.block<linear_dim_0>]}
  return
}
