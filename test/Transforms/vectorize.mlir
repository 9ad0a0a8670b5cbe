// RUN: recur-opt %s --split-input-file --verify-diagnostics --recur-vectorize | FileCheck %s
// RUN: recur-opt %s --split-input-file --verify-diagnostics --recur-vectorize=vector-bits=256 | FileCheck %s --check-prefix=AVX2

// A static matmul becomes 8 x 32 register tiles (4 x 16 for 256-bit
// vectors): the accumulator is read once, carried through the reduction
// loop as a vector, and updated by one broadcast-FMA per row and step.
// CHECK-LABEL: func.func @matmul(
// CHECK: scf.for {{.*}} step %c8
// CHECK: scf.for {{.*}} step %c32
// CHECK: %[[ACC:.*]] = vector.transfer_read {{.*}} : tensor<8x32xf32>, vector<8x32xf32>
// CHECK: scf.for {{.*}} step %c1 iter_args(%{{.*}} = %[[ACC]]) -> (vector<8x32xf32>)
// CHECK-COUNT-8: vector.fma {{.*}} : vector<32xf32>
// CHECK-NOT: vector.fma
// CHECK: scf.yield {{.*}} : vector<8x32xf32>
// CHECK: vector.transfer_write {{.*}} : vector<8x32xf32>, tensor<8x32xf32>
// AVX2-LABEL: func.func @matmul(
// AVX2: scf.for {{.*}} iter_args(%{{.*}} = %{{.*}}) -> (vector<4x16xf32>)
// AVX2-COUNT-4: vector.fma {{.*}} : vector<16xf32>
func.func @matmul(%a: tensor<64x64xf32>, %b: tensor<64x64xf32>, %c: tensor<64x64xf32>) -> tensor<64x64xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<64x64xf32>, tensor<64x64xf32>) outs(%c : tensor<64x64xf32>) -> tensor<64x64xf32>
  return %r : tensor<64x64xf32>
}

// -----

// Elementwise ops take up to four vectors per tile, here one row of 64;
// a width that is not a whole number of vectors is split first (upstream
// linalg.splitOp): 39 columns as 32 (two vectors), then 7, in tiles of 3
// rows (the largest divisor of 39 up to four vectors' worth).
// CHECK-LABEL: func.func @elementwise(
// CHECK: scf.for {{.*}} step %c1
// CHECK: math.exp {{.*}} : vector<64xf32>
// CHECK: scf.for %{{.*}} = %c0 to %c39 step %c1
// CHECK: arith.mulf {{.*}} : vector<32xf32>
// CHECK: scf.for %{{.*}} = %c0 to %c39 step %c3
// CHECK: arith.mulf {{.*}} : vector<3x7xf32>
func.func @elementwise(%a: tensor<64x64xf32>, %b: tensor<39x39xf32>) -> (tensor<64x64xf32>, tensor<39x39xf32>) {
  %e = tensor.empty() : tensor<64x64xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%a : tensor<64x64xf32>) outs(%e : tensor<64x64xf32>) {
  ^bb0(%x: f32, %y: f32):
    %s = math.exp %x : f32
    linalg.yield %s : f32
  } -> tensor<64x64xf32>
  %f = tensor.empty() : tensor<39x39xf32>
  %q = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%b : tensor<39x39xf32>) outs(%f : tensor<39x39xf32>) {
  ^bb0(%x: f32, %y: f32):
    %s = arith.mulf %x, %x : f32
    linalg.yield %s : f32
  } -> tensor<39x39xf32>
  return %r, %q : tensor<64x64xf32>, tensor<39x39xf32>
}

// -----

// A reduction over dynamic rows (a projection of T tokens) goes eight rows
// at a time: the loop over the rows is peeled into whole blocks, static
// 8 x 64 matmuls with 8 x 32 register tiles, and the last rows, one at a
// time, each a static vecmat.
// CHECK-LABEL: func.func @dynamic(
// CHECK: %[[WHOLE:.*]] = scf.for %{{.*}} = %c0 to %{{.*}} step %c8
// CHECK: tensor.extract_slice %{{.*}}[%{{.*}}, 0] [8, 64] [1, 1] : tensor<?x64xf32> to tensor<8x64xf32>
// CHECK: scf.for {{.*}} -> (vector<8x32xf32>)
// CHECK: vector.fma
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c8 iter_args(%{{.*}} = %[[WHOLE]])
// CHECK: scf.for %{{.*}} = %c0 to %{{.*}} step %c1
// CHECK: tensor.extract_slice %{{.*}}[%{{.*}}, 0] [1, 64] [1, 1] : tensor<?x64xf32> to tensor<1x64xf32>
// CHECK: vector.fma
// CHECK-NOT: linalg.matmul
func.func @dynamic(%a: tensor<?x64xf32>, %b: tensor<64x64xf32>, %c: tensor<?x64xf32>) -> tensor<?x64xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<?x64xf32>, tensor<64x64xf32>) outs(%c : tensor<?x64xf32>) -> tensor<?x64xf32>
  return %r : tensor<?x64xf32>
}

// -----

// A dynamic reduction dimension, and dynamic elementwise ops, are left for
// convert-linalg-to-loops.
// CHECK-LABEL: func.func @dynamic_left(
// CHECK: linalg.matmul
// CHECK: linalg.generic
// CHECK-NOT: vector.
func.func @dynamic_left(%a: tensor<8x?xf32>, %b: tensor<?x64xf32>, %c: tensor<8x64xf32>, %d: tensor<?x64xf32>) -> (tensor<8x64xf32>, tensor<?x64xf32>) {
  %r = linalg.matmul ins(%a, %b : tensor<8x?xf32>, tensor<?x64xf32>) outs(%c : tensor<8x64xf32>) -> tensor<8x64xf32>
  %e = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%b : tensor<?x64xf32>) outs(%d : tensor<?x64xf32>) {
  ^bb0(%x: f32, %y: f32):
    %s = arith.mulf %x, %x : f32
    linalg.yield %s : f32
  } -> tensor<?x64xf32>
  return %r, %e : tensor<8x64xf32>, tensor<?x64xf32>
}

// -----

// A reduction into one row (a vecmat) keeps up to eight vectors of
// independent accumulators: here all 64 columns at once.
// CHECK-LABEL: func.func @vecmat(
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %{{.*}}) -> (vector<64xf32>)
// CHECK: vector.fma {{.*}} : vector<64xf32>
// AVX2-LABEL: func.func @vecmat(
// AVX2: scf.for {{.*}} iter_args(%{{.*}} = %{{.*}}) -> (vector<64xf32>)
func.func @vecmat(%x: tensor<64xf32>, %m: tensor<64x64xf32>, %acc: tensor<64xf32>) -> tensor<64xf32> {
  %r = linalg.vecmat ins(%x, %m : tensor<64xf32>, tensor<64x64xf32>) outs(%acc : tensor<64xf32>) -> tensor<64xf32>
  return %r : tensor<64xf32>
}

// -----

// One token's projection (a single row; a prefill's weight transposed to
// [in, out]): eight vectors of accumulators, 328 outputs split as 256 in
// tiles of 128, then 64, then 8.
// CHECK-LABEL: func.func @projection_row(
// CHECK: scf.for %{{.*}} = %c0 to %c256 step %c128
// CHECK: scf.for {{.*}} -> (vector<1x128xf32>)
// CHECK: vector.fma {{.*}} : vector<128xf32>
// CHECK: scf.for {{.*}} -> (vector<1x64xf32>)
// CHECK: scf.for {{.*}} -> (vector<1x8xf32>)
func.func @projection_row(%x: tensor<1x64xf32>, %w: tensor<64x328xf32>, %acc: tensor<1x328xf32>) -> tensor<1x328xf32> {
  %r = linalg.matmul ins(%x, %w : tensor<1x64xf32>, tensor<64x328xf32>) outs(%acc : tensor<1x328xf32>) -> tensor<1x328xf32>
  return %r : tensor<1x328xf32>
}

// -----

// A transpose (attention's key tile read as K^T) goes in square tiles of
// 16 x 16: each key row is read whole and transposed in registers
// (vector.transpose, lowered to shuffles), not gathered.
// CHECK-LABEL: func.func @transpose(
// CHECK: scf.for %{{.*}} = %c0 to %c64 step %c16
// CHECK: vector.transfer_read {{.*}} : tensor<16x16xf32>, vector<16x16xf32>
// CHECK: vector.transpose %{{.*}}, [1, 0] : vector<16x16xf32> to vector<16x16xf32>
// AVX2-LABEL: func.func @transpose(
// AVX2: vector.transpose %{{.*}}, [1, 0] : vector<8x8xf32> to vector<8x8xf32>
func.func @transpose(%k: tensor<64x16xf32>, %init: tensor<16x64xf32>) -> tensor<16x64xf32> {
  %t = linalg.transpose ins(%k : tensor<64x16xf32>) outs(%init : tensor<16x64xf32>) permutation = [1, 0]
  return %t : tensor<16x64xf32>
}

// -----

// A torch Linear's weight is [out, in]: a vecmat along `out` would gather
// each column. It is vectorized along `in` instead (the dot form): rows of
// 4 x 64 products, each row summed horizontally by one reassociating
// vector.reduction, and no contraction.
// CHECK-LABEL: func.func @matvec_rows(
// CHECK-NOT: vector.contract
// CHECK: scf.for
// CHECK: vector.transfer_read {{.*}} : tensor<4x64xf32>, vector<4x64xf32>
// CHECK: arith.mulf {{.*}} : vector<4x64xf32>
// CHECK-COUNT-4: vector.reduction <add>, {{.*}} fastmath<reassoc> : vector<64xf32> into f32
// CHECK-NOT: vector.contract
// AVX2-LABEL: func.func @matvec_rows(
// AVX2: vector.reduction <add>, {{.*}} fastmath<reassoc> : vector<64xf32> into f32
func.func @matvec_rows(%w: tensor<328x64xf32>, %x: tensor<64xf32>, %acc: tensor<328xf32>) -> tensor<328xf32> {
  %r = linalg.matvec ins(%w, %x : tensor<328x64xf32>, tensor<64xf32>) outs(%acc : tensor<328xf32>) -> tensor<328xf32>
  return %r : tensor<328xf32>
}

// -----

// The token-serial step: one generic updates the state and reads it (the
// key dimension a reduction for the output row only). It becomes one loop
// over the state's rows, each row loaded, updated and stored once, with the
// output row carried in registers.
// CHECK-LABEL: func.func @update_and_read(
// CHECK: %[[O:.*]] = vector.transfer_read {{.*}} : tensor<64xf32>, vector<64xf32>
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %{{.*}}, %[[ACC:.*]] = %[[O]]) -> (tensor<64x64xf32>, vector<64xf32>)
// CHECK: vector.transfer_read {{.*}} : tensor<1x64xf32>, vector<1x64xf32>
// CHECK-NOT: vector.extract {{.*}} : f32 from vector<64xf32>
// CHECK: vector.transfer_write {{.*}} : vector<1x64xf32>, tensor<1x64xf32>
// CHECK: scf.yield {{.*}} : tensor<64x64xf32>, vector<64xf32>
func.func @update_and_read(%s: tensor<64x64xf32>, %k: tensor<64xf32>, %w: tensor<64xf32>, %d: tensor<64xf32>, %q: tensor<64xf32>, %o: tensor<64xf32>) -> (tensor<64x64xf32>, tensor<64xf32>) {
  %r:2 = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i)>, affine_map<(i, j) -> (i)>, affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>],
                         iterator_types = ["reduction", "parallel"]}
      ins(%k, %w, %d, %q : tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>) outs(%s, %o : tensor<64x64xf32>, tensor<64xf32>) {
  ^bb0(%kk: f32, %ww: f32, %dd: f32, %qq: f32, %ss: f32, %oo: f32):
    %a = arith.mulf %ss, %dd : f32
    %b = arith.mulf %kk, %ww : f32
    %n = arith.addf %a, %b : f32
    %p = arith.mulf %n, %qq : f32
    %acc = arith.addf %oo, %p : f32
    linalg.yield %n, %acc : f32, f32
  } -> (tensor<64x64xf32>, tensor<64xf32>)
  return %r#0, %r#1 : tensor<64x64xf32>, tensor<64xf32>
}

// -----

// Index elements have no fixed width: the op is left for the loops.
// CHECK-LABEL: func.func @index_elements(
// CHECK: linalg.generic
// CHECK-NOT: vector.
func.func @index_elements(%a: tensor<64xindex>, %b: tensor<64xindex>) -> tensor<64xindex> {
  %r = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>],
                       iterator_types = ["parallel"]}
      ins(%a : tensor<64xindex>) outs(%b : tensor<64xindex>) {
  ^bb0(%x: index, %y: index):
    %s = arith.addi %x, %y : index
    linalg.yield %s : index
  } -> tensor<64xindex>
  return %r : tensor<64xindex>
}
