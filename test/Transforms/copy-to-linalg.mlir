// RUN: recur-opt %s --recur-copy-to-linalg | FileCheck %s

// A copy into a strided subview becomes linalg.copy (no memrefCopy call);
// a copy between contiguous buffers stays a memref.copy (llvm.memcpy).
// CHECK-LABEL: func.func @copies(
// CHECK-SAME: %[[SRC:[^:]*]]: memref<4x8xf32>, %[[DST:[^:]*]]: memref<16x8xf32>, %[[FLAT:[^:]*]]: memref<4x8xf32>,
// CHECK: %[[VIEW:.*]] = memref.subview %[[DST]]
// CHECK: linalg.copy ins(%[[SRC]] : memref<4x8xf32>) outs(%[[VIEW]] : memref<4x8xf32, strided<[8, 1], offset: ?>>)
// CHECK: memref.copy %[[SRC]], %[[FLAT]] : memref<4x8xf32> to memref<4x8xf32>
func.func @copies(%src: memref<4x8xf32>, %dst: memref<16x8xf32>, %flat: memref<4x8xf32>, %row: index) {
  %view = memref.subview %dst[%row, 0] [4, 8] [1, 1] : memref<16x8xf32> to memref<4x8xf32, strided<[8, 1], offset: ?>>
  memref.copy %src, %view : memref<4x8xf32> to memref<4x8xf32, strided<[8, 1], offset: ?>>
  memref.copy %src, %flat : memref<4x8xf32> to memref<4x8xf32>
  return
}
