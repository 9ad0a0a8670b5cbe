// RUN: recur-opt %s --split-input-file --recur-gpu-map-to-launches --verify-diagnostics | FileCheck %s

// A forall mapped to blocks: a launch whose blocks walk the iterations
// (grid-stride); the thread forall inside: a block-stride loop between
// barriers. 32 threads: the thread loop's static count, a warp at least.
// CHECK-LABEL: func.func @blocks_and_threads
// CHECK:         gpu.launch blocks({{.*}}) in ({{.*}} = %{{.*}}, {{.*}} = %c1{{.*}}, {{.*}} = %c1{{.*}}) threads({{.*}}) in ({{.*}} = %c32{{.*}}, {{.*}} = %c1{{.*}}, {{.*}} = %c1{{.*}})
// CHECK:           %[[TID:.*]] = gpu.thread_id x
// CHECK:           %[[BID:.*]] = gpu.block_id x
// CHECK:           %[[GDIM:.*]] = gpu.grid_dim x
// CHECK:           scf.for %[[L:.*]] = %[[BID]] to %{{.*}} step %[[GDIM]]
// CHECK:             affine.delinearize_index %[[L]]
// CHECK:             %[[BDIM:.*]] = gpu.block_dim x
// CHECK-NEXT:        gpu.barrier
// CHECK-NEXT:        scf.for %[[T:.*]] = %[[TID]] to %{{.*}} step %[[BDIM]]
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

// A block with no thread loop: its first thread writes.
// CHECK-LABEL: func.func @single_thread
// CHECK:         gpu.launch
// CHECK:           %[[TID:.*]] = gpu.thread_id x
// CHECK:           %[[FIRST:.*]] = arith.cmpi eq, %[[TID]], %c0
// CHECK:           scf.for
// CHECK:             gpu.barrier
// CHECK-NEXT:        scf.if %[[FIRST]]
// CHECK-NEXT:          memref.store
// CHECK-NEXT:        }
// CHECK-NEXT:        gpu.barrier
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

// A block that writes outside its thread loops: its first thread does the
// write, between barriers; the threads share the thread loop.
// CHECK-LABEL: func.func @write_outside_threads
// CHECK:         gpu.launch
// CHECK:           %[[TID:.*]] = gpu.thread_id x
// CHECK:           %[[FIRST:.*]] = arith.cmpi eq, %[[TID]], %c0
// CHECK:           scf.for
// CHECK:             gpu.barrier
// CHECK-NEXT:        scf.if %[[FIRST]] {
// CHECK-NEXT:          memref.store
// CHECK-NEXT:        }
// CHECK-NEXT:        gpu.barrier
// CHECK:             scf.for %{{.*}} = %[[TID]] to
// CHECK:               memref.store
// CHECK:             gpu.barrier
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

// A block whose write outside its thread loops has a result every thread
// needs runs on its first thread, the thread loop in order.
// CHECK-LABEL: func.func @write_with_result
// CHECK:         gpu.launch
// CHECK:           arith.cmpi eq, %{{.*}}, %c0
// CHECK:           scf.if
// CHECK:             scf.for
// CHECK:               scf.for {{.*}} iter_args
// CHECK:                 memref.store
// CHECK:               scf.for
// CHECK:                 memref.store
// CHECK-NOT:       gpu.barrier
// CHECK:           gpu.terminator
func.func @write_with_result(%out: memref<?x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %n = memref.dim %out, %c0 : memref<?x8xf32>
  scf.forall (%b) in (%n) {
    %sum = scf.for %i = %c0 to %c8 step %c1 iter_args(%acc = %zero) -> f32 {
      memref.store %acc, %out[%b, %i] : memref<?x8xf32>
      %next = arith.addf %acc, %one : f32
      scf.yield %next : f32
    }
    scf.forall (%v) in (8) {
      memref.store %sum, %out[%b, %v] : memref<?x8xf32>
    } {mapping = [#gpu.thread<linear_dim_0>]}
  } {mapping = [#gpu.block<linear_dim_0>]}
  return
}

// -----

// A chunked form's block: its static temporaries are the block's (marked
// for shared memory, allocated once per launch, never freed), and its tile
// ops, inside the loop over chunks, are block-stride loops between
// barriers. 128 threads: the tile's 16 x 8 elements.
// CHECK-LABEL: func.func @chunked_block
// CHECK:         gpu.launch blocks({{.*}}) threads({{.*}}) in ({{.*}} = %c128{{.*}},
// CHECK-NEXT:      %[[TILE:.*]] = memref.alloc() {recur.gpu.workgroup} : memref<16x8xf32>
// CHECK:           %[[TID:.*]] = gpu.thread_id x
// CHECK:           scf.for
// CHECK:             scf.for
// CHECK:               gpu.barrier
// CHECK-NEXT:          scf.for %{{.*}} = %[[TID]] to
// CHECK:                 memref.store %{{.*}}, %[[TILE]]
// CHECK:               gpu.barrier
// CHECK:               gpu.barrier
// CHECK-NEXT:          scf.for %{{.*}} = %[[TID]] to
// CHECK:                 memref.load %[[TILE]]
// CHECK:               gpu.barrier
// CHECK-NOT:       memref.dealloc
// CHECK:           gpu.terminator
func.func @chunked_block(%in: memref<?x64x8xf32>, %out: memref<?x64x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %n = memref.dim %out, %c0 : memref<?x64x8xf32>
  scf.forall (%b) in (%n) {
    scf.for %chunk = %c0 to %c4 step %c1 {
      %tile = memref.alloc() : memref<16x8xf32>
      %first = arith.muli %chunk, %c16 : index
      scf.parallel (%i, %j) = (%c0, %c0) to (%c16, %c8) step (%c1, %c1) {
        %t = arith.addi %first, %i : index
        %x = memref.load %in[%b, %t, %j] : memref<?x64x8xf32>
        memref.store %x, %tile[%i, %j] : memref<16x8xf32>
      }
      scf.parallel (%i, %j) = (%c0, %c0) to (%c16, %c8) step (%c1, %c1) {
        %t = arith.addi %first, %i : index
        %x = memref.load %tile[%i, %j] : memref<16x8xf32>
        memref.store %x, %out[%b, %t, %j] : memref<?x64x8xf32>
      }
      memref.dealloc %tile : memref<16x8xf32>
    }
  } {mapping = [#gpu.block<linear_dim_0>]}
  return
}

// -----

// An unmapped forall on the host (a chunk pattern's own) is blocks too.
// CHECK-LABEL: func.func @unmapped_host_forall
// CHECK:         gpu.launch
// CHECK:           gpu.block_id x
// CHECK:           scf.for
// CHECK:             memref.store
func.func @unmapped_host_forall(%out: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %one = arith.constant 1.0 : f32
  %n = memref.dim %out, %c0 : memref<?xf32>
  scf.forall (%b) in (%n) {
    memref.store %one, %out[%b] : memref<?xf32>
  }
  return
}

// -----

func.func @thread_forall_on_host(%out: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %one = arith.constant 1.0 : f32
  %n = memref.dim %out, %c0 : memref<?xf32>
  // expected-error @below {{on the host is mapped to GPU threads, not blocks}}
  scf.forall (%b) in (%n) {
    memref.store %one, %out[%b] : memref<?xf32>
  } {mapping = [#gpu.thread<linear_dim_0>]}
  return
}

// -----

// A block run by one thread keeps its temporaries in the block's memory
// too; a buffer a loop yields is not a temporary of one iteration and
// stays where it is.
// CHECK-LABEL: func.func @one_thread_temporaries
// CHECK:         gpu.launch
// CHECK-NEXT:      memref.alloc() {recur.gpu.workgroup} : memref<64x8xf32>
// CHECK-NOT:       recur.gpu.workgroup
// CHECK:           scf.if
// CHECK:             scf.for {{.*}} iter_args
// CHECK:               memref.alloc() : memref<8xf32>
func.func @one_thread_temporaries(%out: memref<?x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 0.0 : f32
  %n = memref.dim %out, %c0 : memref<?x8xf32>
  %first = memref.alloc() : memref<8xf32>
  scf.forall (%b) in (%n) {
    %tile = memref.alloc() : memref<64x8xf32>
    memref.store %zero, %tile[%c0, %c0] : memref<64x8xf32>
    %sum = scf.for %i = %c0 to %c4 step %c1 iter_args(%acc = %zero) -> f32 {
      %x = memref.load %tile[%i, %c0] : memref<64x8xf32>
      memref.store %x, %out[%b, %i] : memref<?x8xf32>
      %next = arith.addf %acc, %x : f32
      scf.yield %next : f32
    }
    %last = scf.for %i = %c0 to %c4 step %c1 iter_args(%row = %first) -> memref<8xf32> {
      %fresh = memref.alloc() : memref<8xf32>
      scf.yield %fresh : memref<8xf32>
    }
    memref.store %sum, %last[%c0] : memref<8xf32>
  } {mapping = [#gpu.block<linear_dim_0>]}
  return
}

// -----

// An unmapped forall inside a block runs its iterations in order, every
// thread alike; its tile ops are the threads'.
// CHECK-LABEL: func.func @forall_in_block
// CHECK:         gpu.launch
// CHECK:           %[[TID:.*]] = gpu.thread_id x
// CHECK:           scf.for
// CHECK:             scf.for
// CHECK:               gpu.barrier
// CHECK-NEXT:          scf.for %{{.*}} = %[[TID]] to
// CHECK:                 memref.store
// CHECK:               gpu.barrier
func.func @forall_in_block(%out: memref<?x4x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %one = arith.constant 1.0 : f32
  %n = memref.dim %out, %c0 : memref<?x4x8xf32>
  scf.forall (%b) in (%n) {
    scf.forall (%h) in (4) {
      scf.parallel (%v) = (%c0) to (%c8) step (%c1) {
        memref.store %one, %out[%b, %h, %v] : memref<?x4x8xf32>
      }
    }
  } {mapping = [#gpu.block<linear_dim_0>]}
  return
}

// -----

// Tile ops that touch no buffer an earlier one since the last barrier
// writes need no barrier between them: the first two fill two tiles; the
// third reads the first tile, so barriers come before it (the
// canonicalizer folds the two into one).
// CHECK-LABEL: func.func @independent_tile_ops
// CHECK:         gpu.launch
// CHECK-DAG:       %[[A:.*]] = memref.alloc() {recur.gpu.workgroup} : memref<8x8xf32>
// CHECK-DAG:       %[[B:.*]] = memref.alloc() {recur.gpu.workgroup} : memref<8x4xf32>
// CHECK:           scf.for
// CHECK:             gpu.barrier
// CHECK-NEXT:        scf.for
// CHECK:               memref.store %{{.*}}, %[[A]]
// CHECK-NOT:         gpu.barrier
// CHECK:             scf.for
// CHECK:               memref.store %{{.*}}, %[[B]]
// CHECK:             gpu.barrier
// CHECK:             gpu.barrier
// CHECK-NEXT:        scf.for
// CHECK:               memref.load %[[A]]
// CHECK:             gpu.barrier
func.func @independent_tile_ops(%out: memref<?x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %one = arith.constant 1.0 : f32
  %n = memref.dim %out, %c0 : memref<?x8xf32>
  scf.forall (%b) in (%n) {
    %a = memref.alloc() : memref<8x8xf32>
    %t = memref.alloc() : memref<8x4xf32>
    scf.parallel (%i, %j) = (%c0, %c0) to (%c8, %c8) step (%c1, %c1) {
      memref.store %one, %a[%i, %j] : memref<8x8xf32>
    }
    scf.parallel (%i, %j) = (%c0, %c0) to (%c8, %c4) step (%c1, %c1) {
      memref.store %one, %t[%i, %j] : memref<8x4xf32>
    }
    scf.parallel (%j) = (%c0) to (%c8) step (%c1) {
      %x = memref.load %a[%j, %j] : memref<8x8xf32>
      memref.store %x, %out[%b, %j] : memref<?x8xf32>
    }
    memref.dealloc %a : memref<8x8xf32>
    memref.dealloc %t : memref<8x4xf32>
  } {mapping = [#gpu.block<linear_dim_0>]}
  return
}
