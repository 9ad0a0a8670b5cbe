// RUN: recur-opt %s --recur-lower-expand-shape | FileCheck %s
// RUN: recur-opt %s --recur-lower-expand-shape --expand-strided-metadata --finalize-memref-to-llvm | FileCheck %s --check-prefix=LLVM

// [B * T, 128] -> [B, T, 4, 32]: the split of one dimension into two dynamic
// ones, on which upstream --expand-strided-metadata crashes.
// CHECK-LABEL: func.func @tokens_to_heads(
// CHECK-SAME: %[[SRC:.*]]: memref<?x128xf32>, %[[B:.*]]: index, %[[T:.*]]: index)
// CHECK: %[[C128:.*]] = arith.constant 128 : index
// CHECK: %[[BASE:.*]], %{{.*}}, %{{.*}}:2, %{{.*}}:2 = memref.extract_strided_metadata %[[SRC]]
// CHECK: %[[OUTER:.*]] = arith.muli %[[C128]], %[[T]] : index
// CHECK: memref.reinterpret_cast %[[BASE]] to offset: [0], sizes: [%[[B]], %[[T]], 4, 32], strides: [%[[OUTER]], 128, 32, 1]
// CHECK-NOT: memref.expand_shape
// LLVM-LABEL: func.func @tokens_to_heads
// LLVM: llvm.insertvalue
// LLVM-NOT: memref.
func.func @tokens_to_heads(%src: memref<?x128xf32>, %b: index, %t: index) -> memref<?x?x4x32xf32> {
  %e = memref.expand_shape %src [[0, 1], [2, 3]] output_shape [%b, %t, 4, 32]
      : memref<?x128xf32> into memref<?x?x4x32xf32>
  return %e : memref<?x?x4x32xf32>
}

// A strided source keeps its dynamic offset and stride.
// CHECK-LABEL: func.func @strided_source(
// CHECK: %[[BASE:.*]], %[[OFFSET:.*]], %{{.*}}, %[[STRIDE:.*]] = memref.extract_strided_metadata
// CHECK: %[[OUTER:.*]] = arith.muli %[[STRIDE]], %{{.*}} : index
// CHECK: memref.reinterpret_cast %[[BASE]] to offset: [%[[OFFSET]]], sizes: [2, %{{.*}}], strides: [%[[OUTER]], %[[STRIDE]]]
func.func @strided_source(%src: memref<?xf32, strided<[?], offset: ?>>, %n: index)
    -> memref<2x?xf32, strided<[?, ?], offset: ?>> {
  %e = memref.expand_shape %src [[0, 1]] output_shape [2, %n]
      : memref<?xf32, strided<[?], offset: ?>> into memref<2x?xf32, strided<[?, ?], offset: ?>>
  return %e : memref<2x?xf32, strided<[?, ?], offset: ?>>
}

// A rank-0 source: every new dimension has size 1 and stride 1.
// CHECK-LABEL: func.func @from_scalar(
// CHECK: memref.reinterpret_cast %{{.*}} to offset: [0], sizes: [1, 1], strides: [1, 1]
func.func @from_scalar(%src: memref<f32>) -> memref<1x1xf32> {
  %e = memref.expand_shape %src [] output_shape [1, 1] : memref<f32> into memref<1x1xf32>
  return %e : memref<1x1xf32>
}
