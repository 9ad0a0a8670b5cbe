// RUN: recur-opt %s --split-input-file --pass-pipeline="builtin.module(gpu.module(recur-vulkan-emulate-mma))" --verify-diagnostics | FileCheck %s

// The vulkan tail's mma.sync: two warps' A and B matrices in shared memory
// (2 x (128 + 64) words of two 16-bit elements); each lane stores its 4 + 2
// registers where the PTX ISA puts their elements, the block waits, each
// lane sums its 4 accumulators over the 16 columns (8 words), and the block
// waits again. The declaration goes.
// CHECK-LABEL: gpu.func @kernel
// CHECK:         %[[SCRATCH:.*]] = memref.alloc() : memref<384xi32, #gpu.address_space<workgroup>>
// CHECK:         %[[TID:.*]] = gpu.thread_id x
// CHECK:         %[[LANE:.*]] = arith.remui %[[TID]]
// CHECK:         %[[WARP:.*]] = arith.divui %[[TID]]
// CHECK:         arith.shrui %[[LANE]]
// CHECK:         arith.andi %[[LANE]]
// CHECK-COUNT-6: memref.store %{{.*}}, %[[SCRATCH]]
// CHECK:         gpu.barrier
// CHECK:         scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args
// CHECK-COUNT-8:   memref.load %[[SCRATCH]]
// CHECK:         gpu.barrier
// CHECK-NOT:     func.call
// CHECK-NOT:     func.func
gpu.module @kernels {
  func.func private @__recur_mma_m16n8k16_bf16(bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, f32, f32, f32, f32) -> (f32, f32, f32, f32)
  gpu.func @kernel(%a: bf16, %c: f32, %out: memref<4xf32>) kernel attributes {known_block_size = array<i32: 64, 1, 1>} {
    %r:4 = func.call @__recur_mma_m16n8k16_bf16(%a, %a, %a, %a, %a, %a, %a, %a, %a, %a, %a, %a, %c, %c, %c, %c) : (bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, f32, f32, f32, f32) -> (f32, f32, f32, f32)
    %c0 = arith.constant 0 : index
    memref.store %r#0, %out[%c0] : memref<4xf32>
    gpu.return
  }
}

// -----

gpu.module @kernels {
  func.func private @__recur_mma_m16n8k16_bf16(bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, f32, f32, f32, f32) -> (f32, f32, f32, f32)
  // expected-error @+1 {{has warp-wide matmuls but not a static block of whole warps}}
  gpu.func @partial_warp(%a: bf16, %c: f32) kernel attributes {known_block_size = array<i32: 48, 1, 1>} {
    %r:4 = func.call @__recur_mma_m16n8k16_bf16(%a, %a, %a, %a, %a, %a, %a, %a, %a, %a, %a, %a, %c, %c, %c, %c) : (bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, f32, f32, f32, f32) -> (f32, f32, f32, f32)
    gpu.return
  }
}
