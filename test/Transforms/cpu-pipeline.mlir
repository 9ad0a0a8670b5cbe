// RUN: recur-opt %s --recur-cpu-pipeline | FileCheck %s
// RUN: recur-opt %s --recur-cpu-pipeline="lowering=reference" | FileCheck %s
// RUN: not recur-opt %s --recur-cpu-pipeline="lowering=fast" 2>&1 | FileCheck %s --check-prefix=BAD

// The whole CPU pipeline leaves only the LLVM dialect: the C entry point and
// internal helpers, no recur, tensor, memref or scf op (the allocations go
// through the internal @recur.checked_malloc).
// CHECK-LABEL: llvm.func @scan(%{{.*}}: i64, %{{.*}}: i64, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr) -> i32
// CHECK: llvm.call @_setjmp
// CHECK: llvm.func internal @scan.impl
// CHECK-NOT: {{[^@](recur|tensor|memref|scf|bufferization)\.}}
// BAD: for the --lowering option: Cannot find option named 'fast'!
func.func @scan(%a: tensor<?x?x8xf32>, %b: tensor<?x?x8xf32>, %h_init: tensor<?x?x8xf32>, %last_init: tensor<?x8xf32>)
    -> (tensor<?x?x8xf32>, tensor<?x8xf32>) {
  %h, %last = recur.scan ins(%a, %b : tensor<?x?x8xf32>, tensor<?x?x8xf32>) outs(%h_init, %last_init : tensor<?x?x8xf32>, tensor<?x8xf32>)
  return %h, %last : tensor<?x?x8xf32>, tensor<?x8xf32>
}
