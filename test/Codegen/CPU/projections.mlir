// RUN: recur-opt %s --split-input-file --recur-cpu-projections | FileCheck %s

// A projection x [B, T, 40] times a bf16 weight [6, 40]: the tokens
// flattened to rows, one column block (6 outputs: a 4-wide register tile
// and a 2-wide rest), 4-row tiles then single rows with two accumulators
// per pair, 40 inputs as 2 whole vectors and a partial one, the rows put
// back in shape.
// CHECK-LABEL: func.func @project
// CHECK-SAME: %[[X:[^:]*]]: tensor<?x?x40xf32>, %[[W:[^:]*]]: tensor<6x40xbf16>
// CHECK-NOT: linalg.generic
// CHECK: %[[ROWS:.*]] = tensor.collapse_shape %[[X]] {{\[\[}}0, 1], [2]] : tensor<?x?x40xf32> into tensor<?x40xf32>
// CHECK: %[[OUT:.*]] = tensor.collapse_shape %{{.*}} {{\[\[}}0, 1], [2]] : tensor<?x?x6xf32> into tensor<?x6xf32>
// CHECK: scf.forall (%{{.*}}) in (1) shared_outs(%{{.*}} = %[[OUT]])
// CHECK: tensor.extract_slice %{{.*}}[0, %{{.*}}] [%{{.*}}, 6] [1, 1]
// The 4-row tiles, 4 weight rows wide: 16 FMAs per step of 16 inputs.
// CHECK: scf.for
// CHECK: scf.for
// CHECK: scf.for
// CHECK-COUNT-4: vector.transfer_read %[[ROWS]]{{.*}} {in_bounds = [true]} : tensor<?x40xf32>, vector<16xf32>
// CHECK-COUNT-4: arith.extf %{{.*}} : vector<16xbf16> to vector<16xf32>
// CHECK-COUNT-16: vector.fma
// The partial last vector reads zeros past the row's end.
// CHECK: vector.transfer_read %[[ROWS]][%{{.*}}, %{{.*}}], %{{[^ ]*}} : tensor<?x40xf32>, vector<16xf32>
// CHECK: vector.reduction <add>, %{{.*}} fastmath<reassoc> : vector<16xf32> into f32
// CHECK: vector.from_elements
// CHECK: vector.transfer_write
// CHECK: scf.forall.in_parallel
// CHECK: tensor.parallel_insert_slice
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0, 1], [2]] output_shape
func.func @project(%x: tensor<?x?x40xf32>, %w: tensor<6x40xbf16>)
    -> tensor<?x?x6xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %b = tensor.dim %x, %c0 : tensor<?x?x40xf32>
  %t = tensor.dim %x, %c1 : tensor<?x?x40xf32>
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty(%b, %t) : tensor<?x?x6xf32>
  %init = linalg.fill ins(%zero : f32) outs(%empty : tensor<?x?x6xf32>)
      -> tensor<?x?x6xf32>
  %y = linalg.generic {
      indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>,
                       affine_map<(d0, d1, d2, d3) -> (d2, d3)>,
                       affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>],
      iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<?x?x40xf32>, tensor<6x40xbf16>)
      outs(%init : tensor<?x?x6xf32>) {
  ^bb0(%a: f32, %v: bf16, %acc: f32):
    %wide = arith.extf %v : bf16 to f32
    %p = arith.mulf %a, %wide : f32
    %s = arith.addf %p, %acc : f32
    linalg.yield %s : f32
  } -> tensor<?x?x6xf32>
  return %y : tensor<?x?x6xf32>
}

// -----

// Not projections: a tile inside a loop (a chunked form's), a weight of
// run-time size, and a body that is not a multiply-add.
// CHECK-LABEL: func.func @others
// CHECK-NOT: scf.forall
// CHECK-COUNT-3: linalg.generic
// CHECK-NOT: vector.fma
#x = affine_map<(d0, d1, d2) -> (d0, d2)>
#w = affine_map<(d0, d1, d2) -> (d1, d2)>
#y = affine_map<(d0, d1, d2) -> (d0, d1)>
func.func @others(%x: tensor<8x32xf32>, %w: tensor<4x32xf32>,
                  %wd: tensor<?x32xf32>, %init: tensor<8x4xf32>,
                  %initd: tensor<8x?xf32>) -> (tensor<8x4xf32>, tensor<8x?xf32>, tensor<8x4xf32>) {
  %c0 = arith.constant 0 : index
  %c2 = arith.constant 2 : index
  %c1 = arith.constant 1 : index
  %tiled = scf.for %i = %c0 to %c2 step %c1 iter_args(%acc = %init) -> tensor<8x4xf32> {
    %y = linalg.generic {indexing_maps = [#x, #w, #y],
        iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%x, %w : tensor<8x32xf32>, tensor<4x32xf32>) outs(%acc : tensor<8x4xf32>) {
    ^bb0(%a: f32, %b: f32, %o: f32):
      %p = arith.mulf %a, %b : f32
      %s = arith.addf %p, %o : f32
      linalg.yield %s : f32
    } -> tensor<8x4xf32>
    scf.yield %y : tensor<8x4xf32>
  }
  %dynamic = linalg.generic {indexing_maps = [#x, #w, #y],
      iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %wd : tensor<8x32xf32>, tensor<?x32xf32>) outs(%initd : tensor<8x?xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %p, %o : f32
    linalg.yield %s : f32
  } -> tensor<8x?xf32>
  %maximum = linalg.generic {indexing_maps = [#x, #w, #y],
      iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<8x32xf32>, tensor<4x32xf32>) outs(%init : tensor<8x4xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.maximumf %p, %o : f32
    linalg.yield %s : f32
  } -> tensor<8x4xf32>
  return %tiled, %dynamic, %maximum : tensor<8x4xf32>, tensor<8x?xf32>, tensor<8x4xf32>
}

// -----

// A weight [40, 300] packed in panels of 16 (a linalg.unpack of [3, 300,
// 16], the last panel partial): the panel GEMM reads the panels, not the
// unpacked weight. Two whole panels form no block of eight, so every panel
// is in the sequential rest, its outputs past 40 masked; 300 inputs are a
// block of 256 and a tail of 44. Main tiles of 8 rows x 3 panels (24
// accumulators, three panel vectors and 8 broadcasts per input), middle
// tiles of 2 rows, then single rows 8 panels wide (here the 3 there are);
// each tile prefetches its panels' streams into L1 ahead of its loads.
// CHECK-LABEL: func.func @packed
// CHECK-SAME: %[[X:[^:]*]]: tensor<?x300xf32>, %[[P:[^:]*]]: tensor<3x300x16xbf16>
// The unpack is left without uses (--recur-lower-unpack erases it).
// CHECK: linalg.unpack
// CHECK-NOT: linalg.generic
// The panels' buffer, for the prefetches, once per GEMM.
// CHECK: %[[M:.*]] = bufferization.to_buffer %[[P]] read_only
// CHECK-NOT: linalg.generic
// CHECK-NOT: scf.forall
// CHECK: scf.for
// CHECK: scf.for
// CHECK: scf.for
// CHECK: scf.for {{.*}} -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// Each panel's stream 32 inputs ahead, at most the last input (299).
// CHECK: %[[AHEAD:.*]] = arith.minsi %{{.*}}, %{{.*}} : index
// CHECK-COUNT-3: memref.prefetch %[[M]][%{{[^,]*}}, %[[AHEAD]], %{{[^]]*}}], read, locality<3>, data
// CHECK-COUNT-3: vector.transfer_read %[[P]]{{.*}} {in_bounds = [true]} : tensor<3x300x16xbf16>, vector<16xbf16>
// CHECK-NOT: vector.transfer_read
// CHECK: tensor.extract {{.*}} : tensor<?x300xf32>
// CHECK: vector.broadcast %{{.*}} : f32 to vector<16xf32>
// CHECK-COUNT-3: vector.fma
// CHECK-NOT: vector.fma
// CHECK: tensor.extract {{.*}} : tensor<?x300xf32>
// The outputs, masked (no in_bounds) past column 40.
// CHECK: vector.transfer_read %{{[^ ]*}}[%{{[^]]*}}], %{{[^ ]*}} : tensor<?x40xf32>, vector<16xf32>
// CHECK: vector.transfer_write %{{[^ ]*}}, %{{[^ ]*}}[%{{[^]]*}}] : vector<16xf32>, tensor<?x40xf32>
// CHECK: return
func.func @packed(%x: tensor<?x300xf32>, %p: tensor<3x300x16xbf16>)
    -> tensor<?x40xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %rows = tensor.dim %x, %c0 : tensor<?x300xf32>
  %empty = tensor.empty() : tensor<40x300xbf16>
  %w = linalg.unpack %p inner_dims_pos = [0] inner_tiles = [16] into %empty
      : tensor<3x300x16xbf16> -> tensor<40x300xbf16>
  %init = tensor.empty(%rows) : tensor<?x40xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%init : tensor<?x40xf32>) -> tensor<?x40xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                                        affine_map<(m, n, k) -> (n, k)>,
                                        affine_map<(m, n, k) -> (m, n)>],
                       iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<?x300xf32>, tensor<40x300xbf16>) outs(%acc : tensor<?x40xf32>) {
  ^bb0(%a: f32, %b: bf16, %o: f32):
    %bw = arith.extf %b : bf16 to f32
    %m = arith.mulf %a, %bw : f32
    %s = arith.addf %o, %m : f32
    linalg.yield %s : f32
  } -> tensor<?x40xf32>
  return %y : tensor<?x40xf32>
}
