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
