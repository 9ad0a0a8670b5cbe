// RUN: recur-opt %s --recur-cuda-kernel-abi | FileCheck %s

// A kernel's shared temporaries become views of its dynamic shared memory,
// each at an offset aligned to 16 bytes (512 bytes of f32, then 3 bytes of
// i1 rounded up to 16), declared once per module as an external
// zero-length array; each launch asks for the bytes. Its i1 parameter is
// passed as an i32 and narrowed in the kernel; its block-size hint goes.

// CHECK: llvm.mlir.global external @__recur_dynamic_shared() {addr_space = 3 : i32, alignment = 16 : i64} : !llvm.array<0 x i8>
// CHECK-LABEL: gpu.func @tiles
// CHECK-SAME: (%[[FLAG:.+]]: i32)
// CHECK-NOT: known_block_size
// CHECK: arith.trunci %[[FLAG]] : i32 to i1
// CHECK: %[[SHARED:.+]] = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
// CHECK: %[[AT0:.+]] = arith.constant 0 : index
// CHECK: %[[A:.+]] = memref.view %[[SHARED]][%[[AT0]]][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<16x8xf32, #gpu.address_space<workgroup>>
// CHECK: %[[AT512:.+]] = arith.constant 512 : index
// CHECK: %[[B:.+]] = memref.view %[[SHARED]][%[[AT512]]][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<3xi1, #gpu.address_space<workgroup>>
// CHECK-NOT: memref.alloc
// CHECK: memref.store {{.*}}, %[[A]]
// CHECK: memref.store {{.*}}, %[[B]]
// CHECK-LABEL: gpu.func @no_tiles
// CHECK-NOT: gpu.dynamic_shared_memory
// CHECK-LABEL: func.func @host
// CHECK: %[[BYTES:.+]] = arith.constant 528 : i32
// CHECK: gpu.launch_func @kernels::@tiles {{.*}} dynamic_shared_memory_size %[[BYTES]] args(%{{.+}} : i32)
// CHECK: gpu.launch_func @kernels::@no_tiles
// CHECK-NOT: dynamic_shared_memory_size
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @tiles(%flag: i1) kernel attributes {known_block_size = array<i32: 128, 1, 1>} {
      %c0 = arith.constant 0 : index
      %one = arith.constant 1.0 : f32
      %a = memref.alloc() : memref<16x8xf32, #gpu.address_space<workgroup>>
      %b = memref.alloc() : memref<3xi1, #gpu.address_space<workgroup>>
      memref.store %one, %a[%c0, %c0] : memref<16x8xf32, #gpu.address_space<workgroup>>
      memref.store %flag, %b[%c0] : memref<3xi1, #gpu.address_space<workgroup>>
      gpu.return
    }
    gpu.func @no_tiles() kernel {
      gpu.return
    }
  }
  func.func @host(%flag: i1) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @kernels::@tiles blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%flag : i1)
    gpu.launch_func @kernels::@no_tiles blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
    return
  }
}
