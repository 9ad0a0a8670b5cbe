// RUN: recur-opt %s --allow-unregistered-dialect --recur-gpu-flatten-buffers | FileCheck %s

// An scf.if choosing between two forms of an op, each computing into its
// own allocation, yields them cast to the fully dynamic layout (as One-Shot
// Bufferize leaves it). The result takes the allocations' identity type,
// so the kernel that reads it flattens it; a user outside the kernels that
// is not a load, store or size read keeps the strided type through a cast.
// CHECK-LABEL: func.func @choice
// CHECK: %[[IF:.+]] = scf.if %{{.+}} -> (memref<?x4xf32>)
// CHECK: scf.yield %{{.+}} : memref<?x4xf32>
// CHECK: scf.yield %{{.+}} : memref<?x4xf32>
// CHECK: %[[BACK:.+]] = memref.cast %[[IF]] : memref<?x4xf32> to memref<?x4xf32, strided<[?, ?], offset: ?>>
// CHECK: memref.collapse_shape %[[IF]] {{\[}}[0, 1]] : memref<?x4xf32> into memref<?xf32>
// CHECK: gpu.launch
// CHECK: memref.load %{{.+}}[%{{.+}}] : memref<?xf32>
// CHECK: "test.keep"(%[[BACK]])
func.func @choice(%n: index, %small: i1, %out: memref<?x4xf32>) {
  %c1 = arith.constant 1 : index
  %r = scf.if %small -> (memref<?x4xf32, strided<[?, ?], offset: ?>>) {
    %a = memref.alloc(%n) : memref<?x4xf32>
    %ca = memref.cast %a : memref<?x4xf32> to memref<?x4xf32, strided<[?, ?], offset: ?>>
    scf.yield %ca : memref<?x4xf32, strided<[?, ?], offset: ?>>
  } else {
    %b = memref.alloc(%n) : memref<?x4xf32>
    %cb = memref.cast %b : memref<?x4xf32> to memref<?x4xf32, strided<[?, ?], offset: ?>>
    scf.yield %cb : memref<?x4xf32, strided<[?, ?], offset: ?>>
  }
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c1, %v = %c1, %w = %c1) {
    %i = arith.constant 0 : index
    %e = memref.load %r[%i, %i] : memref<?x4xf32, strided<[?, ?], offset: ?>>
    memref.store %e, %out[%i, %i] : memref<?x4xf32>
    gpu.terminator
  }
  "test.keep"(%r) : (memref<?x4xf32, strided<[?, ?], offset: ?>>) -> ()
  return
}
