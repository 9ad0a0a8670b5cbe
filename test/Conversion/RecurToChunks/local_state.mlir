// RUN: recur-opt %s --recur-chunk --split-input-file | FileCheck %s

// local_state: the chunk loop carries the state in a tile of its own, a
// copy of the initial state (bufferization.alloc_tensor: no pass makes it
// the state's buffer), and the loop's final state goes to the state's
// buffer once, after the loop.
// CHECK-LABEL: func.func @local(
// CHECK: scf.forall
// CHECK: %[[INITIAL:.+]] = tensor.extract_slice %{{.+}}[%{{.+}}, %{{.+}}, 0, 0] [1, 1, 16, 8] [1, 1, 1, 1]
// CHECK: %[[TILE:.+]] = bufferization.alloc_tensor() : tensor<16x8xf32>
// CHECK: %[[LOCAL:.+]] = linalg.copy ins(%[[INITIAL]] : tensor<16x8xf32>) outs(%[[TILE]] : tensor<16x8xf32>)
// CHECK: %[[LOOP:.+]]:2 = scf.for {{.*}} iter_args(%{{.+}} = %[[LOCAL]], %{{.+}} = %{{.+}})
// CHECK: scf.forall.in_parallel
// CHECK: tensor.parallel_insert_slice %[[LOOP]]#0 into %{{.+}}[%{{.+}}, %{{.+}}, 0, 0] [1, 1, 16, 8]
func.func @local(%q: tensor<?x?x2x16xf32>, %v: tensor<?x?x2x8xf32>, %s: tensor<?x2x16x8xf32>)
    -> (tensor<?x?x2x8xf32>, tensor<?x2x16x8xf32>) {
  %o, %h = recur.linear_attention ins(%q, %q, %v : tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>, tensor<?x?x2x8xf32>) outs(%v, %s : tensor<?x?x2x8xf32>, tensor<?x2x16x8xf32>) {recur.chunk_config = {chunk_size = 4 : i64, linear_attention_form = "chunked", local_state = true, serial_below = 0 : i64, state_pass = "sequential"}}
  return %o, %h : tensor<?x?x2x8xf32>, tensor<?x2x16x8xf32>
}

// -----

// Without it, the loop carries a slice of the state's buffer.
// CHECK-LABEL: func.func @in_buffer(
// CHECK: %[[INITIAL:.+]] = tensor.extract_slice %{{.+}}[%{{.+}}, %{{.+}}, 0, 0] [1, 1, 16, 8] [1, 1, 1, 1]
// CHECK-NOT: bufferization.alloc_tensor
// CHECK: scf.for {{.*}} iter_args(%{{.+}} = %[[INITIAL]], %{{.+}} = %{{.+}})
func.func @in_buffer(%q: tensor<?x?x2x16xf32>, %v: tensor<?x?x2x8xf32>, %s: tensor<?x2x16x8xf32>)
    -> (tensor<?x?x2x8xf32>, tensor<?x2x16x8xf32>) {
  %o, %h = recur.linear_attention ins(%q, %q, %v : tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>, tensor<?x?x2x8xf32>) outs(%v, %s : tensor<?x?x2x8xf32>, tensor<?x2x16x8xf32>) {recur.chunk_config = {chunk_size = 4 : i64, linear_attention_form = "chunked", serial_below = 0 : i64, state_pass = "sequential"}}
  return %o, %h : tensor<?x?x2x8xf32>, tensor<?x2x16x8xf32>
}
