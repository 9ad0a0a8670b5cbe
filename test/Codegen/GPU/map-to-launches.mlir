// RUN: recur-opt %s --split-input-file --recur-gpu-map-to-launches --verify-diagnostics | FileCheck %s

// A forall mapped to blocks: a launch whose blocks walk the iterations
// (grid-stride); the thread forall inside: a block-stride loop, then a
// barrier. 32 threads: the thread loop's static count, a warp at least.
// CHECK-LABEL: func.func @blocks_and_threads
// CHECK:         gpu.launch blocks({{.*}}) in ({{.*}} = %{{.*}}, {{.*}} = %c1{{.*}}, {{.*}} = %c1{{.*}}) threads({{.*}}) in ({{.*}} = %c32{{.*}}, {{.*}} = %c1{{.*}}, {{.*}} = %c1{{.*}})
// CHECK:           %[[BID:.*]] = gpu.block_id x
// CHECK:           %[[GDIM:.*]] = gpu.grid_dim x
// CHECK:           scf.for %[[L:.*]] = %[[BID]] to %{{.*}} step %[[GDIM]]
// CHECK:             affine.delinearize_index %[[L]]
// CHECK:             %[[TID:.*]] = gpu.thread_id x
// CHECK:             %[[BDIM:.*]] = gpu.block_dim x
// CHECK:             scf.for %[[T:.*]] = %[[TID]] to %{{.*}} step %[[BDIM]]
// CHECK:               memref.store
// CHECK:             gpu.barrier
// CHECK:           gpu.terminator
// CHECK:       module attributes {gpu.container_module}
func.func @blocks_and_threads(%out: memref<?x4x20xf32>) {
  %c0 = arith.constant 0 : index
  %one = arith.constant 1.0 : f32
  %n = memref.dim %out, %c0 : memref<?x4x20xf32>
  scf.forall (%b, %h) in (%n, 4) {
    scf.forall (%v) in (20) {
      memref.store %one, %out[%b, %h, %v] : memref<?x4x20xf32>
    } {mapping = [#gpu.thread<linear_dim_0>]}
  } {mapping = [#gpu.block<linear_dim_0>, #gpu.block<linear_dim_1>]}
  return
}

// -----

// A parallel loop on the host: its iterations spread over blocks and
// threads, in a grid-stride loop.
// CHECK-LABEL: func.func @host_parallel
// CHECK:         gpu.launch
// CHECK:           %[[BID:.*]] = gpu.block_id x
// CHECK:           %[[TID:.*]] = gpu.thread_id x
// CHECK:           %[[BDIM:.*]] = gpu.block_dim x
// CHECK:           %[[GDIM:.*]] = gpu.grid_dim x
// CHECK:           %[[FIRST:.*]] = arith.addi
// CHECK:           %[[STRIDE:.*]] = arith.muli %[[GDIM]], %[[BDIM]]
// CHECK:           scf.for %{{.*}} = %[[FIRST]] to %{{.*}} step %[[STRIDE]]
// CHECK:             memref.store
func.func @host_parallel(%out: memref<?x?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %one = arith.constant 1.0 : f32
  %n = memref.dim %out, %c0 : memref<?x?xf32>
  %m = memref.dim %out, %c1 : memref<?x?xf32>
  scf.parallel (%i, %j) = (%c0, %c0) to (%n, %m) step (%c1, %c1) {
    memref.store %one, %out[%i, %j] : memref<?x?xf32>
  }
  return
}

// -----

// A block with no thread loop runs on its first thread.
// CHECK-LABEL: func.func @single_thread
// CHECK:         gpu.launch
// CHECK:           %[[TID:.*]] = gpu.thread_id x
// CHECK:           %[[FIRST:.*]] = arith.cmpi eq, %[[TID]], %c0
// CHECK:           scf.if %[[FIRST]]
// CHECK:             scf.for
// CHECK:               memref.store
func.func @single_thread(%out: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %one = arith.constant 1.0 : f32
  %n = memref.dim %out, %c0 : memref<?xf32>
  scf.forall (%b) in (%n) {
    memref.store %one, %out[%b] : memref<?xf32>
  } {mapping = [#gpu.block<linear_dim_0>]}
  return
}

// -----

// A value the host needs cannot come from a kernel.
func.func @host_read(%in: memref<4xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  // expected-error @below {{reads or writes a buffer outside a GPU kernel}}
  %x = memref.load %in[%c0] : memref<4xf32>
  return %x : f32
}

// -----

// Loops over buffers left on the host run on one thread.
// CHECK-LABEL: func.func @leftover_loop
// CHECK:         gpu.launch blocks({{.*}}) in ({{.*}} = %c1{{(_[0-9]+)?}}, {{.*}}) threads({{.*}}) in ({{.*}} = %c1{{(_[0-9]+)?}},
// CHECK-NEXT:      scf.for
// CHECK:             memref.store
// CHECK:           gpu.terminator
func.func @leftover_loop(%out: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %one = arith.constant 1.0 : f32
  %n = memref.dim %out, %c0 : memref<?xf32>
  scf.for %i = %c0 to %n step %c1 {
    memref.store %one, %out[%i] : memref<?xf32>
  }
  return
}

// -----

// A block that writes outside its thread loops runs on its first thread,
// the thread loop in order.
// CHECK-LABEL: func.func @write_outside_threads
// CHECK:         gpu.launch
// CHECK:           arith.cmpi eq, %{{.*}}, %c0
// CHECK:           scf.if
// CHECK:             scf.for
// CHECK:               memref.store
// CHECK:               scf.for
// CHECK:                 memref.store
// CHECK-NOT:       gpu.barrier
// CHECK:           gpu.terminator
func.func @write_outside_threads(%out: memref<?x8xf32>) {
  %c0 = arith.constant 0 : index
  %one = arith.constant 1.0 : f32
  %n = memref.dim %out, %c0 : memref<?x8xf32>
  scf.forall (%b) in (%n) {
    memref.store %one, %out[%b, %c0] : memref<?x8xf32>
    scf.forall (%v) in (8) {
      memref.store %one, %out[%b, %v] : memref<?x8xf32>
    } {mapping = [#gpu.thread<linear_dim_0>]}
  } {mapping = [#gpu.block<linear_dim_0>]}
  return
}

// -----

func.func @unmapped_host_forall(%out: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %one = arith.constant 1.0 : f32
  %n = memref.dim %out, %c0 : memref<?xf32>
  // expected-error @below {{on the host is not mapped to GPU blocks}}
  scf.forall (%b) in (%n) {
    memref.store %one, %out[%b] : memref<?xf32>
  }
  return
}
