// RUN: recur-opt %s --recur-parallel-loops | FileCheck %s
// RUN: recur-opt %s --recur-parallel-loops=threads=false | FileCheck %s --check-prefix=SERIAL

// A loop without heap temporaries and with enough work runs on threads
// (scf.parallel, which convert-scf-to-openmp takes) when
// omp_get_max_threads() is more than 1, else in order (scf.for); one that
// allocates on the heap stays on the calling thread, where a failed
// allocation can return its status.
// CHECK: func.func private @omp_get_max_threads() -> i32
// CHECK-LABEL: func.func @heads(
// CHECK: %[[THREADS:.*]] = call @omp_get_max_threads() : () -> i32
// CHECK: %[[MANY:.*]] = arith.cmpi sgt, %[[THREADS]], %c1_i32
// CHECK: %[[AND:.*]] = arith.andi %[[MANY]],
// CHECK: scf.if %[[AND]] {
// CHECK: scf.parallel
// CHECK: } else {
// CHECK: scf.for
// CHECK-LABEL: func.func @allocates(
// CHECK-NOT: scf.parallel
// CHECK: scf.for
// CHECK: memref.alloc
// SERIAL-NOT: omp_get_max_threads
// SERIAL-LABEL: func.func @heads(
// SERIAL-NOT: scf.parallel
// SERIAL: scf.for
func.func @heads(%m: memref<16x65536xf32>) {
  %c0 = arith.constant 0.0 : f32
  %i0 = arith.constant 0 : index
  %i1 = arith.constant 1 : index
  %n = arith.constant 65536 : index
  scf.forall (%h) in (16) {
    scf.for %j = %i0 to %n step %i1 {
      memref.store %c0, %m[%h, %j] : memref<16x65536xf32>
    }
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

// Too little work for a parallel region (16 stores): in order, no check.
// CHECK-LABEL: func.func @small(
// CHECK-NOT: omp_get_max_threads
// CHECK-NOT: scf.parallel
// CHECK: scf.for
func.func @small(%m: memref<16xf32>) {
  %c0 = arith.constant 0.0 : f32
  scf.forall (%h) in (16) {
    memref.store %c0, %m[%h] : memref<16xf32>
  }
  return
}

// Run-time iterations of little work each (a decode step over B
// sequences): on threads only past 262144 / 2 iterations (each counts the
// load and the store).
// CHECK-LABEL: func.func @batch(
// CHECK: call @omp_get_max_threads()
// CHECK: %[[LEAST:.*]] = arith.constant 131072 : index
// CHECK: arith.cmpi sgt, %{{.*}}, %[[LEAST]] : index
// CHECK: scf.parallel
func.func @batch(%m: memref<?xf32>, %b: index) {
  scf.forall (%i) in (%b) {
    %x = memref.load %m[%i] : memref<?xf32>
    memref.store %x, %m[%i] : memref<?xf32>
  }
  return
}

// Threads are one level deep: the batch loop around parallel heads runs
// sequentially and the heads run on threads.
// CHECK-LABEL: func.func @nested(
// CHECK: scf.for
// CHECK: scf.if
// CHECK: scf.parallel
// SERIAL-LABEL: func.func @nested(
// SERIAL-NOT: scf.parallel
func.func @nested(%m: memref<?x16x65536xf32>, %b: index) {
  %c0 = arith.constant 0.0 : f32
  %i0 = arith.constant 0 : index
  %i1 = arith.constant 1 : index
  %n = arith.constant 65536 : index
  scf.forall (%i) in (%b) {
    scf.forall (%h) in (16) {
      scf.for %j = %i0 to %n step %i1 {
        memref.store %c0, %m[%i, %h, %j] : memref<?x16x65536xf32>
      }
    }
  }
  return
}
