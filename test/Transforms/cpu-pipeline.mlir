// RUN: recur-opt %s --recur-cpu-pipeline | FileCheck %s --check-prefixes=CHECK,DEFAULT
// RUN: recur-opt %s --recur-cpu-pipeline="lowering=reference" | FileCheck %s
// RUN: not recur-opt %s --recur-cpu-pipeline="lowering=fast" 2>&1 | FileCheck %s --check-prefix=BAD

// The whole CPU pipeline leaves only the LLVM dialect: the C entry point and
// internal helpers, no recur, tensor, memref or scf op. A scan writes its
// outputs in place (its initial values copied into them:
// --recur-copy-read-only-inits), so it allocates nothing (the reference
// lowering's loops still copy their initial values); two chained
// scans have a temporary, allocated through the internal
// @recur.checked_malloc, whose failure the entry points catch (setjmp).
// CHECK-LABEL: llvm.func @scan(%{{.*}}: i64, %{{.*}}: i64, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr) -> i32
// CHECK: llvm.call @_setjmp
// CHECK: llvm.func internal @scan.impl
// DEFAULT-NOT: @recur.checked_malloc
// CHECK-LABEL: llvm.func @chained(
// CHECK: llvm.call @_setjmp
// CHECK: llvm.func internal @chained.impl
// CHECK: llvm.call @recur.checked_malloc
// CHECK-NOT: {{[^@](recur|tensor|memref|scf|bufferization)\.}}
// BAD: for the --lowering option: Cannot find option named 'fast'!
func.func @scan(%a: tensor<?x?x8xf32>, %b: tensor<?x?x8xf32>, %h_init: tensor<?x?x8xf32>, %last_init: tensor<?x8xf32>)
    -> (tensor<?x?x8xf32>, tensor<?x8xf32>) {
  %h, %last = recur.scan ins(%a, %b : tensor<?x?x8xf32>, tensor<?x?x8xf32>) outs(%h_init, %last_init : tensor<?x?x8xf32>, tensor<?x8xf32>)
  return %h, %last : tensor<?x?x8xf32>, tensor<?x8xf32>
}

func.func @chained(%a: tensor<?x?x8xf32>, %b: tensor<?x?x8xf32>, %h_init: tensor<?x?x8xf32>, %last_init: tensor<?x8xf32>)
    -> (tensor<?x?x8xf32>, tensor<?x8xf32>) {
  %h, %last = recur.scan ins(%a, %b : tensor<?x?x8xf32>, tensor<?x?x8xf32>) outs(%h_init, %last_init : tensor<?x?x8xf32>, tensor<?x8xf32>)
  %h2, %last2 = recur.scan ins(%h, %b : tensor<?x?x8xf32>, tensor<?x?x8xf32>) outs(%h_init, %last : tensor<?x?x8xf32>, tensor<?x8xf32>)
  return %h2, %last2 : tensor<?x?x8xf32>, tensor<?x8xf32>
}
