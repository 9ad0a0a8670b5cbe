// RUN: recur-opt %s --recur-buffer-abi --inline --recur-runtime-checks --canonicalize --cse --split-input-file --verify-diagnostics | FileCheck %s

// The checks come first, in order (dimensions >= 0, byte sizes, the ops'
// layouts, the outputs, buffers not NULL, outputs apart), then the work
// (when the output has bytes) under an scf.if that runs when none
// failed; the function returns the number of the first failed check and
// the two values it compared. Checks that cannot fail (one C dimension
// against itself, static sizes) are left out.
// CHECK-LABEL: func.func @attend(
// CHECK-SAME: %[[Q:[^:]*]]: memref<1x?x2x4xf32>, %[[K:[^:]*]]: memref<1x?x1x4xf32>, %[[V:[^:]*]]: memref<1x?x1x4xf32>, %[[O:[^:]*]]: memref<1x?x2x4xf32>) -> (i32, i64, i64)
// CHECK-SAME: status_messages = ["attend: dimension T = %lld is negative", "attend: dimension S = %lld is negative", "attend: dimension S2 = %lld is negative", "attend: 'q' [1, T, 2, 4] has 2^63 bytes or more", "attend: 'k' [1, S, 1, 4] has 2^63 bytes or more", "attend: 'v' [1, S2, 1, 4] has 2^63 bytes or more", "attend: 'o' [1, T, 2, 4] has 2^63 bytes or more", "attend: recur.attention at {{.*}}runtime-checks.mlir:{{[0-9]+}}: 'v' has S = %lld (dimension 1 of [B, S, Hkv, Dv]), but 'k' has S = %lld", "attend: 'q' is NULL but has %lld bytes", "attend: 'k' is NULL but has %lld bytes", "attend: 'v' is NULL but has %lld bytes", "attend: 'o' is NULL but has %lld bytes", "attend: the output 'o' (address %lld) overlaps another buffer (at address %lld); outputs must not share memory with other buffers"]}
// CHECK: %[[S:.*]] = memref.dim %[[K]], %c1
// CHECK: %[[S_I64:.*]] = arith.index_cast %[[S]] : index to i64
// CHECK: %[[S2:.*]] = memref.dim %[[V]], %c1
// CHECK: %[[S2_I64:.*]] = arith.index_cast %[[S2]] : index to i64
// CHECK: %[[DIFFER:.*]] = arith.cmpi ne, %[[S2_I64]], %[[S_I64]] : i64
// CHECK: arith.select %[[DIFFER]], %c8_i32, %{{.*}} : i32
// CHECK: arith.select %[[DIFFER]], %[[S2_I64]], %{{.*}} : i64
// CHECK: arith.select %[[DIFFER]], %[[S_I64]], %{{.*}} : i64
// CHECK: %[[STATUS:.*]] = arith.select %{{.*}}, %c1_i32, %{{.*}} : i32
// CHECK: %[[LHS:.*]] = arith.select
// CHECK: %[[RHS:.*]] = arith.select
// CHECK: %[[PASSED:.*]] = arith.cmpi eq, %[[STATUS]], %c0_i32 : i32
// CHECK: %[[WORK:.*]] = arith.andi %[[PASSED]], %{{.*}} : i1
// CHECK: scf.if %[[WORK]] {
// CHECK: recur.attention
// CHECK: bufferization.materialize_in_destination {{.*}} in restrict writable %[[O]]
// CHECK: }
// CHECK: return %[[STATUS]], %[[LHS]], %[[RHS]] : i32, i64, i64
func.func @attend(%q: tensor<1x?x2x4xf32> {recur.name = "q"},
                  %k: tensor<1x?x1x4xf32> {recur.name = "k", recur.dim_names = ["S"]},
                  %v: tensor<1x?x1x4xf32> {recur.name = "v", recur.dim_names = ["S2"]})
    -> (tensor<1x?x2x4xf32> {recur.name = "o"}) {
  %c1 = arith.constant 1 : index
  %t = tensor.dim %q, %c1 : tensor<1x?x2x4xf32>
  %o_init = tensor.empty(%t) : tensor<1x?x2x4xf32>
  %o = recur.attention
      ins(%q, %k, %v : tensor<1x?x2x4xf32>, tensor<1x?x1x4xf32>, tensor<1x?x1x4xf32>)
      outs(%o_init : tensor<1x?x2x4xf32>) causal
  return %o : tensor<1x?x2x4xf32>
}

// -----

// A size that does not follow from the arguments' sizes cannot be checked.
func.func private @opaque(tensor<1x?x8xf32>) -> tensor<1x?x8xf32>

func.func @scan(%a: tensor<1x?x8xf32> {recur.name = "a"}, %h0: tensor<1x8xf32> {recur.name = "h0"})
    -> (tensor<1x?x8xf32> {recur.name = "h"}) {
  %b = func.call @opaque(%a) : (tensor<1x?x8xf32>) -> tensor<1x?x8xf32>
  %c1 = arith.constant 1 : index
  %t = tensor.dim %a, %c1 : tensor<1x?x8xf32>
  %h_init = tensor.empty(%t) : tensor<1x?x8xf32>
  // expected-error @+1 {{cannot check the size of dimension 1 (T) of 'b' at run time: it does not follow from the sizes of the function's arguments}}
  %h, %last = recur.scan ins(%a, %b : tensor<1x?x8xf32>, tensor<1x?x8xf32>)
      outs(%h_init, %h0 : tensor<1x?x8xf32>, tensor<1x8xf32>)
  return %h : tensor<1x?x8xf32>
}

// -----

// An index clamped into the tensor (arith.maxsi with 0, then arith.minsi
// with the last row: an embedding's token id) is proven in bounds: its
// tensor.extract gets no check.
// CHECK-LABEL: func.func @clamped_rows(
// CHECK-NOT: recur.check_failed
// CHECK: return
func.func @clamped_rows(%ids: tensor<4xi32> {recur.name = "ids"}, %table: tensor<8x2xf32> {recur.name = "table"})
    -> (tensor<4x2xf32> {recur.name = "rows"}) {
  %init = tensor.empty() : tensor<4x2xf32>
  %c0 = arith.constant 0 : index
  %c7 = arith.constant 7 : index
  %rows = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%ids : tensor<4xi32>) outs(%init : tensor<4x2xf32>) {
  ^bb0(%id: i32, %out: f32):
    %i = arith.index_cast %id : i32 to index
    %low = arith.maxsi %i, %c0 : index
    %row = arith.minsi %low, %c7 : index
    %column = linalg.index 1 : index
    %v = tensor.extract %table[%row, %column] : tensor<8x2xf32>
    linalg.yield %v : f32
  } -> tensor<4x2xf32>
  return %rows : tensor<4x2xf32>
}

// -----

// Clamped above only, a negative id would read before the table: the
// check stays.
// CHECK-LABEL: func.func @clamped_above(
// CHECK: call @recur.check_failed
func.func @clamped_above(%ids: tensor<4xi32> {recur.name = "ids"}, %table: tensor<8x2xf32> {recur.name = "table"})
    -> (tensor<4x2xf32> {recur.name = "rows"}) {
  %init = tensor.empty() : tensor<4x2xf32>
  %c7 = arith.constant 7 : index
  %rows = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%ids : tensor<4xi32>) outs(%init : tensor<4x2xf32>) {
  ^bb0(%id: i32, %out: f32):
    %i = arith.index_cast %id : i32 to index
    %row = arith.minsi %i, %c7 : index
    %column = linalg.index 1 : index
    %v = tensor.extract %table[%row, %column] : tensor<8x2xf32>
    linalg.yield %v : f32
  } -> tensor<4x2xf32>
  return %rows : tensor<4x2xf32>
}
