// RUN: recur-opt %s --recur-parallel-loops | FileCheck %s
// RUN: recur-opt %s --recur-parallel-loops=threads=false | FileCheck %s --check-prefix=SERIAL

// A loop without heap temporaries runs on threads (scf.parallel, which
// convert-scf-to-openmp takes); one that allocates on the heap stays on the
// calling thread, where a failed allocation can return its status.
// CHECK-LABEL: func.func @heads(
// CHECK: scf.parallel
// CHECK-LABEL: func.func @allocates(
// CHECK-NOT: scf.parallel
// CHECK: scf.for
// CHECK: memref.alloc
// SERIAL-LABEL: func.func @heads(
// SERIAL-NOT: scf.parallel
// SERIAL: scf.for
func.func @heads(%m: memref<16xf32>) {
  %c0 = arith.constant 0.0 : f32
  scf.forall (%h) in (16) {
    memref.store %c0, %m[%h] : memref<16xf32>
  }
  return
}

func.func @allocates(%m: memref<16xf32>, %n: index) {
  scf.forall (%h) in (16) {
    %t = memref.alloc(%n) : memref<?xf32>
    %c0 = arith.constant 0 : index
    %x = memref.load %t[%c0] : memref<?xf32>
    memref.store %x, %m[%h] : memref<16xf32>
    memref.dealloc %t : memref<?xf32>
  }
  return
}

// Threads are one level deep: the batch loop around the heads runs
// sequentially and the heads run on threads.
// CHECK-LABEL: func.func @nested(
// CHECK: scf.for
// CHECK: scf.parallel
// SERIAL-LABEL: func.func @nested(
// SERIAL-NOT: scf.parallel
func.func @nested(%m: memref<?x16xf32>, %b: index) {
  %c0 = arith.constant 0.0 : f32
  scf.forall (%i) in (%b) {
    scf.forall (%h) in (16) {
      memref.store %c0, %m[%i, %h] : memref<?x16xf32>
    }
  }
  return
}
