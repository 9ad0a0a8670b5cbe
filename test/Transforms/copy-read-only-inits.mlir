// RUN: recur-opt %s --recur-copy-read-only-inits | FileCheck %s
// RUN: recur-opt %s --recur-copy-read-only-inits --eliminate-empty-tensors --one-shot-bufferize --canonicalize | FileCheck %s --check-prefix=BUFFERS

// A forall (and a DPS op) writing a read-only input's tensor in place
// writes an explicit copy of it, into a tensor.empty; a writable
// destination stays. After empty-tensor elimination and bufferization the
// copy goes straight into the output the result is materialized in, and
// the forall updates that buffer: no temporary, one copy.
// CHECK-LABEL: func.func @state
// CHECK: %[[IN:.+]] = bufferization.to_tensor %{{.+}} restrict : memref<4x8xf32>
// CHECK: %[[EMPTY:.+]] = tensor.empty() : tensor<4x8xf32>
// CHECK: %[[COPY:.+]] = linalg.copy ins(%[[IN]] : tensor<4x8xf32>) outs(%[[EMPTY]] : tensor<4x8xf32>)
// CHECK: scf.forall {{.*}} shared_outs(%{{.+}} = %[[COPY]])
// CHECK: %[[W:.+]] = bufferization.to_tensor %{{.+}} restrict writable
// CHECK-NOT: linalg.copy
// CHECK: linalg.fill {{.*}} outs(%[[W]] : tensor<4x8xf32>)
// BUFFERS-LABEL: func.func @state
// BUFFERS-SAME: (%[[IN:[^:]+]]: memref<4x8xf32>, %[[OUT:[^:]+]]: memref<4x8xf32>, %{{.+}}: memref<4x8xf32>)
// BUFFERS-NOT: memref.alloc
// BUFFERS: linalg.copy ins(%[[IN]] : memref<4x8xf32>) outs(%[[OUT]] : memref<4x8xf32>)
// BUFFERS: scf.forall
// BUFFERS: linalg.fill
// BUFFERS-NOT: memref.copy
// BUFFERS: return
func.func @state(%in: memref<4x8xf32>, %out: memref<4x8xf32>,
                 %other: memref<4x8xf32>) {
  %state = bufferization.to_tensor %in restrict : memref<4x8xf32> to tensor<4x8xf32>
  %updated = scf.forall (%i) in (4) shared_outs(%s = %state) -> (tensor<4x8xf32>) {
    %row = tensor.extract_slice %s[%i, 0] [1, 8] [1, 1] : tensor<4x8xf32> to tensor<8xf32>
    %twice = linalg.add ins(%row, %row : tensor<8xf32>, tensor<8xf32>) outs(%row : tensor<8xf32>) -> tensor<8xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %twice into %s[%i, 0] [1, 8] [1, 1] : tensor<8xf32> into tensor<4x8xf32>
    }
  }
  bufferization.materialize_in_destination %updated in restrict writable %out : (tensor<4x8xf32>, memref<4x8xf32>) -> ()
  %w = bufferization.to_tensor %other restrict writable : memref<4x8xf32> to tensor<4x8xf32>
  %zero = arith.constant 0.0 : f32
  %filled = linalg.fill ins(%zero : f32) outs(%w : tensor<4x8xf32>) -> tensor<4x8xf32>
  bufferization.materialize_in_destination %filled in restrict writable %other : (tensor<4x8xf32>, memref<4x8xf32>) -> ()
  return
}

// A zero fill of a function's body that two reductions (a plain one and
// one tiled in a loop) write in place, and that each returns into its own
// output: each gets its own fill, made beside the first, and after bufferization each result is computed in its output
// (without the split, empty-tensor elimination put the shared fill in the
// first output, where the second result was computed too, and both
// outputs held the first result).
// CHECK-LABEL: func.func @shared_fill
// CHECK: %[[E1:.+]] = tensor.empty() : tensor<4xf32>
// CHECK: %[[F1:.+]] = linalg.fill {{.*}} outs(%[[E1]] : tensor<4xf32>)
// CHECK: %[[E2:.+]] = tensor.empty() : tensor<4xf32>
// CHECK: %[[F2:.+]] = linalg.fill {{.*}} outs(%[[E2]] : tensor<4xf32>)
// CHECK: linalg.generic {{.*}} outs(%[[F1]] : tensor<4xf32>)
// CHECK: scf.for {{.*}} iter_args(%{{.+}} = %[[F2]])
// BUFFERS-LABEL: func.func @shared_fill
// BUFFERS-SAME: (%[[X:[^:]+]]: memref<4x8xf32>, %[[A:[^:]+]]: memref<4xf32>, %[[B:[^:]+]]: memref<4xf32>)
// BUFFERS-NOT: memref.alloc
// BUFFERS: linalg.fill {{.*}} outs(%[[A]] : memref<4xf32>)
// BUFFERS: linalg.fill {{.*}} outs(%[[B]] : memref<4xf32>)
// BUFFERS: linalg.generic {{.*}} outs(%[[A]] : memref<4xf32>)
// BUFFERS: scf.for
// BUFFERS: memref.subview %[[B]]
// BUFFERS: return
#rows = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
func.func @shared_fill(%x: memref<4x8xf32>, %a: memref<4xf32>,
                       %b: memref<4xf32>) {
  %in = bufferization.to_tensor %x restrict : memref<4x8xf32> to tensor<4x8xf32>
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<4xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%empty : tensor<4xf32>) -> tensor<4xf32>
  %sum = linalg.generic {indexing_maps = [#rows, #row], iterator_types = ["parallel", "reduction"]} ins(%in : tensor<4x8xf32>) outs(%fill : tensor<4xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %s = arith.addf %v, %acc : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %max = scf.for %i = %c0 to %c4 step %c1 iter_args(%t = %fill) -> (tensor<4xf32>) {
    %row = tensor.extract_slice %in[%i, 0] [1, 8] [1, 1] : tensor<4x8xf32> to tensor<1x8xf32>
    %acc = tensor.extract_slice %t[%i] [1] [1] : tensor<4xf32> to tensor<1xf32>
    %m = linalg.generic {indexing_maps = [#rows, #row], iterator_types = ["parallel", "reduction"]} ins(%row : tensor<1x8xf32>) outs(%acc : tensor<1xf32>) {
    ^bb0(%v: f32, %o: f32):
      %s = arith.maximumf %v, %o : f32
      linalg.yield %s : f32
    } -> tensor<1xf32>
    %next = tensor.insert_slice %m into %t[%i] [1] [1] : tensor<1xf32> into tensor<4xf32>
    scf.yield %next : tensor<4xf32>
  }
  bufferization.materialize_in_destination %sum in restrict writable %a : (tensor<4xf32>, memref<4xf32>) -> ()
  bufferization.materialize_in_destination %max in restrict writable %b : (tensor<4xf32>, memref<4xf32>) -> ()
  return
}
